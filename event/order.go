package event

import (
	"cmp"
	"slices"
)

// Compare orders events the way every consumer of a ticket's history must:
// by occurrence time (microseconds), then by event id so that events sharing
// a timestamp still have one order, independent of arrival order.
func Compare(a, b *Event) int {
	if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// SortHistory orders a ticket's events with Compare and drops repeated event
// ids (replays), keeping the first copy. It returns the shortened slice.
//
// A repeated id is dropped wherever it sorts (a replay re-stamped with another
// occurred_at is still the same event, as it is for storage, which keeps one
// row per event_id); the copy kept is the first in the sorted history and,
// among copies with the same time, the first one given.
func SortHistory(evs []Event) []Event {
	slices.SortStableFunc(evs, func(a, b Event) int { return Compare(&a, &b) })
	if len(evs) < 2 {
		return evs
	}
	seen := make(map[string]struct{}, len(evs))
	out := evs[:0]
	for i := range evs {
		if _, dup := seen[evs[i].ID]; dup {
			continue
		}
		seen[evs[i].ID] = struct{}{}
		out = append(out, evs[i])
	}
	clear(evs[len(out):]) // like slices.Compact: no stale copies past the end
	return out
}

// SortHistoryRefs is SortHistory for events held by reference, so a hot path
// can order a batch's events without copying them.
func SortHistoryRefs(evs []*Event) []*Event {
	slices.SortStableFunc(evs, Compare)
	if len(evs) < 2 {
		return evs
	}
	out := evs[:0]
	if len(evs) <= 64 {
		// a typical ticket: comparing ids beats hashing them into a map
		for _, e := range evs {
			if !slices.ContainsFunc(out, func(k *Event) bool { return k.ID == e.ID }) {
				out = append(out, e)
			}
		}
	} else {
		seen := make(map[string]struct{}, len(evs))
		for _, e := range evs {
			if _, dup := seen[e.ID]; dup {
				continue
			}
			seen[e.ID] = struct{}{}
			out = append(out, e)
		}
	}
	clear(evs[len(out):])
	return out
}
