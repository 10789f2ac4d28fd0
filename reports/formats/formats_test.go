package formats

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

func result(name string) *reports.Result {
	n := 7.0
	return &reports.Result{Report: name, Title: "Report " + name, From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		To: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Zone: "UTC", GroupBy: []string{"priority"},
		Columns: []reports.Column{{Name: "priority", Label: "Priority", Kind: reports.KindDimension}, {Name: "created", Label: "Created", Kind: reports.KindCount}},
		Rows:    [][]any{{"high", &n}}}
}

// Every entry is complete and named once, so the API, the CLI and the
// schedules can rely on each field.
func TestEntriesAreComplete(t *testing.T) {
	names, exts := map[string]bool{}, map[string]bool{}
	for _, f := range All {
		if f.Name == "" || f.Label == "" || f.Ext == "" || f.Encode == nil {
			t.Errorf("%+v: a field is empty", f)
		}
		if _, _, err := mime.ParseMediaType(f.ContentType); err != nil {
			t.Errorf("%s: content type %q: %v", f.Name, f.ContentType, err)
		}
		if names[f.Name] || exts[f.Ext] {
			t.Errorf("%s: name or extension .%s twice", f.Name, f.Ext)
		}
		names[f.Name], exts[f.Ext] = true, true
		if g, ok := Lookup(f.Name); !ok || g.Name != f.Name {
			t.Errorf("Lookup(%q) = %v, %v", f.Name, g.Name, ok)
		}
		if g, ok := ByExt(f.Ext); !ok || g.Name != f.Name {
			t.Errorf("ByExt(%q) = %v, %v", f.Ext, g.Name, ok)
		}
	}
	if _, ok := Lookup("pdf"); ok {
		t.Error("Lookup(pdf) found a format")
	}
	if d := Default(); d.Name != "json" {
		t.Errorf("default %q, want json", d.Name)
	}
	if got := strings.Join(Names(Mailable), ","); got != "csv,xlsx" {
		t.Errorf("mailable %q, want csv,xlsx", got)
	}
}

// Each encoder writes a file its own reader reads back with the result's
// cells.
func TestEncodersWriteTheResult(t *testing.T) {
	for _, f := range All {
		var b bytes.Buffer
		if err := f.Encode(&b, result("volume"), i18n.English); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		switch f.Name {
		case "json":
			var back struct {
				Report string
				Rows   [][]any
			}
			if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.Report != "volume" || back.Rows[0][1] != 7.0 {
				t.Errorf("json: %v %+v", err, back)
			}
		case "csv":
			recs, err := csv.NewReader(&b).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][0] != "high" || recs[1][1] != "7" {
				t.Errorf("csv: %v %q", err, recs)
			}
		case "xlsx":
			wb, err := excelize.OpenReader(&b)
			if err != nil {
				t.Fatalf("xlsx: %v", err)
			}
			if len(wb.GetSheetList()) != 1 {
				t.Errorf("xlsx sheets %q", wb.GetSheetList())
			}
		default:
			t.Errorf("%s: no check of this format's file; add one", f.Name)
		}
	}
}

// A combining format writes several results as one file, a sheet each.
func TestCombineWritesOneSheetPerResult(t *testing.T) {
	for _, f := range All {
		if f.Combine == nil {
			continue
		}
		var b bytes.Buffer
		if err := f.Combine(&b, []*reports.Result{result("volume"), result("csat")}, i18n.English); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		wb, err := excelize.OpenReader(&b)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if n := len(wb.GetSheetList()); n != 2 {
			t.Errorf("%s: %d sheets %q, want 2", f.Name, n, wb.GetSheetList())
		}
	}
}
