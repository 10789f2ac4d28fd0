// Package sla is Slate's SLA engine. This file is its clock: business time
// on a calendar of weekly working intervals and holidays in an IANA zone.
//
// Semantics, for every calendar: an instant is working time when its wall
// clock in the calendar's zone falls inside one of that weekday's working
// intervals and its local date is not a holiday. Everything else follows:
// an interval that a spring-forward gap swallows has no working time that
// day, and when clocks fall back the repeated hour counts twice if it is
// inside an interval, because it really is worked twice.
package sla

import (
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"
)

// Interval is a working interval within a local day, in seconds from local
// midnight: [Start, End), 0 <= Start < End <= 86400.
type Interval struct{ Start, End int }

// Calendar answers business-time questions. The zero value is not usable;
// build one with NewCalendar or Always.
type Calendar struct {
	name     string
	loc      *time.Location
	always   bool
	week     [7][]Interval // by time.Weekday, sorted, disjoint
	holidays map[civilDate]bool
	// blocks caches the working time of each block of absolute time,
	// built on first use (see calblock.go)
	blocks [numBlocks]atomic.Pointer[calBlock]
}

type civilDate struct {
	y int
	m time.Month
	d int
}

// Date is a local calendar date (for holidays).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d Date) civil() civilDate { return civilDate{d.Year, d.Month, d.Day} }

// Always is the built-in 24/7 calendar: all time is business time.
func Always() *Calendar { return &Calendar{name: "24/7", loc: time.UTC, always: true} }

// NewCalendar validates and builds a calendar. week is indexed by
// time.Weekday; holidays are local dates on which nothing is worked.
func NewCalendar(name string, loc *time.Location, week [7][]Interval, holidays []Date) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("calendar needs a time zone")
	}
	c := &Calendar{name: name, loc: loc, holidays: map[civilDate]bool{}}
	for wd := range week {
		ivs := append([]Interval(nil), week[wd]...)
		sort.Slice(ivs, func(i, j int) bool { return ivs[i].Start < ivs[j].Start })
		for i, iv := range ivs {
			if iv.Start < 0 || iv.End > 86400 || iv.Start >= iv.End {
				return nil, fmt.Errorf("%s: interval %s is empty, inverted or outside the day", time.Weekday(wd), iv)
			}
			if i > 0 && ivs[i-1].End > iv.Start {
				return nil, fmt.Errorf("%s: intervals %s and %s overlap", time.Weekday(wd), ivs[i-1], iv)
			}
		}
		c.week[wd] = ivs
	}
	for _, h := range holidays {
		if _, err := time.Parse("2006-01-02", fmt.Sprintf("%04d-%02d-%02d", h.Year, h.Month, h.Day)); err != nil {
			return nil, fmt.Errorf("holiday %04d-%02d-%02d is not a date", h.Year, h.Month, h.Day)
		}
		c.holidays[h.civil()] = true
	}
	return c, nil
}

func (iv Interval) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", iv.Start/3600, iv.Start%3600/60, iv.End/3600, iv.End%3600/60)
}

// Name is the calendar's configured name.
func (c *Calendar) Name() string { return c.name }

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// forever stands for "no change ahead" on the 24/7 calendar.
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// segment says whether t is working time and until when that stays so.
// The answer is exact: wall clock minus instant is constant until the
// zone's offset changes, so wall-clock distances are real durations up to
// that change, which also ends the segment.
func (c *Calendar) segment(t time.Time) (working bool, until time.Time) {
	var z zoneSpan
	return c.segmentIn(t, &z)
}

// zoneSpan remembers one span of constant UTC offset, so a walk through
// many segments looks the zone up once per offset change, not per segment.
type zoneSpan struct {
	start, end time.Time // end is zero when the zone has no further change
	offset     time.Duration
	known      bool
}

func (z *zoneSpan) covers(t time.Time) bool {
	return z.known && !t.Before(z.start) && (z.end.IsZero() || t.Before(z.end))
}

func (c *Calendar) segmentIn(t time.Time, z *zoneSpan) (working bool, until time.Time) {
	if c.always {
		return true, forever
	}
	if !z.covers(t) {
		lt := t.In(c.loc)
		_, off := lt.Zone()
		z.start, z.end = lt.ZoneBounds()
		// (a zero start means no earlier change: the span reaches back for ever)
		z.offset, z.known = time.Duration(off)*time.Second, true
	}
	// the wall clock, as a UTC time: cheap arithmetic instead of a zone lookup
	lt := t.UTC().Add(z.offset)
	y, m, d := lt.Date()
	sinceMidnight := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
		time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
	next := 24*time.Hour - sinceMidnight // to local midnight
	if !c.holidays[civilDate{y, m, d}] {
		for _, iv := range c.week[lt.Weekday()] {
			start, end := time.Duration(iv.Start)*time.Second, time.Duration(iv.End)*time.Second
			if sinceMidnight < start {
				next = start - sinceMidnight
				break
			}
			if sinceMidnight < end {
				working, next = true, end-sinceMidnight
				break
			}
		}
	}
	until = t.Add(next)
	if !z.end.IsZero() && z.end.After(t) && z.end.Before(until) {
		until = z.end
	}
	return working, until
}

// horizon bounds searches: a deadline further than this in wall time is
// reported as not found rather than searched for ever.
const horizon = 5 * 366 * 24 * time.Hour

// Between is the business time in [from, to) (0 if to <= from).
func (c *Calendar) Between(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if c.always {
		return to.Sub(from)
	}
	var cur cursor
	if d, ok := c.fastBetween(from, to, &cur); ok {
		return d
	}
	return c.walkBetween(from, to)
}

// walkBetween is Between by walking the segments one by one: the
// definition, used where the block tables do not reach.
func (c *Calendar) walkBetween(from, to time.Time) time.Duration {
	var total time.Duration
	var z zoneSpan
	for t := from; t.Before(to); {
		working, until := c.segmentIn(t, &z)
		if until.After(to) {
			until = to
		}
		if working {
			total += until.Sub(t)
		}
		t = until
	}
	return total
}

// Add returns the instant at which d of business time has passed since
// from, in UTC: the deadline of a target d started at from. ok is false
// when the calendar has not that much working time within five years.
func (c *Calendar) Add(from time.Time, d time.Duration) (deadline time.Time, ok bool) {
	if d <= 0 {
		return from.UTC(), true
	}
	if c.always {
		return from.Add(d).UTC(), true
	}
	if at, found, ok := c.fastAdd(from, d); ok {
		return at, found
	}
	return c.walkAdd(from, d)
}

// walkAdd is Add by walking the segments one by one: the definition, used
// where the block tables do not reach.
func (c *Calendar) walkAdd(from time.Time, d time.Duration) (deadline time.Time, ok bool) {
	limit := from.Add(horizon)
	left := d
	var z zoneSpan
	for t := from; t.Before(limit); {
		working, until := c.segmentIn(t, &z)
		if working {
			if span := until.Sub(t); span >= left {
				return t.Add(left).UTC(), true
			} else {
				left -= span
			}
		}
		t = until
	}
	return time.Time{}, false
}

// Working reports whether t is business time.
func (c *Calendar) Working(t time.Time) bool {
	w, _ := c.segment(t)
	return w
}
