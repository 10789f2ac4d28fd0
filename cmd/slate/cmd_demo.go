package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// runDemo starts the whole product on one machine with nothing configured:
// an embedded Kafka-protocol broker (kfake), a private ClickHouse process,
// migrations, a few weeks of generated tickets, and ingest, then keeps
// running until interrupted.
func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "where to serve the dashboards, the API, /metrics, /healthz, /readyz")
	password := fs.String("password", "", "password of the demo's admin user \"demo\" (default: random, printed)")
	var g genFlags
	g.register(fs)
	fs.Lookup("tickets").DefValue, g.tickets = "20000", 20000
	fs.Lookup("start").DefValue = "28 days ago"
	g.start = ""
	exitAfterLoad := fs.Bool("exit-after-load", false, "stop once the generated events are all stored (for scripts and tests)")
	slaFile := fs.String("sla", "deploy/sla.example.yaml", "SLA policy file (none there: the demo runs without SLA results)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if g.start == "" {
		g.start = time.Now().AddDate(0, 0, -g.days).Format("2006-01-02")
	}
	gc, err := g.config()
	if err != nil {
		return err
	}
	cfg := DefaultConfig()
	cfg.HTTP.Addr = *addr
	cfg.Labels = eventgen.DefaultMapping()
	// The demo's data is small and still arriving while its dashboards
	// open: snapshots every few seconds keep them current.
	cfg.Reports.SnapshotInterval = 5 * time.Second
	creds, err := demoAuth(&cfg, *password)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, os.Stderr)
	slaNote := "SLA results:       off (no " + *slaFile + "; run from the repository root or pass --sla FILE)"
	if _, err := os.Stat(*slaFile); err == nil {
		if cfg.slaPolicies, err = sla.LoadConfig(*slaFile); err != nil {
			return err
		}
		cfg.SLA.Config = *slaFile
		slaNote = "SLA results:       " + *slaFile + " -> table sla_results"
	}

	fmt.Fprintln(os.Stderr, "starting a private ClickHouse server ...")
	ch, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		return fmt.Errorf("%w\n(install it with: sudo apt-get install -y clickhouse-server clickhouse-client, or run scripts/install-deps.sh)", err)
	}
	defer ch.Close()
	cfg.ClickHouse.Addrs = []string{ch.Addr()}

	broker, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(g.partitions), cfg.Kafka.Topic))
	if err != nil {
		return fmt.Errorf("embedded broker: %w", err)
	}
	defer broker.Close()
	cfg.Kafka.Brokers = broker.ListenAddrs()
	if err := cfg.Validate(); err != nil {
		return err
	}

	conn, err := warehouse.OpenMigrated(ctx, cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	produced, err := produce(ctx, cfg.Kafka.Brokers, cfg.Kafka.Topic, g.partitions, gc, g.quiet)
	if err != nil {
		return err
	}
	ingestCtx, stopIngest := context.WithCancel(ctx)
	defer stopIngest()
	ingestDone := make(chan error, 1)
	bound := make(chan string, 1)
	ingestCfg := cfg
	ingestCfg.HTTP.Addr = "127.0.0.1:0" // the ingester's own metrics; --addr is the web face
	go func() {
		ingestDone <- serveIngest(ingestCtx, ingestCfg, conn, log, func(a string) { bound <- a })
	}()
	var ingestAddr string
	select {
	case ingestAddr = <-bound:
	case err := <-ingestDone:
		return err
	}
	httpAddr, err := serveHTTP(ctx, cfg, conn, log)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}

	if err := waitStored(ctx, conn, cfg.ClickHouse.Database, produced, ingestDone); err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, `
Slate demo is running.
  events produced:   %d (%d tickets over %d days from %s, seed %d)
  Kafka (embedded):  %s  topic %s
  ClickHouse:        clickhouse-client %s --database %s
  dashboards:        http://%s/   user demo, password %s
  API:               curl -H 'Authorization: Bearer %s' 'http://%s/api/v1/reports/volume?grain=day'
                     (OpenAPI: /api/openapi.json)
  metrics:           http://%s/metrics   health: /healthz /readyz   ingest: http://%s/metrics
  %s

Try:
  clickhouse-client %s --query "SELECT status, count() FROM %s.tickets FINAL GROUP BY status"
  clickhouse-client %s --query "SELECT metric, state, count() FROM %s.sla_results FINAL GROUP BY metric, state ORDER BY metric, state"

%s
`, produced, g.tickets, g.days, g.start, g.seed, strings.Join(cfg.Kafka.Brokers, ","), cfg.Kafka.Topic,
		strings.Join(ch.ClientArgs(), " "), cfg.ClickHouse.Database, httpAddr, creds.password, creds.token, httpAddr,
		httpAddr, ingestAddr, slaNote,
		strings.Join(ch.ClientArgs(), " "), cfg.ClickHouse.Database,
		strings.Join(ch.ClientArgs(), " "), cfg.ClickHouse.Database, stopHint(*exitAfterLoad))
	if *exitAfterLoad {
		stopIngest()
		return <-ingestDone
	}
	select {
	case <-ctx.Done():
		stopIngest()
		return <-ingestDone
	case err := <-ingestDone:
		return err
	}
}

type demoCredentials struct{ password, token string }

// demoAuth configures one admin user and one API token with fresh secrets:
// the demo's dashboards are on localhost but still behind a login.
func demoAuth(cfg *Config, password string) (demoCredentials, error) {
	var c demoCredentials
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return c, err
	}
	c.password = password
	if c.password == "" {
		pw := make([]byte, 8)
		if _, err := rand.Read(pw); err != nil {
			return c, err
		}
		c.password = hex.EncodeToString(pw)
	}
	hash, err := auth.HashPassword(c.password)
	if err != nil {
		return c, err
	}
	plain, tokenHash, err := auth.NewToken()
	if err != nil {
		return c, err
	}
	c.token = plain
	cfg.Auth = auth.Config{
		SessionKey: hex.EncodeToString(key),
		Users:      []auth.User{{Name: "demo", Role: auth.RoleAdmin, PasswordHash: hash}},
		Tokens:     []auth.Token{{Name: "demo-token", Role: auth.RoleAdmin, Hash: tokenHash}},
	}
	return c, nil
}

// waitStored waits until the warehouse holds want events, showing progress.
func waitStored(ctx context.Context, conn driver.Conn, db string, want int, ingestDone <-chan error) error {
	bar := newBar(want, "ingesting", false)
	defer bar.Finish()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-ingestDone:
			return fmt.Errorf("ingest stopped before the demo data was stored: %w", err)
		case <-tick.C:
		}
		c, err := warehouse.ReadCounts(ctx, conn, db)
		if err != nil {
			continue // the server may be busy merging; ask again
		}
		_ = bar.Set(int(c.Events))
		if int(c.Events+c.DeadLetters) >= want {
			return nil
		}
	}
}

func stopHint(exitAfterLoad bool) string {
	if exitAfterLoad {
		return "Stopping now (--exit-after-load)."
	}
	return "Press Ctrl-C to stop (the demo data is deleted on exit)."
}
