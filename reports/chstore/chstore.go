// Package chstore is the ClickHouse side of the reports: it runs the
// statements package reports builds, with the server settings each kind
// of statement needs, and gives ClickHouse's errors the fault kinds the API
// maps to a status.
package chstore

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
)

// reportPriority is the query priority of report queries and snapshot
// builds alike (ClickHouse pauses a query while one with a smaller
// non-zero value runs; see settings).
const reportPriority = 1

// maxQuerySize admits the longest statements reports build (a drill-down
// restricted to a page of tickets); the server's default is 256 KiB.
const maxQuerySize = 1 << 20

// waitMargin is how much longer than the server's own time limit the
// client waits, so that the server's error (with its code) arrives first.
const waitMargin = 2 * time.Second

// Store runs report statements on one ClickHouse connection pool.
type Store struct{ conn driver.Conn }

// New is a Store over conn.
func New(conn driver.Conn) *Store { return &Store{conn: conn} }

var _ reports.Store = (*Store)(nil)

// Query implements reports.Store.
func (s *Store) Query(ctx context.Context, c reports.Call, each func(scan func(...any) error) error) error {
	rows, err := s.Open(ctx, c)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Open implements reports.Store.
func (s *Store) Open(ctx context.Context, c reports.Call) (reports.Rows, error) {
	ctx, cancel := prepare(ctx, c)
	rows, err := s.conn.Query(ctx, c.SQL, bind(c.Args)...)
	if err != nil {
		cancel()
		return nil, classify(err, c.Limit)
	}
	return &cursor{rows: rows, cancel: cancel, limit: c.Limit}, nil
}

// Exec implements reports.Store.
func (s *Store) Exec(ctx context.Context, c reports.Call) error {
	ctx, cancel := prepare(ctx, c)
	defer cancel()
	return classify(s.conn.Exec(ctx, c.SQL, bind(c.Args)...), c.Limit)
}

// prepare gives ctx the call's settings and deadline.
func prepare(ctx context.Context, c reports.Call) (context.Context, context.CancelFunc) {
	cancel := context.CancelFunc(func() {})
	if c.Limit > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.Limit+waitMargin)
	}
	return clickhouse.Context(ctx, clickhouse.WithSettings(settings(c))), cancel
}

// settings are the server settings of a call. Snapshot upkeep gets the
// time it needs and one thread (it must not take both cores of a small
// server from the dashboards), at the reports' own priority. At a lower
// one, ClickHouse pauses it while any report query runs: behind a page's
// calls one after another, delta builds held new events out of the
// figures for minutes, and a compaction never ended while a dashboard
// polled, which stopped every build after it.
func settings(c reports.Call) clickhouse.Settings {
	if c.Background {
		return clickhouse.Settings{"max_execution_time": int(c.Limit / time.Second), "max_threads": 1, "priority": reportPriority}
	}
	return clickhouse.Settings{
		"max_execution_time": int(c.Limit / time.Second),
		"max_query_size":     maxQuerySize,
		"priority":           reportPriority,
	}
}

// bind turns reports' argument types into the driver's.
func bind(args []any) []any {
	var out []any
	for i, a := range args {
		if set, ok := a.(reports.Set); ok {
			if out == nil {
				out = slices.Clone(args)
			}
			out[i] = clickhouse.GroupSet{Value: set}
		}
	}
	if out == nil {
		return args
	}
	return out
}

// cursor is an open result with the deadline it runs under.
type cursor struct {
	rows   driver.Rows
	cancel context.CancelFunc
	limit  time.Duration
}

func (c *cursor) Next() bool             { return c.rows.Next() }
func (c *cursor) Scan(dest ...any) error { return c.rows.Scan(dest...) }
func (c *cursor) Err() error             { return classify(c.rows.Err(), c.limit) }
func (c *cursor) Close() error {
	err := c.rows.Close()
	c.cancel()
	return err
}

// ClickHouse error codes a report query can meet.
const (
	codeTimeoutExceeded  = 159
	codeTooManyRows      = 158
	codeMemoryLimit      = 241
	codeTooSlow          = 160
	codeTooManyRowsBytes = 396
)

// classify gives ClickHouse errors a kind the API maps to a status.
func classify(err error, limit time.Duration) error {
	if err == nil {
		return nil
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		switch ex.Code {
		case codeTimeoutExceeded, codeTooSlow:
			return fault.Errorf(fault.Timeout, "the report took longer than the %s limit; narrow the range or filters: %w", limit, err)
		case codeTooManyRows, codeTooManyRowsBytes, codeMemoryLimit:
			return fault.Errorf(fault.TooLarge, "the report is too large for the server's limits; narrow the range or filters: %w", err)
		}
		return fault.Wrap(fault.Internal, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fault.Errorf(fault.Timeout, "the report took longer than the %s limit: %w", limit, err)
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return err
	}
	return fault.Wrap(fault.Unavailable, err)
}
