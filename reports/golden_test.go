package reports

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The golden-SQL tier: for every catalog entry and a grid of requests,
// the statements the report runs (plan.go) and their bound arguments, over
// the live tables and over a snapshot generation, are pinned in
// testdata/golden/<report>/<case>.sql. No database is needed. A change
// to the SQL shows as a diff of those files; rewrite them with
//
//	go test -short ./reports -run Golden -update
//
// and review the diff. The grid is built from the catalog, so a new
// report or measure gets its files by that command, and a test run fails
// until they exist.

var updateGolden = flag.Bool("update", false, "rewrite the golden SQL files under testdata/golden")

const goldenDir = "testdata/golden"

// goldenNow is the request time of every golden case.
var goldenNow = time.Date(2026, 3, 18, 10, 17, 0, 0, time.UTC)

// goldenCase is one request of the grid.
type goldenCase struct {
	name    string
	params  url.Values
	scope   Scope
	measure string // a drill-down of this measure ("" with drill: the first)
	drill   bool
	entries bool // the finance workbook's time entries (TimeEntries)
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// with is v plus kv.
func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	for k, vs := range vals(kv...) {
		out[k] = append(out[k], vs...)
	}
	return out
}

// goldenCases is the grid for one report, from its catalog entry: its
// grains, zones, groupings, a filter of each kind and on each of its own
// dimensions, compare, scope, top, and a drill-down of each measure.
func goldenCases(r *Report) []goldenCase {
	month := vals(ParamFrom, "2026-02-01", ParamTo, "2026-03-01")
	scope := Scope{Tenants: []string{"acme", "globex"}, Groups: []string{"billing"}}
	if r.List {
		filter := vals("priority", "urgent", "priority", "high")
		if slices.Contains(r.Dimensions, DimMetric) {
			filter = with(filter, "metric", "resolution")
		}
		cs := []goldenCase{
			{name: "list", params: url.Values{}},
			{name: "list-horizon-24h-page-2", params: vals(ParamHorizon, "24h", ParamPage, "2", ParamLimit, "20")},
			{name: "list-filter-metric-priority", params: filter},
			{name: "list-scope", params: vals("group", "billing"), scope: scope},
			{name: "list-tz-kolkata", params: vals(ParamTZ, "Asia/Kolkata")},
		}
		if slices.Contains(r.Dimensions, DimAgentRole) {
			cs = append(cs, goldenCase{name: "list-agent-role-creator", params: vals("agent", "an", "agent_role", "supporting", "creator", "op")})
		}
		return cs
	}
	own := slices.DeleteFunc(slices.Clone(r.Dimensions), func(d Dimension) bool {
		return slices.Contains(TicketDimensions, d) || slices.Contains(r.Fixed, d)
	})
	cs := []goldenCase{
		{name: "total", params: month},
		{name: "group-tag", params: with(month, ParamGroupBy, "tag")},
		{name: "group-status-channel", params: with(month, ParamGroupBy, "status,channel")},
		{name: "filter-closed-sets", params: with(month, "priority", "high", "priority", "urgent", "status", "open")},
		{name: "group-status-label", params: with(month, ParamGroupBy, "status,status_label")},
		{name: "filter-labels", params: with(month, "status_label", "Đã trả lời", "priority_label", "Khẩn cấp", "severity_label", "")},
		{name: "filter-tags", params: with(month, "tag", "vip", "tag", "billing")},
		{name: "filter-tags-none", params: with(month, "tag", "", "tag", "vip")},
		{name: "filter-text", params: with(month, "customer", "O'Brien & Co", "organisation", "Acme")},
		{name: "scope", params: with(month, "group", "billing", "tenant", "acme"), scope: scope},
		{name: "tz-kolkata", params: with(month, ParamTZ, "Asia/Kolkata")},
	}
	for _, d := range own {
		cs = append(cs,
			goldenCase{name: "group-" + string(d), params: with(month, ParamGroupBy, string(d))},
			goldenCase{name: "filter-" + string(d), params: with(month, string(d), ownValue(d))})
	}
	if !r.Snapshot {
		for _, g := range grains {
			cs = append(cs, goldenCase{name: "grain-" + string(g), params: with(month, ParamGrain, string(g))})
		}
		cs = append(cs,
			goldenCase{name: "grain-week-group-channel", params: with(month, ParamGrain, "week", ParamGroupBy, "channel")},
			goldenCase{name: "tz-kolkata-hour", params: vals(ParamFrom, "2026-03-01", ParamTo, "2026-03-03", ParamTZ, "Asia/Kolkata", ParamGrain, "hour")},
			goldenCase{name: "tz-kolkata-day", params: with(month, ParamTZ, "Asia/Kolkata", ParamGrain, "day")},
			goldenCase{name: "compare-month", params: with(month, ParamCompare, "previous")},
			goldenCase{name: "compare-week-by-day", params: vals(ParamFrom, "2026-03-02", ParamTo, "2026-03-09", ParamGrain, "day", ParamCompare, "previous")})
	}
	// Top by the last measure read from a source: with several sources,
	// not the first one, so the sort part moves ahead.
	sortBy := ""
	for _, m := range r.Measures {
		if m.src != nil {
			sortBy = m.Name
		}
	}
	cs = append(cs, goldenCase{name: "top-customer", params: with(month, ParamTop, "10", ParamGroupBy, "customer", ParamSort, sortBy)})
	if len(r.Fixed) > 0 {
		cs = append(cs, goldenCase{name: "top-fixed", params: with(month, ParamTop, "5")})
	}
	if r.Finance {
		cs = append(cs, goldenCase{name: "time-entries", params: with(month, "currency", "EUR"), scope: scope, entries: true})
	}
	cs = append(cs, goldenCase{name: "drill", params: month, drill: true})
	if slices.Contains(r.Dimensions, DimAgentRole) {
		cs = append(cs, goldenCase{name: "drill-agent-role", params: with(month, "agent", "an", "agent_role", "supporting"), drill: true})
	}
	for _, m := range r.Measures {
		p := with(month, "priority", "high", ParamPage, "3", ParamLimit, "25")
		if !r.Snapshot {
			// The clicked cell: one day of a daily trend.
			p = with(p, ParamGrain, "day", ParamPeriod, "2026-02-10")
		}
		cs = append(cs, goldenCase{name: "drill-" + m.Name, params: p, measure: m.Name, drill: true})
	}
	return cs
}

// ownValue is a filter value of a report's own dimension.
func ownValue(d Dimension) string {
	if set := closedSets[d]; len(set) > 0 {
		return set[len(set)-1]
	}
	return "EUR"
}

// goldenViews are the tables a case is read from: the live tables and a
// snapshot generation.
var goldenViews = []struct {
	title string
	v     view
}{
	{"live tables", liveView("slate")},
	{"snapshot generation 42", view{db: "slate", gen: 42}},
}

// render is a case's golden file: the request, then each view's
// statements with their arguments.
func (c goldenCase) render(t *testing.T, r *Report) string {
	t.Helper()
	lim := DefaultLimits()
	q, err := ParseQuery(r, c.params, goldenNow, lim)
	if err != nil {
		t.Fatalf("%s/%s: %v", r.Name, c.name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- report: %s\n-- request: %s\n-- now: %s\n", r.Name, c.params.Encode(), goldenNow.Format(time.RFC3339))
	if len(c.scope.Tenants)+len(c.scope.Groups) > 0 {
		fmt.Fprintf(&b, "-- scope: tenants %q, groups %q\n", c.scope.Tenants, c.scope.Groups)
	}
	switch {
	case c.drill:
		fmt.Fprintf(&b, "-- drill-down of measure: %q\n", c.measure)
	case c.entries:
		b.WriteString("-- the finance workbook's time entries\n")
	case q.Top > 0:
		b.WriteString("-- the top's first statement narrows the others to the values its rows have; here top-1, top-2\n")
	}
	for _, gv := range goldenViews {
		var stmts []statement
		switch {
		case c.entries:
			stmts = []statement{timeEntriesSQL(gv.v, q, c.scope)}
		case r.List || c.drill:
			_, page, total, err := listPlan(gv.v, r, q, c.scope, c.measure, lim.MaxList)
			if err != nil {
				t.Fatalf("%s/%s: %v", r.Name, c.name, err)
			}
			stmts = []statement{page, total}
		default:
			qs := []Query{q}
			if q.Compare && !r.Snapshot { // as Service.Run
				qs = append(qs, q.Previous())
			}
			for _, q := range qs {
				st, err := aggregatePlan(gv.v, r, q, c.scope, lim.MaxRows, func(_ part, dims []Dimension) (map[Dimension][]string, error) {
					out := map[Dimension][]string{}
					for _, d := range dims {
						out[d] = []string{"top-1", "top-2"}
					}
					return out, nil
				})
				if err != nil {
					t.Fatalf("%s/%s: %v", r.Name, c.name, err)
				}
				stmts = append(stmts, st...)
			}
		}
		for i, st := range stmts {
			fmt.Fprintf(&b, "\n-- %s: statement %d of %d\n", gv.title, i+1, len(stmts))
			pretty := prettySQL(st.SQL)
			if stripSpace(pretty) != stripSpace(st.SQL) {
				t.Fatalf("%s/%s: prettySQL changed more than white space:\n%s", r.Name, c.name, pretty)
			}
			if n := strings.Count(stripSpace(st.SQL), "?"); n != len(st.Args) {
				t.Errorf("%s/%s: %d placeholders, %d arguments", r.Name, c.name, n, len(st.Args))
			}
			b.WriteString(pretty)
			b.WriteString(";\n")
			for j, a := range st.Args {
				fmt.Fprintf(&b, "-- arg %d: %T %s", j+1, a, literal(a))
				if n, ok := a.(int64); ok {
					fmt.Fprintf(&b, " (%s)", time.Unix(n, 0).UTC().Format(time.RFC3339))
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

func TestGoldenSQL(t *testing.T) {
	want := map[string]bool{} // the files the grid has
	for _, name := range Names() {
		r := Catalog[name]
		for _, c := range goldenCases(r) {
			file := filepath.Join(goldenDir, r.Name, c.name+".sql")
			if want[file] {
				t.Fatalf("two cases write %s", file)
			}
			want[file] = true
			got := c.render(t, r)
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			old, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("%s: %v; run go test -short ./reports -run Golden -update", file, err)
				continue
			}
			if string(old) != got {
				t.Errorf("%s is stale; run go test -short ./reports -run Golden -update and review the diff:\n%s",
					file, firstDifference(string(old), got))
			}
		}
	}
	// Files of cases the grid no longer has (a renamed report or measure).
	found, _ := filepath.Glob(filepath.Join(goldenDir, "*", "*.sql"))
	sort.Strings(found)
	for _, f := range found {
		if want[f] {
			continue
		}
		if *updateGolden {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s belongs to no case of the grid; run go test -short ./reports -run Golden -update", f)
	}
}

// firstDifference shows the first line where two texts differ.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d\n  file: %s\n  code: %s", i+1, x, y)
		}
	}
	return "(same lines)"
}

// stripSpace is s without white space outside string literals.
func stripSpace(s string) string {
	var b strings.Builder
	for _, tok := range sqlTokens(s) {
		if strings.TrimSpace(tok) != "" {
			b.WriteString(tok)
		}
	}
	return b.String()
}

// sqlTokens splits SQL into string literals, runs of white space, words
// and single other characters.
func sqlTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		j := i + 1
		switch c := s[i]; {
		case c == '\'':
			for j < len(s) && s[j] != '\'' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
		case isSpace(c):
			for j < len(s) && isSpace(s[j]) {
				j++
			}
		case isWord(c):
			for j < len(s) && isWord(s[j]) {
				j++
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// itemLen is the length of the list item starting at toks[i], up to the
// next comma, clause or closing parenthesis of its level (or AND, with
// stopAtAnd).
func itemLen(toks []string, i int, stopAtAnd bool) int {
	n, nest := 0, 0
	for ; i < len(toks); i++ {
		tok := toks[i]
		switch {
		case tok == "(":
			nest++
		case tok == ")" && nest == 0, tok == "," && nest == 0:
			return n
		case tok == ")":
			nest--
		case nest == 0 && (isClause(tok) || tok == "AND" && stopAtAnd):
			return n
		}
		if strings.TrimSpace(tok) == "" {
			n++
		} else {
			n += len(tok)
		}
	}
	return n
}

func isClause(tok string) bool {
	_, ok := clauseWords[tok]
	return ok
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' }
func isWord(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// clauseWords start a new line at their query's depth; the value is the
// next word a two-word clause needs.
var clauseWords = map[string]string{
	"FROM": "", "WHERE": "", "PREWHERE": "", "HAVING": "", "LIMIT": "",
	"GROUP": "BY", "ORDER": "BY", "ARRAY": "JOIN", "ANY": "LEFT",
}

// prettySQL lays a statement out for review: each subquery indented on
// its own lines, each clause on a new line, long SELECT lists and WHERE
// conditions wrapped at top-level commas and ANDs. Only white space
// outside literals changes.
func prettySQL(s string) string {
	const width = 100
	toks := sqlTokens(s)
	var b strings.Builder
	line := 0       // length of the current line
	var subq []bool // open parentheses: true for a subquery's
	depth := 0      // open subqueries
	atStart := true // nothing written on the current line yet
	newline := func(extra int) {
		b.WriteString("\n")
		ind := strings.Repeat("  ", depth+extra)
		b.WriteString(ind)
		line = len(ind)
		atStart = true
	}
	inQuery := func() bool { return len(subq) == 0 || subq[len(subq)-1] }
	// next is the index of the next token that is not white space.
	next := func(i int) int {
		for i++; i < len(toks) && strings.TrimSpace(toks[i]) == ""; i++ {
		}
		return i
	}
	pendingSpace := false
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		if strings.TrimSpace(tok) == "" {
			pendingSpace = true
			continue
		}
		switch {
		case tok == "(":
			if pendingSpace && !atStart {
				b.WriteString(" ")
				line++
			}
			b.WriteString(tok)
			line++
			atStart = false
			n := next(i)
			isSub := n < len(toks) && toks[n] == "SELECT"
			subq = append(subq, isSub)
			if isSub {
				depth++
				newline(0)
				i = n - 1
			}
			pendingSpace = false
			continue
		case tok == ")":
			if len(subq) > 0 && subq[len(subq)-1] {
				depth--
				newline(0)
			}
			if len(subq) > 0 {
				subq = subq[:len(subq)-1]
			}
			b.WriteString(tok)
			line++
			atStart, pendingSpace = false, false
			continue
		}
		if inQuery() && pendingSpace {
			if second, ok := clauseWords[tok]; ok {
				if n := next(i); second == "" || n < len(toks) && toks[n] == second {
					newline(0)
					pendingSpace = false
				}
			} else if tok == "AND" && line+len(" AND")+itemLen(toks, i+1, true) > width {
				newline(1)
				pendingSpace = false
			}
		}
		if pendingSpace && !atStart {
			b.WriteString(" ")
			line++
		}
		pendingSpace = false
		b.WriteString(tok)
		line += len(tok)
		atStart = false
		if tok == "," && inQuery() && line+itemLen(toks, i+1, false) > width {
			newline(1)
		}
	}
	return b.String() + "\n"
}
