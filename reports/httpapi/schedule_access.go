package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/schedule"
)

// ScheduleAccess is who may do what with a schedule (docs/reports.md,
// "Who may act on a schedule"):
//
//   - Its owner (the principal that created it) may see and act on it.
//   - Any other principal with the schedules permission may too when its
//     scope covers the schedule's and its role may read every report of
//     it; to everyone else the schedule does not exist (404).
//   - A schedule holds only reports its author may read, and its scope is
//     the owner's as of the owner's last save: others' actions keep it.
//   - Every send, scheduled or on request, goes out as the author now is:
//     a removed author, or one whose role or scope no longer covers the
//     schedule, sends nothing.
type ScheduleAccess struct {
	// Principal resolves a user or token name to its current principal
	// (auth.Authenticator.Principal).
	Principal func(name string) (auth.Principal, bool)
	Limits    schedule.Limits

	sendNow sendLimiter
}

func scopeOfSchedule(s schedule.Schedule) auth.Scope {
	return auth.Scope{Tenants: s.Scope.Tenants, Groups: s.Scope.Groups}
}

// unreadable is the first report of the list the role may not read, or "".
func unreadable(role auth.Role, names []string) string {
	for _, name := range names {
		if rep, ok := reports.Lookup(name); !ok || !role.Can(auth.ReportPermission(rep.Finance)) {
			return name
		}
	}
	return ""
}

// visible reports whether p may see and act on s.
func (a *ScheduleAccess) visible(p auth.Principal, s schedule.Schedule) bool {
	if author := s.Author(); author != "" && author == p.Name {
		return true
	}
	return p.Scope.Covers(scopeOfSchedule(s)) && unreadable(p.Role, s.Reports) == ""
}

// mayHold checks that a principal (the author, or an editor) may read
// every report the schedule holds: 403 naming the first it may not.
func mayHold(p auth.Principal, s schedule.Schedule) error {
	for i, name := range s.Reports {
		if unreadable(p.Role, []string{name}) != "" {
			return fault.Wrap(fault.Forbidden, &reports.ParamError{Param: fmt.Sprintf("reports[%d]", i),
				Msg: fmt.Sprintf("%s (role %s) may not read report %s", p.Name, p.Role, name)})
		}
	}
	return nil
}

// Authorize is the runner's check before every send: the author still
// exists, may still manage schedules and read every report, and its
// scope still covers the schedule's; the recipients are within the
// limits. Config schedules go out as the operator's.
func (a *ScheduleAccess) Authorize(_ context.Context, s schedule.Schedule) error {
	if err := a.Limits.CheckRecipients(s.Recipients); err != nil {
		return err
	}
	if s.FromConfig {
		return nil
	}
	name := s.Author()
	if name == "" {
		return fmt.Errorf("schedule %s has no author", s.ID)
	}
	p, ok := a.Principal(name)
	switch {
	case !ok:
		return fmt.Errorf("its author %s is no longer a configured user or token", name)
	case !p.Role.Can(auth.PermManageSchedules):
		return fmt.Errorf("its author %s (role %s) may no longer manage schedules", name, p.Role)
	case !p.Scope.Covers(scopeOfSchedule(s)):
		return fmt.Errorf("its author %s's scope no longer covers the schedule's (%s)", name, describeScope(s.Scope))
	}
	if rep := unreadable(p.Role, s.Reports); rep != "" {
		return fmt.Errorf("its author %s (role %s) may no longer read report %s", name, p.Role, rep)
	}
	return nil
}

func describeScope(s reports.Scope) string {
	if len(s.Tenants) == 0 && len(s.Groups) == 0 {
		return "every tenant and group"
	}
	return fmt.Sprintf("tenants %v, groups %v", s.Tenants, s.Groups)
}

// sendLimiter counts send-now requests per schedule and per principal in
// a sliding window. Its keys are schedule ids and principal names, both
// bounded by the configuration and the store, and entries older than the
// window are dropped as keys are used.
type sendLimiter struct {
	mu   sync.Mutex
	sent map[string][]time.Time
}

// allow records a send-now for the schedule by the principal if neither
// has reached its limit; otherwise it returns how long until one has room.
func (l *sendLimiter) allow(lim schedule.Limits, scheduleID, principal string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent == nil {
		l.sent = map[string][]time.Time{}
	}
	keys := []struct {
		key string
		max int
	}{{"schedule\x00" + scheduleID, lim.SendNowPerSchedule}, {"principal\x00" + principal, lim.SendNowPerPrincipal}}
	var wait time.Duration
	for _, k := range keys {
		recent := l.sent[k.key][:0]
		for _, t := range l.sent[k.key] {
			if now.Sub(t) < lim.SendNowWindow {
				recent = append(recent, t)
			}
		}
		l.sent[k.key] = recent
		if len(recent) >= k.max {
			wait = max(wait, recent[len(recent)-k.max].Add(lim.SendNowWindow).Sub(now))
		}
	}
	if wait > 0 {
		return false, wait
	}
	for _, k := range keys {
		l.sent[k.key] = append(l.sent[k.key], now)
	}
	return true, 0
}

// tooManySends answers 429 with Retry-After in whole seconds.
func tooManySends(w http.ResponseWriter, lim schedule.Limits, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	writeJSON(w, http.StatusTooManyRequests, ErrorBody{Kind: "rate_limited",
		Error: fmt.Sprintf("too many send-now requests: at most %d per schedule and %d per user or token every %s; try again in %s",
			lim.SendNowPerSchedule, lim.SendNowPerPrincipal, lim.SendNowWindow, wait.Round(time.Second))})
}
