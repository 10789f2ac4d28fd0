package bench

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// cpuProfileOf builds a CPU profile whose samples have the given
// milliseconds and stacks; a stack is locations innermost first, and a
// location is its functions innermost first (more than one: inlined).
func cpuProfileOf(t *testing.T, samples []profileSample) *bytes.Buffer {
	t.Helper()
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10_000_000,
	}
	funcs := map[string]*profile.Function{}
	fn := func(name string) *profile.Function {
		if f, ok := funcs[name]; ok {
			return f
		}
		f := &profile.Function{ID: uint64(len(p.Function) + 1), Name: name, SystemName: name}
		funcs[name] = f
		p.Function = append(p.Function, f)
		return f
	}
	for _, s := range samples {
		var locs []*profile.Location
		for _, names := range s.stack {
			loc := &profile.Location{ID: uint64(len(p.Location) + 1)}
			for _, name := range names {
				loc.Line = append(loc.Line, profile.Line{Function: fn(name)})
			}
			p.Location = append(p.Location, loc)
			locs = append(locs, loc)
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: locs, Value: []int64{s.ms / 10, s.ms * 1_000_000}})
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return &buf
}

type profileSample struct {
	ms    int64
	stack [][]string
}

func frames(names ...string) [][]string {
	out := make([][]string, len(names))
	for i, n := range names {
		out[i] = []string{n}
	}
	return out
}

// Each sample counts once, for the first part with a function on its
// stack: a library's lz4 goes with the library, an allocation's GC assist
// with whoever allocated, and only the background GC workers are GC.
func TestCPUSplitCountsEachSampleForItsFirstPart(t *testing.T) {
	const (
		kafka = "github.com/segmentio/kafka-go."
		slate = "github.com/slatehq/slate/"
	)
	buf := cpuProfileOf(t, []profileSample{
		{30, frames("github.com/pierrec/lz4/v4/internal/lz4block.decodeBlock", kafka+"(*messageSetReader).readMessage", kafka+"(*reader).run")},
		{7, frames("runtime.mallocgc", kafka+"readNewBytes", kafka+"(*reader).run")},
		{2, frames(kafka+"(*Reader).FetchMessage", slate+"ingest.(*Ingester).fetchLoop")},
		{20, frames("github.com/pierrec/lz4/v4/internal/lz4block.(*Compressor).CompressBlock", "github.com/ClickHouse/ch-go/compress.(*Writer).Compress",
			"github.com/ClickHouse/clickhouse-go/v2.(*batch).Flush", slate+"warehouse.(*Unit).sendEvents")},
		{15, frames("runtime.scanobject", "runtime.gcDrain", "runtime.gcBgMarkWorker")},
		// an inlined scanner function inside the decoder, in one location
		{25, [][]string{{slate + "event.(*scanner).rawString", slate + "event.(*Decoder).decode"}, {slate + "ingest.(*Ingester).fetchLoop"}}},
		{4, frames("runtime.gcAssistAlloc", "runtime.mallocgc", slate+"event.(*Decoder).decode")},
		{12, frames("runtime.mapaccess2", slate+"warehouse.(*projector).stage", slate+"warehouse.(*Unit).Add")},
		{3, frames(slate + "ticket.(*State).apply")},
		{4, frames(slate+"ingest.(*recentIDs).find", slate+"ingest.(*Ingester).dedupe")},
		{6, frames(slate+"warehouse.(*Writer).appendEvents", slate+"warehouse.(*Unit).sendEvents")},
	})
	s, err := splitCPUProfile(buf, ingestCPUParts)
	if err != nil {
		t.Fatal(err)
	}
	// ms per part in ingestCPUParts' order, summed by hand from the samples
	want := []float64{30 + 7 + 2, 20, 15, 25 + 4, 12 + 3, 4}
	if len(s.seconds) != len(want) {
		t.Fatalf("%d parts, want %d", len(s.seconds), len(want))
	}
	for i, ms := range want {
		if got := s.seconds[i] * 1000; got < ms-1e-6 || got > ms+1e-6 {
			t.Errorf("%s: %.3f ms, want %.0f", ingestCPUParts[i].name, got, ms)
		}
	}
	if got := s.rest * 1000; got < 6-1e-6 || got > 6+1e-6 {
		t.Errorf("the rest: %.3f ms, want 6", got)
	}

	var out bytes.Buffer
	s.print(&out, 4.0)
	// of 128 ms: kafka-go 39 (30.47%, 1.22 of 4.0 CPU s/M), the libraries
	// 59 (46.09%, 1.84)
	for _, want := range []string{
		`0\.1 CPU s of samples; ingest 4\.0 CPU s per million events`,
		`kafka-go: its readers, FetchMessage, lz4 +30\.5%  1\.22 CPU s/M`,
		`the rest +4\.7%  0\.19 CPU s/M`,
		`the client libraries together: 46\.1%, 1\.84 CPU s per million events`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}

func TestCPUSplitRefusesWhatIsNotACPUProfile(t *testing.T) {
	if _, err := splitCPUProfile(strings.NewReader("not a profile"), ingestCPUParts); err == nil {
		t.Error("garbage: no error")
	}
	heap := &profile.Profile{SampleType: []*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}}}
	var buf bytes.Buffer
	if err := heap.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := splitCPUProfile(&buf, ingestCPUParts); err == nil || !strings.Contains(err.Error(), "not a CPU profile") {
		t.Errorf("a heap profile: %v, want not a CPU profile", err)
	}
}
