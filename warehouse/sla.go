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
	now = now.UTC().Truncate(time.Second)
	n := len(rs)
	tenant, ticketID, metric, policy, timeKind, state := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	cycle := make([]uint16, n)
	target, elapsed, paused := make([]uint32, n), make([]uint32, n), make([]uint32, n)
	start, deadline, stop, breached, evaluated := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
	warnedAt := make([][]time.Time, n)
	for i := range rs {
		x := &rs[i]
		tenant[i], ticketID[i], metric[i], policy[i], timeKind[i], state[i] = x.Tenant, x.TicketID, string(x.Metric), x.Policy, x.TimeKind, string(x.State)
		cycle[i], target[i], elapsed[i], paused[i] = uint16(x.Cycle), uint32(x.Target), uint32(x.Elapsed), uint32(x.Paused)
		start[i], deadline[i], stop[i], breached[i], evaluated[i] = x.Start.Truncate(time.Second), optTime(x.Deadline), optTime(x.Stop), optTime(x.Breached), now
		warnedAt[i] = warned(x.Warned, optTime)
	}
	return map[string]any{"tenant": tenant, "ticket_id": ticketID, "metric": metric, "cycle": cycle,
		"ticket_version": versions, "policy": policy, "target_seconds": target, "time_kind": timeKind,
		"start_at": start, "deadline": deadline, "stop_at": stop, "elapsed_seconds": elapsed, "paused_seconds": paused,
		"state": state, "breached_at": breached, "warned_at": warnedAt, "evaluated_at": evaluated}
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
	now = now.UTC().Truncate(time.Second)
	n := len(ts)
	var (
		tenant, ticketID, subject, status = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		priority, severity, assignee      = make([]string, n), make([]string, n), make([]string, n)
		group, channel, customer, org     = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		statusLabel, priorityLabel        = make([]string, n), make([]string, n)
		severityLabel                     = make([]string, n)
		version                           = make([]uint64, n)
		live                              = make([]uint8, n)
		tags                              = make([][]string, n)
		createdAt, evaluated              = make([]time.Time, n), make([]time.Time, n)
		metric, policy, state             = make([][]string, n), make([][]string, n), make([][]string, n)
		cycle                             = make([][]uint16, n)
		elapsed                           = make([][]uint32, n)
		start, deadline, stop             = make([][]time.Time, n), make([][]time.Time, n), make([][]time.Time, n)
	)
	// each ticket's arrays are pieces of one allocation per column
	m := 0
	for i := range ts {
		m += ts[i].to - ts[i].from
	}
	mAll, pAll, sAll := make([]string, m), make([]string, m), make([]string, m)
	cAll, eAll := make([]uint16, m), make([]uint32, m)
	stAll, dlAll, spAll := make([]time.Time, m), make([]time.Time, m), make([]time.Time, m)
	k := 0
	for i := range ts {
		t := &ts[i]
		s := t.state
		tenant[i], ticketID[i], version[i], subject[i] = s.Tenant, s.TicketID, s.Version, s.Subject
		status[i], priority[i], severity[i], tags[i] = string(s.Status), string(s.Priority), string(s.Severity), s.Tags
		assignee[i], group[i], channel[i], customer[i], org[i] = s.Assignee, s.Group, s.Channel, s.Customer, s.Organisation
		live[i], createdAt[i], evaluated[i] = b2u(s.HasCreated && !s.Deleted && s.MergedInto == ""), dt(s.CreatedAt), now
		statusLabel[i], priorityLabel[i], severityLabel[i] = s.StatusLabel, s.PriorityLabel, s.SeverityLabel
		j := k + t.to - t.from
		metric[i], policy[i], state[i] = mAll[k:j:j], pAll[k:j:j], sAll[k:j:j]
		cycle[i], elapsed[i] = cAll[k:j:j], eAll[k:j:j]
		start[i], deadline[i], stop[i] = stAll[k:j:j], dlAll[k:j:j], spAll[k:j:j]
		for q, x := range rs[t.from:t.to] {
			metric[i][q], policy[i][q], state[i][q] = string(x.Metric), x.Policy, string(x.State)
			cycle[i][q], elapsed[i][q] = uint16(x.Cycle), uint32(x.Elapsed)
			start[i][q], deadline[i][q], stop[i][q] = x.Start.Truncate(time.Second), optTime(x.Deadline), optTime(x.Stop)
		}
		k = j
	}
	return map[string]any{"tenant": tenant, "ticket_id": ticketID, "ticket_version": version, "live": live,
		"subject": subject, "status": status, "priority": priority, "severity": severity, "tags": tags,
		"assignee": assignee, "group_name": group, "channel": channel, "customer": customer, "organisation": org,
		"created_at": createdAt, "metric": metric, "cycle": cycle, "policy": policy, "start_at": start,
		"deadline": deadline, "stop_at": stop, "elapsed_seconds": elapsed, "state": state, "evaluated_at": evaluated,
		"status_label": statusLabel, "priority_label": priorityLabel, "severity_label": severityLabel}
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
