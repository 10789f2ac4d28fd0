package eventgen

import (
	"fmt"
	"math"
	"time"

	"github.com/slatehq/slate/event"
)

// Anchored returns c moved so that its history ends at now and goes on
// after it: tickets arrive from Start, the local midnight Days+1 days
// before now's day (so the first ticket comes at least Days days before
// now), up to now, and then at the same rate for futureDays more days.
// c.Tickets is about how many tickets are created up to now. The events up
// to now are the help desk's past, with the tickets still open then left
// open; the rest is what happens next (see Live).
func (c Config) Anchored(now time.Time, futureDays int) (Config, error) {
	if futureDays < 1 {
		return c, fmt.Errorf("eventgen: Anchored: futureDays must be positive, got %d", futureDays)
	}
	if c.Days <= 0 {
		return c, fmt.Errorf("eventgen: Config.Days must be positive, got %d", c.Days)
	}
	zone := c.Zone
	if zone == nil {
		zone = defaultZone()
	}
	l := now.In(zone)
	c.Zone = zone
	c.Start = time.Date(l.Year(), l.Month(), l.Day()-c.Days-1, 0, 0, 0, 0, zone)
	end := time.Date(l.Year(), l.Month(), l.Day()+1+futureDays, 0, 0, 0, 0, zone)
	c.Days = int(math.Round(end.Sub(c.Start).Hours() / 24))
	past := now.Sub(c.Start)
	if past <= 0 {
		return c, fmt.Errorf("eventgen: Anchored: now %s is before the start", now.Format(time.RFC3339))
	}
	c.Tickets = int(math.Round(float64(c.Tickets) * float64(end.Sub(c.Start)) / float64(past)))
	return c, c.Validate()
}

// Live splits the events of a Config at an instant: History gives the
// events up to it, then Next the ones after, one at a time, for a caller
// that replays them as they happen.
type Live struct {
	s    *Stream
	now  time.Time
	held *event.Event // the first event after now, taken by History
	done bool
}

// NewLive prepares cfg's events, split at now (usually cfg comes from
// Config.Anchored with the same now).
func NewLive(cfg Config, now time.Time) (*Live, error) {
	s, err := NewStream(cfg)
	if err != nil {
		return nil, err
	}
	return &Live{s: s, now: now}, nil
}

// History passes each event that occurs at or before now to emit, in
// order, as Generate does; it must be called once, before Next.
func (l *Live) History(emit func(*event.Event) error) error {
	for e := l.s.Next(); e != nil; e = l.s.Next() {
		if e.OccurredAt.After(l.now) {
			l.held = e
			return nil
		}
		if err := emit(e); err != nil {
			return err
		}
	}
	l.done = true
	return nil
}

// Next returns the next event after now in simulated order, or nil when
// the data set is over. It is reused by the next call, and it still
// carries its simulated time: Restamp it to the instant it is replayed.
func (l *Live) Next() *event.Event {
	if l.held != nil {
		e := l.held
		l.held = nil
		return e
	}
	if l.done {
		return nil
	}
	e := l.s.Next()
	if e == nil {
		l.done = true
	}
	return e
}

// Restamp moves e to at: its occurred_at becomes at and the start and end
// of a logged timer move by as much, so the timer still ends where it did
// relative to the event.
func Restamp(e *event.Event, at time.Time) {
	at = at.UTC().Truncate(time.Microsecond)
	d := at.Sub(e.OccurredAt)
	e.OccurredAt = at
	if !e.StartedAt.IsZero() {
		e.StartedAt = e.StartedAt.Add(d)
	}
	if !e.EndedAt.IsZero() {
		e.EndedAt = e.EndedAt.Add(d)
	}
}
