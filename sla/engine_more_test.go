package sla

import (
	"testing"
	"time"

	"github.com/slatehq/slate/event"
)

// More hand-worked scenarios on other calendars: Ho Chi Minh City with a
// lunch break and the Tết holiday week, New York across its DST change, a
// calendar with no working time, on_hold pausing by choice.
const moreConfig = `
calendars:
  - name: hcm
    zone: Asia/Ho_Chi_Minh
    week:
      mon: ["08:00-12:00", "13:00-17:00"]
      tue: ["08:00-12:00", "13:00-17:00"]
      wed: ["08:00-12:00", "13:00-17:00"]
      thu: ["08:00-12:00", "13:00-17:00"]
      fri: ["08:00-12:00", "13:00-17:00"]
    holidays: [2026-02-14..2026-02-22]
  - name: nyc
    zone: America/New_York
    week: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"], thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
  - name: closed
    zone: UTC
policies:
  - name: hold-pauses
    match: {tenants: [hold]}
    calendar: 24/7
    pause_statuses: [pending, on_hold]
    targets: {resolution: {normal: 10h}}
  - name: never
    match: {tenants: [never]}
    calendar: closed
    targets: {first_reply: {normal: 1h}}
  - name: us
    match: {tenants: [us]}
    calendar: nyc
    targets: {first_reply: {normal: 4h}, resolution: {normal: 8h}}
  - name: vn
    calendar: hcm
    targets:
      first_reply: {normal: 2h, high: 1h}
      resolution: {normal: 16h, high: 8h}
`

var (
	hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")
	nyc, _ = time.LoadLocation("America/New_York")
)

func tenantTicket(tenant string, at time.Time, prio event.Priority) *hist {
	return newTicket(at, cust, prio).tenant(tenant)
}

func (h *hist) tenant(tn string) *hist {
	for i := range h.evs {
		h.evs[i].Tenant = tn
	}
	return h
}

func TestMoreScenarios(t *testing.T) {
	cfg, err := ParseConfig("more.yaml", []byte(moreConfig))
	if err != nil {
		t.Fatal(err)
	}
	v := func(day, h, m int) time.Time { return time.Date(2026, 2, day, h, m, 0, 0, hcm) }
	eval := func(h *hist, now time.Time) []Result { return cfg.Evaluate(h.evs, now) }

	// 21. HCM, created Mon 9 Feb 11:30, replied 13:30: 11:30-12:00 (30 min),
	// lunch, 13:00-13:30 (30 min) -> 1h of a 2h target.
	rs := eval(tenantTicket("vn", v(9, 11, 30), norm).reply(v(9, 13, 30)).tenant("vn"), v(9, 18, 0))
	check(t, "lunch break", rs, want{metric: MetricFirstReply, cycle: 1, state: StateAchieved, elapsed: time.Hour, policy: "vn"})

	// 22. Created during lunch 12:15, replied 13:10: the clock starts at 13:00 -> 10 min.
	rs = eval(tenantTicket("vn", v(9, 12, 15), norm).reply(v(9, 13, 10)).tenant("vn"), v(9, 18, 0))
	check(t, "created at lunch", rs, want{metric: MetricFirstReply, cycle: 1, state: StateAchieved, elapsed: 10 * time.Minute})

	// 23. Tết: created Fri 13 Feb 16:00 (high, 1h); 14-22 Feb are holidays
	// (22nd is a Sunday anyway); the remaining 1h... 16:00-17:00 uses the
	// hour exactly; replied Mon 23 Feb 08:30 -> 1h30m, breached at the
	// hour's end, Fri 17:00.
	rs = eval(tenantTicket("vn", v(13, 16, 0), event.PriorityHigh).reply(v(23, 8, 30)).tenant("vn"), v(23, 12, 0))
	check(t, "Tết week", rs, want{metric: MetricFirstReply, cycle: 1, state: StateBreached, elapsed: 90 * time.Minute, breached: tp(v(13, 17, 0))})

	// 24. Deadline across Tết: created Thu 12 Feb 16:00, normal resolution
	// 16h, now Thu 16:00: 16h left -> Thu 16-17 (1h), Fri 13 8h (9h), then
	// nothing until Mon 23: 7h more -> 08:00-12:00 (4h), 13:00-16:00 (3h).
	rs = eval(tenantTicket("vn", v(12, 16, 0), norm), v(12, 16, 0))
	check(t, "deadline over a holiday week", rs, want{metric: MetricResolution, cycle: 1, state: StateActive, elapsed: 0, deadline: tp(v(23, 16, 0))})

	// 25. Several days: created Mon 9 Feb 08:00, high resolution 8h, open
	// till Wed 11 Feb 10:00: Mon 8h (breached Mon 17:00), Tue 8h, Wed 2h = 18h.
	rs = eval(tenantTicket("vn", v(9, 8, 0), event.PriorityHigh), v(11, 10, 0))
	check(t, "running for days", rs, want{metric: MetricResolution, cycle: 1, state: StateBreached, elapsed: 18 * time.Hour, breached: tp(v(9, 17, 0))})

	n := func(month time.Month, day, h, m int) time.Time { return time.Date(2026, month, day, h, m, 0, 0, nyc) }
	// 26. New York, the spring-forward Sunday 8 Mar is not a working day:
	// Fri 6 Mar 15:00 to Mon 9 Mar 11:00 is 2h + 2h = 4h, exactly the
	// first-reply target: achieved.
	rs = eval(tenantTicket("us", n(3, 6, 15, 0), norm).reply(n(3, 9, 11, 0)).tenant("us"), n(3, 9, 12, 0))
	check(t, "New York DST weekend", rs, want{metric: MetricFirstReply, cycle: 1, state: StateAchieved, elapsed: 4 * time.Hour})

	// 27. New York fall back (Sun 1 Nov): Fri 30 Oct 13:00 -> Mon 2 Nov
	// 13:00 is 4h + 4h = 8h business: the resolution target, exactly.
	rs = eval(tenantTicket("us", n(10, 30, 13, 0), norm).status(n(11, 2, 13, 0), event.StatusSolved).tenant("us"), n(11, 3, 0, 0))
	check(t, "New York fall back", rs, want{metric: MetricResolution, cycle: 1, state: StateAchieved, elapsed: 8 * time.Hour})

	// 28. A calendar with no working time: no deadline can be given, the
	// clock uses nothing and is never breached.
	rs = eval(tenantTicket("never", v(9, 9, 0), norm).tenant("never"), v(9, 9, 0).AddDate(0, 2, 0))
	check(t, "no working time", rs, want{metric: MetricFirstReply, cycle: 1, state: StateActive, elapsed: 0})
	if r := find(rs, MetricFirstReply, 1); r.Deadline != nil {
		t.Errorf("no working time: deadline %v", r.Deadline)
	}

	// 29. on_hold pauses only where the policy says so (24/7, 10h): created
	// 00:00, on_hold 02:00-07:00, solved 10:00 -> 2h + 3h = 5h, 5h paused.
	u := func(h int) time.Time { return time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC) }
	rs = eval(tenantTicket("hold", u(0), norm).status(u(2), event.StatusOnHold).status(u(7), event.StatusOpen).status(u(10), event.StatusSolved).tenant("hold"), u(12))
	check(t, "on_hold pauses by choice", rs, want{metric: MetricResolution, cycle: 1, state: StateAchieved, elapsed: 5 * time.Hour, paused: dur(5 * time.Hour)})

	// 30. ... and does not pause elsewhere (vn pauses on pending only):
	// created Mon 9 Feb 08:00, on_hold 09:00-11:00, solved 12:00 -> 4h.
	rs = eval(tenantTicket("vn", v(9, 8, 0), norm).status(v(9, 9, 0), event.StatusOnHold).status(v(9, 11, 0), event.StatusOpen).status(v(9, 12, 0), event.StatusSolved).tenant("vn"), v(9, 18, 0))
	check(t, "on_hold does not pause by default", rs, want{metric: MetricResolution, cycle: 1, state: StateAchieved, elapsed: 4 * time.Hour, paused: dur(0)})

	// 31. Reopen from closed by a customer reply (the vn-portal "KH đã phản
	// hồi" case): closed Mon 10:00 (2h), reopened Tue 08:00, closed 09:30 -> cycle 2: 1h30m.
	rs = eval(tenantTicket("vn", v(9, 8, 0), norm).status(v(9, 10, 0), event.StatusClosed).status(v(10, 8, 0), event.StatusOpen).status(v(10, 9, 30), event.StatusClosed).tenant("vn"), v(10, 18, 0))
	check(t, "reopen from closed", rs,
		want{metric: MetricResolution, cycle: 1, state: StateAchieved, elapsed: 2 * time.Hour},
		want{metric: MetricResolution, cycle: 2, state: StateAchieved, elapsed: 90 * time.Minute})

	// 32. A customer reply does not stop the first-reply clock: created
	// 08:00, customer adds details 08:30, agent replies 09:00 -> 1h.
	rs = eval(tenantTicket("vn", v(9, 8, 0), norm).customer(v(9, 8, 30)).reply(v(9, 9, 0)).tenant("vn"), v(9, 18, 0))
	check(t, "customer follow-up", rs, want{metric: MetricFirstReply, cycle: 1, state: StateAchieved, elapsed: time.Hour})

	// 33. Events that arrive late and twice give the same answer: scenario
	// 21 with its events reversed and the reply duplicated.
	h := tenantTicket("vn", v(9, 11, 30), norm).reply(v(9, 13, 30)).tenant("vn")
	shuffled := []event.Event{h.evs[1], h.evs[0], h.evs[1]}
	rs = cfg.Evaluate(shuffled, v(9, 18, 0))
	check(t, "out of order and duplicated", rs, want{metric: MetricFirstReply, cycle: 1, state: StateAchieved, elapsed: time.Hour})

	// 34. Evaluated before the reply happened: the same history as of 12:45
	// shows the clock still running with 30 min + 0 (lunch) used.
	rs = cfg.Evaluate(h.evs, v(9, 12, 45))
	check(t, "as of an earlier now", rs, want{metric: MetricFirstReply, cycle: 1, state: StateActive, elapsed: 30 * time.Minute, deadline: tp(v(9, 14, 30))})

	// 35. A priority the policy has no target for (low, under vn): the
	// resolution clock is only measured, never breached.
	rs = eval(tenantTicket("vn", v(9, 8, 0), event.PriorityLow).tenant("vn"), v(9, 12, 0))
	check(t, "priority without target", rs, want{metric: MetricResolution, cycle: 1, state: StateMeasured, elapsed: 4 * time.Hour})
}
