package bench

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/procstat"
	"github.com/slatehq/slate/internal/progress"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// benchCall is one API call a dashboard makes (mirrors dashboards/pages.go:
// the same reports with the same parameters, over the default last 30
// days).
type benchCall struct {
	page, report, params string
}

var dashboardCalls = []benchCall{
	{"manager", "volume", "grain=day"},
	{"manager", "first_reply_time", "grain=day"},
	{"manager", "resolution_time", "grain=day"},
	{"manager", "sla_compliance", ""},
	{"manager", "backlog", ""},
	{"manager", "backlog", "group_by=priority"},
	{"manager", "backlog", "group_by=status"},
	{"manager", "backlog", "group_by=severity"},
	{"manager", "backlog", "group_by=age"},
	{"manager", "tags", "top=15&sort=created"},
	{"manager", "agent_performance", "top=50&sort=solved"},
	{"manager", "pre_breach", "horizon=4h&limit=200&truncate=true"},
	{"manager", "backlog", "group_by=agent"},
	{"manager", "backlog", "group_by=agent,agent_role"},
	{"manager", "overdue", "limit=200"},
	{"manager", "due_soon", "horizon=24h&limit=200"},
	{"finance", "billable", "grain=month"},
	{"finance", "billable", "group_by=customer&top=20&sort=billable_hours"},
	{"finance", "billable", "group_by=agent&top=20&sort=billable_hours"},
	{"finance", "billable", "group_by=group&top=20&sort=billable_hours"},
	{"finance", "billable", "group_by=organisation&top=100&sort=amount"},
	{"leadership", "volume", "compare=previous"},
	{"leadership", "first_reply_time", "compare=previous"},
	{"leadership", "resolution_time", "compare=previous"},
	{"leadership", "sla_compliance", "compare=previous"},
	{"leadership", "csat", "compare=previous"},
	{"leadership", "resolution_quality", "compare=previous"},
	{"leadership", "volume", "grain=day"},
}

// runServe loads generated tickets into a private ClickHouse, starts
// `slate serve` as its own process, and times every dashboard API call
// through it next to the same SQL run by clickhouse-client (its --time,
// the server's own elapsed time) in the same run, the two alternating.
func runServe(ctx context.Context, args []string, d Defaults) error {
	fs := flag.NewFlagSet("bench serve", flag.ContinueOnError)
	tickets := fs.Int("tickets", 1_000_000, "tickets to generate (about 10 events each)")
	n := fs.Int("n", 20, "timed requests per call")
	live := fs.Bool("live", false, "turn report snapshots off: every call reads the live tables with FINAL")
	keep := fs.Bool("keep", false, "after the run, keep ClickHouse and slate serve up until interrupted (to explain a figure with clickhouse-client)")
	churn := fs.Int("churn", 0, "events per second stored during the timed calls (the generated run's events after now, stored as ingest stores them, SLA evaluated as it stores): snapshot builds then take changed tickets")
	rep := newReport("serve", fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	w := rep.out()
	policies, err := examplePolicies()
	if err != nil {
		return err
	}
	ch, o, conn, closeAll, err := benchWarehouse(ctx, d)
	if err != nil {
		return err
	}
	defer closeAll()
	now := time.Now().UTC()
	gc := eventgen.Config{Seed: 5, Tickets: *tickets, Days: 90, Start: now.AddDate(0, 0, -90).Truncate(24 * time.Hour)}
	loaded, err := loadGenerated(ctx, conn, o.Database, gc, now)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "evaluating SLA results ...")
	refresher := warehouse.NewSLARefresher(conn, o.Database, policies)
	bar := progress.New(*tickets, "sla", false)
	_, _, err = refresher.Refresh(ctx, time.Time{}, "", func(done, _ int) { _ = bar.Set(done) })
	if err != nil {
		return err
	}
	_ = bar.Finish()

	interval := d.Reports.SnapshotInterval
	if *live {
		interval = 0
	}
	srv, err := startBenchServe(ctx, ch, o.Database, interval)
	if err != nil {
		return err
	}
	defer srv.stop()

	// The raw baseline runs the SQL the API runs: over the same snapshot.
	svc := reports.NewService(chstore.New(conn), o.Database, d.Reports)
	mode := "live tables (snapshots off)"
	if interval > 0 {
		snaps := reports.NewSnapshots(chstore.New(conn), o.Database, d.Reports.SnapshotMaxAge)
		svc.UseSnapshots(snaps)
		sn, err := waitForSnapshot(ctx, snaps)
		if err != nil {
			return err
		}
		settle, err := waitForSettled(ctx, conn, o.Database)
		if err != nil {
			return err
		}
		mode = fmt.Sprintf("report snapshots every %s (serve's first build: %.1f s; then %s)", interval, sn.Seconds, settle)
	}
	runStart := time.Now()
	// endChurn stops the stores going on during the timed calls and says
	// how many there were.
	endChurn := func() (churnResult, error) { return churnResult{}, nil }
	if *churn > 0 {
		churnCtx, stopChurn := context.WithCancel(ctx)
		defer stopChurn()
		churned := make(chan churnResult, 1)
		go func() {
			churned <- churnEvents(churnCtx, conn, o.Database, gc, now, *churn, policies)
		}()
		endChurn = func() (churnResult, error) {
			stopChurn()
			r := <-churned
			if r.err != nil && !errors.Is(r.err, context.Canceled) {
				return r, fmt.Errorf("storing events during the calls: %w", r.err)
			}
			return r, nil
		}
		mode += fmt.Sprintf(", %d events/s stored meanwhile", *churn)
	}
	fmt.Fprintf(w, "\nreports read: %s\n", mode)
	fmt.Fprintf(w, "\nslate bench serve: %d events, %d tickets in ClickHouse; %d timed requests per call\n\n", loaded, *tickets, *n)
	fmt.Fprintf(w, "%-11s %-50s %9s %9s %9s %9s %7s\n", "dashboard", "call", "slate p50", "p95", "raw p50", "p95", "p95 x")
	var worstP95, worstRawP95, worstRatio float64
	for _, c := range dashboardCalls {
		path := "/api/v1/reports/" + c.report
		if r, ok := reports.Lookup(c.report); ok && r.List {
			path += "/tickets"
		}
		path += "?" + c.params
		// Slate and the raw SQL alternate, one timed sample each per round
		// (each after a warm-up), so whatever else the machine does
		// meanwhile (serve's snapshot builds and their merges) falls on
		// both alike.
		var slate, raw []float64
		for i := 0; i < *n; i++ {
			one, err := srv.time(ctx, path, 1)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			stmts, err := statementsOf(ctx, svc, c, time.Now())
			if err != nil {
				return err
			}
			rawOne, err := rawTimes(ctx, ch, o.Database, stmts, 1)
			if err != nil {
				return fmt.Errorf("%s raw: %w", path, err)
			}
			slate, raw = append(slate, one...), append(raw, rawOne...)
		}
		sp50, sp95 := percentile(slate, 0.5), percentile(slate, 0.95)
		rp50, rp95 := percentile(raw, 0.5), percentile(raw, 0.95)
		ratio := sp95 / rp95
		worstP95, worstRawP95, worstRatio = max(worstP95, sp95), max(worstRawP95, rp95), max(worstRatio, ratio)
		fmt.Fprintf(w, "%-11s %-50s %7.0fms %7.0fms %7.0fms %7.0fms %6.2fx\n", c.page, c.report+" "+c.params, sp50*1e3, sp95*1e3, rp50*1e3, rp95*1e3, ratio)
	}
	fmt.Fprintln(w)
	for _, page := range []string{"manager", "finance", "leadership"} {
		ts, err := srv.time(ctx, "/dashboards/"+page, max(3, *n/4))
		if err != nil {
			// A page over its query limits is a result too: say so and go on.
			fmt.Fprintf(w, "page /dashboards/%-11s FAILED: %.120s\n", page, strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		fmt.Fprintf(w, "page /dashboards/%-11s p50 %6.0fms  p95 %6.0fms (its calls two at a time)\n", page, percentile(ts, 0.5)*1e3, percentile(ts, 0.95)*1e3)
	}
	if *churn > 0 {
		r, err := endChurn()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\nevents stored during the timed calls: %d\n", r.events)
	}
	if interval > 0 {
		// the builds the timed calls ran beside
		var n uint64
		var lo, hi float64
		err := conn.QueryRow(ctx, "SELECT count(), min(seconds), max(seconds) FROM "+o.Database+
			".report_snapshots WHERE built_at >= ?", runStart.UTC().Truncate(time.Second)).Scan(&n, &lo, &hi)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\nsnapshot builds during the timed calls: %d, %.1f-%.1f s each\n", n, lo, hi)
	}
	rss := procstat.PeakRSS(srv.cmd.Process.Pid)
	fmt.Fprintf(w, `
worst call p95 through slate:   %.0f ms (target <= 300 ms)
worst p95 ratio slate / raw:    %.2fx (target <= 1.25x)
slate serve peak RSS:           %d MiB (target <= 200 MiB)
`, worstP95*1e3, worstRatio, rss/1024)
	rep.finish(row{
		figure:   fmt.Sprintf("worst call p95 %.0f ms, serve peak RSS %d MiB", worstP95*1e3, rss/1024),
		baseline: fmt.Sprintf("the same SQL in clickhouse-client: worst p95 %.0f ms", worstRawP95*1e3),
		ratio:    fmt.Sprintf("worst call's p95 %.2f×", worstRatio),
	})
	if *keep {
		fmt.Fprintf(w, "\nkept up until interrupted:\n  clickhouse-client %s --database %s\n  slate serve %s (token %s)\n",
			strings.Join(ch.ClientArgs(), " "), o.Database, srv.base, srv.token)
		<-ctx.Done()
	}
	return nil
}

// waitForSnapshot waits for slate serve's first report snapshot.
func waitForSnapshot(ctx context.Context, snaps *reports.Snapshots) (reports.Snapshot, error) {
	fmt.Fprintln(os.Stderr, "waiting for slate serve's first report snapshot ...")
	deadline := time.Now().Add(15 * time.Minute)
	for time.Now().Before(deadline) {
		sn, ok, err := snaps.Current(ctx)
		if err != nil {
			return sn, err
		}
		if ok {
			return sn, nil
		}
		select {
		case <-ctx.Done():
			return sn, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return reports.Snapshot{}, errors.New("slate serve built no report snapshot in 15 minutes")
}

// waitForSettled waits until a build of slate serve finds no ticket
// changed (it registers the newest generation again), and says what the
// builds before took. The first incremental build after the bulk load
// takes again the tickets written in the load's last snapshot margin (30
// s of SLA evaluation: half a million tickets at 1M), once; the timed
// calls measure the steady state after it, with serve still building
// every interval.
func waitForSettled(ctx context.Context, conn driver.Conn, db string) (string, error) {
	fmt.Fprintln(os.Stderr, "waiting for a snapshot build that finds nothing changed ...")
	deadline := time.Now().Add(15 * time.Minute)
	for time.Now().Before(deadline) {
		var regs, gens uint64
		var longest float64
		err := conn.QueryRow(ctx, "SELECT count(), uniqExact(generation), max(seconds) FROM "+db+".report_snapshots").Scan(&regs, &gens, &longest)
		if err != nil {
			return "", err
		}
		if regs > gens {
			return fmt.Sprintf("%d builds in all (the longest %.1f s) until one found nothing changed", gens, longest), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return "", errors.New("no snapshot build of slate serve found the data unchanged in 15 minutes")
}

// statementsOf is the SQL behind one call, as the API would run it now.
func statementsOf(ctx context.Context, svc *reports.Service, c benchCall, now time.Time) ([]string, error) {
	r, _ := reports.Lookup(c.report)
	v, _ := url.ParseQuery(c.params)
	q, err := reports.ParseQuery(r, v, now, svc.Limits())
	if err != nil {
		return nil, err
	}
	out, err := svc.Statements(ctx, r, q, reports.Scope{}, "")
	if err != nil || !q.Compare || r.Snapshot {
		return out, err
	}
	prev, err := svc.Statements(ctx, r, q.Previous(), reports.Scope{}, "")
	return append(out, prev...), err
}

// rawTimes runs the statements n times in one clickhouse-client session
// and returns, per repetition, the sum of the server's elapsed times.
func rawTimes(ctx context.Context, ch *chserver.Server, db string, stmts []string, n int) ([]float64, error) {
	var script strings.Builder
	for i := 0; i <= n; i++ { // the first round warms caches, like the HTTP warm-up
		for _, s := range stmts {
			script.WriteString(s + ";\n")
		}
	}
	args := append(ch.ClientArgs(), "--database", db, "--time", "--format", "Null", "--multiquery", "--max_query_size", "1048576")
	cmd := exec.CommandContext(ctx, "clickhouse-client", args...)
	cmd.Stdin = strings.NewReader(script.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("clickhouse-client: %w: %s", err, tail(stderr.String(), 500))
	}
	var each []float64
	for _, line := range strings.Split(stderr.String(), "\n") {
		if f, err := strconv.ParseFloat(strings.TrimSpace(line), 64); err == nil {
			each = append(each, f)
		}
	}
	if len(each) != (n+1)*len(stmts) {
		return nil, fmt.Errorf("clickhouse-client printed %d times for %d queries: %s", len(each), (n+1)*len(stmts), tail(stderr.String(), 300))
	}
	var out []float64
	for i := 1; i <= n; i++ {
		var sum float64
		for _, f := range each[i*len(stmts) : (i+1)*len(stmts)] {
			sum += f
		}
		out = append(out, sum)
	}
	return out, nil
}

type benchServer struct {
	cmd   *exec.Cmd
	base  string
	token string
	dir   string
}

// startBenchServe runs `slate serve` (this binary) on the database with one
// admin token.
func startBenchServe(ctx context.Context, ch *chserver.Server, db string, snapshotInterval time.Duration) (*benchServer, error) {
	dir, err := os.MkdirTemp("", "slate-bench-serve-")
	if err != nil {
		return nil, err
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	raw, err := yaml.Marshal(map[string]any{"auth": map[string]any{"tokens": []map[string]any{{"name": "bench", "role": "admin", "hash": hash}}}})
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, "serve", "--config", cfgPath)
	cmd.Env = append(os.Environ(), "SLATE_CLICKHOUSE_ADDRS="+ch.Addr(), "SLATE_CLICKHOUSE_DATABASE="+db,
		"SLATE_HTTP_ADDR="+addr, "SLATE_LOG_LEVEL=warn", "SLATE_REPORTS_SNAPSHOT_INTERVAL="+snapshotInterval.String())
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &benchServer{cmd: cmd, base: "http://" + addr, token: plain, dir: dir}
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("slate serve did not become ready on %s", addr)
}

func (s *benchServer) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	os.RemoveAll(s.dir)
}

// time requests path once to warm up, then n times, returning seconds.
func (s *benchServer) time(ctx context.Context, path string, n int) ([]float64, error) {
	var out []float64
	for i := 0; i <= n; i++ {
		req, err := http.NewRequestWithContext(ctx, "GET", s.base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+s.token)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("%s: HTTP %d: %.300s", path, resp.StatusCode, body)
		}
		if i > 0 {
			out = append(out, time.Since(start).Seconds())
		}
	}
	return out, nil
}

type churnResult struct {
	events int
	err    error
}

// churnEvents stores the generated run's events at or after from (left out
// of the load as not yet happened), rate a second in their order, through
// the warehouse writer as ingest does, SLA evaluated as each ticket's state
// is stored, until ctx ends or the events run out.
func churnEvents(ctx context.Context, conn driver.Conn, db string, gc eventgen.Config, from time.Time, rate int,
	policies *sla.Config) churnResult {
	var later []event.Event
	if err := eventgen.Generate(gc, func(e *event.Event) error {
		if !e.OccurredAt.Before(from) {
			later = append(later, *e)
		}
		return nil
	}); err != nil {
		return churnResult{err: err}
	}
	slices.SortStableFunc(later, func(a, b event.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	w := warehouse.NewWriter(conn, db, 50_000)
	w.SetSLA(policies)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	stored := 0
	for stored < len(later) {
		select {
		case <-ctx.Done():
			return churnResult{stored, ctx.Err()}
		case <-tick.C:
			next := min(stored+rate, len(later))
			recs := make([]event.Record, 0, next-stored)
			for _, e := range later[stored:next] {
				recs = append(recs, event.Record{Event: e})
			}
			if err := w.Store(ctx, &event.Batch{Records: recs}); err != nil {
				return churnResult{stored, err}
			}
			stored = next
		}
	}
	return churnResult{stored, nil}
}

// percentile is the nearest-rank percentile: the smallest sample with at
// least p of the samples at or below it (the 19th of 20 for p95; rank
// p×n rounded up, not down, which would give the 20th: the maximum).
func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p * float64(len(s))))
	return s[max(min(rank, len(s))-1, 0)]
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
