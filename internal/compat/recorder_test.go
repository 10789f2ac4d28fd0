package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// recorder is the connection every code path under test gets: it forwards
// each call to 18.16 under a query id of its own, in call order, so that
// the statement text (arguments bound, as the server received it) and the
// settings it ran with can be read back from system.query_log. The rows of
// a batch insert are not in the log; the recorder keeps them, as
// JSONEachRow lines, from the batch's columns just before they are sent.
type recorder struct {
	driver.Conn
	log *callLog
}

// callLog is the calls of one or more recorders, in call order.
type callLog struct {
	prefix string
	mu     sync.Mutex
	calls  []*call
}

// call is one statement sent through the recorder.
type call struct {
	id string
	// insert and rows are set for a batch insert: the statement given to
	// PrepareBatch and the rows sent (several sends of one batch append).
	insert string
	rows   []byte
}

func newRecorder(conn driver.Conn, log *callLog) *recorder {
	return &recorder{Conn: conn, log: log}
}

func (r *recorder) next() *call {
	l := r.log
	l.mu.Lock()
	defer l.mu.Unlock()
	c := &call{id: fmt.Sprintf("%s-%06d", l.prefix, len(l.calls))}
	l.calls = append(l.calls, c)
	return c
}

func (l *callLog) recorded() []*call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*call(nil), l.calls...)
}

func withID(ctx context.Context, c *call) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithQueryID(c.id))
}

func (r *recorder) Select(ctx context.Context, dest any, query string, args ...any) error {
	return r.Conn.Select(withID(ctx, r.next()), dest, query, args...)
}

func (r *recorder) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	return r.Conn.Query(withID(ctx, r.next()), query, args...)
}

func (r *recorder) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	return r.Conn.QueryRow(withID(ctx, r.next()), query, args...)
}

func (r *recorder) Exec(ctx context.Context, query string, args ...any) error {
	return r.Conn.Exec(withID(ctx, r.next()), query, args...)
}

func (r *recorder) AsyncInsert(ctx context.Context, query string, wait bool, args ...any) error {
	return r.Conn.AsyncInsert(withID(ctx, r.next()), query, wait, args...)
}

func (r *recorder) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	c := r.next()
	c.insert = query
	b, err := r.Conn.PrepareBatch(withID(ctx, c), query, opts...)
	if err != nil {
		return nil, err
	}
	return &recordedBatch{Batch: b, call: c}, nil
}

// recordedBatch keeps the rows of each block before it leaves.
type recordedBatch struct {
	driver.Batch
	call *call
}

func (b *recordedBatch) keep() error {
	cols := b.Columns()
	for i := 0; i < b.Rows(); i++ {
		row := make(map[string]any, len(cols))
		for _, col := range cols {
			row[col.Name()] = jsonValue(col.Row(i, false))
		}
		line, err := json.Marshal(row)
		if err != nil {
			return fmt.Errorf("compat: record batch row: %w", err)
		}
		b.call.rows = append(append(b.call.rows, line...), '\n')
	}
	return nil
}

func (b *recordedBatch) Send() error {
	if err := b.keep(); err != nil {
		return err
	}
	return b.Batch.Send()
}

func (b *recordedBatch) Flush() error {
	if err := b.keep(); err != nil {
		return err
	}
	return b.Batch.Flush()
}

// jsonValue is v as JSONEachRow input reads it on every version: times as
// "YYYY-MM-DD hh:mm:ss" in UTC (every DateTime column of the migrations is
// UTC), arrays element by element.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.DateTime)
	case []time.Time:
		out := make([]string, len(x))
		for i, t := range x {
			out[i] = t.UTC().Format(time.DateTime)
		}
		return out
	case *time.Time:
		if x == nil {
			return nil
		}
		return jsonValue(*x)
	}
	return v
}

// isRead says whether a statement returns rows to compare.
func isRead(sql string) bool {
	s := strings.ToUpper(strings.TrimLeft(sql, " \t\n(")) + " "
	for _, p := range []string{"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC ", "EXISTS"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
