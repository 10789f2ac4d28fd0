package main

// Kafka scale-out, end to end: several `slate ingest` processes in one
// consumer group on a 6-partition topic of a real Apache Kafka broker,
// while generated ticket lifecycles stream in. One instance joins under
// load, one is killed with SIGKILL mid-stream, one leaves with SIGTERM under
// load and a third joins. Everything expected is computed here from the
// produced events; the group's committed offsets are read from the broker.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/ingest"
	"github.com/slatehq/slate/warehouse"
)

func TestScaleOutRebalancesLoseAndDuplicateNothing(t *testing.T) {
	const partitions = 6
	e := newEnv(t, sharedCH, partitions)
	slaFile, err := filepath.Abs("../../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A killed instance's partitions move after the 6 s session timeout
	// (the broker's minimum) instead of the default 30 s.
	cfg, err := yaml.Marshal(map[string]any{"labels": eventgen.DefaultMapping(),
		"ingest": map[string]any{"batch_size": 3000, "batch_wait": "200ms", "retry_min": "100ms", "retry_max": "1s", "shutdown_timeout": "10s"},
		"kafka":  map[string]any{"session_timeout": "6s", "heartbeat_interval": "1s", "rebalance_timeout": "15s"},
		"sla":    map[string]any{"config": slaFile, "refresh_interval": "1s"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}

	msgs := e.generated(2500, 31) // ~28k events in global time order
	total := len(msgs)
	order := make(map[string]int, total) // event id -> position in the stream
	stream := make([]event.Event, total)
	dec := &event.Decoder{Labels: mustMapper(t)}
	for i, m := range msgs {
		if stream[i], err = dec.Decode(m.Value); err != nil {
			t.Fatal(err)
		}
		order[stream[i].ID] = i
	}

	// The producer streams the events in 40 paced chunks (~25 s) keyed by
	// ticket id, so every rebalance below happens with data arriving.
	var produced atomic.Int64
	prodDone := make(chan error, 1)
	go func() {
		w := ingest.NewWriter([]string{sharedKafka.Addr()}, e.topic)
		defer w.Close()
		chunk := (total + 39) / 40
		for start := 0; start < total; start += chunk {
			part := msgs[start:min(start+chunk, total)]
			var err error
			for attempt := 0; attempt < 40; attempt++ {
				if err = w.WriteMessages(context.Background(), part...); err == nil {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			if err != nil {
				prodDone <- fmt.Errorf("produce: %w", err)
				return
			}
			produced.Add(int64(len(part)))
			time.Sleep(600 * time.Millisecond)
		}
		prodDone <- nil
	}()
	stored := func() float64 {
		c, err := warehouse.ReadCounts(t.Context(), e.conn, e.db)
		if err != nil {
			return -1
		}
		return float64(c.Events)
	}
	info := "SLATE_LOG_LEVEL=info" // for the totals in the "ingest stopped" line

	a := e.startIngest(info)
	waitUntil(t, time.Minute, "15% stored by A alone", func() bool { return stored() >= 0.15*float64(total) })

	// Rebalance 1: B joins the group while the stream flows.
	b := e.startIngest(info)
	waitUntil(t, time.Minute, "B consuming and 45% stored", func() bool {
		return b.counter("slate_ingest_consumed_total") > 0 && stored() >= 0.45*float64(total)
	})

	// Rebalance 2: A crashes. Its last fetches may be stored but not
	// committed: they are delivered again to whoever gets the partitions.
	aConsumed, aStored := a.counter("slate_ingest_consumed_total"), a.counter("slate_ingest_inserted_total")
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	a.done <- nil
	if aConsumed <= 0 {
		t.Fatalf("A consumed %v before it was killed", aConsumed)
	}
	// Rebalance 3: C joins while A's membership has not expired yet.
	c := e.startIngest(info)
	waitUntil(t, 2*time.Minute, "C consuming and 75% stored", func() bool {
		return c.counter("slate_ingest_consumed_total") > 0 && stored() >= 0.75*float64(total)
	})

	// Rebalance 4: B leaves cleanly under load; it stores and commits what
	// it fetched, and C takes every partition.
	b.stop(t)
	bConsumed, bStored := stoppedTotal(t, b, "consumed"), stoppedTotal(t, b, "stored")

	if err := <-prodDone; err != nil {
		t.Fatal(err)
	}
	if produced.Load() != int64(total) {
		t.Fatalf("produced %d of %d", produced.Load(), total)
	}
	e.msgs = msgs
	e.checkFigures("after join, SIGKILL, join and SIGTERM", 3*time.Minute)

	// Exactly once in effect: each event id once after de-duplication,
	// whatever was delivered twice (checkFigures counted with FINAL).
	var distinct uint64
	if err := e.conn.QueryRow(t.Context(), "SELECT uniqExact(event_id) FROM "+e.db+".events").Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	if distinct != uint64(total) {
		t.Fatalf("%d distinct event ids stored, want %d", distinct, total)
	}

	// Order: each ticket's events sit in one partition, at offsets in the
	// order they were produced (first delivery of each event).
	checkPartitionOrder(t, e, order)

	// SLA clocks from the ordered history equal what ingest stored.
	checkSLA(t, e, slaFile, stream)

	// Shared: every instance consumed; together at least everything (more
	// when messages were delivered again after the crash).
	cConsumed, cStored := c.counter("slate_ingest_consumed_total"), c.counter("slate_ingest_inserted_total")
	t.Logf("%d events produced; consumed: A %.0f (until SIGKILL), B %.0f (until SIGTERM), C %.0f, delivered again %.0f; stored: A %.0f, B %.0f, C %.0f, stored again and collapsed %.0f; failed commits of C %.0f",
		total, aConsumed, bConsumed, cConsumed, aConsumed+bConsumed+cConsumed-float64(total),
		aStored, bStored, cStored, aStored+bStored+cStored-float64(total), c.counter(`slate_ingest_commits_total{result="failed"}`))
	if bConsumed <= 0 || cConsumed <= 0 {
		t.Fatalf("B consumed %v, C %v: the partitions were not shared", bConsumed, cConsumed)
	}
	if sum := aConsumed + bConsumed + cConsumed; sum < float64(total) {
		t.Fatalf("instances consumed %v in all, fewer than the %d produced", sum, total)
	}

	// No partition was left without a consumer: the group's committed
	// offsets reach the end of every partition.
	waitUntil(t, time.Minute, "committed offsets at the end of every partition", func() bool {
		lag, err := groupLag(t.Context(), e.topic, e.group, partitions)
		if err != nil {
			t.Logf("group lag: %v", err)
			return false
		}
		for _, l := range lag {
			if l != 0 {
				t.Logf("lag per partition: %v", lag)
				return false
			}
		}
		return true
	})
	c.stop(t)
}

// stoppedTotal reads a total ("consumed", "stored") from the "ingest
// stopped" line of a stopped instance's log: its metrics are gone with it.
func stoppedTotal(t *testing.T, in *ingester, name string) float64 {
	t.Helper()
	raw, err := os.ReadFile(in.log)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`msg="ingest stopped".* ` + name + `=(\d+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("no %s total in the stop line of:\n%s", name, tail(string(raw), 2000))
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

func checkPartitionOrder(t *testing.T, e *env, order map[string]int) {
	t.Helper()
	rs, err := e.conn.Query(t.Context(), "SELECT tenant, ticket_id, event_id, groupUniqArray(kafka_partition), min(kafka_offset) FROM "+e.db+".events GROUP BY tenant, ticket_id, event_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	type pos struct {
		produced int
		offset   int64
	}
	byTicket := map[ticketKey][]pos{}
	partOf := map[ticketKey]int32{}
	for rs.Next() {
		var tenant, ticket, id string
		var parts []int32
		var offset int64
		if err := rs.Scan(&tenant, &ticket, &id, &parts, &offset); err != nil {
			t.Fatal(err)
		}
		k := ticketKey{tenant, ticket}
		if len(parts) != 1 {
			t.Fatalf("event %s of ticket %s stored from partitions %v", id, ticket, parts)
		}
		if p, ok := partOf[k]; ok && p != parts[0] {
			t.Fatalf("ticket %s has events in partitions %d and %d", ticket, p, parts[0])
		}
		partOf[k] = parts[0]
		i, ok := order[id]
		if !ok {
			t.Fatalf("stored event %s was never produced", id)
		}
		byTicket[k] = append(byTicket[k], pos{i, offset})
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	used := map[int32]bool{}
	for k, ps := range byTicket {
		slices.SortFunc(ps, func(a, b pos) int { return a.produced - b.produced })
		for i := 1; i < len(ps); i++ {
			if ps[i].offset <= ps[i-1].offset {
				t.Fatalf("ticket %s: event produced %d-th is at offset %d, not after the previous one's %d", k.id, ps[i].produced, ps[i].offset, ps[i-1].offset)
			}
		}
		used[partOf[k]] = true
	}
	if len(used) < 4 {
		t.Fatalf("tickets landed in only %d partitions", len(used))
	}
}

// checkSLA compares the stored SLA results with the policies evaluated on
// each ticket's produced history.
func checkSLA(t *testing.T, e *env, slaFile string, stream []event.Event) {
	t.Helper()
	want := expectedSLAResults(t, slaFile, stream)
	read := func() map[string]string { return e.storedSLAResults() }
	var got map[string]string
	deadline := time.Now().Add(time.Minute)
	for got = read(); !reflect.DeepEqual(got, want); got = read() {
		if time.Now().After(deadline) {
			diffs := 0
			for k, w := range want {
				if got[k] != w && diffs < 5 {
					t.Logf("%s: stored %q, want %q", k, got[k], w)
					diffs++
				}
			}
			t.Fatalf("SLA results: %d stored, %d expected, differing", len(got), len(want))
		}
		time.Sleep(500 * time.Millisecond)
	}
	tickets := map[ticketKey]bool{}
	for _, ev := range stream {
		tickets[ticketKey{ev.Tenant, ev.TicketID}] = true
	}
	if len(want) < len(tickets) {
		t.Fatalf("only %d SLA results for %d tickets", len(want), len(tickets))
	}
}

func mustMapper(t *testing.T) *event.Mapper {
	t.Helper()
	m, err := event.NewMapper(eventgen.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// groupLag asks the broker for the group's committed offset and the end
// offset of every partition and returns end - committed per partition.
func groupLag(ctx context.Context, topic, group string, partitions int) (map[int]int64, error) {
	cl := &kafka.Client{Addr: kafka.TCP(sharedKafka.Addr()), Timeout: 10 * time.Second}
	ids := make([]int, partitions)
	reqs := make([]kafka.OffsetRequest, partitions)
	for p := range partitions {
		ids[p], reqs[p] = p, kafka.LastOffsetOf(p)
	}
	committed, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err != nil {
		return nil, err
	}
	if committed.Error != nil {
		return nil, committed.Error
	}
	ends, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, err
	}
	lag := map[int]int64{}
	for _, p := range ends.Topics[topic] {
		if p.Error != nil {
			return nil, p.Error
		}
		lag[p.Partition] = p.LastOffset
	}
	for _, p := range committed.Topics[topic] {
		if p.Error != nil {
			return nil, p.Error
		}
		lag[p.Partition] -= p.CommittedOffset // -1 (none) leaves lag above the end
	}
	if len(lag) != partitions {
		return nil, fmt.Errorf("offsets of %d partitions, want %d", len(lag), partitions)
	}
	return lag, nil
}
