package warehouse

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/warehouse/schema"
)

// historyChunk bounds the ids per query: with ids of up to 128 bytes the
// statement stays well under ClickHouse's default max_query_size (256 KiB).
const historyChunk = 1000

// historyColumns are the events columns a ticket's history is folded
// from, in the order scanHistories scans them.
var historyColumns = schema.Events.MustSelect(
	"tenant", "ticket_id", "event_id", "type", "occurred_us", "actor_type", "actor_id",
	"channel", "customer", "organisation", "group_name", "assignee", "supporting_agents", "sets_assignee", "sets_group", "sets_supporting",
	"subject", "status", "priority", "severity", "tags", "tags_added", "tags_removed", "message_kind",
	"agent", "seconds", "billable", "rating", "merged_into",
	"status_label", "priority_label", "severity_label", "due_us",
)

// slaHistoryColumns are the columns SLA evaluation reads: what the engine
// and the sla_tickets dimensions (ticket.State) use, none of the rest, in
// the order historyScanner scans them.
var slaHistoryColumns = schema.Events.MustSelect(
	"tenant", "ticket_id", "event_id", "type", "occurred_us", "actor_type",
	"channel", "customer", "organisation", "group_name", "assignee", "sets_assignee", "sets_group",
	"subject", "status", "priority", "severity", "tags", "tags_added", "tags_removed", "message_kind", "merged_into",
	"status_label", "priority_label", "severity_label",
)

// historyQuery reads the events of n tickets of one tenant, grouped by
// ticket. No FINAL: callers de-duplicate by event id (event.SortHistory),
// which is cheaper than a merge on read and just as exact.
func historyQuery(db string, n int) string {
	return "SELECT " + strings.Join(historyColumns, ", ") + " FROM " + db + ".events" +
		" WHERE tenant = ? AND ticket_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")" +
		" ORDER BY ticket_id"
}

// LoadHistories calls fn once per ticket in keys that has stored events,
// with that ticket's events (unsorted, possibly with replayed duplicates).
func LoadHistories(ctx context.Context, conn driver.Conn, db string, keys []TicketKey, fn func([]event.Event) error) error {
	byTenant := map[string][]string{}
	for _, k := range keys {
		byTenant[k.Tenant] = append(byTenant[k.Tenant], k.TicketID)
	}
	tenants := make([]string, 0, len(byTenant))
	for t := range byTenant {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	for _, tenant := range tenants {
		ids := byTenant[tenant]
		for start := 0; start < len(ids); start += historyChunk {
			chunk := ids[start:min(start+historyChunk, len(ids))]
			if err := loadChunk(ctx, conn, db, tenant, chunk, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func loadChunk(ctx context.Context, conn driver.Conn, db, tenant string, ids []string, fn func([]event.Event) error) error {
	return streamHistories(ctx, conn, historyQuery(db, len(ids)), withTenant(tenant, ids), fn)
}

// projectedKeysQuery lists the tickets projected at or after a time (of
// one tenant, optionally) in key order, with when each was last projected.
func projectedKeysQuery(db string, byTenant bool) string {
	q := "SELECT tenant, ticket_id, max(updated_at) FROM " + db + ".tickets WHERE updated_at >= ?"
	if byTenant {
		q += " AND tenant = ?"
	}
	return q + " GROUP BY tenant, ticket_id ORDER BY tenant, ticket_id"
}

// rangeHistoriesQuery reads the events of the tickets of one key range
// (tenant, ticket ids lo..hi) projected at or after a time, grouped by
// ticket. The range bounds both tables by their primary key, so each
// query sorts one range's events in memory; one query over every ticket
// had ClickHouse sort all events at once and spill to disk. The semi-join
// keeps tickets of the range not projected since the time out. GLOBAL: on
// a cluster of two or more shards both tables are Distributed, and a plain
// IN over two Distributed tables is refused (distributed_product_mode =
// deny, a setting 18.16's protocol cannot carry from this driver as a
// string); GLOBAL IN builds the set once and sends it to every shard. On
// one shard or a single node it reads as IN.
func rangeHistoriesQuery(db string) string {
	keys := "tenant = ? AND ticket_id >= ? AND ticket_id <= ?"
	return "SELECT " + strings.Join(slaHistoryColumns, ", ") + " FROM " + db + ".events WHERE " + keys +
		" AND (tenant, ticket_id) GLOBAL IN (SELECT tenant, ticket_id FROM " + db + ".tickets WHERE " + keys +
		" AND updated_at >= ?) ORDER BY ticket_id"
}

// ticketRange is a run of one tenant's projected tickets, lo to hi by id.
type ticketRange struct {
	tenant, lo, hi string
}

// historyRange is about how many tickets one history query reads (some
// 115k events of generated tickets).
const historyRange = 10_000

// projectedRanges cuts the tickets projected at or after since (of
// tenant, if not empty) into key ranges of at most size tickets, and
// returns how many tickets there are and when the last was projected.
func projectedRanges(ctx context.Context, conn driver.Conn, db string, since time.Time, tenant string, size int) ([]ticketRange, int, time.Time, error) {
	args := []any{since.UTC().Truncate(time.Second)}
	if tenant != "" {
		args = append(args, tenant)
	}
	rows, err := conn.Query(ctx, projectedKeysQuery(db, tenant != ""), args...)
	if err != nil {
		return nil, 0, time.Time{}, fmt.Errorf("projected tickets: %w", classify(err))
	}
	defer rows.Close()
	var (
		ranges  []ticketRange
		total   int
		latest  time.Time
		inRange int
	)
	for rows.Next() {
		var t, id string
		var at time.Time
		if err := rows.Scan(&t, &id, &at); err != nil {
			return nil, 0, time.Time{}, fmt.Errorf("projected tickets: scan: %w", err)
		}
		total++
		if at.After(latest) {
			latest = at
		}
		if n := len(ranges); n == 0 || ranges[n-1].tenant != t || inRange == size {
			ranges = append(ranges, ticketRange{tenant: t, lo: id})
			inRange = 0
		}
		ranges[len(ranges)-1].hi = id
		inRange++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, time.Time{}, fmt.Errorf("projected tickets: %w", classify(err))
	}
	return ranges, total, latest, nil
}

// StreamProjectedHistories calls fn with the history of every ticket
// projected at or after since (of tenant, if not empty), one ticket at a
// time, holding only one ticket's events in memory. The events carry what
// SLA evaluation and the sla_tickets dimensions need (slaHistoryColumns);
// fn owns each history it is given.
func StreamProjectedHistories(ctx context.Context, conn driver.Conn, db string, since time.Time, tenant string, fn func([]event.Event) error) error {
	ranges, _, _, err := projectedRanges(ctx, conn, db, since, tenant, historyRange)
	if err != nil {
		return err
	}
	return streamRangeHistories(ctx, conn, db, since, ranges, nil, fn)
}

// openedRange is a range's query, started ahead of being read.
type openedRange struct {
	rows driver.Rows
	err  error
}

// streamRangeHistories streams the histories of every range in order. The
// next range's query runs while the current one is read, so ClickHouse
// sorts one range while the caller works on the one before.
//
// If buf is not nil, each history is appended to the slice buf returns
// (which it may swap between calls) and fn is given that piece of it,
// rather than a slice of its own: fewer, larger allocations for a caller
// that owns the memory.
func streamRangeHistories(ctx context.Context, conn driver.Conn, db string, since time.Time, ranges []ticketRange, buf func() *[]event.Event, fn func([]event.Event) error) error {
	if len(ranges) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	query := rangeHistoriesQuery(db)
	sinceSec := since.UTC().Truncate(time.Second)
	open := func(r ticketRange) <-chan openedRange {
		ch := make(chan openedRange, 1)
		go func() {
			rows, err := conn.Query(ctx, query, r.tenant, r.lo, r.hi, r.tenant, r.lo, r.hi, sinceSec)
			ch <- openedRange{rows, err}
		}()
		return ch
	}
	next := open(ranges[0])
	defer func() {
		// a query opened ahead and never read: close it once it opens
		if next != nil {
			cancel()
			if o := <-next; o.err == nil {
				o.rows.Close()
			}
		}
	}()
	h := historyScanner{buf: buf, fn: fn}
	for i := range ranges {
		o := <-next
		next = nil
		if o.err != nil {
			return fmt.Errorf("load histories: %w", classify(o.err))
		}
		if i+1 < len(ranges) {
			next = open(ranges[i+1])
		}
		if err := h.scan(o.rows); err != nil {
			return err
		}
	}
	return nil
}

// historyScanner turns rows of slaHistoryColumns, grouped by ticket, into
// one call of fn per ticket.
type historyScanner struct {
	buf func() *[]event.Event
	fn  func([]event.Event) error
}

func (s *historyScanner) scan(rows driver.Rows) error {
	defer rows.Close()
	var own []event.Event
	events, from := &own, 0 // the history so far is (*events)[from:]
	if s.buf != nil {
		events = s.buf()
		from = len(*events)
	}
	flush := func() error {
		h := (*events)[from:len(*events):len(*events)]
		own = nil
		if err := s.fn(h); err != nil {
			return err
		}
		if s.buf != nil {
			events = s.buf() // after fn, which may have handed the last one on
		}
		from = len(*events)
		return nil
	}
	for rows.Next() {
		var (
			e                                                event.Event
			typ, actorType, status, priority, severity, kind string
			occurredUs                                       int64
			setsAssignee, setsGroup                          uint8
		)
		if err := rows.Scan(&e.Tenant, &e.TicketID, &e.ID, &typ, &occurredUs, &actorType,
			&e.Channel, &e.Customer, &e.Organisation, &e.Group, &e.Assignee, &setsAssignee, &setsGroup,
			&e.Subject, &status, &priority, &severity, &e.Tags, &e.TagsAdded, &e.TagsRemoved, &kind, &e.MergedInto,
			&e.StatusLabel, &e.PriorityLabel, &e.SeverityLabel); err != nil {
			return fmt.Errorf("load histories: scan: %w", err)
		}
		e.Schema = event.SchemaVersion
		e.Type, e.Actor.Type = event.Type(typ), event.ActorType(actorType)
		e.OccurredAt = time.UnixMicro(occurredUs).UTC()
		e.SetsAssignee, e.SetsGroup = setsAssignee == 1, setsGroup == 1
		e.Status, e.Priority, e.Severity = event.Status(status), event.Priority(priority), event.Severity(severity)
		e.MessageKind = event.MessageKind(kind)
		if h := (*events)[from:]; len(h) > 0 && (h[0].TicketID != e.TicketID || h[0].Tenant != e.Tenant) {
			if err := flush(); err != nil {
				return err
			}
		}
		*events = append(*events, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load histories: %w", classify(err))
	}
	if len(*events) > from {
		return flush()
	}
	return nil
}

// streamHistories scans rows of historyColumns ordered by ticket and calls
// fn once per ticket.
func streamHistories(ctx context.Context, conn driver.Conn, query string, args []any, fn func([]event.Event) error) error {
	rows, err := conn.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("load histories: %w", classify(err))
	}
	return scanHistories(rows, fn)
}

// scanHistories reads rows of historyColumns ordered by ticket, calls fn
// once per ticket, and closes rows.
func scanHistories(rows driver.Rows, fn func([]event.Event) error) error {
	defer rows.Close()
	var history []event.Event
	for rows.Next() {
		var (
			e                                                 event.Event
			typ, actorType, status, priority, severity, kind  string
			occurredUs, dueUs                                 int64
			setsAssignee, setsGroup, setsSupporting, billable uint8
			seconds                                           uint32
		)
		if err := rows.Scan(&e.Tenant, &e.TicketID, &e.ID, &typ, &occurredUs, &actorType, &e.Actor.ID,
			&e.Channel, &e.Customer, &e.Organisation, &e.Group, &e.Assignee, &e.SupportingAgents, &setsAssignee, &setsGroup, &setsSupporting,
			&e.Subject, &status, &priority, &severity, &e.Tags, &e.TagsAdded, &e.TagsRemoved, &kind,
			&e.Agent, &seconds, &billable, &e.Rating, &e.MergedInto,
			&e.StatusLabel, &e.PriorityLabel, &e.SeverityLabel, &dueUs); err != nil {
			return fmt.Errorf("load histories: scan: %w", err)
		}
		e.Schema = event.SchemaVersion
		e.Type, e.Actor.Type = event.Type(typ), event.ActorType(actorType)
		e.OccurredAt = time.UnixMicro(occurredUs).UTC()
		e.SetsAssignee, e.SetsGroup, e.SetsSupporting = setsAssignee == 1, setsGroup == 1, setsSupporting == 1
		e.Billable = billable == 1
		e.Status, e.Priority, e.Severity = event.Status(status), event.Priority(priority), event.Severity(severity)
		e.MessageKind, e.Seconds = event.MessageKind(kind), int64(seconds)
		if dueUs != 0 {
			e.DueAt = time.UnixMicro(dueUs).UTC()
		}
		if len(history) > 0 && (history[0].TicketID != e.TicketID || history[0].Tenant != e.Tenant) {
			if err := fn(history); err != nil {
				return err
			}
			history = nil
		}
		history = append(history, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load histories: %w", classify(err))
	}
	if len(history) > 0 {
		return fn(history)
	}
	return nil
}
