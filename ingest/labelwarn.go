package ingest

import (
	"log/slog"
	"sync"
	"time"

	"github.com/slatehq/slate/event"
)

// unknownLabels logs, at WARN, the first dead letters of each distinct
// unknown label (a tenant's vocabulary lacks a word its desk sends): a
// metric alone let a misconfigured preset drop a third of a desk's events
// unnoticed. The memory and the log are both bounded: at most
// maxRemembered labels are remembered (later new ones are still logged
// while the rate allows), and at most perMinute lines are written a minute.
type unknownLabels struct {
	mu            sync.Mutex
	seen          map[string]struct{}
	windowStart   time.Time
	loggedInWin   int
	suppressedWin int
	maxRemembered int
	perMinute     int
}

func newUnknownLabels() *unknownLabels {
	return &unknownLabels{seen: map[string]struct{}{}, maxRemembered: 1024, perMinute: 20}
}

// note logs d when it is an unknown label not logged before and the rate
// allows. A minute's suppressed lines are counted in the next line.
func (u *unknownLabels) note(log *slog.Logger, d *event.DeadLetter, now time.Time) {
	if d.Reason != event.ReasonUnknownLabel || log == nil {
		return
	}
	// Detail names the field, the label (truncated) and the tenant.
	key := d.Tenant + "\x00" + d.Detail
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.seen[key]; ok {
		return
	}
	if now.Sub(u.windowStart) >= time.Minute {
		u.windowStart, u.loggedInWin = now, 0
	}
	if u.loggedInWin >= u.perMinute {
		u.suppressedWin++
		return // not remembered: logged once the rate allows again
	}
	u.loggedInWin++
	if len(u.seen) < u.maxRemembered {
		u.seen[key] = struct{}{}
	}
	suppressed := u.suppressedWin
	u.suppressedWin = 0
	log.Warn("event dead-lettered: label not in the tenant's vocabulary; add it to labels in the configuration and re-send",
		"tenant", d.Tenant, "detail", d.Detail, "event_id", d.EventID, "ticket_id", d.TicketID,
		"topic", d.Source.Topic, "partition", d.Source.Partition, "offset", d.Source.Offset,
		"unknown_labels_not_logged_since_last", suppressed)
}
