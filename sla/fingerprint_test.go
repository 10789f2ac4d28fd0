package sla

import (
	"os"
	"strings"
	"testing"
)

// TestFingerprint: a fingerprint changes with anything the clocks read
// from the configuration, and not with the file's layout.
func TestFingerprint(t *testing.T) {
	raw, err := os.ReadFile("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	parse := func(name, src string) string {
		t.Helper()
		c, err := ParseConfig(name, []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c.Fingerprint()
	}
	base := string(raw)
	fp := parse("example", base)
	if len(fp) != 32 {
		t.Fatalf("fingerprint %q: want 32 hex digits", fp)
	}
	same := map[string]string{
		"comments and blank lines": "# moved\n\n" + strings.ReplaceAll(base, "  # a lunch break", ""),
		"targets' keys reordered": strings.Replace(base, "first_reply: {urgent: 15m, high: 30m, normal: 1h, low: 2h}",
			"first_reply: {low: 2h, normal: 1h, high: 30m, urgent: 15m}", 1),
		"metrics reordered": strings.Replace(base,
			"      first_reply: {urgent: 15m, high: 30m, normal: 1h, low: 2h}\n      resolution: {urgent: 4h, high: 8h, normal: 24h, low: 48h}",
			"      resolution: {urgent: 4h, high: 8h, normal: 24h, low: 48h}\n      first_reply: {urgent: 15m, high: 30m, normal: 1h, low: 2h}", 1),
	}
	changed := map[string]string{
		"a target":             strings.Replace(base, "urgent: 15m", "urgent: 20m", 1),
		"a target's time kind": strings.Replace(base, "urgent: 15m", "urgent: 15m calendar", 1),
		"a holiday":            strings.Replace(base, "- 2026-09-02", "- 2026-09-03", 1),
		"working hours":        strings.Replace(base, `sat: ["08:00-12:00"]`, `sat: ["08:00-11:00"]`, 1),
		"a zone":               strings.Replace(base, "zone: Europe/Berlin", "zone: Europe/Paris", 1),
		"a match":              strings.Replace(base, "tags_any: [vip]", "tags_any: [vip, gold]", 1),
		"pause statuses":       strings.Replace(base, "pause_statuses: [pending, on_hold]", "pause_statuses: [pending]", 1),
		"warning thresholds":   strings.Replace(base, "warn_at: [0.75, 0.9]", "warn_at: [0.8, 0.9]", 1),
		"a policy's name":      strings.Replace(base, "name: vip", "name: gold", 1),
	}
	for name, src := range same {
		if src == base {
			t.Fatalf("%s: the edit did not apply", name)
		}
		if got := parse(name, src); got != fp {
			t.Errorf("%s: fingerprint changed (%s, was %s)", name, got, fp)
		}
	}
	for name, src := range changed {
		if src == base {
			t.Fatalf("%s: the edit did not apply", name)
		}
		if got := parse(name, src); got == fp {
			t.Errorf("%s changed, the fingerprint did not", name)
		}
	}
}
