package digest

import (
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/schedule"
)

func f(v float64) *float64 { return &v }

// The e-mail shows a percentage's change in points, a previous period
// without data as "no data", and billable time per currency with each
// currency's decimals, never one sum across currencies.
func TestDigestFigures(t *testing.T) {
	from := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	sum := &reports.Summary{From: from, To: from.AddDate(0, 0, 7), PreviousFrom: from.AddDate(0, 0, -7), PreviousTo: from, Zone: "UTC",
		Headlines: []reports.Headline{
			{Label: "SLA compliance", Kind: reports.KindPercent, Current: f(90.9), Previous: f(94.4)},
			{Label: "Tickets created", Kind: reports.KindCount, Current: f(1234), Previous: nil},
			{Label: "Resolution, median", Kind: reports.KindSeconds, Current: f(28 * 3600), Previous: f(30 * 3600)},
		}}
	cols := []reports.Column{{Name: "period", Kind: reports.KindPeriod}, {Name: "currency", Kind: reports.KindDimension},
		{Name: "hours", Kind: reports.KindHours}, {Name: "billable_hours", Kind: reports.KindHours}, {Name: "amount", Kind: reports.KindMoney}}
	billable := &reports.Result{Report: "billable", Title: "Billable time", Columns: cols, Rows: [][]any{
		{"2026-11-16T00:00:00Z", "VND", f(10), f(8), f(4000000)},
		{"2026-11-17T00:00:00Z", "VND", f(5), f(4), f(2000000.4)},
		{"2026-11-16T00:00:00Z", "USD", f(3), f(2), f(150)},
		{"2026-11-17T00:00:00Z", "USD", f(3), f(1), f(1234.5)},
		{"2026-11-16T00:00:00Z", "", f(1), f(1), f(0)},
	}}
	s := schedule.Schedule{Name: "Weekly", TZ: "UTC", Period: schedule.PeriodWeek}
	p := newPage(s, sum, []*reports.Result{billable}, nil, "")
	html, text, err := p.bodies()
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{html, text} {
		for _, want := range []string{"−3.5 pts", "no data", "1d 4h", "₫6,000,000", "$1,384.50", "12.0", "3.0"} {
			if !strings.Contains(body, want) {
				t.Errorf("body lacks %q:\n%s", want, body)
			}
		}
		for _, wrong := range []string{"-3.7%", "−3.7%", "6,001,384", "6001384"} {
			if strings.Contains(body, wrong) {
				t.Errorf("body has %q:\n%s", wrong, body)
			}
		}
	}
	// Largest billable hours first: VND (12 h), USD (3 h), no rate (1 h).
	if got := []string{p.Money[0].Currency, p.Money[1].Currency, p.Money[2].Currency}; strings.Join(got, ",") != "VND,USD,no rate" {
		t.Errorf("currency order %v", got)
	}
}
