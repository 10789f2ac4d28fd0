package ingest

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
)

// TestUnknownLabelsAreLoggedOncePerLabelAndRateLimited: a preset that lacks
// a desk's word dead-letters every event carrying it; each distinct label is
// logged at WARN once, other reasons not at all, and a flood of distinct
// labels writes at most perMinute lines a minute, the next line counting
// what was held back.
func TestUnknownLabelsAreLoggedOncePerLabelAndRateLimited(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	u := newUnknownLabels()
	u.perMinute = 3
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	dl := func(label string) *event.DeadLetter {
		return &event.DeadLetter{Reason: event.ReasonUnknownLabel, Tenant: "hanoi-callcentre", EventID: "e-" + label,
			Detail: fmt.Sprintf("unknown_label: data.status: %q is not in tenant \"hanoi-callcentre\"'s status vocabulary", label)}
	}
	lines := func() []string { return strings.Split(strings.TrimSpace(buf.String()), "\n") }

	for i := 0; i < 50; i++ {
		u.note(log, dl("Chưa xử lí"), t0)
	}
	u.note(log, &event.DeadLetter{Reason: event.ReasonMalformedJSON, Detail: "malformed_json: x"}, t0)
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], "level=WARN") || !strings.Contains(got[0], "Chưa xử lí") {
		t.Fatalf("one WARN line for 50 dead letters of one label, none for other reasons; got %q", got)
	}

	for i := 0; i < 10; i++ { // 10 new labels in the same minute: 2 more fit
		u.note(log, dl(fmt.Sprintf("label-%d", i)), t0.Add(time.Second))
	}
	if got := lines(); len(got) != 3 {
		t.Fatalf("the rate allows 3 lines a minute, got %d: %q", len(got), got)
	}
	u.note(log, dl("label-9"), t0.Add(61*time.Second)) // held back before, so not remembered: logged now
	got := lines()
	if len(got) != 4 || !strings.Contains(got[3], "label-9") || !strings.Contains(got[3], "unknown_labels_not_logged_since_last=8") {
		t.Fatalf("a new minute logs the held-back label with the count of those held back; got %q", got)
	}
}
