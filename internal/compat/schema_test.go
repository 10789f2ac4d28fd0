package compat

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/schema"
)

// TestMigrationsAgreeWithSchemaOnCurrentClickHouse applies the single-node
// migrations to chDB and compares what they create with package schema,
// as warehouse's TestMigrationsAgreeWithSchema does on 18.16: the same
// declaration must hold on both (a type or key current releases spell
// differently would show here).
func TestMigrationsAgreeWithSchemaOnCurrentClickHouse(t *testing.T) {
	ch := startChDB(t, "")
	o := warehouse.Options{Database: "slate"}
	migs, err := warehouse.Migrations(o)
	if err != nil {
		t.Fatal(err)
	}
	if a := ch.run("CREATE DATABASE IF NOT EXISTS "+o.Database, nil, false); !a.OK {
		t.Fatal(a.Error)
	}
	for _, m := range migs {
		for _, st := range m.Statements {
			if a := ch.run(st, nil, false); !a.OK {
				t.Fatalf("migration %04d_%s on %s: %s\n%s", m.Version, m.Name, ch.version, a.Error, st)
			}
		}
	}
	observed, err := schema.Observe(func(sql string) ([][]string, error) {
		a := ch.run(sql, nil, true)
		if !a.OK {
			return nil, fmt.Errorf("%s", a.Error)
		}
		var rows [][]string
		for _, line := range strings.Split(strings.TrimSuffix(a.Out, "\n"), "\n") {
			if line == "" {
				continue
			}
			fields := strings.Split(line, "\t")
			for i, f := range fields {
				fields[i] = unescapeTSV(f)
			}
			rows = append(rows, fields)
		}
		return rows, nil
	}, o.Database)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range schema.Agree(observed) {
		t.Errorf("%s: %s", ch.version, d)
	}
}

// unescapeTSV reads a field of TabSeparated output, where a type's quotes
// come escaped (Enum8(\'first_reply\' = 1, ...)).
func unescapeTSV(field string) string {
	var b strings.Builder
	escaped := false
	for _, r := range field {
		switch {
		case escaped:
			switch r {
			case 't':
				r = '\t'
			case 'n':
				r = '\n'
			}
			b.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestEnumGainsValuesInPlaceOnCurrentClickHouse is warehouse's
// TestEnumGainsValuesInPlace on chDB: an enum in the sorting key gains a
// value by MODIFY COLUMN, twice, keeping the stored rows.
func TestEnumGainsValuesInPlaceOnCurrentClickHouse(t *testing.T) {
	ch := startChDB(t, "")
	widen := "ALTER TABLE slate.enum_widening MODIFY COLUMN e " + schema.Enum8("a", "b", "c")
	for _, st := range []string{
		"CREATE DATABASE IF NOT EXISTS slate",
		"CREATE TABLE slate.enum_widening (k UInt32, e " + schema.Enum8("a", "b") + ") ENGINE = MergeTree ORDER BY (e, k)",
		"INSERT INTO slate.enum_widening (k, e) VALUES (1, 'a'), (2, 'b')",
		widen, widen,
		"INSERT INTO slate.enum_widening (k, e) VALUES (3, 'c')",
	} {
		if a := ch.run(st, nil, false); !a.OK {
			t.Fatalf("%s: %s", st, a.Error)
		}
	}
	a := ch.run("SELECT k, e, toInt8(e) FROM slate.enum_widening ORDER BY k", nil, true)
	if want := "1\ta\t1\n2\tb\t2\n3\tc\t3\n"; !a.OK || a.Out != want {
		t.Errorf("rows %q (%s), want %q", a.Out, a.Error, want)
	}
}
