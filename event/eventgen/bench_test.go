package eventgen

import (
	"io"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
)

// benchConfig is a month of the default tenant mix.
var benchConfig = Config{Seed: 1, Tickets: 20000, Days: 30}

// BenchmarkGenerate measures generation alone (emit does nothing) and
// reports events/s, events per ticket and the average NDJSON bytes per event.
func BenchmarkGenerate(b *testing.B) {
	bytes, events := 0, 0
	if err := Generate(benchConfig, func(e *event.Event) error {
		m, err := event.Marshal(e)
		bytes += len(m) + 1
		events++
		return err
	}); err != nil {
		b.Fatal(err)
	}
	total := 0
	start := time.Now()
	for b.Loop() {
		if err := Generate(benchConfig, func(*event.Event) error { total++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(events)/float64(benchConfig.Tickets), "events/ticket")
	b.ReportMetric(float64(bytes)/float64(events), "bytes/event")
}

// BenchmarkWriteNDJSON includes event.Marshal, which dominates.
func BenchmarkWriteNDJSON(b *testing.B) {
	total := 0
	start := time.Now()
	for b.Loop() {
		n, err := WriteNDJSON(io.Discard, benchConfig)
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "events/s")
}
