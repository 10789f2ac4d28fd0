package warehouse

import (
	"context"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// OpenMigrated connects and applies the migrations: what every command that
// starts on an empty ClickHouse (demo, benchmarks) needs first.
func OpenMigrated(ctx context.Context, o Options) (driver.Conn, error) {
	conn, err := Open(o)
	if err != nil {
		return nil, err
	}
	if _, err := Migrate(ctx, conn, o); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
