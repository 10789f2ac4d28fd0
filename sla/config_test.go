package sla

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
)

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Policies) != 3 || cfg.Policies[0].Name != "vip" || cfg.Policies[2].Name != "default" {
		t.Fatalf("policies %+v", cfg.Policies)
	}
	vn := cfg.Policies[1]
	if vn.Calendar.Name() != "vn-office" || vn.Calendar.Location().String() != "Asia/Ho_Chi_Minh" {
		t.Fatalf("calendar %s %s", vn.Calendar.Name(), vn.Calendar.Location())
	}
	if got := vn.Targets[MetricFirstReply][event.PriorityUrgent]; got != (Target{Duration: 30 * time.Minute}) {
		t.Fatalf("first reply urgent %+v", got)
	}
	if got := cfg.Policies[2].Targets[MetricResolution][event.PriorityUrgent]; got != (Target{Duration: 24 * time.Hour, Calendar: true}) {
		t.Fatalf("calendar-time target %+v", got)
	}
	if len(vn.PauseStatuses) != 1 || vn.PauseStatuses[0] != event.StatusPending {
		t.Fatalf("default pause statuses %v", vn.PauseStatuses)
	}
	if got := cfg.Policies[0].PauseStatuses; len(got) != 2 {
		t.Fatalf("vip pauses %v", got)
	}
	// Tết 2026-02-14..22 is a holiday range: Monday 16 Feb is not worked.
	hcm := vn.Calendar.Location()
	if vn.Calendar.Working(time.Date(2026, 2, 16, 9, 0, 0, 0, hcm)) {
		t.Error("Monday in the Tết range is worked")
	}
	if !vn.Calendar.Working(time.Date(2026, 2, 23, 9, 0, 0, 0, hcm)) {
		t.Error("the Monday after Tết is not worked")
	}
	if vn.Calendar.Working(time.Date(2026, 2, 23, 12, 30, 0, 0, hcm)) {
		t.Error("the lunch break is worked")
	}
}

const validPolicy = `
policies:
  - name: p
    calendar: 24/7
    targets:
      first_reply: {urgent: 1h}
`

// Each bad configuration is refused with the file, the line and the field.
func TestConfigErrorsNameFileLineAndField(t *testing.T) {
	cases := []struct {
		name, yaml   string
		line         int
		field, words string
	}{
		{"unknown zone", "calendars:\n  - name: c\n    zone: Mars/Olympus\npolicies: []\n", 3, "calendars[0].zone", "not an IANA"},
		{"overlapping intervals", "calendars:\n  - name: c\n    zone: UTC\n    week:\n      mon: [\"09:00-12:00\", \"11:00-13:00\"]\n" + validPolicy, 2, "calendars[0].week", "overlap"},
		{"inverted interval", "calendars:\n  - name: c\n    zone: UTC\n    week:\n      tue: [\"17:00-09:00\"]\n" + validPolicy, 2, "calendars[0].week", "inverted"},
		{"bad interval text", "calendars:\n  - name: c\n    zone: UTC\n    week:\n      tue: [\"9-17\"]\n" + validPolicy, 5, "calendars[0].week.tue[0]", "HH:MM"},
		{"zero target", "policies:\n  - name: p\n    calendar: 24/7\n    targets:\n      first_reply: {urgent: 0s}\n", 5, "policies[0].targets.first_reply.urgent", "positive"},
		{"negative target", "policies:\n  - name: p\n    calendar: 24/7\n    targets:\n      resolution:\n        low: -1h\n", 6, "policies[0].targets.resolution.low", "positive"},
		{"missing calendar", "policies:\n  - name: p\n    calendar: nowhere\n    targets:\n      first_reply: {urgent: 1h}\n", 3, "policies[0].calendar", "no calendar named"},
		{"unknown field", "policies:\n  - name: p\n    calender: 24/7\n", 3, "policies[0].calender", "unknown field"},
		{"unknown metric", "policies:\n  - name: p\n    calendar: 24/7\n    targets:\n      first_response: {urgent: 1h}\n", 5, "policies[0].targets.first_response", "unknown field"},
		{"unknown priority", "policies:\n  - name: p\n    calendar: 24/7\n    targets:\n      first_reply: {critical: 1h}\n", 5, "policies[0].targets.first_reply.critical", "unknown field"},
		{"bad match priority", "policies:\n  - name: p\n    calendar: 24/7\n    match:\n      priorities: [urgent, asap]\n    targets:\n      first_reply: {urgent: 1h}\n", 5, "policies[0].match.priorities[1]", "not one of"},
		{"pause on open", "policies:\n  - name: p\n    calendar: 24/7\n    pause_statuses: [open]\n    targets:\n      first_reply: {urgent: 1h}\n", 4, "policies[0].pause_statuses[0]", "cannot pause"},
		{"bad holiday range", "calendars:\n  - name: c\n    zone: UTC\n    holidays: [2026-02-22..2026-02-14]\n" + validPolicy, 4, "calendars[0].holidays[0]", "ends before"},
		{"no policies", "calendars: []\n", 1, "policies", "required"},
		{"duplicate policy", "policies:\n  - name: p\n    calendar: 24/7\n    targets: {first_reply: {low: 1h}}\n  - name: p\n    calendar: 24/7\n    targets: {first_reply: {low: 1h}}\n", 5, "policies[1].name", "twice"},
		{"warn thresholds", "policies:\n  - name: p\n    calendar: 24/7\n    warn_at: [0.9, 0.75]\n    targets: {first_reply: {low: 1h}}\n", 4, "policies[0].warn_at[1]", "ascending"},
		{"warn threshold too fine", "policies:\n  - name: p\n    calendar: 24/7\n    warn_at: [0.5, 0.1234567]\n    targets: {first_reply: {low: 1h}}\n", 4, "policies[0].warn_at[1]", "at most 6 decimals"},
		{"warn threshold of 1", "policies:\n  - name: p\n    calendar: 24/7\n    warn_at: [1.0]\n    targets: {first_reply: {low: 1h}}\n", 4, "policies[0].warn_at[0]", "between 0 and 1"},
	}
	for _, tc := range cases {
		_, err := ParseConfig("sla.yaml", []byte(tc.yaml))
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: want a ConfigError, got %v", tc.name, err)
			continue
		}
		if ce.File != "sla.yaml" || ce.Line != tc.line || ce.Field != tc.field || !strings.Contains(ce.Msg, tc.words) {
			t.Errorf("%s: got %q, want sla.yaml:%d: %s: ...%s...", tc.name, err, tc.line, tc.field, tc.words)
		}
	}
}

// Warning thresholds are read exactly, in millionths of the target.
func TestWarnAtReadExactly(t *testing.T) {
	cfg, err := ParseConfig("sla.yaml", []byte("policies:\n  - name: p\n    calendar: 24/7\n    warn_at: [.5, 0.7, 0.999999]\n    targets: {first_reply: {low: 1h}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Policies[0].WarnAt; !slices.Equal(got, []int64{500000, 700000, 999999}) {
		t.Errorf("warn_at read as %v millionths", got)
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{
		"30m": {Duration: 30 * time.Minute}, "2h30m": {Duration: 150 * time.Minute},
		"8h calendar": {Duration: 8 * time.Hour, Calendar: true}, "8h business": {Duration: 8 * time.Hour},
	} {
		if got, err := parseTarget(in); err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "soon", "1h wall", "1h calendar extra", "-5m", "0"} {
		if _, err := parseTarget(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	if _, err := LoadConfig("does-not-exist.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
}
