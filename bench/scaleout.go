package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/internal/procstat"
	"github.com/slatehq/slate/internal/progress"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// runScaleout measures events/s from Kafka into ClickHouse with one
// and with two `slate ingest` processes in one consumer group, in the same
// run, on the same topic (each run its own group and database), and says
// where the CPU time went: the ClickHouse server, the ingest processes and
// this process (the embedded broker and the producer).
func runScaleout(ctx context.Context, args []string, d Defaults) error {
	fs := flag.NewFlagSet("bench scaleout", flag.ContinueOnError)
	events := fs.Int("events", 500_000, "approximate number of events")
	brokerFlag := fs.String("brokers", "", "use this Kafka (host:port,...) instead of an embedded kfake broker")
	partitions := fs.Int("partitions", 4, "partitions of the bench topic")
	rounds := fs.Int("rounds", 1, "rounds; each times 1 and 2 instances, alternating which goes first")
	seed := fs.Int64("seed", 7, "generator seed")
	rep := newReport("scaleout", fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	w := rep.out()
	if *partitions < 2 || *rounds < 1 {
		return fmt.Errorf("bench scaleout: need --partitions >= 2 and --rounds >= 1")
	}
	ib, err := prepareIngestBench(ctx, "bench-scaleout", *brokerFlag, *seed, *events, *partitions)
	if err != nil {
		return err
	}
	defer ib.close()
	dir, ch, brokers, topic, n, gc := ib.dir, ib.ch, ib.brokers, ib.topic, ib.events, ib.gc
	// The generated tenants' labels, and group timing that lets a second
	// member join within a second or two (heartbeats every second).
	cfgYAML, err := yaml.Marshal(map[string]any{"labels": gc.Mapping(),
		"kafka": map[string]any{"session_timeout": "6s", "heartbeat_interval": "1s", "rebalance_timeout": "10s"}})
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "ingest.yaml")
	if err := os.WriteFile(cfgPath, cfgYAML, 0o600); err != nil {
		return err
	}
	chPID := findServerPID(ch.Dir())

	results := map[int][]scaleRun{}
	for r := 0; r < *rounds; r++ {
		order := []int{1, 2}
		if r%2 == 1 {
			order = []int{2, 1}
		}
		for _, k := range order {
			run := scaleRun{instances: k, round: r + 1}
			fmt.Fprintf(os.Stderr, "round %d: %d instance(s) ...\n", r+1, k)
			if err := run.measure(ctx, d.ClickHouse, ch, chPID, brokers, topic, *partitions, cfgPath, n); err != nil {
				return err
			}
			results[k] = append(results[k], run)
			time.Sleep(3 * time.Second) // let the server's merges of the last run settle
		}
	}

	fmt.Fprintf(w, "\nslate bench scaleout: %d events (%d tickets), %d partitions, broker %s, %d CPU cores\n",
		n, gc.Tickets, *partitions, brokerKind(*brokerFlag), runtime.NumCPU())
	fmt.Fprintf(w, "  %-26s %8s %10s %7s  %-22s %s\n", "run", "seconds", "events/s", "joined", "consumed per instance",
		"CPU s: clickhouse / ingest / bench+broker / other processes; cores busy: ours, all")
	for _, k := range []int{1, 2} {
		for _, run := range results[k] {
			ours := run.cpuCH + run.cpuIngest + run.cpuSelf
			capacity := run.secs * float64(runtime.NumCPU())
			fmt.Fprintf(w, "  %-26s %7.2fs %10.0f %6.1fs  %-22s %.1f / %.1f / %.1f / %.1f; %.0f%%, %.0f%%\n",
				fmt.Sprintf("%d instance(s), round %d", k, run.round), run.secs, float64(n)/run.secs, run.joined,
				fmt.Sprint(run.consumed), run.cpuCH, run.cpuIngest, run.cpuSelf, max(0, run.cpuMachine-ours),
				100*ours/capacity, 100*run.cpuMachine/capacity)
		}
	}
	one, two := meanRate(results[1], n), meanRate(results[2], n)
	fmt.Fprintf(w, "  2 instances / 1 instance: %.2fx (%.0f vs %.0f events/s, mean of %d round(s))\n", two/one, two, one, *rounds)
	defer rep.finish(row{
		figure:   fmt.Sprintf("2 instances: %s events/s", thousands(two)),
		baseline: fmt.Sprintf("1 instance: %s events/s", thousands(one)),
		ratio:    fmt.Sprintf("%.2f×", two/one),
	})
	fmt.Fprintln(w, `  seconds: from starting the processes until the group's committed offsets reach the end of every
  partition (then the de-duplicated count in ClickHouse is checked); joined: until every instance
  had consumed a message. All processes share this machine's cores: when ClickHouse and ingest
  already keep them busy, a second instance adds parallelism only where a core sits idle.`)
	return nil
}

type scaleRun struct {
	instances, round          int
	secs, joined              float64
	consumed                  []int
	cpuCH, cpuIngest, cpuSelf float64
	cpuMachine                float64 // every process on the machine
}

func meanRate(runs []scaleRun, n int) float64 {
	s := 0.0
	for _, r := range runs {
		s += float64(n) / r.secs
	}
	return s / float64(len(runs))
}

// measure ingests the whole topic with run.instances processes in a fresh
// group and database.
func (run *scaleRun) measure(ctx context.Context, o warehouse.Options, ch *chserver.Server, chPID int, brokers []string, topic string, partitions int, cfgPath string, want int) error {
	db := fmt.Sprintf("scaleout_%d_%d", run.instances, run.round)
	group := fmt.Sprintf("%s-%s", topic, db)
	o.Addrs, o.Database = []string{ch.Addr()}, db
	conn, err := warehouse.OpenMigrated(ctx, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	type proc struct {
		cmd     *exec.Cmd
		metrics string
		exited  chan error
	}
	var procs []*proc
	defer func() {
		for _, p := range procs {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			<-p.exited
		}
	}()
	chCPU0, selfCPU0, machine0 := procstat.CPUSeconds(chPID), procstat.CPUSeconds(os.Getpid()), procstat.MachineBusySeconds()
	start := time.Now()
	for i := 0; i < run.instances; i++ {
		addr, err := freeAddr()
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, self, "ingest", "--config", cfgPath)
		cmd.Env = append(os.Environ(), "SLATE_CLICKHOUSE_ADDRS="+ch.Addr(), "SLATE_CLICKHOUSE_DATABASE="+db,
			"SLATE_KAFKA_BROKERS="+strings.Join(brokers, ","), "SLATE_KAFKA_TOPIC="+topic, "SLATE_KAFKA_GROUP_ID="+group,
			"SLATE_HTTP_ADDR="+addr)
		if os.Getenv("SLATE_LOG_LEVEL") == "" {
			cmd.Env = append(cmd.Env, "SLATE_LOG_LEVEL=warn")
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		p := &proc{cmd: cmd, metrics: "http://" + addr + "/metrics", exited: make(chan error, 1)}
		go func() { p.exited <- cmd.Wait() }()
		procs = append(procs, p)
	}
	bar := progress.New(want, fmt.Sprintf("%d instance(s)", run.instances), false)
	defer bar.Finish()
	run.consumed = make([]int, run.instances)
	ingestCPU := make([]float64, run.instances)
	for {
		all := 0
		for i, p := range procs {
			if v, err := scrapeCounter(p.metrics, "slate_ingest_consumed_total"); err == nil {
				run.consumed[i] = int(v)
			}
			if c := procstat.CPUSeconds(p.cmd.Process.Pid); c > 0 {
				ingestCPU[i] = c // the last reading before it stops
			}
			all += run.consumed[i]
		}
		if run.joined == 0 && !slices.Contains(run.consumed, 0) {
			run.joined = time.Since(start).Seconds()
		}
		_ = bar.Set(min(all, want))
		backlog, err := groupBacklog(ctx, brokers, topic, group, partitions)
		if err == nil && backlog == 0 {
			break
		}
		for _, p := range procs {
			select {
			case err := <-p.exited:
				p.exited <- err
				return fmt.Errorf("slate ingest exited early: %v", err)
			default:
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	run.secs = time.Since(start).Seconds()
	run.cpuCH, run.cpuSelf = procstat.CPUSeconds(chPID)-chCPU0, procstat.CPUSeconds(os.Getpid())-selfCPU0
	run.cpuMachine = procstat.MachineBusySeconds() - machine0
	for i, p := range procs {
		if c := procstat.CPUSeconds(p.cmd.Process.Pid); c > 0 {
			ingestCPU[i] = c
		}
		run.cpuIngest += ingestCPU[i]
		if v, err := scrapeCounter(p.metrics, "slate_ingest_consumed_total"); err == nil {
			run.consumed[i] = int(v)
		}
	}
	// Verify, not just trust the offsets: de-duplicated rows in ClickHouse.
	if c, err := warehouse.ReadCounts(ctx, conn, db); err != nil || int(c.Events) != want {
		return fmt.Errorf("after ingest %s holds %+v (err %v), want %d events", db, c, err, want)
	}
	return nil
}

// groupBacklog is the messages of topic not yet committed by group, summed
// over its partitions, as the broker reports them.
func groupBacklog(ctx context.Context, brokers []string, topic, group string, partitions int) (int64, error) {
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second}
	ids := make([]int, partitions)
	reqs := make([]kafka.OffsetRequest, partitions)
	for p := range partitions {
		ids[p], reqs[p] = p, kafka.LastOffsetOf(p)
	}
	committed, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err != nil {
		return 0, err
	}
	if committed.Error != nil {
		return 0, committed.Error
	}
	ends, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return 0, err
	}
	end := map[int]int64{}
	for _, p := range ends.Topics[topic] {
		if p.Error != nil {
			return 0, p.Error
		}
		end[p.Partition] = p.LastOffset
	}
	var backlog int64
	for _, p := range committed.Topics[topic] {
		if p.Error != nil {
			return 0, p.Error
		}
		if p.CommittedOffset < 0 {
			backlog += end[p.Partition]
		} else {
			backlog += end[p.Partition] - p.CommittedOffset
		}
	}
	if len(end) != partitions || len(committed.Topics[topic]) != partitions {
		return 0, fmt.Errorf("offsets of %d/%d partitions, want %d", len(end), len(committed.Topics[topic]), partitions)
	}
	return backlog, nil
}

// findServerPID finds the clickhouse-server started with a config file in
// dir (chserver does not hand out its process).
func findServerPID(dir string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(cmdline), "--config-file="+dir) {
			return pid
		}
	}
	return 0
}
