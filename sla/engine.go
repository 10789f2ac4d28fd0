package sla

import (
	"slices"
	"time"

	"github.com/slatehq/slate/event"
)

// State of one metric cycle at the evaluation time.
type State string

const (
	StateActive    State = "active"    // running, not yet breached
	StatePaused    State = "paused"    // stopped by a pause status, not yet breached
	StateAchieved  State = "achieved"  // stopped within its target
	StateBreached  State = "breached"  // reached its target before stopping (or still running past it)
	StateCancelled State = "cancelled" // ended without its stop event (solved before a periodic update, deleted, merged)
	StateMeasured  State = "measured"  // a duration without a target (requester wait, agent work)
)

// Extra metrics measured as durations, without targets.
const (
	MetricFullResolution Metric = "full_resolution" // creation to the final solve, across reopens
	MetricRequesterWait  Metric = "requester_wait"  // time in new, open and on_hold
	MetricAgentWork      Metric = "agent_work"      // time in new and open
)

// Result is one ticket's one metric cycle, as `slate sla eval` prints it.
type Result struct {
	Tenant   string     `json:"tenant"`
	TicketID string     `json:"ticket_id"`
	Metric   Metric     `json:"metric"`
	Cycle    int        `json:"cycle"`
	Policy   string     `json:"policy"`
	Target   int64      `json:"target_seconds"` // 0: no target
	TimeKind string     `json:"time_kind"`      // business or calendar
	Start    time.Time  `json:"start"`
	Deadline *time.Time `json:"deadline"` // when the target is reached if nothing pauses it; none while paused or stopped
	Stop     *time.Time `json:"stop"`
	Elapsed  int64      `json:"elapsed_seconds"` // in TimeKind, pauses excluded
	Paused   int64      `json:"paused_seconds"`  // wall-clock seconds spent paused
	State    State      `json:"state"`
	Breached *time.Time `json:"breached_at"`
	// When each of the policy's warn_at thresholds was reached, in its
	// order; null where not (yet) reached.
	Warned []*time.Time `json:"warned_at"`
}

// attrs are the ticket's attributes that policies match on.
type attrs struct {
	tenant, group, channel, customer, organisation string
	status                                         event.Status
	priority                                       event.Priority
	severity                                       event.Severity
	tags                                           []string
}

func (m *Match) matches(a *attrs) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	if !in(m.Tenants, a.tenant) || !in(m.Groups, a.group) || !in(m.Channels, a.channel) ||
		!in(m.Customers, a.customer) || !in(m.Organisations, a.organisation) {
		return false
	}
	if len(m.Priorities) > 0 && !slices.Contains(m.Priorities, a.priority) {
		return false
	}
	if len(m.Severities) > 0 && !slices.Contains(m.Severities, a.severity) {
		return false
	}
	if len(m.TagsAny) > 0 && !slices.ContainsFunc(m.TagsAny, func(t string) bool { return slices.Contains(a.tags, t) }) {
		return false
	}
	for _, t := range m.TagsAll {
		if !slices.Contains(a.tags, t) {
			return false
		}
	}
	return true
}

// policyFor returns the first policy matching a, or nil.
func (c *Config) policyFor(a *attrs) *Policy {
	for i := range c.Policies {
		if c.Policies[i].Match.matches(a) {
			return &c.Policies[i]
		}
	}
	return nil
}

// clock is one metric cycle being simulated.
type clock struct {
	metric    Metric
	n         int
	start     time.Time
	elapsed   time.Duration
	paused    time.Duration
	stop      time.Time
	stopped   bool
	cancelled bool
	breached  time.Time
	warned    []time.Time // when each of the policy's warn_at fractions was reached
	// statuses during which this clock runs (for the duration metrics); nil
	// means "every status but the policy's pause statuses"
	runsIn []event.Status
	// policy in force when the clock stopped (the current one while it runs)
	policy *Policy
	prio   event.Priority
}

// engine simulates one ticket's clocks over its history.
type engine struct {
	cfg    *Config
	a      attrs
	policy *Policy
	last   time.Time
	clocks []*clock
	counts [7]int  // cycles started, by metricIndex
	slab   []clock // backing store for clocks: one allocation per ticket
	// reply-cycle bookkeeping
	created         bool
	createdBy       event.ActorType
	agentReplied    bool // an agent public reply happened since the last customer message
	awaitingReply   *clock
	periodic        *clock
	firstReply      *clock
	firstReplyDone  bool
	resolution      *clock
	fullResolution  *clock
	deleted, merged bool
	targets         [7]*Target // by metricIndex, for the current policy and priority
	targetsFor      event.Priority
}

// Evaluate derives every SLA result of one ticket from its events (any
// order, replays included) as of now. It is a pure function.
func (c *Config) Evaluate(history []event.Event, now time.Time) []Result {
	refs := make([]*event.Event, len(history))
	for i := range history {
		refs[i] = &history[i]
	}
	evs := event.SortHistoryRefs(refs)
	if len(evs) == 0 {
		return nil
	}
	e := &engine{cfg: c, slab: make([]clock, 0, 16)}
	e.a.tenant = evs[0].Tenant
	for _, ev := range evs {
		if now.Before(ev.OccurredAt) {
			break // the future is not known yet
		}
		e.advance(ev.OccurredAt)
		e.apply(ev)
		e.retarget(ev.OccurredAt)
	}
	if now.After(e.last) {
		e.advance(now)
	}
	return e.results(evs[0], now)
}

// target is m's target under the current policy and priority, from a
// table refreshed whenever either may have changed (once per event).
func (e *engine) target(m Metric) *Target { return e.targets[metricIndex(m)] }

// allMetrics indexes the targets table.
var allMetrics = []Metric{MetricFirstReply, MetricNextReply, MetricPeriodicUpdate, MetricResolution,
	MetricFullResolution, MetricRequesterWait, MetricAgentWork}

func metricIndex(m Metric) int {
	switch m {
	case MetricFirstReply:
		return 0
	case MetricNextReply:
		return 1
	case MetricPeriodicUpdate:
		return 2
	case MetricResolution:
		return 3
	case MetricFullResolution:
		return 4
	case MetricRequesterWait:
		return 5
	}
	return 6
}

func (e *engine) refreshTargets() {
	for i, m := range allMetrics {
		e.targets[i] = targetOf(e.policy, e.a.priority, m)
	}
}

// targetOf is a metric's target under a policy for a priority (nil: none).
// Full resolution is held to the resolution target.
func targetOf(p *Policy, prio event.Priority, m Metric) *Target {
	if p == nil {
		return nil
	}
	if m == MetricFullResolution {
		m = MetricResolution
	}
	mi, pi := metricIndex(m), priorityIndex(prio)
	if mi > 3 || pi < 0 {
		return nil
	}
	if p.targetTable == nil { // a Policy not built by the parser
		p.targetTable = buildTargetTable(p.Targets)
	}
	return p.targetTable[mi][pi]
}

func priorityIndex(p event.Priority) int {
	switch p {
	case event.PriorityLow:
		return 0
	case event.PriorityNormal:
		return 1
	case event.PriorityHigh:
		return 2
	case event.PriorityUrgent:
		return 3
	}
	return -1
}

// buildTargetTable lays Targets out by (metric, priority) index: the engine
// looks targets up for every event.
func buildTargetTable(targets map[Metric]map[event.Priority]Target) *[4][4]*Target {
	table := new([4][4]*Target)
	for m, per := range targets {
		for prio, t := range per {
			if mi, pi := metricIndex(m), priorityIndex(prio); mi <= 3 && pi >= 0 {
				t := t
				table[mi][pi] = &t
			}
		}
	}
	return table
}

func (e *engine) pausedNow() bool {
	return e.policy != nil && slices.Contains(e.policy.PauseStatuses, e.a.status)
}

func (e *engine) calendar() *Calendar {
	if e.policy == nil {
		return Always()
	}
	return e.policy.Calendar
}

// measure is elapsed SLA time over [from, to) for a clock of metric m;
// business is that span's business time, computed at most once per span.
func (e *engine) measure(m Metric, from, to time.Time, business *time.Duration) time.Duration {
	if t := e.target(m); t != nil && t.Calendar {
		return to.Sub(from)
	}
	if *business < 0 {
		*business = e.calendar().Between(from, to)
	}
	return *business
}

// advance runs the clocks from the last event to t under the attributes,
// policy and status in force over that span.
func (e *engine) advance(t time.Time) {
	if !e.last.IsZero() && t.After(e.last) {
		business := time.Duration(-1)
		for _, c := range e.clocks {
			if c.stopped || c.cancelled {
				continue
			}
			running := !e.pausedNow()
			if c.runsIn != nil {
				running = slices.Contains(c.runsIn, e.a.status)
			}
			if !running {
				c.paused += t.Sub(e.last)
				continue
			}
			before := c.elapsed
			c.elapsed += e.measure(c.metric, e.last, t, &business)
			if tg := e.target(c.metric); tg != nil {
				e.warn(c, tg, before, e.last)
				if c.breached.IsZero() && c.elapsed > tg.Duration {
					c.breached = e.reach(c.metric, e.last, tg.Duration-before)
				}
			}
		}
	}
	if t.After(e.last) {
		e.last = t
	}
}

// warn records when the clock reached each warning threshold of its
// target during the span that began at from with before used.
func (e *engine) warn(c *clock, tg *Target, before time.Duration, from time.Time) {
	if e.policy == nil || !c.breached.IsZero() {
		return
	}
	for i, f := range e.policy.WarnAt {
		if len(c.warned) <= i {
			c.warned = append(c.warned, time.Time{})
		}
		th := time.Duration(f * float64(tg.Duration))
		if !c.warned[i].IsZero() || c.elapsed < th {
			continue
		}
		if before >= th {
			c.warned[i] = from // already past it when the target changed
		} else {
			c.warned[i] = e.reach(c.metric, from, th-before)
		}
	}
}

// reach is the instant d of SLA time after from.
func (e *engine) reach(m Metric, from time.Time, d time.Duration) time.Time {
	if t := e.target(m); t != nil && t.Calendar {
		return from.Add(d)
	}
	at, ok := e.calendar().Add(from, d)
	if !ok {
		return time.Time{}
	}
	return at
}

// retarget applies a changed priority or policy to running clocks: elapsed
// time is kept; a clock already past its new target is breached now.
func (e *engine) retarget(t time.Time) {
	if p := e.cfg.policyFor(&e.a); p != e.policy || e.a.priority != e.targetsFor {
		e.policy, e.targetsFor = p, e.a.priority
		e.refreshTargets()
	}
	for _, c := range e.clocks {
		if c.stopped || c.cancelled || !c.breached.IsZero() {
			continue
		}
		if tg := e.target(c.metric); tg != nil {
			e.warn(c, tg, c.elapsed, t)
			if c.elapsed > tg.Duration {
				c.breached = t
			}
		}
	}
}

func (e *engine) startClock(m Metric, t time.Time, runsIn []event.Status) *clock {
	e.counts[metricIndex(m)]++
	var c *clock
	if len(e.slab) < cap(e.slab) { // pointers into the slab stay valid: it never grows
		e.slab = append(e.slab, clock{})
		c = &e.slab[len(e.slab)-1]
	} else {
		c = new(clock)
	}
	*c = clock{metric: m, n: e.counts[metricIndex(m)], start: t, runsIn: runsIn}
	e.clocks = append(e.clocks, c)
	return c
}

// stopClock ends a cycle; its policy and target are those in force now.
func (e *engine) stopClock(c *clock, t time.Time) {
	if c != nil && !c.stopped && !c.cancelled {
		c.stopped, c.stop, c.policy, c.prio = true, t, e.policy, e.a.priority
	}
}

func (e *engine) cancelClock(c *clock, t time.Time) {
	if c != nil && !c.stopped && !c.cancelled {
		c.cancelled, c.stop, c.policy, c.prio = true, t, e.policy, e.a.priority
	}
}

func (e *engine) apply(ev *event.Event) {
	t := ev.OccurredAt
	if e.deleted || e.merged {
		return // nothing is owed on a deleted or merged ticket
	}
	switch ev.Type {
	case event.TypeCreated:
		if e.created {
			return
		}
		e.created, e.createdBy = true, ev.Actor.Type
		e.a.group, e.a.channel, e.a.customer, e.a.organisation = ev.Group, ev.Channel, ev.Customer, ev.Organisation
		e.a.priority, e.a.severity, e.a.tags, e.a.status = ev.Priority, ev.Severity, slices.Clone(ev.Tags), ev.Status
		e.policy, e.targetsFor = e.cfg.policyFor(&e.a), e.a.priority
		e.refreshTargets()
		e.resolution = e.startClock(MetricResolution, t, nil)
		e.fullResolution = e.startClock(MetricFullResolution, t, nil)
		e.startClock(MetricRequesterWait, t, []event.Status{event.StatusNew, event.StatusOpen, event.StatusOnHold})
		e.startClock(MetricAgentWork, t, []event.Status{event.StatusNew, event.StatusOpen})
		if ev.Actor.Type == event.ActorCustomer {
			// the customer's opening message: both reply clocks start
			e.firstReply = e.startClock(MetricFirstReply, t, nil)
			e.awaitingReply = e.startClock(MetricNextReply, t, nil)
		}
	case event.TypeAssigned:
		if ev.SetsGroup {
			e.a.group = ev.Group
		}
	case event.TypePriorityChanged:
		e.a.priority = ev.Priority
	case event.TypeSeverityChanged:
		e.a.severity = ev.Severity
	case event.TypeTagsChanged:
		e.a.tags = slices.DeleteFunc(e.a.tags, func(x string) bool { return slices.Contains(ev.TagsRemoved, x) })
		for _, x := range ev.TagsAdded {
			if !slices.Contains(e.a.tags, x) {
				e.a.tags = append(e.a.tags, x)
			}
		}
	case event.TypeStatusChanged:
		e.setStatus(ev.Status, t)
	case event.TypeMessage:
		e.message(ev, t)
	case event.TypeMerged:
		e.merged = true
		e.cancelAll(t)
	case event.TypeDeleted:
		e.deleted = true
		e.cancelAll(t)
	}
}

func (e *engine) setStatus(to event.Status, t time.Time) {
	from := e.a.status
	if from == to {
		return
	}
	e.a.status = to
	switch {
	case !from.Resolved() && to.Resolved():
		e.stopClock(e.resolution, t)
		// the full resolution clock stops too, and restarts on reopen
		e.stopClock(e.fullResolution, t)
		// no periodic update is owed on a solved ticket
		e.cancelClock(e.periodic, t)
		e.periodic = nil
	case from.Resolved() && !to.Resolved() && e.created:
		e.resolution = e.startClock(MetricResolution, t, nil)
		if e.fullResolution != nil && e.fullResolution.stopped {
			e.fullResolution.stopped = false // resumes; the solved span is paused time
			e.fullResolution.paused += t.Sub(e.fullResolution.stop)
			e.fullResolution.stop = time.Time{}
		}
	}
}

func (e *engine) message(ev *event.Event, t time.Time) {
	switch {
	case ev.MessageKind == event.MessagePublicReply && ev.Actor.Type == event.ActorAgent:
		if e.firstReply != nil && !e.firstReplyDone {
			e.stopClock(e.firstReply, t)
			e.firstReplyDone = true
		}
		e.stopClock(e.awaitingReply, t)
		e.awaitingReply = nil
		e.agentReplied = true
		e.stopClock(e.periodic, t)
		if !e.a.status.Resolved() {
			e.periodic = e.startClock(MetricPeriodicUpdate, t, nil)
		}
	case ev.MessageKind == event.MessageCustomerReply:
		if !e.created {
			return
		}
		if e.firstReply == nil && e.createdBy != event.ActorCustomer && !e.firstReplyDone {
			// agent-created ticket: first reply runs from the first customer message
			e.firstReply = e.startClock(MetricFirstReply, t, nil)
		}
		if e.awaitingReply == nil && (e.agentReplied || e.createdBy != event.ActorCustomer) {
			e.awaitingReply = e.startClock(MetricNextReply, t, nil)
			e.agentReplied = false
		}
	}
}

func (e *engine) cancelAll(t time.Time) {
	for _, c := range e.clocks {
		e.cancelClock(c, t)
	}
}

func (e *engine) results(first *event.Event, now time.Time) []Result {
	out := make([]Result, 0, len(e.clocks))
	for _, c := range e.clocks {
		r := Result{Tenant: first.Tenant, TicketID: first.TicketID, Metric: c.metric, Cycle: c.n,
			Start: c.start, Elapsed: int64(c.elapsed / time.Second), Paused: int64(c.paused / time.Second), TimeKind: "business"}
		policy, prio := e.policy, e.a.priority
		if c.stopped || c.cancelled {
			policy, prio = c.policy, c.prio
		}
		if policy != nil {
			r.Policy = policy.Name
		}
		tg := targetOf(policy, prio, c.metric)
		if tg != nil {
			r.Target = int64(tg.Duration / time.Second)
			if tg.Calendar {
				r.TimeKind = "calendar"
			}
		}
		if c.stopped || c.cancelled {
			stop := c.stop
			r.Stop = &stop
		}
		if !c.breached.IsZero() {
			b := c.breached
			r.Breached = &b
		}
		if tg != nil && policy != nil && c.runsIn == nil {
			r.Warned = make([]*time.Time, len(policy.WarnAt))
			for i := range r.Warned {
				if i < len(c.warned) && !c.warned[i].IsZero() {
					w := c.warned[i]
					r.Warned[i] = &w
				}
			}
		}
		switch {
		case c.runsIn != nil || tg == nil:
			r.State = StateMeasured
		case c.cancelled:
			r.State = StateCancelled
		case !c.breached.IsZero():
			r.State = StateBreached
		case c.stopped:
			r.State = StateAchieved
		case e.pausedNow():
			r.State = StatePaused
		default:
			r.State = StateActive
			if d := e.reach(c.metric, now, tg.Duration-c.elapsed); !d.IsZero() {
				r.Deadline = &d
			}
		}
		out = append(out, r)
	}
	return out
}
