// Package bench holds `slate bench`: each benchmark times a part of Slate
// against a baseline that does the same work without Slate, in the same
// run on the same private servers, so the ratio says what Slate costs on
// whatever machine runs it. The measured processes are this binary's own
// commands (ingest, serve, export) started as children, so their memory
// and CPU are their own.
package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/progress"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// Defaults are the settings of the slate processes under measurement that
// the benches do not choose themselves: the command's defaults, so a bench
// measures what an unconfigured deployment runs.
type Defaults struct {
	ClickHouse warehouse.Options
	Reports    reports.Limits
	// Ingest runs `slate ingest`'s loop in-process until ctx ends, for a
	// bench that measures it beside other work (the command wires it).
	Ingest func(ctx context.Context, run IngestRun) error
}

// IngestRun is what an in-process ingest reads and where it stores.
type IngestRun struct {
	Brokers  []string
	Topic    string // also the consumer group
	Labels   event.MappingConfig
	Policies *sla.Config // nil: no SLA results
	Conn     driver.Conn
	Database string
}

// Usage names the benches.
const Usage = "usage: slate bench ingest|sla|serve|export|scaleout|derived|freshness [flags]"

// Run runs the bench args[0] names with the rest of args as its flags.
// The binary running it must be slate itself: the benches start its
// ingest, serve and export commands.
func Run(ctx context.Context, args []string, d Defaults) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", Usage)
	}
	run, ok := map[string]func(context.Context, []string, Defaults) error{
		"ingest":    runIngest,
		"sla":       runSLA,
		"serve":     runServe,
		"export":    runExport,
		"scaleout":  runScaleout,
		"derived":   runDerivedBench,
		"freshness": runFreshness,
	}[args[0]]
	if !ok {
		return fmt.Errorf("unknown bench %q; %s", args[0], Usage)
	}
	return run(ctx, args[1:], d)
}

// perM scales CPU seconds spent on n events to a million events.
func perM(secs float64, n int) float64 { return secs * 1e6 / float64(n) }

// waitForMerges waits until the server runs no merge, or for at most max.
func waitForMerges(ctx context.Context, conn driver.Conn, max time.Duration) error {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&n); err != nil {
			return fmt.Errorf("wait for merges: %w", err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return nil
}

// benchWarehouse starts a private ClickHouse with Slate's tables migrated:
// every benchmark's ground. It returns the connection options of the
// process under measurement; closeAll stops both.
func benchWarehouse(ctx context.Context, d Defaults) (*chserver.Server, warehouse.Options, driver.Conn, func(), error) {
	o := d.ClickHouse
	ch, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		return nil, o, nil, nil, err
	}
	o.Addrs = []string{ch.Addr()}
	conn, err := warehouse.OpenMigrated(ctx, o)
	if err != nil {
		ch.Close()
		return nil, o, nil, nil, err
	}
	return ch, o, conn, func() { conn.Close(); ch.Close() }, nil
}

// loadGenerated stores a generator run straight through the warehouse
// writer (no Kafka), in 50k-event batches with a progress bar; events at
// or after before (if set) are left out, as not yet happened.
func loadGenerated(ctx context.Context, conn driver.Conn, db string, gc eventgen.Config, before time.Time) (int, error) {
	w := warehouse.NewWriter(conn, db, 0)
	bar := progress.New(eventgen.EstimateEvents(gc), "loading", false)
	defer bar.Finish()
	var recs []event.Record
	n := 0
	store := func() error {
		if err := w.Store(ctx, &event.Batch{Records: recs}); err != nil {
			return err
		}
		n += len(recs)
		_ = bar.Set(n)
		recs = recs[:0]
		return nil
	}
	err := eventgen.Generate(gc, func(e *event.Event) error {
		if !before.IsZero() && !e.OccurredAt.Before(before) {
			return nil
		}
		recs = append(recs, event.Record{Event: *e})
		if len(recs) == 50_000 {
			return store()
		}
		return nil
	})
	if err == nil {
		err = store()
	}
	return n, err
}

// brokerList splits a --brokers flag (host:port,...).
func brokerList(brokers string) []string {
	return strings.FieldsFunc(brokers, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// examplePolicies are the SLA policies the benches evaluate: the example
// file, read from the repository root.
func examplePolicies() (*sla.Config, error) {
	p, err := sla.LoadConfig("deploy/sla.example.yaml")
	if err != nil {
		return nil, fmt.Errorf("%w (run from the repository root)", err)
	}
	return p, nil
}

func brokerKind(brokers string) string {
	if brokers == "" {
		return "embedded kfake"
	}
	return brokers
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// scrapeCounter reads one unlabelled counter from a Prometheus text page.
//
// It asks for the text uncompressed: the benches scrape ten times a second,
// and gzipping the page each time was a few percent of the measured
// process's allocations (Prometheus scrapes every 15 s or so).
func scrapeCounter(url, name string) (float64, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(rest), 64)
		}
	}
	return 0, fmt.Errorf("%s not found at %s", name, url)
}
