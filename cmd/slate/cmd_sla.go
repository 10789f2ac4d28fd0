package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
)

func runSLA(ctx context.Context, args []string) error {
	switch {
	case len(args) > 0 && args[0] == "eval":
		return runSLAEval(ctx, args[1:])
	case len(args) > 0 && args[0] == "recompute":
		return runSLARecompute(ctx, args[1:])
	}
	return fmt.Errorf("usage: slate sla eval --config SLA.yaml --events FILE.ndjson [--now RFC3339]\n       slate sla recompute [--since YYYY-MM-DD] [--tenant T] [--config FILE]")
}

// runSLARecompute re-evaluates stored tickets (after a policy change): the
// tickets projected since --since, of one tenant if given. It is idempotent
// and safe while ingest runs: results carry the ticket's version, and the
// newest evaluation of the most events wins.
func runSLARecompute(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sla recompute", flag.ContinueOnError)
	load := loadConfigFlag(fs)
	sinceFlag := fs.String("since", "", "only tickets projected since this date (YYYY-MM-DD, UTC); default: all")
	tenant := fs.String("tenant", "", "only this tenant")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var since time.Time
	if *sinceFlag != "" {
		t, err := time.Parse("2006-01-02", *sinceFlag)
		if err != nil {
			return fmt.Errorf("--since: %q is not YYYY-MM-DD", *sinceFlag)
		}
		since = t
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	if cfg.slaPolicies == nil {
		return fmt.Errorf("sla.config: no SLA policy file configured (set sla.config or SLATE_SLA_CONFIG)")
	}
	conn, err := warehouse.Open(cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := warehouse.NewSLARefresher(conn, cfg.ClickHouse.Database, cfg.slaPolicies)
	r.Worker = "recompute"
	var bar *progressbar.ProgressBar
	start := time.Now()
	_, n, err := r.Refresh(ctx, since, *tenant, func(done, total int) {
		if bar == nil {
			bar = newBar(total, "recomputing", *quiet)
		}
		_ = bar.Set(done)
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return err
	}
	fmt.Printf("re-evaluated %d tickets in %.1fs\n", n, time.Since(start).Seconds())
	return nil
}

// runSLAEval prints the SLA results of every ticket in an NDJSON file, one
// JSON object per ticket, metric and cycle: what operators use to explain a
// figure, and what tests compare ingest's results with.
func runSLAEval(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("sla eval", flag.ContinueOnError)
	slaPath := fs.String("config", "", "SLA policy file (required)")
	eventsPath := fs.String("events", "", "NDJSON file of events (required; - = stdin)")
	nowFlag := fs.String("now", "", "evaluate as of this RFC 3339 time (default: the current time)")
	slateConfig := fs.String("slate-config", "", "Slate configuration whose label vocabularies decode the events (default $SLATE_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *slaPath == "" || *eventsPath == "" {
		return fmt.Errorf("--config and --events are required")
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339Nano, *nowFlag)
		if err != nil {
			return fmt.Errorf("--now: %q is not an RFC 3339 time", *nowFlag)
		}
		now = t
	}
	policies, err := sla.LoadConfig(*slaPath)
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(*slateConfig, os.Getenv)
	if err != nil {
		return err
	}
	mapper, err := event.NewMapper(cfg.Labels)
	if err != nil {
		return err
	}
	type key struct{ tenant, ticket string }
	byTicket := map[key][]event.Event{}
	rejected := 0
	line, err := decodeEventsFile(*eventsPath, &event.Decoder{Labels: mapper}, func(ev event.Event) {
		k := key{ev.Tenant, ev.TicketID}
		byTicket[k] = append(byTicket[k], ev)
	}, func(line int, err error) {
		rejected++
		fmt.Fprintf(os.Stderr, "%s:%d: %v\n", *eventsPath, line, err)
	})
	if err != nil {
		return err
	}
	keys := make([]key, 0, len(byTicket))
	for k := range byTicket {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].tenant != keys[j].tenant {
			return keys[i].tenant < keys[j].tenant
		}
		return keys[i].ticket < keys[j].ticket
	})
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for _, k := range keys {
		for _, r := range policies.Evaluate(byTicket[k], now) {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	}
	if rejected > 0 {
		return fmt.Errorf("%d of %d lines were rejected (listed above); their tickets were evaluated without them", rejected, line)
	}
	return nil
}
