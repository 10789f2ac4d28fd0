package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// poison returns bad messages, one per kind of bad input, and records the
// dead letters they must become.
func (e *env) poison() []kafka.Message {
	valid := func(id, ticket, typ, data string) []byte {
		return []byte(fmt.Sprintf(`{"schema":1,"event_id":%q,"type":%q,"tenant":"acme","ticket_id":%q,"occurred_at":"2026-01-10T10:00:00.5Z","actor":{"type":"agent","id":"a1"},"data":%s}`, id, typ, ticket, data))
	}
	big := bytes.Repeat([]byte(" "), event.MaxPayloadBytes+1)
	cases := []struct {
		reason event.Reason
		value  []byte
	}{
		{event.ReasonMalformedJSON, []byte(`{"schema":1,"event_id":`)},
		{event.ReasonInvalidUTF8, []byte("{\"schema\":1,\"event_id\":\"\xff\xfe\"}")},
		{event.ReasonUnknownType, valid("p-type", "P1", "ticket.exploded", `{}`)},
		{event.ReasonUnknownLabel, valid("p-label", "P2", "ticket.status_changed", `{"status":"Đang bay"}`)},
		{event.ReasonMissingField, []byte(`{"schema":1,"type":"ticket.rated","tenant":"acme","ticket_id":"P3","occurred_at":"2026-01-10T10:00:00Z","actor":{"type":"customer","id":"c"},"data":{"rating":5}}`)},
		{event.ReasonBadTimestamp, []byte(`{"schema":1,"event_id":"p-ts","type":"ticket.rated","tenant":"acme","ticket_id":"P4","occurred_at":"10/01/2026 10:00","actor":{"type":"customer","id":"c"},"data":{"rating":5}}`)},
		{event.ReasonTooLarge, big},
		{event.ReasonUnsupportedSchema, []byte(`{"schema":2,"event_id":"p-schema"}`)},
	}
	var out []kafka.Message
	for i, c := range cases {
		out = append(out, kafka.Message{Key: []byte(fmt.Sprintf("P%d", i)), Value: c.value})
		e.expected.deadLetters[c.reason]++
	}
	return out
}

func interleave(good, bad []kafka.Message) []kafka.Message {
	out := make([]kafka.Message, 0, len(good)+len(bad))
	step := len(good)/(len(bad)+1) + 1
	for i, m := range good {
		if i%step == step/2 && len(bad) > 0 {
			out = append(out, bad[0])
			bad = bad[1:]
		}
		out = append(out, m)
	}
	return append(out, bad...)
}

func TestIngestEndToEndWithPoisonAndReplays(t *testing.T) {
	e := newEnv(t, sharedCH, 3)
	bad := e.poison()
	e.produce(interleave(e.generated(1500, 11), bad))
	in := e.startIngest()
	e.checkFigures("first delivery", 2*time.Minute)

	// Every dead letter keeps its payload, reason and Kafka position.
	rows, err := e.conn.Query(t.Context(), "SELECT reason, count(), min(length(detail)), min(payload_bytes), min(kafka_offset) FROM "+e.db+".dead_letters FINAL GROUP BY reason")
	if err != nil {
		t.Fatal(err)
	}
	got := map[event.Reason]uint64{}
	for rows.Next() {
		var reason string
		var n, detail uint64
		var size uint32
		var offset int64
		if err := rows.Scan(&reason, &n, &detail, &size, &offset); err != nil {
			t.Fatal(err)
		}
		if detail == 0 || size == 0 || offset < 0 {
			t.Errorf("dead letters %s lack detail, payload or position", reason)
		}
		got[event.Reason(reason)] = n
	}
	rows.Close()
	for r, n := range e.expected.deadLetters {
		if got[r] != uint64(n) {
			t.Errorf("dead letters %s: %d, want %d", r, got[r], n)
		}
	}
	if v := in.counter("slate_ingest_dead_lettered_total"); v != float64(len(bad)) {
		t.Errorf("dead-lettered metric %v, want %d", v, len(bad))
	}

	// Replay 1: the producer sends everything again. Events collapse by id;
	// dead letters are kept per Kafka position, so each bad message received
	// again is one more dead letter (a consumer-side replay, below, adds none).
	before := in.counter("slate_ingest_consumed_total")
	e.produce(append([]kafka.Message(nil), e.msgs...))
	for r := range e.expected.deadLetters {
		e.expected.deadLetters[r] *= 2
	}
	waitUntil(t, 2*time.Minute, "replayed messages consumed", func() bool {
		return in.counter("slate_ingest_consumed_total") >= 2*before
	})
	e.checkFigures("after the producer replayed the topic", time.Minute)
	in.stop(t)

	// Replay 2: a new consumer group reads the whole topic from the start.
	e.group += "-again"
	in2 := e.startIngest()
	waitUntil(t, 2*time.Minute, "new group consumed the topic", func() bool {
		return in2.counter("slate_ingest_consumed_total") >= float64(len(e.msgs))
	})
	e.checkFigures("after a new group re-read the topic", time.Minute)
	resp, err := http.Get(strings.TrimSuffix(in2.metrics, "/metrics") + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for: %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestIngestRidesOutAClickHouseOutage(t *testing.T) {
	ch, err := chserver.Start(t.Context(), chserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	e := newEnv(t, ch, 2)
	msgs := e.generated(1200, 12)
	half := len(msgs) / 2
	e.produce(msgs[:half])
	in := e.startIngest()
	waitUntil(t, 2*time.Minute, "first half stored", func() bool {
		c, err := warehouse.ReadCounts(t.Context(), e.conn, e.db)
		return err == nil && c.Events > 0 && in.counter("slate_ingest_inserted_total") >= float64(half)
	})
	if err := ch.Stop(); err != nil {
		t.Fatal(err)
	}
	e.produce(msgs[half:])
	waitUntil(t, time.Minute, "store failures while ClickHouse is down", func() bool {
		return in.counter("slate_ingest_store_errors_total") >= 2
	})
	resp, err := http.Get(strings.TrimSuffix(in.metrics, "/metrics") + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz answered %d while ClickHouse is down", resp.StatusCode)
	}
	time.Sleep(3 * time.Second) // down for a while, retrying
	if err := ch.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.checkFigures("after ClickHouse came back", 2*time.Minute)
	in.stop(t)
}

func TestIngestKilledRepeatedlyLosesAndDuplicatesNothing(t *testing.T) {
	e := newEnv(t, sharedCH, 4)
	msgs := e.generated(17700, 13) // about 200k events
	if len(msgs) < 200_000 {
		t.Fatalf("only %d events generated; the test wants 200k", len(msgs))
	}
	produced := make(chan error, 1)
	go func() { produced <- e.send(msgs) }() // the stream keeps arriving while ingest dies
	// SLA on: each unit stores its tickets' SLA rows with their states,
	// and those too must come out as if every event had arrived once
	slaFile, err := filepath.Abs("../../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withSLA := "SLATE_SLA_CONFIG=" + slaFile
	kills := 0
	for _, frac := range []float64{0.15, 0.4, 0.65} {
		in := e.startIngest(withSLA)
		target := frac * float64(len(msgs))
		waitUntil(t, 3*time.Minute, fmt.Sprintf("%.0f%% stored before kill %d", frac*100, kills+1), func() bool {
			c, err := warehouse.ReadCounts(t.Context(), e.conn, e.db)
			return err == nil && float64(c.Events) >= target
		})
		if err := in.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-in.done
		in.done <- nil
		kills++
	}
	in := e.startIngest(withSLA)
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	e.checkFigures(fmt.Sprintf("after %d SIGKILLs", kills), 4*time.Minute)
	in.stop(t)
	checkSLA(t, e, slaFile, slices.Collect(maps.Values(e.expected.events)))
}

func TestTwoIngestersSharePartitions(t *testing.T) {
	e := newEnv(t, sharedCH, 4)
	a := e.startIngest()
	b := e.startIngest()
	// The second instance's join rebalances the group, which takes longer
	// on a loaded machine than any fixed pause: produce a slice at a time
	// until both have consumed (the first alone takes every partition
	// until then), then the rest.
	msgs := e.generated(3000, 14)
	const step = 500
	sent := 0
	for deadline := time.Now().Add(time.Minute); sent < len(msgs) && time.Now().Before(deadline); {
		next := min(sent+step, len(msgs))
		e.produce(msgs[sent:next])
		sent = next
		time.Sleep(2 * time.Second)
		if a.counter("slate_ingest_consumed_total") > 0 && b.counter("slate_ingest_consumed_total") > 0 {
			break
		}
	}
	e.produce(msgs[sent:])
	e.checkFigures("two instances", 3*time.Minute)
	ca, cb := a.counter("slate_ingest_consumed_total"), b.counter("slate_ingest_consumed_total")
	if ca <= 0 || cb <= 0 {
		t.Fatalf("instances consumed %v and %v: the partitions were not shared", ca, cb)
	}
	if ca+cb < float64(len(e.msgs)) {
		t.Fatalf("consumed %v in all, fewer than the %d messages", ca+cb, len(e.msgs))
	}
	a.stop(t)
	b.stop(t)
}

func TestMigrateCommandIsIdempotent(t *testing.T) {
	e := newEnv(t, sharedCH, 1) // newEnv has migrated once already
	out, err := e.command("migrate").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Contains(string(out), ": applied") || !strings.Contains(string(out), "0001_events: already applied") {
		t.Fatalf("second migrate:\n%s", out)
	}
}

func TestBadConfigStopsStartupNamingTheField(t *testing.T) {
	for envVar, field := range map[string]string{
		"SLATE_INGEST_BATCH_SIZE=0":      "ingest.batch_size",
		"SLATE_INGEST_PART_ROWS=500":     "ingest.part_rows",
		"SLATE_INGEST_STATE_CACHE=-1":    "ingest.state_cache",
		"SLATE_KAFKA_BROKERS=nohostport": "kafka.brokers",
		"SLATE_CLICKHOUSE_DATABASE=a;b":  "clickhouse.database",
		"SLATE_LOG_LEVEL=loud":           "log.level",
		"SLATE_INGEST_BATCH_WAIT=soon":   "SLATE_INGEST_BATCH_WAIT",
	} {
		cmd := newEnvless("ingest")
		cmd.Env = append(cmd.Env, envVar)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), field) {
			t.Errorf("%s: want a failure naming %s, got %v: %s", envVar, field, err, out)
		}
	}
	dir := t.TempDir()
	path := dir + "/bad.yaml"
	if err := os.WriteFile(path, []byte("kafka:\n  topik: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := dir + "/sla.yaml"
	if err := os.WriteFile(bad, []byte("policies:\n  - name: p\n    calendar: office\n    targets: {first_reply: {low: 1h}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := newEnvless("config", "check", "--sla", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), bad+":3: policies[0].calendar: no calendar named") {
		t.Errorf("bad SLA file: want file, line and field, got %v: %s", err, out)
	}
	out, err = newEnvless("config", "check", "--sla", "../../deploy/sla.example.yaml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "3 policies") {
		t.Errorf("example SLA file: %v: %s", err, out)
	}
	out, err = newEnvless("config", "check", "--config", path).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "line 2") || !strings.Contains(string(out), "topik") {
		t.Errorf("unknown field: want file, line and field, got %v: %s", err, out)
	}
	// E-mail settings and the schedules in the file are checked at startup
	// as the API checks them.
	mailOK := "mail:\n  smtp: {host: smtp.example.com, from: reports@example.com}\n  schedules:\n" +
		"    - {id: d, name: Daily, cron: '0 7 * * *', period: day, reports: [volume], recipients: [a@example.com]}\n"
	for yamlText, field := range map[string]string{
		strings.Replace(mailOK, "smtp.example.com", "smtp.example.com, tls: ssl", 1):                                        "mail.smtp.tls",
		strings.Replace(mailOK, "reports@example.com", "nobody", 1):                                                         "mail.smtp.from",
		strings.Replace(mailOK, "0 7 * * *", "daily at 7", 1):                                                               "mail.schedules[0].cron",
		strings.Replace(mailOK, "[volume]", "[volume, nope]", 1):                                                            "mail.schedules[0].reports[1]",
		strings.Replace(mailOK, "[a@example.com]", "[]", 1):                                                                 "mail.schedules[0].recipients",
		strings.Replace(mailOK, "id: d, ", "", 1):                                                                           "mail.schedules[0].id",
		strings.Replace(mailOK, "{host: smtp.example.com, from: reports@example.com}", "{}", 1):                             "mail.smtp.host",
		mailOK + "  runner: {retry_base: 0s}\n":                                                                             "mail.runner.retry_base",
		strings.Replace(mailOK, "from: reports@example.com", "from: reports@example.com, username: u", 1):                   "mail.smtp.password",
		strings.Replace(mailOK, "period: day", "period: day, tz: right/UTC", 1):                                             "mail.schedules[0].tz",
		mailOK + "  limits: {max_recipients: 0}\n":                                                                          "mail.limits.max_recipients",
		mailOK + "  limits: {send_now_per_principal: -1}\n":                                                                 "mail.limits.send_now_per_principal",
		mailOK + "  limits: {send_now_window: 0s}\n":                                                                        "mail.limits.send_now_window",
		mailOK + "  limits: {allowed_domains: [example.com, '@evil']}\n":                                                    "mail.limits.allowed_domains[1]",
		mailOK + "  limits: {allowed_domains: [example.vn]}\n":                                                              "mail.schedules[0].recipients[0]",
		strings.Replace(mailOK, "[a@example.com]", "[a@example.com, b@example.com]", 1) + "  limits: {max_recipients: 1}\n": "mail.schedules[0].recipients",
	} {
		p := filepath.Join(dir, "mail.yaml")
		if err := os.WriteFile(p, []byte(yamlText), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := newEnvless("config", "check", "--config", p).CombinedOutput()
		if err == nil || !strings.Contains(string(out), field+":") {
			t.Errorf("want a failure naming %s, got %v: %s\n%s", field, err, out, yamlText)
		}
	}
	p := filepath.Join(dir, "mail.yaml")
	if err := os.WriteFile(p, []byte(mailOK), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := newEnvless("config", "check", "--config", p).CombinedOutput(); err != nil {
		t.Errorf("good mail config refused: %v: %s", err, out)
	}
}

func newEnvless(args ...string) *exec.Cmd {
	cmd := exec.Command(slateBin, args...)
	cmd.Env = os.Environ()
	return cmd
}

// The newcomer's command: the demo must come up on its own, load its data,
// say where to look, and serve the dashboards and the API there; SIGTERM
// stops it cleanly.
func TestDemoLoadsAndReports(t *testing.T) {
	d := startDemo(t, "--tickets", "300", "--days", "7")
	for _, want := range []string{"Slate demo is running.", "events produced:", "clickhouse-client --host 127.0.0.1 --port ", "/metrics",
		"SLA results:       ../../deploy/sla.example.yaml -> table sla_results", "dashboards:        http://127.0.0.1:",
		"live events:       2 a second"} {
		if !strings.Contains(d.text, want) {
			t.Fatalf("demo output lacks %q:\n%s\n%s", want, d.text, tail(d.stderr.String(), 2000))
		}
	}
	if strings.Contains(d.text, "127.0.0.1:0/") {
		t.Errorf("demo printed an unbound address:\n%s", d.text)
	}
	// The default range (the last 30 days) holds the demo's tickets.
	if code, body := d.get(t, "/dashboards/manager"); code != 200 || !strings.Contains(body, `data-chart="volume"`) {
		t.Errorf("manager dashboard: %d %.300s", code, body)
	}
	waitUntil(t, 30*time.Second, "SLA results in the demo", func() bool {
		code, body := d.get(t, "/api/v1/reports/sla_compliance")
		return code == 200 && strings.Contains(body, `"first_reply"`)
	})
	if code, _ := d.get(t, "/api/v1/reports/volume?grain=day"); code != 200 {
		t.Errorf("volume: %d", code)
	}
	d.stop(t)
}

// `slate sla eval` on a hand-worked ticket (deploy/sla.example.yaml, the
// default policy: Berlin office hours 09:00-17:00, resolution normal 40h):
// created Mon 2 Mar 09:00 Berlin, pending 10:00-14:00, solved 16:00 ->
// 1h + 2h = 3h of business time, 4h paused, achieved.
func TestSLAEvalCommand(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"schema":1,"event_id":"a1","type":"ticket.created","tenant":"acme","ticket_id":"T9","occurred_at":"2026-03-02T08:00:00Z","actor":{"type":"customer","id":"c"},"data":{"channel":"email","customer":"c","status":"new","priority":"normal"}}`,
		`{"schema":1,"event_id":"a3","type":"ticket.status_changed","tenant":"acme","ticket_id":"T9","occurred_at":"2026-03-02T13:00:00Z","actor":{"type":"customer","id":"c"},"data":{"status":"open"}}`,
		`{"schema":1,"event_id":"a2","type":"ticket.status_changed","tenant":"acme","ticket_id":"T9","occurred_at":"2026-03-02T09:00:00Z","actor":{"type":"agent","id":"a"},"data":{"status":"pending"}}`,
		`{"schema":1,"event_id":"a4","type":"ticket.status_changed","tenant":"acme","ticket_id":"T9","occurred_at":"2026-03-02T15:00:00Z","actor":{"type":"agent","id":"a"},"data":{"status":"solved"}}`,
	}
	path := dir + "/events.ndjson"
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := newEnvless("sla", "eval", "--config", "../../deploy/sla.example.yaml", "--events", path, "--now", "2026-03-03T00:00:00Z").Output()
	if err != nil {
		t.Fatalf("sla eval: %v", err)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			Metric  string `json:"metric"`
			Cycle   int    `json:"cycle"`
			Policy  string `json:"policy"`
			Elapsed int64  `json:"elapsed_seconds"`
			Paused  int64  `json:"paused_seconds"`
			State   string `json:"state"`
			Target  int64  `json:"target_seconds"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if r.Metric == "resolution" && r.Cycle == 1 {
			found = true
			if r.Policy != "default" || r.Elapsed != 3*3600 || r.Paused != 4*3600 || r.State != "achieved" || r.Target != 40*3600 {
				t.Errorf("resolution: %+v", r)
			}
		}
	}
	if !found {
		t.Fatalf("no resolution result in:\n%s", out)
	}

	// docs/sla.md's first-reply example on the weekend Berlin's clocks go
	// forward: created Friday 27 Mar 16:30 CET by a customer, urgent (1h,
	// 09:00-17:00), answered Monday 30 Mar 09:45 CEST: 30 + 45 = 75 min,
	// warned (75%, 90%) at Monday 09:15 and 09:24, breached at Monday 09:30
	// CEST. Every instant is printed in UTC, those whose computation
	// crossed the change included.
	dst := []string{
		`{"schema":1,"event_id":"d1","type":"ticket.created","tenant":"acme","ticket_id":"T10","occurred_at":"2026-03-27T15:30:00Z","actor":{"type":"customer","id":"c"},"data":{"channel":"email","customer":"c","status":"new","priority":"urgent"}}`,
		`{"schema":1,"event_id":"d2","type":"ticket.message","tenant":"acme","ticket_id":"T10","occurred_at":"2026-03-30T07:45:00Z","actor":{"type":"agent","id":"a"},"data":{"kind":"public_reply"}}`,
	}
	if err := os.WriteFile(path, []byte(strings.Join(dst, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = newEnvless("sla", "eval", "--config", "../../deploy/sla.example.yaml", "--events", path, "--now", "2026-03-30T12:00:00+02:00").Output()
	if err != nil {
		t.Fatalf("sla eval: %v", err)
	}
	found = false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			Metric   string    `json:"metric"`
			Cycle    int       `json:"cycle"`
			Elapsed  int64     `json:"elapsed_seconds"`
			State    string    `json:"state"`
			Start    string    `json:"start"`
			Deadline *string   `json:"deadline"`
			Stop     *string   `json:"stop"`
			Breached *string   `json:"breached_at"`
			Warned   []*string `json:"warned_at"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		for _, x := range append([]*string{&r.Start, r.Deadline, r.Stop, r.Breached}, r.Warned...) {
			if x != nil && !strings.HasSuffix(*x, "Z") {
				t.Errorf("%s#%d: %s is not in UTC: %s", r.Metric, r.Cycle, *x, line)
			}
		}
		if r.Metric == "first_reply" && r.Cycle == 1 {
			found = true
			if r.Elapsed != 75*60 || r.State != "breached" || r.Breached == nil || *r.Breached != "2026-03-30T07:30:00Z" ||
				len(r.Warned) != 2 || r.Warned[0] == nil || *r.Warned[0] != "2026-03-30T07:15:00Z" || r.Warned[1] == nil || *r.Warned[1] != "2026-03-30T07:24:00Z" {
				t.Errorf("first reply over the DST weekend: %s", line)
			}
		}
	}
	if !found {
		t.Fatalf("no first_reply result in:\n%s", out)
	}

	// A bad line is named and makes the command fail, but the rest is evaluated.
	if err := os.WriteFile(path, []byte(lines[0]+"\n{oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := newEnvless("sla", "eval", "--config", "../../deploy/sla.example.yaml", "--events", path, "--now", "2026-03-03T00:00:00Z")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err == nil || !strings.Contains(stderr.String(), path+":2: malformed_json") || !strings.Contains(string(stdout), `"metric":"resolution"`) {
		t.Errorf("bad line: err %v\nstderr %s\nstdout %s", err, stderr.String(), stdout)
	}
}

// Events through Kafka and ingest give the same SLA rows as evaluating the
// same events directly (what `slate sla eval` prints), and `slate sla
// recompute` re-derives them from the stored events unchanged.
func TestIngestStoresSLAResults(t *testing.T) {
	e := newEnv(t, sharedCH, 2)
	slaFile, err := filepath.Abs("../../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e.produce(e.generated(400, 21))
	in := e.startIngest("SLATE_SLA_CONFIG=" + slaFile)
	e.checkFigures("before SLA", 2*time.Minute)

	want := expectedSLAResults(t, slaFile, slices.Collect(maps.Values(e.expected.events)))
	read := func() map[string]string { return e.storedSLAResults() }
	var got map[string]string
	waitUntil(t, 2*time.Minute, "SLA results for every ticket's final history", func() bool {
		got = read()
		return reflect.DeepEqual(got, want)
	})
	if len(want) < 400 {
		t.Fatalf("only %d results for 400 tickets", len(want))
	}
	if v := in.counter("slate_sla_refreshed_tickets_total"); v < 400 {
		t.Errorf("refreshed-tickets metric %v", v)
	}
	in.stop(t)

	tickets := map[ticketKey]bool{}
	for _, ev := range e.expected.events {
		tickets[ticketKey{ev.Tenant, ev.TicketID}] = true
	}
	cmd := e.command("sla", "recompute", "--quiet")
	cmd.Env = append(cmd.Env, "SLATE_SLA_CONFIG="+slaFile)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("re-evaluated %d tickets", len(tickets))) {
		t.Fatalf("recompute: %v\n%s", err, out)
	}
	if after := read(); !reflect.DeepEqual(after, want) {
		t.Fatal("recompute changed the SLA results")
	}
}
