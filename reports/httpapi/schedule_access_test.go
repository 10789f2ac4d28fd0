package httpapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/schedule"
)

func TestScheduleSendNowLimits(t *testing.T) {
	lim := schedule.Limits{SendNowPerSchedule: 2, SendNowPerPrincipal: 3, SendNowWindow: time.Hour}
	var l sendLimiter
	t0 := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		at        time.Duration
		sched, by string
		ok        bool
		wait      time.Duration
	}{
		{0, "a", "ann", true, 0},
		{time.Minute, "a", "bob", true, 0},
		{2 * time.Minute, "a", "ann", false, 58 * time.Minute}, // a: 2 in the hour
		{3 * time.Minute, "b", "ann", true, 0},
		{4 * time.Minute, "c", "ann", true, 0},
		{5 * time.Minute, "d", "ann", false, 55 * time.Minute}, // ann: 3 in the hour
		{5 * time.Minute, "d", "bob", true, 0},                 // refused requests were not counted
		{61 * time.Minute, "a", "ann", true, 0},                // a's first send left the window
		{62 * time.Minute, "e", "ann", false, time.Minute},     // ann: b (+3), c and that one
	}
	for i, s := range steps {
		ok, wait := l.allow(lim, s.sched, s.by, t0.Add(s.at))
		if ok != s.ok || wait != s.wait {
			t.Errorf("step %d (%s by %s at +%s): %v, wait %s; want %v, %s", i, s.sched, s.by, s.at, ok, wait, s.ok, s.wait)
		}
	}
}

// The send-time check follows the author as the configuration has it now.
func TestScheduleAuthorizeFollowsTheAuthor(t *testing.T) {
	principals := map[string]auth.Principal{
		"ann":    {Name: "ann", Role: auth.RoleAdmin},
		"mia":    {Name: "mia", Role: auth.RoleManager, Scope: auth.Scope{Tenants: []string{"acme"}}},
		"vic":    {Name: "vic", Role: auth.RoleViewer},
		"narrow": {Name: "narrow", Role: auth.RoleManager, Scope: auth.Scope{Tenants: []string{"acme"}, Groups: []string{"L1"}}},
	}
	a := &ScheduleAccess{Limits: schedule.Limits{MaxRecipients: 2, AllowedDomains: []string{"example.com"}},
		Principal: func(n string) (auth.Principal, bool) { p, ok := principals[n]; return p, ok }}
	mk := func(owner string, tenants []string, reps ...string) schedule.Schedule {
		return schedule.Schedule{ID: "s", Owner: owner, Reports: reps, Recipients: []string{"x@example.com"}, Scope: reports.Scope{Tenants: tenants}}
	}
	for _, c := range []struct {
		what string
		s    schedule.Schedule
		want string // "" allowed
	}{
		{"admin, finance report", mk("ann", nil, "billable"), ""},
		{"manager, finance report", mk("mia", []string{"acme"}, "volume", "billable"), "may no longer read report billable"},
		{"removed author", mk("zed", nil, "volume"), "no longer a configured user or token"},
		{"author lost the schedules role", mk("vic", nil, "volume"), "may no longer manage schedules"},
		{"author's scope narrowed", mk("narrow", []string{"acme"}, "volume"), "no longer covers"},
		{"scope widened in the store", mk("mia", nil, "volume"), "no longer covers"},
		{"legacy: the last saver", schedule.Schedule{ID: "s", UpdatedBy: "mia", Reports: []string{"volume"}, Recipients: []string{"x@example.com"}, Scope: reports.Scope{Tenants: []string{"acme"}}}, ""},
		{"config schedule", schedule.Schedule{ID: "s", FromConfig: true, Reports: []string{"billable"}, Recipients: []string{"x@example.com"}}, ""},
		{"recipient domain", schedule.Schedule{ID: "s", FromConfig: true, Reports: []string{"volume"}, Recipients: []string{"x@evil.test"}}, "not at an allowed domain"},
	} {
		err := a.Authorize(context.Background(), c.s)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.what, err, c.want)
		}
	}
}
