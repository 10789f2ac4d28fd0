package reports_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
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
	o, conn := migratedDB(t, "snapshot_test")
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
	storeSince := storer(t, conn, o.Database)
	store := func(evs []event.Event) { storeSince(evs, time.Time{}) }
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
	snaps := reports.NewSnapshots(chstore.New(conn), o.Database, maxAge)
	snaps.SetClock(now)
	live := reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	snapSvc := reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
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
	// A generation of an older release (layout 0, migrations 0014-0015): its SLA
	// cycles are in snapshot_sla_cycles, which this release does not read.
	// Readers and builds must pass it by, and it must be dropped in time.
	layout0 := uint64(clock.UnixNano()) - 1000
	for _, table := range []string{"snapshot_tickets", "snapshot_sla_cycles"} {
		insertRow(t, conn, "INSERT INTO snapshot_test."+table+" (generation, tenant, ticket_id)", layout0, "x", "y")
	}
	insertRow(t, conn, "INSERT INTO snapshot_test.report_snapshots (generation, as_of, built_at, seconds, read_at)",
		layout0, clock.UTC(), clock.UTC(), 1.0, clock.UTC())
	if n, asOf := createdBy(snapSvc); n != created(first) || !asOf.Equal(q.Now) {
		t.Fatalf("with no snapshot of this layout yet: %v created as of %s, want %v from the live tables as of the request's now %s", n, asOf, created(first), q.Now)
	}
	gen1, err := snaps.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, asOf := createdBy(snapSvc); n != created(first) || !asOf.Equal(gen1.AsOf) {
		t.Fatalf("first generation (a full build, not one from layout 0's): %v created as of %s, want %v as of %s", n, asOf, created(first), gen1.AsOf)
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
	insertRow(t, conn, "INSERT INTO snapshot_test.snapshot_tickets (generation, tenant, ticket_id)", failed, "x", "y")
	// The changes were large: each build wrote a delta and compacted it.
	if len(gen2.Layers) != 1 || len(replayed.Layers) != 1 {
		t.Fatalf("builds with most tickets changed: layers %v and %v, want compacted generations", gen2.Layers, replayed.Layers)
	}
	got := generations(t, conn, "snapshot_tickets")
	for _, g := range []uint64{layout0, failed, gen1.Generation, gen2.Generation, replayed.Generation} {
		if !slices.Contains(got, g) {
			t.Fatalf("before the grace period: generations %v, want %d among them", got, g)
		}
	}

	// Past the grace period of the first two generations (superseded when
	// the next one was registered), not of the one after the replay.
	clock = clock.Add(3 * time.Minute)
	gen3, err := snaps.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"snapshot_tickets", "snapshot_sla", "snapshot_replies", "snapshot_time"} {
		// the last two generations and the delta between them
		got := generations(t, conn, table)
		if len(got) != 3 || got[0] != replayed.Generation || got[2] != gen3.Generation {
			t.Fatalf("%s after the grace period: generations %v, want %d, the delta compacted into %d, and %d", table, got, replayed.Generation, gen3.Generation, gen3.Generation)
		}
	}
	if got := generations(t, conn, "snapshot_sla_cycles"); len(got) != 0 {
		t.Fatalf("snapshot_sla_cycles after the grace period: generations %v, want none", got)
	}

	// A builder that stopped: past the maximum age, the live tables.
	clock = clock.Add(maxAge)
	if n, asOf := createdBy(snapSvc); n != created(first, second) || !asOf.Equal(q.Now) {
		t.Fatalf("with only a stale snapshot: %v created as of %s, want the live tables as of %s", n, asOf, q.Now)
	}
}

// insertRow inserts one row through a batch (18.16 does not finish an
// INSERT ... VALUES with bound arguments sent by Exec).
func insertRow(t *testing.T, conn driver.Conn, insert string, vals ...any) {
	t.Helper()
	b, err := conn.PrepareBatch(context.Background(), insert)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(vals...); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

// storer stores events through the warehouse writer, then evaluates the
// SLA of the tickets projected since a time (all for the zero time) and
// returns the refresher's watermark.
func storer(t *testing.T, conn driver.Conn, db string) func(evs []event.Event, since time.Time) time.Time {
	policies, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writer := warehouse.NewWriter(conn, db, 1000)
	refresher := warehouse.NewSLARefresher(conn, db, policies)
	return func(evs []event.Event, since time.Time) time.Time {
		t.Helper()
		recs := make([]event.Record, 0, len(evs))
		for _, e := range evs {
			recs = append(recs, event.Record{Event: e})
		}
		if err := writer.Store(context.Background(), &event.Batch{Records: recs}); err != nil {
			t.Fatal(err)
		}
		mark, _, err := refresher.Refresh(context.Background(), since, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		return mark
	}
}

// migratedDB opens a database of its own on the shared server, migrated.
func migratedDB(t *testing.T, name string) (warehouse.Options, driver.Conn) {
	t.Helper()
	needServer(t)
	o := warehouse.Options{Addrs: []string{sharedAddr(t)}, Database: name}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := warehouse.Migrate(context.Background(), conn, o); err != nil {
		t.Fatal(err)
	}
	return o, conn
}

// generations lists the generations a snapshot table holds rows of.
func generations(t *testing.T, conn driver.Conn, table string) []uint64 {
	t.Helper()
	if !strings.Contains(table, ".") {
		table = "snapshot_test." + table
	}
	rows, err := conn.Query(context.Background(), "SELECT DISTINCT generation FROM "+table+" ORDER BY generation")
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

// A delta build gives readers the generation a full build writes: after
// new tickets, new events on some old tickets and their SLA evaluation,
// the layers (the base and the deltas over it) read the same rows, table
// by table, as a generation built from the live tables alone; a delta
// took only the changed tickets from the live tables and wrote nothing
// else; a ticket changed in two deltas reads the newer one's rows; and a
// compaction copies the layers into a base that equals a full build too.
func TestDeltaSnapshotEqualsFull(t *testing.T) {
	ctx := context.Background()
	o, conn := migratedDB(t, "snapshot_incr")
	var first, second []event.Event
	last := map[string]event.Event{} // each ticket's latest event
	if err := eventgen.Generate(eventgen.Config{Seed: 8, Tickets: 120, Days: 30}, func(e *event.Event) error {
		if n, _ := strconv.Atoi(e.TicketID[len(e.TicketID)-1:]); n%2 == 0 {
			first = append(first, *e)
		} else {
			second = append(second, *e)
		}
		if k := e.Tenant + "/" + e.TicketID; e.OccurredAt.After(last[k].OccurredAt) {
			last[k] = *e
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// replies are public agent replies an hour after the latest event of
	// the tickets whose id ends in one of ends, a later one for each round
	replies := func(round int, ends string) []event.Event {
		var out []event.Event
		for k, e := range last {
			if !strings.ContainsRune(ends, rune(e.TicketID[len(e.TicketID)-1])) {
				continue
			}
			out = append(out, event.Event{Schema: 1, ID: fmt.Sprintf("extra-%d-%s", round, k), Type: event.TypeMessage, Tenant: e.Tenant, TicketID: e.TicketID,
				OccurredAt: e.OccurredAt.Add(time.Duration(round) * time.Hour), Actor: event.Actor{Type: event.ActorAgent, ID: "agent-extra"},
				MessageKind: event.MessagePublicReply})
		}
		return out
	}
	// later: the second group, and a reply on every first-group ticket
	// whose id ends in 0 or 4
	changed := map[string]bool{}
	for _, e := range second {
		changed[e.Tenant+"/"+e.TicketID] = true
	}
	later := append(slices.Clone(second), replies(1, "04")...)
	for _, e := range later {
		changed[e.Tenant+"/"+e.TicketID] = true
	}
	if len(changed) == len(last) || len(changed) == 0 {
		t.Fatalf("%d of %d tickets change: the test needs some of each", len(changed), len(last))
	}
	store := storer(t, conn, o.Database)

	clock := time.Now()
	snaps := reports.NewSnapshots(chstore.New(conn), o.Database, 10*time.Minute)
	snaps.SetClock(func() time.Time { return clock })
	// Nothing writes during these builds, so no margin is needed; a
	// margin would take every ticket of this young database again.
	snaps.SetChangeMargin(0)
	// no compaction until the test asks for one
	snaps.SetCompactShare(math.Inf(1))
	mark := store(first, time.Time{})
	base, err := snaps.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// build stores evs, waits for their updated_at to pass the second the
	// last build saw, and builds; full moves the clock past the maximum
	// age first, so that the build starts from the live tables
	build := func(evs []event.Event, full bool) reports.Snapshot {
		t.Helper()
		if len(evs) > 0 {
			time.Sleep(1100 * time.Millisecond)
			mark = store(evs, mark)
		}
		clock = clock.Add(time.Minute)
		if full {
			clock = clock.Add(11 * time.Minute)
		}
		sn, err := snaps.Build(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return sn
	}
	// equal compares what readers of sn read, table by table, with a full
	// build of the same facts.
	equal := func(what string, sn reports.Snapshot) {
		t.Helper()
		full := build(nil, true)
		if len(full.Layers) != 1 || full.Layers[0] != full.Generation {
			t.Fatalf("a full build: layers %v, want its generation %d alone", full.Layers, full.Generation)
		}
		var taken uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM snapshot_incr.snapshot_changed WHERE generation = ?", full.Generation).Scan(&taken); err != nil || taken != 0 {
			t.Fatalf("the full build noted %d changed tickets (%v)", taken, err)
		}
		for _, table := range []string{"snapshot_tickets", "snapshot_sla", "snapshot_replies", "snapshot_time"} {
			got, want := generationDigest(t, conn, "snapshot_incr", table, sn), generationDigest(t, conn, "snapshot_incr", table, full)
			if got != want || want.rows == 0 {
				t.Errorf("%s: %s %+v, full generation %+v", what, table, got, want)
			}
		}
	}

	delta := build(later, false)
	if !slices.Equal(delta.Layers, []uint64{base.Generation, delta.Generation}) {
		t.Fatalf("a delta build: layers %v, want the base %d then the delta %d", delta.Layers, base.Generation, delta.Generation)
	}
	var taken uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM snapshot_incr.snapshot_changed WHERE generation = ? AND kind = 0",
		delta.Generation).Scan(&taken); err != nil {
		t.Fatal(err)
	}
	if int(taken) != len(changed) {
		t.Errorf("the delta build took %d tickets from the live tables, want the %d changed ones", taken, len(changed))
	}
	var written uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM snapshot_incr.snapshot_tickets WHERE generation = ?", delta.Generation).Scan(&written); err != nil {
		t.Fatal(err)
	}
	if int(written) != len(changed) {
		t.Errorf("the delta build wrote %d ticket rows, want the %d changed tickets' alone", written, len(changed))
	}
	// A second delta over the first: some tickets changed in both. It is
	// built past the grace period of the base, which it still reads.
	clock = clock.Add(4 * time.Minute)
	delta2 := build(replies(2, "15"), false)
	if !slices.Equal(delta2.Layers, []uint64{base.Generation, delta.Generation, delta2.Generation}) {
		t.Fatalf("a second delta: layers %v, want %v then %d", delta2.Layers, delta.Layers, delta2.Generation)
	}
	equal("two deltas", delta2)

	// The full build is the new base; a delta over it is compacted.
	snaps.SetCompactShare(0)
	compacted := build(replies(3, "26"), false)
	if len(compacted.Layers) != 1 || compacted.Layers[0] != compacted.Generation {
		t.Fatalf("a compaction: layers %v, want its generation %d alone", compacted.Layers, compacted.Generation)
	}
	equal("compacted", compacted)

	// Nothing changed since: the last generation is registered again as of
	// the new build, with no copy.
	full := build(nil, true)
	same := build(nil, false)
	if same.Generation != full.Generation || !same.AsOf.After(full.AsOf) {
		t.Fatalf("a build with nothing changed: generation %d as of %s, want %d again as of a later time than %s", same.Generation, same.AsOf, full.Generation, full.AsOf)
	}
	if cur, ok, err := snaps.Current(ctx); err != nil || !ok || cur.Generation != full.Generation || !cur.AsOf.Equal(same.AsOf) {
		t.Fatalf("current after re-registering: %+v %v %v", cur, ok, err)
	}
	if got := generations(t, conn, "snapshot_incr.snapshot_tickets"); got[len(got)-1] != full.Generation {
		t.Fatalf("a build with nothing changed wrote rows: generations %v", got)
	}
}

// TestDeltaNotesNoRepeats: a delta build looks back its margin for rows
// that landed late, but notes a ticket again only when a row newer than
// the one a recent delta took was written: with builds seconds apart, the
// margin used to note every recently written ticket at every build.
func TestDeltaNotesNoRepeats(t *testing.T) {
	ctx := context.Background()
	o, conn := migratedDB(t, "snapshot_norepeat")
	var evs []event.Event
	last := map[string]event.Event{}
	if err := eventgen.Generate(eventgen.Config{Seed: 9, Tickets: 40, Days: 20}, func(e *event.Event) error {
		evs = append(evs, *e)
		if k := e.TicketID; e.OccurredAt.After(last[k].OccurredAt) {
			last[k] = *e
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// SLA evaluated as ingest evaluates it, with each ticket's state: an
	// SLA refresher would write rows again for tickets it re-reads
	policies, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writer := warehouse.NewWriter(conn, o.Database, 1000)
	writer.SetSLA(policies)
	store := func(evs []event.Event) {
		t.Helper()
		recs := make([]event.Record, 0, len(evs))
		for _, e := range evs {
			recs = append(recs, event.Record{Event: e})
		}
		if err := writer.Store(ctx, &event.Batch{Records: recs}); err != nil {
			t.Fatal(err)
		}
	}
	clock := time.Now()
	snaps := reports.NewSnapshots(chstore.New(conn), o.Database, 10*time.Minute)
	snaps.SetClock(func() time.Time { return clock })
	snaps.SetChangeMargin(time.Hour) // every row of the test lies within it
	snaps.SetCompactShare(math.Inf(1))
	store(evs)
	if _, err := snaps.Build(ctx); err != nil {
		t.Fatal(err)
	}
	build := func(evs []event.Event) reports.Snapshot {
		t.Helper()
		if len(evs) > 0 {
			time.Sleep(1100 * time.Millisecond) // a write time of its own
			store(evs)
		}
		clock = clock.Add(time.Minute)
		sn, err := snaps.Build(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return sn
	}
	noted := func(sn reports.Snapshot, kind int) map[string]bool {
		t.Helper()
		rows, err := conn.Query(ctx, "SELECT ticket_id FROM snapshot_norepeat.snapshot_changed WHERE generation = ? AND kind = ?", sn.Generation, kind)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out[id] = true
		}
		return out
	}
	// The first delta over the base takes every ticket written within the
	// margin: the base's rows are not notes.
	first := build(nil)
	if got := noted(first, 0); len(got) != len(last) {
		t.Fatalf("the first delta noted %d tickets, want all %d written within the margin", len(got), len(last))
	}
	// A reply to a third of the tickets: the next delta notes those alone,
	// in both kinds (a reply is evaluated for SLA too).
	want := map[string]bool{}
	var replies []event.Event
	for id, e := range last {
		if n, _ := strconv.Atoi(id[len(id)-1:]); n%3 != 0 {
			continue
		}
		want[id] = true
		replies = append(replies, event.Event{Schema: 1, ID: "again-" + id, Type: event.TypeMessage, Tenant: e.Tenant, TicketID: id,
			OccurredAt: e.OccurredAt.Add(time.Hour), Actor: event.Actor{Type: event.ActorAgent, ID: "agent-again"}, MessageKind: event.MessagePublicReply})
	}
	second := build(replies)
	if len(second.Layers) != 3 {
		t.Fatalf("the second delta: layers %v, want the base and two deltas", second.Layers)
	}
	for kind := range 2 {
		if got := noted(second, kind); !maps.Equal(got, want) {
			t.Errorf("the second delta noted (kind %d) %d tickets %v, want the %d replied to %v", kind, len(got), got, len(want), want)
		}
	}
	// Nothing written since: nothing is noted, and the generation is the
	// second one registered again.
	if third := build(nil); third.Generation != second.Generation {
		t.Errorf("a build with nothing new wrote generation %d over %d (layers %v)", third.Generation, second.Generation, third.Layers)
	}
	// What readers read is what a full build reads.
	clock = clock.Add(11 * time.Minute)
	full, err := snaps.Build(ctx)
	if err != nil || len(full.Layers) != 1 {
		t.Fatalf("a full build: %+v, %v", full, err)
	}
	for _, table := range []string{"snapshot_tickets", "snapshot_sla", "snapshot_replies", "snapshot_time"} {
		if got, want := generationDigest(t, conn, "snapshot_norepeat", table, second), generationDigest(t, conn, "snapshot_norepeat", table, full); got != want || want.rows == 0 {
			t.Errorf("%s: layered %+v, full %+v", table, got, want)
		}
	}
}

type digest struct{ rows, hash uint64 }

// generationDigest is the row count of what readers of sn read of a table
// and the sum of those rows' hashes (over every column but generation):
// equal for equal sets of rows.
func generationDigest(t *testing.T, conn driver.Conn, db, table string, sn reports.Snapshot) digest {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ? AND name != 'generation' ORDER BY name", db, table)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	var d digest
	q := "SELECT count(), sum(cityHash64(" + strings.Join(cols, ", ") + ")) FROM " + reports.SnapshotRows(db, table, sn)
	if err := conn.QueryRow(ctx, q).Scan(&d.rows, &d.hash); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return d
}

// TestSnapshotLookupRefreshesInTheBackground: past lookupTTL a reader gets
// the cached generation at once while the registry is looked up in the
// background, and then sees another instance's newer generation; past
// lookupStale it looks up itself.
func TestSnapshotLookupRefreshesInTheBackground(t *testing.T) {
	ctx := context.Background()
	o, conn := migratedDB(t, "snapshot_lookup_test")
	var clock atomic.Int64 // read by the background lookup
	clock.Store(time.Now().UnixNano())
	snaps := reports.NewSnapshots(chstore.New(conn), o.Database, 10*time.Minute)
	snaps.SetClock(func() time.Time { return time.Unix(0, clock.Load()) })
	advance := func(d time.Duration) { clock.Add(int64(d)) }
	current := func() uint64 {
		t.Helper()
		sn, ok, err := snaps.Current(ctx)
		if err != nil || !ok {
			t.Fatalf("current generation: ok %v, %v", ok, err)
		}
		return sn.Generation
	}
	gen1, err := snaps.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Another serve instance registers a newer generation (its first
	// build is a full one, so a new generation).
	gen2, err := reports.NewSnapshots(chstore.New(conn), o.Database, 10*time.Minute).Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if gen2.Generation <= gen1.Generation {
		t.Fatalf("generations %d then %d", gen1.Generation, gen2.Generation)
	}
	if got := current(); got != gen1.Generation {
		t.Fatalf("within the lookup TTL: generation %d, want the cached %d", got, gen1.Generation)
	}
	advance(reports.LookupTTL + time.Second)
	if got := current(); got != gen1.Generation {
		t.Fatalf("past the TTL, first reader: generation %d, want the cached %d at once", got, gen1.Generation)
	}
	deadline := time.Now().Add(10 * time.Second)
	for current() != gen2.Generation {
		if time.Now().After(deadline) {
			t.Fatalf("the background lookup never brought generation %d", gen2.Generation)
		}
		time.Sleep(20 * time.Millisecond)
	}
	gen3, err := reports.NewSnapshots(chstore.New(conn), o.Database, 10*time.Minute).Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	advance(reports.LookupStale + time.Second)
	if got := current(); got != gen3.Generation {
		t.Fatalf("past the stale limit: generation %d, want %d looked up by the reader itself", got, gen3.Generation)
	}
}
