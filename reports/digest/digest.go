// Package digest composes the e-mail of a report schedule for a period:
// an HTML body with the headline figures next to the previous period's,
// the same as plain text, and the schedule's reports attached as one
// workbook (one sheet per report) or one CSV file per report. Every figure
// comes from the report layer the dashboards and the API use.
package digest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"net/url"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/formats"
	"github.com/slatehq/slate/reports/schedule"
)

// Composer builds schedule messages (schedule.Composer).
type Composer struct {
	Service reports.Runner
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
func Query(svc reports.Runner, s schedule.Schedule, rep *reports.Report, from, to time.Time) (reports.Query, error) {
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
	atts, err := attachments(s, from, results, langOf(s))
	if err != nil {
		return schedule.Message{}, err
	}
	page := newPage(s, sum, results, atts, c.BaseURL)
	html, text, err := page.bodies()
	if err != nil {
		return schedule.Message{}, err
	}
	return schedule.Message{
		ID:          schedule.MessageID(s, from, c.Domain),
		To:          slices.Clone(s.Recipients),
		Subject:     s.Subject + " · " + page.Period,
		HTML:        html,
		Text:        text,
		Attachments: atts,
	}, nil
}

// attachments writes the results in the schedule's format: one file
// when the format combines results (a workbook, a sheet per report), else
// a file per report; named after the schedule and the period.
func attachments(s schedule.Schedule, from time.Time, results []*reports.Result, lang i18n.Lang) ([]schedule.Attachment, error) {
	stem := slug(s.Name) + "-" + from.In(zoneOf(s)).Format("2006-01-02")
	f, ok := formats.Lookup(cmp.Or(s.Format, schedule.DefaultFormat))
	if !ok || !f.Mail {
		return nil, fmt.Errorf("format %q: not one schedules send (%s)", s.Format, strings.Join(formats.Names(formats.Mailable), ", "))
	}
	if f.Combine != nil {
		var b bytes.Buffer
		if err := f.Combine(&b, results, lang); err != nil {
			return nil, err
		}
		return []schedule.Attachment{{Name: stem + "." + f.Ext, ContentType: f.ContentType, Data: b.Bytes()}}, nil
	}
	var out []schedule.Attachment
	for _, res := range results {
		var b bytes.Buffer
		if err := f.Encode(&b, res, lang); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", res.Report, f.Ext, err)
		}
		out = append(out, schedule.Attachment{Name: stem + "-" + res.Report + "." + f.Ext, ContentType: f.ContentType, Data: b.Bytes()})
	}
	return out, nil
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

// langOf is the schedule's e-mail language (validated when saved).
func langOf(s schedule.Schedule) i18n.Lang {
	l, err := i18n.Parse(s.Lang)
	if err != nil {
		return i18n.English
	}
	return l
}

// page is what both bodies show.
type page struct {
	lang                         i18n.Lang
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
	lang := langOf(s)
	n := reports.NumbersFor(lang)
	p := page{lang: lang, Name: s.Name, Zone: s.TZ, Period: periodLabel(n, sum.From, sum.To, zone), Previous: periodLabel(n, sum.PreviousFrom, sum.PreviousTo, zone)}
	for _, h := range sum.Headlines {
		p.Headlines = append(p.Headlines, line{Label: lang.T(h.Label), Current: n.Value(h.Current, h.Kind),
			Previous: n.Value(h.Previous, h.Kind), Change: n.Change(h)})
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
			p.SLA = append(p.SLA, line{Label: lang.Value("metric", metric), Current: n.Value(cur, reports.KindPercent),
				Previous: n.Value(prev[metric], reports.KindPercent)})
		}
	}
	for _, r := range results {
		p.Reports = append(p.Reports, lang.T(r.Title))
		if r.Report != "billable" {
			continue
		}
		// Each currency's own total: amounts are never added across them.
		for _, t := range reports.CurrencyTotals(r) {
			amount := "–"
			if t.Currency != "" {
				amount = n.Amount(t.Amount, t.Currency)
			}
			p.Money = append(p.Money, moneyLine{Currency: lang.T(reports.CurrencyLabel(t.Currency)),
				Billable: n.Number(t.BillableHours, reports.KindHours), Amount: amount})
		}
	}
	for _, a := range atts {
		p.Files = append(p.Files, a.Name)
	}
	for _, d := range slices.Sorted(maps.Keys(s.Filters)) {
		p.Filters = append(p.Filters, lang.T(reports.DimensionLabel(reports.Dimension(d)))+": "+strings.Join(s.Filters[d], ", "))
	}
	if base != "" {
		p.Link = strings.TrimRight(base, "/") + "/dashboards/leadership?" + url.Values{
			reports.ParamFrom: {sum.From.In(zone).Format("2006-01-02")}, reports.ParamTo: {sum.To.In(zone).Format("2006-01-02")}, reports.ParamTZ: {s.TZ},
		}.Encode()
	}
	return p
}

// periodLabel writes [from, to) as its first and last local day: in
// English as "Mon 2 Jan 2006", in the locale's short form otherwise.
func periodLabel(n reports.Numbers, from, to time.Time, zone *time.Location) string {
	f, l := from.In(zone), to.In(zone).AddDate(0, 0, -1)
	day, oneDay := n.DateLayout, n.DateLayout
	if n.Lang == i18n.English {
		day, oneDay = "2 Jan 2006", "Mon 2 Jan 2006"
	}
	if f.Equal(l) || f.Format("2006-01-02") == l.Format("2006-01-02") {
		return f.Format(oneDay)
	}
	return f.Format(day) + " – " + l.Format(day)
}

// bodies renders the HTML and the text body in the page's language.
func (p page) bodies() (html, text string, err error) {
	var hb, tb bytes.Buffer
	if err := htmlBodies[p.lang].Execute(&hb, p); err != nil {
		return "", "", fmt.Errorf("html body: %w", err)
	}
	if err := textBodies[p.lang].Execute(&tb, p); err != nil {
		return "", "", fmt.Errorf("text body: %w", err)
	}
	return hb.String(), tb.String(), nil
}

// htmlBodies and textBodies are the body templates in each language.
var htmlBodies, textBodies = func() (map[i18n.Lang]*htmltemplate.Template, map[i18n.Lang]*texttemplate.Template) {
	hs, ts := map[i18n.Lang]*htmltemplate.Template{}, map[i18n.Lang]*texttemplate.Template{}
	for _, l := range i18n.Langs {
		hs[l] = htmltemplate.Must(htmltemplate.New("html").Funcs(htmltemplate.FuncMap{"t": l.T}).Parse(htmlBody))
		ts[l] = texttemplate.Must(texttemplate.New("text").Funcs(texttemplate.FuncMap{"t": l.T}).Parse(textBody))
	}
	return hs, ts
}()

// The HTML body uses inline styles only: mail clients drop <style> and
// never run scripts; html/template escapes every value from data.
const htmlBody = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Name}}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;font-size:14px">
<h1 style="font-size:20px;margin:0 0 4px">{{.Name}}</h1>
<p style="margin:0 0 16px;color:#52606d">{{t "%s (%s), compared with %s" .Period .Zone .Previous}}{{if .Filters}} · {{range $i, $f := .Filters}}{{if $i}}; {{end}}{{$f}}{{end}}{{end}}</p>
<table cellpadding="6" cellspacing="0" style="border-collapse:collapse" id="headlines">
<tr style="background:#e4e7eb"><th align="left">{{t "Figure"}}</th><th align="right">{{t "This period"}}</th><th align="right">{{t "Previous"}}</th><th align="right">{{t "Change"}}</th></tr>
{{range .Headlines}}<tr style="border-top:1px solid #cbd2d9"><td>{{.Label}}</td><td align="right"><b>{{.Current}}</b></td><td align="right">{{.Previous}}</td><td align="right">{{.Change}}</td></tr>
{{end}}</table>
{{if .SLA}}<h2 style="font-size:16px;margin:20px 0 6px">{{t "SLA compliance by metric"}}</h2>
<table cellpadding="6" cellspacing="0" style="border-collapse:collapse" id="sla">
<tr style="background:#e4e7eb"><th align="left">{{t "Metric"}}</th><th align="right">{{t "This period"}}</th><th align="right">{{t "Previous"}}</th></tr>
{{range .SLA}}<tr style="border-top:1px solid #cbd2d9"><td>{{.Label}}</td><td align="right"><b>{{.Current}}</b></td><td align="right">{{.Previous}}</td></tr>
{{end}}</table>{{end}}
{{if .Money}}<h2 style="font-size:16px;margin:20px 0 6px">{{t "Billable time by currency"}}</h2>
<table cellpadding="6" cellspacing="0" style="border-collapse:collapse" id="money">
<tr style="background:#e4e7eb"><th align="left">{{t "Currency"}}</th><th align="right">{{t "Billable hours"}}</th><th align="right">{{t "Amount"}}</th></tr>
{{range .Money}}<tr style="border-top:1px solid #cbd2d9"><td>{{.Currency}}</td><td align="right">{{.Billable}}</td><td align="right"><b>{{.Amount}}</b></td></tr>
{{end}}</table>{{end}}
<p style="margin-top:20px">{{t "Attached:"}} {{range $i, $f := .Files}}{{if $i}}, {{end}}{{$f}}{{end}} ({{range $i, $r := .Reports}}{{if $i}}, {{end}}{{$r}}{{end}}).</p>
{{if .Link}}<p><a href="{{.Link}}">{{t "Open the leadership dashboard for this period"}}</a></p>{{end}}
<p style="color:#7b8794;font-size:12px">{{t "Sent by Slate on schedule “%s”." .Name}}</p>
</body></html>
`

const textBody = `{{.Name}}
{{t "%s (%s), compared with %s" .Period .Zone .Previous}}
{{range .Filters}}{{.}}
{{end}}
{{range .Headlines}}{{printf "%-36s %10s %10s %8s" .Label .Current .Previous .Change}}
{{end}}{{if .SLA}}
{{t "SLA compliance by metric"}}
{{range .SLA}}{{printf "%-36s %10s %10s" .Label .Current .Previous}}
{{end}}{{end}}{{if .Money}}
{{t "Billable time by currency"}}
{{range .Money}}{{printf "%-12s %14s %s %24s" .Currency .Billable (t "h") .Amount}}
{{end}}{{end}}
{{t "Attached:"}} {{range $i, $f := .Files}}{{if $i}}, {{end}}{{$f}}{{end}}
{{if .Link}}{{t "Dashboard:"}} {{.Link}}
{{end}}
{{t "Sent by Slate on schedule “%s”." .Name}}
`
