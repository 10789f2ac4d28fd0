package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// TimeEntry is one logged piece of work, with its ticket's customer,
// organisation and group.
type TimeEntry struct {
	LoggedAt                                 time.Time
	Tenant, Customer, Organisation, TicketID string
	Agent, Group                             string
	Seconds                                  uint32
	Billable, HasRate                        bool
	Rate                                     float64
	Currency                                 string
}

// Amount is hours × rate for billable entries with a rate, else 0.
func (e *TimeEntry) Amount() float64 {
	if !e.Billable || !e.HasRate {
		return 0
	}
	return float64(e.Seconds) / 3600 * e.Rate
}

// EntryCursor streams time entries from ClickHouse; Close it.
type EntryCursor struct {
	rows    driver.Rows
	cancel  context.CancelFunc
	limit   time.Duration
	scanErr error
}

// TimeEntries opens a cursor over the time entries logged in q's range,
// within the scope and filters, oldest first. Rows stream: a million
// entries never sit in memory. The export's time limit is the query
// timeout times 30 (an export is one long read, not a dashboard call).
func (s *Service) TimeEntries(ctx context.Context, q Query, sc Scope) (*EntryCursor, error) {
	limit := 30 * s.limits.QueryTime
	ctx, cancel := context.WithTimeout(ctx, limit+5*time.Second)
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_execution_time": int(limit / time.Second)}))
	v, _, err := s.view(ctx, q)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("time entries: %w", err)
	}
	st := timeEntriesSQL(v, q, sc)
	rows, err := s.conn.Query(ctx, st.SQL, st.Args...)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("time entries: %w", classify(err, limit))
	}
	return &EntryCursor{rows: rows, cancel: cancel, limit: limit}, nil
}

// Next reads the next entry into e; false at the end or on error (Err).
func (c *EntryCursor) Next(e *TimeEntry) bool {
	if !c.rows.Next() {
		return false
	}
	var at int64
	var billable, hasRate uint8
	if err := c.rows.Scan(&at, &e.Tenant, &e.Customer, &e.Organisation, &e.TicketID, &e.Agent, &e.Group,
		&e.Seconds, &billable, &hasRate, &e.Rate, &e.Currency); err != nil {
		c.scanErr = err
		return false
	}
	e.LoggedAt, e.Billable, e.HasRate = time.Unix(at, 0).UTC(), billable == 1, hasRate == 1
	return true
}

// Err is the error that ended Next, if any.
func (c *EntryCursor) Err() error {
	if c.scanErr != nil {
		return c.scanErr
	}
	return classify(c.rows.Err(), c.limit)
}

// Close ends the query.
func (c *EntryCursor) Close() error {
	err := c.rows.Close()
	c.cancel()
	return err
}
