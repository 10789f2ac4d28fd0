package bench

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// report is where a bench writes: its full report to stdout, or with
// --markdown to stderr, leaving stdout to its row of docs/benchmarks.md,
// so the file's figures are pasted from a run, not typed.
type report struct {
	name     string
	fs       *flag.FlagSet
	markdown *bool
}

// newReport registers --markdown on the bench's flags.
func newReport(name string, fs *flag.FlagSet) *report {
	return &report{name: name, fs: fs,
		markdown: fs.Bool("markdown", false, "print the report to stderr and this bench's row of docs/benchmarks.md to stdout")}
}

// out is where the full report goes.
func (r *report) out() io.Writer {
	if *r.markdown {
		return os.Stderr
	}
	return os.Stdout
}

// row is what a bench puts in docs/benchmarks.md: its figure, the
// baseline's and their ratio, each with its unit.
type row struct {
	figure, baseline, ratio string
}

// finish prints the row with --markdown.
func (r *report) finish(x row) {
	if *r.markdown {
		fmt.Println(markdownRow(r.name, x, r.command(), machine(), time.Now().UTC(), commit()))
	}
}

// markdownRow is one line of docs/benchmarks.md's table.
func markdownRow(name string, x row, command, machine string, at time.Time, commit string) string {
	cells := []string{name, x.figure, x.baseline, x.ratio, "`" + command + "`", machine, at.Format("2006-01-02"), commit}
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return "| " + strings.Join(cells, " | ") + " |"
}

// command is the run's command line, its flags in the order flag.Visit
// gives (by name), --markdown left out.
func (r *report) command() string {
	parts := []string{"slate", "bench", r.name}
	r.fs.Visit(func(f *flag.Flag) {
		if f.Name == "markdown" {
			return
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() && f.Value.String() == "true" {
			parts = append(parts, "--"+f.Name)
			return
		}
		parts = append(parts, "--"+f.Name, f.Value.String())
	})
	return strings.Join(parts, " ")
}

// machine says what ran the bench: cores, the CPU's model and the memory.
func machine() string {
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	meminfo, _ := os.ReadFile("/proc/meminfo")
	return describeMachine(runtime.NumCPU(), string(cpuinfo), string(meminfo))
}

func describeMachine(cores int, cpuinfo, meminfo string) string {
	s := fmt.Sprintf("%d cores", cores)
	for _, line := range strings.Split(cpuinfo, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			s += " " + strings.Join(strings.Fields(v), " ")
			break
		}
	}
	for _, line := range strings.Split(meminfo, "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				if kib, err := strconv.ParseFloat(f[0], 64); err == nil {
					s += fmt.Sprintf(", %.0f GiB", kib/(1<<20))
				}
			}
		}
	}
	return s
}

// commit is the revision this binary was built from, as go build records
// it in a git checkout ("+dirty" with uncommitted changes). A binary built
// without it (go run, -buildvcs=false) is taken to be built from the
// checkout the bench runs in, as the benches run from the repository
// root; outside one the commit is "unknown".
func commit() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		if rev := commitOf(info.Settings); rev != "unknown" {
			return rev
		}
	}
	head, err := exec.Command("git", "rev-parse", "--short=7", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(head))
	if changes, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(changes) > 0 {
		rev += "+dirty"
	}
	return rev
}

func commitOf(settings []debug.BuildSetting) string {
	rev, dirty := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

// thousands writes n with a comma every three digits.
func thousands(n float64) string {
	s := strconv.FormatInt(int64(n+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
