package warehouse_test

import (
	"context"
	"strings"
	"testing"

	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/schema"
)

// TestEnumGainsValuesInPlace: a migration may give an enum column new
// values with ALTER ... MODIFY COLUMN (what a new SLA metric needs in the
// snapshot tables, where metric is in the sorting key): rows stored before
// keep their values, the statement run again changes nothing, and the new
// value can be stored. internal/compat runs the same on current ClickHouse.
func TestEnumGainsValuesInPlace(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	exec := func(sql string) {
		t.Helper()
		if err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	table := o.Database + ".enum_widening"
	insert := func(k uint32, e string) {
		t.Helper()
		b, err := conn.PrepareBatch(ctx, "INSERT INTO "+table+" (k, e)")
		if err == nil {
			if err = b.Append(k, e); err == nil {
				err = b.Send()
			}
		}
		if err != nil {
			t.Fatalf("insert %d %s: %v", k, e, err)
		}
	}
	exec("CREATE TABLE " + table + " (k UInt32, e " + schema.Enum8("a", "b") + ") ENGINE = MergeTree ORDER BY (e, k)")
	insert(1, "a")
	insert(2, "b")
	widen := "ALTER TABLE {{.DB}}.enum_widening{{onCluster}} MODIFY COLUMN e " + schema.Enum8("a", "b", "c") + ";\n"
	for range 2 { // a second migrator, or a re-run, changes nothing
		if err := warehouse.ApplyMigrationText(ctx, conn, o, widen); err != nil {
			t.Fatal(err)
		}
	}
	insert(3, "c")
	rows, err := textQuery(conn)("SELECT toString(k), toString(e), toString(toInt8(e)) FROM " + table + " ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join(r, " "))
	}
	if want := "1 a 1, 2 b 2, 3 c 3"; strings.Join(got, ", ") != want {
		t.Errorf("rows %q, want %s", got, want)
	}
	observed, err := schema.Observe(textQuery(conn), o.Database)
	if err != nil {
		t.Fatal(err)
	}
	if cols := observed["enum_widening"].Columns; len(cols) != 2 || cols[1].Type != schema.Enum8("a", "b", "c") {
		t.Errorf("columns after the change: %v", cols)
	}
}
