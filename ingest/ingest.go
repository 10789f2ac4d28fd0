// Package ingest is Slate's Kafka adapter: it fetches ticket events from a
// consumer group, decodes and validates them, and hands them to a Store a
// unit at a time (by size or time), in blocks as they are fetched; only
// once the whole unit is stored does it commit the offsets. A unit is
// sealed when its last block is handed over: the store ends it in the
// background while the next unit streams, and units are stored and
// committed in order.
//
// Guarantees: nothing is committed that was not stored (at-least-once);
// storage collapses replays by event id, so the effect is exactly once. A bad
// message becomes a dead letter and never blocks its partition. When the
// store is down, fetching stops (one unit in flight) and the unit is
// stored again, with backoff, until that succeeds or the process is told to
// stop. A unit lets its decoded events go as soon as the store has them
// and reads its messages again from Kafka if it must be stored again, so
// it can be large (one ClickHouse part per 100k events by default) while
// ingest's memory stays small.
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

// Source is what ingest reads: a consumer group's messages (Reader in
// kafka.go), and the same messages again by position, for a unit that has
// to be stored again after its decoded events were let go.
type Source interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
	CommitMessages(ctx context.Context, msgs ...kafka.Message) error
	// Replay calls fn with every message of the runs, in offset order.
	Replay(ctx context.Context, runs []event.Span, fn func(kafka.Message) error) error
}

// Store persists events idempotently, a unit at a time (the warehouse
// writer implements it through a small adapter where it is wired).
type Store interface {
	Begin(ctx context.Context) Unit
}

// Unit is a run of batches stored as one: Add hands each batch over as it
// is fetched, Commit makes them all durable together; only after Commit
// returns nil is anything of the unit stored. After any error the unit is
// over and its batches are stored again in a new one, which storage
// collapses. Errors carry a fault kind: Permanent means this data can
// never be stored.
//
// Seal is Commit in the background: the channel gives Commit's result,
// and the next unit may Begin before it does. A unit begun while the one
// before it was being stored fails if that one does; Seal and Abort wait
// for the unit before to be stored.
type Unit interface {
	Add(ctx context.Context, b *event.Batch) error
	Commit(ctx context.Context) error
	Seal(ctx context.Context) <-chan error
	Abort()
}

// blockSize is how many messages are decoded and handed to the store at a
// time: a unit of BatchSize messages goes to ClickHouse as blocks of this
// size in one insert, so ingest holds one block of decoded events, not the
// whole unit, while ClickHouse still writes one part per insert.
const blockSize = 10_000

// clockEvery is how many messages a unit takes between two looks at the
// clock for its batch_wait: reading it for every message was 1% of
// ingest's CPU. A unit that streams on ends at most this many messages
// late; one whose messages pause ends on time, by the fetch's deadline.
const clockEvery = 64

// caughtUpWait is how long a unit waits for more once its partition is
// caught up (the message fetched was the partition's last), if the unit
// holds at least a block or the unit before it filled up: a backlog that
// drained, or a burst that paused, is stored now, not at batch_wait. Other
// units keep waiting for batch_wait, so a trickle of events still makes
// about one insert per batch_wait, not one per event.
const caughtUpWait = 100 * time.Millisecond

// Config tunes batching and retries.
type Config struct {
	BatchSize       int           `yaml:"batch_size"`       // store and commit when this many messages were fetched
	PartRows        int           `yaml:"part_rows"`        // ClickHouse writes a part of a unit's insert each time it has this many rows
	BatchWait       time.Duration `yaml:"batch_wait"`       // or when the oldest of them is this old
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
		BatchSize:       200_000,
		PartRows:        100_000,
		BatchWait:       time.Second,
		RetryMin:        200 * time.Millisecond,
		RetryMax:        30 * time.Second,
		DedupeWindow:    200000,
		ShutdownTimeout: 30 * time.Second,
		StateCache:      25_000,
		MemoryLimitMiB:  200,
	}
}

// Validate rejects unusable values, naming the field.
func (c Config) Validate() error {
	switch {
	case c.BatchSize < 1 || c.BatchSize > 1_000_000:
		return fmt.Errorf("ingest.batch_size: %d is not between 1 and 1000000", c.BatchSize)
	case c.PartRows < blockSize || c.PartRows > 10_000_000:
		return fmt.Errorf("ingest.part_rows: %d is not between %d and 10000000", c.PartRows, blockSize)
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

	seen     *recentIDs
	block    int                 // blockSize, smaller in tests
	free     chan *part          // stored parts, for reuse
	freeRecs chan []event.Record // record arrays of parts, for reuse
	// the ids of the part being decoded, in the order of its records, that
	// the dedupe window has yet to see: it sees them all when the part is
	// handed on. One array, the fetcher's: one per part was 20 MB that the
	// garbage collector scanned, held by the parts of units being stored.
	checks        []idCheck
	unknownLabels *unknownLabels
	healthy       atomic.Bool // last store attempt succeeded
	fetchOK       atomic.Bool // last fetch did not fail
	running       atomic.Bool
	// totals since start, for the stop log (the metrics die with the process)
	consumed, stored atomic.Uint64
}

// New builds an Ingester; cfg must be valid.
func New(src Source, store Store, dec *event.Decoder, cfg Config, m *Metrics, log *slog.Logger) *Ingester {
	in := &Ingester{src: src, store: store, decoder: dec, cfg: cfg, metrics: m, log: log, now: time.Now,
		seen: newRecentIDs(cfg.DedupeWindow), unknownLabels: newUnknownLabels(), block: blockSize, free: make(chan *part, cfg.BatchSize/blockSize+4), freeRecs: make(chan []event.Record, 3)}
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

// part is a run of fetched messages, decoded: the block a unit is given
// at a time. Once the store has its records they are let go; should the
// unit have to be stored again, the part's messages are read again from
// Kafka by position (its runs), which holds them until they are committed.
// So a unit can be large (one ClickHouse part per 100k events) while
// ingest holds only the parts being decoded or handed over.
type part struct {
	recs []event.Record
	dls  []event.DeadLetter
	// runs of consecutive offsets the part read, per partition, in the
	// order read: what a replay reads again, and what storage checks for
	// gaps (a partition read elsewhere meanwhile)
	runs []event.Span
	run  map[int]int // partition -> its current run in runs
	// messages that are not events (dead letters, skipped redeliveries):
	// a replay leaves them out, as the first reading did. By run, since
	// a partition read twice over (a rebalance) has an offset in two runs.
	notEvents map[runOffset]struct{}
	last      map[int]kafka.Message // per partition: what gets committed
	n         int                   // messages fetched
	events    int                   // of which events
	ends      bool                  // the unit ends with this part
}

// idCheck is what the dedupe window needs of a decoded event, taken while
// its payload is still in the cache, and what a dead letter of it needs
// besides its record.
type idCheck struct {
	id, fingerprint uint64
	offset          int64
	partition       int32
	run             int // its run in the part's runs
	key             []byte
}

// newPart takes a stored part back for reuse, or makes one.
func (in *Ingester) newPart() *part {
	select {
	case p := <-in.free:
		clear(p.dls)
		p.recs, p.dls, p.runs, p.n, p.events, p.ends = in.takeRecs(), p.dls[:0], p.runs[:0], 0, 0, false
		clear(p.run)
		clear(p.last)
		p.notEvents = nil
		return p
	default:
		return &part{recs: in.takeRecs(), run: map[int]int{}, last: map[int]kafka.Message{}}
	}
}

// takeRecs gives a record array for a part to decode into. The arrays
// circulate apart from the parts: a unit keeps its parts until it is
// stored, but only the few parts being decoded or handed to the store
// need their records.
func (in *Ingester) takeRecs() []event.Record {
	select {
	case r := <-in.freeRecs:
		return r
	default:
		return make([]event.Record, 0, in.partSize())
	}
}

// dropRecs lets a part's decoded records go once the store has them.
func (in *Ingester) dropRecs(p *part) {
	if p.recs == nil {
		return
	}
	clear(p.recs)
	select {
	case in.freeRecs <- p.recs[:0]:
	default:
	}
	p.recs = nil
}

func (in *Ingester) recycle(p *part) {
	select {
	case in.free <- p:
	default:
	}
}

// partSize is how many messages a part holds at most.
func (in *Ingester) partSize() int { return min(in.cfg.BatchSize, in.block) }

// note records a fetched message's position in the part's runs.
func (p *part) note(msg kafka.Message) {
	p.n++
	p.last[msg.Partition] = msg
	if i, ok := p.run[msg.Partition]; ok && p.runs[i].Last+1 == msg.Offset {
		p.runs[i].Last = msg.Offset
		return
	}
	p.run[msg.Partition] = len(p.runs)
	p.runs = append(p.runs, event.Span{Topic: msg.Topic, Partition: int32(msg.Partition), First: msg.Offset, Last: msg.Offset})
}

type runOffset struct {
	run    int
	offset int64
}

// notAnEvent marks the message just noted as no event.
func (p *part) notAnEvent(msg kafka.Message) { p.notAnEventAt(p.run[msg.Partition], msg.Offset) }

// notAnEventAt marks the message at offset of the part's run as no event.
func (p *part) notAnEventAt(run int, offset int64) {
	if p.notEvents == nil {
		p.notEvents = map[runOffset]struct{}{}
	}
	p.notEvents[runOffset{run, offset}] = struct{}{}
}

// batch is what the store is given for the part: its records, as decoded
// while fetching or, for a replay, read again from Kafka and decoded.
func (in *Ingester) batch(ctx context.Context, p *part, withSpans bool) (*event.Batch, error) {
	if p.recs == nil {
		p.recs = in.takeRecs()
		var err error
		for i := 0; i < len(p.runs) && err == nil; i++ {
			err = in.src.Replay(ctx, p.runs[i:i+1], func(msg kafka.Message) error {
				return in.replayed(p, i, msg)
			})
		}
		if err == nil && len(p.recs) != p.events {
			err = fault.Errorf(fault.Unavailable, "replay read %d events of %d (%d runs)", len(p.recs), p.events, len(p.runs))
		}
		if err != nil {
			in.dropRecs(p)
			return nil, fmt.Errorf("replay: %w", err)
		}
	}
	b := &event.Batch{Records: p.recs, DeadLetters: p.dls}
	if withSpans {
		b.Spans = p.runs
	}
	return b, nil
}

// replayed decodes a message of run i read again into the part's records.
func (in *Ingester) replayed(p *part, i int, msg kafka.Message) error {
	src := event.Source{Topic: msg.Topic, Partition: int32(msg.Partition), Offset: msg.Offset}
	if _, skip := p.notEvents[runOffset{i, msg.Offset}]; skip {
		return nil
	}
	r := p.nextRecord(msg, src)
	if err := in.decoder.DecodeInPlace(msg.Value, &r.Event); err != nil { // see add
		// it decoded when first read and the decoder is
		// deterministic: only a broker handing back other bytes
		// for the same offset gets here
		p.dropLastRecord()
		return fault.Errorf(fault.Internal, "replay of %s[%d]@%d does not decode as it did: %v", src.Topic, src.Partition, src.Offset, err)
	}
	return nil
}

// unit is the parts stored together, as one insert, then committed.
type unit struct {
	parts []*part
	store Unit  // open while every Add succeeded
	err   error // the first failure, when store is nil
	start time.Time
	// once sealed: the store's verdict, and whether it came
	stored  <-chan error
	verdict error
	decided bool
}

// errUnitBefore is why a unit is stored again when the unit sealed before
// it failed: its states built on that one's.
var errUnitBefore = fault.Errorf(fault.Unavailable, "the unit before this one was not stored")

func (u *unit) messages() int {
	n := 0
	for _, p := range u.parts {
		n += p.n
	}
	return n
}

// Run consumes until ctx is cancelled, then stores and commits what it has
// fetched (within ShutdownTimeout) and returns. It returns an error only for
// failures that retrying cannot fix (the reader closed under it, a dead
// letter the store refuses); failed fetches are retried with backoff.
func (in *Ingester) Run(ctx context.Context) error {
	in.running.Store(true)
	defer in.running.Store(false)
	parts := make(chan *part) // one part decoding while one is stored
	fetchErr := make(chan error, 1)
	// The fetcher also stops when the writer gives up: consuming on without
	// storing would only hold the partitions while lag grows.
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	go func() {
		defer close(parts)
		fetchErr <- in.fetchLoop(fetchCtx, parts)
	}()
	// The writer keeps going after ctx is cancelled, to drain the last
	// parts, but gives up at the shutdown deadline.
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
	// A unit is sealed when its last part is added: the store ends its
	// inserts in the background while the next unit streams, and the
	// unit's offsets are committed once it is stored. The next unit seals
	// only after that, so units are stored and committed in order.
	var writeErr error
	var u, sealed *unit
	finish := func() {
		err := in.finish(drainCtx, sealed, u)
		in.recycleParts(sealed)
		sealed = nil
		if err != nil {
			writeErr = err
			stopFetch()
		}
	}
	for {
		var verdict <-chan error // the sealed unit's, while it is awaited
		if sealed != nil {
			verdict = sealed.stored
		}
		var p *part
		select {
		case err := <-verdict:
			// stored: commit now, not at the next unit's end; not
			// stored: no use streaming on into a unit that builds on it
			sealed.verdict, sealed.decided = err, true
			finish()
			continue
		case next, ok := <-parts:
			if !ok {
				break
			}
			p = next
		}
		if p == nil {
			break
		}
		if writeErr != nil {
			continue // drain so the fetcher can exit
		}
		if u == nil {
			u = &unit{start: in.now()}
		}
		in.addPart(drainCtx, u, p)
		if !p.ends {
			continue
		}
		if sealed != nil {
			if finish(); writeErr != nil {
				continue
			}
		}
		if u.store != nil {
			u.stored, u.store = u.store.Seal(drainCtx), nil
			sealed, u = u, nil
			continue
		}
		err := in.storeAndCommit(drainCtx, u)
		in.recycleParts(u)
		if err != nil {
			writeErr = err
			stopFetch()
		}
		u = nil
	}
	if u != nil && u.store != nil {
		u.store.Abort() // the fetcher stopped mid-unit: nothing of it is committed
		u.store = nil
	}
	if sealed != nil {
		finish()
	}
	if err := <-fetchErr; err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil // a stop: what was not stored is uncommitted and comes back
	}
	return writeErr
}

// addPart streams a part into the unit's open store unit. After a failure
// the unit only gathers its parts, to be stored again as a whole at its
// end (storeAndCommit), which is where retries wait.
func (in *Ingester) addPart(ctx context.Context, u *unit, p *part) {
	u.parts = append(u.parts, p)
	if u.err != nil || p.n == 0 {
		in.dropRecs(p)
		return
	}
	if u.store == nil {
		u.store = in.store.Begin(ctx)
	}
	b, err := in.batch(ctx, p, true) // decoded while fetched: no replay
	if err == nil {
		err = u.store.Add(ctx, b)
	}
	if err != nil {
		u.store, u.err = nil, err
	}
	in.dropRecs(p)
}

func (in *Ingester) fetchLoop(ctx context.Context, out chan<- *part) error {
	clear(in.checks)
	in.checks = in.checks[:0]
	p := in.newPart()
	var deadline time.Time
	unitN := 0 // messages in the unit so far, the current part's included
	// While a unit fills, fetches wait at most until its deadline: one
	// context for the whole unit (a context with a timer per message
	// was a good part of the fetch loop's garbage).
	wait := batchWait{ctx: ctx}
	defer wait.stop(ctx)
	fetchFails := 0
	caughtUp := false // the last message fetched was its partition's last
	backlog := false  // the unit before filled up
	// hand passes the part on; ends says the unit ends with it
	hand := func(ends bool) {
		if ends {
			wait.stop(ctx)
		}
		in.dedupe(p)
		in.counts(p)
		if p.n == 0 && !(ends && unitN > 0) {
			return
		}
		p.ends = ends
		select {
		case out <- p:
		case <-ctx.Done():
			// still hand it over: the writer drains after a stop
			out <- p
		}
		p = in.newPart()
		if ends {
			backlog = unitN >= in.cfg.BatchSize
			unitN, deadline = 0, time.Time{}
		}
	}
	for {
		msg, err := in.fetch(wait.ctx, caughtUp && (unitN >= in.block || backlog && unitN > 0))
		if err != nil {
			if ctx.Err() != nil {
				hand(true)
				return nil
			}
			if errors.Is(err, context.DeadlineExceeded) {
				hand(true)
				continue
			}
			hand(true)
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
		if unitN == 0 {
			deadline = in.now().Add(in.unitWait(msg))
			wait.ctx, wait.cancel = context.WithDeadline(ctx, deadline)
		}
		in.add(p, msg)
		unitN++
		caughtUp = msg.Offset+1 >= msg.HighWaterMark
		switch {
		case unitN >= in.cfg.BatchSize || unitN%clockEvery == 0 && !in.now().Before(deadline):
			hand(true)
		case p.n >= in.block:
			hand(false)
		}
	}
}

// backlogWaits is how many batch_waits a unit may take when it starts
// behind (see unitWait).
const backlogWaits = 10

// unitWait is how long a unit starting with msg may take: batch_wait, or,
// when msg's partition still holds at least a block of messages after it
// (a backlog: a restart, a burst, a consumer that fell behind), up to
// backlogWaits of them, so that the unit fills up to batch_size. Its
// events are late anyway; a unit that ends at batch_wait in a backlog
// rewrites the state and SLA rows of every ticket it touched once a
// batch_wait instead of once a batch_size, which was a sixth of ingest's
// and ClickHouse's CPU catching up. Once the backlog is drained, units end
// at batch_wait again (and at once when caught up, see caughtUpWait).
func (in *Ingester) unitWait(msg kafka.Message) time.Duration {
	if msg.HighWaterMark-msg.Offset-1 >= int64(in.block) {
		return backlogWaits * in.cfg.BatchWait
	}
	return in.cfg.BatchWait
}

// fetch takes the next message; once caught up it waits caughtUpWait at
// most, the deadline ending the unit as batch_wait's does.
func (in *Ingester) fetch(ctx context.Context, caughtUp bool) (kafka.Message, error) {
	if !caughtUp {
		return in.src.FetchMessage(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, caughtUpWait)
	defer cancel()
	return in.src.FetchMessage(ctx)
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

// counts adds a part's messages to the consumed counters and sets the
// lag of its partitions as of their last message (once a part, not once a
// message: the labelled gauge's lookup was a measurable share of a fetch).
func (in *Ingester) counts(p *part) {
	in.metrics.Consumed.Add(float64(p.n))
	in.consumed.Add(uint64(p.n))
	for pt, msg := range p.last {
		if lag := msg.HighWaterMark - msg.Offset - 1; lag >= 0 {
			in.metrics.Lag.WithLabelValues(msg.Topic, strconv.Itoa(pt)).Set(float64(lag))
		}
	}
}

// add decodes one message into the part as an event, or as a dead letter.
// Whether the event is a redelivery is settled when the part is handed on
// (dedupe).
func (in *Ingester) add(p *part, msg kafka.Message) {
	p.note(msg)
	src := event.Source{Topic: msg.Topic, Partition: int32(msg.Partition), Offset: msg.Offset}
	r := p.nextRecord(msg, src)
	// In place: the reader allocates every message's value afresh and
	// nothing here writes to it (the record keeps it as its payload).
	if err := in.decoder.DecodeInPlace(msg.Value, &r.Event); err != nil {
		p.dls = append(p.dls, event.NewDeadLetter(src, msg.Key, msg.Value, &r.Event, err, in.now()))
		p.notAnEvent(msg)
		p.dropLastRecord()
		return
	}
	c := idCheck{offset: msg.Offset, partition: int32(msg.Partition), run: p.run[msg.Partition], key: msg.Key}
	if in.seen.limit > 0 {
		c.id, c.fingerprint = in.seen.keys(&r.Event)
	}
	in.checks = append(in.checks, c)
	p.events++
}

// dedupeChunk is how many of a part's events the dedupe window looks up
// together: their table slots (and those of the ids they push out) are
// loaded ahead in one loop, 2 x 512 cache lines, well within L2.
const dedupeChunk = 512

// dedupe has the window see the part's events in order and takes out of
// the part the redeliveries (skipped) and the ids reused for another event
// (dead letters). One at a time, as each was decoded, every look-up
// stalled on a cache miss or two in the window's 17 MB table; a chunk's
// loads issued back to back overlap (dedupeChunk).
func (in *Ingester) dedupe(p *part) {
	if len(in.checks) == 0 {
		return
	}
	defer func() { clear(in.checks); in.checks = in.checks[:0] }()
	if in.seen.limit == 0 {
		return
	}
	kept := 0
	for start := 0; start < len(in.checks); start += dedupeChunk {
		chunk := in.checks[start:min(start+dedupeChunk, len(in.checks))]
		in.seen.warm(chunk)
		for j := range chunk {
			// the record itself (cold by now) is read only to move or drop it
			c, i := &chunk[j], start+j
			prev, state := in.seen.see(c.id, c.fingerprint, event.Source{Partition: c.partition, Offset: c.offset})
			if state == seenNew {
				if kept != i {
					p.recs[kept] = p.recs[i]
				}
				kept++
				continue
			}
			p.events--
			p.notAnEventAt(c.run, c.offset)
			if state == seenSame {
				in.metrics.Duplicates.Inc()
				continue
			}
			r := &p.recs[i]
			err := &event.Error{Reason: event.ReasonDuplicateID, Field: "event_id",
				Detail: fmt.Sprintf("%q was already used by a different event (%s[%d]@%d)", r.Event.ID, r.Source.Topic, prev.Partition, prev.Offset)}
			p.dls = append(p.dls, event.NewDeadLetter(r.Source, c.key, r.Payload, &r.Event, err, in.now()))
		}
	}
	clear(p.recs[kept:]) // keep no references past the length
	p.recs = p.recs[:kept]
}

// nextRecord appends a record for msg to the part, its event to be
// decoded in place: an event is some 600 bytes, and copying it from the
// decoder into the part was a measurable share of decoding.
func (p *part) nextRecord(msg kafka.Message, src event.Source) *event.Record {
	n := len(p.recs)
	if n < cap(p.recs) {
		p.recs = p.recs[:n+1]
	} else {
		p.recs = append(p.recs, event.Record{})
	}
	r := &p.recs[n]
	r.Payload, r.Source = msg.Value, src
	return r
}

// dropLastRecord takes back the record nextRecord gave, which is no event.
func (p *part) dropLastRecord() {
	n := len(p.recs) - 1
	p.recs[n] = event.Record{} // keep no references past the length
	p.recs = p.recs[:n]
}

// recycleParts lets a unit's parts go once it is stored or given up.
func (in *Ingester) recycleParts(u *unit) {
	for _, p := range u.parts {
		in.recycle(p)
	}
}

// finish waits for a sealed unit's verdict and, if it was not stored,
// stores it again (next, the open unit begun after it, if any, is then
// aborted: it built on the failed one, and is stored again whole at its
// end), then commits its offsets.
func (in *Ingester) finish(ctx context.Context, sealed, next *unit) error {
	if !sealed.decided {
		sealed.verdict, sealed.decided = <-sealed.stored, true
	}
	if sealed.verdict != nil && next != nil && next.store != nil {
		next.store.Abort()
		next.store, next.err = nil, errUnitBefore
	}
	return in.storedOrRetry(ctx, sealed, sealed.verdict)
}

// storeAndCommit ends the unit's insert, storing it again as a whole for
// as long as that fails and ctx lives, then commits its offsets.
func (in *Ingester) storeAndCommit(ctx context.Context, u *unit) error {
	err := u.err
	if u.store != nil {
		err = u.store.Commit(ctx)
		u.store = nil
	}
	return in.storedOrRetry(ctx, u, err)
}

// storedOrRetry takes the outcome of storing the unit: while it failed,
// it stores the unit again (with backoff, for as long as ctx lives), then
// it commits the unit's offsets. An error is the unit given up.
func (in *Ingester) storedOrRetry(ctx context.Context, u *unit, err error) (gaveUp error) {
	defer func() {
		if gaveUp != nil {
			in.log.Error("giving up on uncommitted messages; they will be redelivered", "messages", u.messages(), "err", gaveUp)
		}
	}()
	if errors.Is(err, errUnitBefore) {
		// The unit before failed, not this one, and is stored by now:
		// store this one again at once, neither counted nor backed off.
		err = in.storeUnit(ctx, u)
	}
	bisected := false
	for attempt := 0; err != nil; attempt++ {
		kind := in.failed(err)
		if kind == fault.Permanent {
			in.log.Warn("store refused a unit; storing its parts apart, bisecting the refused ones", "messages", u.messages(), "err", err)
			for _, p := range u.parts {
				if p.n == 0 {
					continue // the empty part that ended the unit
				}
				b, err := in.replayPart(ctx, p)
				if err == nil {
					err = in.storeResilient(ctx, b)
				}
				in.dropRecs(p)
				if err != nil {
					return err
				}
			}
			bisected = true
			break
		}
		if err := in.retryAfter(ctx, attempt, "store", err); err != nil {
			return err
		}
		err = in.storeUnit(ctx, u)
	}
	in.unitStored(u, !bisected)
	msgs := make([]kafka.Message, 0, 4)
	last := map[int]kafka.Message{}
	for _, p := range u.parts {
		for pt, m := range p.last {
			last[pt] = m
		}
	}
	for _, m := range last {
		msgs = append(msgs, m)
	}
	// A failed commit loses nothing: the messages come again and storage
	// collapses them. So retry briefly, then move on.
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
	in.log.Warn("offset commit failed; the messages will be redelivered and de-duplicated", "err", err)
	return nil
}

// storeUnit stores all of a unit's parts again, as one unit.
func (in *Ingester) storeUnit(ctx context.Context, u *unit) error {
	su := in.store.Begin(ctx)
	for _, p := range u.parts {
		if p.n == 0 {
			continue
		}
		b, err := in.batch(ctx, p, true)
		if err == nil {
			err = su.Add(ctx, b)
		}
		in.dropRecs(p)
		if err != nil {
			su.Abort()
			return err
		}
	}
	return su.Commit(ctx)
}

// replayPart reads a part's events again, retrying with backoff while
// Kafka cannot serve them, for as long as ctx lives.
func (in *Ingester) replayPart(ctx context.Context, p *part) (*event.Batch, error) {
	for attempt := 0; ; attempt++ {
		b, err := in.batch(ctx, p, false)
		if err == nil {
			return b, nil
		}
		if err := in.retryAfter(ctx, attempt, "replay from kafka", err); err != nil {
			return nil, err
		}
	}
}

// unitStored counts a stored unit; its events and dead letters were
// counted piece by piece already if it was bisected.
func (in *Ingester) unitStored(u *unit, countRows bool) {
	in.healthy.Store(true)
	in.metrics.StoreUp.Set(1)
	if countRows {
		for _, p := range u.parts {
			in.counted(p.events, p.dls)
		}
	}
	in.metrics.BatchSize.Observe(float64(u.messages()))
	in.metrics.BatchLatency.Observe(in.now().Sub(u.start).Seconds())
}

// counted counts stored events and dead letters.
func (in *Ingester) counted(events int, dls []event.DeadLetter) {
	in.metrics.Inserted.Add(float64(events))
	in.stored.Add(uint64(events))
	for i := range dls {
		in.metrics.DeadLettered.WithLabelValues(string(dls[i].Reason)).Inc()
		in.unknownLabels.note(in.log, &dls[i], in.now())
	}
}

// failed counts a failed store and marks the ingester unready unless the
// data itself was refused.
func (in *Ingester) failed(err error) fault.Kind {
	kind := fault.KindOf(err)
	in.metrics.StoreErrors.WithLabelValues(kind.String()).Inc()
	if kind != fault.Permanent {
		in.healthy.Store(false)
		in.metrics.StoreUp.Set(0)
	}
	return kind
}

// storeOnce stores one batch as a unit of its own.
func (in *Ingester) storeOnce(ctx context.Context, b *event.Batch) error {
	u := in.store.Begin(ctx)
	if err := u.Add(ctx, b); err != nil {
		return err
	}
	return u.Commit(ctx)
}

// storeResilient stores a batch on its own, retrying transient failures
// with backoff for as long as ctx lives. A permanent failure is bisected
// down to the rows ClickHouse refuses, which become dead letters; the rest
// is stored.
func (in *Ingester) storeResilient(ctx context.Context, b *event.Batch) error {
	for attempt := 0; ; attempt++ {
		err := in.storeOnce(ctx, b)
		if err == nil {
			in.healthy.Store(true)
			in.metrics.StoreUp.Set(1)
			in.counted(len(b.Records), b.DeadLetters)
			return nil
		}
		kind := in.failed(err)
		if kind == fault.Permanent && len(b.Records)+len(b.DeadLetters) > 0 {
			in.log.Warn("store refused a batch; bisecting to find the rows", "events", len(b.Records), "dead_letters", len(b.DeadLetters), "err", err)
			return in.bisect(ctx, b.Records, b.DeadLetters, err)
		}
		if err := in.retryAfter(ctx, attempt, "store", err); err != nil {
			return err
		}
	}
}

// retryAfter logs a failed step and waits out its backoff; it returns an
// error only if ctx ends first.
func (in *Ingester) retryAfter(ctx context.Context, attempt int, step string, err error) error {
	wait := in.backoff(attempt)
	in.log.Warn(step+" failed; retrying", "attempt", attempt+1, "in", wait, "err", err)
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s: %w (last error: %v)", step, ctx.Err(), err)
	case <-time.After(wait):
		return nil
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
// Ids are kept as 64-bit hashes, not strings, in a pointer-free table: a
// window of 200k is 2^19 slots of 32 bytes (17 MB) plus the ring (1.6 MB),
// none of which the GC scans, where strings in a map were ~26 MB it did.
type recentIDs struct {
	seed maphash.Seed
	// an open-addressing table (linear probing, at most half full) of
	// the ids in ring; a Go map of the same ids took twice the memory,
	// its deleted entries leaving room it only reclaimed by growing
	table []seenEntry
	mask  int
	ring  []uint64 // the ids, oldest at next
	next  int
	limit int
	sink  uint64 // warm's loads end here, so that they are not dropped
}

type seenEntry struct {
	id          uint64 // 0: an empty slot
	fingerprint uint64
	offset      int64
	partition   int32
}

func newRecentIDs(limit int) *recentIDs {
	size := 1
	for size < 2*limit {
		size <<= 1
	}
	return &recentIDs{seed: maphash.MakeSeed(), table: make([]seenEntry, size), mask: size - 1,
		ring: make([]uint64, limit), limit: limit}
}

// find returns id's slot, or the empty slot where it would go.
func (r *recentIDs) find(id uint64) int {
	i := int(id) & r.mask
	for r.table[i].id != 0 && r.table[i].id != id {
		i = (i + 1) & r.mask
	}
	return i
}

// forget empties id's slot, moving later entries of its probe run back so
// that every entry stays reachable from its home slot.
func (r *recentIDs) forget(id uint64) {
	i := r.find(id)
	if r.table[i].id == 0 {
		return
	}
	for j := (i + 1) & r.mask; r.table[j].id != 0; j = (j + 1) & r.mask {
		home := int(r.table[j].id) & r.mask
		// move j into the hole at i unless its home lies cyclically in (i, j]
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			r.table[i] = r.table[j]
			i = j
		}
	}
	r.table[i] = seenEntry{}
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

// keys gives e's id as the table keeps it and its fingerprint.
func (r *recentIDs) keys(e *event.Event) (id, fingerprint uint64) {
	return maphash.String(r.seed, e.ID) | 1, r.fingerprint(e) // | 1: never 0, an empty slot
}

// warm loads the table slots that seeing the checks' ids will probe
// first: each id's home slot, and that of the id it would push out of the
// window. The loads do not depend on each other, so the processor has
// many of their cache misses in flight at once; see then finds the slots
// in the cache. Only a hint: the ids pushed out are those of the next
// len(checks) new ids, fewer if some are seen already.
func (r *recentIDs) warm(checks []idCheck) {
	var sum uint64
	old := r.next
	for i := range checks {
		sum += r.table[int(checks[i].id)&r.mask].id
		sum += r.table[int(r.ring[old])&r.mask].id
		if old++; old == r.limit {
			old = 0
		}
	}
	r.sink = sum
}

// see records id, whose event has the fingerprint fp, as read at src, and
// says whether the window had it already, for the same event or another;
// prev is where it was read then.
func (r *recentIDs) see(id, fp uint64, src event.Source) (prev event.Source, state seenState) {
	if p := &r.table[r.find(id)]; p.id == id {
		prev = event.Source{Topic: src.Topic, Partition: p.partition, Offset: p.offset}
		if p.fingerprint == fp {
			return prev, seenSame
		}
		return prev, seenConflict
	}
	if old := r.ring[r.next]; old != 0 {
		r.forget(old)
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % r.limit
	// found anew: forget may have moved entries into the slot found above
	r.table[r.find(id)] = seenEntry{id: id, fingerprint: fp, partition: src.Partition, offset: src.Offset}
	return src, seenNew
}
