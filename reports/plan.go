package reports

import "slices"

// The statements a request runs, built without a database: Service.Run,
// List and Statements execute them, and the golden-SQL tests
// (golden_test.go) pin them for every catalog entry.

// aggregatePlan is the statements of an aggregate report over v, one per
// part in query order. With a top, narrow is given the first part (the
// sort measure's) and the grouping dimensions, and returns the dimension
// values the part's rows have, which narrow the other parts
// (Service.Statements runs the part to know).
func aggregatePlan(v view, r *Report, q Query, sc Scope, maxRows int,
	narrow func(first part, dims []Dimension) (map[Dimension][]string, error)) ([]statement, error) {
	dims := append(slices.Clone(r.Fixed), q.GroupBy...)
	var out []statement
	var restrictTo map[Dimension][]string
	for i, p := range plannedParts(r, q) {
		st := partSQL(v, q, sc, r, p, dims, maxRows, restrictTo)
		out = append(out, st)
		if i == 0 && q.Top > 0 {
			var err error
			if restrictTo, err = narrow(p, dims); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// listPlan is a list request's columns and the statements of its page
// (q.Page of q.Limit rows, at most maxList) and its total: the
// pre-breach list, or the drill-down of measure (see drill.go).
func listPlan(v view, r *Report, q Query, sc Scope, measure string, maxList int) (cols []listCol, page, total statement, err error) {
	size := min(q.Limit, maxList)
	offset := (max(q.Page, 1) - 1) * size
	if r.Name == "pre_breach" {
		page, total = preBreachStatements(v, q, sc, offset, size)
		return preBreachCols, page, total, nil
	}
	if from, to, ok := dueSpan(r, q); ok {
		page, total = dueStatements(v, q, sc, from, to, offset, size)
		return dueCols, page, total, nil
	}
	l, err := r.listingFor(measure)
	if err != nil {
		return nil, page, total, err
	}
	page, total = drillStatements(v, q, sc, l, offset, size)
	return l.columns(q), page, total, nil
}
