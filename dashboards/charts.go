package dashboards

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"time"

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

// label shows empty dimension values as a readable placeholder.
func label(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func baseOpts(title string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Renderer: "canvas"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithAnimation(false), // screenshots and pixel checks see the final picture
	}
}

func measureValue(row []any, res *reports.Result, measure string) any {
	for i, c := range res.Columns {
		if c.Name == measure {
			if v, ok := row[i].(*float64); ok && v != nil {
				return roundTo(*v, c.Kind)
			}
			return nil
		}
	}
	return nil
}

func roundTo(v float64, k reports.Kind) float64 {
	switch k {
	case reports.KindSeconds: // charts show minutes
		return float64(int64(v/60*10+0.5)) / 10
	case reports.KindCount:
		return v
	}
	return float64(int64(v*100+0.5)) / 100
}

// trendChart draws measures of a report with a grain as lines over time.
func trendChart(id, title string, res *reports.Result, measures []string, params url.Values, zone *time.Location) (Chart, error) {
	line := charts.NewLine()
	line.SetGlobalOptions(baseOpts(title)...)
	pi := res.ColumnIndex("period")
	var xs, periods []string
	for _, row := range res.Rows {
		p, _ := time.Parse(time.RFC3339, row[pi].(string))
		xs = append(xs, periodLabel(p.In(zone), res.Grain))
		periods = append(periods, row[pi].(string))
	}
	line.SetXAxis(xs)
	names := map[string]string{}
	empty := true
	for _, m := range measures {
		var data []opts.LineData
		for _, row := range res.Rows {
			v := measureValue(row, res, m)
			if v != nil {
				empty = false
			}
			data = append(data, opts.LineData{Value: v})
		}
		lbl := res.Columns[res.ColumnIndex(m)].Label
		if res.Columns[res.ColumnIndex(m)].Kind == reports.KindSeconds {
			lbl += " (min)"
		}
		names[lbl] = m
		line.AddSeries(lbl, data)
	}
	line.Validate()
	c, err := newChart(id, title, line.JSON(), &drill{Report: res.Report, Time: true, Grain: string(res.Grain), Params: params.Encode(), Measures: names, Periods: periods})
	c.Empty = empty
	return c, err
}

// barChart draws measures of a report grouped by one dimension, largest
// first, at most top categories.
func barChart(id, title string, res *reports.Result, dim string, measures []string, top int, params url.Values) (Chart, error) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(baseOpts(title)...)
	di := res.ColumnIndex(dim)
	rows := res.Rows
	if len(rows) > top {
		rows = rows[:top]
	}
	var xs, keys []string
	for _, row := range rows {
		xs = append(xs, label(row[di].(string)))
		keys = append(keys, row[di].(string))
	}
	bar.SetXAxis(xs)
	names := map[string]string{}
	empty := len(rows) == 0
	for _, m := range measures {
		var data []opts.BarData
		for _, row := range rows {
			data = append(data, opts.BarData{Value: measureValue(row, res, m)})
		}
		lbl := res.Columns[res.ColumnIndex(m)].Label
		names[lbl] = m
		bar.AddSeries(lbl, data)
	}
	bar.Validate()
	c, err := newChart(id, title, bar.JSON(), &drill{Report: res.Report, Dim: dim, Params: params.Encode(), Measures: names, Keys: keys})
	c.Empty = empty
	return c, err
}

// pieChart draws one measure's share per value of a dimension.
func pieChart(id, title string, res *reports.Result, dim, measure string, params url.Values) (Chart, error) {
	pie := charts.NewPie()
	pie.SetGlobalOptions(baseOpts(title)...)
	pie.SetGlobalOptions(charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}))
	di := res.ColumnIndex(dim)
	var data []opts.PieData
	var keys []string
	for _, row := range res.Rows {
		v := measureValue(row, res, measure)
		if f, ok := v.(float64); !ok || f == 0 {
			continue
		}
		data = append(data, opts.PieData{Name: label(row[di].(string)), Value: v})
		keys = append(keys, row[di].(string))
	}
	lbl := res.Columns[res.ColumnIndex(measure)].Label
	pie.AddSeries(lbl, data, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"35%", "65%"}}))
	pie.Validate()
	c, err := newChart(id, title, pie.JSON(), &drill{Report: res.Report, Dim: dim, Params: params.Encode(), Measures: map[string]string{lbl: measure}, Keys: keys})
	c.Empty = len(data) == 0
	return c, err
}

func periodLabel(t time.Time, g reports.Grain) string {
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
	return t.Format("2006-01-02")
}
