package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/procstat"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
)

// runBenchDerived measures the CPU seconds a minute of churn costs in
// keeping derived state (ticket states, SLA results, report snapshots),
// at two sizes of kept tickets, for two designs side by side in one run:
//
//   - refresher: the writer projects ticket states only, and an SLA
//     refresher re-evaluates the projected tickets from their whole
//     histories every 2 s of churn, as ingest did before SLA moved into
//     the projection;
//   - projection: the writer evaluates SLA as it stores each state
//     (Writer.SetSLA), as slate ingest now does.
//
// Churn is compressed in time: each simulated second's events are one
// unit, stored back to back, and a report snapshot is built after each
// simulated minute, so the CPU seconds (this process's plus the server's)
// are those of the work, not of waiting. Each design runs in a database
// of its own, loaded alike.
func runDerivedBench(ctx context.Context, args []string, d Defaults) error {
	fs := flag.NewFlagSet("bench derived", flag.ContinueOnError)
	sizes := fs.String("tickets", "1000000,3000000", "two numbers of kept tickets, comma-separated")
	rate := fs.Int("rate", 200, "churn events per simulated second")
	minutes := fs.Int("minutes", 3, "simulated minutes of churn per design and size")
	slaPath := fs.String("sla", "deploy/sla.example.yaml", "SLA policy file")
	rep := newReport("derived", fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bench derived: --tickets: %q is not a positive number", s)
		}
		ns = append(ns, n)
	}
	if len(ns) != 2 {
		return fmt.Errorf("bench derived: --tickets wants two sizes, got %d", len(ns))
	}
	if *rate < 1 || *minutes < 1 {
		return fmt.Errorf("bench derived: --rate and --minutes must be positive")
	}
	policies, err := sla.LoadConfig(*slaPath)
	if err != nil {
		return fmt.Errorf("%w (run from the repository root, or give --sla)", err)
	}
	ch, co, conn, closeAll, err := benchWarehouse(ctx, d)
	if err != nil {
		return err
	}
	defer closeAll()
	chPID := findServerPID(ch.Dir())

	var results [2][2]derivedRun // [size][design]
	for si, n := range ns {
		for di, design := range derivedDesigns {
			db := fmt.Sprintf("%s_%s_%d", co.Database, design, n)
			o := co
			o.Database = db
			dconn, err := warehouse.OpenMigrated(ctx, o)
			if err != nil {
				return err
			}
			r, err := runDerived(ctx, dconn, db, chPID, policies, design, n, *rate, *minutes)
			dconn.Close()
			if err != nil {
				return fmt.Errorf("%s at %d tickets: %w", design, n, err)
			}
			results[si][di] = r
			// the next run gets the server to itself
			if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
				return err
			}
			if err := waitForMerges(ctx, conn, 3*time.Minute); err != nil {
				return err
			}
		}
	}
	printDerived(rep.out(), ns, *rate, *minutes, results)
	p1, p3 := results[0][1].total(), results[1][1].total()
	rep.finish(row{
		figure:   fmt.Sprintf("projection: %.2f CPU s/min at %s tickets, %.2f at %s", p1, thousands(float64(ns[0])), p3, thousands(float64(ns[1]))),
		baseline: fmt.Sprintf("target: the larger size at most 1.30× the smaller (refresher: %.2f, %.2f)", results[0][0].total(), results[1][0].total()),
		ratio:    fmt.Sprintf("%.2f×", p3/p1),
	})
	return nil
}

// derivedDesigns are the ways of keeping SLA results the bench compares.
var derivedDesigns = [2]string{"refresher", "projection"}

// derivedRun is one design at one size: CPU seconds per simulated minute,
// split by what spent them.
type derivedRun struct {
	events      int     // churn events stored
	storeCPU    float64 // storing the churn and its derived state (self + server)
	snapshotCPU float64 // report snapshot builds (self + server)
	storeSecs   float64 // wall time of the stores
	slaPerEvent float64 // tickets whose SLA was evaluated, per churn event
}

func (r derivedRun) total() float64 { return r.storeCPU + r.snapshotCPU }

// runDerived loads n tickets' events before a cut-off (SLA evaluated by
// the design's way), builds a first snapshot, then stores the events after
// the cut-off as churn, rate a simulated second, for minutes.
func runDerived(ctx context.Context, conn driver.Conn, db string, chPID int, policies *sla.Config, design string, n, rate, minutes int) (derivedRun, error) {
	var res derivedRun
	gc := eventgen.Config{Seed: 9, Tickets: n, Days: 90}
	// the last few days of the run are the churn
	var all []event.Event
	if err := eventgen.Generate(gc, func(e *event.Event) error { all = append(all, *e); return nil }); err != nil {
		return res, err
	}
	slices.SortStableFunc(all, func(a, b event.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	need := rate * 60 * minutes
	if need >= len(all)/2 {
		return res, fmt.Errorf("%d churn events asked of a run of %d events: give more tickets or fewer minutes", need, len(all))
	}
	load, churn := all[:len(all)-need], all[len(all)-need:]

	w := warehouse.NewWriter(conn, db, 50_000)
	var refresher *warehouse.SLARefresher
	if design == "projection" {
		w.SetSLA(policies)
	} else {
		refresher = warehouse.NewSLARefresher(conn, db, policies)
	}
	fmt.Fprintf(os.Stderr, "%s, %d tickets: loading %d events ...\n", design, n, len(load))
	for start := 0; start < len(load); start += 50_000 {
		if err := w.Store(ctx, recordsOf(load[start:min(start+50_000, len(load))])); err != nil {
			return res, err
		}
	}
	var mark time.Time
	if refresher != nil {
		var err error
		if mark, _, err = refresher.Refresh(ctx, time.Time{}, "", nil); err != nil {
			return res, err
		}
	}
	snaps := reports.NewSnapshots(chstore.New(conn), db, time.Hour)
	if _, err := snaps.Build(ctx); err != nil {
		return res, err
	}
	if err := waitForMerges(ctx, conn, 3*time.Minute); err != nil {
		return res, err
	}
	evaluated, evaluated0 := 0, w.SLATickets() // tickets evaluated during the churn

	fmt.Fprintf(os.Stderr, "%s, %d tickets: %d minutes of churn at %d events/s ...\n", design, n, minutes, rate)
	cpu := func() float64 { return procstat.CPUSeconds(os.Getpid()) + procstat.CPUSeconds(chPID) }
	for m := 0; m < minutes; m++ {
		c0, t0 := cpu(), time.Now()
		for s := 0; s < 60; s++ {
			at := (m*60 + s) * rate
			if err := w.Store(ctx, recordsOf(churn[at:at+rate])); err != nil {
				return res, err
			}
			if refresher != nil && s%2 == 1 { // every 2 s, as ingest's refresher polled
				var err error
				var k int
				if mark, k, err = refresher.Refresh(ctx, mark, "", nil); err != nil {
					return res, err
				}
				evaluated += k
			}
		}
		res.storeSecs += time.Since(t0).Seconds()
		c1 := cpu()
		res.storeCPU += c1 - c0
		if _, err := snaps.Build(ctx); err != nil {
			return res, err
		}
		res.snapshotCPU += cpu() - c1
	}
	res.events = len(churn)
	evaluated += int(w.SLATickets() - evaluated0)
	res.slaPerEvent = float64(evaluated) / float64(res.events)
	res.storeCPU /= float64(minutes)
	res.snapshotCPU /= float64(minutes)
	res.storeSecs /= float64(minutes)
	return res, nil
}

func recordsOf(evs []event.Event) *event.Batch {
	recs := make([]event.Record, len(evs))
	for i := range evs {
		recs[i] = event.Record{Event: evs[i]}
	}
	return &event.Batch{Records: recs}
}

func printDerived(w io.Writer, ns []int, rate, minutes int, r [2][2]derivedRun) {
	fmt.Fprintf(w, "\nslate bench derived: CPU seconds (this process + ClickHouse) per simulated minute of churn at %d events/s, %d minutes each\n", rate, minutes)
	fmt.Fprintf(w, "  %-11s %10s %14s %14s %10s %12s %14s\n", "design", "tickets", "store CPU s/min", "snapshot s/min", "total", "store wall s", "SLA evals/event")
	for si, n := range ns {
		for di, d := range derivedDesigns {
			x := r[si][di]
			fmt.Fprintf(w, "  %-11s %10d %14.2f %14.2f %10.2f %12.2f %14.2f\n", d, n, x.storeCPU, x.snapshotCPU, x.total(), x.storeSecs, x.slaPerEvent)
		}
	}
	ratio := func(a, b float64) string {
		if b <= 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	for si, n := range ns {
		fmt.Fprintf(w, "  at %d tickets, projection / refresher: store %s, total %s\n", n,
			ratio(r[si][1].storeCPU, r[si][0].storeCPU), ratio(r[si][1].total(), r[si][0].total()))
	}
	fmt.Fprintf(w, "  projection, %d / %d tickets: store %s, total %s (target for the total <= 1.30x)\n", ns[1], ns[0],
		ratio(r[1][1].storeCPU, r[0][1].storeCPU), ratio(r[1][1].total(), r[0][1].total()))
}
