// Package digest composes the e-mail of a report schedule for a period:
// an HTML body with the headline figures next to the previous period's,
// the same as plain text, and the schedule's reports attached as one
// workbook (one sheet per report) or one CSV file per report. Every figure
// comes from the report layer the dashboards and the API use.
package digest

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"net/url"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/csvexport"
	"github.com/slatehq/slate/reports/schedule"
	"github.com/slatehq/slate/reports/xlsx"
)

// Composer builds schedule messages (schedule.Composer).
type Composer struct {
	Service *reports.Service
	// Domain is the right-hand side of Message-IDs (the sender's domain).
	Domain string
	// BaseURL, if set, links the e-mail to the dashboards.
	BaseURL string
}

// grainOf breaks a period into buckets small enough to show a trend.
var grainOf = map[schedule.Period]string{
	schedule.PeriodDay: "hour", schedule.PeriodWeek: "day", schedule.PeriodMonth: "day", schedule.PeriodQuarter: "week",
}

// Query is the report query a schedule runs for [from, to): the
// schedule's zone and filters, a trend grain suited to its period, and
// for lists the list limit. It is validated like an API request.
func Query(svc *reports.Service, s schedule.Schedule, rep *reports.Report, from, to time.Time) (reports.Query, error) {
	v := url.Values{}
	v.Set(reports.ParamFrom, from.Format(time.RFC3339))
	v.Set(reports.ParamTo, to.Format(time.RFC3339))
	v.Set(reports.ParamTZ, s.TZ)
	if rep.DefaultGrain != reports.GrainNone && !rep.List {
		v.Set(reports.ParamGrain, grainOf[s.Period])
	}
	for d, vals := range s.Filters {
		if slices.Contains(rep.Dimensions, reports.Dimension(d)) {
			v[d] = vals
		}
	}
	q, err := reports.ParseQuery(rep, v, to, svc.Limits())
	if err != nil {
		return q, fmt.Errorf("report %s: %w", rep.Name, err)
	}
	if rep.List {
		q.Limit = svc.Limits().MaxList
	}
	return q, nil
}

// Compose runs the schedule's reports for [from, to) within its owner's
// scope and builds the message.
func (c *Composer) Compose(ctx context.Context, s schedule.Schedule, from, to time.Time) (schedule.Message, error) {
	scope := s.Scope
	vol, _ := reports.Lookup("volume")
	sq, err := Query(c.Service, s, vol, from, to)
	if err != nil {
		return schedule.Message{}, err
	}
	sum, err := c.Service.Summarize(ctx, sq, scope)
	if err != nil {
		return schedule.Message{}, fmt.Errorf("summary: %w", err)
	}
	var results []*reports.Result
	for _, name := range s.Reports {
		rep, ok := reports.Lookup(name)
		if !ok {
			return schedule.Message{}, fmt.Errorf("report %q no longer exists", name)
		}
		q, err := Query(c.Service, s, rep, from, to)
		if err != nil {
			return schedule.Message{}, err
		}
		var res *reports.Result
		if rep.List {
			res, err = c.Service.List(ctx, rep, q, scope, "")
		} else {
			res, err = c.Service.Run(ctx, rep, q, scope)
		}
		if err != nil {
			return schedule.Message{}, fmt.Errorf("report %s: %w", name, err)
		}
		results = append(results, res)
	}
	atts, err := attachments(s, from, results)
	if err != nil {
		return schedule.Message{}, err
	}
	page := newPage(s, sum, results, atts, c.BaseURL)
	var html, text bytes.Buffer
	if err := htmlBody.Execute(&html, page); err != nil {
		return schedule.Message{}, fmt.Errorf("html body: %w", err)
	}
	if err := textBody.Execute(&text, page); err != nil {
		return schedule.Message{}, fmt.Errorf("text body: %w", err)
	}
	return schedule.Message{
		ID:          schedule.MessageID(s, from, c.Domain),
		To:          slices.Clone(s.Recipients),
		Subject:     s.Subject + " · " + page.Period,
		HTML:        html.String(),
		Text:        text.String(),
		Attachments: atts,
	}, nil
}

// attachments writes the results as one workbook (a sheet per report) or
// one CSV file per report, named after the schedule and the period.
func attachments(s schedule.Schedule, from time.Time, results []*reports.Result) ([]schedule.Attachment, error) {
	stem := slug(s.Name) + "-" + from.In(zoneOf(s)).Format("2006-01-02")
	if s.Format == "csv" {
		var out []schedule.Attachment
		for _, res := range results {
			var b bytes.Buffer
			if err := csvexport.Encode(&b, res); err != nil {
				return nil, fmt.Errorf("%s.csv: %w", res.Report, err)
			}
			out = append(out, schedule.Attachment{Name: stem + "-" + res.Report + ".csv", ContentType: "text/csv; charset=utf-8", Data: b.Bytes()})
		}
		return out, nil
	}
	wb := xlsx.New()
	defer wb.Close()
	for _, res := range results {
		if err := wb.AddResult(res, res.Title); err != nil {
			return nil, fmt.Errorf("workbook sheet %s: %w", res.Report, err)
		}
	}
	var b bytes.Buffer
	if _, err := wb.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("workbook: %w", err)
	}
	return []schedule.Attachment{{Name: stem + ".xlsx", ContentType: xlsx.ContentType, Data: b.Bytes()}}, nil
}

// slug makes a file name of a schedule name: letters (any script) and
// digits kept, everything else one '-'.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' || r == ' ' || r < 0x30 || strings.ContainsRune(`/\:*?"<>|`, r) {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "report"
	}
	return b.String()
}

func zoneOf(s schedule.Schedule) *time.Location {
	if z, err := time.LoadLocation(s.TZ); err == nil {
		return z
	}
	return time.UTC
}

// page is what both bodies show.
type page struct {
	Name, Period, Zone, Previous string
	Headlines                    []line
	SLA                          []line
	Money                        []moneyLine // billable totals per currency, when a report is billable
	Reports                      []string
	Files                        []string
	Filters                      []string
	Link                         string
}

type line struct{ Label, Current, Previous, Change string }

type moneyLine struct{ Currency, Billable, Amount string }

func newPage(s schedule.Schedule, sum *reports.Summary, results []*reports.Result, atts []schedule.Attachment, base string) page {
	zone := zoneOf(s)
	p := page{Name: s.Name, Zone: s.TZ, Period: periodLabel(sum.From, sum.To, zone), Previous: periodLabel(sum.PreviousFrom, sum.PreviousTo, zone)}
	for _, h := range sum.Headlines {
		p.Headlines = append(p.Headlines, line{Label: h.Label, Current: reports.FormatValue(h.Current, h.Kind),
			Previous: reports.FormatValue(h.Previous, h.Kind), Change: reports.FormatChange(h)})
	}
	if sla := sum.SLA; sla != nil {
		mi, ci := sla.ColumnIndex("metric"), sla.ColumnIndex("compliance_pct")
		prev := map[string]*float64{}
		if sla.Previous != nil && mi >= 0 && ci >= 0 {
			for _, row := range sla.Previous.Rows {
				m, _ := row[mi].(string)
				prev[m], _ = row[ci].(*float64)
			}
		}
		for _, row := range sla.Rows {
			if mi < 0 || ci < 0 {
				break
			}
			metric, _ := row[mi].(string)
			cur, _ := row[ci].(*float64)
			p.SLA = append(p.SLA, line{Label: metric, Current: reports.FormatValue(cur, reports.KindPercent),
				Previous: reports.FormatValue(prev[metric], reports.KindPercent)})
		}
	}
	for _, r := range results {
		p.Reports = append(p.Reports, r.Title)
		if r.Report != "billable" {
			continue
		}
		// Each currency's own total: amounts are never added across them.
		for _, t := range reports.CurrencyTotals(r) {
			amount := "–"
			if t.Currency != "" {
				amount = reports.FormatMoney(t.Amount, t.Currency) + " " + t.Currency
			}
			p.Money = append(p.Money, moneyLine{Currency: reports.CurrencyLabel(t.Currency),
				Billable: reports.FormatNumber(t.BillableHours, reports.KindHours), Amount: amount})
		}
	}
	for _, a := range atts {
		p.Files = append(p.Files, a.Name)
	}
	for _, d := range slices.Sorted(maps.Keys(s.Filters)) {
		p.Filters = append(p.Filters, d+": "+strings.Join(s.Filters[d], ", "))
	}
	if base != "" {
		p.Link = strings.TrimRight(base, "/") + "/dashboards/leadership?" + url.Values{
			reports.ParamFrom: {sum.From.In(zone).Format("2006-01-02")}, reports.ParamTo: {sum.To.In(zone).Format("2006-01-02")}, reports.ParamTZ: {s.TZ},
		}.Encode()
	}
	return p
}

// periodLabel writes [from, to) as its first and last local day.
func periodLabel(from, to time.Time, zone *time.Location) string {
	f, l := from.In(zone), to.In(zone).AddDate(0, 0, -1)
	if f.Equal(l) || f.Format("2006-01-02") == l.Format("2006-01-02") {
		return f.Format("Mon 2 Jan 2006")
	}
	return f.Format("2 Jan 2006") + " – " + l.Format("2 Jan 2006")
}

// The HTML body uses inline styles only: mail clients drop <style> and
// never run scripts; html/template escapes every value from data.
var htmlBody = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Name}}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;font-size:14px">
<h1 style="font-size:20px;margin:0 0 4px">{{.Name}}</h1>
<p style="margin:0 0 16px;color:#52606d">{{.Period}} ({{.Zone}}), compared with {{.Previous}}{{if .Filters}} · {{range $i, $f := .Filters}}{{if $i}}; {{end}}{{$f}}{{end}}{{end}}</p>
<table cellpadding="6" cellspacing="0" style="border-collapse:collapse" id="headlines">
<tr style="background:#e4e7eb"><th align="left">Figure</th><th align="right">This period</th><th align="right">Previous</th><th align="right">Change</th></tr>
{{range .Headlines}}<tr style="border-top:1px solid #cbd2d9"><td>{{.Label}}</td><td align="right"><b>{{.Current}}</b></td><td align="right">{{.Previous}}</td><td align="right">{{.Change}}</td></tr>
{{end}}</table>
{{if .SLA}}<h2 style="font-size:16px;margin:20px 0 6px">SLA compliance by metric</h2>
<table cellpadding="6" cellspacing="0" style="border-collapse:collapse" id="sla">
<tr style="background:#e4e7eb"><th align="left">Metric</th><th align="right">This period</th><th align="right">Previous</th></tr>
{{range .SLA}}<tr style="border-top:1px solid #cbd2d9"><td>{{.Label}}</td><td align="right"><b>{{.Current}}</b></td><td align="right">{{.Previous}}</td></tr>
{{end}}</table>{{end}}
{{if .Money}}<h2 style="font-size:16px;margin:20px 0 6px">Billable time by currency</h2>
<table cellpadding="6" cellspacing="0" style="border-collapse:collapse" id="money">
<tr style="background:#e4e7eb"><th align="left">Currency</th><th align="right">Billable hours</th><th align="right">Amount</th></tr>
{{range .Money}}<tr style="border-top:1px solid #cbd2d9"><td>{{.Currency}}</td><td align="right">{{.Billable}}</td><td align="right"><b>{{.Amount}}</b></td></tr>
{{end}}</table>{{end}}
<p style="margin-top:20px">Attached: {{range $i, $f := .Files}}{{if $i}}, {{end}}{{$f}}{{end}} ({{range $i, $r := .Reports}}{{if $i}}, {{end}}{{$r}}{{end}}).</p>
{{if .Link}}<p><a href="{{.Link}}">Open the leadership dashboard for this period</a></p>{{end}}
<p style="color:#7b8794;font-size:12px">Sent by Slate on schedule “{{.Name}}”.</p>
</body></html>
`))

var textBody = texttemplate.Must(texttemplate.New("text").Parse(`{{.Name}}
{{.Period}} ({{.Zone}}), compared with {{.Previous}}
{{range .Filters}}{{.}}
{{end}}
{{range .Headlines}}{{printf "%-36s %10s %10s %8s" .Label .Current .Previous .Change}}
{{end}}{{if .SLA}}
SLA compliance by metric
{{range .SLA}}{{printf "%-36s %10s %10s" .Label .Current .Previous}}
{{end}}{{end}}{{if .Money}}
Billable time by currency
{{range .Money}}{{printf "%-12s %14s h %24s" .Currency .Billable .Amount}}
{{end}}{{end}}
Attached: {{range $i, $f := .Files}}{{if $i}}, {{end}}{{$f}}{{end}}
{{if .Link}}Dashboard: {{.Link}}
{{end}}
Sent by Slate on schedule "{{.Name}}".
`))
