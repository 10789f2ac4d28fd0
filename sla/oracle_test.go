package sla

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
)

// randomHistory makes a minute-aligned history: created by a customer, then
// status changes, agent replies and customer messages at random minutes.
func randomHistory(r *rand.Rand, start time.Time, n int) []event.Event {
	evs := []event.Event{{ID: "e000", Tenant: "t", TicketID: "T", Type: event.TypeCreated, OccurredAt: start,
		Actor: event.Actor{Type: event.ActorCustomer, ID: "c"}, Status: event.StatusNew, Priority: event.PriorityNormal, Channel: "email", Customer: "c"}}
	at := start
	statuses := []event.Status{event.StatusOpen, event.StatusPending, event.StatusOnHold, event.StatusSolved, event.StatusClosed}
	for i := 1; i <= n; i++ {
		at = at.Add(time.Duration(1+r.IntN(18*60)) * time.Minute)
		e := event.Event{ID: fmt.Sprintf("e%03d", i), Tenant: "t", TicketID: "T", OccurredAt: at}
		switch r.IntN(3) {
		case 0:
			e.Type, e.Status, e.Actor = event.TypeStatusChanged, statuses[r.IntN(len(statuses))], event.Actor{Type: event.ActorAgent, ID: "a"}
		case 1:
			e.Type, e.MessageKind, e.Actor = event.TypeMessage, event.MessagePublicReply, event.Actor{Type: event.ActorAgent, ID: "a"}
		default:
			e.Type, e.MessageKind, e.Actor = event.TypeMessage, event.MessageCustomerReply, event.Actor{Type: event.ActorCustomer, ID: "c"}
		}
		evs = append(evs, e)
	}
	return evs
}

// oracle steps minute by minute through the history and the calendar and
// totals, for resolution and first reply, the minutes that count: the
// definitions of docs/sla.md, written out the slow way.
func oracle(cal *Calendar, pause []event.Status, evs []event.Event, now time.Time) (resolution []time.Duration, firstReply time.Duration, firstReplyStopped bool) {
	status := event.StatusNew
	resolving, replied := true, false
	var cur time.Duration
	i := 0
	for m := evs[0].OccurredAt; m.Before(now); m = m.Add(time.Minute) {
		for i < len(evs) && !evs[i].OccurredAt.After(m) {
			e := evs[i]
			if e.Type == event.TypeStatusChanged && e.Status != status {
				if !status.Resolved() && e.Status.Resolved() {
					resolution, cur, resolving = append(resolution, cur), 0, false
					replied = true // a solve ends the first-reply clock
				} else if status.Resolved() && !e.Status.Resolved() {
					resolving = true
				}
				status = e.Status
			}
			if e.Type == event.TypeMessage && e.MessageKind == event.MessagePublicReply && !replied {
				replied = true
			}
			i++
		}
		paused := false
		for _, p := range pause {
			paused = paused || p == status
		}
		if !paused && oracleWorking(cal, m) {
			if resolving {
				cur += time.Minute
			}
			if !replied {
				firstReply += time.Minute
			}
		}
	}
	if resolving {
		resolution = append(resolution, cur)
	}
	return resolution, firstReply, replied
}

func TestEngineAgainstMinuteOracle(t *testing.T) {
	var week [7][]Interval
	for wd := time.Monday; wd <= time.Friday; wd++ {
		week[wd] = []Interval{{9 * 3600, 12 * 3600}, {13 * 3600, 17 * 3600}}
	}
	office, err := NewCalendar("office", mustLoc(t, "Europe/Berlin"), week, []Date{{2026, 3, 27}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	trials := 3000
	if testing.Short() {
		trials = 200
	}
	for trial := 0; trial < trials; trial++ {
		cal := office
		if trial%4 == 0 {
			cal = Always()
		}
		pause := []event.Status{event.StatusPending}
		if trial%3 == 0 {
			pause = append(pause, event.StatusOnHold)
		}
		cfg := &Config{Policies: []Policy{{Name: "p", Calendar: cal, PauseStatuses: pause, Targets: map[Metric]map[event.Priority]Target{
			MetricResolution: {event.PriorityNormal: {Duration: 1000 * time.Hour}},
			MetricFirstReply: {event.PriorityNormal: {Duration: 1000 * time.Hour}},
		}}}}
		// around the Berlin spring-forward weekend, and a holiday
		start := time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(5*24*60)) * time.Minute)
		evs := randomHistory(r, start, 1+r.IntN(12))
		now := evs[len(evs)-1].OccurredAt.Add(time.Duration(r.IntN(3*24*60)) * time.Minute)
		wantRes, wantFR, stopped := oracle(cal, pause, evs, now)

		rs := cfg.Evaluate(evs, now)
		for i, w := range wantRes {
			got := find(rs, MetricResolution, i+1)
			if got == nil || got.Elapsed != int64(w/time.Second) {
				t.Fatalf("trial %d: resolution cycle %d = %+v, oracle %s\nhistory %+v", trial, i+1, got, w, evs)
			}
		}
		if find(rs, MetricResolution, len(wantRes)+1) != nil {
			t.Fatalf("trial %d: more resolution cycles than the oracle's %d", trial, len(wantRes))
		}
		fr := find(rs, MetricFirstReply, 1)
		if fr == nil || fr.Elapsed != int64(wantFR/time.Second) || (fr.Stop != nil) != stopped {
			t.Fatalf("trial %d: first reply %+v, oracle %s stopped=%v", trial, fr, wantFR, stopped)
		}
	}
}
