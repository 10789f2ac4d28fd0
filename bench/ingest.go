package bench

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/ingest"
	"github.com/slatehq/slate/internal/procstat"
	"github.com/slatehq/slate/internal/progress"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// runIngest measures events/s from Kafka into ClickHouse through a
// separate `slate ingest` process with SLA policies on, counted until every
// event's ticket state and SLA results are stored too, and in the same run
// the baseline: ClickHouse's Kafka engine with a materialized view loading
// the same topic from the same broker into a table like the events table.
// As references it loads the same NDJSON bytes with clickhouse-client
// (FORMAT JSONEachRow) and Slate's stored rows in Native format.
func runIngest(ctx context.Context, args []string, d Defaults) error {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	events := fs.Int("events", 1_000_000, "approximate number of events")
	brokers := fs.String("brokers", "", "use this Kafka (host:port,...) instead of an embedded kfake broker")
	partitions := fs.Int("partitions", 4, "partitions of the bench topic")
	seed := fs.Int64("seed", 7, "generator seed")
	batch := fs.Int("batch-size", 0, "ingest.batch_size for the run (0 = default)")
	runs := fs.Int("runs", 1, "rounds of slate then the Kafka engine and the references, each into a fresh database; the summary gives each figure's median and range")
	loads := fs.Int("baseline-loads", 2, "clickhouse-client NDJSON loads per round, each into a fresh table; the fastest is the round's")
	slaFile := fs.String("sla", "deploy/sla.example.yaml", "SLA policy `file` ingest evaluates, as users run it (\"\": none)")
	consumers := fs.Int("kafka-consumers", 1, "kafka_num_consumers of the Kafka engine's table (at most the partitions)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the ingest process in the first round to this `file`, and print how its CPU splits between the client libraries and slate's own work (cmd/slate/default.pgo is such a profile; that round's figures include the profiler's cost)")
	profileSecs := fs.Int("cpuprofile-seconds", 10, "length of that profile, from a second after ingest starts")
	rep := newReport("ingest", fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	w := rep.out()
	if *runs < 1 {
		return fmt.Errorf("bench ingest: --runs must be at least 1, got %d", *runs)
	}
	if *loads < 1 {
		return fmt.Errorf("bench ingest: --baseline-loads must be at least 1, got %d", *loads)
	}
	if *profileSecs < 1 {
		return fmt.Errorf("bench ingest: --cpuprofile-seconds must be at least 1, got %d", *profileSecs)
	}
	if *consumers < 1 || *consumers > *partitions {
		return fmt.Errorf("bench ingest: --kafka-consumers must be 1 to --partitions (%d), got %d", *partitions, *consumers)
	}
	slaPath := ""
	if *slaFile != "" {
		// the ingest process reads it; the bench checks it first, naming the flag
		if _, err := sla.LoadConfig(*slaFile); err != nil {
			return fmt.Errorf("bench ingest: --sla: %w (run from the repository root)", err)
		}
		abs, err := filepath.Abs(*slaFile)
		if err != nil {
			return fmt.Errorf("bench ingest: --sla: %w", err)
		}
		slaPath = abs
	}
	ib, err := prepareIngestBench(ctx, "bench", *brokers, *seed, *events, *partitions)
	if err != nil {
		return err
	}
	defer ib.close()
	rounds := make([]ingestRound, 0, *runs)
	for r := 1; r <= *runs; r++ {
		opts := roundOptions{batch: *batch, loads: *loads, sla: slaPath, kafkaConsumers: *consumers}
		if r == 1 {
			opts.profile, opts.profileSecs = *profile, *profileSecs
		}
		round, err := runIngestRound(ctx, d.ClickHouse, ib, r, opts)
		if err != nil {
			return fmt.Errorf("round %d: %w", r, err)
		}
		rounds = append(rounds, round)
		if *runs > 1 {
			fmt.Fprintf(os.Stderr, "round %d of %d: slate %.0f ev/s (server kernel %.1f CPU s/M), Kafka engine %.0f ev/s, ratio %.2fx; NDJSON %.0f ev/s; %s\n",
				r, *runs, round.slateRate(), perM(round.chKernel, round.events), round.kafkaRate(), round.ratio(), round.baseRate(), round.loadsLine())
		}
	}
	fmt.Fprintf(w, "\nslate bench ingest: %d events (%d tickets), %d partitions, broker %s, SLA policies %s, Kafka engine consumers %d\n",
		ib.events, rounds[0].tickets, *partitions, brokerKind(*brokers), slaKind(*slaFile), *consumers)
	if len(rounds) == 1 {
		rounds[0].print(w)
	} else {
		printRounds(w, rounds)
	}
	if *profile != "" {
		printCPUSplit(w, *profile, perM(rounds[0].ingestCPU, rounds[0].events))
	}
	rep.finish(ingestRow(rounds))
	return nil
}

// ingestRow is the run's docs/benchmarks.md row: each figure's median over
// the rounds (nearest rank), the ratio's over the undisturbed rounds.
func ingestRow(rounds []ingestRound) row {
	median := func(of func(ingestRound) float64, skip []int) float64 {
		var xs []float64
		for i, r := range rounds {
			if !slices.Contains(skip, i) {
				xs = append(xs, of(r))
			}
		}
		return percentile(xs, 0.5)
	}
	rss := func(r ingestRound) float64 { return float64(r.rssKiB) / 1024 }
	x := row{
		figure: fmt.Sprintf("%s events/s with SLA on, until ticket states and SLA results are stored; ingest peak RSS %.0f MiB (target ≤ 256 MiB)",
			thousands(median(ingestRound.slateRate, nil)), median(rss, nil)),
		baseline: fmt.Sprintf("Kafka engine + materialized view: %s events/s; references: clickhouse-client NDJSON %s, Native %s events/s",
			thousands(median(ingestRound.kafkaRate, nil)), thousands(median(ingestRound.baseRate, nil)), thousands(median(ingestRound.nativeRate, nil))),
		ratio: fmt.Sprintf("%.2f× (target ≥ 1.00×)", median(ingestRound.ratio, nil)),
	}
	if len(rounds) > 1 {
		x.figure = "median " + x.figure
		x.baseline = "medians: " + x.baseline
		x.ratio = "median " + x.ratio
	}
	if bad := disturbedRounds(rounds); len(bad) > 0 {
		x.ratio = fmt.Sprintf("median %.2f× over %d undisturbed rounds of %d (target ≥ 1.00×)", median(ingestRound.ratio, bad), len(rounds)-len(bad), len(rounds))
	}
	return x
}

// slaKind names the policies a run's ingest evaluates.
func slaKind(file string) string {
	if file == "" {
		return "off"
	}
	return file
}

// ingestRound is one measurement of the same events on the same server:
// slate ingest, then the baseline (ClickHouse's Kafka engine), then the
// references: clickhouse-client loads of the NDJSON ("base", the figure
// the bench compared with before) and a Native load of Slate's rows.
type ingestRound struct {
	events                    int
	withSLA                   bool
	tickets, slaTickets       int // stored by slate: ticket states, tickets with SLA results
	slateSecs, baseSecs       float64
	kafkaSecs, kafkaCHCPU     float64
	kafkaRows                 int // rows the Kafka engine loaded, redeliveries included
	nativeSecs                float64
	nativeClientCPU, nativeCH float64
	rssKiB                    int64
	ingestCPU, chCPU, selfCPU float64 // while slate ingested
	chKernel                  float64 // of chCPU, the server's in the kernel
	clientCPU, baseCHCPU      float64 // while the NDJSON loaded (its fastest load)
	baseCHKernel              float64 // of baseCHCPU, the server's in the kernel
	loads                     []baselineLoad
}

// baselineLoad is one clickhouse-client load of the NDJSON, the
// reference of the bench's earlier baseline: its seconds, the CPU seconds
// of clickhouse-client and of the server meanwhile, and the server's
// seconds in the kernel and minor page faults: a load slowed by the
// machine is slow in the server's kernel, zeroing fresh pages for the
// insert's blocks, and on a virtual machine the cost of a page fault
// varies several-fold from moment to moment.
type baselineLoad struct {
	secs, clientCPU, chCPU, chKernel float64
	chFaults                         int64
}

// cpuPerM is the load's CPU seconds, client and server, per million of
// the events it loaded.
func (l baselineLoad) cpuPerM(events int) float64 { return perM(l.clientCPU+l.chCPU, events) }

// keepFastestLoad makes the round's NDJSON figure its fastest load. A load
// costs the same every time, so a slower one was slowed by the machine,
// and a round's one slowed load can run at half speed.
func (r *ingestRound) keepFastestLoad() {
	fastest := r.loads[0]
	for _, l := range r.loads[1:] {
		if l.secs < fastest.secs {
			fastest = l
		}
	}
	r.baseSecs, r.clientCPU, r.baseCHCPU, r.baseCHKernel = fastest.secs, fastest.clientCPU, fastest.chCPU, fastest.chKernel
}

func (r ingestRound) slateRate() float64  { return float64(r.events) / r.slateSecs }
func (r ingestRound) kafkaRate() float64  { return float64(r.events) / r.kafkaSecs }
func (r ingestRound) baseRate() float64   { return float64(r.events) / r.baseSecs }
func (r ingestRound) nativeRate() float64 { return float64(r.events) / r.nativeSecs }

// ratio is the target's: slate's events/s over the Kafka engine's.
func (r ingestRound) ratio() float64 { return r.slateRate() / r.kafkaRate() }

// clientRatio is slate's events/s over the clickhouse-client NDJSON load's.
func (r ingestRound) clientRatio() float64 { return r.slateRate() / r.baseRate() }
func (r ingestRound) slateCPU() float64    { return perM(r.ingestCPU+r.chCPU+r.selfCPU, r.events) }
func (r ingestRound) baseCPU() float64     { return perM(r.clientCPU+r.baseCHCPU, r.events) }

// roundOptions are a round's settings: ingest.batch_size (0: the default),
// the SLA policy file ingest evaluates ("": none), the number of
// clickhouse-client loads, the Kafka engine's consumers, and where to
// write a CPU profile of ingest ("": none) and of how many seconds.
type roundOptions struct {
	batch, loads   int
	sla            string
	kafkaConsumers int
	profile        string
	profileSecs    int
}

// runIngestRound ingests the bench topic with a consumer group and into a
// database of the round's own (so no round finds another's tickets or
// parts), checks what it stored, then, each once the server's merges are
// over and into a fresh table of the same database: the Kafka engine's
// load, the NDJSON loads (as many as opts says) and the Native load.
func runIngestRound(ctx context.Context, o warehouse.Options, ib *ingestBench, round int, opts roundOptions) (ingestRound, error) {
	res := ingestRound{events: ib.events, withSLA: opts.sla != ""}
	firstDB := o.Database
	t := ingestTarget{ch: o, brokers: ib.brokers, topic: ib.topic, group: fmt.Sprintf("%s-round%d", ib.topic, round), labels: ib.gc.Mapping()}
	t.ch.Addrs = []string{ib.ch.Addr()}
	if round > 1 {
		t.ch.Database = fmt.Sprintf("%s_round%d", firstDB, round)
	}
	conn, err := warehouse.OpenMigrated(ctx, t.ch)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	if round > 1 {
		// the rounds before leave nothing running beside this one
		prev := firstDB
		if round > 2 {
			prev = fmt.Sprintf("%s_round%d", prev, round-1)
		}
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+prev); err != nil {
			return res, fmt.Errorf("drop the round before's database: %w", err)
		}
		if err := waitForMerges(ctx, conn, 3*time.Minute); err != nil {
			return res, err
		}
	}

	chPID := findServerPID(ib.ch.Dir())
	ch0, selfCPU0 := procstat.Read(chPID), procstat.CPUSeconds(os.Getpid())
	if res.slateSecs, res.rssKiB, res.ingestCPU, err = timeIngestProcess(ctx, ib.dir, t, opts, ib.events); err != nil {
		return res, err
	}
	ch := procstat.Read(chPID).Since(ch0)
	res.chCPU, res.chKernel = ch.CPU(), ch.Kernel
	res.selfCPU = procstat.CPUSeconds(os.Getpid()) - selfCPU0
	if res.tickets, res.slaTickets, err = checkIngested(ctx, conn, t.ch.Database, ib.events, opts.sla != ""); err != nil {
		return res, err
	}
	// each load gets the server to itself, not beside the merges of what
	// the one before wrote (which took up to a quarter of its speed)
	if err := waitForMerges(ctx, conn, 3*time.Minute); err != nil {
		return res, err
	}
	kr := kafkaEngineRun{brokers: ib.brokers, topic: ib.topic, group: t.group + "-kafka-engine",
		consumers: opts.kafkaConsumers, want: ib.events, stallAfter: time.Minute, poll: 100 * time.Millisecond,
		serverDir: ib.ch.Dir()}
	if res.kafkaSecs, res.kafkaCHCPU, res.kafkaRows, err = timeKafkaEngine(ctx, conn, chPID, t.ch.Database, kr); err != nil {
		return res, err
	}
	// the engine's table holds the same tickets as slate's ticket states
	var engineTickets uint64
	if err := conn.QueryRow(ctx, "SELECT uniqExact(tenant, ticket_id) FROM "+t.ch.Database+".kafka_events").Scan(&engineTickets); err != nil {
		return res, err
	}
	if int(engineTickets) != res.tickets {
		return res, fmt.Errorf("the Kafka engine loaded %d tickets' events, slate stored %d ticket states", engineTickets, res.tickets)
	}
	if err := conn.Exec(ctx, "DROP TABLE "+t.ch.Database+".kafka_events"); err != nil {
		return res, err
	}
	if err := waitForMerges(ctx, conn, 3*time.Minute); err != nil {
		return res, err
	}
	for i := range opts.loads {
		if i > 0 {
			if err := conn.Exec(ctx, "DROP TABLE "+t.ch.Database+".bench_baseline"); err != nil {
				return res, fmt.Errorf("drop the baseline table: %w", err)
			}
			if err := waitForMerges(ctx, conn, 3*time.Minute); err != nil {
				return res, err
			}
		}
		var l baselineLoad
		before := procstat.Read(chPID)
		if l.secs, l.clientCPU, err = timeBaseline(ctx, ib.ch, t.ch.Database, ib.ndjson, ib.events); err != nil {
			return res, err
		}
		ch := procstat.Read(chPID).Since(before)
		l.chCPU, l.chKernel, l.chFaults = ch.CPU(), ch.Kernel, ch.MinorFaults
		res.loads = append(res.loads, l)
	}
	res.keepFastestLoad()
	if _, err := os.Stat(ib.native); err != nil {
		if err := dumpNative(ctx, ib.ch, t.ch.Database, ib.native); err != nil {
			return res, err
		}
	}
	if err := waitForMerges(ctx, conn, 3*time.Minute); err != nil {
		return res, err
	}
	before := procstat.Read(chPID)
	if res.nativeSecs, res.nativeClientCPU, err = timeNativeLoad(ctx, ib.ch, conn, t.ch.Database, ib.native, ib.events); err != nil {
		return res, err
	}
	res.nativeCH = procstat.Read(chPID).Since(before).CPU()
	return res, nil
}

// checkIngested verifies, rather than trusting ingest's counter, that db
// holds want de-duplicated events and a ticket state for each ticket among
// them, and with SLA on SLA results for some: it returns the number of
// ticket states and of tickets with SLA results.
func checkIngested(ctx context.Context, conn driver.Conn, db string, want int, withSLA bool) (tickets, slaTickets int, err error) {
	c, err := warehouse.ReadCounts(ctx, conn, db)
	if err != nil || int(c.Events) != want {
		return 0, 0, fmt.Errorf("after ingest the warehouse holds %+v (err %v), want %d events", c, err, want)
	}
	var eventTickets, withResults uint64
	if err := conn.QueryRow(ctx, "SELECT uniqExact(tenant, ticket_id) FROM "+db+".events").Scan(&eventTickets); err != nil {
		return 0, 0, err
	}
	if c.Tickets != eventTickets {
		return 0, 0, fmt.Errorf("after ingest the warehouse holds %d ticket states for the %d tickets of its events", c.Tickets, eventTickets)
	}
	if err := conn.QueryRow(ctx, "SELECT uniqExact(tenant, ticket_id) FROM "+db+".sla_tickets").Scan(&withResults); err != nil {
		return 0, 0, err
	}
	if withSLA && withResults == 0 {
		return 0, 0, fmt.Errorf("after ingest with SLA policies the warehouse holds no SLA results")
	}
	return int(c.Tickets), int(withResults), nil
}

// print writes one round in full.
func (r ingestRound) print(w io.Writer) {
	n := r.events
	slateLabel := "slate: Kafka -> slate ingest -> events, tickets, SLA"
	if !r.withSLA {
		slateLabel = "slate: Kafka -> slate ingest -> events, tickets"
	}
	fmt.Fprintf(w, `  %-58s %10s %12s
  %-58s %9.2fs %9.0f ev/s
  %-58s %9.2fs %9.0f ev/s
  ratio slate / Kafka engine: %.2fx   (target >= 1.00x)
  references, the same rows on the same server:
  %-58s %9.2fs %9.0f ev/s   slate %.2fx of it
  %-58s %9.2fs %9.0f ev/s   slate %.2fx of it (this server's limit)
  slate ingest peak RSS:  %.0f MiB (target <= 256 MiB)
  stored by slate: %d ticket states, SLA results for %d tickets
  CPU seconds per million events (less noisy than wall time on a shared machine):
    slate:        ingest %.1f + ClickHouse %.1f + this bench with its broker %.1f = %.1f
    Kafka engine: ClickHouse %.1f (its broker not counted)
    clickhouse-client NDJSON: client %.1f + ClickHouse %.1f = %.1f
    clickhouse-client Native: client %.1f + ClickHouse %.1f = %.1f
    of ClickHouse's, in its kernel: %.1f with slate, %.1f with the NDJSON load
`, "", "seconds", "events/s",
		slateLabel, r.slateSecs, r.slateRate(),
		"baseline: Kafka engine + materialized view -> events", r.kafkaSecs, r.kafkaRate(),
		r.ratio(),
		"clickhouse-client JSONEachRow of the NDJSON", r.baseSecs, r.baseRate(), r.clientRatio(),
		"clickhouse-client Native of slate's events rows", r.nativeSecs, r.nativeRate(), r.slateRate()/r.nativeRate(),
		float64(r.rssKiB)/1024, r.tickets, r.slaTickets,
		perM(r.ingestCPU, n), perM(r.chCPU, n), perM(r.selfCPU, n), r.slateCPU(),
		perM(r.kafkaCHCPU, n),
		perM(r.clientCPU, n), perM(r.baseCHCPU, n), r.baseCPU(),
		perM(r.nativeClientCPU, n), perM(r.nativeCH, n), perM(r.nativeClientCPU+r.nativeCH, n),
		perM(r.chKernel, n), perM(r.baseCHKernel, n))
	if r.kafkaRows > n {
		fmt.Fprintf(w, "  the Kafka engine loaded %d rows for the %d events: it delivered some twice (its table's merges collapse them)\n", r.kafkaRows, n)
	}
	if len(r.loads) > 1 {
		fmt.Fprintf(w, "  %s\n", r.loadsLine())
	}
	if lo, hi, ok := r.loadsDisagree(); ok {
		fmt.Fprintf(w, `  the NDJSON loads took %.1f to %.1f CPU s per million events for the same work: the machine was
  busy meanwhile, the other loads may have been slowed too, and then the ratios mislead
  (--runs 5 measures rounds against each other and names disturbed ones)
`, lo, hi)
	}
}

// loadsDisagree gives the least and the most CPU per million events of
// the round's baseline loads, and whether the most is over
// disturbedFactor times the least. The loads do the same work, so such a
// spread is the machine's doing, and the kept load may have been slowed
// too.
func (r ingestRound) loadsDisagree() (lo, hi float64, ok bool) {
	if len(r.loads) < 2 {
		return 0, 0, false
	}
	lo, hi = math.Inf(1), 0
	for _, l := range r.loads {
		cpu := l.cpuPerM(r.events)
		lo, hi = min(lo, cpu), max(hi, cpu)
	}
	return lo, hi, hi > disturbedFactor*lo
}

// loadsLine gives each baseline load's seconds and CPU seconds per
// million events, and the server's kernel seconds per million events and
// page faults, which tell a slow load by the machine's memory from one
// slowed otherwise.
func (r ingestRound) loadsLine() string {
	var each []string
	for _, l := range r.loads {
		each = append(each, fmt.Sprintf("%.2fs at %.1f CPU s/M (server kernel %.1f, %.0fk page faults)",
			l.secs, l.cpuPerM(r.events), perM(l.chKernel, r.events), float64(l.chFaults)/1000))
	}
	return "NDJSON loads (the fastest counts): " + strings.Join(each, ", ")
}

// printRounds writes a row per round, then each column's median (nearest
// rank) and range. The ratio's median is the median of the rounds'
// ratios: each is a pair measured minutes apart, the machine's drift
// between rounds cancelling within it.
func printRounds(w io.Writer, rounds []ingestRound) {
	cols := []struct {
		head, format string
		of           func(ingestRound) float64
	}{
		{"slate ev/s", "%.0f", ingestRound.slateRate},
		{"Kafka engine ev/s", "%.0f", ingestRound.kafkaRate},
		{"ratio", "%.2fx", ingestRound.ratio},
		{"NDJSON ev/s", "%.0f", ingestRound.baseRate},
		{"Native ev/s", "%.0f", ingestRound.nativeRate},
		{"RSS MiB", "%.0f", func(r ingestRound) float64 { return float64(r.rssKiB) / 1024 }},
		{"ingest CPU/M", "%.1f", func(r ingestRound) float64 { return perM(r.ingestCPU, r.events) }},
		{"ClickHouse CPU/M", "%.1f", func(r ingestRound) float64 { return perM(r.chCPU, r.events) }},
		{"slate CPU/M", "%.1f", ingestRound.slateCPU},
		{"Kafka engine CPU/M", "%.1f", func(r ingestRound) float64 { return perM(r.kafkaCHCPU, r.events) }},
		{"NDJSON CPU/M", "%.1f", ingestRound.baseCPU},
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "round\t")
	for _, c := range cols {
		fmt.Fprint(tw, c.head, "\t")
	}
	fmt.Fprintln(tw)
	for i, r := range rounds {
		fmt.Fprintf(tw, "%d\t", i+1)
		for _, c := range cols {
			fmt.Fprintf(tw, c.format+"\t", c.of(r))
		}
		fmt.Fprintln(tw)
	}
	for _, row := range []struct {
		name string
		cell func(xs []float64, format string) string
	}{
		{"median", func(xs []float64, f string) string { return fmt.Sprintf(f, percentile(xs, 0.5)) }},
		{"range", func(xs []float64, f string) string {
			return fmt.Sprintf(f+"-"+f, slices.Min(xs), slices.Max(xs))
		}},
	} {
		fmt.Fprint(tw, row.name, "\t")
		for _, c := range cols {
			xs := make([]float64, len(rounds))
			for i, r := range rounds {
				xs[i] = c.of(r)
			}
			fmt.Fprint(tw, row.cell(xs, c.format), "\t")
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "ratio: slate / Kafka engine; targets: ratio >= 1.00x, RSS <= 256 MiB; NDJSON and Native: clickhouse-client loads (references); CPU/M: CPU seconds per million events")
	if bad := disturbedRounds(rounds); len(bad) > 0 {
		printDisturbed(w, rounds, bad)
	}
}

// disturbedFactor is how much more CPU per million events than in its
// quietest round the NDJSON load may use before its round counts as
// disturbed. Undisturbed loads of one run stay within about a tenth of
// each other; disturbed ones use a quarter to twice as much again and run
// markedly slower.
const disturbedFactor = 1.15

// disturbedRounds returns the indexes of the rounds whose NDJSON load used
// over disturbedFactor times the CPU per event of the quietest one. Its
// work is the same in every round, so what it spends more is the
// machine's doing (the insert's time in the server's kernel, not the
// client's or the insert's user time), and such a round's figures were
// taken on a busy machine.
func disturbedRounds(rounds []ingestRound) []int {
	quietest := math.Inf(1)
	for _, r := range rounds {
		quietest = min(quietest, r.baseCPU())
	}
	var bad []int
	for i, r := range rounds {
		if r.baseCPU() > disturbedFactor*quietest {
			bad = append(bad, i)
		}
	}
	return bad
}

// printDisturbed names the disturbed rounds and gives the median ratio of
// the others.
func printDisturbed(w io.Writer, rounds []ingestRound, bad []int) {
	var names, cpus []string
	var quiet []float64
	quietest := 0 // never disturbed itself
	for i, r := range rounds {
		if r.baseCPU() < rounds[quietest].baseCPU() {
			quietest = i
		}
		if slices.Contains(bad, i) {
			names = append(names, strconv.Itoa(i+1))
			cpus = append(cpus, fmt.Sprintf("%.1f", r.baseCPU()))
		} else {
			quiet = append(quiet, r.ratio())
		}
	}
	fmt.Fprintf(w, "disturbed: round %s: the NDJSON load used %s CPU s per million events, against %.1f in round %d;\n",
		strings.Join(names, ", "), strings.Join(cpus, ", "), rounds[quietest].baseCPU(), quietest+1)
	fmt.Fprintf(w, "  the same work cost more there: the machine was busy, so those ratios mislead. Median ratio of the other rounds: %.2fx\n",
		percentile(quiet, 0.5))
}

func produceFile(ctx context.Context, brokers []string, topic, path string, total int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := ingest.NewWriter(brokers, topic)
	defer w.Close()
	bar := progress.New(total, "producing", false)
	defer bar.Finish()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), event.MaxPayloadBytes+1)
	var d event.Decoder
	buf := make([]kafka.Message, 0, 5000)
	sent := 0
	flush := func() error {
		if err := w.WriteMessages(ctx, buf...); err != nil {
			return err
		}
		sent += len(buf)
		_ = bar.Set(sent)
		buf = buf[:0]
		return nil
	}
	for sc.Scan() {
		line := append([]byte(nil), sc.Bytes()...)
		// the key is the ticket id, as a producer would set it
		ev, _ := d.Decode(line)
		buf = append(buf, kafka.Message{Key: []byte(ev.TicketID), Value: line})
		if len(buf) == cap(buf) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}

// ingestTarget is what a `slate ingest` under measurement is told: the
// warehouse to write, the topic and group to read, the label mapping.
type ingestTarget struct {
	ch           warehouse.Options
	brokers      []string
	topic, group string
	labels       event.MappingConfig
}

// timeIngestProcess runs `slate ingest` as its own process (so its memory is
// its own) and times it from start until it reports every event stored; it
// returns the seconds, the peak RSS in KiB and the CPU seconds it used.
// With opts.profile it also writes a CPU profile of the process, taken
// through its /debug/pprof/profile, and returns once it is written.
func timeIngestProcess(ctx context.Context, dir string, t ingestTarget, opts roundOptions, want int) (float64, int64, float64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, 0, err
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return 0, 0, 0, err
	}
	// The generated tenants speak Vietnamese and Russian: their label
	// mapping goes in a config file; everything else in the environment.
	labels, err := yaml.Marshal(map[string]any{"labels": t.labels})
	if err != nil {
		return 0, 0, 0, err
	}
	cfgPath := filepath.Join(dir, "ingest.yaml")
	if err := os.WriteFile(cfgPath, labels, 0o600); err != nil {
		return 0, 0, 0, err
	}
	cmd := exec.CommandContext(ctx, self, "ingest", "--config", cfgPath)
	cmd.Env = append(os.Environ(),
		"SLATE_CLICKHOUSE_ADDRS="+strings.Join(t.ch.Addrs, ","),
		"SLATE_CLICKHOUSE_DATABASE="+t.ch.Database,
		"SLATE_KAFKA_BROKERS="+strings.Join(t.brokers, ","),
		"SLATE_KAFKA_TOPIC="+t.topic, "SLATE_KAFKA_GROUP_ID="+t.group,
		"SLATE_HTTP_ADDR="+httpAddr)
	if os.Getenv("SLATE_LOG_LEVEL") == "" {
		cmd.Env = append(cmd.Env, "SLATE_LOG_LEVEL=warn")
	}
	if opts.sla != "" {
		cmd.Env = append(cmd.Env, "SLATE_SLA_CONFIG="+opts.sla)
	}
	if opts.batch > 0 {
		cmd.Env = append(cmd.Env, "SLATE_INGEST_BATCH_SIZE="+strconv.Itoa(opts.batch))
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}()
	profiled := make(chan error, 1)
	if opts.profile != "" {
		go func() { profiled <- fetchCPUProfile(ctx, "http://"+httpAddr, opts.profileSecs, opts.profile) }()
	} else {
		profiled <- nil
	}
	bar := progress.New(want, "ingesting", false)
	defer bar.Finish()
	var peak int64
	for {
		if kib := procstat.PeakRSS(cmd.Process.Pid); kib > peak {
			peak = kib
		}
		stored, err := scrapeCounter("http://"+httpAddr+"/metrics", "slate_ingest_inserted_total")
		if err == nil {
			_ = bar.Set(int(stored))
			if int(stored) >= want {
				secs, cpu := time.Since(start).Seconds(), procstat.CPUSeconds(cmd.Process.Pid)
				if err := <-profiled; err != nil {
					return 0, 0, 0, fmt.Errorf("CPU profile of ingest: %w", err)
				}
				return secs, peak, cpu, nil
			}
		}
		select {
		case err := <-exited:
			exited <- err
			return 0, 0, 0, fmt.Errorf("slate ingest exited early: %v", err)
		case <-ctx.Done():
			return 0, 0, 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// fetchCPUProfile waits a second (ingest connects and starts fetching),
// then writes a CPU profile of secs seconds from the process serving
// base's /debug/pprof/profile to path.
func fetchCPUProfile(ctx context.Context, base string, secs int, path string) error {
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, body)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timeBaseline loads the same NDJSON with clickhouse-client into a table
// with the same fields (nested objects flattened by the server).
//
// It returns the seconds and the CPU seconds of clickhouse-client (the
// server's are measured by the caller).
func timeBaseline(ctx context.Context, ch *chserver.Server, db, ndjson string, want int) (float64, float64, error) {
	args := append(ch.ClientArgs(), "--query", baselineTable(db))
	if out, err := exec.CommandContext(ctx, "clickhouse-client", args...).CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("baseline table: %v: %s", err, out)
	}
	secs, clientCPU, err := timeClientLoad(ctx, ch, ndjson, "INSERT INTO "+db+".bench_baseline FORMAT JSONEachRow",
		"--input_format_import_nested_json=1", "--input_format_skip_unknown_fields=1")
	if err != nil {
		return 0, 0, fmt.Errorf("baseline load: %w", err)
	}
	out, err := exec.CommandContext(ctx, "clickhouse-client", append(ch.ClientArgs(), "--query", "SELECT count() FROM "+db+".bench_baseline")...).Output()
	if err != nil {
		return 0, 0, err
	}
	if got := strings.TrimSpace(string(out)); got != strconv.Itoa(want) {
		return 0, 0, fmt.Errorf("baseline loaded %s rows, want %d", got, want)
	}
	return secs, clientCPU, nil
}

// baselineTable has a column for every field of the wire format that
// ClickHouse's JSON input reads (wireColumns), with the events table's
// sorting key and engine family.
func baselineTable(db string) string {
	return "CREATE TABLE " + db + `.bench_baseline (
    ` + wireColumns + `
) ENGINE = ReplacingMergeTree() PARTITION BY substring(occurred_at, 1, 7) ORDER BY (tenant, ticket_id, event_id)`
}

// ingestBench is what the ingest benchmarks share: a temp dir, a private
// ClickHouse, a broker (embedded kfake unless brokers are named), and one
// generated run written to NDJSON (the clickhouse-client load's input) and produced from
// that file to a fresh topic, so every side loads the same bytes.
type ingestBench struct {
	dir, topic, ndjson string
	native             string // Native dump of the first round's events, written by it
	ch                 *chserver.Server
	brokers            []string
	events             int
	gc                 eventgen.Config
	closers            []func()
}

func (b *ingestBench) close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
}

func prepareIngestBench(ctx context.Context, name, brokers string, seed int64, events, partitions int) (b *ingestBench, err error) {
	b = &ingestBench{}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	if b.dir, err = os.MkdirTemp("", "slate-"+name+"-"); err != nil {
		return b, err
	}
	b.closers = append(b.closers, func() { os.RemoveAll(b.dir) })
	fmt.Fprintln(os.Stderr, "starting a private ClickHouse ...")
	chDir := filepath.Join(b.dir, "clickhouse")
	if err := writeKafkaEngineConfig(chDir); err != nil {
		return b, err
	}
	if b.ch, err = chserver.Start(ctx, chserver.Options{Dir: chDir}); err != nil {
		return b, err
	}
	b.closers = append(b.closers, func() { b.ch.Close() })
	if b.brokers = brokerList(brokers); len(b.brokers) == 0 {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
		if err != nil {
			return b, err
		}
		b.closers = append(b.closers, cluster.Close)
		b.brokers = cluster.ListenAddrs()
	}
	b.topic = fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
	b.gc = eventgen.Config{Seed: seed, Tickets: max(1, events*10/113), Days: 90}
	b.ndjson = filepath.Join(b.dir, "events.ndjson")
	b.native = filepath.Join(b.dir, "events.native")
	f, err := os.Create(b.ndjson)
	if err != nil {
		return b, err
	}
	b.events, err = eventgen.WriteNDJSON(bufio.NewWriterSize(f, 1<<20), b.gc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return b, err
	}
	st, _ := os.Stat(b.ndjson)
	fmt.Fprintf(os.Stderr, "generated %d events (%.0f MB NDJSON); producing to %s (%d partitions) ...\n",
		b.events, float64(st.Size())/1e6, b.topic, partitions)
	if err := ingest.EnsureTopic(ctx, b.brokers, b.topic, partitions); err != nil {
		return b, err
	}
	return b, produceFile(ctx, b.brokers, b.topic, b.ndjson, b.events)
}
