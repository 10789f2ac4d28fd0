package warehouse

import (
	"context"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// SetRangeSize makes r read n tickets per history query.
func SetRangeSize(r *SLARefresher, n int) { r.rangeSize = n }

// LoadTicketStates is the projector's lookup of stored ticket states.
var LoadTicketStates = loadTicketStates

// HoldBackgroundInserts has every unit w seals in the background run hold
// before it ends its inserts; other writers' units go on. Set it before
// the units to hold are sealed.
func HoldBackgroundInserts(w *Writer, hold func()) {
	hook := func(sealing *Writer) {
		if sealing == w {
			hold()
		}
	}
	testHookSealInserts.Store(&hook)
}

// ApplyMigrationText renders sql as a migration file for o and runs it as
// Migrate runs one it has not applied, without recording it: for the
// statement forms no shipped migration uses yet.
func ApplyMigrationText(ctx context.Context, conn driver.Conn, o Options, sql string) error {
	m, err := renderMigration(o, "9999_test.sql", []byte(sql))
	if err != nil {
		return err
	}
	m.Version, m.Name = 9999, "test"
	var hosts []string
	return apply(ctx, conn, o, m, &hosts)
}

// TicketsFromStoredClocks is how many tickets w's projector took up from
// their stored SLA clocks rather than their histories.
func TicketsFromStoredClocks(w *Writer) int {
	w.proj.mu.Lock()
	defer w.proj.mu.Unlock()
	return w.proj.fromClocks
}
