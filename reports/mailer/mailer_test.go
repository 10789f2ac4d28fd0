package mailer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/reports/schedule"
)

func config(t *testing.T, mp *testkit.Mailpit) Config {
	host, port, _ := net.SplitHostPort(mp.SMTPAddr)
	c := DefaultConfig()
	c.Host, c.CAFile, c.Username, c.Password, c.From = host, mp.CAFile, mp.User, mp.Password, "Slate Reports <reports@slate.example.com>"
	c.Port, _ = strconv.Atoi(port)
	c.Timeout = 10 * time.Second
	return c
}

func message(to ...string) schedule.Message {
	return schedule.Message{
		ID: "slate.weekly.20261116T000000Z@slate.example.com", To: to,
		Subject: "Weekly SLA · 16 Nov 2026 – 22 Nov 2026 · Báo cáo · Отчёт",
		Text:    "Tickets created 42\n", HTML: "<p>Tickets created <b>42</b></p>",
		Attachments: []schedule.Attachment{
			{Name: "weekly-sla-2026-11-16.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: bytes.Repeat([]byte{0, 1, 2, 0xff}, 5000)},
			{Name: "báo-cáo.csv", ContentType: "text/csv; charset=utf-8", Data: []byte("tag,created\n'=cmd,3\n")},
		},
	}
}

// One Mailpit with STARTTLS and authentication required: a message goes
// through intact, and each kind of failure is sorted as the scheduler
// needs (retry or record and stop).
func TestMailerAgainstMailpit(t *testing.T) {
	mp := testkit.StartMailpit(t)
	ctx := context.Background()
	good := config(t, mp)
	m, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	want := message("lead@example.com", "cfo@example.vn")
	if err := m.Send(ctx, want); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := mp.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	g := got[0]
	if g.Subject != want.Subject || g.MessageID != want.ID || g.From.Address != "reports@slate.example.com" || len(g.To) != 2 {
		t.Errorf("headers: %+v", g)
	}
	if strings.TrimSpace(g.Text) != strings.TrimSpace(want.Text) || !strings.Contains(g.HTML, "<b>42</b>") {
		t.Errorf("bodies: %q %q", g.Text, g.HTML)
	}
	if len(g.Attachments) != 2 {
		t.Fatalf("attachments: %+v", g.Attachments)
	}
	for i, a := range g.Attachments {
		if a.FileName != want.Attachments[i].Name || !bytes.Equal(mp.Part(g.ID, a.PartID), want.Attachments[i].Data) {
			t.Errorf("attachment %d %q differs", i, a.FileName)
		}
	}

	failures := []struct {
		name      string
		cfg       func(*Config)
		to        []string
		temporary bool
	}{
		// 550 from RCPT TO: the address will not start working.
		{"rejected recipient", func(*Config) {}, []string{"someone@rejected.test"}, false},
		// 535 from AUTH.
		{"wrong password", func(c *Config) { c.Password = "wrong" }, nil, false},
		// The server's certificate is not signed by a CA we trust.
		{"untrusted certificate", func(c *Config) { c.CAFile = "" }, nil, false},
		// Nobody listens: the server may come back.
		{"connection refused", func(c *Config) { c.Port = closedPort(t) }, nil, true},
	}
	for _, f := range failures {
		c := good
		f.cfg(&c)
		m, err := New(c)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		to := f.to
		if to == nil {
			to = []string{"lead@example.com"}
		}
		err = m.Send(ctx, message(to...))
		t.Logf("%s: %v", f.name, err)
		var se *schedule.SendError
		if !errors.As(err, &se) || se.Temporary != f.temporary {
			t.Errorf("%s: got %v (SendError %+v), want temporary=%v", f.name, err, se, f.temporary)
		}
	}
	if n := len(mp.Messages()); n != 1 {
		t.Errorf("failed sends delivered something: %d messages", n)
	}
}

func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestConfigValidateNamesTheField(t *testing.T) {
	base := Config{Host: "smtp.example.com", Port: 587, TLS: "starttls", Auth: "auto", From: "reports@example.com", Timeout: time.Second}
	if err := base.Validate("mail.smtp."); err != nil {
		t.Fatal(err)
	}
	for field, mutate := range map[string]func(*Config){
		"port":     func(c *Config) { c.Port = 0 },
		"tls":      func(c *Config) { c.TLS = "ssl" },
		"auth":     func(c *Config) { c.Auth = "kerberos" },
		"username": func(c *Config) { c.Auth = "plain" },
		"password": func(c *Config) { c.Username = "u" },
		"from":     func(c *Config) { c.From = "nobody" },
		"ca_file":  func(c *Config) { c.CAFile = "/nonexistent.pem" },
		"timeout":  func(c *Config) { c.Timeout = 0 },
	} {
		c := base
		mutate(&c)
		err := c.Validate("mail.smtp.")
		if err == nil || !strings.HasPrefix(err.Error(), "mail.smtp."+field+":") {
			t.Errorf("%s: %v", field, err)
		}
	}
	if err := (Config{}).Validate("mail.smtp."); err != nil {
		t.Errorf("no host means mail is off, not an error: %v", err)
	}
}
