package main

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// served is one `slate serve` process over ingested generated data, with a
// user and a token per role.
type served struct {
	*env
	base     string
	tokens   map[auth.Role]string // plain tokens
	password string
	scoped   string // token of a viewer scoped to tenant acme
}

// hostileTags are labels a help desk may well send: markup, script
// breakers, spreadsheet formulas. They must come out as text everywhere.
var hostileTags = []string{`<img src=x onerror="window.__xss=1">`, `</script><script>window.__xss=2</script>`, `=HYPERLINK("http://evil.example")`, "Sự cố mạng", "Сбой"}

const hostileAgent = `"><svg onload="window.__xss=3">`

// hostileTicket is two tickets created inside the generated span: XSS-1,
// whose tags and assignee are hostileTags and hostileAgent, and CSV-1,
// whose customer and subject are csvHostileCustomer and csvHostileSubject.
func hostileTicket() []kafka.Message {
	xss := event.Event{Schema: 1, ID: "hostile-1", Type: event.TypeCreated, Tenant: "acme", TicketID: "XSS-1",
		OccurredAt: time.Date(2026, 1, 12, 3, 0, 0, 0, time.UTC), Actor: event.Actor{Type: event.ActorCustomer, ID: "c-x"},
		Channel: "email", Customer: "=cmd|' /C calc'!A0", Group: "L1", Assignee: hostileAgent, Status: event.StatusOpen,
		Priority: event.PriorityHigh, Tags: hostileTags, Subject: `<b>bold</b> & "quotes"`}
	csv := xss
	csv.ID, csv.TicketID, csv.Customer, csv.Subject, csv.Tags = "hostile-2", "CSV-1", csvHostileCustomer, csvHostileSubject, nil
	var msgs []kafka.Message
	for _, ev := range []event.Event{xss, csv} {
		v, err := event.Marshal(&ev)
		if err != nil {
			panic(err)
		}
		msgs = append(msgs, kafka.Message{Key: []byte(ev.TicketID), Value: v})
	}
	return msgs
}

func startServed(t *testing.T) *served {
	t.Helper()
	e := newEnv(t, sharedCH, 4)
	msgs := append(e.generated(600, 21), hostileTicket()...)
	var d event.Decoder
	for _, m := range hostileTicket() {
		hv, err := d.Decode(m.Value)
		if err != nil {
			t.Fatalf("hostile ticket %s: %v", m.Key, err)
		}
		e.expected.add(hv)
	}
	e.produce(msgs)
	in := e.startIngest()
	want, _ := e.expected.figures()
	e.waitFor(want, 2*time.Minute)
	in.stop(t)
	// SLA clocks for the compliance charts and their drill-downs.
	sla := e.command("sla", "recompute", "--quiet")
	sla.Env = append(sla.Env, "SLATE_SLA_CONFIG=../../deploy/sla.example.yaml")
	if out, err := sla.CombinedOutput(); err != nil {
		t.Fatalf("sla recompute: %v\n%s", err, out)
	}

	s := &served{env: e, tokens: map[auth.Role]string{}, password: "correct horse battery"}
	hash, err := auth.HashPassword(s.password)
	if err != nil {
		t.Fatal(err)
	}
	var users []map[string]any
	var tokens []map[string]any
	for _, role := range []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleFinance, auth.RoleViewer} {
		plain, th, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		s.tokens[role] = plain
		users = append(users, map[string]any{"name": string(role), "role": string(role), "password_hash": hash})
		tokens = append(tokens, map[string]any{"name": string(role) + "-token", "role": string(role), "hash": th})
	}
	plain, th, _ := auth.NewToken()
	s.scoped = plain
	tokens = append(tokens, map[string]any{"name": "acme-viewer", "role": "viewer", "hash": th, "scope": map[string]any{"tenants": []string{"acme"}}})
	users = append(users, map[string]any{"name": "acme", "role": "viewer", "password_hash": hash, "scope": map[string]any{"tenants": []string{"acme"}}})
	cfg, err := yaml.Marshal(map[string]any{"labels": eventgen.DefaultMapping(), "auth": map[string]any{"users": users, "tokens": tokens}})
	if err != nil {
		t.Fatal(err)
	}
	e.cfgPath = filepath.Join(t.TempDir(), "serve.yaml")
	if err := os.WriteFile(e.cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	s.base = e.startServe(t).base
	return s
}

// serveProc is one running `slate serve`.
type serveProc struct {
	base string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	log  string
}

// kill ends the process at once (SIGKILL) and waits for it.
func (p *serveProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// startServe runs `slate serve` with the env's config on a free port and
// waits until it is ready; the test's end kills it, showing its log if
// the test failed.
func (e *env) startServe(t *testing.T, extraEnv ...string) *serveProc {
	t.Helper()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	cmd := e.command("serve")
	cmd.Env = append(cmd.Env, "SLATE_HTTP_ADDR="+addr, "SLATE_AUTH_SESSION_KEY="+sessionKey)
	cmd.Env = append(cmd.Env, extraEnv...)
	logf, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{base: "http://" + addr, cmd: cmd, done: make(chan struct{}), log: logf.Name()}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			raw, _ := os.ReadFile(p.log)
			t.Logf("serve log:\n%s", tail(string(raw), 4000))
		}
	})
	waitUntil(t, 30*time.Second, "slate serve ready", func() bool {
		resp, err := http.Get(p.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return p
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (s *served) get(t *testing.T, token, path string) (int, http.Header, []byte) {
	t.Helper()
	return s.request(t, "GET", token, path)
}

// request sends method to path without a body, with the bearer token if
// not empty, and does not follow redirects.
func (s *served) request(t *testing.T, method, token, path string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

const sessionKey = "0123456789abcdef0123456789abcdef-test"

// The span the generator covers (20 days from 2026-01-05).
const span = "from=2026-01-01&to=2026-02-01"

func TestServe(t *testing.T) {
	s := startServed(t)
	t.Run("roles reach exactly what they should", func(t *testing.T) { testRoleMatrix(t, s) })
	t.Run("figures match the events", func(t *testing.T) { testAPIFigures(t, s) })
	t.Run("bad requests name the parameter", func(t *testing.T) { testBadRequests(t, s) })
	t.Run("scope cannot be escaped", func(t *testing.T) { testScope(t, s) })
	t.Run("csv and openapi", func(t *testing.T) { testCSVAndOpenAPI(t, s) })
	t.Run("headers on every route", func(t *testing.T) { testHeadersOnEveryRoute(t, s) })
	t.Run("csv opens in libreoffice without formulas", func(t *testing.T) { testCSVInLibreOffice(t, s) })
	t.Run("xlsx from the API and the CLI", func(t *testing.T) { testXLSX(t, s) })
	t.Run("exports in the reader's language", func(t *testing.T) { testExportLanguages(t, s) })
	t.Run("schedules through the API", func(t *testing.T) { testSchedules(t, s) })
	t.Run("workbooks open in LibreOffice", func(t *testing.T) { testLibreOffice(t, s) })
	t.Run("dashboards in chromium", func(t *testing.T) { testDashboardsInBrowser(t, s) })
	t.Run("figures a manager reads", func(t *testing.T) { testFiguresManagersRead(t, s) })
}

func testRoleMatrix(t *testing.T, s *served) {
	// Written out literally: the access rules as a table a reader can check.
	want := map[string]map[auth.Role]int{
		"/api/v1/reports/volume?" + span:      {auth.RoleAdmin: 200, auth.RoleManager: 200, auth.RoleFinance: 200, auth.RoleViewer: 200},
		"/api/v1/reports/billable?" + span:    {auth.RoleAdmin: 200, auth.RoleManager: 403, auth.RoleFinance: 200, auth.RoleViewer: 403},
		"/api/v1/reports/billable/tickets":    {auth.RoleAdmin: 200, auth.RoleManager: 403, auth.RoleFinance: 200, auth.RoleViewer: 403},
		"/dashboards/manager?" + span:         {auth.RoleAdmin: 200, auth.RoleManager: 200, auth.RoleFinance: 200, auth.RoleViewer: 200},
		"/dashboards/finance?" + span:         {auth.RoleAdmin: 200, auth.RoleManager: 403, auth.RoleFinance: 200, auth.RoleViewer: 403},
		"/dashboards/leadership?" + span:      {auth.RoleAdmin: 200, auth.RoleManager: 200, auth.RoleFinance: 200, auth.RoleViewer: 200},
		"/dashboards/tickets?report=billable": {auth.RoleAdmin: 200, auth.RoleManager: 403, auth.RoleFinance: 200, auth.RoleViewer: 403},
		"/debug/pprof/":                       {auth.RoleAdmin: 200, auth.RoleManager: 403, auth.RoleFinance: 403, auth.RoleViewer: 403},
	}
	for path, byRole := range want {
		for role, status := range byRole {
			if got, _, body := s.get(t, s.tokens[role], path); got != status {
				t.Errorf("%s as %s: %d, want %d: %.200s", path, role, got, status, body)
			}
		}
		// Without credentials: API paths answer 401, pages send to the login.
		got, h, _ := s.get(t, "", path)
		if strings.HasPrefix(path, "/api/") && got != 401 || !strings.HasPrefix(path, "/api/") && (got != 303 || !strings.HasPrefix(h.Get("Location"), "/login?next=")) {
			t.Errorf("%s without credentials: %d %q", path, got, h.Get("Location"))
		}
		if got, _, _ := s.get(t, "slt_not-a-real-token", path); got != 401 {
			t.Errorf("%s with a wrong token: %d, want 401", path, got)
		}
	}
	for _, open := range []string{"/healthz", "/readyz", "/metrics", "/login", "/assets/echarts.min.js", "/assets/slate.js", "/api/openapi.json"} {
		if got, _, _ := s.get(t, "", open); got != 200 {
			t.Errorf("%s without credentials: %d, want 200", open, got)
		}
	}
	// The catalog lists finance reports only to those who may run them.
	for role, wantBillable := range map[auth.Role]bool{auth.RoleAdmin: true, auth.RoleManager: false, auth.RoleFinance: true, auth.RoleViewer: false} {
		_, _, body := s.get(t, s.tokens[role], "/api/v1/reports")
		if strings.Contains(string(body), `"name":"billable"`) != wantBillable {
			t.Errorf("catalog for %s lists billable: %v", role, !wantBillable)
		}
	}
}

type apiResult struct {
	Columns   []struct{ Name, Kind string }
	Rows      [][]any
	TagLabels map[string]string `json:"tag_labels"` // the desk's spelling of a tag key, where it differs
}

func (s *served) report(t *testing.T, token, path string) apiResult {
	t.Helper()
	code, _, body := s.get(t, token, path)
	if code != 200 {
		t.Fatalf("%s: %d %s", path, code, body)
	}
	var r apiResult
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// liveCreated counts, per tenant, tickets created in [from, to) that were
// neither deleted nor merged, from the events alone.
func (s *served) liveCreated(from, to time.Time) map[string]float64 {
	type tk struct {
		created time.Time
		has     bool
		dead    bool
	}
	tickets := map[ticketKey]*tk{}
	for _, ev := range s.expected.events {
		k := ticketKey{ev.Tenant, ev.TicketID}
		if tickets[k] == nil {
			tickets[k] = &tk{}
		}
		switch ev.Type {
		case event.TypeCreated:
			tickets[k].created, tickets[k].has = ev.OccurredAt.Truncate(time.Second), true
		case event.TypeDeleted, event.TypeMerged:
			tickets[k].dead = true
		}
	}
	out := map[string]float64{}
	for k, x := range tickets {
		if x.has && !x.dead && !x.created.Before(from) && x.created.Before(to) {
			out[k.tenant]++
		}
	}
	return out
}

func testAPIFigures(t *testing.T, s *served) {
	want := s.liveCreated(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	r := s.report(t, s.tokens[auth.RoleViewer], "/api/v1/reports/volume?"+span+"&group_by=tenant")
	if len(r.Rows) != len(want) {
		t.Fatalf("%d tenants, want %d: %v", len(r.Rows), len(want), r.Rows)
	}
	for _, row := range r.Rows {
		if row[1].(float64) != want[row[0].(string)] {
			t.Errorf("tenant %v created %v, want %v", row[0], row[1], want[row[0].(string)])
		}
	}
	// Every day of the range in a zone, the empty ones as zeros.
	days := s.report(t, s.tokens[auth.RoleViewer], "/api/v1/reports/volume?from=2026-01-01&to=2026-01-31&tz=Asia/Ho_Chi_Minh&grain=day")
	if len(days.Rows) != 30 || days.Rows[0][0] != "2026-01-01T00:00:00+07:00" {
		t.Fatalf("days: %d rows, first %v", len(days.Rows), days.Rows[0])
	}
}

func testBadRequests(t *testing.T, s *served) {
	tok := s.tokens[auth.RoleViewer]
	for path, param := range map[string]string{
		"/api/v1/reports/volume?from=2026-02-30":                                       "from",
		"/api/v1/reports/volume?from=2026-03-01&to=2026-02-01":                         "to",
		"/api/v1/reports/volume?from=2020-01-01&to=2026-01-01":                         "to",
		"/api/v1/reports/volume?tz=Atlantis/Capital":                                   "tz",
		"/api/v1/reports/volume?group_by=shoe_size":                                    "group_by",
		"/api/v1/reports/volume?shoe_size=42":                                          "shoe_size",
		"/api/v1/reports/volume?priority=whenever":                                     "priority",
		"/api/v1/reports/volume?format=pdf":                                            "format",
		"/api/v1/reports/volume/tickets?measure=nope&" + span:                          "measure",
		"/api/v1/reports/backlog?grain=day":                                            "grain",
		"/api/v1/reports/volume?grain=hour&group_by=tag&from=2025-06-01&to=2026-06-01": "",
	} {
		code, _, body := s.get(t, tok, path)
		var e struct{ Error, Param, Kind string }
		_ = json.Unmarshal(body, &e)
		if param == "" { // too many rows for the result limit
			if code != 413 || !strings.Contains(e.Error, "rows") {
				t.Errorf("%s: %d %.300s, want 413 naming the row limit", path, code, body)
			}
			continue
		}
		if code != 400 || e.Param != param || e.Error == "" {
			t.Errorf("%s: %d %.300s, want 400 naming %s", path, code, body, param)
		}
	}
	if code, _, _ := s.get(t, tok, "/api/v1/reports/nope"); code != 404 {
		t.Errorf("unknown report: %d", code)
	}
}

func testScope(t *testing.T, s *served) {
	want := s.liveCreated(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	r := s.report(t, s.scoped, "/api/v1/reports/volume?"+span+"&group_by=tenant&tenant=acme&tenant=rudesk&tenant=vn-portal")
	if len(r.Rows) != 1 || r.Rows[0][0] != "acme" || r.Rows[0][1].(float64) != want["acme"] {
		t.Fatalf("scoped viewer sees %v, want only acme with %v", r.Rows, want["acme"])
	}
	r = s.report(t, s.scoped, "/api/v1/reports/volume?"+span+"&tenant=rudesk")
	if r.Rows[0][0].(float64) != 0 {
		t.Fatalf("scoped viewer asking for rudesk sees %v", r.Rows)
	}
	list := s.report(t, s.scoped, "/api/v1/reports/volume/tickets?"+span+"&limit=5000")
	for _, row := range list.Rows {
		if row[0] != "acme" {
			t.Fatalf("drill-down escaped the scope: %v", row)
		}
	}
}

func testCSVAndOpenAPI(t *testing.T, s *served) {
	tok := s.tokens[auth.RoleAdmin]
	code, h, body := s.get(t, tok, "/api/v1/reports/tags?"+span+"&format=csv")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", code, h.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	js := s.report(t, tok, "/api/v1/reports/tags?"+span)
	if len(recs) != len(js.Rows)+1 || recs[0][0] != "tag" {
		t.Fatalf("csv has %d records for %d rows; header %v", len(recs), len(js.Rows), recs[0])
	}
	found := map[string]bool{}
	for _, r := range recs[1:] {
		found[r[0]] = true
	}
	for _, row := range js.Rows {
		key, _ := row[0].(string)
		if l, ok := js.TagLabels[key]; key != strings.ToLower(key) || ok && l == key {
			t.Errorf("the JSON's tag %q is not a lower-case key, or its label repeats it (%v)", key, js.TagLabels)
		}
	}
	// Tags read as the desk spelt them (the JSON holds the lower-case
	// keys), formulas get an apostrophe.
	for _, tag := range []string{`'=HYPERLINK("http://evil.example")`, "Sự cố mạng", "Сбой", `</script><script>window.__xss=2</script>`} {
		if !found[tag] {
			t.Errorf("csv lacks tag cell %q (formulas start with an apostrophe, Unicode intact): %v", tag, found)
		}
	}
	code, _, body = s.get(t, "", "/api/openapi.json") // open: no data in it
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if code != 200 || json.Unmarshal(body, &doc) != nil || doc.OpenAPI != "3.0.3" || doc.Paths["/api/v1/reports/{name}"]["get"] == nil {
		t.Fatalf("openapi: %d %.300s", code, body)
	}
}

// dashboardsOf are the pages each role may open.
var dashboardsOf = map[auth.Role][]string{
	auth.RoleAdmin:   {"manager", "finance", "leadership"},
	auth.RoleManager: {"manager", "leadership"},
	auth.RoleFinance: {"manager", "finance", "leadership"},
	auth.RoleViewer:  {"manager", "leadership"},
}

// login signs in through the login page as a browser would.
func login(t *testing.T, tab *testkit.Tab, s *served, user, next string) {
	t.Helper()
	if err := tab.Navigate(s.base + next); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.URL(), "/login?next=") {
		t.Fatalf("not sent to the login page: %s", tab.URL())
	}
	js := fmt.Sprintf(`document.getElementById("username").value = %q; document.getElementById("password").value = %q; true`, user, s.password)
	if err := tab.Eval(js, nil); err != nil {
		t.Fatal(err)
	}
	if err := tab.Click(`button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if err := tab.WaitVisible("#filters"); err != nil {
		t.Fatalf("after login: %v (at %s)", err, tab.URL())
	}
}

// checkPage asserts that every chart of the page is drawn, that no script
// error or failed request happened and that hostile labels stayed text.
func checkPage(t *testing.T, tab *testkit.Tab, what, shot string) {
	t.Helper()
	var charts, drawn int
	if err := tab.Eval(`document.querySelectorAll("[data-chart]").length`, &charts); err != nil {
		t.Fatal(err)
	}
	if err := tab.Eval(`document.querySelectorAll("[data-drawn='1']").length`, &drawn); err != nil {
		t.Fatal(err)
	}
	if charts == 0 || drawn != charts {
		t.Errorf("%s: %d of %d charts drawn", what, drawn, charts)
	}
	var ids []string
	if err := tab.Eval(`Array.from(document.querySelectorAll("[data-chart]")).map(e => e.id)`, &ids); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if ok, err := tab.CanvasPainted("#" + id); err != nil || !ok {
			t.Errorf("%s: chart %s not painted (%v)", what, id, err)
		}
	}
	var xss any
	if err := tab.Eval(`window.__xss === undefined ? null : window.__xss`, &xss); err != nil || xss != nil {
		t.Errorf("%s: injected script ran: %v %v", what, xss, err)
	}
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("%s: console errors: %v", what, errs)
	}
	if err := tab.Screenshot(shot); err != nil {
		t.Error(err)
	}
}

func testDashboardsInBrowser(t *testing.T, s *served) {
	b := testkit.Chromium(t)
	dir := testkit.ArtifactDir(t)
	for role, pages := range dashboardsOf {
		tab := b.NewTab(t)
		login(t, tab, s, string(role), "/dashboards/"+pages[0]+"?"+span)
		for _, page := range pages {
			if err := tab.Navigate(s.base + "/dashboards/" + page + "?" + span + "&tz=Asia/Ho_Chi_Minh"); err != nil {
				t.Fatal(err)
			}
			checkPage(t, tab, string(role)+" "+page, filepath.Join(dir, string(role)+"-"+page+".png"))
		}
	}

	// As a manager: the hostile agent name is shown as text in the agent
	// table, the filter bar keeps its values in the URL, and clicking a bar
	// lists the tickets behind it.
	tab := b.NewTab(t)
	login(t, tab, s, "manager", "/dashboards/manager?"+span)
	// The drill-down list of the hostile tag shows the hostile ticket's
	// agent and subject as text, and nothing of them runs.
	hostile := "/dashboards/tickets?report=volume&measure=created&" + span + "&tag=" + url.QueryEscape(strings.ToLower(hostileTags[1]))
	if err := tab.Navigate(s.base + hostile); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{hostileAgent, `<b>bold</b> & "quotes"`, "XSS-1"} {
		var shown bool
		if err := tab.Eval(fmt.Sprintf(`document.body.innerText.includes(%q)`, text), &shown); err != nil || !shown {
			t.Errorf("%q is not shown as text on %s: %v", text, hostile, err)
		}
	}
	var xssRan any
	if err := tab.Eval(`window.__xss === undefined ? null : window.__xss`, &xssRan); err != nil || xssRan != nil {
		t.Errorf("injected script ran on the drill-down page: %v %v", xssRan, err)
	}
	if err := tab.Screenshot(filepath.Join(dir, "hostile-drill-down.png")); err != nil {
		t.Error(err)
	}
	if err := tab.Navigate(s.base + "/dashboards/manager?" + span); err != nil {
		t.Fatal(err)
	}
	// The page says how fresh its figures are (a report snapshot's time).
	var asOf string
	if err := tab.Eval(`(document.querySelector(".as-of") || {}).innerText || ""`, &asOf); err != nil || !strings.HasPrefix(asOf, "Data as of 20") {
		t.Errorf("manager page: as-of line %q (%v)", asOf, err)
	}
	if err := tab.Eval(`document.querySelector("select[name=priority]").value = "high"; document.getElementById("filters").submit(); true`, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.WaitURL("priority=high"); err != nil {
		t.Fatalf("filter applied: %v", err)
	}
	if err := tab.WaitVisible("#filters"); err != nil {
		t.Fatal(err)
	}
	var kept string
	if err := tab.Eval(`document.querySelector("select[name=priority]").value`, &kept); err != nil || kept != "high" {
		t.Errorf("filter bar lost its value: %q %v", kept, err)
	}
	checkPage(t, tab, "manager filtered", filepath.Join(dir, "manager-filtered.png"))
	var nav string
	if err := tab.Eval(`document.querySelector("header nav a[href^='/dashboards/leadership']").getAttribute("href")`, &nav); err != nil ||
		!strings.Contains(nav, "priority=high") || !strings.Contains(nav, "&") {
		t.Errorf("navigation drops the filters: %q %v", nav, err)
	}

	// Click the first bar of "Backlog by severity": its height is the
	// number of tickets the drill-down must list.
	bar := barAt(t, tab, "chart-backlog_severity")
	if err := tab.ClickAt(bar.X, bar.Y); err != nil {
		t.Fatal(err)
	}
	drill, err := tab.WaitURL("/dashboards/tickets?")
	if err != nil {
		t.Fatalf("drill-down page: %v", err)
	}
	if err := tab.WaitVisible("table"); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := tab.Eval(`document.querySelectorAll("section.table tbody tr").length`, &rows); err != nil {
		t.Fatal(err)
	}
	if float64(rows) != bar.Value || !strings.Contains(drill, "priority=high") || !strings.Contains(drill, "report=backlog") {
		t.Errorf("drill-down of %s (%v tickets) lists %d rows at %s", bar.Name, bar.Value, rows, drill)
	}
	if err := tab.Screenshot(filepath.Join(dir, "drill-down.png")); err != nil {
		t.Error(err)
	}
	testSLABarDrillDown(t, s, tab, dir)
	testDrillDownPaging(t, s, tab, dir)

	// A pie slice drills down too: the first slice of "Backlog by status".
	if err := tab.Navigate(s.base + "/dashboards/manager?" + span); err != nil {
		t.Fatal(err)
	}
	var slice struct {
		X, Y  float64
		Value float64
		Name  string
		Key   string // the status the slice is of; Name is its label
	}
	err = tab.Eval(`(() => {
		const el = document.getElementById("chart-backlog_status");
		el.scrollIntoView({block: "center"});
		const inst = echarts.getInstanceByDom(el);
		const data = inst.getModel().getSeriesByIndex(0).getData();
		const l = data.getItemLayout(0);
		const a = (l.startAngle + l.endAngle) / 2, r = (l.r + l.r0) / 2;
		const rect = el.getBoundingClientRect();
		const keys = JSON.parse(document.getElementById("opt-backlog_status").textContent).drill.keys;
		return {X: rect.left + l.cx + r * Math.cos(a), Y: rect.top + l.cy + r * Math.sin(a), Value: data.get("value", 0), Name: data.getName(0), Key: keys[0]};
	})()`, &slice)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.ClickAt(slice.X, slice.Y); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.WaitURL("status=" + slice.Key); err != nil {
		t.Fatalf("drill-down from a slice: %v", err)
	}
	if err := tab.WaitVisible("table"); err != nil {
		t.Fatal(err)
	}
	if err := tab.Eval(`document.querySelectorAll("section.table tbody tr").length`, &rows); err != nil || float64(rows) != slice.Value {
		t.Errorf("slice %s (%v tickets): %d rows (%v)", slice.Name, slice.Value, rows, err)
	}

	// Auto-refresh: refresh=1 reloads the page by itself, keeping the URL.
	if err := tab.Navigate(s.base + "/dashboards/leadership?" + span + "&refresh=1"); err != nil {
		t.Fatal(err)
	}
	if err := tab.Eval(`window.__beforeReload = 1; true`, nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, "the page to reload itself", func() bool {
		var gone bool
		return tab.Eval(`window.__beforeReload === undefined && document.readyState === "complete"`, &gone) == nil && gone
	})
	if _, err := tab.WaitURL("refresh=1"); err != nil {
		t.Errorf("refresh lost its URL: %v", err)
	}
	if errs := tab.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// chartBar is where a chart's first bar is on the page, its value and its
// category.
type chartBar struct {
	X, Y             float64
	Value            float64
	Name             string  // the category's value as the drill data has it (its label is localised)
	BesideX, BesideY float64 // off the bar, in its category's column (or row)
}

// barAt scrolls the chart with the element id into view and finds the
// middle of its first series' first bar, upright or horizontal.
func barAt(t *testing.T, tab *testkit.Tab, id string) chartBar {
	t.Helper()
	var bar chartBar
	err := tab.Eval(fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		el.scrollIntoView({block: "center"});
		const inst = echarts.getInstanceByDom(el);
		const opt = inst.getOption();
		const v = opt.series[0].data[0].value;
		const at = (x, y) => inst.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [x, y]);
		const r = el.getBoundingClientRect();
		// the category's value as the data has it (the axis shows its label)
		const key = JSON.parse(document.getElementById("opt-" + el.dataset.chart).textContent).drill.keys[0];
		if (opt.yAxis[0].type === "category") { // horizontal bars: a category is a row
			const p = at(v / 2, 0), band = at(0, 1)[1] - at(0, 0)[1];
			return {X: r.left + p[0], Y: r.top + p[1], Value: v, Name: key, BesideX: r.left + p[0], BesideY: r.top + p[1] + 0.46 * band};
		}
		const p = at(0, v / 2), band = at(1, 0)[0] - at(0, 0)[0];
		return {X: r.left + p[0], Y: r.top + p[1], Value: v, Name: key, BesideX: r.left + p[0] + 0.46 * band, BesideY: r.top + p[1]};
	})()`, id), &bar)
	if err != nil {
		t.Fatal(err)
	}
	return bar
}

// listNote is the drill-down page's note: "N rows, ..." or
// "Rows a–b of N, ...".
func listNote(t *testing.T, tab *testkit.Tab) string {
	t.Helper()
	var note string
	if err := tab.Eval(`(document.querySelector("section.table .note") || {}).innerText || ""`, &note); err != nil {
		t.Fatal(err)
	}
	return note
}

// testSLABarDrillDown clicks the first bar of "SLA compliance % by
// metric": the list holds that metric's cycles with a target decided
// (achieved or breached, as the API's figures count them), and the bar is
// the share achieved.
func testSLABarDrillDown(t *testing.T, s *served, tab *testkit.Tab, dir string) {
	if err := tab.Navigate(s.base + "/dashboards/manager?" + span); err != nil {
		t.Fatal(err)
	}
	bar := barAt(t, tab, "chart-sla")
	if err := tab.ClickAt(bar.X, bar.Y); err != nil {
		t.Fatal(err)
	}
	drill, err := tab.WaitURL("/dashboards/tickets?")
	if err != nil {
		t.Fatalf("clicking the SLA bar of %s opened no list: %v", bar.Name, err)
	}
	if err := tab.WaitVisible("section.table"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(drill, "report=sla_compliance") || !strings.Contains(drill, "metric="+bar.Name) || !strings.Contains(drill, "measure=compliance_pct") {
		t.Errorf("SLA bar %s drills to %s", bar.Name, drill)
	}
	api := s.report(t, s.tokens[auth.RoleManager], "/api/v1/reports/sla_compliance?"+span)
	var achieved, breached float64
	for _, row := range api.Rows {
		if row[0] == bar.Name {
			for i, c := range api.Columns {
				switch c.Name {
				case "achieved":
					achieved = row[i].(float64)
				case "breached":
					breached = row[i].(float64)
				}
			}
		}
	}
	want := fmt.Sprintf("%d", int(achieved+breached))
	if note := listNote(t, tab); achieved+breached == 0 || !strings.HasPrefix(note, want+" rows") && !strings.Contains(note, " of "+want+",") {
		t.Errorf("SLA bar %s: the list says %q, the figures count %s cycles achieved or breached", bar.Name, note, want)
	}
	if got := math.Round(10000*achieved/(achieved+breached)) / 100; got != bar.Value {
		t.Errorf("SLA bar %s is %v, the API's achieved ÷ (achieved + breached) %v", bar.Name, bar.Value, got)
	}
	if err := tab.Screenshot(filepath.Join(dir, "sla-drill-down.png")); err != nil {
		t.Error(err)
	}

	// A click beside the bar, in its category's column, opens the same
	// list: a low bar is hard to hit.
	if err := tab.Navigate(s.base + "/dashboards/manager?" + span); err != nil {
		t.Fatal(err)
	}
	bar = barAt(t, tab, "chart-sla")
	if err := tab.ClickAt(bar.BesideX, bar.BesideY); err != nil {
		t.Fatal(err)
	}
	beside, err := tab.WaitURL("/dashboards/tickets?")
	if err != nil {
		t.Fatalf("a click in the column of SLA bar %s opened no list: %v", bar.Name, err)
	}
	if !strings.Contains(beside, "metric="+bar.Name) || !strings.Contains(beside, "measure=compliance_pct") {
		t.Errorf("a click in the column of SLA bar %s drills to %s", bar.Name, beside)
	}
}

// testDrillDownPaging opens a list longer than a page: its first page
// says the total, and Next shows the rest.
func testDrillDownPaging(t *testing.T, s *served, tab *testkit.Tab, dir string) {
	created := s.report(t, s.tokens[auth.RoleManager], "/api/v1/reports/volume?"+span).Rows[0][0].(float64)
	if created <= 500 {
		t.Fatalf("the paging check needs over 500 tickets created, has %v", created)
	}
	if err := tab.Navigate(s.base + "/dashboards/tickets?report=volume&measure=created&" + span); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := tab.Eval(`document.querySelectorAll("section.table tbody tr").length`, &rows); err != nil || rows != 500 {
		t.Errorf("first page: %d rows (%v), want 500", rows, err)
	}
	if note := listNote(t, tab); !strings.HasPrefix(note, fmt.Sprintf("Rows 1–500 of %d,", int(created))) {
		t.Errorf("first page's note %q, want rows 1–500 of %v", note, created)
	}
	if err := tab.Click(`nav.pager a[rel=next]`); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.WaitURL("page=2"); err != nil {
		t.Fatalf("next page: %v", err)
	}
	if err := tab.WaitVisible("section.table"); err != nil {
		t.Fatal(err)
	}
	if err := tab.Eval(`document.querySelectorAll("section.table tbody tr").length`, &rows); err != nil || float64(rows) != created-500 {
		t.Errorf("second page: %d rows (%v), want %v", rows, err, created-500)
	}
	if err := tab.Screenshot(filepath.Join(dir, "drill-down-page-2.png")); err != nil {
		t.Error(err)
	}
}

// sheetRows reads a workbook's first sheet's data rows (below the header).
func sheetRows(t *testing.T, raw []byte) [][]string {
	t.Helper()
	return sheetRowsNamed(t, raw, "")
}

// sheetRowsNamed is the data rows (below the title, period and header) of
// a sheet, the first one if name is empty, as raw cell values.
func sheetRowsNamed(t *testing.T, raw []byte, name string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if name == "" {
		name = x.GetSheetList()[0]
	}
	rows, err := x.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("sheet %q: %v (sheets %v)", name, err, x.GetSheetList())
	}
	return rows[4:]
}

// sameCells compares a sheet's data rows with an API result's rows:
// numbers to the precision Excel keeps (durations are fractions of a day,
// percentages fractions of one), text exactly.
func sameCells(t *testing.T, what string, sheet [][]string, api apiResult) {
	t.Helper()
	if len(sheet) != len(api.Rows) {
		t.Fatalf("%s: the sheet has %d rows, the API %d", what, len(sheet), len(api.Rows))
	}
	scale := map[string]float64{"seconds": 86400, "percent": 100}
	for i, row := range api.Rows {
		for j, cell := range row {
			want := fmt.Sprint(cell)
			if spelt, ok := api.TagLabels[want]; ok && api.Columns[j].Name == "tag" {
				want = spelt // people read the desk's spelling; the JSON holds the key
			}
			if f, ok := cell.(float64); ok {
				want = strconv.FormatFloat(f, 'f', -1, 64)
				got, err := strconv.ParseFloat(sheet[i][j], 64)
				if k := scale[api.Columns[j].Kind]; k != 0 {
					got *= k
				}
				if err != nil || math.Abs(got-f) > 1e-9*math.Max(1, math.Abs(f)) {
					t.Errorf("%s: row %d col %d: %q, want %s", what, i, j, sheet[i][j], want)
				}
				continue
			}
			// Times are Excel dates: the same wall clock as the API's
			// RFC 3339 string in the result's zone.
			if at, err := time.Parse(time.RFC3339, want); err == nil && j < len(sheet[i]) {
				serial, err := strconv.ParseFloat(sheet[i][j], 64)
				got, _ := excelize.ExcelDateToTime(serial, false)
				if err != nil || got.Round(time.Second).Format(time.DateTime) != at.Format(time.DateTime) {
					t.Errorf("%s: row %d col %d: %q (%s), want %s", what, i, j, sheet[i][j], got, want)
				}
				continue
			}
			if j < len(sheet[i]) && sheet[i][j] != want {
				t.Errorf("%s: row %d col %d: %q, want %q", what, i, j, sheet[i][j], want)
			}
		}
	}
}

func testXLSX(t *testing.T, s *served) {
	// The API's workbook holds the API's figures.
	path := "/api/v1/reports/billable?" + span + "&group_by=customer"
	js := s.report(t, s.tokens[auth.RoleFinance], path)
	code, h, body := s.get(t, s.tokens[auth.RoleFinance], path+"&format=xlsx")
	if code != 200 || h.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %s", code, h.Get("Content-Type"))
	}
	sameCells(t, "billable by customer", sheetRows(t, body), js)
	if code, _, _ := s.get(t, s.tokens[auth.RoleViewer], path+"&format=xlsx"); code != 403 {
		t.Errorf("viewer got billable xlsx: %d", code)
	}

	// The finance workbook: every time entry, hours summed as the events say,
	// then the summary sheets.
	code, _, body = s.get(t, s.tokens[auth.RoleFinance], "/api/v1/exports/finance?"+span+"&tz=Asia/Ho_Chi_Minh")
	if code != 200 {
		t.Fatalf("finance workbook: %d %.300s", code, body)
	}
	var wantEntries int
	var wantHours float64
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, mustZone(t, "Asia/Ho_Chi_Minh")), time.Date(2026, 2, 1, 0, 0, 0, 0, mustZone(t, "Asia/Ho_Chi_Minh"))
	for _, ev := range s.expected.events {
		if at := ev.OccurredAt.Truncate(time.Second); ev.Type == event.TypeTimeLogged && !at.Before(from) && at.Before(to) {
			wantEntries++
			wantHours += float64(ev.Seconds) / 3600
		}
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := fmt.Sprint(x.GetSheetList()); got != "[Time entries By customer By organisation By agent By month By currency]" {
		t.Errorf("finance sheets: %s", got)
	}
	entries, _ := x.GetRows("Time entries", excelize.Options{RawCellValue: true})
	var hours float64
	for _, r := range entries[4:] {
		h, err := strconv.ParseFloat(r[7], 64)
		if err != nil {
			t.Fatalf("hours cell %q", r[7])
		}
		hours += h
	}
	if len(entries)-4 != wantEntries || wantEntries == 0 || math.Abs(hours-wantHours) > 1e-6 {
		t.Errorf("finance entries %d (%.4f h), want %d (%.4f h)", len(entries)-4, hours, wantEntries, wantHours)
	}
	if code, _, _ := s.get(t, s.tokens[auth.RoleManager], "/api/v1/exports/finance?"+span); code != 403 {
		t.Errorf("manager got the finance workbook: %d", code)
	}

	// The leadership workbook: headline figures as the API computes them,
	// with native charts.
	code, _, body = s.get(t, s.tokens[auth.RoleViewer], "/api/v1/exports/leadership?"+span)
	if code != 200 {
		t.Fatalf("leadership workbook: %d %.300s", code, body)
	}
	lx, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer lx.Close()
	if got := fmt.Sprint(lx.GetSheetList()); got != "[Summary Trend SLA By priority]" {
		t.Errorf("leadership sheets: %s", got)
	}
	vol := s.report(t, s.tokens[auth.RoleViewer], "/api/v1/reports/volume?"+span)
	label, _ := lx.GetCellValue("Summary", "A5")
	created, _ := lx.GetCellValue("Summary", "B5", excelize.Options{RawCellValue: true})
	if label != "Tickets created" || created != strconv.FormatFloat(vol.Rows[0][0].(float64), 'f', -1, 64) {
		t.Errorf("summary: %q %q, API created %v", label, created, vol.Rows[0][0])
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	charts := 0
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/charts/chart") {
			charts++
		}
	}
	if charts < 2 {
		t.Errorf("leadership workbook has %d native charts", charts)
	}

	// The CLI writes the same figures with the same parameters.
	out := filepath.Join(t.TempDir(), "volume.xlsx")
	cmd := s.command("export", "volume", "--from", "2026-01-01", "--to", "2026-02-01", "--group-by", "tenant", "--filter", "priority=high", "--out", out)
	cmd.Env = append(cmd.Env, "SLATE_AUTH_SESSION_KEY="+sessionKey) // the deployment's config, whole
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("slate export: %v\n%s", err, msg)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cli := sheetRows(t, raw)
	api := s.report(t, s.tokens[auth.RoleAdmin], "/api/v1/reports/volume?"+span+"&group_by=tenant&priority=high")
	if len(cli) != len(api.Rows) || len(cli) == 0 {
		t.Fatalf("cli %d rows, api %d", len(cli), len(api.Rows))
	}
	for i, row := range api.Rows {
		if cli[i][0] != row[0] || cli[i][1] != strconv.FormatFloat(row[1].(float64), 'f', -1, 64) {
			t.Errorf("row %d: cli %v, api %v", i, cli[i], row)
		}
	}
	bad := s.command("export", "volume", "--tz", "Mars/Base", "--out", filepath.Join(t.TempDir(), "x.xlsx"))
	bad.Env = append(bad.Env, "SLATE_AUTH_SESSION_KEY="+sessionKey)
	if msg, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(msg), "tz") {
		t.Errorf("bad zone: %v %s", err, msg)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// libreOfficeCSV converts a workbook's first sheet to CSV with headless
// LibreOffice (UTF-8, comma separated) and parses it.
func libreOfficeCSV(t *testing.T, workbook []byte) [][]string {
	t.Helper()
	raw := testkit.LibreOffice(t, workbook, "book.xlsx", "", "csv:Text - txt - csv (StarCalc):44,34,76")
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func testLibreOffice(t *testing.T, s *served) {
	// A report: the same figures as the API, the hostile tag as text.
	tok := s.tokens[auth.RoleAdmin]
	js := s.report(t, tok, "/api/v1/reports/tags?"+span)
	_, _, book := s.get(t, tok, "/api/v1/reports/tags?"+span+"&format=xlsx")
	recs := libreOfficeCSV(t, book)
	if len(recs) != 4+len(js.Rows) || !strings.HasPrefix(recs[1][0], "Period: 2026-01-01 00:00") || recs[3][0] != "Tag" {
		t.Fatalf("libreoffice sees %d records (want %d); head %q", len(recs), 4+len(js.Rows), recs[:min(4, len(recs))])
	}
	for i, row := range js.Rows {
		got := recs[4+i]
		want := row[0].(string)
		if spelt, ok := js.TagLabels[want]; ok {
			want = spelt // the workbook shows the desk's spelling
		}
		if got[0] != want {
			t.Errorf("row %d tag %q, want %q", i, got[0], want)
		}
		if n, err := strconv.ParseFloat(got[1], 64); err != nil || n != row[1].(float64) {
			t.Errorf("row %d created %q, want %v", i, got[1], row[1])
		}
	}
	found := false
	for _, r := range recs {
		found = found || r[0] == `=HYPERLINK("http://evil.example")`
	}
	if !found {
		t.Error("the formula-looking tag did not stay text in LibreOffice")
	}

	// The finance workbook's entries sheet: every entry, the hours summed.
	_, _, book = s.get(t, s.tokens[auth.RoleFinance], "/api/v1/exports/finance?"+span)
	recs = libreOfficeCSV(t, book)
	var hours float64
	var want float64
	var n int
	for _, ev := range s.expected.events {
		if at := ev.OccurredAt.Truncate(time.Second); ev.Type == event.TypeTimeLogged && !at.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) && at.Before(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
			n++
			want += float64(ev.Seconds) / 3600
		}
	}
	for _, r := range recs[4:] {
		h, err := strconv.ParseFloat(r[7], 64)
		if err != nil {
			t.Fatalf("hours %q in %v", r[7], r)
		}
		hours += h
	}
	// LibreOffice writes the cells as formatted (two decimals): compare
	// within the rounding of each entry.
	if len(recs)-4 != n || math.Abs(hours-want) > 0.005*float64(n) {
		t.Errorf("libreoffice: %d entries, %.2f h; want %d, %.2f h", len(recs)-4, hours, n, want)
	}
}

// send makes a request with a JSON body and returns the status and body.
func (s *served) send(t *testing.T, method, token, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func testSchedules(t *testing.T, s *served) {
	mgr := s.tokens[auth.RoleManager]
	good := `{"id":"weekly-sla","name":"Weekly SLA","cron":"0 8 * * 1","tz":"Asia/Ho_Chi_Minh","period":"week",
		"reports":["sla_compliance","volume"],"filters":{"group":["L1"]},"recipients":["lead@example.com"]}`
	for _, role := range []auth.Role{auth.RoleViewer, auth.RoleFinance} {
		if code, _ := s.send(t, "POST", s.tokens[role], "/api/v1/schedules", good); code != 403 {
			t.Errorf("%s created a schedule: %d", role, code)
		}
	}
	code, body := s.send(t, "POST", mgr, "/api/v1/schedules", good)
	if code != 201 || !strings.Contains(string(body), `"format":"xlsx"`) || !strings.Contains(string(body), `"subject":"Slate: Weekly SLA"`) {
		t.Fatalf("create (defaults filled): %d %s", code, body)
	}
	if code, _ := s.send(t, "POST", mgr, "/api/v1/schedules", good); code != 400 {
		t.Errorf("second create with the same id: %d", code)
	}
	code, body = s.send(t, "PUT", mgr, "/api/v1/schedules/weekly-sla", strings.Replace(good, `"0 8 * * 1"`, `"30 7 * * 1"`, 1))
	if code != 200 || !strings.Contains(string(body), `"cron":"30 7 * * 1"`) || !strings.Contains(string(body), `"updated_by":"manager-token"`) {
		t.Errorf("update: %d %s", code, body)
	}
	if code, body = s.send(t, "POST", mgr, "/api/v1/schedules/weekly-sla/pause", ""); code != 200 || !strings.Contains(string(body), `"paused":true`) {
		t.Errorf("pause: %d %s", code, body)
	}
	code, body = s.send(t, "GET", s.tokens[auth.RoleAdmin], "/api/v1/schedules", "")
	if code != 200 || !strings.Contains(string(body), `"id":"weekly-sla"`) || !strings.Contains(string(body), `"paused":true`) {
		t.Errorf("list: %d %s", code, body)
	}
	for field, bad := range map[string]string{
		"cron":          strings.Replace(good, `"0 8 * * 1"`, `"every monday"`, 1),
		"tz":            strings.Replace(good, `"Asia/Ho_Chi_Minh"`, `"Mars/Base"`, 1),
		"reports[1]":    strings.Replace(good, `"volume"`, `"nope"`, 1),
		"recipients":    strings.Replace(good, `["lead@example.com"]`, `[]`, 1),
		"recipients[0]": strings.Replace(good, `"lead@example.com"`, `"lead at example"`, 1),
		"colour":        strings.Replace(good, `"name"`, `"colour":"red","name"`, 1),
		"period":        strings.Replace(good, `"week"`, `"fortnight"`, 1),
	} {
		code, body := s.send(t, "PUT", mgr, "/api/v1/schedules/weekly-sla", bad)
		var e struct{ Param string }
		_ = json.Unmarshal(body, &e)
		if code != 400 || e.Param != field {
			t.Errorf("bad %s: %d %s", field, code, body)
		}
	}
	if code, _ := s.send(t, "DELETE", mgr, "/api/v1/schedules/weekly-sla", ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code, _ := s.send(t, "GET", mgr, "/api/v1/schedules/weekly-sla", ""); code != 404 {
		t.Errorf("after delete: %d", code)
	}
}
