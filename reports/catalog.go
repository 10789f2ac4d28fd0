package reports

import (
	"slices"
	"sort"
)

// Kind tells clients how to read and format a column.
type Kind string

const (
	KindPeriod    Kind = "period"    // RFC 3339 start of the bucket, in the query's zone
	KindDimension Kind = "dimension" // a label from the data
	KindCount     Kind = "count"
	KindSeconds   Kind = "seconds"
	KindHours     Kind = "hours"
	KindPercent   Kind = "percent" // 0..100
	KindRating    Kind = "rating"  // 1..5
	KindMoney     Kind = "money"   // in the row's currency
	KindTime      Kind = "time"    // RFC 3339 instant
	KindText      Kind = "text"
)

// Measure is one figure of a report.
type Measure struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Kind  Kind   `json:"kind"`
	// Additive measures can be summed across rows and periods (counts,
	// hours); an empty bucket shows 0 for them and null for the others.
	Additive bool `json:"additive"`
	src      *source
	// The aggregate over src rows, in parts so that a query reading several
	// sources in one scan (see scanPart) can add its source's condition:
	// fn[If]params(arg[, cond]) scale, e.g. quantileExactIf(0.5)(frt_s,
	// has_reply) or sum(seconds) / 3600.
	fn, params, arg, cond, scale string
	// nullUnless names a count measure: when it is 0 the value is null
	// (a median of nothing is not 0).
	nullUnless string
	// derive computes a measure from the row's other values after the
	// sources are merged (ratios); ok=false means null.
	derive func(v map[string]*float64) (float64, bool)
	// num and dens name a ratio's numerator and denominators.
	num  string
	dens []string
	// Drill says how the measure's drill-down list adds up to its figure;
	// set for every measure when the catalog is built.
	Drill *DrillSpec `json:"drill"`
}

// DrillSpec says how a measure's drill-down list (GET .../tickets with
// measure) adds up to the figure in the same cell. The list holds exactly
// the source rows the figure is computed over: the same range, scope,
// filters and the measure's own condition.
type DrillSpec struct {
	// Rows: the list's total is the sum of these measures' figures (the
	// measure itself for a count; the count of the rows a median or an
	// average is over; a ratio's denominators).
	Rows []string `json:"rows,omitempty"`
	// Value, when set, is how the list's value column (each row's part of
	// the figure) combines into the figure: sum, avg, max, quantile (exact,
	// at Level: the value at rank floor(Level × n) of the sorted values),
	// or percent (100 × the share of rows whose value is 1: a ratio's
	// numerator among its denominator's rows).
	Value string  `json:"value,omitempty"`
	Level float64 `json:"level,omitempty"`
}

// aggregate is the measure's SQL over rows where also extra holds ("" for
// all of its source's rows).
func (m *Measure) aggregate(extra string) string {
	cond := m.cond
	switch {
	case cond == "":
		cond = extra
	case extra != "":
		cond = extra + " AND (" + cond + ")"
	}
	if cond == "" {
		return m.fn + m.params + "(" + m.arg + ")" + m.scale
	}
	args := cond
	if m.arg != "" {
		args = m.arg + ", " + cond
	}
	return m.fn + "If" + m.params + "(" + args + ")" + m.scale
}

// Report is one entry of the catalog.
type Report struct {
	Name        string      `json:"name"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Finance     bool        `json:"finance_only"`
	Snapshot    bool        `json:"snapshot"` // describes now; from/to do not apply
	List        bool        `json:"list"`     // a list of tickets, not aggregates
	Dimensions  []Dimension `json:"dimensions"`
	// Fixed dimensions are always grouped by, first.
	Fixed    []Dimension `json:"fixed_dimensions,omitempty"`
	Measures []*Measure  `json:"measures"`
	// DefaultGrain applies when the request names none and asks for no
	// grouping (dashboards' trend lines).
	DefaultGrain Grain `json:"default_grain,omitempty"`
}

// count counts src rows where cond holds (all for "").
func count(name, label string, src *source, cond string) *Measure {
	return &Measure{Name: name, Label: label, Kind: KindCount, Additive: true, src: src, fn: "count", cond: cond}
}

// quantile is the exact quantile at level of x over src rows where cond
// holds.
func quantile(name, label string, src *source, level, x, cond, nullUnless string) *Measure {
	return &Measure{Name: name, Label: label, Kind: KindSeconds, src: src,
		fn: "quantileExact", params: "(" + level + ")", arg: x, cond: cond, nullUnless: nullUnless}
}

// ratio is 100 × num ÷ (sum of dens), null when the denominator is 0.
// The numerator and the denominators count rows of one source, the
// numerator's a subset of the denominators' (its drill-down lists them).
func ratio(name, label, num string, dens ...string) *Measure {
	return &Measure{Name: name, Label: label, Kind: KindPercent, num: num, dens: dens, derive: func(v map[string]*float64) (float64, bool) {
		var d float64
		for _, n := range dens {
			if v[n] != nil {
				d += *v[n]
			}
		}
		if d == 0 || v[num] == nil {
			return 0, false
		}
		return 100 * *v[num] / d, true
	}}
}

// breachedSQL counts a cycle as breached when it stopped late or is still
// running past its deadline at the query's now: "breached while open"
// needs no new event.
const breachedSQL = "state = 'breached' OR (running_with_deadline AND deadline < now_ts)"

var ticketAndAge = append(slices.Clone(ticketRowDims), DimAge)
var ticketAndMetric = append(slices.Clone(TicketDimensions), DimMetric)

// Catalog lists every report by name.
var Catalog = func() map[string]*Report {
	reps := []*Report{
		{
			Name: "volume", Title: "Ticket volume", DefaultGrain: GrainDay,
			Description: "Tickets created, solves and reopens per period. A ticket solved, reopened and solved again counts as two solves, each in its own period.",
			Dimensions:  ticketRowDims,
			Measures: []*Measure{
				count("created", "Created", srcCreated, ""),
				count("solved", "Solved", srcSolved, ""),
				count("reopened", "Reopened", srcReopened, ""),
			},
		},
		{
			Name: "backlog", Title: "Backlog and aging", Snapshot: true,
			Description: "Unsolved tickets now (new, open, pending, on hold): how many, unassigned, waiting, and how old; group by age for the aging buckets and by status for time in status.",
			Dimensions:  ticketAndAge,
			Measures: []*Measure{
				count("open", "Unsolved", srcOpen, ""),
				count("unassigned", "Unassigned", srcOpen, "agent = ''"),
				count("waiting", "Pending or on hold", srcOpen, "status IN ('pending', 'on_hold')"),
				{Name: "avg_age_hours", Label: "Average age (h)", Kind: KindHours, src: srcOpen, fn: "avg", arg: "now_ts - created_at", scale: " / 3600", nullUnless: "open"},
				{Name: "oldest_age_hours", Label: "Oldest (h)", Kind: KindHours, src: srcOpen, fn: "max", arg: "now_ts - created_at", scale: " / 3600", nullUnless: "open"},
				{Name: "avg_hours_in_status", Label: "Average time in status (h)", Kind: KindHours, src: srcOpen, fn: "avg", arg: "now_ts - status_since", scale: " / 3600", nullUnless: "open"},
			},
		},
		{
			Name: "first_reply_time", Title: "First reply time", DefaultGrain: GrainDay,
			Description: "Time from creation to the first public agent reply, for tickets created in the period: calendar time from the ticket, business time from its first-reply SLA cycle (pauses excluded). Quantiles are exact: the value at rank floor(level × n) of the sorted values.",
			Dimensions:  TicketDimensions,
			Measures: []*Measure{
				count("tickets", "Tickets", srcCreated, ""),
				count("replied", "Replied", srcCreated, "has_reply"),
				quantile("median_s", "Median (calendar)", srcCreated, "0.5", "frt_s", "has_reply", "replied"),
				quantile("p90_s", "p90 (calendar)", srcCreated, "0.9", "frt_s", "has_reply", "replied"),
				quantile("p95_s", "p95 (calendar)", srcCreated, "0.95", "frt_s", "has_reply", "replied"),
				count("business_n", "With SLA", srcSLAFirstReply, ""),
				quantile("business_median_s", "Median (business)", srcSLAFirstReply, "0.5", "elapsed_seconds", "", "business_n"),
				quantile("business_p90_s", "p90 (business)", srcSLAFirstReply, "0.9", "elapsed_seconds", "", "business_n"),
				quantile("business_p95_s", "p95 (business)", srcSLAFirstReply, "0.95", "elapsed_seconds", "", "business_n"),
			},
		},
		{
			Name: "resolution_time", Title: "Resolution time", DefaultGrain: GrainDay,
			Description: "Time from creation to the first solve, for tickets first solved in the period: calendar time from the ticket, business time from its first resolution SLA cycle (pauses excluded). Quantiles as in first_reply_time.",
			Dimensions:  TicketDimensions,
			Measures: []*Measure{
				count("solved", "Solved", srcFirstSolved, ""),
				quantile("median_s", "Median (calendar)", srcFirstSolved, "0.5", "res_s", "", "solved"),
				quantile("p90_s", "p90 (calendar)", srcFirstSolved, "0.9", "res_s", "", "solved"),
				quantile("p95_s", "p95 (calendar)", srcFirstSolved, "0.95", "res_s", "", "solved"),
				count("business_n", "With SLA", srcSLAResolution, ""),
				quantile("business_median_s", "Median (business)", srcSLAResolution, "0.5", "elapsed_seconds", "", "business_n"),
				quantile("business_p90_s", "p90 (business)", srcSLAResolution, "0.9", "elapsed_seconds", "", "business_n"),
				quantile("business_p95_s", "p95 (business)", srcSLAResolution, "0.95", "elapsed_seconds", "", "business_n"),
			},
		},
		{
			Name: "sla_compliance", Title: "SLA compliance", Fixed: []Dimension{DimMetric},
			Description: "SLA cycles with a target that started in the period, per metric: achieved, breached (stopped late, or still running past the deadline now) and compliance = achieved ÷ (achieved + breached).",
			Dimensions:  ticketAndMetric,
			Measures: []*Measure{
				count("cycles", "Cycles", srcSLATargets, ""),
				count("achieved", "Achieved", srcSLATargets, "state = 'achieved'"),
				count("breached", "Breached", srcSLATargets, breachedSQL),
				count("breached_open", "Breached, still open", srcSLATargets, "(state = 'breached' AND NOT stopped) OR (running_with_deadline AND deadline < now_ts)"),
				count("in_progress", "Running in time", srcSLATargets, "state = 'paused' OR (running_with_deadline AND deadline >= now_ts)"),
				ratio("compliance_pct", "Compliance %", "achieved", "achieved", "breached"),
			},
		},
		{
			Name: "pre_breach", Title: "About to breach", List: true,
			Description: "Running SLA clocks whose deadline falls within the horizon (default 4h) from now, soonest first.",
			Dimensions:  ticketAndMetric,
		},
		{
			Name: reportOverdue, Title: "Overdue", List: true,
			Description: "Unresolved tickets whose due date, set by hand (ticket.due_date_set), has passed, the longest overdue first.",
			Dimensions:  ticketRowDims,
		},
		{
			Name: reportDueSoon, Title: "Due soon", List: true,
			Description: "Unresolved tickets whose due date, set by hand, falls within the horizon (default 24h, at most 720h) from now, the soonest first.",
			Dimensions:  ticketRowDims,
		},
		{
			Name: "agent_performance", Title: "Agent performance", Fixed: []Dimension{DimAgent},
			Description: "Per agent (the tickets' current assignee): solves (every move into solved or closed in the period; a ticket solved, reopened and solved again counts twice), first solves (tickets first solved in the period), public replies they wrote, first reply and resolution medians of tickets assigned to them, SLA compliance, CSAT and the billable hours they logged.",
			Dimensions:  TicketDimensions,
			Measures: []*Measure{
				// Every solve, as in volume: with reopens it is more than
				// the first solves, which count each ticket once.
				count("solved", "Solves", srcSolved, ""),
				count("replies", "Public replies", srcReplies, ""), // one row per reply event
				count("replied", "Tickets replied", srcCreated, "has_reply"),
				quantile("frt_median_s", "FRT median", srcCreated, "0.5", "frt_s", "has_reply", "replied"),
				count("first_solved", "First solves", srcFirstSolved, ""),
				quantile("resolution_median_s", "Resolution median", srcFirstSolved, "0.5", "res_s", "", "first_solved"),
				count("sla_achieved", "SLA achieved", srcSLATargets, "state = 'achieved'"),
				count("sla_breached", "SLA breached", srcSLATargets, breachedSQL),
				ratio("sla_pct", "SLA %", "sla_achieved", "sla_achieved", "sla_breached"),
				count("rated", "Rated", srcRated, ""),
				{Name: "csat_avg", Label: "CSAT", Kind: KindRating, src: srcRated, fn: "avg", arg: "rating", nullUnless: "rated"},
				{Name: "billable_hours", Label: "Billable hours", Kind: KindHours, Additive: true, src: srcTime, fn: "sum", arg: "seconds", cond: "billable = 1", scale: " / 3600"},
			},
		},
		{
			Name: "tags", Title: "Tag analysis", Fixed: []Dimension{DimTag},
			Description: "Per tag (a ticket counts once under each of its tags): created, solves, reopens and first reply median.",
			Dimensions:  ticketRowDims,
			Measures: []*Measure{
				count("created", "Created", srcCreated, ""),
				count("solved", "Solved", srcSolved, ""),
				count("reopened", "Reopened", srcReopened, ""),
				count("replied", "Replied", srcCreated, "has_reply"),
				quantile("frt_median_s", "FRT median", srcCreated, "0.5", "frt_s", "has_reply", "replied"),
			},
		},
		{
			Name: "csat", Title: "Customer satisfaction", DefaultGrain: GrainWeek,
			Description: "Ratings given in the period (a ticket's latest rating): average, distribution and satisfied share (4 or 5 stars).",
			Dimensions:  ticketRowDims,
			Measures: []*Measure{
				count("rated", "Rated", srcRated, ""),
				{Name: "avg", Label: "Average", Kind: KindRating, src: srcRated, fn: "avg", arg: "rating", nullUnless: "rated"},
				count("r1", "1 star", srcRated, "rating = 1"),
				count("r2", "2 stars", srcRated, "rating = 2"),
				count("r3", "3 stars", srcRated, "rating = 3"),
				count("r4", "4 stars", srcRated, "rating = 4"),
				count("r5", "5 stars", srcRated, "rating = 5"),
				count("satisfied", "4-5 stars", srcRated, "rating >= 4"),
				ratio("satisfied_pct", "Satisfied %", "satisfied", "rated"),
			},
		},
		{
			Name: "resolution_quality", Title: "One-touch and reopen rates", DefaultGrain: GrainWeek,
			Description: "Tickets first solved in the period: one-touch = solved with exactly one public agent reply and never reopened; reopened = reopened at least once since.",
			Dimensions:  ticketRowDims,
			Measures: []*Measure{
				count("solved", "Solved", srcFirstSolved, ""),
				count("one_touch", "One-touch", srcFirstSolved, "public_replies = 1 AND reopen_count = 0"),
				count("reopened", "Reopened", srcFirstSolved, "reopen_count > 0"),
				ratio("one_touch_pct", "One-touch %", "one_touch", "solved"),
				ratio("reopen_pct", "Reopen %", "reopened", "solved"),
			},
		},
		{
			Name: "billable", Title: "Billable time", Finance: true, DefaultGrain: GrainMonth, Fixed: []Dimension{DimCurrency},
			Description: "Logged work in the period by when it was logged; agent is who logged it. Amounts are hours × rate of billable entries with a rate, per currency (never summed across currencies; entries without a rate have currency \"\").",
			Dimensions:  append(slices.Clone(TicketDimensions), DimCurrency),
			Measures: []*Measure{
				count("entries", "Entries", srcTime, ""),
				{Name: "hours", Label: "Hours", Kind: KindHours, Additive: true, src: srcTime, fn: "sum", arg: "seconds", scale: " / 3600"},
				{Name: "billable_hours", Label: "Billable hours", Kind: KindHours, Additive: true, src: srcTime, fn: "sum", arg: "seconds", cond: "billable = 1", scale: " / 3600"},
				{Name: "amount", Label: "Amount", Kind: KindMoney, Additive: true, src: srcTime, fn: "sum", arg: "seconds / 3600 * rate", cond: "billable = 1 AND has_rate = 1"},
			},
		},
	}
	m := map[string]*Report{}
	for _, r := range reps {
		for _, ms := range r.Measures {
			ms.Drill = r.drillSpec(ms)
		}
		m[r.Name] = r
	}
	return m
}()

// Names lists the catalog's report names, sorted.
func Names() []string {
	var out []string
	for n := range Catalog {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Lookup finds a report by name.
func Lookup(name string) (*Report, bool) {
	r, ok := Catalog[name]
	return r, ok
}

// sources lists the distinct sources of a report's measures, in measure order.
func (r *Report) sources() []*source {
	var out []*source
	for _, m := range r.Measures {
		if m.src != nil && !slices.Contains(out, m.src) {
			out = append(out, m.src)
		}
	}
	return out
}

// measuresOf lists the measures one source computes, in report order.
func (r *Report) measuresOf(src *source) []*Measure {
	var out []*Measure
	for _, m := range r.Measures {
		if m.src == src {
			out = append(out, m)
		}
	}
	return out
}

// Measure finds a measure by name.
func (r *Report) Measure(name string) *Measure {
	for _, m := range r.Measures {
		if m.Name == name {
			return m
		}
	}
	return nil
}
