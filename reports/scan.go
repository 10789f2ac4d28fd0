package reports

import (
	"slices"
	"strconv"
	"strings"
)

// One scan for several ticket sources. Most of a report's sources are
// rows of the tickets table selected by different times (created, first
// solved, rated, a solve in the range), and a query without a time grain
// groups them all by the same ticket dimensions. Read separately, each
// scans the tickets again: agent performance read them four times. A
// scan part reads the tickets once, marks each row with the sources it
// belongs to (f0, f1, ...), and conditions each measure on its source's
// mark, so a ticket counts where it would have counted alone. With a
// grain, each source's rows fall into buckets by their own time, so the
// sources stay apart.

// ticketScan says how a source selects ticket rows, for a scan part.
type ticketScan struct {
	ts    string // a ticket whose ts is in the range is a row
	where string // and, if set, where this holds
	// arr, instead of ts: a timeline array; a ticket with an element in
	// the range is a row (once), or with each, every such element is.
	arr  string
	each bool
}

// part is what one statement reads: one source, or (scan) several ticket
// sources in one scan.
type part struct {
	srcs []*source
	scan bool
}

// name names the part's sources, for errors.
func (p part) name() string {
	names := make([]string, len(p.srcs))
	for i, src := range p.srcs {
		names[i] = src.name
	}
	return strings.Join(names, "+")
}

// measures are the measures a part computes, in report order.
func (p part) measures(r *Report) []*Measure {
	var out []*Measure
	for _, m := range r.Measures {
		if m.src != nil && slices.Contains(p.srcs, m.src) {
			out = append(out, m)
		}
	}
	return out
}

// scannable reports whether src's measures can be read in a scan part: an
// each-element source (one row per solve) only counts its rows there.
func scannable(r *Report, src *source) bool {
	if src.scan == nil {
		return false
	}
	if !src.scan.each {
		return true
	}
	for _, m := range r.measuresOf(src) {
		if m.fn != "count" || m.cond != "" {
			return false
		}
	}
	return true
}

// plannedParts are a report's statements in query order: with a top, the
// part holding the sort measure first, as its top rows decide the groups.
// Without a grain, the scannable ticket sources share one scan part, where
// the first of them would have been.
func plannedParts(r *Report, q Query) []part {
	var parts []part
	scanAt := -1
	for _, src := range orderedSources(r, q) {
		// A scan's conditions go to the snapshot table, where agent is the
		// assignee: by agent role, each source reads alone.
		if q.Grain == GrainNone && scannable(r, src) && !q.ByAgentRole() {
			if scanAt < 0 {
				scanAt = len(parts)
				parts = append(parts, part{scan: true})
			}
			parts[scanAt].srcs = append(parts[scanAt].srcs, src)
			continue
		}
		parts = append(parts, part{srcs: []*source{src}})
	}
	if scanAt >= 0 && len(parts[scanAt].srcs) == 1 {
		parts[scanAt].scan = false // alone, its own SQL reads it best
	}
	return parts
}

// partSQL is the statement of one part (see aggregateSQL).
func partSQL(v view, q Query, sc Scope, r *Report, p part, dims []Dimension, limit int, restrictTo map[Dimension][]string) statement {
	if !p.scan {
		return aggregateSQL(v, q, sc, p.srcs[0], dims, p.measures(r), limit, restrictTo)
	}
	return scanSQL(v, q, sc, r, p, dims, limit, restrictTo)
}

// scanSQL reads a scan part's sources in one scan of the tickets. Each row
// gets the mark fI of each source I (and nI, the elements in the range,
// for an each-element source); measures are conditioned on their
// source's mark and an each-element count sums nI. Rows belonging to no
// source are left out: in a snapshot by the table's own conditions (the
// marks' SQL again), on the live tables after FINAL.
func scanSQL(v view, q Query, sc Scope, r *Report, p part, dims []Dimension, limit int, restrictTo map[Dimension][]string) statement {
	from, to := q.From.Unix(), q.To.Unix()
	inRange := func(col string) string {
		return col + " >= toDateTime(?) AND " + col + " < toDateTime(?)"
	}
	var cols, marks, markNames []string
	var args, markArgs []any
	for i, src := range p.srcs {
		scan := src.scan
		var mark string
		if scan.arr != "" {
			mark = "arrayExists(t -> " + inRange("t") + ", " + scan.arr + ")"
		} else {
			mark = "(" + inRange(scan.ts)
			if scan.where != "" {
				mark += " AND " + scan.where
			}
			mark += ")"
		}
		f := "f" + strconv.Itoa(i)
		cols, marks, markNames = append(cols, mark+" AS "+f), append(marks, mark), append(markNames, f)
		args, markArgs = append(args, from, to), append(markArgs, from, to)
		if scan.each {
			cols = append(cols, "arrayCount(t -> "+inRange("t")+", "+scan.arr+") AS n"+strconv.Itoa(i))
			args = append(args, from, to)
		}
	}
	ms := p.measures(r)
	var exprs []string
	for _, m := range ms {
		i := strconv.Itoa(slices.Index(p.srcs, m.src))
		if m.src.scan.each {
			exprs = append(exprs, "sum(n"+i+")") // scannable: a plain count
		} else {
			exprs = append(exprs, m.aggregate("f"+i))
		}
	}
	w := &where{}
	w.scope(q, sc)
	for _, d := range dims {
		if vals, ok := restrictTo[d]; ok {
			w.filter(d, vals)
		}
	}
	outer := v.gen == 0
	if outer {
		w.add("(" + strings.Join(markNames, " OR ") + ")")
	} else {
		w.add("("+strings.Join(marks, " OR ")+")", markArgs...)
		v.cond = w
	}
	rows := "SELECT *, " + strings.Join(cols, ", ") + ", " + nowCol(q.Now.Unix()) + " FROM (" + liveTickets(v, "") + ")"
	having := ""
	if sort := slices.IndexFunc(ms, func(m *Measure) bool { return m.Name == q.Sort }); q.Top > 0 && sort >= 0 {
		// Only the sort source's rows make a group of the top, as when
		// that source is read alone.
		having = "countIf(f" + strconv.Itoa(slices.Index(p.srcs, ms[sort].src)) + ") > 0"
	}
	return groupedSQL(q, dims, exprs, rows, outerSQL(w, outer), having, ms, limit, append(args, w.args...))
}
