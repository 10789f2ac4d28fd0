package bench

import (
	"bufio"
	"cmp"
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
// separate `slate ingest` process, and in the same run the baseline: the same
// NDJSON bytes loaded by clickhouse-client (FORMAT JSONEachRow) into an
// equivalent table on the same server.
func runIngest(ctx context.Context, args []string, d Defaults) error {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	events := fs.Int("events", 1_000_000, "approximate number of events")
	brokers := fs.String("brokers", "", "use this Kafka (host:port,...) instead of an embedded kfake broker")
	partitions := fs.Int("partitions", 4, "partitions of the bench topic")
	seed := fs.Int64("seed", 7, "generator seed")
	batch := fs.Int("batch-size", 0, "ingest.batch_size for the run (0 = default)")
	runs := fs.Int("runs", 1, "rounds of slate then baseline, each into a fresh database; the summary gives each figure's median and range")
	loads := fs.Int("baseline-loads", 2, "baseline loads per round, each into a fresh table; the fastest is the round's baseline")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the ingest process in the first round to this `file`, and print how its CPU splits between the client libraries and slate's own work (cmd/slate/default.pgo is such a profile; that round's figures include the profiler's cost)")
	profileSecs := fs.Int("cpuprofile-seconds", 10, "length of that profile, from a second after ingest starts")
	slaPolicies := fs.String("sla", "", "SLA policy `file` for the ingest process (sla.config; e.g. deploy/sla.example.yaml): its SLA rows are stored with the tickets'")
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
	if *slaPolicies != "" {
		if _, err := sla.LoadConfig(*slaPolicies); err != nil {
			return fmt.Errorf("bench ingest: --sla: %w", err)
		}
	}
	ib, err := prepareIngestBench(ctx, "bench", *brokers, *seed, *events, *partitions)
	if err != nil {
		return err
	}
	defer ib.close()
	rounds := make([]ingestRound, 0, *runs)
	for r := 1; r <= *runs; r++ {
		opts := roundOptions{batch: *batch, loads: *loads, sla: *slaPolicies}
		if r == 1 {
			opts.profile, opts.profileSecs = *profile, *profileSecs
		}
		round, err := runIngestRound(ctx, d.ClickHouse, ib, r, opts)
		if err != nil {
			return fmt.Errorf("round %d: %w", r, err)
		}
		rounds = append(rounds, round)
		if *runs > 1 {
			fmt.Fprintf(os.Stderr, "round %d of %d: slate %.0f ev/s (server kernel %.1f CPU s/M), baseline %.0f ev/s, ratio %.2fx; %s\n",
				r, *runs, round.slateRate(), perM(round.chKernel, round.events), round.baseRate(), round.ratio(), round.loadsLine())
		}
	}
	fmt.Fprintf(w, "\nslate bench ingest: %d events (%d tickets), %d partitions, broker %s, SLA %s\n",
		ib.events, ib.gc.Tickets, *partitions, brokerKind(*brokers), cmp.Or(*slaPolicies, "off"))
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
		figure:   fmt.Sprintf("%s events/s, ingest peak RSS %.0f MiB", thousands(median(ingestRound.slateRate, nil)), median(rss, nil)),
		baseline: fmt.Sprintf("clickhouse-client JSONEachRow: %s events/s", thousands(median(ingestRound.baseRate, nil))),
		ratio:    fmt.Sprintf("%.2f×", median(ingestRound.ratio, nil)),
	}
	if len(rounds) > 1 {
		x.figure = "median " + x.figure
		x.baseline = "median " + x.baseline
		x.ratio = "median " + x.ratio
	}
	if bad := disturbedRounds(rounds); len(bad) > 0 {
		x.ratio = fmt.Sprintf("median %.2f× over %d undisturbed rounds of %d", median(ingestRound.ratio, bad), len(rounds)-len(bad), len(rounds))
	}
	return x
}

// ingestRound is one paired measurement: slate ingest, then the baseline,
// of the same events on the same server.
type ingestRound struct {
	events                    int
	slateSecs, baseSecs       float64
	rssKiB                    int64
	ingestCPU, chCPU, selfCPU float64 // while slate ingested
	chKernel                  float64 // of chCPU, the server's in the kernel
	clientCPU, baseCHCPU      float64 // while the baseline loaded (its fastest load)
	baseCHKernel              float64 // of baseCHCPU, the server's in the kernel
	loads                     []baselineLoad
}

// baselineLoad is one load of the baseline: its seconds, the CPU seconds
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

// keepFastestLoad makes the round's baseline its fastest load. A load
// costs the same every time, so a slower one was slowed by the machine,
// and a round's one slowed load can run at half speed and make the ratio
// overstate slate by half.
func (r *ingestRound) keepFastestLoad() {
	fastest := r.loads[0]
	for _, l := range r.loads[1:] {
		if l.secs < fastest.secs {
			fastest = l
		}
	}
	r.baseSecs, r.clientCPU, r.baseCHCPU, r.baseCHKernel = fastest.secs, fastest.clientCPU, fastest.chCPU, fastest.chKernel
}

func (r ingestRound) slateRate() float64 { return float64(r.events) / r.slateSecs }
func (r ingestRound) baseRate() float64  { return float64(r.events) / r.baseSecs }
func (r ingestRound) ratio() float64     { return r.slateRate() / r.baseRate() }
func (r ingestRound) slateCPU() float64  { return perM(r.ingestCPU+r.chCPU+r.selfCPU, r.events) }
func (r ingestRound) baseCPU() float64   { return perM(r.clientCPU+r.baseCHCPU, r.events) }

// roundOptions are a round's settings: ingest.batch_size (0: the default),
// the number of baseline loads, and where to write a CPU profile of
// ingest ("": none) and of how many seconds.
type roundOptions struct {
	batch, loads int
	profile      string
	profileSecs  int
	sla          string // SLA policy file of the ingest process ("": SLA off)
}

// runIngestRound ingests the bench topic with a consumer group and into a
// database of the round's own (so no round finds another's tickets or
// parts), checks the stored count, waits for the server's merges, and
// loads the baseline into the same database as many times as opts says,
// each time into a fresh table once the server's merges are over.
func runIngestRound(ctx context.Context, o warehouse.Options, ib *ingestBench, round int, opts roundOptions) (ingestRound, error) {
	res := ingestRound{events: ib.events}
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
	// Verify, not just trust the counter: de-duplicated rows in ClickHouse.
	if c, err := warehouse.ReadCounts(ctx, conn, t.ch.Database); err != nil || int(c.Events) != ib.events {
		return res, fmt.Errorf("after ingest the warehouse holds %+v (err %v), want %d events", c, err, ib.events)
	}
	// the baseline gets the server to itself, not beside the merges of
	// what ingest just wrote (which took up to a quarter of its speed)
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
	return res, nil
}

// print writes one round in full.
func (r ingestRound) print(w io.Writer) {
	n := r.events
	fmt.Fprintf(w, `  %-44s %10s %12s
  %-44s %9.2fs %9.0f ev/s
  %-44s %9.2fs %9.0f ev/s
  ratio slate / baseline: %.2fx   (target >= 1.00x)
  slate ingest peak RSS:  %.0f MiB (target <= 256 MiB)
  CPU seconds per million events (less noisy than wall time on a shared machine):
    slate:    ingest %.1f + ClickHouse %.1f + this bench with its broker %.1f = %.1f
    baseline: clickhouse-client %.1f + ClickHouse %.1f = %.1f
    of ClickHouse's, in its kernel: %.1f with slate, %.1f with the baseline
`, "", "seconds", "events/s",
		"slate: Kafka -> slate ingest -> ClickHouse", r.slateSecs, r.slateRate(),
		"baseline: clickhouse-client JSONEachRow", r.baseSecs, r.baseRate(),
		r.ratio(), float64(r.rssKiB)/1024,
		perM(r.ingestCPU, n), perM(r.chCPU, n), perM(r.selfCPU, n), r.slateCPU(),
		perM(r.clientCPU, n), perM(r.baseCHCPU, n), r.baseCPU(),
		perM(r.chKernel, n), perM(r.baseCHKernel, n))
	if len(r.loads) > 1 {
		fmt.Fprintf(w, "  %s\n", r.loadsLine())
	}
	if lo, hi, ok := r.loadsDisagree(); ok {
		fmt.Fprintf(w, `  the baseline loads took %.1f to %.1f CPU s per million events for the same work: the machine was
  busy meanwhile, the kept load may have been slowed too, and then the ratio overstates slate
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
	return "baseline loads (the fastest counts): " + strings.Join(each, ", ")
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
		{"baseline ev/s", "%.0f", ingestRound.baseRate},
		{"ratio", "%.2fx", ingestRound.ratio},
		{"RSS MiB", "%.0f", func(r ingestRound) float64 { return float64(r.rssKiB) / 1024 }},
		{"ingest CPU/M", "%.1f", func(r ingestRound) float64 { return perM(r.ingestCPU, r.events) }},
		{"ClickHouse CPU/M", "%.1f", func(r ingestRound) float64 { return perM(r.chCPU, r.events) }},
		{"slate CPU/M", "%.1f", ingestRound.slateCPU},
		{"baseline CPU/M", "%.1f", ingestRound.baseCPU},
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
	fmt.Fprintln(w, "targets: ratio >= 1.00x, RSS <= 256 MiB; CPU/M: CPU seconds per million events")
	if bad := disturbedRounds(rounds); len(bad) > 0 {
		printDisturbed(w, rounds, bad)
	}
}

// disturbedFactor is how much more CPU per million events than in its
// quietest round a baseline may use before its round counts as disturbed.
// Undisturbed baselines of one run stay within about a tenth of each
// other; disturbed ones use a quarter to twice as much again and run
// markedly slower.
const disturbedFactor = 1.15

// disturbedRounds returns the indexes of the rounds whose baseline used
// over disturbedFactor times the CPU per event of the quietest baseline.
// The baseline's work is the same in every round, so what it spends more
// is the machine's doing (the insert's time in the server's kernel, not
// the client's or the insert's user time), and such a round's ratio
// overstates slate.
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
	fmt.Fprintf(w, "disturbed: round %s: the baseline used %s CPU s per million events, against %.1f in round %d;\n",
		strings.Join(names, ", "), strings.Join(cpus, ", "), rounds[quietest].baseCPU(), quietest+1)
	fmt.Fprintf(w, "  the same work cost more there, so those ratios overstate slate. Median ratio of the other rounds: %.2fx\n",
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
	in, err := os.Open(ndjson)
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	args = append(ch.ClientArgs(), "--input_format_import_nested_json=1", "--input_format_skip_unknown_fields=1",
		"--query", "INSERT INTO "+db+".bench_baseline FORMAT JSONEachRow")
	cmd := exec.CommandContext(ctx, "clickhouse-client", args...)
	cmd.Stdin = in
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("baseline load: %v: %s", err, out)
	}
	secs := time.Since(start).Seconds()
	clientCPU := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	out, err := exec.CommandContext(ctx, "clickhouse-client", append(ch.ClientArgs(), "--query", "SELECT count() FROM "+db+".bench_baseline")...).Output()
	if err != nil {
		return 0, 0, err
	}
	if got := strings.TrimSpace(string(out)); got != strconv.Itoa(want) {
		return 0, 0, fmt.Errorf("baseline loaded %s rows, want %d", got, want)
	}
	return secs, clientCPU, nil
}

// baselineTable has a column for every field of the wire format but three
// rarely filled arrays (supporting_agents, added, removed): 18.16 reads
// dotted array columns as one Nested structure and demands equal lengths.
// Same sorting key and engine family as the events table.
func baselineTable(db string) string {
	return "CREATE TABLE " + db + `.bench_baseline (
    schema UInt8, event_id String, type String, tenant String, ticket_id String, occurred_at String,
    ` + "`actor.type` String, `actor.id` String," + `
    ` + "`data.channel` String, `data.customer` String, `data.organisation` String, `data.group` String," + `
    ` + "`data.assignee` String, `data.subject` String," + `
    ` + "`data.status` String, `data.priority` String, `data.severity` String, `data.tags` Array(String)," + `
    ` + "`data.kind` String, `data.message_id` String," + `
    ` + "`data.agent` String, `data.seconds` UInt32, `data.billable` UInt8, `data.started_at` String," + `
    ` + "`data.ended_at` String, `data.rate` Float64, `data.currency` String, `data.rating` UInt8," + `
    ` + "`data.into` String, `data.reason` String" + `
) ENGINE = ReplacingMergeTree() PARTITION BY substring(occurred_at, 1, 7) ORDER BY (tenant, ticket_id, event_id)`
}

// ingestBench is what the ingest benchmarks share: a temp dir, a private
// ClickHouse, a broker (embedded kfake unless brokers are named), and one
// generated run written to NDJSON (the baseline's input) and produced from
// that file to a fresh topic, so every side loads the same bytes.
type ingestBench struct {
	dir, topic, ndjson string
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
	if b.ch, err = chserver.Start(ctx, chserver.Options{Dir: filepath.Join(b.dir, "clickhouse")}); err != nil {
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
