// Package mailer hands schedule messages to an SMTP server (go-mail):
// STARTTLS (required by default) or implicit TLS, authentication, and
// errors sorted into temporary (retry later) and permanent (record and
// stop) for the scheduler.
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/slatehq/slate/reports/schedule"
)

// Config is the SMTP server and the sender's address.
type Config struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS: "starttls" (upgrade required, the default), "opportunistic"
	// (upgrade when offered), "implicit" (TLS from the first byte, port
	// 465) or "none" (a local relay only).
	TLS string `yaml:"tls"`
	// CAFile adds a PEM bundle to the system roots (a private CA).
	CAFile string `yaml:"ca_file"`
	// Auth: "auto" (the best the server offers; none without a username),
	// "plain", "login", "cram-md5" or "none".
	Auth     string `yaml:"auth"`
	Username string `yaml:"username"`
	// Password comes from SLATE_MAIL_SMTP_PASSWORD or
	// SLATE_MAIL_SMTP_PASSWORD_FILE only, never from the file.
	Password string        `yaml:"-"`
	From     string        `yaml:"from"`
	Timeout  time.Duration `yaml:"timeout"`
}

// DefaultConfig is submission on port 587 with STARTTLS required.
func DefaultConfig() Config {
	return Config{Port: 587, TLS: "starttls", Auth: "auto", Timeout: 30 * time.Second}
}

// Enabled reports whether a server is configured.
func (c Config) Enabled() bool { return c.Host != "" }

// Validate names the field that cannot work (prefix is the config path).
func (c Config) Validate(prefix string) error {
	if !c.Enabled() {
		return nil
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("%sport: %d is not a TCP port", prefix, c.Port)
	}
	switch c.TLS {
	case "starttls", "opportunistic", "implicit", "none":
	default:
		return fmt.Errorf("%stls: %q is not starttls, opportunistic, implicit or none", prefix, c.TLS)
	}
	switch c.Auth {
	case "auto", "plain", "login", "cram-md5", "none":
	default:
		return fmt.Errorf("%sauth: %q is not auto, plain, login, cram-md5 or none", prefix, c.Auth)
	}
	if c.Auth != "none" && c.Auth != "auto" && c.Username == "" {
		return fmt.Errorf("%susername: auth %s needs a username", prefix, c.Auth)
	}
	if c.Username != "" && c.Password == "" && c.Auth != "none" {
		return fmt.Errorf("%spassword: username %q is set but SLATE_MAIL_SMTP_PASSWORD(_FILE) is empty", prefix, c.Username)
	}
	if a, err := mail.ParseAddress(c.From); err != nil || !strings.Contains(a.Address, "@") {
		return fmt.Errorf("%sfrom: %q is not an e-mail address", prefix, c.From)
	}
	if c.CAFile != "" {
		if _, err := c.roots(); err != nil {
			return fmt.Errorf("%sca_file: %w", prefix, err)
		}
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("%stimeout: must be positive, got %s", prefix, c.Timeout)
	}
	return nil
}

func (c Config) roots() (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if c.CAFile == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, err
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", c.CAFile)
	}
	return pool, nil
}

// Domain is the sender's domain, the right-hand side of Message-IDs.
func (c Config) Domain() string {
	if a, err := mail.ParseAddress(c.From); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok {
			return d
		}
	}
	return "slate.invalid"
}

// Mailer sends messages (schedule.Sender).
type Mailer struct {
	cfg  Config
	opts []gomail.Option
}

// New checks c and prepares the client options.
func New(c Config) (*Mailer, error) {
	if err := c.Validate("mail.smtp."); err != nil {
		return nil, err
	}
	roots, err := c.roots()
	if err != nil {
		return nil, err
	}
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(c.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: c.Host, RootCAs: roots, MinVersion: tls.VersionTLS12})}
	switch c.TLS {
	case "starttls":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	case "opportunistic":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
	case "implicit":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.NoTLS))
	}
	switch {
	case c.Auth == "none" || c.Auth == "auto" && c.Username == "":
	case c.Auth == "auto":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
	case c.Auth == "plain":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain))
	case c.Auth == "login":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthLogin))
	case c.Auth == "cram-md5":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthCramMD5))
	}
	if c.Username != "" && c.Auth != "none" {
		opts = append(opts, gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	return &Mailer{cfg: c, opts: opts}, nil
}

// Build turns a schedule message into a MIME message: a text part and
// its HTML alternative, then the attachments.
func (m *Mailer) Build(msg schedule.Message) (*gomail.Msg, error) {
	g := gomail.NewMsg()
	if err := g.From(m.cfg.From); err != nil {
		return nil, permanent(fmt.Errorf("from %q: %w", m.cfg.From, err))
	}
	if err := g.To(msg.To...); err != nil {
		return nil, permanent(fmt.Errorf("recipients: %w", err))
	}
	g.Subject(msg.Subject)
	g.SetMessageIDWithValue(msg.ID)
	g.SetDate()
	g.SetBodyString(gomail.TypeTextPlain, msg.Text)
	g.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	for _, a := range msg.Attachments {
		if err := g.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return g, nil
}

// Send delivers msg in one SMTP session.
func (m *Mailer) Send(ctx context.Context, msg schedule.Message) error {
	g, err := m.Build(msg)
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(m.cfg.Host, m.opts...)
	if err != nil {
		return permanent(err)
	}
	if err := c.DialAndSendWithContext(ctx, g); err != nil {
		return classify(err)
	}
	return nil
}

func permanent(err error) error { return &schedule.SendError{Temporary: false, Err: err} }

// classify sorts a failed session: the server's 5xx replies (a rejected
// address, a refused login, a message too large) and certificate
// problems are permanent; 4xx replies and network failures (refused,
// reset, timed out) are temporary.
func classify(err error) error {
	temp := true
	var se *gomail.SendError
	var tp *textproto.Error
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.As(err, &se) && se.ErrorCode() != 0:
		temp = se.IsTemp()
	case errors.As(err, &tp):
		temp = tp.Code/100 == 4
	case errors.As(err, &cert), errors.As(err, &unknownCA), errors.As(err, &hostname):
		temp = false
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		temp = true
	}
	return &schedule.SendError{Temporary: temp, Err: err}
}
