package testkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/childproc"
	"github.com/slatehq/slate/warehouse/chserver"
)

// ErrZooKeeperNotInstalled is returned (wrapped) by StartZooKeeper when
// Debian's ZooKeeper jar or java cannot be found.
var ErrZooKeeperNotInstalled = errors.New("zookeeper not installed (Debian package zookeeper, " +
	zooKeeperJar + "); run scripts/install-deps.sh")

const (
	// zooKeeperJar is where Debian's zookeeper package puts the server; its
	// manifest's Class-Path names the dependency jars in /usr/share/java.
	zooKeeperJar       = "/usr/share/java/zookeeper.jar"
	zooKeeperMain      = "org.apache.zookeeper.server.ZooKeeperServerMain"
	zooKeeperReadyWait = 60 * time.Second
	zooKeeperStopGrace = 10 * time.Second
	zooKeeperAttempts  = 3
)

// ZooKeeperOptions configures StartZooKeeper. The zero value is ready to use.
type ZooKeeperOptions struct {
	// Jar is the ZooKeeper server jar; default /usr/share/java/zookeeper.jar.
	Jar string
	// Java is the java executable, found as for Kafka.
	Java string
	// Log receives the JVM's output (nil discards it; with no SLF4J binding
	// on the class path ZooKeeper logs nothing else).
	Log io.Writer
}

// ZooKeeper is a standalone ZooKeeper server (ZooKeeperServerMain) on a free
// loopback port with its data in a temporary directory, the coordination
// service of a ClickHouse cluster in tests.
type ZooKeeper struct {
	java, jar string
	dir       string
	port      int
	log       io.Writer

	mu     sync.Mutex
	proc   *childproc.Process
	output *childproc.TailWriter
	closed bool
}

// StartZooKeeper starts a server and waits (at most 60s) until it serves
// requests. ctx bounds only the start.
func StartZooKeeper(ctx context.Context, o ZooKeeperOptions) (*ZooKeeper, error) {
	jar := o.Jar
	if jar == "" {
		jar = zooKeeperJar
	}
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("testkit: %w (%v)", ErrZooKeeperNotInstalled, err)
	}
	java, err := findJava(o.Java)
	if err != nil {
		return nil, fmt.Errorf("testkit: %w (%v)", ErrZooKeeperNotInstalled, err)
	}
	dir, err := os.MkdirTemp("", "slate-zookeeper-")
	if err != nil {
		return nil, fmt.Errorf("testkit: zookeeper: %w", err)
	}
	z := &ZooKeeper{java: java, jar: jar, dir: dir, log: o.Log}
	for attempt := 1; ; attempt++ {
		z.mu.Lock()
		err = z.startLocked(ctx)
		z.mu.Unlock()
		if err == nil {
			return z, nil
		}
		if attempt == zooKeeperAttempts || ctx.Err() != nil || !strings.Contains(err.Error(), "Address already in use") {
			break
		}
	}
	_ = os.RemoveAll(dir)
	return nil, err
}

// Addr is the client address, "127.0.0.1:PORT".
func (z *ZooKeeper) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(z.port)) }

// Close stops the server and removes its directory.
func (z *ZooKeeper) Close() error {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.closed {
		return nil
	}
	z.closed = true
	var err error
	if z.proc != nil {
		err = z.proc.Stop(zooKeeperStopGrace)
	}
	return errors.Join(err, os.RemoveAll(z.dir))
}

func (z *ZooKeeper) startLocked(ctx context.Context) error {
	ps, err := freePorts(1)
	if err != nil {
		return fmt.Errorf("testkit: zookeeper: %w", err)
	}
	z.port = ps[0]
	data := filepath.Join(z.dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return fmt.Errorf("testkit: zookeeper: %w", err)
	}
	// Short ticks make sessions of stopped ClickHouse servers expire soon;
	// no admin server (it would take port 8080); srvr for readiness.
	cfg := fmt.Sprintf("tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n"+
		"maxClientCnxns=0\nadmin.enableServer=false\n4lw.commands.whitelist=srvr\n",
		data, z.port)
	cfgPath := filepath.Join(z.dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return fmt.Errorf("testkit: zookeeper: %w", err)
	}
	z.output = childproc.NewTailWriter(4 << 10)
	var out io.Writer = z.output
	if z.log != nil {
		out = io.MultiWriter(z.output, z.log)
	}
	cmd := exec.Command(z.java, "-Xms32m", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
		"-cp", z.jar, zooKeeperMain, cfgPath)
	cmd.Dir = z.dir
	cmd.Stdout, cmd.Stderr = out, out
	if z.proc, err = childproc.Start(cmd); err != nil {
		return fmt.Errorf("testkit: zookeeper: start %s: %w", z.java, err)
	}
	ctx, cancel := context.WithTimeout(ctx, zooKeeperReadyWait)
	defer cancel()
	for {
		if serving(z.Addr()) {
			return nil
		}
		select {
		case <-z.proc.Done():
			return fmt.Errorf("testkit: zookeeper on %s exited before it was ready (%v):\n%s", z.Addr(), z.proc.Err(), z.output.String())
		case <-ctx.Done():
			_ = z.proc.Kill()
			return fmt.Errorf("testkit: zookeeper on %s not ready: %w\n%s", z.Addr(), context.Cause(ctx), z.output.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// serving asks with the four-letter "srvr" whether the server serves
// requests: "ruok" answers "imok" before it does, and a ClickHouse 18.16
// whose first ZooKeeper session fails crashes (its DDLWorker dereferences
// the missing session).
func serving(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("srvr")); err != nil {
		return false
	}
	b, _ := io.ReadAll(c)
	return strings.Contains(string(b), "Mode: standalone")
}

// ZooKeeperServer starts a ZooKeeper for the test and stops it at the end.
// It fails the test (never skips) when ZooKeeper is not installed.
func ZooKeeperServer(t testing.TB) *ZooKeeper {
	t.Helper()
	SkipShort(t, "a ZooKeeper server")
	z, err := StartZooKeeper(t.Context(), ZooKeeperOptions{})
	if err != nil {
		t.Fatalf("testkit: start zookeeper: %v", err)
	}
	t.Cleanup(func() {
		if err := z.Close(); err != nil {
			t.Errorf("testkit: close zookeeper: %v", err)
		}
	})
	return z
}

// ClickHouseCluster starts a ZooKeeper and shards × replicas ClickHouse
// servers forming the cluster "slate" for the test, and closes them when the
// test ends (the servers before ZooKeeper).
func ClickHouseCluster(t testing.TB, shards, replicas int) *chserver.Cluster {
	t.Helper()
	z := ZooKeeperServer(t)
	c, err := chserver.StartCluster(t.Context(), chserver.ClusterOptions{Shards: shards, Replicas: replicas, ZooKeeper: []string{z.Addr()}})
	if err != nil {
		t.Fatalf("testkit: start clickhouse cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("testkit: close clickhouse cluster: %v", err)
		}
	})
	return c
}
