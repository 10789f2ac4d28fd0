package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse/schema"
)

// Writer stores batches of decoded events and dead letters, and keeps the
// tickets table in step with them. Every step is idempotent, so a batch
// stored twice (a retry, a replay after a crash) changes no figure.
type Writer struct {
	conn driver.Conn
	db   string
	now  func() time.Time
	proj *projector
	Log  *slog.Logger // debug: per-batch step timings
	// PartRows, when positive, has the server write a part of a unit's
	// events insert each time it holds this many rows
	// (min_insert_block_size_rows), not only when the insert ends; see Unit.
	PartRows   int
	slaTickets atomic.Int64   // SLATickets
	spellings  knownSpellings // tag spellings stored (tagspellings.go)
}

// testHookSealInserts, unset but in tests, runs before a unit sealed in
// the background ends its inserts: a test holds them back there to show
// what waits for them.
var testHookSealInserts atomic.Pointer[func(*Writer)]

// NewWriter writes into database db through conn, caching up to
// stateCache ticket states (0 = none; every batch reads stored states).
func NewWriter(conn driver.Conn, db string, stateCache int) *Writer {
	return &Writer{conn: conn, db: db, now: time.Now, proj: newProjector(conn, db, stateCache),
		Log: slog.New(slog.DiscardHandler)}
}

// SetSLA has the projection evaluate SLA with cfg: every ticket state a
// unit stores comes with its sla_results and sla_tickets rows, in the same
// unit, equal to what SLARefresher evaluates from the whole history (see
// sla.Clocks). Call it before the first Store; nil turns SLA off.
func (w *Writer) SetSLA(cfg *sla.Config) {
	w.proj.setSLA(cfg)
	w.proj.forget() // cached states carry no clocks of cfg
}

// SLATickets is how many tickets' SLA rows the writer has stored.
func (w *Writer) SLATickets() int64 { return w.slaTickets.Load() }

// SetTicketRules sets each tenant's rules for deriving ticket states (which
// rating counts). Call it before the first Store; states already stored
// keep what they were derived with until RefoldTickets.
func (w *Writer) SetTicketRules(rules func(tenant string) ticket.Rules) {
	w.proj.rules = rules
}

// Store writes one batch as a unit of its own: events, time entries, dead
// letters, then the new state of every ticket the events touched. It
// returns a fault-kinded error: Unavailable when retrying may help,
// Permanent when ClickHouse rejected the data itself.
func (w *Writer) Store(ctx context.Context, b *event.Batch) error {
	u := w.Begin(ctx)
	if err := u.Add(ctx, b); err != nil {
		return err
	}
	return u.Commit(ctx)
}

// Unit is a run of batches stored as one: Add streams each batch's events
// to ClickHouse as a block of one open INSERT and stages the new states of
// the tickets they touch; Commit ends the insert, then stores the time
// entries, dead letters and ticket states. ClickHouse squashes the blocks
// of an insert and writes one part per partition when it ends, so a unit
// of ten 10k-event batches costs the server what one 100k-event insert
// does while the client holds one batch at a time. With PartRows the
// server also writes a part each time it has squashed that many rows,
// while the unit goes on streaming (the socket's buffers take the blocks
// sent meanwhile): a unit of twice PartRows waits at its end for the
// second half's part only. Written parts are visible before Commit, and
// stay if the unit fails: storing it again is harmless (replays collapse).
// On a cluster each block goes to the shards as it is sent
// (insert_distributed_sync).
//
// Nothing a unit was given may count as stored until Commit returns nil.
// After an error the unit is over (Abort is then a no-op) and the caller
// stores the same events again in a new unit, which storage collapses.
// A unit holds the writer's projector from Begin until Commit or Abort.
type Unit struct {
	w         *Writer
	ctx       context.Context // the open insert's
	events    driver.Batch    // the open insert, from the first Add with events
	times     *timeEntryCols
	dls       []event.DeadLetter
	spellings map[spellingKey]int64 // new tag spellings (tagspellings.go)
	stage     *stage
	start     time.Time
	n, blocks int
	over      bool
	// the unit sealed before this one began, if it was still being stored:
	// this unit's states build on its, so this one fails if that one does
	after *pendingUnit
}

// Begin starts a unit; ctx bounds its insert until Commit or Abort.
func (w *Writer) Begin(ctx context.Context) *Unit {
	w.proj.mu.Lock()
	w.proj.settleIfDone()
	s := w.proj.takeStage()
	return &Unit{w: w, ctx: ctx, times: &s.times, stage: s, start: time.Now(), after: w.proj.pending}
}

// Add streams a batch's events, keeps its time entries and dead letters
// for Commit, and stages the touched tickets' states. After an error the
// unit is over.
func (u *Unit) Add(ctx context.Context, b *event.Batch) error {
	if u.over {
		return fault.Errorf(fault.Internal, "add to a unit that is over")
	}
	// Sending the block and looking up the tickets' stored states are
	// independent: run them side by side.
	sent := make(chan error, 1)
	if len(b.Records) > 0 {
		go func() { sent <- u.sendEvents(b.Records) }()
	} else {
		sent <- nil
	}
	u.times.add(b.Records)
	u.dls = append(u.dls, b.DeadLetters...)
	u.spellings = u.w.spellings.collect(u.spellings, b.Records)
	u.n += len(b.Records)
	err := u.w.proj.stage(ctx, u.stage, b)
	if err = errors.Join(<-sent, err); err != nil {
		u.end()
	}
	return err
}

func (u *Unit) sendEvents(recs []event.Record) error {
	w := u.w
	if u.events == nil {
		ctx := u.ctx
		if w.PartRows > 0 {
			ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"min_insert_block_size_rows": w.PartRows}))
		}
		b, err := w.conn.PrepareBatch(ctx, insertStatement(w.db, schema.Events))
		if err != nil {
			return fmt.Errorf("insert events: prepare: %w", classify(err))
		}
		u.events = b
	}
	// The last block goes now too: the next Add may be a while.
	err := inBlocks(u.events, len(recs), func(start, end int) error {
		u.blocks++
		return w.appendEvents(u.events, &u.stage.eventCols, recs[start:end])
	})
	if err == nil {
		err = u.events.Flush()
	}
	if err != nil {
		return fmt.Errorf("insert events: %w", classify(err))
	}
	return nil
}

// Commit ends the unit and waits until it is stored: only when it returns
// nil is the unit stored. The unit is over either way.
func (u *Unit) Commit(ctx context.Context) error {
	if u.over {
		return fault.Errorf(fault.Internal, "commit of a unit that is over")
	}
	return <-u.Seal(ctx)
}

// Seal ends the unit and stores it: the returned channel gives nil once
// the unit is stored, or why it is not. The unit is over either way.
//
// Once its tickets taken as new are checked, a unit's states are final
// unless one is to be refolded from its stored history. Then Seal takes
// them into the cache, lets the next unit Begin, and ends the inserts in
// the background (handOver): the next unit's events stream while the
// server writes this unit's last part, where ingest used to idle for a
// quarter of each unit. That needs the cache to hold every state of the
// unit until the next one is sealed: the next unit takes its states from
// there, as this unit's rows may not be stored yet. A unit whose tickets
// outnumber the cache, or with refolds, or on a pool of fewer than
// sealConns connections, is stored before Seal returns.
//
// A unit begun while the one before it is being stored builds on that
// one's states, so it fails (fault.Unavailable: store both again, in
// order) if that one is not stored. Seal waits for the unit before to be
// stored, so at most one unit is ever in the background.
//
// The inserts go side by side, each on a connection of its own: while the
// server writes the events insert's parts it can write the other tables'
// on its other core. Each is idempotent and nothing counts as stored
// before all have succeeded, so which of them lands first does not
// matter, with one exception: a ticket refolded from its stored history
// needs the unit's events stored first, so a unit with refolds inserts its
// tickets after the others.
func (u *Unit) Seal(ctx context.Context) <-chan error {
	stored := make(chan error, 1)
	if u.over {
		stored <- fault.Errorf(fault.Internal, "seal of a unit that is over")
		return stored
	}
	w := u.w
	t0 := time.Now()
	// only once the tickets taken as new are checked is it known which
	// states are to be refolded
	err := w.proj.settle(u.after)
	if err == nil {
		err = w.storeTagSpellings(ctx, u.spellings)
	}
	if err == nil {
		err = w.proj.verify(ctx, u.stage)
	}
	if err != nil || u.stage.refolds() || len(u.stage.order) > w.proj.cache.limit || w.conn.Stats().MaxOpenConns < w.sealConns() {
		if err == nil {
			err = u.storeNow(ctx, t0)
		}
		u.end()
		stored <- err
		return stored
	}
	u.handOver(ctx, t0, stored)
	return stored
}

// handOver gives the driver the unit's ticket states, time entries and
// dead letters (it copies them into its buffers, sending whole blocks at
// once), takes the states into the cache, lets the next unit Begin, and
// ends the inserts in the background, giving their verdict to stored. The
// unit's stage goes back to be
// reused at once: what it refers to (the strings of the unit's Kafka
// messages) would be a second unit's worth of live heap while the next
// unit streams.
func (u *Unit) handOver(ctx context.Context, t0 time.Time, stored chan<- error) {
	w, s := u.w, u.stage
	var inserts [5]driver.Batch          // time entries, dead letters, tickets, sla_results, sla_tickets
	states, err := w.proj.refold(ctx, s) // none to refold: only the list
	if err == nil {
		inserts[0], err = w.prepareTimeEntries(ctx, &s.times)
	}
	if err == nil && len(u.dls) > 0 {
		inserts[1], err = w.prepareDeadLetters(ctx, u.dls)
	}
	if err == nil {
		t := time.Now()
		inserts[2], err = w.prepareTickets(ctx, &s.ticketCols, states)
		s.st.insert = time.Since(t)
	}
	var clocks []slaClock // inserted after the time entries: a ninth connection would be one past the default pool
	if err == nil && w.proj.slaCfg != nil {
		inserts[3], inserts[4], clocks, err = w.prepareSLA(ctx, s)
	}
	if err != nil {
		for _, b := range inserts {
			if b != nil {
				_ = b.Abort()
			}
		}
		u.end()
		stored <- err
		return
	}
	w.proj.commit(s)
	pend := &pendingUnit{done: make(chan struct{})}
	w.proj.pending = pend
	events, st := u.events, s.st
	u.events = nil
	u.end()
	go func() {
		if hook := testHookSealInserts.Load(); hook != nil {
			(*hook)(w)
		}
		var tEvents time.Duration
		pend.err = firstError(func() error {
			defer func() { tEvents = time.Since(t0) }()
			return endEvents(events)
		}, func() error {
			if err := sendPrepared("time_entries", inserts[0]); err != nil {
				return err
			}
			return w.insertSLAClocks(ctx, w.proj.slaSet, clocks)
		}, func() error {
			return sendPrepared("dead_letters", inserts[1])
		}, func() error {
			return sendPrepared("tickets", inserts[2])
		}, func() error {
			return sendPrepared("sla_results", inserts[3])
		}, func() error {
			return sendPrepared("sla_tickets", inserts[4])
		})
		if pend.err == nil {
			w.slaTickets.Add(int64(st.slaTickets))
			u.logStored(&st, t0, tEvents)
		}
		close(pend.done)
		stored <- pend.err
	}()
}

// sealConns is how many connections sealing a unit in the background
// takes at most: its events, time entries, dead letters and tickets
// inserts each hold one until they end (and with SLA on its sla_results
// and sla_tickets inserts; its sla_clocks insert opens once the time
// entries' has ended), and the next unit's events insert and lookups
// need two more. With a smaller pool (clickhouse.max_open_conns) units
// are stored before Seal returns: the inserts would otherwise wait for
// connections that only their own end frees.
func (w *Writer) sealConns() int {
	if w.proj.slaCfg != nil {
		return 8
	}
	return 6
}

// storeNow stores a unit before Seal returns: its events, time entries,
// dead letters and tickets side by side, or the tickets after the others
// when one is refolded (a refold needs the unit's events stored), then
// its states into the cache.
func (u *Unit) storeNow(ctx context.Context, t0 time.Time) error {
	var tEvents time.Duration
	events := func() error {
		defer func() { tEvents = time.Since(t0) }()
		err := endEvents(u.events)
		u.events = nil
		return err
	}
	others := func() error { return u.insertOthers(ctx) }
	tickets := func() error { return u.insertTickets(ctx) }
	if u.stage.refolds() {
		if err := firstError(events, others); err != nil {
			return err
		}
		if err := tickets(); err != nil {
			return err
		}
	} else if err := firstError(events, others, tickets); err != nil {
		return err
	}
	u.w.proj.commit(u.stage)
	u.w.slaTickets.Add(int64(u.stage.st.slaTickets))
	u.logStored(&u.stage.st, t0, tEvents)
	return nil
}

func (u *Unit) logStored(st *projectStats, t0 time.Time, tEvents time.Duration) {
	u.w.Log.Debug("unit stored", "events", u.n, "blocks", u.blocks, "dead_letters", len(u.dls),
		"open_for", t0.Sub(u.start), "end", time.Since(t0), "end_events", tEvents, "tickets", st.tickets, "cached", st.cached,
		"looked_up", st.lookedUp, "from_clocks", st.fromClocks, "refolded", st.refolded, "sla_tickets", st.slaTickets, "lookup", st.lookup, "refold", st.refold, "insert_tickets", st.insert)
}

// endEvents ends a unit's events insert, if it has one: the server
// writes its parts now.
func endEvents(events driver.Batch) error {
	if events == nil {
		return nil
	}
	if err := events.Send(); err != nil {
		return fmt.Errorf("insert events: %w", classify(err))
	}
	return nil
}

// insertOthers stores the unit's time entries and dead letters.
func (u *Unit) insertOthers(ctx context.Context) error {
	if err := u.w.insertTimeEntries(ctx, u.times); err != nil {
		return err
	}
	if len(u.dls) > 0 {
		return u.w.insertDeadLetters(ctx, u.dls)
	}
	return nil
}

// insertTickets settles the unit's ticket states and stores them, with
// their SLA rows when SLA is on.
func (u *Unit) insertTickets(ctx context.Context) error {
	states, err := u.w.proj.refold(ctx, u.stage)
	if err != nil {
		return err
	}
	t := time.Now()
	err = u.w.storeStates(ctx, u.stage, states)
	u.stage.st.insert = time.Since(t)
	return err
}

// storeStates stores a stage's settled states and, with SLA on, their
// sla_results, sla_tickets and sla_clocks rows, side by side (the
// caller holds the projector's mu).
func (w *Writer) storeStates(ctx context.Context, s *stage, states []*ticket.State) error {
	tickets := func() error { return w.insertTickets(ctx, &s.ticketCols, states) }
	if w.proj.slaCfg == nil {
		return tickets()
	}
	return firstError(tickets, func() error {
		results, slaTickets, clocks, err := w.prepareSLA(ctx, s)
		if err != nil {
			return err
		}
		return firstError(func() error {
			return errors.Join(sendPrepared("sla_results", results), sendPrepared("sla_tickets", slaTickets))
		}, func() error {
			return w.insertSLAClocks(ctx, w.proj.slaSet, clocks)
		})
	})
}

// prepareSLA gives the driver the sla_results and sla_tickets rows of a
// stage's tickets, evaluated a chunk at a time (projector.slaRows), each
// chunk sent as it is laid out; it returns the tickets' clocks for their
// sla_clocks insert. The caller holds the projector's mu.
func (w *Writer) prepareSLA(ctx context.Context, s *stage) (results, tickets driver.Batch, clocks []slaClock, err error) {
	now := w.now()
	open := func(b *driver.Batch, t *schema.Table) error {
		if *b != nil {
			return nil
		}
		var err error
		if *b, err = w.conn.PrepareBatch(ctx, insertStatement(w.db, t)); err != nil {
			return fmt.Errorf("insert %s: prepare: %w", t.Name, classify(err))
		}
		return nil
	}
	send := func(b *driver.Batch, t *schema.Table, n int, cols map[string]any) error {
		if err := open(b, t); err != nil {
			return err
		}
		err := appendNamedBlocks(*b, t, n, cols)
		if err == nil {
			err = (*b).Flush()
		}
		if err != nil {
			return fmt.Errorf("insert %s: %w", t.Name, classify(err))
		}
		return nil
	}
	cols := &w.proj.slaCols
	defer cols.release()
	clocks, err = w.proj.slaRows(s, func(c *slaChunk) error {
		if len(c.results) > 0 {
			if err := send(&results, schema.SLAResults, len(c.results), cols.results(c.results, c.versions, now)); err != nil {
				return err
			}
		}
		return send(&tickets, schema.SLATickets, len(c.tickets), cols.tickets(c.tickets, c.results, now))
	})
	if err != nil {
		for _, b := range []driver.Batch{results, tickets} {
			if b != nil {
				_ = b.Abort()
			}
		}
		return nil, nil, nil, err
	}
	return results, tickets, clocks, nil
}

// firstError runs the steps concurrently, waits for all of them, and
// returns the error of the first step (in argument order) that failed.
func firstError(steps ...func() error) error {
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i+1] = step()
		}()
	}
	errs[0] = steps[0]()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Abort drops the unit: its open insert is cancelled (no part is written)
// and its staged states are forgotten. It waits for the unit sealed
// before it, if that one is still being stored.
func (u *Unit) Abort() {
	if !u.over {
		_ = u.w.proj.settle(u.after)
	}
	u.end()
}

func (u *Unit) end() {
	if u.over {
		return
	}
	u.over = true
	if u.events != nil {
		_ = u.events.Abort()
		u.events = nil
	}
	u.w.proj.putStage(u.stage)
	u.stage = nil
	u.w.proj.mu.Unlock()
}

// TicketKey names a ticket.
type TicketKey struct{ Tenant, TicketID string }

// RefoldTickets re-derives and stores the state of the given tickets from
// their full stored histories (for repairs and recomputation), and with
// SLA on their SLA rows and clocks, as ingest stores them: a refolded
// ticket's figures are those of a fresh ingest of its history. The
// writer's cached states of the tickets are dropped.
func (w *Writer) RefoldTickets(ctx context.Context, keys []TicketKey) error {
	if len(keys) == 0 {
		return nil
	}
	p := w.proj
	p.mu.Lock()
	defer p.mu.Unlock()
	// a unit being stored in the background may hold some of the tickets
	if err := p.settle(p.pending); err != nil {
		return err
	}
	s := newStage()
	err := LoadHistories(ctx, w.conn, w.db, keys, func(history []event.Event) error {
		k := TicketKey{history[0].Tenant, history[0].TicketID}
		if s.byKey[k] != nil {
			return nil // listed twice
		}
		t := s.add(k, ticket.State{})
		t.state, t.clocks = p.foldHistory(history)
		p.cache.drop(k)
		return nil
	})
	if err != nil {
		return err
	}
	states := make([]*ticket.State, len(s.order))
	for i, t := range s.order {
		states[i] = &t.state
	}
	return w.storeStates(ctx, s, states)
}

func (w *Writer) send(ctx context.Context, t *schema.Table, appendCols func(b driver.Batch) error) error {
	b, err := w.prepare(ctx, t, appendCols)
	if err != nil {
		return err
	}
	return sendPrepared(t.Name, b)
}

// prepare opens an insert of every column of t and gives the driver its
// rows; Send ends it.
func (w *Writer) prepare(ctx context.Context, t *schema.Table, appendCols func(b driver.Batch) error) (driver.Batch, error) {
	b, err := w.conn.PrepareBatch(ctx, insertStatement(w.db, t))
	if err != nil {
		return nil, fmt.Errorf("insert %s: prepare: %w", t.Name, classify(err))
	}
	if err := appendCols(b); err != nil {
		_ = b.Abort()
		return nil, fmt.Errorf("insert %s: %w", t.Name, classify(err))
	}
	return b, nil
}

// sendPrepared ends a prepared insert (nil: there was nothing to insert).
func sendPrepared(table string, b driver.Batch) error {
	if b == nil {
		return nil
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert %s: %w", table, classify(err))
	}
	return nil
}

// insertStatement inserts every column of t, named: 18.16 rejects a bare
// INSERT INTO t from the driver ("expected 0 arguments").
func insertStatement(db string, t *schema.Table) string {
	return "INSERT INTO " + db + "." + t.Name + " (" + t.List() + ")"
}

// appendNamed appends whole columns (see appendColumns), given by name, to
// an insert of every column of t.
func appendNamed(b driver.Batch, t *schema.Table, byColumn map[string]any) error {
	cols, err := t.Row(byColumn)
	if err != nil {
		return err
	}
	return appendColumns(b, cols...)
}

// appendNamedBlocks appends whole columns of n rows, given by name, to an
// insert of every column of t, in blocks (see appendColumnBlocks).
func appendNamedBlocks(b driver.Batch, t *schema.Table, n int, byColumn map[string]any) error {
	cols, err := t.Row(byColumn)
	if err != nil {
		return err
	}
	return appendColumnBlocks(b, n, cols...)
}

// appendRow appends one row, its values given by column name, to an
// insert of every column of t.
func appendRow(b driver.Batch, t *schema.Table, byColumn map[string]any) error {
	row, err := t.Row(byColumn)
	if err != nil {
		return err
	}
	return b.Append(row...)
}

// eventCols are the events insert's columns, kept with the projector's
// stage and reused from batch to batch: the driver copies values into its
// own buffers, and some 40 fresh slices of a batch's length per insert
// were a tenth of ingest's garbage (a sync.Pool, emptied by every garbage
// collection, still lost them a few times a second).
type eventCols struct {
	tenant, ticketID, eventID, typ                                             []string
	occurredAt, ingestedAt                                                     []time.Time
	occurredUs, startedUs, endedUs, offset                                     []int64
	schema, setsAssignee, setsGroup, setsSupporting, billable, hasRate, rating []uint8
	actorType, actorID, channel, customer, organisation, group                 []string
	assignee, subject, status, priority, severity                              []string
	statusLabel, priorityLabel, severityLabel, kind, messageID                 []string
	agent, currency, mergedInto, reason, topic                                 []string
	supporting, tags, added, removed                                           [][]string
	seconds                                                                    []uint32
	rate                                                                       []float64
	partition                                                                  []int32
	dueUs                                                                      []int64
}

// resize makes every column n long (contents are overwritten by the caller).
func (c *eventCols) resize(n int) {
	for _, col := range []*[]string{&c.tenant, &c.ticketID, &c.eventID, &c.typ, &c.actorType, &c.actorID, &c.channel,
		&c.customer, &c.organisation, &c.group, &c.assignee, &c.subject, &c.status, &c.priority, &c.severity,
		&c.statusLabel, &c.priorityLabel, &c.severityLabel, &c.kind, &c.messageID, &c.agent, &c.currency,
		&c.mergedInto, &c.reason, &c.topic} {
		*col = resized(*col, n)
	}
	for _, col := range []*[][]string{&c.supporting, &c.tags, &c.added, &c.removed} {
		*col = resized(*col, n)
	}
	for _, col := range []*[]uint8{&c.schema, &c.setsAssignee, &c.setsGroup, &c.setsSupporting, &c.billable, &c.hasRate, &c.rating} {
		*col = resized(*col, n)
	}
	for _, col := range []*[]int64{&c.occurredUs, &c.startedUs, &c.endedUs, &c.offset} {
		*col = resized(*col, n)
	}
	c.occurredAt, c.ingestedAt = resized(c.occurredAt, n), resized(c.ingestedAt, n)
	c.seconds, c.rate, c.partition = resized(c.seconds, n), resized(c.rate, n), resized(c.partition, n)
	c.dueUs = resized(c.dueUs, n)
}

// resized is s with length n, reusing its array when it is large enough;
// elements past the old length keep no stale references.
func resized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	clear(s[n:cap(s)])
	return s[:n]
}

// appendEvents appends the records to an open events insert through c.
func (w *Writer) appendEvents(b driver.Batch, c *eventCols, recs []event.Record) error {
	n := len(recs)
	// The next block overwrites the columns; what the last one leaves is
	// dropped when the unit ends (stage.reset), not after every block:
	// clearing some 45 columns 4096 rows long per block was 1% of ingest.
	c.resize(n)
	now := w.now().UTC().Truncate(time.Second)
	for i := range recs {
		e := &recs[i].Event
		c.tenant[i], c.ticketID[i], c.eventID[i], c.typ[i] = e.Tenant, e.TicketID, e.ID, string(e.Type)
		c.occurredAt[i], c.occurredUs[i], c.schema[i] = e.OccurredAt, e.OccurredMicros(), uint8(e.Schema)
		c.actorType[i], c.actorID[i] = string(e.Actor.Type), e.Actor.ID
		c.channel[i], c.customer[i], c.organisation[i], c.group[i], c.assignee[i] = e.Channel, e.Customer, e.Organisation, e.Group, e.Assignee
		c.supporting[i], c.setsAssignee[i], c.setsGroup[i], c.setsSupporting[i] = e.SupportingAgents, b2u(e.SetsAssignee), b2u(e.SetsGroup), b2u(e.SetsSupporting)
		c.subject[i], c.status[i], c.priority[i], c.severity[i] = e.Subject, string(e.Status), string(e.Priority), string(e.Severity)
		c.statusLabel[i], c.priorityLabel[i], c.severityLabel[i] = e.StatusLabel, e.PriorityLabel, e.SeverityLabel
		c.tags[i], c.added[i], c.removed[i] = e.Tags, e.TagsAdded, e.TagsRemoved
		c.kind[i], c.messageID[i] = string(e.MessageKind), e.MessageID
		c.agent[i], c.seconds[i], c.billable[i] = e.Agent, uint32(e.Seconds), b2u(e.Billable)
		c.startedUs[i], c.endedUs[i] = micros(e.StartedAt), micros(e.EndedAt)
		c.hasRate[i], c.rate[i], c.currency[i] = b2u(e.HasRate), e.Rate, e.Currency
		c.rating[i], c.mergedInto[i], c.reason[i] = e.Rating, e.MergedInto, e.Reason
		c.topic[i], c.partition[i], c.offset[i] = recs[i].Source.Topic, recs[i].Source.Partition, recs[i].Source.Offset
		c.ingestedAt[i] = now
		c.dueUs[i] = micros(e.DueAt)
	}
	return appendNamed(b, schema.Events, c.byColumn())
}

// byColumn names the columns' values, as schema.Events names them.
func (c *eventCols) byColumn() map[string]any {
	return map[string]any{
		"tenant": c.tenant, "ticket_id": c.ticketID, "event_id": c.eventID, "type": c.typ,
		"occurred_at": c.occurredAt, "occurred_us": c.occurredUs, "schema": c.schema,
		"actor_type": c.actorType, "actor_id": c.actorID, "channel": c.channel, "customer": c.customer,
		"organisation": c.organisation, "group_name": c.group, "assignee": c.assignee, "supporting_agents": c.supporting,
		"sets_assignee": c.setsAssignee, "sets_group": c.setsGroup, "sets_supporting": c.setsSupporting,
		"subject": c.subject, "status": c.status, "priority": c.priority, "severity": c.severity,
		"status_label": c.statusLabel, "priority_label": c.priorityLabel, "severity_label": c.severityLabel,
		"tags": c.tags, "tags_added": c.added, "tags_removed": c.removed, "message_kind": c.kind, "message_id": c.messageID,
		"agent": c.agent, "seconds": c.seconds, "billable": c.billable, "started_us": c.startedUs, "ended_us": c.endedUs,
		"has_rate": c.hasRate, "rate": c.rate, "currency": c.currency, "rating": c.rating, "merged_into": c.mergedInto,
		"reason": c.reason, "kafka_topic": c.topic, "kafka_partition": c.partition, "kafka_offset": c.offset,
		"ingested_at": c.ingestedAt, "due_us": c.dueUs,
	}
}

// timeEntryCols gathers a unit's time entries (a few per hundred events)
// for one insert at its end.
type timeEntryCols struct {
	tenant, ticketID, eventID, agent, currency []string
	loggedAt                                   []time.Time
	startedUs, endedUs                         []int64
	seconds                                    []uint32
	billable, hasRate                          []uint8
	rate                                       []float64
}

// reset empties the columns, keeping their arrays.
func (c *timeEntryCols) reset() {
	for _, col := range []*[]string{&c.tenant, &c.ticketID, &c.eventID, &c.agent, &c.currency} {
		clear(*col)
		*col = (*col)[:0]
	}
	c.loggedAt, c.startedUs, c.endedUs = c.loggedAt[:0], c.startedUs[:0], c.endedUs[:0]
	c.seconds, c.billable, c.hasRate, c.rate = c.seconds[:0], c.billable[:0], c.hasRate[:0], c.rate[:0]
}

func (c *timeEntryCols) add(recs []event.Record) {
	for i := range recs {
		e := &recs[i].Event
		if e.Type != event.TypeTimeLogged {
			continue
		}
		c.tenant, c.ticketID, c.eventID, c.agent = append(c.tenant, e.Tenant), append(c.ticketID, e.TicketID), append(c.eventID, e.ID), append(c.agent, e.Agent)
		c.loggedAt, c.startedUs, c.endedUs = append(c.loggedAt, e.OccurredAt), append(c.startedUs, micros(e.StartedAt)), append(c.endedUs, micros(e.EndedAt))
		c.seconds, c.billable = append(c.seconds, uint32(e.Seconds)), append(c.billable, b2u(e.Billable))
		c.hasRate, c.rate, c.currency = append(c.hasRate, b2u(e.HasRate)), append(c.rate, e.Rate), append(c.currency, e.Currency)
	}
}

func (w *Writer) insertTimeEntries(ctx context.Context, c *timeEntryCols) error {
	b, err := w.prepareTimeEntries(ctx, c)
	if err != nil {
		return err
	}
	return sendPrepared("time_entries", b)
}

// prepareTimeEntries gives the driver the time entries (nil: none).
func (w *Writer) prepareTimeEntries(ctx context.Context, c *timeEntryCols) (driver.Batch, error) {
	if len(c.tenant) == 0 {
		return nil, nil
	}
	return w.prepare(ctx, schema.TimeEntries, func(b driver.Batch) error {
		return inBlocks(b, len(c.tenant), func(start, end int) error {
			return appendNamed(b, schema.TimeEntries, c.byColumn(start, end))
		})
	})
}

// byColumn names the values of rows start to end, as schema.TimeEntries
// names the columns.
func (c *timeEntryCols) byColumn(start, end int) map[string]any {
	return map[string]any{
		"tenant": c.tenant[start:end], "ticket_id": c.ticketID[start:end], "event_id": c.eventID[start:end],
		"agent": c.agent[start:end], "logged_at": c.loggedAt[start:end], "started_us": c.startedUs[start:end],
		"ended_us": c.endedUs[start:end], "seconds": c.seconds[start:end], "billable": c.billable[start:end],
		"has_rate": c.hasRate[start:end], "rate": c.rate[start:end], "currency": c.currency[start:end],
	}
}

func (w *Writer) insertDeadLetters(ctx context.Context, dls []event.DeadLetter) error {
	b, err := w.prepareDeadLetters(ctx, dls)
	if err != nil {
		return err
	}
	return sendPrepared("dead_letters", b)
}

func (w *Writer) prepareDeadLetters(ctx context.Context, dls []event.DeadLetter) (driver.Batch, error) {
	return w.prepare(ctx, schema.DeadLetters, func(b driver.Batch) error {
		for i := range dls {
			if err := appendRow(b, schema.DeadLetters, deadLetterRow(&dls[i])); err != nil {
				return err
			}
		}
		return nil
	})
}

// deadLetterRow is a dead letter's row, by column name.
func deadLetterRow(d *event.DeadLetter) map[string]any {
	return map[string]any{
		"received_at": d.ReceivedAt.Truncate(time.Second), "kafka_topic": d.Source.Topic,
		"kafka_partition": d.Source.Partition, "kafka_offset": d.Source.Offset, "message_key": string(d.Key),
		"payload": string(d.Payload), "payload_bytes": uint32(len(d.Payload)), "reason": string(d.Reason),
		"detail": d.Detail, "event_id": d.EventID, "tenant": d.Tenant, "ticket_id": d.TicketID,
	}
}

// insertBlock is how many rows go to ClickHouse per block of an insert of
// many rows (events, tickets, time entries): the driver's column buffers
// start empty in every insert and grow by copying with the block (about
// four times their final size in garbage), and so do the compressor's.
const insertBlock = 4096

// inBlocks appends n rows to b insertBlock rows at a time, flushing each
// block but the last: Flush sends a block and keeps the driver's column
// buffers for the next one.
func inBlocks(b driver.Batch, n int, appendRows func(start, end int) error) error {
	for start := 0; start < n; start += insertBlock {
		end := min(start+insertBlock, n)
		if err := appendRows(start, end); err != nil {
			return err
		}
		if end < n {
			if err := b.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// ticketCols are the tickets insert's columns, one block long, reused
// from block to block.
type ticketCols struct {
	tenant, ticketID, channel, customer, org, group []string
	assignee, subject, status, priority, severity   []string
	createdBy, mergedInto, lastEventID              []string
	supporting, tags                                [][]string
	version                                         []uint64
	hasCreated, rating, deleted                     []uint8
	reopens, publicReplies, customerReplies, notes  []uint32
	createdAt, firstReplied, firstSolved, solvedAt  []time.Time
	closedAt, ratedAt, lastEventAt, updatedAt       []time.Time
	statusSince                                     []time.Time
	lastEventUs                                     []int64
	solvedTimes, reopenedTimes                      [][]time.Time
	statusLabel, priorityLabel, severityLabel       []string
	creator                                         []string
	dueAt                                           []time.Time
}

func (c *ticketCols) resize(n int) {
	for _, col := range []*[]string{&c.tenant, &c.ticketID, &c.channel, &c.customer, &c.org, &c.group, &c.assignee,
		&c.subject, &c.status, &c.priority, &c.severity, &c.createdBy, &c.mergedInto, &c.lastEventID,
		&c.statusLabel, &c.priorityLabel, &c.severityLabel} {
		*col = resized(*col, n)
	}
	c.supporting, c.tags = resized(c.supporting, n), resized(c.tags, n)
	c.version = resized(c.version, n)
	for _, col := range []*[]uint8{&c.hasCreated, &c.rating, &c.deleted} {
		*col = resized(*col, n)
	}
	for _, col := range []*[]uint32{&c.reopens, &c.publicReplies, &c.customerReplies, &c.notes} {
		*col = resized(*col, n)
	}
	for _, col := range []*[]time.Time{&c.createdAt, &c.firstReplied, &c.firstSolved, &c.solvedAt, &c.closedAt,
		&c.ratedAt, &c.lastEventAt, &c.updatedAt, &c.statusSince} {
		*col = resized(*col, n)
	}
	c.lastEventUs = resized(c.lastEventUs, n)
	c.solvedTimes, c.reopenedTimes = resized(c.solvedTimes, n), resized(c.reopenedTimes, n)
	c.creator, c.dueAt = resized(c.creator, n), resized(c.dueAt, n)
}

// fill sets the columns to the states' rows.
func (c *ticketCols) fill(states []*ticket.State, now time.Time) {
	c.resize(len(states))
	for i, s := range states {
		c.tenant[i], c.ticketID[i], c.version[i], c.hasCreated[i] = s.Tenant, s.TicketID, s.Version, b2u(s.HasCreated)
		c.channel[i], c.customer[i], c.org[i], c.group[i], c.assignee[i] = s.Channel, s.Customer, s.Organisation, s.Group, s.Assignee
		c.supporting[i], c.subject[i], c.status[i], c.priority[i] = s.SupportingAgents, s.Subject, string(s.Status), string(s.Priority)
		c.severity[i], c.tags[i], c.createdAt[i], c.createdBy[i] = string(s.Severity), s.Tags, dt(s.CreatedAt), string(s.CreatedBy)
		c.firstReplied[i], c.firstSolved[i], c.solvedAt[i], c.closedAt[i] = dt(s.FirstRepliedAt), dt(s.FirstSolvedAt), dt(s.SolvedAt), dt(s.ClosedAt)
		c.reopens[i], c.publicReplies[i], c.customerReplies[i], c.notes[i] = s.ReopenCount, s.PublicReplies, s.CustomerReplies, s.InternalNotes
		c.rating[i], c.ratedAt[i], c.mergedInto[i], c.deleted[i] = s.Rating, dt(s.RatedAt), s.MergedInto, b2u(s.Deleted)
		c.lastEventAt[i], c.lastEventUs[i], c.lastEventID[i], c.updatedAt[i] = dt(s.LastEventAt), micros(s.LastEventAt), s.LastEventID, now
		c.statusSince[i], c.solvedTimes[i], c.reopenedTimes[i] = dt(s.StatusSince), secondsOf(s.SolvedTimes), secondsOf(s.ReopenedTimes)
		c.statusLabel[i], c.priorityLabel[i], c.severityLabel[i] = s.StatusLabel, s.PriorityLabel, s.SeverityLabel
		c.creator[i], c.dueAt[i] = s.Creator, dt(s.DueAt)
	}
}

// byColumn names the columns' values, as schema.Tickets names them.
func (c *ticketCols) byColumn() map[string]any {
	return map[string]any{
		"tenant": c.tenant, "ticket_id": c.ticketID, "version": c.version, "has_created": c.hasCreated,
		"channel": c.channel, "customer": c.customer, "organisation": c.org, "group_name": c.group,
		"assignee": c.assignee, "supporting_agents": c.supporting, "subject": c.subject, "status": c.status,
		"priority": c.priority, "severity": c.severity, "tags": c.tags, "created_at": c.createdAt,
		"created_by": c.createdBy, "first_replied_at": c.firstReplied, "first_solved_at": c.firstSolved,
		"solved_at": c.solvedAt, "closed_at": c.closedAt, "reopen_count": c.reopens, "public_replies": c.publicReplies,
		"customer_replies": c.customerReplies, "internal_notes": c.notes, "rating": c.rating, "rated_at": c.ratedAt,
		"merged_into": c.mergedInto, "deleted": c.deleted, "last_event_at": c.lastEventAt, "last_event_us": c.lastEventUs,
		"last_event_id": c.lastEventID, "updated_at": c.updatedAt, "status_since": c.statusSince,
		"solved_times": c.solvedTimes, "reopened_times": c.reopenedTimes,
		"status_label": c.statusLabel, "priority_label": c.priorityLabel, "severity_label": c.severityLabel,
		"creator": c.creator, "due_at": c.dueAt,
	}
}

// insertTickets writes the states a column at a time (a row-wise Append
// boxes each of the 41 values of every row), in blocks of insertBlock rows
// of one insert.
func (w *Writer) insertTickets(ctx context.Context, c *ticketCols, states []*ticket.State) error {
	b, err := w.prepareTickets(ctx, c, states)
	if err != nil {
		return err
	}
	return sendPrepared("tickets", b)
}

// prepareTickets gives the driver the states (nil: none).
func (w *Writer) prepareTickets(ctx context.Context, c *ticketCols, states []*ticket.State) (driver.Batch, error) {
	if len(states) == 0 {
		return nil, nil
	}
	now := w.now().UTC().Truncate(time.Second)
	defer c.resize(0)
	return w.prepare(ctx, schema.Tickets, func(b driver.Batch) error {
		return inBlocks(b, len(states), func(start, end int) error {
			c.fill(states[start:end], now)
			return appendNamed(b, schema.Tickets, c.byColumn())
		})
	})
}

// dt maps "no time" to the epoch, which is what a DateTime column stores
// for zero; queries treat toUnixTimestamp(x) = 0 as absent.
func dt(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.Truncate(time.Second)
}

// secondsOf truncates times to the DateTime column's whole seconds.
func secondsOf(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.Truncate(time.Second)
	}
	return out
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
