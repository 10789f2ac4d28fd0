package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
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
	Chunk  int // tickets per history read
	Worker string
}

// NewSLARefresher evaluates with cfg into database db.
func NewSLARefresher(conn driver.Conn, db string, cfg *sla.Config) *SLARefresher {
	return &SLARefresher{conn: conn, db: db, cfg: cfg, now: time.Now, Chunk: historyChunk, Worker: "ingest"}
}

// watermarkMargin re-reads tickets projected just before the last
// watermark: an insert that started earlier may land after the read.
const watermarkMargin = 5 * time.Second

func candidatesQuery(db string, byTenant bool) string {
	q := "SELECT tenant, ticket_id, max(updated_at) FROM " + db + ".tickets WHERE updated_at >= ?"
	if byTenant {
		q += " AND tenant = ?"
	}
	return q + " GROUP BY tenant, ticket_id"
}

// Refresh evaluates every ticket projected at or after since (of one
// tenant, if given) and returns the watermark for the next call.
// progress, if not nil, is told how many of how many tickets are done.
func (r *SLARefresher) Refresh(ctx context.Context, since time.Time, tenant string, progress func(done, total int)) (time.Time, int, error) {
	args := []any{since.UTC().Truncate(time.Second)}
	if tenant != "" {
		args = append(args, tenant)
	}
	rows, err := r.conn.Query(ctx, candidatesQuery(r.db, tenant != ""), args...)
	if err != nil {
		return since, 0, fmt.Errorf("sla refresh: %w", classify(err))
	}
	var keys []TicketKey
	next := since
	for rows.Next() {
		var k TicketKey
		var at time.Time
		if err := rows.Scan(&k.Tenant, &k.TicketID, &at); err != nil {
			rows.Close()
			return since, 0, err
		}
		keys = append(keys, k)
		if at.After(next) {
			next = at
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return since, 0, fmt.Errorf("sla refresh: %w", classify(err))
	}
	for start := 0; start < len(keys); start += r.Chunk {
		chunk := keys[start:min(start+r.Chunk, len(keys))]
		var results []sla.Result
		var versions []uint64
		err := LoadHistories(ctx, r.conn, r.db, chunk, func(history []event.Event) error {
			h := event.SortHistory(history)
			// as of the ticket's last event: deterministic, and a still
			// running clock's breach shows by its deadline at query time
			rs := r.cfg.Evaluate(h, h[len(h)-1].OccurredAt)
			results = append(results, rs...)
			for range rs {
				versions = append(versions, uint64(len(h)))
			}
			return nil
		})
		if err != nil {
			return since, start, err
		}
		if err := r.insert(ctx, results, versions); err != nil {
			return since, start, err
		}
		if progress != nil {
			progress(start+len(chunk), len(keys))
		}
	}
	if next.After(since) {
		next = next.Add(-watermarkMargin)
		if next.Before(since) {
			next = since
		}
	}
	return next, len(keys), nil
}

var slaColumns = []string{"tenant", "ticket_id", "metric", "cycle", "ticket_version", "policy", "target_seconds", "time_kind",
	"start_at", "deadline", "stop_at", "elapsed_seconds", "paused_seconds", "state", "breached_at", "warned_at", "evaluated_at"}

func (r *SLARefresher) insert(ctx context.Context, rs []sla.Result, versions []uint64) error {
	if len(rs) == 0 {
		return nil
	}
	w := &Writer{conn: r.conn, db: r.db}
	now := r.now().UTC().Truncate(time.Second)
	opt := func(t *time.Time) time.Time {
		if t == nil {
			return time.Unix(0, 0).UTC()
		}
		return t.Truncate(time.Second)
	}
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
