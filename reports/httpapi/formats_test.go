package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/reports/formats"
	"github.com/slatehq/slate/reports/reportstest"
)

// The OpenAPI document's format enums and answer types are the registry's.
func TestOpenAPIFormatsAreTheRegistry(t *testing.T) {
	raw, err := json.Marshal(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	type parameter struct {
		Name   string
		Schema struct{ Enum []string }
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct{ Enum []string }
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var all, mail, types []string
	for _, f := range formats.All {
		all = append(all, f.Name)
		types = append(types, strings.Split(f.ContentType, ";")[0])
		if f.Mail {
			mail = append(mail, f.Name)
		}
	}
	for _, path := range []string{"/api/v1/reports/{name}", "/api/v1/reports/{name}/tickets"} {
		var op struct {
			Parameters []parameter
			Responses  map[string]struct{ Content map[string]any }
		}
		if err := json.Unmarshal(doc.Paths[path]["get"], &op); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		i := slices.IndexFunc(op.Parameters, func(p parameter) bool { return p.Name == "format" })
		if i < 0 || !slices.Equal(op.Parameters[i].Schema.Enum, all) {
			t.Errorf("%s: format parameter %v, want enum %q", path, op.Parameters, all)
		}
		var got []string
		for ct := range op.Responses["200"].Content {
			got = append(got, ct)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(types))
		if !slices.Equal(got, want) {
			t.Errorf("%s: 200 content types %q, want %q", path, got, want)
		}
	}
	if got := doc.Components.Schemas["Schedule"].Properties["format"].Enum; !slices.Equal(got, mail) {
		t.Errorf("Schedule.format enum %q, want %q", got, mail)
	}
}

// The API takes every format of the registry by name, JSON without one,
// and refuses another with a 400 naming the parameter and the formats.
func TestAPIFormatsAreTheRegistry(t *testing.T) {
	for _, f := range formats.All {
		got, err := answerFormat(httptest.NewRequest("GET", "/api/v1/reports/volume?format="+f.Name, nil))
		if err != nil || got.Name != f.Name {
			t.Errorf("format=%s: %q, %v", f.Name, got.Name, err)
		}
	}
	if got, err := answerFormat(httptest.NewRequest("GET", "/api/v1/reports/volume", nil)); err != nil || got.Name != "json" {
		t.Errorf("no format: %q, %v", got.Name, err)
	}
	fake := reportstest.New()
	h := serveAs(fake, auth.Principal{Name: "admin", Role: auth.RoleAdmin})
	for _, path := range []string{"/api/v1/reports/volume?format=pdf", "/api/v1/reports/volume/tickets?format=pdf"} {
		w := get(t, h, path)
		var body ErrorBody
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != http.StatusBadRequest || body.Param != "format" || !strings.Contains(body.Error, strings.Join(formats.Names(nil), ", ")) {
			t.Errorf("%s: %d %+v", path, w.Code, body)
		}
	}
	if len(fake.Calls()) != 0 {
		t.Errorf("an unknown format reached the report layer: %+v", fake.Calls())
	}
}

// A workbook from the API speaks its reader's language, as the dashboards
// do: the user's configured language first, then the browser's
// Accept-Language, else English. Its sheet name, title and headers are
// the catalog's, and a canonical value is written in the language.
func TestXLSXInTheReadersLanguage(t *testing.T) {
	fake := reportstest.New()
	fake.Answer = volumeRows
	for _, c := range []struct {
		who    auth.Principal
		accept string
		sheet  string
		header []string
		value  string
	}{
		{auth.Principal{Name: "lan", Role: auth.RoleViewer}, "vi-VN,vi;q=0.9,en;q=0.5", "Lượng phiếu", []string{"Mức ưu tiên", "Tạo mới"}, "Cao"},
		{auth.Principal{Name: "oksana", Role: auth.RoleViewer, Lang: "ru"}, "vi-VN,en;q=0.5", "Поток заявок", []string{"Приоритет", "Создано"}, "Высокий"},
		{auth.Principal{Name: "ann", Role: auth.RoleViewer}, "", "Ticket volume", []string{"Priority", "Created"}, "High"},
	} {
		req := httptest.NewRequest("GET", "/api/v1/reports/volume?format=xlsx", nil)
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		w := httptest.NewRecorder()
		serveAs(fake, c.who).ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.who.Name, w.Code, w.Body)
		}
		x, err := excelize.OpenReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		sheets := x.GetSheetList()
		rows, _ := x.GetRows(c.sheet)
		x.Close()
		if !slices.Equal(sheets, []string{c.sheet}) {
			t.Errorf("%s: sheets %q, want %q", c.who.Name, sheets, c.sheet)
			continue
		}
		if len(rows) < 5 || rows[0][0] != c.sheet || !slices.Equal(rows[3], c.header) || rows[4][0] != c.value {
			t.Errorf("%s: rows %q, want title %q, header %q, first value %q", c.who.Name, rows, c.sheet, c.header, c.value)
		}
	}
}
