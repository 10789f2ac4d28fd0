package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slatehq/slate/event"
)

// TestConfigCheckEventsReportsRejectedLabels: `slate config check --events`
// decodes a sample stream with the configuration's vocabularies and lists
// what would be dead-lettered, grouped, with counts; a stream it all
// accepts passes. The stream is a call-centre desk's own: Callio writes
// "lí", and sends no priority.
func TestConfigCheckEventsReportsRejectedLabels(t *testing.T) {
	created := func(id, status string) string {
		return fmt.Sprintf(`{"schema":1,"event_id":%q,"type":"ticket.created","tenant":"hanoi","ticket_id":%q,`+
			`"occurred_at":"2026-12-01T09:00:00+07:00","actor":{"type":"system"},`+
			`"data":{"channel":"missed_call","customer":"0901234567","status":%q}}`, id, "T-"+id, status)
	}
	changed := func(id, status string) string {
		return fmt.Sprintf(`{"schema":1,"event_id":%q,"type":"ticket.status_changed","tenant":"hanoi","ticket_id":"T-1",`+
			`"occurred_at":"2026-12-01T10:00:00+07:00","actor":{"type":"agent","id":"a1"},"data":{"status":%q}}`, id, status)
	}
	lines := []string{
		created("1", "Chưa xử lí"), created("2", "Chưa xử lí"), created("3", "Chưa xử lý"),
		changed("4", "Đang xử lí"), changed("5", "Hoàn thành"), "",
		`{"schema":1,`,
	}
	path := filepath.Join(t.TempDir(), "callio.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Without the preset (canonical labels only) every Vietnamese label is
	// refused: 3 created, 2 changes, and the malformed line.
	var out bytes.Buffer
	err := checkEventsSample(&out, path, event.MappingConfig{})
	if err == nil || !strings.Contains(err.Error(), "6 of the sample's events") {
		t.Fatalf("want an error counting 6 rejections, got %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"7 lines, 0 events accepted, 6 rejected",
		`2 x unknown_label: data.status: "Chưa xử lí" is not in tenant "hanoi"'s status vocabulary (first on line 1)`,
		`1 x unknown_label: data.status: "Chưa xử lý"`,
		`1 x unknown_label: data.status: "Đang xử lí"`,
		"1 x malformed_json",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	// With the call-centre preset both spellings and the missing priority
	// are accepted; only the malformed line is left.
	out.Reset()
	err = checkEventsSample(&out, path, event.MappingConfig{Tenants: map[string]event.VocabularyConfig{"hanoi": {Preset: event.PresetVNCallCentre}}})
	if err == nil || !strings.Contains(out.String(), "7 lines, 5 events accepted, 1 rejected") || strings.Contains(out.String(), "unknown_label") {
		t.Fatalf("with the preset only the malformed line is refused; got %v\n%s", err, out.String())
	}
}
