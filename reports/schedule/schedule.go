// Package schedule defines e-mailed report schedules: what to send, to
// whom, when (a cron expression in a time zone) and which period each run
// covers (the previous day, week, month or quarter in that zone). It is
// pure: storage and delivery are adapters behind the Store interface.
package schedule

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/formats"
)

// Period is the span a run covers, ending where the run's local day,
// week, month or quarter begins.
type Period string

const (
	PeriodDay     Period = "day"
	PeriodWeek    Period = "week"
	PeriodMonth   Period = "month"
	PeriodQuarter Period = "quarter"
)

// DefaultFormat is a schedule's format when it names none.
const DefaultFormat = "xlsx"

// Schedule is one e-mailed report.
type Schedule struct {
	ID         string              `json:"id" yaml:"id"`
	Name       string              `json:"name" yaml:"name"`
	Cron       string              `json:"cron" yaml:"cron"` // five fields: minute hour day-of-month month day-of-week
	TZ         string              `json:"tz" yaml:"tz"`
	Period     Period              `json:"period" yaml:"period"`
	Reports    []string            `json:"reports" yaml:"reports"`
	Filters    map[string][]string `json:"filters,omitempty" yaml:"filters"`
	Format     string              `json:"format" yaml:"format"` // a formats.Mailable name; default DefaultFormat
	Recipients []string            `json:"recipients" yaml:"recipients"`
	Subject    string              `json:"subject" yaml:"subject"`
	// Lang is the e-mail's language (en, vi or ru; en when unset): its
	// subject's default, bodies, figures and workbook.
	Lang   string `json:"lang,omitempty" yaml:"lang"`
	Paused bool   `json:"paused" yaml:"paused"`
	// ActiveSince bounds the catch-up: runs before it are never sent. It
	// is set when the schedule is created and when it is resumed, so
	// periods that fell due while it was paused are not sent afterwards.
	ActiveSince time.Time `json:"active_since,omitzero" yaml:"-"`
	UpdatedAt   time.Time `json:"updated_at" yaml:"-"`
	UpdatedBy   string    `json:"updated_by,omitempty" yaml:"-"`
	// Owner is the user or token that created the schedule through the
	// API (never from the request body). Every send is checked against
	// the owner's current role and scope. Empty for config schedules.
	Owner string `json:"owner,omitempty" yaml:"-"`
	// Scope is the owner's scope as of its last save (others' saves keep
	// it): the e-mail shows nothing the owner could not see. Empty for
	// config schedules.
	Scope reports.Scope `json:"scope" yaml:"-"`
	// FromConfig marks a schedule defined in the configuration file: the
	// file is its source of truth, so the API does not change it.
	FromConfig bool `json:"from_config,omitempty" yaml:"-"`
}

// Author is whom the schedule is sent as: its owner, or for a schedule
// saved before owners were recorded, whoever saved it last (whose scope
// it then took). Empty for config schedules, sent as the operator's.
func (s Schedule) Author() string {
	if s.FromConfig {
		return ""
	}
	if s.Owner != "" {
		return s.Owner
	}
	return s.UpdatedBy
}

// Store keeps schedules.
type Store interface {
	List(ctx context.Context) ([]Schedule, error)
	Get(ctx context.Context, id string) (Schedule, error) // fault.NotFound if absent
	Put(ctx context.Context, s Schedule) error
	Delete(ctx context.Context, id string) error
}

// FieldError names the schedule field that is wrong; it is an Invalid
// fault carrying a reports.ParamError, so the API answers 400 naming it.
func fieldErr(field, format string, args ...any) error {
	return fault.Wrap(fault.Invalid, &reports.ParamError{Param: field, Msg: fmt.Sprintf(format, args...)})
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Validate fills defaults (format xlsx, tz UTC, subject from the name) and
// rejects what cannot run, naming the field.
func (s *Schedule) Validate() error {
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" || len(s.Name) > 200 {
		return fieldErr("name", "must be 1 to 200 characters")
	}
	if s.ID != "" && !validID(s.ID) {
		return fieldErr("id", "must be 1 to 64 letters, digits, '-' or '_'")
	}
	if _, err := parser.Parse(s.Cron); err != nil {
		return fieldErr("cron", "%q is not a five-field cron expression (minute hour day month weekday): %v", s.Cron, err)
	}
	if s.TZ == "" {
		s.TZ = "UTC"
	}
	if _, err := reports.LoadZone(s.TZ); err != nil {
		return fieldErr("tz", "%v", err)
	}
	switch s.Period {
	case PeriodDay, PeriodWeek, PeriodMonth, PeriodQuarter:
	default:
		return fieldErr("period", "must be day, week, month or quarter, not %q", s.Period)
	}
	if len(s.Reports) == 0 {
		return fieldErr("reports", "name at least one report")
	}
	for i, r := range s.Reports {
		rep, ok := reports.Lookup(r)
		if !ok {
			return fieldErr(fmt.Sprintf("reports[%d]", i), "no report named %q", r)
		}
		for d, vals := range s.Filters {
			if !slices.Contains(rep.Dimensions, reports.Dimension(d)) {
				return fieldErr("filters."+d, "report %s cannot be filtered by %q", r, d)
			}
			if len(vals) == 0 {
				return fieldErr("filters."+d, "give at least one value")
			}
		}
	}
	if s.Format == "" {
		s.Format = DefaultFormat
	}
	if f, ok := formats.Lookup(s.Format); !ok || !f.Mail {
		return fieldErr("format", "must be one of %s, not %q", strings.Join(formats.Names(formats.Mailable), ", "), s.Format)
	}
	if len(s.Recipients) == 0 {
		return fieldErr("recipients", "name at least one address")
	}
	for i, r := range s.Recipients {
		a, err := mail.ParseAddress(r)
		if err != nil || a.Name != "" || !strings.Contains(a.Address, ".") {
			return fieldErr(fmt.Sprintf("recipients[%d]", i), "%q is not a plain e-mail address", r)
		}
	}
	lang, err := i18n.Parse(s.Lang)
	if err != nil {
		return fieldErr("lang", "%v", err)
	}
	s.Lang = string(lang)
	if s.Subject == "" {
		s.Subject = lang.T("Slate: %s", s.Name)
	}
	if len(s.Subject) > 250 || strings.ContainsAny(s.Subject, "\r\n") {
		return fieldErr("subject", "must be one line of at most 250 characters")
	}
	return nil
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// lookback bounds the search for the last run: a quarter and a bit covers
// every schedule a period can describe.
const lookback = 100 * 24 * time.Hour

// LastRun is the latest time at or before now that the cron expression
// fires in the schedule's zone (false if none in the last 100 days).
func (s Schedule) LastRun(now time.Time) (time.Time, bool) {
	sched, err := parser.Parse(s.Cron)
	if err != nil {
		return time.Time{}, false
	}
	zone, err := time.LoadLocation(s.TZ)
	if err != nil {
		return time.Time{}, false
	}
	var last time.Time
	for t := sched.Next(now.Add(-lookback).In(zone)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last = t
	}
	return last, !last.IsZero()
}

// Covers is the period a run at the given time reports on: the whole local
// day, week (Monday first), month or quarter before the one the run falls
// in, [from, to).
func (s Schedule) Covers(run time.Time) (from, to time.Time) {
	to = s.periodStart(run)
	return s.addPeriods(to, -1), to
}

// PeriodOf is the local day, week, month or quarter that t falls in,
// [from, to): what "send now" for a date delivers.
func (s Schedule) PeriodOf(t time.Time) (from, to time.Time) {
	from = s.periodStart(t)
	return from, s.addPeriods(from, 1)
}

func (s Schedule) zone() *time.Location {
	zone, err := time.LoadLocation(s.TZ)
	if err != nil {
		return time.UTC
	}
	return zone
}

// periodStart is local midnight of the first day of t's period.
func (s Schedule) periodStart(t time.Time) time.Time {
	zone := s.zone()
	l := t.In(zone)
	switch s.Period {
	case PeriodWeek:
		back := (int(l.Weekday()) + 6) % 7
		return time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, zone)
	case PeriodMonth:
		return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, zone)
	case PeriodQuarter:
		return time.Date(l.Year(), l.Month()-(l.Month()-1)%3, 1, 0, 0, 0, 0, zone)
	}
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
}

// addPeriods moves a period start by n periods in calendar terms (a day
// is a local day, 23 or 25 hours across DST).
func (s Schedule) addPeriods(start time.Time, n int) time.Time {
	switch s.Period {
	case PeriodWeek:
		return start.AddDate(0, 0, 7*n)
	case PeriodMonth:
		return start.AddDate(0, n, 0)
	case PeriodQuarter:
		return start.AddDate(0, 3*n, 0)
	}
	return start.AddDate(0, 0, n)
}

// maxRuns bounds RunsBetween: a every-minute cron over a long outage
// must not make the scheduler spin.
const maxRuns = 10000

// RunsBetween lists the times the cron expression fired in (after, now],
// oldest first, at most maxRuns of them (the latest ones).
func (s Schedule) RunsBetween(after, now time.Time) []time.Time {
	sched, err := parser.Parse(s.Cron)
	if err != nil {
		return nil
	}
	var runs []time.Time
	for t := sched.Next(after.In(s.zone())); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		runs = append(runs, t)
		if len(runs) > maxRuns {
			runs = runs[1:]
		}
	}
	return runs
}
