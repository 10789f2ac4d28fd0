package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/ingest"
	"github.com/slatehq/slate/internal/obs"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse"
)

func runIngest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	load := loadConfigFlag(fs)
	migrate := fs.Bool("migrate", false, "apply migrations before consuming")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, os.Stderr)
	conn, err := warehouse.Open(cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	if *migrate {
		if _, err := warehouse.Migrate(ctx, conn, cfg.ClickHouse); err != nil {
			return err
		}
	}
	return serveIngest(ctx, cfg, conn, log, nil)
}

// serveIngest runs one ingester with its /metrics, /healthz and /readyz
// until ctx ends; slate demo reuses it in-process. listening, if not nil,
// gets the bound HTTP address.
func serveIngest(ctx context.Context, cfg Config, conn driver.Conn, log *slog.Logger, listening func(addr string)) error {
	mapper, err := event.NewMapper(cfg.Labels)
	if err != nil {
		return err
	}
	reg := obs.NewRegistry()
	reader := ingest.NewReader(cfg.Kafka)
	defer reader.Close()
	// A soft heap limit keeps RSS near the configured size: the GC works
	// harder as it nears it instead of letting the heap double.
	if cfg.Ingest.MemoryLimitMiB > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.Ingest.MemoryLimitMiB) << 20)
	}
	writer := warehouse.NewWriter(conn, cfg.ClickHouse.Database, cfg.Ingest.StateCache)
	writer.Log = log
	writer.PartRows = cfg.Ingest.PartRows
	writer.SetTicketRules(ticketRules(mapper))
	in := ingest.New(reader, unitStore{writer}, &event.Decoder{Labels: mapper},
		cfg.Ingest, ingest.NewMetrics(reg), log)
	mux := obs.Mux(reg, func() error {
		if !in.Ready() {
			return errors.New("ingest is not running or its last store failed")
		}
		return nil
	})
	if cfg.slaPolicies != nil {
		// SLA is evaluated in the projection, as each unit stores its
		// tickets' states (docs/architecture.md): no refresher reads the
		// histories back.
		writer.SetSLA(cfg.slaPolicies)
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slate_sla_refreshed_tickets_total",
			Help: "Tickets whose SLA results were evaluated and stored with their state."},
			func() float64 { return float64(writer.SLATickets()) }))
	}
	addr, err := obs.Serve(ctx, cfg.HTTP.Addr, mux, log)
	if err != nil {
		return fmt.Errorf("http.addr: %w", err)
	}
	if listening != nil {
		listening(addr)
	}
	log.Info("ingest started", "brokers", cfg.Kafka.Brokers, "topic", cfg.Kafka.Topic, "group", cfg.Kafka.GroupID,
		"clickhouse", cfg.ClickHouse.Addrs, "metrics", "http://"+addr+"/metrics")
	err = in.Run(ctx)
	consumed, stored := in.Totals()
	log.Info("ingest stopped", "err", err, "consumed", consumed, "stored", stored)
	return err
}

// unitStore hands the warehouse writer's units to ingest, which names its
// own Unit interface.
type unitStore struct{ w *warehouse.Writer }

func (s unitStore) Begin(ctx context.Context) ingest.Unit { return s.w.Begin(ctx) }

// ticketRules gives each tenant's desk rules, from its labels configuration.
func ticketRules(m *event.Mapper) func(tenant string) ticket.Rules {
	return func(tenant string) ticket.Rules {
		return ticket.Rules{FirstRatingStands: m.FirstRatingStands(tenant)}
	}
}
