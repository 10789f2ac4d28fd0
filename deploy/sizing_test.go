package deploy

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/testkit"
)

var sizingSLA = flag.Bool("sizing.sla", true, "BenchmarkSizing: ingest with the SLA policies of deploy/sla.example.yaml (false: no SLA results)")

var sizingTickets = flag.Int("sizing.tickets", 88_500, "tickets BenchmarkSizing generates (about 11.3 events each: 88,500 ≈ 1M events)")

// BenchmarkSizing measures what the README's sizing figures are: the
// deployment path at work (slate gen produces generated tickets to a real
// Apache Kafka topic of 4 partitions; one `slate ingest` process, built as
// the Dockerfile builds it, with the SLA policies of deploy/sla.example.yaml
// unless -sizing.sla=false, stores them in a private ClickHouse), then
//
//   - ingest throughput: events/s from the ingest start until it reports
//     every event stored (slate_ingest_inserted_total), and its peak RSS;
//   - ClickHouse disk: sum(bytes_on_disk) of the active parts of Slate's
//     tables (system.parts), as ingested and after OPTIMIZE ... FINAL (what
//     background merges converge to), per million events;
//   - Kafka disk: the topic's log segments per million events (what
//     retention has to hold).
//
// Run it alone, once (it is not part of go test ./...):
//
//	go test -run '^$' -bench BenchmarkSizing -benchtime 1x -timeout 30m ./deploy/
func BenchmarkSizing(b *testing.B) {
	bin := slateBinary(b)
	ch := testkit.ClickHouse(b)
	kafka := testkit.KafkaBroker(b)
	const topic, partitions = "ticket-events", 4
	if err := kafka.CreateTopic(b.Context(), topic, partitions); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	httpAddr := "127.0.0.1:" + freePort(b)
	cfg := map[string]any{
		"clickhouse": map[string]any{"addrs": []string{ch.Addr()}},
		"kafka":      map[string]any{"brokers": []string{kafka.Addr()}, "topic": topic, "group_id": "sizing"},
		"http":       map[string]any{"addr": httpAddr},
		"log":        map[string]any{"level": "warn"},
		"labels":     eventgen.DefaultMapping(), // the generated help desks' vocabularies
	}
	if *sizingSLA {
		cfg["sla"] = map[string]any{"config": filepath.Join(repoRoot, "deploy", "sla.example.yaml")}
	}
	raw, err := yaml.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(cfgPath, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	slate := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, append(args, "--config", cfgPath)...)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		return cmd
	}
	if out, err := slate("migrate").CombinedOutput(); err != nil {
		b.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err := slate("gen", "--kafka", "--quiet", "--tickets", strconv.Itoa(*sizingTickets)).CombinedOutput()
	m := regexp.MustCompile(`produced (\d+) events`).FindSubmatch(out)
	if err != nil || m == nil {
		b.Fatalf("gen: %v\n%s", err, out)
	}
	events, _ := strconv.ParseFloat(string(m[1]), 64)
	b.Logf("produced %.0f events of %d tickets to %d partitions", events, *sizingTickets, partitions)

	b.ResetTimer()
	ing := slate("ingest")
	logs := &tail{}
	ing.Stdout, ing.Stderr = logs, logs
	start := time.Now()
	if err := ing.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- ing.Wait() }()
	defer func() {
		if ing.ProcessState == nil {
			_ = ing.Process.Kill()
		}
	}()
	var secs float64
	var peakKiB int64
	for {
		if kib := vmHWM(ing.Process.Pid); kib > peakKiB {
			peakKiB = kib
		}
		if n, err := promCounter("http://"+httpAddr+"/metrics", "slate_ingest_inserted_total"); err == nil && n >= events {
			secs = time.Since(start).Seconds()
			break
		}
		select {
		case err := <-exited:
			b.Fatalf("ingest exited: %v\n%s", err, logs)
		case <-time.After(100 * time.Millisecond):
		}
	}
	b.StopTimer()
	// SLA rows are stored with each unit's ticket states: check that every
	// projected ticket has its sla_tickets row (the wait is for the last
	// unit's inserts, which end with it). Then stop ingest as systemd
	// would.
	query := func(q string) string {
		out, err := exec.Command("clickhouse-client", append(ch.ClientArgs(), "--query", q)...).CombinedOutput()
		if err != nil {
			b.Fatalf("%s: %v\n%s", q, err, out)
		}
		return string(out)
	}
	slaStart := time.Now()
	for *sizingSLA && strings.TrimSpace(query("SELECT (SELECT uniqExact(tenant, ticket_id) FROM slate.sla_tickets) = (SELECT uniqExact(tenant, ticket_id) FROM slate.tickets)")) != "1" {
		if time.Since(slaStart) > 15*time.Minute {
			b.Fatal("some tickets have no SLA rows after 15 minutes")
		}
		time.Sleep(time.Second)
	}
	slaSecs := time.Since(slaStart).Seconds()
	if kib := vmHWM(ing.Process.Pid); kib > peakKiB { // a high-water mark
		peakKiB = kib
	}
	_ = ing.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		b.Fatalf("ingest on SIGTERM: %v\n%s", err, logs)
	}

	partsQuery := `SELECT table, sum(rows), sum(bytes_on_disk), count() FROM system.parts
WHERE database = 'slate' AND active GROUP BY table ORDER BY table FORMAT TSV`
	asIngested := query(partsQuery)
	for _, line := range strings.Split(strings.TrimSpace(asIngested), "\n") {
		table := strings.Fields(line)[0]
		query("OPTIMIZE TABLE slate." + table + " FINAL")
	}
	merged := query(partsQuery)

	perM := 1e6 / events
	var report strings.Builder
	fmt.Fprintf(&report, "\n%.0f events, %d tickets; ingest %.1fs = %.0f events/s, SLA results caught up %.0fs later; peak RSS %.0f MiB\n",
		events, *sizingTickets, secs, events/secs, slaSecs, float64(peakKiB)/1024)
	fmt.Fprintf(&report, "%-16s %12s %14s %8s %14s %8s\n", "table", "rows", "as ingested", "parts", "after merges", "parts")
	ing1, mer1 := parseParts(asIngested), parseParts(merged)
	var totalIngested, totalMerged float64
	for _, table := range keys(ing1) {
		a, z := ing1[table], mer1[table]
		totalIngested += a.bytes
		totalMerged += z.bytes
		fmt.Fprintf(&report, "%-16s %12.0f %11.1f MB %8.0f %11.1f MB %8.0f\n", table, z.rows, a.bytes/1e6, a.parts, z.bytes/1e6, z.parts)
	}
	kafkaBytes := topicBytes(b, kafka.Dir(), topic)
	fmt.Fprintf(&report, "%-16s %12s %11.1f MB %8s %11.1f MB\n", "total", "", totalIngested/1e6, "", totalMerged/1e6)
	fmt.Fprintf(&report, "per 1M events: ClickHouse %.0f MB as ingested, %.0f MB after merges; Kafka topic %.0f MB\n",
		totalIngested*perM/1e6, totalMerged*perM/1e6, kafkaBytes*perM/1e6)
	fmt.Print(report.String()) // b.Log would cut it short
	b.ReportMetric(events/secs, "events/s")
	b.ReportMetric(totalMerged*perM/1e6, "CH-MB/1M-events")
	b.ReportMetric(kafkaBytes*perM/1e6, "Kafka-MB/1M-events")
	b.ReportMetric(float64(peakKiB)/1024, "ingest-peak-MiB")
}

type partsRow struct{ rows, bytes, parts float64 }

func parseParts(tsv string) map[string]partsRow {
	out := map[string]partsRow{}
	for _, line := range strings.Split(strings.TrimSpace(tsv), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			continue
		}
		var r partsRow
		r.rows, _ = strconv.ParseFloat(f[1], 64)
		r.bytes, _ = strconv.ParseFloat(f[2], 64)
		r.parts, _ = strconv.ParseFloat(f[3], 64)
		out[f[0]] = r
	}
	return out
}

// topicBytes sums the log segments (*.log) of the topic's partition
// directories (TOPIC-N) under the broker's data directory.
func topicBytes(b *testing.B, dir, topic string) float64 {
	var total int64
	re := regexp.MustCompile("^" + regexp.QuoteMeta(topic) + `-\d+$`)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !re.MatchString(filepath.Base(filepath.Dir(p))) || !strings.HasSuffix(p, ".log") {
			return err // indexes are preallocated sparse files: count the segments
		}
		if info, err := d.Info(); err == nil {
			total += info.Size()
		}
		return nil
	})
	if err != nil || total == 0 {
		b.Fatalf("topic %s under %s: %d bytes (%v)", topic, dir, total, err)
	}
	return float64(total)
}

func vmHWM(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kib
		}
	}
	return 0
}

func promCounter(url, name string) (float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(rest), 64)
		}
	}
	return 0, fmt.Errorf("%s not on %s", name, url)
}
