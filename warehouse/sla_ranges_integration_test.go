package warehouse_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
)

// TestSLARefreshAcrossRanges refreshes generated tickets of four tenants
// with history queries of 7 tickets each, so the histories come from many
// key ranges, some ending where a tenant ends: every ticket's stored
// results must equal sla.Evaluate of its own events, each ticket exactly
// once.
func TestSLARefreshAcrossRanges(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	histories := map[string][]event.Event{}
	perTenant := map[string]int{}
	var recs []event.Record
	err = eventgen.Generate(eventgen.Config{Seed: 11, Tickets: 300, Days: 10}, func(e *event.Event) error {
		k := e.Tenant + "/" + e.TicketID
		if histories[k] == nil {
			perTenant[e.Tenant]++
		}
		histories[k] = append(histories[k], *e)
		recs = append(recs, event.Record{Event: *e})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(perTenant) < 2 {
		t.Fatalf("want tickets of several tenants, got %v", perTenant)
	}
	if err := warehouse.NewWriter(conn, o.Database, 0).Store(ctx, &event.Batch{Records: recs}); err != nil {
		t.Fatal(err)
	}

	r := warehouse.NewSLARefresher(conn, o.Database, cfg)
	warehouse.SetRangeSize(r, 7)
	// one tenant alone first: only its tickets are evaluated
	tenant := "vn-portal"
	if _, n, err := r.Refresh(ctx, time.Time{}, tenant, nil); err != nil || n != perTenant[tenant] {
		t.Fatalf("refresh of %s: %d tickets (want %d), %v", tenant, n, perTenant[tenant], err)
	}
	var progressed int
	_, n, err := r.Refresh(ctx, time.Time{}, "", func(done, total int) { progressed = done })
	if err != nil || n != len(histories) || progressed != n {
		t.Fatalf("refresh: %d tickets, progress %d (want %d), %v", n, progressed, len(histories), err)
	}

	checkSLAResults(t, conn, o.Database, cfg, histories)
}

// checkSLAResults compares every ticket's stored results of its latest
// evaluation with sla.Config.Evaluate of its whole history (any order,
// repeats included) as of its last event.
func checkSLAResults(t *testing.T, conn driver.Conn, db string, cfg *sla.Config, histories map[string][]event.Event) {
	t.Helper()
	want := map[string]string{}
	for _, h := range histories {
		ordered := event.SortHistory(append([]event.Event(nil), h...))
		for _, x := range cfg.Evaluate(h, ordered[len(ordered)-1].OccurredAt) {
			k, v := slaResultText(x)
			want[k] = v
		}
	}
	got := latestSLAResults(t, conn, db)
	if len(got) != len(want) {
		t.Errorf("%d stored results, %d evaluated", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: stored %q, evaluated %q", k, got[k], w)
		}
	}
}

// slaResultText is a result as latestSLAResults gives it back: the key
// "tenant/ticket metric#cycle" and what was evaluated for it.
func slaResultText(x sla.Result) (key, value string) {
	return fmt.Sprintf("%s/%s %s#%d", x.Tenant, x.TicketID, x.Metric, x.Cycle),
		fmt.Sprintf("%s %d %d %d %s", x.Policy, x.Target, x.Elapsed, x.Paused, x.State)
}

// latestSLAResults reads every ticket's results of its latest evaluation
// from sla_results, as slaResultText lays them out.
func latestSLAResults(t *testing.T, conn driver.Conn, db string) map[string]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT tenant, ticket_id, metric, cycle, policy, target_seconds, elapsed_seconds, paused_seconds, state
		FROM `+db+`.sla_results FINAL
		WHERE (tenant, ticket_id, ticket_version) IN (SELECT tenant, ticket_id, max(ticket_version) FROM `+db+`.sla_results GROUP BY tenant, ticket_id)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var tn, id, metric, policy, state string
		var cycle uint16
		var target, elapsed, paused uint32
		if err := rows.Scan(&tn, &id, &metric, &cycle, &policy, &target, &elapsed, &paused, &state); err != nil {
			t.Fatal(err)
		}
		got[fmt.Sprintf("%s/%s %s#%d", tn, id, metric, cycle)] = fmt.Sprintf("%s %d %d %d %s", policy, target, elapsed, paused, state)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}
