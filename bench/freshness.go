package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/ingest"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
)

// runBenchFreshness measures how long an event takes from being produced
// to Kafka to being in a figure the reports return, in the configuration
// users run: `slate ingest` with SLA on (in this process, as slate demo
// runs it) and report snapshots built every reports.snapshot_interval,
// over a warehouse of kept tickets. New tickets arrive at --rate a second,
// each one ticket.created event, while the volume report (tickets
// created today) is asked every --poll through the report service, the
// code the reports API runs; a ticket counts as in the figure once the
// count of fresh tickets reaches its place in the produced order.
func runFreshness(ctx context.Context, args []string, d Defaults) error {
	fs := flag.NewFlagSet("bench freshness", flag.ContinueOnError)
	tickets := fs.Int("tickets", 1_000_000, "kept tickets to load first (about 10 events each)")
	rate := fs.Int("rate", 200, "new tickets produced a second")
	seconds := fs.Int("seconds", 180, "how long to produce")
	poll := fs.Duration("poll", 250*time.Millisecond, "how often the report is asked")
	brokers := fs.String("brokers", "", "use this Kafka (host:port,...) instead of an embedded kfake broker")
	slaPath := fs.String("sla", "deploy/sla.example.yaml", "SLA policy file")
	interval := fs.Duration("snapshot-interval", 0, "reports.snapshot_interval for the run (0: the default)")
	rep := newReport("freshness", fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tickets < 1 || *rate < 1 || *seconds < 1 || *poll <= 0 || *interval < 0 {
		return fmt.Errorf("bench freshness: --tickets, --rate, --seconds and --poll must be positive, --snapshot-interval not negative")
	}
	policies, err := sla.LoadConfig(*slaPath)
	if err != nil {
		return fmt.Errorf("%w (run from the repository root, or give --sla)", err)
	}
	if d.Ingest == nil {
		return fmt.Errorf("bench freshness: no in-process ingest wired")
	}
	_, co, conn, closeAll, err := benchWarehouse(ctx, d)
	if err != nil {
		return err
	}
	defer closeAll()
	db := co.Database
	limits := d.Reports
	if *interval > 0 {
		limits.SnapshotInterval = *interval
	}
	now := time.Now().UTC()
	gc := eventgen.Config{Seed: 5, Tickets: *tickets, Days: 90, Start: now.AddDate(0, 0, -90).Truncate(24 * time.Hour)}
	fmt.Fprintf(os.Stderr, "loading %d tickets with their SLA ...\n", *tickets)
	if err := loadWithSLA(ctx, conn, db, gc, now, policies); err != nil {
		return err
	}

	bs := brokerList(*brokers)
	if len(bs) == 0 {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
		if err != nil {
			return err
		}
		defer cluster.Close()
		bs = cluster.ListenAddrs()
	}
	topic := fmt.Sprintf("freshness-%d", time.Now().UnixNano())
	if err := ingest.EnsureTopic(ctx, bs, topic, 4); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	quiet := slog.New(slog.DiscardHandler)
	ingested := make(chan error, 1)
	go func() {
		ingested <- d.Ingest(runCtx, IngestRun{Brokers: bs, Topic: topic, Labels: gc.Mapping(), Policies: policies, Conn: conn, Database: db})
	}()
	svc := reports.NewService(chstore.New(conn), db, limits)
	snaps := reports.NewSnapshots(chstore.New(conn), db, limits.SnapshotMaxAge)
	svc.UseSnapshots(snaps)
	go snaps.Run(runCtx, limits.SnapshotInterval, quiet)
	if _, err := waitForSnapshot(ctx, snaps); err != nil {
		return err
	}

	count, err := freshCounter(svc)
	if err != nil {
		return err
	}
	base, err := count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "producing %d new tickets a second for %ds (snapshots every %s) ...\n", *rate, *seconds, limits.SnapshotInterval)
	w := ingest.NewWriter(bs, topic)
	defer w.Close()
	// The producer runs on its own: a slow report call must not hold
	// production back (it would make the rate, and the delays, lower).
	var (
		mu       sync.Mutex
		produced = make([]time.Time, 0, *rate**seconds)
	)
	producing := make(chan error, 1)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for sent := 0; sent < *rate**seconds; sent += *rate {
			msgs, err := freshTickets(sent, *rate, time.Now().UTC())
			if err == nil {
				err = w.WriteMessages(runCtx, msgs...)
			}
			if err != nil {
				producing <- fmt.Errorf("produce: %w", err)
				return
			}
			at := time.Now()
			mu.Lock()
			for range msgs {
				produced = append(produced, at)
			}
			mu.Unlock()
			select {
			case <-runCtx.Done():
				producing <- nil
				return
			case <-tick.C:
			}
		}
		producing <- nil
	}()
	// Apart from the figure, when ingest stored each fresh ticket (its
	// tickets row), to tell ingest's share of the delay from the
	// snapshots'.
	storedAt := make([]time.Time, 0, *rate**seconds)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		tick := time.NewTicker(*poll)
		defer tick.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-tick.C:
			}
			var n uint64
			// a range of the sorting key: a few granules, not a scan of the
			// kept tickets four times a second beside what is measured
			if err := conn.QueryRow(runCtx, "SELECT count() FROM "+db+".tickets WHERE tenant = 'acme' AND ticket_id >= 'FRESH-' AND ticket_id < 'FRESH.'").Scan(&n); err != nil {
				continue
			}
			at := time.Now()
			mu.Lock()
			for len(storedAt) < min(int(n), len(produced)) {
				storedAt = append(storedAt, at)
			}
			mu.Unlock()
		}
	}()
	included := make([]time.Time, 0, *rate**seconds)
	probe := time.NewTicker(*poll)
	defer probe.Stop()
	deadline := time.Now().Add(time.Duration(*seconds)*time.Second + 2*limits.SnapshotInterval + time.Minute)
	for len(included) < *rate**seconds && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-ingested:
			return fmt.Errorf("ingest stopped: %v", err)
		case err := <-producing:
			producing = nil // done: a nil channel is never ready again
			if err != nil {
				return err
			}
		case <-probe.C:
			n, err := count(ctx)
			if err != nil {
				return err
			}
			at := time.Now()
			mu.Lock()
			for len(included) < min(int(n-base), len(produced)) {
				included = append(included, at)
			}
			mu.Unlock()
		}
	}
	stop()
	if producing != nil {
		<-producing
	}
	<-watching
	if err := <-ingested; err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("ingest: %w", err)
	}
	var stored, dead uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".tickets FINAL WHERE ticket_id LIKE 'FRESH-%'").Scan(&stored); err != nil {
		return err
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".dead_letters").Scan(&dead); err != nil {
		return err
	}
	delays := make([]float64, len(included))
	for i := range included {
		delays[i] = included[i].Sub(produced[i]).Seconds()
	}
	slices.Sort(delays)
	out := rep.out()
	fmt.Fprintf(out, "\nslate bench freshness: %d kept tickets, %d new a second for %ds, snapshots every %s, SLA on\n",
		*tickets, *rate, *seconds, limits.SnapshotInterval)
	fmt.Fprintf(out, "  stored by ingest: %d of %d produced tickets (%d dead letters); in a figure: %d\n", stored, len(produced), dead, len(included))
	if len(delays) > 0 {
		fmt.Fprintf(out, "  delay produced -> in the volume report, seconds: p50 %.1f  p90 %.1f  p95 %.1f (target <= 5)  p99 %.1f  max %.1f\n",
			percentile(delays, 0.50), percentile(delays, 0.90), percentile(delays, 0.95), percentile(delays, 0.99), delays[len(delays)-1])
		fmt.Fprintf(out, "  distribution: %s\n", histogram(delays))
	}
	if len(storedAt) > 0 {
		ingested := make([]float64, len(storedAt))
		for i := range storedAt {
			ingested[i] = storedAt[i].Sub(produced[i]).Seconds()
		}
		slices.Sort(ingested)
		fmt.Fprintf(out, "  of which produced -> stored by ingest (its tickets row), seconds: p50 %.1f  p95 %.1f  max %.1f (%d stored while watched)\n",
			percentile(ingested, 0.50), percentile(ingested, 0.95), ingested[len(ingested)-1], len(ingested))
	}
	if len(delays) == 0 {
		return fmt.Errorf("bench freshness: no produced ticket reached a figure")
	}
	p95 := percentile(delays, 0.95)
	rep.finish(row{
		figure:   fmt.Sprintf("p95 %.1f s from produced to a figure (%s kept tickets, %d new/s, snapshots every %s)", p95, thousands(float64(*tickets)), *rate, limits.SnapshotInterval),
		baseline: "target: p95 at most 5 s",
		ratio:    fmt.Sprintf("%.2f× the target", p95/5),
	})
	return nil
}

// loadWithSLA stores the generated run's events before cut through a
// writer with SLA on, as ingest would have.
func loadWithSLA(ctx context.Context, conn driver.Conn, db string, gc eventgen.Config, cut time.Time, policies *sla.Config) error {
	w := warehouse.NewWriter(conn, db, 50_000)
	w.SetSLA(policies)
	var recs []event.Record
	flush := func() error {
		err := w.Store(ctx, &event.Batch{Records: recs})
		recs = recs[:0]
		return err
	}
	err := eventgen.Generate(gc, func(e *event.Event) error {
		if !e.OccurredAt.Before(cut) {
			return nil
		}
		recs = append(recs, event.Record{Event: *e})
		if len(recs) == 50_000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return err
}

// freshTickets are n new tickets' ticket.created events, numbered from
// first, keyed by ticket id as slate's producers key them.
func freshTickets(first, n int, at time.Time) ([]kafka.Message, error) {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		id := "FRESH-" + strconv.Itoa(first+i)
		e := event.Event{Schema: event.SchemaVersion, ID: id + "-c", Type: event.TypeCreated, Tenant: "acme", TicketID: id,
			OccurredAt: at, Actor: event.Actor{Type: event.ActorCustomer, ID: "c-fresh"}, Channel: "email", Customer: "c-fresh",
			Status: event.StatusNew, Priority: event.PriorityNormal, Subject: "fresh"}
		b, err := event.Marshal(&e)
		if err == nil && i == 0 {
			var d event.Decoder // what ingest would make of it: a dead letter would never count
			_, err = d.Decode(b)
		}
		if err != nil {
			return nil, fmt.Errorf("a fresh ticket's event: %w", err)
		}
		msgs[i] = kafka.Message{Key: []byte(id), Value: b}
	}
	return msgs, nil
}

// freshCounter counts the tickets created from yesterday on, through the
// volume report.
func freshCounter(svc *reports.Service) (func(context.Context) (float64, error), error) {
	r, ok := reports.Lookup("volume")
	if !ok {
		return nil, errors.New("no volume report")
	}
	return func(ctx context.Context) (float64, error) {
		now := time.Now().UTC()
		q, err := reports.ParseQuery(r, url.Values{"from": {now.AddDate(0, 0, -1).Format("2006-01-02")}, "to": {now.AddDate(0, 0, 2).Format("2006-01-02")}},
			now, reports.DefaultLimits())
		if err != nil {
			return 0, err
		}
		res, err := svc.Run(ctx, r, q, reports.Scope{})
		if err != nil {
			return 0, err
		}
		if len(res.Rows) != 1 {
			return 0, fmt.Errorf("volume: %d rows", len(res.Rows))
		}
		v, ok := res.Rows[0][0].(*float64)
		if !ok || v == nil {
			return 0, fmt.Errorf("volume: no count")
		}
		return *v, nil
	}, nil
}

// histogram buckets sorted delays by whole seconds up to a minute and by
// ten seconds beyond, as "bucket:count" pairs.
func histogram(sorted []float64) string {
	var out string
	for i := 0; i < len(sorted); {
		lo := float64(int(sorted[i]))
		width := 1.0
		if lo >= 60 {
			lo, width = float64(int(sorted[i])/10*10), 10
		}
		n := 0
		for i < len(sorted) && sorted[i] < lo+width {
			n++
			i++
		}
		out += fmt.Sprintf(" %.0f-%.0fs:%d", lo, lo+width, n)
	}
	return out
}
