package xlsx

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

// WriteLeadership writes the leadership workbook: a Summary sheet with the
// headline figures next to the previous period and native Excel charts,
// then the data behind the charts (trend, SLA compliance by metric,
// volume by priority) as sheets of their own.
func WriteLeadership(ctx context.Context, svc *reports.Service, q reports.Query, sc reports.Scope, lang i18n.Lang, w io.Writer) error {
	sum, err := svc.Summarize(ctx, q, sc)
	if err != nil {
		return err
	}
	vol, _ := reports.Lookup("volume")
	tq := q
	tq.Compare, tq.GroupBy, tq.Top, tq.Sort = false, nil, 0, ""
	if tq.Grain == reports.GrainNone {
		tq.Grain = reports.GrainWeek
		if q.To.Sub(q.From) <= 62*24*time.Hour {
			tq.Grain = reports.GrainDay
		}
	}
	trend, err := svc.Run(ctx, vol, tq, sc)
	if err != nil {
		return err
	}
	pq := q
	pq.Compare, pq.Grain, pq.GroupBy = false, reports.GrainNone, []reports.Dimension{reports.DimPriority}
	byPriority, err := svc.Run(ctx, vol, pq, sc)
	if err != nil {
		return err
	}
	zone, err := time.LoadLocation(sum.Zone)
	if err != nil {
		zone = time.UTC
	}

	wb := NewIn(lang)
	defer wb.Close()
	if err := wb.ensureStyles(); err != nil {
		return err
	}
	if err := wb.summarySheet(sum, zone); err != nil {
		return err
	}
	data := []struct {
		name string
		res  *reports.Result
	}{{wb.sheet("Trend"), trend}, {wb.sheet("SLA"), &reports.Result{Report: sum.SLA.Report, Title: sum.SLA.Title, From: sum.SLA.From, To: sum.SLA.To,
		Zone: sum.SLA.Zone, Columns: sum.SLA.Columns, Rows: sum.SLA.Rows}}, {wb.sheet("By priority"), byPriority}}
	for _, d := range data {
		if err := wb.AddResult(d.res, d.name); err != nil {
			return err
		}
	}
	if err := wb.charts(trend, sum.SLA, byPriority); err != nil {
		return err
	}
	_, err = wb.WriteTo(w)
	return err
}

// sheet is the name of one of the leadership sheets in the workbook's
// language, as Excel allows it (the charts refer to the sheets by it).
func (wb *Workbook) sheet(name string) string { return sheetName(wb.lang.T(name)) }

// summarySheet writes the headline table on the first sheet (a normal
// sheet, not a stream: it is small and carries the charts).
func (wb *Workbook) summarySheet(sum *reports.Summary, zone *time.Location) error {
	f := wb.f
	summarySheet := wb.sheet("Summary")
	n := reports.NumbersFor(wb.lang)
	if err := f.SetSheetName("Sheet1", summarySheet); err != nil {
		return err
	}
	wb.sheets++
	set := func(c string, v any, style int) error {
		if err := f.SetCellValue(summarySheet, c, v); err != nil {
			return err
		}
		if style != 0 {
			return f.SetCellStyle(summarySheet, c, c, style)
		}
		return nil
	}
	if err := set("A1", wb.lang.T("Leadership summary"), wb.styles["title"]); err != nil {
		return err
	}
	if err := set("A2", wb.lang.T("%s, compared with %s – %s", PeriodLineIn(wb.lang, sum.From, sum.To, zone),
		n.DateTime(sum.PreviousFrom.In(zone)), n.DateTime(sum.PreviousTo.In(zone))), 0); err != nil {
		return err
	}
	for i, h := range []string{"Figure", "This period", "Previous period", "Change"} {
		if err := set(cell(i+1, headRows), wb.lang.T(h), wb.styles["header"]); err != nil {
			return err
		}
	}
	for i, h := range sum.Headlines {
		r := headRows + 1 + i
		if err := set(cell(1, r), wb.lang.T(h.Label), 0); err != nil {
			return err
		}
		col := reports.Column{Kind: h.Kind}
		for j, v := range []*float64{h.Current, h.Previous} {
			if v == nil {
				if err := set(cell(2+j, r), n.NoData(), 0); err != nil {
					return err
				}
				continue
			}
			x, err := wb.value(col, v, zone, "")
			if err != nil {
				return err
			}
			if x, ok := x.(excelize.Cell); ok {
				if err := set(cell(2+j, r), x.Value, x.StyleID); err != nil {
					return err
				}
			}
		}
		// A percentage changes in points, the rest in percent.
		if d := h.ChangePoints(); d != nil {
			if err := set(cell(4, r), *d, wb.styles["points"]); err != nil {
				return err
			}
		} else if c := h.Change(); c != nil {
			if err := set(cell(4, r), *c/100, wb.styles["change"]); err != nil {
				return err
			}
		}
	}
	for col, width := range map[string]float64{"A": 36, "B": 16, "C": 16, "D": 12} {
		if err := f.SetColWidth(summarySheet, col, col, width); err != nil {
			return err
		}
	}
	return f.SetPanes(summarySheet, &excelize.Panes{Freeze: true, YSplit: headRows, TopLeftCell: cell(1, headRows+1), ActivePane: "bottomLeft"})
}

// charts puts native Excel charts on the Summary sheet, drawn from the
// data sheets: created and solved over time, compliance by metric, and
// volume by priority.
func (wb *Workbook) charts(trend, sla, byPriority *reports.Result) error {
	summarySheet, trendSheet := wb.sheet("Summary"), wb.sheet("Trend")
	first, last := headRows+1, headRows+len(trend.Rows)
	var series []excelize.ChartSeries
	for _, m := range []string{"created", "solved"} {
		col := columnLetter(trend, m)
		series = append(series, excelize.ChartSeries{Name: fmt.Sprintf("'%s'!$%s$%d", trendSheet, col, headRows),
			Categories: fmt.Sprintf("'%s'!$A$%d:$A$%d", trendSheet, first, last), Values: fmt.Sprintf("'%s'!$%s$%d:$%s$%d", trendSheet, col, first, col, last)})
	}
	if len(trend.Rows) > 0 {
		// A chart does not take its cells' formats: without its own, the
		// date axis shows serial numbers (46342).
		if err := wb.f.AddChart(summarySheet, "F4", &excelize.Chart{Type: excelize.Line, Series: series,
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: wb.lang.T("Created and solved")}}},
			XAxis:  excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: wb.axisDates(trend.Grain)}},
			YAxis:  excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}},
			Format: excelize.GraphicOptions{ScaleX: 1.2, ScaleY: 1}}); err != nil {
			return err
		}
	}
	bar := func(anchor, sheet, title string, res *reports.Result, measure string, values excelize.ChartAxis) error {
		if len(res.Rows) == 0 {
			return nil
		}
		first, last := headRows+1, headRows+len(res.Rows)
		col := columnLetter(res, measure)
		return wb.f.AddChart(summarySheet, anchor, &excelize.Chart{Type: excelize.Col,
			Series: []excelize.ChartSeries{{Name: fmt.Sprintf("'%s'!$%s$%d", sheet, col, headRows),
				Categories: fmt.Sprintf("'%s'!$A$%d:$A$%d", sheet, first, last),
				Values:     fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheet, col, first, col, last)}},
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: wb.lang.T(title)}}},
			YAxis:  values,
			Legend: excelize.ChartLegend{Position: "none"}})
	}
	// compliance is stored as a fraction (0.954 shown as 95.4%)
	zero, whole := 0.0, 1.0
	if err := bar("F20", wb.sheet("SLA"), "SLA compliance by metric", sla, "compliance_pct",
		excelize.ChartAxis{Minimum: &zero, Maximum: &whole, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}}); err != nil {
		return err
	}
	return bar("F36", wb.sheet("By priority"), "Tickets created by priority", byPriority, "created",
		excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}})
}

// axisDates is the date format of a trend's axis in the workbook's
// language: the day alone, unless the trend is by the hour.
func (wb *Workbook) axisDates(g reports.Grain) string {
	format := excelDates[wb.lang][0]
	if g == reports.GrainHour {
		return format
	}
	day, _, _ := strings.Cut(format, " ")
	return day
}

func columnLetter(res *reports.Result, name string) string {
	l, err := excelize.ColumnNumberToName(res.ColumnIndex(name) + 1)
	if err != nil {
		return "A"
	}
	return l
}
