package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/formats"
)

func valid() Schedule {
	return Schedule{Name: "Weekly SLA", Cron: "0 8 * * 1", TZ: "Europe/Berlin", Period: PeriodWeek,
		Reports: []string{"sla_compliance", "volume"}, Filters: map[string][]string{"group": {"L2"}},
		Recipients: []string{"lead@example.com", "cfo@example.vn"}}
}

func TestValidateNamesTheField(t *testing.T) {
	for field, mutate := range map[string]func(*Schedule){
		"name":          func(s *Schedule) { s.Name = " " },
		"cron":          func(s *Schedule) { s.Cron = "every monday" },
		"tz":            func(s *Schedule) { s.TZ = "Europe/Atlantis" },
		"period":        func(s *Schedule) { s.Period = "fortnight" },
		"reports":       func(s *Schedule) { s.Reports = nil },
		"reports[1]":    func(s *Schedule) { s.Reports[1] = "nope" },
		"filters.color": func(s *Schedule) { s.Filters = map[string][]string{"color": {"red"}} },
		"format":        func(s *Schedule) { s.Format = "pdf" },
		"recipients":    func(s *Schedule) { s.Recipients = nil },
		"recipients[1]": func(s *Schedule) { s.Recipients[1] = "not an address" },
		"subject":       func(s *Schedule) { s.Subject = "two\r\nlines" },
		"id":            func(s *Schedule) { s.ID = "a/b" },
		"lang":          func(s *Schedule) { s.Lang = "de" },
	} {
		s := valid()
		mutate(&s)
		err := s.Validate()
		var pe *reports.ParamError
		if !errors.As(err, &pe) || pe.Param != field {
			t.Errorf("%s: got %v", field, err)
		}
	}
	// Zones Go loads but ClickHouse refuses: every send would fail.
	for _, tz := range []string{"right/UTC", "posix/Asia/Ho_Chi_Minh", "posixrules"} {
		s := valid()
		s.TZ = tz
		var pe *reports.ParamError
		if err := s.Validate(); !errors.As(err, &pe) || pe.Param != "tz" {
			t.Errorf("tz %s: got %v", tz, err)
		}
	}
	s := valid()
	if err := s.Validate(); err != nil || s.Format != "xlsx" || s.Subject != "Slate: Weekly SLA" || s.Lang != "en" {
		t.Fatalf("valid schedule: %v %+v", err, s)
	}
	// A language with a region is kept as the language.
	s = valid()
	s.Lang = "ru-RU"
	if err := s.Validate(); err != nil || s.Lang != "ru" {
		t.Fatalf("lang ru-RU: %v %q", err, s.Lang)
	}
}

// A schedule takes every format of the registry meant for people, and no
// other (JSON is for programs).
func TestValidateFormatsAreTheRegistry(t *testing.T) {
	for _, f := range formats.All {
		s := valid()
		s.Format = f.Name
		err := s.Validate()
		var pe *reports.ParamError
		switch {
		case f.Mail && err != nil:
			t.Errorf("format %s: %v", f.Name, err)
		case !f.Mail && (!errors.As(err, &pe) || pe.Param != "format"):
			t.Errorf("format %s: got %v, want a format error", f.Name, err)
		}
	}
	s := valid()
	s.Format = "pdf"
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), strings.Join(formats.Names(formats.Mailable), ", ")) {
		t.Errorf("format pdf: %v does not list the formats", err)
	}
}

// Worked by hand: "0 8 * * 1" is Mondays 08:00 Berlin.
func TestLastRunAndPeriodAcrossDST(t *testing.T) {
	s := valid()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// Wednesday 1 April 2026: the last run was Monday 30 March 08:00 CEST
	// (DST began on Sunday the 29th).
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, berlin)
	run, ok := s.LastRun(now)
	if !ok || !run.Equal(time.Date(2026, 3, 30, 8, 0, 0, 0, berlin)) {
		t.Fatalf("last run %v %v", run, ok)
	}
	// It covers the week before: Monday 23 March 00:00 CET to Monday 30
	// March 00:00 CEST: 7 days less the hour DST took.
	from, to := s.Covers(run)
	if !from.Equal(time.Date(2026, 3, 23, 0, 0, 0, 0, berlin)) || !to.Equal(time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)) || to.Sub(from) != 167*time.Hour {
		t.Fatalf("week %v .. %v (%v)", from, to, to.Sub(from))
	}
	// A run exactly at its time counts as run.
	if r, _ := s.LastRun(run); !r.Equal(run) {
		t.Errorf("at the run time: %v", r)
	}
	for _, c := range []struct {
		period   Period
		from, to string
	}{
		{PeriodDay, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"}, // a 23-hour day
		{PeriodMonth, "2026-02-01T00:00:00+01:00", "2026-03-01T00:00:00+01:00"},
		{PeriodQuarter, "2025-10-01T00:00:00+02:00", "2026-01-01T00:00:00+01:00"},
	} {
		s.Period = c.period
		f, to := s.Covers(run)
		if f.Format(time.RFC3339) != c.from || to.Format(time.RFC3339) != c.to {
			t.Errorf("%s: %s .. %s, want %s .. %s", c.period, f.Format(time.RFC3339), to.Format(time.RFC3339), c.from, c.to)
		}
	}
	// Nothing fires on 30 February: no last run.
	s.Cron = "0 8 30 2 *"
	if _, ok := s.LastRun(now); ok {
		t.Error("30 February fired")
	}
}

// Worked by hand: Wednesday 1 April 2026 in Berlin lies in the week of
// Monday 30 March, the month of April and the second quarter.
func TestPeriodOf(t *testing.T) {
	s := valid()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	wed := time.Date(2026, 4, 1, 15, 30, 0, 0, berlin)
	for _, c := range []struct {
		period   Period
		from, to string
	}{
		{PeriodDay, "2026-04-01T00:00:00+02:00", "2026-04-02T00:00:00+02:00"},
		{PeriodWeek, "2026-03-30T00:00:00+02:00", "2026-04-06T00:00:00+02:00"},
		{PeriodMonth, "2026-04-01T00:00:00+02:00", "2026-05-01T00:00:00+02:00"},
		{PeriodQuarter, "2026-04-01T00:00:00+02:00", "2026-07-01T00:00:00+02:00"},
	} {
		s.Period = c.period
		f, to := s.PeriodOf(wed)
		if f.Format(time.RFC3339) != c.from || to.Format(time.RFC3339) != c.to {
			t.Errorf("%s: %s .. %s, want %s .. %s", c.period, f.Format(time.RFC3339), to.Format(time.RFC3339), c.from, c.to)
		}
	}
}
