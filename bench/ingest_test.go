package bench

import (
	"bytes"
	"strings"
	"testing"
)

// The summary's median and range rows, worked out by hand for three
// rounds of a million events.
func TestPrintRoundsGivesMedianAndRange(t *testing.T) {
	rounds := []ingestRound{
		// slate 200000 ev/s, Kafka engine 250000: ratio 0.80; NDJSON 312500, Native 500000
		{events: 1e6, slateSecs: 5, kafkaSecs: 4, baseSecs: 3.2, nativeSecs: 2, rssKiB: 210 << 10, ingestCPU: 5.1, chCPU: 3.5, selfCPU: 0.3,
			kafkaCHCPU: 3.0, clientCPU: 1.5, baseCHCPU: 2.1},
		// 250000 and 200000: 1.25; NDJSON 400000, Native 625000
		{events: 1e6, slateSecs: 4, kafkaSecs: 5, baseSecs: 2.5, nativeSecs: 1.6, rssKiB: 220 << 10, ingestCPU: 5.3, chCPU: 4.5, selfCPU: 0.4,
			kafkaCHCPU: 3.3, clientCPU: 1.4, baseCHCPU: 2.2},
		// 160000 and 125000: 1.28; NDJSON 200000, Native 400000
		{events: 1e6, slateSecs: 6.25, kafkaSecs: 8, baseSecs: 5, nativeSecs: 2.5, rssKiB: 215 << 10, ingestCPU: 5.0, chCPU: 3.2, selfCPU: 0.3,
			kafkaCHCPU: 2.9, clientCPU: 1.6, baseCHCPU: 2.0},
	}
	var out bytes.Buffer
	printRounds(&out, rounds)
	rows := map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = f[1:]
		}
	}
	want := map[string][]string{
		// slate, Kafka engine, ratio, NDJSON, Native, RSS, ingest, ClickHouse, slate total, Kafka engine, NDJSON total
		"median": {"200000", "200000", "1.25x", "312500", "500000", "215", "5.1", "3.5", "8.9", "3.0", "3.6"},
		"range": {"160000-250000", "125000-250000", "0.80x-1.28x", "200000-400000", "400000-625000", "210-220",
			"5.0-5.3", "3.2-4.5", "8.5-10.2", "2.9-3.3", "3.6-3.6"},
		"2": {"250000", "200000", "1.25x", "400000", "625000", "220", "5.3", "4.5", "10.2", "3.3", "3.6"},
	}
	for name, cells := range want {
		if got := strings.Join(rows[name], " "); got != strings.Join(cells, " ") {
			t.Errorf("row %s: %q, want %q\n%s", name, got, strings.Join(cells, " "), out.String())
		}
	}
}

// A round whose NDJSON load used over 15% more CPU per event than the
// quietest one is named, and the median ratio is given without it.
func TestPrintRoundsNamesDisturbedRounds(t *testing.T) {
	rounds := []ingestRound{
		// ratio to the Kafka engine 5/4 = 1.25; NDJSON load 1.4 + 2.0 = 3.4, the quietest
		{events: 1e6, slateSecs: 4, kafkaSecs: 5, baseSecs: 3.2, clientCPU: 1.4, baseCHCPU: 2.0},
		// 1.10; 3.7 is under 1.15 * 3.4 = 3.91
		{events: 1e6, slateSecs: 4, kafkaSecs: 4.4, baseSecs: 3.0, clientCPU: 1.5, baseCHCPU: 2.2},
		// 2.00; 8.3
		{events: 1e6, slateSecs: 4, kafkaSecs: 8, baseSecs: 8, clientCPU: 1.6, baseCHCPU: 6.7},
		// 1.20; 4.4
		{events: 1e6, slateSecs: 4, kafkaSecs: 4.8, baseSecs: 4.4, clientCPU: 1.4, baseCHCPU: 3.0},
	}
	var out bytes.Buffer
	printRounds(&out, rounds)
	for _, want := range []string{
		"disturbed: round 3, 4: the NDJSON load used 8.3, 4.4 CPU s per million events, against 3.4 in round 1;",
		// the nearest-rank median of 1.25 and 1.10
		"Median ratio of the other rounds: 1.10x",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}

	out.Reset()
	printRounds(&out, rounds[:2])
	if strings.Contains(out.String(), "disturbed") {
		t.Errorf("rounds within 15%% of each other flagged:\n%s", out.String())
	}
}

// A round's baseline is its fastest load: the same work cannot be slower
// but for the machine.
func TestRoundKeepsTheFastestBaselineLoad(t *testing.T) {
	r := ingestRound{events: 1e6, loads: []baselineLoad{
		{secs: 6.1, clientCPU: 2.8, chCPU: 5.0, chKernel: 3.6, chFaults: 412_345}, // disturbed: 7.8 CPU s per million events
		{secs: 3.2, clientCPU: 1.4, chCPU: 2.1, chKernel: 0.6, chFaults: 1_049_600},
		{secs: 3.5, clientCPU: 1.5, chCPU: 2.3, chKernel: 0.8, chFaults: 980_499},
	}}
	r.keepFastestLoad()
	if r.baseSecs != 3.2 || r.clientCPU != 1.4 || r.baseCHCPU != 2.1 || r.baseCHKernel != 0.6 {
		t.Fatalf("kept %.1f s, client %.1f, server %.1f (kernel %.1f); want the load of 3.2 s", r.baseSecs, r.clientCPU, r.baseCHCPU, r.baseCHKernel)
	}
	want := "NDJSON loads (the fastest counts): 6.10s at 7.8 CPU s/M (server kernel 3.6, 412k page faults), " +
		"3.20s at 3.5 CPU s/M (server kernel 0.6, 1050k page faults), 3.50s at 3.8 CPU s/M (server kernel 0.8, 980k page faults)"
	if got := r.loadsLine(); got != want {
		t.Fatalf("%q\nwant %q", got, want)
	}
}

// A one-round run says when its baseline loads cost more CPU per event
// than one another beyond disturbedFactor (1.15), and keeps quiet when not.
func TestRoundSaysWhenItsBaselineLoadsDisagree(t *testing.T) {
	printed := func(loads ...baselineLoad) string {
		r := ingestRound{events: 1e6, slateSecs: 4, rssKiB: 200 << 10, loads: loads}
		r.keepFastestLoad()
		var b strings.Builder
		r.print(&b)
		return b.String()
	}
	// 2.8 + 5.0 = 7.8 and 1.4 + 2.1 = 3.5 CPU s per million events: 7.8 > 1.15 * 3.5
	got := printed(baselineLoad{secs: 6.1, clientCPU: 2.8, chCPU: 5.0}, baselineLoad{secs: 3.2, clientCPU: 1.4, chCPU: 2.1})
	if !strings.Contains(got, "the NDJSON loads took 3.5 to 7.8 CPU s per million events for the same work") {
		t.Errorf("loads of 7.8 and 3.5 CPU s/M, no warning:\n%s", got)
	}
	// 1.5 + 2.3 = 3.8 against 3.5: 3.8 < 1.15 * 3.5 = 4.025
	got = printed(baselineLoad{secs: 3.5, clientCPU: 1.5, chCPU: 2.3}, baselineLoad{secs: 3.2, clientCPU: 1.4, chCPU: 2.1})
	if strings.Contains(got, "the NDJSON loads took") {
		t.Errorf("loads of 3.8 and 3.5 CPU s/M, warned:\n%s", got)
	}
	// one load has nothing to disagree with
	if got = printed(baselineLoad{secs: 6.1, clientCPU: 2.8, chCPU: 5.0}); strings.Contains(got, "the NDJSON loads took") {
		t.Errorf("one load, warned:\n%s", got)
	}
}
