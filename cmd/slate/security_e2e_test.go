package main

import (
	"bytes"
	"encoding/csv"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/slatehq/slate/dashboards"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/testkit"
)

// testHeadersOnEveryRoute walks every route of slate serve's router (so a
// route added later is covered without touching this test), asks the
// running process for each with and without credentials, and checks that
// every answer forbids MIME sniffing and, except the static assets, caching.
func testHeadersOnEveryRoute(t *testing.T, s *served) {
	env := map[string]string{"SLATE_CLICKHOUSE_ADDRS": s.ch.Addr(), "SLATE_CLICKHOUSE_DATABASE": s.db, "SLATE_AUTH_SESSION_KEY": sessionKey}
	cfg, err := LoadConfig(s.cfgPath, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Reports.SnapshotInterval = 0 // this router is only walked; the process serves
	router, err := serveRouter(t.Context(), cfg, s.conn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// Values for the routes' parameters, and the routes whose answers may
	// be cached: the static assets, the same for everyone.
	params := strings.NewReplacer("{name}", "tags", "{id}", "no-such-schedule", "*", "")
	cacheable := map[string]string{dashboards.AssetsPath + "*": "slate.js"}

	type probe struct{ method, route, path string }
	var probes []probe
	err = chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		path := params.Replace(route)
		if f, ok := cacheable[route]; ok {
			path += f
		}
		switch {
		case route == "/debug/pprof/profile":
			path += "?seconds=1"
		case strings.HasPrefix(route, "/api/v1/reports/") || strings.HasPrefix(route, "/api/v1/exports/") || strings.HasPrefix(route, "/dashboards/"):
			path += "?" + span
		}
		probes = append(probes, probe{method, route, path})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(probes) < 20 {
		t.Fatalf("walked only %d routes: %v", len(probes), probes)
	}
	// The exports in every format, and a route that does not exist.
	for _, f := range []string{"csv", "xlsx"} {
		probes = append(probes, probe{"GET", "/api/v1/reports/{name}", "/api/v1/reports/tags?" + span + "&format=" + f})
	}
	probes = append(probes, probe{"GET", "", "/no-such-page"})

	ok := 0
	for _, p := range probes {
		for _, token := range []string{s.tokens[auth.RoleAdmin], ""} {
			code, h, _ := s.request(t, p.method, token, p.path)
			if code == 200 {
				ok++
			}
			who := "admin"
			if token == "" {
				who = "anonymous"
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s %s (%s, %d): X-Content-Type-Options %q", p.method, p.path, who, code, got)
			}
			cc := h.Get("Cache-Control")
			if _, public := cacheable[p.route]; public {
				if code == 200 && strings.Contains(cc, "no-store") {
					t.Errorf("%s %s: the static asset is not cacheable: %q", p.method, p.path, cc)
				}
			} else if cc != "no-store" {
				t.Errorf("%s %s (%s, %d): Cache-Control %q, want no-store", p.method, p.path, who, code, cc)
			}
		}
	}
	// The walk must reach the answers that carry data, not only errors.
	if ok < 15 {
		t.Errorf("only %d of %d probes answered 200", ok, 2*len(probes))
	}
}

// The CSV-1 ticket's fields: a formula behind a NUL, pieces that become
// cells of their own when a spreadsheet splits at ';' or at line breaks.
const (
	csvHostileCustomer = "x;=1+2;y"
	csvHostileSubject  = "\x00=HYPERLINK(\"http://evil.example\",\"x\")\r\n=1+2;@SUM(1)"
)

// testCSVInLibreOffice opens the API's CSV of the CSV-1 ticket in
// LibreOffice with ',' and with ';' as separator: no cell may become a
// formula, and with ',' the cells show the fields behind apostrophes.
func testCSVInLibreOffice(t *testing.T, s *served) {
	code, _, body := s.get(t, s.tokens[auth.RoleAdmin], "/api/v1/reports/volume/tickets?"+span+"&format=csv&customer="+url.QueryEscape(csvHostileCustomer))
	if code != 200 {
		t.Fatalf("csv: %d %s", code, body)
	}
	formula := regexp.MustCompile(`table:formula="[^"]*"`)
	for _, sep := range []string{"44", "59"} {
		doc := testkit.LibreOffice(t, body, "tickets.csv", "Text - txt - csv (StarCalc):"+sep+",34,76,1", "fods")
		if f := formula.FindAll(doc, -1); len(f) > 0 {
			t.Errorf("separator %s: LibreOffice made formulas: %s", sep, f)
		}
	}
	raw := testkit.LibreOffice(t, body, "tickets.csv", "Text - txt - csv (StarCalc):44,34,76,1", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true")
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("LibreOffice sees %d rows, want the header and CSV-1: %q", len(recs), recs)
	}
	cells := map[string]string{}
	for i, name := range recs[0] {
		cells[name] = recs[1][i]
	}
	if cells["customer"] != "x;'=1+2;y" || cells["subject"] != "'=HYPERLINK(\"http://evil.example\",\"x\")\n'=1+2;'@SUM(1)" {
		t.Errorf("LibreOffice shows customer %q, subject %q", cells["customer"], cells["subject"])
	}
}
