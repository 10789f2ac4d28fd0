package event

import (
	"slices"
	"testing"
	"time"
)

func TestCompare(t *testing.T) {
	t0 := utc(2024, 3, 5, 10, 0, 0, 0)
	ev := func(id string, at time.Time) *Event { return &Event{ID: id, OccurredAt: at} }
	tests := []struct {
		a, b *Event
		want int
	}{
		{ev("b", t0), ev("a", t0.Add(time.Microsecond)), -1}, // time first
		{ev("a", t0.Add(time.Second)), ev("b", t0), 1},
		{ev("a", t0), ev("b", t0), -1}, // then id
		{ev("b", t0), ev("a", t0), 1},
		{ev("a", t0), ev("a", t0), 0},
		// The same instant in another zone is the same time.
		{ev("a", t0), ev("a", t0.In(time.FixedZone("ICT", 7*3600))), 0},
	}
	for i, tt := range tests {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("%d: Compare(%s@%v, %s@%v) = %d, want %d", i, tt.a.ID, tt.a.OccurredAt, tt.b.ID, tt.b.OccurredAt, got, tt.want)
		}
	}
}

func TestSortHistory(t *testing.T) {
	t0 := utc(2024, 3, 5, 10, 0, 0, 0)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	e := func(id string, us int, reason string) Event {
		return Event{ID: id, OccurredAt: at(us), Reason: reason}
	}
	type row struct {
		ID string
		At time.Time
	}
	tests := []struct {
		name string
		in   []Event
		want []row
	}{
		{"empty", nil, nil},
		{"already ordered", []Event{e("a", 0, ""), e("b", 1, "")}, []row{{"a", at(0)}, {"b", at(1)}}},
		{"reversed", []Event{e("c", 2, ""), e("b", 1, ""), e("a", 0, "")}, []row{{"a", at(0)}, {"b", at(1)}, {"c", at(2)}}},
		{"time wins over id", []Event{e("a", 5, ""), e("z", 1, "")}, []row{{"z", at(1)}, {"a", at(5)}}},
		{"same microsecond: by id", []Event{e("evt-9", 3, ""), e("evt-10", 3, ""), e("evt-1", 3, "")},
			[]row{{"evt-1", at(3)}, {"evt-10", at(3)}, {"evt-9", at(3)}}},
		{"replay right after the original", []Event{e("a", 0, ""), e("a", 0, ""), e("b", 1, "")}, []row{{"a", at(0)}, {"b", at(1)}}},
		{"replays arriving out of order", []Event{e("b", 1, ""), e("a", 0, ""), e("b", 1, ""), e("a", 0, ""), e("c", 2, ""), e("b", 1, "")},
			[]row{{"a", at(0)}, {"b", at(1)}, {"c", at(2)}}},
		{"replay of an id with a different timestamp keeps only the earliest", []Event{e("a", 0, ""), e("b", 5, ""), e("a", 9, "")},
			[]row{{"a", at(0)}, {"b", at(5)}}},
		{"replays with an event in the same microsecond between them", []Event{e("b", 3, ""), e("a", 3, ""), e("c", 3, ""), e("b", 3, "")},
			[]row{{"a", at(3)}, {"b", at(3)}, {"c", at(3)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := SortHistory(slices.Clone(tt.in))
			var got []row
			for _, ev := range out {
				got = append(got, row{ev.ID, ev.OccurredAt})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("SortHistory = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSortHistoryKeepsFirstCopy: of two copies with the same id and time the
// one that came first is kept, whatever the sort does with equal elements.
func TestSortHistoryKeepsFirstCopy(t *testing.T) {
	t0 := utc(2024, 3, 5, 10, 0, 0, 0)
	var in []Event
	for i := 0; i < 50; i++ {
		in = append(in, Event{ID: "x", OccurredAt: t0, Reason: "copy"}, Event{ID: string(rune('a' + i%26)), OccurredAt: t0.Add(time.Duration(i%3) * time.Second)})
	}
	in[0].Reason = "first"
	out := SortHistory(in)
	for _, ev := range out {
		if ev.ID == "x" && ev.Reason != "first" {
			t.Fatalf("kept copy %q of x, want the first", ev.Reason)
		}
	}
}
