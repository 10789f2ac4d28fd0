package xlsx

import (
	"context"
	"io"
	"time"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

// EntryColumns are the finance workbook's time-entry columns.
var EntryColumns = []reports.Column{
	{Name: "logged_at", Label: "Logged", Kind: reports.KindTime},
	{Name: "tenant", Label: "Tenant", Kind: reports.KindDimension},
	{Name: "customer", Label: "Customer", Kind: reports.KindDimension},
	{Name: "organisation", Label: "Organisation", Kind: reports.KindDimension},
	{Name: "ticket_id", Label: "Ticket", Kind: reports.KindText},
	{Name: "agent", Label: "Agent", Kind: reports.KindDimension},
	{Name: "group", Label: "Group", Kind: reports.KindDimension},
	{Name: "hours", Label: "Hours", Kind: reports.KindHours},
	{Name: "billable", Label: "Billable", Kind: reports.KindDimension},
	{Name: "rate", Label: "Rate", Kind: reports.KindMoney},
	{Name: "currency", Label: "Currency", Kind: reports.KindDimension},
	{Name: "amount", Label: "Amount", Kind: reports.KindMoney},
}

// EntryRows adapts a cursor to sheet rows, reusing one row's cells.
func EntryRows(c *reports.EntryCursor, lang i18n.Lang) Rows {
	yes, no := lang.T("yes"), lang.T("no")
	var e reports.TimeEntry
	row := make([]any, len(EntryColumns))
	var hours, rate, amount float64
	return func() ([]any, error) {
		if !c.Next(&e) {
			if err := c.Err(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		hours, rate, amount = float64(e.Seconds)/3600, e.Rate, e.Amount()
		billable := no
		if e.Billable {
			billable = yes
		}
		row[0], row[1], row[2], row[3] = e.LoggedAt.Format(time.RFC3339), e.Tenant, e.Customer, e.Organisation
		row[4], row[5], row[6], row[7] = e.TicketID, e.Agent, e.Group, &hours
		row[8], row[9], row[10], row[11] = billable, (*float64)(nil), e.Currency, &amount
		if e.HasRate {
			row[9] = &rate
		}
		return row, nil
	}
}

// Finance writes the finance workbook to w: every time entry of the
// period (continuing on further sheets past Excel's row limit), then the
// billable summaries given (by customer, agent, month, currency). It returns the
// number of entries.
func Finance(w io.Writer, entries Rows, zone *time.Location, from, to time.Time, summaries map[string]*reports.Result, order []string, progress func(int), lang i18n.Lang) (int, error) {
	wb := NewIn(lang)
	defer wb.Close()
	entriesName := lang.T("Time entries")
	sh := Sheet{Name: entriesName, Title: entriesName, Period: PeriodLineIn(lang, from, to, zone), Columns: EntryColumns, Zone: zone}
	n, err := wb.AddSheet(sh, entries, progress)
	if err != nil {
		return n, err
	}
	for _, name := range order {
		if err := wb.AddResult(summaries[name], lang.T(name)); err != nil {
			return n, err
		}
	}
	_, err = wb.WriteTo(w)
	return n, err
}

// FinanceSummaries are the summary sheets after the entries, in order, as
// billable report parameters. Every one is per currency (billable always
// groups by it); "By currency" holds each currency's totals.
var FinanceSummaries = []struct{ Sheet, GroupBy, Grain string }{
	{"By customer", "customer", ""},
	{"By organisation", "organisation", ""},
	{"By agent", "agent", ""},
	{"By month", "", "month"},
	{"By currency", "", ""},
}

// WriteFinance runs the finance workbook's queries for q (billable's
// range, zone and filters) within sc and writes it to w.
func WriteFinance(ctx context.Context, svc *reports.Service, q reports.Query, sc reports.Scope, lang i18n.Lang, w io.Writer, progress func(int)) (int, error) {
	rep, _ := reports.Lookup("billable")
	summaries := map[string]*reports.Result{}
	var order []string
	for _, s := range FinanceSummaries {
		sq := q
		sq.GroupBy, sq.Grain, sq.Compare = nil, reports.Grain(s.Grain), false
		if s.GroupBy != "" {
			sq.GroupBy = []reports.Dimension{reports.Dimension(s.GroupBy)}
		}
		res, err := svc.Run(ctx, rep, sq, sc)
		if err != nil {
			return 0, err
		}
		summaries[s.Sheet] = res
		order = append(order, s.Sheet)
	}
	cur, err := svc.TimeEntries(ctx, q, sc)
	if err != nil {
		return 0, err
	}
	defer cur.Close()
	return Finance(w, EntryRows(cur, lang), q.Zone, q.From, q.To, summaries, order, progress, lang)
}
