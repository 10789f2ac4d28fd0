package schema

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slatehq/slate/sla"
)

func TestEnum8NumbersValuesInOrder(t *testing.T) {
	if got, want := Enum8("a", "it's"), `Enum8('a' = 1, 'it\'s' = 2)`; got != want {
		t.Errorf("Enum8: %s, want %s", got, want)
	}
}

// The snapshots' enums are the SLA engine's lists: a metric or state the
// engine gains is in the declaration at once, and the agreement tests
// (warehouse, internal/compat) fail until a migration adds it.
func TestSnapshotEnumsAreTheEngines(t *testing.T) {
	for _, table := range []*Table{SnapshotSLA, SnapshotSLACycles} {
		metric, _ := table.Column("metric")
		state, _ := table.Column("state")
		for i, m := range sla.AllMetrics() {
			if want := "'" + string(m) + "' = " + strconv.Itoa(i+1); !strings.Contains(metric.Type, want) {
				t.Errorf("%s.metric %s lacks %s", table.Name, metric.Type, want)
			}
		}
		for _, s := range sla.States {
			if !strings.Contains(state.Type, "'"+string(s)+"' = ") {
				t.Errorf("%s.state %s lacks %s", table.Name, state.Type, s)
			}
		}
	}
}

func TestRowOrdersByColumnAndNamesWhatIsWrong(t *testing.T) {
	tab := &Table{Name: "t", Columns: []Column{{"a", String}, {"b", UInt8}}}
	row, err := tab.Row(map[string]any{"b": 2, "a": 1})
	if err != nil || !slices.Equal(row, []any{1, 2}) {
		t.Errorf("Row: %v, %v", row, err)
	}
	if _, err := tab.Row(map[string]any{"a": 1}); err == nil || !strings.Contains(err.Error(), "no value for column b") {
		t.Errorf("a missing column: %v", err)
	}
	if _, err := tab.Row(map[string]any{"a": 1, "b": 2, "c": 3}); err == nil || !strings.Contains(err.Error(), `no column "c"`) {
		t.Errorf("an unknown column: %v", err)
	}
	if got, err := tab.Select("b", "a"); err != nil || !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("Select: %v, %v", got, err)
	}
	if _, err := tab.Select("a", "x"); err == nil {
		t.Error("Select of an unknown column: no error")
	}
	if _, err := tab.Select("a", "a"); err == nil {
		t.Error("Select of a column twice: no error")
	}
	if got := tab.List("a"); got != "b" {
		t.Errorf("List: %q", got)
	}
}

func TestDiff(t *testing.T) {
	tab := &Table{Name: "t", Engine: "ReplacingMergeTree", Version: "v", PartitionBy: "p", OrderBy: []string{"a", "b"},
		Columns: []Column{{"a", String}, {"b", UInt8}, {"v", UInt64}}}
	same := Observed{Columns: slices.Clone(tab.Columns), Engine: "ReplacingMergeTree",
		EngineArgs:   EngineArgs("ReplacingMergeTree", "ReplacingMergeTree(v) PARTITION BY p ORDER BY (a, b) SETTINGS index_granularity = 8192"),
		PartitionKey: "p", SortingKey: "a, b"}
	if d := tab.Diff(same); len(d) != 0 {
		t.Errorf("same table: %q", d)
	}
	for name, change := range map[string]func(o *Observed){
		"type":      func(o *Observed) { o.Columns[1].Type = UInt16 },
		"extra":     func(o *Observed) { o.Columns = append(o.Columns, Column{"c", String}) },
		"missing":   func(o *Observed) { o.Columns = o.Columns[:2] },
		"order":     func(o *Observed) { o.Columns[0], o.Columns[1] = o.Columns[1], o.Columns[0] },
		"engine":    func(o *Observed) { o.Engine = "MergeTree" },
		"version":   func(o *Observed) { o.EngineArgs = "" },
		"partition": func(o *Observed) { o.PartitionKey = "" },
		"sorting":   func(o *Observed) { o.SortingKey = "a" },
	} {
		o := same
		o.Columns = slices.Clone(same.Columns)
		change(&o)
		if d := tab.Diff(o); len(d) == 0 {
			t.Errorf("%s: no difference found", name)
		}
	}
	if got := EngineArgs("MergeTree", "MergeTree PARTITION BY generation"); got != "" {
		t.Errorf("EngineArgs of no arguments: %q", got)
	}
}

func TestAgreeNamesTablesOnOneSideOnly(t *testing.T) {
	observed := map[string]Observed{"extra": {}, "slate_migrations": {}}
	d := Agree(observed, "slate_migrations")
	if len(d) != len(Tables)+1 || !strings.HasPrefix(d[len(d)-1], "extra: created by the migrations but not declared") {
		t.Errorf("Agree: %q", d)
	}
}

func TestDeclarationsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, tab := range Tables {
		if seen[tab.Name] {
			t.Errorf("table %s declared twice", tab.Name)
		}
		seen[tab.Name] = true
		names := tab.Names()
		for i, n := range names {
			if slices.Contains(names[:i], n) {
				t.Errorf("%s: column %s declared twice", tab.Name, n)
			}
		}
		for _, k := range append(slices.Clone(tab.OrderBy), tab.Version) {
			if _, ok := tab.Column(k); !ok && k != "" {
				t.Errorf("%s: key column %s is not declared", tab.Name, k)
			}
		}
	}
}
