// Package chserver runs a private clickhouse-server process: its own config,
// data and logs in one directory, listening on free loopback ports. `slate demo`
// uses it to bring up a warehouse without touching a system installation, and
// tests use it (through internal/testkit) to run against a real server.
//
// The server is whatever clickhouse-server is installed; on the project's
// machines that is Debian's 18.16.1 (see shared/docs/clickhouse-18.16.md), so
// the generated config sticks to settings that 18.16 and current releases both
// understand.
package chserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slatehq/slate/internal/childproc"
)

// ErrNotInstalled is returned (wrapped) by Start when no clickhouse-server
// binary can be found.
var ErrNotInstalled = errors.New("clickhouse-server is not installed; install it with " +
	"`apt-get install -y clickhouse-server clickhouse-client` (or run scripts/install-deps.sh)")

const (
	defaultBinary = "clickhouse-server"
	// Debian installs the server in /usr/sbin, which is not on a normal user's PATH.
	debianBinary = "/usr/sbin/clickhouse-server"

	readyTimeout = 60 * time.Second
	stopGrace    = 20 * time.Second
	// Free ports are found by binding :0 and closing; another process can take
	// one before the server binds it, so a start that fails that way is retried.
	startAttempts = 3
	// How much of the server's logs an error quotes.
	tailBytes = 4 << 10
	// What the server logs when a port is taken (Poco's text for EADDRINUSE).
	addrInUse = "Address already in use"
)

// Options configures Start.
type Options struct {
	// Dir holds config, data and logs. If empty, a temporary directory is
	// created and Close removes it. A given Dir is kept, so its data survives
	// Close and a later Start on the same Dir.
	Dir string
	// Binary is the server executable: a path, or a name looked up in PATH.
	// Default: clickhouse-server from PATH, else /usr/sbin/clickhouse-server.
	Binary string
	// Log receives the server's stdout and stderr (nil discards them). The
	// server's own log files are in Dir/log either way.
	Log io.Writer
}

// Server is a running (or stopped) private clickhouse-server. Its methods are
// safe for concurrent use.
type Server struct {
	binary string
	dir    string
	ownDir bool
	log    io.Writer
	ports  ports
	node   *node // nil: standalone

	mu     sync.Mutex
	proc   *childproc.Process    // nil before the first start
	output *childproc.TailWriter // the current process's stdout+stderr tail
	closed bool
}

type ports struct{ tcp, http, interserver int }

// errPortInUse marks a start that failed because a chosen port was taken.
var errPortInUse = errors.New("port already in use")

// Start writes a config for free loopback ports, starts clickhouse-server and
// waits until it answers HTTP /ping (at most 60s, less if ctx ends sooner). ctx
// bounds only the start: the server runs until Stop, Kill or Close.
func Start(ctx context.Context, o Options) (*Server, error) {
	bin, err := findBinary(o.Binary)
	if err != nil {
		return nil, err
	}
	s := &Server{binary: bin, dir: o.Dir, log: o.Log}
	if s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "slate-clickhouse-"); err != nil {
			return nil, fmt.Errorf("chserver: create temp dir: %w", err)
		}
		s.ownDir = true
	} else if s.dir, err = filepath.Abs(s.dir); err != nil {
		return nil, fmt.Errorf("chserver: %w", err)
	}

	for attempt := 1; ; attempt++ {
		if s.ports, err = freePorts(); err == nil {
			s.mu.Lock()
			err = s.startLocked(ctx)
			s.mu.Unlock()
		}
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortInUse) || attempt == startAttempts || ctx.Err() != nil {
			break
		}
	}
	if s.ownDir {
		_ = os.RemoveAll(s.dir)
	}
	return nil, err
}

// Addr is the native-protocol address, "127.0.0.1:PORT".
func (s *Server) Addr() string { return hostPort(s.ports.tcp) }

// HTTPAddr is the HTTP interface address, "127.0.0.1:PORT".
func (s *Server) HTTPAddr() string { return hostPort(s.ports.http) }

// Dir is the directory holding config.xml, users.xml, data/ and log/.
func (s *Server) Dir() string { return s.dir }

// ClientArgs are the clickhouse-client arguments that connect to this server.
func (s *Server) ClientArgs() []string {
	return []string{"--host", "127.0.0.1", "--port", strconv.Itoa(s.ports.tcp)}
}

// Stop sends SIGTERM and waits for the server to exit, SIGKILLing it if it is
// still running after 20s. Stopping a server that is not running is a no-op.
//
// A stop takes about 1s. The server waits for open client connections to end
// first, so close clients (connection pools) before stopping: an idle HTTP
// keep-alive connection adds up to 3s, an idle native one about 1s (the
// config sets keep_alive_timeout=3 and poll_interval=1 to bound this; with
// 18.16's defaults it was 10s each). A native-port connection that never
// sends the protocol hello, such as a bare TCP probe left open, holds 18.16
// for about 15s.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

// Kill SIGKILLs the server, as a crash would, and waits for it to exit.
func (s *Server) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	if err := s.proc.Kill(); err != nil {
		return fmt.Errorf("chserver: %w", err)
	}
	return nil
}

// Restart starts the server again on the same ports and data directory (after
// stopping it if it still runs) and waits until it is ready.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("chserver: restart of a closed server")
	}
	if err := s.stopLocked(); err != nil {
		return err
	}
	return s.startLocked(ctx)
}

// Close stops the server if it runs and removes its directory if Start created
// it. Calling Close again is a no-op.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.stopLocked()
	if s.ownDir {
		if rmErr := os.RemoveAll(s.dir); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("chserver: remove %s: %w", s.dir, rmErr))
		}
	}
	return err
}

func (s *Server) stopLocked() error {
	if s.proc == nil {
		return nil
	}
	if err := s.proc.Stop(stopGrace); err != nil {
		// rare (18.16 once outlived the grace in CI): say what it last logged
		return fmt.Errorf("chserver: stop: %w%s", err, s.logTails())
	}
	return nil
}

// startLocked writes the config for s.ports, starts the process and waits for
// it to be ready. On failure the process is gone again.
func (s *Server) startLocked(ctx context.Context) error {
	cfg, err := writeConfig(s.dir, s.ports, s.node)
	if err != nil {
		return err
	}
	s.output = childproc.NewTailWriter(tailBytes)
	var out io.Writer = s.output
	if s.log != nil {
		out = io.MultiWriter(s.output, s.log)
	}
	cmd := exec.Command(s.binary, "--config-file="+cfg)
	cmd.Dir = s.dir // where a core dump or stray relative path would land
	cmd.Stdout, cmd.Stderr = out, out
	if s.proc, err = childproc.Start(cmd); err != nil {
		s.proc = nil
		return fmt.Errorf("chserver: start %s: %w", s.binary, err)
	}
	if err := s.waitReady(ctx); err != nil {
		_ = s.proc.Kill()
		return err
	}
	if s.node != nil {
		if err := s.waitZooKeeper(ctx); err != nil {
			_ = s.proc.Kill()
			return err
		}
	}
	return nil
}

// waitZooKeeper makes a cluster node open its ZooKeeper session before
// anyone uses it. 18.16 dereferences a null session (segfault in
// zkutil::ZooKeeper::createImpl) when an ON CLUSTER statement is the
// first thing to touch ZooKeeper right after startup; a read of
// system.zookeeper first establishes the session safely.
func (s *Server) waitZooKeeper(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	q := url.Values{"query": {"SELECT count() FROM system.zookeeper WHERE path = '/'"}}
	u := "http://" + s.HTTPAddr() + "/?" + q.Encode()
	var lastErr error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		lastErr = err
		if s.proc.Exited() {
			return s.startFailed(fmt.Sprintf("exited while opening its ZooKeeper session (%v)", s.proc.Err()))
		}
		select {
		case <-ctx.Done():
			return s.startFailed(fmt.Sprintf("no ZooKeeper session (%v; last: %v)", context.Cause(ctx), lastErr))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitReady polls GET /ping until it answers "Ok.", the process exits, or the
// deadline passes. Polling is the readiness check ClickHouse offers; the
// interval only bounds how late we notice.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	// No keep-alive: an idle connection left in the pool would hold up the
	// server's shutdown until keep_alive_timeout.
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	url := "http://" + s.HTTPAddr() + "/ping"
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		if lastErr = ping(ctx, client, url); lastErr == nil {
			return nil
		}
		select {
		case <-s.proc.Done():
			return s.startFailed(fmt.Sprintf("exited before it was ready (%v)", s.proc.Err()))
		case <-ctx.Done():
			// The process may have died in the meantime; say so rather than
			// blaming the clock.
			if s.proc.Exited() {
				return s.startFailed(fmt.Sprintf("exited before it was ready (%v)", s.proc.Err()))
			}
			return s.startFailed(fmt.Sprintf("not ready (%v; last /ping: %v)", context.Cause(ctx), lastErr))
		case <-tick.C:
		}
	}
}

func ping(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "Ok." {
		return fmt.Errorf("HTTP %d %q", resp.StatusCode, body)
	}
	return nil
}

// startFailed describes a failed start, quoting the server's error log and its
// stdout/stderr (a config error is printed before the log files are opened).
// It wraps errPortInUse when the logs say a port was taken.
func (s *Server) startFailed(what string) error {
	tails := s.logTails()
	return &startError{
		msg:       fmt.Sprintf("chserver: %s on %s (dir %s) %s%s", s.binary, s.Addr(), s.dir, what, tails),
		portInUse: strings.Contains(tails, addrInUse),
	}
}

// logTails quotes the tails of the server's error log and of its
// stdout/stderr, each on lines of its own after a heading ("" when both
// are empty).
func (s *Server) logTails() string {
	var b strings.Builder
	if errLog := strings.TrimSpace(childproc.FileTail(filepath.Join(s.dir, logDir, errLogFile), tailBytes)); errLog != "" {
		fmt.Fprintf(&b, "\n--- tail of %s ---\n%s", filepath.Join(logDir, errLogFile), errLog)
	}
	if output := strings.TrimSpace(s.output.String()); output != "" {
		fmt.Fprintf(&b, "\n--- tail of stdout/stderr ---\n%s", output)
	}
	return b.String()
}

// startError is a failed start; errors.Is(err, errPortInUse) tells whether
// retrying on other ports may help.
type startError struct {
	msg       string
	portInUse bool
}

func (e *startError) Error() string { return e.msg }

func (e *startError) Is(target error) bool { return target == errPortInUse && e.portInUse }

// findBinary resolves Options.Binary to an executable path.
func findBinary(name string) (string, error) {
	if name != "" {
		path, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("chserver: %w (%w)", ErrNotInstalled, err)
		}
		return path, nil
	}
	if path, err := exec.LookPath(defaultBinary); err == nil {
		return path, nil
	}
	if fi, err := os.Stat(debianBinary); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return debianBinary, nil
	}
	return "", fmt.Errorf("chserver: %w (not in PATH nor at %s)", ErrNotInstalled, debianBinary)
}

// freePorts picks three distinct free loopback ports.
func freePorts() (ports, error) {
	sets, err := freePortSets(1)
	if err != nil {
		return ports{}, err
	}
	return sets[0], nil
}

// freePortSets picks n sets of three distinct free loopback ports. All the
// listeners are held open until the end so the kernel cannot hand out the
// same port twice.
func freePortSets(n int) ([]ports, error) {
	p := make([]int, 3*n)
	for i := range p {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("chserver: find a free port: %w", err)
		}
		defer l.Close()
		p[i] = l.Addr().(*net.TCPAddr).Port
	}
	out := make([]ports, n)
	for i := range out {
		out[i] = ports{tcp: p[3*i], http: p[3*i+1], interserver: p[3*i+2]}
	}
	return out, nil
}

func hostPort(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
