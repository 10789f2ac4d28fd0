package eventgen

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
)

func TestDeterministic(t *testing.T) {
	cfg := Config{Seed: 42, Tickets: 2000, Days: 7}
	a, b := ndjson(t, cfg), ndjson(t, cfg)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs of the same Config differ")
	}
	if len(a) == 0 {
		t.Fatal("no output")
	}
	cfg.Seed = 43
	if c := ndjson(t, cfg); bytes.Equal(a, c) {
		t.Fatal("a different seed gives the same output")
	}
	// A Config spelled with its defaults gives the same events.
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Skip("no time zone database")
	}
	explicit := Config{Seed: 42, Tickets: 2000, Days: 7, Zone: hcm, Agents: 12,
		Start: time.Date(2026, 1, 5, 0, 0, 0, 0, hcm), Tenants: DefaultTenants()}
	if d := ndjson(t, explicit); !bytes.Equal(a, d) {
		t.Fatal("explicit defaults give different output")
	}
}

func TestRoundTrip(t *testing.T) {
	// generate checks every event: decodes with DefaultMapping, round-trips.
	if len(sharedRun(t)) == 0 {
		t.Fatal("no events")
	}
	if !reflect.DeepEqual(sharedConfig.Mapping(), DefaultMapping()) {
		t.Fatal("the default tenants' mapping is not DefaultMapping")
	}
}

// Events handed to emit may be kept as copies: later events must not change them.
func TestCopiesStayValid(t *testing.T) {
	cfg := Config{Seed: 3, Tickets: 500, Days: 3}
	var kept []event.Event
	if err := Generate(cfg, func(e *event.Event) error { kept = append(kept, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(ndjson(t, cfg), []byte("\n")), []byte("\n"))
	if len(lines) != len(kept) {
		t.Fatalf("%d kept events, %d lines", len(kept), len(lines))
	}
	for i := range kept {
		b, err := event.Marshal(&kept[i])
		if err != nil || !bytes.Equal(b, lines[i]) {
			t.Fatalf("kept event %d changed after emit:\n%s\n%s", i, b, lines[i])
		}
	}
}

func TestOrderAndIdentity(t *testing.T) {
	cfg := sharedConfig
	evs := sharedRun(t)
	ids := make(map[string]bool, len(evs))
	for i := range evs {
		e := &evs[i]
		if ids[e.ID] {
			t.Fatalf("duplicate event id %s", e.ID)
		}
		ids[e.ID] = true
		if !uuidLike(e.ID) {
			t.Fatalf("event id %q is not a UUID", e.ID)
		}
		if i > 0 {
			p := &evs[i-1]
			if e.OccurredAt.Before(p.OccurredAt) {
				t.Fatalf("event %d at %s is before event %d at %s", i, e.OccurredAt, i-1, p.OccurredAt)
			}
			if event.Compare(p, e) >= 0 {
				t.Fatalf("events %d and %d are not in event.Compare order", i-1, i)
			}
		}
		if e.OccurredAt.Nanosecond()%1000 != 0 {
			t.Fatalf("occurred_at %s has sub-microsecond digits", e.OccurredAt)
		}
	}
	h, order := histories(evs)
	if len(order) != cfg.Tickets {
		t.Fatalf("%d tickets, want %d", len(order), cfg.Tickets)
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	end := start.AddDate(0, 0, cfg.Days)
	subSecond := 0
	for _, k := range order {
		evs := h[k]
		if c := evs[0].OccurredAt; c.Before(start) || !c.Before(end) {
			t.Fatalf("ticket %v created at %s, outside %s..%s", k, c, start, end)
		}
		if evs[0].Type != event.TypeCreated {
			t.Fatalf("ticket %v starts with %s", k, evs[0].Type)
		}
		for _, e := range evs[1:] {
			if e.Type == event.TypeCreated {
				t.Fatalf("ticket %v is created twice", k)
			}
			if !e.OccurredAt.After(evs[0].OccurredAt) {
				t.Fatalf("ticket %v: %s at %s is not after its creation", k, e.Type, e.OccurredAt)
			}
		}
		if evs[0].OccurredAt.Nanosecond() != 0 {
			subSecond++
		}
	}
	if subSecond < len(order)*9/10 {
		t.Errorf("only %d of %d creation times have sub-second precision", subSecond, len(order))
	}
}

func uuidLike(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
	}
	return true
}

// TestLifecycles checks that every ticket's history makes sense, using only
// the decoded events.
func TestLifecycles(t *testing.T) {
	h, order := histories(sharedRun(t))
	created := map[ticketKey]time.Time{}
	for _, k := range order {
		created[k] = h[k][0].OccurredAt
	}
	for _, k := range order {
		evs := h[k]
		status := evs[0].Status
		if evs[0].Customer == "" || evs[0].Channel == "" || evs[0].Priority == "" {
			t.Fatalf("ticket %v: created event lacks customer, channel or priority: %+v", k, evs[0])
		}
		resolvedOnce, rated, ended := false, false, false
		for i, e := range evs[1:] {
			if ended {
				t.Fatalf("ticket %v: %s after the ticket was deleted/merged and closed", k, e.Type)
			}
			switch e.Type {
			case event.TypeStatusChanged:
				if e.Status == status {
					t.Fatalf("ticket %v: status change to the same status %s", k, status)
				}
				status = e.Status
				if status.Resolved() {
					resolvedOnce = true
				}
			case event.TypeMessage:
				if status.Resolved() && e.MessageKind != event.MessageCustomerReply {
					t.Fatalf("ticket %v: %s message while %s", k, e.MessageKind, status)
				}
				if e.MessageID == "" {
					t.Fatalf("ticket %v: message without id", k)
				}
			case event.TypeRated:
				if rated {
					t.Fatalf("ticket %v rated twice", k)
				}
				rated = true
				if !resolvedOnce || !status.Resolved() {
					t.Fatalf("ticket %v rated while %s (never solved: %v)", k, status, !resolvedOnce)
				}
				if e.Actor.Type != event.ActorCustomer || e.Actor.ID != evs[0].Customer {
					t.Fatalf("ticket %v rated by %+v, not its customer", k, e.Actor)
				}
			case event.TypeDeleted:
				if i+2 != len(evs) {
					t.Fatalf("ticket %v: events after deletion", k)
				}
			case event.TypeMerged:
				into := ticketKey{k.tenant, e.MergedInto}
				c, ok := created[into]
				if !ok || !c.Before(e.OccurredAt) {
					t.Fatalf("ticket %v merged into %v, which does not exist before", k, into)
				}
				rest := evs[i+2:]
				if len(rest) > 1 || (len(rest) == 1 && (rest[0].Type != event.TypeStatusChanged || !rest[0].Status.Resolved())) {
					t.Fatalf("ticket %v: after the merge come %d events", k, len(rest))
				}
			case event.TypeAssigned:
				if e.Assignee == "" && !e.SetsSupporting {
					t.Fatalf("ticket %v: assignment without assignee", k)
				}
				if e.SetsSupporting && len(e.SupportingAgents) == 0 {
					t.Fatalf("ticket %v: empty supporting agents", k)
				}
			case event.TypeTimeLogged:
				if e.Seconds <= 0 || e.Agent == "" {
					t.Fatalf("ticket %v: bad time log %+v", k, e)
				}
				if !e.StartedAt.IsZero() {
					if got := e.EndedAt.Sub(e.StartedAt); got != time.Duration(e.Seconds)*time.Second {
						t.Fatalf("ticket %v: timer %s..%s is %s, not %d s", k, e.StartedAt, e.EndedAt, got, e.Seconds)
					}
					if e.StartedAt.Before(evs[0].OccurredAt) || e.EndedAt.After(e.OccurredAt) {
						t.Fatalf("ticket %v: timer %s..%s outside [created, logged at %s]", k, e.StartedAt, e.EndedAt, e.OccurredAt)
					}
				}
				if e.HasRate && (e.Currency == "" || e.Rate <= 0) {
					t.Fatalf("ticket %v: rate without currency: %+v", k, e)
				}
			case event.TypeTagsChanged:
				if len(e.TagsAdded)+len(e.TagsRemoved) == 0 {
					t.Fatalf("ticket %v: empty tag change", k)
				}
			}
			if e.Type == event.TypeStatusChanged && i > 0 && evs[i].Type == event.TypeMerged {
				ended = true
			}
			if e.Type == event.TypeDeleted {
				ended = true
			}
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Tickets: 10, Days: 1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("minimal config rejected: %v", err)
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		field string
	}{
		{"no tickets", Config{Tickets: 0, Days: 1}, "Tickets"},
		{"negative tickets", Config{Tickets: -5, Days: 1}, "Tickets"},
		{"no days", Config{Tickets: 10, Days: 0}, "Days"},
		{"negative days", Config{Tickets: 10, Days: -1}, "Days"},
		{"negative agents", Config{Tickets: 10, Days: 1, Agents: -1}, "Agents"},
		{"unknown preset", Config{Tickets: 10, Days: 1, Tenants: []TenantSpec{{Name: "a", Preset: "zendesk", Weight: 1}}}, "Tenants[0].Preset"},
		{"zero weight", Config{Tickets: 10, Days: 1, Tenants: []TenantSpec{{Name: "a", Preset: "canonical", Weight: 1}, {Name: "b", Preset: "canonical", Weight: 0}}}, "Tenants[1].Weight"},
		{"negative weight", Config{Tickets: 10, Days: 1, Tenants: []TenantSpec{{Name: "a", Preset: "canonical", Weight: -1}}}, "Tenants[0].Weight"},
		{"empty name", Config{Tickets: 10, Days: 1, Tenants: []TenantSpec{{Name: " ", Preset: "canonical", Weight: 1}}}, "Tenants[0].Name"},
		{"duplicate name", Config{Tickets: 10, Days: 1, Tenants: []TenantSpec{{Name: "a", Preset: "canonical", Weight: 1}, {Name: "a", Preset: "onedesk", Weight: 1}}}, "Tenants[1].Name"},
		{"start too early", Config{Tickets: 10, Days: 1, Start: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)}, "Start"},
		{"start too late", Config{Tickets: 10, Days: 1, Start: time.Date(2099, 12, 1, 0, 0, 0, 0, time.UTC)}, "Start"},
	} {
		err := tc.cfg.Validate()
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: error %q does not name %s", tc.name, err, tc.field)
		}
		if gerr := Generate(tc.cfg, func(*event.Event) error { return nil }); gerr == nil {
			t.Errorf("%s: Generate accepted the config", tc.name)
		}
		if EstimateEvents(tc.cfg) != 0 {
			t.Errorf("%s: EstimateEvents of an invalid config is not 0", tc.name)
		}
	}
}

func TestEmitErrorStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Generate(Config{Tickets: 100, Days: 1}, func(*event.Event) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("got %v after %d events, want the emit error after 10", err, n)
	}
}

func TestEstimateIsAnUpperBound(t *testing.T) {
	for _, cfg := range []Config{
		{Seed: 1, Tickets: 1, Days: 1},
		{Seed: 2, Tickets: 10, Days: 1},
		{Seed: 3, Tickets: 3000, Days: 5},
		{Seed: 4, Tickets: 3000, Days: 5, Agents: 1, Tenants: []TenantSpec{{Name: "x", Preset: event.PresetOneDesk, Weight: 1}}},
	} {
		n := 0
		if err := Generate(cfg, func(*event.Event) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if est := EstimateEvents(cfg); n > est {
			t.Errorf("%+v: %d events, estimate %d", cfg, n, est)
		}
	}
}

// Every preset package event ships can be a tenant's vocabulary.
func TestAllPresets(t *testing.T) {
	var ts []TenantSpec
	for _, p := range event.PresetNames() {
		ts = append(ts, TenantSpec{Name: "t-" + p, Preset: p, Weight: 1})
	}
	cfg := Config{Seed: 9, Tickets: 4000, Days: 7, Tenants: ts, Agents: 3}
	h, order := histories(generate(t, cfg)) // decodes every event with cfg.Mapping()
	perTenant := map[string]int{}
	for _, k := range order {
		perTenant[k.tenant]++
		status := h[k][0].Status
		for _, e := range h[k][1:] {
			if e.Type == event.TypeStatusChanged {
				if e.Status == status {
					t.Fatalf("%v: status change to the same status", k)
				}
				status = e.Status
			}
		}
	}
	for _, ts := range cfg.Tenants {
		if perTenant[ts.Name] < 300 {
			t.Errorf("tenant %s has %d tickets", ts.Name, perTenant[ts.Name])
		}
	}
}

// A single agent per tenant leaves no one to reassign to or support.
func TestOneAgent(t *testing.T) {
	for _, e := range generate(t, Config{Seed: 1, Tickets: 2000, Days: 3, Agents: 1}) {
		if e.Type == event.TypeAssigned && len(e.SupportingAgents) > 0 {
			t.Fatalf("supporting agents with one agent: %+v", e)
		}
	}
}
