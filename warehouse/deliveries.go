package warehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/reports/schedule"
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

// latestDeliveries picks each (schedule, period)'s newest record by
// version without FINAL, so unmerged parts cannot show an old state.
func latestDeliveries(db string, ids int) string {
	where := "period_from >= ?"
	if ids > 0 {
		where += " AND has(?, schedule_id)"
	}
	cols := []string{"period_to", "run_at", "trigger", "state", "attempts", "error", "next_attempt", "message_id", "recipients", "runner", "updated_at"}
	var sel strings.Builder
	for _, c := range cols {
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
	cols := []string{"schedule_id", "period_from", "period_to", "version", "run_at", "trigger", "state", "attempts", "error",
		"next_attempt", "message_id", "recipients", "runner", "updated_at"}
	next := d.NextAttempt
	if next.IsZero() {
		next = time.Unix(0, 0)
	}
	recipients := d.Recipients
	if recipients == nil {
		recipients = []string{}
	}
	return w.send(ctx, "deliveries", cols, func(b driver.Batch) error {
		return b.Append(d.ScheduleID, d.PeriodFrom.UTC(), d.PeriodTo.UTC(), uint64(time.Now().UnixNano()), d.RunAt.UTC(),
			string(d.Trigger), string(d.State), uint32(d.Attempts), d.Error, next.UTC(), d.MessageID, recipients, d.Runner,
			d.UpdatedAt.UTC())
	})
}
