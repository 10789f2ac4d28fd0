package testkit_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/slatehq/slate/internal/testkit"
)

// TestClickHouseCluster: two replicas know their macros and the cluster,
// and an ON CLUSTER statement (through ZooKeeper's DDL queue) reaches both.
func TestClickHouseCluster(t *testing.T) {
	t.Parallel()
	c := testkit.ClickHouseCluster(t, 1, 2)
	ctx := context.Background()
	for i, n := range c.All() {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{n.Addr()}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		shard, replica := n.Macros()
		var gotShard, gotReplica string
		if err := conn.QueryRow(ctx, "SELECT substitution FROM system.macros WHERE macro = 'shard'").Scan(&gotShard); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT substitution FROM system.macros WHERE macro = 'replica'").Scan(&gotReplica); err != nil {
			t.Fatal(err)
		}
		if gotShard != shard || gotReplica != replica || shard != "1" {
			t.Errorf("node %d: macros %s/%s, want %s/%s", i, gotShard, gotReplica, shard, replica)
		}
		var hosts uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.clusters WHERE cluster = ?", c.Name).Scan(&hosts); err != nil {
			t.Fatal(err)
		}
		if hosts != 2 {
			t.Errorf("node %d: %d hosts in cluster %s", i, hosts, c.Name)
		}
		if i == 0 {
			if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS everywhere ON CLUSTER "+c.Name); err != nil {
				t.Fatalf("ON CLUSTER: %v", err)
			}
		}
		var dbs uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = 'everywhere'").Scan(&dbs); err != nil {
			t.Fatal(err)
		}
		if dbs != 1 {
			t.Errorf("node %d: ON CLUSTER database missing", i)
		}
	}
}

func TestZooKeeperMissing(t *testing.T) {
	t.Parallel()
	_, err := testkit.StartZooKeeper(context.Background(), testkit.ZooKeeperOptions{Jar: filepath.Join(t.TempDir(), "zookeeper.jar")})
	if !errors.Is(err, testkit.ErrZooKeeperNotInstalled) || !strings.Contains(err.Error(), "scripts/install-deps.sh") {
		t.Fatalf("want ErrZooKeeperNotInstalled naming install-deps.sh, got %v", err)
	}
}
