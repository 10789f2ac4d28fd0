package sla

import (
	"testing"
	"time"

	"github.com/slatehq/slate/event"
)

// The rules of docs/sla.md that issue 26 found broken, each with its
// example, on a 24/7 desk so that the arithmetic is plain clock time.
const rulesConfig = `
policies:
  - name: desk
    calendar: 24/7
    warn_at: [0.7]
    targets:
      first_reply: {urgent: 30m, high: 1h}
      next_reply: {urgent: 30m, high: 1h}
      resolution: {urgent: 100m, high: 4h}
`

// d is 7 Dec 2026 (a Monday) at h:m UTC.
func d(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, time.UTC) }

func rulesCfg(t *testing.T) *Config { return mustParse(t, "rules.yaml", rulesConfig) }

func (h *hist) priority(at time.Time, p event.Priority) *hist {
	return h.add(at, event.TypePriorityChanged, agent, toPriority(p))
}

// A solve ends every running reply clock at the solve.
func TestSolveEndsReplyClocks(t *testing.T) {
	cfg := rulesCfg(t)
	high := event.PriorityHigh

	// Created 09:00 by a customer, high (1h next reply); agent 09:10,
	// customer 09:20 (cycle 2), solved 09:25 without a reply. At 11:00
	// cycle 2 used 5 min and is achieved, stopped at the solve.
	h := newTicket(d(9, 0), cust, high).reply(d(9, 10)).customer(d(9, 20)).status(d(9, 25), event.StatusSolved)
	rs := cfg.Evaluate(h.evs, d(11, 0))
	check(t, "solved without a reply", rs,
		want{metric: MetricNextReply, cycle: 1, state: StateAchieved, elapsed: 10 * time.Minute},
		want{metric: MetricNextReply, cycle: 2, state: StateAchieved, elapsed: 5 * time.Minute},
		want{metric: MetricFirstReply, cycle: 1, state: StateAchieved, elapsed: 10 * time.Minute})
	if r := find(rs, MetricNextReply, 2); r.Stop == nil || !r.Stop.Equal(d(9, 25)) || r.Deadline != nil {
		t.Errorf("solved without a reply: cycle 2 stop %v deadline %v, want stop 09:25 and no deadline", r.Stop, r.Deadline)
	}

	// A first reply on a ticket solved before any reply ends at the solve:
	// urgent (30m), solved 09:10: achieved with 10 min; solved 10:00
	// instead: breached at 09:30 with 60 min, stopped.
	rs = cfg.Evaluate(newTicket(d(9, 0), cust, urg).status(d(9, 10), event.StatusSolved).evs, d(11, 0))
	check(t, "solved before any reply", rs,
		want{metric: MetricFirstReply, cycle: 1, state: StateAchieved, elapsed: 10 * time.Minute},
		want{metric: MetricNextReply, cycle: 1, state: StateAchieved, elapsed: 10 * time.Minute})
	rs = cfg.Evaluate(newTicket(d(9, 0), cust, urg).status(d(10, 0), event.StatusClosed).evs, d(11, 0))
	check(t, "closed late before any reply", rs,
		want{metric: MetricFirstReply, cycle: 1, state: StateBreached, elapsed: time.Hour, breached: tp(d(9, 30))})
	if r := find(rs, MetricFirstReply, 1); r.Stop == nil || !r.Stop.Equal(d(10, 0)) {
		t.Errorf("closed late before any reply: stop %v, want 10:00", r.Stop)
	}

	// A customer message on the solved ticket (09:40) is owed a reply only
	// once the ticket is reopened (10:00): cycle 3 runs from the reopen.
	h = newTicket(d(9, 0), cust, high).reply(d(9, 10)).customer(d(9, 20)).status(d(9, 25), event.StatusSolved).
		customer(d(9, 40)).status(d(10, 0), event.StatusOpen)
	rs = cfg.Evaluate(h.evs, d(10, 20))
	check(t, "message on the solved ticket, then a reopen", rs,
		want{metric: MetricNextReply, cycle: 3, state: StateActive, elapsed: 20 * time.Minute, deadline: tp(d(11, 0))})
	if r := find(rs, MetricNextReply, 3); !r.Start.Equal(d(10, 0)) {
		t.Errorf("message on the solved ticket: cycle 3 starts %v, want the reopen at 10:00", r.Start)
	}
	// ... and none while it stays solved.
	h = newTicket(d(9, 0), cust, high).reply(d(9, 10)).status(d(9, 25), event.StatusSolved).customer(d(9, 40))
	if r := find(cfg.Evaluate(h.evs, d(12, 0)), MetricNextReply, 2); r != nil {
		t.Errorf("a thank-you on a solved ticket started a reply cycle: %+v", r)
	}
}

// A clock is judged against the target in force now: a breach under an
// earlier priority's target does not survive a change of target.
func TestPriorityChangeRejudgesTheClock(t *testing.T) {
	cfg := rulesCfg(t)

	// Urgent (30m first reply) created 09:00, breached 09:30; low (no
	// first-reply target) at 09:45: as of 10:00 measured, no breach, no
	// deadline, no warnings.
	h := newTicket(d(9, 0), cust, urg).priority(d(9, 45), event.PriorityLow)
	rs := cfg.Evaluate(h.evs, d(10, 0))
	check(t, "to a priority without a target", rs,
		want{metric: MetricFirstReply, cycle: 1, state: StateMeasured, elapsed: time.Hour})
	if r := find(rs, MetricFirstReply, 1); r.Breached != nil || r.Deadline != nil || r.Warned != nil || r.Target != 0 {
		t.Errorf("to a priority without a target: %+v", r)
	}
	for _, r := range rs {
		if r.State == StateMeasured && r.Breached != nil {
			t.Errorf("%s#%d is measured and breached at once", r.Metric, r.Cycle)
		}
	}

	// Back to urgent at 10:30 with 90 min used: breached at that change.
	h.priority(d(10, 30), urg)
	rs = cfg.Evaluate(h.evs, d(11, 0))
	check(t, "back to a target already used up", rs,
		want{metric: MetricFirstReply, cycle: 1, state: StateBreached, elapsed: 2 * time.Hour, breached: tp(d(10, 30)), warned: []time.Time{d(10, 30)}})

	// Urgent, breached 09:30; high (1h) at 09:45 with 45 min used: active,
	// deadline 10:00; its 70% (42 min) was passed at the change.
	h = newTicket(d(9, 0), cust, urg).priority(d(9, 45), event.PriorityHigh)
	rs = cfg.Evaluate(h.evs, d(9, 50))
	check(t, "to a longer target", rs,
		want{metric: MetricFirstReply, cycle: 1, state: StateActive, elapsed: 50 * time.Minute, deadline: tp(d(10, 0)), warned: []time.Time{d(9, 45)}})

	// High (1h) from 09:00, warned at 09:42; normal (no target) at 09:50,
	// high again at 09:55: 55 min used, warned at 09:55, deadline 10:00.
	h = newTicket(d(9, 0), cust, event.PriorityHigh).priority(d(9, 50), norm).priority(d(9, 55), event.PriorityHigh)
	rs = cfg.Evaluate(h.evs, d(9, 55))
	check(t, "through a priority without a target", rs,
		want{metric: MetricFirstReply, cycle: 1, state: StateActive, elapsed: 55 * time.Minute, deadline: tp(d(10, 0)), warned: []time.Time{d(9, 55)}})
}

// Warning instants are exact: 70% of 100 minutes is 70 minutes.
func TestWarningAtExactShare(t *testing.T) {
	cfg := rulesCfg(t)
	rs := cfg.Evaluate(newTicket(d(9, 0), cust, urg).evs, d(10, 15))
	check(t, "70% of 100 min", rs,
		want{metric: MetricResolution, cycle: 1, state: StateActive, elapsed: 75 * time.Minute, deadline: tp(d(10, 40)), warned: []time.Time{d(10, 10)}})
	for _, c := range []struct {
		d    time.Duration
		ppm  int64
		want time.Duration
	}{
		{100 * time.Minute, 700000, 70 * time.Minute},
		{time.Hour, 750000, 45 * time.Minute},
		{time.Hour, 333333, 1199998800 * time.Microsecond},
		{2562047 * time.Hour, 900000, 2305842*time.Hour + 18*time.Minute},
	} {
		if got := shareOf(c.d, c.ppm); got != c.want {
			t.Errorf("shareOf(%s, %d) = %s, want %s", c.d, c.ppm, got, c.want)
		}
	}
}
