// Package schema declares every ClickHouse table Slate stores, once: its
// columns with their ClickHouse types in order, sorting key, partition key
// and engine. The writer's inserts, the readers' column lists and the report
// snapshot copies are generated from these declarations, and a test applies
// the migrations (warehouse/migrations) to a real server and checks that
// what they create is exactly what is declared here. Adding a column is
// one line in its table in tables.go plus one migration (ALTER TABLE ...
// ADD COLUMN, see docs/clickhouse.md).
//
// The package knows no driver: it describes tables as text, as ClickHouse
// itself describes them (DESCRIBE TABLE, system.tables). Of the domain it
// knows only the SLA engine's metrics and states, the values of the
// snapshot tables' enums.
package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ClickHouse types, spelled as DESCRIBE TABLE prints them.
const (
	String   = "String"
	UInt8    = "UInt8"
	UInt16   = "UInt16"
	UInt32   = "UInt32"
	UInt64   = "UInt64"
	Int32    = "Int32"
	Int64    = "Int64"
	Float64  = "Float64"
	DateTime = "DateTime('UTC')"
)

// Array is the type of an array of elem.
func Array(elem string) string { return "Array(" + elem + ")" }

// Enum8 is an Enum8 of the values, numbered from 1 in the order given: a
// value's number is what is stored, so new values go at the end.
func Enum8(values ...string) string {
	var b strings.Builder
	b.WriteString("Enum8(")
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(v) + " = " + strconv.Itoa(i+1))
	}
	return b.String() + ")"
}

// quote writes s as a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// Column is one column of a table.
type Column struct {
	Name string
	Type string
}

// Table is one table as the migrations leave it.
type Table struct {
	Name string
	// Engine is the single-node engine's name; Version its version column
	// (ReplacingMergeTree), "" if none. A cluster uses the Replicated
	// variant under a Distributed table (warehouse/cluster.go).
	Engine, Version string
	// PartitionBy is the partition key expression, "" if none.
	PartitionBy string
	// OrderBy is the sorting key's columns.
	OrderBy []string
	Columns []Column
}

// Names lists the table's columns in order.
func (t *Table) Names() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// List is the table's columns in order, comma-separated, less the
// columns named in except (a snapshot's generation, which its copies
// write as a literal).
func (t *Table) List(except ...string) string {
	names := slices.DeleteFunc(t.Names(), func(n string) bool { return slices.Contains(except, n) })
	return strings.Join(names, ", ")
}

// Column returns the named column.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Select checks a reader's column list against the table: it fails on a
// name the table does not have or a name given twice. The list comes back
// as given, in the order the reader scans it.
func (t *Table) Select(names ...string) ([]string, error) {
	if err := t.known(names); err != nil {
		return nil, err
	}
	return names, nil
}

// MustSelect is Select for column lists fixed in the code; a wrong name
// is a programming error, which every test of the package then reports.
func (t *Table) MustSelect(names ...string) []string {
	out, err := t.Select(names...)
	if err != nil {
		panic(err)
	}
	return out
}

func (t *Table) known(names []string) error {
	for i, n := range names {
		if _, ok := t.Column(n); !ok {
			return fmt.Errorf("schema: table %s has no column %q", t.Name, n)
		}
		if slices.Contains(names[:i], n) {
			return fmt.Errorf("schema: table %s: column %q given twice", t.Name, n)
		}
	}
	return nil
}

// Row orders one value per column of the table, given by column name, in
// the table's column order: the values of an insert of every column, or
// the scan targets of a read of every column. It fails when a column has
// no value or a value names no column, so a column added to the table
// cannot be left out of its writer or reader unnoticed.
func (t *Table) Row(byName map[string]any) ([]any, error) {
	out := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		v, ok := byName[c.Name]
		if !ok {
			return nil, fmt.Errorf("schema: table %s: no value for column %s", t.Name, c.Name)
		}
		out[i] = v
	}
	if len(byName) != len(t.Columns) {
		for name := range byName {
			if _, ok := t.Column(name); !ok {
				return nil, fmt.Errorf("schema: table %s has no column %q", t.Name, name)
			}
		}
	}
	return out, nil
}

// Observed is a table as a server describes it, to be compared with its
// declaration.
type Observed struct {
	Columns []Column // DESCRIBE TABLE, in order
	// from system.tables: engine, the engine's arguments as engine_full
	// begins with them ("version" of "ReplacingMergeTree(version) ..."),
	// partition_key and sorting_key
	Engine, EngineArgs, PartitionKey, SortingKey string
}

// EngineArgs takes the engine's arguments from the start of a
// system.tables engine_full: "" when the engine has none.
func EngineArgs(engine, engineFull string) string {
	rest, ok := strings.CutPrefix(engineFull, engine+"(")
	if !ok {
		return ""
	}
	args, _, _ := strings.Cut(rest, ")")
	return strings.TrimSpace(args)
}

// Diff lists how a server's table differs from the declaration, in
// words; none when they agree.
func (t *Table) Diff(got Observed) []string {
	out := t.diffColumns(got.Columns)
	if got.Engine != t.Engine || got.EngineArgs != t.Version {
		out = append(out, fmt.Sprintf("%s: engine is declared %s(%s), the migrations create %s(%s)", t.Name, t.Engine, t.Version, got.Engine, got.EngineArgs))
	}
	if got.PartitionKey != t.PartitionBy {
		out = append(out, fmt.Sprintf("%s: partition key is declared %q, the migrations create %q", t.Name, t.PartitionBy, got.PartitionKey))
	}
	if key := strings.Join(t.OrderBy, ", "); got.SortingKey != key {
		out = append(out, fmt.Sprintf("%s: sorting key is declared %q, the migrations create %q", t.Name, key, got.SortingKey))
	}
	return out
}

// Lookup returns the declared table of that name.
func Lookup(name string) (*Table, bool) {
	for _, t := range Tables {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// diffColumns names the columns only one side has, those whose types
// differ, and, when the columns both have are in another order, the first
// place they part.
func (t *Table) diffColumns(got []Column) []string {
	var out []string
	created := map[string]string{}
	for _, c := range got {
		created[c.Name] = c.Type
	}
	var declaredOrder, createdOrder []string
	for i, c := range t.Columns {
		typ, ok := created[c.Name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: column %s %s (declared as column %d) is created by no migration", t.Name, c.Name, c.Type, i+1))
			continue
		case typ != c.Type:
			out = append(out, fmt.Sprintf("%s: column %s is declared %s, the migrations create %s", t.Name, c.Name, c.Type, typ))
		}
		declaredOrder = append(declaredOrder, c.Name)
	}
	for i, c := range got {
		if _, ok := t.Column(c.Name); !ok {
			out = append(out, fmt.Sprintf("%s: column %s %s (column %d on the server) is created by the migrations but not declared", t.Name, c.Name, c.Type, i+1))
			continue
		}
		createdOrder = append(createdOrder, c.Name)
	}
	for i := range declaredOrder {
		if declaredOrder[i] != createdOrder[i] {
			out = append(out, fmt.Sprintf("%s: columns are declared in another order than the migrations create them: %s where the server has %s (declared %s; created %s)",
				t.Name, declaredOrder[i], createdOrder[i], strings.Join(declaredOrder, ", "), strings.Join(createdOrder, ", ")))
			break
		}
	}
	return out
}
