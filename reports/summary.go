package reports

import (
	"context"
	"time"
)

// Headline is one leadership figure for a period and the one before.
type Headline struct {
	Label             string   `json:"label"`
	Current, Previous *float64 `json:"-"`
	Kind              Kind     `json:"kind"`
}

// Summary is the leadership view of a period: headline figures next to
// the previous period's, and the SLA compliance per metric behind one of
// them. The dashboard, the leadership workbook and the e-mailed reports
// all show this one computation.
type Summary struct {
	From, To, PreviousFrom, PreviousTo time.Time
	Zone                               string
	Headlines                          []Headline
	SLA                                *Result // sla_compliance by metric, with Previous
}

// Summarize computes the summary of q's range, filters and zone (its grain
// and grouping are ignored) within sc.
func (s *Service) Summarize(ctx context.Context, q Query, sc Scope) (*Summary, error) {
	q.Compare, q.Grain, q.GroupBy, q.Top, q.Sort = true, GrainNone, nil, 0, ""
	results := map[string]*Result{}
	for _, name := range []string{"volume", "first_reply_time", "resolution_time", "sla_compliance", "csat", "resolution_quality"} {
		r, _ := Lookup(name)
		rq := q
		rq.Report = name
		res, err := s.Run(ctx, r, rq, sc)
		if err != nil {
			return nil, err
		}
		results[name] = res
	}
	vol := results["volume"]
	sum := &Summary{From: vol.From, To: vol.To, PreviousFrom: vol.Previous.From, PreviousTo: vol.Previous.To, Zone: vol.Zone, SLA: results["sla_compliance"]}
	head := func(label, report, measure string, k Kind) Headline {
		r := results[report]
		return Headline{Label: label, Current: firstCell(r, measure), Previous: firstCell(r.Previous, measure), Kind: k}
	}
	sum.Headlines = []Headline{
		head("Tickets created", "volume", "created", KindCount),
		head("Solves", "volume", "solved", KindCount),
		head("Reopens", "volume", "reopened", KindCount),
		head("First reply, median", "first_reply_time", "median_s", KindSeconds),
		head("First reply, median business time", "first_reply_time", "business_median_s", KindSeconds),
		head("Resolution, median", "resolution_time", "median_s", KindSeconds),
		{Label: "SLA compliance", Current: Compliance(sum.SLA), Previous: Compliance(sum.SLA.Previous), Kind: KindPercent},
		head("CSAT average", "csat", "avg", KindRating),
		head("Satisfied (4-5 stars)", "csat", "satisfied_pct", KindPercent),
		head("One-touch resolution", "resolution_quality", "one_touch_pct", KindPercent),
		head("Reopen rate", "resolution_quality", "reopen_pct", KindPercent),
	}
	return sum, nil
}

// Change is current against previous in percent, or nil. A percentage
// changes in points (ChangePoints), not in percent of itself.
func (h Headline) Change() *float64 {
	if h.Kind == KindPercent || h.Current == nil || h.Previous == nil || *h.Previous == 0 {
		return nil
	}
	v := 100 * (*h.Current - *h.Previous) / *h.Previous
	return &v
}

// ChangePoints is a percentage's change in points (current − previous),
// or nil when either is missing or the figure is not a percentage.
func (h Headline) ChangePoints() *float64 {
	if h.Kind != KindPercent || h.Current == nil || h.Previous == nil {
		return nil
	}
	v := *h.Current - *h.Previous
	return &v
}

// Compliance is achieved ÷ (achieved + breached) over every metric of an
// sla_compliance result, in percent, or nil when nothing was measured.
func Compliance(r *Result) *float64 {
	if r == nil {
		return nil
	}
	var a, b float64
	ai, bi := r.ColumnIndex("achieved"), r.ColumnIndex("breached")
	for _, row := range r.Rows {
		if v, _ := row[ai].(*float64); v != nil {
			a += *v
		}
		if v, _ := row[bi].(*float64); v != nil {
			b += *v
		}
	}
	if a+b == 0 {
		return nil
	}
	v := 100 * a / (a + b)
	return &v
}

func firstCell(r *Result, measure string) *float64 {
	if r == nil || len(r.Rows) == 0 {
		return nil
	}
	v, _ := r.Rows[0][r.ColumnIndex(measure)].(*float64)
	return v
}

// ColumnIndex is the position of the named column, or -1.
func (r *Result) ColumnIndex(name string) int {
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}
