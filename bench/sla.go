package bench

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/warehouse"
)

// runSLA loads generated tickets straight into a private ClickHouse
// (through the warehouse writer, no Kafka) and times `sla recompute` of all
// of them, next to the target of 1M tickets in 60 s.
func runSLA(ctx context.Context, args []string, d Defaults) error {
	fs := flag.NewFlagSet("bench sla", flag.ContinueOnError)
	tickets := fs.Int("tickets", 100_000, "tickets to generate and recompute")
	rep := newReport("sla", fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	w := rep.out()
	policies, err := examplePolicies()
	if err != nil {
		return err
	}
	_, o, conn, closeAll, err := benchWarehouse(ctx, d)
	if err != nil {
		return err
	}
	defer closeAll()
	gc := eventgen.Config{Seed: 3, Tickets: *tickets, Days: 90}
	n, err := loadGenerated(ctx, conn, o.Database, gc, time.Time{})
	if err != nil {
		return err
	}
	// time the recompute on a settled warehouse, not beside the merges
	// that the load set off
	if err := waitForMerges(ctx, conn, 3*time.Minute); err != nil {
		return err
	}
	r := warehouse.NewSLARefresher(conn, o.Database, policies)
	r.Worker = "bench"
	start := time.Now()
	_, done, err := r.Refresh(ctx, time.Time{}, "", nil)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	rate := float64(done) / secs
	fmt.Fprintf(w, `
slate bench sla: %d tickets, %d events loaded into ClickHouse
  sla recompute of every ticket:  %.1fs, %.0f tickets/s
  at that rate 1M tickets take:   %.0fs (target <= 60s)
`, done, n, secs, rate, 1e6/rate)
	rep.finish(row{
		figure:   fmt.Sprintf("recompute of %s tickets in %.1f s (%s tickets/s)", thousands(float64(done)), secs, thousands(rate)),
		baseline: "target: 1M tickets in 60 s",
		ratio:    fmt.Sprintf("1M in %.0f s: %.2f× the target's time", 1e6/rate, 1e6/rate/60),
	})
	return nil
}
