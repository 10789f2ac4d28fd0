package reports

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slatehq/slate/internal/fault"
)

// Column describes one column of a result.
type Column struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Kind  Kind   `json:"kind"`
}

// Result is a report's answer: a table whose cells are strings (period,
// dimensions, text, times) or *float64 (measures; nil = no value).
type Result struct {
	Report  string    `json:"report"`
	Title   string    `json:"title"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Zone    string    `json:"tz"`
	Grain   Grain     `json:"grain,omitempty"`
	GroupBy []string  `json:"group_by"`
	Columns []Column  `json:"columns"`
	Rows    [][]any   `json:"rows"`
	// Previous is the same report over the previous period (compare).
	Previous *Result `json:"previous,omitempty"`
	// AsOf is when the facts were read: the report snapshot's time, or the
	// request's now when the live tables were read.
	AsOf time.Time `json:"as_of"`
	// Page is a list's place in the whole list; Truncated marks a list
	// with rows past this page.
	Page      *ListPage `json:"page,omitempty"`
	Truncated bool      `json:"truncated,omitempty"`
	// Tenant is the one tenant whose facts the result holds, when the
	// request's scope or filter names exactly one; "" when several may be
	// mixed. People then read that desk's own labels (Readable).
	Tenant string `json:"tenant,omitempty"`
}

// Service runs reports against the warehouse.
type Service struct {
	store  Store
	db     string
	limits Limits
	snaps  *Snapshots // nil: always the live tables
}

// NewService builds a report service over the database db, read through
// store.
func NewService(store Store, db string, limits Limits) *Service {
	return &Service{store: store, db: db, limits: limits}
}

// UseSnapshots makes the service read the current report snapshot when
// there is a fresh one (snapshot.go), and the live tables otherwise.
func (s *Service) UseSnapshots(snaps *Snapshots) { s.snaps = snaps }

// view picks the tables a request reads and when their facts are from.
func (s *Service) view(ctx context.Context, q Query) (view, time.Time, error) {
	if s.snaps != nil {
		sn, ok, err := s.snaps.Current(ctx)
		if err != nil {
			return view{}, time.Time{}, err
		}
		if ok {
			return view{db: s.db, gen: sn.Generation}, sn.AsOf, nil
		}
	}
	return liveView(s.db), q.Now, nil
}

// Limits are the guards the service enforces.
func (s *Service) Limits() Limits { return s.limits }

// Run computes an aggregate report.
func (s *Service) Run(ctx context.Context, r *Report, q Query, sc Scope) (*Result, error) {
	if r.List {
		return s.List(ctx, r, q, sc, "")
	}
	v, asOf, err := s.view(ctx, q)
	if err != nil {
		return nil, err
	}
	if !q.Compare || r.Snapshot {
		return s.run(ctx, v, asOf, r, q, sc)
	}
	// Both periods at once, from the same view.
	var res, prev *Result
	var prevErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		prev, prevErr = s.run(ctx, v, asOf, r, q.Previous(), sc)
	}()
	res, err = s.run(ctx, v, asOf, r, q, sc)
	wg.Wait()
	if err == nil {
		err = prevErr
	}
	if err != nil {
		return nil, err
	}
	if !hasData(prev) {
		noData(prev)
	}
	res.Previous = prev
	return res, nil
}

// hasData reports whether anything the report counts happened in res's
// period: some measure is neither 0 nor null.
func hasData(res *Result) bool {
	for _, row := range res.Rows {
		for _, c := range row {
			if v, ok := c.(*float64); ok && v != nil && *v != 0 {
				return true
			}
		}
	}
	return false
}

// noData nulls every measure of a period without data: a comparison with
// it says "no data", never 0.
func noData(res *Result) {
	for _, row := range res.Rows {
		for i, c := range row {
			if _, ok := c.(*float64); ok {
				row[i] = (*float64)(nil)
			}
		}
	}
}

// row is one merged result row while it is being assembled.
type row struct {
	keys []string
	vals map[string]*float64
}

// sourceRow is one row of one source's query.
type sourceRow struct {
	keys []string
	vals []float64
}

// concurrentSources is how many of one report's source queries run at
// once: enough to use both cores of a small server, few enough that a page
// of calls does not flood ClickHouse.
const concurrentSources = 3

func (s *Service) run(ctx context.Context, v view, asOf time.Time, r *Report, q Query, sc Scope) (*Result, error) {
	dims := append(slices.Clone(r.Fixed), q.GroupBy...)
	parts := plannedParts(r, q)
	results := make([][]sourceRow, len(parts))
	first := 0
	var restrictTo map[Dimension][]string
	if q.Top > 0 {
		var err error
		if results[0], err = s.partRows(ctx, v, r, q, sc, parts[0], dims, nil); err != nil {
			return nil, err
		}
		restrictTo, first = narrowTo(dims, results[0]), 1
	}
	err := forEachConcurrently(ctx, first, len(parts), func(i int) (err error) {
		results[i], err = s.partRows(ctx, v, r, q, sc, parts[i], dims, restrictTo)
		return err
	})
	if err != nil {
		return nil, err
	}
	rows := map[string]*row{}
	var order []string
	for i, p := range parts {
		ms := p.measures(r)
		topOnly := q.Top > 0 && i > 0
		for _, sr := range results[i] {
			k := strings.Join(sr.keys, "\x00")
			rw, ok := rows[k]
			if !ok {
				if topOnly {
					continue // a group outside the top
				}
				rw = &row{keys: sr.keys, vals: map[string]*float64{}}
				rows[k] = rw
				order = append(order, k)
				if len(rows) > s.limits.MaxRows {
					return nil, fmt.Errorf("report %s (%s): %w", r.Name, p.name(), tooManyRows(s.limits.MaxRows))
				}
			}
			for j, m := range ms {
				rw.vals[m.Name] = &sr.vals[j]
			}
		}
	}
	res := &Result{Report: r.Name, Title: r.Title, From: q.From, To: q.To, Zone: q.Zone.String(), Grain: q.Grain, GroupBy: []string{}, AsOf: asOf,
		Tenant: OneTenant(q, sc)}
	if r.Snapshot {
		res.From, res.To = q.Now, q.Now
	}
	for _, d := range q.GroupBy {
		res.GroupBy = append(res.GroupBy, string(d))
	}
	if q.Grain != GrainNone {
		res.Columns = append(res.Columns, Column{Name: "period", Label: "Period", Kind: KindPeriod})
	}
	for _, d := range dims {
		res.Columns = append(res.Columns, Column{Name: string(d), Label: dimLabel(d), Kind: KindDimension})
	}
	for _, m := range r.Measures {
		res.Columns = append(res.Columns, Column{Name: m.Name, Label: m.Label, Kind: m.Kind})
	}
	all, err := s.fill(q, dims, rows, order)
	if err != nil {
		return nil, err
	}
	for _, rw := range all {
		out := make([]any, 0, len(res.Columns))
		for i, k := range rw.keys {
			if i == 0 && q.Grain != GrainNone {
				t, err := parseBucket(q.Grain, k, q.Zone)
				if err != nil {
					return nil, fault.Wrap(fault.Internal, err)
				}
				out = append(out, t.Format(time.RFC3339))
				continue
			}
			out = append(out, k)
		}
		finish(r, rw.vals)
		for _, m := range r.Measures {
			out = append(out, rw.vals[m.Name])
		}
		res.Rows = append(res.Rows, out)
	}
	if res.Rows == nil {
		res.Rows = [][]any{}
	}
	return res, nil
}

// orderedSources are a report's sources in query order: with a top, the
// sort measure's source first, as its top rows decide the groups.
func orderedSources(r *Report, q Query) []*source {
	srcs := r.sources()
	if q.Top > 0 {
		sorted := r.Measure(q.Sort).src
		srcs = append([]*source{sorted}, slices.DeleteFunc(slices.Clone(srcs), func(s *source) bool { return s == sorted })...)
	}
	return srcs
}

// partRows runs one part's aggregate query.
func (s *Service) partRows(ctx context.Context, v view, r *Report, q Query, sc Scope, p part, dims []Dimension,
	restrictTo map[Dimension][]string) ([]sourceRow, error) {
	nk := len(dims)
	if q.Grain != GrainNone {
		nk++
	}
	ms := p.measures(r)
	var out []sourceRow
	err := s.query(ctx, partSQL(v, q, sc, r, p, dims, s.limits.MaxRows, restrictTo), func(scan func(...any) error) error {
		sr := sourceRow{keys: make([]string, nk), vals: make([]float64, len(ms))}
		dest := make([]any, 0, nk+len(ms))
		for i := range sr.keys {
			dest = append(dest, &sr.keys[i])
		}
		for i := range sr.vals {
			dest = append(dest, &sr.vals[i])
		}
		if err := scan(dest...); err != nil {
			return err
		}
		out = append(out, sr)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("report %s (%s): %w", r.Name, p.name(), err)
	}
	return out, nil
}

// narrowTo is what a top's rows narrow the other sources to: each
// dimension's values among them.
func narrowTo(dims []Dimension, top []sourceRow) map[Dimension][]string {
	out := map[Dimension][]string{}
	for j, d := range dims {
		seen := map[string]bool{}
		for _, sr := range top {
			if v := sr.keys[j]; !seen[v] {
				seen[v] = true
				out[d] = append(out[d], v)
			}
		}
	}
	return out
}

// forEachConcurrently runs fn(i) for i in [from, to), at most
// concurrentSources at a time, and returns the first error; after one,
// the calls not yet started are skipped and ctx of the running ones is
// left to their own query limits.
func forEachConcurrently(ctx context.Context, from, to int, fn func(i int) error) error {
	sem := make(chan struct{}, concurrentSources)
	errs := make([]error, to)
	var wg sync.WaitGroup
	var failed atomic.Bool
	for i := from; i < to; i++ {
		if failed.Load() || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			if errs[i] = fn(i); errs[i] != nil {
				failed.Store(true)
			}
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// fill adds the rows no source returned: with a grain, every bucket of the
// range for every combination of dimension values seen (or just every
// bucket without dimensions); without one, a single all-zero row when
// nothing matched and there are no dimensions. Rows come out sorted by
// bucket then dimension values, in their meaning's order (compareKeys).
func (s *Service) fill(q Query, dims []Dimension, rows map[string]*row, order []string) ([]*row, error) {
	var out []*row
	if q.Grain == GrainNone {
		if len(rows) == 0 && len(dims) == 0 {
			return []*row{{vals: map[string]*float64{}}}, nil
		}
		for _, k := range order {
			out = append(out, rows[k])
		}
		if q.Top == 0 { // top rows keep their order: largest first
			slices.SortFunc(out, func(a, b *row) int { return compareKeys(dims, a.keys, b.keys) })
		}
		return out, nil
	}
	combos := map[string][]string{}
	var comboOrder []string
	for _, k := range order {
		rk := rows[k].keys[1:]
		ck := strings.Join(rk, "\x00")
		if _, ok := combos[ck]; !ok {
			combos[ck] = rk
			comboOrder = append(comboOrder, ck)
		}
	}
	if len(dims) == 0 {
		combos[""], comboOrder = []string{}, []string{""}
	}
	slices.SortFunc(comboOrder, func(a, b string) int { return compareKeys(dims, combos[a], combos[b]) })
	bs := buckets(q.From, q.To, q.Grain, q.Zone)
	if len(bs)*len(comboOrder) > s.limits.MaxRows {
		return nil, tooManyRows(s.limits.MaxRows)
	}
	// ClickHouse's bucket keys, indexed by bucket start, to find its rows.
	byStart := map[int64]string{}
	for _, k := range order {
		t, err := parseBucket(q.Grain, rows[k].keys[0], q.Zone)
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err)
		}
		byStart[t.Unix()] = rows[k].keys[0]
	}
	for _, b := range bs {
		key := byStart[b.Unix()]
		if key == "" {
			key = bucketKey(q.Grain, b)
		}
		for _, ck := range comboOrder {
			k := key + "\x00" + ck
			if len(dims) == 0 {
				k = key
			}
			if rw, ok := rows[k]; ok {
				out = append(out, rw)
				continue
			}
			out = append(out, &row{keys: append([]string{key}, combos[ck]...), vals: map[string]*float64{}})
		}
	}
	return out, nil
}

// bucketKey renders a bucket start the way bucketSQL does.
func bucketKey(g Grain, start time.Time) string {
	if g == GrainHour {
		return fmt.Sprint(start.Unix())
	}
	return start.Format("2006-01-02")
}

// finish gives absent additive measures 0, applies nullUnless, and
// computes derived measures.
func finish(r *Report, vals map[string]*float64) {
	for _, m := range r.Measures {
		if m.derive != nil {
			continue
		}
		v := vals[m.Name]
		switch {
		case v == nil && m.Kind == KindCount || v == nil && m.Additive:
			z := 0.0
			vals[m.Name] = &z
		case v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)):
			vals[m.Name] = nil
		}
	}
	for _, m := range r.Measures {
		if m.nullUnless != "" {
			if c := vals[m.nullUnless]; c == nil || *c == 0 {
				vals[m.Name] = nil
			}
		}
	}
	for _, m := range r.Measures {
		if m.derive != nil {
			if v, ok := m.derive(vals); ok {
				vals[m.Name] = &v
			} else {
				vals[m.Name] = nil
			}
		}
	}
}

// List returns one page of the rows behind a report's figure
// (drill-down: measure names the figure, default the first; see
// drill.go), or of the pre-breach list, with the list's total.
func (s *Service) List(ctx context.Context, r *Report, q Query, sc Scope, measure string) (*Result, error) {
	v, asOf, err := s.view(ctx, q)
	if err != nil {
		return nil, err
	}
	res := &Result{Report: r.Name, Title: r.Title, From: q.From, To: q.To, Zone: q.Zone.String(), GroupBy: []string{}, Rows: [][]any{}, AsOf: asOf,
		Tenant: OneTenant(q, sc)}
	cols, page, total, err := listPlan(v, r, q, sc, measure, s.limits.MaxList)
	if err != nil {
		return nil, err
	}
	size := min(q.Limit, s.limits.MaxList)
	offset := (max(q.Page, 1) - 1) * size
	if from, to, ok := dueSpan(r, q); ok {
		res.From, res.To = later(from, q.Now), to // overdue: a list of now
	} else if r.Name == "pre_breach" {
		res.From, res.To = q.Now, q.Now.Add(q.Horizon)
	} else {
		if l, _ := r.listingFor(measure); l.src.snapshot {
			res.From, res.To = q.Now, q.Now
		}
		res.Title += ": tickets"
	}
	for _, c := range cols {
		res.Columns = append(res.Columns, c.Column)
	}
	var n uint64
	err = forEachConcurrently(ctx, 0, 2, func(i int) error {
		if i == 0 {
			return s.query(ctx, total, func(scan func(...any) error) error { return scan(&n) })
		}
		return s.query(ctx, page, func(scan func(...any) error) error {
			row, err := scanListRow(scan, res.Columns, q.Zone)
			if err != nil {
				return err
			}
			res.Rows = append(res.Rows, row)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("report %s list: %w", r.Name, err)
	}
	if q.Page > 1 && uint64(offset) >= n {
		return nil, paramErr(ParamPage, "page %d is past the last page, %d (%d rows, %d a page)", q.Page, pages(n, size), n, size)
	}
	res.Page = &ListPage{Number: max(q.Page, 1), Size: size, Total: n, Pages: pages(n, size)}
	res.Truncated = uint64(offset+len(res.Rows)) < n
	return res, nil
}

// ListPage is where a list's rows are in the whole list.
type ListPage struct {
	Number int    `json:"number"` // from 1
	Size   int    `json:"size"`   // rows a page holds
	Total  uint64 `json:"total"`  // rows of the whole list
	Pages  int    `json:"pages"`
}

func pages(n uint64, size int) int { return max(1, int((n+uint64(size)-1)/uint64(size))) }

// scanListRow reads one list row: times (Unix seconds) as RFC 3339 in
// zone, "" for none, numbers as *float64, the rest as strings.
func scanListRow(scan func(...any) error, cols []Column, zone *time.Location) ([]any, error) {
	dest := make([]any, len(cols))
	times := make([]int64, len(cols))
	nums := make([]float64, len(cols))
	strs := make([]string, len(cols))
	for i, c := range cols {
		switch c.Kind {
		case KindTime:
			dest[i] = &times[i]
		case KindDimension, KindText:
			dest[i] = &strs[i]
		default:
			dest[i] = &nums[i]
		}
	}
	if err := scan(dest...); err != nil {
		return nil, err
	}
	cells := make([]any, len(cols))
	for i, c := range cols {
		switch c.Kind {
		case KindTime:
			if times[i] > 0 {
				cells[i] = time.Unix(times[i], 0).In(zone).Format(time.RFC3339)
			} else {
				cells[i] = ""
			}
		case KindDimension, KindText:
			cells[i] = strs[i]
		default:
			cells[i] = &nums[i]
		}
	}
	return cells, nil
}

// Statements returns the SQL a request runs, arguments written in: what
// `slate bench serve` times with clickhouse-client as the raw baseline,
// and what an operator pastes there to explain a figure. For a top it
// runs the sort source's query, whose rows narrow the others.
func (s *Service) Statements(ctx context.Context, r *Report, q Query, sc Scope, measure string) ([]string, error) {
	v, _, err := s.view(ctx, q)
	if err != nil {
		return nil, err
	}
	var stmts []statement
	if r.List || measure != "" {
		_, page, total, err := listPlan(v, r, q, sc, measure, s.limits.MaxList)
		if err != nil {
			return nil, err
		}
		stmts = []statement{page, total}
	} else {
		// With a top, the narrowing of the other sources is the one the
		// sort source's query gives now: run it to know.
		stmts, err = aggregatePlan(v, r, q, sc, s.limits.MaxRows, func(first part, dims []Dimension) (map[Dimension][]string, error) {
			top, err := s.partRows(ctx, v, r, q, sc, first, dims, nil)
			if err != nil {
				return nil, err
			}
			return narrowTo(dims, top), nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]string, len(stmts))
	for i, st := range stmts {
		out[i] = st.Inline()
	}
	return out, nil
}

// query runs st with the per-query time limit and hands each row's Scan to
// each.
func (s *Service) query(ctx context.Context, st statement, each func(scan func(...any) error) error) error {
	return s.store.Query(ctx, st.call(s.limits.QueryTime), each)
}

func tooManyRows(n int) error {
	return fault.Errorf(fault.TooLarge, "the result has more than %d rows; narrow the range, use a coarser grain or fewer group_by dimensions", n)
}

func dimLabel(d Dimension) string {
	switch d {
	case DimGroup:
		return "Group"
	case DimAge:
		return "Age"
	case DimStatusLabel:
		return "Status label"
	case DimPriorityLabel:
		return "Priority label"
	case DimSeverityLabel:
		return "Severity label"
	case DimAgentRole:
		return "Agent role"
	}
	s := string(d)
	return strings.ToUpper(s[:1]) + s[1:]
}
