package warehouse

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestSingleNodeRenderingIsTheFiles: without a cluster every statement is
// its file with the placeholders written out as they always were, so
// databases migrated before cluster mode existed see no change.
func TestSingleNodeRenderingIsTheFiles(t *testing.T) {
	migs, err := Migrations(Options{Database: "analytics"})
	if err != nil {
		t.Fatal(err)
	}
	engineRe := regexp.MustCompile(`\{\{engine "(\w+)" "(\w*)"\}\}`)
	for _, m := range migs {
		raw, err := migrationFiles.ReadFile("migrations/" + m.fileName())
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(raw), "{{.DB}}", "analytics")
		text = strings.ReplaceAll(text, "{{onCluster}}", "")
		text = engineRe.ReplaceAllString(text, "$1($2)")
		want := splitStatements(text)
		if strings.Join(m.Statements, "\n;\n") != strings.Join(want, "\n;\n") {
			t.Errorf("%s renders differently on a single node:\n%s\nwant\n%s", m.fileName(), m.Statements, want)
		}
		if len(m.EachHost) != 0 {
			t.Errorf("%s: per-host statements on a single node: %q", m.fileName(), m.EachHost)
		}
	}
	if got := migrationsTable(Options{Database: "analytics"}); got != `CREATE TABLE IF NOT EXISTS analytics.slate_migrations (
    version UInt32, name String, checksum String, applied_at DateTime('UTC')
) ENGINE = ReplacingMergeTree() ORDER BY version` {
		t.Errorf("slate_migrations on a single node:\n%s", got)
	}
}

func (m Migration) fileName() string { return fmt.Sprintf("%04d_%s.sql", m.Version, m.Name) }

// TestClusterRendering: each table becomes a replicated local table and a
// Distributed one with the same columns, ticket tables sharded by ticket;
// ADD COLUMN alters the local tables ON CLUSTER and the Distributed table
// on each host.
func TestClusterRendering(t *testing.T) {
	single, err := Migrations(Options{Database: "an"})
	if err != nil {
		t.Fatal(err)
	}
	migs, err := Migrations(Options{Database: "an", Cluster: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) != len(single) {
		t.Fatalf("%d migrations on a cluster, %d on a single node", len(migs), len(single))
	}
	createRe := regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS an\.(\w+)\n(\(.*\))\nENGINE = (\w+)\((\w*)\)`)
	tables := 0
	for i, m := range migs {
		if m.Checksum != single[i].Checksum {
			t.Errorf("%s: checksum depends on the deployment", m.Name)
		}
		for j, s := range single[i].Statements {
			cm := createRe.FindStringSubmatch(s)
			if cm == nil {
				continue
			}
			tables++
			table, columns, eng, version := cm[1], cm[2], cm[3], cm[4]
			if len(m.Statements) != 2*len(single[i].Statements) {
				t.Fatalf("%s: %d statements for %d", m.Name, len(m.Statements), len(single[i].Statements))
			}
			args := "'/clickhouse/tables/{shard}/an/" + table + "', '{replica}'"
			if version != "" {
				args += ", " + version
			}
			local := m.Statements[2*j]
			wantLocal := "CREATE TABLE IF NOT EXISTS an." + table + "_local ON CLUSTER main\n" + columns +
				"\nENGINE = Replicated" + eng + "(" + args + ")"
			if !strings.HasPrefix(local, wantLocal) {
				t.Errorf("%s local table:\n%s\nwant prefix\n%s", m.Name, local, wantLocal)
			}
			if strings.TrimPrefix(local, wantLocal) != strings.TrimPrefix(s, "CREATE TABLE IF NOT EXISTS an."+table+"\n"+columns+"\nENGINE = "+eng+"("+version+")") {
				t.Errorf("%s: the local table's PARTITION BY / ORDER BY differ from the single node's:\n%s", m.Name, local)
			}
			key := map[string]string{"events": "cityHash64(tenant, ticket_id)", "tickets": "cityHash64(tenant, ticket_id)",
				"time_entries": "cityHash64(tenant, ticket_id)", "sla_results": "cityHash64(tenant, ticket_id)",
				"sla_tickets": "cityHash64(tenant, ticket_id)", "dead_letters": "cityHash64(kafka_topic, kafka_partition, kafka_offset)",
				"sla_progress": "cityHash64(worker)", "schedules": "cityHash64(id)"}[table]
			dist := m.Statements[2*j+1]
			wantDist := "CREATE TABLE IF NOT EXISTS an." + table + " ON CLUSTER main\n" + columns +
				"\nENGINE = Distributed('main', 'an', '" + table + "_local', "
			if !strings.HasPrefix(dist, wantDist) || (key != "" && !strings.HasSuffix(dist, ", "+key+")")) {
				t.Errorf("%s Distributed table:\n%s\nwant prefix\n%s and key %s", m.Name, dist, wantDist, key)
			}
		}
	}
	if tables < 8 {
		t.Errorf("%d tables checked", tables)
	}
	timeline := migs[6]
	if timeline.Name != "ticket_timeline" || len(timeline.Statements) != 3 || len(timeline.EachHost) != 3 {
		t.Fatalf("ticket_timeline: %q, each host %q", timeline.Statements, timeline.EachHost)
	}
	for i, col := range []string{"status_since", "solved_times", "reopened_times"} {
		if !strings.HasPrefix(timeline.Statements[i], "ALTER TABLE an.tickets_local ON CLUSTER main ADD COLUMN "+col+" ") {
			t.Errorf("local ALTER %d: %s", i, timeline.Statements[i])
		}
		if !strings.HasPrefix(timeline.EachHost[i], "ALTER TABLE an.tickets ADD COLUMN "+col+" ") {
			t.Errorf("Distributed ALTER %d: %s", i, timeline.EachHost[i])
		}
		if strings.TrimPrefix(timeline.Statements[i], "ALTER TABLE an.tickets_local ON CLUSTER main ") !=
			strings.TrimPrefix(timeline.EachHost[i], "ALTER TABLE an.tickets ") {
			t.Errorf("the two ALTERs add different columns:\n%s\n%s", timeline.Statements[i], timeline.EachHost[i])
		}
	}
	if got := migrationsTable(Options{Database: "an", Cluster: "main"}); !strings.Contains(got, "slate_migrations ON CLUSTER main (") ||
		!strings.Contains(got, "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/slate/an/slate_migrations', '{shard}-{replica}') ORDER BY version") {
		t.Errorf("slate_migrations on a cluster:\n%s", got)
	}
}

func TestClusterStatementsRefuseWhatTheyCannotDistribute(t *testing.T) {
	o := Options{Database: "an", Cluster: "main"}
	for _, s := range []string{
		"CREATE TABLE IF NOT EXISTS an.t ON CLUSTER main\n(x UInt8)\nENGINE = MergeTree()\nORDER BY x",
		"CREATE MATERIALIZED VIEW IF NOT EXISTS an.v ON CLUSTER main TO an.t AS SELECT 1",
		"SELECT '" + tableMark + "'",
	} {
		if _, _, err := clusterStatements(o, []string{s}); err == nil {
			t.Errorf("accepted %q", s)
		}
	}
	out, _, err := clusterStatements(o, []string{"CREATE TABLE IF NOT EXISTS an.kv ON CLUSTER main\n(k String, v String)\nENGINE = " +
		engine(o, "ReplacingMergeTree", "") + "\nORDER BY (k)"})
	if err != nil || len(out) != 2 || !strings.HasSuffix(out[1], "ENGINE = Distributed('main', 'an', 'kv_local', cityHash64(k))") {
		t.Errorf("a table without a sharding key of its own is sharded by its sorting key: %q %v", out, err)
	}
}

// An enum's MODIFY COLUMN renders as ADD COLUMN does on a cluster: the
// local tables ON CLUSTER, the Distributed table on each host.
func TestClusterEnumModify(t *testing.T) {
	o := Options{Database: "an", Cluster: "main"}
	out, each, err := clusterStatements(o, []string{"ALTER TABLE an.snapshot_sla ON CLUSTER main MODIFY COLUMN metric Enum8('a' = 1, 'b' = 2)"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0] != "ALTER TABLE an.snapshot_sla_local ON CLUSTER main MODIFY COLUMN metric Enum8('a' = 1, 'b' = 2)" ||
		len(each) != 1 || each[0] != "ALTER TABLE an.snapshot_sla MODIFY COLUMN metric Enum8('a' = 1, 'b' = 2)" {
		t.Errorf("rendered %q, on each host %q", out, each)
	}
}
