package main

import (
	"bytes"
	"strings"
	"testing"
)

// The summary's median and range rows, worked out by hand for three
// rounds of a million events.
func TestPrintRoundsGivesMedianAndRange(t *testing.T) {
	rounds := []ingestRound{
		// slate 200000 ev/s, baseline 312500: ratio 0.64
		{events: 1e6, slateSecs: 5, baseSecs: 3.2, rssKiB: 210 << 10, ingestCPU: 5.1, chCPU: 3.5, selfCPU: 0.3, clientCPU: 1.5, baseCHCPU: 2.1},
		// 250000 and 400000: 0.625; the fastest slate, not the best ratio
		{events: 1e6, slateSecs: 4, baseSecs: 2.5, rssKiB: 220 << 10, ingestCPU: 5.3, chCPU: 4.5, selfCPU: 0.4, clientCPU: 1.4, baseCHCPU: 2.2},
		// 160000 and 200000: 0.80
		{events: 1e6, slateSecs: 6.25, baseSecs: 5, rssKiB: 215 << 10, ingestCPU: 5.0, chCPU: 3.2, selfCPU: 0.3, clientCPU: 1.6, baseCHCPU: 2.0},
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
		// slate, baseline, ratio, RSS, ingest, ClickHouse, slate total, baseline total
		"median": {"200000", "312500", "0.64x", "215", "5.1", "3.5", "8.9", "3.6"},
		"range":  {"160000-250000", "200000-400000", "0.62x-0.80x", "210-220", "5.0-5.3", "3.2-4.5", "8.5-10.2", "3.6-3.6"},
		"2":      {"250000", "400000", "0.62x", "220", "5.3", "4.5", "10.2", "3.6"},
	}
	for name, cells := range want {
		if got := strings.Join(rows[name], " "); got != strings.Join(cells, " ") {
			t.Errorf("row %s: %q, want %q\n%s", name, got, strings.Join(cells, " "), out.String())
		}
	}
}
