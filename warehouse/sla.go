package warehouse

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse/schema"
)

// SLARefresher keeps sla_results in step with the tickets table: it finds
// tickets projected since a watermark and re-evaluates their SLA from the
// whole stored history. It runs beside ingest, off the commit path, and
// is idempotent, so several instances (or a recompute) may overlap.
type SLARefresher struct {
	conn   driver.Conn
	db     string
	cfg    *sla.Config
	set    string // cfg's fingerprint, for the clocks it stores
	now    func() time.Time
	Worker string
	// rangeSize is how many tickets one history query reads (0:
	// historyRange); tests make it small to cross many ranges.
	rangeSize int
}

// NewSLARefresher evaluates with cfg into database db.
func NewSLARefresher(conn driver.Conn, db string, cfg *sla.Config) *SLARefresher {
	return &SLARefresher{conn: conn, db: db, cfg: cfg, set: cfg.Fingerprint(), now: time.Now, Worker: "ingest"}
}

// watermarkMargin re-reads tickets projected just before the last
// watermark: an insert that started earlier may land after the read.
const watermarkMargin = 5 * time.Second

// slaInsertBatch is about how many results one insert of sla_results
// writes (with the sla_tickets rows of the same tickets).
const slaInsertBatch = 20_000

// slaReadBatch is how many tickets' histories go to a worker at a time.
const slaReadBatch = 256

// slaChunk is what one insert writes: results, each result's ticket
// version, and the evaluated tickets with their results' ranges.
type slaChunk struct {
	results  []sla.Result
	versions []uint64
	tickets  []slaTicket
	clocks   []slaClock // each evaluated ticket's, for sla_clocks
}

// reset empties the chunk for reuse, keeping its storage, and lets go of
// what it referred to.
func (c *slaChunk) reset() {
	clear(c.results)
	clear(c.tickets)
	clear(c.clocks)
	c.results, c.versions, c.tickets, c.clocks = c.results[:0], c.versions[:0], c.tickets[:0], c.clocks[:0]
}

// slaChunkRows is about how many sla_results rows ingest evaluates and
// hands to the driver at a time (see projector.slaRows).
const slaChunkRows = insertBlock

// newSLAChunk makes room for about n results. Ingest refreshes a few
// tickets every couple of seconds: sizing every chunk for a full insert
// made megabytes of garbage per refresh and doubled ingest's peak memory.
func newSLAChunk(n int) *slaChunk {
	room := min(n, slaInsertBatch) + 64 // a ticket's results past the batch size
	return &slaChunk{results: make([]sla.Result, 0, room), versions: make([]uint64, 0, room),
		tickets: make([]slaTicket, 0, room/4), clocks: make([]slaClock, 0, room/4)}
}

// resultsPerTicket is a generous average of results per evaluated ticket
// (generated histories give about 8.6), for sizing chunks.
const resultsPerTicket = 12

// slaBatch is the histories of slaReadBatch tickets, each a piece of one
// backing array that goes back to the reader once evaluated.
type slaBatch struct {
	histories [][]event.Event
	events    []event.Event
}

// Refresh evaluates every ticket projected at or after since (of one
// tenant, if given) and returns the watermark for the next call and the
// number of tickets evaluated. progress, if not nil, is told how many of
// how many tickets are done.
//
// The histories stream from ClickHouse in one query; a worker per core
// sorts, evaluates and folds them while the stream goes on, and a writer
// inserts the results in large batches meanwhile.
func (r *SLARefresher) Refresh(ctx context.Context, since time.Time, tenant string, progress func(done, total int)) (time.Time, int, error) {
	size := r.rangeSize
	if size <= 0 {
		size = historyRange
	}
	ranges, total, latest, err := projectedRanges(ctx, r.conn, r.db, since, tenant, size)
	if err != nil {
		return since, 0, fmt.Errorf("sla refresh: %w", err)
	}
	if total == 0 {
		return since, 0, nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		errOnce  sync.Once
		firstErr error
		failed   atomic.Bool
		done     atomic.Int64
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; failed.Store(true); cancel() })
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	room := int(min(total, slaInsertBatch))*resultsPerTicket/workers + 1
	batches := make(chan *slaBatch, workers)
	free := make(chan *slaBatch, 2*workers+2) // evaluated batches, to reuse
	chunks := make(chan *slaChunk, 1)
	var working, writing sync.WaitGroup
	for range workers {
		working.Add(1)
		go func() {
			defer working.Done()
			if err := r.evaluate(ctx, batches, free, chunks, &done, room); err != nil {
				fail(err)
			}
		}()
	}
	writing.Add(1)
	go func() {
		defer writing.Done()
		for c := range chunks {
			if !failed.Load() {
				if err := r.write(ctx, c); err != nil {
					fail(err)
				}
			}
		}
	}()

	newBatch := func() *slaBatch {
		select {
		case b := <-free:
			b.histories, b.events = b.histories[:0], b.events[:0]
			return b
		default:
			return &slaBatch{histories: make([][]event.Event, 0, slaReadBatch), events: make([]event.Event, 0, 16*slaReadBatch)}
		}
	}
	batch := newBatch()
	read := 0
	err = streamRangeHistories(ctx, r.conn, r.db, since, ranges, func() *[]event.Event { return &batch.events }, func(history []event.Event) error {
		batch.histories = append(batch.histories, history)
		if read++; progress != nil && read%1000 == 0 {
			progress(int(done.Load()), int(total))
		}
		if len(batch.histories) == slaReadBatch {
			select {
			case batches <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = newBatch()
		}
		return nil
	})
	if err == nil && len(batch.histories) > 0 {
		select {
		case batches <- batch:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	close(batches)
	working.Wait()
	close(chunks)
	writing.Wait()
	if failed.Load() {
		err = firstErr // the cause, rather than the cancellation it led to
	}
	n := int(done.Load())
	if err != nil {
		return since, n, err
	}
	if progress != nil {
		progress(n, max(n, int(total)))
	}
	next := latest.Add(-watermarkMargin)
	if next.Before(since) {
		next = since
	}
	return next, n, nil
}

// evaluate is one worker: each history is sorted, run through the
// ticket's SLA clocks, evaluated as of its last event (what
// Config.Evaluate gives, see sla.Clocks) and folded into the ticket's
// state; the clocks are kept for sla_clocks, so ingest extends them
// rather than reading the history again. Full chunks go to the writer.
func (r *SLARefresher) evaluate(ctx context.Context, batches <-chan *slaBatch, free chan<- *slaBatch, chunks chan<- *slaChunk, done *atomic.Int64, room int) error {
	ev := r.cfg.NewEvaluator()
	c := newSLAChunk(room)
	var (
		refs   []*event.Event
		clocks sla.Clocks
		buf    []byte
	)
	send := func() error {
		if len(c.tickets) == 0 {
			return nil
		}
		select {
		case chunks <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		c = newSLAChunk(room)
		return nil
	}
	for batch := range batches {
		if ctx.Err() != nil {
			continue // drain: the reader stops soon
		}
		for _, history := range batch.histories {
			refs = refs[:0]
			for i := range history {
				refs = append(refs, &history[i])
			}
			h := event.SortHistoryRefs(refs)
			// as of the ticket's last event: deterministic, and a still
			// running clock's breach shows by its deadline at query time
			r.cfg.StartInto(&clocks)
			clocks.Extend(h)
			from := len(c.results)
			c.results = clocks.Append(ev, c.results)
			for range c.results[from:] {
				c.versions = append(c.versions, uint64(len(h)))
			}
			st := new(ticket.State)
			st.Apply(h)
			c.tickets = append(c.tickets, slaTicket{state: st, from: from, to: len(c.results)})
			buf = clocks.AppendCompact(buf[:0])
			c.clocks = append(c.clocks, slaClock{key: TicketKey{st.Tenant, st.TicketID}, version: st.Version, clocks: string(buf)})
			if len(c.results) >= slaInsertBatch {
				if err := send(); err != nil {
					return err
				}
			}
		}
		done.Add(int64(len(batch.histories)))
		// nothing evaluated refers to the events: their memory can be reused
		clear(batch.histories)
		select {
		case free <- batch:
		default:
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return send()
}

// write inserts a chunk: its sla_results, sla_tickets and sla_clocks
// rows side by side.
func (r *SLARefresher) write(ctx context.Context, c *slaChunk) error {
	w := &Writer{conn: r.conn, db: r.db, now: r.now}
	now := r.now()
	tickets, clocks := make(chan error, 1), make(chan error, 1)
	go func() {
		b, err := w.prepareSLATickets(ctx, c.tickets, c.results, now)
		if err == nil {
			err = sendPrepared("sla_tickets", b)
		}
		tickets <- err
	}()
	go func() { clocks <- w.insertSLAClocks(ctx, r.set, c.clocks) }()
	b, err := w.prepareSLAResults(ctx, c.results, c.versions, now)
	if err == nil {
		err = sendPrepared("sla_results", b)
	}
	return errors.Join(err, <-tickets, <-clocks)
}

// prepareSLAResults gives the driver results as sla_results rows, a
// column at a time (nil: none), evaluated at now.
func (w *Writer) prepareSLAResults(ctx context.Context, rs []sla.Result, versions []uint64, now time.Time) (driver.Batch, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	cols := slaResultsByColumn(rs, versions, now)
	return w.prepare(ctx, schema.SLAResults, func(b driver.Batch) error {
		return appendNamedBlocks(b, schema.SLAResults, len(rs), cols)
	})
}

// slaResultsByColumn are the sla_results columns of results, by name.
func slaResultsByColumn(rs []sla.Result, versions []uint64, now time.Time) map[string]any {
	return new(slaCols).results(rs, versions, now)
}

// slaCols are the sla_results and sla_tickets columns of a chunk of
// results, kept from chunk to chunk: laid out afresh for every chunk they
// were a fifth of ingest's allocations. The driver copies what it is
// given, so a chunk's columns may be overwritten once they are appended.
type slaCols struct {
	// sla_results
	tenant, ticketID, metric, policy, timeKind, state []string
	cycle                                             []uint16
	target, elapsed, paused                           []uint32
	start, deadline, stop, breached, evaluated        []time.Time
	warnedAt                                          [][]time.Time
	warnedAll                                         []time.Time
	// sla_tickets: one row per ticket, its cycles in arrays that are
	// pieces of the *All columns
	tTenant, tTicketID, subject, tStatus      []string
	priority, severity, assignee              []string
	group, channel, customer, org             []string
	statusLabel, priorityLabel, severityLabel []string
	version                                   []uint64
	live                                      []uint8
	tags                                      [][]string
	createdAt, tEvaluated                     []time.Time
	tMetric, tPolicy, tState                  [][]string
	tCycle                                    [][]uint16
	tElapsed                                  [][]uint32
	tStart, tDeadline, tStop                  [][]time.Time
	mAll, pAll, sAll                          []string
	cAll                                      []uint16
	eAll                                      []uint32
	stAll, dlAll, spAll                       []time.Time
}

// results lays out rs as sla_results columns, by name.
func (c *slaCols) results(rs []sla.Result, versions []uint64, now time.Time) map[string]any {
	now = now.UTC().Truncate(time.Second)
	n := len(rs)
	c.tenant, c.ticketID, c.metric = resized(c.tenant, n), resized(c.ticketID, n), resized(c.metric, n)
	c.policy, c.timeKind, c.state = resized(c.policy, n), resized(c.timeKind, n), resized(c.state, n)
	c.cycle = resized(c.cycle, n)
	c.target, c.elapsed, c.paused = resized(c.target, n), resized(c.elapsed, n), resized(c.paused, n)
	c.start, c.deadline, c.stop = resized(c.start, n), resized(c.deadline, n), resized(c.stop, n)
	c.breached, c.evaluated = resized(c.breached, n), resized(c.evaluated, n)
	c.warnedAt = resized(c.warnedAt, n)
	w := 0
	for i := range rs {
		w += len(rs[i].Warned)
	}
	c.warnedAll = resized(c.warnedAll, w)
	w = 0
	for i := range rs {
		x := &rs[i]
		c.tenant[i], c.ticketID[i], c.metric[i], c.policy[i], c.timeKind[i], c.state[i] = x.Tenant, x.TicketID, string(x.Metric), x.Policy, x.TimeKind, string(x.State)
		c.cycle[i], c.target[i], c.elapsed[i], c.paused[i] = uint16(x.Cycle), uint32(x.Target), uint32(x.Elapsed), uint32(x.Paused)
		c.start[i], c.deadline[i], c.stop[i], c.breached[i], c.evaluated[i] = x.Start.Truncate(time.Second), optTime(x.Deadline), optTime(x.Stop), optTime(x.Breached), now
		k := w + len(x.Warned)
		c.warnedAt[i] = c.warnedAll[w:k:k]
		for q, t := range x.Warned {
			c.warnedAt[i][q] = optTime(t)
		}
		w = k
	}
	return map[string]any{"tenant": c.tenant, "ticket_id": c.ticketID, "metric": c.metric, "cycle": c.cycle,
		"ticket_version": versions, "policy": c.policy, "target_seconds": c.target, "time_kind": c.timeKind,
		"start_at": c.start, "deadline": c.deadline, "stop_at": c.stop, "elapsed_seconds": c.elapsed, "paused_seconds": c.paused,
		"state": c.state, "breached_at": c.breached, "warned_at": c.warnedAt, "evaluated_at": c.evaluated}
}

// appendColumns appends whole columns, in order: columnar appends avoid the
// driver's per-value boxing. Array columns go a row at a time: the
// driver's Append of a whole [][]T goes through reflection for every
// element, its AppendRow of a []T does not.
func appendColumns(b driver.Batch, cols ...any) error {
	for i, col := range cols {
		c := b.Column(i)
		var err error
		switch col := col.(type) {
		case [][]string:
			err = appendRows(c, col)
		case [][]time.Time:
			err = appendRows(c, col)
		case [][]uint16:
			err = appendRows(c, col)
		case [][]uint32:
			err = appendRows(c, col)
		default:
			err = c.Append(col)
		}
		if err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return nil
}

// appendColumnBlocks appends whole columns of n rows in blocks
// (inBlocks): the driver then holds one block's encoding at a time, not
// a unit's SLA rows, which were the largest share of ingest's heap.
func appendColumnBlocks(b driver.Batch, n int, cols ...any) error {
	part := make([]any, len(cols))
	return inBlocks(b, n, func(start, end int) error {
		for i, col := range cols {
			switch col := col.(type) {
			case []string:
				part[i] = col[start:end]
			case []uint8:
				part[i] = col[start:end]
			case []uint16:
				part[i] = col[start:end]
			case []uint32:
				part[i] = col[start:end]
			case []uint64:
				part[i] = col[start:end]
			case []time.Time:
				part[i] = col[start:end]
			case [][]string:
				part[i] = col[start:end]
			case [][]time.Time:
				part[i] = col[start:end]
			case [][]uint16:
				part[i] = col[start:end]
			case [][]uint32:
				part[i] = col[start:end]
			default:
				return fmt.Errorf("column %d: cannot cut a %T into blocks", i, col)
			}
		}
		return appendColumns(b, part...)
	})
}

// appendRows passes an empty row as a nil slice: boxing a nil slice into
// the interface AppendRow takes allocates nothing, boxing any other slice
// allocates its header, and most rows of an events block (tags, tags
// added and removed, supporting agents) are empty: those boxes were half
// of ingest's allocations by count.
func appendRows[T any](c driver.BatchColumn, rows [][]T) error {
	for _, row := range rows {
		if len(row) == 0 {
			row = nil
		}
		if err := c.AppendRow(row); err != nil {
			return err
		}
	}
	return nil
}

// slaTicket is one evaluated ticket: its state (for the dimensions) and
// its results' range in the batch.
type slaTicket struct {
	state    *ticket.State
	from, to int
}

// prepareSLATickets gives the driver one sla_tickets row per evaluated
// ticket (nil: none), also for tickets without cycles: an empty row
// replaces cycles a late event removed. A column at a time.
func (w *Writer) prepareSLATickets(ctx context.Context, ts []slaTicket, rs []sla.Result, now time.Time) (driver.Batch, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	cols := slaTicketsByColumn(ts, rs, now)
	return w.prepare(ctx, schema.SLATickets, func(b driver.Batch) error {
		return appendNamedBlocks(b, schema.SLATickets, len(ts), cols)
	})
}

// slaTicketsByColumn are the sla_tickets columns of the evaluated
// tickets, by name: one row per ticket, its cycles in arrays.
func slaTicketsByColumn(ts []slaTicket, rs []sla.Result, now time.Time) map[string]any {
	return new(slaCols).tickets(ts, rs, now)
}

// tickets lays out the evaluated tickets as sla_tickets columns, by name.
func (c *slaCols) tickets(ts []slaTicket, rs []sla.Result, now time.Time) map[string]any {
	now = now.UTC().Truncate(time.Second)
	n := len(ts)
	c.tTenant, c.tTicketID, c.subject, c.tStatus = resized(c.tTenant, n), resized(c.tTicketID, n), resized(c.subject, n), resized(c.tStatus, n)
	c.priority, c.severity, c.assignee = resized(c.priority, n), resized(c.severity, n), resized(c.assignee, n)
	c.group, c.channel, c.customer, c.org = resized(c.group, n), resized(c.channel, n), resized(c.customer, n), resized(c.org, n)
	c.statusLabel, c.priorityLabel, c.severityLabel = resized(c.statusLabel, n), resized(c.priorityLabel, n), resized(c.severityLabel, n)
	c.version, c.live, c.tags = resized(c.version, n), resized(c.live, n), resized(c.tags, n)
	c.createdAt, c.tEvaluated = resized(c.createdAt, n), resized(c.tEvaluated, n)
	c.tMetric, c.tPolicy, c.tState = resized(c.tMetric, n), resized(c.tPolicy, n), resized(c.tState, n)
	c.tCycle, c.tElapsed = resized(c.tCycle, n), resized(c.tElapsed, n)
	c.tStart, c.tDeadline, c.tStop = resized(c.tStart, n), resized(c.tDeadline, n), resized(c.tStop, n)
	m := 0
	for i := range ts {
		m += ts[i].to - ts[i].from
	}
	c.mAll, c.pAll, c.sAll = resized(c.mAll, m), resized(c.pAll, m), resized(c.sAll, m)
	c.cAll, c.eAll = resized(c.cAll, m), resized(c.eAll, m)
	c.stAll, c.dlAll, c.spAll = resized(c.stAll, m), resized(c.dlAll, m), resized(c.spAll, m)
	k := 0
	for i := range ts {
		t := &ts[i]
		s := t.state
		c.tTenant[i], c.tTicketID[i], c.version[i], c.subject[i] = s.Tenant, s.TicketID, s.Version, s.Subject
		c.tStatus[i], c.priority[i], c.severity[i], c.tags[i] = string(s.Status), string(s.Priority), string(s.Severity), s.Tags
		c.assignee[i], c.group[i], c.channel[i], c.customer[i], c.org[i] = s.Assignee, s.Group, s.Channel, s.Customer, s.Organisation
		c.live[i], c.createdAt[i], c.tEvaluated[i] = b2u(s.HasCreated && !s.Deleted && s.MergedInto == ""), dt(s.CreatedAt), now
		c.statusLabel[i], c.priorityLabel[i], c.severityLabel[i] = s.StatusLabel, s.PriorityLabel, s.SeverityLabel
		j := k + t.to - t.from
		c.tMetric[i], c.tPolicy[i], c.tState[i] = c.mAll[k:j:j], c.pAll[k:j:j], c.sAll[k:j:j]
		c.tCycle[i], c.tElapsed[i] = c.cAll[k:j:j], c.eAll[k:j:j]
		c.tStart[i], c.tDeadline[i], c.tStop[i] = c.stAll[k:j:j], c.dlAll[k:j:j], c.spAll[k:j:j]
		for q, x := range rs[t.from:t.to] {
			c.tMetric[i][q], c.tPolicy[i][q], c.tState[i][q] = string(x.Metric), x.Policy, string(x.State)
			c.tCycle[i][q], c.tElapsed[i][q] = uint16(x.Cycle), uint32(x.Elapsed)
			c.tStart[i][q], c.tDeadline[i][q], c.tStop[i][q] = x.Start.Truncate(time.Second), optTime(x.Deadline), optTime(x.Stop)
		}
		k = j
	}
	return map[string]any{"tenant": c.tTenant, "ticket_id": c.tTicketID, "ticket_version": c.version, "live": c.live,
		"subject": c.subject, "status": c.tStatus, "priority": c.priority, "severity": c.severity, "tags": c.tags,
		"assignee": c.assignee, "group_name": c.group, "channel": c.channel, "customer": c.customer, "organisation": c.org,
		"created_at": c.createdAt, "metric": c.tMetric, "cycle": c.tCycle, "policy": c.tPolicy, "start_at": c.tStart,
		"deadline": c.tDeadline, "stop_at": c.tStop, "elapsed_seconds": c.tElapsed, "state": c.tState, "evaluated_at": c.tEvaluated,
		"status_label": c.statusLabel, "priority_label": c.priorityLabel, "severity_label": c.severityLabel}
}

// optTime maps "none" to the epoch, as dt does.
func optTime(t *time.Time) time.Time {
	if t == nil {
		return time.Unix(0, 0).UTC()
	}
	return t.Truncate(time.Second)
}

// Watermark reads this worker's saved position (zero if none).
func (r *SLARefresher) Watermark(ctx context.Context) (time.Time, error) {
	var w time.Time
	rows, err := r.conn.Query(ctx, "SELECT argMax(watermark, updated_at) FROM "+r.db+".sla_progress WHERE worker = ? GROUP BY worker", r.Worker)
	if err != nil {
		return w, fmt.Errorf("sla watermark: %w", classify(err))
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&w); err != nil {
			return w, err
		}
	}
	return w, rows.Err()
}

// SaveWatermark records how far this worker has got.
func (r *SLARefresher) SaveWatermark(ctx context.Context, w time.Time) error {
	wr := &Writer{conn: r.conn, db: r.db}
	return wr.send(ctx, schema.SLAProgress, func(b driver.Batch) error {
		return appendRow(b, schema.SLAProgress, map[string]any{
			"worker": r.Worker, "watermark": w.UTC().Truncate(time.Second), "updated_at": r.now().UTC().Truncate(time.Second)})
	})
}

// Run refreshes every interval until ctx ends, resuming from the saved
// watermark; failures are logged by the caller's onError and retried at
// the next tick.
func (r *SLARefresher) Run(ctx context.Context, interval time.Duration, onPass func(n int, err error)) {
	since, err := r.Watermark(ctx)
	if err != nil && onPass != nil {
		onPass(0, err)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		next, n, err := r.Refresh(ctx, since, "", nil)
		if err == nil && next.After(since) {
			if err = r.SaveWatermark(ctx, next); err == nil {
				since = next
			}
		}
		if onPass != nil {
			onPass(n, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// warned lays the warning instants out for an Array(DateTime) column, the
// epoch standing for a threshold not reached.
func warned(ws []*time.Time, opt func(*time.Time) time.Time) []time.Time {
	out := make([]time.Time, len(ws))
	for i, w := range ws {
		out[i] = opt(w)
	}
	return out
}

// release lets go of what the columns refer to (a unit's strings and
// tags), keeping their storage.
func (c *slaCols) release() {
	for _, col := range [][]string{c.tenant, c.ticketID, c.metric, c.policy, c.timeKind, c.state,
		c.tTenant, c.tTicketID, c.subject, c.tStatus, c.priority, c.severity, c.assignee,
		c.group, c.channel, c.customer, c.org, c.statusLabel, c.priorityLabel, c.severityLabel,
		c.mAll, c.pAll, c.sAll} {
		clear(col[:cap(col)])
	}
	for _, col := range [][][]string{c.tags, c.tMetric, c.tPolicy, c.tState} {
		clear(col[:cap(col)])
	}
}
