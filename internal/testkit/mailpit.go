package testkit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/childproc"
)

// Mailpit is a real SMTP server for a test (github.com/axllent/mailpit):
// STARTTLS required with a certificate of a CA made for the test (CAFile
// for clients), authentication required (User, Password), recipients
// outside AllowedRecipients refused with 550, and an HTTP API to read
// what arrived.
type Mailpit struct {
	SMTPAddr, APIAddr string
	CAFile            string
	User, Password    string
	dir               string
	proc              *childproc.Process
	out               *childproc.TailWriter
	t                 testing.TB
}

// MailpitAllowedRecipients is the pattern of addresses Mailpit accepts;
// any other gets "550 Invalid recipient".
const MailpitAllowedRecipients = `@example\.(com|org|vn)$`

// StartMailpit starts Mailpit on free loopback ports; the test's cleanup
// stops it. Missing, it fails the test naming scripts/install-deps.sh.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	SkipShort(t, "a Mailpit server")
	bin, err := mailpitPath()
	if err != nil {
		t.Fatal(err)
	}
	m := &Mailpit{dir: t.TempDir(), User: "slate", Password: "mail-" + strconv.Itoa(os.Getpid()), t: t}
	if err := m.writeTLS(); err != nil {
		t.Fatalf("testkit: mailpit: %v", err)
	}
	auth := filepath.Join(m.dir, "smtp-auth")
	if err := os.WriteFile(auth, []byte(m.User+":"+m.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ps, err := freePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	m.SMTPAddr, m.APIAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ps[0])), net.JoinHostPort("127.0.0.1", strconv.Itoa(ps[1]))
	m.out = childproc.NewTailWriter(16 << 10)
	cmd := exec.Command(bin,
		"--listen", m.APIAddr, "--smtp", m.SMTPAddr, "--database", filepath.Join(m.dir, "mailpit.db"),
		"--smtp-tls-cert", filepath.Join(m.dir, "cert.pem"), "--smtp-tls-key", filepath.Join(m.dir, "key.pem"),
		"--smtp-require-starttls", "--smtp-auth-file", auth,
		"--smtp-allowed-recipients", MailpitAllowedRecipients, "--disable-version-check")
	cmd.Stdout, cmd.Stderr = m.out, m.out
	if m.proc, err = childproc.Start(cmd); err != nil {
		t.Fatalf("testkit: start mailpit: %v", err)
	}
	t.Cleanup(func() { _ = m.proc.Stop(5 * time.Second) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + m.APIAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m
			}
		}
		if time.Now().After(deadline) || m.proc.Exited() {
			t.Fatalf("testkit: mailpit did not start: %v\n%s", err, m.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mailpitPath() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(gopath, "bin")} {
		if p := filepath.Join(dir, "mailpit"); dir != "" {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("testkit: mailpit not found on PATH or in $GOPATH/bin; run scripts/install-deps.sh")
}

// writeTLS makes a CA and a server certificate for 127.0.0.1/localhost.
func (m *Mailpit) writeTLS() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "slate test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	srv := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, srv, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	m.CAFile = filepath.Join(m.dir, "ca.pem")
	for name, block := range map[string]*pem.Block{
		"ca.pem": {Type: "CERTIFICATE", Bytes: caDER}, "cert.pem": {Type: "CERTIFICATE", Bytes: der},
		"key.pem": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(m.dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// MailpitMessage is a received message as Mailpit's API shows it.
type MailpitMessage struct {
	ID        string
	MessageID string
	Subject   string
	To        []struct{ Address string }
	From      struct{ Address string }
	Text      string
	HTML      string
	Headers   map[string][]string
	// Attachments are the files attached, in order.
	Attachments []struct {
		PartID      string
		FileName    string
		ContentType string
		Size        int
	}
}

// Messages returns every message received, newest first, in full.
func (m *Mailpit) Messages() []MailpitMessage {
	m.t.Helper()
	var list struct {
		Messages []struct{ ID string }
	}
	m.getJSON("/api/v1/messages?limit=500", &list)
	out := make([]MailpitMessage, 0, len(list.Messages))
	for _, s := range list.Messages {
		var msg MailpitMessage
		m.getJSON("/api/v1/message/"+url.PathEscape(s.ID), &msg)
		m.getJSON("/api/v1/message/"+url.PathEscape(s.ID)+"/headers", &msg.Headers)
		out = append(out, msg)
	}
	return out
}

// Part returns the bytes of one attachment.
func (m *Mailpit) Part(msgID, partID string) []byte {
	m.t.Helper()
	return m.get("/api/v1/message/" + url.PathEscape(msgID) + "/part/" + url.PathEscape(partID))
}

// Raw returns the message as received (headers and MIME body).
func (m *Mailpit) Raw(msgID string) []byte {
	m.t.Helper()
	return m.get("/api/v1/message/" + url.PathEscape(msgID) + "/raw")
}

// DeleteAll empties the mailbox.
func (m *Mailpit) DeleteAll() {
	m.t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, "http://"+m.APIAddr+"/api/v1/messages", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("mailpit: delete all: %v", err)
	}
	resp.Body.Close()
}

func (m *Mailpit) get(path string) []byte {
	m.t.Helper()
	resp, err := http.Get("http://" + m.APIAddr + path)
	if err != nil {
		m.t.Fatalf("mailpit: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit: GET %s: %d %v %s", path, resp.StatusCode, err, b)
	}
	return b
}

func (m *Mailpit) getJSON(path string, v any) {
	m.t.Helper()
	if err := json.Unmarshal(m.get(path), v); err != nil {
		m.t.Fatalf("mailpit: GET %s: %v", path, err)
	}
}
