package main

import (
	"context"
	"strings"
	"testing"

	"github.com/slatehq/slate/reports/formats"
)

// export takes a file of each registered format by its extension, and
// refuses another naming them all; no server is reached before that.
func TestExportOutFormats(t *testing.T) {
	err := runExport(context.Background(), []string{"volume", "--out", "v.pdf"})
	if err == nil || !strings.Contains(err.Error(), "--out") {
		t.Fatalf("v.pdf: %v", err)
	}
	for _, f := range formats.All {
		if !strings.Contains(err.Error(), "."+f.Ext) {
			t.Errorf("the refusal %q does not name .%s", err, f.Ext)
		}
		// Past the format check, the export loads its configuration; a
		// missing file is the next error, not the format.
		err := runExport(context.Background(), []string{"volume", "--out", "v." + f.Ext, "--config", "/nonexistent/slate.yaml"})
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/slate.yaml") {
			t.Errorf(".%s: %v, want the configuration's error", f.Ext, err)
		}
	}
}
