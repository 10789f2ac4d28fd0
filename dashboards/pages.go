package dashboards

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
)

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func (s *Server) manager(ctx context.Context, p *Page, base, _ url.Values, sc reports.Scope) error {
	l := p.loc
	p.Title = l.T("Manager")
	grain := s.trendGrain(base)
	// One desk's page groups by its own labels too: each label is a
	// category, named as the desk names it.
	byValue := func(dim reports.Dimension) url.Values {
		if ld, ok := reports.LabelDimension(dim); ok && p.tenant != "" {
			return vals("group_by", string(dim)+","+string(ld))
		}
		return vals("group_by", string(dim))
	}
	var volume, frt, res, slaRes, backlogPrio, backlogStatus, backlogAge, backlogSev, tags, agents, backlog, preBreach *reports.Result
	var unresolved, unresolvedRoles, overdue, dueSoon *reports.Result
	var volP, frtP, resP, tagP, agentP url.Values
	err := parallel(
		func() (err error) { volume, volP, err = s.run(ctx, "volume", base, vals("grain", grain), sc); return },
		func() (err error) {
			frt, frtP, err = s.run(ctx, "first_reply_time", base, vals("grain", grain), sc)
			return
		},
		func() (err error) {
			res, resP, err = s.run(ctx, "resolution_time", base, vals("grain", grain), sc)
			return
		},
		func() (err error) { slaRes, _, err = s.run(ctx, "sla_compliance", base, nil, sc); return },
		func() (err error) { backlog, _, err = s.run(ctx, "backlog", base, nil, sc); return },
		func() (err error) {
			backlogPrio, _, err = s.run(ctx, "backlog", base, byValue(reports.DimPriority), sc)
			return
		},
		func() (err error) {
			backlogStatus, _, err = s.run(ctx, "backlog", base, byValue(reports.DimStatus), sc)
			return
		},
		func() (err error) {
			backlogSev, _, err = s.run(ctx, "backlog", base, byValue(reports.DimSeverity), sc)
			return
		},
		func() (err error) {
			backlogAge, _, err = s.run(ctx, "backlog", base, vals("group_by", "age"), sc)
			return
		},
		func() (err error) {
			tags, tagP, err = s.run(ctx, "tags", base, vals("top", "15", "sort", "created"), sc)
			return
		},
		func() (err error) {
			// Every agent with assigned tickets, replies, SLA clocks,
			// ratings or time in the range: a top by solves would drop
			// those who solved nothing, the rows a manager most needs.
			agents, agentP, err = s.run(ctx, "agent_performance", base, nil, sc)
			return
		},
		func() (err error) {
			unresolved, _, err = s.run(ctx, "backlog", base, vals("group_by", "agent"), sc)
			return
		},
		func() (err error) {
			unresolvedRoles, _, err = s.run(ctx, "backlog", base, vals("group_by", "agent,agent_role"), sc)
			return
		},
		func() (err error) {
			overdue, _, err = s.run(ctx, "overdue", base, vals("limit", strconv.Itoa(preBreachRows)), sc)
			return
		},
		func() (err error) {
			dueSoon, _, err = s.run(ctx, "due_soon", base, vals("horizon", "24h", "limit", strconv.Itoa(preBreachRows)), sc)
			return
		},
		func() (err error) {
			// the most urgent only: a busy desk must still get its page
			preBreach, _, err = s.run(ctx, "pre_breach", base, vals("horizon", "4h", "limit", strconv.Itoa(preBreachRows)), sc)
			return
		},
	)
	if err != nil {
		return err
	}
	sortDescending(agents, "solved", "replies")
	sortDescending(unresolved, "open")
	bl := backlog.Rows[0]
	compliance := "–"
	if c := reports.Compliance(slaRes); c != nil {
		compliance = l.num.Number(*c, reports.KindPercent)
	}
	snap := url.Values{}
	for k, v := range base {
		if k != "from" && k != "to" {
			snap[k] = v
		}
	}
	p.Tiles = []Tile{
		{Label: l.T("Unsolved"), Value: l.cell(backlog.Columns[0], bl[0]), Link: ticketsLink("backlog", "open", snap)},
		{Label: l.T("Unassigned"), Value: l.cell(backlog.Columns[1], bl[1]), Link: ticketsLink("backlog", "unassigned", snap)},
		{Label: l.T("About to breach (4h)"), Value: countOf(preBreach)},
		{Label: l.T("Overdue"), Value: countOf(overdue), Link: listLink("overdue", snap)},
		{Label: l.T("SLA compliance"), Value: compliance, Link: ticketsLink("sla_compliance", "compliance_pct", base)},
	}
	backlogParams := snap
	unit := unitFor(frt, res) // the page's one unit of durations
	charts := []func() (Chart, error){
		func() (Chart, error) {
			// next to the tiles: a OneDesk manager's first view
			return l.everyBarChart("unresolved_agent", l.T("Unresolved tickets by agent"), unresolved, "agent", []string{"open", "waiting"}, backlogParams)
		},
		func() (Chart, error) {
			return l.trendChart("volume", l.T("Created, solved, reopened"), volume, []string{"created", "solved", "reopened"}, volP, zoneOf(volume), unit)
		},
		func() (Chart, error) {
			return l.trendChart("frt", l.T("First reply time, median"), frt, []string{"median_s", "business_median_s"}, frtP, zoneOf(frt), unit)
		},
		func() (Chart, error) {
			return l.trendChart("resolution", l.T("Resolution time, median"), res, []string{"median_s", "business_median_s"}, resP, zoneOf(res), unit)
		},
		func() (Chart, error) {
			return l.barChart("sla", l.T("SLA compliance % by metric"), slaRes, "metric", []string{"compliance_pct"}, 10, base)
		},
		func() (Chart, error) {
			return l.barChart("backlog_priority", l.T("Backlog by priority"), backlogPrio, "priority", []string{"open", "unassigned"}, 10, backlogParams)
		},
		func() (Chart, error) {
			return l.pieChart("backlog_status", l.T("Backlog by status"), backlogStatus, "status", "open", backlogParams)
		},
		func() (Chart, error) {
			return l.barChart("backlog_severity", l.T("Backlog by severity"), backlogSev, "severity", []string{"open"}, 10, backlogParams)
		},
		func() (Chart, error) {
			return l.barChart("backlog_age", l.T("Backlog by age"), backlogAge, "age", []string{"open"}, 10, backlogParams)
		},
		func() (Chart, error) {
			return l.barChart("tags", l.T("Top tags (tickets created)"), tags, "tag", []string{"created", "solved"}, 15, tagP)
		},
		func() (Chart, error) {
			return l.everyBarChart("agents", l.T("Agents: solves and public replies"), agents, "agent", []string{"solved", "replies"}, agentP)
		},
	}
	for _, c := range charts {
		ch, err := c()
		if err != nil {
			return fault.Wrap(fault.Internal, err)
		}
		p.Charts = append(p.Charts, ch)
	}
	preBreach = reports.Readable(preBreach)
	p.Tables = append(p.Tables, Table{Title: l.T("About to breach (next 4 hours)"), Columns: preBreach.Columns, Rows: preBreach.Rows,
		Note: preBreachNote(l, preBreach)},
		dueTable(l, l.T("Overdue (due date set by hand)"), overdue, l.T("Unresolved tickets past the due date an agent set, the longest overdue first."), snap),
		dueTable(l, l.T("Due within 24 hours"), dueSoon, l.T("Unresolved tickets whose due date, set by an agent, falls within the next 24 hours, soonest first."), withParam(snap, "horizon", "24h")),
		Table{Title: l.T("Unresolved tickets by agent and role"), Columns: unresolvedRoles.Columns, Rows: unresolvedRoles.Rows,
			Note: l.T("A ticket counts once under its primary agent and once under each supporting agent: the rows add up to more than the unsolved tickets."),
			CSV:  "/api/v1/reports/backlog?" + withParam(withParam(snap, "group_by", "agent,agent_role"), "format", "csv").Encode()},
		Table{Title: l.T("Agent performance"), Columns: agents.Columns, Rows: agents.Rows,
			Note: l.T("Every agent with assigned tickets, replies, SLA clocks, ratings or logged time in the period, most solves first; those with none are listed too."),
			CSV:  "/api/v1/reports/agent_performance?" + withParam(base, "format", "csv").Encode()})
	return nil
}

func (s *Server) finance(ctx context.Context, p *Page, base, raw url.Values, sc reports.Scope) error {
	l := p.loc
	p.Title = l.T("Finance")
	byMonth, monthP, err := s.run(ctx, "billable", base, vals("grain", "month"), sc)
	if err != nil {
		return err
	}
	// Money is never added or ranked across currencies: the page shows
	// each currency's totals, and its rankings are of one currency, the
	// one chosen or else the one with the most billable hours (hours
	// compare across currencies, amounts do not).
	totals := reports.CurrencyTotals(byMonth)
	currency := defaultCurrency(totals)
	if raw.Has("currency") {
		currency = raw.Get("currency")
	}
	p.Currency = &currencyChoice{Selected: currency}
	for _, t := range totals {
		p.Currency.Options = append(p.Currency.Options, currencyOption{Code: t.Currency, Label: l.currencyLabel(t.Currency)})
	}
	if !slices.ContainsFunc(p.Currency.Options, func(o currencyOption) bool { return o.Code == currency }) {
		p.Currency.Options = append(p.Currency.Options, currencyOption{Code: currency, Label: l.currencyLabel(currency)})
	}
	inCurrency := withParam(base, "currency", currency)
	var byCustomer, byAgent, byGroup, byOrg *reports.Result
	var custP, agentP, groupP url.Values
	err = parallel(
		func() (err error) {
			byCustomer, custP, err = s.run(ctx, "billable", inCurrency, vals("group_by", "customer", "top", "20", "sort", "billable_hours"), sc)
			return
		},
		func() (err error) {
			byAgent, agentP, err = s.run(ctx, "billable", inCurrency, vals("group_by", "agent", "top", "20", "sort", "billable_hours"), sc)
			return
		},
		func() (err error) {
			byGroup, groupP, err = s.run(ctx, "billable", inCurrency, vals("group_by", "group", "top", "20", "sort", "billable_hours"), sc)
			return
		},
		func() (err error) {
			byOrg, _, err = s.run(ctx, "billable", inCurrency, vals("group_by", "organisation", "top", "100", "sort", "amount"), sc)
			return
		},
	)
	if err != nil {
		return err
	}
	var hours, billable float64
	for _, t := range totals {
		hours += t.Hours
		billable += t.BillableHours
	}
	p.Tiles = []Tile{
		{Label: l.T("Hours logged"), Value: l.num.Number(hours, reports.KindHours)},
		{Label: l.T("Billable hours"), Value: l.num.Number(billable, reports.KindHours)},
	}
	for _, t := range totals {
		if t.Currency != "" {
			p.Tiles = append(p.Tiles, Tile{Label: l.T("Amount, %s (%s billable h)", t.Currency, l.num.Number(t.BillableHours, reports.KindHours)),
				Value: l.num.Amount(t.Amount, t.Currency)})
		}
	}
	in := " (" + l.currencyLabel(currency) + ")"
	// The month trend sums currencies: hours do not depend on them.
	monthly := sumOverCurrencies(byMonth)
	for _, c := range []func() (Chart, error){
		func() (Chart, error) {
			return l.trendChart("billable_month", l.T("Hours by month, all currencies"), monthly, []string{"billable_hours", "hours"}, monthP, zoneOf(byMonth), inHours)
		},
		func() (Chart, error) {
			return l.barChart("billable_customer", l.T("Billable hours by customer")+in, byCustomer, "customer", []string{"billable_hours"}, 20, custP)
		},
		func() (Chart, error) {
			return l.barChart("billable_agent", l.T("Billable hours by agent")+in, byAgent, "agent", []string{"billable_hours"}, 20, agentP)
		},
		func() (Chart, error) {
			return l.barChart("billable_group", l.T("Billable hours by group")+in, byGroup, "group", []string{"billable_hours"}, 20, groupP)
		},
	} {
		ch, err := c()
		if err != nil {
			return fault.Wrap(fault.Internal, err)
		}
		p.Charts = append(p.Charts, ch)
	}
	p.Tables = append(p.Tables, Table{Title: l.T("Billable time by organisation") + in, Columns: byOrg.Columns, Rows: byOrg.Rows,
		Note: l.T("The 100 organisations with the largest amounts in %s; choose another currency above. Entries without a rate have no currency.", l.currencyLabel(currency)),
		CSV:  "/api/v1/reports/billable?" + withParam(withParam(inCurrency, "group_by", "organisation"), "format", "csv").Encode()})
	return nil
}

// defaultCurrency is the currency with the most billable hours (totals
// come sorted so), "" (no rate) only when there is no other.
func defaultCurrency(totals []reports.CurrencyTotal) string {
	for _, t := range totals {
		if t.Currency != "" {
			return t.Currency
		}
	}
	return ""
}

// sumOverCurrencies merges billable rows that differ only by currency.
func sumOverCurrencies(res *reports.Result) *reports.Result {
	out := *res
	ci := res.ColumnIndex("currency")
	out.Columns = append(append([]reports.Column{}, res.Columns[:ci]...), res.Columns[ci+1:]...)
	out.Rows = nil
	index := map[string]int{}
	for _, row := range res.Rows {
		key := row[0].(string)
		nr := append(append([]any{}, row[:ci]...), row[ci+1:]...)
		i, ok := index[key]
		if !ok {
			index[key] = len(out.Rows)
			out.Rows = append(out.Rows, nr)
			continue
		}
		for j, c := range nr {
			if a, ok := c.(*float64); ok && a != nil {
				if b, _ := out.Rows[i][j].(*float64); b != nil {
					s := *a + *b
					out.Rows[i][j] = &s
				}
			}
		}
	}
	return &out
}

func (s *Server) leadership(ctx context.Context, p *Page, base, _ url.Values, sc reports.Scope) error {
	l := p.loc
	p.Title = l.T("Leadership summary")
	vol, _ := reports.Lookup("volume")
	q, err := reports.ParseQuery(vol, base, s.now(), s.svc.Limits())
	if err != nil {
		return err
	}
	var sum *reports.Summary
	var trend *reports.Result
	var trendP url.Values
	err = parallel(
		func() (err error) { sum, err = s.svc.Summarize(ctx, q, sc); return },
		func() (err error) {
			trend, trendP, err = s.run(ctx, "volume", base, vals("grain", s.trendGrain(base)), sc)
			return
		},
	)
	if err != nil {
		return err
	}
	p.Period = l.T("%s – %s (%s), compared with %s – %s", l.num.Date(sum.From), l.num.Date(sum.To), sum.Zone,
		l.num.Date(sum.PreviousFrom), l.num.Date(sum.PreviousTo))
	p.Headlines = sum.Headlines
	for _, c := range []func() (Chart, error){
		func() (Chart, error) {
			return l.trendChart("trend", l.T("Created and solved"), trend, []string{"created", "solved"}, trendP, zoneOf(trend), inHours)
		},
		func() (Chart, error) {
			return l.barChart("sla", l.T("SLA compliance % by metric"), sum.SLA, "metric", []string{"compliance_pct"}, 10, base)
		},
	} {
		ch, err := c()
		if err != nil {
			return fault.Wrap(fault.Internal, err)
		}
		p.Charts = append(p.Charts, ch)
	}
	return nil
}

// tickets is the drill-down page: the tickets behind a chart's cell, from
// the report's own parameters (filters, period, measure) in the URL.
func (s *Server) tickets(ctx context.Context, p *Page, _, q url.Values, sc reports.Scope) error {
	name := q.Get("report")
	rep, ok := reports.Lookup(name)
	if !ok {
		return fault.Wrap(fault.Invalid, &reports.ParamError{Param: "report", Msg: "no report named " + strconv.Quote(name)})
	}
	if !p.User.Role.Can(auth.ReportPermission(rep.Finance)) {
		return fault.Errorf(fault.Forbidden, "role %s may not read the %s report", p.User.Role, name)
	}
	v := url.Values{}
	for k, vs := range q {
		if k != "report" && k != "refresh" {
			v[k] = vs
		}
	}
	rq, err := reports.ParseQuery(rep, v, s.now(), s.svc.Limits())
	if err != nil {
		return err
	}
	res, err := s.svc.List(ctx, rep, rq, sc, v.Get(reports.ParamMeasure))
	if err != nil {
		return err
	}
	noteAsOf(ctx, res)
	res = reports.Readable(res)
	l := p.loc
	p.Title = l.T(res.Title)
	note := l.T("%d rows, %s", int(res.Page.Total), l.listSpan(res))
	if res.Page.Pages > 1 {
		first := (res.Page.Number-1)*res.Page.Size + 1
		note = l.T("Rows %d–%d of %d, %s", first, first+len(res.Rows)-1, int(res.Page.Total), l.listSpan(res))
	}
	p.Tables = []Table{{Title: p.Title, Columns: res.Columns, Rows: res.Rows, Note: note, Pager: newPager(q, res.Page),
		CSV: "/api/v1/reports/" + name + "/tickets?" + withParam(v, "format", "csv").Encode()}}
	return nil
}

// sortDescending orders res's rows by the measures, largest first (a
// missing value as 0), then by the rows' text cells.
func sortDescending(res *reports.Result, measures ...string) {
	slices.SortStableFunc(res.Rows, func(a, b []any) int {
		for _, m := range measures {
			if c := cmp.Compare(num(b, res, m), num(a, res, m)); c != 0 {
				return c
			}
		}
		return slices.Compare(texts(a), texts(b))
	})
}

// texts are a row's text cells (its dimensions).
func texts(row []any) []string {
	var out []string
	for _, c := range row {
		if s, ok := c.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// listSpan says when a list's tickets are from, in the zone it names: a
// list of now (the backlog) at the request's now, others over their range.
func (l locale) listSpan(res *reports.Result) string {
	zone := zoneOf(res)
	if res.From.Equal(res.To) {
		return l.T("now (%s %s)", l.num.DateTime(res.From.In(zone)), res.Zone)
	}
	return l.num.DateTime(res.From.In(zone)) + " – " + l.num.DateTime(res.To.In(zone)) + " " + res.Zone
}

// pager links a list's neighbouring pages and page sizes.
type pager struct {
	Number, Pages int
	Prev, Next    string // "" at either end
	Sizes         []pageSize
}

type pageSize struct {
	N    int
	Link string
	On   bool
}

// pageSizes are the page sizes a list offers.
var pageSizes = []int{100, 500, 2000}

// newPager links the pages around page from the list page's own URL
// parameters q; nil when the list fits one page at the smallest size.
func newPager(q url.Values, page *reports.ListPage) *pager {
	if page.Total <= uint64(pageSizes[0]) {
		return nil
	}
	link := func(v url.Values) string { return "/dashboards/tickets?" + v.Encode() }
	p := &pager{Number: page.Number, Pages: page.Pages}
	if page.Number > 1 {
		p.Prev = link(withParam(q, "page", strconv.Itoa(page.Number-1)))
	}
	if page.Number < page.Pages {
		p.Next = link(withParam(q, "page", strconv.Itoa(page.Number+1)))
	}
	for _, n := range pageSizes {
		// A new size starts again at the first page.
		p.Sizes = append(p.Sizes, pageSize{N: n, On: n == page.Size, Link: link(withParam(withParam(q, "limit", strconv.Itoa(n)), "page", "1"))})
	}
	return p
}

func withParam(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for kk, vs := range v {
		out[kk] = vs
	}
	out.Set(k, val)
	return out
}

func ticketsLink(report, measure string, v url.Values) string {
	return "/dashboards/tickets?" + withParam(withParam(v, "report", report), "measure", measure).Encode()
}

func zoneOf(r *reports.Result) *time.Location {
	z, err := time.LoadLocation(r.Zone)
	if err != nil {
		return time.UTC
	}
	return z
}

func num(row []any, res *reports.Result, measure string) float64 {
	if v, ok := row[res.ColumnIndex(measure)].(*float64); ok && v != nil {
		return *v
	}
	return 0
}

// countOf is a list's total for a tile.
func countOf(list *reports.Result) string {
	return strconv.FormatUint(list.Page.Total, 10)
}

// preBreachRows is how many about-to-breach clocks the manager page lists.
const preBreachRows = 200

// dueTable shows a due list (overdue, due_soon) of at most preBreachRows
// tickets, saying how many there are in all when it shows fewer.
func dueTable(l locale, title string, list *reports.Result, note string, params url.Values) Table {
	if list.Truncated {
		note += " " + l.T("The first %d of %d.", preBreachRows, int(list.Page.Total))
	}
	return Table{Title: title, Columns: list.Columns, Rows: list.Rows, Note: note,
		CSV: "/api/v1/reports/" + list.Report + "?" + withParam(params, "format", "csv").Encode()}
}

// listLink opens a list report on the tickets page.
func listLink(report string, v url.Values) string {
	return "/dashboards/tickets?" + withParam(v, "report", report).Encode()
}

func preBreachNote(l locale, list *reports.Result) string {
	if list.Truncated {
		return l.T("Running SLA clocks whose deadline is within 4 hours, soonest first: the %d most urgent of %d.", preBreachRows, int(list.Page.Total))
	}
	return l.T("Running SLA clocks whose deadline is within 4 hours, soonest first (at most %d).", preBreachRows)
}
