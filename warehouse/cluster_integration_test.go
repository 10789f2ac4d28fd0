package warehouse_test

import (
	"context"
	"fmt"
	"math"
	"net/url"
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
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
	"github.com/slatehq/slate/warehouse/schema"
)

// The cluster tests run the real migrations, writer, SLA refresher and
// report service against private ClickHouse 18.16 clusters coordinated by
// Debian's ZooKeeper (scripts/install-deps.sh installs it), next to a
// single node loaded with the same events.

const clusterDB = "slate_cluster"

// clusterFixture is generated events and what they must amount to, worked
// out in Go from the events alone.
type clusterFixture struct {
	now     time.Time
	events  []event.Event
	ids     map[string]bool // distinct event ids
	tickets map[warehouse.TicketKey]bool
	entries int // distinct time entries (ticket.time_logged events)
}

func newClusterFixture(t *testing.T, tickets, days int) *clusterFixture {
	t.Helper()
	zone, err := time.LoadLocation(eventgen.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, zone)
	f := &clusterFixture{now: start.AddDate(0, 0, days-3).Add(15 * time.Hour), ids: map[string]bool{},
		tickets: map[warehouse.TicketKey]bool{}}
	if err := eventgen.Generate(eventgen.Config{Seed: 23, Tickets: tickets, Days: days}, func(e *event.Event) error {
		if e.OccurredAt.Before(f.now) {
			f.events = append(f.events, *e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	seen := map[[3]string]bool{}
	for _, e := range f.events {
		k := [3]string{e.Tenant, e.TicketID, e.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		f.ids[e.ID] = true
		f.tickets[warehouse.TicketKey{Tenant: e.Tenant, TicketID: e.TicketID}] = true
		if e.Type == event.TypeTimeLogged {
			f.entries++
		}
	}
	if len(seen) != len(f.ids) {
		t.Fatalf("generated event ids are not unique across tickets: %d keys, %d ids", len(seen), len(f.ids))
	}
	return f
}

// store writes events[from:to] in batches of size through w, as ingest
// would, with Kafka positions so dead letters and offsets look real.
func (f *clusterFixture) store(t *testing.T, w *warehouse.Writer, from, to, size int) {
	t.Helper()
	for i := from; i < to; i += size {
		if err := w.Store(context.Background(), f.batch(i, min(i+size, to))); err != nil {
			t.Fatalf("store events %d..%d: %v", i, min(i+size, to), err)
		}
	}
}

func (f *clusterFixture) batch(from, to int) *event.Batch {
	b := &event.Batch{}
	for i := from; i < to; i++ {
		b.Records = append(b.Records, event.Record{Event: f.events[i], Source: event.Source{Topic: "ticket-events", Partition: 0, Offset: int64(i)}})
	}
	return b
}

func openNode(t *testing.T, addr, cluster string) (driver.Conn, warehouse.Options) {
	t.Helper()
	o := warehouse.Options{Addrs: []string{addr}, Database: clusterDB, Cluster: cluster}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, o
}

// migrateEverywhere runs Migrate from every node at once, then once more
// from each: the second round must find everything applied.
func migrateEverywhere(t *testing.T, c *chserver.Cluster) {
	t.Helper()
	ctx := context.Background()
	nodes := c.All()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	began := time.Now()
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := warehouse.Options{Addrs: []string{n.Addr()}, Database: clusterDB, Cluster: c.Name}
			conn, err := warehouse.Open(o)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close()
			_, errs[i] = warehouse.Migrate(ctx, conn, o)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate from node %d: %v", i, err)
		}
	}
	t.Logf("migrated from %d nodes at once in %v", len(nodes), time.Since(began).Round(time.Millisecond))
	for i, n := range nodes {
		conn, o := openNode(t, n.Addr(), c.Name)
		res, err := warehouse.Migrate(ctx, conn, o)
		if err != nil {
			t.Fatalf("second migrate from node %d: %v", i, err)
		}
		for _, r := range res {
			if r.Applied {
				t.Errorf("node %d: %04d_%s applied again", i, r.Version, r.Name)
			}
		}
	}
}

// checkSchema checks every node has each table as a replicated local table
// and a Distributed table with the same columns, and every migration record.
func checkSchema(t *testing.T, c *chserver.Cluster) {
	t.Helper()
	migs, err := warehouse.Migrations(warehouse.Options{Database: clusterDB, Cluster: c.Name})
	if err != nil {
		t.Fatal(err)
	}
	tables := []string{"events", "tickets", "time_entries", "dead_letters", "sla_results", "sla_progress", "sla_tickets", "schedules"}
	for i, n := range c.All() {
		conn, _ := openNode(t, n.Addr(), c.Name)
		engines := map[string]string{}
		rows, err := conn.Query(context.Background(), "SELECT name, engine FROM system.tables WHERE database = ?", clusterDB)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, engine string
			if err := rows.Scan(&name, &engine); err != nil {
				t.Fatal(err)
			}
			engines[name] = engine
		}
		rows.Close()
		for _, table := range tables {
			if !strings.HasPrefix(engines[table+warehouse.LocalSuffix], "Replicated") || engines[table] != "Distributed" {
				t.Errorf("node %d: %s is %q, %s is %q", i, table+warehouse.LocalSuffix, engines[table+warehouse.LocalSuffix], table, engines[table])
			}
			local, dist := columnsOf(t, conn, table+warehouse.LocalSuffix), columnsOf(t, conn, table)
			if local != dist {
				t.Errorf("node %d: %s columns differ from its local table:\n%s\n%s", i, table, dist, local)
			}
		}
		if !strings.Contains(columnsOf(t, conn, "tickets"), "status_since DateTime('UTC'), solved_times") {
			t.Errorf("node %d: migration 0007's columns missing on tickets", i)
		}
		checkClusterAgreesWithSchema(t, conn, i)
		var versions uint64
		if err := conn.QueryRow(context.Background(), "SELECT uniqExact(version) FROM "+clusterDB+".slate_migrations").Scan(&versions); err != nil {
			t.Fatal(err)
		}
		if int(versions) != len(migs) {
			t.Errorf("node %d: %d migrations recorded, want %d", i, versions, len(migs))
		}
	}
}

// checkClusterAgreesWithSchema compares one node's tables with package
// schema, as TestMigrationsAgreeWithSchema does on a single node: each
// local table has the declared columns, keys and the Replicated variant of
// the declared engine (with its version column last), and the Distributed
// table over it the declared columns.
func checkClusterAgreesWithSchema(t *testing.T, conn driver.Conn, node int) {
	t.Helper()
	observed, err := schema.Observe(textQuery(conn), clusterDB)
	if err != nil {
		t.Fatal(err)
	}
	local := map[string]schema.Observed{}
	for _, table := range schema.Tables {
		l, ok := observed[table.Name+warehouse.LocalSuffix]
		if ok && l.Engine == "Replicated"+table.Engine {
			args := strings.Split(l.EngineArgs, ", ")
			l.Engine, l.EngineArgs = table.Engine, ""
			if len(args) == 3 {
				l.EngineArgs = args[2]
			}
		}
		if ok {
			local[table.Name] = l
		}
		if d := observed[table.Name]; d.Engine != "Distributed" || !slices.Equal(d.Columns, table.Columns) {
			t.Errorf("node %d: %s is a %s of columns %v, want a Distributed table of the declared columns", node, table.Name, d.Engine, d.Columns)
		}
	}
	for _, d := range schema.Agree(local) {
		t.Errorf("node %d, local tables: %s", node, d)
	}
}

func columnsOf(t *testing.T, conn driver.Conn, table string) string {
	t.Helper()
	var cols []string
	rows, err := conn.Query(context.Background(), "SELECT name, type FROM system.columns WHERE database = ? AND table = ?", clusterDB, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, name+" "+typ)
	}
	return strings.Join(cols, ", ")
}

// syncReplica waits until the node has fetched every part its replication
// queue knows of, for every local table.
func syncReplica(t *testing.T, conn driver.Conn) {
	t.Helper()
	for _, table := range []string{"events", "tickets", "time_entries", "dead_letters", "sla_results", "sla_progress", "sla_tickets", "schedules"} {
		if err := conn.Exec(context.Background(), "SYSTEM SYNC REPLICA "+clusterDB+"."+table+warehouse.LocalSuffix); err != nil {
			t.Fatalf("sync replica %s: %v", table, err)
		}
	}
}

// waitCounts syncs the replica and waits (at most 60s) until its local
// tables hold what the fixture amounts to, then returns what they hold.
func (f *clusterFixture) waitCounts(t *testing.T, conn driver.Conn, extra int) storedCounts {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		syncReplica(t, conn)
		got := countsOn(t, conn)
		if got.final == uint64(len(f.ids)+extra) && got.tickets == uint64(len(f.tickets)) && got.entries == uint64(f.entries) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type storedCounts struct {
	raw, final, ids, tickets, entries uint64
}

// countsOn reads one node's local tables directly (not through Distributed).
func countsOn(t *testing.T, conn driver.Conn) storedCounts {
	t.Helper()
	var c storedCounts
	err := conn.QueryRow(context.Background(), fmt.Sprintf(`SELECT
		(SELECT count() FROM %[1]s.events_local),
		(SELECT count() FROM %[1]s.events_local FINAL),
		(SELECT uniqExact(event_id) FROM %[1]s.events_local),
		(SELECT count() FROM %[1]s.tickets_local FINAL),
		(SELECT count() FROM %[1]s.time_entries_local FINAL)`, clusterDB)).Scan(&c.raw, &c.final, &c.ids, &c.tickets, &c.entries)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *clusterFixture) wantCounts(t *testing.T, what string, got storedCounts, extra int) {
	t.Helper()
	if got.final != uint64(len(f.ids)+extra) || got.ids != uint64(len(f.ids)+extra) ||
		got.tickets != uint64(len(f.tickets)) || got.entries != uint64(f.entries) {
		t.Errorf("%s: %d events (%d ids), %d tickets, %d time entries; want %d, %d, %d",
			what, got.final, got.ids, got.tickets, got.entries, len(f.ids)+extra, len(f.tickets), f.entries)
	}
}

// reportRequests are the requests every report is run with: the default
// grain, each of its dimensions as grouping (with the previous period), and
// for list reports the list itself.
func reportRequests(r *reports.Report) []string {
	base := "from=2026-01-20&to=2026-03-05&tz=Asia/Ho_Chi_Minh"
	out := []string{base, base + "&grain=week&compare=previous"}
	for _, d := range r.Dimensions {
		out = append(out, base+"&group_by="+url.QueryEscape(string(d)))
	}
	return out
}

// runAllReports runs every report of the catalog (aggregates, every
// measure's drill-down list, the pre-breach list), the leadership summary
// and the finance entries against svc and renders the results as text, one
// entry per request.
func runAllReports(t *testing.T, svc *reports.Service, now time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, name := range reports.Names() {
		r, _ := reports.Lookup(name)
		valid := 0
		for _, params := range reportRequests(r) {
			v, _ := url.ParseQuery(params)
			q, err := reports.ParseQuery(r, v, now, reports.DefaultLimits())
			if err != nil {
				continue // a grouping this report does not offer
			}
			valid++
			key := name + "?" + params
			if r.List {
				res, err := svc.List(ctx, r, q, reports.Scope{}, "")
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				out[key] = render(res)
				continue
			}
			res, err := svc.Run(ctx, r, q, reports.Scope{})
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			out[key] = render(res)
			if strings.Contains(params, "group_by") {
				continue
			}
			for _, m := range r.Measures {
				res, err := svc.List(ctx, r, q, reports.Scope{}, m.Name)
				if err != nil {
					t.Fatalf("%s list %s: %v", key, m.Name, err)
				}
				// A drill-down list shows any(agent) of a ticket's rows: for
				// replies and time entries, one of the agents who replied or
				// logged time, which any server may pick differently.
				if i := res.ColumnIndex("agent"); i >= 0 {
					for _, row := range res.Rows {
						row[i] = "*"
					}
				}
				out[key+" list "+m.Name] = render(res)
			}
		}
		if valid == 0 {
			t.Fatalf("no valid request for report %s", name)
		}
	}
	vol, _ := reports.Lookup("volume")
	q, err := reports.ParseQuery(vol, url.Values{"from": {"2026-02-01"}, "to": {"2026-03-01"}}, now, reports.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	sum, err := svc.Summarize(ctx, q, reports.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, h := range sum.Headlines {
		fmt.Fprintf(&b, "%s %s %s\n", h.Label, reports.FormatValue(h.Current, h.Kind), reports.FormatValue(h.Previous, h.Kind))
	}
	out["summary"] = b.String()
	cur, err := svc.TimeEntries(ctx, q, reports.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	var e reports.TimeEntry
	for cur.Next(&e) {
		fmt.Fprintf(&b, "%+v\n", e)
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	cur.Close()
	out["time entries"] = b.String()
	return out
}

// render writes a result's columns and rows (and its previous period's),
// rounding measures to 9 significant digits: sums of floats may add up in
// another order on another server.
func render(res *reports.Result) string {
	var b strings.Builder
	for _, c := range res.Columns {
		b.WriteString(c.Name + " ")
	}
	b.WriteString("\n")
	for _, row := range res.Rows {
		for _, c := range row {
			switch x := c.(type) {
			case *float64:
				if x == nil {
					c = "null"
				} else {
					c = roundSig(*x)
				}
			case float64:
				c = roundSig(x)
			}
			fmt.Fprint(&b, c, " ")
		}
		b.WriteString("\n")
	}
	if res.Previous != nil {
		b.WriteString("previous:\n" + render(res.Previous))
	}
	return b.String()
}

func roundSig(x float64) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	return fmt.Sprintf("%.9g", x)
}

func compareReports(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d results, single node %d", what, len(got), len(want))
	}
	rows := 0
	for k, w := range want {
		rows += strings.Count(w, "\n")
		if g := got[k]; g != w {
			gl, wl := strings.Split(g, "\n"), strings.Split(w, "\n")
			i := 0
			for i < len(gl) && i < len(wl) && gl[i] == wl[i] {
				i++
			}
			t.Errorf("%s: %s differs from the single node (%d and %d lines), first at line %d:\n%s\n--- cluster ---\n%s\n--- single node ---\n%s",
				what, k, len(gl), len(wl), i+1, gl[0], strings.Join(gl[i:min(i+3, len(gl))], "\n"), strings.Join(wl[i:min(i+3, len(wl))], "\n"))
		}
	}
	t.Logf("%s: %d report results (%d lines) equal to the single node's", what, len(want), rows)
}

// TestClusterOneShardTwoReplicas: migrations from both replicas at once,
// ingest through the writer, every report as on a single node read through
// either replica, and a replica stopped while writes go on catches up with
// nothing lost or duplicated.
func TestClusterOneShardTwoReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	c := testkit.ClickHouseCluster(t, 1, 2)
	single := testkit.ClickHouse(t)
	t.Logf("zookeeper, 2 replicas and a single node up in %v", time.Since(began).Round(time.Millisecond))
	a, b := c.Nodes[0][0], c.Nodes[0][1]

	migrateEverywhere(t, c)
	checkSchema(t, c)

	connA, _ := openNode(t, a.Addr(), c.Name)
	connS, oS := openNode(t, single.Addr(), "")
	if _, err := warehouse.Migrate(ctx, connS, oS); err != nil {
		t.Fatal(err)
	}

	// Replicated block de-duplication: the same block inserted twice is
	// stored once (a plain MergeTree would keep both until a merge).
	blockDedupe(t, connA)
	const blockRows = 3

	f := newClusterFixture(t, 700, 60)
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wA := warehouse.NewWriter(connA, clusterDB, 1000)
	wS := warehouse.NewWriter(connS, clusterDB, 1000)
	refresh := func(conn driver.Conn) {
		t.Helper()
		if _, _, err := warehouse.NewSLARefresher(conn, clusterDB, cfg).Refresh(ctx, time.Time{}, "", nil); err != nil {
			t.Fatalf("sla refresh: %v", err)
		}
	}
	const size = 2000
	half := len(f.events) * 2 / 3
	f.store(t, wA, 0, half, size)
	f.store(t, wS, 0, half, size)
	// A retry of a stored batch, as ingest makes after a timeout: the same
	// rows again (new ingested_at, so a new block) collapse by key.
	if err := wA.Store(ctx, f.batch(size, 2*size)); err != nil {
		t.Fatal(err)
	}
	refresh(connA)
	refresh(connS)

	// One replica down: writes go on through the other.
	if err := b.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	f.store(t, wA, half, len(f.events), size)
	f.store(t, wS, half, len(f.events), size)
	refresh(connA)
	refresh(connS)
	f.wantCounts(t, "replica 1 while replica 2 is down", countsOn(t, connA), blockRows)

	down := time.Since(stopped)
	if err := b.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	connB, _ := openNode(t, b.Addr(), c.Name)
	countsB := f.waitCounts(t, connB, blockRows)
	t.Logf("replica 2 was down %v and caught up %v after its restart", down.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
	syncReplica(t, connA)
	countsA := countsOn(t, connA)
	f.wantCounts(t, "replica 1", countsA, blockRows)
	f.wantCounts(t, "replica 2 after its restart", countsB, blockRows)
	if countsA.raw != countsB.raw {
		t.Errorf("replicas hold %d and %d event rows", countsA.raw, countsB.raw)
	}
	t.Logf("%d events (%d rows before merges), %d tickets, %d time entries on each replica", countsA.final, countsA.raw, countsA.tickets, countsA.entries)

	want := runAllReports(t, reports.NewService(chstore.New(connS), clusterDB, reports.DefaultLimits()), f.now)
	compareReports(t, "through replica 1", runAllReports(t, reports.NewService(chstore.New(connA), clusterDB, reports.DefaultLimits()), f.now), want)
	compareReports(t, "through replica 2", runAllReports(t, reports.NewService(chstore.New(connB), clusterDB, reports.DefaultLimits()), f.now), want)
	widenEnumOnCluster(t, c)
	t.Logf("whole test %v", time.Since(began).Round(time.Millisecond))
}

// widenEnumOnCluster gives snapshot_sla's metric enum a value as a
// migration would (what a new SLA metric needs): the replicated local
// tables ON CLUSTER and the Distributed table on each host, whose types
// then agree on every node.
func widenEnumOnCluster(t *testing.T, c *chserver.Cluster) {
	t.Helper()
	metric, _ := schema.SnapshotSLA.Column("metric")
	widened := strings.TrimSuffix(metric.Type, ")") + ", 'test_metric' = 100)"
	conn, o := openNode(t, c.Nodes[0][0].Addr(), c.Name)
	if err := warehouse.ApplyMigrationText(context.Background(), conn, o,
		"ALTER TABLE {{.DB}}.snapshot_sla{{onCluster}} MODIFY COLUMN metric "+widened+";\n"); err != nil {
		t.Fatal(err)
	}
	for i, n := range c.All() {
		conn, _ := openNode(t, n.Addr(), c.Name)
		for _, table := range []string{"snapshot_sla" + warehouse.LocalSuffix, "snapshot_sla"} {
			if cols := columnsOf(t, conn, table); !strings.Contains(cols, "metric "+widened+",") {
				t.Errorf("node %d: %s after the enum gained a value: %s", i, table, cols)
			}
		}
	}
}

// blockDedupe inserts one block of events twice through the Distributed
// table and checks the replica stored it once: the rows are a tenant of
// their own, which no report reads.
func blockDedupe(t *testing.T, conn driver.Conn) {
	t.Helper()
	ctx := context.Background()
	insert := func() {
		b, err := conn.PrepareBatch(ctx, "INSERT INTO "+clusterDB+".events (tenant, ticket_id, event_id, type, occurred_at, occurred_us, ingested_at)")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 3; i++ {
			if err := b.Append("block-dedupe", "T1", fmt.Sprintf("bd-%d", i), "ticket.tags_changed", at, at.UnixMicro()+int64(i), at); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
	}
	// The server counts the blocks it dropped (a merge collapsing the rows
	// by key would look the same in count()).
	dropped := func() uint64 {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT sum(value) FROM system.events WHERE event = 'DuplicatedInsertedBlocks'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	insert()
	before := dropped()
	insert()
	var rows uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+clusterDB+".events_local WHERE tenant = 'block-dedupe'").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 3 || dropped() != before+1 {
		t.Fatalf("the same block inserted twice left %d rows, want 3; blocks dropped as duplicates: %d, want %d", rows, dropped(), before+1)
	}
}

// TestClusterTwoShards: with two shards every ticket's rows stay on one
// shard, and every report still gives the single node's figures, read
// through either shard.
func TestClusterTwoShards(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	c := testkit.ClickHouseCluster(t, 2, 1)
	single := testkit.ClickHouse(t)
	migrateEverywhere(t, c)
	checkSchema(t, c)
	conn1, _ := openNode(t, c.Nodes[0][0].Addr(), c.Name)
	conn2, _ := openNode(t, c.Nodes[1][0].Addr(), c.Name)
	connS, oS := openNode(t, single.Addr(), "")
	if _, err := warehouse.Migrate(ctx, connS, oS); err != nil {
		t.Fatal(err)
	}

	f := newClusterFixture(t, 500, 60)
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Half the batches through each shard's node, as two ingest processes
	// connected to different hosts would store them.
	const size = 1500
	w1, w2, wS := warehouse.NewWriter(conn1, clusterDB, 1000), warehouse.NewWriter(conn2, clusterDB, 1000), warehouse.NewWriter(connS, clusterDB, 1000)
	for i := 0; i < len(f.events); i += size {
		w := w1
		if (i/size)%2 == 1 {
			w = w2
		}
		f.store(t, w, i, min(i+size, len(f.events)), size)
	}
	f.store(t, wS, 0, len(f.events), size)
	for _, conn := range []driver.Conn{conn1, connS} {
		if _, _, err := warehouse.NewSLARefresher(conn, clusterDB, cfg).Refresh(ctx, time.Time{}, "", nil); err != nil {
			t.Fatalf("sla refresh: %v", err)
		}
	}

	// Each ticket's events, state and time entries on exactly one shard.
	perShard := make([]map[warehouse.TicketKey]bool, 2)
	var events uint64
	for i, conn := range []driver.Conn{conn1, conn2} {
		perShard[i] = map[warehouse.TicketKey]bool{}
		rows, err := conn.Query(ctx, "SELECT DISTINCT tenant, ticket_id FROM (SELECT tenant, ticket_id FROM "+clusterDB+".events_local UNION ALL SELECT tenant, ticket_id FROM "+clusterDB+
			".tickets_local UNION ALL SELECT tenant, ticket_id FROM "+clusterDB+".time_entries_local UNION ALL SELECT tenant, ticket_id FROM "+clusterDB+".sla_tickets_local)")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k warehouse.TicketKey
			if err := rows.Scan(&k.Tenant, &k.TicketID); err != nil {
				t.Fatal(err)
			}
			perShard[i][k] = true
		}
		rows.Close()
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+clusterDB+".events_local FINAL").Scan(&n); err != nil {
			t.Fatal(err)
		}
		events += n
	}
	for k := range perShard[0] {
		if perShard[1][k] {
			t.Errorf("ticket %v has rows on both shards", k)
		}
	}
	if len(perShard[0])+len(perShard[1]) != len(f.tickets) || len(perShard[0]) == 0 || len(perShard[1]) == 0 {
		t.Errorf("tickets per shard: %d + %d, want %d in all", len(perShard[0]), len(perShard[1]), len(f.tickets))
	}
	if events != uint64(len(f.ids)) {
		t.Errorf("%d events on the shards, want %d", events, len(f.ids))
	}
	t.Logf("tickets per shard: %d and %d; %d events", len(perShard[0]), len(perShard[1]), events)

	// The projector's lookup sends its keys as an external table; through
	// the Distributed table it must reach both shards and find every
	// ticket's latest row.
	keys := make([]warehouse.TicketKey, 0, len(f.tickets))
	for k := range f.tickets {
		keys = append(keys, k)
	}
	states, err := warehouse.LoadTicketStates(ctx, conn1, clusterDB, keys)
	if err != nil {
		t.Fatal(err)
	}
	lastIDs := map[warehouse.TicketKey]string{}
	rows, err := connS.Query(ctx, "SELECT tenant, ticket_id, last_event_id FROM "+clusterDB+".tickets FINAL")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k warehouse.TicketKey
		var id string
		if err := rows.Scan(&k.Tenant, &k.TicketID, &id); err != nil {
			t.Fatal(err)
		}
		lastIDs[k] = id
	}
	rows.Close()
	if len(states) != len(f.tickets) || len(lastIDs) != len(f.tickets) {
		t.Errorf("lookup found %d tickets (FINAL read %d), want %d", len(states), len(lastIDs), len(f.tickets))
	}
	for k, s := range states {
		if s.LastEventID != lastIDs[k] {
			t.Errorf("lookup of %v: last event %q, FINAL row %q", k, s.LastEventID, lastIDs[k])
			break
		}
	}

	want := runAllReports(t, reports.NewService(chstore.New(connS), clusterDB, reports.DefaultLimits()), f.now)
	compareReports(t, "through shard 1", runAllReports(t, reports.NewService(chstore.New(conn1), clusterDB, reports.DefaultLimits()), f.now), want)
	compareReports(t, "through shard 2", runAllReports(t, reports.NewService(chstore.New(conn2), clusterDB, reports.DefaultLimits()), f.now), want)
	t.Logf("whole test %v", time.Since(began).Round(time.Millisecond))
}
