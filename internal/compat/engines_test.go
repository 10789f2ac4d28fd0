package compat

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
)

// chdbVersion is the chdb-core release scripts/install-deps.sh installs:
// the current ClickHouse the statements are verified on.
const chdbVersion = "26.9"

// chdbPython finds the interpreter of the virtual environment
// scripts/install-deps.sh puts chDB in ($SLATE_CHDB_VENV, by default
// ${XDG_CACHE_HOME:-$HOME/.cache}/slate/chdb-venv).
func chdbPython() (string, error) {
	venv := os.Getenv("SLATE_CHDB_VENV")
	if venv == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("compat: no home directory for the chDB venv: %w", err)
			}
			cache = filepath.Join(home, ".cache")
		}
		venv = filepath.Join(cache, "slate", "chdb-venv")
	}
	py := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		return "", fmt.Errorf("compat: no chDB virtual environment at %s (run scripts/install-deps.sh, or set SLATE_CHDB_VENV): %w", venv, err)
	}
	return py, nil
}

// answer is one statement's outcome on one engine.
type answer struct {
	OK    bool   `json:"ok"`
	Out   string `json:"out"`
	Code  int    `json:"code"`
	Error string `json:"error"`
}

func (a answer) err() error {
	if a.OK {
		return nil
	}
	return errors.New(a.Error)
}

// engine runs one statement with per-statement settings; reads return
// their rows as TabSeparated text.
type engine interface {
	run(sql string, settings map[string]string, read bool) answer
}

// chdb is a chDB session in a child process (chdb_runner.py).
type chdb struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	version string
	mu      sync.Mutex
}

// startChDB opens a chDB session on a fresh directory, in UTC as the
// 18.16 server the tests start, with the server config file config if
// not "" (macros, remote_servers, zookeeper).
func startChDB(t testing.TB, config string) *chdb {
	t.Helper()
	testkit.SkipShort(t, "chDB")
	py, err := chdbPython()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "chdb")
	if config != "" {
		path += "?config-file=" + config
	}
	cmd := exec.Command(py, "chdb_runner.py", path)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("compat: start chDB runner: %v", err)
	}
	c := &chdb{cmd: cmd, in: in, out: bufio.NewReaderSize(outPipe, 1<<20)}
	t.Cleanup(func() {
		in.Close() // the runner's end of input: it closes the session and exits
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("compat: chDB runner: %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("compat: chDB runner did not exit 30s after its input ended; killed")
		}
	})
	var hello struct {
		OK      bool   `json:"ok"`
		Version string `json:"version"`
	}
	line, err := c.out.ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &hello) != nil || !hello.OK {
		t.Fatalf("compat: chDB runner did not start (%v): %s", err, line)
	}
	c.version = hello.Version
	return c
}

func (c *chdb) run(sql string, settings map[string]string, read bool) answer {
	c.mu.Lock()
	defer c.mu.Unlock()
	format := ""
	if read {
		format = "TSV"
	}
	req, err := json.Marshal(map[string]any{"sql": sql, "settings": settings, "format": format})
	if err != nil {
		return answer{Error: err.Error()}
	}
	if _, err := c.in.Write(append(req, '\n')); err != nil {
		return answer{Error: fmt.Sprintf("chDB runner: %v", err)}
	}
	line, err := c.out.ReadBytes('\n')
	if err != nil {
		return answer{Error: fmt.Sprintf("chDB runner: %v", err)}
	}
	var a answer
	if err := json.Unmarshal(line, &a); err != nil {
		return answer{Error: fmt.Sprintf("chDB runner: %v: %s", err, line)}
	}
	return a
}

// httpCH is a ClickHouse server reached over HTTP (18.16's HTTP interface
// works for plain statements; the driver's HTTP mode does not).
type httpCH struct {
	addr   string
	client *http.Client
}

var codeRe = regexp.MustCompile(`Code: (\d+)`)

func (h httpCH) run(sql string, settings map[string]string, _ bool) answer {
	q := url.Values{}
	for k, v := range settings {
		q.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+h.addr+"/?"+q.Encode(), strings.NewReader(sql))
	if err != nil {
		return answer{Error: err.Error()}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return answer{Error: err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{Error: err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		a := answer{Error: strings.TrimSpace(string(body))}
		if m := codeRe.FindStringSubmatch(a.Error); m != nil {
			a.Code, _ = strconv.Atoi(m[1])
		}
		return a
	}
	return answer{OK: true, Out: string(body)}
}

// relTol is how far two floats may be apart, relative to the larger:
// sums of floats depend on the order rows are added in, which differs
// between versions; everything else must be equal.
const relTol = 1e-9

// sameRows compares two TabSeparated results as multisets of rows (a
// statement without ORDER BY may return its rows in any order, and one
// with ORDER BY may order ties either way): fields equal as text, or as
// numbers when both are numbers, floats within relTol, integers exactly.
// It returns "" or what differs.
func sameRows(a, b string) string {
	ra, rb := tsvRows(a), tsvRows(b)
	if len(ra) != len(rb) {
		return fmt.Sprintf("%d rows on 18.16, %d on %s\n18.16:\n%s\n%s:\n%s", len(ra), len(rb), chdbVersion, clip(a), chdbVersion, clip(b))
	}
	for i := range ra {
		if len(ra[i]) != len(rb[i]) {
			return fmt.Sprintf("row %d: %d fields on 18.16, %d on %s", i, len(ra[i]), len(rb[i]), chdbVersion)
		}
		for j := range ra[i] {
			if !sameField(ra[i][j], rb[i][j]) {
				return fmt.Sprintf("row %d field %d: %q on 18.16, %q on %s\n18.16:\n%s\n%s:\n%s", i, j, ra[i][j], rb[i][j], chdbVersion, clip(a), chdbVersion, clip(b))
			}
		}
	}
	return ""
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "..."
	}
	return s
}

// tsvRows splits and sorts rows; the sort key rounds numbers to 8
// significant digits, so rows that differ only in the last digits of a
// float still pair up.
func tsvRows(s string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if s == "" {
			break
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	key := func(r []string) string {
		k := make([]string, len(r))
		for i, f := range r {
			if x, err := strconv.ParseFloat(f, 64); err == nil {
				k[i] = strconv.FormatFloat(x, 'g', 8, 64)
			} else {
				k[i] = f
			}
		}
		return strings.Join(k, "\t")
	}
	slices.SortStableFunc(rows, func(x, y []string) int { return strings.Compare(key(x), key(y)) })
	return rows
}

// zeroTimes are how 18.16 prints the zero DateTime and Date; current
// releases print the epoch. The value is the same (0), and Slate reads it
// as a number or a time, never as this text.
var zeroTimes = map[string]string{"0000-00-00 00:00:00": "1970-01-01 00:00:00", "0000-00-00": "1970-01-01"}

func sameField(a, b string) bool {
	if z, ok := zeroTimes[a]; ok {
		a = z
	}
	if a == b {
		return true
	}
	x, errX := strconv.ParseFloat(a, 64)
	y, errY := strconv.ParseFloat(b, 64)
	if errX != nil || errY != nil {
		return false
	}
	if isInt(a) && isInt(b) {
		// Exactly, also beyond float64's 2^53.
		return strings.TrimLeft(a, "+") == strings.TrimLeft(b, "+")
	}
	// A Decimal prints its trailing zeros on 18.16 and not on 26.x
	// (1.50 / 1.5): as numbers they are the same.
	return x == y || math.Abs(x-y) <= relTol*math.Max(math.Abs(x), math.Abs(y))
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return true
	}
	_, err = strconv.ParseUint(s, 10, 64)
	return err == nil
}
