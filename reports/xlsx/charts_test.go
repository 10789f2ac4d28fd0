package xlsx

import (
	"archive/zip"
	"bytes"
	"html"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

// chartParts are the chart XML parts of a workbook, by chart title.
func chartParts(t *testing.T, data []byte) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	titleRe := regexp.MustCompile(`<a:t>([^<]*)</a:t>`)
	out := map[string]string{}
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, "xl/charts/chart") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		m := titleRe.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s: no title", f.Name)
		}
		out[string(m[1])] = string(b)
	}
	return out
}

// axisFormat is the number format of the chart's first axis of kind
// ("catAx" or "valAx"), and whether it follows the cells instead.
func axisFormat(t *testing.T, chart, kind string) (format string, sourceLinked bool) {
	t.Helper()
	// the chart namespace may be the default one or prefixed c:
	ax := regexp.MustCompile(`(?s)<(?:c:)?` + kind + `>.*?</(?:c:)?` + kind + `>`).FindString(chart)
	m := regexp.MustCompile(`<(?:c:)?numFmt formatCode="([^"]*)" sourceLinked="(0|1|false|true)"`).FindStringSubmatch(ax)
	if m == nil {
		t.Fatalf("no %s number format in %.400s", kind, ax)
	}
	return html.UnescapeString(m[1]), m[2] == "1" || m[2] == "true"
}

// The leadership workbook's native charts show their axes as a reader
// reads them: the trend's categories as dates in the workbook's language
// (not serial numbers such as 46342), compliance as percentages of the
// fractions the SLA sheet holds, counts as whole numbers.
func TestLeadershipChartAxesShowDatesAndPercentages(t *testing.T) {
	period := reports.Column{Name: "period", Label: "Period", Kind: reports.KindPeriod}
	count := func(name string) reports.Column {
		return reports.Column{Name: name, Label: name, Kind: reports.KindCount}
	}
	trend := &reports.Result{Report: "volume", Title: "Volume", Zone: "UTC", Grain: reports.GrainDay,
		Columns: []reports.Column{period, count("created"), count("solved")},
		Rows:    [][]any{{"2026-11-16T00:00:00Z", f(4), f(3)}, {"2026-11-17T00:00:00Z", f(6), f(5)}}}
	sla := &reports.Result{Report: "sla_compliance", Title: "SLA", Zone: "UTC",
		Columns: []reports.Column{{Name: "metric", Label: "Metric", Kind: reports.KindDimension}, {Name: "compliance_pct", Label: "Compliance", Kind: reports.KindPercent}},
		Rows:    [][]any{{"first_reply", f(95.4)}, {"resolution", f(80)}}}
	byPriority := &reports.Result{Report: "volume", Title: "Volume", Zone: "UTC",
		Columns: []reports.Column{{Name: "priority", Label: "Priority", Kind: reports.KindDimension}, count("created")},
		Rows:    [][]any{{"low", f(3)}, {"high", f(7)}}}
	for lang, day := range map[i18n.Lang]string{i18n.English: "yyyy-mm-dd", i18n.Vietnamese: "dd/mm/yyyy", i18n.Russian: "dd.mm.yyyy"} {
		wb := NewIn(lang)
		if err := wb.ensureStyles(); err != nil {
			t.Fatal(err)
		}
		if err := wb.summarySheet(&reports.Summary{Zone: "UTC"}, time.UTC); err != nil {
			t.Fatal(err)
		}
		for name, res := range map[string]*reports.Result{"Trend": trend, "SLA": sla, "By priority": byPriority} {
			if err := wb.AddResult(res, wb.sheet(name)); err != nil {
				t.Fatal(err)
			}
		}
		if err := wb.charts(trend, sla, byPriority); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := wb.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		wb.Close()
		charts := chartParts(t, buf.Bytes())
		if len(charts) != 3 {
			t.Fatalf("%s: %d charts, want 3", lang, len(charts))
		}
		check := func(title, kind, want string) {
			t.Helper()
			chart, ok := charts[lang.T(title)]
			if !ok {
				t.Fatalf("%s: no chart %q among %d", lang, lang.T(title), len(charts))
			}
			if got, linked := axisFormat(t, chart, kind); got != want || linked {
				t.Errorf("%s %q %s: format %q (source-linked %v), want %q", lang, title, kind, got, linked, want)
			}
		}
		check("Created and solved", "catAx", day)
		check("Created and solved", "valAx", "#,##0")
		check("SLA compliance by metric", "valAx", "0%")
		check("Tickets created by priority", "valAx", "#,##0")

		// "0%" is right for what the SLA sheet holds: 95.4 % as 0.954.
		x, err := openBytes(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := x.GetCellValue(wb.sheet("SLA"), "B"+strconv.Itoa(headRows+1), rawValue)
		x.Close()
		if v, err := strconv.ParseFloat(raw, 64); err != nil || v != 0.954 {
			t.Errorf("%s: the SLA sheet holds %q for 95.4 %%, want 0.954", lang, raw)
		}
	}
}

var rawValue = excelize.Options{RawCellValue: true}

func openBytes(b []byte) (*excelize.File, error) { return excelize.OpenReader(bytes.NewReader(b)) }
