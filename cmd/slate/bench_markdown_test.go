package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// `slate bench export --markdown` prints its report to stderr and to
// stdout only its docs/benchmarks.md row, whose figures are the report's.
func TestBenchMarkdownPrintsTheReportsRow(t *testing.T) {
	skipShort(t)
	cmd := exec.Command(slateBin, "bench", "export", "--entries", "2000", "--markdown")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	report := regexp.MustCompile(`slate export finance \(ClickHouse -> \.xlsx, \+ 4 summary sheets\): +([0-9.]+)s, peak RSS (\d+) MiB, \d+ MiB file
 +bare excelize StreamWriter, same rows from memory: +([0-9.]+)s
 +ratio: ([0-9.]+)x`).FindStringSubmatch(stderr.String())
	if report == nil {
		t.Fatalf("no report on stderr:\n%s", stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("stdout holds %d lines, want the row alone:\n%s", len(lines), stdout.String())
	}
	cells := strings.Split(strings.Trim(lines[0], "| "), " | ")
	want := []string{
		"export",
		fmt.Sprintf("2,000 entries to .xlsx in %s s, peak RSS %s MiB", report[1], report[2]),
		fmt.Sprintf("bare excelize StreamWriter: %s s", report[3]),
		report[4] + "×",
		"`slate bench export --entries 2000`",
	}
	if len(cells) != 8 {
		t.Fatalf("%d cells in %q, want 8", len(cells), lines[0])
	}
	for i, w := range want {
		if cells[i] != w {
			t.Errorf("cell %d: %q, want %q", i+1, cells[i], w)
		}
	}
	if !regexp.MustCompile(`^\d+ cores`).MatchString(cells[5]) {
		t.Errorf("machine %q", cells[5])
	}
	if d := time.Now().UTC().Format("2006-01-02"); cells[6] != d {
		t.Errorf("date %q, want %q", cells[6], d)
	}
	// go build in a checkout records the revision
	if rev, err := exec.Command("git", "rev-parse", "--short=7", "HEAD").Output(); err == nil {
		if got := strings.TrimSuffix(cells[7], "+dirty"); got != strings.TrimSpace(string(rev)) {
			t.Errorf("commit %q, want %s", cells[7], rev)
		}
	}
}
