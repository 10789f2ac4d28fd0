package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/reports/schedule"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

const db = "compat"

// TestEveryStatementOnBothEngines runs Slate's own code (migrations, the
// writer and its ticket projection, SLA evaluation and recompute, the
// schedule and delivery stores, report snapshots, and every report over a
// grid of parameters) against ClickHouse 18.16, recording every statement
// it sends. It then replays the recorded statements, in order, on a fresh
// database of the same 18.16 server and on chDB 26.x side by side, and
// requires each to succeed on both with the same rows.
//
// The statements come from the code's builders as they run, not from a
// list: a new statement is replayed as soon as a code path here reaches
// it, and one sent by a connection the recorder does not see fails the
// test (see unrecorded).
func TestEveryStatementOnBothEngines(t *testing.T) {
	ctx := context.Background()
	server := startLoggingServer(t)
	ch := startChDB(t, "")
	if !strings.HasPrefix(ch.version, chdbVersion+".") {
		t.Fatalf("chDB is ClickHouse %s, the test verifies %s (re-run scripts/install-deps.sh)", ch.version, chdbVersion)
	}

	o := warehouse.Options{Addrs: []string{server.Addr()}, Database: db, MaxExecutionTime: time.Minute}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	calls := &callLog{prefix: "compat"}
	rec := newRecorder(conn, calls)
	start := time.Now()
	keys := exercise(t, ctx, rec, o)
	// A connection of cluster mode sends insert_distributed_sync with
	// every statement (warehouse.Open); reads through it carry it here.
	oc := o
	oc.Cluster = "compat_cluster"
	clusterConn, err := warehouse.Open(oc)
	if err != nil {
		t.Fatal(err)
	}
	defer clusterConn.Close()
	if _, err := warehouse.ReadCounts(ctx, newRecorder(clusterConn, calls), db); err != nil {
		t.Fatal(err)
	}
	t.Logf("exercised Slate on 18.16: %d statements in %s", len(calls.recorded()), time.Since(start).Round(time.Millisecond))

	h18 := httpCH{addr: server.HTTPAddr(), client: &http.Client{}}
	logged := readQueryLog(t, h18, "compat-", len(calls.recorded()))
	if extra := unrecorded(t, h18); len(extra) > 0 {
		t.Fatalf("statements reached the server without the recorder, so they would never be checked on %s:\n%s", chdbVersion, strings.Join(extra, "\n"))
	}

	start = time.Now()
	replay(t, calls.recorded(), logged, keys, h18, ch)
	t.Logf("replayed on 18.16 and %s in %s", ch.version, time.Since(start).Round(time.Millisecond))
	checkSettings(t, logged, h18, ch)
}

// settingRe finds the settings Slate's code sends: the keys of
// clickhouse.Settings literals and of assignments to a settings map.
var (
	settingsLitRe = regexp.MustCompile(`clickhouse\.Settings\{([^}]*)\}`)
	settingKeyRe  = regexp.MustCompile(`"([a-z_0-9]+)"\s*:`)
	settingSetRe  = regexp.MustCompile(`settings\["([a-z_0-9]+)"\]\s*=`)
)

// sentSettings greps the module's non-test Go files for the settings
// Slate sends per query or per connection.
func sentSettings(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../..", path)
		for _, lit := range settingsLitRe.FindAllSubmatch(src, -1) {
			for _, k := range settingKeyRe.FindAllSubmatch(lit[1], -1) {
				out[string(k[1])] = append(out[string(k[1])], rel)
			}
		}
		for _, k := range settingSetRe.FindAllSubmatch(src, -1) {
			out[string(k[1])] = append(out[string(k[1])], rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkSettings requires every setting Slate sends to have been sent
// with some replayed statement (so both engines accepted it with Slate's
// values and gave the same rows), to exist on 18.16, and to exist and not
// be obsolete on current ClickHouse.
func checkSettings(t *testing.T, logged map[string]loggedQuery, h18 httpCH, ch *chdb) {
	t.Helper()
	sent := sentSettings(t)
	if len(sent) == 0 {
		t.Fatal("found no settings in the code: the grep is broken")
	}
	replayed := map[string]bool{}
	for _, lq := range logged {
		for name := range lq.Settings {
			replayed[name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(sent)) {
		where := strings.Join(slices.Compact(slices.Sorted(slices.Values(sent[name]))), ", ")
		if !replayed[name] {
			t.Errorf("setting %s (%s) went with no statement the test replayed: exercise the code that sends it", name, where)
		}
		if a := h18.run("SELECT count() FROM system.settings WHERE name = '"+name+"'", nil, true); strings.TrimSpace(a.Out) != "1" {
			t.Errorf("setting %s (%s) is not in 18.16's system.settings: %s", name, where, a.Error)
		}
		a := ch.run("SELECT is_obsolete, alias_for FROM system.settings WHERE name = '"+name+"'", nil, true)
		fields := strings.Split(strings.TrimSuffix(a.Out, "\n"), "\t")
		switch {
		case !a.OK || len(fields) != 2:
			t.Errorf("setting %s (%s) is not in %s's system.settings: %s%s", name, where, ch.version, a.Out, a.Error)
		case fields[0] != "0":
			t.Errorf("setting %s (%s) is obsolete on %s", name, where, ch.version)
		case fields[1] != "":
			t.Logf("setting %s (%s): on %s an alias of %s", name, where, ch.version, fields[1])
		}
	}
}

// startLoggingServer is a private 18.16 server that logs every query
// (users.d overrides the profile chserver writes).
func startLoggingServer(t *testing.T) *chserver.Server {
	t.Helper()
	testkit.SkipShort(t, "a ClickHouse server")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "users.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	const logQueries = `<yandex><profiles><default><log_queries>1</log_queries></default></profiles></yandex>`
	if err := os.WriteFile(filepath.Join(dir, "users.d", "log_queries.xml"), []byte(logQueries), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := chserver.Start(t.Context(), chserver.Options{Dir: dir})
	if err != nil {
		t.Fatalf("start clickhouse: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close clickhouse: %v", err)
		}
	})
	return s
}

// loggedQuery is a statement as 18.16 ran it.
type loggedQuery struct {
	ID        string            `json:"query_id"`
	Query     string            `json:"query"`
	Exception string            `json:"exception"`
	Settings  map[string]string `json:"-"`
	Names     []string          `json:"Settings.Names"`
	Values    []string          `json:"Settings.Values"`
}

// profileSettings are the private server's profile (chserver's users.xml
// and log_queries above): query_log lists them with each query, but Slate
// does not send them.
var profileSettings = map[string]bool{
	"max_memory_usage": true, "use_uncompressed_cache": true, "load_balancing": true,
	"poll_interval": true, "log_queries": true,
}

// readQueryLog returns the finished (or failed) statements whose query id
// starts with prefix, by id, once it has want of them or 10s passed: the
// server logs a statement after its client has the answer.
func readQueryLog(t *testing.T, h httpCH, prefix string, want int) map[string]loggedQuery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := readQueryLogOnce(t, h, prefix)
		if len(out) >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func readQueryLogOnce(t *testing.T, h httpCH, prefix string) map[string]loggedQuery {
	t.Helper()
	if a := h.run("SYSTEM FLUSH LOGS", nil, false); !a.OK {
		t.Fatal(a.Error)
	}
	a := h.run("SELECT query_id, query, exception, Settings.Names, Settings.Values FROM system.query_log "+
		"WHERE type != 1 AND is_initial_query = 1 AND startsWith(query_id, '"+prefix+"') FORMAT JSONEachRow", nil, true)
	if !a.OK {
		t.Fatal(a.Error)
	}
	out := map[string]loggedQuery{}
	dec := json.NewDecoder(strings.NewReader(a.Out))
	for dec.More() {
		var q loggedQuery
		if err := dec.Decode(&q); err != nil {
			t.Fatal(err)
		}
		q.Settings = map[string]string{}
		for i, n := range q.Names {
			if !profileSettings[n] {
				q.Settings[n] = q.Values[i]
			}
		}
		out[q.ID] = q
	}
	return out
}

// unrecorded lists statements on the test database that did not go
// through the recorder.
func unrecorded(t *testing.T, h httpCH) []string {
	t.Helper()
	a := h.run("SELECT DISTINCT query FROM system.query_log WHERE type = 2 AND is_initial_query = 1 "+
		"AND NOT startsWith(query_id, 'compat-') AND position(query, '"+db+".') > 0 AND position(query, 'system.query_log') = 0", nil, true)
	if !a.OK {
		t.Fatal(a.Error)
	}
	if strings.TrimSpace(a.Out) == "" {
		return nil
	}
	return strings.Split(strings.TrimSpace(a.Out), "\n")
}

// volatileRe matches statements whose result is the moment they run.
var volatileRe = regexp.MustCompile(`\bnow\(\)`)

// replay runs the recorded statements in order on a fresh database of
// 18.16 and on chDB, and fails on any statement that fails on either or
// returns other rows. Background merges are stopped on both (again after
// each CREATE TABLE), so that a statement reading a ReplacingMergeTree
// without FINAL (the writer's state lookups) sees the same rows on each.
func replay(t *testing.T, calls []*call, logged map[string]loggedQuery, keys string, engines ...engine) {
	t.Helper()
	setup := []string{
		"DROP DATABASE IF EXISTS " + db,
		"SYSTEM STOP MERGES",
		// The writer's lookups read their keys from an external table,
		// which the log does not keep: every generated ticket stands in.
		"DROP TABLE IF EXISTS default.lookup_keys",
		"CREATE TABLE default.lookup_keys (tenant String, ticket_id String) ENGINE = Memory",
		"INSERT INTO default.lookup_keys VALUES " + keys,
	}
	for _, st := range setup {
		for _, e := range engines {
			if a := e.run(st, nil, false); !a.OK {
				t.Fatalf("replay setup %q: %s", clip(st), a.Error)
			}
		}
	}
	var (
		failures []string
		reads    = map[string]bool{} // statements already compared since the last write
		compared int
		spent    = make([]time.Duration, len(engines))
		kinds    = map[string]int{}
	)
	for _, c := range calls {
		lq, ok := logged[c.id]
		if !ok {
			failures = append(failures, fmt.Sprintf("%s: not in 18.16's query log", c.id))
			continue
		}
		if lq.Exception != "" {
			failures = append(failures, fmt.Sprintf("failed on 18.16 when Slate sent it: %s\n  %s", lq.Exception, clip(lq.Query)))
			continue
		}
		sql := lq.Query
		if c.insert != "" {
			if len(c.rows) == 0 {
				continue // a batch sent empty: no statement runs
			}
			sql = c.insert + " FORMAT JSONEachRow\n" + string(c.rows)
		}
		kinds[statementKind(sql)]++
		read := isRead(sql)
		if read {
			if reads[sql] {
				continue
			}
			reads[sql] = true
		} else {
			clear(reads)
		}
		// Both at once: the replay takes the slower engine's time, not the sum.
		answers := make([]answer, len(engines))
		var wg sync.WaitGroup
		for i, e := range engines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				answers[i] = e.run(sql, lq.Settings, read)
				spent[i] += time.Since(t0)
			}()
		}
		wg.Wait()
		if err := answers[0].err(); err != nil {
			failures = append(failures, fmt.Sprintf("failed on 18.16 in the replay: %v\n  %s", err, clip(sql)))
			continue
		}
		if err := answers[1].err(); err != nil {
			failures = append(failures, fmt.Sprintf("failed on %s: %v\n  %s", chdbVersion, err, clip(sql)))
			continue
		}
		if !read {
			if strings.HasPrefix(sql, "CREATE TABLE") {
				// STOP MERGES holds the tables that exist when it runs.
				for _, e := range engines {
					if a := e.run("SYSTEM STOP MERGES", nil, false); !a.OK {
						t.Fatalf("stop merges: %s", a.Error)
					}
				}
			}
			continue
		}
		compared++
		if volatileRe.MatchString(sql) {
			continue // it ran on both; its value is the clock's
		}
		if diff := sameRows(answers[0].Out, answers[1].Out); diff != "" {
			failures = append(failures, fmt.Sprintf("rows differ: %s\n  %s", diff, clip(sql)))
		}
	}
	t.Logf("%d statements, %d distinct reads compared; time in each engine: %v; statements by kind: %v", len(calls), compared, spent, kinds)
	if len(failures) > 0 {
		for _, f := range failures[:min(len(failures), 20)] {
			t.Error(f)
		}
		t.Fatalf("%d of %d statements do not run the same on 18.16 and %s", len(failures), len(calls), chdbVersion)
	}
}

// exercise drives every code path that sends statements; it returns the
// generated tickets' keys as a VALUES list.
func exercise(t *testing.T, ctx context.Context, conn driver.Conn, o warehouse.Options) string {
	t.Helper()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := warehouse.Migrate(ctx, conn, o)
	must("migrate", err)
	_, err = warehouse.Migrate(ctx, conn, o) // a second run finds them applied
	must("migrate again", err)

	cfg, err := sla.LoadConfig("../../deploy/sla.example.yaml")
	must("sla config", err)

	// Events up to "now", late in the generated span: open tickets,
	// running clocks, some past their deadlines. The span covers the
	// daylight-saving changes of 2026 in New York (8 March) and Berlin
	// (29 March).
	zone, err := time.LoadLocation(eventgen.DefaultZone)
	must("zone", err)
	genStart := time.Date(2026, 1, 5, 0, 0, 0, 0, zone)
	now := genStart.AddDate(0, 0, 87).Add(15 * time.Hour)
	var events []event.Event
	keySet := map[string]bool{}
	must("generate", eventgen.Generate(eventgen.Config{Seed: 28, Tickets: 400, Days: 90}, func(e *event.Event) error {
		keySet["('"+e.Tenant+"', '"+e.TicketID+"')"] = true
		if e.OccurredAt.Before(now) {
			events = append(events, *e)
		}
		return nil
	}))
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range keySet {
			if !yield(k) {
				return
			}
		}
	})

	writer := warehouse.NewWriter(conn, o.Database, 1000)
	writer.PartRows = 5000
	refresher := warehouse.NewSLARefresher(conn, o.Database, cfg)
	records := func(evs []event.Event) []event.Record {
		out := make([]event.Record, len(evs))
		for i, e := range evs {
			out[i] = event.Record{Event: e, Source: event.Source{Topic: "events", Partition: 0, Offset: int64(i)}}
		}
		return out
	}
	// Most events through the ingester's path (a unit: events streamed,
	// tickets staged, committed), the last fifth later through Store, with
	// a dead letter and one batch stored twice, as a redelivery does.
	cut := len(events) * 4 / 5
	const size = 4000
	for i := 0; i < cut; i += size {
		u := writer.Begin(ctx)
		must("unit add", u.Add(ctx, &event.Batch{Records: records(events[i:min(i+size, cut)])}))
		must("unit commit", u.Commit(ctx))
	}
	_, _, err = refresher.Refresh(ctx, time.Time{}, "", nil)
	must("sla refresh", err)

	snaps := reports.NewSnapshots(chstore.New(conn), o.Database, 365*24*time.Hour)
	_, err = snaps.Build(ctx)
	must("snapshot build", err)

	late := &event.Batch{Records: records(events[cut:])}
	late.DeadLetters = []event.DeadLetter{event.NewDeadLetter(event.Source{Topic: "events", Partition: 0, Offset: 99},
		[]byte("k"), []byte("{not json"), nil, fmt.Errorf("invalid JSON"), now)}
	must("store", writer.Store(ctx, late))
	must("store again", writer.Store(ctx, late))
	mark, _, err := refresher.Refresh(ctx, time.Time{}, "", nil)
	must("sla refresh", err)
	must("save watermark", refresher.SaveWatermark(ctx, mark))
	_, err = refresher.Watermark(ctx)
	must("watermark", err)
	// slate sla recompute: one tenant since a date.
	recompute := warehouse.NewSLARefresher(conn, o.Database, cfg)
	recompute.Worker = "recompute"
	_, _, err = recompute.Refresh(ctx, genStart.AddDate(0, 0, 60), events[0].Tenant, nil)
	must("sla recompute", err)

	var tk []warehouse.TicketKey
	for _, e := range events[:50] {
		tk = append(tk, warehouse.TicketKey{Tenant: e.Tenant, TicketID: e.TicketID})
	}
	must("refold", writer.RefoldTickets(ctx, tk))
	// ingest with SLA on, restarted: its cold cache reads stored tickets
	// and their SLA clocks (the recompute's); a refold stores SLA rows
	slaWriter := warehouse.NewWriter(conn, o.Database, 1000)
	slaWriter.SetSLA(cfg)
	must("store with SLA", slaWriter.Store(ctx, late))
	must("refold with SLA", slaWriter.RefoldTickets(ctx, tk))
	must("load histories", warehouse.LoadHistories(ctx, conn, o.Database, tk, func([]event.Event) error { return nil }))
	_, err = warehouse.ReadCounts(ctx, conn, o.Database)
	must("counts", err)

	// An incremental snapshot build over the tickets changed since the
	// first, then the one readers use. The rows of a failed build of long
	// ago (generation 1, never registered) are there for the build to drop
	// by partition.
	must("a failed build's rows", conn.Exec(ctx, "INSERT INTO "+db+".snapshot_tickets (generation, tenant, ticket_id) SELECT 1, 'failed', 'build'"))
	_, err = snaps.Build(ctx)
	must("snapshot build", err)
	_, _, err = snaps.Current(ctx)
	must("snapshot current", err)

	exerciseSchedules(t, ctx, conn, must)
	exerciseReports(t, ctx, conn, now, snaps, must)
	return strings.Join(keys, ", ")
}

func exerciseSchedules(t *testing.T, ctx context.Context, conn driver.Conn, must func(string, error)) {
	t.Helper()
	store := warehouse.NewScheduleStore(conn, db)
	sc := schedule.Schedule{ID: "weekly-volume", Name: "Weekly volume", Cron: "0 7 * * 1", TZ: "Asia/Kolkata",
		Period: schedule.PeriodWeek, Reports: []string{"volume"}, Filters: map[string][]string{"priority": {"high"}},
		Format: "xlsx", Recipients: []string{"ops@example.com"}, UpdatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	must("schedule put", store.Put(ctx, sc))
	_, err := store.Get(ctx, sc.ID)
	must("schedule get", err)
	_, err = store.List(ctx)
	must("schedule list", err)
	must("schedule delete", store.Delete(ctx, sc.ID))

	log := warehouse.NewDeliveryLog(conn, db)
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	must("delivery record", log.Record(ctx, schedule.Delivery{ScheduleID: sc.ID, PeriodFrom: from, PeriodTo: from.AddDate(0, 0, 7),
		RunAt: from.AddDate(0, 0, 7), Trigger: schedule.TriggerSchedule, State: schedule.StateSending,
		Recipients: sc.Recipients, Runner: "compat", UpdatedAt: from.AddDate(0, 0, 7)}))
	_, err = log.Latest(ctx, from.AddDate(0, 0, -7))
	must("delivery latest", err)
	_, err = log.Latest(ctx, from, sc.ID)
	must("delivery latest of one", err)
}

// exerciseReports runs every report of the catalog on the live tables and
// on the snapshot over a grid: each grain, time zones with a half-hour
// offset and daylight-saving days, each dimension grouped by and filtered
// on, two dimensions at once, compare, top, scopes, and the drill-down of
// each measure; then the summary and the time entries export.
func exerciseReports(t *testing.T, ctx context.Context, conn driver.Conn, now time.Time, snaps *reports.Snapshots, must func(string, error)) {
	t.Helper()
	live := reports.NewService(chstore.New(conn), db, reports.DefaultLimits())
	snap := reports.NewService(chstore.New(conn), db, reports.DefaultLimits())
	snap.UseSnapshots(snaps)
	services := []*reports.Service{live, snap}

	parse := func(r *reports.Report, params string) reports.Query {
		t.Helper()
		v, err := url.ParseQuery(params)
		must(params, err)
		q, err := reports.ParseQuery(r, v, now, reports.DefaultLimits())
		must(r.Name+"?"+params, err)
		return q
	}
	run := func(r *reports.Report, params string, sc reports.Scope) *reports.Result {
		t.Helper()
		q := parse(r, params)
		var res *reports.Result
		for _, svc := range services {
			var err error
			if r.List {
				res, err = svc.List(ctx, r, q, sc, "")
			} else {
				res, err = svc.Run(ctx, r, q, sc)
			}
			must(r.Name+"?"+params, err)
		}
		return res
	}
	const month = "from=2026-02-01&to=2026-03-01"
	for _, name := range reports.Names() {
		r, _ := reports.Lookup(name)
		base := run(r, month, reports.Scope{})
		timeAxis := !r.List && !r.Snapshot
		if timeAxis {
			run(r, "from=2026-01-01&to=2026-04-01&grain=month", reports.Scope{})
			run(r, "from=2026-01-01&to=2026-04-01&grain=quarter", reports.Scope{})
			run(r, month+"&grain=week&tz=Asia/Kolkata", reports.Scope{})
			run(r, month+"&grain=day&tz=Asia/Kolkata&compare=previous", reports.Scope{})
			run(r, month+"&compare=previous", reports.Scope{})
			// The days clocks change: 23-hour days, hour buckets around the gap.
			run(r, "from=2026-03-08&to=2026-03-09&grain=hour&tz=America/New_York", reports.Scope{})
			run(r, "from=2026-03-29&to=2026-03-30&grain=hour&tz=Europe/Berlin&compare=previous", reports.Scope{})
			run(r, "from=2026-03-01&to=2026-04-01&grain=day&tz=Europe/Berlin", reports.Scope{})
		} else {
			run(r, "horizon=24h&tz=Asia/Kolkata", reports.Scope{})
		}
		var tenant string
		for _, d := range r.Dimensions {
			params := month + "&group_by=" + string(d)
			if r.List {
				params = "tz=UTC"
			}
			grouped := run(r, params, reports.Scope{})
			// Filter on the dimension's two first values (a set of two;
			// tags: any of two).
			vals := url.Values{}
			col := grouped.ColumnIndex(string(d))
			for _, row := range grouped.Rows {
				if col >= 0 && len(vals[string(d)]) < 2 {
					if s, ok := row[col].(string); ok {
						vals.Add(string(d), s)
					}
				}
			}
			if len(vals) == 0 { // nothing to take a value from (a list of now may be empty)
				v := "none"
				if set, closed := reports.ClosedValues(d); closed {
					v = set[0]
				}
				vals.Add(string(d), v)
			}
			if d == reports.DimTenant {
				tenant = vals.Get(string(d))
			}
			switch {
			case r.List:
				run(r, vals.Encode(), reports.Scope{})
			case r.Snapshot:
				run(r, vals.Encode()+"&group_by="+string(d), reports.Scope{})
			default:
				run(r, month+"&grain=week&"+vals.Encode(), reports.Scope{})
			}
		}
		if len(r.Dimensions) >= 2 && !r.List {
			run(r, month+"&group_by="+string(r.Dimensions[0])+","+string(r.Dimensions[1]), reports.Scope{})
			run(r, month+"&group_by="+string(r.Dimensions[len(r.Dimensions)-1])+"&top=3", reports.Scope{})
			// The desk's labels rolled up under their canonical values.
			run(r, month+"&group_by=status,status_label", reports.Scope{})
			run(r, month+"&group_by=priority,priority_label&severity_label=", reports.Scope{})
		}
		if slices.Contains(r.Dimensions, reports.DimAgentRole) {
			// a ticket once per involved agent, grouped and drilled into
			if r.List { // a list is filtered, not grouped
				run(r, "agent=none&agent_role=supporting&creator=none&creator=", reports.Scope{Groups: []string{"support"}})
			} else {
				run(r, month+"&group_by=agent,agent_role&creator=none&creator=", reports.Scope{Groups: []string{"support"}})
				q := parse(r, month+"&agent_role=supporting&limit=500")
				for _, svc := range services {
					_, err := svc.List(ctx, r, q, reports.Scope{}, "")
					must(r.Name+" drill-down by agent role", err)
				}
			}
		}
		if tenant == "" {
			t.Fatalf("%s: no tenant to scope to", name)
		}
		run(r, month, reports.Scope{Tenants: []string{tenant}})
		run(r, month, reports.Scope{Tenants: []string{tenant}, Groups: []string{"none", "support"}})
		if r.List {
			continue
		}
		// Drill-downs: the tickets behind the first day's cell of each
		// measure, and behind a cell of a breakdown.
		cell := month + "&grain=day&period=" + base.From.In(time.UTC).Format("2006-01-02")
		inZone := month + "&grain=week&period=2026-02-02&tz=Asia/Kolkata"
		if r.Snapshot {
			cell, inZone = "", "tz=Asia/Kolkata"
		}
		for _, m := range r.Measures {
			q := parse(r, cell+"&limit=500&truncate=true")
			for _, svc := range services {
				_, err := svc.List(ctx, r, q, reports.Scope{}, m.Name)
				must(r.Name+" drill-down "+m.Name, err)
			}
		}
		q := parse(r, inZone+"&limit=500&truncate=true&tenant="+tenant)
		for _, svc := range services {
			_, err := svc.List(ctx, r, q, reports.Scope{Tenants: []string{tenant}}, "")
			must(r.Name+" drill-down in a zone", err)
		}
	}

	vol, _ := reports.Lookup("volume")
	for _, params := range []string{month, month + "&tz=Asia/Kolkata&priority=high"} {
		q := parse(vol, params)
		for _, svc := range services {
			_, err := svc.Summarize(ctx, q, reports.Scope{})
			must("summary "+params, err)
			cur, err := svc.TimeEntries(ctx, q, reports.Scope{})
			must("time entries "+params, err)
			var e reports.TimeEntry
			for cur.Next(&e) {
			}
			must("time entries "+params, cur.Err())
			must("time entries close", cur.Close())
		}
	}
}

// statementKind is a statement's first words, for the replay's summary
// (ALTER with its action: DROP PARTITION, ADD COLUMN).
func statementKind(sql string) string {
	f := strings.Fields(sql)
	switch {
	case len(f) >= 5 && f[0] == "ALTER":
		return "ALTER " + f[3] + " " + f[4]
	case len(f) >= 2 && (f[0] == "CREATE" || f[0] == "INSERT" || f[0] == "DROP"):
		return f[0] + " " + f[1]
	case len(f) >= 1:
		return f[0]
	}
	return ""
}
