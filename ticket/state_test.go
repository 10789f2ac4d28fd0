package ticket

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
)

func histories(t *testing.T, tickets int, seed int64) map[string][]event.Event {
	t.Helper()
	out := map[string][]event.Event{}
	err := eventgen.Generate(eventgen.Config{Seed: seed, Tickets: tickets, Days: 10}, func(e *event.Event) error {
		k := e.Tenant + "/" + e.TicketID
		out[k] = append(out[k], *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Extending a state with the rest of the history must give exactly the
// state of folding it all at once: the projection relies on it.
func TestApplyExtendsFold(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for k, h := range histories(t, 400, 3) {
		whole := Fold(h)
		cut := r.IntN(len(h) + 1)
		s := Fold(h[:cut])
		for _, e := range h[cut:] {
			if !s.Follows(&e) {
				t.Fatalf("%s: event %d does not follow the state of the first %d", k, cut, cut)
			}
		}
		rest := make([]*event.Event, 0, len(h)-cut)
		for i := cut; i < len(h); i++ {
			rest = append(rest, &h[i])
		}
		s.Apply(event.SortHistoryRefs(rest))
		if !reflect.DeepEqual(normal(s), normal(whole)) {
			t.Fatalf("%s cut at %d:\n got %+v\nwant %+v", k, cut, s, whole)
		}
	}
}

// Order of arrival and replays must not matter.
func TestFoldIgnoresArrivalOrderAndReplays(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for k, h := range histories(t, 300, 4) {
		want := Fold(h)
		shuffled := append([]event.Event(nil), h...)
		shuffled = append(shuffled, h[r.IntN(len(h))], h[0])
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := Fold(shuffled); !reflect.DeepEqual(normal(got), normal(want)) {
			t.Fatalf("%s: shuffled and replayed history folds differently:\n got %+v\nwant %+v", k, got, want)
		}
		if want.Version != uint64(len(h)) {
			t.Fatalf("%s: version %d for %d distinct events", k, want.Version, len(h))
		}
		if late := h[0]; want.Follows(&late) {
			t.Fatalf("%s: the first event must not follow the full state", k)
		}
	}
}

func normal(s State) State {
	if len(s.Tags) == 0 {
		s.Tags = nil
	}
	if len(s.SupportingAgents) == 0 {
		s.SupportingAgents = nil
	}
	return s
}

func at(min int) time.Time { return time.Date(2026, 3, 2, 9, min, 0, 0, time.UTC) }

func ev(id string, min int, typ event.Type, f func(*event.Event)) event.Event {
	e := event.Event{ID: id, Tenant: "t", TicketID: "T", Type: typ, OccurredAt: at(min)}
	if f != nil {
		f(&e)
	}
	return e
}

func status(s event.Status) func(*event.Event) { return func(e *event.Event) { e.Status = s } }

// A hand-worked history: each expectation is read off the events.
func TestFoldHandWorked(t *testing.T) {
	h := []event.Event{
		ev("1", 0, event.TypeCreated, func(e *event.Event) {
			e.Status, e.Priority, e.Tags, e.Assignee = event.StatusNew, event.PriorityLow, []string{"a", "b"}, "x"
		}),
		ev("2", 1, event.TypeAssigned, func(e *event.Event) { e.SetsGroup, e.Group = true, "L2" }), // assignee kept
		ev("3", 2, event.TypeMessage, func(e *event.Event) { e.MessageKind = event.MessageInternalNote }),
		ev("4", 3, event.TypeMessage, func(e *event.Event) { e.MessageKind = event.MessagePublicReply }),
		ev("5", 4, event.TypeStatusChanged, status(event.StatusSolved)),
		ev("6", 5, event.TypeStatusChanged, status(event.StatusOpen)), // reopen 1
		ev("7", 6, event.TypeTagsChanged, func(e *event.Event) { e.TagsAdded, e.TagsRemoved = []string{"c", "a"}, []string{"b"} }),
		ev("8", 7, event.TypeStatusChanged, status(event.StatusClosed)),
		ev("9", 8, event.TypeStatusChanged, status(event.StatusOpen)), // reopen 2
		ev("10", 9, event.TypeStatusChanged, status(event.StatusSolved)),
		ev("11", 10, event.TypeRated, func(e *event.Event) { e.Rating = 2 }),
		ev("12", 11, event.TypeRated, func(e *event.Event) { e.Rating = 4 }), // latest counts
		ev("13", 12, event.TypePriorityChanged, func(e *event.Event) { e.Priority = event.PriorityUrgent }),
	}
	s := Fold(h)
	if s.Assignee != "x" || s.Group != "L2" {
		t.Errorf("assignment: %q/%q", s.Assignee, s.Group)
	}
	if s.FirstRepliedAt != at(3) || s.PublicReplies != 1 || s.InternalNotes != 1 {
		t.Errorf("replies: first %v public %d notes %d", s.FirstRepliedAt, s.PublicReplies, s.InternalNotes)
	}
	if s.ReopenCount != 2 || s.FirstSolvedAt != at(4) || s.SolvedAt != at(9) || !s.ClosedAt.IsZero() {
		t.Errorf("resolution: reopens %d first %v solved %v closed %v", s.ReopenCount, s.FirstSolvedAt, s.SolvedAt, s.ClosedAt)
	}
	// Into resolved: solved at 4, closed at 7, solved at 9; out of it at 5 and 8.
	if !reflect.DeepEqual(s.SolvedTimes, []time.Time{at(4), at(7), at(9)}) ||
		!reflect.DeepEqual(s.ReopenedTimes, []time.Time{at(5), at(8)}) || s.StatusSince != at(9) {
		t.Errorf("timeline: solved %v reopened %v since %v", s.SolvedTimes, s.ReopenedTimes, s.StatusSince)
	}
	if !reflect.DeepEqual(s.Tags, []string{"a", "c"}) {
		t.Errorf("tags %v", s.Tags)
	}
	if s.Rating != 4 || s.Priority != event.PriorityUrgent || s.Status != event.StatusSolved || s.Version != 13 {
		t.Errorf("rating %d priority %s status %s version %d", s.Rating, s.Priority, s.Status, s.Version)
	}
	if s.LastEventAt != at(12) || s.LastEventID != "13" {
		t.Errorf("last event %v %s", s.LastEventAt, s.LastEventID)
	}
}

// TestRatingRule: a desk that allows one rating per ticket keeps the first
// (a later rating does not replace it), in any arrival order and when the
// state is extended by Apply; otherwise the latest counts.
func TestRatingRule(t *testing.T) {
	rated := func(id string, min int, stars uint8) event.Event {
		return ev(id, min, event.TypeRated, func(e *event.Event) { e.Rating = stars })
	}
	created := ev("1", 0, event.TypeCreated, status(event.StatusNew))
	h := []event.Event{created, rated("2", 10, 2), rated("3", 20, 5), rated("4", 30, 4)}
	reversed := []event.Event{h[3], h[2], h[1], h[0]}

	for _, tt := range []struct {
		rules     Rules
		wantStars uint8
		wantAt    time.Time
	}{
		{Rules{FirstRatingStands: true}, 2, at(10)},
		{Rules{}, 4, at(30)},
	} {
		for name, hist := range map[string][]event.Event{"in order": h, "reversed": reversed} {
			s := FoldWith(hist, tt.rules)
			if s.Rating != tt.wantStars || !s.RatedAt.Equal(tt.wantAt) {
				t.Errorf("%+v %s: rating %d at %v, want %d at %v", tt.rules, name, s.Rating, s.RatedAt, tt.wantStars, tt.wantAt)
			}
		}
		// extended: the first two events folded, the rest applied later
		s := FoldWith(h[:2], tt.rules)
		s.Apply([]*event.Event{&h[2], &h[3]})
		if s.Rating != tt.wantStars {
			t.Errorf("%+v extended: rating %d, want %d", tt.rules, s.Rating, tt.wantStars)
		}
	}
	if s := Fold(h); s.Rating != 4 {
		t.Errorf("Fold without rules: the latest rating counts, got %d", s.Rating)
	}
}

// The desk's labels follow the latest event that set each value, also when
// the canonical value stays the same; a defaulted priority has no label.
func TestFoldKeepsTheDesksLabels(t *testing.T) {
	label := func(s event.Status, l string) func(*event.Event) {
		return func(e *event.Event) { e.Status, e.StatusLabel = s, l }
	}
	h := []event.Event{
		ev("1", 0, event.TypeCreated, func(e *event.Event) {
			e.Status, e.StatusLabel = event.StatusNew, "Đang mở"
			e.Priority, e.PriorityDefaulted = event.PriorityNormal, true
			e.Severity, e.SeverityLabel = event.SeverityHigh, "cao"
		}),
		ev("2", 1, event.TypeStatusChanged, label(event.StatusOpen, "Đang xử lý")),
		ev("3", 2, event.TypeStatusChanged, label(event.StatusOpen, "KH Đã phản hồi")), // same status, new label
	}
	s := Fold(h)
	if s.Status != event.StatusOpen || s.StatusLabel != "KH Đã phản hồi" || s.StatusSince != at(1) {
		t.Errorf("status %s %q since %v", s.Status, s.StatusLabel, s.StatusSince)
	}
	if s.PriorityLabel != "" || s.SeverityLabel != "cao" {
		t.Errorf("priority label %q severity label %q", s.PriorityLabel, s.SeverityLabel)
	}
	h = append(h,
		ev("4", 3, event.TypePriorityChanged, func(e *event.Event) { e.Priority, e.PriorityLabel = event.PriorityUrgent, "Khẩn cấp" }),
		ev("5", 4, event.TypeSeverityChanged, func(e *event.Event) { e.Severity, e.SeverityLabel = event.SeverityCritical, "rất cao" }),
		ev("6", 5, event.TypeStatusChanged, label(event.StatusClosed, "Đã đóng")),
	)
	s = Fold(h)
	if s.StatusLabel != "Đã đóng" || s.PriorityLabel != "Khẩn cấp" || s.SeverityLabel != "rất cao" {
		t.Errorf("labels %q %q %q", s.StatusLabel, s.PriorityLabel, s.SeverityLabel)
	}
}
