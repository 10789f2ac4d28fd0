package main

import (
	"context"
	"log/slog"

	"github.com/slatehq/slate/bench"
)

// runBench runs `slate bench ...` with the measured commands' defaults.
func runBench(ctx context.Context, args []string) error {
	c := DefaultConfig()
	return bench.Run(ctx, args, bench.Defaults{ClickHouse: c.ClickHouse, Reports: c.Reports, Ingest: benchIngest})
}

// benchIngest runs ingest's loop in-process as `slate ingest` would with
// the default configuration, for a bench that measures it beside reports.
func benchIngest(ctx context.Context, run bench.IngestRun) error {
	cfg := DefaultConfig()
	cfg.ClickHouse.Database = run.Database
	cfg.Kafka.Brokers, cfg.Kafka.Topic, cfg.Kafka.GroupID = run.Brokers, run.Topic, run.Topic
	cfg.Labels, cfg.slaPolicies = run.Labels, run.Policies
	cfg.HTTP.Addr = "127.0.0.1:0"
	return serveIngest(ctx, cfg, run.Conn, slog.New(slog.DiscardHandler), nil)
}
