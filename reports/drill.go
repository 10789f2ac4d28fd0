package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Drill-downs. A measure's list is the rows of its source that its figure
// is computed over: the query's range, scope and filters (restrict) and
// the measure's own condition (Measure.cond, the same text its aggregate
// puts in its -If combinator), one row per counted fact: a ticket solved
// twice in the period is listed twice, a breached cycle once per cycle.
// So the list's total is the figure (DrillSpec says how, for measures
// that are not counts).

// listing is what a measure's drill-down reads.
type listing struct {
	src   *source
	cond  string   // rows where this holds ("" for all of src's rows)
	value *listCol // each row's part of the figure, or nil
}

// listCol is one column of a list and its SQL over the source's rows.
// Times are Unix seconds (Int64), numbers Float64, the rest strings.
type listCol struct {
	Column
	sql string
}

// drillSpec is how m's list adds up to its figure; it panics on a
// catalog entry no list can match (a ratio over two sources), which the
// catalog's initialisation, and so every test, would hit.
func (r *Report) drillSpec(m *Measure) *DrillSpec {
	switch {
	case m.derive != nil:
		r.ratioListing(m) // checks the ratio's measures
		return &DrillSpec{Rows: slices.Clone(m.dens), Value: "percent"}
	case m.fn == "count":
		return &DrillSpec{Rows: []string{m.Name}}
	}
	d := &DrillSpec{}
	if m.nullUnless != "" {
		d.Rows = []string{m.nullUnless}
	}
	switch m.fn {
	case "quantileExact":
		level, err := strconv.ParseFloat(strings.Trim(m.params, "()"), 64)
		if err != nil {
			panic(fmt.Sprintf("reports: measure %s.%s: level %q: %v", r.Name, m.Name, m.params, err))
		}
		d.Value, d.Level = "quantile", level
	case "avg", "max", "sum":
		d.Value = m.fn
	default:
		panic(fmt.Sprintf("reports: measure %s.%s: no drill-down for %s", r.Name, m.Name, m.fn))
	}
	return d
}

// listing is m's drill-down: its own rows, or for a ratio its
// denominators' rows with the numerator's condition as the value (1 when
// the row counts in the numerator).
func (r *Report) listing(m *Measure) listing {
	if m.derive != nil {
		return r.ratioListing(m)
	}
	l := listing{src: m.src, cond: m.cond}
	if m.fn != "count" {
		l.value = &listCol{Column: Column{Name: "value", Label: m.Label, Kind: m.Kind},
			sql: "toFloat64(" + m.arg + ")" + m.scale}
	}
	return l
}

func (r *Report) ratioListing(m *Measure) listing {
	num := r.Measure(m.num)
	if num == nil || num.src == nil {
		panic(fmt.Sprintf("reports: ratio %s.%s: numerator %q is not a measure of a source", r.Name, m.Name, m.num))
	}
	l := listing{src: num.src}
	var conds []string
	for _, name := range m.dens {
		d := r.Measure(name)
		if d == nil || d.src != num.src || d.fn != "count" {
			panic(fmt.Sprintf("reports: ratio %s.%s: denominator %q is not a count of its numerator's source", r.Name, m.Name, name))
		}
		if d.cond == "" {
			conds = nil // every row of the source
			break
		}
		conds = append(conds, "("+d.cond+")")
	}
	l.cond = strings.Join(conds, " OR ")
	numCond := "1"
	if num.cond != "" {
		numCond = "(" + num.cond + ")"
	}
	l.value = &listCol{Column: Column{Name: "value", Label: num.Label, Kind: KindCount}, sql: "toFloat64(" + numCond + ")"}
	return l
}

// listingFor is the drill-down of the named measure, or of the report's
// first one when measure is "".
func (r *Report) listingFor(measure string) (listing, error) {
	if measure == "" {
		if len(r.Measures) == 0 {
			return listing{}, paramErr(ParamMeasure, "report %s has no measures to list", r.Name)
		}
		return r.listing(r.Measures[0]), nil
	}
	m := r.Measure(measure)
	if m == nil {
		return listing{}, paramErr(ParamMeasure, "report %s has no measure %q", r.Name, measure)
	}
	return r.listing(m), nil
}

// ticketListCols are the ticket's columns of every list (TicketColumns).
var ticketListCols = func() []listCol {
	sql := []string{"tenant", "ticket_id", "subject", "toString(status)", "toString(priority)", "toString(severity)", "agent", "grp",
		"channel", "customer", "organisation", "toInt64(toUnixTimestamp(created_at))", "status_label", "priority_label", "severity_label"}
	out := make([]listCol, len(TicketColumns))
	for i, c := range TicketColumns {
		out[i] = listCol{Column: c, sql: sql[i]}
	}
	return out
}()

// slaListCols are the cycle's own columns of a list of SLA cycles.
var slaListCols = []listCol{
	{Column{Name: "cycle", Label: "Cycle", Kind: KindCount}, "toFloat64(cycle)"},
	{Column{Name: "state", Label: "State", Kind: KindDimension}, "toString(state)"},
	{Column{Name: "deadline", Label: "Deadline", Kind: KindTime}, "toInt64(toUnixTimestamp(deadline))"},
}

// columns of l's list: the ticket, when the row falls in the range, the
// source's own dimensions and columns, and the value.
func (l listing) columns(q Query) []listCol {
	cols := append(slices.Clone(ticketListCols), listCol{Column{Name: "at", Label: "When", Kind: KindTime}, "toInt64(toUnixTimestamp(ts))"})
	if q.ByAgentRole() {
		// a ticket is listed once per agent: say in which role
		cols = append(cols, listCol{Column{Name: string(DimAgentRole), Label: dimLabel(DimAgentRole), Kind: KindDimension}, "agent_role"})
	}
	for _, d := range l.src.extra {
		cols = append(cols, listCol{Column{Name: string(d), Label: dimLabel(d), Kind: KindDimension}, "toString(" + dimSQL(d) + ")"})
	}
	cols = append(cols, l.src.listCols...)
	if l.value != nil {
		cols = append(cols, *l.value)
	}
	return cols
}

// listStatements are a list's page (offset, limit, ordered by order, a
// total order of the rows) and its total: the rows of src that the
// query's range, scope and filters select and where cond holds.
func listStatements(v view, q Query, sc Scope, src *source, cols []listCol, cond, order string, offset, limit int) (page, total statement) {
	v, w, outer := restrictSource(v, q, sc, src)
	where := outerSQL(w, outer)
	if cond != "" {
		if where == "" {
			where = " WHERE (" + cond + ")"
		} else {
			where += " AND (" + cond + ")"
		}
	}
	rows := " FROM (" + src.sql(v, q.Now.Unix()) + ")" + where
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = c.sql
	}
	// LIMIT offset, n: the form both 18.16 and current releases read.
	page = statement{SQL: "SELECT " + strings.Join(exprs, ", ") + rows + " ORDER BY " + order +
		" LIMIT " + strconv.Itoa(offset) + ", " + strconv.Itoa(limit), Args: w.args}
	return page, statement{SQL: "SELECT count()" + rows, Args: w.args}
}

// drillStatements are the page and total of l's list, newest row first.
func drillStatements(v view, q Query, sc Scope, l listing, offset, limit int) (page, total statement) {
	order := "ts DESC, tenant, ticket_id"
	if l.src.listKey != "" {
		order += ", " + l.src.listKey
	}
	return listStatements(v, q, sc, l.src, l.columns(q), l.cond, order, offset, limit)
}
