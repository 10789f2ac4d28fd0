// Package ingest is Slate's Kafka adapter: it fetches ticket events from a
// consumer group, decodes and validates them, batches them by size or time,
// hands each batch to a Store and only then commits the offsets.
//
// Guarantees: nothing is committed that was not stored (at-least-once);
// storage collapses replays by event id, so the effect is exactly once. A bad
// message becomes a dead letter and never blocks its partition. When the
// store is down, fetching stops (one batch in flight) and the batch is
// retried with backoff until it succeeds or the process is told to stop.
package ingest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/fault"
)

// Source is the part of *kafka.Reader ingest uses.
type Source interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Store persists a batch idempotently (the warehouse writer implements it).
// Errors carry a fault kind: Permanent means this data can never be stored.
type Store interface {
	Store(ctx context.Context, b *event.Batch) error
}

// Config tunes batching and retries.
type Config struct {
	BatchSize       int           `yaml:"batch_size"`       // flush when this many messages are buffered
	BatchWait       time.Duration `yaml:"batch_wait"`       // or when the oldest buffered message is this old
	RetryMin        time.Duration `yaml:"retry_min"`        // first backoff after a failed store
	RetryMax        time.Duration `yaml:"retry_max"`        // backoff cap
	DedupeWindow    int           `yaml:"dedupe_window"`    // recent event ids remembered for duplicate detection
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"` // to flush and commit after a stop signal
	StateCache      int           `yaml:"state_cache"`      // ticket states kept in memory by the projection
	MemoryLimitMiB  int           `yaml:"memory_limit_mib"` // Go soft memory limit (GOMEMLIMIT wins); 0 = none
}

// DefaultConfig returns the defaults documented in README.md.
func DefaultConfig() Config {
	return Config{
		BatchSize:       10000,
		BatchWait:       time.Second,
		RetryMin:        200 * time.Millisecond,
		RetryMax:        30 * time.Second,
		DedupeWindow:    200000,
		ShutdownTimeout: 30 * time.Second,
		StateCache:      50_000,
		MemoryLimitMiB:  230,
	}
}

// Validate rejects unusable values, naming the field.
func (c Config) Validate() error {
	switch {
	case c.BatchSize < 1 || c.BatchSize > 1_000_000:
		return fmt.Errorf("ingest.batch_size: %d is not between 1 and 1000000", c.BatchSize)
	case c.BatchWait <= 0:
		return fmt.Errorf("ingest.batch_wait: must be positive, got %s", c.BatchWait)
	case c.RetryMin <= 0 || c.RetryMax < c.RetryMin:
		return fmt.Errorf("ingest.retry_min/retry_max: need 0 < retry_min <= retry_max, got %s and %s", c.RetryMin, c.RetryMax)
	case c.DedupeWindow < 0:
		return fmt.Errorf("ingest.dedupe_window: cannot be negative")
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("ingest.shutdown_timeout: must be positive")
	case c.StateCache < 0:
		return fmt.Errorf("ingest.state_cache: cannot be negative")
	case c.MemoryLimitMiB < 0 || (c.MemoryLimitMiB > 0 && c.MemoryLimitMiB < 64):
		return fmt.Errorf("ingest.memory_limit_mib: %d is neither 0 (none) nor at least 64", c.MemoryLimitMiB)
	}
	return nil
}

// Ingester runs the fetch → decode → batch → store → commit loop.
type Ingester struct {
	src     Source
	store   Store
	decoder *event.Decoder
	cfg     Config
	metrics *Metrics
	log     *slog.Logger
	now     func() time.Time

	seen    *recentIDs
	free    chan *batch // stored batches, for reuse
	healthy atomic.Bool // last store attempt succeeded
	fetchOK atomic.Bool // last fetch did not fail
	running atomic.Bool
	// totals since start, for the stop log (the metrics die with the process)
	consumed, stored atomic.Uint64
}

// New builds an Ingester; cfg must be valid.
func New(src Source, store Store, dec *event.Decoder, cfg Config, m *Metrics, log *slog.Logger) *Ingester {
	in := &Ingester{src: src, store: store, decoder: dec, cfg: cfg, metrics: m, log: log, now: time.Now,
		seen: newRecentIDs(cfg.DedupeWindow), free: make(chan *batch, 1)}
	in.healthy.Store(true)
	in.fetchOK.Store(true)
	return in
}

// Totals returns the messages fetched and the events stored since New
// (replays included), like the consumed and inserted metrics.
func (in *Ingester) Totals() (consumed, stored uint64) {
	return in.consumed.Load(), in.stored.Load()
}

// Ready reports whether the loop runs, its store is reachable and fetching
// works.
func (in *Ingester) Ready() bool {
	return in.running.Load() && in.healthy.Load() && in.fetchOK.Load()
}

type batch struct {
	recs []event.Record
	dls  []event.DeadLetter
	// first offset and last message fetched per partition: the span the
	// batch covers, and what gets committed
	first map[int]int64
	last  map[int]kafka.Message
	n     int
}

// newBatch takes a stored batch back for reuse, or makes one. Reuse keeps
// the record array (a batch's biggest allocation) out of the garbage.
func (in *Ingester) newBatch() *batch {
	select {
	case b := <-in.free:
		clear(b.recs)
		clear(b.dls)
		b.recs, b.dls, b.n = b.recs[:0], b.dls[:0], 0
		clear(b.first)
		clear(b.last)
		return b
	default:
		return &batch{recs: make([]event.Record, 0, in.cfg.BatchSize), first: map[int]int64{}, last: map[int]kafka.Message{}}
	}
}

func (b *batch) spans() []event.Span {
	out := make([]event.Span, 0, len(b.last))
	for p, m := range b.last {
		out = append(out, event.Span{Topic: m.Topic, Partition: int32(p), First: b.first[p], Last: m.Offset})
	}
	return out
}

// Run consumes until ctx is cancelled, then stores and commits what it has
// fetched (within ShutdownTimeout) and returns. It returns an error only for
// failures that retrying cannot fix (the reader closed under it, a dead
// letter the store refuses); failed fetches are retried with backoff.
func (in *Ingester) Run(ctx context.Context) error {
	in.running.Store(true)
	defer in.running.Store(false)
	batches := make(chan *batch) // one batch decoding while one is stored
	fetchErr := make(chan error, 1)
	// The fetcher also stops when the writer gives up: consuming on without
	// storing would only hold the partitions while lag grows.
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	go func() {
		defer close(batches)
		fetchErr <- in.fetchLoop(fetchCtx, batches)
	}()
	// The writer keeps going after ctx is cancelled, to drain the last
	// batches, but gives up at the shutdown deadline.
	drainCtx, cancelDrain := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelDrain()
	go func() {
		select {
		case <-ctx.Done():
		case <-drainCtx.Done(): // Run returned without a stop
			return
		}
		t := time.NewTimer(in.cfg.ShutdownTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			cancelDrain()
		case <-drainCtx.Done():
		}
	}()
	var writeErr error
	for b := range batches {
		if writeErr != nil {
			continue // drain so the fetcher can exit
		}
		err := in.storeAndCommit(drainCtx, b)
		select {
		case in.free <- b:
		default:
		}
		if err != nil {
			writeErr = err
			stopFetch()
			in.log.Error("giving up on uncommitted batch; it will be redelivered", "messages", b.n, "err", err)
		}
	}
	if err := <-fetchErr; err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil // a stop: what was not stored is uncommitted and comes back
	}
	return writeErr
}

func (in *Ingester) fetchLoop(ctx context.Context, out chan<- *batch) error {
	b := in.newBatch()
	var deadline time.Time
	// While a batch fills, fetches wait at most until its deadline: one
	// context for the whole batch (a context with a timer per message
	// was a good part of the fetch loop's garbage).
	wait := batchWait{ctx: ctx}
	defer wait.stop(ctx)
	fetchFails := 0
	flush := func() bool {
		wait.stop(ctx)
		if b.n == 0 {
			return true
		}
		select {
		case out <- b:
		case <-ctx.Done():
			// still hand it over: the writer drains after a stop
			out <- b
		}
		b, deadline = in.newBatch(), time.Time{}
		return true
	}
	for {
		msg, err := in.src.FetchMessage(wait.ctx)
		if err != nil {
			if ctx.Err() != nil {
				flush()
				return nil
			}
			if errors.Is(err, context.DeadlineExceeded) {
				flush()
				continue
			}
			flush()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
				return fmt.Errorf("fetch: %w", err) // the reader was closed
			}
			// The consumer-group reader reports what it keeps retrying by
			// itself: a group it failed to join three times (a coordinator
			// moving, a rebalance restarting), a partition leader in
			// election. Waiting loses nothing (what was fetched has been
			// handed on to be stored); exiting would add a rebalance.
			in.fetchOK.Store(false)
			in.metrics.FetchErrors.Inc()
			wait := in.backoff(fetchFails)
			fetchFails++
			in.log.Warn("fetch failed; retrying", "attempt", fetchFails, "in", wait, "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			continue
		}
		fetchFails = 0
		in.fetchOK.Store(true)
		if b.n == 0 {
			deadline = in.now().Add(in.cfg.BatchWait)
			wait.ctx, wait.cancel = context.WithDeadline(ctx, deadline)
		}
		in.add(b, msg)
		if b.n >= in.cfg.BatchSize || !in.now().Before(deadline) {
			flush()
		}
	}
}

// batchWait is what fetches wait with: ctx itself while the batch is
// empty, ctx with the batch's deadline once it has a message.
type batchWait struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// stop ends the deadline's timer and waits on parent alone again.
func (w *batchWait) stop(parent context.Context) {
	if w.cancel != nil {
		w.cancel()
	}
	w.ctx, w.cancel = parent, nil
}

// add decodes one message into the batch as an event, a skipped duplicate
// or a dead letter.
func (in *Ingester) add(b *batch, msg kafka.Message) {
	in.metrics.Consumed.Inc()
	in.consumed.Add(1)
	if lag := msg.HighWaterMark - msg.Offset - 1; lag >= 0 {
		in.metrics.Lag.WithLabelValues(msg.Topic, strconv.Itoa(msg.Partition)).Set(float64(lag))
	}
	b.n++
	if _, ok := b.first[msg.Partition]; !ok {
		b.first[msg.Partition] = msg.Offset
	}
	b.last[msg.Partition] = msg
	src := event.Source{Topic: msg.Topic, Partition: int32(msg.Partition), Offset: msg.Offset}
	ev, err := in.decoder.Decode(msg.Value)
	if err == nil {
		switch prev, state := in.seen.check(&ev, src); state {
		case seenSame:
			in.metrics.Duplicates.Inc()
			return
		case seenConflict:
			err = &event.Error{Reason: event.ReasonDuplicateID, Field: "event_id",
				Detail: fmt.Sprintf("%q was already used by a different event (%s[%d]@%d)", ev.ID, prev.Topic, prev.Partition, prev.Offset)}
		}
	}
	if err != nil {
		b.dls = append(b.dls, event.NewDeadLetter(src, msg.Key, msg.Value, &ev, err, in.now()))
		return
	}
	b.recs = append(b.recs, event.Record{Event: ev, Payload: msg.Value, Source: src})
}

func (in *Ingester) storeAndCommit(ctx context.Context, b *batch) error {
	start := in.now()
	if err := in.storeResilient(ctx, &event.Batch{Records: b.recs, DeadLetters: b.dls, Spans: b.spans()}); err != nil {
		return err
	}
	in.metrics.BatchSize.Observe(float64(b.n))
	in.metrics.BatchLatency.Observe(in.now().Sub(start).Seconds())
	msgs := make([]kafka.Message, 0, len(b.last))
	for _, m := range b.last {
		msgs = append(msgs, m)
	}
	// A failed commit loses nothing: the messages come again and storage
	// collapses them. So retry briefly, then move on.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = in.src.CommitMessages(ctx, msgs...); err == nil {
			in.metrics.Commits.WithLabelValues("ok").Inc()
			return nil
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(in.backoff(attempt))
	}
	in.metrics.Commits.WithLabelValues("failed").Inc()
	in.log.Warn("offset commit failed; the batch will be redelivered and de-duplicated", "err", err)
	return nil
}

// storeResilient stores a batch, retrying transient failures with backoff
// for as long as ctx lives. A permanent failure is bisected down to the
// rows ClickHouse refuses, which become dead letters; the rest is stored.
func (in *Ingester) storeResilient(ctx context.Context, b *event.Batch) error {
	for attempt := 0; ; attempt++ {
		err := in.store.Store(ctx, b)
		if err == nil {
			in.healthy.Store(true)
			in.metrics.StoreUp.Set(1)
			in.metrics.Inserted.Add(float64(len(b.Records)))
			in.stored.Add(uint64(len(b.Records)))
			for _, d := range b.DeadLetters {
				in.metrics.DeadLettered.WithLabelValues(string(d.Reason)).Inc()
			}
			return nil
		}
		kind := fault.KindOf(err)
		in.metrics.StoreErrors.WithLabelValues(kind.String()).Inc()
		if kind == fault.Permanent && len(b.Records)+len(b.DeadLetters) > 0 {
			in.log.Warn("store refused a batch; bisecting to find the rows", "events", len(b.Records), "dead_letters", len(b.DeadLetters), "err", err)
			return in.bisect(ctx, b.Records, b.DeadLetters, err)
		}
		in.healthy.Store(false)
		in.metrics.StoreUp.Set(0)
		wait := in.backoff(attempt)
		in.log.Warn("store failed; retrying", "attempt", attempt+1, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

// bisect stores halves of a refused batch separately until the refused rows
// are alone. The pieces carry no spans: they are not whole partitions' runs.
func (in *Ingester) bisect(ctx context.Context, recs []event.Record, dls []event.DeadLetter, cause error) error {
	store := func(r []event.Record, d []event.DeadLetter) error {
		return in.storeResilient(ctx, &event.Batch{Records: r, DeadLetters: d})
	}
	switch {
	case len(recs) == 1 && len(dls) == 0:
		r := recs[0]
		dl := event.NewDeadLetter(r.Source, []byte(r.Event.TicketID), r.Payload, &r.Event,
			&event.Error{Reason: event.ReasonStoreRejected, Detail: cause.Error()}, in.now())
		return store(nil, []event.DeadLetter{dl})
	case len(recs) == 0 && len(dls) == 1:
		// A dead letter the warehouse refuses is a schema fault, not data:
		// give up on the batch (uncommitted, so it comes back) and alert.
		in.healthy.Store(false)
		return fmt.Errorf("dead letter at %s[%d]@%d refused: %w", dls[0].Source.Topic, dls[0].Source.Partition, dls[0].Source.Offset, cause)
	case len(recs) > 0 && len(dls) > 0:
		if err := store(recs, nil); err != nil {
			return err
		}
		return store(nil, dls)
	case len(recs) > 1:
		mid := len(recs) / 2
		if err := store(recs[:mid], nil); err != nil {
			return err
		}
		return store(recs[mid:], nil)
	}
	mid := len(dls) / 2
	if err := store(nil, dls[:mid]); err != nil {
		return err
	}
	return store(nil, dls[mid:])
}

// backoff is exponential with full jitter, capped at RetryMax.
func (in *Ingester) backoff(attempt int) time.Duration {
	d := in.cfg.RetryMin << min(attempt, 20)
	if d <= 0 || d > in.cfg.RetryMax {
		d = in.cfg.RetryMax
	}
	return d/2 + rand.N(d/2+1)
}

type seenState int

const (
	seenNew seenState = iota
	seenSame
	seenConflict
)

// recentIDs remembers the last N event ids with a fingerprint of what they
// identified, to tell a harmless redelivery from an id reused for another
// event. Older ids fall out first; storage de-duplication covers the rest.
// Ids are kept as 64-bit hashes, not strings: a window of 200k costs ~8 MB
// instead of ~26 MB of pointer-rich heap the GC would scan on every cycle.
type recentIDs struct {
	seed  maphash.Seed
	byID  map[uint64]seenEntry
	ring  []uint64
	next  int
	limit int
}

type seenEntry struct {
	fingerprint uint64
	partition   int32
	offset      int64
}

func newRecentIDs(limit int) *recentIDs {
	return &recentIDs{seed: maphash.MakeSeed(), byID: make(map[uint64]seenEntry, limit), ring: make([]uint64, limit), limit: limit}
}

// fingerprint covers what makes an event the same event; a producer that
// re-serialises it (other field order, spacing) still sends the same one.
func (r *recentIDs) fingerprint(e *event.Event) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(e.Tenant)
	h.WriteByte(0)
	h.WriteString(e.TicketID)
	h.WriteByte(0)
	h.WriteString(string(e.Type))
	h.WriteByte(0)
	var us [8]byte
	binary.LittleEndian.PutUint64(us[:], uint64(e.OccurredMicros()))
	h.Write(us[:])
	return h.Sum64()
}

// check records e and says whether its id was seen in the window, for the
// same event or another; prev is where it was seen.
func (r *recentIDs) check(e *event.Event, src event.Source) (prev event.Source, state seenState) {
	if r.limit == 0 {
		return src, seenNew
	}
	id := maphash.String(r.seed, e.ID) | 1 // never 0, which marks an empty ring slot
	fp := r.fingerprint(e)
	if p, ok := r.byID[id]; ok {
		prev = event.Source{Topic: src.Topic, Partition: p.partition, Offset: p.offset}
		if p.fingerprint == fp {
			return prev, seenSame
		}
		return prev, seenConflict
	}
	if old := r.ring[r.next]; old != 0 {
		delete(r.byID, old)
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % r.limit
	r.byID[id] = seenEntry{fingerprint: fp, partition: src.Partition, offset: src.Offset}
	return src, seenNew
}
