package eventgen

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
)

// atAnchor is what a help desk looks like at one instant, read from its
// events with rules of its own (not the generator's state).
type atAnchor struct {
	tickets, open, unassigned, reopens, ratings int
	currencies                                  map[string]int
	labels                                      map[string]bool // status labels seen
	first, last                                 time.Time
	// SLA clocks at the anchor (deploy/sla.example.yaml): running and past
	// a warn_at threshold, running with a deadline within 4 hours, and
	// breached (stopped late or still running past the deadline).
	warned, dueIn4h, breached int
}

func readAnchor(t *testing.T, evs []event.Event, anchor time.Time, policies *sla.Config) atAnchor {
	t.Helper()
	s := atAnchor{currencies: map[string]int{}, labels: map[string]bool{}, first: evs[0].OccurredAt, last: evs[0].OccurredAt}
	h, order := histories(evs)
	for i := range evs {
		e := &evs[i]
		if e.OccurredAt.Before(s.first) {
			s.first = e.OccurredAt
		}
		if e.OccurredAt.After(s.last) {
			s.last = e.OccurredAt
		}
		switch e.Type {
		case event.TypeTimeLogged:
			if e.Currency != "" {
				s.currencies[e.Currency]++
			}
		case event.TypeRated:
			s.ratings++
		}
		if e.StatusLabel != "" {
			s.labels[e.StatusLabel] = true
		}
	}
	s.tickets = len(order)
	hist := make([]event.Event, 0, 64)
	for _, k := range order {
		var status event.Status
		assignee, gone := "", false
		for _, e := range h[k] {
			switch e.Type {
			case event.TypeCreated:
				status, assignee = e.Status, e.Assignee
			case event.TypeAssigned:
				if e.SetsAssignee {
					assignee = e.Assignee
				}
			case event.TypeStatusChanged:
				if (status == event.StatusSolved || status == event.StatusClosed) && e.Status == event.StatusOpen {
					s.reopens++
				}
				status = e.Status
			case event.TypeMerged, event.TypeDeleted:
				gone = true
			}
		}
		if !gone && status != event.StatusSolved && status != event.StatusClosed {
			s.open++
			if assignee == "" {
				s.unassigned++
			}
		}
		hist = hist[:0]
		for _, e := range h[k] {
			hist = append(hist, *e)
		}
		for _, r := range policies.Evaluate(hist, anchor) {
			running := r.State == sla.StateActive
			if running && len(r.Warned) > 0 && r.Warned[0] != nil {
				s.warned++
			}
			if running && r.Deadline != nil && r.Deadline.After(anchor) && !r.Deadline.After(anchor.Add(4*time.Hour)) {
				s.dueIn4h++
			}
			if r.State == sla.StateBreached {
				s.breached++
			}
		}
	}
	return s
}

// demoConfig is what `slate demo` generates by default: 20,000 tickets in
// about 90 days up to the anchor, and 60 days after it to replay.
func demoConfig(t *testing.T, anchor time.Time) Config {
	t.Helper()
	cfg, err := Config{Seed: 1, Tickets: 20000, Days: 90}.Anchored(anchor, 60)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// A data set anchored at "now" is a living help desk at that instant: a
// long history, an open backlog with unassigned tickets, SLA clocks in
// their warning window and breached ones, money in three currencies,
// reopens, ratings and the desks' own labels; and nothing after now.
func TestAnchoredHistory(t *testing.T) {
	policies, err := sla.LoadConfig("../../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		anchor time.Time
		// business hours in Hanoi and Berlin within the next 4 hours:
		// some running clock is due within them
		businessAhead bool
	}{
		{"Hanoi and Berlin asleep", time.Date(2026, 12, 7, 18, 10, 0, 0, time.UTC), false},
		{"Berlin morning", time.Date(2026, 12, 8, 8, 30, 0, 0, time.UTC), true},
		{"Hanoi Saturday", time.Date(2026, 12, 12, 2, 0, 0, 0, time.UTC), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := demoConfig(t, tc.anchor)
			l, err := NewLive(cfg, tc.anchor)
			if err != nil {
				t.Fatal(err)
			}
			var evs []event.Event
			if err := l.History(func(e *event.Event) error { evs = append(evs, *e); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				t.Fatal("no history")
			}
			s := readAnchor(t, evs, tc.anchor, policies)
			if s.last.After(tc.anchor) {
				t.Errorf("an event at %s, after the anchor %s", s.last, tc.anchor)
			}
			if span := tc.anchor.Sub(s.first); span < 90*24*time.Hour {
				t.Errorf("history spans %s, want at least 90 days", span)
			}
			within(t, "tickets created up to the anchor", float64(s.tickets), 18000, 22000)
			min := func(what string, got, want int) {
				t.Helper()
				if got < want {
					t.Errorf("%s: %d, want at least %d", what, got, want)
				} else {
					t.Logf("%s: %d", what, got)
				}
			}
			min("open tickets at the anchor", s.open, 100)
			min("unassigned open tickets", s.unassigned, 3)
			min("running SLA clocks past a warning threshold", s.warned, 5)
			min("breached SLA cycles", s.breached, 100)
			if tc.businessAhead {
				min("running SLA clocks due within 4 hours", s.dueIn4h, 3)
			} else {
				// only the 24/7 vip policy can be due before the desks open
				t.Logf("running SLA clocks due within 4 hours: %d", s.dueIn4h)
			}
			min("reopens", s.reopens, 100)
			min("ratings", s.ratings, 1000)
			for _, c := range []string{"VND", "RUB", "USD"} {
				min("billable time logs in "+c, s.currencies[c], 100)
			}
			// the desks' own vocabularies, one label each
			for _, label := range []string{"Đang xử lý", "Hoàn thành", "Đã đóng", "В работе", "Закрыт"} {
				if !s.labels[label] {
					t.Errorf("no status label %q", label)
				}
			}
		})
	}
}

// Splitting a data set at an instant changes none of its events: History
// and then Next give exactly what Generate gives; Next gives the rest in
// order, continuing tickets opened before the split and creating new ones.
func TestLiveSplit(t *testing.T) {
	anchor := time.Date(2026, 3, 11, 9, 30, 0, 0, time.UTC)
	cfg, err := Config{Seed: 7, Tickets: 1500, Days: 10}.Anchored(anchor, 3)
	if err != nil {
		t.Fatal(err)
	}
	all := generate(t, cfg)
	l, err := NewLive(cfg, anchor)
	if err != nil {
		t.Fatal(err)
	}
	var got []event.Event
	if err := l.History(func(e *event.Event) error { got = append(got, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	past := len(got)
	var continued, created int
	beforeSplit := map[string]bool{}
	for i := range got {
		if got[i].Type == event.TypeCreated {
			beforeSplit[got[i].Tenant+"/"+got[i].TicketID] = true
		}
	}
	for e := l.Next(); e != nil; e = l.Next() {
		if !e.OccurredAt.After(anchor) {
			t.Fatalf("Next gave %s at %s, not after %s", e.ID, e.OccurredAt, anchor)
		}
		switch {
		case e.Type == event.TypeCreated:
			created++
		case beforeSplit[e.Tenant+"/"+e.TicketID]:
			continued++
		}
		got = append(got, *e)
	}
	if len(got) != len(all) {
		t.Fatalf("split gives %d events, Generate %d", len(got), len(all))
	}
	for i := range all {
		if !reflect.DeepEqual(got[i], all[i]) {
			t.Fatalf("event %d differs:\n%+v\n%+v", i, got[i], all[i])
		}
	}
	if past == 0 || past == len(all) || continued == 0 || created == 0 {
		t.Errorf("%d events up to the split of %d; after it %d continue earlier tickets, %d create new ones", past, len(all), continued, created)
	}
	if l.Next() != nil {
		t.Error("Next after the end gave an event")
	}
}

func TestAnchoredConfig(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Skip("no time zone database")
	}
	now := time.Date(2026, 12, 7, 18, 10, 0, 0, time.UTC) // 01:10 on the 8th in Hanoi
	cfg, err := Config{Tickets: 9000, Days: 90, Zone: hcm}.Anchored(now, 30)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 9, 8, 0, 0, 0, 0, hcm); !cfg.Start.Equal(want) {
		t.Errorf("Start %s, want %s (91 days before the anchor's day)", cfg.Start, want)
	}
	if cfg.Days != 91+1+30 {
		t.Errorf("Days %d, want 122: 91 before the anchor's day, that day, 30 after", cfg.Days)
	}
	// 9000 tickets in the 91 days and 1h10m up to now; as many a day after
	if past := now.Sub(cfg.Start).Hours() / 24; math.Abs(float64(cfg.Tickets)-9000*122/past) > 1 {
		t.Errorf("Tickets %d, want %.0f", cfg.Tickets, 9000*122/past)
	}
	if _, err := (Config{Tickets: 10, Days: 3}).Anchored(now, 0); err == nil || !strings.Contains(err.Error(), "futureDays") {
		t.Errorf("futureDays 0: %v", err)
	}
	if _, err := (Config{Tickets: 10, Days: 0}).Anchored(now, 3); err == nil || !strings.Contains(err.Error(), "Days") {
		t.Errorf("Days 0: %v", err)
	}
}

func TestRestamp(t *testing.T) {
	occurred := time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC)
	e := event.Event{OccurredAt: occurred, StartedAt: occurred.Add(-20 * time.Minute), EndedAt: occurred.Add(-10 * time.Second)}
	at := time.Date(2026, 12, 7, 18, 0, 0, 123456789, time.FixedZone("x", 3600))
	Restamp(&e, at)
	want := time.Date(2026, 12, 7, 17, 0, 0, 123456000, time.UTC)
	if !e.OccurredAt.Equal(want) || e.OccurredAt.Location() != time.UTC {
		t.Errorf("occurred_at %s, want %s UTC", e.OccurredAt, want)
	}
	if !e.StartedAt.Equal(want.Add(-20*time.Minute)) || !e.EndedAt.Equal(want.Add(-10*time.Second)) {
		t.Errorf("timer %s-%s, want it to end 10s before %s after 20 minutes", e.StartedAt, e.EndedAt, want)
	}
	plain := event.Event{OccurredAt: occurred}
	Restamp(&plain, at)
	if !plain.StartedAt.IsZero() || !plain.EndedAt.IsZero() {
		t.Errorf("a timer appeared: %+v", plain)
	}
}
