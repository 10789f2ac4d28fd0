// Package httpapi is the HTTP face of the report layer: the routes
// under /api/v1, the OpenAPI document, and the error format every 4xx and
// 5xx answer shares. Authentication happens before these handlers run;
// they read the principal from the request context for its role and scope.
package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/formats"
)

// API serves the report routes.
type API struct {
	svc      reports.Runner
	log      *slog.Logger
	now      func() time.Time
	duration *prometheus.HistogramVec
}

// New builds the API; reg receives its request metrics.
func New(svc reports.Runner, log *slog.Logger, reg prometheus.Registerer) *API {
	a := &API{svc: svc, log: log, now: time.Now,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "slate_report_duration_seconds",
			Help:    "Time to answer a report request, by report and outcome.",
			Buckets: []float64{.01, .025, .05, .1, .2, .3, .5, 1, 2, 5, 10},
		}, []string{"report", "outcome"}),
	}
	reg.MustRegister(a.duration)
	return a
}

// Routes mounts the API on r (which must already authenticate). The
// OpenAPI document is served apart, openly (ServeOpenAPI).
func (a *API) Routes(r chi.Router) {
	r.Get("/api/v1/me", a.me)
	r.Get("/api/v1/reports", a.catalog)
	r.Get("/api/v1/reports/{name}", a.report)
	r.Get("/api/v1/reports/{name}/tickets", a.tickets)
}

// Principal's scope as the report layer's.
func scopeOf(p auth.Principal) reports.Scope {
	return reports.Scope{Tenants: p.Scope.Tenants, Groups: p.Scope.Groups}
}

// CanRun reports whether a principal may run a report.
func CanRun(p auth.Principal, r *reports.Report) bool {
	return p.Role.Can(auth.ReportPermission(r.Finance))
}

// lookup finds a report the request's principal may run, or writes the
// 404/403 answer and returns nil.
func lookup(w http.ResponseWriter, r *http.Request, name string) (*reports.Report, auth.Principal) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		WriteError(w, r, fault.Errorf(fault.Unauthorized, "authentication required"))
		return nil, p
	}
	rep, ok := reports.Lookup(name)
	if !ok {
		WriteError(w, r, fault.Errorf(fault.NotFound, "no report named %q (see /api/v1/reports)", name))
		return nil, p
	}
	if !CanRun(p, rep) {
		WriteError(w, r, fault.Errorf(fault.Forbidden, "role %s may not read the %s report", p.Role, name))
		return nil, p
	}
	return rep, p
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{
		"name": p.Name, "role": p.Role, "via": p.Via,
		"scope":      map[string][]string{"tenants": nonNil(p.Scope.Tenants), "groups": nonNil(p.Scope.Groups)},
		"csrf_token": auth.CSRFToken(r),
	})
}

func (a *API) catalog(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	var out []*reports.Report
	for _, n := range reports.Names() {
		rep, _ := reports.Lookup(n)
		if CanRun(p, rep) {
			out = append(out, rep)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out})
}

func (a *API) report(w http.ResponseWriter, r *http.Request) {
	a.serve(w, r, false)
}

func (a *API) tickets(w http.ResponseWriter, r *http.Request) {
	a.serve(w, r, true)
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, list bool) {
	start := time.Now()
	name := chi.URLParam(r, "name")
	rep, p := lookup(w, r, name)
	if rep == nil {
		return
	}
	outcome := "ok"
	defer func() { a.duration.WithLabelValues(name, outcome).Observe(time.Since(start).Seconds()) }()
	format, err := answerFormat(r)
	if err != nil {
		outcome = "invalid"
		WriteError(w, r, err)
		return
	}
	q, err := reports.ParseQuery(rep, r.URL.Query(), a.now(), a.svc.Limits())
	if err != nil {
		outcome = "invalid"
		WriteError(w, r, err)
		return
	}
	var res *reports.Result
	if list {
		res, err = a.svc.List(r.Context(), rep, q, scopeOf(p), r.URL.Query().Get(reports.ParamMeasure))
	} else {
		res, err = a.svc.Run(r.Context(), rep, q, scopeOf(p))
	}
	if err != nil {
		outcome = fault.KindOf(err).String()
		if fault.KindOf(err) >= fault.Unavailable || fault.KindOf(err) == fault.Internal {
			a.log.Error("report failed", "report", name, "err", err)
		}
		WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", format.ContentType)
	w.Header().Set("Cache-Control", "no-store")
	if format.Download {
		w.Header().Set("Content-Disposition", `attachment; filename="`+res.Report+"."+format.Ext+`"`)
	}
	// A workbook's headings are in the reader's language, as the
	// dashboards are: the user's configured one, else the browser's.
	if err := format.Encode(w, res, i18n.ForReader(p.Lang, r.Header.Get("Accept-Language"))); err != nil {
		a.log.Error("encode report", "report", name, "format", format.Name, "err", err)
	}
}

// answerFormat is the request's format parameter's format, formats.Default() when
// there is none.
func answerFormat(r *http.Request) (formats.Format, error) {
	name := r.URL.Query().Get(reports.ParamFormat)
	if name == "" {
		return formats.Default(), nil
	}
	f, ok := formats.Lookup(name)
	if !ok {
		return f, fault.Wrap(fault.Invalid, &reports.ParamError{Param: reports.ParamFormat,
			Msg: "must be one of " + strings.Join(formats.Names(nil), ", ") + ", not " + strconv.Quote(name)})
	}
	return f, nil
}

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Error string `json:"error"`
	Param string `json:"param,omitempty"`
	Kind  string `json:"kind"`
}

// WriteError answers with the status of err's kind and a JSON body naming
// the parameter when there is one. Internal details stay in the log.
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	k := fault.KindOf(err)
	body := ErrorBody{Error: err.Error(), Kind: k.String()}
	var pe *reports.ParamError
	if errors.As(err, &pe) {
		body.Error, body.Param = pe.Error(), pe.Param
	}
	if k == fault.Internal || k == fault.Unavailable {
		body.Error = "the warehouse could not answer; try again (details are in the server log)"
	}
	writeJSON(w, k.HTTPStatus(), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
