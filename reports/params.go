// Package reports is Slate's one report layer: a catalog of named reports
// over the warehouse tables, the parameters they take, the SQL they run and
// the shape of their results. The HTTP API, the dashboards, the exports and
// the e-mailed reports all go through it, so their figures agree.
package reports

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/fault"
)

// Dimension is an attribute a report can be grouped and filtered by.
type Dimension string

const (
	DimPriority     Dimension = "priority"
	DimSeverity     Dimension = "severity"
	DimStatus       Dimension = "status"
	DimTag          Dimension = "tag"
	DimAgent        Dimension = "agent"
	DimGroup        Dimension = "group"
	DimChannel      Dimension = "channel"
	DimCustomer     Dimension = "customer"
	DimOrganisation Dimension = "organisation"
	DimTenant       Dimension = "tenant"
	// The help desk's own labels of the status, priority and severity
	// (docs/reports.md, "Labels and codes").
	DimStatusLabel   Dimension = "status_label"
	DimPriorityLabel Dimension = "priority_label"
	DimSeverityLabel Dimension = "severity_label"
	// Report-specific dimensions.
	DimMetric   Dimension = "metric"   // SLA metric (sla_compliance)
	DimAge      Dimension = "age"      // backlog age bucket
	DimCurrency Dimension = "currency" // billable amounts are never summed across currencies
	// Ticket-row dimensions (ticketRowDims): the ticket's creator, and the
	// role of the agent a row counts under (agent_role.go).
	DimCreator   Dimension = "creator"
	DimAgentRole Dimension = "agent_role"
)

// TicketDimensions are the dimensions every ticket-based report offers,
// in the order the API documents them.
var TicketDimensions = []Dimension{DimPriority, DimSeverity, DimStatus, DimTag, DimAgent, DimGroup,
	DimChannel, DimCustomer, DimOrganisation, DimTenant,
	DimStatusLabel, DimPriorityLabel, DimSeverityLabel}

// Grain is the length of a time bucket.
type Grain string

const (
	GrainNone    Grain = ""
	GrainHour    Grain = "hour"
	GrainDay     Grain = "day"
	GrainWeek    Grain = "week" // ISO week, Monday first
	GrainMonth   Grain = "month"
	GrainQuarter Grain = "quarter"
)

var grains = []Grain{GrainHour, GrainDay, GrainWeek, GrainMonth, GrainQuarter}

// Scope limits what a principal may see: empty means unrestricted on that
// axis. It is applied to every query in addition to the caller's filters,
// so no parameter can widen it.
type Scope struct {
	Tenants []string `json:"tenants,omitempty"`
	Groups  []string `json:"groups,omitempty"`
}

// Query is one validated report request.
type Query struct {
	Report  string
	From    time.Time // inclusive
	To      time.Time // exclusive
	Zone    *time.Location
	Grain   Grain
	GroupBy []Dimension
	Filters map[Dimension][]string
	// Compare asks for the same report over the previous period too.
	Compare bool
	// Horizon is how far ahead the pre-breach list looks.
	Horizon time.Duration
	// Limit is a list's page size (drill-down, pre-breach), at most
	// Limits.MaxList; Page is which page, from 1.
	Limit int
	Page  int
	// Top keeps only the Top groups with the largest Sort measure (bar
	// charts of customers, agents, tags); 0 keeps every group.
	Top  int
	Sort string
	// Now is the instant "breached while open" and ages are measured
	// against; the API sets it to the request time.
	Now time.Time
}

// Limits are the operator's guards on what one request may ask for.
type Limits struct {
	MaxRange  time.Duration `yaml:"max_range"`     // longest from..to
	MaxRows   int           `yaml:"max_rows"`      // result rows before the query is refused
	MaxList   int           `yaml:"max_list"`      // ticket list rows
	QueryTime time.Duration `yaml:"query_timeout"` // ClickHouse max_execution_time
	// SnapshotInterval is how often slate serve builds a report snapshot
	// (snapshot.go); 0 turns snapshots off and every query reads the live
	// tables. SnapshotMaxAge is the oldest snapshot queries still read.
	SnapshotInterval time.Duration `yaml:"snapshot_interval"`
	SnapshotMaxAge   time.Duration `yaml:"snapshot_max_age"`
}

// DefaultLimits suit a 2-core machine with a year of data.
func DefaultLimits() Limits {
	return Limits{MaxRange: 400 * 24 * time.Hour, MaxRows: 20000, MaxList: 5000, QueryTime: 10 * time.Second,
		SnapshotInterval: time.Minute, SnapshotMaxAge: 10 * time.Minute}
}

// Validate rejects limits that would disable a guard.
func (l Limits) Validate() error {
	switch {
	case l.MaxRange <= 0:
		return errors.New("reports.max_range: must be positive")
	case l.MaxRows <= 0:
		return errors.New("reports.max_rows: must be positive")
	case l.MaxList <= 0:
		return errors.New("reports.max_list: must be positive")
	case l.QueryTime < time.Second:
		return errors.New("reports.query_timeout: must be at least 1s (ClickHouse counts whole seconds)")
	case l.SnapshotInterval < 0 || l.SnapshotInterval > 0 && l.SnapshotInterval < 5*time.Second:
		return errors.New("reports.snapshot_interval: must be 0 (off) or at least 5s")
	case l.SnapshotInterval > 0 && l.SnapshotMaxAge <= l.SnapshotInterval:
		return errors.New("reports.snapshot_max_age: must be longer than reports.snapshot_interval")
	}
	return nil
}

// ParamError names the request parameter that is wrong; it is an
// Invalid fault, so the API answers 400 with the parameter's name.
type ParamError struct {
	Param string
	Msg   string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Msg }

func paramErr(param, format string, args ...any) error {
	return fault.Wrap(fault.Invalid, &ParamError{Param: param, Msg: fmt.Sprintf(format, args...)})
}

// Common query-string parameters; any other name must be a dimension the
// report filters by.
const (
	ParamFrom    = "from"
	ParamTo      = "to"
	ParamTZ      = "tz"
	ParamGrain   = "grain"
	ParamGroupBy = "group_by"
	ParamCompare = "compare"
	ParamHorizon = "horizon"
	ParamLimit   = "limit" // a list's page size
	ParamPage    = "page"  // which page of a list, from 1
	// ParamTruncate is accepted for clients of releases where a list over
	// its limit was refused unless truncate=true; every list pages now.
	ParamTruncate = "truncate"
	ParamPeriod   = "period"  // drill-down: the bucket (its start) of the clicked cell
	ParamFormat   = "format"  // read by the API, not here
	ParamMeasure  = "measure" // drill-down: which measure's tickets (read by the API)
	ParamTop      = "top"     // keep the top N groups ...
	ParamSort     = "sort"    // ... by this measure (default the first)
)

// ParseQuery reads and validates a report request from URL parameters:
// from/to (a date, meaning local midnight in tz, or RFC 3339), tz (IANA),
// grain, group_by (comma-separated), compare=previous, horizon, limit,
// period (drill-down), and one parameter per filtered dimension, repeated
// for several values (tags may contain commas, so values are not split).
func ParseQuery(r *Report, v url.Values, now time.Time, lim Limits) (Query, error) {
	q := Query{Report: r.Name, Now: now, Filters: map[Dimension][]string{}, Zone: time.UTC}
	for name := range v {
		switch name {
		case ParamFrom, ParamTo, ParamTZ, ParamGrain, ParamGroupBy, ParamCompare, ParamHorizon, ParamLimit, ParamPage, ParamTruncate, ParamPeriod, ParamFormat, ParamMeasure, ParamTop, ParamSort:
			continue
		}
		if !slices.Contains(r.Dimensions, Dimension(name)) {
			return q, paramErr(name, "unknown parameter for report %s (filters: %s)%s", r.Name, joinDims(r.Dimensions), roleHint(r, name))
		}
		if err := checkValues(Dimension(name), v[name]); err != nil {
			return q, err
		}
		q.Filters[Dimension(name)] = v[name]
	}
	if tz := v.Get(ParamTZ); tz != "" {
		loc, err := LoadZone(tz)
		if err != nil {
			return q, paramErr(ParamTZ, "%v", err)
		}
		q.Zone = loc
	}
	var err error
	if q.Grain, err = parseGrain(v.Get(ParamGrain), r); err != nil {
		return q, err
	}
	if q.GroupBy, err = parseGroupBy(v.Get(ParamGroupBy), r); err != nil {
		return q, err
	}
	if err := q.parseRange(v, r, lim); err != nil {
		return q, err
	}
	switch c := v.Get(ParamCompare); c {
	case "", "none":
	case "previous":
		q.Compare = true
	default:
		return q, paramErr(ParamCompare, "must be previous or none, not %q", c)
	}
	q.Horizon = 4 * time.Hour
	if r.Name == reportDueSoon {
		q.Horizon = dueSoonHorizon
	}
	if h := v.Get(ParamHorizon); h != "" {
		d, err := time.ParseDuration(h)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			return q, paramErr(ParamHorizon, "must be a duration between 1s and 720h, such as 4h, not %q", h)
		}
		q.Horizon = d
	}
	if err := q.parseTop(v, r, lim); err != nil {
		return q, err
	}
	q.Limit = min(lim.MaxList, 500)
	if l := v.Get(ParamLimit); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 || n > lim.MaxList {
			return q, paramErr(ParamLimit, "must be a whole number from 1 to %d, not %q", lim.MaxList, l)
		}
		q.Limit = n
	}
	q.Page = 1
	if p := v.Get(ParamPage); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > maxPage {
			return q, paramErr(ParamPage, "must be a whole number from 1 to %d, not %q", maxPage, p)
		}
		q.Page = n
	}
	if t := v.Get(ParamTruncate); t != "" && t != "true" && t != "false" {
		return q, paramErr(ParamTruncate, "must be true or false, not %q", t)
	}
	return q, nil
}

// maxPage bounds page so that its offset stays a small number.
const maxPage = 1_000_000

// closedSets are the dimensions whose values are known in advance; a value
// outside them is a mistake worth a 400, not an empty report.
var closedSets = map[Dimension][]string{
	DimPriority: strs(event.Priorities),
	DimSeverity: append(strs(event.Severities), ""), // severity is optional
	DimStatus:   strs(event.Statuses),
	DimAge:      AgeBuckets,
	DimMetric:   {"first_reply", "next_reply", "periodic_update", "resolution", "full_resolution"},

	DimAgentRole: AgentRoles,
}

// ClosedValues is the set of values a dimension accepts, when it is a
// closed one (canonical statuses, priorities, ...); ok is false for the
// open ones (names, tags), which accept any value.
func ClosedValues(d Dimension) (values []string, ok bool) {
	set, ok := closedSets[d]
	return slices.Clone(set), ok
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func checkValues(d Dimension, vals []string) error {
	set, closed := closedSets[d]
	for _, v := range vals {
		if len(v) > 1000 {
			return paramErr(string(d), "value longer than 1000 bytes")
		}
		if closed && !slices.Contains(set, v) {
			return paramErr(string(d), "unknown value %q (one of: %s)", v, strings.Join(set, ", "))
		}
	}
	return nil
}

func (q *Query) parseTop(v url.Values, r *Report, lim Limits) error {
	t := v.Get(ParamTop)
	if t == "" {
		if v.Get(ParamSort) != "" {
			return paramErr(ParamSort, "needs top")
		}
		return nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || n > lim.MaxRows {
		return paramErr(ParamTop, "must be a whole number from 1 to %d, not %q", lim.MaxRows, t)
	}
	if r.List || q.Grain != GrainNone || len(q.GroupBy)+len(r.Fixed) == 0 {
		return paramErr(ParamTop, "needs group_by (or a report grouped by nature) and no grain")
	}
	q.Top, q.Sort = n, v.Get(ParamSort)
	if q.Sort == "" {
		q.Sort = r.Measures[0].Name
	}
	if m := r.Measure(q.Sort); m == nil || m.src == nil {
		return paramErr(ParamSort, "report %s has no measure %q to sort by", r.Name, q.Sort)
	}
	return nil
}

func parseGrain(s string, r *Report) (Grain, error) {
	if s == "" || s == "none" {
		return GrainNone, nil
	}
	g := Grain(s)
	if !slices.Contains(grains, g) {
		return "", paramErr(ParamGrain, "must be one of hour, day, week, month, quarter, not %q", s)
	}
	if r.Snapshot || r.List {
		return "", paramErr(ParamGrain, "report %s has no time axis", r.Name)
	}
	return g, nil
}

func parseGroupBy(s string, r *Report) ([]Dimension, error) {
	if s == "" {
		return nil, nil
	}
	if r.List {
		return nil, paramErr(ParamGroupBy, "report %s is a list and cannot be grouped", r.Name)
	}
	var out []Dimension
	for _, part := range strings.Split(s, ",") {
		d := Dimension(strings.TrimSpace(part))
		if !slices.Contains(r.Dimensions, d) {
			return nil, paramErr(ParamGroupBy, "report %s cannot be grouped by %q (dimensions: %s)%s", r.Name, d, joinDims(r.Dimensions), roleHint(r, string(d)))
		}
		if slices.Contains(out, d) || slices.Contains(r.Fixed, d) {
			continue
		}
		out = append(out, d)
	}
	if len(out) > 2 {
		return nil, paramErr(ParamGroupBy, "at most two dimensions, got %d", len(out))
	}
	return out, nil
}

// parseRange reads from/to in the query's zone. Without them the range is
// the last 30 local days up to the end of today.
func (q *Query) parseRange(v url.Values, r *Report, lim Limits) error {
	local := q.Now.In(q.Zone)
	endOfToday := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, q.Zone)
	q.To = endOfToday
	q.From = time.Date(local.Year(), local.Month(), local.Day()-29, 0, 0, 0, 0, q.Zone)
	var err error
	if s := v.Get(ParamFrom); s != "" {
		if q.From, err = parseInstant(s, q.Zone); err != nil {
			return paramErr(ParamFrom, "%v", err)
		}
		if v.Get(ParamTo) == "" && q.To.Before(q.From) {
			q.To = q.From.AddDate(0, 0, 30)
		}
	}
	if s := v.Get(ParamTo); s != "" {
		if q.To, err = parseInstant(s, q.Zone); err != nil {
			return paramErr(ParamTo, "%v", err)
		}
	}
	if !q.From.Before(q.To) {
		return paramErr(ParamTo, "must be after from (%s)", q.From.Format(time.RFC3339))
	}
	if q.To.Sub(q.From) > lim.MaxRange {
		return paramErr(ParamTo, "range of %s is over the maximum of %s", q.To.Sub(q.From).Round(time.Hour), lim.MaxRange)
	}
	if p := v.Get(ParamPeriod); p != "" {
		if q.Grain == GrainNone {
			return paramErr(ParamPeriod, "needs a grain")
		}
		start, err := parseInstant(p, q.Zone)
		if err != nil {
			return paramErr(ParamPeriod, "%v", err)
		}
		if bucketStart(start, q.Grain, q.Zone) != start {
			return paramErr(ParamPeriod, "%s is not the start of a %s in %s", p, q.Grain, q.Zone)
		}
		// The cell's bucket, clipped to the range the report showed.
		q.From, q.To = later(q.From, start), earlier(q.To, nextBucket(start, q.Grain, q.Zone))
		if !q.From.Before(q.To) {
			return paramErr(ParamPeriod, "%s is outside from..to", p)
		}
	}
	return nil
}

// parseInstant accepts YYYY-MM-DD (local midnight in zone), a local
// date-time without offset, or RFC 3339.
func parseInstant(s string, zone *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(zone), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 time", s)
}

// Previous is the period just before q's: whole calendar months (or
// quarters, years) shift by months so that March compares with February;
// anything else shifts by its length.
func (q Query) Previous() Query {
	p := q
	p.Compare = false
	if months := wholeMonths(q.From.In(q.Zone), q.To.In(q.Zone)); months > 0 {
		p.From, p.To = q.From.In(q.Zone).AddDate(0, -months, 0), q.From
		return p
	}
	p.From, p.To = q.From.Add(-q.To.Sub(q.From)), q.From
	return p
}

// wholeMonths is the number of months between two local midnights on the
// first of a month, or 0 if the range is not such.
func wholeMonths(from, to time.Time) int {
	first := func(t time.Time) bool {
		return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	if !first(from) || !first(to) {
		return 0
	}
	return (to.Year()-from.Year())*12 + int(to.Month()-from.Month())
}

func joinDims(ds []Dimension) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
