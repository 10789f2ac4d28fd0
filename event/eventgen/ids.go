package eventgen

import "strconv"

const mask62 = 1<<62 - 1

// mix64 is the SplitMix64 finaliser.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// idKeys are the per-seed keys of the event id permutation.
type idKeys struct{ k1, k2, k3 uint64 }

func newIDKeys(seed uint64) idKeys {
	return idKeys{mix64(seed ^ 0x1d), mix64(seed ^ 0x2e), mix64(seed ^ 0x3f)}
}

// eventID returns the 128 bits of the UUID (version 8, RFC 9562 variant) of
// event seq of the gidx-th ticket. The low 62 bits are a keyed bijection of
// gidx<<20|seq, so ids are unique within a run by construction, not by luck.
func (k idKeys) eventID(gidx uint64, seq uint32) (hi, lo uint64) {
	x := (gidx<<20 | uint64(seq)) & mask62
	x ^= k.k1 & mask62
	x = x * 0x9e3779b97f4a7c15 & mask62
	x ^= x >> 29
	x = x * 0xbf58476d1ce4e5b9 & mask62
	x ^= x >> 32
	x ^= k.k2 & mask62
	lo = 1<<63 | x
	hi = mix64(x^k.k3)&^0xf000 | 0x8000
	return hi, lo
}

const hexDigits = "0123456789abcdef"

// formatUUID renders hi, lo as 8-4-4-4-12 lower-case hex, so comparing two
// ids as strings compares (hi, lo) as numbers.
func formatUUID(hi, lo uint64) string {
	var b [36]byte
	j := 0
	for i := 60; i >= 0; i -= 4 {
		if j == 8 || j == 13 {
			b[j] = '-'
			j++
		}
		b[j] = hexDigits[hi>>uint(i)&0xf]
		j++
	}
	for i := 60; i >= 0; i -= 4 {
		if j == 18 || j == 23 {
			b[j] = '-'
			j++
		}
		b[j] = hexDigits[lo>>uint(i)&0xf]
		j++
	}
	return string(b[:])
}

// ticketID renders a ticket number the way the desks show it: TK-000042.
func ticketID(num int32) string {
	var b [24]byte
	s := strconv.AppendInt(b[:0], int64(num), 10)
	out := append(make([]byte, 0, 3+max(6, len(s))), "TK-"...)
	for i := len(s); i < 6; i++ {
		out = append(out, '0')
	}
	return string(append(out, s...))
}

// heap is a binary min-heap of active tickets keyed by their next event:
// (time, event id). It holds one entry per open ticket, so memory follows
// the number of concurrently active tickets, not the number of events.
type heapEntry struct {
	at     int64
	hi, lo uint64
	idx    int32
}

type eventHeap []heapEntry

func (a *heapEntry) less(b *heapEntry) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.hi != b.hi {
		return a.hi < b.hi
	}
	return a.lo < b.lo
}

func (h *eventHeap) push(e heapEntry) {
	*h = append(*h, e)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].less(&s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

// replaceTop sets the top entry to e and restores the heap.
func (h eventHeap) replaceTop(e heapEntry) {
	h[0] = e
	h.down(0)
}

func (h *eventHeap) pop() {
	s := *h
	n := len(s) - 1
	s[0] = s[n]
	*h = s[:n]
	if n > 0 {
		(*h).down(0)
	}
}

func (h eventHeap) down(i int) {
	n := len(h)
	e := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].less(&h[c]) {
			c = r
		}
		if !h[c].less(&e) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = e
}
