package reports_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse"
)

// TestSnapshotGenerations follows report snapshots through their life in
// a database of their own: a generation answers as of its build while the
// live tables move on, the next one catches up, superseded and failed
// generations are dropped after the grace period, and a snapshot past its
// maximum age is not read at all.
func TestSnapshotGenerations(t *testing.T) {
	ctx := context.Background()
	o := warehouse.Options{Addrs: []string{sharedCH.Addr()}, Database: "snapshot_test"}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := warehouse.Migrate(ctx, conn, o); err != nil {
		t.Fatal(err)
	}
	// Two groups of tickets: the second arrives after the first snapshot.
	var first, second []event.Event
	if err := eventgen.Generate(eventgen.Config{Seed: 3, Tickets: 80, Days: 20}, func(e *event.Event) error {
		n, _ := strconv.Atoi(e.TicketID[len(e.TicketID)-1:])
		if n%2 == 0 {
			first = append(first, *e)
		} else {
			second = append(second, *e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(first) == 0 || len(second) == 0 {
		t.Fatalf("the split left a group empty: %d and %d events", len(first), len(second))
	}
	policies, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writer := warehouse.NewWriter(conn, o.Database, 1000)
	store := func(evs []event.Event) {
		t.Helper()
		var recs []event.Record
		for _, e := range evs {
			recs = append(recs, event.Record{Event: e})
		}
		if err := writer.Store(ctx, &event.Batch{Records: recs}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := warehouse.NewSLARefresher(conn, o.Database, policies).Refresh(ctx, time.Time{}, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	// created counts the live tickets of evs, worked out in Go.
	created := func(evs ...[]event.Event) float64 {
		hist := map[string][]event.Event{}
		for _, group := range evs {
			for _, e := range group {
				hist[e.Tenant+"/"+e.TicketID] = append(hist[e.Tenant+"/"+e.TicketID], e)
			}
		}
		n := 0
		for _, h := range hist {
			if s := ticket.Fold(h); s.HasCreated && !s.Deleted && s.MergedInto == "" {
				n++
			}
		}
		return float64(n)
	}

	clock := time.Now()
	now := func() time.Time { return clock }
	const maxAge = 10 * time.Minute
	snaps := reports.NewSnapshots(conn, o.Database, maxAge)
	snaps.SetClock(now)
	live := reports.NewService(conn, o.Database, reports.DefaultLimits())
	snapSvc := reports.NewService(conn, o.Database, reports.DefaultLimits())
	snapSvc.UseSnapshots(snaps)
	r, _ := reports.Lookup("volume")
	// All tickets ever created: the range covers the generated span.
	lim := reports.Limits{MaxRange: 200 * 365 * 24 * time.Hour, MaxRows: 100, MaxList: 100, QueryTime: 10 * time.Second}
	q, err := reports.ParseQuery(r, url.Values{"from": {"2000-01-01"}, "to": {"2100-01-01"}}, time.Now(), lim)
	if err != nil {
		t.Fatal(err)
	}
	createdBy := func(svc *reports.Service) (float64, time.Time) {
		t.Helper()
		res, err := svc.Run(ctx, r, q, reports.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 1 {
			t.Fatalf("volume without grain or groups: %d rows", len(res.Rows))
		}
		return *res.Rows[0][0].(*float64), res.AsOf
	}

	store(first)
	if n, asOf := createdBy(snapSvc); n != created(first) || !asOf.Equal(q.Now) {
		t.Fatalf("with no snapshot yet: %v created as of %s, want %v from the live tables as of the request's now %s", n, asOf, created(first), q.Now)
	}
	gen1, err := snaps.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store(second)
	if n, _ := createdBy(live); n != created(first, second) {
		t.Fatalf("live: %v created, want %v", n, created(first, second))
	}
	if n, asOf := createdBy(snapSvc); n != created(first) || !asOf.Equal(gen1.AsOf) {
		t.Fatalf("first generation: %v created as of %s, want %v as of %s (its build)", n, asOf, created(first), gen1.AsOf)
	}

	clock = clock.Add(time.Minute)
	gen2, err := snaps.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, asOf := createdBy(snapSvc); n != created(first, second) || !asOf.Equal(gen2.AsOf) {
		t.Fatalf("second generation: %v created as of %s, want %v as of %s", n, asOf, created(first, second), gen2.AsOf)
	}
	// A replay of every event (a redelivered topic): the events table holds
	// each reply twice until merges collapse them; no figure moves.
	store(first)
	store(second)
	var wantReplies float64
	for _, e := range append(slices.Clone(first), second...) {
		if e.Type == event.TypeMessage && e.MessageKind == event.MessagePublicReply && e.Actor.Type == event.ActorAgent {
			wantReplies++
		}
	}
	agents, _ := reports.Lookup("agent_performance")
	aq, err := reports.ParseQuery(agents, url.Values{"from": {"2000-01-01"}, "to": {"2100-01-01"}}, time.Now(), lim)
	if err != nil {
		t.Fatal(err)
	}
	replies := func(svc *reports.Service) float64 {
		t.Helper()
		res, err := svc.Run(ctx, agents, aq, reports.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		col := slices.IndexFunc(res.Columns, func(c reports.Column) bool { return c.Name == "replies" })
		var n float64
		for _, row := range res.Rows {
			n += *row[col].(*float64)
		}
		return n
	}
	clock = clock.Add(time.Second)
	replayed, err := snaps.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, snapGot := replies(live), replies(snapSvc); got != wantReplies || snapGot != wantReplies {
		t.Fatalf("after a replay: %v public replies live, %v from the snapshot, want %v", got, snapGot, wantReplies)
	}
	if n, _ := createdBy(snapSvc); n != created(first, second) {
		t.Fatalf("after a replay: %v created, want %v", n, created(first, second))
	}

	// A build that failed half way: rows of an unregistered generation.
	failed := gen1.Generation - 1
	b, err := conn.PrepareBatch(ctx, "INSERT INTO snapshot_test.snapshot_tickets (generation, tenant, ticket_id)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(failed, "x", "y"); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	if got := generations(t, conn, "snapshot_tickets"); !slices.Equal(got, []uint64{failed, gen1.Generation, gen2.Generation, replayed.Generation}) {
		t.Fatalf("before the grace period: generations %v", got)
	}

	// Past the grace period of the first two generations (superseded when
	// the next one was registered), not of the one after the replay.
	clock = clock.Add(3 * time.Minute)
	gen3, err := snaps.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"snapshot_tickets", "snapshot_sla_cycles", "snapshot_replies", "snapshot_time"} {
		if got := generations(t, conn, table); !slices.Equal(got, []uint64{replayed.Generation, gen3.Generation}) {
			t.Fatalf("%s after the grace period: generations %v, want the last two %v", table, got, []uint64{replayed.Generation, gen3.Generation})
		}
	}

	// A builder that stopped: past the maximum age, the live tables.
	clock = clock.Add(maxAge)
	if n, asOf := createdBy(snapSvc); n != created(first, second) || !asOf.Equal(q.Now) {
		t.Fatalf("with only a stale snapshot: %v created as of %s, want the live tables as of %s", n, asOf, q.Now)
	}
}

// generations lists the generations a snapshot table holds rows of.
func generations(t *testing.T, conn driver.Conn, table string) []uint64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT DISTINCT generation FROM snapshot_test."+table+" ORDER BY generation")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []uint64
	for rows.Next() {
		var g uint64
		if err := rows.Scan(&g); err != nil {
			t.Fatal(err)
		}
		out = append(out, g)
	}
	return out
}
