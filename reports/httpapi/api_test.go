package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/reportstest"
)

var apiNow = time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)

// serveAs is the API over fake, for requests by p.
func serveAs(fake *reportstest.Fake, p auth.Principal) http.Handler {
	api := New(fake, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	api.now = func() time.Time { return apiNow }
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			next.ServeHTTP(w, req.WithContext(auth.WithPrincipal(req.Context(), p)))
		})
	})
	api.Routes(r)
	return r
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

func two() float64 { return 2 }

// volumeRows answers a volume request with one row of two tickets.
func volumeRows(c reportstest.Call) *reports.Result {
	n := two()
	return &reports.Result{Report: c.Report, Title: "Ticket volume", Zone: "UTC", GroupBy: []string{},
		Columns: []reports.Column{{Name: "priority", Label: "Priority", Kind: reports.KindDimension}, {Name: "created", Label: "Created", Kind: reports.KindCount}},
		Rows:    [][]any{{"high", &n}}}
}

var viewer = auth.Principal{Name: "vi", Role: auth.RoleViewer, Scope: auth.Scope{Tenants: []string{"acme"}, Groups: []string{"L2"}}}

// A report runs with the request's parameters, validated, within the
// principal's scope, and answers its result as JSON.
func TestReportRunsTheRequestWithinTheScope(t *testing.T) {
	fake := reportstest.New()
	fake.Answer = volumeRows
	w := get(t, serveAs(fake, viewer), "/api/v1/reports/volume?from=2026-03-01&to=2026-03-08&tz=Asia/Kolkata&grain=day&priority=high&priority=urgent")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Method != "Run" || calls[0].Report != "volume" {
		t.Fatalf("calls %+v", calls)
	}
	q := calls[0].Query
	kolkata := time.FixedZone("IST", 5*3600+1800)
	if !q.From.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, kolkata)) || !q.To.Equal(time.Date(2026, 3, 8, 0, 0, 0, 0, kolkata)) ||
		q.Grain != reports.GrainDay || !slices.Equal(q.Filters[reports.DimPriority], []string{"high", "urgent"}) || !q.Now.Equal(apiNow) {
		t.Errorf("query %+v", q)
	}
	if sc := calls[0].Scope; !slices.Equal(sc.Tenants, []string{"acme"}) || !slices.Equal(sc.Groups, []string{"L2"}) {
		t.Errorf("scope %+v, want the principal's", sc)
	}
	var body struct {
		Report string
		Rows   [][]any
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Report != "volume" || len(body.Rows) != 1 || body.Rows[0][1] != 2.0 {
		t.Errorf("body %s: %v", w.Body, err)
	}
}

// The tickets route lists the asked measure's page.
func TestTicketsListTheMeasure(t *testing.T) {
	fake := reportstest.New()
	w := get(t, serveAs(fake, viewer), "/api/v1/reports/sla_compliance/tickets?measure=breached&page=2&limit=50")
	if w.Code != http.StatusOK {
		t.Fatalf("%d: %s", w.Code, w.Body)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Method != "List" || calls[0].Measure != "breached" || calls[0].Query.Page != 2 || calls[0].Query.Limit != 50 {
		t.Fatalf("calls %+v", calls)
	}
}

// CSV and xlsx answers are attachments named after the report.
func TestReportFiles(t *testing.T) {
	fake := reportstest.New()
	fake.Answer = volumeRows
	h := serveAs(fake, viewer)
	w := get(t, h, "/api/v1/reports/volume?format=csv")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
		w.Header().Get("Content-Disposition") != `attachment; filename="volume.csv"` {
		t.Fatalf("csv: %d %v", w.Code, w.Header())
	}
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][0] != "high" || recs[1][1] != "2" {
		t.Errorf("csv rows %q: %v", recs, err)
	}
	w = get(t, h, "/api/v1/reports/volume?format=xlsx")
	if w.Code != http.StatusOK || w.Header().Get("Content-Disposition") != `attachment; filename="volume.xlsx"` ||
		!strings.HasPrefix(w.Body.String(), "PK") {
		t.Errorf("xlsx: %d %v", w.Code, w.Header())
	}
}

// Requests the API refuses never reach the report layer, and the layer's
// errors answer with their kind's status; internal details stay out.
func TestReportErrors(t *testing.T) {
	for _, c := range []struct {
		path   string
		as     auth.Principal
		err    error
		status int
		param  string
	}{
		{path: "/api/v1/reports/nope", as: viewer, status: 404},
		{path: "/api/v1/reports/billable", as: viewer, status: 403},
		{path: "/api/v1/reports/volume?grain=fortnight", as: viewer, status: 400, param: "grain"},
		{path: "/api/v1/reports/volume?colour=red", as: viewer, status: 400, param: "colour"},
		{path: "/api/v1/reports/volume", as: viewer, err: fault.Errorf(fault.Timeout, "too slow"), status: 504},
		{path: "/api/v1/reports/volume", as: viewer, err: fault.Errorf(fault.TooLarge, "too big"), status: 413},
		{path: "/api/v1/reports/volume/tickets", as: viewer, err: errors.New("connection refused"), status: 500},
	} {
		fake := reportstest.New()
		fake.Err = c.err
		w := get(t, serveAs(fake, c.as), c.path)
		var body ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != c.status || body.Param != c.param {
			t.Errorf("%s: %d %s, want %d param %q", c.path, w.Code, w.Body, c.status, c.param)
		}
		if c.err == nil && len(fake.Calls()) != 0 {
			t.Errorf("%s: reached the report layer: %+v", c.path, fake.Calls())
		}
		if c.status == 500 && strings.Contains(body.Error, "connection refused") {
			t.Errorf("%s: internal detail in %q", c.path, body.Error)
		}
	}
}

// The catalog lists the reports the principal may run.
func TestCatalogByRole(t *testing.T) {
	for role, wantBillable := range map[auth.Role]bool{auth.RoleViewer: false, auth.RoleFinance: true} {
		w := get(t, serveAs(reportstest.New(), auth.Principal{Role: role}), "/api/v1/reports")
		var body struct{ Reports []struct{ Name string } }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 200 {
			t.Fatalf("%s: %d %v", role, w.Code, err)
		}
		names := []string{}
		for _, r := range body.Reports {
			names = append(names, r.Name)
		}
		if slices.Contains(names, "billable") != wantBillable || !slices.Contains(names, "volume") {
			t.Errorf("%s sees %q", role, names)
		}
	}
}
