package warehouse_test

import (
	"context"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/warehouse/schema"
)

// TestMigrationsAgreeWithSchema applies every migration to a real 18.16
// server and compares each table it created (columns in order with their
// types, engine, partition and sorting key) with package schema, which the
// writer, the readers and the report snapshots take their column lists
// from. internal/compat checks the same on current ClickHouse.
func TestMigrationsAgreeWithSchema(t *testing.T) {
	conn, o := openMigrated(t)
	observed, err := schema.Observe(textQuery(conn), o.Database)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range schema.Agree(observed, "slate_migrations") {
		t.Error(d)
	}
}

// textQuery runs reads whose columns are all strings.
func textQuery(conn driver.Conn) schema.Query {
	return func(sql string) ([][]string, error) {
		rows, err := conn.Query(context.Background(), sql)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out [][]string
		for rows.Next() {
			row := make([]string, len(rows.Columns()))
			ptrs := make([]any, len(row))
			for i := range row {
				ptrs[i] = &row[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			out = append(out, row)
		}
		return out, rows.Err()
	}
}
