package chserver

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// skipShort skips a test that starts a real server under -short, as
// testkit.SkipShort does (testkit imports this package, so its tests
// cannot import testkit).
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a ClickHouse server: not run under -short (the fast tier); scripts/test.sh runs it")
	}
}

// start starts a server for one test and closes it at the end.
func start(t *testing.T, o Options) *Server {
	t.Helper()
	skipShort(t)
	began := time.Now()
	s, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("clickhouse-server ready on %s in %v", s.Addr(), time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// httpClient keeps no idle connections: the server waits for them to close
// (up to keep_alive_timeout, 3s) when it is stopped.
var httpClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// query runs q through the HTTP interface and returns the trimmed result.
func query(t *testing.T, s *Server, q string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+s.HTTPAddr()+"/", strings.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("query %q: HTTP %d: %s", q, resp.StatusCode, body)
	}
	return strings.TrimSpace(string(body))
}

func TestStartQueryClose(t *testing.T) {
	skipShort(t)
	t.Parallel()
	s, err := Start(t.Context(), Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer s.Close()

	if got := query(t, s, "SELECT timezone()"); got != "UTC" && got != "Etc/UTC" {
		t.Errorf("server timezone = %q, want UTC", got)
	}
	t.Logf("version %s", query(t, s, "SELECT version()"))

	// The native port, through the stock client and ClientArgs.
	client, err := exec.LookPath("clickhouse-client")
	if err != nil {
		t.Fatalf("clickhouse-client not installed (run scripts/install-deps.sh): %v", err)
	}
	out, err := exec.CommandContext(t.Context(), client, append(s.ClientArgs(), "--query", "SELECT 40 + 2")...).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Fatalf("clickhouse-client %v: %q, %v", s.ClientArgs(), out, err)
	}

	for _, name := range []string{configFile, usersFile, filepath.Join(logDir, errLogFile)} {
		if _, err := os.Stat(filepath.Join(s.Dir(), name)); err != nil {
			t.Errorf("expected %s in server dir: %v", name, err)
		}
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(s.Dir()); !os.IsNotExist(err) {
		t.Errorf("temp dir %s still there after Close (stat: %v)", s.Dir(), err)
	}
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Close", s.Addr())
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestKillRestartKeepsData(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	query(t, s, "CREATE TABLE t (id UInt64) ENGINE = MergeTree ORDER BY id")
	query(t, s, "INSERT INTO t SELECT number FROM system.numbers LIMIT 1000")
	addr := s.Addr()

	if err := s.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after Kill", addr)
	}
	began := time.Now()
	if err := s.Restart(t.Context()); err != nil {
		t.Fatalf("Restart after Kill: %v", err)
	}
	t.Logf("restart after kill took %v", time.Since(began).Round(time.Millisecond))
	if s.Addr() != addr {
		t.Errorf("Addr changed across Restart: %s -> %s", addr, s.Addr())
	}
	if got := query(t, s, "SELECT count() FROM t"); got != "1000" {
		t.Errorf("rows after crash and restart = %s, want 1000", got)
	}

	// A graceful cycle, and Restart of a running server.
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop of a stopped server: %v", err)
	}
	if err := s.Restart(t.Context()); err != nil {
		t.Fatalf("Restart after Stop: %v", err)
	}
	if err := s.Restart(t.Context()); err != nil {
		t.Fatalf("Restart of a running server: %v", err)
	}
	if got := query(t, s, "SELECT count() FROM t"); got != "1000" {
		t.Errorf("rows after restarts = %s, want 1000", got)
	}
}

func TestGivenDirIsKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, Options{Dir: dir})
	query(t, s, "CREATE TABLE kept (x String) ENGINE = MergeTree ORDER BY x")
	query(t, s, "INSERT INTO kept VALUES ('Đang xử lý')")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, configFile)); err != nil {
		t.Fatalf("Close removed a caller's dir: %v", err)
	}

	// A new server (new ports) on the same dir sees the old data.
	s2 := start(t, Options{Dir: dir})
	if got := query(t, s2, "SELECT x FROM kept"); got != "Đang xử lý" {
		t.Errorf("data in reused dir = %q", got)
	}
}

func TestMissingBinary(t *testing.T) {
	t.Parallel()
	_, err := Start(t.Context(), Options{Binary: filepath.Join(t.TempDir(), "clickhouse-server")})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Start with a missing binary: err = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "apt-get install -y clickhouse-server clickhouse-client") {
		t.Errorf("error does not say how to install: %v", err)
	}
}

func TestFailedStartQuotesOutput(t *testing.T) {
	t.Parallel()
	// A "server" that complains and exits stands in for a broken install.
	fake := filepath.Join(t.TempDir(), "fake-clickhouse-server")
	script := "#!/bin/sh\necho 'Code: 999. DB::Exception: something is wrong' >&2\nexit 70\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err := Start(t.Context(), Options{Binary: fake})
	if err == nil {
		t.Fatal("Start of a failing binary succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "exited before it was ready") || !strings.Contains(msg, "something is wrong") {
		t.Errorf("error lacks the cause or the output: %v", err)
	}
	if errors.Is(err, errPortInUse) {
		t.Errorf("failure misread as a port collision: %v", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("noticing the exit took %v", d)
	}
}

// TestPortTakenIsDetected checks that the real server's message for a taken
// port is the one Start recognises to retry on fresh ports.
func TestPortTakenIsDetected(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	l, err := net.Listen("tcp", s.HTTPAddr())
	if err != nil {
		t.Fatalf("occupy %s: %v", s.HTTPAddr(), err)
	}
	defer l.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	began := time.Now()
	err = s.Restart(ctx)
	t.Logf("failed restart took %v", time.Since(began).Round(time.Millisecond))
	if err == nil {
		t.Fatal("Restart succeeded although its HTTP port is taken")
	}
	if !errors.Is(err, errPortInUse) {
		t.Errorf("port collision not recognised: %v", err)
	}
	t.Logf("error on a taken port:\n%v", err)
}
