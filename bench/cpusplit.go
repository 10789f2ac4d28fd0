package bench

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/pprof/profile"
)

// cpuPart is a share of ingest's CPU that the bench names: a sample
// counts for the first part any of whose prefixes begins a function on
// its stack, so the client libraries' own work (kafka-go's lz4 included)
// is told apart from ours that calls it.
type cpuPart struct {
	name     string
	library  bool // a fixed dependency's code, not ours
	prefixes []string
}

var ingestCPUParts = []cpuPart{
	{"kafka-go: its readers, FetchMessage, lz4", true, []string{"github.com/segmentio/kafka-go."}},
	{"clickhouse-go/ch-go: columns, encoding, lz4", true, []string{"github.com/ClickHouse/"}},
	{"garbage collection in the background", false, []string{"runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge"}},
	{"decoding and validating events", false, []string{"github.com/slatehq/slate/event.(*Decoder)."}},
	{"ticket projection and its cache", false, []string{
		"github.com/slatehq/slate/warehouse.(*projector).", "github.com/slatehq/slate/warehouse.(*grouper).",
		"github.com/slatehq/slate/warehouse.(*stage).", "github.com/slatehq/slate/warehouse.(*stateCache).",
		"github.com/slatehq/slate/ticket."}},
	{"de-duplicating event ids", false, []string{"github.com/slatehq/slate/ingest.(*recentIDs).", "github.com/slatehq/slate/ingest.(*Ingester).dedupe"}},
}

// cpuSplit is a CPU profile's time cut into parts: seconds[i] belongs to
// parts[i], and rest to none of them.
type cpuSplit struct {
	parts   []cpuPart
	seconds []float64
	rest    float64
}

func (s cpuSplit) total() float64 {
	t := s.rest
	for _, v := range s.seconds {
		t += v
	}
	return t
}

// splitCPUProfile reads a CPU profile and cuts its time into parts.
func splitCPUProfile(r io.Reader, parts []cpuPart) (cpuSplit, error) {
	p, err := profile.Parse(r)
	if err != nil {
		return cpuSplit{}, err
	}
	col := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			col = i
		}
	}
	if col < 0 {
		return cpuSplit{}, fmt.Errorf("not a CPU profile: no cpu/nanoseconds sample type")
	}
	s := cpuSplit{parts: parts, seconds: make([]float64, len(parts))}
	for _, sample := range p.Sample {
		secs := float64(sample.Value[col]) / 1e9
		if i := partOf(sample, parts); i >= 0 {
			s.seconds[i] += secs
		} else {
			s.rest += secs
		}
	}
	return s, nil
}

// partOf is the index of the first part one of whose prefixes begins a
// function of the sample's stack (inlined ones included), or -1.
func partOf(sample *profile.Sample, parts []cpuPart) int {
	for i, part := range parts {
		for _, loc := range sample.Location {
			for _, line := range loc.Line {
				if line.Function == nil {
					continue
				}
				for _, prefix := range part.prefixes {
					if strings.HasPrefix(line.Function.Name, prefix) {
						return i
					}
				}
			}
		}
	}
	return -1
}

// print writes the split as shares of the profile's time and, from those,
// CPU seconds per million events of the round the profile was taken in.
func (s cpuSplit) print(w io.Writer, ingestPerM float64) {
	total := s.total()
	if total <= 0 {
		fmt.Fprintln(w, "  the CPU profile of ingest holds no samples")
		return
	}
	fmt.Fprintf(w, "  where ingest's CPU went, from its profile (%.1f CPU s of samples; ingest %.1f CPU s per million events in round 1):\n", total, ingestPerM)
	line := func(name string, secs float64) {
		fmt.Fprintf(w, "    %-46s %5.1f%%  %4.2f CPU s/M\n", name, 100*secs/total, ingestPerM*secs/total)
	}
	var libs float64
	for i, part := range s.parts {
		line(part.name, s.seconds[i])
		if part.library {
			libs += s.seconds[i]
		}
	}
	line("the rest", s.rest)
	fmt.Fprintf(w, "    the client libraries together: %.1f%%, %.2f CPU s per million events\n", 100*libs/total, ingestPerM*libs/total)
}

// printCPUSplit prints how the profile at path splits, or why it cannot.
func printCPUSplit(w io.Writer, path string, ingestPerM float64) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(w, "  the CPU profile of ingest: %v\n", err)
		return
	}
	defer f.Close()
	s, err := splitCPUProfile(f, ingestCPUParts)
	if err != nil {
		fmt.Fprintf(w, "  the CPU profile of ingest, %s: %v\n", path, err)
		return
	}
	s.print(w, ingestPerM)
}
