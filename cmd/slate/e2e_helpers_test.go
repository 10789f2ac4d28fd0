package main

// End-to-end tests of the slate binary against real servers: an Apache
// Kafka broker (KRaft, from Maven Central jars) and private ClickHouse
// processes, all started by internal/testkit. Expected figures are computed
// here from the generated events, independently of ingest and warehouse.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"
	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/ingest"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

var (
	slateBin    string
	sharedKafka *testkit.Kafka
	sharedCH    *chserver.Server
	dbSeq       atomic.Int32
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "slate-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	slateBin = filepath.Join(dir, "slate")
	if out, err := exec.Command("go", "build", "-o", slateBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build slate: %v\n%s", err, out)
		return 1
	}
	// the fast tier runs the binary's server-free tests only; the others
	// skip themselves (skipShort)
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sharedKafka, err = testkit.StartKafka(ctx, testkit.KafkaOptions{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "start kafka: %v\n", err)
		return 1
	}
	defer sharedKafka.Close()
	sharedCH, err = chserver.Start(ctx, chserver.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "start clickhouse: %v\n", err)
		return 1
	}
	defer sharedCH.Close()
	return m.Run()
}

// env is one test's isolated world: its own topic, group and database.
type env struct {
	t        *testing.T
	ch       *chserver.Server
	db       string
	topic    string
	group    string
	conn     driver.Conn
	cfgPath  string
	msgs     []kafka.Message // everything produced, in order
	expected expectation
}

func newEnv(t *testing.T, ch *chserver.Server, partitions int) *env {
	t.Helper()
	skipShort(t)
	n := dbSeq.Add(1)
	e := &env{t: t, ch: ch, db: fmt.Sprintf("e2e_%d", n), topic: fmt.Sprintf("events-%d-%d", n, time.Now().UnixNano()),
		group: fmt.Sprintf("group-%d", n)}
	if err := sharedKafka.CreateTopic(t.Context(), e.topic, partitions); err != nil {
		t.Fatal(err)
	}
	o := warehouse.Options{Addrs: []string{ch.Addr()}, Database: e.db}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	e.conn = conn
	cmd := e.command("migrate")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("slate migrate: %v\n%s", err, out)
	}
	labels, err := yaml.Marshal(map[string]any{"labels": eventgen.DefaultMapping(), "ingest": map[string]any{
		"batch_size": 3000, "batch_wait": "200ms", "retry_min": "100ms", "retry_max": "1s", "shutdown_timeout": "10s"}})
	if err != nil {
		t.Fatal(err)
	}
	e.cfgPath = filepath.Join(t.TempDir(), "slate.yaml")
	if err := os.WriteFile(e.cfgPath, labels, 0o600); err != nil {
		t.Fatal(err)
	}
	e.expected = newExpectation()
	return e
}

// command runs the slate binary configured for this env.
func (e *env) command(args ...string) *exec.Cmd {
	cmd := exec.Command(slateBin, args...)
	cmd.Env = append(os.Environ(),
		"SLATE_CLICKHOUSE_ADDRS="+e.ch.Addr(), "SLATE_CLICKHOUSE_DATABASE="+e.db,
		"SLATE_KAFKA_BROKERS="+sharedKafka.Addr(), "SLATE_KAFKA_TOPIC="+e.topic, "SLATE_KAFKA_GROUP_ID="+e.group,
		"SLATE_LOG_LEVEL=warn")
	if e.cfgPath != "" {
		cmd.Env = append(cmd.Env, "SLATE_CONFIG="+e.cfgPath)
	}
	return cmd
}

// ingester is one running `slate ingest` process.
type ingester struct {
	cmd     *exec.Cmd
	metrics string
	log     string // its stdout and stderr
	done    chan error
}

func (e *env) startIngest(extraEnv ...string) *ingester {
	e.t.Helper()
	addr, err := freeAddr()
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := e.command("ingest")
	cmd.Env = append(cmd.Env, "SLATE_HTTP_ADDR="+addr)
	cmd.Env = append(cmd.Env, extraEnv...)
	logf, err := os.Create(filepath.Join(e.t.TempDir(), "ingest.log"))
	if err != nil {
		e.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	in := &ingester{cmd: cmd, metrics: "http://" + addr + "/metrics", log: logf.Name(), done: make(chan error, 1)}
	go func() { in.done <- cmd.Wait(); logf.Close() }()
	e.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-in.done
		if e.t.Failed() {
			raw, _ := os.ReadFile(logf.Name())
			e.t.Logf("ingest log:\n%s", tail(string(raw), 4000))
		}
	})
	return in
}

// stop sends SIGTERM and waits: a graceful stop must exit 0.
func (in *ingester) stop(t *testing.T) {
	t.Helper()
	_ = in.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-in.done:
		in.done <- err
		if err != nil {
			t.Fatalf("ingest exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ingest did not stop within 30s of SIGTERM")
	}
}

func (in *ingester) counter(name string) float64 {
	resp, err := http.Get(in.metrics)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sum := 0.0
	found := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
			found = true
		}
	}
	if !found {
		return 0
	}
	return sum
}

// produce sends messages keyed by ticket id and records them.
func (e *env) produce(msgs []kafka.Message) {
	e.t.Helper()
	if err := e.send(msgs); err != nil {
		e.t.Fatal(err)
	}
}

// send produces without touching the test (callable from a goroutine). A
// chunk that fails is sent again: at-least-once, like a real producer, and
// harmless because events collapse by id.
func (e *env) send(msgs []kafka.Message) error {
	w := ingest.NewWriter([]string{sharedKafka.Addr()}, e.topic)
	defer w.Close()
	for start := 0; start < len(msgs); start += 5000 {
		chunk := msgs[start:min(start+5000, len(msgs))]
		var err error
		// A new topic's metadata can take seconds to reach the client's
		// cache (kafka-go refreshes it every 6 s): keep trying past that.
		for attempt := 0; attempt < 40; attempt++ {
			if err = w.WriteMessages(context.Background(), chunk...); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("produce: %w", err)
		}
	}
	e.msgs = append(e.msgs, msgs...)
	return nil
}

// generated returns the events of a generator run as Kafka messages, and
// feeds them to the expectation.
func (e *env) generated(tickets int, seed int64) []kafka.Message {
	e.t.Helper()
	return e.generatedWith(eventgen.Config{Seed: seed, Tickets: tickets, Days: 20})
}

// generatedWith is generated with any generator configuration.
func (e *env) generatedWith(cfg eventgen.Config) []kafka.Message {
	e.t.Helper()
	var out []kafka.Message
	err := eventgen.Generate(cfg, func(ev *event.Event) error {
		v, err := event.Marshal(ev)
		if err != nil {
			return err
		}
		e.expected.add(*ev)
		out = append(out, kafka.Message{Key: []byte(ev.TicketID), Value: v})
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// expectation is what the warehouse must hold, computed from the events
// themselves with no code from ingest, warehouse or ticket.
type expectation struct {
	events      map[string]event.Event
	deadLetters map[event.Reason]int
}

func newExpectation() expectation {
	return expectation{events: map[string]event.Event{}, deadLetters: map[event.Reason]int{}}
}

func (x *expectation) add(ev event.Event) {
	ev.SupportingAgents, ev.Tags = slices.Clone(ev.SupportingAgents), slices.Clone(ev.Tags)
	x.events[ev.ID] = ev
}

type ticketKey struct{ tenant, id string }

// figures derives the expected counts and each ticket's final status.
func (x *expectation) figures() (warehouse.Counts, map[ticketKey]string) {
	var c warehouse.Counts
	type last struct {
		at     time.Time
		id     string
		status string
	}
	latest := map[ticketKey]last{}
	for _, ev := range x.events {
		c.Events++
		if ev.Type == event.TypeTimeLogged {
			c.TimeEntries++
			if ev.Billable {
				c.BillableSeconds += uint64(ev.Seconds)
			}
		}
		k := ticketKey{ev.Tenant, ev.TicketID}
		l, seen := latest[k]
		if !seen {
			latest[k] = last{}
		}
		if ev.Status != "" && (ev.Type == event.TypeCreated || ev.Type == event.TypeStatusChanged) {
			if l.id == "" || ev.OccurredAt.After(l.at) || (ev.OccurredAt.Equal(l.at) && ev.ID > l.id) {
				latest[k] = last{ev.OccurredAt, ev.ID, string(ev.Status)}
			}
		}
	}
	c.Tickets = uint64(len(latest))
	for _, n := range x.deadLetters {
		c.DeadLetters += uint64(n)
	}
	status := map[ticketKey]string{}
	for k, l := range latest {
		status[k] = l.status
	}
	return c, status
}

// waitFor polls the warehouse until the counts equal want.
func (e *env) waitFor(want warehouse.Counts, timeout time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	var got warehouse.Counts
	var err error
	for time.Now().Before(deadline) {
		got, err = warehouse.ReadCounts(e.t.Context(), e.conn, e.db)
		if err == nil && got == want {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	e.t.Fatalf("after %s the warehouse holds %+v (err %v), want %+v", timeout, got, err, want)
}

// checkFigures verifies the counts, each ticket's status and that no event
// was folded twice into its ticket.
func (e *env) checkFigures(stage string, timeout time.Duration) {
	e.t.Helper()
	want, statuses := e.expected.figures()
	e.waitFor(want, timeout)
	rows, err := e.conn.Query(e.t.Context(), "SELECT tenant, ticket_id, status, version FROM "+e.db+".tickets FINAL")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var folded uint64
	n := 0
	for rows.Next() {
		var tenant, id, status string
		var version uint64
		if err := rows.Scan(&tenant, &id, &status, &version); err != nil {
			e.t.Fatal(err)
		}
		folded += version
		n++
		if w := statuses[ticketKey{tenant, id}]; w != status {
			e.t.Fatalf("%s: ticket %s/%s has status %q, want %q", stage, tenant, id, status, w)
		}
	}
	if folded != want.Events {
		e.t.Fatalf("%s: tickets folded %d events in all, want exactly %d (no event twice, none missing)", stage, folded, want.Events)
	}
	if n != len(statuses) {
		e.t.Fatalf("%s: %d ticket rows, want %d", stage, n, len(statuses))
	}
}

// wantSLAResults evaluates the policies on each ticket's history as given,
// as of its last event, keyed and formatted like storedSLAResults.
// expectedSLAResults evaluates the SLA of every ticket of events (in any
// order, repeats included) under the policy file, as wantSLAResults lays
// the results out.
func expectedSLAResults(t *testing.T, slaFile string, events []event.Event) map[string]string {
	t.Helper()
	policies, err := sla.LoadConfig(slaFile)
	if err != nil {
		t.Fatal(err)
	}
	byTicket := map[ticketKey][]event.Event{}
	for _, ev := range events {
		k := ticketKey{ev.Tenant, ev.TicketID}
		byTicket[k] = append(byTicket[k], ev)
	}
	for k, h := range byTicket {
		byTicket[k] = event.SortHistory(h)
	}
	return wantSLAResults(policies, byTicket)
}

func wantSLAResults(policies *sla.Config, byTicket map[ticketKey][]event.Event) map[string]string {
	want := map[string]string{}
	for k, h := range byTicket {
		for _, r := range policies.Evaluate(h, h[len(h)-1].OccurredAt) {
			want[fmt.Sprintf("%s/%s %s#%d", k.tenant, k.id, r.Metric, r.Cycle)] = fmt.Sprintf("%s %d %d %d %s %d", r.Policy, r.Target, r.Elapsed, r.Paused, r.State, len(h))
		}
	}
	return want
}

// storedSLAResults reads each ticket's results of its latest evaluated
// version from sla_results.
func (e *env) storedSLAResults() map[string]string {
	e.t.Helper()
	rows, err := e.conn.Query(e.t.Context(), `SELECT tenant, ticket_id, metric, cycle, policy, target_seconds, elapsed_seconds, paused_seconds, state, ticket_version
		FROM `+e.db+`.sla_results FINAL
		WHERE (tenant, ticket_id, ticket_version) IN (SELECT tenant, ticket_id, max(ticket_version) FROM `+e.db+`.sla_results GROUP BY tenant, ticket_id)`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var tenant, id, metric, policy, state string
		var cycle uint16
		var target, elapsed, paused uint32
		var version uint64
		if err := rows.Scan(&tenant, &id, &metric, &cycle, &policy, &target, &elapsed, &paused, &state, &version); err != nil {
			e.t.Fatal(err)
		}
		got[fmt.Sprintf("%s/%s %s#%d", tenant, id, metric, cycle)] = fmt.Sprintf("%s %d %d %d %s %d", policy, target, elapsed, paused, state, version)
	}
	return got
}

// skipShort skips a test that needs the shared servers, or starts its own,
// under -short: TestMain starts none then.
func skipShort(t testing.TB) {
	t.Helper()
	testkit.SkipShort(t, "ClickHouse and Kafka servers")
}

// freeAddr is a loopback host:port free a moment ago, for a child's HTTP.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tail is the last n bytes of a log, for a failure message.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
