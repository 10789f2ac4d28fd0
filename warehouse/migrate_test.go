package warehouse

import (
	"strings"
	"testing"

	"github.com/slatehq/slate/sla"
)

func TestMigrationsRenderForTheDatabase(t *testing.T) {
	migs, err := Migrations(Options{Database: "analytics"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"events", "tickets", "time_entries", "dead_letters", "sla_results", "sla_progress"}
	// by version: later migrations (from parallel branches) do not move these
	at := func(v int) Migration {
		t.Helper()
		for _, m := range migs {
			if m.Version == v {
				return m
			}
		}
		t.Fatalf("no migration %04d", v)
		return Migration{}
	}
	fields := at(17)
	if fields.Name != "ticket_fields" || len(fields.Statements) != 6 {
		t.Fatalf("no migration ticket_fields of 6 statements: %v", fields)
	}
	if clocks := at(18); clocks.Name != "sla_clocks" || len(clocks.Statements) != 1 ||
		!strings.Contains(clocks.Statements[0], "CREATE TABLE IF NOT EXISTS analytics.sla_clocks\n") ||
		!strings.Contains(clocks.Statements[0], "ORDER BY (tenant, ticket_id)") {
		t.Errorf("migration %s: %q", clocks.Name, clocks.Statements)
	}
	slaSnap, layout := at(14), at(15)
	if slaSnap.Name != "snapshot_sla" || len(slaSnap.Statements) != 1 ||
		!strings.Contains(slaSnap.Statements[0], "CREATE TABLE IF NOT EXISTS analytics.snapshot_sla\n") ||
		!strings.Contains(slaSnap.Statements[0], "ORDER BY (generation, metric, start_at, tenant, ticket_id)") {
		t.Errorf("migration %s: %q", slaSnap.Name, slaSnap.Statements)
	}
	if layout.Name != "snapshot_layout" || len(layout.Statements) != 1 ||
		!strings.HasPrefix(layout.Statements[0], "ALTER TABLE analytics.report_snapshots ADD COLUMN layout ") {
		t.Errorf("migration %s: %q", layout.Name, layout.Statements)
	}
	if changed := at(12); changed.Name != "snapshot_changed" || len(changed.Statements) != 1 ||
		!strings.Contains(changed.Statements[0], "CREATE TABLE IF NOT EXISTS analytics.snapshot_changed\n") {
		t.Errorf("migration %s: %q", changed.Name, changed.Statements)
	}
	if readAt := at(13); readAt.Name != "snapshot_read_at" || len(readAt.Statements) != 1 ||
		!strings.HasPrefix(readAt.Statements[0], "ALTER TABLE analytics.report_snapshots ADD COLUMN read_at ") {
		t.Errorf("migration %s: %q", readAt.Name, readAt.Statements)
	}
	if layers := at(19); layers.Name != "snapshot_layers" || len(layers.Statements) != 1 ||
		!strings.HasPrefix(layers.Statements[0], "ALTER TABLE analytics.report_snapshots ADD COLUMN layers Array(UInt64) ") {
		t.Errorf("migration snapshot_layers: %+v", layers)
	}
	for i, table := range []string{"sla_tickets", "schedules", "deliveries"} {
		m := at(len(want) + 2 + i)
		if m.Name != table || !strings.Contains(m.Statements[0], "CREATE TABLE IF NOT EXISTS analytics."+table+"\n") {
			t.Errorf("migration %s:\n%s", m.Name, m.Statements[0])
		}
	}
	snaps := at(len(want) + 5)
	if snaps.Name != "report_snapshots" || len(snaps.Statements) != 5 {
		t.Fatalf("migration %s: %d statements", snaps.Name, len(snaps.Statements))
	}
	for i, table := range []string{"report_snapshots", "snapshot_tickets", "snapshot_sla_cycles", "snapshot_replies", "snapshot_time"} {
		if !strings.Contains(snaps.Statements[i], "CREATE TABLE IF NOT EXISTS analytics."+table+"\n") {
			t.Errorf("report_snapshots statement %d:\n%s", i+1, snaps.Statements[i])
		}
	}
	// The SLA cycles' Enum8 columns must name every metric and state the
	// engine produces, or snapshot builds fail.
	cycles := slaSnap.Statements[0]
	for _, m := range sla.AllMetrics() {
		if !strings.Contains(cycles, "'"+string(m)+"' = ") {
			t.Errorf("snapshot_sla: metric has no enum value %q", m)
		}
	}
	for _, st := range sla.States {
		if !strings.Contains(cycles, "'"+string(st)+"' = ") {
			t.Errorf("snapshot_sla: state has no enum value %q", st)
		}
	}
	if sp := at(20); sp.Name != "tag_spellings" || len(sp.Statements) != 1 ||
		!strings.Contains(sp.Statements[0], "CREATE TABLE IF NOT EXISTS analytics.tag_spellings\n") ||
		!strings.Contains(sp.Statements[0], "ORDER BY (tenant, tag, spelling)") {
		t.Errorf("migration %s: %q", sp.Name, sp.Statements)
	}
	labels := at(16) // 0016: three label columns on each table with ticket dimensions
	if labels.Name != "desk_labels" || len(labels.Statements) != 18 {
		t.Fatalf("migration %s: %d statements", labels.Name, len(labels.Statements))
	}
	for i, table := range []string{"tickets", "sla_tickets", "snapshot_tickets", "snapshot_sla", "snapshot_replies", "snapshot_time"} {
		for j, col := range []string{"status_label", "priority_label", "severity_label"} {
			if st := labels.Statements[3*i+j]; !strings.HasPrefix(st, "ALTER TABLE analytics."+table+" ADD COLUMN "+col+" String") {
				t.Errorf("desk_labels statement %d: %s", 3*i+j+1, st)
			}
		}
	}
	timeline := migs[len(want)]
	if len(timeline.Statements) != 3 {
		t.Fatalf("ticket_timeline: %d statements", len(timeline.Statements))
	}
	for i, col := range []string{"status_since", "solved_times", "reopened_times"} {
		if !strings.HasPrefix(timeline.Statements[i], "ALTER TABLE analytics.tickets ADD COLUMN "+col+" ") {
			t.Errorf("ticket_timeline statement %d: %s", i+1, timeline.Statements[i])
		}
	}
	for i, m := range migs[:len(want)] {
		if m.Version != i+1 {
			t.Errorf("migration %d has version %d", i, m.Version)
		}
		if len(m.Statements) != 1 {
			t.Fatalf("%s: %d statements", m.Name, len(m.Statements))
		}
		s := m.Statements[0]
		if !strings.Contains(s, "CREATE TABLE IF NOT EXISTS analytics."+want[i]+"\n") {
			t.Errorf("%s does not create analytics.%s:\n%s", m.Name, want[i], s)
		}
		if strings.Contains(s, "ON CLUSTER") || strings.Contains(s, "{{") || strings.HasSuffix(s, ";") {
			t.Errorf("%s rendered badly:\n%s", m.Name, s)
		}
		if len(m.Checksum) != 16 {
			t.Errorf("checksum %q", m.Checksum)
		}
	}
	if !strings.Contains(migs[1].Statements[0], "ENGINE = ReplacingMergeTree(version)") {
		t.Errorf("tickets must collapse by version:\n%s", migs[1].Statements[0])
	}
}

func TestMigrationsOnCluster(t *testing.T) {
	migs, err := Migrations(Options{Database: "slate", Cluster: "main"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		for _, s := range m.Statements {
			if !strings.Contains(s, " ON CLUSTER main\n") && !strings.Contains(s, " ON CLUSTER main ADD COLUMN ") {
				t.Errorf("%s lacks ON CLUSTER:\n%s", m.Name, s)
			}
		}
	}
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- comment; not a statement\nCREATE TABLE IF NOT EXISTS a (x UInt8)\nENGINE = Log;\n\n-- two\nCREATE TABLE IF NOT EXISTS b (y String) ENGINE = Log;\n")
	want := []string{"CREATE TABLE IF NOT EXISTS a (x UInt8)\nENGINE = Log", "CREATE TABLE IF NOT EXISTS b (y String) ENGINE = Log"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %q", got)
	}
}

func TestIdempotentStatementGuard(t *testing.T) {
	for s, ok := range map[string]bool{
		"CREATE TABLE IF NOT EXISTS a.b (x UInt8) ENGINE = Log":         true,
		"create materialized view if not exists a.v TO a.b AS SELECT":   true,
		"CREATE TABLE a.b (x UInt8) ENGINE = Log":                       false,
		"ALTER TABLE a.b ADD COLUMN y String":                           true,
		"ALTER TABLE a.b ON CLUSTER c ADD COLUMN y String AFTER x":      true,
		"ALTER TABLE a.b ADD COLUMN y String, ADD COLUMN z String":      false,
		"ALTER TABLE a.b DROP COLUMN y":                                 false,
		"ALTER TABLE a.b MODIFY COLUMN e Enum8('x' = 1, 'y' = 2)":       true,
		"ALTER TABLE a.b ON CLUSTER c MODIFY COLUMN e Enum16('x' = 1)":  true,
		"ALTER TABLE a.b MODIFY COLUMN e String":                        false,
		"ALTER TABLE a.b MODIFY COLUMN e Enum8('x' = 1), DROP COLUMN y": false,
		"DROP TABLE a.b": false,
	} {
		if idempotentStatement.MatchString(s) != ok {
			t.Errorf("%q: idempotent=%v, want %v", s, !ok, ok)
		}
	}
}

func TestHistoryQuery(t *testing.T) {
	got := historyQuery("slate", 3)
	if !strings.HasPrefix(got, "SELECT tenant, ticket_id, event_id, type, occurred_us,") ||
		!strings.HasSuffix(got, " FROM slate.events WHERE tenant = ? AND ticket_id IN (?, ?, ?) ORDER BY ticket_id") {
		t.Fatalf("unexpected query: %s", got)
	}
	if strings.Contains(got, "FINAL") {
		t.Fatal("history reads de-duplicate in Go; FINAL would only cost")
	}
}

func TestOptionsValidate(t *testing.T) {
	good := Options{Addrs: []string{"127.0.0.1:9000"}, Database: "slate"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, o := range map[string]Options{
		"clickhouse.addrs":    {Database: "slate"},
		"clickhouse.database": {Addrs: good.Addrs, Database: "sla-te; DROP"},
		"clickhouse.cluster":  {Addrs: good.Addrs, Database: "slate", Cluster: "a b"},
	} {
		err := o.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), field) {
			t.Errorf("want an error naming %s, got %v", field, err)
		}
	}
	if err := (Options{Addrs: []string{"nohostport"}, Database: "x"}).Validate(); err == nil {
		t.Error("an address without a port must be rejected")
	}
}

func TestProjectedHistoriesQueries(t *testing.T) {
	if got, want := projectedKeysQuery("slate", true), "SELECT tenant, ticket_id, max(updated_at) FROM slate.tickets WHERE updated_at >= ? AND tenant = ? GROUP BY tenant, ticket_id ORDER BY tenant, ticket_id"; got != want {
		t.Fatalf("keys query:\n got %s\nwant %s", got, want)
	}
	if strings.Contains(projectedKeysQuery("slate", false), "tenant = ?") {
		t.Fatal("tenant filter without a tenant")
	}
	got := rangeHistoriesQuery("slate")
	want := " FROM slate.events WHERE tenant = ? AND ticket_id >= ? AND ticket_id <= ? AND (tenant, ticket_id) GLOBAL IN (SELECT tenant, ticket_id FROM slate.tickets WHERE tenant = ? AND ticket_id >= ? AND ticket_id <= ? AND updated_at >= ?) ORDER BY ticket_id"
	if !strings.HasSuffix(got, want) {
		t.Fatalf("range query:\n got %s\nwant ...%s", got, want)
	}
}

func TestStoredTicketsQuery(t *testing.T) {
	want := "SELECT DISTINCT tenant, ticket_id FROM slate.tickets WHERE (tenant, ticket_id) IN lookup_keys"
	if got := storedTicketsQuery("slate"); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}
