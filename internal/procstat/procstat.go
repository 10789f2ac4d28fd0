// Package procstat reads what Linux's /proc tells of a process's and the
// machine's CPU time and memory, for the commands that report their own
// cost (export) and the benchmarks that measure other processes'.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Stat is what /proc/PID/stat tells of a process so far: its CPU seconds
// in user space and in the kernel, and its minor page faults.
type Stat struct {
	User, Kernel float64
	MinorFaults  int64
}

// CPU is the process's CPU seconds, user and kernel.
func (s Stat) CPU() float64 { return s.User + s.Kernel }

// Since is what the process used between an earlier reading and s.
func (s Stat) Since(earlier Stat) Stat {
	return Stat{User: s.User - earlier.User, Kernel: s.Kernel - earlier.Kernel, MinorFaults: s.MinorFaults - earlier.MinorFaults}
}

// Read reads a process's Stat (zero if it is gone).
func Read(pid int) Stat {
	if pid <= 0 {
		return Stat{}
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}
	}
	return Parse(string(raw))
}

// CPUSeconds is the user+system CPU time of a process so far (0 if it is
// gone).
func CPUSeconds(pid int) float64 { return Read(pid).CPU() }

// Parse reads a /proc/PID/stat line: minflt, utime and stime are its
// 10th, 14th and 15th fields, counted past the command name, which is in
// parentheses and may hold spaces and parentheses itself.
func Parse(line string) Stat {
	end := strings.LastIndexByte(line, ')')
	if end < 0 || end+2 > len(line) {
		return Stat{}
	}
	f := strings.Fields(line[end+2:]) // from the 3rd field, the state
	if len(f) < 13 {
		return Stat{}
	}
	faults, _ := strconv.ParseInt(f[7], 10, 64)
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return Stat{User: ut / 100, Kernel: st / 100, MinorFaults: faults} // USER_HZ is 100 on Linux
}

// MachineBusySeconds is the CPU time all processes have used since boot
// (every core's non-idle time), from /proc/stat.
func MachineBusySeconds() float64 {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	busy := 0.0
	for i, v := range f[1:] {
		x, _ := strconv.ParseFloat(v, 64)
		if i != 3 && i != 4 && i < 8 { // not idle, not iowait; guest time is in user already
			busy += x
		}
	}
	return busy / 100
}

// PeakRSS reads the high-water mark of a process's resident memory (KiB;
// 0 if it is gone).
func PeakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kib, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kib
		}
	}
	return 0
}
