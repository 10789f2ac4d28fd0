package reports_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/reports"
)

// TestPreviousPeriodWithoutDataIsNoData: the generated history starts on
// 5 January 2026, so December 2025 has no data. January compared with it
// must give no previous figure at all (null, "no data"), never 0; February
// compared with January gives January's figures.
func TestPreviousPeriodWithoutDataIsNoData(t *testing.T) {
	w := loadWorld(t)
	first := time.Now()
	for _, e := range w.events {
		if e.OccurredAt.Before(first) {
			first = e.OccurredAt
		}
	}
	if !first.After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("fixture: the first event is at %s, want one after December 2025", first)
	}
	vol := w.run(t, "volume", "from=2026-01-01&to=2026-02-01&compare=previous", reports.Scope{})
	created := vol.ColumnIndex("created")
	if v := vol.Rows[0][created].(*float64); v == nil || *v == 0 {
		t.Fatalf("January: created %v, want tickets", v)
	}
	for _, row := range vol.Previous.Rows {
		for i, c := range row {
			if v, ok := c.(*float64); ok && v != nil {
				t.Errorf("December (no data): %s = %v, want null", vol.Columns[i].Name, *v)
			}
		}
	}
	byDay := w.run(t, "volume", "from=2026-01-01&to=2026-02-01&grain=week&compare=previous", reports.Scope{})
	if len(byDay.Previous.Rows) == 0 {
		t.Fatal("December by week: no buckets")
	}
	weekCreated := byDay.ColumnIndex("created")
	for _, row := range byDay.Previous.Rows {
		if v := row[weekCreated].(*float64); v != nil {
			t.Errorf("December week %s: created %v, want null", row[0], *v)
		}
	}

	summary := func(params string) *reports.Summary {
		t.Helper()
		r, _ := reports.Lookup("volume")
		v, _ := url.ParseQuery(params)
		q, err := reports.ParseQuery(r, v, w.now, reports.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		sum, err := w.svc.Summarize(context.Background(), q, reports.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	for _, h := range summary("from=2026-01-01&to=2026-02-01").Headlines {
		if h.Previous != nil {
			t.Errorf("January's %q: previous %v, want no data", h.Label, *h.Previous)
		}
		if got := reports.FormatValue(h.Previous, h.Kind); got != "no data" {
			t.Errorf("January's %q: previous reads %q", h.Label, got)
		}
	}
	// January has data: every count of it is there to compare with.
	for _, h := range summary("from=2026-02-01&to=2026-03-01").Headlines {
		if h.Kind == reports.KindCount && (h.Previous == nil || *h.Previous == 0) {
			t.Errorf("February's %q: previous %v, want January's count", h.Label, h.Previous)
		}
	}
}

// TestMoneyTotalsPerCurrency: the finance totals (the page's tiles, the
// e-mail's table) are each currency's own sums, as the events give them,
// never one figure across currencies.
func TestMoneyTotalsPerCurrency(t *testing.T) {
	w := loadWorld(t)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	type sums struct{ hours, billable, amount float64 }
	want := map[string]*sums{}
	for _, e := range w.events {
		if e.Type != event.TypeTimeLogged || !in(e.OccurredAt.Truncate(time.Second), from, to) {
			continue
		}
		cur := e.Currency
		if want[cur] == nil {
			want[cur] = &sums{}
		}
		m := want[cur]
		m.hours += float64(e.Seconds) / 3600
		if e.Billable {
			m.billable += float64(e.Seconds) / 3600
			if e.HasRate {
				m.amount += float64(e.Seconds) / 3600 * e.Rate
			}
		}
	}
	currencies := 0
	for cur := range want {
		if cur != "" {
			currencies++
		}
	}
	if currencies < 2 {
		t.Fatalf("fixture: %d currencies with rates, want several", currencies)
	}
	res := w.run(t, "billable", "from=2026-01-01&to=2026-04-01&grain=month", reports.Scope{})
	got := reports.CurrencyTotals(res)
	if len(got) != len(want) {
		t.Fatalf("%d currency totals, want %d: %+v", len(got), len(want), got)
	}
	for i, g := range got {
		m := want[g.Currency]
		if m == nil {
			t.Fatalf("a total in %q, which no entry has", g.Currency)
		}
		wantNum(t, g.Currency+" hours", &g.Hours, m.hours)
		wantNum(t, g.Currency+" billable hours", &g.BillableHours, m.billable)
		wantNum(t, g.Currency+" amount", &g.Amount, m.amount)
		if i > 0 && got[i-1].BillableHours < g.BillableHours {
			t.Errorf("totals not by billable hours, largest first: %+v", got)
		}
	}
}
