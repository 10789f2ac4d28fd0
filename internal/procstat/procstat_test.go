package procstat

import (
	"math"
	"os"
	"testing"
)

// /proc/PID/stat: the command name may hold spaces and parentheses; the
// fields after it are counted from the state (the 3rd).
func TestParse(t *testing.T) {
	line := "4242 (clickhouse (x) srv) S 1 4242 4242 0 -1 4194560 123456 0 7 0 2573 911 0 0 20 0 42 0 5934253 3133440 383 18446744073709551615\n"
	got := Parse(line)
	if want := (Stat{User: 25.73, Kernel: 9.11, MinorFaults: 123456}); got != want {
		t.Fatalf("%+v, want %+v", got, want)
	}
	// what was used between two readings: each field's difference
	earlier := Stat{User: 20.5, Kernel: 9.0, MinorFaults: 100_000}
	d := got.Since(earlier)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(d.User, 5.23) || !near(d.Kernel, 0.11) || d.MinorFaults != 23456 || !near(d.CPU(), 5.34) {
		t.Errorf("Since: %+v (cpu %.2f), want user 5.23, kernel 0.11, 23456 faults, cpu 5.34", d, d.CPU())
	}
	for _, bad := range []string{"", "4242 (cut", "4242 (x) S 1 2"} {
		if got := Parse(bad); got != (Stat{}) {
			t.Errorf("%q: %+v, want nothing", bad, got)
		}
	}
	// this process, after some work: it has run and touched memory
	for start := Read(os.Getpid()).CPU(); Read(os.Getpid()).CPU() < start+0.05; {
		_ = make([]byte, 1<<16)
	}
	if self := Read(os.Getpid()); self.CPU() <= 0 || self.MinorFaults <= 0 {
		t.Errorf("this process: %+v", self)
	}
	if Read(0) != (Stat{}) {
		t.Errorf("pid 0 read as a process")
	}
}

// The peak RSS of this process is there and at least its current RSS
// allocation; a process that is gone has none.
func TestPeakRSS(t *testing.T) {
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = 1
	}
	if kib := PeakRSS(os.Getpid()); kib < 64<<10 {
		t.Errorf("peak RSS %d KiB after touching 64 MiB", kib)
	}
	_ = buf[len(buf)-1]
	if kib := PeakRSS(-1); kib != 0 {
		t.Errorf("no process: %d KiB", kib)
	}
}
