package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/ingest"
	"github.com/slatehq/slate/internal/progress"
)

type genFlags struct {
	seed       int64
	tickets    int
	days       int
	start      string
	zone       string
	out        string
	kafka      bool
	partitions int
	quiet      bool
}

func (g *genFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&g.seed, "seed", 1, "random seed; the same flags give the same events")
	fs.IntVar(&g.tickets, "tickets", 10000, "number of tickets")
	fs.IntVar(&g.days, "days", 28, "tickets are created over this many days")
	fs.StringVar(&g.start, "start", "2026-01-05", "first day (YYYY-MM-DD, in --zone)")
	fs.StringVar(&g.zone, "zone", "Asia/Ho_Chi_Minh", "IANA time zone of the help desks' business hours")
	fs.StringVar(&g.out, "out", "", "write NDJSON to this file ('-' = stdout)")
	fs.BoolVar(&g.kafka, "kafka", false, "produce to the configured Kafka topic instead")
	fs.IntVar(&g.partitions, "partitions", 4, "partitions when the topic has to be created")
	fs.BoolVar(&g.quiet, "quiet", false, "no progress bar")
}

func (g *genFlags) config() (eventgen.Config, error) {
	zone, err := time.LoadLocation(g.zone)
	if err != nil {
		return eventgen.Config{}, fmt.Errorf("--zone: %w", err)
	}
	start, err := time.ParseInLocation("2006-01-02", g.start, zone)
	if err != nil {
		return eventgen.Config{}, fmt.Errorf("--start: %q is not YYYY-MM-DD", g.start)
	}
	c := eventgen.Config{Seed: g.seed, Tickets: g.tickets, Days: g.days, Start: start, Zone: zone}
	return c, c.Validate()
}

func runGen(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	load := loadConfigFlag(fs)
	var g genFlags
	g.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	gc, err := g.config()
	if err != nil {
		return err
	}
	switch {
	case g.kafka && g.out != "":
		return fmt.Errorf("--out and --kafka exclude each other")
	case g.kafka:
		cfg, err := load()
		if err != nil {
			return err
		}
		gen := func(emit func(*event.Event) error) error { return eventgen.Generate(gc, emit) }
		n, err := produce(ctx, cfg.Kafka.Brokers, cfg.Kafka.Topic, g.partitions, eventgen.EstimateEvents(gc), gen, g.quiet)
		fmt.Fprintf(os.Stderr, "produced %d events to %s\n", n, cfg.Kafka.Topic)
		return err
	case g.out == "":
		return fmt.Errorf("say where the events go: --out FILE or --kafka")
	}
	var w io.Writer = os.Stdout
	if g.out != "-" {
		f, err := os.Create(g.out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bar := newBar(eventgen.EstimateEvents(gc), "generating", g.quiet || g.out == "-")
	n := 0
	err = eventgen.Generate(gc, func(e *event.Event) error {
		line, err := event.Marshal(e)
		if err != nil {
			return err
		}
		bw.Write(line)
		bw.WriteByte('\n')
		n++
		if n%4096 == 0 {
			_ = bar.Set(n)
			return ctx.Err()
		}
		return nil
	})
	_ = bar.Finish()
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d events\n", n)
	return nil
}

// produce writes the events gen generates (about estimate of them) straight
// into a Kafka topic, keyed by ticket id, creating the topic if it is
// missing.
func produce(ctx context.Context, brokers []string, topic string, partitions, estimate int, gen func(emit func(*event.Event) error) error, quiet bool) (int, error) {
	if err := ingest.EnsureTopic(ctx, brokers, topic, partitions); err != nil {
		return 0, err
	}
	w := ingest.NewWriter(brokers, topic)
	defer w.Close()
	bar := newBar(estimate, "producing", quiet)
	defer bar.Finish()
	const chunk = 5000
	buf := make([]kafka.Message, 0, chunk)
	n := 0
	send := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := w.WriteMessages(ctx, buf...); err != nil {
			return fmt.Errorf("kafka: produce: %w", err)
		}
		n += len(buf)
		_ = bar.Set(n)
		buf = buf[:0]
		return nil
	}
	err := gen(func(e *event.Event) error {
		m, err := eventMessage(e)
		if err != nil {
			return err
		}
		buf = append(buf, m)
		if len(buf) == chunk {
			return send()
		}
		return nil
	})
	if err == nil {
		err = send()
	}
	return n, err
}

// eventMessage is e as a Kafka message, keyed by ticket id so that a
// ticket's events stay in one partition, in order.
func eventMessage(e *event.Event) (kafka.Message, error) {
	v, err := event.Marshal(e)
	if err != nil {
		return kafka.Message{}, err
	}
	return kafka.Message{Key: []byte(e.TicketID), Value: v}, nil
}

// newBar is the commands' progress bar, shared with the benchmarks.
var newBar = progress.New
