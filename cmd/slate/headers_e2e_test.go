package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/slatehq/slate/dashboards"
	"github.com/slatehq/slate/internal/auth"
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
			req, err := http.NewRequest(p.method, s.base+p.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", p.method, p.path, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				ok++
			}
			who := "admin"
			if token == "" {
				who = "anonymous"
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s %s (%s, %d): X-Content-Type-Options %q", p.method, p.path, who, resp.StatusCode, got)
			}
			cc := resp.Header.Get("Cache-Control")
			if _, public := cacheable[p.route]; public {
				if resp.StatusCode == 200 && strings.Contains(cc, "no-store") {
					t.Errorf("%s %s: the static asset is not cacheable: %q", p.method, p.path, cc)
				}
			} else if cc != "no-store" {
				t.Errorf("%s %s (%s, %d): Cache-Control %q, want no-store", p.method, p.path, who, resp.StatusCode, cc)
			}
		}
	}
	// The walk must reach the answers that carry data, not only errors.
	if ok < 15 {
		t.Errorf("only %d of %d probes answered 200", ok, 2*len(probes))
	}
}
