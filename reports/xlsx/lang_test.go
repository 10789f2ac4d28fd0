package xlsx

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

// A sheet in Russian: its name, title, period line, headers, canonical
// values and date format are Russian; names from the data stay as written.
func TestSheetInTheWorkbooksLanguage(t *testing.T) {
	res := &reports.Result{Report: "volume", Title: "Ticket volume", Zone: "UTC",
		From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC),
		Columns: []reports.Column{{Name: "period", Label: "Period", Kind: reports.KindPeriod}, {Name: "priority", Label: "Priority", Kind: reports.KindDimension},
			{Name: "agent", Label: "Agent", Kind: reports.KindDimension}, {Name: "created", Label: "Created", Kind: reports.KindCount}},
		Rows: [][]any{{"2026-03-01T00:00:00Z", "urgent", "Иван", f(3)}, {"2026-03-01T00:00:00Z", "", "high", f(1)}}}
	res.Previous = &reports.Result{From: res.From.AddDate(0, 0, -7), To: res.From, Rows: [][]any{}}
	wb := NewIn(i18n.Russian)
	if err := wb.AddResult(res, i18n.Russian.T(res.Title)); err != nil {
		t.Fatal(err)
	}
	x := reopen(t, wb)
	defer x.Close()
	if got := x.GetSheetList(); !slices.Equal(got, []string{"Поток заявок", "Поток заявок (пред.)"}) {
		t.Errorf("sheets %q", got)
	}
	cell := func(c string) string {
		v, _ := x.GetCellValue("Поток заявок", c)
		return v
	}
	for c, want := range map[string]string{
		"A1": "Поток заявок", "A2": "Период: 01.03.2026 00:00 – 08.03.2026 00:00 (UTC, конец не включён)",
		"A4": "Период", "B4": "Приоритет", "C4": "Сотрудник", "D4": "Создано",
		"B5": "Срочный", "C5": "Иван", "B6": "", "C6": "high", // an agent named "high" is a name
	} {
		if got := cell(c); got != want {
			t.Errorf("%s = %q, want %q", c, got, want)
		}
	}
	if got := numFmt(t, x, "Поток заявок", "A5"); got != "dd.mm.yyyy hh:mm" {
		t.Errorf("period format %q", got)
	}
	if v, _ := x.GetCellValue("Поток заявок (пред.)", "A1"); v != "Поток заявок (предыдущий период)" {
		t.Errorf("previous sheet title %q", v)
	}
}

// A workbook of one tenant's result (an e-mailed report of a desk, an
// export with tenant=) names statuses by the desk's labels, and by the
// localised canonical name where a ticket has none; of several tenants,
// by the canonical names.
func TestOneTenantsSheetSpeaksTheDesksWords(t *testing.T) {
	cols := []reports.Column{{Name: "tenant", Label: "Tenant", Kind: reports.KindDimension},
		{Name: "status", Label: "Status", Kind: reports.KindDimension}, {Name: "status_label", Label: "Status label", Kind: reports.KindDimension}}
	rows := func() [][]any { return [][]any{{"portal", "open", "KH Đã phản hồi"}, {"portal", "pending", ""}} }
	for _, tc := range []struct {
		tenant string
		want   map[string]string
	}{
		{"portal", map[string]string{"B4": "Trạng thái", "C4": "", "B5": "KH Đã phản hồi", "B6": "Chờ khách hàng"}},
		{"", map[string]string{"B4": "Trạng thái", "C4": "", "B5": "Đang xử lý", "B6": "Chờ khách hàng"}},
	} {
		res := &reports.Result{Report: "backlog", Title: "Backlog and aging", Zone: "UTC", Tenant: tc.tenant,
			Columns: cols, Rows: rows(), Page: &reports.ListPage{Number: 1, Size: 2, Total: 2, Pages: 1}}
		wb := NewIn(i18n.Vietnamese)
		if err := wb.AddResult(res, "backlog"); err != nil {
			t.Fatal(err)
		}
		x := reopen(t, wb)
		for c, want := range tc.want {
			if got, _ := x.GetCellValue("backlog", c); got != want {
				t.Errorf("tenant %q: %s = %q, want %q", tc.tenant, c, got, want)
			}
		}
		x.Close()
	}
}

// A report with its previous period is two sheets in every language, even
// where the title is longer than Excel's 31 characters ("Tỷ lệ giải quyết
// một lần và mở lại"): the name is cut with "…" and keeps the previous
// period's mark, so the two never share a sheet.
func TestLongTitlesKeepTheirPreviousSheet(t *testing.T) {
	for _, name := range reports.Names() {
		rep, _ := reports.Lookup(name)
		for _, lang := range i18n.Langs {
			for _, title := range []string{rep.Title, rep.Title + ": tickets"} {
				res := &reports.Result{Report: name, Title: title, Zone: "UTC",
					From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC),
					Columns: []reports.Column{{Name: "created", Label: "Created", Kind: reports.KindCount}},
					Rows:    [][]any{{f(1)}}}
				res.Previous = &reports.Result{From: res.From.AddDate(0, 0, -7), To: res.From, Rows: [][]any{{f(2)}}}
				wb := NewIn(lang)
				if err := wb.AddResult(res, lang.T(title)); err != nil {
					t.Fatal(err)
				}
				x := reopen(t, wb)
				sheets := x.GetSheetList()
				x.Close()
				suffix := strings.TrimPrefix(lang.T("%s (previous)", ""), "%s")
				if len(sheets) != 2 || utf8.RuneCountInString(sheets[0]) > 31 || utf8.RuneCountInString(sheets[1]) > 31 ||
					!strings.HasSuffix(sheets[1], suffix) {
					t.Errorf("%s %q: sheets %q", lang, lang.T(title), sheets)
				}
			}
		}
	}
}
