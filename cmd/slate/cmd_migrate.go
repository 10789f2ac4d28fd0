package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
)

func runMigrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	load := loadConfigFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	conn, err := warehouse.Open(cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	results, err := warehouse.Migrate(ctx, conn, cfg.ClickHouse)
	for _, r := range results {
		state := "already applied"
		if r.Applied {
			state = "applied"
		}
		fmt.Fprintf(os.Stdout, "%04d_%s: %s\n", r.Version, r.Name, state)
	}
	return err
}

func runConfig(_ context.Context, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return fmt.Errorf("usage: slate config check [--config FILE] [--sla FILE] [--events FILE]")
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	load := loadConfigFlag(fs)
	slaPath := fs.String("sla", "", "also validate this SLA policy file")
	eventsPath := fs.String("events", "", "also decode this NDJSON sample stream (- = stdin) and report what the configuration would reject")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	if *slaPath != "" {
		sc, err := sla.LoadConfig(*slaPath)
		if err != nil {
			return err
		}
		fmt.Printf("SLA configuration is valid: %d calendars (24/7 built in), %d policies\n", len(sc.Calendars), len(sc.Policies))
	}
	fmt.Printf("configuration is valid: clickhouse %v database %s, kafka %v topic %s group %s, http %s\n",
		cfg.ClickHouse.Addrs, cfg.ClickHouse.Database, cfg.Kafka.Brokers, cfg.Kafka.Topic, cfg.Kafka.GroupID, cfg.HTTP.Addr)
	if *eventsPath != "" {
		return checkEventsSample(os.Stdout, *eventsPath, cfg.Labels)
	}
	return nil
}

// checkEventsSample decodes a sample stream with the configuration's label
// vocabularies and prints what would be dead-lettered, grouped: each
// unknown label with its tenant and field, and the other reasons, each with
// a count and the first line it was seen on. Any rejection is an error, so
// the command fails in a script.
func checkEventsSample(w io.Writer, path string, labels event.MappingConfig) error {
	mapper, err := event.NewMapper(labels)
	if err != nil {
		return err
	}
	type group struct {
		what             string
		count, firstLine int
	}
	var groups []*group
	byWhat := map[string]*group{}
	accepted, rejected := 0, 0
	lines, err := decodeEventsFile(path, &event.Decoder{Labels: mapper}, func(event.Event) { accepted++ }, func(line int, err error) {
		rejected++
		what := err.Error() // reason, field and detail; an unknown label's names the label and tenant
		g := byWhat[what]
		if g == nil {
			g = &group{what: what, firstLine: line}
			byWhat[what] = g
			groups = append(groups, g)
		}
		g.count++
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %d lines, %d events accepted, %d rejected\n", path, lines, accepted, rejected)
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].count > groups[j].count })
	for _, g := range groups {
		fmt.Fprintf(w, "  %6d x %s (first on line %d)\n", g.count, g.what, g.firstLine)
	}
	if rejected > 0 {
		return fmt.Errorf("%d of the sample's events would be dead-lettered (listed above); add the labels to the tenant's vocabulary (labels: in the configuration)", rejected)
	}
	return nil
}
