package main

import (
	"bytes"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

// testFiguresManagersRead checks the pages against the API where a
// manager, a finance person or an executive would misread them: agents
// who solved nothing, a previous period without data, money across
// currencies, and the time of a list of now.
func testFiguresManagersRead(t *testing.T, s *served) {
	t.Run("agents who solved nothing are listed", func(t *testing.T) { testZeroSolveAgents(t, s) })
	t.Run("a previous period without data says so", func(t *testing.T) { testNoDataPrevious(t, s) })
	t.Run("money per currency", func(t *testing.T) { testFinancePerCurrency(t, s) })
	t.Run("a list of now is in its zone", func(t *testing.T) { testNowListZone(t, s) })
}

// page fetches a dashboard page's HTML.
func (s *served) page(t *testing.T, role auth.Role, path string) string {
	t.Helper()
	code, _, body := s.get(t, s.tokens[role], path)
	if code != 200 {
		t.Fatalf("%s: %d %.500s", path, code, body)
	}
	return string(body)
}

// section is the HTML of the page's table section titled title.
func section(t *testing.T, page, title string) string {
	t.Helper()
	i := strings.Index(page, "<h2>"+html.EscapeString(title))
	if i < 0 {
		t.Fatalf("no table %q on the page", title)
	}
	rest := page[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func column(r apiResult, name string) int {
	return slices.IndexFunc(r.Columns, func(c struct{ Name, Kind string }) bool { return c.Name == name })
}

func testZeroSolveAgents(t *testing.T, s *served) {
	mgr := s.tokens[auth.RoleManager]
	// A day on which some agents had work but solved nothing.
	var window string
	var idle []string
	for d := 0; d < 20 && len(idle) == 0; d++ {
		day := time.Date(2026, 1, 5+d, 0, 0, 0, 0, time.UTC)
		window = "from=" + day.Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, 1).Format(time.DateOnly)
		ap := s.report(t, mgr, "/api/v1/reports/agent_performance?"+window)
		ai, si := column(ap, "agent"), column(ap, "solved")
		solvers := 0
		idle = nil
		for _, row := range ap.Rows {
			if n, _ := row[si].(float64); n == 0 && row[ai] != "" {
				idle = append(idle, row[ai].(string))
			} else if n > 0 {
				solvers++
			}
		}
		if solvers == 0 {
			idle = nil
		}
	}
	if len(idle) == 0 {
		t.Fatal("fixture: no day with both agents who solved and agents who solved nothing")
	}
	p := s.page(t, auth.RoleManager, "/dashboards/manager?"+window)
	table := section(t, p, "Agent performance")
	chart := island(t, p, "agents")
	for _, agent := range idle {
		if !strings.Contains(table, "<td>"+html.EscapeString(agent)+"</td>") {
			t.Errorf("%s: agent %q solved nothing and is missing from the agent table", window, agent)
		}
		if !strings.Contains(chart, agent) {
			t.Errorf("%s: agent %q solved nothing and is missing from the agent chart", window, agent)
		}
	}
}

// island is the JSON option of one chart of a page, as text.
func island(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="opt-` + id + `">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no chart %s on the page", id)
	}
	var v any
	if err := json.Unmarshal([]byte(m[1]), &v); err != nil {
		t.Fatalf("chart %s: %v", id, err)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // names as they are, for Contains
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func testNoDataPrevious(t *testing.T, s *served) {
	viewer := s.tokens[auth.RoleViewer]
	days := s.report(t, viewer, "/api/v1/reports/volume?from=2025-12-01&to=2026-02-01&grain=day")
	pi, ci := column(days, "period"), column(days, "created")
	var first time.Time
	for _, row := range days.Rows {
		if n, _ := row[ci].(float64); n > 0 {
			first, _ = time.Parse(time.RFC3339, row[pi].(string))
			break
		}
	}
	if first.IsZero() || first.Before(time.Date(2025, 12, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("fixture: first day with tickets %s, want one after a week without", first)
	}
	// The week from the first day with data, against the week before it.
	window := "from=" + first.Format(time.DateOnly) + "&to=" + first.AddDate(0, 0, 7).Format(time.DateOnly)
	var withPrev struct {
		Previous struct{ Rows [][]any } `json:"previous"`
	}
	_, _, body := s.get(t, viewer, "/api/v1/reports/volume?"+window+"&compare=previous")
	if err := json.Unmarshal(body, &withPrev); err != nil || len(withPrev.Previous.Rows) != 1 {
		t.Fatalf("previous period: %v %.300s", err, body)
	}
	for i, c := range withPrev.Previous.Rows[0] {
		if c != nil {
			t.Errorf("API: the previous period without data has column %d = %v, want null", i, c)
		}
	}
	p := s.page(t, auth.RoleViewer, "/dashboards/leadership?"+window)
	rows := regexp.MustCompile(`(?s)<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>`).FindAllStringSubmatch(p, -1)
	if len(rows) < 5 {
		t.Fatalf("leadership page: %d headline rows", len(rows))
	}
	for _, r := range rows {
		if r[3] != reports.NoData {
			t.Errorf("leadership: %s previous %q, want %q", r[1], r[3], reports.NoData)
		}
	}
	code, _, book := s.get(t, viewer, "/api/v1/exports/leadership?"+window)
	if code != 200 {
		t.Fatalf("leadership workbook: %d", code)
	}
	x, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for r := 5; r < 5+len(rows); r++ {
		label, _ := x.GetCellValue("Summary", "A"+strconv.Itoa(r))
		if prev, _ := x.GetCellValue("Summary", "C"+strconv.Itoa(r)); prev != reports.NoData {
			t.Errorf("leadership workbook: %s previous %q, want %q", label, prev, reports.NoData)
		}
	}
}

func testFinancePerCurrency(t *testing.T, s *served) {
	fin := s.tokens[auth.RoleFinance]
	totals := s.report(t, fin, "/api/v1/reports/billable?"+span)
	cu, bh, am := column(totals, "currency"), column(totals, "billable_hours"), column(totals, "amount")
	type total struct{ hours, amount float64 }
	byCur := map[string]total{}
	most := ""
	for _, row := range totals.Rows {
		c := row[cu].(string)
		h, _ := row[bh].(float64)
		a, _ := row[am].(float64)
		byCur[c] = total{h, a}
		if c != "" && (most == "" || h > byCur[most].hours || h == byCur[most].hours && c < most) {
			most = c
		}
	}
	if len(byCur) < 3 {
		t.Fatalf("fixture: currencies %v, want several", byCur)
	}
	p := s.page(t, auth.RoleFinance, "/dashboards/finance?"+span)
	// Each currency's total is on the page, in its own decimals.
	for c, tot := range byCur {
		if c == "" {
			continue
		}
		amount := reports.NumbersFor(i18n.English).Amount(tot.amount, c) // "$1,234.50", "₫4,575,472"
		tile := `<div class="v">` + amount + `</div><div class="l">Amount, ` + c + " ("
		if !strings.Contains(p, tile) {
			t.Errorf("finance page lacks the %s total %s", c, amount)
		}
	}
	// The organisation ranking is of one currency: by default the one
	// with the most billable hours.
	checkRanking := func(p, want string) {
		t.Helper()
		table := section(t, p, "Billable time by organisation ("+want+")")
		cells := regexp.MustCompile(`<tr><td>([^<]*)</td><td>([^<]*)</td>`).FindAllStringSubmatch(table, -1)
		if len(cells) == 0 {
			t.Fatalf("organisation table in %s is empty", want)
		}
		for _, c := range cells {
			if c[1] != want {
				t.Errorf("the %s ranking holds a %q row", want, c[1])
			}
		}
		if !strings.Contains(p, `<option value="`+want+`" selected>`) {
			t.Errorf("the currency selector does not show %s", want)
		}
		for _, id := range []string{"billable_customer", "billable_agent", "billable_group"} {
			if ch := island(t, p, id); !strings.Contains(ch, "currency="+want) {
				t.Errorf("chart %s does not drill into %s: %.300s", id, want, ch)
			}
		}
	}
	// The finance workbook has each currency's totals, as the API.
	code, _, book := s.get(t, fin, "/api/v1/exports/finance?"+span)
	if code != 200 {
		t.Fatalf("finance workbook: %d", code)
	}
	sameCells(t, "finance workbook by currency", sheetRowsNamed(t, book, "By currency"), totals)
	checkRanking(p, most)
	for c := range byCur {
		if c != "" && c != most {
			checkRanking(s.page(t, auth.RoleFinance, "/dashboards/finance?"+span+"&currency="+url.QueryEscape(c)), c)
			break
		}
	}
}

func testNowListZone(t *testing.T, s *served) {
	zone, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	before := time.Now().In(zone)
	p := s.page(t, auth.RoleManager, "/dashboards/tickets?report=backlog&measure=open&tz=Asia/Ho_Chi_Minh")
	after := time.Now().In(zone)
	ok := false
	for _, at := range []time.Time{before, after} {
		ok = ok || strings.Contains(p, "now ("+at.Format("2006-01-02 15:04")+" Asia/Ho_Chi_Minh)")
	}
	if !ok {
		t.Errorf("the backlog list does not state now in Asia/Ho_Chi_Minh (%s): %.400s", before.Format("15:04"), section(t, p, "Backlog and aging: tickets"))
	}
}
