package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/ingest"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// How long the demo's generated future lasts: at two events a second, 60
// simulated days take about 20 hours to replay.
const demoFutureDays = 60

// runDemo starts the whole product on one machine with nothing configured:
// an embedded Kafka-protocol broker (kfake), a private ClickHouse process,
// migrations, three months of generated tickets ending now (with the
// backlog still open), and ingest; then, until interrupted, it keeps the
// help desk going with a few new events a second.
func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "where to serve the dashboards, the API, /metrics, /healthz, /readyz")
	password := fs.String("password", "", "password of the demo's admin user \"demo\" (default: random, printed)")
	seed := fs.Int64("seed", 1, "random seed of the generated help desks")
	tickets := fs.Int("tickets", 20000, "about how many tickets are created in the history")
	days := fs.Int("days", 90, "the history covers at least this many days, up to now")
	zone := fs.String("zone", eventgen.DefaultZone, "IANA time zone of the help desks' business hours")
	partitions := fs.Int("partitions", 4, "partitions of the embedded broker's topic")
	quiet := fs.Bool("quiet", false, "no progress bar")
	liveRate := fs.Float64("live-rate", 2, "events a second after the history is loaded: new tickets and the next steps of open ones, stamped with the time they are sent (0: none)")
	exitAfterLoad := fs.Bool("exit-after-load", false, "stop once the generated events are all stored (for scripts and tests)")
	slaFile := fs.String("sla", "deploy/sla.example.yaml", "SLA policy file (none there: the demo runs without SLA results)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *tickets < 1:
		return fmt.Errorf("--tickets: must be at least 1, got %d", *tickets)
	case *days < 1 || *days > eventgen.MaxDays-demoFutureDays-2:
		return fmt.Errorf("--days: must be between 1 and %d, got %d", eventgen.MaxDays-demoFutureDays-2, *days)
	}
	if *liveRate < 0 || *liveRate > 1000 {
		return fmt.Errorf("--live-rate: %v is not between 0 and 1000 events a second", *liveRate)
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("--zone: %w", err)
	}
	now := time.Now()
	gc, err := eventgen.Config{Seed: *seed, Tickets: *tickets, Days: *days, Zone: loc}.Anchored(now, demoFutureDays)
	if err != nil {
		return fmt.Errorf("--tickets, --days: %w", err)
	}
	live, err := eventgen.NewLive(gc, now)
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

	broker, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(*partitions), cfg.Kafka.Topic))
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
	// The history is about Tickets tickets of the Anchored config's total.
	estimate := eventgen.EstimateEvents(gc) * *tickets / gc.Tickets
	produced, err := produce(ctx, cfg.Kafka.Brokers, cfg.Kafka.Topic, *partitions, estimate, live.History, *quiet)
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
	if err := waitStored(ctx, conn, cfg.ClickHouse.Database, produced, ingestDone); err != nil {
		return err
	}
	if err := waitSLACurrent(ctx, conn, cfg.ClickHouse.Database, cfg.slaPolicies != nil, log); err != nil {
		return err
	}
	// The web face starts once the history is in: its first report
	// snapshot, built at once, then holds all of it.
	served := time.Now()
	httpAddr, err := serveHTTP(ctx, cfg, conn, log)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	if err := waitSnapshot(ctx, conn, cfg.ClickHouse.Database, served, log); err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, `
Slate demo is running.
  events produced:   %d (about %d tickets since %s, up to now; seed %d)
  live events:       %s
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
`, produced, *tickets, gc.Start.Format("2006-01-02"), *seed, liveNote(*liveRate, *exitAfterLoad), strings.Join(cfg.Kafka.Brokers, ","), cfg.Kafka.Topic,
		strings.Join(ch.ClientArgs(), " "), cfg.ClickHouse.Database, httpAddr, creds.password, creds.token, httpAddr,
		httpAddr, ingestAddr, slaNote,
		strings.Join(ch.ClientArgs(), " "), cfg.ClickHouse.Database,
		strings.Join(ch.ClientArgs(), " "), cfg.ClickHouse.Database, stopHint(*exitAfterLoad))
	if *exitAfterLoad {
		stopIngest()
		return <-ingestDone
	}
	liveCtx, stopLive := context.WithCancel(ctx)
	liveDone := make(chan struct{})
	go func() {
		defer close(liveDone)
		if *liveRate > 0 {
			replayLive(liveCtx, cfg.Kafka.Brokers, cfg.Kafka.Topic, live, *liveRate, log)
		}
	}()
	select {
	case <-ctx.Done():
		stopLive()
		<-liveDone
		stopIngest()
		return <-ingestDone
	case err := <-ingestDone:
		stopLive()
		<-liveDone
		return err
	}
}

func liveNote(rate float64, exitAfterLoad bool) string {
	switch {
	case exitAfterLoad:
		return "none (--exit-after-load)"
	case rate == 0:
		return "none (--live-rate 0)"
	}
	return strconv.FormatFloat(rate, 'g', -1, 64) + " a second: new tickets and the next steps of open ones, at the time they are sent"
}

// replayLive sends the data set's events after the history one at a time,
// rate a second, each stamped with the moment it is sent, until ctx ends
// or the generated future runs out. The help desk's days pass faster than
// the clock, so a person watching sees tickets arrive, get answered,
// solved, reopened and rated.
func replayLive(ctx context.Context, brokers []string, topic string, live *eventgen.Live, rate float64, log *slog.Logger) {
	w := ingest.NewWriter(brokers, topic)
	defer w.Close()
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		e := live.Next()
		if e == nil {
			log.Info("demo: the generated future is over; no more live events")
			return
		}
		eventgen.Restamp(e, time.Now())
		m, err := eventMessage(e)
		if err == nil {
			err = w.WriteMessages(ctx, m)
		}
		if err != nil && ctx.Err() == nil {
			// One lost event of a generated demo is not worth stopping it.
			log.Warn("demo: live event not sent", "ticket", e.TicketID, "err", err)
		}
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

// How long the demo waits for its SLA results or its first report
// snapshot before it opens anyway.
const demoCatchUp = 3 * time.Minute

// pollUntil asks ready every half second until it says yes, ctx ends, or
// demoCatchUp has passed (then it logs what it waited for and returns nil:
// the demo opens with what it has).
func pollUntil(ctx context.Context, log *slog.Logger, what string, ready func() (bool, error)) error {
	start := time.Now()
	for {
		ok, err := ready()
		if ok {
			log.Info("demo: "+what+" ready", "waited", time.Since(start).Round(time.Second))
			return nil
		}
		if time.Since(start) > demoCatchUp {
			log.Warn("demo: opening before "+what+" caught up with the history", "err", err)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// waitSLACurrent waits, when SLA is on, until the SLA results cover every
// stored ticket's latest version. A ticket's version counts its events and
// an evaluation records the version it read, so the sums agree once each
// ticket's newest version is evaluated.
func waitSLACurrent(ctx context.Context, conn driver.Conn, db string, withSLA bool, log *slog.Logger) error {
	if !withSLA {
		return nil
	}
	return pollUntil(ctx, log, "SLA results", func() (bool, error) {
		var tickets, evaluated uint64
		err := conn.QueryRow(ctx, "SELECT (SELECT sum(version) FROM "+db+".tickets FINAL), (SELECT sum(ticket_version) FROM "+db+".sla_tickets FINAL)").
			Scan(&tickets, &evaluated)
		return err == nil && evaluated >= tickets, err
	})
}

// waitSnapshot waits for a report snapshot begun at or after since (its
// as_of, whole seconds), so that the dashboards open on the whole history.
func waitSnapshot(ctx context.Context, conn driver.Conn, db string, since time.Time, log *slog.Logger) error {
	since = since.UTC().Truncate(time.Second)
	return pollUntil(ctx, log, "report snapshot", func() (bool, error) {
		var asOf time.Time
		err := conn.QueryRow(ctx, "SELECT max(as_of) FROM "+db+".report_snapshots").Scan(&asOf)
		return err == nil && !asOf.Before(since), err
	})
}

func stopHint(exitAfterLoad bool) string {
	if exitAfterLoad {
		return "Stopping now (--exit-after-load)."
	}
	return "Press Ctrl-C to stop (the demo data is deleted on exit)."
}
