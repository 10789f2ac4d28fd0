package ticket

import (
	"reflect"
	"testing"
	"time"
)

// Every state of generated histories (each prefix of each history, so
// open, solved, reopened, rated and merged states all occur) reads back
// from its compact form equal to itself.
func TestCompactFormReadsBackTheSameState(t *testing.T) {
	n := 0
	for k, h := range histories(t, 300, 11) {
		for cut := 1; cut <= len(h); cut++ {
			s := Fold(h[:cut])
			got, ok := ReadCompact(string(s.AppendCompact(nil)))
			if !ok || !reflect.DeepEqual(got, s) {
				t.Fatalf("%s, first %d events: read back %v\n%+v\nwant\n%+v", k, cut, ok, got, s)
			}
			n++
		}
	}
	if n < 1000 {
		t.Fatalf("only %d states compared", n)
	}
}

// Nil and empty lists and the zero time stay what they were; a cut or
// padded blob is refused rather than read as another state.
func TestCompactFormKeepsNilEmptyAndZero(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)
	for _, s := range []State{
		{},
		{Tenant: "t", TicketID: "x", Tags: []string{}, SolvedTimes: []time.Time{}, LastEventAt: at},
		{Tenant: "t", TicketID: "x", Tags: []string{"a", ""}, SupportingAgents: []string{"ag"}, ReopenedTimes: []time.Time{at, at.Add(time.Hour)},
			Version: 1 << 40, Rating: 5, HasCreated: true, Deleted: true, ReopenCount: 3},
	} {
		blob := string(s.AppendCompact(nil))
		got, ok := ReadCompact(blob)
		if !ok || !reflect.DeepEqual(got, s) {
			t.Errorf("read back %v %+v, want %+v", ok, got, s)
		}
		if _, ok := ReadCompact(blob[:len(blob)-1]); ok {
			t.Errorf("a cut blob was read: %+v", s)
		}
		if _, ok := ReadCompact(blob + "\x00"); ok {
			t.Errorf("a padded blob was read: %+v", s)
		}
	}
}
