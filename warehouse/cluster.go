package warehouse

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Cluster mode (Options.Cluster set): every table of the migrations becomes
//
//   - NAME_local, a Replicated*MergeTree created ON CLUSTER, holding the rows
//     of its shard (ZooKeeper path /clickhouse/tables/{shard}/DB/NAME, replica
//     {replica}: both macros come from each server's <macros>), and
//   - NAME, a Distributed table over NAME_local on every host, which is what
//     the writer inserts into and every query reads: readers and writers use
//     the same names in both modes.
//
// The sharding key keeps all rows of one ticket on one shard, so FINAL, the
// ReplacingMergeTree collapse of replays and every per-ticket query see a
// ticket's rows together; tables not about tickets are sharded by their
// whole sorting key, which is their de-duplication key.
//
// Nothing here changes what a single node runs: the .sql files and their
// checksums are the same, only the placeholders render differently.

// LocalSuffix names the replicated table under a Distributed one.
const LocalSuffix = "_local"

// shardingKeys are the tables sharded by ticket.
var shardingKeys = map[string]string{
	"events":       "cityHash64(tenant, ticket_id)",
	"tickets":      "cityHash64(tenant, ticket_id)",
	"time_entries": "cityHash64(tenant, ticket_id)",
	"sla_results":  "cityHash64(tenant, ticket_id)",
	"sla_tickets":  "cityHash64(tenant, ticket_id)",
	"sla_clocks":   "cityHash64(tenant, ticket_id)",
}

var (
	clusterCreateRe = regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+) ON CLUSTER (\w+)\n(\(.*\))\nENGINE = (.*)$`)
	clusterAlterRe  = regexp.MustCompile(`(?s)^ALTER TABLE (\w+)\.(\w+) ON CLUSTER (\w+) ((?:ADD|MODIFY) COLUMN .*)$`)
	orderByRe       = regexp.MustCompile(`(?m)^ORDER BY (.+)$`)
)

// shardingKey is the Distributed table's sharding expression for table,
// whose local table is created by stmt.
func shardingKey(table, stmt string) (string, error) {
	if k, ok := shardingKeys[table]; ok {
		return k, nil
	}
	m := orderByRe.FindStringSubmatch(stmt)
	if m == nil {
		return "", fmt.Errorf("table %s: no ORDER BY to shard by", table)
	}
	key := strings.TrimSpace(m[1])
	if strings.HasPrefix(key, "(") && strings.HasSuffix(key, ")") {
		key = key[1 : len(key)-1]
	}
	return "cityHash64(" + key + ")", nil
}

// clusterStatements turns a migration's statements, rendered ON CLUSTER with
// replicated engines, into the cluster's: each CREATE TABLE becomes the
// local replicated table and its Distributed table; each ADD or MODIFY
// COLUMN alters the local tables ON CLUSTER and returns the same ALTER of
// the Distributed table in each (see Migration.EachHost).
func clusterStatements(o Options, stmts []string) (out, each []string, err error) {
	for _, s := range stmts {
		if m := clusterCreateRe.FindStringSubmatch(s); m != nil {
			db, table, cluster, columns, rest := m[1], m[2], m[3], m[4], m[5]
			if !strings.Contains(rest, tableMark) {
				return nil, nil, fmt.Errorf("table %s: cluster mode needs the {{engine ...}} placeholder, not a literal engine", table)
			}
			local := table + LocalSuffix
			key, err := shardingKey(table, s)
			if err != nil {
				return nil, nil, err
			}
			out = append(out,
				fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s ON CLUSTER %s\n%s\nENGINE = %s", db, local, cluster, columns,
					strings.ReplaceAll(rest, tableMark, table)),
				fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s ON CLUSTER %s\n%s\nENGINE = Distributed('%s', '%s', '%s', %s)",
					db, table, cluster, columns, cluster, db, local, key))
			continue
		}
		if m := clusterAlterRe.FindStringSubmatch(s); m != nil {
			db, table, cluster, change := m[1], m[2], m[3], m[4]
			out = append(out, fmt.Sprintf("ALTER TABLE %s.%s%s ON CLUSTER %s %s", db, table, LocalSuffix, cluster, change))
			each = append(each, fmt.Sprintf("ALTER TABLE %s.%s %s", db, table, change))
			continue
		}
		return nil, nil, fmt.Errorf("cluster mode supports CREATE TABLE IF NOT EXISTS and ALTER TABLE ... ADD or MODIFY COLUMN only: %.60s", s)
	}
	for _, s := range append(append([]string(nil), out...), each...) {
		if strings.Contains(s, tableMark) {
			return nil, nil, fmt.Errorf("engine placeholder outside a CREATE TABLE: %.60s", s)
		}
	}
	return out, each, nil
}

// migrationsTable is the bootstrap statement of slate_migrations. On a
// cluster every host holds every record: one replicated table across all
// shards (its ZooKeeper path has no {shard}), so a migrator on any host
// reads what the others applied without a Distributed table. A record not
// yet replicated only makes a migrator re-apply idempotent statements.
func migrationsTable(o Options) string {
	eng := "ReplacingMergeTree()"
	if o.Cluster != "" {
		eng = "ReplicatedReplacingMergeTree('/clickhouse/slate/" + o.Database + "/slate_migrations', '{shard}-{replica}')"
	}
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.slate_migrations%s (
    version UInt32, name String, checksum String, applied_at DateTime('UTC')
) ENGINE = %s ORDER BY version`, o.Database, onCluster(o), eng)
}

// clusterHosts lists the native-protocol address of every host of the
// cluster, as the server connected to knows them (remote_servers).
func clusterHosts(ctx context.Context, conn driver.Conn, cluster string) ([]string, error) {
	rows, err := conn.Query(ctx, "SELECT DISTINCT host_name, port FROM system.clusters WHERE cluster = ?", cluster)
	if err != nil {
		return nil, fmt.Errorf("migrate: hosts of cluster %s: %w", cluster, classify(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var host string
		var port uint16
		if err := rows.Scan(&host, &port); err != nil {
			return nil, err
		}
		out = append(out, net.JoinHostPort(host, strconv.Itoa(int(port))))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("migrate: cluster %q is not in the server's remote_servers (system.clusters)", cluster)
	}
	return out, nil
}

// execEachHost runs stmts on every host, connecting with o's credentials.
// A column another migrator added first counts as added.
func execEachHost(ctx context.Context, o Options, hosts, stmts []string) error {
	var errs []error
	for _, h := range hosts {
		ho := o
		ho.Addrs = []string{h}
		ho.MaxOpenConns = 1
		conn, err := Open(ho)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if err := conn.Exec(ctx, s); err != nil && !columnAlreadyAdded(s, err) {
				errs = append(errs, fmt.Errorf("on %s: %w", h, classify(err)))
				break
			}
		}
		conn.Close()
	}
	return errors.Join(errs...)
}
