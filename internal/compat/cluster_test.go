package compat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/warehouse"
)

// TestClusterDDLOnCurrentClickHouse renders the cluster-mode migrations
// (Replicated*MergeTree tables with ZooKeeper paths, Distributed tables
// over them, ON CLUSTER) and checks them on chDB 26.x: every statement
// parses as written (EXPLAIN AST), and every one is created, without ON
// CLUSTER, in a chDB with the cluster's macros, remote_servers and a real
// ZooKeeper. chDB runs no distributed DDL queue (it refuses ON CLUSTER
// itself), and its replicated tables stay read-only, so ON CLUSTER and the
// ALTERs of replicated tables are checked by the parser only;
// warehouse/cluster_integration_test.go runs them on an 18.16 cluster.
func TestClusterDDLOnCurrentClickHouse(t *testing.T) {
	zk := testkit.ZooKeeperServer(t)
	zkHost, zkPort, _ := strings.Cut(zk.Addr(), ":")
	config := filepath.Join(t.TempDir(), "config.xml")
	xml := fmt.Sprintf(`<clickhouse>
    <macros><shard>01</shard><replica>r1</replica></macros>
    <remote_servers><slate><shard><internal_replication>true</internal_replication>
        <replica><host>127.0.0.1</host><port>9000</port></replica>
    </shard></slate></remote_servers>
    <zookeeper><node><host>%s</host><port>%s</port></node></zookeeper>
</clickhouse>`, zkHost, zkPort)
	if err := os.WriteFile(config, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	ch := startChDB(t, config)

	o := warehouse.Options{Addrs: []string{"127.0.0.1:9000"}, Database: "slate", Cluster: "slate"}
	migs, err := warehouse.Migrations(o)
	if err != nil {
		t.Fatal(err)
	}
	// Migrate's bootstrap (the database, slate_migrations) is sent before
	// its first read, which this connection refuses.
	boot := &bootstrapConn{}
	if _, err := warehouse.Migrate(context.Background(), boot, o); err == nil || len(boot.execs) == 0 {
		t.Fatalf("migrate sent %d statements before its first read (err %v)", len(boot.execs), err)
	}
	onCluster := regexp.MustCompile(` ON CLUSTER slate\b`)
	stmts := boot.execs
	for _, m := range migs {
		stmts = append(append(stmts, m.Statements...), m.EachHost...)
	}
	replicated, distributed, altersParsed := 0, 0, 0
	for _, st := range stmts {
		if a := ch.run("EXPLAIN AST "+st, nil, true); !a.OK {
			t.Errorf("does not parse on %s: %s\n  %s", ch.version, a.Error, st)
			continue
		}
		if strings.HasPrefix(st, "ALTER TABLE") && strings.Contains(st, warehouse.LocalSuffix+" ") {
			// A replicated table in chDB stays read-only (no replication
			// threads in-process): its ALTERs are parsed, not run.
			altersParsed++
			continue
		}
		local := onCluster.ReplaceAllString(st, "")
		if a := ch.run(local, nil, false); !a.OK {
			t.Errorf("cannot be created on %s: %s\n  %s", ch.version, a.Error, local)
			continue
		}
		switch {
		case strings.Contains(st, "ENGINE = Replicated"):
			replicated++
		case strings.Contains(st, "ENGINE = Distributed("):
			distributed++
		}
	}
	// Each replicated table registered its replica in ZooKeeper.
	a := ch.run("SELECT count() FROM system.replicas WHERE database = 'slate' AND replica_path LIKE '/clickhouse/%/replicas/%'", nil, true)
	if !a.OK {
		t.Fatal(a.Error)
	}
	if got := strings.TrimSpace(a.Out); got != fmt.Sprint(replicated) || replicated == 0 || distributed == 0 {
		t.Fatalf("%d Replicated and %d Distributed tables created; %s replicas in system.replicas", replicated, distributed, got)
	}
	t.Logf("%d statements parse on %s; created: %d Replicated, %d Distributed tables; %d ALTERs of replicated tables parsed only",
		len(stmts), ch.version, replicated, distributed, altersParsed)
}

// bootstrapConn records what Migrate executes and fails its first read.
type bootstrapConn struct {
	driver.Conn
	execs []string
}

func (c *bootstrapConn) Exec(_ context.Context, query string, _ ...any) error {
	c.execs = append(c.execs, query)
	return nil
}

func (c *bootstrapConn) Query(context.Context, string, ...any) (driver.Rows, error) {
	return nil, errors.New("compat: no reads here")
}
