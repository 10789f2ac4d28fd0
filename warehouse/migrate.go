package warehouse

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered .sql file, rendered for a deployment.
type Migration struct {
	Version    int
	Name       string
	Checksum   string // of the file as shipped, before rendering
	Statements []string
	// EachHost are run after Statements on every host of the cluster, one
	// host at a time and without ON CLUSTER (cluster mode only): the ALTERs
	// of Distributed tables. 18.16 refuses ALTER ... ON CLUSTER of a table
	// that does not replicate when the cluster's shards replicate internally
	// (error 371; allowed from 20.3 on), and a plain ALTER on each host works
	// on every version.
	EachHost []string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// idempotentStatement matches the only statement forms migrations may use:
// running a migration twice, or from two processes at once, must be
// harmless. 18.16 has no ADD COLUMN IF NOT EXISTS, so a single plain
// ADD COLUMN per statement is allowed and its "already exists" error is
// taken as success (columnAlreadyAdded). A single MODIFY COLUMN to an
// enum type is allowed too, for giving an enum new values (at the end, so
// stored numbers keep their meaning): setting the same type again changes
// nothing, and both 18.16 and current releases change only the table's
// metadata.
var idempotentStatement = regexp.MustCompile(`(?is)^\s*(CREATE\s+(TABLE|DATABASE|VIEW|MATERIALIZED\s+VIEW)\s+IF\s+NOT\s+EXISTS\s|ALTER\s+TABLE\s+\S+(\s+ON\s+CLUSTER\s+\S+)?\s+(ADD\s+COLUMN\s+[^,]+|MODIFY\s+COLUMN\s+\w+\s+Enum(8|16)\([^()]*\))$)`)

// renderData is what the .sql templates see. One set of files serves single
// node and cluster deployments through these placeholders.
type renderData struct{ DB string }

// tableMark stands for the table's name in a replicated engine's ZooKeeper
// path while a statement is rendered: the engine placeholder does not know
// which table it is in; clusterStatements fills it in.
const tableMark = "\x00table\x00"

// engine renders {{engine "ReplacingMergeTree" "version"}}: the plain engine
// on a single node (exactly what the files were first applied with), the
// Replicated variant with a per-shard ZooKeeper path and the {replica}
// macro on a cluster.
func engine(o Options, name, version string) string {
	if o.Cluster == "" {
		return name + "(" + version + ")"
	}
	s := "Replicated" + name + "('/clickhouse/tables/{shard}/" + o.Database + "/" + tableMark + "', '{replica}'"
	if version != "" {
		s += ", " + version
	}
	return s + ")"
}

// Migrations returns the embedded migrations rendered for o, in order.
func Migrations(o Options) ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		raw, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		mig, err := renderMigration(o, e.Name(), raw)
		if err != nil {
			return nil, err
		}
		mig.Version, mig.Name = v, m[2]
		out = append(out, mig)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// renderMigration renders one migration file's text for o.
func renderMigration(o Options, file string, raw []byte) (Migration, error) {
	funcs := template.FuncMap{
		"onCluster": func() string { return onCluster(o) },
		"engine":    func(name, version string) string { return engine(o, name, version) },
	}
	tpl, err := template.New(file).Funcs(funcs).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return Migration{}, fmt.Errorf("migration %s: %w", file, err)
	}
	var sb strings.Builder
	if err := tpl.Execute(&sb, renderData{DB: o.Database}); err != nil {
		return Migration{}, fmt.Errorf("migration %s: %w", file, err)
	}
	stmts := splitStatements(sb.String())
	var each []string
	if o.Cluster != "" {
		if stmts, each, err = clusterStatements(o, stmts); err != nil {
			return Migration{}, fmt.Errorf("migration %s: %w", file, err)
		}
	}
	for _, s := range append(slices.Clip(stmts), each...) {
		if !idempotentStatement.MatchString(s) {
			return Migration{}, fmt.Errorf("migration %s: statement is not idempotent (use CREATE ... IF NOT EXISTS, or one ADD COLUMN or enum MODIFY COLUMN per ALTER): %.60s", file, s)
		}
	}
	sum := sha256.Sum256(raw)
	return Migration{Checksum: hex.EncodeToString(sum[:8]), Statements: stmts, EachHost: each}, nil
}

// splitStatements splits on semicolons that end a line, dropping comment
// lines; migration SQL never has a semicolon inside a string literal.
func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || trimmed == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			out = append(out, s)
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// MigrationResult says what Migrate did with one migration.
type MigrationResult struct {
	Migration
	Applied bool // false: it was already recorded
}

// Migrate creates the database and applies every migration not yet recorded
// in slate_migrations, in order. Each statement is idempotent, and the
// migrations table collapses duplicate records, so two processes migrating
// at once both succeed with the same outcome. That holds on a cluster too
// (no lock needed): ON CLUSTER statements queue in ZooKeeper and run in one
// order on every host, a repeated ADD COLUMN fails as "already exists",
// which counts as done, and the records replicate to every host. Cluster
// DDL waits for every host (distributed_ddl_task_timeout), so migrate with
// all of them up.
func Migrate(ctx context.Context, conn driver.Conn, o Options) ([]MigrationResult, error) {
	migs, err := Migrations(o)
	if err != nil {
		return nil, err
	}
	boot := []string{
		fmt.Sprintf("CREATE DATABASE IF NOT EXISTS %s%s", o.Database, onCluster(o)),
		migrationsTable(o),
	}
	for _, s := range boot {
		if err := conn.Exec(ctx, s); err != nil {
			return nil, fmt.Errorf("migrate: bootstrap: %w", classify(err))
		}
	}
	applied, err := appliedMigrations(ctx, conn, o.Database)
	if err != nil {
		return nil, err
	}
	var results []MigrationResult
	var hosts []string // of the cluster, looked up when first needed
	for _, m := range migs {
		if sums, ok := applied[m.Version]; ok {
			for _, sum := range sums {
				if sum != m.Checksum {
					return results, fmt.Errorf("migrate: migration %04d_%s was changed after it was applied (recorded checksum %s, file %s); add a new migration instead", m.Version, m.Name, sum, m.Checksum)
				}
			}
			results = append(results, MigrationResult{Migration: m})
			continue
		}
		if err := apply(ctx, conn, o, m, &hosts); err != nil {
			return results, err
		}
		if err := recordMigration(ctx, conn, o.Database, m); err != nil {
			return results, fmt.Errorf("migrate: record %04d_%s: %w", m.Version, m.Name, classify(err))
		}
		results = append(results, MigrationResult{Migration: m, Applied: true})
	}
	return results, nil
}

// apply runs a migration's statements; hosts is the cluster's, looked up
// when first needed.
func apply(ctx context.Context, conn driver.Conn, o Options, m Migration, hosts *[]string) error {
	// sent on one node too, where it changes nothing: the statements are
	// the same, and both servers then accept it (internal/compat)
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"distributed_ddl_task_timeout": int(clusterDDLTimeout / time.Second)}))
	for i, s := range m.Statements {
		if err := conn.Exec(ctx, s); err != nil && !columnAlreadyAdded(s, err) {
			return fmt.Errorf("migrate: %04d_%s statement %d: %w", m.Version, m.Name, i+1, classify(err))
		}
	}
	if len(m.EachHost) == 0 {
		return nil
	}
	if *hosts == nil {
		var err error
		if *hosts, err = clusterHosts(ctx, conn, o.Cluster); err != nil {
			return err
		}
	}
	if err := execEachHost(ctx, o, *hosts, m.EachHost); err != nil {
		return fmt.Errorf("migrate: %04d_%s: %w", m.Version, m.Name, err)
	}
	return nil
}

// clusterDDLTimeout is how long an ON CLUSTER statement of a migration
// waits for every host. Each host runs the cluster's DDL one task at a
// time, a replicated ALTER waits for its replicas, and migrators starting
// at once queue every statement more than once: a migration of many ALTERs
// (0016 has 18) can keep a host's queue busy past the server's default of
// 180 s while every host is up. A host that is down still ends the wait
// with an error, later.
const clusterDDLTimeout = 15 * time.Minute

// Error codes ClickHouse answers an ADD COLUMN of an existing column with:
// 44 (ILLEGAL_COLUMN) on 18.16, 15 (DUPLICATE_COLUMN) on current releases.
const (
	illegalColumn   = 44
	duplicateColumn = 15
)

// columnAlreadyAdded reports whether an ADD COLUMN failed only because the
// column exists: a concurrent migrator added it first. 18.16 has no
// ADD COLUMN IF NOT EXISTS, so this keeps migrations safe to run at once.
func columnAlreadyAdded(stmt string, err error) bool {
	var ex *clickhouse.Exception
	return strings.Contains(stmt, " ADD COLUMN ") && errors.As(err, &ex) &&
		(ex.Code == duplicateColumn || ex.Code == illegalColumn) && strings.Contains(ex.Message, "already exists")
}

// recordMigration inserts through a batch: an INSERT ... VALUES with bound
// arguments sent by Exec never completes against 18.16.
func recordMigration(ctx context.Context, conn driver.Conn, db string, m Migration) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".slate_migrations (version, name, checksum, applied_at)")
	if err != nil {
		return err
	}
	if err := b.Append(uint32(m.Version), m.Name, m.Checksum, time.Now().UTC().Truncate(time.Second)); err != nil {
		_ = b.Abort()
		return err
	}
	return b.Send()
}

// appliedMigrations returns every checksum recorded per version. Records are
// only ever written with the file's checksum, so any other value among them
// means the file changed; looking at all of them (not whichever row a merge
// kept) makes the check independent of background merges.
func appliedMigrations(ctx context.Context, conn driver.Conn, db string) (map[int][]string, error) {
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT version, groupUniqArray(checksum) FROM %s.slate_migrations GROUP BY version", db))
	if err != nil {
		return nil, fmt.Errorf("migrate: read applied: %w", classify(err))
	}
	defer rows.Close()
	out := map[int][]string{}
	for rows.Next() {
		var v uint32
		var sum []string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, err
		}
		out[int(v)] = sum
	}
	return out, rows.Err()
}

func onCluster(o Options) string {
	if o.Cluster == "" {
		return ""
	}
	return " ON CLUSTER " + o.Cluster
}
