package warehouse

import (
	"container/list"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/ticket"
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
	conn driver.Conn
	db   string

	mu      sync.Mutex
	limit   int
	lru     *list.List // of *cached, most recent first
	byKey   map[TicketKey]*list.Element
	lastOff map[partitionKey]int64 // last offset stored, per partition
}

type partitionKey struct {
	topic     string
	partition int32
}

type cached struct {
	key   TicketKey
	part  partitionKey
	state ticket.State
}

func newProjector(conn driver.Conn, db string, limit int) *projector {
	return &projector{conn: conn, db: db, limit: limit, lru: list.New(),
		byKey: map[TicketKey]*list.Element{}, lastOff: map[partitionKey]int64{}}
}

// ticketGroup is one ticket's events in a batch, sorted and de-duplicated.
type ticketGroup struct {
	key    TicketKey
	part   partitionKey
	events []*event.Event // pointing into the batch's records
}

func groupByTicket(recs []event.Record) []ticketGroup {
	idx := make(map[TicketKey]int, len(recs)/2)
	var groups []ticketGroup
	for i := range recs {
		e := &recs[i].Event
		k := TicketKey{e.Tenant, e.TicketID}
		g, ok := idx[k]
		if !ok {
			g = len(groups)
			idx[k] = g
			groups = append(groups, ticketGroup{key: k, part: partitionKey{recs[i].Source.Topic, recs[i].Source.Partition}})
		}
		groups[g].events = append(groups[g].events, e)
	}
	for i := range groups {
		groups[i].events = event.SortHistoryRefs(groups[i].events)
	}
	return groups
}

// projectStats says how a batch's tickets were projected, for debug logs.
type projectStats struct {
	tickets, cached, lookedUp, refolded int
	lookup, refold, insert              time.Duration
}

// plan is a batch's projection between its two phases.
type plan struct {
	b      *event.Batch
	groups []ticketGroup
	bases  []*ticket.State
	st     projectStats
}

// prepare finds each touched ticket's base state: cached, or as stored
// before this batch. It reads only the tickets table, so it can run while
// the batch's events are being inserted. The projector stays locked until
// finish, which must follow.
func (p *projector) prepare(ctx context.Context, b *event.Batch) (*plan, error) {
	p.mu.Lock()
	var st projectStats
	p.dropStalePartitions(b.Spans)

	groups := groupByTicket(b.Records)
	bases := make([]*ticket.State, len(groups))
	var unknown []TicketKey
	for i := range groups {
		if el, ok := p.byKey[groups[i].key]; ok && el.Value.(*cached).part == groups[i].part {
			s := el.Value.(*cached).state
			bases[i] = &s
		} else {
			unknown = append(unknown, groups[i].key)
		}
	}
	st.tickets, st.lookedUp, st.cached = len(groups), len(unknown), len(groups)-len(unknown)
	t0 := time.Now()
	if len(unknown) > 0 {
		stored, err := loadTicketStates(ctx, p.conn, p.db, unknown)
		if err != nil {
			p.mu.Unlock()
			return nil, err
		}
		for i := range groups {
			if bases[i] == nil {
				s := stored[groups[i].key] // zero State: no row, a new ticket
				bases[i] = &s
			}
		}
	}
	st.lookup = time.Since(t0)
	return &plan{b: b, groups: groups, bases: bases, st: st}, nil
}

// finish extends or re-folds every state (re-folding reads the events, so
// the batch must be stored by now), stores them and unlocks the projector.
func (p *projector) finish(ctx context.Context, w *Writer, pl *plan) (projectStats, error) {
	defer p.mu.Unlock()
	b, groups, bases, st := pl.b, pl.groups, pl.bases, pl.st
	states := make([]ticket.State, len(groups))
	var refold []TicketKey
	refoldAt := map[TicketKey]int{}
	for i, g := range groups {
		s := *bases[i]
		if s.Follows(g.events[0]) {
			s.Apply(g.events)
			states[i] = s
			continue
		}
		refoldAt[g.key] = i
		refold = append(refold, g.key)
	}
	st.refolded = len(refold)
	t0 := time.Now()
	if len(refold) > 0 {
		err := LoadHistories(ctx, p.conn, p.db, refold, func(history []event.Event) error {
			i := refoldAt[TicketKey{history[0].Tenant, history[0].TicketID}]
			states[i] = ticket.Fold(history)
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	st.refold = time.Since(t0)
	t0 = time.Now()
	if err := w.insertTickets(ctx, states); err != nil {
		return st, err
	}
	st.insert = time.Since(t0)
	for i := range groups {
		p.remember(groups[i].key, groups[i].part, states[i])
	}
	for _, s := range b.Spans {
		p.lastOff[partitionKey{s.Topic, s.Partition}] = s.Last
	}
	return st, nil
}

// dropStalePartitions forgets the cached tickets of every partition whose
// batch does not start right after the last offset this process stored.
func (p *projector) dropStalePartitions(spans []event.Span) {
	stale := map[partitionKey]bool{}
	for _, s := range spans {
		k := partitionKey{s.Topic, s.Partition}
		if last, ok := p.lastOff[k]; !ok || s.First != last+1 {
			stale[k] = true
			delete(p.lastOff, k)
		}
	}
	if len(spans) == 0 {
		// a sub-batch (bisecting a refused batch): no continuity to check,
		// and none to vouch for afterwards
		clear(p.lastOff)
	}
	if len(stale) == 0 {
		return
	}
	for el := p.lru.Front(); el != nil; {
		next := el.Next()
		if c := el.Value.(*cached); stale[c.part] {
			p.lru.Remove(el)
			delete(p.byKey, c.key)
		}
		el = next
	}
}

func (p *projector) remember(k TicketKey, part partitionKey, s ticket.State) {
	if p.limit <= 0 {
		return
	}
	if el, ok := p.byKey[k]; ok {
		c := el.Value.(*cached)
		c.state, c.part = s, part
		p.lru.MoveToFront(el)
		return
	}
	p.byKey[k] = p.lru.PushFront(&cached{key: k, part: part, state: s})
	for p.lru.Len() > p.limit {
		el := p.lru.Back()
		p.lru.Remove(el)
		delete(p.byKey, el.Value.(*cached).key)
	}
}

// ticketStateChunk keys per query; max_query_size is raised to fit them.
const ticketStateChunk = 5000

// ticketStateQuery reads every stored version of the tickets' rows; the
// caller keeps the highest. Cheaper than FINAL, which merges on read.
func ticketStateQuery(db string, n int) string {
	return "SELECT " + strings.Join(ticketColumns, ", ") + " FROM " + db + ".tickets" +
		" WHERE tenant = ? AND ticket_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// storedTicketsQuery lists which of the tickets have a stored row. It
// reads the key columns alone: most tickets a batch misses in the cache
// are new, and reading all 36 columns of every granule their ids fall in,
// only to find nothing, was a good part of ClickHouse's work per batch.
func storedTicketsQuery(db string, n int) string {
	return "SELECT DISTINCT ticket_id FROM " + db + ".tickets" +
		" WHERE tenant = ? AND ticket_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// loadTicketStates reads the stored state of the given tickets; tickets
// without a row are absent from the map.
func loadTicketStates(ctx context.Context, conn driver.Conn, db string, keys []TicketKey) (map[TicketKey]ticket.State, error) {
	out := make(map[TicketKey]ticket.State, len(keys))
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_query_size": 8 << 20}))
	for tenant, ids := range idsByTenant(keys) {
		for start := 0; start < len(ids); start += ticketStateChunk {
			chunk := ids[start:min(start+ticketStateChunk, len(ids))]
			stored, err := storedTickets(ctx, conn, db, tenant, chunk)
			if err != nil {
				return nil, err
			}
			if len(stored) == 0 {
				continue
			}
			rows, err := conn.Query(ctx, ticketStateQuery(db, len(stored)), withTenant(tenant, stored)...)
			if err != nil {
				return nil, fmt.Errorf("load ticket states: %w", classify(err))
			}
			for rows.Next() {
				s, err := scanTicket(rows)
				if err != nil {
					rows.Close()
					return nil, fmt.Errorf("load ticket states: %w", err)
				}
				k := TicketKey{s.Tenant, s.TicketID}
				if prev, ok := out[k]; !ok || s.Version > prev.Version {
					out[k] = s
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("load ticket states: %w", classify(err))
			}
		}
	}
	return out, nil
}

// storedTickets returns which of one tenant's ticket ids have a stored row.
func storedTickets(ctx context.Context, conn driver.Conn, db, tenant string, ids []string) ([]string, error) {
	rows, err := conn.Query(ctx, storedTicketsQuery(db, len(ids)), withTenant(tenant, ids)...)
	if err != nil {
		return nil, fmt.Errorf("load ticket states: %w", classify(err))
	}
	defer rows.Close()
	var stored []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("load ticket states: %w", err)
		}
		stored = append(stored, id)
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

func idsByTenant(keys []TicketKey) map[string][]string {
	out := map[string][]string{}
	for _, k := range keys {
		out[k.Tenant] = append(out[k.Tenant], k.TicketID)
	}
	return out
}

// scanTicket reads one row of ticketColumns back into a State.
func scanTicket(rows driver.Rows) (ticket.State, error) {
	var (
		s                                                             ticket.State
		hasCreated, deleted                                           uint8
		status, priority, severity, createdBy                         string
		createdAt, firstReplied, firstSolved, solved, closed, ratedAt time.Time
		lastAt, updatedAt, statusSince                                time.Time
		lastUs                                                        int64
	)
	err := rows.Scan(&s.Tenant, &s.TicketID, &s.Version, &hasCreated, &s.Channel, &s.Customer, &s.Organisation,
		&s.Group, &s.Assignee, &s.SupportingAgents, &s.Subject, &status, &priority, &severity, &s.Tags,
		&createdAt, &createdBy, &firstReplied, &firstSolved, &solved, &closed, &s.ReopenCount, &s.PublicReplies,
		&s.CustomerReplies, &s.InternalNotes, &s.Rating, &ratedAt, &s.MergedInto, &deleted, &lastAt, &lastUs,
		&s.LastEventID, &updatedAt, &statusSince, &s.SolvedTimes, &s.ReopenedTimes)
	if err != nil {
		return s, err
	}
	s.HasCreated, s.Deleted = hasCreated == 1, deleted == 1
	s.Status, s.Priority, s.Severity = event.Status(status), event.Priority(priority), event.Severity(severity)
	s.CreatedBy = event.ActorType(createdBy)
	s.CreatedAt, s.FirstRepliedAt, s.FirstSolvedAt = undt(createdAt), undt(firstReplied), undt(firstSolved)
	s.SolvedAt, s.ClosedAt, s.RatedAt = undt(solved), undt(closed), undt(ratedAt)
	s.LastEventAt = time.UnixMicro(lastUs).UTC()
	s.StatusSince = undt(statusSince)
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
