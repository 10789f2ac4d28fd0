package xlsx

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/reports"
)

func f(v float64) *float64 { return &v }

// A result with every column kind, hostile and non-Latin labels and a
// null, written and read back with excelize.
func TestResultRoundTrip(t *testing.T) {
	res := &reports.Result{
		Report: "demo", Title: "Tickets by tag", Zone: "Asia/Ho_Chi_Minh",
		From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600)), To: time.Date(2026, 3, 2, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600)),
		Columns: []reports.Column{
			{Name: "period", Label: "Period", Kind: reports.KindPeriod},
			{Name: "tag", Label: "Tag", Kind: reports.KindDimension},
			{Name: "created", Label: "Created", Kind: reports.KindCount},
			{Name: "median_s", Label: "Median", Kind: reports.KindSeconds},
			{Name: "pct", Label: "Compliance", Kind: reports.KindPercent},
			{Name: "hours", Label: "Hours", Kind: reports.KindHours},
		},
		Rows: [][]any{
			{"2026-03-01T00:00:00+07:00", `=HYPERLINK("http://evil.example","x")`, f(3), f(5400), f(87.5), f(1.25)},
			{"2026-03-01T00:00:00+07:00", "sự cố mạng", f(0), nil, nil, f(0)},
			{"2026-03-01T00:00:00+07:00", "+сбой", f(1), f(60), f(100), f(0.5)},
		},
	}
	wb := New()
	defer wb.Close()
	if err := wb.AddResult(res, "Tags"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := wb.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); len(got) != 1 || got[0] != "Tags" {
		t.Fatalf("sheets %v", got)
	}
	get := func(c string) string {
		v, err := x.GetCellValue("Tags", c, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if get("A1") != "Tickets by tag" || get("A2") != "Period: 2026-03-01 00:00 – 2026-03-02 00:00 (Asia/Ho_Chi_Minh, end exclusive)" {
		t.Errorf("title/period: %q %q", get("A1"), get("A2"))
	}
	if get("B4") != "Tag" || get("F4") != "Hours" {
		t.Errorf("header: %q %q", get("B4"), get("F4"))
	}
	// Text stays text: the formula-looking tag is a string, with no formula.
	if get("B5") != `=HYPERLINK("http://evil.example","x")` || get("B6") != "sự cố mạng" || get("B7") != "+сбой" {
		t.Errorf("labels: %q %q %q", get("B5"), get("B6"), get("B7"))
	}
	for _, c := range []string{"B5", "B7"} {
		if fm, _ := x.GetCellFormula("Tags", c); fm != "" {
			t.Errorf("%s became a formula: %q", c, fm)
		}
		if typ, _ := x.GetCellType("Tags", c); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v, want a string", c, typ)
		}
	}
	// Numbers as numbers: 5400 s = 1.5 h = 0.0625 days; 87.5% = 0.875.
	want := map[string]string{"C5": "3", "D5": "0.0625", "E5": "0.875", "F5": "1.25", "D6": "", "C6": "0"}
	for c, w := range want {
		if g := get(c); g != w {
			t.Errorf("%s = %q, want %q", c, g, w)
		}
	}
	// The period is the local midnight as an Excel date (46082 = 2026-03-01).
	if g := get("A5"); g != "46082" {
		t.Errorf("A5 = %q, want the serial of 2026-03-01", g)
	}
	if s, _ := x.GetCellValue("Tags", "D5"); s != "1:30:00" {
		t.Errorf("duration shown as %q", s)
	}
	panes, err := x.GetPanes("Tags")
	if err != nil || !panes.Freeze || panes.YSplit != headRows {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	tables, err := x.GetTables("Tags")
	if err != nil || len(tables) != 1 || tables[0].Range != "A4:F7" {
		t.Errorf("autofilter table: %+v %v", tables, err)
	}
}

// Rows past a sheet's limit continue on a next sheet with the header again.
func TestRowsContinueOnANextSheet(t *testing.T) {
	wb := New()
	defer wb.Close()
	wb.maxRows = headRows + 3 // three data rows per sheet
	var rows [][]any
	for i := 0; i < 8; i++ {
		rows = append(rows, []any{fmt.Sprint("T", i), f(float64(i))})
	}
	sh := Sheet{Name: "Entries", Title: "Entries", Period: "p", Zone: time.UTC,
		Columns: []reports.Column{{Name: "ticket", Label: "Ticket", Kind: reports.KindText}, {Name: "n", Label: "N", Kind: reports.KindCount}}}
	n, err := wb.AddSheet(sh, SliceRows(rows), nil)
	if err != nil || n != 8 {
		t.Fatalf("%d rows, %v", n, err)
	}
	var buf bytes.Buffer
	if _, err := wb.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := fmt.Sprint(x.GetSheetList()); got != "[Entries Entries (2) Entries (3)]" {
		t.Fatalf("sheets %s", got)
	}
	var seen []string
	for _, s := range x.GetSheetList() {
		if h, _ := x.GetCellValue(s, "A4"); h != "Ticket" {
			t.Errorf("%s header %q", s, h)
		}
		all, _ := x.GetRows(s)
		for _, r := range all[headRows:] {
			seen = append(seen, r[0])
		}
	}
	if fmt.Sprint(seen) != "[T0 T1 T2 T3 T4 T5 T6 T7]" {
		t.Fatalf("rows across sheets: %v", seen)
	}
}
