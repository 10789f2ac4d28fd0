package warehouse

import (
	"hash/maphash"

	"github.com/slatehq/slate/ticket"
)

// stateCache keeps the latest projected states of recently touched
// tickets, least recently used out first. States are kept in their
// compact form and the bookkeeping in plain integers, so fifty thousand
// cached tickets are a few megabytes that hold almost no pointers: the
// garbage collector scanned the earlier cache of State structs (about a
// kilobyte and forty pointers each) on every cycle, a good share of
// ingest's CPU.
type stateCache struct {
	limit int
	seed  maphash.Seed
	index map[uint64]int32 // hash of the ticket key -> slot
	slots []cacheSlot
	free  []int32
	// most and least recently used slot; -1 when empty
	head, tail int32
	// partitions by number, so a slot holds no string
	parts   []partitionKey
	partIDs map[partitionKey]int32
	buf     []byte // put's encoding, reused
}

type cacheSlot struct {
	hash       uint64
	blob       string // ticket.State.AppendCompact
	clocks     string // sla.Clocks.AppendCompact ("": SLA off)
	part       int32
	prev, next int32
}

func newStateCache(limit int) *stateCache {
	return &stateCache{limit: limit, seed: maphash.MakeSeed(), index: map[uint64]int32{}, head: -1, tail: -1,
		partIDs: map[partitionKey]int32{}}
}

func (c *stateCache) hash(k TicketKey) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(k.Tenant)
	h.WriteByte(0)
	h.WriteString(k.TicketID)
	return h.Sum64()
}

func (c *stateCache) partID(p partitionKey) int32 {
	id, ok := c.partIDs[p]
	if !ok {
		id = int32(len(c.parts))
		c.parts = append(c.parts, p)
		c.partIDs[p] = id
	}
	return id
}

// get returns the ticket's cached state and the compact form of its SLA
// clocks if it was projected from the same partition (a ticket's events
// are keyed to one partition; another means its events came another way
// since) and marks it recently used.
func (c *stateCache) get(k TicketKey, part partitionKey) (ticket.State, string, bool) {
	i, ok := c.index[c.hash(k)]
	if !ok || c.parts[c.slots[i].part] != part {
		return ticket.State{}, "", false
	}
	s, ok := ticket.ReadCompact(c.slots[i].blob)
	if !ok || s.Tenant != k.Tenant || s.TicketID != k.TicketID { // a hash collision
		return ticket.State{}, "", false
	}
	c.unlink(i)
	c.pushFront(i)
	return s, c.slots[i].clocks, true
}

// put caches the ticket's state and the compact form of its SLA clocks
// ("": SLA off), evicting the least recently used beyond the limit.
func (c *stateCache) put(k TicketKey, part partitionKey, s *ticket.State, clocks string) {
	if c.limit <= 0 {
		return
	}
	h := c.hash(k)
	c.buf = s.AppendCompact(c.buf[:0])
	blob := string(c.buf)
	if i, ok := c.index[h]; ok {
		c.slots[i].blob, c.slots[i].clocks, c.slots[i].part = blob, clocks, c.partID(part)
		c.unlink(i)
		c.pushFront(i)
		return
	}
	var i int32
	if n := len(c.free); n > 0 {
		i, c.free = c.free[n-1], c.free[:n-1]
	} else {
		i = int32(len(c.slots))
		c.slots = append(c.slots, cacheSlot{})
	}
	c.slots[i] = cacheSlot{hash: h, blob: blob, clocks: clocks, part: c.partID(part)}
	c.index[h] = i
	c.pushFront(i)
	for len(c.index) > c.limit {
		c.remove(c.tail)
	}
}

// dropPartitions forgets every ticket cached from the given partitions.
func (c *stateCache) dropPartitions(stale map[partitionKey]bool) {
	for i := c.head; i >= 0; {
		next := c.slots[i].next
		if stale[c.parts[c.slots[i].part]] {
			c.remove(i)
		}
		i = next
	}
}

// drop forgets the ticket, if cached.
func (c *stateCache) drop(k TicketKey) {
	if i, ok := c.index[c.hash(k)]; ok {
		c.remove(i)
	}
}

func (c *stateCache) len() int { return len(c.index) }

func (c *stateCache) remove(i int32) {
	c.unlink(i)
	delete(c.index, c.slots[i].hash)
	c.slots[i] = cacheSlot{}
	c.free = append(c.free, i)
}

func (c *stateCache) unlink(i int32) {
	s := &c.slots[i]
	if s.prev >= 0 {
		c.slots[s.prev].next = s.next
	} else {
		c.head = s.next
	}
	if s.next >= 0 {
		c.slots[s.next].prev = s.prev
	} else {
		c.tail = s.prev
	}
	s.prev, s.next = -1, -1
}

func (c *stateCache) pushFront(i int32) {
	s := &c.slots[i]
	s.prev, s.next = -1, c.head
	if c.head >= 0 {
		c.slots[c.head].prev = i
	}
	c.head = i
	if c.tail < 0 {
		c.tail = i
	}
}
