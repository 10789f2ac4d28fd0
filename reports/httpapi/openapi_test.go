package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
)

// Every route the package mounts is in the OpenAPI document with its
// method, and the document is valid JSON: it cannot drift from the router.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	r := chi.NewRouter()
	New(nil, slog.New(slog.DiscardHandler), prometheus.NewRegistry()).Routes(r)
	ScheduleRoutes(r, nil, nil, nil, nil)
	raw, err := json.Marshal(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if route == "/api/openapi.json" {
			return nil
		}
		n++
		if _, ok := doc.Paths[route][strings.ToLower(method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", method, route)
		}
		return nil
	})
	if err != nil || n < 12 {
		t.Fatalf("walked %d routes: %v", n, err)
	}
	for _, p := range []string{"/api/v1/exports/finance", "/api/v1/exports/leadership"} {
		if _, ok := doc.Paths[p]["get"]; !ok {
			t.Errorf("%s missing", p)
		}
	}
}
