package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/warehouse"
)

// demoProc is one running `slate demo`, read from what it printed.
type demoProc struct {
	cmd      *exec.Cmd
	text     string // stdout up to "Press Ctrl-C"
	stderr   *strings.Builder
	done     chan error // the process's exit
	base     string     // http://host:port of the dashboards
	password string
	token    string
	chAddr   string // the demo's ClickHouse, host:port
	produced int    // events of the generated history
}

// startDemo runs `slate demo` with args and waits until it says it is
// running; SIGTERM (stop) or the test's end stops it.
func startDemo(t *testing.T, args ...string) *demoProc {
	t.Helper()
	skipShort(t)
	cmd := exec.Command(slateBin, append([]string{"demo", "--addr", "127.0.0.1:0", "--quiet", "--sla", "../../deploy/sla.example.yaml"}, args...)...)
	cmd.Env = newEnvless().Env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d := &demoProc{cmd: cmd, stderr: &strings.Builder{}, done: make(chan error, 1)}
	cmd.Stderr = d.stderr
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Press Ctrl-C") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout); d.done <- cmd.Wait() }()
	d.text = out.String()
	t.Logf("slate demo %s: running after %s", strings.Join(args, " "), time.Since(started).Round(time.Second))
	m := regexp.MustCompile(`dashboards:\s+(http://\S+)/\s+user demo, password (\S+)`).FindStringSubmatch(d.text)
	tok := regexp.MustCompile(`Bearer (slt_\S+)'`).FindStringSubmatch(d.text)
	ch := regexp.MustCompile(`clickhouse-client --host (\S+) --port (\d+) --database`).FindStringSubmatch(d.text)
	n := regexp.MustCompile(`events produced:\s+(\d+)`).FindStringSubmatch(d.text)
	if m == nil || tok == nil || ch == nil || n == nil {
		t.Fatalf("no address, password, token, ClickHouse or event count in:\n%s\n%s", d.text, tail(d.stderr.String(), 2000))
	}
	d.base, d.password, d.token, d.chAddr = m[1], m[2], tok[1], ch[1]+":"+ch[2]
	d.produced, _ = strconv.Atoi(n[1])
	return d
}

// get reads path from the demo with its API token.
func (d *demoProc) get(t *testing.T, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", d.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// stop sends SIGTERM and expects a clean exit within a minute.
func (d *demoProc) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("demo exited with %v after SIGTERM:\n%s", err, tail(d.stderr.String(), 2000))
		}
	case <-time.After(60 * time.Second):
		t.Error("demo did not stop within 60s of SIGTERM")
	}
}

// The demo as a newcomer sees it, with its default data: the manager,
// finance and leadership pages open on a living help desk (a backlog with
// unassigned tickets, SLA figures, money in three currencies, a previous
// period to compare with), and new events keep arriving while it runs.
// The screenshots are kept in testkit.ArtifactDir (set SLATE_ARTIFACTS to
// choose where); the log says where they are.
func TestDemoInBrowser(t *testing.T) {
	d := startDemo(t, "--live-rate", "4")
	// ClickHouse as the demo left it: what the pages must agree with.
	conn, err := warehouse.Open(warehouse.Options{Addrs: []string{d.chAddr}, Database: "slate"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	b := testkit.Chromium(t)
	dir := testkit.ArtifactDir(t)
	tab := b.NewTab(t)
	login(t, tab, &served{base: d.base, password: d.password}, "demo", "/dashboards/manager")

	open := func(page string) {
		t.Helper()
		if err := tab.Navigate(d.base + "/dashboards/" + page); err != nil {
			t.Fatal(err)
		}
		if err := tab.WaitVisible("#filters"); err != nil {
			t.Fatal(err)
		}
	}
	tiles := func() map[string]string {
		t.Helper()
		var out map[string]string
		if err := tab.Eval(`Object.fromEntries(Array.from(document.querySelectorAll(".tile")).map(e => [e.querySelector(".l").innerText, e.querySelector(".v").innerText]))`, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	positive := func(page, label, value string) {
		t.Helper()
		// the figure's digits, whatever grouping and unit surround them
		f, err := strconv.ParseFloat(strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '.' {
				return r
			}
			return -1
		}, value), 64)
		if err != nil || !(f > 0) {
			t.Errorf("%s: %q is %q, want a figure above 0", page, label, value)
		}
	}
	// rows counts the body rows of the page's table titled title.
	rows := func(title string) int {
		t.Helper()
		var n int
		js := fmt.Sprintf(`(Array.from(document.querySelectorAll("section.table")).find(s => s.querySelector("h2").innerText.startsWith(%q)) || {querySelectorAll: () => []}).querySelectorAll("tbody tr").length`, title)
		if err := tab.Eval(js, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	open("manager")
	checkPage(t, tab, "manager", filepath.Join(dir, "manager.png"))
	mt := tiles()
	t.Logf("manager tiles: %v", mt)
	for _, label := range []string{"Unsolved", "Unassigned", "SLA compliance"} {
		positive("manager", label, mt[label])
	}
	if n := rows("Agent performance"); n < 10 {
		t.Errorf("manager: %d rows of agent performance", n)
	}
	// The backlog the page shows is the tickets still open in ClickHouse.
	var open64 uint64
	if err := conn.QueryRow(t.Context(), "SELECT count() FROM slate.tickets FINAL WHERE status NOT IN ('solved', 'closed') AND deleted = 0 AND merged_into = ''").Scan(&open64); err != nil {
		t.Fatal(err)
	}
	if open64 < 100 {
		t.Errorf("only %d open tickets in the demo's warehouse", open64)
	}
	t.Logf("about to breach: %s (%d rows listed)", mt["About to breach (4h)"], rows("About to breach"))

	open("finance")
	checkPage(t, tab, "finance", filepath.Join(dir, "finance.png"))
	ft := tiles()
	t.Logf("finance tiles: %v", ft)
	for _, label := range []string{"Hours logged", "Billable hours"} {
		positive("finance", label, ft[label])
	}
	if n := rows("Billable time by organisation"); n < 10 {
		t.Errorf("finance: %d rows of billable time by organisation", n)
	}
	// Billable money in the desks' three currencies (the page's own
	// ranking across currencies is issue 26's money item).
	code, body := d.get(t, "/api/v1/reports/billable?grain=month&format=csv")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || err != nil || len(recs) < 2 {
		t.Fatalf("billable by month: %d %v %.500s", code, err, body)
	}
	amounts := map[string]bool{}
	if ci, ai := slices.Index(recs[0], "currency"), slices.Index(recs[0], "amount"); ci >= 0 && ai >= 0 {
		for _, r := range recs[1:] {
			if a, err := strconv.ParseFloat(r[ai], 64); err == nil && a > 0 {
				amounts[r[ci]] = true
			}
		}
	}
	for _, currency := range []string{"VND", "RUB", "USD"} {
		if !amounts[currency] {
			t.Errorf("billable by month: no amount in %s:\n%.800s", currency, body)
		}
	}

	open("leadership")
	checkPage(t, tab, "leadership", filepath.Join(dir, "leadership.png"))
	var heads [][]string
	if err := tab.Eval(`Array.from(document.querySelectorAll("table.headlines tbody tr")).map(r => Array.from(r.cells).map(c => c.innerText))`, &heads); err != nil {
		t.Fatal(err)
	}
	if len(heads) == 0 {
		t.Error("leadership: no headline figures")
	}
	checked := 0
	for _, h := range heads {
		t.Logf("leadership: %q", h)
		// Both periods have data: the history is three months long.
		switch h[0] {
		case "Tickets created", "Solves", "Reopens", "SLA compliance", "CSAT average":
			positive("leadership, this period", h[0], h[1])
			positive("leadership, previous period", h[0], h[2])
			checked++
		}
	}
	if checked != 5 {
		t.Errorf("leadership: %d of the 5 headline figures checked found", checked)
	}

	// Live: events keep arriving after the history, and the figures move.
	before, err := warehouse.ReadCounts(t.Context(), conn, "slate")
	if err != nil {
		t.Fatal(err)
	}
	created := func() float64 {
		t.Helper()
		code, body := d.get(t, "/api/v1/reports/volume")
		if code != 200 {
			t.Fatalf("volume: %d %.300s", code, body)
		}
		var res struct {
			Columns []struct{ Name string }
			Rows    [][]any
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		for i, c := range res.Columns {
			if c.Name == "created" && len(res.Rows) == 1 {
				f, _ := res.Rows[0][i].(float64)
				return f
			}
		}
		t.Fatalf("no created figure in %.300s", body)
		return 0
	}
	first := created()
	var now float64
	waitUntil(t, 2*time.Minute, "live events to change the number of tickets created", func() bool {
		now = created()
		return now > first
	})
	// The report and the raw count are read at different instants, and ingest
	// flushes in batches: the created figure may move on events that were
	// already stored when "before" was read, so the count gets its own wait.
	var after warehouse.Counts
	waitUntil(t, 2*time.Minute, "live events to be stored", func() bool {
		after, err = warehouse.ReadCounts(t.Context(), conn, "slate")
		if err != nil {
			t.Fatal(err)
		}
		return after.Events > before.Events
	})
	if int(before.Events) < d.produced {
		t.Errorf("events stored: %d of the history's %d, then %d", before.Events, d.produced, after.Events)
	}
	t.Logf("tickets created in the default range: %v, then %v; events stored %d, then %d", first, now, before.Events, after.Events)
	open("manager")
	checkPage(t, tab, "manager, live", filepath.Join(dir, "manager-live.png"))
	d.stop(t)
}

// Bad flags are refused before anything starts, naming the flag.
func TestDemoFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--days", "0"}, "--days: must be between 1 and"},
		{[]string{"--tickets", "0"}, "--tickets: must be at least 1"},
		{[]string{"--live-rate", "-1"}, "--live-rate: -1 is not between 0 and 1000"},
		{[]string{"--zone", "Mars/Olympus"}, "--zone: "},
		{[]string{"--tickets", "2000000000000"}, "Config.Tickets must be at most"},
	} {
		err := runDemo(t.Context(), tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("demo %v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}
