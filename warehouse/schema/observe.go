package schema

import (
	"fmt"
	"slices"
)

// Query runs a read on a server and returns its rows as text: the caller
// brings the connection (a driver, an HTTP client, chDB), this package
// the statements, which read the same on ClickHouse 18.16 and current
// releases.
type Query func(sql string) ([][]string, error)

// Observe describes every table of database db as the server holds it.
// DESCRIBE gives the columns in their order on every version
// (system.columns has no position column on 18.16).
func Observe(query Query, db string) (map[string]Observed, error) {
	rows, err := query("SELECT name, engine, engine_full, partition_key, sorting_key FROM system.tables WHERE database = " + quote(db))
	if err != nil {
		return nil, fmt.Errorf("schema: tables of %s: %w", db, err)
	}
	out := map[string]Observed{}
	for _, r := range rows {
		if len(r) != 5 {
			return nil, fmt.Errorf("schema: tables of %s: row of %d fields", db, len(r))
		}
		o := Observed{Engine: r[1], EngineArgs: EngineArgs(r[1], r[2]), PartitionKey: r[3], SortingKey: r[4]}
		cols, err := query("DESCRIBE TABLE " + db + "." + r[0])
		if err != nil {
			return nil, fmt.Errorf("schema: describe %s.%s: %w", db, r[0], err)
		}
		for _, c := range cols {
			if len(c) < 2 {
				return nil, fmt.Errorf("schema: describe %s.%s: row of %d fields", db, r[0], len(c))
			}
			o.Columns = append(o.Columns, Column{Name: c[0], Type: c[1]})
		}
		out[r[0]] = o
	}
	return out, nil
}

// Agree lists every way the observed tables differ from the declared
// ones: a table or column only one side has, a column's type or place, an
// engine, partition or sorting key. Tables named in own are the migration
// runner's own (slate_migrations), not the migrations'.
func Agree(observed map[string]Observed, own ...string) []string {
	var out []string
	for _, t := range Tables {
		o, ok := observed[t.Name]
		if !ok {
			out = append(out, t.Name+": declared but not created by the migrations")
			continue
		}
		out = append(out, t.Diff(o)...)
	}
	var names []string
	for name := range observed {
		if _, ok := Lookup(name); !ok && !slices.Contains(own, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, name+": created by the migrations but not declared in package schema")
	}
	return out
}
