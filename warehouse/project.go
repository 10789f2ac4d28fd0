package warehouse

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse/schema"
)

// projector keeps the tickets table in step with stored events.
//
// The exact state of a ticket is ticket.Fold of its whole history, but
// re-reading every touched ticket's history per batch costs a scan of the
// events table. So it extends states instead: from a cache of recently
// projected tickets, else from the ticket's stored row, applying the batch's
// events when they all follow the last folded one (the usual, in-order
// case). Anything else (late or repeated events) falls back to a full fold
// of the stored history, which is always exact.
//
// The cache is only trusted for partitions this process consumed without a
// gap: if another consumer stored events of a partition in between (after a
// rebalance), that partition's cached states are dropped.
type projector struct {
	conn  driver.Conn
	db    string
	rules func(tenant string) ticket.Rules // nil: ticket.Rules{} for all
	// slaCfg, when set, has the projector keep each ticket's SLA clocks
	// beside its state and store its SLA rows with it (see SetSLA)
	slaCfg *sla.Config
	slaSet string // slaCfg's fingerprint, which its stored clocks carry
	// how many tickets were taken up from stored clocks (under mu)
	fromClocks int
	// under mu: results' buffers, the clocks read for a ticket at a time,
	// their compact form being written, and a new ticket's clocks
	slaEv      *sla.Evaluator
	slaScratch sla.Clocks
	slaChunk   slaChunk // slaRows' chunk, reused
	slaCols    slaCols  // its columns, reused
	slaBuf     []byte
	slaStart   string

	mu      sync.Mutex // held by a unit from Begin until Seal, Commit or Abort
	cache   *stateCache
	lastOff map[partitionKey]int64 // last offset stored or sealed, per partition
	// the unit sealed last, while it is being stored (see Unit.Seal): its
	// states are in the cache, which lets none of them go before the next
	// unit is sealed
	pending *pendingUnit
	// storage reused from unit to unit and batch to batch (under mu): a
	// unit's staged states and a batch's grouping were a sixth of what
	// ingest allocated
	spare   *stage
	grouper grouper
	targets []*staged // a batch's groups' staged states
}

// pendingUnit is a sealed unit whose inserts have not all ended.
type pendingUnit struct {
	done chan struct{} // closed when err is set
	err  error         // nil once the unit is stored
}

func (u *pendingUnit) isDone() bool {
	select {
	case <-u.done:
		return true
	default:
		return false
	}
}

// settle waits for the unit sealed before (nil: none) to be stored and
// returns why it was not. When the projector's pending unit is over and
// failed, the cache and the offsets are forgotten: they hold its states,
// which storage may not. The caller holds mu.
func (p *projector) settle(before *pendingUnit) error {
	if pend := p.pending; pend != nil && (pend == before || pend.isDone()) {
		<-pend.done
		p.pending = nil
		if pend.err != nil {
			p.forget()
		}
	}
	if before == nil {
		return nil
	}
	<-before.done
	if before.err != nil {
		return fault.Errorf(fault.Unavailable, "the unit stored before this one failed (%v); store both again", before.err)
	}
	return nil
}

// settleIfDone settles the pending unit if its inserts have ended (the
// caller holds mu).
func (p *projector) settleIfDone() { _ = p.settle(nil) }

// forget drops every cached state and stored offset.
func (p *projector) forget() {
	p.cache = newStateCache(p.cache.limit)
	clear(p.lastOff)
}

type partitionKey struct {
	topic     string
	partition int32
}

func (p *projector) rulesOf(tenant string) ticket.Rules {
	if p.rules == nil {
		return ticket.Rules{}
	}
	return p.rules(tenant)
}

func newProjector(conn driver.Conn, db string, limit int) *projector {
	return &projector{conn: conn, db: db, cache: newStateCache(limit), lastOff: map[partitionKey]int64{}}
}

// ticketGroup is one ticket's events in a batch, sorted and de-duplicated.
type ticketGroup struct {
	key    TicketKey
	part   partitionKey
	events []*event.Event // pointing into the batch's records
	n      int            // events before de-duplication
}

// grouper groups a batch's events by ticket into storage it keeps for the
// next batch: one array of event references, cut into a run per ticket.
type grouper struct {
	idx    map[TicketKey]int
	groups []ticketGroup
	refs   []*event.Event
	of     []int // each record's group
}

// group returns the batch's ticket groups, each ticket's events sorted
// and de-duplicated, valid until release.
func (g *grouper) group(recs []event.Record) []ticketGroup {
	if g.idx == nil {
		g.idx = map[TicketKey]int{}
	}
	g.of = resized(g.of, len(recs))
	for i := range recs {
		e := &recs[i].Event
		k := TicketKey{e.Tenant, e.TicketID}
		j, ok := g.idx[k]
		if !ok {
			j = len(g.groups)
			g.idx[k] = j
			g.groups = append(g.groups, ticketGroup{key: k, part: partitionKey{recs[i].Source.Topic, recs[i].Source.Partition}})
		}
		g.of[i] = j
		g.groups[j].n++
	}
	g.refs = resized(g.refs, len(recs))
	off := 0
	for j := range g.groups {
		n := g.groups[j].n
		g.groups[j].events = g.refs[off : off : off+n] // filled below, never past its run
		off += n
	}
	for i := range recs {
		grp := &g.groups[g.of[i]]
		grp.events = append(grp.events, &recs[i].Event)
	}
	for j := range g.groups {
		g.groups[j].events = event.SortHistoryRefs(g.groups[j].events)
	}
	return g.groups
}

// release lets go of the batch: its records are reused for other events.
func (g *grouper) release() {
	clear(g.idx)
	clear(g.groups)
	g.groups = g.groups[:0]
	clear(g.refs)
}

// projectStats says how a unit's tickets were projected, for debug logs.
type projectStats struct {
	tickets, cached, lookedUp, refolded, slaTickets int
	fromClocks                                      int // of lookedUp, read with stored SLA clocks
	lookup, refold, insert                          time.Duration
}

// stage is a unit's projection in progress: the new state of every ticket
// the unit's batches touched. It is kept apart from the cache until the
// unit is stored, so a unit that fails leaves the cache as it was.
type stage struct {
	byKey map[TicketKey]*staged
	order []*staged
	// what order points into: chunks that never move once allocated
	chunks [][]staged
	used   int             // chunks in use, the last of them maybe not full
	states []*ticket.State // settle's result
	times  timeEntryCols   // the unit's time entries
	// the inserts' columns, reused from block to block and unit to unit
	eventCols  eventCols
	ticketCols ticketCols
	// tickets first met in the unit with their ticket.created event and
	// projected as new, whose absence from storage is still to be checked
	// (verify)
	unverified []*staged
	// next is the offset after the unit's last message, per partition;
	// unchecked is set by a batch without spans (a piece of a refused
	// batch), after which no partition's continuity can be vouched for.
	next      map[partitionKey]int64
	unchecked bool
	st        projectStats
}

// staged is one ticket's state in a unit; refold marks a state that
// cannot be extended (late or repeated events, a partition consumed
// elsewhere meanwhile) and is re-derived from the stored history once the
// unit's events are stored.
type staged struct {
	key   TicketKey
	part  partitionKey
	state ticket.State
	// the state's SLA clocks in compact form ("": SLA off), about 600
	// bytes of generated tickets: read out, a ticket's clocks take some
	// 3.6 KB of heap, and a unit touches tens of thousands of tickets
	clocks string
	refold bool
}

func newStage() *stage {
	return &stage{byKey: map[TicketKey]*staged{}, next: map[partitionKey]int64{}}
}

// stagedChunk is how many states a chunk of a stage holds.
const stagedChunk = 1024

func (s *stage) add(k TicketKey, state ticket.State) *staged {
	if s.used == 0 || len(s.chunks[s.used-1]) == stagedChunk {
		if s.used == len(s.chunks) {
			s.chunks = append(s.chunks, make([]staged, 0, stagedChunk))
		}
		s.used++
	}
	c := &s.chunks[s.used-1]
	*c = append(*c, staged{key: k, state: state})
	t := &(*c)[len(*c)-1]
	s.byKey[k] = t
	s.order = append(s.order, t)
	return t
}

// reset empties the stage for another unit, keeping its storage.
func (s *stage) reset() {
	clear(s.byKey)
	clear(s.order)
	s.order = s.order[:0]
	for i := range s.used {
		clear(s.chunks[i])
		s.chunks[i] = s.chunks[i][:0]
	}
	s.used = 0
	clear(s.states)
	s.states = s.states[:0]
	clear(s.unverified)
	s.unverified = s.unverified[:0]
	s.times.reset()
	s.eventCols.resize(0) // drops what they refer to (the unit's strings)
	clear(s.next)
	s.unchecked = false
	s.st = projectStats{}
}

// takeStage gives a unit its stage (the caller holds mu).
func (p *projector) takeStage() *stage {
	if s := p.spare; s != nil {
		p.spare = nil
		return s
	}
	return newStage()
}

// putStage takes back the stage of a unit that is over (the caller holds mu).
func (p *projector) putStage(s *stage) {
	s.reset()
	p.spare = s
}

// stage extends the unit's states with a batch's events. A ticket's base
// state is, in this order: its state earlier in the unit, the cache, its
// stored row (looked up for all misses of the batch at once), none.
//
// A ticket met first with its ticket.created event is taken as new
// without a lookup: that is what it nearly always is, and a lookup costs
// ClickHouse some 6 ms of CPU however few tickets it asks for, once per
// batch (a fifth of its CPU during ingest). Its absence is checked later
// for many such tickets at once (verify); one that has a stored row after
// all (a replay, an event older than its creation) is refolded from its
// stored history, as late events are.
func (p *projector) stage(ctx context.Context, s *stage, b *event.Batch) error {
	if p.checkContinuity(s, b.Spans) {
		// dropped from the cache: what storage has of them is read now,
		// so the unit before must be stored
		if err := p.settle(p.pending); err != nil {
			return err
		}
	}
	groups := p.grouper.group(b.Records)
	defer p.grouper.release()
	// each group's staged state, found once (a second lookup by key per
	// group was a measurable share of staging)
	targets := resized(p.targets, len(groups))
	defer func() { clear(targets); p.targets = targets[:0] }()
	var unknown []TicketKey
	var unknownAt []int
	for i := range groups {
		g := &groups[i]
		if t, ok := s.byKey[g.key]; ok {
			targets[i] = t
			continue
		}
		if state, blob, ok := p.cache.get(g.key, g.part); ok {
			if p.slaCfg == nil || blob != "" {
				targets[i] = s.add(g.key, state)
				targets[i].clocks = blob
				s.st.cached++
				continue
			}
		}
		if g.events[0].Type == event.TypeCreated {
			targets[i] = s.add(g.key, ticket.State{})
			targets[i].clocks = p.startClocks()
			s.unverified = append(s.unverified, targets[i])
			continue
		}
		unknown, unknownAt = append(unknown, g.key), append(unknownAt, i)
	}
	if len(unknown) > 0 {
		t0 := time.Now()
		if p.slaCfg != nil {
			stored, fromClocks, err := p.loadSLAStates(ctx, unknown)
			if err != nil {
				return err
			}
			s.st.fromClocks += fromClocks
			p.fromClocks += fromClocks
			for j, k := range unknown {
				t := s.add(k, ticket.State{}) // zero State: no events, a new ticket
				if h, ok := stored[k]; ok {
					t.state, t.clocks = h.state, h.clocks
				} else {
					t.clocks = p.startClocks()
				}
				targets[unknownAt[j]] = t
			}
		} else {
			stored, err := loadTicketStates(ctx, p.conn, p.db, unknown)
			if err != nil {
				return err
			}
			for j, k := range unknown {
				targets[unknownAt[j]] = s.add(k, stored[k]) // zero State: no row, a new ticket
			}
		}
		s.st.lookup += time.Since(t0)
		s.st.lookedUp += len(unknown)
	}
	for i := range groups {
		g := &groups[i]
		t := targets[i]
		t.part = g.part
		if t.refold {
			continue
		}
		if !t.state.Follows(g.events[0]) {
			t.refold = true
			continue
		}
		t.state.Rules = p.rulesOf(g.key.Tenant) // states from the cache or storage carry none
		if t.clocks != "" && !p.extendClocks(t, g.events) {
			t.refold = true // unreadable clocks: re-derive both from storage
			continue
		}
		t.state.Apply(g.events)
	}
	if len(s.unverified) >= ticketStateChunk {
		return p.verify(ctx, s)
	}
	return nil
}

// verifyChunk is how many tickets one check asks about at most. Twice
// what sets off a check in stage: a batch takes the count past
// ticketStateChunk by a few hundred, and a chunk of 5000 sent those in a
// second query, which costs ClickHouse ~5 ms however small.
const verifyChunk = 2 * ticketStateChunk

// verify checks that the tickets staged as new without a lookup have no
// stored row, and marks any that has one for a refold.
func (p *projector) verify(ctx context.Context, s *stage) error {
	if len(s.unverified) == 0 {
		return nil
	}
	t0 := time.Now()
	keys := make([]TicketKey, len(s.unverified))
	for i, t := range s.unverified {
		keys[i] = t.key
	}
	for start := 0; start < len(keys); start += verifyChunk {
		stored, err := storedTickets(ctx, p.conn, p.db, keys[start:min(start+verifyChunk, len(keys))])
		if err != nil {
			return err
		}
		for _, k := range stored {
			if t := s.byKey[k]; t != nil {
				t.refold = true
			}
		}
	}
	s.st.lookup += time.Since(t0)
	s.st.lookedUp += len(keys)
	clear(s.unverified)
	s.unverified = s.unverified[:0]
	return nil
}

// checkContinuity notices partitions whose batch does not start right
// after the last offset this process stored or staged: another consumer
// may have stored events of them in between, so their cached states are
// dropped and the unit's states of them are re-derived from storage.
// It says whether it dropped any.
func (p *projector) checkContinuity(s *stage, spans []event.Span) bool {
	if len(spans) == 0 {
		s.unchecked = true
		return false
	}
	stale := map[partitionKey]bool{}
	for _, sp := range spans {
		k := partitionKey{sp.Topic, sp.Partition}
		want, ok := s.next[k]
		if !ok {
			var last int64
			last, ok = p.lastOff[k]
			want = last + 1
		}
		if !ok || sp.First != want {
			stale[k] = true
			delete(p.lastOff, k)
		}
		s.next[k] = sp.Last + 1
	}
	if len(stale) == 0 {
		return false
	}
	p.cache.dropPartitions(stale)
	for _, t := range s.order {
		if stale[t.part] {
			t.refold = true
		}
	}
	return true
}

// refolds says whether any of the stage's tickets is to be refolded from
// its stored history.
func (s *stage) refolds() bool {
	for _, t := range s.order {
		if t.refold {
			return true
		}
	}
	return false
}

// refold re-derives the states marked for it from the stored histories
// (the unit's events must be stored by now) and returns every state of
// the unit, in the order the unit first touched the tickets.
func (p *projector) refold(ctx context.Context, s *stage) ([]*ticket.State, error) {
	var refold []TicketKey
	for _, t := range s.order {
		if t.refold {
			refold = append(refold, t.key)
		}
	}
	s.st.tickets, s.st.refolded = len(s.order), len(refold)
	if len(refold) > 0 {
		t0 := time.Now()
		err := LoadHistories(ctx, p.conn, p.db, refold, func(history []event.Event) error {
			t := s.byKey[TicketKey{history[0].Tenant, history[0].TicketID}]
			t.state, t.clocks = p.foldHistory(history)
			return nil
		})
		if err != nil {
			return nil, err
		}
		s.st.refold = time.Since(t0)
	}
	s.states = s.states[:0]
	for _, t := range s.order {
		s.states = append(s.states, &t.state)
	}
	return s.states, nil
}

// commit takes a sealed unit's states into the cache and its offsets as
// the last stored.
func (p *projector) commit(s *stage) {
	for _, t := range s.order {
		p.cache.put(t.key, t.part, &t.state, t.clocks)
	}
	if s.unchecked {
		clear(p.lastOff)
		return
	}
	for k, next := range s.next {
		p.lastOff[k] = next - 1
	}
}

// ticketStateChunk keys per query.
const ticketStateChunk = 5000

// The lookups below take a batch's ticket keys as an external table
// (lookupTable), not as literal IN lists: ClickHouse reads the table as a
// block, where it had to parse thousands of literals; and one query
// covers every tenant of the batch, where there was one query per
// tenant, one after the other. The sorting key (tenant, ticket_id) still
// narrows what is read.
const lookupTable = "lookup_keys"

// ticketStateQuery reads every stored version of the tickets' rows; the
// caller keeps the highest. Cheaper than FINAL, which merges on read.
func ticketStateQuery(db string) string {
	return "SELECT " + schema.Tickets.List() + " FROM " + db + ".tickets" +
		" WHERE (tenant, ticket_id) IN " + lookupTable
}

// storedTicketsQuery lists which of the tickets have a stored row. It
// reads the key columns alone: most tickets a batch misses in the cache
// are new, and reading all 36 columns of every granule their ids fall in,
// only to find nothing, was a good part of ClickHouse's work per batch.
func storedTicketsQuery(db string) string {
	return "SELECT DISTINCT tenant, ticket_id FROM " + db + ".tickets WHERE (tenant, ticket_id) IN " + lookupTable
}

// queryKeys runs query with keys as the lookupTable it reads.
func queryKeys(ctx context.Context, conn driver.Conn, query string, keys []TicketKey, args ...any) (driver.Rows, error) {
	t, err := ext.NewTable(lookupTable, ext.Column("tenant", "String"), ext.Column("ticket_id", "String"))
	if err != nil {
		return nil, fmt.Errorf("load ticket states: %w", err)
	}
	for _, k := range keys {
		if err := t.Append(k.Tenant, k.TicketID); err != nil {
			return nil, fmt.Errorf("load ticket states: %w", err)
		}
	}
	rows, err := conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(t)), query, args...)
	if err != nil {
		return nil, fmt.Errorf("load ticket states: %w", classify(err))
	}
	return rows, nil
}

// loadTicketStates reads the stored state of the given tickets; tickets
// without a row are absent from the map.
func loadTicketStates(ctx context.Context, conn driver.Conn, db string, keys []TicketKey) (map[TicketKey]ticket.State, error) {
	out := make(map[TicketKey]ticket.State, len(keys))
	for start := 0; start < len(keys); start += ticketStateChunk {
		stored, err := storedTickets(ctx, conn, db, keys[start:min(start+ticketStateChunk, len(keys))])
		if err != nil {
			return nil, err
		}
		if len(stored) == 0 {
			continue
		}
		if err := readTicketStates(ctx, conn, db, stored, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readTicketStates reads the highest stored version of the tickets' rows
// into out (at most ticketStateChunk keys).
func readTicketStates(ctx context.Context, conn driver.Conn, db string, keys []TicketKey, out map[TicketKey]ticket.State) error {
	rows, err := queryKeys(ctx, conn, ticketStateQuery(db), keys)
	if err != nil {
		return err
	}
	defer rows.Close()
	var row ticketRow
	for rows.Next() {
		s, err := row.scan(rows)
		if err != nil {
			return fmt.Errorf("load ticket states: %w", err)
		}
		k := TicketKey{s.Tenant, s.TicketID}
		if prev, ok := out[k]; !ok || s.Version > prev.Version {
			out[k] = s
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load ticket states: %w", classify(err))
	}
	return nil
}

// storedTickets returns which of the tickets have a stored row.
func storedTickets(ctx context.Context, conn driver.Conn, db string, keys []TicketKey) ([]TicketKey, error) {
	rows, err := queryKeys(ctx, conn, storedTicketsQuery(db), keys)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var stored []TicketKey
	for rows.Next() {
		var k TicketKey
		if err := rows.Scan(&k.Tenant, &k.TicketID); err != nil {
			return nil, fmt.Errorf("load ticket states: %w", err)
		}
		stored = append(stored, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load ticket states: %w", classify(err))
	}
	return stored, nil
}

// withTenant is the arguments of a query on one tenant's ids.
func withTenant(tenant string, ids []string) []any {
	args := make([]any, 0, len(ids)+1)
	args = append(args, tenant)
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// ticketRow reads rows of every tickets column back into States: the
// scan targets, by column name, are the State's fields or columns
// converted after the scan.
type ticketRow struct {
	s                                                             ticket.State
	hasCreated, deleted                                           uint8
	status, priority, severity, createdBy                         string
	createdAt, firstReplied, firstSolved, solved, closed, ratedAt time.Time
	lastAt, updatedAt, statusSince, dueAt                         time.Time
	lastUs                                                        int64
	dest                                                          []any // in schema.Tickets' order
}

func (r *ticketRow) targets() map[string]any {
	s := &r.s
	return map[string]any{
		"tenant": &s.Tenant, "ticket_id": &s.TicketID, "version": &s.Version, "has_created": &r.hasCreated,
		"channel": &s.Channel, "customer": &s.Customer, "organisation": &s.Organisation, "group_name": &s.Group,
		"assignee": &s.Assignee, "supporting_agents": &s.SupportingAgents, "subject": &s.Subject, "status": &r.status,
		"priority": &r.priority, "severity": &r.severity, "tags": &s.Tags, "created_at": &r.createdAt,
		"created_by": &r.createdBy, "first_replied_at": &r.firstReplied, "first_solved_at": &r.firstSolved,
		"solved_at": &r.solved, "closed_at": &r.closed, "reopen_count": &s.ReopenCount, "public_replies": &s.PublicReplies,
		"customer_replies": &s.CustomerReplies, "internal_notes": &s.InternalNotes, "rating": &s.Rating,
		"rated_at": &r.ratedAt, "merged_into": &s.MergedInto, "deleted": &r.deleted, "last_event_at": &r.lastAt,
		"last_event_us": &r.lastUs, "last_event_id": &s.LastEventID, "updated_at": &r.updatedAt,
		"status_since": &r.statusSince, "solved_times": &s.SolvedTimes, "reopened_times": &s.ReopenedTimes,
		"status_label": &s.StatusLabel, "priority_label": &s.PriorityLabel, "severity_label": &s.SeverityLabel,
		"creator": &s.Creator, "due_at": &r.dueAt,
	}
}

// scan reads one row of ticketStateQuery into a State.
func (r *ticketRow) scan(rows driver.Rows) (ticket.State, error) {
	if r.dest == nil {
		dest, err := schema.Tickets.Row(r.targets())
		if err != nil {
			return ticket.State{}, err
		}
		r.dest = dest
	}
	*r = ticketRow{dest: r.dest} // the targets stay where dest points
	if err := rows.Scan(r.dest...); err != nil {
		return ticket.State{}, err
	}
	s := r.s
	s.HasCreated, s.Deleted = r.hasCreated == 1, r.deleted == 1
	s.Status, s.Priority, s.Severity = event.Status(r.status), event.Priority(r.priority), event.Severity(r.severity)
	s.CreatedBy = event.ActorType(r.createdBy)
	s.CreatedAt, s.FirstRepliedAt, s.FirstSolvedAt = undt(r.createdAt), undt(r.firstReplied), undt(r.firstSolved)
	s.SolvedAt, s.ClosedAt, s.RatedAt = undt(r.solved), undt(r.closed), undt(r.ratedAt)
	s.LastEventAt = time.UnixMicro(r.lastUs).UTC()
	s.StatusSince, s.DueAt = undt(r.statusSince), undt(r.dueAt)
	s.SolvedTimes, s.ReopenedTimes = utcTimes(s.SolvedTimes), utcTimes(s.ReopenedTimes)
	return s, nil
}

func utcTimes(ts []time.Time) []time.Time {
	if len(ts) == 0 {
		return nil
	}
	for i := range ts {
		ts[i] = ts[i].UTC()
	}
	return ts
}

// undt is dt's inverse: the epoch stands for "no time".
func undt(t time.Time) time.Time {
	if t.Unix() == 0 {
		return time.Time{}
	}
	return t.UTC()
}

// SLA in the projection. With SLA policies set, each ticket's SLA clocks
// (sla.Clocks) travel with its state: cached beside it in compact form,
// extended with the same events, restarted from the stored history
// wherever the state is refolded from it, and read from the stored
// history (instead of the stored row) on a cache miss. So every state the
// projector stores comes with its SLA rows, equal to what sla recompute
// evaluates from the whole history, and no history is read back for
// tickets the projector just handled.

// startClocks is a new ticket's clocks ("": SLA off).
func (p *projector) startClocks() string { return p.slaStart }

// setSLA turns SLA on with cfg, or off with nil.
func (p *projector) setSLA(cfg *sla.Config) {
	p.slaCfg, p.slaEv, p.slaStart, p.slaSet = cfg, nil, "", ""
	if cfg != nil {
		p.slaEv, p.slaSet = cfg.NewEvaluator(), cfg.Fingerprint()
		p.slaStart = string(cfg.Start().AppendCompact(nil))
	}
}

// extendClocks runs a ticket's clocks over its following events; false if
// its clocks cannot be read (a bug: the caller refolds the ticket).
func (p *projector) extendClocks(t *staged, sorted []*event.Event) bool {
	if err := p.slaCfg.ReadClocksInto(&p.slaScratch, t.clocks); err != nil {
		return false
	}
	p.slaScratch.Extend(sorted)
	t.clocks = p.writeClocks(&p.slaScratch)
	return true
}

// writeClocks is the compact form of k.
func (p *projector) writeClocks(k *sla.Clocks) string {
	p.slaBuf = k.AppendCompact(p.slaBuf[:0])
	return string(p.slaBuf)
}

// foldHistory derives a ticket's state and (SLA on) clocks from its whole
// stored history, in any order and with replays.
func (p *projector) foldHistory(history []event.Event) (ticket.State, string) {
	state := ticket.FoldWith(history, p.rulesOf(history[0].Tenant))
	if p.slaCfg == nil {
		return state, ""
	}
	refs := make([]*event.Event, len(history))
	for i := range history {
		refs[i] = &history[i]
	}
	clocks := p.slaCfg.Start()
	clocks.Extend(event.SortHistoryRefs(refs))
	return state, p.writeClocks(clocks)
}

// historyState is a ticket's state and clocks folded from its stored history.
type historyState struct {
	state  ticket.State
	clocks string
}

// historiesByKeysQuery reads the stored events of the tickets of the
// lookupTable, grouped by ticket.
func historiesByKeysQuery(db string) string {
	return "SELECT " + strings.Join(historyColumns, ", ") + " FROM " + db + ".events" +
		" WHERE (tenant, ticket_id) IN " + lookupTable + " ORDER BY tenant, ticket_id"
}

// loadHistoryStates folds the stored histories of tickets the cache
// missed into out (at most ticketStateChunk keys); tickets without stored
// events are left out.
func (p *projector) loadHistoryStates(ctx context.Context, keys []TicketKey, out map[TicketKey]historyState) error {
	rows, err := queryKeys(ctx, p.conn, historiesByKeysQuery(p.db), keys)
	if err != nil {
		return err
	}
	return scanHistories(rows, func(history []event.Event) error {
		state, clocks := p.foldHistory(history)
		out[TicketKey{history[0].Tenant, history[0].TicketID}] = historyState{state, clocks}
		return nil
	})
}

// slaRows evaluates the SLA of the stage's tickets that have clocks, as
// of each one's last event, a chunk at a time: fill is handed each chunk
// of about slaChunkRows results (the chunk is reused for the next, so
// fill copies what it keeps), and the clocks of every evaluated ticket
// are returned for the sla_clocks insert. A unit touches tens of
// thousands of tickets: their results evaluated all at once, then laid out
// by column, were the largest share of ingest's heap and of its
// allocations, and made the garbage collector run near continuously.
func (p *projector) slaRows(s *stage, fill func(c *slaChunk) error) ([]slaClock, error) {
	c := &p.slaChunk
	defer c.reset()
	var clocks []slaClock
	for _, t := range s.order {
		if t.clocks == "" {
			continue
		}
		if err := p.slaCfg.ReadClocksInto(&p.slaScratch, t.clocks); err != nil {
			return nil, fault.Errorf(fault.Internal, "ticket %s/%s: %v", t.key.Tenant, t.key.TicketID, err)
		}
		from := len(c.results)
		c.results = p.slaScratch.Append(p.slaEv, c.results)
		for range c.results[from:] {
			c.versions = append(c.versions, t.state.Version)
		}
		c.tickets = append(c.tickets, slaTicket{state: &t.state, from: from, to: len(c.results)})
		// the keys copied: the clocks' insert may end after the unit's
		// messages are reused
		clocks = append(clocks, slaClock{key: TicketKey{strings.Clone(t.key.Tenant), strings.Clone(t.key.TicketID)},
			version: t.state.Version, clocks: t.clocks})
		if len(c.results) >= slaChunkRows {
			if err := fill(c); err != nil {
				return nil, err
			}
			c.reset()
		}
	}
	if len(c.tickets) > 0 {
		if err := fill(c); err != nil {
			return nil, err
		}
	}
	s.st.slaTickets = len(clocks)
	return clocks, nil
}
