package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/fault"
)

// memSource is an in-memory stand-in for a consumer-group reader: it tests
// the batching and commit logic, not Kafka (the e2e tests use a real broker).
type memSource struct {
	mu        sync.Mutex
	msgs      []kafka.Message
	next      int
	committed map[int]int64 // partition -> next offset to read
	commits   int
	replays   int
	fetchErrs map[int]error // returned instead of the message at this index, once
}

func (s *memSource) FetchMessage(ctx context.Context) (kafka.Message, error) {
	s.mu.Lock()
	if err, ok := s.fetchErrs[s.next]; ok {
		delete(s.fetchErrs, s.next)
		s.mu.Unlock()
		return kafka.Message{}, err
	}
	if s.next < len(s.msgs) {
		m := s.msgs[s.next]
		s.next++
		s.mu.Unlock()
		return m, nil
	}
	s.mu.Unlock()
	<-ctx.Done()
	return kafka.Message{}, ctx.Err()
}

// Replay reads the runs again from the messages, as a partition reader
// reads the log; replays counts the calls.
func (s *memSource) Replay(_ context.Context, runs []event.Span, fn func(kafka.Message) error) error {
	s.mu.Lock()
	s.replays++
	msgs := slices.Clone(s.msgs)
	s.mu.Unlock()
	for _, r := range runs {
		var part []kafka.Message
		for _, m := range msgs {
			if m.Topic == r.Topic && m.Partition == int(r.Partition) && m.Offset >= r.First && m.Offset <= r.Last {
				part = append(part, m)
			}
		}
		// the log holds each offset once, in order
		slices.SortFunc(part, func(a, b kafka.Message) int { return int(a.Offset - b.Offset) })
		part = slices.CompactFunc(part, func(a, b kafka.Message) bool { return a.Offset == b.Offset })
		for _, m := range part {
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *memSource) CommitMessages(_ context.Context, msgs ...kafka.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	for _, m := range msgs {
		if m.Offset+1 > s.committed[m.Partition] {
			s.committed[m.Partition] = m.Offset + 1
		}
	}
	return nil
}

func (s *memSource) committedOffsets() map[int]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps(s.committed)
}

func maps(m map[int]int64) map[int]int64 {
	out := map[int]int64{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// memStore records what it stored and can fail on demand. Like the
// warehouse, it makes a unit's batches visible only when the unit commits.
type memStore struct {
	mu          sync.Mutex
	failNext    int    // transient failures before the next successful commit
	failAdds    int    // transient failures of Add before the next success
	rejectID    string // any unit holding this event id is refused permanently
	alwaysFail  bool
	refuseDLs   bool // every unit with a dead letter is refused permanently
	events      []string
	deadLetters []event.DeadLetter
	calls       []int      // messages of each committed or refused unit
	adds        []int      // messages of each Add
	src         *memSource // to check nothing is committed before it is stored
	violations  []string
	sealed      *memUnit      // the unit sealed last
	sealDelay   time.Duration // before a sealed unit is stored; 1 ms when zero
	open        *memUnit      // begun and not yet sealed or aborted: the warehouse holds one at a time
}

// memUnit keeps the warehouse's contract for units sealed in the
// background: Seal stores the unit a little later, on a goroutine; a unit
// begun while the one before it was being stored waits for that one at
// Seal or Abort, and fails if it failed.
type memUnit struct {
	s     *memStore
	recs  []event.Record
	dls   []event.DeadLetter
	over  bool
	after *memUnit      // the unit sealed before this one began, if being stored
	done  chan struct{} // closed once sealed and stored or failed
	err   error
}

func (s *memStore) Begin(context.Context) Unit {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &memUnit{s: s, done: make(chan struct{})}
	if s.open != nil {
		// the warehouse's writer would wait for it forever
		s.violations = append(s.violations, "Begin while another unit is open")
	}
	s.open = u
	if p := s.sealed; p != nil {
		select {
		case <-p.done:
		default:
			u.after = p
		}
	}
	return u
}

func (u *memUnit) Add(_ context.Context, b *event.Batch) error {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.over {
		s.violations = append(s.violations, "Add to a unit that is over")
	}
	s.adds = append(s.adds, len(b.Records)+len(b.DeadLetters))
	if s.failAdds > 0 {
		s.failAdds--
		u.over = true
		if s.open == u { // a failed Add ends the unit
			s.open = nil
		}
		return fault.Errorf(fault.Unavailable, "broken pipe")
	}
	// copies: the ingester reuses its record arrays once Add returns
	for _, r := range b.Records {
		r.Payload = slices.Clone(r.Payload)
		u.recs = append(u.recs, r)
	}
	u.dls = append(u.dls, b.DeadLetters...)
	return nil
}

func (u *memUnit) Abort() {
	if u.after != nil {
		<-u.after.done
	}
	u.over = true
	u.close()
}

// close ends the unit's hold on the store.
func (u *memUnit) close() {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	if u.s.open == u {
		u.s.open = nil
	}
}

func (u *memUnit) Commit(ctx context.Context) error { return <-u.Seal(ctx) }

func (u *memUnit) Seal(context.Context) <-chan error {
	stored := make(chan error, 1)
	defer u.close()
	if u.after != nil {
		if <-u.after.done; u.after.err != nil {
			u.over = true
			stored <- fault.Errorf(fault.Unavailable, "the unit before was not stored")
			return stored
		}
	}
	u.s.mu.Lock()
	u.s.sealed = u
	u.s.mu.Unlock()
	go func() {
		delay := u.s.sealDelay
		if delay == 0 {
			delay = time.Millisecond
		}
		time.Sleep(delay) // the next unit begins meanwhile
		u.err = u.store()
		close(u.done)
		stored <- u.err
	}()
	return stored
}

func (u *memUnit) store() error {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.over {
		s.violations = append(s.violations, "Commit of a unit that is over")
	}
	u.over = true
	recs, dls := u.recs, u.dls
	s.calls = append(s.calls, len(recs)+len(dls))
	if s.alwaysFail {
		return fault.Errorf(fault.Unavailable, "clickhouse is down")
	}
	if s.failNext > 0 {
		s.failNext--
		return fault.Errorf(fault.Unavailable, "connection refused")
	}
	if s.refuseDLs && len(dls) > 0 {
		return fault.Errorf(fault.Permanent, "code 44: dead_letters has no such column")
	}
	for _, r := range recs {
		if s.rejectID != "" && r.Event.ID == s.rejectID {
			return fault.Errorf(fault.Permanent, "code 53: type mismatch")
		}
	}
	if s.src != nil {
		for p, off := range s.src.committedOffsets() {
			for _, r := range recs {
				if int(r.Source.Partition) == p && r.Source.Offset < off {
					s.violations = append(s.violations, fmt.Sprintf("offset %d of partition %d committed before it was stored", r.Source.Offset, p))
				}
			}
		}
	}
	for _, r := range recs {
		s.events = append(s.events, r.Event.ID)
	}
	s.deadLetters = append(s.deadLetters, dls...)
	return nil
}

func (s *memStore) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func (s *memSource) fetched() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next
}

func (s *memSource) commitCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits
}

func (s *memStore) stored() ([]string, []event.DeadLetter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events), slices.Clone(s.deadLetters)
}

func eventJSON(id, ticket string, sec int) []byte {
	return []byte(fmt.Sprintf(`{"schema":1,"event_id":%q,"type":"ticket.message","tenant":"acme","ticket_id":%q,"occurred_at":"2026-03-02T09:00:%02dZ","actor":{"type":"agent","id":"a1"},"data":{"kind":"public_reply"}}`, id, ticket, sec))
}

func msg(partition int, offset int64, value []byte) kafka.Message {
	return kafka.Message{Topic: "events", Partition: partition, Offset: offset, Value: value, HighWaterMark: offset + 1}
}

type harness struct {
	src   *memSource
	store *memStore
	in    *Ingester
	m     *Metrics
}

func newHarness(msgs []kafka.Message, cfg Config) *harness {
	src := &memSource{msgs: msgs, committed: map[int]int64{}}
	store := &memStore{src: src}
	m := NewMetrics(prometheus.NewRegistry())
	in := New(src, store, &event.Decoder{}, cfg, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &harness{src: src, store: store, in: in, m: m}
}

func testConfig() Config {
	c := DefaultConfig()
	c.BatchSize, c.BatchWait, c.RetryMin, c.RetryMax, c.ShutdownTimeout = 4, 50*time.Millisecond, time.Millisecond, 5*time.Millisecond, 2*time.Second
	return c
}

// run consumes until want messages have been stored or dead-lettered, then
// stops the ingester and waits for it.
func (h *harness) run(t *testing.T, until func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.in.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for !until() {
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("timed out waiting for the ingester")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(h.store.violations) > 0 {
		t.Fatal(h.store.violations)
	}
}

func TestBatchesBySizeAndTimeAndCommitsAfterStore(t *testing.T) {
	var msgs []kafka.Message
	for i := 0; i < 10; i++ {
		msgs = append(msgs, msg(i%2, int64(i/2), eventJSON(fmt.Sprintf("e%d", i), fmt.Sprintf("T%d", i%2), i)))
	}
	h := newHarness(msgs, testConfig())
	h.run(t, func() bool { ev, _ := h.store.stored(); return len(ev) == 10 })
	if got := h.store.calls; !slices.Equal(got, []int{4, 4, 2}) {
		t.Errorf("store calls %v, want batches of 4, 4 and the 2 left flushed by time", got)
	}
	if got := h.src.committedOffsets(); got[0] != 5 || got[1] != 5 {
		t.Errorf("committed %v, want both partitions at offset 5", got)
	}
	if v := testutil.ToFloat64(h.m.Inserted); v != 10 {
		t.Errorf("inserted metric %v", v)
	}
}

// A unit larger than a block reaches the store as several Adds and is
// committed once, after its last block.
func TestUnitStreamsBlocksAndCommitsOnce(t *testing.T) {
	var msgs []kafka.Message
	for i := 0; i < 10; i++ {
		msgs = append(msgs, msg(0, int64(i), eventJSON(fmt.Sprintf("e%d", i), "T1", i)))
	}
	cfg := testConfig()
	cfg.BatchSize = 6
	h := newHarness(msgs, cfg)
	h.in.block = 2
	h.run(t, func() bool { ev, _ := h.store.stored(); return len(ev) == 10 })
	if !slices.Equal(h.store.adds, []int{2, 2, 2, 2, 2}) || !slices.Equal(h.store.calls, []int{6, 4}) {
		t.Errorf("adds %v commits %v, want blocks of 2 in units of 6 and the 4 left by time", h.store.adds, h.store.calls)
	}
	if h.src.commitCount() != 2 || h.src.committedOffsets()[0] != 10 {
		t.Errorf("commits=%d offsets=%v, want one commit per unit", h.src.commitCount(), h.src.committedOffsets())
	}
}

// partitionLog is n events on partition 0 as a consumer reads them: each
// message carries the partition's end (high-water mark) as of the fetch.
func partitionLog(n int) []kafka.Message {
	var msgs []kafka.Message
	for i := 0; i < n; i++ {
		m := msg(0, int64(i), eventJSON(fmt.Sprintf("e%d", i), "T1", i%60))
		m.HighWaterMark = int64(n)
		msgs = append(msgs, m)
	}
	return msgs
}

// storedWithin runs h until want events are stored and returns how long
// that took from the start of Run.
func storedWithin(t *testing.T, h *harness, want int) time.Duration {
	t.Helper()
	start := time.Now()
	var took time.Duration
	h.run(t, func() bool {
		ev, _ := h.store.stored()
		took = time.Since(start)
		return len(ev) == want
	})
	return took
}

// A unit of at least a block is stored once its partitions are caught up,
// not at batch_wait (an hour here: waiting for it times the test out).
func TestCaughtUpUnitOfABlockIsStoredBeforeBatchWait(t *testing.T) {
	cfg := testConfig()
	cfg.BatchSize, cfg.BatchWait = 100, time.Hour
	h := newHarness(partitionLog(5), cfg)
	h.in.block = 2
	storedWithin(t, h, 5)
	if !slices.Equal(h.store.calls, []int{5}) {
		t.Errorf("commits %v, want one unit of 5", h.store.calls)
	}
}

// After a unit that filled up, the rest of the backlog is stored once
// caught up however small it is.
func TestBacklogTailIsStoredOnceCaughtUp(t *testing.T) {
	cfg := testConfig()
	cfg.BatchSize, cfg.BatchWait = 4, time.Hour
	h := newHarness(partitionLog(6), cfg) // a block is 10k: the tail of 2 is less
	storedWithin(t, h, 6)
	if !slices.Equal(h.store.calls, []int{4, 2}) {
		t.Errorf("commits %v, want the full unit of 4 and the tail of 2", h.store.calls)
	}
}

// A few events with no backlog before them wait for batch_wait, caught up
// or not: a trickle makes one insert per batch_wait, not one per event.
func TestTrickleWaitsForBatchWait(t *testing.T) {
	cfg := testConfig()
	cfg.BatchSize, cfg.BatchWait = 100, 400*time.Millisecond
	h := newHarness(partitionLog(3), cfg)
	if took := storedWithin(t, h, 3); took < cfg.BatchWait {
		t.Errorf("3 caught-up events stored after %s, before batch_wait (%s)", took, cfg.BatchWait)
	}
	if !slices.Equal(h.store.calls, []int{3}) {
		t.Errorf("commits %v, want one unit of 3", h.store.calls)
	}
}

// When a block fails mid-unit, the unit is stored again as a whole, its
// messages read again from the source (its decoded records were let go),
// and committed once stored; nothing is lost or stored out of the unit.
func TestFailedBlockReplaysTheUnitFromKafka(t *testing.T) {
	var msgs []kafka.Message
	for i := 0; i < 6; i++ {
		msgs = append(msgs, msg(i%2, int64(i/2), eventJSON(fmt.Sprintf("e%d", i), fmt.Sprintf("T%d", i%2), i)))
	}
	cfg := testConfig()
	cfg.BatchSize, cfg.BatchWait = 6, time.Hour
	h := newHarness(msgs, cfg)
	h.in.block = 2
	h.store.failAdds = 1
	h.store.failNext = 1
	h.run(t, func() bool { ev, _ := h.store.stored(); return len(ev) == 6 })
	events, _ := h.store.stored()
	slices.Sort(events)
	if !slices.Equal(events, []string{"e0", "e1", "e2", "e3", "e4", "e5"}) {
		t.Fatalf("stored %v", events)
	}
	// the first Add fails; the unit gathers its blocks, is replayed whole,
	// fails at commit, and is replayed whole again
	if !slices.Equal(h.store.adds, []int{2, 2, 2, 2, 2, 2, 2}) || !slices.Equal(h.store.calls, []int{6, 6}) {
		t.Errorf("adds %v commits %v", h.store.adds, h.store.calls)
	}
	if h.src.commitCount() != 1 || h.src.committedOffsets()[0] != 3 || h.src.committedOffsets()[1] != 3 {
		t.Errorf("commits=%d offsets=%v, want one commit after the unit was stored", h.src.commitCount(), h.src.committedOffsets())
	}
	if v := testutil.ToFloat64(h.m.StoreErrors.WithLabelValues("unavailable")); v != 2 {
		t.Errorf("store errors %v, want 2", v)
	}
	if v := testutil.ToFloat64(h.m.Inserted); v != 6 {
		t.Errorf("inserted metric %v, want 6", v)
	}
	if h.src.replays == 0 {
		t.Error("the unit was stored again without reading its messages again")
	}
}

// A partition read twice over within one part (a rebalance handed its
// uncommitted messages back) is two runs; a replay reads both again and
// leaves out exactly what the first reading left out (the redelivered
// duplicates, the dead letter), so the unit holds the same events.
func TestReplayReadsEachRunAndSkipsWhatWasNoEvent(t *testing.T) {
	msgs := []kafka.Message{
		msg(0, 0, eventJSON("a", "T1", 1)),
		msg(0, 1, eventJSON("b", "T1", 2)),
		msg(0, 2, []byte("not json")),
		msg(0, 1, eventJSON("b", "T1", 2)), // handed back: a redelivery, skipped
		msg(0, 2, []byte("not json")),      // a dead letter again
		msg(0, 3, eventJSON("c", "T1", 3)),
	}
	cfg := testConfig()
	cfg.BatchSize, cfg.BatchWait = 6, time.Hour
	h := newHarness(msgs, cfg)
	h.store.failNext = 1
	h.run(t, func() bool { ev, dl := h.store.stored(); return len(ev)+len(dl) == 5 })
	events, dls := h.store.stored()
	if !slices.Equal(events, []string{"a", "b", "c"}) || len(dls) != 2 {
		t.Fatalf("stored %v and %d dead letters, want a, b, c and 2", events, len(dls))
	}
	if h.src.replays != 2 || h.src.committedOffsets()[0] != 4 {
		t.Errorf("%d replays (want one per run), committed %v", h.src.replays, h.src.committedOffsets())
	}
}

// A unit sealed in the background that then fails is stored again, and so
// is the unit begun after it (aborted: it built on the failed one), in
// order: every event once, the offsets committed to the end and never
// before their unit was stored, and never two units open at once (the
// warehouse's writer would wait for the first forever).
func TestSealedUnitFailingStoresItAndTheUnitAfterAgain(t *testing.T) {
	var msgs []kafka.Message
	var want []string
	for i := 0; i < 12; i++ {
		id := fmt.Sprintf("e%02d", i)
		msgs = append(msgs, msg(0, int64(i), eventJSON(id, "T1", i)))
		want = append(want, id)
	}
	cfg := testConfig()
	cfg.BatchWait = time.Hour // units of BatchSize (4) messages
	h := newHarness(msgs, cfg)
	h.store.failNext = 1
	h.store.sealDelay = 50 * time.Millisecond // the second unit is well under way
	h.run(t, func() bool { ev, _ := h.store.stored(); return len(ev) == len(want) })
	events, _ := h.store.stored()
	if !slices.Equal(events, want) {
		t.Fatalf("stored %v, want %v", events, want)
	}
	if off := h.src.committedOffsets()[0]; off != 12 {
		t.Errorf("committed offset %d, want 12", off)
	}
	// the failed unit, then the two stored again, then the last one
	if h.store.callCount() != 4 {
		t.Errorf("%d units stored or refused, want 4: %v", h.store.callCount(), h.store.calls)
	}
	// one store failed; the unit after it was stored again, not refused
	if v := testutil.ToFloat64(h.m.StoreErrors.WithLabelValues("unavailable")); v != 1 {
		t.Errorf("store error metric %v, want 1", v)
	}
}

// A unit sealed in the background has its offsets committed as soon as it
// is stored, not when the next unit ends: a trickle would otherwise leave
// the last events uncommitted (redelivered after a restart) indefinitely.
func TestSealedUnitIsCommittedWithoutWaitingForMore(t *testing.T) {
	cfg := testConfig()
	cfg.BatchWait = 20 * time.Millisecond
	h := newHarness([]kafka.Message{msg(0, 0, eventJSON("a", "T1", 1)), msg(0, 1, eventJSON("b", "T1", 2))}, cfg)
	h.run(t, func() bool { return h.src.committedOffsets()[0] == 2 })
	if ev, _ := h.store.stored(); !slices.Equal(ev, []string{"a", "b"}) {
		t.Fatalf("stored %v", ev)
	}
}

func TestRetriesUntilStoredAndCommitsNothingBefore(t *testing.T) {
	msgs := []kafka.Message{msg(0, 0, eventJSON("a", "T1", 1)), msg(0, 1, eventJSON("b", "T1", 2))}
	h := newHarness(msgs, testConfig())
	h.store.failNext = 5
	h.run(t, func() bool { ev, _ := h.store.stored(); return len(ev) == 2 })
	if h.store.callCount() != 6 {
		t.Errorf("%d store attempts, want 5 failures then 1 success", len(h.store.calls))
	}
	if h.src.commitCount() != 1 || h.src.committedOffsets()[0] != 2 {
		t.Errorf("commits=%d offsets=%v, want one commit at offset 2", h.src.commits, h.src.committedOffsets())
	}
	if v := testutil.ToFloat64(h.m.StoreErrors.WithLabelValues("unavailable")); v != 5 {
		t.Errorf("store error metric %v, want 5", v)
	}
	if !h.in.healthy.Load() {
		t.Error("healthy after the store recovered")
	}
}

func TestPoisonMessagesBecomeDeadLettersWithoutBlocking(t *testing.T) {
	big := make([]byte, event.MaxPayloadBytes+1)
	for i := range big {
		big[i] = ' '
	}
	msgs := []kafka.Message{
		msg(0, 0, eventJSON("a", "T1", 1)),
		msg(0, 1, []byte(`{"schema":1,`)),
		msg(0, 2, []byte{0xff, 0xfe, '{', '}'}),
		msg(0, 3, []byte(`{"schema":1,"event_id":"x","type":"ticket.exploded","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T09:00:00Z","actor":{"type":"agent","id":"a"}}`)),
		msg(0, 4, big),
		msg(0, 5, eventJSON("b", "T1", 2)),
		msg(0, 6, eventJSON("b", "T1", 2)), // redelivery: skipped
		msg(0, 7, eventJSON("b", "T2", 3)), // same id, another event
	}
	h := newHarness(msgs, testConfig())
	h.run(t, func() bool { ev, dl := h.store.stored(); return len(ev)+len(dl) == 7 })
	events, dls := h.store.stored()
	if !slices.Equal(events, []string{"a", "b"}) {
		t.Errorf("stored events %v", events)
	}
	wantReasons := map[int64]event.Reason{1: event.ReasonMalformedJSON, 2: event.ReasonInvalidUTF8, 3: event.ReasonUnknownType,
		4: event.ReasonTooLarge, 7: event.ReasonDuplicateID}
	if len(dls) != len(wantReasons) {
		t.Fatalf("%d dead letters, want %d", len(dls), len(wantReasons))
	}
	for _, d := range dls {
		if wantReasons[d.Source.Offset] != d.Reason {
			t.Errorf("offset %d: reason %s, want %s (%s)", d.Source.Offset, d.Reason, wantReasons[d.Source.Offset], d.Detail)
		}
		if d.Detail == "" || d.Source.Topic != "events" {
			t.Errorf("dead letter lacks detail or source: %+v", d)
		}
	}
	if h.src.committedOffsets()[0] != 8 {
		t.Errorf("committed %v: poison must not block the partition", h.src.committedOffsets())
	}
	if v := testutil.ToFloat64(h.m.Duplicates); v != 1 {
		t.Errorf("duplicates metric %v", v)
	}
	if v := testutil.ToFloat64(h.m.DeadLettered.WithLabelValues("too_large")); v != 1 {
		t.Errorf("too_large metric %v", v)
	}
}

func TestPermanentRejectionIsBisectedToTheRow(t *testing.T) {
	var msgs []kafka.Message
	for i := 0; i < 4; i++ {
		msgs = append(msgs, msg(0, int64(i), eventJSON(fmt.Sprintf("e%d", i), "T1", i)))
	}
	h := newHarness(msgs, testConfig())
	h.store.rejectID = "e2"
	h.run(t, func() bool { ev, dl := h.store.stored(); return len(ev)+len(dl) == 4 })
	events, dls := h.store.stored()
	if !slices.Equal(events, []string{"e0", "e1", "e3"}) {
		t.Errorf("stored %v", events)
	}
	if len(dls) != 1 || dls[0].Reason != event.ReasonStoreRejected || dls[0].EventID != "e2" || dls[0].Source.Offset != 2 {
		t.Fatalf("dead letters %+v", dls)
	}
	if h.src.committedOffsets()[0] != 4 {
		t.Errorf("committed %v", h.src.committedOffsets())
	}
}

func TestShutdownFlushesThePartialBatch(t *testing.T) {
	cfg := testConfig()
	cfg.BatchSize, cfg.BatchWait = 1000, time.Hour
	h := newHarness([]kafka.Message{msg(3, 41, eventJSON("a", "T1", 1))}, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.in.Run(ctx) }()
	for h.src.fetched() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if ev, _ := h.store.stored(); len(ev) != 0 {
		t.Fatal("stored before the batch was full or old")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ev, _ := h.store.stored(); !slices.Equal(ev, []string{"a"}) || h.src.committedOffsets()[3] != 42 {
		t.Fatalf("stored %v committed %v", ev, h.src.committedOffsets())
	}
}

func TestShutdownWithStoreDownCommitsNothing(t *testing.T) {
	cfg := testConfig()
	cfg.ShutdownTimeout = 100 * time.Millisecond
	h := newHarness([]kafka.Message{msg(0, 0, eventJSON("a", "T1", 1))}, cfg)
	h.store.alwaysFail = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.in.Run(ctx) }()
	for h.store.callCount() < 3 {
		time.Sleep(time.Millisecond)
	}
	if h.in.Ready() {
		t.Error("ready while the store is failing")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a stop is not an error: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not give up at the shutdown deadline")
	}
	if h.src.commitCount() != 0 {
		t.Fatal("committed a batch that was never stored")
	}
}

func TestConfigValidateNamesTheField(t *testing.T) {
	for field, mutate := range map[string]func(*Config){
		"ingest.batch_size":       func(c *Config) { c.BatchSize = 0 },
		"ingest.part_rows":        func(c *Config) { c.PartRows = 100 },
		"ingest.batch_wait":       func(c *Config) { c.BatchWait = 0 },
		"ingest.retry_min":        func(c *Config) { c.RetryMax = c.RetryMin / 2 },
		"ingest.dedupe_window":    func(c *Config) { c.DedupeWindow = -1 },
		"ingest.shutdown_timeout": func(c *Config) { c.ShutdownTimeout = 0 },
	} {
		c := DefaultConfig()
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), field) {
			t.Errorf("%s: got %v", field, err)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	in := &Ingester{cfg: Config{RetryMin: 100 * time.Millisecond, RetryMax: time.Second}}
	for attempt, maxWant := range map[int]time.Duration{0: 100 * time.Millisecond, 2: 400 * time.Millisecond, 10: time.Second, 60: time.Second} {
		for i := 0; i < 50; i++ {
			d := in.backoff(attempt)
			if d < maxWant/2 || d > maxWant {
				t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, maxWant/2, maxWant)
			}
		}
	}
}

func TestRecentIDsForgetsOldest(t *testing.T) {
	r := newRecentIDs(2)
	e := func(id string) *event.Event {
		return &event.Event{ID: id, Tenant: "t", TicketID: "x", Type: event.TypeRated}
	}
	src := event.Source{}
	see := func(e *event.Event) seenState {
		id, fp := r.keys(e)
		_, st := r.see(id, fp, src)
		return st
	}
	for _, id := range []string{"a", "b", "c"} {
		if st := see(e(id)); st != seenNew {
			t.Fatalf("%s: %v", id, st)
		}
	}
	if st := see(e("a")); st != seenNew {
		t.Error("a should have been forgotten after two newer ids")
	}
	if st := see(e("a")); st != seenSame {
		t.Error("a again should be a redelivery")
	}
	other := e("a")
	other.TicketID = "y"
	if st := see(other); st != seenConflict {
		t.Error("a for another ticket should conflict")
	}
}

// A part of several dedupe chunks, with redeliveries and reused ids in
// the chunk of their first reading, in the next chunk and on a chunk's
// edge: the store gets each first reading once, in order; the reused ids
// are dead letters with their own key and payload; and a replay leaves out
// what the first reading did.
func TestDedupeAcrossChunksOfAPart(t *testing.T) {
	const n = 3*dedupeChunk + 100
	var msgs []kafka.Message
	var want []string
	wantDL := map[int64]string{} // offset -> the reused id
	dups := 0
	first := map[int]int{}   // message index -> index of the message it repeats
	reused := map[int]bool{} // message index -> an id of an earlier message, another event
	for _, at := range []int{5, dedupeChunk - 1, dedupeChunk, dedupeChunk + 1, 2*dedupeChunk + 7, n - 1} {
		first[at] = at - 3
	}
	first[2*dedupeChunk] = 1 // a redelivery from the first chunk, two chunks later
	for _, at := range []int{10, dedupeChunk + 2, 3 * dedupeChunk} {
		reused[at] = true
	}
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		switch {
		case first[i] != 0:
			ids[i] = ids[first[i]]
			value := msgs[first[i]].Value
			msgs = append(msgs, msg(0, int64(i), value))
			dups++
			continue
		case reused[i]:
			ids[i] = ids[i-4]
			m := msg(0, int64(i), eventJSON(ids[i], "T-other", i%60))
			m.Key = []byte(fmt.Sprintf("key-%d", i))
			msgs = append(msgs, m)
			wantDL[int64(i)] = ids[i]
			continue
		}
		ids[i] = fmt.Sprintf("e%d", i)
		msgs = append(msgs, msg(0, int64(i), eventJSON(ids[i], fmt.Sprintf("T%d", i%7), i%60)))
		want = append(want, ids[i])
	}
	for _, failures := range []int{0, 1} { // stored as decoded; stored again from a replay
		t.Run(fmt.Sprintf("store failures %d", failures), func(t *testing.T) {
			cfg := testConfig()
			cfg.BatchSize, cfg.BatchWait = n, time.Hour
			h := newHarness(msgs, cfg)
			h.in.block = n // one part
			h.store.failNext = failures
			h.run(t, func() bool { ev, dl := h.store.stored(); return len(ev)+len(dl) == n-dups })
			events, dls := h.store.stored()
			if !slices.Equal(events, want) {
				t.Fatalf("stored %d events, want %d in the order read", len(events), len(want))
			}
			if len(dls) != len(wantDL) {
				t.Fatalf("%d dead letters, want %d", len(dls), len(wantDL))
			}
			for _, d := range dls {
				off := d.Source.Offset
				if d.Reason != event.ReasonDuplicateID || d.EventID != wantDL[off] ||
					string(d.Key) != fmt.Sprintf("key-%d", off) || !bytes.Equal(d.Payload, msgs[off].Value) {
					t.Errorf("dead letter at %d: %s %q key %q, want the reused id %q with its own key and payload",
						off, d.Reason, d.EventID, d.Key, wantDL[off])
				}
			}
			if v := testutil.ToFloat64(h.m.Duplicates); v != float64(dups) {
				t.Errorf("duplicates metric %v, want %d", v, dups)
			}
			if replayed := h.src.replays > 0; replayed != (failures > 0) {
				t.Errorf("%d replays after %d store failures", h.src.replays, failures)
			}
		})
	}
}

// The window's table answers like a map of the last N ids, also when
// many ids share their home slot and entries are moved back on removal.
func TestRecentIDsTableMatchesAMapOfTheWindow(t *testing.T) {
	const window = 50
	r := newRecentIDs(window)
	var ring []uint64
	model := map[uint64]uint64{} // id -> fingerprint
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 20000; n++ {
		// ids from a small range, most of them in a few home slots
		id := uint64(rnd.IntN(40))*uint64(len(r.table)) + uint64(rnd.IntN(8)) + 1
		fp := uint64(rnd.IntN(2))
		_, got := r.see(id, fp, event.Source{Offset: int64(n)})
		want := seenNew
		if f, ok := model[id]; ok {
			want = seenConflict
			if f == fp {
				want = seenSame
			}
		} else {
			if len(ring) == window {
				delete(model, ring[0])
				ring = ring[1:]
			}
			ring = append(ring, id)
			model[id] = fp
		}
		if got != want {
			t.Fatalf("op %d, id %d: %v, want %v", n, id, got, want)
		}
	}
}

// When even a dead letter is refused (a schema fault, not data), ingest must
// stop, with an error and without committing, rather than consume on.
func TestRefusedDeadLetterStopsIngest(t *testing.T) {
	msgs := []kafka.Message{msg(0, 0, eventJSON("a", "T1", 1)), msg(0, 1, []byte("not json")), msg(0, 2, eventJSON("b", "T1", 2))}
	h := newHarness(msgs, testConfig())
	h.store.refuseDLs = true
	done := make(chan error, 1)
	go func() { done <- h.in.Run(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("Run returned %v, want the refusal", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ingest kept running after a dead letter was refused")
	}
	if h.src.commitCount() != 0 {
		t.Fatal("committed a batch that was not wholly stored")
	}
}

// The consumer-group reader surfaces errors it keeps retrying itself (a
// group it could not join three times, a leader election): ingest waits
// and fetches on, unready meanwhile, instead of exiting; a closed reader
// (io.EOF) still ends it.
func TestFetchErrorsAreRetriedNotFatal(t *testing.T) {
	var msgs []kafka.Message
	for i := 0; i < 6; i++ {
		msgs = append(msgs, msg(i%2, int64(i/2), eventJSON(fmt.Sprintf("e%d", i), "T1", i)))
	}
	h := newHarness(msgs, testConfig())
	h.src.fetchErrs = map[int]error{0: kafka.RebalanceInProgress, 3: kafka.LeaderNotAvailable}
	h.src.fetchErrs[5] = fmt.Errorf("joining group: %w", kafka.GroupCoordinatorNotAvailable)
	h.run(t, func() bool {
		ids, _ := h.store.stored()
		return len(ids) == 6
	})
	if got := testutil.ToFloat64(h.m.FetchErrors); got != 3 {
		t.Errorf("fetch errors counted %v, want 3", got)
	}
	if c := h.src.committedOffsets(); c[0] != 3 || c[1] != 3 {
		t.Errorf("committed %v, want 3 on both partitions", c)
	}

	closed := newHarness(nil, testConfig())
	closed.src.fetchErrs = map[int]error{0: io.EOF}
	if err := closed.in.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Errorf("Run on a closed reader: %v", err)
	}
}

type failingSource struct{ memSource }

func (*failingSource) FetchMessage(context.Context) (kafka.Message, error) {
	return kafka.Message{}, kafka.GroupCoordinatorNotAvailable
}

func TestFailingFetchMakesIngestUnready(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	in := New(&failingSource{}, &memStore{}, &event.Decoder{}, testConfig(), m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(m.FetchErrors) < 3 {
		if time.Now().After(deadline) {
			t.Fatal("no retries")
		}
		time.Sleep(time.Millisecond)
	}
	if in.Ready() {
		t.Error("ready while every fetch fails")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after a stop: %v", err)
	}
}

func TestKafkaGroupTimingIsValidated(t *testing.T) {
	for field, mutate := range map[string]func(c *KafkaConfig){
		"kafka.session_timeout":    func(c *KafkaConfig) { c.SessionTimeout = 0 },
		"kafka.heartbeat_interval": func(c *KafkaConfig) { c.HeartbeatInterval = c.SessionTimeout / 2 },
		"kafka.rebalance_timeout":  func(c *KafkaConfig) { c.RebalanceTimeout = time.Millisecond },
	} {
		c := DefaultKafkaConfig()
		mutate(&c)
		if err := c.Validate(0); err == nil || !strings.HasPrefix(err.Error(), field) {
			t.Errorf("%s: got %v", field, err)
		}
	}
	if err := DefaultKafkaConfig().Validate(0); err != nil {
		t.Fatal(err)
	}
}

// A unit that starts with its partition a block or more behind may take
// ten batch_waits to fill; one that starts closer to the end, one.
func TestUnitWaitGrowsInABacklog(t *testing.T) {
	in := New(&failingSource{}, &memStore{}, &event.Decoder{}, testConfig(), NewMetrics(prometheus.NewRegistry()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	in.block = 100
	wait := in.cfg.BatchWait
	for _, c := range []struct {
		offset, highWater int64
		want              time.Duration
	}{
		{0, 1, wait},        // the partition's last message
		{0, 100, wait},      // 99 after it: less than a block
		{0, 101, 10 * wait}, // a block after it
		{500, 10_000, 10 * wait},
	} {
		if got := in.unitWait(kafka.Message{Offset: c.offset, HighWaterMark: c.highWater}); got != c.want {
			t.Errorf("offset %d of %d: wait %v, want %v", c.offset, c.highWater, got, c.want)
		}
	}
}
