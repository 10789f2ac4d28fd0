package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/testkit"
)

// smtpGate stands between slate and Mailpit so a test can take the mail
// server away: down (connection refused), hang (connections accepted,
// nothing answered) or up (bytes relayed both ways).
type smtpGate struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newSMTPGate(t *testing.T, target string) *smtpGate {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &smtpGate{t: t, addr: l.Addr().String(), target: target}
	l.Close()
	t.Cleanup(g.down)
	return g
}

func (g *smtpGate) port() string { _, p, _ := net.SplitHostPort(g.addr); return p }

// down closes the port and every connection through it.
func (g *smtpGate) down() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln != nil {
		g.ln.Close()
		g.ln = nil
	}
	for _, c := range g.conns {
		c.Close()
	}
	g.conns = nil
}

// up opens the port again: relaying, or hanging when hang is true.
func (g *smtpGate) up(hang bool) {
	g.down()
	g.mu.Lock()
	defer g.mu.Unlock()
	var err error
	for range 50 { // the port may linger a moment after close
		if g.ln, err = net.Listen("tcp", g.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		g.t.Fatalf("smtp gate: listen %s: %v", g.addr, err)
	}
	go g.serve(g.ln, hang)
}

func (g *smtpGate) serve(ln net.Listener, hang bool) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		g.mu.Lock()
		g.conns = append(g.conns, c)
		g.mu.Unlock()
		if hang {
			continue // held open, never answered, until down
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("tcp", g.target)
			if err != nil {
				return
			}
			defer up.Close()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			_, _ = io.Copy(c, up)
		}()
	}
}

type delivery struct {
	ScheduleID string    `json:"schedule_id"`
	PeriodFrom time.Time `json:"period_from"`
	PeriodTo   time.Time `json:"period_to"`
	Trigger    string    `json:"trigger"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	Error      string    `json:"error"`
	MessageID  string    `json:"message_id"`
}

func (s *served) deliveries(t *testing.T, id string) []delivery {
	t.Helper()
	code, body := s.send(t, "GET", s.tokens[auth.RoleManager], "/api/v1/schedules/"+id+"/deliveries", "")
	if code != 200 {
		t.Fatalf("deliveries of %s: %d %s", id, code, body)
	}
	var out struct{ Deliveries []delivery }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Deliveries
}

// delivered is the messages Mailpit holds whose Message-ID starts with
// prefix.
func delivered(mp *testkit.Mailpit, prefix string) []testkit.MailpitMessage {
	var out []testkit.MailpitMessage
	for _, m := range mp.Messages() {
		if strings.HasPrefix(m.MessageID, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// TestScheduledMail runs e-mailed reports end to end: `slate serve` with a
// schedule from its config file, a real SMTP server (Mailpit: STARTTLS and
// login required) behind a gate the test opens and closes, and the data
// of the last two weeks in ClickHouse.
func TestScheduledMail(t *testing.T) {
	mp := testkit.StartMailpit(t)
	gate := newSMTPGate(t, mp.SMTPAddr)
	e := newEnv(t, sharedCH, 2)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	msgs := e.generatedWith(eventgen.Config{Seed: 5, Tickets: 400, Days: 14, Start: today.AddDate(0, 0, -14), Zone: time.UTC})
	// A ticket whose labels are spreadsheet formulas and markup, created
	// five days ago: the send-now period below.
	hostileAt := today.AddDate(0, 0, -5).Add(10 * time.Hour)
	hostile := event.Event{Schema: 1, ID: "mail-hostile-1", Type: event.TypeCreated, Tenant: "acme", TicketID: "MAIL-XSS-1",
		OccurredAt: hostileAt, Actor: event.Actor{Type: event.ActorCustomer, ID: "c-x"}, Channel: "email",
		Customer: "=cmd|' /C calc'!A0", Group: "L1", Assignee: "@agent", Status: event.StatusOpen, Priority: event.PriorityHigh,
		Tags: []string{"=hyperlink(\"http://evil.example\")", "+1 sự cố", "<b>сбой</b>"}, Subject: "x"}
	hv, err := event.Marshal(&hostile)
	if err != nil {
		t.Fatal(err)
	}
	e.expected.add(hostile)
	msgs = append(msgs, kafka.Message{Key: []byte(hostile.TicketID), Value: hv})
	e.produce(msgs)
	in := e.startIngest()
	want, _ := e.expected.figures()
	e.waitFor(want, 2*time.Minute)
	in.stop(t)

	// The config: the mail server through the gate, a quick scheduler, and
	// one schedule in the file sending yesterday's figures every minute
	// (so the test need not wait for a morning).
	s := &served{env: e, tokens: map[auth.Role]string{}}
	var tokens []map[string]any
	for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleViewer} {
		plain, th, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		s.tokens[role] = plain
		tokens = append(tokens, map[string]any{"name": string(role) + "-token", "role": string(role), "hash": th})
	}
	port, _ := strconv.Atoi(gate.port())
	cfg := map[string]any{
		"labels": eventgen.DefaultMapping(),
		"auth":   map[string]any{"tokens": tokens},
		"mail": map[string]any{
			"smtp": map[string]any{"host": "127.0.0.1", "port": port, "tls": "starttls", "ca_file": mp.CAFile,
				"username": mp.User, "from": "Slate <reports@slate.example.com>", "timeout": "3s"},
			"runner":   map[string]any{"interval": "500ms", "retry_base": "1s", "retry_max": "2s", "send_timeout": "6s", "max_attempts": 50},
			"base_url": "https://slate.example.com",
			"schedules": []map[string]any{{
				"id": "daily-file", "name": "Daily <ops> & Co", "cron": "* * * * *", "tz": "UTC", "period": "day",
				"reports": []string{"volume", "tags"}, "format": "xlsx", "recipients": []string{"lead@example.com", "cfo@example.vn"},
			}},
		},
	}
	raw, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.cfgPath = filepath.Join(t.TempDir(), "mail.yaml")
	if err := os.WriteFile(e.cfgPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pwFile, []byte(mp.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	serveEnv := "SLATE_MAIL_SMTP_PASSWORD_FILE=" + pwFile

	yesterday := today.AddDate(0, 0, -1)
	idPrefix := "slate.daily-file." + yesterday.Format("20060102T150405Z") + "@slate.example.com"
	latest := func(id string, from time.Time) (delivery, bool) {
		for _, d := range s.deliveries(t, id) {
			if d.PeriodFrom.Equal(from) {
				return d, true
			}
		}
		return delivery{}, false
	}

	// 1. Restart in the middle of a scheduled run: the server accepts the
	// connection and never answers; slate is killed while it waits.
	gate.up(true)
	proc := e.startServe(t, serveEnv)
	s.base = proc.base
	waitUntil(t, 90*time.Second, "the first run to start sending", func() bool {
		d, ok := latest("daily-file", yesterday)
		return ok && d.State == "sending"
	})
	proc.kill()
	if n := len(delivered(mp, idPrefix)); n != 0 {
		t.Fatalf("%d messages before any could be sent", n)
	}

	// 2. The mail server is down when slate comes back: the abandoned run
	// is taken over after the send timeout and retried with backoff, each
	// failure recorded.
	gate.down()
	proc = e.startServe(t, serveEnv)
	s.base = proc.base
	waitUntil(t, 60*time.Second, "retries while the server is down", func() bool {
		d, ok := latest("daily-file", yesterday)
		return ok && d.State == "retrying" && d.Attempts >= 3 && strings.Contains(d.Error, "connection refused")
	})

	// 3. The server comes back: the period goes out exactly once, however
	// many runs of the cron covered it meanwhile.
	gate.up(false)
	waitUntil(t, 30*time.Second, "the delivery to be sent", func() bool {
		d, ok := latest("daily-file", yesterday)
		return ok && d.State == "sent"
	})
	time.Sleep(3 * time.Second) // a few more scheduler passes and cron runs
	got := delivered(mp, idPrefix)
	if len(got) != 1 {
		t.Fatalf("%d messages for yesterday, want 1", len(got))
	}
	checkDigest(t, s, mp, got[0], yesterday, today)

	// 4. Send now, for the day of the hostile ticket: formulas stay text.
	day := today.AddDate(0, 0, -5)
	code, body := s.send(t, "POST", s.tokens[auth.RoleManager], "/api/v1/schedules/daily-file/send", `{"date":"`+day.Format(time.DateOnly)+`"}`)
	if code != 200 || !strings.Contains(string(body), `"state":"sent"`) || !strings.Contains(string(body), `"trigger":"manual"`) {
		t.Fatalf("send now: %d %s", code, body)
	}
	got = delivered(mp, "slate.daily-file."+day.Format("20060102T150405Z"))
	if len(got) != 1 {
		t.Fatalf("send now: %d messages", len(got))
	}
	checkDigest(t, s, mp, got[0], day, day.AddDate(0, 0, 1))
	checkHostileTags(t, mp, got[0])

	// 5. Bad requests and refusals.
	mgr := s.tokens[auth.RoleManager]
	for _, c := range []struct {
		path, body string
		code       int
		param      string
	}{
		{"/api/v1/schedules/daily-file/send", `{"date":"yesterday"}`, 400, "date"},
		{"/api/v1/schedules/daily-file/send", `{"date":"` + today.AddDate(0, 0, 3).Format(time.DateOnly) + `"}`, 400, "date"},
		{"/api/v1/schedules/daily-file/send", `{"when":"now"}`, 400, "body"},
		{"/api/v1/schedules/nope/send", ``, 404, ""},
	} {
		code, body := s.send(t, "POST", mgr, c.path, c.body)
		var eb struct{ Param string }
		_ = json.Unmarshal(body, &eb)
		if code != c.code || eb.Param != c.param {
			t.Errorf("POST %s %s: %d %s, want %d naming %q", c.path, c.body, code, body, c.code, c.param)
		}
	}
	if code, _ := s.send(t, "POST", s.tokens[auth.RoleViewer], "/api/v1/schedules/daily-file/send", ""); code != 403 {
		t.Errorf("viewer sent a schedule: %d", code)
	}
	// The file's schedule changes only in the file.
	if code, body := s.send(t, "POST", mgr, "/api/v1/schedules/daily-file/pause", ""); code != 400 || !strings.Contains(string(body), "configuration file") {
		t.Errorf("pause a file schedule: %d %s", code, body)
	}

	// 6. A weekly schedule made through the API, as CSV: one file per
	// report, the week holding the hostile ticket, formulas neutralised.
	code, body = s.send(t, "POST", mgr, "/api/v1/schedules", `{"id":"weekly-csv","name":"Weekly tags","cron":"0 6 * * 1","tz":"UTC",
		"period":"week","reports":["tags","volume"],"format":"csv","recipients":["lead@example.com"]}`)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body = s.send(t, "POST", mgr, "/api/v1/schedules/weekly-csv/send", `{"date":"`+day.Format(time.DateOnly)+`"}`); code != 200 {
		t.Fatalf("send now: %d %s", code, body)
	}
	monday := day.AddDate(0, 0, -(int(day.Weekday())+6)%7)
	got = delivered(mp, "slate.weekly-csv."+monday.Format("20060102T150405Z"))
	if len(got) != 1 || len(got[0].Attachments) != 2 {
		t.Fatalf("weekly csv: %+v", got)
	}
	tagsCSV := got[0].Attachments[0]
	if tagsCSV.FileName != "weekly-tags-"+monday.Format(time.DateOnly)+"-tags.csv" || !strings.HasPrefix(tagsCSV.ContentType, "text/csv") {
		t.Errorf("csv attachment: %+v", tagsCSV)
	}
	recs, err := csv.NewReader(bytes.NewReader(mp.Part(got[0].ID, tagsCSV.PartID))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	week := s.report(t, s.tokens[auth.RoleViewer], "/api/v1/reports/tags?from="+monday.Format(time.RFC3339)+"&to="+monday.AddDate(0, 0, 7).Format(time.RFC3339)+"&tz=UTC")
	if len(recs) != len(week.Rows)+1 {
		t.Errorf("tags csv: %d records, the API %d rows", len(recs)-1, len(week.Rows))
	}
	neutralised := false
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[0], "=") || strings.HasPrefix(r[0], "+") {
			t.Errorf("formula-like cell left active: %q", r[0])
		}
		neutralised = neutralised || r[0] == `'=hyperlink("http://evil.example")`
	}
	if !neutralised {
		t.Errorf("the hostile tag is not in the csv as text")
	}

	// 7. A permanent failure (the server refuses the address with 550) is
	// recorded with its reason, answered 502, and not retried.
	code, body = s.send(t, "POST", mgr, "/api/v1/schedules", `{"id":"refused","name":"Refused","cron":"0 6 * * *","tz":"UTC",
		"period":"day","reports":["volume"],"format":"csv","recipients":["someone@rejected.test"]}`)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	code, body = s.send(t, "POST", mgr, "/api/v1/schedules/refused/send", "")
	if code != 502 || !strings.Contains(string(body), "550") || !strings.Contains(string(body), `"state":"failed"`) {
		t.Errorf("refused address: %d %s", code, body)
	}
	time.Sleep(2 * time.Second)
	if d, ok := latest("refused", yesterday); !ok || d.State != "failed" || d.Attempts != 1 || !strings.Contains(d.Error, "someone@rejected.test") {
		t.Errorf("refused delivery: %+v %v", d, ok)
	}
	if n := len(delivered(mp, "slate.refused.")); n != 0 {
		t.Errorf("refused address got %d messages", n)
	}
}

// checkDigest compares one e-mail with the API: its headline figures, and
// the attached workbook's sheets with the same reports' JSON.
func checkDigest(t *testing.T, s *served, mp *testkit.Mailpit, m testkit.MailpitMessage, from, to time.Time) {
	t.Helper()
	label := from.Format("Mon 2 Jan 2006")
	if m.Subject != "Slate: Daily <ops> & Co · "+label {
		t.Errorf("subject %q", m.Subject)
	}
	if len(m.To) != 2 || m.To[0].Address != "lead@example.com" || m.To[1].Address != "cfo@example.vn" || m.From.Address != "reports@slate.example.com" {
		t.Errorf("addresses: to %+v from %+v", m.To, m.From)
	}
	q := "from=" + from.Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339) + "&tz=UTC"
	vol := s.report(t, s.tokens[auth.RoleViewer], "/api/v1/reports/volume?"+q)
	created := strconv.FormatFloat(vol.Rows[0][0].(float64), 'f', 0, 64)
	// Both bodies show the figure; the HTML escapes the schedule's name.
	if !strings.Contains(m.HTML, "<td>Tickets created</td><td align=\"right\"><b>"+created+"</b></td>") {
		t.Errorf("html body lacks Tickets created = %s:\n%.1500s", created, m.HTML)
	}
	if !strings.Contains(m.HTML, "Daily &lt;ops&gt; &amp; Co") || strings.Contains(m.HTML, "<ops>") {
		t.Errorf("html body does not escape the name:\n%.600s", m.HTML)
	}
	if !strings.Contains(m.Text, "Tickets created") || !strings.Contains(m.Text, " "+created+" ") || !strings.Contains(m.Text, "Daily <ops> & Co") {
		t.Errorf("text body:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, "https://slate.example.com/dashboards/leadership?from="+from.Format(time.DateOnly)) {
		t.Errorf("html body lacks the dashboard link")
	}
	if len(m.Attachments) != 1 || m.Attachments[0].FileName != "daily-ops-co-"+from.Format(time.DateOnly)+".xlsx" {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	book := mp.Part(m.ID, m.Attachments[0].PartID)
	sameCells(t, "volume sheet", sheetRowsNamed(t, book, "Ticket volume"), s.report(t, s.tokens[auth.RoleViewer], "/api/v1/reports/volume?"+q+"&grain=hour"))
	sameCells(t, "tags sheet", sheetRowsNamed(t, book, "Tag analysis"), s.report(t, s.tokens[auth.RoleViewer], "/api/v1/reports/tags?"+q))
}

// checkHostileTags: the tags sheet holds the formula-like tags as text.
func checkHostileTags(t *testing.T, mp *testkit.Mailpit, m testkit.MailpitMessage) {
	t.Helper()
	book := mp.Part(m.ID, m.Attachments[0].PartID)
	var seen []string
	for _, row := range sheetRowsNamed(t, book, "Tag analysis") {
		for _, c := range row {
			if strings.HasPrefix(c, "=") || strings.HasPrefix(c, "+1") || strings.Contains(c, "сбой") {
				seen = append(seen, c)
			}
		}
	}
	if len(seen) == 0 {
		t.Fatalf("the hostile tags are not in the Tags sheet")
	}
	if err := noFormulas(book); err != nil {
		t.Error(err)
	}
}

// noFormulas fails if any cell of the workbook is a formula.
func noFormulas(book []byte) error {
	x, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		return err
	}
	defer x.Close()
	for _, sh := range x.GetSheetList() {
		rows, err := x.GetRows(sh)
		if err != nil {
			return err
		}
		for r, row := range rows {
			for c := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if f, _ := x.GetCellFormula(sh, ref); f != "" {
					return fmt.Errorf("sheet %s cell %s is a formula: %q", sh, ref, f)
				}
			}
		}
	}
	return nil
}
