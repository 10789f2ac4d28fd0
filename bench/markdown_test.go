package bench

import (
	"flag"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestMarkdownRowCells(t *testing.T) {
	at := time.Date(2026, 12, 7, 23, 59, 0, 0, time.UTC)
	got := markdownRow("export", row{figure: "1,000 entries in 2.0 s", baseline: "a | b", ratio: "1.25×"},
		"slate bench export --entries 1000", "2 cores, 24 GiB", at, "abc1234")
	want := `| export | 1,000 entries in 2.0 s | a \| b | 1.25× | ` + "`slate bench export --entries 1000`" + ` | 2 cores, 24 GiB | 2026-12-07 | abc1234 |`
	if got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

// The command names the flags given, by name, with their values; a bool
// flag stands alone; --markdown is left out; defaults are not spelled.
func TestReportCommandIsTheFlagsGiven(t *testing.T) {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	rep := newReport("ingest", fs)
	fs.Int("runs", 1, "")
	fs.Int("events", 1_000_000, "")
	fs.Bool("live", false, "")
	fs.Int("seed", 7, "")
	if err := fs.Parse([]string{"--runs", "5", "--markdown", "--live", "-events=20000"}); err != nil {
		t.Fatal(err)
	}
	if got, want := rep.command(), "slate bench ingest --events 20000 --live --runs 5"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if !*rep.markdown {
		t.Error("--markdown not set")
	}
}

func TestDescribeMachine(t *testing.T) {
	cpuinfo := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC   7B13 64-Core Processor\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13 64-Core Processor\n"
	meminfo := "MemTotal:       25165824 kB\nMemFree:         1000000 kB\n"
	if got, want := describeMachine(2, cpuinfo, meminfo), "2 cores AMD EPYC 7B13 64-Core Processor, 24 GiB"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got := describeMachine(4, "", ""); got != "4 cores" {
		t.Errorf("nothing read: %q", got)
	}
}

func TestCommitOfBuildSettings(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "7a27bda0123456789abcdef0123456789abcdef0"}
	for _, c := range []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{[]debug.BuildSetting{rev, {Key: "vcs.modified", Value: "false"}}, "7a27bda"},
		{[]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, rev}, "7a27bda+dirty"},
		{[]debug.BuildSetting{{Key: "GOARCH", Value: "amd64"}}, "unknown"},
	} {
		if got := commitOf(c.settings); got != c.want {
			t.Errorf("%v: %q, want %q", c.settings, got, c.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 239199.6: "239,200", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("%v: %q, want %q", n, got, want)
		}
	}
}

// The ingest row's medians, worked out by hand: the rounds of
// TestPrintRoundsGivesMedianAndRange, then with disturbed rounds.
func TestIngestRowGivesMedians(t *testing.T) {
	rounds := []ingestRound{
		{events: 1e6, slateSecs: 5, kafkaSecs: 4, baseSecs: 3.2, nativeSecs: 2, rssKiB: 210 << 10, clientCPU: 1.5, baseCHCPU: 2.1},
		{events: 1e6, slateSecs: 4, kafkaSecs: 5, baseSecs: 2.5, nativeSecs: 1.6, rssKiB: 220 << 10, clientCPU: 1.4, baseCHCPU: 2.2},
		{events: 1e6, slateSecs: 6.25, kafkaSecs: 8, baseSecs: 5, nativeSecs: 2.5, rssKiB: 215 << 10, clientCPU: 1.6, baseCHCPU: 2.0},
	}
	got := ingestRow(rounds)
	// slate 200k, 250k, 160k; Kafka engine 250k, 200k, 125k; ratios 0.80, 1.25, 1.28;
	// NDJSON 312.5k, 400k, 200k; Native 500k, 625k, 400k
	want := row{
		figure:   "median 200,000 events/s with SLA on, until ticket states and SLA results are stored; ingest peak RSS 215 MiB (target ≤ 256 MiB)",
		baseline: "medians: Kafka engine + materialized view: 200,000 events/s; references: clickhouse-client NDJSON 312,500, Native 500,000 events/s",
		ratio:    "median 1.25× (target ≥ 1.00×)",
	}
	if got != want {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	if one := ingestRow(rounds[:1]); strings.Contains(one.figure+one.baseline+one.ratio, "median") || one.ratio != "0.80× (target ≥ 1.00×)" {
		t.Errorf("one round: %+v", one)
	}
	// rounds 3 and 4 disturbed (8.3 and 4.4 CPU s/M against 3.4): the
	// ratio is the median of 5/4 = 1.25 and 4.4/4 = 1.10
	disturbed := []ingestRound{
		{events: 1e6, slateSecs: 4, kafkaSecs: 5, baseSecs: 3.2, clientCPU: 1.4, baseCHCPU: 2.0},
		{events: 1e6, slateSecs: 4, kafkaSecs: 4.4, baseSecs: 3.0, clientCPU: 1.5, baseCHCPU: 2.2},
		{events: 1e6, slateSecs: 4, kafkaSecs: 8, baseSecs: 8, clientCPU: 1.6, baseCHCPU: 6.7},
		{events: 1e6, slateSecs: 4, kafkaSecs: 4.8, baseSecs: 4.4, clientCPU: 1.4, baseCHCPU: 3.0},
	}
	if got := ingestRow(disturbed).ratio; got != "median 1.10× over 2 undisturbed rounds of 4 (target ≥ 1.00×)" {
		t.Errorf("disturbed: %q", got)
	}
}
