package main

import (
	"context"
	"flag"
	"fmt"
	"os"

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
		return fmt.Errorf("usage: slate config check [--config FILE]")
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	load := loadConfigFlag(fs)
	slaPath := fs.String("sla", "", "also validate this SLA policy file")
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
	return nil
}
