package testkit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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

	"github.com/segmentio/kafka-go"

	"github.com/slatehq/slate/internal/childproc"
)

// KafkaVersion is the Apache Kafka release the harness runs.
const KafkaVersion = "3.9.1"

// ErrKafkaNotInstalled is returned (wrapped) by StartKafka when the broker jars
// or java cannot be found.
var ErrKafkaNotInstalled = errors.New("kafka " + KafkaVersion + " jars or java not found; run scripts/install-deps.sh")

const (
	kafkaJar         = "kafka_2.13-" + KafkaVersion + ".jar"
	kafkaReadyWait   = 90 * time.Second
	kafkaStopGrace   = 20 * time.Second
	kafkaAttempts    = 3 // retries on fresh ports after a port collision
	kafkaTopicWait   = 30 * time.Second
	kafkaPollEvery   = 50 * time.Millisecond
	kafkaDialTimeout = 2 * time.Second
	kafkaNodeID      = 1
	kafkaTailBytes   = 4 << 10
)

// KafkaOptions configures StartKafka. The zero value is ready to use.
type KafkaOptions struct {
	// Dir holds server.properties, log4j.properties, the broker log (kafka.log)
	// and data/, which every StartKafka formats afresh (a test broker starts
	// empty). If empty, a temporary directory is created and Close removes it.
	Dir string
	// Libs is the directory of broker jars. Default: $SLATE_KAFKA_LIBS, else
	// ${XDG_CACHE_HOME:-$HOME/.cache}/slate/kafka-3.9.1/libs, where
	// scripts/install-deps.sh puts them.
	Libs string
	// Java is the java executable. Default: $JAVA_HOME/bin/java if it exists,
	// else java from PATH.
	Java string
	// Log receives the JVM's stdout and stderr (nil discards them). Broker
	// warnings and errors go to Dir/kafka.log either way.
	Log io.Writer
	// JVMFlags are added after the defaults (-Xms256m -Xmx768m
	// -XX:TieredStopAtLevel=1 ...), so they win: e.g. "-Xmx2g", or
	// "-XX:TieredStopAtLevel=4" for full JIT in a throughput test.
	JVMFlags []string
}

// Kafka is a single-node Apache Kafka broker in KRaft combined mode (broker and
// controller in one JVM), listening on 127.0.0.1 only. Its methods are safe for
// concurrent use.
type Kafka struct {
	java, libs string
	jvmFlags   []string
	dir        string
	ownDir     bool
	log        io.Writer
	port       int // PLAINTEXT listener, the one clients use
	ctrlPort   int // CONTROLLER listener (KRaft quorum)

	mu     sync.Mutex
	proc   *childproc.Process
	output *childproc.TailWriter
	closed bool
}

// KafkaBroker starts a broker for the test and stops it when the test ends. It
// fails the test if the broker cannot start: a suite that silently skips its
// Kafka tests would hide a broken setup.
func KafkaBroker(t testing.TB) *Kafka {
	t.Helper()
	SkipShort(t, "a Kafka broker")
	k, err := StartKafka(t.Context(), KafkaOptions{})
	if err != nil {
		t.Fatalf("testkit: start kafka broker: %v", err)
	}
	t.Cleanup(func() {
		if err := k.Close(); err != nil {
			t.Errorf("testkit: close kafka broker: %v", err)
		}
	})
	return k
}

// StartKafka formats a fresh KRaft log directory, starts the broker on free
// loopback ports and waits (at most 90s, less if ctx ends sooner) until it
// answers metadata requests and has a consumer group coordinator. ctx bounds
// only the start: the broker runs until Stop or Close.
func StartKafka(ctx context.Context, opts KafkaOptions) (*Kafka, error) {
	libs, err := kafkaLibs(opts.Libs)
	if err != nil {
		return nil, err
	}
	java, err := findJava(opts.Java)
	if err != nil {
		return nil, err
	}
	k := &Kafka{java: java, libs: libs, jvmFlags: opts.JVMFlags, dir: opts.Dir, log: opts.Log}
	if k.dir == "" {
		if k.dir, err = os.MkdirTemp("", "slate-kafka-"); err != nil {
			return nil, fmt.Errorf("testkit: kafka: create temp dir: %w", err)
		}
		k.ownDir = true
	} else if k.dir, err = filepath.Abs(k.dir); err != nil {
		return nil, fmt.Errorf("testkit: kafka: %w", err)
	}

	for attempt := 1; ; attempt++ {
		k.mu.Lock()
		err = k.startLocked(ctx)
		k.mu.Unlock()
		if err == nil {
			return k, nil
		}
		if !errors.Is(err, errPortInUse) || attempt == kafkaAttempts || ctx.Err() != nil {
			break
		}
	}
	if k.ownDir {
		_ = os.RemoveAll(k.dir)
	}
	return nil, err
}

// Addr is the bootstrap address for clients, "127.0.0.1:PORT".
func (k *Kafka) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(k.port)) }

// Dir is the broker's directory (config, kafka.log, data/).
func (k *Kafka) Dir() string { return k.dir }

// CreateTopic creates a topic with the given number of partitions and
// replication factor 1, and waits until every partition has a leader, so that
// producers and consumers can use it at once. Creating a topic that already
// exists with that many partitions is not an error; with another count it is.
// Without a deadline on ctx it gives up after 30s.
func (k *Kafka) CreateTopic(ctx context.Context, name string, partitions int) error {
	if partitions < 1 {
		return fmt.Errorf("testkit: create topic %q: %d partitions", name, partitions)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, kafkaTopicWait)
		defer cancel()
	}
	if err := retry(ctx, func() (bool, error) { return k.createTopicOnce(ctx, name, partitions) }); err != nil {
		return fmt.Errorf("testkit: create topic %q: %w", name, err)
	}
	if err := retry(ctx, func() (bool, error) { return k.topicReady(ctx, name, partitions) }); err != nil {
		return fmt.Errorf("testkit: topic %q: waiting for partition leaders: %w", name, err)
	}
	return nil
}

// createTopicOnce sends CreateTopics to the controller. done is false for
// errors worth retrying (the broker may still be registering itself).
func (k *Kafka) createTopicOnce(ctx context.Context, name string, partitions int) (done bool, err error) {
	conn, err := k.dial(ctx, k.Addr())
	if err != nil {
		return false, err
	}
	defer conn.Close()
	// Topics are created by the controller. With KRaft the broker answers with
	// any live broker (here: itself), but asking keeps this correct anyway.
	ctrl, err := conn.Controller()
	if err != nil {
		return false, fmt.Errorf("find controller: %w", err)
	}
	if ctrl.Host == "" {
		return false, errors.New("no controller in metadata yet")
	}
	cconn, err := k.dial(ctx, net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return false, err
	}
	defer cconn.Close()
	err = cconn.CreateTopics(kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: 1})
	var kerr kafka.Error
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &kerr) && !kerr.Temporary() && kerr != kafka.InvalidReplicationFactor:
		// InvalidReplicationFactor means "no live broker yet", which passes.
		return true, err
	default:
		return false, err
	}
}

// topicReady reports whether the topic's metadata lists all partitions with a
// leader.
func (k *Kafka) topicReady(ctx context.Context, name string, partitions int) (bool, error) {
	conn, err := k.dial(ctx, k.Addr())
	if err != nil {
		return false, err
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions(name)
	if err != nil {
		return false, err // typically UnknownTopicOrPartition until metadata propagates
	}
	for _, p := range parts {
		if p.Leader.Host == "" {
			return false, fmt.Errorf("partition %d has no leader yet", p.ID)
		}
	}
	if len(parts) != partitions {
		return true, fmt.Errorf("topic exists with %d partitions, want %d", len(parts), partitions)
	}
	return true, nil
}

// Stop sends SIGTERM and waits for the broker to exit (a controlled shutdown),
// SIGKILLing it after 20s. Stopping a stopped broker is a no-op.
func (k *Kafka) Stop() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stopLocked()
}

// Close ends the broker and removes its directory if StartKafka created it.
// A broker in such a temporary directory is SIGKILLed rather than stopped:
// its data is deleted next anyway, and a controlled shutdown costs from 0.5s
// to over 10s on a busy 2-core machine in every test's cleanup. A broker in a
// caller's Dir gets a graceful Stop. Calling Close again is a no-op.
func (k *Kafka) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil
	}
	k.closed = true
	var err error
	switch {
	case k.proc == nil:
	case k.ownDir:
		if err = k.proc.Kill(); err != nil {
			err = fmt.Errorf("testkit: kafka: %w", err)
		}
	default:
		err = k.stopLocked()
	}
	if k.ownDir {
		if rmErr := os.RemoveAll(k.dir); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("testkit: kafka: remove %s: %w", k.dir, rmErr))
		}
	}
	return err
}

func (k *Kafka) stopLocked() error {
	if k.proc == nil {
		return nil
	}
	if err := k.proc.Stop(kafkaStopGrace); err != nil {
		return fmt.Errorf("testkit: kafka: stop: %w", err)
	}
	return nil
}

// startLocked picks ports, writes the configs, formats the storage and starts
// the broker, then waits for it to be ready. On failure no process is left.
func (k *Kafka) startLocked(ctx context.Context) error {
	var err error
	var ps []int
	if ps, err = freePorts(2); err == nil {
		k.port, k.ctrlPort = ps[0], ps[1]
	}
	if err != nil {
		return err
	}
	// The data dir is formatted per attempt: a broker that failed to bind may
	// have left quorum state naming the old controller port. The log goes too,
	// so an error quotes only this attempt.
	for _, name := range []string{"data", "kafka.log"} {
		if err := os.RemoveAll(filepath.Join(k.dir, name)); err != nil {
			return fmt.Errorf("testkit: kafka: clean %s: %w", name, err)
		}
	}
	if err := k.writeConfig(); err != nil {
		return err
	}
	if err := k.format(ctx); err != nil {
		return err
	}

	k.output = childproc.NewTailWriter(kafkaTailBytes)
	var out io.Writer = k.output
	if k.log != nil {
		out = io.MultiWriter(k.output, k.log)
	}
	cmd := exec.Command(k.java, k.jvmArgs("kafka.Kafka", filepath.Join(k.dir, "server.properties"))...)
	cmd.Dir = k.dir // hs_err_pid*.log lands here if the JVM crashes
	cmd.Stdout, cmd.Stderr = out, out
	if k.proc, err = childproc.Start(cmd); err != nil {
		k.proc = nil
		return fmt.Errorf("testkit: kafka: start %s: %w", k.java, err)
	}
	if err := k.waitReady(ctx); err != nil {
		_ = k.proc.Kill()
		return err
	}
	return nil
}

func (k *Kafka) jvmArgs(mainClass string, args ...string) []string {
	jvm := append([]string{
		"-Xms256m", "-Xmx768m",
		"-Djava.awt.headless=true",
		"-Dlog4j.configuration=file:" + filepath.Join(k.dir, "log4j.properties"),
		// A broker out of memory is broken; exit so the test sees it at once.
		"-XX:+ExitOnOutOfMemoryError",
		// No /tmp/hsperfdata_* files left behind by every test run.
		"-XX:-UsePerfData",
		// C1 only: a test broker lives for seconds and moves little data, and on
		// 2 cores the C2 compiler threads compete with start-up (measured: ~25%
		// faster to ready). A throughput test can undo it with JVMFlags.
		"-XX:TieredStopAtLevel=1",
	}, k.jvmFlags...)
	// java expands a trailing /* in -cp itself; no shell is involved.
	jvm = append(jvm, "-cp", filepath.Join(k.libs, "*"), mainClass)
	return append(jvm, args...)
}

// format runs the KRaft storage formatter, which every new log dir needs
// before the first start (it writes meta.properties and the bootstrap
// metadata). With controller.quorum.voters set (a static quorum) no
// --standalone/--initial-controllers flag is needed.
func (k *Kafka) format(ctx context.Context) error {
	id, err := newClusterID()
	if err != nil {
		return err
	}
	var out strings.Builder
	cmd := exec.Command(k.java, k.jvmArgs("kafka.tools.StorageTool",
		"format", "--cluster-id", id, "--config", filepath.Join(k.dir, "server.properties"))...)
	cmd.Dir = k.dir
	cmd.Stdout, cmd.Stderr = &out, &out
	p, err := childproc.Start(cmd)
	if err != nil {
		return fmt.Errorf("testkit: kafka: start storage format: %w", err)
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
		_ = p.Kill()
		return fmt.Errorf("testkit: kafka: storage format: %w", context.Cause(ctx))
	}
	if p.Err() != nil {
		return fmt.Errorf("testkit: kafka: storage format: %w\n%s", p.Err(), strings.TrimSpace(out.String()))
	}
	return nil
}

// waitReady polls the broker with a metadata request until it lists a broker
// and the group coordinator answers, the JVM exits, or the deadline passes. A
// KRaft broker opens its client port only after it has registered with the
// controller and been unfenced, so a metadata answer means producers,
// consumers and CreateTopics will work.
func (k *Kafka) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, kafkaReadyWait)
	defer cancel()
	tick := time.NewTicker(kafkaPollEvery)
	defer tick.Stop()
	var lastErr error
	for {
		if lastErr = k.ping(ctx); lastErr == nil {
			if lastErr = k.groupCoordinatorReady(ctx); lastErr == nil {
				return nil
			}
		}
		select {
		case <-k.proc.Done():
			return k.startFailed(fmt.Sprintf("exited before it was ready (%v)", k.proc.Err()))
		case <-ctx.Done():
			if k.proc.Exited() {
				return k.startFailed(fmt.Sprintf("exited before it was ready (%v)", k.proc.Err()))
			}
			return k.startFailed(fmt.Sprintf("not ready (%v; last check: %v)", context.Cause(ctx), lastErr))
		case <-tick.C:
		}
	}
}

func (k *Kafka) ping(ctx context.Context) error {
	conn, err := k.dial(ctx, k.Addr())
	if err != nil {
		return err
	}
	defer conn.Close()
	brokers, err := conn.Brokers()
	if err != nil {
		return err
	}
	for _, b := range brokers {
		if b.ID == kafkaNodeID {
			return nil
		}
	}
	return fmt.Errorf("broker %d not in metadata (%v)", kafkaNodeID, brokers)
}

// groupCoordinatorReady asks for a consumer group's coordinator. The first
// such request makes the broker create __consumer_offsets and answers
// COORDINATOR_NOT_AVAILABLE until it exists; kafka-go's group consumer then
// backs off for 5s before joining again. Doing it once here, while the test
// waits for the broker anyway, spares every group consumer that delay (and a
// production cluster has the topic already).
func (k *Kafka) groupCoordinatorReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// A private transport: kafka.DefaultTransport, shared by every Client and
	// Writer of the test binary that leaves Transport nil, caches topic
	// metadata for 6s, and a cache filled now (no topics yet) would make the
	// test's first writes fail with UnknownTopicOrPartition.
	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(k.Addr()), Timeout: 5 * time.Second, Transport: transport}
	res, err := client.FindCoordinator(ctx, &kafka.FindCoordinatorRequest{
		Key:     "slate-testkit-warm-up",
		KeyType: kafka.CoordinatorKeyTypeConsumer,
	})
	if err != nil {
		return err
	}
	if res.Error != nil {
		return fmt.Errorf("group coordinator: %w", res.Error)
	}
	return nil
}

// dial connects to addr with a deadline for the requests that follow.
func (k *Kafka) dial(ctx context.Context, addr string) (*kafka.Conn, error) {
	d := kafka.Dialer{Timeout: kafkaDialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(5 * time.Second)
	if ctxDeadline, ok := ctx.Deadline(); ok && ctxDeadline.Before(deadline) {
		deadline = ctxDeadline
	}
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// startFailed describes a failed start, quoting the broker log (log4j) and the
// JVM's output (class-path and JVM errors go there, not to the log).
func (k *Kafka) startFailed(what string) error {
	// A Java error is a headline line and a long stack trace; the tail alone
	// may be all trace, so the ERROR/FATAL headlines are quoted first.
	fullLog := childproc.FileTail(filepath.Join(k.dir, "kafka.log"), 1<<20)
	brokerLog := strings.TrimSpace(lastBytes(fullLog, kafkaTailBytes))
	output := strings.TrimSpace(k.output.String())
	var b strings.Builder
	fmt.Fprintf(&b, "testkit: kafka %s broker on %s (dir %s) %s", KafkaVersion, k.Addr(), k.dir, what)
	if errs := logErrors(fullLog, 10); len(errs) > 0 {
		fmt.Fprintf(&b, "\n--- errors in kafka.log ---\n%s", strings.Join(errs, "\n"))
	}
	if brokerLog != "" {
		fmt.Fprintf(&b, "\n--- tail of kafka.log ---\n%s", brokerLog)
	}
	if output != "" {
		fmt.Fprintf(&b, "\n--- tail of JVM stdout/stderr ---\n%s", output)
	}
	return &startError{msg: b.String(), portInUse: strings.Contains(fullLog+output, "Address already in use")}
}

// logErrors returns the last limit ERROR and FATAL lines of a log4j log.
func logErrors(log string, limit int) []string {
	var errs []string
	for line := range strings.Lines(log) {
		if strings.Contains(line, "] ERROR ") || strings.Contains(line, "] FATAL ") {
			errs = append(errs, strings.TrimRight(line, "\n"))
		}
	}
	if len(errs) > limit {
		errs = errs[len(errs)-limit:]
	}
	return errs
}

// lastBytes returns the last n bytes of s.
func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// writeConfig writes server.properties and log4j.properties into k.dir.
func (k *Kafka) writeConfig() error {
	if err := os.MkdirAll(k.dir, 0o755); err != nil {
		return fmt.Errorf("testkit: kafka: %w", err)
	}
	server := fmt.Sprintf(`# Written by slate internal/testkit for one test broker; rewritten on every start.
# KRaft combined mode: this JVM is the only broker and the only controller.
process.roles=broker,controller
node.id=%[1]d
controller.quorum.voters=%[1]d@127.0.0.1:%[3]d
listeners=PLAINTEXT://127.0.0.1:%[2]d,CONTROLLER://127.0.0.1:%[3]d
advertised.listeners=PLAINTEXT://127.0.0.1:%[2]d
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=%[4]s

# One broker: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# The defaults (50 partitions each) make the first consumer group or
# transaction wait while 50 partitions are created; one is plenty here.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
# Consumer groups start at once instead of waiting 3s for more members.
group.initial.rebalance.delay.ms=0

# Tests create their topics explicitly (CreateTopic), as production does.
auto.create.topics.enable=false
num.partitions=1
`, kafkaNodeID, k.port, k.ctrlPort, propValue(filepath.Join(k.dir, "data")))

	log4j := fmt.Sprintf(`# Written by slate internal/testkit. Warnings and errors only, to a file.
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=%s
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n
`, propValue(filepath.Join(k.dir, "kafka.log")))

	for name, content := range map[string]string{"server.properties": server, "log4j.properties": log4j} {
		if err := os.WriteFile(filepath.Join(k.dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("testkit: kafka: write %s: %w", name, err)
		}
	}
	return nil
}

// propValue escapes a value for a Java .properties file (backslash is its
// escape character).
func propValue(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

// newClusterID returns a random KRaft cluster id: 16 random bytes in unpadded
// base64url, like `kafka-storage.sh random-uuid`. Kafka's own generator avoids
// ids starting with '-', which a command line would take for a flag.
func newClusterID() (string, error) {
	var b [16]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("testkit: kafka: cluster id: %w", err)
		}
		if id := base64.RawURLEncoding.EncodeToString(b[:]); id[0] != '-' {
			return id, nil
		}
	}
}

// kafkaLibs finds the directory of broker jars.
func kafkaLibs(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("SLATE_KAFKA_LIBS")
	}
	if dir == "" {
		cache, err := os.UserCacheDir() // $XDG_CACHE_HOME, else $HOME/.cache
		if err != nil {
			return "", fmt.Errorf("testkit: %w (no cache dir: %w)", ErrKafkaNotInstalled, err)
		}
		dir = filepath.Join(cache, "slate", "kafka-"+KafkaVersion, "libs")
	}
	if _, err := os.Stat(filepath.Join(dir, kafkaJar)); err != nil {
		return "", fmt.Errorf("testkit: %w (no %s in %s)", ErrKafkaNotInstalled, kafkaJar, dir)
	}
	return dir, nil
}

// findJava resolves the java executable.
func findJava(name string) (string, error) {
	if name == "" {
		if home := os.Getenv("JAVA_HOME"); home != "" {
			if p := filepath.Join(home, "bin", "java"); isExecutable(p) {
				return p, nil
			}
		}
		name = "java"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("testkit: %w (%w)", ErrKafkaNotInstalled, err)
	}
	return p, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// freePorts picks n distinct free loopback ports, holding every listener
// until all are chosen.
func freePorts(n int) ([]int, error) {
	ps := make([]int, n)
	for i := range ps {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("testkit: find a free port: %w", err)
		}
		defer l.Close()
		ps[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ps, nil
}

// retry calls f every kafkaPollEvery until it reports done or ctx ends; the
// error returned is f's last one.
func retry(ctx context.Context, f func() (done bool, err error)) error {
	tick := time.NewTicker(kafkaPollEvery)
	defer tick.Stop()
	for {
		done, err := f()
		if done {
			return err
		}
		select {
		case <-ctx.Done():
			if err == nil {
				return context.Cause(ctx)
			}
			return fmt.Errorf("%w (gave up: %w)", err, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// errPortInUse marks a start that failed because a chosen port was taken.
var errPortInUse = errors.New("port already in use")

// startError is a failed start; errors.Is(err, errPortInUse) tells whether
// retrying on other ports may help.
type startError struct {
	msg       string
	portInUse bool
}

func (e *startError) Error() string { return e.msg }

func (e *startError) Is(target error) bool { return target == errPortInUse && e.portInUse }
