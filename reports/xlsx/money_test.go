package xlsx

import (
	"bytes"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/reports"
)

// numFmt is the custom number format of a cell.
func numFmt(t *testing.T, x *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := x.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := x.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

func reopen(t *testing.T, wb *Workbook) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if _, err := wb.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// Amounts carry their row's currency's decimals: VND none, USD two.
func TestAmountsInTheirCurrencysFormat(t *testing.T) {
	res := &reports.Result{Report: "billable", Title: "Billable", Zone: "UTC",
		Columns: []reports.Column{
			{Name: "currency", Label: "Currency", Kind: reports.KindDimension},
			{Name: "hours", Label: "Hours", Kind: reports.KindHours},
			{Name: "amount", Label: "Amount", Kind: reports.KindMoney},
		},
		Rows: [][]any{{"VND", f(2), f(1234567)}, {"USD", f(3), f(1234.5)}, {"KWD", f(1), f(1.2345)}},
	}
	wb := New()
	defer wb.Close()
	if err := wb.AddResult(res, "Billable"); err != nil {
		t.Fatal(err)
	}
	x := reopen(t, wb)
	defer x.Close()
	for cell, want := range map[string]string{"C5": "#,##0", "C6": "#,##0.00", "C7": "#,##0.000", "B5": "#,##0.00"} {
		if got := numFmt(t, x, "Billable", cell); got != want {
			t.Errorf("%s: number format %q, want %q", cell, got, want)
		}
	}
}

// The leadership sheet: a previous period without data reads "no data",
// a percentage changes in points, a count in percent.
func TestLeadershipChangesAndNoData(t *testing.T) {
	sum := &reports.Summary{Zone: "UTC", Headlines: []reports.Headline{
		{Label: "Tickets created", Kind: reports.KindCount, Current: f(90), Previous: f(120)},
		{Label: "SLA compliance", Kind: reports.KindPercent, Current: f(90.9), Previous: f(94.4)},
		{Label: "Reopens", Kind: reports.KindCount, Current: f(5), Previous: nil},
	}}
	wb := New()
	defer wb.Close()
	if err := wb.ensureStyles(); err != nil {
		t.Fatal(err)
	}
	if err := wb.summarySheet(sum, time.UTC); err != nil {
		t.Fatal(err)
	}
	x := reopen(t, wb)
	defer x.Close()
	const summarySheet = "Summary"
	val := func(c string) string {
		v, _ := x.GetCellValue(summarySheet, c, excelize.Options{RawCellValue: true})
		return v
	}
	if val("D5") != "-0.25" || numFmt(t, x, summarySheet, "D5") != `+0.0%;"−"0.0%;0.0%` {
		t.Errorf("count change: %q %q", val("D5"), numFmt(t, x, summarySheet, "D5"))
	}
	if v, err := strconv.ParseFloat(val("D6"), 64); err != nil || math.Abs(v+3.5) > 1e-9 {
		t.Errorf("compliance change %q, want -3.5 (points)", val("D6"))
	}
	if got := numFmt(t, x, summarySheet, "D6"); got != `+0.0" pts";"−"0.0" pts";0.0" pts"` {
		t.Errorf("compliance change format %q", got)
	}
	if val("C7") != reports.NoData || val("D7") != "" {
		t.Errorf("previous without data: %q, change %q", val("C7"), val("D7"))
	}
}
