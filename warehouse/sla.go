package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
)

// SLARefresher keeps sla_results in step with the tickets table: it finds
// tickets projected since a watermark and re-evaluates their SLA from the
// whole stored history. It runs beside ingest, off the commit path, and
// is idempotent, so several instances (or a recompute) may overlap.
type SLARefresher struct {
	conn   driver.Conn
	db     string
	cfg    *sla.Config
	now    func() time.Time
	Worker string
}

// NewSLARefresher evaluates with cfg into database db.
func NewSLARefresher(conn driver.Conn, db string, cfg *sla.Config) *SLARefresher {
	return &SLARefresher{conn: conn, db: db, cfg: cfg, now: time.Now, Worker: "ingest"}
}

// watermarkMargin re-reads tickets projected just before the last
// watermark: an insert that started earlier may land after the read.
const watermarkMargin = 5 * time.Second

func candidatesQuery(db string, byTenant bool) string {
	q := "SELECT uniqExact(tenant, ticket_id), max(updated_at) FROM " + db + ".tickets WHERE updated_at >= ?"
	if byTenant {
		q += " AND tenant = ?"
	}
	return q
}

// slaInsertBatch bounds the results held before they are written.
const slaInsertBatch = 20000

// Refresh evaluates every ticket projected at or after since (of one
// tenant, if given) and returns the watermark for the next call and the
// number of tickets evaluated. progress, if not nil, is told how many of
// how many tickets are done.
func (r *SLARefresher) Refresh(ctx context.Context, since time.Time, tenant string, progress func(done, total int)) (time.Time, int, error) {
	args := []any{since.UTC().Truncate(time.Second)}
	if tenant != "" {
		args = append(args, tenant)
	}
	var total uint64
	var latest time.Time
	if err := r.conn.QueryRow(ctx, candidatesQuery(r.db, tenant != ""), args...).Scan(&total, &latest); err != nil {
		return since, 0, fmt.Errorf("sla refresh: %w", classify(err))
	}
	if total == 0 {
		return since, 0, nil
	}
	var results []sla.Result
	var versions []uint64
	var tickets []slaTicket
	var refs []*event.Event // reused: the sorted history, for the fold
	done := 0
	flush := func() error {
		err := r.insert(ctx, results, versions)
		if err == nil {
			err = r.insertTickets(ctx, tickets, results)
		}
		results, versions, tickets = results[:0], versions[:0], tickets[:0]
		return err
	}
	err := StreamProjectedHistories(ctx, r.conn, r.db, since, tenant, func(history []event.Event) error {
		h := event.SortHistory(history)
		// as of the ticket's last event: deterministic, and a still running
		// clock's breach shows by its deadline at query time
		rs := r.cfg.Evaluate(h, h[len(h)-1].OccurredAt)
		// Fold the history already sorted for Evaluate (ticket.Fold would
		// sort it again).
		refs = refs[:0]
		for i := range h {
			refs = append(refs, &h[i])
		}
		var st ticket.State
		st.Apply(refs)
		tickets = append(tickets, slaTicket{state: st, from: len(results), to: len(results) + len(rs)})
		results = append(results, rs...)
		for range rs {
			versions = append(versions, uint64(len(h)))
		}
		done++
		if progress != nil && done%1000 == 0 {
			progress(done, int(total))
		}
		if len(results) >= slaInsertBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return since, done, err
	}
	if progress != nil {
		progress(done, max(done, int(total)))
	}
	next := latest.Add(-watermarkMargin)
	if next.Before(since) {
		next = since
	}
	return next, done, nil
}

var slaColumns = []string{"tenant", "ticket_id", "metric", "cycle", "ticket_version", "policy", "target_seconds", "time_kind",
	"start_at", "deadline", "stop_at", "elapsed_seconds", "paused_seconds", "state", "breached_at", "warned_at", "evaluated_at"}

func (r *SLARefresher) insert(ctx context.Context, rs []sla.Result, versions []uint64) error {
	if len(rs) == 0 {
		return nil
	}
	w := &Writer{conn: r.conn, db: r.db}
	now := r.now().UTC().Truncate(time.Second)
	opt := optTime
	return w.send(ctx, "sla_results", slaColumns, func(b driver.Batch) error {
		for i := range rs {
			x := &rs[i]
			if err := b.Append(x.Tenant, x.TicketID, string(x.Metric), uint16(x.Cycle), versions[i], x.Policy,
				uint32(x.Target), x.TimeKind, x.Start.Truncate(time.Second), opt(x.Deadline), opt(x.Stop),
				uint32(x.Elapsed), uint32(x.Paused), string(x.State), opt(x.Breached), warned(x.Warned, opt), now); err != nil {
				return err
			}
		}
		return nil
	})
}

// slaTicket is one evaluated ticket: its state (for the dimensions) and
// its results' range in the batch.
type slaTicket struct {
	state    ticket.State
	from, to int
}

var slaTicketColumns = []string{"tenant", "ticket_id", "ticket_version", "live", "subject", "status", "priority", "severity",
	"tags", "assignee", "group_name", "channel", "customer", "organisation", "created_at", "metric", "cycle", "policy",
	"start_at", "deadline", "stop_at", "elapsed_seconds", "state", "evaluated_at"}

// insertTickets writes one sla_tickets row per evaluated ticket, also for
// tickets without cycles: an empty row replaces cycles a late event removed.
func (r *SLARefresher) insertTickets(ctx context.Context, ts []slaTicket, rs []sla.Result) error {
	if len(ts) == 0 {
		return nil
	}
	w := &Writer{conn: r.conn, db: r.db}
	now := r.now().UTC().Truncate(time.Second)
	return w.send(ctx, "sla_tickets", slaTicketColumns, func(b driver.Batch) error {
		for i := range ts {
			t := &ts[i]
			s := &t.state
			n := t.to - t.from
			metric, policy, state := make([]string, n), make([]string, n), make([]string, n)
			cycle, elapsed := make([]uint16, n), make([]uint32, n)
			start, deadline, stop := make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
			for j, x := range rs[t.from:t.to] {
				metric[j], policy[j], state[j] = string(x.Metric), x.Policy, string(x.State)
				cycle[j], elapsed[j] = uint16(x.Cycle), uint32(x.Elapsed)
				start[j], deadline[j], stop[j] = x.Start.Truncate(time.Second), optTime(x.Deadline), optTime(x.Stop)
			}
			live := s.HasCreated && !s.Deleted && s.MergedInto == ""
			if err := b.Append(s.Tenant, s.TicketID, s.Version, b2u(live), s.Subject, string(s.Status), string(s.Priority),
				string(s.Severity), nonNil(s.Tags), s.Assignee, s.Group, s.Channel, s.Customer, s.Organisation, dt(s.CreatedAt),
				metric, cycle, policy, start, deadline, stop, elapsed, state, now); err != nil {
				return err
			}
		}
		return nil
	})
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
	return wr.send(ctx, "sla_progress", []string{"worker", "watermark", "updated_at"}, func(b driver.Batch) error {
		return b.Append(r.Worker, w.UTC().Truncate(time.Second), r.now().UTC().Truncate(time.Second))
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
