package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	pprofile "github.com/google/pprof/profile"
)

// The bench runs whole on real servers (a private ClickHouse, the embedded
// broker): two rounds of two clickhouse-client NDJSON loads each, every
// round's NDJSON rate that of its faster load, and a CPU profile of ingest
// written.
func TestBenchIngestRunsEndToEnd(t *testing.T) {
	skipShort(t)
	profile := filepath.Join(t.TempDir(), "ingest.pgo")
	cmd := exec.Command(slateBin, "bench", "ingest", "--events", "20000", "--runs", "2", "--baseline-loads", "2",
		"--cpuprofile", profile, "--cpuprofile-seconds", "1")
	cmd.Dir = "../.." // ingest's SLA policies are read from deploy/
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	m := regexp.MustCompile(`slate bench ingest: (\d+) events`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no event count in\n%s", stdout.String())
	}
	events, _ := strconv.ParseFloat(m[1], 64)
	roundLine := regexp.MustCompile(`round (\d) of 2: slate \d+ ev/s \(server kernel [0-9.]+ CPU s/M\), Kafka engine \d+ ev/s, ratio [0-9.]+x; NDJSON (\d+) ev/s; NDJSON loads \(the fastest counts\): (.*)`)
	loadSecs := regexp.MustCompile(`([0-9.]+)s at [0-9.]+ CPU s/M \(server kernel [0-9.]+, \d+k page faults\)`)
	rounds := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		m := roundLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rounds++
		loads := loadSecs.FindAllStringSubmatch(m[3], -1)
		if len(loads) != 2 {
			t.Errorf("round %s: %d loads in %q, want 2", m[1], len(loads), m[3])
			continue
		}
		fastest := math.Inf(1)
		for _, l := range loads {
			s, _ := strconv.ParseFloat(l[1], 64)
			fastest = min(fastest, s)
		}
		// the seconds are printed to two decimals
		rate, _ := strconv.ParseFloat(m[2], 64)
		if lo, hi := events/(fastest+0.005), events/(fastest-0.005); rate < lo || rate > hi {
			t.Errorf("round %s: NDJSON %.0f ev/s, want %.0f-%.0f (the faster load, %.2f s)", m[1], rate, lo, hi, fastest)
		}
	}
	if rounds != 2 {
		t.Errorf("%d round lines, want 2:\n%s", rounds, stderr.String())
	}
	for _, want := range []string{"median", "range", "targets: ratio >= 1.00x"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("no %q in\n%s", want, stdout.String())
		}
	}
	// the profile is one, and the split printed from it adds up
	f, err := os.Open(profile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prof, err := pprofile.Parse(f)
	if err != nil {
		t.Fatalf("the profile: %v", err)
	}
	var total float64
	for _, sample := range prof.Sample {
		total += float64(sample.Value[len(sample.Value)-1]) / 1e9 // cpu/nanoseconds, after samples/count
	}
	if total == 0 {
		if !strings.Contains(stdout.String(), "holds no samples") {
			t.Errorf("an empty profile, not said so in\n%s", stdout.String())
		}
		return
	}
	head := regexp.MustCompile(`where ingest's CPU went, from its profile \(([0-9.]+) CPU s of samples`).FindStringSubmatch(stdout.String())
	if head == nil {
		t.Fatalf("no CPU split in\n%s", stdout.String())
	}
	if got := fmt.Sprintf("%.1f", total); head[1] != got {
		t.Errorf("the split says %s CPU s of samples, the profile holds %s", head[1], got)
	}
	var shares float64
	parts := regexp.MustCompile(`\n    ([^\n]*?)\s+([0-9.]+)%  [0-9.]+ CPU s/M`).FindAllStringSubmatch(stdout.String(), -1)
	for _, m := range parts {
		v, _ := strconv.ParseFloat(m[2], 64)
		shares += v
	}
	// the named parts (bench's ingestCPUParts, six) and the rest, each
	// share rounded to a tenth
	if len(parts) != 7 || parts[len(parts)-1][1] != "the rest" || math.Abs(shares-100) > 0.35 {
		t.Errorf("%d shares adding up to %.1f%%, want 7, the last the rest, adding up to 100%%:\n%s", len(parts), shares, stdout.String())
	}
}
