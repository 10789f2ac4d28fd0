package sla

import (
	"testing"

	"github.com/slatehq/slate/event"
)

// Policies match tags ignoring case, as reports group them: events keep
// the desk's spelling ("VIP", "Сбой") and a policy may list either.
func TestPolicyTagsMatchIgnoringCase(t *testing.T) {
	cfg := mustParse(t, "tags.yaml", `
policies:
  - name: outage
    match: {tags_all: [vip, Сбой]}
    calendar: 24/7
    targets:
      resolution: {normal: "1h calendar"}
  - name: vip
    match: {tags_any: [VIP]}
    calendar: 24/7
    targets:
      resolution: {normal: "2h calendar"}
  - name: standard
    calendar: 24/7
    targets:
      resolution: {normal: "8h calendar"}
`)
	cust, norm := event.ActorCustomer, event.PriorityNormal
	policyOf := func(h *hist) string {
		t.Helper()
		r := find(cfg.Evaluate(h.evs, b(2, 18, 0)), MetricResolution, 1)
		if r == nil {
			t.Fatal("no resolution result")
		}
		return r.Policy
	}
	if p := policyOf(newTicket(b(2, 9, 0), cust, norm, "vip")); p != "vip" {
		t.Errorf(`"vip" matched %s, want the policy listing "VIP"`, p)
	}
	if p := policyOf(newTicket(b(2, 9, 0), cust, norm, "Vip", "СБОЙ")); p != "outage" {
		t.Errorf(`"Vip", "СБОЙ" matched %s, want outage (vip, Сбой)`, p)
	}
	// Added as "VIP", removed as "Vip": the ticket is standard again.
	h := newTicket(b(2, 9, 0), cust, norm)
	h.add(b(2, 9, 10), event.TypeTagsChanged, event.ActorAgent, func(e *event.Event) { e.TagsAdded = []string{"VIP"} })
	if p := policyOf(h); p != "vip" {
		t.Errorf(`tagged "VIP" later: matched %s, want vip`, p)
	}
	h.add(b(2, 9, 20), event.TypeTagsChanged, event.ActorAgent, func(e *event.Event) { e.TagsRemoved = []string{"Vip"} })
	if p := policyOf(h); p != "standard" {
		t.Errorf(`untagged "Vip": matched %s, want standard`, p)
	}
}
