package sla

import (
	"slices"
	"sync"
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

// States lists every state a cycle can be in.
var States = []State{StateActive, StatePaused, StateAchieved, StateBreached, StateCancelled, StateMeasured}

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
	if !inList(m.Tenants, a.tenant) || !inList(m.Groups, a.group) || !inList(m.Channels, a.channel) ||
		!inList(m.Customers, a.customer) || !inList(m.Organisations, a.organisation) {
		return false
	}
	if len(m.Priorities) > 0 && !slices.Contains(m.Priorities, a.priority) {
		return false
	}
	if len(m.Severities) > 0 && !slices.Contains(m.Severities, a.severity) {
		return false
	}
	if len(m.TagsAny) > 0 {
		any := false
		for _, t := range m.TagsAny {
			if slices.Contains(a.tags, t) {
				any = true
				break
			}
		}
		if !any {
			return false
		}
	}
	for _, t := range m.TagsAll {
		if !slices.Contains(a.tags, t) {
			return false
		}
	}
	return true
}

// inList: an empty list matches everything.
func inList(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }

// policyFor returns the first policy matching a, or nil.
func (c *Config) policyFor(a *attrs) *Policy {
	for i := range c.Policies {
		if c.Policies[i].Match.matches(a) {
			return &c.Policies[i]
		}
	}
	return nil
}

// How a clock runs: in every status but the policy's pause statuses (the
// targeted metrics), or only in some statuses (the duration metrics).
const (
	runsUnpaused uint8 = iota
	runsWaiting        // requester wait: new, open, on_hold
	runsWorking        // agent work: new, open
)

// clock is one metric cycle being simulated.
type clock struct {
	start    time.Time
	stop     time.Time
	breached time.Time // zero: not breached
	// usedUp: the instant the time used reached exactly the current
	// target, while it has not gone beyond it (zero: not at the target);
	// the breach instant if it later does, and the deadline meanwhile
	usedUp  time.Time
	elapsed time.Duration
	paused  time.Duration
	// mark: no warning threshold of the current target not yet reached
	// lies below it, so warn has nothing to do while elapsed < mark
	mark time.Duration
	// policy in force when the clock stopped, and its target for the
	// clock's metric and the priority then
	policy *Policy
	stopTg *Target
	// the target and policy the clock is judged against, since the
	// latest change of either while it ran (or at its reopen)
	judged    *Target
	judgedBy  *Policy
	n         int32 // cycle
	warnAt    int32 // warned[warnAt:warnAt+maxWarn] of the engine: when each warn_at fraction was reached
	mi        uint8 // metricIndex
	kind      uint8
	stopped   bool
	cancelled bool
}

// noClock stands for "no such cycle" where the engine keeps a clock's index.
const noClock = -1

// engine simulates one ticket's clocks over its history. An Evaluator
// keeps one and resets it per ticket, keeping its buffers.
type engine struct {
	cfg     *Config
	a       attrs
	policy  *Policy
	last    time.Time
	lastNs  int64 // last in Unix ns, when lastNs is exact (plainTime)
	lastOK  bool
	clocks  []clock
	warned  []time.Time // maxWarn per clock
	maxWarn int         // the most warn_at thresholds of any policy
	counts  [7]int      // cycles started, by metricIndex
	// reply-cycle bookkeeping (indices into clocks, or noClock)
	created   bool
	createdBy event.ActorType
	// a customer message arrived while the ticket was solved or closed,
	// and no reopen has followed yet
	messageWhileResolved bool
	awaitingReply        int
	periodic             int
	firstReply           int
	firstReplyDone       bool
	resolution           int
	fullResolution       int
	deleted, merged      bool
	targets              [7]*Target         // by metricIndex, for the current policy and priority
	thresholds           [7][]time.Duration // the targets' warn_at thresholds, in the policy's order
	thBuf                []time.Duration
	targetsFor           event.Priority
	// attrsChanged: an attribute policies match on may have changed since
	// the policy was chosen. dirty: retarget must look at every clock (a
	// clock started or resumed, the targets changed, or a search for the
	// instant a threshold was reached came back empty); otherwise advance
	// has already recorded every warning and breach retarget would.
	attrsChanged, dirty bool
	// the status's effect on the clocks, kept by refreshStatus
	paused, waiting, working bool
	cursor                   cursor // the last business-time lookup
}

func (e *engine) reset(cfg *Config) {
	clocks, warned, thBuf, tags := e.clocks[:0], e.warned[:0], e.thBuf, e.a.tags[:0]
	*e = engine{cfg: cfg, clocks: clocks, warned: warned, thBuf: thBuf}
	e.a.tags = tags
	e.awaitingReply, e.periodic, e.firstReply, e.resolution, e.fullResolution = noClock, noClock, noClock, noClock, noClock
	for i := range cfg.Policies {
		e.maxWarn = max(e.maxWarn, len(cfg.Policies[i].WarnAt))
	}
	if len(e.thBuf) < 7*e.maxWarn {
		e.thBuf = make([]time.Duration, 7*e.maxWarn)
	}
}

// Evaluator evaluates tickets one after the other, reusing its buffers
// from one ticket to the next. It is not safe for concurrent use: give
// each goroutine its own (Config.NewEvaluator).
type Evaluator struct {
	cfg   *Config
	e     engine
	refs  []*event.Event
	steps []step // of refs
	seen  map[string]struct{}
	times []time.Time  // backing store of the results' instants, handed out in pieces
	ptrs  []*time.Time // and of their warned_at lists
}

// NewEvaluator returns an Evaluator for c.
func (c *Config) NewEvaluator() *Evaluator { return &Evaluator{cfg: c} }

var evaluators = sync.Pool{New: func() any { return new(Evaluator) }}

// Evaluate derives every SLA result of one ticket from its events (any
// order, replays included) as of now. It is a pure function.
func (c *Config) Evaluate(history []event.Event, now time.Time) []Result {
	v := evaluators.Get().(*Evaluator)
	v.cfg = c
	var out []Result
	if first := v.run(history, now); first != nil {
		out = v.e.results(v, make([]Result, 0, len(v.e.clocks)), first, now)
	}
	v.cfg, v.e.cfg, v.e.policy = nil, nil, nil
	evaluators.Put(v)
	return out
}

// Append appends the results of one ticket, as Config.Evaluate gives them,
// to dst. The results share no memory with the Evaluator's later work.
func (v *Evaluator) Append(dst []Result, history []event.Event, now time.Time) []Result {
	if first := v.run(history, now); first != nil {
		dst = v.e.results(v, dst, first, now)
	}
	return dst
}

// run simulates the ticket's clocks; it returns the first event of the
// history in order, or nil if there is none.
func (v *Evaluator) run(history []event.Event, now time.Time) *event.Event {
	evs := v.sortHistory(history)
	if len(evs) == 0 {
		return nil
	}
	e := &v.e
	e.reset(v.cfg)
	e.a.tenant = evs[0].Tenant
	nowNs, nowOK := plainTime(now)
	for i, ev := range evs {
		st := &v.steps[i]
		if st.ok && nowOK {
			if st.ns > nowNs {
				break // the future is not known yet
			}
		} else if now.Before(ev.OccurredAt) {
			break
		}
		e.advance(ev.OccurredAt, st.ns, st.ok)
		e.apply(ev, st)
		e.retarget(ev.OccurredAt)
	}
	if now.After(e.last) {
		e.advance(now, nowNs, nowOK)
	}
	first := evs[0]
	clear(v.refs) // hold no caller's history
	return first
}

// step is what the engine needs of one event in a compact form, read in
// one pass over the history before the clocks run.
type step struct {
	ns     int64 // OccurredAt in Unix ns, if ok (plainTime)
	ok     bool
	kind   uint8        // what the event does to the clocks (step*)
	key    uint64       // idKey of the event's id
	status event.Status // of a status change
}

const (
	stepNone          uint8 = iota // changes nothing the engine keeps
	stepCreated                    // ticket.created
	stepGroup                      // ticket.assigned that sets the group
	stepPriority                   // ticket.priority_changed
	stepSeverity                   // ticket.severity_changed
	stepTags                       // ticket.tags_changed
	stepStatus                     // ticket.status_changed
	stepAgentReply                 // an agent's public reply
	stepCustomerReply              // a customer's message
	stepMerged                     // ticket.merged
	stepDeleted                    // ticket.deleted
)

func (st *step) read(e *event.Event) {
	st.ns, st.ok = plainTime(e.OccurredAt)
	st.kind, st.status = stepNone, ""
	switch e.Type {
	case event.TypeCreated:
		st.kind = stepCreated
	case event.TypeAssigned:
		if e.SetsGroup {
			st.kind = stepGroup
		}
	case event.TypePriorityChanged:
		st.kind = stepPriority
	case event.TypeSeverityChanged:
		st.kind = stepSeverity
	case event.TypeTagsChanged:
		st.kind = stepTags
	case event.TypeStatusChanged:
		st.kind, st.status = stepStatus, e.Status
	case event.TypeMessage:
		switch {
		case e.MessageKind == event.MessagePublicReply && e.Actor.Type == event.ActorAgent:
			st.kind = stepAgentReply
		case e.MessageKind == event.MessageCustomerReply:
			st.kind = stepCustomerReply
		}
	case event.TypeMerged:
		st.kind = stepMerged
	case event.TypeDeleted:
		st.kind = stepDeleted
	}
}

// sortHistory orders the history by reference exactly as
// event.SortHistoryRefs does (stable by event.Compare, a repeated id
// dropped wherever it sorts, the first copy kept), with reused buffers and
// without work for a history that is already in order; v.steps[i] is the
// step of the i-th event of the result.
func (v *Evaluator) sortHistory(history []event.Event) []*event.Event {
	refs := v.refs[:0]
	steps := slices.Grow(v.steps[:0], len(history))[:len(history)]
	// The ids first, in a loop of its own: their bytes are the events'
	// farthest-flung memory, and a short loop lets the loads overlap.
	for i := range history {
		steps[i].key = idKey(history[i].ID)
	}
	sorted := true
	for i := range history {
		e := &history[i]
		st := &steps[i]
		st.read(e)
		if i > 0 && sorted {
			if p := &steps[i-1]; st.ok && p.ok {
				sorted = p.ns < st.ns || p.ns == st.ns && refs[i-1].ID <= e.ID
			} else {
				sorted = event.Compare(refs[i-1], e) <= 0
			}
		}
		refs = append(refs, e)
	}
	v.refs, v.steps = refs, steps
	if !sorted {
		slices.SortStableFunc(refs, event.Compare)
		for i, e := range refs {
			steps[i].read(e)
			steps[i].key = idKey(e.ID)
		}
	}
	if len(refs) < 2 {
		return refs
	}
	out := refs[:0]
	if len(refs) <= 64 {
		// compare the ids' keys first, the ids only when those match
		for i, e := range refs {
			k := steps[i].key
			dup := false
			for j := range out {
				if steps[j].key == k && out[j].ID == e.ID {
					dup = true
					break
				}
			}
			if !dup {
				steps[len(out)] = steps[i]
				out = append(out, e)
			}
		}
	} else {
		if v.seen == nil {
			v.seen = make(map[string]struct{}, len(refs))
		}
		clear(v.seen)
		for i, e := range refs {
			if _, dup := v.seen[e.ID]; dup {
				continue
			}
			v.seen[e.ID] = struct{}{}
			steps[len(out)] = steps[i]
			out = append(out, e)
		}
		clear(v.seen)
	}
	return out
}

// plainTime is t in Unix ns, and whether that is exact for the engine's
// arithmetic: t has no monotonic clock reading (which time.Time's Sub and
// comparisons would prefer) and lies within the calendar tables' range.
func plainTime(t time.Time) (int64, bool) {
	if s := t.Unix(); s < 0 || s >= maxTableSec || t != t.Round(0) {
		return 0, false
	}
	return t.UnixNano(), true
}

// idKey is a cheap function of an id: equal ids have equal keys.
func idKey(s string) uint64 {
	k := uint64(len(s))
	if n := len(s); n >= 8 {
		t := s[n-8:]
		return k<<56 ^ (uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56)
	}
	for i := 0; i < len(s); i++ {
		k = k<<8 | uint64(s[i])
	}
	return k
}

// newTime stores t, in UTC like every instant of a result, in pieces of a
// shared slab that is never written again once handed out.
func (v *Evaluator) newTime(t time.Time) *time.Time {
	if len(v.times) == cap(v.times) {
		v.times = make([]time.Time, 0, 256)
	}
	v.times = append(v.times, t.UTC())
	return &v.times[len(v.times)-1]
}

// newWarned is a zeroed list of n instants for a result, never nil.
func (v *Evaluator) newWarned(n int) []*time.Time {
	if n == 0 {
		return []*time.Time{}
	}
	if cap(v.ptrs)-len(v.ptrs) < n {
		v.ptrs = make([]*time.Time, 0, max(256, n))
	}
	l := len(v.ptrs)
	v.ptrs = v.ptrs[:l+n]
	return v.ptrs[l : l+n : l+n]
}

// allMetrics indexes the targets table.
var allMetrics = []Metric{MetricFirstReply, MetricNextReply, MetricPeriodicUpdate, MetricResolution,
	MetricFullResolution, MetricRequesterWait, MetricAgentWork}

// AllMetrics lists every metric the engine measures, with or without a
// target.
func AllMetrics() []Metric { return slices.Clone(allMetrics) }

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

// refreshTargets fills the targets table and the warning thresholds for
// the current policy and the priority they are for (targetsFor, which
// both callers have just set to the current priority; ReadClocks rebuilds
// the table from the two).
func (e *engine) refreshTargets() {
	for i, m := range allMetrics {
		tg := targetOf(e.policy, e.targetsFor, m)
		e.targets[i] = tg
		e.thresholds[i] = nil
		if tg != nil {
			th := e.thBuf[i*e.maxWarn : i*e.maxWarn : (i+1)*e.maxWarn]
			for _, f := range e.policy.WarnAt {
				th = append(th, shareOf(tg.Duration, f))
			}
			e.thresholds[i] = th
		}
	}
}

// shareOf is millionths/10^6 of d, rounded down to the nanosecond, in
// integer arithmetic (d/10^6*millionths would lose d's remainder, and
// d*millionths could overflow).
func shareOf(d time.Duration, millionths int64) time.Duration {
	m := time.Duration(millionths)
	return d/million*m + d%million*m/million
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

// always is the 24/7 calendar of tickets no policy matches.
var always = Always()

func (e *engine) calendar() *Calendar {
	if e.policy == nil {
		return always
	}
	return e.policy.Calendar
}

// refreshStatus records which clocks run in the current status under the
// current policy; called whenever either changes.
func (e *engine) refreshStatus() {
	st := e.a.status
	e.paused = e.pausedNow()
	e.waiting = st == event.StatusNew || st == event.StatusOpen || st == event.StatusOnHold
	e.working = st == event.StatusNew || st == event.StatusOpen
}

// advance runs the clocks from the last event to t under the attributes,
// policy and status in force over that span. tNs is t in Unix ns if tOK
// (plainTime).
func (e *engine) advance(t time.Time, tNs int64, tOK bool) {
	fast := tOK && e.lastOK // then integer arithmetic is exact
	var after bool
	var span time.Duration
	if fast {
		after, span = tNs > e.lastNs, time.Duration(tNs-e.lastNs)
	} else if after = t.After(e.last); after {
		span = t.Sub(e.last)
	}
	if !after {
		return
	}
	if !e.last.IsZero() {
		business := time.Duration(-1) // the span's business time, computed at most once
		for i := range e.clocks {
			c := &e.clocks[i]
			if c.stopped || c.cancelled {
				continue
			}
			running := !e.paused
			switch c.kind {
			case runsWaiting:
				running = e.waiting
			case runsWorking:
				running = e.working
			}
			if !running {
				c.paused += span
				continue
			}
			before := c.elapsed
			tg := e.targets[c.mi]
			if tg != nil && tg.Calendar {
				c.elapsed += span
			} else {
				if business < 0 {
					if cal := e.calendar(); fast {
						business = cal.betweenNs(e.lastNs, tNs, &e.cursor)
					} else {
						business = cal.Between(e.last, t)
					}
				}
				c.elapsed += business
			}
			if tg != nil {
				if c.elapsed >= c.mark {
					e.warn(c, before, e.last)
				}
				if c.breached.IsZero() && c.elapsed >= tg.Duration {
					// the instant the target was used up: in this span,
					// or when an earlier one used exactly the target
					at := c.usedUp
					if at.IsZero() {
						at = e.reach(int(c.mi), e.last, tg.Duration-before)
					}
					if c.elapsed > tg.Duration {
						c.breached = at
					} else {
						c.usedUp = at // exactly the target: not (yet) a breach
					}
					if at.IsZero() {
						e.dirty = true
					}
				}
			}
		}
	}
	e.last, e.lastNs, e.lastOK = t, tNs, tOK
}

// warn records when the clock reached each warning threshold of its
// target during the span that began at from with before used.
func (e *engine) warn(c *clock, before time.Duration, from time.Time) {
	c.mark = noMark
	if e.policy == nil || !c.breached.IsZero() {
		return
	}
	warned := e.warned[c.warnAt : int(c.warnAt)+e.maxWarn]
	for i, th := range e.thresholds[c.mi] {
		if !warned[i].IsZero() {
			continue
		}
		if c.elapsed < th {
			c.mark = min(c.mark, th)
			continue
		}
		if before >= th {
			warned[i] = from // already past it when the target changed
		} else if warned[i] = e.reach(int(c.mi), from, th-before); warned[i].IsZero() {
			e.dirty = true
			c.mark = min(c.mark, th)
		}
	}
}

// noMark: no threshold left to watch.
const noMark = time.Duration(1<<63 - 1)

// reach is the instant d of SLA time (for the metric of index mi) after
// from.
func (e *engine) reach(mi int, from time.Time, d time.Duration) time.Time {
	if t := e.targets[mi]; t != nil && t.Calendar {
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
	if e.attrsChanged {
		e.attrsChanged = false
		if p := e.cfg.policyFor(&e.a); p != e.policy || e.a.priority != e.targetsFor {
			e.policy, e.targetsFor = p, e.a.priority
			e.refreshTargets()
			e.refreshStatus()
			e.dirty = true
		}
	}
	if !e.dirty {
		return
	}
	for i := range e.clocks {
		c := &e.clocks[i]
		if c.stopped || c.cancelled {
			continue
		}
		tg := e.targets[c.mi]
		if c.judgedBy != e.policy || !sameTarget(c.judged, tg) {
			// A clock is judged only against the target in force now
			// (docs/sla.md): what an earlier target recorded goes, and
			// the new one counts from now on the time already used.
			c.judged, c.judgedBy = tg, e.policy
			c.breached, c.usedUp, c.mark = time.Time{}, time.Time{}, 0
			clear(e.warned[c.warnAt : int(c.warnAt)+e.maxWarn])
		}
		if !c.breached.IsZero() {
			continue
		}
		if tg != nil {
			e.warn(c, c.elapsed, t)
			if c.elapsed > tg.Duration {
				c.breached = t
			} else if c.elapsed == tg.Duration && c.usedUp.IsZero() {
				c.usedUp = t // a new target, used up at the change
			}
		}
	}
	// (a zero t records nothing: look again at the next event)
	e.dirty = t.IsZero()
}

func sameTarget(a, b *Target) bool { return a == b || a != nil && b != nil && *a == *b }

func (e *engine) startClock(m Metric, t time.Time, kind uint8) int {
	mi := metricIndex(m)
	e.counts[mi]++
	n := len(e.warned)
	// (mark 0: retarget, which runs before the clock next advances, sets it)
	e.clocks = append(e.clocks, clock{start: t, n: int32(e.counts[mi]), warnAt: int32(n), mi: uint8(mi), kind: kind,
		judged: e.targets[mi], judgedBy: e.policy})
	e.warned = slices.Grow(e.warned, e.maxWarn)[:n+e.maxWarn]
	clear(e.warned[n:])
	e.dirty = true
	return len(e.clocks) - 1
}

// stopClock ends a cycle; its policy and target are those in force now.
func (e *engine) stopClock(k int, t time.Time) {
	if k == noClock {
		return
	}
	if c := &e.clocks[k]; !c.stopped && !c.cancelled {
		c.stopped, c.stop, c.policy, c.stopTg = true, t, e.policy, targetOf(e.policy, e.a.priority, allMetrics[c.mi])
	}
}

func (e *engine) cancelClock(k int, t time.Time) {
	if k == noClock {
		return
	}
	if c := &e.clocks[k]; !c.stopped && !c.cancelled {
		c.cancelled, c.stop, c.policy, c.stopTg = true, t, e.policy, targetOf(e.policy, e.a.priority, allMetrics[c.mi])
	}
}

func (e *engine) apply(ev *event.Event, st *step) {
	t := ev.OccurredAt
	if e.deleted || e.merged {
		return // nothing is owed on a deleted or merged ticket
	}
	switch st.kind {
	case stepCreated:
		if e.created {
			return
		}
		e.created, e.createdBy = true, ev.Actor.Type
		e.a.group, e.a.channel, e.a.customer, e.a.organisation = ev.Group, ev.Channel, ev.Customer, ev.Organisation
		e.a.priority, e.a.severity, e.a.tags, e.a.status = ev.Priority, ev.Severity, appendFolded(e.a.tags[:0], ev.Tags), ev.Status
		e.policy, e.targetsFor = e.cfg.policyFor(&e.a), e.a.priority
		e.refreshTargets()
		e.refreshStatus()
		e.resolution = e.startClock(MetricResolution, t, runsUnpaused)
		e.fullResolution = e.startClock(MetricFullResolution, t, runsUnpaused)
		e.startClock(MetricRequesterWait, t, runsWaiting)
		e.startClock(MetricAgentWork, t, runsWorking)
		if ev.Actor.Type == event.ActorCustomer {
			// the customer's opening message: both reply clocks start
			e.firstReply = e.startClock(MetricFirstReply, t, runsUnpaused)
			e.awaitingReply = e.startClock(MetricNextReply, t, runsUnpaused)
		}
	case stepGroup:
		e.a.group = ev.Group
		e.attrsChanged = true
	case stepPriority:
		e.a.priority = ev.Priority
		e.attrsChanged = true
	case stepSeverity:
		e.a.severity = ev.Severity
		e.attrsChanged = true
	case stepTags:
		kept := e.a.tags[:0]
		for _, x := range e.a.tags {
			if !slices.ContainsFunc(ev.TagsRemoved, func(r string) bool { return event.FoldTag(r) == x }) {
				kept = append(kept, x)
			}
		}
		e.a.tags = appendFolded(kept, ev.TagsAdded)
		e.attrsChanged = true
	case stepStatus:
		e.setStatus(st.status, t)
	case stepAgentReply:
		e.agentReply(t)
	case stepCustomerReply:
		e.customerMessage(t)
	case stepMerged:
		e.merged = true
		e.cancelAll(t)
	case stepDeleted:
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
	e.refreshStatus()
	switch {
	case !from.Resolved() && to.Resolved():
		e.stopClock(e.resolution, t)
		// the full resolution clock stops too, and restarts on reopen
		e.stopClock(e.fullResolution, t)
		// no periodic update is owed on a solved ticket
		e.cancelClock(e.periodic, t)
		e.periodic = noClock
		// nor a reply: the solve ends the reply clocks, judged by the
		// time they used until it
		e.stopReplyClocks(t)
	case from.Resolved() && !to.Resolved() && e.created:
		e.resolution = e.startClock(MetricResolution, t, runsUnpaused)
		if e.messageWhileResolved {
			// the customer's message on the solved ticket is owed a
			// reply from the reopen
			e.messageWhileResolved = false
			e.startReplyClocks(t)
		}
		if e.fullResolution != noClock && e.clocks[e.fullResolution].stopped {
			fr := &e.clocks[e.fullResolution]
			fr.stopped = false // resumes; the solved span is paused time
			fr.paused += t.Sub(fr.stop)
			fr.stop = time.Time{}
			e.dirty = true
		}
	}
}

// agentReply: an agent's public reply.
func (e *engine) agentReply(t time.Time) {
	e.stopReplyClocks(t)
	e.stopClock(e.periodic, t)
	if !e.a.status.Resolved() {
		e.periodic = e.startClock(MetricPeriodicUpdate, t, runsUnpaused)
	}
}

// stopReplyClocks ends the running first-reply and next-reply cycles: at
// an agent's public reply, or at a solve.
func (e *engine) stopReplyClocks(t time.Time) {
	if e.firstReply != noClock && !e.firstReplyDone {
		e.stopClock(e.firstReply, t)
		e.firstReplyDone = true
	}
	e.stopClock(e.awaitingReply, t)
	e.awaitingReply = noClock
}

// customerMessage: a message from the customer. No reply clock runs on a
// solved or closed ticket: a message there is owed a reply only if the
// ticket is reopened, from the reopen.
func (e *engine) customerMessage(t time.Time) {
	if !e.created {
		return
	}
	if e.a.status.Resolved() {
		e.messageWhileResolved = true
		return
	}
	e.startReplyClocks(t)
}

// startReplyClocks starts the reply cycles a customer message starts at t:
// the first reply of a ticket an agent or the system created, if it has
// none yet, and a next-reply cycle unless one is running.
func (e *engine) startReplyClocks(t time.Time) {
	if e.firstReply == noClock && e.createdBy != event.ActorCustomer && !e.firstReplyDone {
		// agent-created ticket: first reply runs from the first customer message
		e.firstReply = e.startClock(MetricFirstReply, t, runsUnpaused)
	}
	if e.awaitingReply == noClock {
		e.awaitingReply = e.startClock(MetricNextReply, t, runsUnpaused)
	}
}

func (e *engine) cancelAll(t time.Time) {
	for k := range e.clocks {
		e.cancelClock(k, t)
	}
}

// results appends one Result per clock to out; their instants live in v's
// slabs.
func (e *engine) results(v *Evaluator, out []Result, first *event.Event, now time.Time) []Result {
	pausedNow := e.pausedNow()
	for k := range e.clocks {
		c := &e.clocks[k]
		out = append(out, Result{Tenant: first.Tenant, TicketID: first.TicketID, Metric: allMetrics[c.mi], Cycle: int(c.n),
			Start: c.start.UTC(), Elapsed: int64(c.elapsed / time.Second), Paused: int64(c.paused / time.Second), TimeKind: "business"})
		r := &out[len(out)-1]
		// the policy and target in force now, or when the clock ended
		policy, tg := e.policy, e.targets[c.mi]
		if c.stopped || c.cancelled {
			policy, tg = c.policy, c.stopTg
		}
		if policy != nil {
			r.Policy = policy.Name
		}
		if tg != nil {
			r.Target = int64(tg.Duration / time.Second)
			if tg.Calendar {
				r.TimeKind = "calendar"
			}
		}
		if c.stopped || c.cancelled {
			r.Stop = v.newTime(c.stop)
		}
		if !c.breached.IsZero() {
			r.Breached = v.newTime(c.breached)
		}
		if tg != nil && policy != nil && c.kind == runsUnpaused {
			r.Warned = v.newWarned(len(policy.WarnAt))
			warned := e.warned[c.warnAt : int(c.warnAt)+e.maxWarn]
			for i := range r.Warned {
				if i < len(warned) && !warned[i].IsZero() {
					r.Warned[i] = v.newTime(warned[i])
				}
			}
		}
		switch {
		case c.kind != runsUnpaused || tg == nil:
			r.State = StateMeasured
		case c.cancelled:
			r.State = StateCancelled
		case !c.breached.IsZero():
			r.State = StateBreached
		case c.stopped:
			r.State = StateAchieved
		case pausedNow:
			r.State = StatePaused
		default:
			r.State = StateActive
			d := c.usedUp // exactly the target used: when it was
			if d.IsZero() {
				d = e.reach(int(c.mi), now, tg.Duration-c.elapsed)
			}
			if !d.IsZero() {
				r.Deadline = v.newTime(d)
			}
		}
	}
	return out
}

// appendFolded appends each tag's key (event.FoldTag) to dst once: policies
// match tags ignoring case, as tickets group them.
func appendFolded(dst, tags []string) []string {
	for _, t := range tags {
		if f := event.FoldTag(t); !slices.Contains(dst, f) {
			dst = append(dst, f)
		}
	}
	return dst
}
