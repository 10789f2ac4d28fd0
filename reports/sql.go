package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// statement is SQL text with its bound arguments, in placeholder order.
type statement struct {
	SQL  string
	Args []any
}

// where collects conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// restrict applies the time range (on the column ts), the principal's
// scope and the request's filters to src's rows. Every user value is a
// bound argument. The scope is ANDed with the filters, so a filter can
// only narrow it.
func restrict(q Query, sc Scope, src *source, ts string) *where {
	w := &where{}
	if !src.snapshot {
		w.add(ts+" >= toDateTime(?) AND "+ts+" < toDateTime(?)", q.From.Unix(), q.To.Unix())
	}
	w.scope(q, sc)
	return w
}

// scope adds the principal's scope and the request's filters.
func (w *where) scope(q Query, sc Scope) {
	if len(sc.Tenants) > 0 {
		w.add("has(?, tenant)", sc.Tenants)
	}
	if len(sc.Groups) > 0 {
		w.add("has(?, grp)", sc.Groups)
	}
	dims := make([]Dimension, 0, len(q.Filters))
	for d := range q.Filters {
		dims = append(dims, d)
	}
	slices.Sort(dims) // deterministic SQL for the same request
	for _, d := range dims {
		w.filter(d, q.Filters[d])
	}
}

// restrictSource is restrict for one source read through v. It returns
// the view to read the source through, the conditions, and whether they
// are the WHERE around the source's rows (outer) or, for a direct source
// in a snapshot (source.tsCol), on its table. Conditions added to w later
// (a top's narrowing) go to the same place. Either place follows the
// SELECT list in the SQL text, so the arguments' order is the same.
func restrictSource(v view, q Query, sc Scope, src *source) (_ view, w *where, outer bool) {
	// By agent role, agent is not the table's column: filter the rows.
	v.roles = q.ByAgentRole()
	if v.gen != 0 && src.tsCol != "" && !v.roles {
		w = restrict(q, sc, src, src.tsCol)
		v.cond = w
		return v, w, false
	}
	return v, restrict(q, sc, src, "ts"), true
}

// outerSQL is w's WHERE clause when it is the outer one.
func outerSQL(w *where, outer bool) string {
	if !outer {
		return ""
	}
	return w.sql()
}

// filter keeps rows whose dimension d has one of vals.
func (w *where) filter(d Dimension, vals []string) {
	if d == DimTag && slices.Contains(vals, "") {
		// "" is the no-tag cell of a tag breakdown.
		w.add("(hasAny(tags, ?) OR empty(tags))", vals)
		return
	}
	if len(vals) == 0 {
		w.add("0") // IN () is not SQL; nothing matches no values
		return
	}
	if d == DimTag {
		w.add(filterSQL(d), vals)
		return
	}
	set := make(Set, len(vals))
	for i, v := range vals {
		set[i] = v
	}
	w.add(filterSQL(d), set)
}

// groupKeys are the SELECT expressions a query groups by: the bucket (if
// the query has a grain) then each dimension, all as strings.
func groupKeys(q Query, dims []Dimension) (exprs []string, args []any) {
	if q.Grain != GrainNone {
		exprs = append(exprs, bucketSQL(q.Grain, "ts"))
		args = append(args, q.Zone.String())
	}
	for _, d := range dims {
		exprs = append(exprs, "toString("+dimSQL(d)+")")
	}
	return exprs, args
}

// aggregateSQL is one source's part of a report: its measures grouped by
// the query's bucket and dimensions. Keys come back as strings k0..kn and
// measures as Float64 m0..mn. limit+1 rows are asked for so that the
// caller can tell "exactly limit" from "more".
//
// With q.Top set, the source holding the sort measure orders by it,
// largest first, and keeps the top rows; restrictTo narrows the other
// sources to the dimension values those rows have.
func aggregateSQL(v view, q Query, sc Scope, src *source, dims []Dimension, ms []*Measure, limit int, restrictTo map[Dimension][]string) statement {
	exprs := make([]string, len(ms))
	for i, m := range ms {
		exprs[i] = m.aggregate("")
	}
	v, w, outer := restrictSource(v, q, sc, src)
	for _, d := range dims {
		if vals, ok := restrictTo[d]; ok {
			w.filter(d, vals)
		}
	}
	return groupedSQL(q, dims, exprs, src.sql(v, q.Now.Unix()), outerSQL(w, outer), "", ms, limit, w.args)
}

// groupedSQL aggregates exprs (the measures ms) over rows (a subquery,
// restricted by where) by the query's keys; args are those of rows and
// where, in order. having, if set, keeps only the groups where it holds.
func groupedSQL(q Query, dims []Dimension, exprs []string, rows, where, having string, ms []*Measure, limit int, args []any) statement {
	keys, keyArgs := groupKeys(q, dims)
	var cols []string
	var names []string
	for i, k := range keys {
		n := "k" + strconv.Itoa(i)
		cols = append(cols, k+" AS "+n)
		names = append(names, n)
	}
	for i, e := range exprs {
		cols = append(cols, "toFloat64("+e+") AS m"+strconv.Itoa(i))
	}
	s := "SELECT " + strings.Join(cols, ", ") + " FROM (" + rows + ")" + where
	order := strings.Join(names, ", ")
	if sort := slices.IndexFunc(ms, func(m *Measure) bool { return m.Name == q.Sort }); q.Top > 0 && sort >= 0 {
		order = "m" + strconv.Itoa(sort) + " DESC, " + order
		limit = q.Top - 1 // LIMIT limit+1 below: exactly Top
	}
	if len(names) > 0 {
		s += " GROUP BY " + strings.Join(names, ", ")
		if having != "" {
			s += " HAVING " + having
		}
		s += " ORDER BY " + order
	}
	s += " LIMIT " + strconv.Itoa(limit+1)
	return statement{SQL: s, Args: append(keyArgs, args...)}
}

// TicketColumns are the columns of a ticket list (drill-down, pre-breach).
var TicketColumns = []Column{
	{Name: "tenant", Label: "Tenant", Kind: KindDimension},
	{Name: "ticket_id", Label: "Ticket", Kind: KindText},
	{Name: "subject", Label: "Subject", Kind: KindText},
	{Name: "status", Label: "Status", Kind: KindDimension},
	{Name: "priority", Label: "Priority", Kind: KindDimension},
	{Name: "severity", Label: "Severity", Kind: KindDimension},
	{Name: "agent", Label: "Agent", Kind: KindDimension},
	{Name: "group", Label: "Group", Kind: KindDimension},
	{Name: "channel", Label: "Channel", Kind: KindDimension},
	{Name: "customer", Label: "Customer", Kind: KindDimension},
	{Name: "organisation", Label: "Organisation", Kind: KindDimension},
	{Name: "created_at", Label: "Created", Kind: KindTime},
	// The desk's own words for the status, priority and severity ("" if
	// it sent none): readers of one tenant's list see these (Readable).
	{Name: string(DimStatusLabel), Label: dimLabel(DimStatusLabel), Kind: KindDimension},
	{Name: string(DimPriorityLabel), Label: dimLabel(DimPriorityLabel), Kind: KindDimension},
	{Name: string(DimSeverityLabel), Label: dimLabel(DimSeverityLabel), Kind: KindDimension},
}

// srcRunning are running SLA clocks, for the pre-breach list.
var srcRunning = &source{name: "sla_running", extra: []Dimension{DimMetric}, tsCol: "deadline", sql: slaBy("deadline", "running_with_deadline")}

// preBreachCols are the pre-breach list's columns.
var preBreachCols = append(slices.Clone(ticketListCols),
	listCol{Column{Name: "metric", Label: "Metric", Kind: KindDimension}, "toString(metric)"},
	listCol{Column{Name: "policy", Label: "Policy", Kind: KindDimension}, "policy"},
	listCol{Column{Name: "deadline", Label: "Deadline", Kind: KindTime}, "toInt64(toUnixTimestamp(deadline))"},
	listCol{Column{Name: "cycle", Label: "Cycle", Kind: KindCount}, "toFloat64(cycle)"})

// preBreachStatements list running clocks whose deadline is in
// [now, now+horizon), soonest first.
func preBreachStatements(v view, q Query, sc Scope, offset, limit int) (page, total statement) {
	r := q
	r.From, r.To = q.Now, q.Now.Add(q.Horizon)
	return listStatements(v, r, sc, srcRunning, preBreachCols, "", "deadline, tenant, ticket_id, toString(metric), cycle", offset, limit)
}

// Inline renders a statement with its arguments written in as literals, for
// operators to paste into clickhouse-client (explaining a figure) and for
// the benchmark's raw baseline. Queries themselves always bind.
func (st statement) Inline() string {
	var b strings.Builder
	args := st.Args
	for _, r := range st.SQL {
		if r == '?' && len(args) > 0 {
			b.WriteString(literal(args[0]))
			args = args[1:]
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func literal(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return quote(x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Set:
		parts := make([]string, len(x))
		for i, v := range x {
			parts[i] = literal(v)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	panic(fmt.Sprintf("reports: no literal for %T", v))
}

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// timeEntriesSQL lists time entries in the range, scope and filters, in
// logged order, for the finance workbook: one row each, streamed.
func timeEntriesSQL(v view, q Query, sc Scope) statement {
	v, w, outer := restrictSource(v, q, sc, srcTime)
	s := "SELECT toInt64(toUnixTimestamp(ts)), tenant, customer, organisation, ticket_id, agent, grp, seconds, billable, " +
		"has_rate, rate, currency FROM (" + srcTime.sql(v, q.Now.Unix()) + ")" + outerSQL(w, outer) +
		" ORDER BY ts, tenant, ticket_id, event_id"
	return statement{SQL: s, Args: w.args}
}
