package reports

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/warehouse/schema"
)

// The registry's INSERT SELECT names every report_snapshots column, in the
// declaration's order, and converts each bound value to that column's type.
func TestRegisterCallConvertsEachValueToItsColumnsType(t *testing.T) {
	snap := Snapshot{Generation: 42, AsOf: time.Unix(1700000000, 0), Seconds: 2.5, ReadAt: time.Unix(1700000100, 0), Layers: []uint64{40, 42}}
	now := time.Unix(1700000200, 0)
	call, err := registerCall("db", snap, now)
	if err != nil {
		t.Fatal(err)
	}
	head, selects, ok := strings.Cut(call.SQL, ") SELECT ")
	if !ok {
		t.Fatalf("not an INSERT SELECT: %s", call.SQL)
	}
	cols := strings.Split(strings.TrimPrefix(head, "INSERT INTO db.report_snapshots ("), ", ")
	exprs := splitExprs(selects)
	conversion := map[string]string{
		schema.UInt8: "toUInt8(?)", schema.UInt64: "toUInt64(?)", schema.Float64: "toFloat64(?)",
		schema.DateTime: "toDateTime(?, 'UTC')", schema.Array(schema.UInt64): "CAST(? AS Array(UInt64))",
	}
	want := map[string]any{"generation": snap.Generation, "as_of": snap.AsOf.Unix(), "built_at": now.Unix(),
		"seconds": snap.Seconds, "read_at": snap.ReadAt.Unix(), "layout": uint8(snapshotLayout)}
	if len(cols) != len(schema.ReportSnapshots.Columns) || len(exprs) != len(cols) || len(call.Args) != len(cols) {
		t.Fatalf("%d columns, %d expressions, %d arguments; the table has %d columns: %s",
			len(cols), len(exprs), len(call.Args), len(schema.ReportSnapshots.Columns), call.SQL)
	}
	for i, c := range schema.ReportSnapshots.Columns {
		if cols[i] != c.Name {
			t.Errorf("column %d is %s, want %s", i, cols[i], c.Name)
		}
		if exprs[i] != conversion[c.Type] {
			t.Errorf("%s (%s) is inserted as %s, want %s", c.Name, c.Type, exprs[i], conversion[c.Type])
		}
		if c.Name == "layers" {
			if !slices.Equal(call.Args[i].([]uint64), snap.Layers) {
				t.Errorf("layers are bound to %v, want %v", call.Args[i], snap.Layers)
			}
			continue
		}
		if call.Args[i] != want[c.Name] {
			t.Errorf("%s is bound to %v (%T), want %v (%T)", c.Name, call.Args[i], call.Args[i], want[c.Name], want[c.Name])
		}
	}
}

// splitExprs splits a SELECT list at its top-level commas.
func splitExprs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// A delta build that took long spaces the next one out; a full build or
// a compaction, a base alone, does not.
func TestNextBuildWait(t *testing.T) {
	delta := Snapshot{Layers: []uint64{1, 2}}
	base := Snapshot{Layers: []uint64{3}}
	for _, c := range []struct {
		sn   Snapshot
		took time.Duration
		want time.Duration
	}{
		{delta, time.Second, 4 * time.Second},       // within the interval: the rest of it
		{delta, 10 * time.Second, 20 * time.Second}, // thrice its duration in all
		{base, 50 * time.Second, 5 * time.Second},
	} {
		if got := nextBuildWait(5*time.Second, c.sn, c.took); got != c.want {
			t.Errorf("after %v over %v: wait %v, want %v", c.took, c.sn.Layers, got, c.want)
		}
	}
}
