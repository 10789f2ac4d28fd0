// Package dashboards serves the HTML dashboards: a manager view, a finance
// view and a leadership summary, each a set of reports from the report
// layer drawn with go-echarts, plus the drill-down ticket lists behind
// their charts. Pages are server-rendered with html/template; the only
// scripts are the vendored ECharts and slate.js, both served from the
// binary.
package dashboards

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

//go:embed templates/*.html
var templateFS embed.FS

// Server renders the dashboards.
type Server struct {
	svc  *reports.Service
	log  *slog.Logger
	now  func() time.Time
	tmpl map[i18n.Lang]*template.Template // the pages in each language
}

// New builds the dashboard server over the report service.
func New(svc *reports.Service, log *slog.Logger) *Server {
	tmpl := map[i18n.Lang]*template.Template{}
	for _, l := range i18n.Langs {
		loc := newLocale(l)
		funcs := template.FuncMap{
			"t":      loc.T,
			"label":  loc.label,
			"column": loc.column,
			"cells":  loc.row,
			"value":  loc.num.Value,
			"pct":    loc.num.Change,
		}
		tmpl[l] = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	}
	return &Server{svc: svc, log: log, now: time.Now, tmpl: tmpl}
}

// Routes mounts the pages on r, which must already authenticate; require
// is the authenticator's permission check.
func (s *Server) Routes(r chi.Router, require func(auth.Permission) func(http.Handler) http.Handler) {
	r.Get("/", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, "/dashboards/manager", http.StatusSeeOther)
	})
	r.With(require(auth.PermViewReports)).Get("/dashboards/manager", s.page(s.manager))
	r.With(require(auth.PermViewFinance)).Get("/dashboards/finance", s.page(s.finance))
	r.With(require(auth.PermViewReports)).Get("/dashboards/leadership", s.page(s.leadership))
	r.Get("/dashboards/tickets", s.page(s.tickets))
}

// pageFilters are the filter bar's fields: kept in the URL, passed to
// every report of the page. The tenant narrows an unscoped reader to one
// tenant; for a scoped reader it is a filter within the scope, as in the
// API (a tenant outside it matches nothing).
var pageFilters = []reports.Dimension{reports.DimGroup, reports.DimAgent, reports.DimPriority, reports.DimSeverity,
	reports.DimTag, reports.DimChannel, reports.DimCustomer, reports.DimTenant}

// Page is what the layout template renders.
type Page struct {
	// Lang is the reader's language; loc writes in it.
	Lang      i18n.Lang
	loc       locale
	query     url.Values // the request's, for error messages
	Title     string
	Path      string
	User      auth.Principal
	CSRF      string
	Finance   bool
	Form      form
	Refresh   int
	Error     string
	Tiles     []Tile
	Charts    []Chart
	Tables    []Table
	Headlines []reports.Headline
	Period    string
	// NoMatch, when none of the page's charts has anything to draw, says
	// so in their place.
	NoMatch string
	// Currency, on the finance page, is the currency its rankings are in.
	Currency *currencyChoice
	// AsOf says when the page's figures were read (the oldest of its
	// results': a report snapshot's time, see docs/reports.md).
	AsOf string
	// Query is the filter bar's state, carried by the navigation links.
	Query template.URL
	// tenant is the one tenant the page shows (scope or filter), whose
	// desk's labels it speaks in; "" when tenants are mixed.
	tenant string
}

type form struct {
	From, To, TZ string
	Values       map[string]string
	Priorities   []option
	Severities   []option
	Fields       []string // free-text filters, in order
}

// option is a choice of a select: the value sent and the text read.
type option struct{ Value, Text string }

type currencyChoice struct {
	Selected string
	Options  []currencyOption
}

type currencyOption struct{ Code, Label string }

// Tile is a headline number.
type Tile struct {
	Label, Value, Link string
}

// Table is a list shown under the charts (pre-breach, drill-down).
type Table struct {
	Title   string
	Columns []reports.Column
	Rows    [][]any
	Note    string
	CSV     string
	Pager   *pager // a list longer than a page
}

type builder func(ctx context.Context, p *Page, base, raw url.Values, sc reports.Scope) error

// page wraps a builder: parses the filter bar, checks it by parsing a
// report query with it (so a bad date or zone is a 400 naming the field),
// runs the builder and renders.
func (s *Server) page(build builder) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pr, _ := auth.FromContext(r.Context())
		q := r.URL.Query()
		p := &Page{Path: r.URL.Path, User: pr, CSRF: auth.CSRFToken(r), Finance: pr.Role.Can(auth.PermViewFinance)}
		p.Lang = langOf(r, pr)
		p.loc = newLocale(p.Lang)
		p.query = q
		p.Form = form{From: q.Get("from"), To: q.Get("to"), TZ: q.Get("tz"), Values: map[string]string{},
			Fields: []string{"group", "agent", "tag", "channel", "customer", "tenant"}}
		// A reader of one desk has nothing to choose there: the field
		// shows only to say which tenant a link asked for.
		if len(pr.Scope.Tenants) == 1 && q.Get("tenant") == "" {
			p.Form.Fields = p.Form.Fields[:len(p.Form.Fields)-1]
		}
		base := url.Values{}
		for _, k := range []string{"from", "to", "tz"} {
			if v := q.Get(k); v != "" {
				base.Set(k, v)
			}
		}
		for _, d := range pageFilters {
			if v := q.Get(string(d)); v != "" {
				base.Set(string(d), v)
				p.Form.Values[string(d)] = v
			}
		}
		if v := q.Get("refresh"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 86400 {
				s.fail(w, p, fault.Wrap(fault.Invalid, &reports.ParamError{Param: "refresh", Msg: p.loc.T("must be seconds from 0 to 86400")}))
				return
			}
			p.Refresh = n
		}
		p.Query = template.URL(base.Encode()) // url.Values.Encode escapes each value
		vol, _ := reports.Lookup("volume")
		vq, err := reports.ParseQuery(vol, base, s.now(), s.svc.Limits())
		if err != nil {
			s.fail(w, p, err)
			return
		}
		sc := reports.Scope{Tenants: pr.Scope.Tenants, Groups: pr.Scope.Groups}
		p.tenant = reports.OneTenant(vq, sc)
		if p.Form.Priorities, err = s.options(r.Context(), p, base, sc, reports.DimPriority, strs(event.Priorities)); err == nil {
			p.Form.Severities, err = s.options(r.Context(), p, base, sc, reports.DimSeverity, strs(event.Severities))
		}
		if err != nil {
			s.fail(w, p, err)
			return
		}
		seen := &asOfs{}
		if err := build(context.WithValue(r.Context(), asOfKey{}, seen), p, base, q, sc); err != nil {
			s.fail(w, p, err)
			return
		}
		if len(p.Charts) > 0 && !slices.ContainsFunc(p.Charts, func(c Chart) bool { return !c.Empty }) {
			p.Charts = nil
			p.NoMatch = p.loc.T("Nothing matches these filters in this period.")
		}
		if !seen.oldest.IsZero() {
			zone, err := time.LoadLocation(q.Get("tz"))
			if err != nil {
				zone = time.UTC
			}
			p.AsOf = seen.oldest.In(zone).Format(p.loc.num.DateTimeLayout + ":05 MST")
		}
		s.render(w, http.StatusOK, p)
	}
}

func (s *Server) fail(w http.ResponseWriter, p *Page, err error) {
	k := fault.KindOf(err)
	p.Error = err.Error()
	if msg := p.loc.errorText(err, p.query); msg != "" {
		p.Error = msg
	}
	if k == fault.Internal || k == fault.Unavailable {
		s.log.Error("dashboard failed", "page", p.Path, "err", err)
		p.Error = p.loc.T("the warehouse could not answer; try again (details are in the server log)")
	}
	p.Charts, p.Tiles, p.Tables, p.Headlines = nil, nil, nil, nil
	s.render(w, k.HTTPStatus(), p)
}

func (s *Server) render(w http.ResponseWriter, status int, p *Page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Only our own scripts run: data can never become code.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	t, ok := s.tmpl[p.Lang]
	if !ok {
		t = s.tmpl[i18n.English]
	}
	if err := t.ExecuteTemplate(w, "layout.html", p); err != nil {
		s.log.Error("render dashboard", "page", p.Path, "err", err)
	}
}

// asOfs collects the as-of times of a page's results; its calls run
// concurrently.
type asOfs struct {
	mu     sync.Mutex
	oldest time.Time
}

type asOfKey struct{}

func noteAsOf(ctx context.Context, res *reports.Result) {
	a, ok := ctx.Value(asOfKey{}).(*asOfs)
	if !ok || res == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.oldest.IsZero() || res.AsOf.Before(a.oldest) {
		a.oldest = res.AsOf
	}
}

// options are the filter bar's choices of a dimension's codes: each named
// as the page's one desk names it, by the labels of its tickets created in
// the page's range ("Обычный / Средний"), else by its localised name.
func (s *Server) options(ctx context.Context, p *Page, base url.Values, sc reports.Scope, dim reports.Dimension, codes []string) ([]option, error) {
	labels := map[string][]string{}
	if p.tenant != "" {
		ld, _ := reports.LabelDimension(dim)
		v := url.Values{}
		for _, k := range []string{"from", "to", "tz", "tenant"} {
			if x, ok := base[k]; ok {
				v[k] = x
			}
		}
		res, _, err := s.run(ctx, "volume", v, vals("group_by", string(dim)+","+string(ld)), sc)
		if err != nil {
			return nil, err
		}
		ci, li := res.ColumnIndex(string(dim)), res.ColumnIndex(string(ld))
		for _, row := range res.Rows {
			if l, _ := row[li].(string); l != "" && !slices.Contains(labels[row[ci].(string)], l) {
				labels[row[ci].(string)] = append(labels[row[ci].(string)], l)
			}
		}
	}
	out := make([]option, len(codes))
	for i, c := range codes {
		out[i] = option{Value: c, Text: p.loc.label(string(dim), c)}
		if ls := labels[c]; len(ls) > 0 {
			out[i].Text = strings.Join(ls, " / ")
		}
	}
	return out, nil
}

// run parses extra on top of the page's parameters and runs the report.
func (s *Server) run(ctx context.Context, name string, base url.Values, extra url.Values, sc reports.Scope) (*reports.Result, url.Values, error) {
	rep, ok := reports.Lookup(name)
	if !ok {
		return nil, nil, fmt.Errorf("no report %s", name)
	}
	v := url.Values{}
	for k, vs := range base {
		v[k] = slices.Clone(vs)
	}
	for k, vs := range extra {
		v[k] = vs
	}
	q, err := reports.ParseQuery(rep, v, s.now(), s.svc.Limits())
	if err != nil {
		return nil, nil, err
	}
	var res *reports.Result
	if rep.List {
		res, err = s.svc.List(ctx, rep, q, sc, "")
	} else {
		res, err = s.svc.Run(ctx, rep, q, sc)
	}
	noteAsOf(ctx, res)
	return res, v, err
}

// pageConcurrency bounds a page's report calls in flight. ClickHouse
// already spreads one query over the server's cores, so more at once only
// stretch each query towards its time limit.
const pageConcurrency = 2

// parallel runs the page's report calls, pageConcurrency at a time.
func parallel(fns ...func() error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(fns))
	slots := make(chan struct{}, pageConcurrency)
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			errs[i] = f()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// trendGrain picks a readable bucket for the page's range.
func (s *Server) trendGrain(base url.Values) string {
	vol, _ := reports.Lookup("volume")
	q, err := reports.ParseQuery(vol, base, s.now(), s.svc.Limits())
	if err != nil {
		return "day"
	}
	switch d := q.To.Sub(q.From); {
	case d <= 3*24*time.Hour:
		return "hour"
	case d <= 120*24*time.Hour:
		return "day"
	case d <= 500*24*time.Hour:
		return "week"
	}
	return "month"
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}
