package warehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/reports/schedule"
	"github.com/slatehq/slate/warehouse/schema"
)

// DeliveryLog keeps the e-mailed reports' delivery log in ClickHouse
// (schedule.DeliveryLog).
type DeliveryLog struct {
	conn driver.Conn
	db   string
}

// NewDeliveryLog logs deliveries in database db.
func NewDeliveryLog(conn driver.Conn, db string) *DeliveryLog {
	return &DeliveryLog{conn: conn, db: db}
}

// deliveryColumns are what Latest reads of a delivery besides its key,
// in the order it scans them.
var deliveryColumns = schema.Deliveries.MustSelect("period_to", "run_at", "trigger", "state", "attempts", "error",
	"next_attempt", "message_id", "recipients", "runner", "updated_at")

// latestDeliveries picks each (schedule, period)'s newest record by
// version without FINAL, so unmerged parts cannot show an old state.
func latestDeliveries(db string, ids int) string {
	where := "period_from >= ?"
	if ids > 0 {
		where += " AND has(?, schedule_id)"
	}
	var sel strings.Builder
	for _, c := range deliveryColumns {
		fmt.Fprintf(&sel, ", argMax(%s, version)", c)
	}
	return "SELECT schedule_id, period_from" + sel.String() + " FROM " + db + ".deliveries WHERE " + where +
		" GROUP BY schedule_id, period_from ORDER BY schedule_id, period_from"
}

// Latest returns the latest record of every delivery of the schedules ids
// (every schedule if none) whose period starts at or after since.
func (l *DeliveryLog) Latest(ctx context.Context, since time.Time, ids ...string) (map[schedule.Key]schedule.Delivery, error) {
	args := []any{since.UTC().Truncate(time.Second)}
	if len(ids) > 0 {
		args = append(args, ids)
	}
	rows, err := l.conn.Query(ctx, latestDeliveries(l.db, len(ids)), args...)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", classify(err))
	}
	defer rows.Close()
	out := map[schedule.Key]schedule.Delivery{}
	for rows.Next() {
		var d schedule.Delivery
		var trigger, state string
		var attempts uint32
		if err := rows.Scan(&d.ScheduleID, &d.PeriodFrom, &d.PeriodTo, &d.RunAt, &trigger, &state, &attempts, &d.Error,
			&d.NextAttempt, &d.MessageID, &d.Recipients, &d.Runner, &d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("deliveries: %w", err)
		}
		d.Trigger, d.State, d.Attempts = schedule.Trigger(trigger), schedule.State(state), int(attempts)
		if d.NextAttempt.Unix() == 0 {
			d.NextAttempt = time.Time{}
		}
		out[d.Key()] = d
	}
	return out, classify(rows.Err())
}

// Record stores a new state of a delivery.
func (l *DeliveryLog) Record(ctx context.Context, d schedule.Delivery) error {
	w := &Writer{conn: l.conn, db: l.db}
	next := d.NextAttempt
	if next.IsZero() {
		next = time.Unix(0, 0)
	}
	recipients := d.Recipients
	if recipients == nil {
		recipients = []string{}
	}
	return w.send(ctx, schema.Deliveries, func(b driver.Batch) error {
		return appendRow(b, schema.Deliveries, map[string]any{
			"schedule_id": d.ScheduleID, "period_from": d.PeriodFrom.UTC(), "period_to": d.PeriodTo.UTC(),
			"version": uint64(time.Now().UnixNano()), "run_at": d.RunAt.UTC(), "trigger": string(d.Trigger),
			"state": string(d.State), "attempts": uint32(d.Attempts), "error": d.Error, "next_attempt": next.UTC(),
			"message_id": d.MessageID, "recipients": recipients, "runner": d.Runner, "updated_at": d.UpdatedAt.UTC()})
	})
}
