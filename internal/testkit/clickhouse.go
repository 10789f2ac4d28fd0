package testkit

import (
	"testing"

	"github.com/slatehq/slate/warehouse/chserver"
)

// ClickHouse starts a private clickhouse-server for the test (fresh temp dir,
// free ports) and closes it when the test ends. It fails the test if the
// server cannot start; the error says how to install ClickHouse if missing.
func ClickHouse(t testing.TB) *chserver.Server {
	t.Helper()
	SkipShort(t, "a ClickHouse server")
	s, err := chserver.Start(t.Context(), chserver.Options{})
	if err != nil {
		t.Fatalf("testkit: start clickhouse: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("testkit: close clickhouse: %v", err)
		}
	})
	return s
}
