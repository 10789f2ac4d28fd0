package sla_test

// An independent check of the SLA engine: a deliberately naive model of
// docs/sla.md, sharing no code with package sla (its own calendar, its own
// minute-by-minute walk, its own state machine), run on thousands of
// generated histories and compared with Config.Evaluate field by field.
// Everything is minute-aligned (events, now, targets in multiples of 20
// minutes, warning shares that are whole minutes of them), so stepping a
// minute at a time is exact.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
)

// modelYAML is what the engine reads; modelPolicies below says the same
// for the model.
const modelYAML = `
calendars:
  - name: berlin
    zone: Europe/Berlin
    week:
      mon: ["09:00-12:00", "13:00-17:00"]
      tue: ["09:00-12:00", "13:00-17:00"]
      wed: ["09:00-12:00", "13:00-17:00"]
      thu: ["09:00-12:00", "13:00-17:00"]
      fri: ["09:00-12:00", "13:00-17:00"]
      sun: ["01:00-03:30"]
    holidays: [2026-03-27, 2026-10-26..2026-10-27]
policies:
  - name: vip
    match: {tags_any: [vip]}
    calendar: 24/7
    pause_statuses: [pending, on_hold]
    warn_at: [0.7, 0.9]
    targets:
      first_reply: {urgent: 20m, high: 40m}
      next_reply: {urgent: 20m, high: "1h calendar"}
      periodic_update: {urgent: 2h}
      resolution: {urgent: "4h calendar", high: 8h}
  - name: standard
    calendar: berlin
    warn_at: [0.7, 0.75, 0.9]
    targets:
      first_reply: {urgent: 20m, high: 1h, normal: 100m}
      next_reply: {urgent: 1h, high: 1h, normal: 2h}
      periodic_update: {urgent: 1h, high: 2h}
      resolution: {urgent: 2h, high: 4h, normal: "8h calendar"}
`

// The model's own reading of modelYAML.

type mTarget struct {
	minutes  int
	calendar bool // wall-clock minutes rather than working minutes
}

type mCalendar struct {
	always   bool
	loc      *time.Location
	week     map[time.Weekday][][2]int // working [from, to) in minutes of the local day
	holidays map[string]bool           // local dates, 2006-01-02
	memo     map[int64]bool            // Unix minute -> working
}

type mPolicy struct {
	name     string
	vipOnly  bool
	cal      *mCalendar
	pause    []event.Status
	warnPct  []int
	first    map[event.Priority]mTarget // first_reply
	next     map[event.Priority]mTarget // next_reply
	periodic map[event.Priority]mTarget // periodic_update
	resolve  map[event.Priority]mTarget // resolution and full_resolution
}

func modelPolicies(t *testing.T) []*mPolicy {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	office := [][2]int{{9 * 60, 12 * 60}, {13 * 60, 17 * 60}}
	berlin := &mCalendar{loc: loc, memo: map[int64]bool{}, holidays: map[string]bool{"2026-03-27": true, "2026-10-26": true, "2026-10-27": true},
		week: map[time.Weekday][][2]int{time.Monday: office, time.Tuesday: office, time.Wednesday: office, time.Thursday: office, time.Friday: office,
			time.Sunday: {{60, 3*60 + 30}}}}
	m := func(n int) mTarget { return mTarget{minutes: n} }
	wall := func(n int) mTarget { return mTarget{minutes: n, calendar: true} }
	// low has no target anywhere
	normal, high, urgent := event.PriorityNormal, event.PriorityHigh, event.PriorityUrgent
	return []*mPolicy{
		{name: "vip", vipOnly: true, cal: &mCalendar{always: true}, pause: []event.Status{event.StatusPending, event.StatusOnHold}, warnPct: []int{70, 90},
			first:    map[event.Priority]mTarget{urgent: m(20), high: m(40)},
			next:     map[event.Priority]mTarget{urgent: m(20), high: wall(60)},
			periodic: map[event.Priority]mTarget{urgent: m(120)},
			resolve:  map[event.Priority]mTarget{urgent: wall(240), high: m(480)}},
		{name: "standard", cal: berlin, pause: []event.Status{event.StatusPending}, warnPct: []int{70, 75, 90},
			first:    map[event.Priority]mTarget{urgent: m(20), high: m(60), normal: m(100)},
			next:     map[event.Priority]mTarget{urgent: m(60), high: m(60), normal: m(120)},
			periodic: map[event.Priority]mTarget{urgent: m(60), high: m(120)},
			resolve:  map[event.Priority]mTarget{urgent: m(120), high: m(240), normal: wall(480)}},
	}
}

// working says whether the minute starting at u is working time: its local
// wall clock inside one of the weekday's intervals, on a local date that is
// not a holiday.
func (c *mCalendar) working(u time.Time) bool {
	if c.always {
		return true
	}
	key := u.Unix() / 60
	if w, ok := c.memo[key]; ok {
		return w
	}
	local := u.In(c.loc)
	w := false
	if !c.holidays[local.Format("2006-01-02")] {
		minute := local.Hour()*60 + local.Minute()
		for _, iv := range c.week[local.Weekday()] {
			if minute >= iv[0] && minute < iv[1] {
				w = true
			}
		}
	}
	c.memo[key] = w
	return w
}

// mClock is one metric cycle in the model.
type mClock struct {
	metric string
	cycle  int
	kind   string // "target", "wait" (new, open, on_hold) or "work" (new, open)
	start  time.Time
	ended  string // "", "stopped" or "cancelled"
	end    time.Time
	used   int // minutes
	paused int // minutes
	// reached[k] is when the clock had used k+1 minutes
	reached []time.Time
	// the target it is judged against (nil: none), under which policy,
	// since when
	judged    *mTarget
	judgedPol *mPolicy
	since     time.Time
	// at its end: the policy and target then
	endPol    *mPolicy
	endTarget *mTarget
}

type model struct {
	policies []*mPolicy
	clocks   []*mClock
	counts   map[string]int

	created, byCustomer, gone bool
	status                    event.Status
	prio                      event.Priority
	tags                      []string
	firstReply, nextReply     *mClock
	periodic, resolution      *mClock
	full                      *mClock
	hadFirstReply             bool
	owedAtReopen              bool // a customer wrote while solved or closed
	// cov counts the cases the generated histories reach, so that the
	// test can require each of them
	cov map[string]int
}

func (m *model) policy() *mPolicy {
	for _, p := range m.policies {
		if !p.vipOnly || slices.Contains(m.tags, "vip") {
			return p
		}
	}
	return nil
}

// target is the metric's target now, nil if none.
func (m *model) target(metric string) *mTarget {
	p := m.policy()
	var table map[event.Priority]mTarget
	switch metric {
	case "first_reply":
		table = p.first
	case "next_reply":
		table = p.next
	case "periodic_update":
		table = p.periodic
	case "resolution", "full_resolution":
		table = p.resolve
	default:
		return nil
	}
	if tg, ok := table[m.prio]; ok {
		return &tg
	}
	return nil
}

func (m *model) start(metric, kind string, at time.Time) *mClock {
	m.counts[metric]++
	c := &mClock{metric: metric, cycle: m.counts[metric], kind: kind, start: at, since: at,
		judged: m.target(metric), judgedPol: m.policy()}
	m.clocks = append(m.clocks, c)
	return c
}

func (m *model) end(c *mClock, how string, at time.Time) {
	if c == nil || c.ended != "" {
		return
	}
	c.ended, c.end, c.endPol, c.endTarget = how, at, m.policy(), m.target(c.metric)
}

func resolved(s event.Status) bool { return s == event.StatusSolved || s == event.StatusClosed }

// apply is docs/sla.md's state machine for one event.
func (m *model) apply(e *event.Event) {
	at := e.OccurredAt
	if m.gone {
		return
	}
	switch {
	case e.Type == event.TypeCreated:
		if m.created {
			return
		}
		m.created, m.byCustomer = true, e.Actor.Type == event.ActorCustomer
		m.status, m.prio, m.tags = e.Status, e.Priority, slices.Clone(e.Tags)
		m.resolution = m.start("resolution", "target", at)
		m.full = m.start("full_resolution", "target", at)
		m.start("requester_wait", "wait", at)
		m.start("agent_work", "work", at)
		if m.byCustomer {
			m.firstReply = m.start("first_reply", "target", at)
			m.nextReply = m.start("next_reply", "target", at)
		}
	case !m.created:
	case e.Type == event.TypePriorityChanged:
		m.prio = e.Priority
	case e.Type == event.TypeTagsChanged:
		var kept []string
		for _, x := range m.tags {
			if !slices.Contains(e.TagsRemoved, x) {
				kept = append(kept, x)
			}
		}
		for _, x := range e.TagsAdded {
			if !slices.Contains(kept, x) {
				kept = append(kept, x)
			}
		}
		m.tags = kept
	case e.Type == event.TypeStatusChanged:
		from, to := m.status, e.Status
		m.status = to
		switch {
		case !resolved(from) && resolved(to):
			m.end(m.resolution, "stopped", at)
			m.end(m.full, "stopped", at)
			m.end(m.periodic, "cancelled", at)
			m.periodic = nil
			if m.nextReply != nil || m.firstReply != nil && m.firstReply.ended == "" {
				m.cov["a solve ends a running reply clock"]++
			}
			m.endReplyClocks(at)
		case resolved(from) && !resolved(to):
			m.resolution = m.start("resolution", "target", at)
			if m.full.ended == "stopped" {
				// resumes; the solved span counts as paused
				m.full.paused += int(at.Sub(m.full.end) / time.Minute)
				m.full.ended, m.full.end = "", time.Time{}
			}
			m.cov["reopen"]++
			if m.owedAtReopen {
				m.cov["a reply owed from a reopen"]++
				m.owedAtReopen = false
				m.customerWrote(at)
			}
		}
	case e.Type == event.TypeMessage && e.MessageKind == event.MessagePublicReply && e.Actor.Type == event.ActorAgent:
		m.endReplyClocks(at)
		m.end(m.periodic, "stopped", at)
		m.periodic = nil
		if !resolved(m.status) {
			m.periodic = m.start("periodic_update", "target", at)
		}
	case e.Type == event.TypeMessage && e.MessageKind == event.MessageCustomerReply:
		if resolved(m.status) {
			m.owedAtReopen = true
		} else {
			m.customerWrote(at)
		}
	case e.Type == event.TypeDeleted || e.Type == event.TypeMerged:
		for _, c := range m.clocks {
			m.end(c, "cancelled", at)
		}
		m.gone = true
	}
}

func (m *model) endReplyClocks(at time.Time) {
	if m.firstReply != nil {
		m.end(m.firstReply, "stopped", at)
		m.hadFirstReply = true
	}
	m.end(m.nextReply, "stopped", at)
	m.nextReply = nil
}

func (m *model) customerWrote(at time.Time) {
	if m.firstReply == nil && !m.byCustomer && !m.hadFirstReply {
		m.firstReply = m.start("first_reply", "target", at)
	}
	if m.nextReply == nil {
		m.nextReply = m.start("next_reply", "target", at)
	}
}

func sameTarget(a, b *mTarget) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// rejudge: a running or paused clock whose target or policy is no longer
// the one it is judged against is judged against the new one from now.
func (m *model) rejudge(at time.Time) {
	for _, c := range m.clocks {
		if c.ended != "" || c.kind != "target" {
			continue
		}
		if tg, p := m.target(c.metric), m.policy(); !sameTarget(tg, c.judged) || p != c.judgedPol {
			switch {
			case tg == nil && c.judged != nil:
				m.cov["to no target"]++
			case tg != nil && c.judged == nil:
				m.cov["from no target"]++
			case p != c.judgedPol:
				m.cov["to another policy"]++
			default:
				m.cov["to another target"]++
			}
			c.judged, c.judgedPol, c.since = tg, p, at
		}
	}
}

// tick counts the minute starting at u for every running clock.
func (m *model) tick(u time.Time) {
	p := m.policy()
	inPause := slices.Contains(p.pause, m.status)
	for _, c := range m.clocks {
		if c.ended != "" {
			continue
		}
		runs := !inPause
		switch c.kind {
		case "wait":
			runs = m.status == event.StatusNew || m.status == event.StatusOpen || m.status == event.StatusOnHold
		case "work":
			runs = m.status == event.StatusNew || m.status == event.StatusOpen
		}
		if !runs {
			if c.metric == "first_reply" || c.metric == "next_reply" {
				m.cov["a paused minute in a reply cycle"]++
			}
			c.paused++
			continue
		}
		if tg := m.target(c.metric); tg != nil && tg.calendar || p.cal.working(u) {
			if d := u.In(time.UTC).Format("2006-01-02"); !p.cal.always && (d == "2026-03-29" || d == "2026-10-25") {
				m.cov["a working minute in a night of a summer time change"]++
			}
			c.used++
			c.reached = append(c.reached, u.Add(time.Minute))
		}
	}
}

// runModel walks the history minute by minute up to now and returns the
// results as docs/sla.md defines them.
func runModel(policies []*mPolicy, evs []event.Event, now time.Time, cov map[string]int) map[string]sla.Result {
	for _, p := range policies {
		if len(p.cal.memo) > 1<<20 {
			clear(p.cal.memo)
		}
	}
	m := &model{policies: policies, counts: map[string]int{}, cov: cov}
	i := 0
	for u := evs[0].OccurredAt; ; u = u.Add(time.Minute) {
		for ; i < len(evs) && !evs[i].OccurredAt.After(u) && !evs[i].OccurredAt.After(now); i++ {
			m.apply(&evs[i])
			m.rejudge(evs[i].OccurredAt)
		}
		if !u.Before(now) {
			break
		}
		m.tick(u)
	}
	out := map[string]sla.Result{}
	for _, c := range m.clocks {
		r := sla.Result{Tenant: evs[0].Tenant, TicketID: evs[0].TicketID, Metric: sla.Metric(c.metric), Cycle: c.cycle,
			TimeKind: "business", Start: c.start, Elapsed: int64(c.used) * 60, Paused: int64(c.paused) * 60}
		pol, tg := m.policy(), m.target(c.metric)
		if c.ended != "" {
			pol, tg = c.endPol, c.endTarget
			end := c.end
			r.Stop = &end
		}
		if c.kind != "target" {
			tg = nil
		}
		r.Policy = pol.name
		if tg != nil {
			r.Target = int64(tg.minutes) * 60
			if tg.calendar {
				r.TimeKind = "calendar"
			}
		}
		// when the clock had used k minutes of the target it is judged
		// against, or the start of that judgment if later
		reach := func(k int) *time.Time {
			x := c.reached[k-1]
			if x.Before(c.since) {
				x = c.since
			}
			return &x
		}
		if tg != nil {
			if c.used > tg.minutes {
				r.Breached = reach(tg.minutes)
			}
			r.Warned = make([]*time.Time, len(pol.warnPct))
			for k, pct := range pol.warnPct {
				if th := tg.minutes * pct / 100; c.used >= th {
					r.Warned[k] = reach(th)
				}
			}
		}
		switch {
		case tg == nil:
			r.State = "measured"
		case c.ended == "cancelled":
			r.State = "cancelled"
		case r.Breached != nil:
			r.State = "breached"
		case c.ended == "stopped":
			r.State = "achieved"
		case slices.Contains(pol.pause, m.status):
			r.State = "paused"
		default:
			r.State = "active"
			if c.used == tg.minutes {
				r.Deadline = reach(tg.minutes)
			} else {
				left := tg.minutes - c.used
				for u := now; u.Before(now.Add(60 * 24 * time.Hour)); u = u.Add(time.Minute) {
					if tg.calendar || pol.cal.working(u) {
						if left--; left == 0 {
							d := u.Add(time.Minute)
							r.Deadline = &d
							break
						}
					}
				}
			}
		}
		out[fmt.Sprintf("%s#%d", c.metric, c.cycle)] = r
		m.cov["state "+string(r.State)]++
		if r.Breached != nil {
			m.cov["breached "+c.metric]++
		}
		if len(r.Warned) > 0 && r.Warned[0] != nil {
			m.cov["warned "+c.metric]++
		}
		if !c.since.Equal(c.start) && r.State != "measured" {
			m.cov["judged since a change: "+string(r.State)]++
		}
	}
	return out
}

// modelHistory generates a minute-aligned history of one ticket starting
// at start: every kind of event the clocks react to, and some they must
// ignore.
func modelHistory(r *rand.Rand, start time.Time) []event.Event {
	prios := []event.Priority{event.PriorityLow, event.PriorityNormal, event.PriorityHigh, event.PriorityUrgent}
	agent, customer := event.Actor{Type: event.ActorAgent, ID: "a"}, event.Actor{Type: event.ActorCustomer, ID: "c"}
	created := event.Event{Type: event.TypeCreated, Actor: customer, Status: event.StatusNew, Priority: prios[r.IntN(4)], Channel: "email", Customer: "c"}
	if r.IntN(4) == 0 {
		created.Actor = agent
	}
	if r.IntN(4) == 0 {
		created.Tags = []string{"vip"}
	}
	if r.IntN(5) == 0 {
		created.Status = event.StatusOpen
	}
	evs := []event.Event{created}
	at := start
	for n := 1 + r.IntN(16); len(evs) < n; {
		if r.IntN(6) > 0 { // some events share an instant
			at = at.Add(time.Duration(1+r.IntN(150)) * time.Minute)
		}
		e := event.Event{Actor: agent}
		switch k := r.IntN(100); {
		case k < 20:
			e.Type, e.MessageKind = event.TypeMessage, event.MessagePublicReply
		case k < 40:
			e.Type, e.MessageKind, e.Actor = event.TypeMessage, event.MessageCustomerReply, customer
		case k < 65:
			e.Type = event.TypeStatusChanged
			e.Status = []event.Status{event.StatusOpen, event.StatusOpen, event.StatusPending, event.StatusOnHold, event.StatusSolved, event.StatusClosed}[r.IntN(6)]
		case k < 78:
			e.Type, e.Priority = event.TypePriorityChanged, prios[r.IntN(4)]
		case k < 85:
			e.Type = event.TypeTagsChanged
			if r.IntN(2) == 0 {
				e.TagsAdded = []string{"vip"}
			} else {
				e.TagsRemoved = []string{"vip"}
			}
		case k < 90:
			e.Type, e.MessageKind = event.TypeMessage, event.MessageInternalNote
		case k < 95:
			e.Type, e.MessageKind, e.Actor = event.TypeMessage, event.MessagePublicReply, event.Actor{Type: event.ActorSystem, ID: "auto"}
		case k < 97:
			e.Type = event.TypeSeverityChanged
			e.Severity = event.SeverityHigh
		case k < 99:
			e.Type = event.TypeDeleted
		default:
			e.Type = event.TypeMerged
		}
		e.OccurredAt = at
		evs = append(evs, e)
	}
	evs[0].OccurredAt = start
	for i := range evs {
		evs[i].ID, evs[i].Tenant, evs[i].TicketID = fmt.Sprintf("e%03d", i), "t", "T"
	}
	return evs
}

func TestEngineAgainstNaiveModel(t *testing.T) {
	cfg, err := sla.ParseConfig("model.yaml", []byte(modelYAML))
	if err != nil {
		t.Fatal(err)
	}
	policies := modelPolicies(t)
	r := rand.New(rand.NewPCG(26, 2026))
	// around Berlin's two changes of summer time in 2026 (29 March, 25
	// October), holidays the Friday before and the Monday and Tuesday after
	windows := []time.Time{time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 21, 0, 0, 0, 0, time.UTC)}
	histories := 3000
	if testing.Short() {
		histories = 300
	}
	failures := 0
	cov := map[string]int{}
	for h := 0; h < histories && failures < 5; h++ {
		start := windows[h%2].Add(time.Duration(r.IntN(6*24*60)) * time.Minute)
		evs := modelHistory(r, start)
		last := evs[len(evs)-1].OccurredAt
		var now time.Time
		switch r.IntN(5) {
		case 0: // in the middle of the history
			now = start.Add(time.Duration(r.IntN(int(last.Sub(start)/time.Minute)+1)) * time.Minute)
		case 1:
			now = last
		default:
			now = last.Add(time.Duration(r.IntN(36*60)) * time.Minute)
		}
		want := runModel(policies, evs, now, cov)
		got := cfg.Evaluate(evs, now)
		if diff := compareResults(got, want); diff != "" {
			failures++
			t.Errorf("history %d, now %s:\n%s\n%s", h, berlinTime(now), describeHistory(evs), diff)
		}
	}
	// the histories must reach every case the check is for
	for _, c := range []string{"a solve ends a running reply clock", "reopen", "a reply owed from a reopen",
		"to no target", "from no target", "to another policy", "to another target", "a paused minute in a reply cycle",
		"a working minute in a night of a summer time change",
		"state active", "state paused", "state achieved", "state breached", "state cancelled", "state measured",
		"breached first_reply", "breached next_reply", "breached periodic_update", "breached resolution", "breached full_resolution",
		"warned first_reply", "warned next_reply", "warned resolution",
		"judged since a change: active", "judged since a change: breached", "judged since a change: achieved"} {
		if cov[c] < histories/300 {
			t.Errorf("only %d generated histories reach %q", cov[c], c)
		}
	}
	if testing.Verbose() {
		t.Logf("cases reached: %v", cov)
	}
}

// compareResults lists every field where the engine and the model differ.
func compareResults(got []sla.Result, want map[string]sla.Result) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, g := range got {
		k := fmt.Sprintf("%s#%d", g.Metric, g.Cycle)
		seen[k] = true
		// whatever the model says: nothing without a target is breached,
		// warned or due
		if (g.State == "measured" || g.Target == 0) && (g.Breached != nil || g.Deadline != nil || g.Warned != nil) {
			fmt.Fprintf(&b, "  %s: without a target, yet %s\n", k, describeResult(g))
		}
		for _, x := range append([]*time.Time{&g.Start, g.Deadline, g.Stop, g.Breached}, g.Warned...) {
			if x != nil && x.Location() != time.UTC {
				fmt.Fprintf(&b, "  %s: an instant not in UTC: %v\n", k, *x)
			}
		}
		w, ok := want[k]
		if !ok {
			fmt.Fprintf(&b, "  %s: the engine has it, the model not: %s\n", k, describeResult(g))
			continue
		}
		if d := describeResult(g); d != describeResult(w) {
			fmt.Fprintf(&b, "  %s:\n    engine %s\n    model  %s\n", k, d, describeResult(w))
		}
	}
	for k, w := range want {
		if !seen[k] {
			fmt.Fprintf(&b, "  %s: the model has it, the engine not: %s\n", k, describeResult(w))
		}
	}
	return b.String()
}

// describedIn is the zone the failure messages give instants in.
var describedIn, _ = time.LoadLocation("Europe/Berlin")

func berlinTime(t time.Time) string { return t.In(describedIn).Format("Mon 02 Jan 15:04 MST") }

func instant(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return berlinTime(*t)
}

// describeResult prints every field of a result, instants in Berlin time.
func describeResult(r sla.Result) string {
	warned := make([]string, len(r.Warned))
	for i, w := range r.Warned {
		warned[i] = instant(w)
	}
	w := "null"
	if r.Warned != nil {
		w = "[" + strings.Join(warned, ", ") + "]"
	}
	return fmt.Sprintf("%s policy=%s target=%ds %s start=%s deadline=%s stop=%s used=%ds paused=%ds breached=%s warned=%s tenant=%s ticket=%s",
		r.State, r.Policy, r.Target, r.TimeKind, instant(&r.Start), instant(r.Deadline), instant(r.Stop), r.Elapsed, r.Paused,
		instant(r.Breached), w, r.Tenant, r.TicketID)
}

func describeHistory(evs []event.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %s %s %s by %s", e.ID, berlinTime(e.OccurredAt), e.Type, e.Actor.Type)
		switch e.Type {
		case event.TypeCreated:
			fmt.Fprintf(&b, " status=%s priority=%s tags=%v", e.Status, e.Priority, e.Tags)
		case event.TypeStatusChanged:
			fmt.Fprintf(&b, " -> %s", e.Status)
		case event.TypePriorityChanged:
			fmt.Fprintf(&b, " -> %s", e.Priority)
		case event.TypeTagsChanged:
			fmt.Fprintf(&b, " +%v -%v", e.TagsAdded, e.TagsRemoved)
		case event.TypeMessage:
			fmt.Fprintf(&b, " %s", e.MessageKind)
		}
		b.WriteString("\n")
	}
	return b.String()
}
