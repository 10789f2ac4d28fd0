package sla

import (
	"math/rand"
	"reflect"
	"testing"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/ticket"
)

// TestClocksMatchEvaluate runs generated tickets through what the ingest
// projection does: their events arrive in batches, shuffled (out of
// order), some batches replayed; a batch that follows the last folded
// event extends the clocks (through their compact form, as the cache
// keeps them), any other restarts them from every event stored so far.
// After every batch the clocks' results must equal Config.Evaluate over
// the whole stored history as of its last event, as sla recompute writes
// them.
func TestClocksMatchEvaluate(t *testing.T) {
	configs := map[string]*Config{"scenario": scenarioCfg(t), "rules": rulesCfg(t)}
	example, err := LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	configs["example"] = example

	var order []string
	histories := map[string][]event.Event{}
	err = eventgen.Generate(eventgen.Config{Seed: 11, Tickets: 400, Days: 21}, func(e *event.Event) error {
		k := e.Tenant + "/" + e.TicketID
		if _, ok := histories[k]; !ok {
			order = append(order, k)
		}
		histories[k] = append(histories[k], *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			rnd := rand.New(rand.NewSource(7))
			v := cfg.NewEvaluator()
			var scratch Clocks // read into again and again, as the projection does
			var extended, restarted, checked int
			for _, k := range order {
				h := histories[k]
				arrivals := arrivalsOf(rnd, h)
				var (
					stored []event.Event
					state  ticket.State
					blob   string // the clocks' compact form, as the cache keeps it
				)
				for bi, batch := range arrivals {
					stored = append(stored, batch...)
					refs := make([]*event.Event, len(batch))
					for i := range batch {
						refs[i] = &batch[i]
					}
					group := event.SortHistoryRefs(refs)
					var clocks *Clocks
					if state.Follows(group[0]) {
						if blob == "" {
							clocks = cfg.Start()
						} else if err = cfg.ReadClocksInto(&scratch, blob); err != nil {
							t.Fatalf("%s batch %d: %v", k, bi, err)
						} else {
							clocks = &scratch
						}
						clocks.Extend(group)
						state.Apply(group)
						extended++
					} else {
						all := make([]*event.Event, len(stored))
						for i := range stored {
							all[i] = &stored[i]
						}
						sorted := event.SortHistoryRefs(all)
						clocks = cfg.Start()
						clocks.Extend(sorted)
						state = ticket.Fold(stored)
						restarted++
					}
					blob = string(clocks.AppendCompact(nil))

					got := clocks.Append(v, nil)
					want := cfg.Evaluate(stored, lastOf(stored).OccurredAt)
					if len(got) == 0 && len(want) == 0 {
						continue
					}
					checked++
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s after batch %d of %d: clocks give\n%+v\nwhole-history evaluation gives\n%+v", k, bi+1, len(arrivals), got, want)
					}
				}
			}
			t.Logf("%d extensions, %d restarts, %d non-empty comparisons", extended, restarted, checked)
			if extended == 0 || restarted == 0 || checked == 0 {
				t.Fatalf("the generated arrivals exercised too little: %d extensions, %d restarts, %d comparisons", extended, restarted, checked)
			}
		})
	}
}

// arrivalsOf cuts a ticket's history into batches as a consumer may get
// them: mostly in order, sometimes shuffled within the next few events,
// and sometimes a batch delivered again (a redelivery after a failure).
func arrivalsOf(rnd *rand.Rand, h []event.Event) [][]event.Event {
	evs := append([]event.Event(nil), h...)
	if rnd.Intn(4) == 0 { // out of order: swap some neighbours
		for i := 1; i < len(evs); i++ {
			if rnd.Intn(3) == 0 {
				evs[i-1], evs[i] = evs[i], evs[i-1]
			}
		}
	}
	var out [][]event.Event
	for start := 0; start < len(evs); {
		n := 1 + rnd.Intn(4)
		end := min(start+n, len(evs))
		out = append(out, evs[start:end])
		if rnd.Intn(6) == 0 {
			out = append(out, evs[start:end]) // replayed
		}
		start = end
	}
	return out
}

func lastOf(h []event.Event) *event.Event {
	last := &h[0]
	for i := range h {
		if event.Compare(last, &h[i]) < 0 {
			last = &h[i]
		}
	}
	return last
}

// TestReadClocksRefusesMalformedForms: a form cut short, or of another
// layout, is an error, not clocks that evaluate wrongly.
func TestReadClocksRefusesMalformedForms(t *testing.T) {
	cfg := scenarioCfg(t)
	h := newTicket(b(2, 9, 0), event.ActorCustomer, event.PriorityHigh).reply(b(2, 10, 0)).evs
	refs := make([]*event.Event, len(h))
	for i := range h {
		refs[i] = &h[i]
	}
	k := cfg.Start()
	k.Extend(event.SortHistoryRefs(refs))
	blob := string(k.AppendCompact(nil))
	if _, err := cfg.ReadClocks(blob); err != nil {
		t.Fatalf("a whole form: %v", err)
	}
	for _, bad := range []string{"", blob[:len(blob)/2], blob[:len(blob)-1], "\x02" + blob[1:], blob + "\x00"} {
		if _, err := cfg.ReadClocks(bad); err == nil {
			t.Errorf("a malformed form of %d bytes was read", len(bad))
		}
	}
}
