package xlsx

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/reports"
)

// WriteLeadership writes the leadership workbook: a Summary sheet with the
// headline figures next to the previous period and native Excel charts,
// then the data behind the charts (trend, SLA compliance by metric,
// volume by priority) as sheets of their own.
func WriteLeadership(ctx context.Context, svc *reports.Service, q reports.Query, sc reports.Scope, w io.Writer) error {
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

	wb := New()
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
	}{{"Trend", trend}, {"SLA", &reports.Result{Report: sum.SLA.Report, Title: sum.SLA.Title, From: sum.SLA.From, To: sum.SLA.To,
		Zone: sum.SLA.Zone, Columns: sum.SLA.Columns, Rows: sum.SLA.Rows}}, {"By priority", byPriority}}
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

const summarySheet = "Summary"

// summarySheet writes the headline table on the first sheet (a normal
// sheet, not a stream: it is small and carries the charts).
func (wb *Workbook) summarySheet(sum *reports.Summary, zone *time.Location) error {
	f := wb.f
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
	if err := set("A1", "Leadership summary", wb.styles["title"]); err != nil {
		return err
	}
	if err := set("A2", PeriodLine(sum.From, sum.To, zone)+", compared with "+
		sum.PreviousFrom.In(zone).Format("2006-01-02 15:04")+" – "+sum.PreviousTo.In(zone).Format("2006-01-02 15:04"), 0); err != nil {
		return err
	}
	for i, h := range []string{"Figure", "This period", "Previous period", "Change"} {
		if err := set(cell(i+1, headRows), h, wb.styles["header"]); err != nil {
			return err
		}
	}
	for i, h := range sum.Headlines {
		r := headRows + 1 + i
		if err := set(cell(1, r), h.Label, 0); err != nil {
			return err
		}
		col := reports.Column{Kind: h.Kind}
		for j, v := range []*float64{h.Current, h.Previous} {
			if v == nil {
				if err := set(cell(2+j, r), reports.NoData, 0); err != nil {
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
	first, last := headRows+1, headRows+len(trend.Rows)
	var series []excelize.ChartSeries
	for _, m := range []string{"created", "solved"} {
		col := columnLetter(trend, m)
		series = append(series, excelize.ChartSeries{Name: fmt.Sprintf("'Trend'!$%s$%d", col, headRows),
			Categories: fmt.Sprintf("'Trend'!$A$%d:$A$%d", first, last), Values: fmt.Sprintf("'Trend'!$%s$%d:$%s$%d", col, first, col, last)})
	}
	if len(trend.Rows) > 0 {
		if err := wb.f.AddChart(summarySheet, "F4", &excelize.Chart{Type: excelize.Line, Series: series,
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Created and solved"}}},
			Format: excelize.GraphicOptions{ScaleX: 1.2, ScaleY: 1}}); err != nil {
			return err
		}
	}
	bar := func(anchor, sheet, title string, res *reports.Result, measure string) error {
		if len(res.Rows) == 0 {
			return nil
		}
		first, last := headRows+1, headRows+len(res.Rows)
		col := columnLetter(res, measure)
		return wb.f.AddChart(summarySheet, anchor, &excelize.Chart{Type: excelize.Col,
			Series: []excelize.ChartSeries{{Name: fmt.Sprintf("'%s'!$%s$%d", sheet, col, headRows),
				Categories: fmt.Sprintf("'%s'!$A$%d:$A$%d", sheet, first, last),
				Values:     fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheet, col, first, col, last)}},
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
			Legend: excelize.ChartLegend{Position: "none"}})
	}
	if err := bar("F20", "SLA", "SLA compliance by metric", sla, "compliance_pct"); err != nil {
		return err
	}
	return bar("F36", "By priority", "Tickets created by priority", byPriority, "created")
}

func columnLetter(res *reports.Result, name string) string {
	l, err := excelize.ColumnNumberToName(res.ColumnIndex(name) + 1)
	if err != nil {
		return "A"
	}
	return l
}
