package warehouse

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Counts are the row counts after de-duplication: the figures a replay must
// leave unchanged.
type Counts struct {
	Events, Tickets, TimeEntries, DeadLetters uint64
	BillableSeconds                           uint64
}

// countsQuery reads every table with FINAL so unmerged replays never show.
func countsQuery(db string) string {
	return fmt.Sprintf(`SELECT
    (SELECT count() FROM %[1]s.events FINAL),
    (SELECT count() FROM %[1]s.tickets FINAL),
    (SELECT count() FROM %[1]s.time_entries FINAL),
    (SELECT count() FROM %[1]s.dead_letters FINAL),
    (SELECT sum(seconds * billable) FROM %[1]s.time_entries FINAL)`, db)
}

// ReadCounts returns the de-duplicated row counts of db.
func ReadCounts(ctx context.Context, conn driver.Conn, db string) (Counts, error) {
	var c Counts
	err := conn.QueryRow(ctx, countsQuery(db)).Scan(&c.Events, &c.Tickets, &c.TimeEntries, &c.DeadLetters, &c.BillableSeconds)
	if err != nil {
		return c, fmt.Errorf("read counts: %w", classify(err))
	}
	return c, nil
}
