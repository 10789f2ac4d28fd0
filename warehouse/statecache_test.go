package warehouse

import (
	"fmt"
	"testing"

	"github.com/slatehq/slate/ticket"
)

func TestStateCacheKeepsTheMostRecentlyUsed(t *testing.T) {
	p0, p1 := partitionKey{"events", 0}, partitionKey{"events", 1}
	c := newStateCache(3)
	key := func(i int) TicketKey { return TicketKey{"acme", fmt.Sprintf("T%d", i)} }
	state := func(i int) *ticket.State {
		return &ticket.State{Tenant: "acme", TicketID: fmt.Sprintf("T%d", i), Version: uint64(i), Tags: []string{"vip"}}
	}
	for i := 1; i <= 3; i++ {
		c.put(key(i), p0, state(i), "")
	}
	if _, _, ok := c.get(key(1), p0); !ok { // T1 is now the most recent
		t.Fatal("T1 missing")
	}
	c.put(key(4), p0, state(4), "") // evicts T2, the least recently used
	if _, _, ok := c.get(key(2), p0); ok {
		t.Error("T2 should have been evicted")
	}
	for _, i := range []int{1, 3, 4} {
		s, _, ok := c.get(key(i), p0)
		if !ok || s.Version != uint64(i) || s.TicketID != key(i).TicketID || len(s.Tags) != 1 {
			t.Errorf("T%d: %v %+v", i, ok, s)
		}
	}
	if _, _, ok := c.get(key(1), p1); ok {
		t.Error("a state cached from partition 0 served for partition 1")
	}
	moved := state(3)
	moved.Version = 30
	c.put(key(3), p1, moved, "") // moves to partition 1, replaced
	c.dropPartitions(map[partitionKey]bool{p0: true})
	if c.len() != 1 {
		t.Fatalf("%d cached after dropping partition 0, want 1", c.len())
	}
	if s, _, ok := c.get(key(3), p1); !ok || s.Version != 30 {
		t.Errorf("T3 of partition 1: %v %+v", ok, s)
	}
	// freed slots are reused, and the list stays whole
	for i := 10; i < 20; i++ {
		c.put(key(i), p1, state(i), "")
	}
	if c.len() != 3 || len(c.slots) > 4 {
		t.Errorf("%d cached in %d slots, want 3 in at most 4", c.len(), len(c.slots))
	}
	n := 0
	for i := c.head; i >= 0; i = c.slots[i].next {
		n++
	}
	if n != 3 {
		t.Errorf("the list links %d slots, want 3", n)
	}
}
