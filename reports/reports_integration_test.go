package reports_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// world is generated events loaded into a private ClickHouse through the
// real writer and SLA refresher, and the same events worked out in Go:
// the expectations below are computed from these, never from the report
// layer under test.
type world struct {
	svc     *reports.Service // reads the live tables
	snapSvc *reports.Service // reads a snapshot generation built after the load
	now     time.Time
	events  []event.Event
	tickets map[string]ticket.State // live and dead, by tenant/ticket
	slas    map[string][]sla.Result // evaluated as of each ticket's last event
}

var (
	sharedCH  *chserver.Server
	worldOnce sync.Once
	theWorld  *world
	worldErr  error
)

const genDays = 100

// TestMain starts one private ClickHouse for the package: loading and
// evaluating the fixture once is most of the suite's time. Under -short it
// starts none, and the tests that need it skip (needServer).
func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	var err error
	sharedCH, err = chserver.Start(ctx, chserver.Options{})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "start clickhouse: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	sharedCH.Close()
	os.Exit(code)
}

// needServer skips a test of the shared ClickHouse under -short.
func needServer(t testing.TB) {
	t.Helper()
	testkit.SkipShort(t, "a ClickHouse server")
}

// sharedAddr is the shared ClickHouse's address; under -short the test
// skips (there is none), so no test can reach the nil server.
func sharedAddr(t testing.TB) string {
	t.Helper()
	needServer(t)
	return sharedCH.Addr()
}

func loadWorld(t *testing.T) *world {
	t.Helper()
	needServer(t)
	addr := sharedAddr(t)
	worldOnce.Do(func() { theWorld, worldErr = buildWorld(addr) })
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return theWorld
}

// values renders rows with measures dereferenced, for comparing results.
func values(rows [][]any) string {
	var b strings.Builder
	for _, row := range rows {
		for _, c := range row {
			if f, ok := c.(*float64); ok {
				if f == nil {
					c = "null"
				} else {
					c = *f
				}
			}
			fmt.Fprint(&b, c, " ")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func buildWorld(addr string) (*world, error) {
	ctx := context.Background()
	o := warehouse.Options{Addrs: []string{addr}, Database: "reports_test"}
	conn, err := warehouse.Open(o)
	if err != nil {
		return nil, err
	}
	if _, err := warehouse.Migrate(ctx, conn, o); err != nil {
		return nil, err
	}
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		return nil, err
	}
	w := &world{tickets: map[string]ticket.State{}, slas: map[string][]sla.Result{}}
	// "now" late in the generated span, and only what happened before it
	// exists: plenty of open tickets and running clocks, some already past
	// their deadlines.
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, mustZone(eventgen.DefaultZone))
	w.now = start.AddDate(0, 0, genDays-3).Add(15 * time.Hour)
	gc := eventgen.Config{Seed: 11, Tickets: 1500, Days: genDays}
	if err := eventgen.Generate(gc, func(e *event.Event) error {
		if e.OccurredAt.Before(w.now) {
			w.events = append(w.events, *e)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// Store in two passes of shuffled-ish batches: every other batch
	// first, as a partitioned topic might deliver them.
	writer := warehouse.NewWriter(conn, o.Database, 1000)
	const size = 5000
	for pass := 0; pass < 2; pass++ {
		for i := pass * size; i < len(w.events); i += 2 * size {
			var recs []event.Record
			for _, e := range w.events[i:min(i+size, len(w.events))] {
				recs = append(recs, event.Record{Event: e})
			}
			if err := writer.Store(ctx, &event.Batch{Records: recs}); err != nil {
				return nil, err
			}
		}
	}
	if _, _, err := warehouse.NewSLARefresher(conn, o.Database, cfg).Refresh(ctx, time.Time{}, "", nil); err != nil {
		return nil, err
	}
	hist := map[string][]event.Event{}
	for _, e := range w.events {
		k := e.Tenant + "/" + e.TicketID
		hist[k] = append(hist[k], e)
	}
	for k, h := range hist {
		w.tickets[k] = ticket.Fold(h)
		sorted := slices.Clone(h)
		event.SortHistory(sorted)
		w.slas[k] = cfg.Evaluate(sorted, sorted[len(sorted)-1].OccurredAt)
	}
	w.svc = reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	snaps := reports.NewSnapshots(chstore.New(conn), o.Database, time.Hour)
	if _, err := snaps.Build(ctx); err != nil {
		return nil, err
	}
	w.snapSvc = reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	w.snapSvc.UseSnapshots(snaps)
	return w, nil
}

// sameRows compares results cell by cell: text exactly, measures to 1e-9
// relative (a sum of floats depends on the order the rows are added in,
// and the snapshot stores rows in another order).
func sameRows(a, b [][]any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			x, xf := a[i][j].(*float64)
			y, yf := b[i][j].(*float64)
			switch {
			case xf != yf:
				return false
			case !xf:
				if a[i][j] != b[i][j] {
					return false
				}
			case (x == nil) != (y == nil):
				return false
			case x != nil && math.Abs(*x-*y) > 1e-9*math.Max(1, math.Abs(*y)):
				return false
			}
		}
	}
	return true
}

// sameAsSnapshot fails unless the snapshot service gave exactly the live
// service's answer: every figure the tests check against Go is checked
// for both ways of reading.
func sameAsSnapshot(t *testing.T, what string, live, snap *reports.Result) {
	t.Helper()
	for live != nil && snap != nil {
		if !sameRows(snap.Rows, live.Rows) {
			t.Fatalf("%s: the snapshot's rows differ from the live tables'.\nsnapshot:\n%s\nlive:\n%s", what, values(snap.Rows), values(live.Rows))
		}
		if !slices.Equal(snap.Columns, live.Columns) {
			t.Fatalf("%s: snapshot columns %v, live %v", what, snap.Columns, live.Columns)
		}
		if snap.AsOf.Equal(live.AsOf) {
			t.Fatalf("%s: the snapshot's result says it is as of the request's now (%s)", what, live.AsOf)
		}
		live, snap = live.Previous, snap.Previous
	}
	if (live == nil) != (snap == nil) {
		t.Fatalf("%s: one of live and snapshot has a previous period, the other not", what)
	}
}

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// run parses params as the API would and runs the report.
func (w *world) run(t *testing.T, name string, params string, sc reports.Scope) *reports.Result {
	t.Helper()
	r, ok := reports.Lookup(name)
	if !ok {
		t.Fatalf("no report %s", name)
	}
	v, err := url.ParseQuery(params)
	if err != nil {
		t.Fatal(err)
	}
	q, err := reports.ParseQuery(r, v, w.now, reports.DefaultLimits())
	if err != nil {
		t.Fatalf("%s?%s: %v", name, params, err)
	}
	res, err := w.svc.Run(context.Background(), r, q, sc)
	if err != nil {
		t.Fatalf("%s?%s: %v", name, params, err)
	}
	snap, err := w.snapSvc.Run(context.Background(), r, q, sc)
	if err != nil {
		t.Fatalf("%s?%s from the snapshot: %v", name, params, err)
	}
	sameAsSnapshot(t, name+"?"+params, res, snap)
	return res
}

func (w *world) list(t *testing.T, name, params, measure string, sc reports.Scope) *reports.Result {
	t.Helper()
	r, _ := reports.Lookup(name)
	v, _ := url.ParseQuery(params)
	q, err := reports.ParseQuery(r, v, w.now, reports.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.svc.List(context.Background(), r, q, sc, measure)
	if err != nil {
		t.Fatalf("%s list ?%s: %v", name, params, err)
	}
	snap, err := w.snapSvc.List(context.Background(), r, q, sc, measure)
	if err != nil {
		t.Fatalf("%s list ?%s from the snapshot: %v", name, params, err)
	}
	sameAsSnapshot(t, name+" list ?"+params, res, snap)
	return res
}

// live are tickets the reports count: created, not deleted, not merged.
func (w *world) live() []ticket.State {
	var out []ticket.State
	for _, s := range w.tickets {
		if s.HasCreated && !s.Deleted && s.MergedInto == "" {
			out = append(out, s)
		}
	}
	return out
}

// table indexes a result's rows by the values of its key columns.
func table(t *testing.T, res *reports.Result, keys ...string) map[string]map[string]any {
	t.Helper()
	idx := map[string]int{}
	for i, c := range res.Columns {
		idx[c.Name] = i
	}
	out := map[string]map[string]any{}
	for _, row := range res.Rows {
		var k []string
		for _, name := range keys {
			i, ok := idx[name]
			if !ok {
				t.Fatalf("result has no column %s: %+v", name, res.Columns)
			}
			k = append(k, fmt.Sprint(row[i]))
		}
		cells := map[string]any{}
		for name, i := range idx {
			cells[name] = row[i]
		}
		key := strings.Join(k, "|")
		if _, dup := out[key]; dup {
			t.Fatalf("two rows for %s", key)
		}
		out[key] = cells
	}
	return out
}

func num(t *testing.T, v any) (float64, bool) {
	t.Helper()
	switch x := v.(type) {
	case *float64:
		if x == nil {
			return 0, false
		}
		return *x, true
	case nil:
		return 0, false
	}
	t.Fatalf("not a measure: %T %v", v, v)
	return 0, false
}

func wantNum(t *testing.T, what string, got any, want float64) {
	t.Helper()
	g, ok := num(t, got)
	if !ok || math.Abs(g-want) > 1e-6*math.Max(1, math.Abs(want)) {
		t.Errorf("%s: got %v (set %v), want %v", what, g, ok, want)
	}
}

func wantNull(t *testing.T, what string, got any) {
	t.Helper()
	if g, ok := num(t, got); ok {
		t.Errorf("%s: got %v, want null", what, g)
	}
}

func in(ts, from, to time.Time) bool { return !ts.Before(from) && ts.Before(to) }

// exactQuantile is the value at rank floor(level × n) of the sorted values.
func exactQuantile(xs []float64, level float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	i := int(level * float64(len(s)))
	return s[min(i, len(s)-1)]
}

func sec(t time.Time) int64 { return t.Truncate(time.Second).Unix() }

func TestVolumeByDayAndPriorityInHoChiMinh(t *testing.T) {
	w := loadWorld(t)
	hcm := mustZone("Asia/Ho_Chi_Minh")
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, hcm), time.Date(2026, 3, 1, 0, 0, 0, 0, hcm)
	res := w.run(t, "volume", "from=2026-02-01&to=2026-03-01&tz=Asia/Ho_Chi_Minh&grain=day&group_by=priority", reports.Scope{})

	type cell struct{ created, solved, reopened float64 }
	want := map[string]*cell{}
	get := func(day string, p event.Priority) *cell {
		k := day + "|" + string(p)
		if want[k] == nil {
			want[k] = &cell{}
		}
		return want[k]
	}
	priorities := map[event.Priority]bool{}
	for _, s := range w.live() {
		day := func(ts time.Time) string { return ts.In(hcm).Format("2006-01-02") }
		if in(s.CreatedAt.Truncate(time.Second), from, to) {
			get(day(s.CreatedAt), s.Priority).created++
			priorities[s.Priority] = true
		}
		for _, ts := range s.SolvedTimes {
			if in(ts.Truncate(time.Second), from, to) {
				get(day(ts), s.Priority).solved++
				priorities[s.Priority] = true
			}
		}
		for _, ts := range s.ReopenedTimes {
			if in(ts.Truncate(time.Second), from, to) {
				get(day(ts), s.Priority).reopened++
				priorities[s.Priority] = true
			}
		}
	}
	got := map[string]map[string]any{}
	for k, cells := range table(t, res, "period", "priority") {
		p, _ := time.Parse(time.RFC3339, strings.Split(k, "|")[0])
		if p.In(hcm).Hour() != 0 || p.In(hcm).Minute() != 0 {
			t.Fatalf("period %s does not start at local midnight", k)
		}
		got[p.In(hcm).Format("2006-01-02")+"|"+strings.Split(k, "|")[1]] = cells
	}
	// Every day of February for every priority seen: 28 × n rows, the
	// empty ones as zeros.
	if len(got) != 28*len(priorities) {
		t.Fatalf("%d rows, want 28 days × %d priorities", len(got), len(priorities))
	}
	var total float64
	for k, cells := range got {
		c := want[k]
		if c == nil {
			c = &cell{}
		}
		wantNum(t, k+" created", cells["created"], c.created)
		wantNum(t, k+" solved", cells["solved"], c.solved)
		wantNum(t, k+" reopened", cells["reopened"], c.reopened)
		total += c.created
	}
	if total < 100 {
		t.Fatalf("only %v tickets created in February: the fixture is too thin to test anything", total)
	}
}

func TestHourBucketsAcrossBerlinDST(t *testing.T) {
	w := loadWorld(t)
	berlin := mustZone("Europe/Berlin")
	// 2026-03-29 02:00 does not exist in Berlin: that day has 23 hours.
	res := w.run(t, "volume", "from=2026-03-28&to=2026-03-31&tz=Europe/Berlin&grain=hour", reports.Scope{})
	if len(res.Rows) != 24+23+24 {
		t.Fatalf("%d hourly rows, want 71", len(res.Rows))
	}
	want := map[int64]float64{}
	for _, s := range w.live() {
		c := s.CreatedAt.Truncate(time.Second)
		if in(c, time.Date(2026, 3, 28, 0, 0, 0, 0, berlin), time.Date(2026, 3, 31, 0, 0, 0, 0, berlin)) {
			l := c.In(berlin)
			want[l.Add(-time.Duration(l.Minute())*time.Minute-time.Duration(l.Second())*time.Second).Unix()]++
		}
	}
	var prev time.Time
	for _, row := range res.Rows {
		p, err := time.Parse(time.RFC3339, row[0].(string))
		if err != nil {
			t.Fatal(err)
		}
		if !prev.IsZero() && p.Sub(prev) != time.Hour {
			t.Errorf("%s follows %s", p, prev)
		}
		prev = p
		wantNum(t, row[0].(string), row[1], want[p.Unix()])
	}
}

func TestScopeCannotBeEscapedByFilters(t *testing.T) {
	w := loadWorld(t)
	acme := reports.Scope{Tenants: []string{"acme"}}
	// Asking for another tenant inside an acme scope gives nothing.
	res := w.run(t, "volume", "from=2026-01-01&to=2026-04-20&tenant=rudesk&tenant=acme&group_by=tenant", acme)
	for _, row := range res.Rows {
		if row[0] != "acme" {
			t.Fatalf("scope escaped: row %v", row)
		}
	}
	var wantAcme float64
	groups := map[string]float64{}
	for _, s := range w.live() {
		if s.Tenant == "acme" && in(s.CreatedAt.Truncate(time.Second), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC)) {
			wantAcme++
			groups[s.Group]++
		}
	}
	if len(res.Rows) != 1 {
		t.Fatalf("rows %v", res.Rows)
	}
	wantNum(t, "acme created", res.Rows[0][1], wantAcme)
	none := w.run(t, "volume", "from=2026-01-01&to=2026-04-20&tenant=rudesk", acme)
	wantNum(t, "rudesk inside acme scope", none.Rows[0][0], 0)

	// A group scope: grouping by group shows only that group.
	var g string
	for name := range groups {
		if name != "" {
			g = name
			break
		}
	}
	byGroup := w.run(t, "volume", "from=2026-01-01&to=2026-04-20&group_by=group", reports.Scope{Tenants: []string{"acme"}, Groups: []string{g}})
	if len(byGroup.Rows) != 1 || byGroup.Rows[0][0] != g {
		t.Fatalf("group scope %q: rows %v", g, byGroup.Rows)
	}
	wantNum(t, "group "+g, byGroup.Rows[0][1], groups[g])
}

func TestTagsCountEachTicketOncePerTag(t *testing.T) {
	w := loadWorld(t)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	res := w.run(t, "tags", "from=2026-01-01&to=2026-05-01&priority=high&priority=urgent", reports.Scope{})
	// Created tickets, and every solve and reopen in the range, per tag.
	want, solves, reopens := map[string]float64{}, map[string]float64{}, map[string]float64{}
	inRange := func(ts []time.Time) (n float64) {
		for _, at := range ts {
			if in(at.Truncate(time.Second), from, to) {
				n++
			}
		}
		return n
	}
	for _, s := range w.live() {
		if s.Priority != event.PriorityHigh && s.Priority != event.PriorityUrgent {
			continue
		}
		tags := s.Tags
		if len(tags) == 0 {
			tags = []string{""}
		}
		for _, tag := range tags {
			if in(s.CreatedAt.Truncate(time.Second), from, to) {
				want[tag]++
			}
			solves[tag] += inRange(s.SolvedTimes)
			reopens[tag] += inRange(s.ReopenedTimes)
		}
	}
	got := table(t, res, "tag")
	if len(got) != len(want) {
		t.Fatalf("%d tags, want %d", len(got), len(want))
	}
	nonASCII, anyReopen := false, false
	for tag, n := range want {
		wantNum(t, "tag "+tag, got[tag]["created"], n)
		wantNum(t, "tag "+tag+" solves", got[tag]["solved"], solves[tag])
		wantNum(t, "tag "+tag+" reopens", got[tag]["reopened"], reopens[tag])
		nonASCII = nonASCII || strings.IndexFunc(tag, func(r rune) bool { return r > 127 }) >= 0
		anyReopen = anyReopen || reopens[tag] > 0
	}
	if !anyReopen {
		t.Fatal("fixture has no reopens in the range")
	}
	if !nonASCII {
		t.Fatal("fixture has no Vietnamese or Russian tags")
	}
}

func TestFirstReplyAndResolutionQuantiles(t *testing.T) {
	w := loadWorld(t)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var frt, res, frtBiz, resBiz []float64
	var tickets float64
	for k, s := range w.tickets {
		if !s.HasCreated || s.Deleted || s.MergedInto != "" {
			continue
		}
		if in(s.CreatedAt.Truncate(time.Second), from, to) {
			tickets++
			if !s.FirstRepliedAt.IsZero() {
				frt = append(frt, float64(sec(s.FirstRepliedAt)-sec(s.CreatedAt)))
			}
		}
		if !s.FirstSolvedAt.IsZero() && in(s.FirstSolvedAt.Truncate(time.Second), from, to) {
			res = append(res, float64(sec(s.FirstSolvedAt)-sec(s.CreatedAt)))
		}
		for _, r := range w.slas[k] {
			stopped := r.Stop != nil && (r.State == sla.StateAchieved || r.State == sla.StateBreached)
			if r.Metric == sla.MetricFirstReply && stopped && in(r.Start.Truncate(time.Second), from, to) {
				frtBiz = append(frtBiz, float64(r.Elapsed))
			}
			if r.Metric == sla.MetricResolution && r.Cycle == 1 && stopped && in(r.Stop.Truncate(time.Second), from, to) {
				resBiz = append(resBiz, float64(r.Elapsed))
			}
		}
	}
	got := w.run(t, "first_reply_time", "from=2026-01-01&to=2026-05-01", reports.Scope{})
	row := table(t, got)[""]
	wantNum(t, "tickets", row["tickets"], tickets)
	wantNum(t, "replied", row["replied"], float64(len(frt)))
	for name, level := range map[string]float64{"median_s": 0.5, "p90_s": 0.9, "p95_s": 0.95} {
		wantNum(t, "frt "+name, row[name], exactQuantile(frt, level))
		wantNum(t, "frt business "+name, row["business_"+strings.TrimSuffix(name, "_s")+"_s"], exactQuantile(frtBiz, level))
	}
	got = w.run(t, "resolution_time", "from=2026-01-01&to=2026-05-01", reports.Scope{})
	row = table(t, got)[""]
	wantNum(t, "solved", row["solved"], float64(len(res)))
	wantNum(t, "business_n", row["business_n"], float64(len(resBiz)))
	wantNum(t, "resolution median", row["median_s"], exactQuantile(res, 0.5))
	wantNum(t, "resolution p95", row["p95_s"], exactQuantile(res, 0.95))
	wantNum(t, "resolution business p90", row["business_p90_s"], exactQuantile(resBiz, 0.9))

	// A day with nothing: quantiles are null, counts zero.
	empty := w.run(t, "first_reply_time", "from=2027-01-01&to=2027-01-02", reports.Scope{})
	e := table(t, empty)[""]
	wantNum(t, "empty tickets", e["tickets"], 0)
	wantNull(t, "empty median", e["median_s"])
}

func TestSLAComplianceCountsOpenBreaches(t *testing.T) {
	w := loadWorld(t)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	type agg struct{ achieved, breached, open float64 }
	want := map[string]*agg{}
	for k, s := range w.tickets {
		if !s.HasCreated || s.Deleted || s.MergedInto != "" {
			continue
		}
		for _, r := range w.slas[k] {
			if r.State == sla.StateMeasured || r.State == sla.StateCancelled || !in(r.Start.Truncate(time.Second), from, to) {
				continue
			}
			a := want[string(r.Metric)]
			if a == nil {
				a = &agg{}
				want[string(r.Metric)] = a
			}
			runningLate := r.State == sla.StateActive && r.Deadline != nil && r.Deadline.Truncate(time.Second).Before(w.now)
			switch {
			case r.State == sla.StateAchieved:
				a.achieved++
			case r.State == sla.StateBreached || runningLate:
				a.breached++
			}
			if (r.State == sla.StateBreached && r.Stop == nil) || runningLate {
				a.open++
			}
		}
	}
	got := table(t, w.run(t, "sla_compliance", "from=2026-01-01&to=2026-05-01", reports.Scope{}), "metric")
	if len(got) != len(want) || len(want) < 4 {
		t.Fatalf("metrics %d, want %d", len(got), len(want))
	}
	var anyOpen bool
	for m, a := range want {
		wantNum(t, m+" achieved", got[m]["achieved"], a.achieved)
		wantNum(t, m+" breached", got[m]["breached"], a.breached)
		wantNum(t, m+" breached_open", got[m]["breached_open"], a.open)
		if a.achieved+a.breached > 0 {
			wantNum(t, m+" compliance", got[m]["compliance_pct"], 100*a.achieved/(a.achieved+a.breached))
		}
		anyOpen = anyOpen || a.open > 0
	}
	if !anyOpen {
		t.Fatal("fixture has no open breaches: now is badly chosen")
	}
	// A metric filter keeps exactly that metric's row.
	one := table(t, w.run(t, "sla_compliance", "from=2026-01-01&to=2026-05-01&metric=resolution", reports.Scope{}), "metric")
	if a := want["resolution"]; len(one) != 1 || a == nil {
		t.Fatalf("metric=resolution: %d rows", len(one))
	}
	wantNum(t, "resolution alone: achieved", one["resolution"]["achieved"], want["resolution"].achieved)
	wantNum(t, "resolution alone: breached", one["resolution"]["breached"], want["resolution"].breached)
}

func TestBacklogAging(t *testing.T) {
	w := loadWorld(t)
	want := map[string]float64{}
	unassigned := map[string]float64{}
	for _, s := range w.live() {
		if s.Status.Resolved() {
			continue
		}
		age := w.now.Sub(s.CreatedAt.Truncate(time.Second))
		b := "30d+"
		switch {
		case age < 24*time.Hour:
			b = "0-1d"
		case age < 72*time.Hour:
			b = "1-3d"
		case age < 7*24*time.Hour:
			b = "3-7d"
		case age < 30*24*time.Hour:
			b = "7-30d"
		}
		want[b]++
		if s.Assignee == "" {
			unassigned[b]++
		}
	}
	got := table(t, w.run(t, "backlog", "group_by=age", reports.Scope{}), "age")
	if len(got) != len(want) {
		t.Fatalf("age buckets %v, want %v", got, want)
	}
	for b, n := range want {
		wantNum(t, "age "+b, got[b]["open"], n)
		wantNum(t, "unassigned "+b, got[b]["unassigned"], unassigned[b])
	}
}

func TestAgentPerformanceAndBillable(t *testing.T) {
	w := loadWorld(t)
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	solved := map[string]float64{}
	replies := map[string]map[string]bool{}
	billable := map[string]float64{}
	for _, s := range w.live() {
		for _, ts := range s.SolvedTimes {
			if in(ts.Truncate(time.Second), from, to) {
				solved[s.Assignee]++ // every solve: reopened and solved again counts twice
			}
		}
	}
	type money struct{ hours, billable, amount float64 }
	byCustomer := map[string]*money{}
	for _, e := range w.events {
		at := e.OccurredAt.Truncate(time.Second)
		if !in(at, from, to) {
			continue
		}
		if e.Type == event.TypeMessage && e.MessageKind == event.MessagePublicReply && e.Actor.Type == event.ActorAgent {
			if replies[e.Actor.ID] == nil {
				replies[e.Actor.ID] = map[string]bool{}
			}
			replies[e.Actor.ID][e.ID] = true
		}
		if e.Type == event.TypeTimeLogged {
			cur := e.Currency
			k := w.tickets[e.Tenant+"/"+e.TicketID].Customer + "|" + cur
			if byCustomer[k] == nil {
				byCustomer[k] = &money{}
			}
			m := byCustomer[k]
			m.hours += float64(e.Seconds) / 3600
			if e.Billable {
				billable[e.Agent] += float64(e.Seconds) / 3600
				m.billable += float64(e.Seconds) / 3600
				if e.HasRate {
					m.amount += float64(e.Seconds) / 3600 * e.Rate
				}
			}
		}
	}
	// The ticket measures, per assignee: first replies of tickets created
	// in the range, resolutions of tickets first solved in it, ratings
	// given in it (these share one scan of the tickets with the solves).
	frt, res := map[string][]float64{}, map[string][]float64{}
	ratings := map[string][]float64{}
	for _, s := range w.live() {
		if in(s.CreatedAt.Truncate(time.Second), from, to) && !s.FirstRepliedAt.IsZero() {
			frt[s.Assignee] = append(frt[s.Assignee], float64(sec(s.FirstRepliedAt)-sec(s.CreatedAt)))
		}
		if !s.FirstSolvedAt.IsZero() && in(s.FirstSolvedAt.Truncate(time.Second), from, to) {
			res[s.Assignee] = append(res[s.Assignee], float64(sec(s.FirstSolvedAt)-sec(s.CreatedAt)))
		}
		if s.Rating > 0 && in(s.RatedAt.Truncate(time.Second), from, to) {
			ratings[s.Assignee] = append(ratings[s.Assignee], float64(s.Rating))
		}
	}
	got := table(t, w.run(t, "agent_performance", "from=2026-02-01&to=2026-03-01", reports.Scope{}), "agent")
	var anyRated, solvesExceedFirst bool
	for agent, row := range got {
		wantNum(t, agent+" solved", row["solved"], solved[agent])
		wantNum(t, agent+" replies", row["replies"], float64(len(replies[agent])))
		wantNum(t, agent+" billable hours", row["billable_hours"], billable[agent])
		wantNum(t, agent+" replied", row["replied"], float64(len(frt[agent])))
		wantNum(t, agent+" first solves", row["first_solved"], float64(len(res[agent])))
		solvesExceedFirst = solvesExceedFirst || solved[agent] > float64(len(res[agent]))
		wantNum(t, agent+" rated", row["rated"], float64(len(ratings[agent])))
		if len(frt[agent]) > 0 {
			wantNum(t, agent+" FRT median", row["frt_median_s"], exactQuantile(frt[agent], 0.5))
		} else {
			wantNull(t, agent+" FRT median", row["frt_median_s"])
		}
		if len(res[agent]) > 0 {
			wantNum(t, agent+" resolution median", row["resolution_median_s"], exactQuantile(res[agent], 0.5))
		} else {
			wantNull(t, agent+" resolution median", row["resolution_median_s"])
		}
		if n := len(ratings[agent]); n > 0 {
			var sum float64
			for _, r := range ratings[agent] {
				sum += r
			}
			wantNum(t, agent+" CSAT", row["csat_avg"], sum/float64(n))
			anyRated = true
		} else {
			wantNull(t, agent+" CSAT", row["csat_avg"])
		}
	}
	for agent := range frt {
		if got[agent] == nil {
			t.Errorf("agent %s had a ticket replied to but has no row", agent)
		}
	}
	if !anyRated {
		t.Fatal("fixture has no ratings in the range")
	}
	// With reopens, solves are more than first solves somewhere: the two
	// columns of the agent table must not be one figure twice.
	if !solvesExceedFirst {
		t.Fatal("fixture: no agent solved more often than they first-solved tickets, though tickets were reopened")
	}
	for agent := range replies {
		if got[agent] == nil {
			t.Errorf("agent %s replied but has no row", agent)
		}
	}
	// The top 5 agents by replies: largest first, with their other
	// measures from the other sources intact.
	top := w.run(t, "agent_performance", "from=2026-02-01&to=2026-03-01&top=5&sort=replies", reports.Scope{})
	var counts []float64
	for _, n := range replies {
		counts = append(counts, float64(len(n)))
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(counts)))
	if len(top.Rows) != 5 {
		t.Fatalf("top 5: %d rows", len(top.Rows))
	}
	for i, row := range top.Rows {
		agent := row[0].(string)
		wantNum(t, fmt.Sprintf("top %d replies", i+1), row[2], counts[i])
		wantNum(t, "top "+agent+" billable hours", row[len(row)-1], billable[agent])
	}
	// A top larger than the agents who solved anything in a day: only
	// those are in it, as when the solves are read alone, although other
	// agents have tickets created or rated that day.
	day := time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)
	daySolved := map[string]float64{}
	others := false
	for _, s := range w.live() {
		for _, ts := range s.SolvedTimes {
			if in(ts.Truncate(time.Second), day, day.AddDate(0, 0, 1)) {
				daySolved[s.Assignee]++
			}
		}
	}
	for _, s := range w.live() {
		others = others || daySolved[s.Assignee] == 0 && in(s.CreatedAt.Truncate(time.Second), day, day.AddDate(0, 0, 1))
	}
	if len(daySolved) == 0 || len(daySolved) >= 50 || !others {
		t.Fatalf("fixture: %d agents solved on %s (want 1-49), other agents' tickets created that day: %v", len(daySolved), day, others)
	}
	dayTop := w.run(t, "agent_performance", "from=2026-02-03&to=2026-02-04&top=50&sort=solved", reports.Scope{})
	if len(dayTop.Rows) != len(daySolved) {
		t.Fatalf("top 50 by solves on %s: %d rows, want the %d agents who solved", day, len(dayTop.Rows), len(daySolved))
	}
	for i, row := range dayTop.Rows {
		wantNum(t, fmt.Sprintf("%s solves (row %d)", row[0], i), row[1], daySolved[row[0].(string)])
		if i > 0 && *dayTop.Rows[i-1][1].(*float64) < *row[1].(*float64) {
			t.Fatalf("top rows not largest first: %v", values(dayTop.Rows))
		}
	}
	fin := table(t, w.run(t, "billable", "from=2026-02-01&to=2026-03-01&group_by=customer", reports.Scope{}), "customer", "currency")
	if len(fin) != len(byCustomer) {
		t.Fatalf("%d customer rows, want %d", len(fin), len(byCustomer))
	}
	var anyAmount bool
	for k, m := range byCustomer {
		wantNum(t, k+" hours", fin[k]["hours"], m.hours)
		wantNum(t, k+" billable", fin[k]["billable_hours"], m.billable)
		wantNum(t, k+" amount", fin[k]["amount"], m.amount)
		anyAmount = anyAmount || m.amount > 0
	}
	if !anyAmount {
		t.Fatal("fixture has no rated time entries")
	}
}

func TestCSATByWeekInNewYorkAndResolutionQuality(t *testing.T) {
	w := loadWorld(t)
	ny := mustZone("America/New_York")
	from, to := time.Date(2026, 2, 2, 0, 0, 0, 0, ny), time.Date(2026, 3, 30, 0, 0, 0, 0, ny) // Mondays
	type agg struct{ n, sum float64 }
	want := map[string]*agg{}
	var solved, oneTouch, reopened float64
	for _, s := range w.live() {
		if s.Rating > 0 && in(s.RatedAt.Truncate(time.Second), from, to) {
			l := s.RatedAt.In(ny)
			monday := time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, ny).Format("2006-01-02")
			if want[monday] == nil {
				want[monday] = &agg{}
			}
			want[monday].n++
			want[monday].sum += float64(s.Rating)
		}
		if !s.FirstSolvedAt.IsZero() && in(s.FirstSolvedAt.Truncate(time.Second), from, to) {
			solved++
			if s.PublicReplies == 1 && s.ReopenCount == 0 {
				oneTouch++
			}
			if s.ReopenCount > 0 {
				reopened++
			}
		}
	}
	res := w.run(t, "csat", "from=2026-02-02&to=2026-03-30&tz=America/New_York&grain=week", reports.Scope{})
	if len(res.Rows) != 8 {
		t.Fatalf("%d weeks, want 8", len(res.Rows))
	}
	for _, row := range res.Rows {
		p, _ := time.Parse(time.RFC3339, row[0].(string))
		wk := p.In(ny).Format("2006-01-02")
		a := want[wk]
		if a == nil {
			wantNum(t, wk+" rated", row[1], 0)
			wantNull(t, wk+" avg", row[2])
			continue
		}
		wantNum(t, wk+" rated", row[1], a.n)
		wantNum(t, wk+" avg", row[2], a.sum/a.n)
	}
	q := table(t, w.run(t, "resolution_quality", "from=2026-02-02&to=2026-03-30&tz=America/New_York", reports.Scope{}))[""]
	wantNum(t, "solved", q["solved"], solved)
	wantNum(t, "one touch", q["one_touch"], oneTouch)
	wantNum(t, "one touch %", q["one_touch_pct"], 100*oneTouch/solved)
	wantNum(t, "reopen %", q["reopen_pct"], 100*reopened/solved)
}

func TestDrillDownListsTheTicketsBehindACell(t *testing.T) {
	w := loadWorld(t)
	hcm := mustZone("Asia/Ho_Chi_Minh")
	day := time.Date(2026, 2, 10, 0, 0, 0, 0, hcm)
	params := "from=2026-02-01&to=2026-03-01&tz=Asia/Ho_Chi_Minh&grain=day&priority=high&period=" + url.QueryEscape(day.Format(time.RFC3339))
	want := map[string]bool{}
	for _, s := range w.live() {
		if s.Priority == event.PriorityHigh && in(s.CreatedAt.Truncate(time.Second), day, day.AddDate(0, 0, 1)) {
			want[s.Tenant+"/"+s.TicketID] = true
		}
	}
	res := w.list(t, "volume", params, "created", reports.Scope{})
	got := map[string]bool{}
	for _, row := range res.Rows {
		got[row[0].(string)+"/"+row[1].(string)] = true
	}
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("drill-down: got %v, want %v", got, want)
	}
	// The cell's count is the list's length.
	cell := w.run(t, "volume", "from=2026-02-01&to=2026-03-01&tz=Asia/Ho_Chi_Minh&grain=day&group_by=priority", reports.Scope{})
	for _, row := range cell.Rows {
		if row[0] == day.Format(time.RFC3339) && row[1] == "high" {
			wantNum(t, "cell", row[2], float64(len(want)))
		}
	}
}

func TestPreBreachList(t *testing.T) {
	w := loadWorld(t)
	horizon := 24 * time.Hour
	want := map[string]bool{}
	for k, s := range w.tickets {
		if !s.HasCreated || s.Deleted || s.MergedInto != "" {
			continue
		}
		for _, r := range w.slas[k] {
			if r.State == sla.StateActive && r.Deadline != nil && in(r.Deadline.Truncate(time.Second), w.now, w.now.Add(horizon)) {
				want[fmt.Sprintf("%s|%s|%d", k, r.Metric, r.Cycle)] = true
			}
		}
	}
	res := w.list(t, "pre_breach", "horizon=24h&limit=5000", "", reports.Scope{})
	mi, ci, di := res.ColumnIndex("metric"), res.ColumnIndex("cycle"), res.ColumnIndex("deadline")
	got := map[string]bool{}
	var last string
	for _, row := range res.Rows {
		got[fmt.Sprintf("%s/%s|%s|%v", row[0], row[1], row[mi], *(row[ci].(*float64)))] = true
		if d := row[di].(string); d < last {
			t.Fatalf("not soonest first: %s after %s", d, last)
		} else {
			last = d
		}
	}
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pre-breach: got %d %v\nwant %d %v", len(got), got, len(want), want)
	}
	if res.Truncated {
		t.Error("a whole list is marked truncated")
	}

	// Over its page size: the most urgent first page, with the total.
	if len(res.Rows) < 3 {
		t.Fatalf("the test needs 3 tickets about to breach, has %d", len(res.Rows))
	}
	cut := w.list(t, "pre_breach", "horizon=24h&limit=2", "", reports.Scope{})
	key := func(row []any) string {
		return fmt.Sprintf("%s/%s|%s|%v|%s", row[0], row[1], row[mi], *(row[ci].(*float64)), row[di])
	}
	if !cut.Truncated || len(cut.Rows) != 2 || cut.Page.Total != uint64(len(want)) || key(cut.Rows[0]) != key(res.Rows[0]) || key(cut.Rows[1]) != key(res.Rows[1]) {
		t.Fatalf("a page of 2: %d rows, truncated %v, page %+v; want the first 2 of the whole list of %d", len(cut.Rows), cut.Truncated, cut.Page, len(want))
	}
}

func TestCompareWithPreviousMonth(t *testing.T) {
	w := loadWorld(t)
	res := w.run(t, "volume", "from=2026-03-01&to=2026-04-01&compare=previous", reports.Scope{})
	if res.Previous == nil {
		t.Fatal("no previous period")
	}
	if !res.Previous.From.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) || !res.Previous.To.Equal(res.From) {
		t.Fatalf("previous period %s..%s", res.Previous.From, res.Previous.To)
	}
	feb := w.run(t, "volume", "from=2026-02-01&to=2026-03-01", reports.Scope{})
	if values(feb.Rows) != values(res.Previous.Rows) || values(feb.Rows) == values(res.Rows) {
		t.Fatalf("previous %v, February %v, March %v", values(res.Previous.Rows), values(feb.Rows), values(res.Rows))
	}
}

// TestStatementsAreTheQueriesRun: for a top, the statements include the
// narrowing of the other sources to the top rows, as the run does.
func TestStatementsAreTheQueriesRun(t *testing.T) {
	w := loadWorld(t)
	res := w.run(t, "agent_performance", "from=2026-02-01&to=2026-03-01&top=3&sort=solved", reports.Scope{})
	r, _ := reports.Lookup("agent_performance")
	q, err := reports.ParseQuery(r, url.Values{"from": {"2026-02-01"}, "to": {"2026-03-01"}, "top": {"3"}, "sort": {"solved"}}, w.now, reports.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*reports.Service{w.svc, w.snapSvc} {
		stmts, err := svc.Statements(context.Background(), r, q, reports.Scope{}, "")
		if err != nil {
			t.Fatal(err)
		}
		// The four ticket sources in one scan, then replies, SLA cycles
		// and time entries.
		if len(stmts) != 4 || len(res.Rows) != 3 {
			t.Fatalf("%d statements for 7 sources (4 in one scan), %d rows for a top 3", len(stmts), len(res.Rows))
		}
		if strings.Contains(stmts[0], " IN (") {
			t.Errorf("the sort source is narrowed: %s", stmts[0])
		}
		for _, st := range stmts[1:] {
			for _, row := range res.Rows {
				if !strings.Contains(st, "'"+row[0].(string)+"'") {
					t.Errorf("statement does not narrow to agent %q: %.200s", row[0], st)
				}
			}
		}
	}
}

// TestDrillDownAgentIsTheReplyingAgent: a list has one row per counted fact,
// and each row's agent is that fact's own: a ticket answered by several
// agents is listed once per public reply, under the agent who wrote it, so
// the same cell gives the same rows on every ClickHouse version (never an
// any() over a ticket's agents).
func TestDrillDownAgentIsTheReplyingAgent(t *testing.T) {
	w := loadWorld(t)
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	want := map[string]int{} // tenant/ticket/agent -> public replies in the month
	agents := map[string]map[string]bool{}
	for _, e := range w.events {
		at := e.OccurredAt.Truncate(time.Second)
		if e.Type != event.TypeMessage || e.MessageKind != event.MessagePublicReply || e.Actor.Type != event.ActorAgent || !in(at, from, to) {
			continue
		}
		k := e.Tenant + "/" + e.TicketID
		want[k+"/"+e.Actor.ID]++
		if agents[k] == nil {
			agents[k] = map[string]bool{}
		}
		agents[k][e.Actor.ID] = true
	}
	several := 0
	for _, a := range agents {
		if len(a) > 1 {
			several++
		}
	}
	if several < 5 {
		t.Fatalf("only %d tickets with replies by several agents in the month: the test would not show anything", several)
	}
	res := w.list(t, "agent_performance", "from=2026-02-01&to=2026-03-01&grain=month&period=2026-02-01&limit=5000", "replies", reports.Scope{})
	agentCol := res.ColumnIndex("agent")
	got := map[string]int{}
	for _, row := range res.Rows {
		got[row[0].(string)+"/"+row[1].(string)+"/"+row[agentCol].(string)]++
	}
	if !maps.Equal(got, want) {
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: listed %d times, wrote %d public replies in the month", k, got[k], n)
			}
		}
		for k, n := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: listed %d times, wrote no public reply in the month", k, n)
			}
		}
	}
}
