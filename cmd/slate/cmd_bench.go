package main

import (
	"context"

	"github.com/slatehq/slate/bench"
)

// runBench runs `slate bench ...` with the measured commands' defaults.
func runBench(ctx context.Context, args []string) error {
	c := DefaultConfig()
	return bench.Run(ctx, args, bench.Defaults{ClickHouse: c.ClickHouse, Reports: c.Reports})
}
