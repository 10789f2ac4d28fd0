package reports

import (
	"context"
	"fmt"
	"time"
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

// EntryCursor streams time entries from the warehouse; Close it.
type EntryCursor struct {
	rows    Rows
	scanErr error
}

// TimeEntries opens a cursor over the time entries logged in q's range,
// within the scope and filters, oldest first. Rows stream: a million
// entries never sit in memory. The export's time limit is the query
// timeout times 30 (an export is one long read, not a dashboard call).
func (s *Service) TimeEntries(ctx context.Context, q Query, sc Scope) (*EntryCursor, error) {
	v, _, err := s.view(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("time entries: %w", err)
	}
	rows, err := s.store.Open(ctx, timeEntriesSQL(v, q, sc).call(30*s.limits.QueryTime))
	if err != nil {
		return nil, fmt.Errorf("time entries: %w", err)
	}
	return &EntryCursor{rows: rows}, nil
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
	return c.rows.Err()
}

// Close ends the query.
func (c *EntryCursor) Close() error { return c.rows.Close() }
