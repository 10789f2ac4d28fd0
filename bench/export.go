package bench

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/progress"
	"github.com/slatehq/slate/warehouse"
)

// runExport stores generated time entries in a private ClickHouse,
// times `slate export finance` (its own process: seconds and peak RSS)
// and, in the same run, a bare excelize StreamWriter writing the same
// number of rows of the same shape from memory.
func runExport(ctx context.Context, args []string, d Defaults) error {
	fs := flag.NewFlagSet("bench export", flag.ContinueOnError)
	entries := fs.Int("entries", 1_000_000, "time entries to export")
	rep := newReport("export", fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	w := rep.out()
	ch, o, conn, closeAll, err := benchWarehouse(ctx, d)
	if err != nil {
		return err
	}
	defer closeAll()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := loadTimeEntries(ctx, conn, o.Database, *entries, start); err != nil {
		return err
	}
	if c, err := warehouse.ReadCounts(ctx, conn, o.Database); err == nil {
		fmt.Fprintf(os.Stderr, "stored: %d events, %d tickets, %d time entries\n", c.Events, c.Tickets, c.TimeEntries)
	}
	dir, err := os.MkdirTemp("", "slate-bench-export-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "finance.xlsx")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self, "export", "finance", "--from", "2026-01-01", "--to", "2027-01-01", "--out", out)
	cmd.Env = append(os.Environ(), "SLATE_CLICKHOUSE_ADDRS="+ch.Addr(), "SLATE_CLICKHOUSE_DATABASE="+o.Database)
	// slate export reports its own peak RSS (VmHWM at its end): the rusage
	// of a child started by vfork would report this process's resident
	// size at exec time instead.
	var stderr bytes.Buffer
	cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("slate export: %w", err)
	}
	slateSecs := time.Since(t0).Seconds()
	m := regexp.MustCompile(`peak RSS (\d+) MiB`).FindStringSubmatch(stderr.String())
	if m == nil {
		return fmt.Errorf("slate export did not report its peak RSS")
	}
	rssMiB, _ := strconv.Atoi(m[1])
	info, _ := os.Stat(out)

	bareSecs, err := bareStreamWriter(filepath.Join(dir, "bare.xlsx"), *entries, start)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, `
slate bench export: %d time entries
  slate export finance (ClickHouse -> .xlsx, + 4 summary sheets):  %.1fs, peak RSS %d MiB, %d MiB file
  bare excelize StreamWriter, same rows from memory:              %.1fs
  ratio: %.2fx (target <= 1.5x); peak RSS target <= 300 MiB
`, *entries, slateSecs, rssMiB, info.Size()>>20, bareSecs, slateSecs/bareSecs)
	rep.finish(row{
		figure:   fmt.Sprintf("%s entries to .xlsx in %.1f s, peak RSS %d MiB", thousands(float64(*entries)), slateSecs, rssMiB),
		baseline: fmt.Sprintf("bare excelize StreamWriter: %.1f s", bareSecs),
		ratio:    fmt.Sprintf("%.2f×", slateSecs/bareSecs),
	})
	return nil
}

// loadTimeEntries stores n time entries over 250 days, four per ticket,
// with each ticket's creation (customer, organisation, group).
func loadTimeEntries(ctx context.Context, conn driver.Conn, db string, n int, start time.Time) error {
	w := warehouse.NewWriter(conn, db, 0)
	bar := progress.New(n, "loading", false)
	defer bar.Finish()
	var recs []event.Record
	flush := func() error {
		if err := w.Store(ctx, &event.Batch{Records: recs}); err != nil {
			return err
		}
		recs = recs[:0]
		return nil
	}
	for i := 0; i < n; i++ {
		tk := i / 4
		at := start.Add(time.Duration(float64(i) / float64(n) * 250 * 24 * float64(time.Hour)))
		id := fmt.Sprintf("T%07d", tk)
		if i%4 == 0 {
			recs = append(recs, event.Record{Event: event.Event{Schema: 1, ID: "c-" + id, Type: event.TypeCreated, Tenant: "acme", TicketID: id,
				OccurredAt: at.Add(-time.Hour), Actor: event.Actor{Type: event.ActorCustomer, ID: "cu"}, Channel: "email",
				Customer: fmt.Sprintf("Khách hàng %d", tk%500), Organisation: fmt.Sprintf("Công ty %d", tk%120), Group: fmt.Sprintf("L%d", tk%3),
				Status: event.StatusOpen, Priority: event.PriorityNormal}})
		}
		recs = append(recs, event.Record{Event: event.Event{Schema: 1, ID: fmt.Sprintf("t-%d", i), Type: event.TypeTimeLogged, Tenant: "acme",
			TicketID: id, OccurredAt: at, Actor: event.Actor{Type: event.ActorAgent, ID: "a"}, Agent: fmt.Sprintf("agent-%d", i%40),
			Seconds: int64(300 + i%3600), Billable: i%5 != 0, HasRate: i%2 == 0, Rate: 45, Currency: "EUR"}})
		if len(recs) >= 50_000 {
			if err := flush(); err != nil {
				return err
			}
			_ = bar.Set(i + 1)
		}
	}
	return flush()
}

// bareStreamWriter writes n rows of the finance sheet's shape (a time, six
// strings, numbers) held in memory, with no styles or tables: the floor
// for writing that many rows with excelize.
func bareStreamWriter(path string, n int, start time.Time) (float64, error) {
	type row struct {
		at                               time.Time
		tenant, cust, org, tk, agent, gr string
		hours, rate, amount              float64
		billable, currency               string
	}
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{at: start.Add(time.Duration(i) * time.Second), tenant: "acme", cust: fmt.Sprintf("Khách hàng %d", i%500),
			org: fmt.Sprintf("Công ty %d", i%120), tk: fmt.Sprintf("T%07d", i/4), agent: fmt.Sprintf("agent-%d", i%40), gr: "L1",
			hours: float64(300+i%3600) / 3600, rate: 45, amount: 12.5, billable: "yes", currency: "EUR"}
	}
	t0 := time.Now()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	vals := make([]any, 12)
	for i, r := range rows {
		vals[0], vals[1], vals[2], vals[3], vals[4], vals[5] = r.at, r.tenant, r.cust, r.org, r.tk, r.agent
		vals[6], vals[7], vals[8], vals[9], vals[10], vals[11] = r.gr, r.hours, r.billable, r.rate, r.currency, r.amount
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cellName, vals); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := f.SaveAs(path); err != nil {
		return 0, err
	}
	return time.Since(t0).Seconds(), nil
}
