package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/internal/procstat"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/reports/formats"
	"github.com/slatehq/slate/reports/xlsx"
	"github.com/slatehq/slate/warehouse"
)

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// runExport writes one report (or the tickets behind it) to a file in the
// format its extension names (reports/formats), with the same parameters
// and validation as the API: the figures are the dashboards' own. The operator's CLI sees every tenant.
func runExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	load := loadConfigFlag(fs)
	from := fs.String("from", "", "start, YYYY-MM-DD (local midnight in --tz) or RFC 3339 (default: 30 days before the end of today)")
	to := fs.String("to", "", "end, exclusive (default: the end of today)")
	tz := fs.String("tz", "UTC", "IANA time zone of dates and periods")
	grain := fs.String("grain", "", "hour, day, week, month or quarter")
	groupBy := fs.String("group-by", "", "up to two comma-separated dimensions")
	compare := fs.Bool("compare", false, "add the previous period (a second sheet)")
	tickets := fs.Bool("tickets", false, "export the tickets behind the report (drill-down list) instead of its figures")
	measure := fs.String("measure", "", "with --tickets: whose tickets")
	out := fs.String("out", "", "output file, its extension the format: ."+strings.Join(formats.Exts(), ", .")+" (required)")
	langFlag := fs.String("lang", "en", "language of a workbook's sheet names, titles, headers and dates: en, vi or ru (CSV columns are machine names)")
	var filters multiFlag
	fs.Var(&filters, "filter", "DIMENSION=VALUE, repeatable (e.g. --filter priority=high --filter tag=vpn)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		return errors.New("usage: slate export REPORT [flags] --out FILE (reports: " + strings.Join(reports.Names(), ", ") + ")")
	}
	name := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	lang, err := i18n.Parse(*langFlag)
	if err != nil {
		return fmt.Errorf("--lang: %w", err)
	}
	// The fixed workbooks take the parameters of the report they build on.
	workbook := ""
	switch name {
	case "finance":
		workbook, name = name, "billable"
	case "leadership":
		workbook, name = name, "volume"
	}
	rep, ok := reports.Lookup(name)
	if !ok {
		return fmt.Errorf("no report %q (reports: %s; workbooks: finance, leadership)", name, strings.Join(reports.Names(), ", "))
	}
	format, ok := formats.ByExt(strings.TrimPrefix(filepath.Ext(*out), "."))
	if *out == "" || !ok {
		return fmt.Errorf("--out: name a file ending in .%s", strings.Join(formats.Exts(), ", ."))
	}
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set(reports.ParamFrom, *from)
	set(reports.ParamTo, *to)
	set(reports.ParamTZ, *tz)
	set(reports.ParamGrain, *grain)
	set(reports.ParamGroupBy, *groupBy)
	if *compare {
		v.Set(reports.ParamCompare, "previous")
	}
	for _, f := range filters {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			return fmt.Errorf("--filter %q: want DIMENSION=VALUE", f)
		}
		v.Add(k, val)
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	q, err := reports.ParseQuery(rep, v, time.Now(), cfg.Reports)
	if err != nil {
		return fmt.Errorf("--%s", strings.Replace(err.Error(), "group_by", "group-by", 1))
	}
	if *tickets || rep.List {
		q.Limit = cfg.Reports.MaxList
	}
	conn, err := warehouse.Open(cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	svc := reports.NewService(chstore.New(conn), cfg.ClickHouse.Database, cfg.Reports)
	start := time.Now()
	switch workbook {
	case "finance":
		if format.Ext != "xlsx" {
			return errors.New("--out: the finance workbook is an .xlsx file")
		}
		return exportFinance(ctx, svc, q, lang, *out, start)
	case "leadership":
		if format.Ext != "xlsx" {
			return errors.New("--out: the leadership workbook is an .xlsx file")
		}
		return writeFile(*out, func(w io.Writer) error { return xlsx.WriteLeadership(ctx, svc, q, reports.Scope{}, lang, w) })
	}
	// A report is one ClickHouse query, then a write of at most
	// reports.max_rows rows: the bar spins while the query runs.
	bar := newBar(-1, "querying "+rep.Name, false)
	var res *reports.Result
	if *tickets || rep.List {
		res, err = svc.List(ctx, rep, q, reports.Scope{}, *measure)
	} else {
		res, err = svc.Run(ctx, rep, q, reports.Scope{})
	}
	_ = bar.Finish()
	if err != nil {
		return err
	}
	if res.Truncated {
		// A list pages; an export is the whole of it or nothing.
		return fmt.Errorf("the list has %d rows, more than reports.max_list (%d): narrow the range or filters", res.Page.Total, cfg.Reports.MaxList)
	}
	err = writeFile(*out, func(w io.Writer) error { return format.Encode(w, res, lang) })
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d rows of %s (%s) in %.1fs\n", *out, len(res.Rows), rep.Title,
		strings.TrimPrefix(xlsx.PeriodLine(res.From, res.To, q.Zone), "Period: "), time.Since(start).Seconds())
	return nil
}

// exportFinance writes the finance workbook with a progress bar over the
// entries (their number is not known before the end: the bar counts up).
func exportFinance(ctx context.Context, svc *reports.Service, q reports.Query, lang i18n.Lang, out string, start time.Time) error {
	bar := newBar(-1, "time entries", false)
	var n int
	err := writeFile(out, func(w io.Writer) (err error) {
		n, err = xlsx.WriteFinance(ctx, svc, q, reports.Scope{}, lang, w, func(rows int) { _ = bar.Set(rows) })
		return err
	})
	_ = bar.Finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: finance workbook, %d time entries (%s) in %.1fs, peak RSS %d MiB\n", out, n,
		strings.TrimPrefix(xlsx.PeriodLine(q.From, q.To, q.Zone), "Period: "), time.Since(start).Seconds(), procstat.PeakRSS(os.Getpid())/1024)
	return nil
}

// writeFile writes through a buffer to path, removing it on failure.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
