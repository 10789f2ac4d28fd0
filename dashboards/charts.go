package dashboards

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/slatehq/slate/reports"
)

// Chart is one chart on a page. Its ECharts option is built with
// go-echarts, but the page embeds it as a JSON data island
// (<script type="application/json">) through encoding/json, which escapes
// <, > and &: go-echarts' own template writes the option unescaped into a
// script, where a tag named "</script><script>..." would run. slate.js
// parses the island and draws the chart; with the page's CSP
// (script-src 'self') no inline script runs at all.
type Chart struct {
	ID     string
	Title  string
	Height string
	Island template.JS // the JSON island: json.Marshal escapes <, > and &, so it cannot close the script
	Empty  bool        // nothing to draw: the page says so instead
}

// drill tells slate.js where a click on a chart leads: the drill-down page
// for report, with the page's filters, the clicked category as a filter on
// dim (or, on a time axis, as the period) and the series' measure.
type drill struct {
	Report   string            `json:"report"`
	Dim      string            `json:"dim,omitempty"`
	Time     bool              `json:"time,omitempty"`
	Grain    string            `json:"grain,omitempty"`
	Params   string            `json:"params"`
	Measures map[string]string `json:"measures"` // series name -> measure
	Periods  []string          `json:"periods,omitempty"`
	Keys     []string          `json:"keys,omitempty"` // category index -> raw dimension value
	// Filters, when set, are each category's filters instead of Keys: a
	// desk's label and its code (status_label and status), since one label
	// of one desk is one category.
	Filters []map[string]string `json:"filters,omitempty"`
}

type island struct {
	Option map[string]any `json:"option"`
	Drill  *drill         `json:"drill,omitempty"`
}

func newChart(id, title string, option map[string]any, d *drill) (Chart, error) {
	b, err := json.Marshal(island{Option: option, Drill: d}) // escapes <, >, & as \u003c...
	if err != nil {
		return Chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	return Chart{ID: id, Title: title, Height: "320px", Island: template.JS(b)}, nil
}

func baseOpts(title string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Renderer: "canvas"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithAnimation(false), // screenshots and pixel checks see the final picture
	}
}

// durationUnit is what a page's charts show durations in: one unit for
// every chart of a page, so that a median in one is comparable with
// another's.
type durationUnit struct {
	seconds float64
	label   string // short, after a series' name
	name    string // in full, on a value axis
}

var (
	inMinutes = durationUnit{60, "min", "minutes"}
	inHours   = durationUnit{3600, "h", "hours"}
	inDays    = durationUnit{86400, "days", "days"}
)

// axisUnit is what a chart's value axis counts, in the reader's words:
// the page's duration unit, hours, percent, or tickets (and replies).
func (l locale) axisUnit(res *reports.Result, measures []string, unit durationUnit) string {
	var units []string
	for _, m := range measures {
		var u string
		switch res.Columns[res.ColumnIndex(m)].Kind {
		case reports.KindSeconds:
			u = l.T(unit.name)
		case reports.KindHours:
			u = l.T("hours")
		case reports.KindPercent:
			u = "%"
		case reports.KindCount:
			u = l.T("tickets")
			if m == "replies" {
				u = l.T("replies")
			}
		}
		if u != "" && !slices.Contains(units, u) {
			units = append(units, u)
		}
	}
	return strings.Join(units, ", ")
}

// unitFor picks the unit for a page's durations from the largest of them:
// minutes up to two hours, hours up to ten days, days beyond.
func unitFor(results ...*reports.Result) durationUnit {
	var most float64
	for _, res := range results {
		for _, row := range res.Rows {
			for i, c := range res.Columns {
				if v, ok := row[i].(*float64); ok && v != nil && c.Kind == reports.KindSeconds {
					most = max(most, math.Abs(*v))
				}
			}
		}
	}
	switch {
	case most <= 2*3600:
		return inMinutes
	case most <= 10*86400:
		return inHours
	}
	return inDays
}

func measureValue(row []any, res *reports.Result, measure string, unit durationUnit) any {
	for i, c := range res.Columns {
		if c.Name == measure {
			if v, ok := row[i].(*float64); ok && v != nil {
				return roundTo(*v, c.Kind, unit)
			}
			return nil
		}
	}
	return nil
}

// shows says whether a trend's value is something to draw: a count of 0
// is nothing happening (a filter that matches no ticket gives a trend of
// zeros), a duration or a rate of 0 is a figure.
func shows(v any, k reports.Kind) bool {
	f, ok := v.(float64)
	return ok && (k != reports.KindCount || f != 0)
}

func roundTo(v float64, k reports.Kind, unit durationUnit) float64 {
	switch k {
	case reports.KindSeconds:
		return math.Round(v/unit.seconds*10) / 10
	case reports.KindCount:
		return v
	}
	return math.Round(v*100) / 100
}

// trendChart draws measures of a report with a grain as lines over time,
// durations in unit.
func (l locale) trendChart(id, title string, res *reports.Result, measures []string, params url.Values, zone *time.Location, unit durationUnit) (Chart, error) {
	line := charts.NewLine()
	line.SetGlobalOptions(baseOpts(title)...)
	pi := res.ColumnIndex("period")
	var xs, periods []string
	for _, row := range res.Rows {
		p, _ := time.Parse(time.RFC3339, row[pi].(string))
		xs = append(xs, l.periodLabel(p.In(zone), res.Grain))
		periods = append(periods, row[pi].(string))
	}
	line.SetXAxis(xs)
	names := map[string]string{}
	empty := true
	for _, m := range measures {
		var data []opts.LineData
		for _, row := range res.Rows {
			v := measureValue(row, res, m, unit)
			if shows(v, res.Columns[res.ColumnIndex(m)].Kind) {
				empty = false
			}
			data = append(data, opts.LineData{Value: v})
		}
		lbl := l.column(res.Columns[res.ColumnIndex(m)])
		if res.Columns[res.ColumnIndex(m)].Kind == reports.KindSeconds {
			lbl += " (" + l.T(unit.label) + ")"
		}
		names[lbl] = m
		line.AddSeries(lbl, data)
	}
	line.Validate()
	option, err := readableAxes(line.JSON(), false, l.axisUnit(res, measures, unit))
	if err != nil {
		return Chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	tiltPeriods(option, len(xs))
	c, err := newChart(id, title, option, &drill{Report: res.Report, Time: true, Grain: string(res.Grain), Params: params.Encode(), Measures: names, Periods: periods})
	c.Empty = empty
	return c, err
}

// Period labels stand level while they fit side by side; more of them
// lean, and a month of days stands upright, so that every period keeps
// its label without overlapping its neighbours.
const (
	levelPeriods   = 10
	leaningPeriods = 20
)

// tiltPeriods turns a trend's period labels by how many there are.
func tiltPeriods(option map[string]any, periods int) {
	rotate := 0
	switch {
	case periods > leaningPeriods:
		rotate = 90
	case periods > levelPeriods:
		rotate = 45
	default:
		return
	}
	axes, _ := option["xAxis"].([]any)
	for _, a := range axes {
		if axis, ok := a.(map[string]any); ok {
			if label, ok := axis["axisLabel"].(map[string]any); ok {
				label["rotate"] = rotate
			}
		}
	}
}

// barChart draws measures of a report grouped by one dimension, largest
// first, at most top categories.
func (l locale) barChart(id, title string, res *reports.Result, dim string, measures []string, top int, params url.Values) (Chart, error) {
	rows := byMeaning(res, res.Rows, dim)
	if len(rows) > top {
		rows = rows[:top]
	}
	horizontal := len(rows) > maxColumns
	for _, row := range rows {
		name, _ := l.category(res, row, dim)
		horizontal = horizontal || utf8.RuneCountInString(name) > maxColumnLabel
	}
	c, err := l.bars(id, title, res, rows, dim, measures, params, horizontal)
	if horizontal {
		c.Height = barsHeight(len(rows))
	}
	return c, err
}

// A bar chart stands its bars upright only when each category's label
// fits under its bar: at most maxColumns categories of at most
// maxColumnLabel characters. Longer lists or labels lie down, one label
// per line, so that none is hidden.
const (
	maxColumns     = 6
	maxColumnLabel = 8
)

// barsHeight is a horizontal bar chart's height: a line per category.
func barsHeight(categories int) string {
	return strconv.Itoa(100+24*max(categories, 4)) + "px"
}

// categoryLabelWidth is the width in pixels a category label is cut to
// (with an ellipsis: the tooltip names the category in full).
const (
	rowLabelWidth    = 150 // horizontal bars: the grid's left margin
	columnLabelWidth = 80  // upright bars: about a column's width
)

// readableAxes makes the option's category axes show every label
// (ECharts by default skips labels that would crowd) and cut those too
// long for their room, and names the value axes with their unit.
func readableAxes(option map[string]any, horizontal bool, unit string) (map[string]any, error) {
	b, err := json.Marshal(option)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	width := columnLabelWidth
	if horizontal {
		width = rowLabelWidth
	}
	for _, k := range []string{"xAxis", "yAxis"} {
		axes, _ := out[k].([]any)
		for _, a := range axes {
			axis, ok := a.(map[string]any)
			if !ok {
				continue
			}
			// go-echarts leaves an upright bar chart's x axis untyped:
			// ECharts makes it a category axis.
			if t, _ := axis["type"].(string); t == "category" || (k == "xAxis" && t == "") {
				label, _ := axis["axisLabel"].(map[string]any)
				if label == nil {
					label = map[string]any{}
				}
				label["interval"] = 0
				label["hideOverlap"] = false
				label["width"] = width
				label["overflow"] = "truncate"
				axis["axisLabel"] = label
				continue
			}
			axis["name"] = unit
			if k == "xAxis" { // at the top of horizontal bars: the unit centred over the figures
				axis["nameLocation"] = "middle"
				axis["nameGap"] = 22
			}
		}
	}
	return out, nil
}

// everyBarChart draws every row of res as a horizontal bar, in the
// result's order from the top, tall enough for all: none is cut off,
// not even those with nothing to show (an agent with no solves).
func (l locale) everyBarChart(id, title string, res *reports.Result, dim string, measures []string, params url.Values) (Chart, error) {
	c, err := l.bars(id, title, res, res.Rows, dim, measures, params, true)
	c.Height = barsHeight(len(res.Rows))
	return c, err
}

func (l locale) bars(id, title string, res *reports.Result, rows [][]any, dim string, measures []string, params url.Values, horizontal bool) (Chart, error) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(baseOpts(title)...)
	if horizontal {
		bar.XYReversal()
		bar.SetGlobalOptions(charts.WithXAxisOpts(opts.XAxis{Type: "value", Position: "top"}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}),
			charts.WithGridOpts(opts.Grid{Left: "160", Top: "40", Bottom: "50"}))
	}
	di := res.ColumnIndex(dim)
	var xs, keys []string
	var filters []map[string]string
	for _, row := range rows {
		name, f := l.category(res, row, dim)
		xs = append(xs, name)
		keys = append(keys, row[di].(string))
		filters = appendFilter(filters, f)
	}
	bar.SetXAxis(xs)
	names := map[string]string{}
	empty := len(rows) == 0
	for _, m := range measures {
		var data []opts.BarData
		for _, row := range rows {
			data = append(data, opts.BarData{Value: measureValue(row, res, m, inMinutes)})
		}
		lbl := l.column(res.Columns[res.ColumnIndex(m)])
		names[lbl] = m
		bar.AddSeries(lbl, data)
	}
	bar.Validate()
	option, err := readableAxes(bar.JSON(), horizontal, l.axisUnit(res, measures, inMinutes))
	if err != nil {
		return Chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	c, err := newChart(id, title, option, &drill{Report: res.Report, Dim: dim, Params: params.Encode(), Measures: names, Keys: keys, Filters: filters})
	c.Empty = empty
	return c, err
}

// category is how a chart names a row's category of dim, and the filters
// that select it: a desk's label (reports.DeskLabel) where the chart is of
// one tenant's labels, else the localised value. A result grouped by a
// code and its label (status, status_label) filters on both.
func (l locale) category(res *reports.Result, row []any, dim string) (string, map[string]string) {
	code, _ := row[res.ColumnIndex(dim)].(string)
	name := l.label(dim, code)
	if label, ok := reports.DeskLabel(res, row, reports.Dimension(dim)); ok {
		name = label
	}
	ld, ok := reports.LabelDimension(reports.Dimension(dim))
	if li := res.ColumnIndex(string(ld)); ok && li >= 0 {
		label, _ := row[li].(string)
		return name, map[string]string{dim: code, string(ld): label}
	}
	return name, nil
}

// appendFilter adds a category's filters; nil (the dimension's key
// alone) leaves the list unset.
func appendFilter(fs []map[string]string, f map[string]string) []map[string]string {
	if f == nil {
		return fs
	}
	return append(fs, f)
}

// pieChart draws one measure's share per value of a dimension.
func (l locale) pieChart(id, title string, res *reports.Result, dim, measure string, params url.Values) (Chart, error) {
	pie := charts.NewPie()
	pie.SetGlobalOptions(baseOpts(title)...)
	pie.SetGlobalOptions(charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}))
	di := res.ColumnIndex(dim)
	var data []opts.PieData
	var keys []string
	var filters []map[string]string
	for _, row := range byMeaning(res, res.Rows, dim) {
		v := measureValue(row, res, measure, inMinutes)
		if f, ok := v.(float64); !ok || f == 0 {
			continue
		}
		name, f := l.category(res, row, dim)
		data = append(data, opts.PieData{Name: name, Value: v})
		keys = append(keys, row[di].(string))
		filters = appendFilter(filters, f)
	}
	lbl := l.column(res.Columns[res.ColumnIndex(measure)])
	pie.AddSeries(lbl, data, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"35%", "65%"}}))
	pie.Validate()
	c, err := newChart(id, title, pie.JSON(), &drill{Report: res.Report, Dim: dim, Params: params.Encode(), Measures: map[string]string{lbl: measure}, Keys: keys, Filters: filters})
	c.Empty = len(data) == 0
	return c, err
}

func (l locale) periodLabel(t time.Time, g reports.Grain) string {
	switch g {
	case reports.GrainHour:
		return t.Format("01-02 15:04")
	case reports.GrainWeek:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case reports.GrainMonth:
		return t.Format("2006-01")
	case reports.GrainQuarter:
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	}
	return l.num.Date(t)
}
