package sla

import "time"

// Business-time arithmetic by table. A calendar's working time is a fixed
// set of instants (segmentIn defines it), so Between is a difference of
// running totals and Add a search in them. The tables cover absolute time
// in blocks of 2^54 ns (about 208 days) from the Unix epoch, each built on
// first use by walking segmentIn through the block: the tables are the
// definition, laid out once. Times the tables do not cover (before 1970,
// after 2262) and deadlines past Add's search horizon take the segment
// walk itself.

const (
	blockShift = 54
	numBlocks  = 1 << (63 - blockShift)
	// the last block's end does not fit an int64; it is left to the walk
	usableBlocks = numBlocks - 1
	maxTableSec  = int64(usableBlocks) << blockShift / int64(time.Second)
)

// calBlock is the working time within [lo, lo+2^54) ns.
type calBlock struct {
	start, end []int64 // working intervals (Unix ns): sorted, disjoint, not touching
	cum        []int64 // working time before interval i, from the block's start
	total      int64
}

// tableNanos is t in Unix nanoseconds if the tables cover it.
func tableNanos(t time.Time) (int64, bool) {
	if s := t.Unix(); s < 0 || s >= maxTableSec {
		return 0, false
	}
	return t.UnixNano(), true
}

func (c *Calendar) block(i int64) *calBlock {
	if b := c.blocks[i].Load(); b != nil {
		return b
	}
	b := c.buildBlock(i)
	if !c.blocks[i].CompareAndSwap(nil, b) {
		return c.blocks[i].Load()
	}
	return b
}

func (c *Calendar) buildBlock(i int64) *calBlock {
	lo := i << blockShift
	hi := lo + 1<<blockShift
	b := &calBlock{}
	end := time.Unix(0, hi).UTC()
	var z zoneSpan
	for t := time.Unix(0, lo).UTC(); t.Before(end); {
		working, until := c.segmentIn(t, &z)
		if until.After(end) {
			until = end
		}
		if working {
			s, e := t.UnixNano(), until.UnixNano()
			if n := len(b.end); n > 0 && b.end[n-1] == s {
				b.end[n-1] = e
			} else {
				b.start, b.end = append(b.start, s), append(b.end, e)
			}
		}
		t = until
	}
	b.cum = make([]int64, len(b.start))
	for k := range b.start {
		b.cum[k] = b.total
		b.total += b.end[k] - b.start[k]
	}
	return b
}

// before is the working time in [lo, x), for x within the block.
func (b *calBlock) before(x int64) int64 {
	v, _ := b.beforeFrom(x, -1)
	return v
}

// beforeFrom is before that also returns k, the index of the last interval
// starting at or before x (-1: none), and starts from a hint: a k for an
// earlier x, or -1.
func (b *calBlock) beforeFrom(x int64, hint int) (int64, int) {
	k := -1
	if hint >= 0 && hint < len(b.start) && b.start[hint] <= x {
		// a little later than last time: a few steps forward
		k = hint
		for steps := 0; k+1 < len(b.start) && b.start[k+1] <= x; steps++ {
			if steps == 4 {
				k = -1
				break
			}
			k++
		}
	}
	if k < 0 {
		// binary search for the number of intervals starting at or before x
		lo, n := 0, len(b.start)
		for lo < n {
			h := int(uint(lo+n) >> 1)
			if b.start[h] <= x {
				lo = h + 1
			} else {
				n = h
			}
		}
		k = lo - 1
	}
	if k < 0 {
		return 0, -1
	}
	return b.cum[k] + min(x, b.end[k]) - b.start[k], k
}

// reach is the instant at which the working time since the block's start
// is w, for 0 < w <= total: the earliest such instant.
func (b *calBlock) reach(w int64) int64 {
	// the first interval whose end has w reached
	k, n := 0, len(b.start)
	for k < n {
		h := int(uint(k+n) >> 1)
		if b.cum[h]+b.end[h]-b.start[h] < w {
			k = h + 1
		} else {
			n = h
		}
	}
	return b.start[k] + w - b.cum[k]
}

// cursor remembers the last instant a business-time lookup ended at, so
// a walk through consecutive spans looks each instant up once.
type cursor struct {
	cal    *Calendar
	ns     int64 // Unix ns
	before int64 // working time from the start of ns's block to ns
	k      int   // the interval of ns's block that before found (a hint)
}

// fastBetween is Between (from < to) from the tables; ok is false where
// they do not reach.
func (c *Calendar) fastBetween(from, to time.Time, cur *cursor) (time.Duration, bool) {
	f, ok := tableNanos(from)
	if !ok {
		return 0, false
	}
	t, ok := tableNanos(to)
	if !ok {
		return 0, false
	}
	return c.betweenNs(f, t, cur), true
}

// betweenNs is Between for Unix ns instants f < t, both within the
// tables' range, for a caller that keeps a cursor.
func (c *Calendar) betweenNs(f, t int64, cur *cursor) time.Duration {
	if c.always {
		return time.Duration(t - f)
	}
	bi, bj := f>>blockShift, t>>blockShift
	hint := -1
	var bf int64
	if cur.cal == c && cur.ns>>blockShift == bi {
		if hint = cur.k; cur.ns == f {
			bf = cur.before
		} else {
			bf, hint = c.block(bi).beforeFrom(f, hint)
		}
	} else {
		bf, hint = c.block(bi).beforeFrom(f, -1)
	}
	if bj != bi {
		hint = -1
	}
	bt, k := c.block(bj).beforeFrom(t, hint)
	*cur = cursor{cal: c, ns: t, before: bt, k: k}
	if bi == bj {
		return time.Duration(bt - bf)
	}
	total := c.block(bi).total - bf
	for k := bi + 1; k < bj; k++ {
		total += c.block(k).total
	}
	return time.Duration(total + bt)
}

// fastAdd is Add (d > 0) from the tables; ok is false where they do not
// reach, or the deadline lies beyond the search horizon (the walk then
// decides exactly what Add answers there).
func (c *Calendar) fastAdd(from time.Time, d time.Duration) (at time.Time, found, ok bool) {
	f, ok := tableNanos(from)
	if !ok {
		return time.Time{}, false, false
	}
	limit, ok := tableNanos(from.Add(horizon))
	if !ok {
		return time.Time{}, false, false
	}
	bi := f >> blockShift
	b := c.block(bi)
	used := b.before(f)
	left := int64(d)
	for b.total-used < left {
		left -= b.total - used
		bi++
		if bi<<blockShift > limit || bi >= usableBlocks {
			return time.Time{}, false, false
		}
		b, used = c.block(bi), 0
	}
	ans := b.reach(used + left)
	if ans > limit {
		return time.Time{}, false, false
	}
	return time.Unix(0, ans).UTC(), true, true
}
