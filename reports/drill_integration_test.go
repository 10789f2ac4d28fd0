package reports_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
)

// drillViews are the requests whose every cell the catalog-wide test
// drills into, over a range that ends after the world's now (so that
// clocks still run): by month in a zone for one tenant (each source's
// rows by their own time) and without a grain, grouped by priority or,
// for a report grouped by nature, under filters (ticket sources read in
// one scan); a snapshot report (no time axis) by age and by status.
func drillViews(r *reports.Report) []string {
	const rng = "from=2026-03-01&to=2026-05-01&tz=Asia/Ho_Chi_Minh"
	if r.Snapshot {
		return []string{"group_by=age", "group_by=status&channel=email&channel=chat"}
	}
	grouped := rng + "&group_by=priority"
	if len(r.Fixed) > 0 {
		grouped = rng + "&priority=high&priority=urgent&tenant=rudesk" // one tenant's agents and tags: fewer cells
	}
	return []string{rng + "&grain=month&tenant=acme", grouped}
}

// cellParams are the drill-down parameters of one result row: the view's
// own, the row's period and its dimension values as filters (replacing
// the view's filter on the same dimension, as the dashboards do).
func cellParams(t *testing.T, view string, res *reports.Result, row []any) url.Values {
	t.Helper()
	v, err := url.ParseQuery(view)
	if err != nil {
		t.Fatal(err)
	}
	v.Del("group_by")
	for i, c := range res.Columns {
		switch c.Kind {
		case reports.KindPeriod:
			v.Set("period", row[i].(string))
		case reports.KindDimension:
			v.Set(c.Name, row[i].(string))
		}
	}
	return v
}

// listAll reads every page of a drill-down from the live tables and from
// the snapshot, which must agree, and checks the pages' bookkeeping.
func (w *world) listAll(t *testing.T, r *reports.Report, params url.Values, measure string) *reports.Result {
	t.Helper()
	var all *reports.Result
	for page := 1; ; page++ {
		p := url.Values{}
		for k, vs := range params {
			p[k] = vs
		}
		p.Set("limit", "5000")
		p.Set("page", fmt.Sprint(page))
		res := w.list(t, r.Name, p.Encode(), measure, reports.Scope{})
		if res.Page == nil || res.Page.Number != page || res.Page.Size != 5000 {
			t.Fatalf("%s %s?%s: page %+v", r.Name, measure, p.Encode(), res.Page)
		}
		if all == nil {
			all = res
		} else {
			all.Rows = append(all.Rows, res.Rows...)
		}
		if !res.Truncated {
			if uint64(len(all.Rows)) != res.Page.Total {
				t.Fatalf("%s %s?%s: %d rows over %d pages, total says %d", r.Name, measure, p.Encode(), len(all.Rows), page, res.Page.Total)
			}
			return all
		}
	}
}

// figureOf recomputes a measure's figure from its list as its DrillSpec
// says; ok=false means no figure (null).
func figureOf(t *testing.T, spec *reports.DrillSpec, list *reports.Result) (float64, bool) {
	t.Helper()
	vi := list.ColumnIndex("value")
	if vi < 0 {
		t.Fatalf("list of a %s measure has no value column: %+v", spec.Value, list.Columns)
	}
	var xs []float64
	for _, row := range list.Rows {
		x, ok := row[vi].(*float64)
		if !ok || x == nil {
			t.Fatalf("value cell %v", row[vi])
		}
		xs = append(xs, *x)
	}
	if len(xs) == 0 {
		return 0, spec.Value == "sum"
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	switch spec.Value {
	case "sum":
		return sum, true
	case "avg":
		return sum / float64(len(xs)), true
	case "max":
		return slices.Max(xs), true
	case "quantile":
		return exactQuantile(xs, spec.Level), true
	case "percent":
		for _, x := range xs {
			if x != 0 && x != 1 {
				t.Fatalf("a ratio's value is %v, not 0 or 1", x)
			}
		}
		return 100 * sum / float64(len(xs)), true
	}
	t.Fatalf("unknown drill value %q", spec.Value)
	return 0, false
}

// TestEveryDrillDownListsExactlyTheRowsOfItsFigure drills into every
// measure of every report in the catalog, in every cell of its views, and
// checks that the list adds up to the figure: a count is the list's
// length, a median is the median of the listed values, a ratio is the
// share of its numerator's rows in the list. A measure the catalog gains
// is checked without changing the test; one that never has rows to list
// in the generated data fails it.
func TestEveryDrillDownListsExactlyTheRowsOfItsFigure(t *testing.T) {
	w := loadWorld(t)
	checked := map[string]int{} // report.measure: cells with rows
	for _, name := range reports.Names() {
		r, _ := reports.Lookup(name)
		if r.List {
			continue
		}
		for _, m := range r.Measures {
			checked[name+"."+m.Name] = 0
		}
		for _, view := range drillViews(r) {
			start := time.Now()
			res := w.run(t, name, view, reports.Scope{})
			for _, row := range res.Rows {
				params := cellParams(t, view, res, row)
				figure := func(measure string) (float64, bool) {
					return num(t, row[res.ColumnIndex(measure)])
				}
				for _, m := range r.Measures {
					what := fmt.Sprintf("%s.%s at %s", name, m.Name, params.Encode())
					spec := m.Drill
					if spec == nil || len(spec.Rows) == 0 && spec.Value == "" {
						t.Fatalf("%s: the catalog says nothing of how its drill-down adds up (%+v)", what, spec)
					}
					list := w.listAll(t, r, params, m.Name)
					if len(list.Rows) > 0 {
						checked[name+"."+m.Name]++
					}
					if len(spec.Rows) > 0 {
						var want float64
						for _, n := range spec.Rows {
							f, _ := figure(n)
							want += f
						}
						if float64(len(list.Rows)) != want {
							t.Errorf("%s: the list has %d rows, the figure counts %v (%s)", what, len(list.Rows), want, strings.Join(spec.Rows, " + "))
						}
					}
					if spec.Value != "" {
						got, gotOK := figureOf(t, spec, list)
						want, wantOK := figure(m.Name)
						if gotOK != wantOK || math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
							t.Errorf("%s: the list's %s of values is %v (set %v), the figure %v (set %v)", what, spec.Value, got, gotOK, want, wantOK)
						}
					}
				}
			}
			t.Logf("%s?%s: %d cells in %s", name, view, len(res.Rows), time.Since(start).Round(time.Millisecond))
		}
	}
	for k, n := range checked {
		if n == 0 {
			t.Errorf("%s: no cell of the generated data had rows to list: the test checked nothing for it", k)
		}
	}
}

// TestDrillDownPages: a list longer than a page opens on its first page
// with the total; the pages, read in turn, are the whole list in its
// order, without gaps or repeats; past the last page is a 400.
func TestDrillDownPages(t *testing.T) {
	w := loadWorld(t)
	const view = "from=2026-01-05&to=2026-04-01"
	whole := w.list(t, "volume", view+"&limit=5000", "created", reports.Scope{})
	if whole.Page.Total <= 1000 || whole.Truncated || uint64(len(whole.Rows)) != whole.Page.Total {
		t.Fatalf("the whole list: %d rows, page %+v, truncated %v; the test needs over 1000", len(whole.Rows), whole.Page, whole.Truncated)
	}
	first := w.list(t, "volume", view, "created", reports.Scope{})
	if len(first.Rows) != 500 || !first.Truncated || first.Page.Total != whole.Page.Total || first.Page.Number != 1 || first.Page.Size != 500 {
		t.Fatalf("default page: %d rows, page %+v, truncated %v; want the first 500 of %d", len(first.Rows), first.Page, first.Truncated, whole.Page.Total)
	}
	var paged [][]any
	const size = 300
	for page := 1; ; page++ {
		res := w.list(t, "volume", fmt.Sprintf("%s&limit=%d&page=%d", view, size, page), "created", reports.Scope{})
		paged = append(paged, res.Rows...)
		if res.Page.Pages != int((whole.Page.Total+size-1)/size) {
			t.Fatalf("page %d says %d pages", page, res.Page.Pages)
		}
		if !res.Truncated {
			if page != res.Page.Pages {
				t.Fatalf("ended at page %d of %d", page, res.Page.Pages)
			}
			break
		}
	}
	if values(paged) != values(whole.Rows) {
		t.Fatalf("the pages in turn are not the whole list")
	}
	r, _ := reports.Lookup("volume")
	q, err := reports.ParseQuery(r, mustQuery(t, fmt.Sprintf("%s&limit=%d&page=%d", view, size, len(paged)/size+2)), w.now, reports.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.List(context.Background(), r, q, reports.Scope{}, "created")
	var pe *reports.ParamError
	if !errors.As(err, &pe) || pe.Param != "page" || fault.KindOf(err) != fault.Invalid {
		t.Fatalf("past the last page: %v, want an invalid page", err)
	}
}

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
