package warehouse_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse"
)

func openMigrated(t *testing.T) (driver.Conn, warehouse.Options) {
	t.Helper()
	srv := testkit.ClickHouse(t)
	o := warehouse.Options{Addrs: []string{srv.Addr()}, Database: "slate_test"}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := warehouse.Migrate(context.Background(), conn, o); err != nil {
		t.Fatal(err)
	}
	return conn, o
}

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	srv := testkit.ClickHouse(t)
	ctx := context.Background()
	o := warehouse.Options{Addrs: []string{srv.Addr()}, Database: "mig"}
	migs, err := warehouse.Migrations(o)
	if err != nil {
		t.Fatal(err)
	}
	// Two processes racing: each has its own connection pool.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := warehouse.Migrate(ctx, conn, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(migs) {
		t.Fatalf("%d results for %d migrations", len(res), len(migs))
	}
	for _, r := range res {
		if r.Applied {
			t.Errorf("%04d_%s applied again on the third run", r.Version, r.Name)
		}
	}
	var versions uint64
	if err := conn.QueryRow(ctx, "SELECT uniqExact(version) FROM mig.slate_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if int(versions) != len(migs) {
		t.Fatalf("%d versions recorded, want %d", versions, len(migs))
	}
	var tables uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = 'mig' AND name IN ('events','tickets','time_entries','dead_letters','sla_results','sla_progress')").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 6 {
		t.Fatalf("%d of 6 tables exist", tables)
	}

	// A migration edited after it was applied is refused, loudly.
	if err := conn.Exec(ctx, "INSERT INTO mig.slate_migrations (version, name, checksum, applied_at) SELECT 1, 'events', 'deadbeefdeadbeef', now()"); err != nil {
		t.Fatal(err)
	}
	if _, err := warehouse.Migrate(ctx, conn, o); err == nil || !strings.Contains(err.Error(), "changed after it was applied") {
		t.Fatalf("want a changed-migration error, got %v", err)
	}
}

// lifecycle is one ticket's history, written by hand; want below is its
// state worked out by hand from the same lines.
var lifecycle = []string{
	`{"schema":1,"event_id":"e01","type":"ticket.created","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T09:00:00.100Z","actor":{"type":"customer","id":"c1"},"data":{"channel":"Email","customer":"c1","organisation":"Công ty ABC","status":"new","priority":"High","tags":["vpn","billing"],"subject":"VPN down"}}`,
	`{"schema":1,"event_id":"e02","type":"ticket.assigned","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T09:05:00Z","actor":{"type":"system"},"data":{"assignee":"a1","group":"L1"}}`,
	`{"schema":1,"event_id":"e03","type":"ticket.status_changed","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T09:06:00Z","actor":{"type":"agent","id":"a1"},"data":{"status":"open"}}`,
	`{"schema":1,"event_id":"e04","type":"ticket.message","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T09:30:00Z","actor":{"type":"agent","id":"a1"},"data":{"kind":"public_reply"}}`,
	`{"schema":1,"event_id":"e05","type":"ticket.status_changed","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T09:31:00Z","actor":{"type":"agent","id":"a1"},"data":{"status":"pending"}}`,
	`{"schema":1,"event_id":"e06","type":"ticket.message","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T10:00:00Z","actor":{"type":"customer","id":"c1"},"data":{"kind":"customer_reply"}}`,
	`{"schema":1,"event_id":"e07","type":"ticket.status_changed","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T10:00:00.500Z","actor":{"type":"system"},"data":{"status":"open"}}`,
	`{"schema":1,"event_id":"e08","type":"ticket.time_logged","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T10:40:00Z","actor":{"type":"agent","id":"a1"},"data":{"seconds":1800,"billable":true,"rate":40,"currency":"USD"}}`,
	`{"schema":1,"event_id":"e09","type":"ticket.status_changed","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T11:00:00Z","actor":{"type":"agent","id":"a1"},"data":{"status":"solved"}}`,
	`{"schema":1,"event_id":"e10","type":"ticket.status_changed","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T12:00:00Z","actor":{"type":"customer","id":"c1"},"data":{"status":"open"}}`,
	`{"schema":1,"event_id":"e11","type":"ticket.tags_changed","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T12:10:00Z","actor":{"type":"agent","id":"a1"},"data":{"added":["Sự cố"],"removed":["billing"]}}`,
	`{"schema":1,"event_id":"e12","type":"ticket.status_changed","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T13:00:00Z","actor":{"type":"agent","id":"a1"},"data":{"status":"Closed"}}`,
	`{"schema":1,"event_id":"e13","type":"ticket.rated","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-03T08:00:00Z","actor":{"type":"customer","id":"c1"},"data":{"rating":5}}`,
}

func records(t *testing.T, lines []string, firstOffset int64) []event.Record {
	t.Helper()
	var d event.Decoder
	out := make([]event.Record, len(lines))
	for i, l := range lines {
		ev, err := d.Decode([]byte(l))
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		out[i] = event.Record{Event: ev, Payload: []byte(l), Source: event.Source{Topic: "t", Partition: 0, Offset: firstOffset + int64(i)}}
	}
	return out
}

type ticketRow struct {
	version                                                  uint64
	hasCreated                                               uint8
	status, priority, assignee, group, organisation, channel string
	tags                                                     []string
	createdAt, firstReplied, firstSolved, solved, closed     time.Time
	reopens, publicReplies, customerReplies                  uint32
	rating                                                   uint8
	statusSince                                              time.Time
	solvedTimes, reopenedTimes                               []time.Time
	statusLabel, priorityLabel, severityLabel                string
}

func readTicket(t *testing.T, conn driver.Conn, db string) ticketRow {
	t.Helper()
	var r ticketRow
	err := conn.QueryRow(context.Background(), fmt.Sprintf(`SELECT version, has_created, status, priority, assignee, group_name, organisation, channel, tags,
		created_at, first_replied_at, first_solved_at, solved_at, closed_at, reopen_count, public_replies, customer_replies, rating,
		status_since, solved_times, reopened_times, status_label, priority_label, severity_label
		FROM %s.tickets FINAL WHERE tenant = 'acme' AND ticket_id = 'T1'`, db)).Scan(
		&r.version, &r.hasCreated, &r.status, &r.priority, &r.assignee, &r.group, &r.organisation, &r.channel, &r.tags,
		&r.createdAt, &r.firstReplied, &r.firstSolved, &r.solved, &r.closed, &r.reopens, &r.publicReplies, &r.customerReplies, &r.rating,
		&r.statusSince, &r.solvedTimes, &r.reopenedTimes, &r.statusLabel, &r.priorityLabel, &r.severityLabel)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func at(s string) time.Time {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return tm
}

// batch wraps records with the span of offsets they cover.
func batch(recs []event.Record, dls ...event.DeadLetter) *event.Batch {
	b := &event.Batch{Records: recs, DeadLetters: dls}
	if len(recs) > 0 {
		b.Spans = []event.Span{{Topic: "t", Partition: 0, First: recs[0].Source.Offset, Last: recs[len(recs)-1].Source.Offset}}
	}
	return b
}

// lifecycleTicket is T1's row once every event of lifecycle is stored,
// worked out by hand from the events.
var lifecycleTicket = ticketRow{
	version: 13, hasCreated: 1, status: "closed", priority: "high", assignee: "a1", group: "L1",
	organisation: "Công ty ABC", channel: "email", tags: []string{"vpn", "sự cố"},
	createdAt: at("2026-03-02T09:00:00Z"), firstReplied: at("2026-03-02T09:30:00Z"),
	firstSolved: at("2026-03-02T11:00:00Z"),
	// reopened at 12:00, then closed without passing through solved:
	// the close is the resolution.
	solved: at("2026-03-02T13:00:00Z"), closed: at("2026-03-02T13:00:00Z"),
	reopens: 1, publicReplies: 1, customerReplies: 1, rating: 5,
	statusSince:   at("2026-03-02T13:00:00Z"),
	solvedTimes:   []time.Time{at("2026-03-02T11:00:00Z"), at("2026-03-02T13:00:00Z")},
	reopenedTimes: []time.Time{at("2026-03-02T12:00:00Z")},
	// the labels as the desk wrote them; no severity was sent
	statusLabel: "Closed", priorityLabel: "High",
}

// checkLifecycleStored fails unless T1's row and the tables' counts are
// those of lifecycle stored once, with deadLetters dead letters.
func checkLifecycleStored(t *testing.T, conn driver.Conn, db string, deadLetters uint64) {
	t.Helper()
	if got := readTicket(t, conn, db); fmt.Sprintf("%v", got) != fmt.Sprintf("%v", lifecycleTicket) {
		t.Fatalf("\n got %+v\nwant %+v", got, lifecycleTicket)
	}
	c, err := warehouse.ReadCounts(context.Background(), conn, db)
	if err != nil {
		t.Fatal(err)
	}
	if c != (warehouse.Counts{Events: 13, Tickets: 1, TimeEntries: 1, DeadLetters: deadLetters, BillableSeconds: 1800}) {
		t.Fatalf("counts %+v", c)
	}
}

// A unit begun while the one before it is still being stored (Seal
// returned, its inserts not ended) builds on that one's states: the
// ticket's row after both is that of its whole history.
func TestSealedUnitsBuildOnEachOther(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	w := warehouse.NewWriter(conn, o.Database, 1000)
	all := records(t, lifecycle, 100)
	var sealed []<-chan error
	for _, part := range [][]event.Record{all[:4], all[4:9], all[9:]} {
		u := w.Begin(ctx)
		if err := u.Add(ctx, batch(part)); err != nil {
			t.Fatal(err)
		}
		sealed = append(sealed, u.Seal(ctx))
	}
	for i, s := range sealed {
		if err := <-s; err != nil {
			t.Fatalf("unit %d: %v", i, err)
		}
	}
	checkLifecycleStored(t, conn, o.Database, 0)
}

// When a unit sealed in the background fails, the unit begun after it
// fails too (it built on the failed one's states, which the writer then
// forgets), and storing both again gives the right rows.
func TestSealFailsWhenTheUnitBeforeFailed(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	w := warehouse.NewWriter(conn, o.Database, 1000)
	all := records(t, lifecycle, 100)
	first, second := all[:6], all[6:]
	insertCtx, cancel := context.WithCancel(ctx)
	u := w.Begin(insertCtx)
	if err := u.Add(ctx, batch(first)); err != nil {
		t.Fatal(err)
	}
	cancel() // the events insert cannot end
	sealed := u.Seal(ctx)
	next := w.Begin(ctx)
	if err := next.Add(ctx, batch(second)); err != nil {
		t.Fatal(err)
	}
	if err := <-next.Seal(ctx); !isRetryable(err) {
		t.Fatalf("the unit after a failed one: %v, want a retryable error", err)
	}
	if err := <-sealed; err == nil {
		t.Fatal("a unit whose insert was cancelled was stored")
	}
	for _, b := range [][]event.Record{first, second} {
		if err := w.Store(ctx, batch(b)); err != nil {
			t.Fatal(err)
		}
	}
	checkLifecycleStored(t, conn, o.Database, 0)
}

// A unit whose batch does not start right after the offsets stored before
// (another consumer may have had the partition meanwhile) reads its
// tickets from storage: it waits until the unit sealed before it is
// stored, or it would build on the row from before that unit.
func TestUnitAfterAGapWaitsForTheUnitBefore(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	w := warehouse.NewWriter(conn, o.Database, 1000)
	all := records(t, lifecycle, 100)
	if err := w.Store(ctx, batch(all[:4])); err != nil { // offsets 100-103, stored
		t.Fatal(err)
	}

	held, release := make(chan struct{}), make(chan struct{})
	var hold sync.Once // the unit before only
	warehouse.HoldBackgroundInserts(w, func() { hold.Do(func() { close(held); <-release }) })
	before := w.Begin(ctx)
	if err := before.Add(ctx, batch(all[4:9])); err != nil { // 104-108
		t.Fatal(err)
	}
	sealed := before.Seal(ctx)
	select {
	case <-held:
	case err := <-sealed:
		t.Fatalf("the unit was stored before Seal returned (%v): nothing to wait for", err)
	}

	// the rest of the history at offsets 200-203: 109-199 went elsewhere
	rest := records(t, lifecycle[9:], 200) // built here: records may call t.Fatal, which only the test goroutine may do
	after := w.Begin(ctx)
	added := make(chan error, 1)
	go func() { added <- after.Add(ctx, batch(rest)) }()
	select {
	case err := <-added:
		t.Errorf("the unit after the gap was staged (%v) while the unit before it was not stored", err)
		added <- err // for the end of the test
	case <-time.After(500 * time.Millisecond):
	}
	close(release)
	if err := <-sealed; err != nil {
		t.Fatal(err)
	}
	if err := <-added; err != nil {
		t.Fatal(err)
	}
	if err := <-after.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	checkLifecycleStored(t, conn, o.Database, 0)
}

// A unit touching more tickets than the cache holds is stored before Seal
// returns: the next unit could not find all of its states in the cache.
func TestSealOfMoreTicketsThanTheCacheStoresAtOnce(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	w := warehouse.NewWriter(conn, o.Database, 2)
	var lines []string
	for _, tk := range []string{"A", "B", "C"} {
		lines = append(lines, agentEvent("c"+tk, "ticket.created", tk, "2026-03-02T09:00:00Z", `{"channel":"email","customer":"c1","status":"new","priority":"high"}`))
	}
	sealStoresAtOnce(t, w, batch(records(t, lines, 0)), "a unit of more tickets than the cache holds")
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+o.Database+".tickets").Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d tickets stored (%v), want 3", n, err)
	}
}

// sealStoresAtOnce stores b as a unit of its own and fails unless Seal
// stored it before returning.
func sealStoresAtOnce(t *testing.T, w *warehouse.Writer, b *event.Batch, unit string) {
	t.Helper()
	ctx := context.Background()
	u := w.Begin(ctx)
	if err := u.Add(ctx, b); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-u.Seal(ctx):
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatal(unit + " is being stored in the background")
	}
}

// On a pool too small to hold a sealed unit's four inserts open, Seal
// stores the unit before it returns, instead of waiting for a connection
// that only those inserts' end would free.
func TestSealOnASmallPoolStoresAtOnce(t *testing.T) {
	_, o := openMigrated(t)
	o.MaxOpenConns, o.DialTimeout = 3, time.Second
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w := warehouse.NewWriter(conn, o.Database, 1000)
	dl := event.DeadLetter{Source: event.Source{Topic: "t", Partition: 0, Offset: 99}, Payload: []byte("{oops"),
		Reason: event.ReasonMalformedJSON, Detail: "bad", ReceivedAt: time.Now()}
	sealStoresAtOnce(t, w, batch(records(t, lifecycle, 100), dl), "a unit on a pool of 3 connections")
	checkLifecycleStored(t, conn, o.Database, 1)
}

func TestStoreOutOfOrderAndReplayed(t *testing.T) {
	for _, cache := range []int{0, 1000} {
		t.Run(fmt.Sprintf("state cache %d", cache), func(t *testing.T) { testStoreOutOfOrderAndReplayed(t, cache) })
	}
}

func testStoreOutOfOrderAndReplayed(t *testing.T, cache int) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	w := warehouse.NewWriter(conn, o.Database, cache)
	all := records(t, lifecycle, 100)
	late, early := all[6:], all[:6]

	// The second half arrives first: the ticket exists but without its creation.
	if err := w.Store(ctx, batch(late)); err != nil {
		t.Fatal(err)
	}
	if r := readTicket(t, conn, o.Database); r.hasCreated != 0 || r.version != 7 || r.status != "closed" {
		t.Fatalf("after the late half: %+v", r)
	}
	dl := event.DeadLetter{Source: event.Source{Topic: "t", Partition: 0, Offset: 99}, Payload: []byte("{oops"),
		Reason: event.ReasonMalformedJSON, Detail: "bad", ReceivedAt: time.Now()}
	if err := w.Store(ctx, batch(early, dl)); err != nil {
		t.Fatal(err)
	}
	want := lifecycleTicket
	check := func(stage string) {
		t.Helper()
		got := readTicket(t, conn, o.Database)
		if fmt.Sprintf("%v", got) != fmt.Sprintf("%v", want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", stage, got, want)
		}
		c, err := warehouse.ReadCounts(ctx, conn, o.Database)
		if err != nil {
			t.Fatal(err)
		}
		if c != (warehouse.Counts{Events: 13, Tickets: 1, TimeEntries: 1, DeadLetters: 1, BillableSeconds: 1800}) {
			t.Fatalf("%s: counts %+v", stage, c)
		}
	}
	check("first delivery")

	// Replays: everything again, in other batch shapes, twice.
	for i := 0; i < 2; i++ {
		if err := w.Store(ctx, batch(all, dl)); err != nil {
			t.Fatal(err)
		}
		if err := w.Store(ctx, batch(all[3:5])); err != nil {
			t.Fatal(err)
		}
	}
	check("after replays")
	// OPTIMIZE is a no-op while background merges hold the parts, so ask
	// until the merge has happened; what matters is what it leaves.
	var raw uint64
	for try := 0; try < 50; try++ {
		if err := conn.Exec(ctx, "OPTIMIZE TABLE "+o.Database+".events FINAL"); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+o.Database+".events").Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if raw <= 13 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if raw != 13 {
		t.Fatalf("after merging, %d event rows remain, want 13", raw)
	}
	check("after merge")
}

func TestStoreFailsAsUnavailableWhenServerIsDown(t *testing.T) {
	srv := testkit.ClickHouse(t)
	o := warehouse.Options{Addrs: []string{srv.Addr()}, Database: "down", DialTimeout: time.Second}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	if _, err := warehouse.Migrate(ctx, conn, o); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	err = warehouse.NewWriter(conn, o.Database, 10).Store(ctx, batch(records(t, lifecycle[:2], 0)))
	if err == nil {
		t.Fatal("store succeeded against a stopped server")
	}
	if !isRetryable(err) {
		t.Fatalf("a stopped server must be a retryable error, got %v", err)
	}
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := warehouse.NewWriter(conn, o.Database, 10).Store(ctx, batch(records(t, lifecycle[:2], 0))); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestSLARefreshMatchesEvaluate(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	all := records(t, lifecycle, 0)
	// the first half only: results as of that history
	if err := warehouse.NewWriter(conn, o.Database, 10).Store(ctx, batch(all[:6])); err != nil {
		t.Fatal(err)
	}
	r := warehouse.NewSLARefresher(conn, o.Database, cfg)
	next, n, err := r.Refresh(ctx, time.Time{}, "", nil)
	if err != nil || n != 1 {
		t.Fatalf("refresh: %d tickets, %v", n, err)
	}
	if err := warehouse.NewWriter(conn, o.Database, 10).Store(ctx, batch(all)); err != nil {
		t.Fatal(err)
	}
	if _, n, err = r.Refresh(ctx, next, "", nil); err != nil || n != 1 {
		t.Fatalf("second refresh: %d tickets, %v (the ticket was projected again since the watermark)", n, err)
	}
	history := make([]event.Event, len(all))
	for i := range all {
		history[i] = all[i].Event
	}
	want := cfg.Evaluate(history, history[len(history)-1].OccurredAt)
	got := latestSLAResults(t, conn, o.Database)
	if len(got) != len(want) {
		t.Fatalf("%d stored results, %d evaluated:\n%v", len(got), len(want), got)
	}
	for _, w := range want {
		k, v := slaResultText(w)
		if got[k] != v {
			t.Errorf("%s: stored %q, evaluated %+v", k, got[k], w)
		}
	}
	// the refresher's sla_tickets row carries the desk's labels too
	checkLabels(t, conn, o.Database, map[string][]event.Event{"acme/T1": history})
}

// agentEvent is one event of tenant acme by agent a1, as a wire line.
func agentEvent(id, typ, ticket, at, data string) string {
	return fmt.Sprintf(`{"schema":1,"event_id":%q,"type":%q,"tenant":"acme","ticket_id":%q,"occurred_at":%q,"actor":{"type":"agent","id":"a1"},"data":%s}`, id, typ, ticket, at, data)
}

// A unit touching more tickets than a tickets block (4096) or a lookup
// chunk (5000) stores every ticket's row, and a writer without a cache
// finds them all again: the tickets insert goes in several blocks, the
// lookup in several queries.
func TestManyTicketsSpanBlocksAndLookups(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	const n = 9000
	channels := []string{"email", "chat", "phone"}
	var created, changed []string
	for i := 0; i < n; i++ {
		tk := fmt.Sprintf("T%05d", i)
		created = append(created, agentEvent("c"+tk, "ticket.created", tk, "2026-03-02T09:00:00Z",
			fmt.Sprintf(`{"channel":%q,"customer":"c1","status":"new","priority":"high"}`, channels[i%3])))
		changed = append(changed, agentEvent("s"+tk, "ticket.status_changed", tk, "2026-03-02T10:00:00Z",
			fmt.Sprintf(`{"status":%q}`, []string{"open", "pending"}[i%2])))
	}
	if err := warehouse.NewWriter(conn, o.Database, n).Store(ctx, batch(records(t, created, 0))); err != nil {
		t.Fatal(err)
	}
	// a fresh writer: every ticket is looked up in storage and extended
	if err := warehouse.NewWriter(conn, o.Database, 0).Store(ctx, batch(records(t, changed, n))); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "SELECT ticket_id, channel, status, has_created FROM "+o.Database+".tickets FINAL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id, channel, status string
		var hasCreated uint8
		if err := rows.Scan(&id, &channel, &status, &hasCreated); err != nil {
			t.Fatal(err)
		}
		var i int
		if _, err := fmt.Sscanf(id, "T%05d", &i); err != nil {
			t.Fatal(err)
		}
		wantStatus := []string{"open", "pending"}[i%2]
		if channel != channels[i%3] || status != wantStatus || hasCreated != 1 {
			t.Fatalf("%s: channel %q status %q created %d, want %q %q 1", id, channel, status, hasCreated, channels[i%3], wantStatus)
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != n {
		t.Fatalf("%d tickets stored, want %d", seen, n)
	}
}

// Tickets met first with their ticket.created event are taken as new
// without a lookup and checked against storage later, in bulk: more than a
// lookup's worth of them, redelivered to a fresh writer without the status
// change stored after them, still end with that status (refolded from
// their stored histories), and a ticket that is new indeed is stored too.
func TestRedeliveredCreationsAreCheckedAgainstStorage(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	const n = 6000 // more than one check's 5000
	var first, again []string
	for i := 0; i < n; i++ {
		tk := fmt.Sprintf("T%05d", i)
		created := agentEvent("c"+tk, "ticket.created", tk, "2026-03-02T09:00:00Z", `{"channel":"email","customer":"c1","status":"new","priority":"high"}`)
		first = append(first, created, agentEvent("s"+tk, "ticket.status_changed", tk, "2026-03-02T10:00:00Z", `{"status":"pending"}`))
		again = append(again, created, agentEvent("g"+tk, "ticket.tags_changed", tk, "2026-03-02T11:00:00Z", `{"added":["vip"]}`))
	}
	again = append(again, agentEvent("cNEW", "ticket.created", "NEW", "2026-03-02T09:00:00Z", `{"channel":"chat","customer":"c2","status":"new","priority":"low"}`))
	if err := warehouse.NewWriter(conn, o.Database, 0).Store(ctx, batch(records(t, first, 0))); err != nil {
		t.Fatal(err)
	}
	if err := warehouse.NewWriter(conn, o.Database, 0).Store(ctx, batch(records(t, again, 2*n))); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "SELECT ticket_id, status, tags, version FROM "+o.Database+".tickets FINAL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id, status string
		var tags []string
		var version uint64
		if err := rows.Scan(&id, &status, &tags, &version); err != nil {
			t.Fatal(err)
		}
		seen++
		if id == "NEW" {
			if status != "new" || version != 1 {
				t.Errorf("NEW: status %q version %d, want new 1", status, version)
			}
			continue
		}
		// created, the stored status change, the redelivered tags: three
		// distinct events (the creation twice is one event)
		if status != "pending" || !slices.Equal(tags, []string{"vip"}) || version != 3 {
			t.Fatalf("%s: status %q tags %v version %d, want pending [vip] 3", id, status, tags, version)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != n+1 {
		t.Fatalf("%d tickets stored, want %d", seen, n+1)
	}
}

// A unit of more rows than an insert block sends its events and time
// entries as several blocks of one insert each; every row arrives once,
// its columns still together across the blocks' boundaries.
func TestTimeEntriesSpanInsertBlocks(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	const n = 9000 // blocks of 4096, 4096 and 808
	var lines []string
	var wantSeconds, wantBillable uint64
	for i := 0; i < n; i++ {
		secs, billable := 60+i, i%3 == 0
		wantSeconds += uint64(secs)
		if billable {
			wantBillable += uint64(secs)
		}
		lines = append(lines, fmt.Sprintf(`{"schema":1,"event_id":"t%05d","type":"ticket.time_logged","tenant":"acme","ticket_id":"T%05d","occurred_at":"2026-03-02T09:00:00Z","actor":{"type":"agent","id":"a%d"},"data":{"seconds":%d,"billable":%t}}`,
			i, i, i%7, secs, billable))
	}
	if err := warehouse.NewWriter(conn, o.Database, n).Store(ctx, batch(records(t, lines, 0))); err != nil {
		t.Fatal(err)
	}
	var events, entries, seconds, billable uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+o.Database+".events FINAL WHERE type = 'ticket.time_logged'").Scan(&events); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(), sum(toUInt64(seconds)), sum(if(billable = 1, toUInt64(seconds), 0)) FROM "+o.Database+".time_entries FINAL").Scan(&entries, &seconds, &billable); err != nil {
		t.Fatal(err)
	}
	if events != n || entries != n || seconds != wantSeconds || billable != wantBillable {
		t.Fatalf("events %d, time entries %d, seconds %d (billable %d); want %d, %d, %d (%d)", events, entries, seconds, billable, n, n, wantSeconds, wantBillable)
	}
	for _, i := range []int{0, 4095, 4096, 8191, 8192, n - 1} {
		var agent string
		var secs uint32
		if err := conn.QueryRow(ctx, "SELECT agent, seconds FROM "+o.Database+".time_entries FINAL WHERE ticket_id = ?", fmt.Sprintf("T%05d", i)).Scan(&agent, &secs); err != nil {
			t.Fatalf("T%05d: %v", i, err)
		}
		if want := fmt.Sprintf("a%d", i%7); agent != want || secs != uint32(60+i) {
			t.Fatalf("T%05d: agent %q seconds %d, want %q %d", i, agent, secs, want, 60+i)
		}
	}
}

// With PartRows the server writes a part while the unit is still open,
// once it holds that many rows; without, nothing of the unit is visible
// before Commit. Either way Commit stores every event once.
func TestPartRowsWritesPartsBeforeTheUnitEnds(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	count := func() uint64 {
		t.Helper()
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+o.Database+".events").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const perBatch, batches = 600, 3
	stored := uint64(0)
	for _, partRows := range []int{0, 1000} {
		w := warehouse.NewWriter(conn, o.Database, 0)
		w.PartRows = partRows
		u := w.Begin(ctx)
		for b := 0; b < batches; b++ {
			var lines []string
			for i := 0; i < perBatch; i++ {
				tk := fmt.Sprintf("P%d-T%04d", partRows, b*perBatch+i)
				lines = append(lines, fmt.Sprintf(`{"schema":1,"event_id":"c%s","type":"ticket.created","tenant":"acme","ticket_id":%q,"occurred_at":"2026-03-02T09:00:00Z","actor":{"type":"agent","id":"a1"},"data":{"channel":"email","customer":"c1","status":"new","priority":"high"}}`, tk, tk))
			}
			if err := u.Add(ctx, batch(records(t, lines, int64(stored)+int64(b*perBatch)))); err != nil {
				t.Fatal(err)
			}
		}
		// the server takes the blocks asynchronously: give it time
		deadline := time.Now().Add(10 * time.Second)
		mid := count() - stored
		for partRows > 0 && mid == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			mid = count() - stored
		}
		if partRows == 0 {
			time.Sleep(500 * time.Millisecond)
			if mid = count() - stored; mid != 0 {
				t.Fatalf("without PartRows, %d events visible before Commit", mid)
			}
		} else if mid == 0 || mid >= perBatch*batches {
			t.Fatalf("PartRows %d: %d of %d events visible before Commit, want a part's worth", partRows, mid, perBatch*batches)
		}
		if err := u.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		stored += perBatch * batches
		if n := count(); n != stored {
			t.Fatalf("PartRows %d: %d events after Commit, want %d", partRows, n, stored)
		}
	}
}

// TestFirstRatingStands: a desk with one rating per ticket keeps the first
// (5 stars, e13) whatever later ratings say and however they arrive: in
// later batches (the state extended from the cache or from storage), or
// late, before the first (a refold from the stored history), and in
// RefoldTickets. A desk without the rule keeps the latest.
func TestFirstRatingStands(t *testing.T) {
	later := []string{
		`{"schema":1,"event_id":"e14","type":"ticket.rated","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-04T08:00:00Z","actor":{"type":"customer","id":"c1"},"data":{"rating":2}}`,
		`{"schema":1,"event_id":"e15","type":"ticket.rated","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-05T08:00:00Z","actor":{"type":"customer","id":"c1"},"data":{"rating":1}}`,
	}
	all := records(t, append(append([]string{}, lifecycle...), later...), 0)
	firstRule := func(tenant string) ticket.Rules { return ticket.Rules{FirstRatingStands: tenant == "acme"} }
	for _, tt := range []struct {
		name   string
		rules  func(string) ticket.Rules
		cache  int
		order  [][]event.Record
		rating uint8
	}{
		{"first, cache, in order", firstRule, 1000, [][]event.Record{all[:13], all[13:14], all[14:]}, 5},
		{"first, no cache, in order", firstRule, 0, [][]event.Record{all[:13], all[13:14], all[14:]}, 5},
		{"first, late first rating", firstRule, 1000, [][]event.Record{append(all[:12:12], all[14]), all[12:14]}, 5},
		{"last, in order", nil, 1000, [][]event.Record{all[:13], all[13:14], all[14:]}, 1},
		{"last, late first rating", nil, 0, [][]event.Record{append(all[:12:12], all[14]), all[12:14]}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, o := openMigrated(t)
			ctx := context.Background()
			w := warehouse.NewWriter(conn, o.Database, tt.cache)
			if tt.rules != nil {
				w.SetTicketRules(tt.rules)
			}
			for _, b := range tt.order {
				if err := w.Store(ctx, batch(b)); err != nil {
					t.Fatal(err)
				}
			}
			// without a cache, the later ratings extend the stored row:
			// its labels must read back too
			if r := readTicket(t, conn, o.Database); r.rating != tt.rating || r.version != 15 ||
				r.statusLabel != lifecycleTicket.statusLabel || r.priorityLabel != lifecycleTicket.priorityLabel {
				t.Fatalf("rating %d version %d labels %q %q, want %d, 15 and those of %+v", r.rating, r.version,
					r.statusLabel, r.priorityLabel, tt.rating, lifecycleTicket)
			}
			if err := w.RefoldTickets(ctx, []warehouse.TicketKey{{Tenant: "acme", TicketID: "T1"}}); err != nil {
				t.Fatal(err)
			}
			if r := readTicket(t, conn, o.Database); r.rating != tt.rating {
				t.Fatalf("after RefoldTickets: rating %d, want %d", r.rating, tt.rating)
			}
		})
	}
}

// A ticket's creator and hand-set due date come back when its state is
// derived again from the stored events: an event older than the stored
// state, and RefoldTickets.
func TestCreatorAndDueDateSurviveARefold(t *testing.T) {
	lines := []string{
		`{"schema":1,"event_id":"d1","type":"ticket.created","tenant":"subiz","ticket_id":"S1","occurred_at":"2026-03-02T08:00:00Z","actor":{"type":"agent","id":"le.thu"},"data":{"channel":"chat","customer":"kh","status":"open"}}`,
		`{"schema":1,"event_id":"d2","type":"ticket.due_date_set","tenant":"subiz","ticket_id":"S1","occurred_at":"2026-03-02T09:00:00Z","actor":{"type":"agent","id":"le.thu"},"data":{"due_at":"2026-03-04T17:00:00+07:00"}}`,
		`{"schema":1,"event_id":"d3","type":"ticket.status_changed","tenant":"subiz","ticket_id":"S1","occurred_at":"2026-03-02T10:00:00Z","actor":{"type":"agent","id":"le.thu"},"data":{"status":"pending"}}`,
	}
	all := records(t, lines, 0)
	wantDue := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	conn, o := openMigrated(t)
	ctx := context.Background()
	w := warehouse.NewWriter(conn, o.Database, 0)
	read := func(stage string) {
		t.Helper()
		var creator string
		var due time.Time
		if err := conn.QueryRow(ctx, "SELECT creator, due_at FROM "+o.Database+".tickets FINAL WHERE ticket_id = 'S1'").Scan(&creator, &due); err != nil {
			t.Fatal(err)
		}
		if creator != "le.thu" || !due.Equal(wantDue) {
			t.Errorf("%s: creator %q due %s, want le.thu and %s", stage, creator, due, wantDue)
		}
	}
	// the due date and the status first; the creation, older, after them
	for _, b := range [][]event.Record{all[1:], all[:1]} {
		if err := w.Store(ctx, batch(b)); err != nil {
			t.Fatal(err)
		}
	}
	read("creation arriving last")
	if err := w.RefoldTickets(ctx, []warehouse.TicketKey{{Tenant: "subiz", TicketID: "S1"}}); err != nil {
		t.Fatal(err)
	}
	read("after RefoldTickets")
}
