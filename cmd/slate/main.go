// Command slate is Slate's single binary: migrate the warehouse, ingest
// ticket events from Kafka, generate synthetic data, run the demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{
	"migrate": {"apply the ClickHouse migrations (idempotent)", runMigrate},
	"ingest":  {"consume ticket events from Kafka into ClickHouse", runIngest},
	"gen":     {"generate synthetic ticket events to a file or Kafka", runGen},
	"demo":    {"run everything locally on an embedded broker and a private ClickHouse", runDemo},
	"bench":   {"measure throughput against its baseline (bench ingest)", runBench},
	"config":  {"config check: validate the configuration and print it", runConfig},
	"sla":     {"sla eval | sla recompute: SLA results of an NDJSON file; re-evaluate stored tickets", runSLA},
	"serve":   {"serve the reports API, dashboards and login page", runServe},
	"export":  {"export REPORT: a report or the tickets behind it to .xlsx, .csv or .json", runExport},
	"auth":    {"auth hash-password | auth new-token: credentials for the auth configuration", runAuth},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: slate <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'slate <command> -h' for its flags. Configuration: --config FILE or SLATE_CONFIG, overridden by SLATE_* variables (README).")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage(os.Stdout)
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "slate: unknown command %q\n\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "slate %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// newLogger builds the process logger from the log configuration.
func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// loadConfigFlag registers --config on fs and returns a loader to call after
// fs.Parse.
func loadConfigFlag(fs *flag.FlagSet) func() (Config, error) {
	path := fs.String("config", "", "YAML configuration file (default $SLATE_CONFIG; none = defaults)")
	return func() (Config, error) { return LoadConfig(*path, os.Getenv) }
}
