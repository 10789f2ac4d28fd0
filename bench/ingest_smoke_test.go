package bench

import (
	"math"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/testkit"
)

// `slate bench ingest` at a small size, end to end: slate ingest with SLA
// on, ClickHouse's Kafka engine and the two clickhouse-client loads, on the
// private servers the bench starts, with its embedded broker and with an
// Apache Kafka broker named by --brokers. Its printed rates must be the
// events over the printed seconds, the ratio the rates' quotient, and the
// counts those of the generated run, worked out here from the generator.
func TestBenchIngestSmoke(t *testing.T) {
	testkit.SkipShort(t, "ClickHouse, Kafka and a slate binary")
	bin := filepath.Join(t.TempDir(), "slate")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/slate")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build slate: %v\n%s", err, out)
	}
	t.Run("embedded broker", func(t *testing.T) {
		// two consumers on two partitions: the engine may deliver some twice
		checkBenchIngest(t, bin, "embedded kfake", "--partitions", "2", "--kafka-consumers", "2")
	})
	t.Run("Apache Kafka", func(t *testing.T) {
		k := testkit.KafkaBroker(t)
		events := checkBenchIngest(t, bin, k.Addr(), "--brokers", k.Addr())
		// the run was produced to that broker, not to an embedded one
		if got := producedTo(t, k.Addr(), "bench-"); got != events {
			t.Errorf("the broker holds %d messages in bench topics, want the run's %d events", got, events)
		}
	})
}

// producedTo sums the end offsets of the partitions of the topics named
// prefix... on the broker at addr.
func producedTo(t *testing.T, addr, prefix string) int {
	conn, err := kafka.DialContext(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range parts {
		if !strings.HasPrefix(p.Topic, prefix) {
			continue
		}
		leader, err := kafka.DialLeader(t.Context(), "tcp", addr, p.Topic, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		last, err := leader.ReadLastOffset()
		leader.Close()
		if err != nil {
			t.Fatal(err)
		}
		n += int(last)
	}
	return n
}

// checkBenchIngest runs bin's bench ingest on 3,000 events with args,
// checks its report, which must name broker, and returns the events.
func checkBenchIngest(t *testing.T, bin, broker string, args ...string) int {
	const events, seed = 3000, 11
	run := exec.CommandContext(t.Context(), bin, append([]string{"bench", "ingest", "--events", strconv.Itoa(events),
		"--seed", strconv.Itoa(seed), "--baseline-loads", "1"}, args...)...)
	run.Dir = ".." // the SLA policies are read from deploy/
	var stderr strings.Builder
	run.Stderr = &stderr
	out, err := run.Output()
	if err != nil {
		t.Fatalf("slate bench ingest: %v\n%s\n%s", err, out, stderr.String())
	}
	report := string(out)
	if !strings.Contains(report, "broker "+broker+",") {
		t.Errorf("the report does not name broker %s:\n%s", broker, report)
	}

	// the generated run, as the bench generates it
	wantEvents, tickets := 0, map[string]bool{}
	gc := eventgen.Config{Seed: seed, Tickets: max(1, events*10/113), Days: 90}
	if err := eventgen.Generate(gc, func(e *event.Event) error {
		wantEvents++
		tickets[e.Tenant+"/"+e.TicketID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	num := func(re string) []float64 {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(report)
		if m == nil {
			t.Fatalf("no %s in\n%s", re, report)
		}
		var xs []float64
		for _, s := range m[1:] {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", re, s, err)
			}
			xs = append(xs, x)
		}
		return xs
	}
	header := num(`slate bench ingest: (\d+) events \((\d+) tickets\)`)
	if int(header[0]) != wantEvents || int(header[1]) != len(tickets) {
		t.Errorf("header: %v events, %v tickets; generated %d events of %d tickets", header[0], header[1], wantEvents, len(tickets))
	}
	stored := num(`stored by slate: (\d+) ticket states, SLA results for (\d+) tickets`)
	if int(stored[0]) != len(tickets) || stored[1] < 1 || stored[1] > stored[0] {
		t.Errorf("stored %v ticket states and SLA for %v tickets; generated %d tickets", stored[0], stored[1], len(tickets))
	}
	// printed to two decimals (ratios) or to the unit (rates)
	near := func(what string, got, want, tolerance float64) {
		if math.Abs(got-want) > tolerance*want+0.006 {
			t.Errorf("%s: printed %.3f, computed %.3f\n%s", what, got, want, report)
		}
	}
	// seconds are printed to 0.01 s, rates to 1 event/s
	rate := func(label string) float64 {
		xs := num(regexp.QuoteMeta(label) + `\s+([\d.]+)s\s+(\d+) ev/s`)
		if xs[0] < 0.01 {
			t.Fatalf("%s: %v seconds", label, xs[0])
		}
		if lo, hi := float64(wantEvents)/(xs[0]+0.005), float64(wantEvents)/(xs[0]-0.005); xs[1] < lo-1 || xs[1] > hi+1 {
			t.Errorf("%s: printed %.0f ev/s, want %.0f-%.0f (%d events in %.2f s)\n%s", label, xs[1], lo, hi, wantEvents, xs[0], report)
		}
		return xs[1]
	}
	slate := rate("slate: Kafka -> slate ingest -> events, tickets, SLA")
	kafka := rate("baseline: Kafka engine + materialized view -> events")
	ndjson := rate("clickhouse-client JSONEachRow of the NDJSON")
	native := rate("clickhouse-client Native of slate's events rows")
	near("ratio", num(`ratio slate / Kafka engine: ([\d.]+)x`)[0], slate/kafka, 0.02)
	near("NDJSON ratio", num(`JSONEachRow of the NDJSON.*slate ([\d.]+)x of it`)[0], slate/ndjson, 0.02)
	near("Native ratio", num(`Native of slate's events rows.*slate ([\d.]+)x of it`)[0], slate/native, 0.02)
	if rss := num(`slate ingest peak RSS:\s+(\d+) MiB`)[0]; rss < 10 || rss > 4096 {
		t.Errorf("ingest peak RSS %v MiB: not a measurement of a Go process\n%s", rss, report)
	}
	if cpu := num(`slate:\s+ingest ([\d.]+) \+ ClickHouse ([\d.]+)`); cpu[0] <= 0 || cpu[1] <= 0 {
		t.Errorf("CPU per million events %v: ingest and ClickHouse both work\n%s", cpu, report)
	}
	return wantEvents
}
