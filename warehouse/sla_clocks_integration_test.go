package warehouse_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
)

// Stored SLA clocks (sla_clocks): every way of reaching the final state
// of a stream — restarts that take tickets up from stored clocks, stored
// clocks that must not be trusted, a unit cut short, a policy change
// with sla recompute, RefoldTickets — must store exactly what one fresh
// ingest of the whole stream stores, field by field, in every derived
// table. The fresh ingest runs into a database of its own on the same
// server; it is checked against sla.Config.Evaluate of each history.

// clocksDB is one migrated database on the test's server.
type clocksDB struct {
	conn driver.Conn
	db   string
}

func newClocksDB(t *testing.T, addr, name string) clocksDB {
	t.Helper()
	o := warehouse.Options{Addrs: []string{addr}, Database: name}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := warehouse.Migrate(context.Background(), conn, o); err != nil {
		t.Fatal(err)
	}
	return clocksDB{conn, name}
}

func (d clocksDB) writer(cfg *sla.Config) *warehouse.Writer {
	w := warehouse.NewWriter(d.conn, d.db, 100_000)
	w.SetSLA(cfg)
	return w
}

// deliverUnits stores recs in units of three batches of 150.
func deliverUnits(t *testing.T, w *warehouse.Writer, recs []event.Record) {
	t.Helper()
	const perUnit = 450
	for start := 0; start < len(recs); start += perUnit {
		deliverUnit(t, w, recs[start:min(start+perUnit, len(recs))])
	}
}

// deliverUnit stores recs as one unit of batches of 150.
func deliverUnit(t *testing.T, w *warehouse.Writer, recs []event.Record) {
	t.Helper()
	ctx := context.Background()
	const batchSize = 150
	u := w.Begin(ctx)
	for start := 0; start < len(recs); start += batchSize {
		if err := u.Add(ctx, spanned(recs[start:min(start+batchSize, len(recs))])); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// derivedRows reads every derived table as lines of text, each line a
// row with all its columns but the time it was written: tickets,
// sla_tickets and sla_clocks as merged (FINAL), sla_results at each
// ticket's latest version.
func derivedRows(t *testing.T, d clocksDB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	written := []string{"updated_at", "evaluated_at", "written_at"}
	out := map[string][]string{}
	for _, table := range []string{"tickets", "sla_tickets", "sla_results", "sla_clocks"} {
		rows, err := d.conn.Query(ctx, "SELECT name FROM system.columns WHERE database = ? AND table = ?", d.db, table)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(written, c) {
				cols = append(cols, c)
			}
		}
		rows.Close()
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + d.db + "." + table + " FINAL"
		if table == "sla_results" {
			q += " WHERE (tenant, ticket_id, ticket_version) IN (SELECT tenant, ticket_id, max(ticket_version) FROM " + d.db + ".sla_results GROUP BY tenant, ticket_id)"
		}
		out[table] = queryLines(t, d.conn, q)
	}
	return out
}

// queryLines runs q and gives each row as its values printed with %v,
// sorted.
func queryLines(t *testing.T, conn driver.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	var lines []string
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range dest {
			if i > 0 {
				b.WriteByte('\t')
			}
			fmt.Fprintf(&b, "%v", reflect.ValueOf(v).Elem().Interface())
		}
		lines = append(lines, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	return lines
}

// sameRows compares two databases' derivedRows, table by table (skipping
// the tables in except), and reports the first differing rows.
func sameRows(t *testing.T, what string, got, want map[string][]string, except ...string) {
	t.Helper()
	for table, w := range want {
		if slices.Contains(except, table) {
			continue
		}
		g := got[table]
		if len(w) == 0 {
			t.Fatalf("%s: the fresh ingest stored no %s rows", what, table)
		}
		if slices.Equal(g, w) {
			continue
		}
		t.Errorf("%s: %s has %d rows, the fresh ingest %d", what, table, len(g), len(w))
		shown := 0
		for i := 0; i < max(len(g), len(w)) && shown < 3; i++ {
			var gi, wi string
			if i < len(g) {
				gi = g[i]
			}
			if i < len(w) {
				wi = w[i]
			}
			if gi != wi {
				t.Errorf("  row %d:\n   got  %s\n   want %s", i, gi, wi)
				shown++
			}
		}
	}
}

// changedPolicies is deploy/sla.example.yaml with other targets and a
// holiday moved: every ticket's figures change, its cycles do not.
func changedPolicies(t *testing.T) *sla.Config {
	t.Helper()
	raw, err := os.ReadFile("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	for old, repl := range map[string]string{
		"first_reply: {urgent: 15m, high: 30m, normal: 1h, low: 2h}": "first_reply: {urgent: 10m, high: 20m, normal: 40m, low: 90m}",
		"first_reply: {urgent: 30m, high: 1h, normal: 4h, low: 8h}":  "first_reply: {urgent: 20m, high: 45m, normal: 2h, low: 6h}",
		"resolution: {urgent: 8h, high: 16h, normal: 40h, low: 80h}": "resolution: {urgent: 6h, high: 12h, normal: 30h, low: 60h}",
		"first_reply: {urgent: 1h, high: 2h, normal: 8h, low: 16h}":  "first_reply: {urgent: 30m, high: 1h, normal: 3h, low: 12h}",
		"holidays: [2026-12-24..2026-12-26, 2026-12-31]":             "holidays: [2026-12-24..2026-12-26, 2026-12-31, 2026-01-02]",
	} {
		if !strings.Contains(src, old) {
			t.Fatalf("the example policies no longer have %q", old)
		}
		src = strings.Replace(src, old, repl, 1)
	}
	cfg, err := sla.ParseConfig("changed", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestStoredSLAClocks(t *testing.T) {
	srv := testkit.ClickHouse(t)
	ctx := context.Background()
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := changedPolicies(t)
	stream, histories := slaTestStream(t, 29, 400)
	keys := make([]warehouse.TicketKey, 0, len(histories))
	for _, h := range histories {
		keys = append(keys, warehouse.TicketKey{Tenant: h[0].Tenant, TicketID: h[0].TicketID})
	}

	// the references: one writer, one pass, a warm cache
	freshOf := func(name string, c *sla.Config) map[string][]string {
		d := newClocksDB(t, srv.Addr(), name)
		deliverUnits(t, d.writer(c), stream)
		checkSLAResults(t, d.conn, d.db, c, histories)
		return derivedRows(t, d)
	}
	fresh, freshChanged := freshOf("fresh", cfg), freshOf("fresh_changed", changed)
	if t.Failed() {
		t.FailNow()
	}
	quarter := len(stream) / 4

	t.Run("restarts take tickets up from stored clocks", func(t *testing.T) {
		d := newClocksDB(t, srv.Addr(), "restarts")
		taken := 0
		for start := 0; start < len(stream); start += quarter {
			w := d.writer(cfg) // a restart: a cold cache
			deliverUnits(t, w, stream[start:min(start+quarter, len(stream))])
			taken += warehouse.TicketsFromStoredClocks(w)
		}
		if taken == 0 {
			t.Error("no ticket was taken up from its stored clocks")
		}
		sameRows(t, "after restarts", derivedRows(t, d), fresh)
	})

	t.Run("clocks ahead of the ticket row are not trusted", func(t *testing.T) {
		// what a unit cut short between its sla_clocks and tickets
		// inserts leaves: clocks one version ahead of the row. These
		// clocks are those of no event at all, so reading them would
		// lose each ticket's cycles.
		d := newClocksDB(t, srv.Addr(), "ahead")
		half := len(stream) / 2
		deliverUnits(t, d.writer(cfg), stream[:half])
		empty := string(cfg.Start().AppendCompact(nil))
		b, err := d.conn.PrepareBatch(ctx, "INSERT INTO "+d.db+".sla_clocks (tenant, ticket_id, version, policy_set, clocks, written_at)")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range queryLines(t, d.conn, "SELECT tenant, ticket_id, toString(max(version) + 1) FROM "+d.db+".tickets GROUP BY tenant, ticket_id") {
			f := strings.Split(line, "\t")
			var v uint64
			fmt.Sscan(f[2], &v)
			if err := b.Append(f[0], f[1], v, cfg.Fingerprint(), empty, time.Now().UTC().Truncate(time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Send(); err != nil {
			t.Fatal(err)
		}
		w := d.writer(cfg)
		deliverUnits(t, w, stream[half:])
		if n := warehouse.TicketsFromStoredClocks(w); n != 0 {
			t.Errorf("%d tickets taken up from clocks ahead of their rows", n)
		}
		sameRows(t, "after clocks ahead", derivedRows(t, d), fresh, "sla_clocks")
	})

	t.Run("clocks of another policy set are not read", func(t *testing.T) {
		// the first half ingested under other policies, the rest under
		// the example's after a restart without a recompute: the tickets
		// the rest touches are evaluated under the example's alone
		d := newClocksDB(t, srv.Addr(), "other_set")
		half := len(stream) / 2
		deliverUnits(t, d.writer(changed), stream[:half])
		w := d.writer(cfg)
		deliverUnits(t, w, stream[half:])
		if n := warehouse.TicketsFromStoredClocks(w); n != 0 {
			t.Errorf("%d tickets taken up from clocks of another policy set", n)
		}
		touched := map[string][]event.Event{}
		for _, r := range stream[half:] {
			k := r.Event.Tenant + "/" + r.Event.TicketID
			touched[k] = histories[k]
		}
		got := latestSLAResults(t, d.conn, d.db)
		for _, h := range touched {
			ordered := event.SortHistory(append([]event.Event(nil), h...))
			for _, x := range cfg.Evaluate(h, ordered[len(ordered)-1].OccurredAt) {
				rk, rv := slaResultText(x)
				if got[rk] != rv {
					t.Errorf("%s: stored %q, evaluated %q", rk, got[rk], rv)
				}
			}
		}
	})

	t.Run("a unit cut short, then a cold restart", func(t *testing.T) {
		// kill -9 mid-unit: some of its events are stored (the server
		// wrote parts while it streamed), none of its states; the next
		// process starts cold at the last committed offset
		d := newClocksDB(t, srv.Addr(), "cut_short")
		at := len(stream) / 2
		w := d.writer(cfg)
		deliverUnits(t, w, stream[:at])
		w.PartRows = 200
		u := w.Begin(ctx)
		for b := at; b < at+900; b += 150 {
			if err := u.Add(ctx, spanned(stream[b:b+150])); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(500 * time.Millisecond) // the server writes a part meanwhile
		u.Abort()
		var stored uint64
		if err := d.conn.QueryRow(ctx, "SELECT count() FROM "+d.db+".events").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored <= uint64(at) {
			t.Fatalf("%d events stored, want some of the unit cut short past the %d committed", stored, at)
		}
		w = d.writer(cfg)
		deliverUnits(t, w, stream[at:])
		sameRows(t, "after a unit cut short", derivedRows(t, d), fresh)
	})

	t.Run("recompute after a policy change", func(t *testing.T) {
		// ingest under the old policies; the policies change: ingest
		// restarts with the new ones and sla recompute runs; ingest
		// carries on from the clocks the recompute stored
		d := newClocksDB(t, srv.Addr(), "recompute")
		split := 3 * quarter
		deliverUnits(t, d.writer(cfg), stream[:split])
		r := warehouse.NewSLARefresher(d.conn, d.db, changed)
		r.Worker = "recompute"
		if _, n, err := r.Refresh(ctx, time.Time{}, "", nil); err != nil || n == 0 {
			t.Fatalf("recompute: %d tickets, %v", n, err)
		}
		w := d.writer(changed)
		deliverUnits(t, w, stream[split:])
		if warehouse.TicketsFromStoredClocks(w) == 0 {
			t.Error("no ticket was taken up from the clocks the recompute stored")
		}
		sameRows(t, "after recompute", derivedRows(t, d), freshChanged)
	})

	t.Run("RefoldTickets stores SLA rows and clocks", func(t *testing.T) {
		d := newClocksDB(t, srv.Addr(), "refold")
		deliverUnits(t, d.writer(cfg), stream)
		if err := d.writer(changed).RefoldTickets(ctx, keys); err != nil {
			t.Fatal(err)
		}
		sameRows(t, "after RefoldTickets", derivedRows(t, d), freshChanged)
	})
}

// TestSLARowsOfALargeUnit: a unit touching more tickets than one insert
// block holds stores every ticket's SLA rows and clocks (the inserts go
// to the driver block by block).
func TestSLARowsOfALargeUnit(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const tickets = 5000 // more than a block (4096 rows) of sla_tickets and sla_clocks
	stream, histories := slaTestStream(t, 31, tickets)
	w := warehouse.NewWriter(conn, o.Database, 2*tickets)
	w.SetSLA(cfg)
	u := w.Begin(ctx)
	for b := 0; b < len(stream); b += 10_000 {
		if err := u.Add(ctx, spanned(stream[b:min(b+10_000, len(stream))])); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	checkSLAResults(t, conn, o.Database, cfg, histories)
	for _, table := range []string{"sla_tickets", "sla_clocks"} {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT uniqExact(tenant, ticket_id) FROM "+o.Database+"."+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != tickets {
			t.Errorf("%s: rows of %d tickets, want %d", table, n, tickets)
		}
	}
}
