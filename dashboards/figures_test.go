package dashboards

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

func f(v float64) *float64 { return &v }

// A list of now states the time in the zone it names.
func TestNowListHeaderIsInItsZone(t *testing.T) {
	now := time.Date(2026, 12, 7, 18, 4, 0, 0, time.UTC)
	res := &reports.Result{From: now, To: now, Zone: "Asia/Ho_Chi_Minh"}
	if got, want := newLocale(i18n.English).listSpan(res), "now (2026-12-08 01:04 Asia/Ho_Chi_Minh)"; got != want {
		t.Errorf("now list: %q, want %q", got, want)
	}
	res = &reports.Result{From: time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC), Zone: "Europe/Berlin"}
	if got, want := newLocale(i18n.English).listSpan(res), "2026-03-02 00:00 – 2026-03-03 00:00 Europe/Berlin"; got != want {
		t.Errorf("a range: %q, want %q", got, want)
	}
}

// Every duration chart of a page shares one unit, chosen from the
// largest duration on the page.
func TestOneDurationUnitPerPage(t *testing.T) {
	cols := []reports.Column{{Name: "period", Kind: reports.KindPeriod}, {Name: "median_s", Label: "Median", Kind: reports.KindSeconds}}
	frt := &reports.Result{Columns: cols, Rows: [][]any{{"2026-03-01T00:00:00Z", f(20 * 60)}, {"2026-03-02T00:00:00Z", nil}}}
	res := &reports.Result{Columns: cols, Rows: [][]any{{"2026-03-01T00:00:00Z", f(7000 * 60)}}}
	if u := unitFor(frt); u != inMinutes {
		t.Errorf("20 minutes at most: %v", u)
	}
	if u := unitFor(frt, &reports.Result{Columns: cols, Rows: [][]any{{"x", f(15 * 86400)}}}); u != inDays {
		t.Errorf("15 days at most: %v", u)
	}
	unit := unitFor(frt, res)
	if unit != inHours {
		t.Fatalf("7,000 minutes at most: %v", unit)
	}
	for _, r := range []*reports.Result{frt, res} {
		c, err := newLocale(i18n.English).trendChart("c", "c", r, []string{"median_s"}, nil, time.UTC, unit)
		if err != nil {
			t.Fatal(err)
		}
		var island struct {
			Option struct {
				Series []struct {
					Name string `json:"name"`
					Data []struct {
						Value any `json:"value"`
					} `json:"data"`
				} `json:"series"`
			} `json:"option"`
		}
		if err := json.Unmarshal([]byte(c.Island), &island); err != nil {
			t.Fatal(err)
		}
		s := island.Option.Series[0]
		if s.Name != "Median (h)" {
			t.Errorf("series %q, want it in hours", s.Name)
		}
		want := *r.Rows[0][1].(*float64) / 3600
		if got, _ := s.Data[0].Value.(float64); got < want-0.05 || got > want+0.05 {
			t.Errorf("%v s drawn as %v, want %.1f hours", *r.Rows[0][1].(*float64), s.Data[0].Value, want)
		}
	}
}

// The agent table lists the agent who solved nothing, last.
func TestAgentsSortByMostSolvesKeepingNone(t *testing.T) {
	cols := []reports.Column{{Name: "agent", Kind: reports.KindDimension}, {Name: "solved", Kind: reports.KindCount}, {Name: "replies", Kind: reports.KindCount}}
	res := &reports.Result{Columns: cols, Rows: [][]any{
		{"bo", f(0), f(9)}, {"al", f(5), f(1)}, {"cy", f(5), f(3)}, {"di", nil, f(0)}, {"ed", f(0), f(9)},
	}}
	sortDescending(res, "solved", "replies")
	var got []string
	for _, row := range res.Rows {
		got = append(got, row[0].(string))
	}
	if strings.Join(got, " ") != "cy al bo ed di" {
		t.Errorf("order %v, want cy al bo ed di", got)
	}
}

// Amounts in a table take their row's currency's decimals.
func TestTableAmountsByCurrency(t *testing.T) {
	cols := []reports.Column{{Name: "currency", Kind: reports.KindDimension}, {Name: "hours", Kind: reports.KindHours}, {Name: "amount", Kind: reports.KindMoney}}
	for _, c := range []struct {
		row  []any
		want string
	}{
		{[]any{"VND", f(12.26), f(123456789.4)}, "VND 12.3 123,456,789"},
		{[]any{"USD", f(3), f(1234.5)}, "USD 3.0 1,234.50"},
		{[]any{"RUB", f(1), (*float64)(nil)}, "RUB 1.0 –"},
	} {
		if got := strings.Join(newLocale(i18n.English).row(cols, c.row), " "); got != c.want {
			t.Errorf("row %v: %q, want %q", c.row[0], got, c.want)
		}
	}
}

// A trend's period labels lean or stand up as periods grow in number, so
// that a month of days is readable; a week stays level.
func TestTrendLabelsTurnAsPeriodsGrow(t *testing.T) {
	for _, c := range []struct{ days, rotate int }{{7, 0}, {14, 45}, {30, 90}} {
		res := &reports.Result{Report: "volume", Grain: reports.GrainDay, Zone: "UTC",
			Columns: []reports.Column{{Name: "period", Kind: reports.KindPeriod}, {Name: "created", Label: "Created", Kind: reports.KindCount}}}
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for d := range c.days {
			res.Rows = append(res.Rows, []any{start.AddDate(0, 0, d).Format(time.RFC3339), f(float64(d))})
		}
		ch, err := newLocale(i18n.English).trendChart("t", "Trend", res, []string{"created"}, nil, time.UTC, inHours)
		if err != nil {
			t.Fatal(err)
		}
		var isl struct {
			Option struct {
				XAxis []struct {
					AxisLabel map[string]any `json:"axisLabel"`
				} `json:"xAxis"`
			} `json:"option"`
		}
		if err := json.Unmarshal([]byte(ch.Island), &isl); err != nil {
			t.Fatal(err)
		}
		if len(isl.Option.XAxis) != 1 {
			t.Fatalf("%d days: %d x axes", c.days, len(isl.Option.XAxis))
		}
		got, _ := isl.Option.XAxis[0].AxisLabel["rotate"].(float64)
		if int(got) != c.rotate || isl.Option.XAxis[0].AxisLabel["interval"] != float64(0) {
			t.Errorf("%d days: axis label %v, want rotate %d and every label", c.days, isl.Option.XAxis[0].AxisLabel, c.rotate)
		}
	}
}
