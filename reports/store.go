package reports

import (
	"context"
	"time"
)

// Store is the warehouse as the reports see it: statements in, rows out.
// Package reports builds every statement with pure functions (golden
// tested, no database) and never talks to a driver; reports/chstore is the
// ClickHouse implementation. Errors a Store returns carry a fault kind
// (internal/fault), so the API maps them to a status.
type Store interface {
	// Query runs c and hands each row's Scan to each, in order.
	Query(ctx context.Context, c Call, each func(scan func(...any) error) error) error
	// Open runs c and streams its rows: the caller closes them.
	Open(ctx context.Context, c Call) (Rows, error)
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, c Call) error
}

// Rows is an open stream of result rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Call is one statement and how the server is to run it.
type Call struct {
	SQL  string
	Args []any
	// Limit bounds the statement's run time on the server (whole seconds)
	// and, a little later, the wait for it; 0 means no limit.
	Limit time.Duration
	// Background marks upkeep (snapshot builds): it runs on one thread.
	Background bool
}

// Set is a bound list written as a tuple, for `x IN ?`.
type Set []any

// call is st run as a report query within limit.
func (st statement) call(limit time.Duration) Call {
	return Call{SQL: st.SQL, Args: st.Args, Limit: limit}
}
