package eventgen

import (
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// Times inside the generator are int64 microseconds since the Unix epoch.
const (
	usSecond = int64(time.Second / time.Microsecond)
	usMinute = 60 * usSecond
	usHour   = 60 * usMinute
	usDay    = 24 * usHour
)

// Business hours of every desk: Monday to Friday, 08:00 to 18:00 local time.
const (
	openHour  = 8
	closeHour = 18
)

// calendar knows the local days of Zone from the first day on, growing as
// the simulation moves forward, so business-hour arithmetic needs no
// time.Location lookups in the hot path. DST days are handled because every
// boundary comes from time.Date.
type calendar struct {
	zone  *time.Location
	y     int
	m     time.Month
	d     int
	start []int64 // local midnight of day i
	open  []int64 // 08:00 of day i
	close []int64 // 18:00 of day i
	work  []bool  // Monday to Friday
}

func newCalendar(first time.Time, zone *time.Location) *calendar {
	l := first.In(zone)
	c := &calendar{zone: zone, y: l.Year(), m: l.Month(), d: l.Day()}
	c.extend()
	c.extend()
	return c
}

func (c *calendar) extend() {
	i := len(c.start)
	day := time.Date(c.y, c.m, c.d+i, 0, 0, 0, 0, c.zone)
	c.start = append(c.start, day.UnixMicro())
	wd := day.Weekday()
	c.work = append(c.work, wd != time.Saturday && wd != time.Sunday)
	c.open = append(c.open, time.Date(c.y, c.m, c.d+i, openHour, 0, 0, 0, c.zone).UnixMicro())
	c.close = append(c.close, time.Date(c.y, c.m, c.d+i, closeHour, 0, 0, 0, c.zone).UnixMicro())
}

// day returns i with start[i] <= t < start[i+1]; t must not precede day 0.
func (c *calendar) day(t int64) int {
	for t >= c.start[len(c.start)-1] {
		c.extend()
	}
	i := int((t - c.start[0]) / usDay)
	if i > len(c.start)-2 {
		i = len(c.start) - 2
	}
	for i > 0 && t < c.start[i] {
		i--
	}
	for t >= c.start[i+1] {
		i++
	}
	return i
}

// addWork returns the instant at which w microseconds of business time have
// passed after t; work started outside business hours waits for the next
// opening.
func (c *calendar) addWork(t, w int64) int64 {
	for {
		i := c.day(t)
		if c.work[i] {
			if t < c.open[i] {
				t = c.open[i]
			}
			if t < c.close[i] {
				if w <= c.close[i]-t {
					return t + w
				}
				w -= c.close[i] - t
			}
		}
		t = c.start[i+1]
	}
}

// hour is the local hour of day of t (approximate on DST change days).
func (c *calendar) hour(t int64) int {
	i := c.day(t)
	return int((t - c.start[i]) / usHour)
}

// morning moves a customer action that falls in the night (22:00-07:00) to
// the next morning, between 07:00 and 10:00.
func (c *calendar) morning(r *rand.Rand, t int64) int64 {
	i := c.day(t)
	h := (t - c.start[i]) / usHour
	if h >= 7 && h < 22 {
		return t
	}
	if h >= 22 {
		i++
		c.day(c.start[i]) // make sure day i+1 exists
	}
	m := c.open[i] - usHour + r.Int64N(3*usHour)
	if m <= t {
		return t
	}
	return m
}

// arrivalWeight is the relative rate of new tickets in a local hour.
func arrivalWeight(wd time.Weekday, h int) float64 {
	switch wd {
	case time.Saturday:
		switch {
		case h >= 8 && h < 18:
			return 2.5
		case h == 7 || (h >= 18 && h < 22):
			return 1.2
		}
		return 0.4
	case time.Sunday:
		if h >= 8 && h < 18 {
			return 1.5
		}
		return 0.4
	}
	switch {
	case h >= 9 && h < 12:
		return 12
	case h == 12:
		return 8
	case h >= 8 && h < 18:
		return 10
	case h == 7 || (h >= 18 && h < 21):
		return 3
	case h == 21 || h == 22:
		return 1.5
	}
	return 0.5
}

// arrivals yields exactly n ticket creation times over the configured days,
// in increasing order, shaped by arrivalWeight. The number of tickets per
// local hour is drawn up front (one counter per hour); the times inside one
// hour are drawn and sorted when that hour is reached.
type arrivals struct {
	r       *rand.Rand
	buckets []bucket
	bi      int
	times   []int64
	pos     int
}

type bucket struct {
	lo, hi int64
	n      int
}

func newArrivals(r *rand.Rand, start time.Time, days int, zone *time.Location, n int) *arrivals {
	ls := start.In(zone)
	startUs := start.UnixMicro()
	endUs := ls.AddDate(0, 0, days).UnixMicro()
	var bs []bucket
	var cum []float64
	var total float64
	for k := 0; ; k++ {
		hs := time.Date(ls.Year(), ls.Month(), ls.Day(), ls.Hour()+k, 0, 0, 0, zone)
		he := time.Date(ls.Year(), ls.Month(), ls.Day(), ls.Hour()+k+1, 0, 0, 0, zone)
		lo, hi := max(hs.UnixMicro(), startUs), min(he.UnixMicro(), endUs)
		if lo >= endUs {
			break
		}
		if hi <= lo {
			continue
		}
		total += arrivalWeight(hs.Weekday(), hs.Hour()) * float64(hi-lo) / float64(usHour)
		cum = append(cum, total)
		bs = append(bs, bucket{lo: lo, hi: hi})
	}
	for range n {
		j := sort.SearchFloat64s(cum, r.Float64()*total)
		if j >= len(bs) {
			j = len(bs) - 1
		}
		bs[j].n++
	}
	return &arrivals{r: r, buckets: bs}
}

// peek returns the next creation time, or false when all tickets are born.
func (a *arrivals) peek() (int64, bool) {
	for a.pos >= len(a.times) {
		if a.bi >= len(a.buckets) {
			return 0, false
		}
		b := a.buckets[a.bi]
		a.bi++
		a.times, a.pos = a.times[:0], 0
		for range b.n {
			a.times = append(a.times, b.lo+a.r.Int64N(b.hi-b.lo))
		}
		slices.Sort(a.times)
	}
	return a.times[a.pos], true
}

func (a *arrivals) next() { a.pos++ }
