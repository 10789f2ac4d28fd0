package eventgen

import (
	"os"
	"runtime"
	"testing"

	"github.com/slatehq/slate/event"
)

// TestMillionTickets generates 1M tickets and samples the heap as it goes.
// It takes a while, so it runs only with EVENTGEN_LARGE=1.
func TestMillionTickets(t *testing.T) {
	if os.Getenv("EVENTGEN_LARGE") == "" {
		t.Skip("set EVENTGEN_LARGE=1 to generate 1M tickets")
	}
	for _, days := range []int{30, 3} {
		cfg := Config{Seed: 1, Tickets: 1_000_000, Days: days}
		runtime.GC()
		var ms runtime.MemStats
		var peak uint64
		events, created := 0, 0
		var last int64
		err := Generate(cfg, func(e *event.Event) error {
			events++
			if e.Type == event.TypeCreated {
				created++
			}
			if m := e.OccurredMicros(); m < last {
				t.Fatalf("event %d goes back in time", events)
			} else {
				last = m
			}
			if events%250_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Days=%d: %d events for %d tickets, peak heap in use %.0f MiB", days, events, created, float64(peak)/(1<<20))
		if created != cfg.Tickets {
			t.Errorf("%d tickets created, want %d", created, cfg.Tickets)
		}
		if peak > 512<<20 {
			t.Errorf("peak heap %d MiB, want well under 1 GiB", peak>>20)
		}
	}
}
