package ticket

import (
	"encoding/binary"
	"time"

	"github.com/slatehq/slate/internal/compact"
)

// AppendCompact appends s in a compact binary form, for a cache that keeps
// many states: one string of bytes instead of a struct of some forty
// pointers, which the garbage collector would scan on every cycle.
// ReadCompact reads it back.
func (s *State) AppendCompact(b []byte) []byte {
	for _, v := range [...]string{s.Tenant, s.TicketID, s.Channel, s.Customer, s.Organisation, s.Group, s.Assignee,
		s.Subject, string(s.Status), string(s.Priority), string(s.Severity), string(s.CreatedBy), s.MergedInto, s.LastEventID,
		s.StatusLabel, s.PriorityLabel, s.SeverityLabel,
		s.Creator} {
		b = compact.AppendStr(b, v)
	}
	for _, l := range [...][]string{s.SupportingAgents, s.Tags} {
		b = appendLen(b, l == nil, len(l))
		for _, v := range l {
			b = compact.AppendStr(b, v)
		}
	}
	for _, t := range [...]time.Time{s.CreatedAt, s.FirstRepliedAt, s.FirstSolvedAt, s.SolvedAt, s.ClosedAt, s.StatusSince, s.RatedAt, s.LastEventAt,
		s.DueAt} {
		b = appendTime(b, t)
	}
	for _, l := range [...][]time.Time{s.SolvedTimes, s.ReopenedTimes} {
		b = appendLen(b, l == nil, len(l))
		for _, t := range l {
			b = appendTime(b, t)
		}
	}
	for _, v := range [...]uint64{s.Version, uint64(s.ReopenCount), uint64(s.PublicReplies), uint64(s.CustomerReplies),
		uint64(s.InternalNotes), uint64(s.Rating), b2u(s.HasCreated), b2u(s.Deleted)} {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

// ReadCompact reads a state written by AppendCompact. Its strings are
// substrings of blob, so reading them allocates nothing.
func ReadCompact(blob string) (State, bool) {
	r := compactReader{compact.NewReader(blob)}
	var s State
	for _, p := range [...]*string{&s.Tenant, &s.TicketID, &s.Channel, &s.Customer, &s.Organisation, &s.Group, &s.Assignee,
		&s.Subject, (*string)(&s.Status), (*string)(&s.Priority), (*string)(&s.Severity), (*string)(&s.CreatedBy), &s.MergedInto, &s.LastEventID,
		&s.StatusLabel, &s.PriorityLabel, &s.SeverityLabel,
		&s.Creator} {
		*p = r.Str()
	}
	for _, p := range [...]*[]string{&s.SupportingAgents, &s.Tags} {
		if n, isNil := r.len(); !isNil {
			*p = make([]string, n)
			for i := range *p {
				(*p)[i] = r.Str()
			}
		}
	}
	for _, p := range [...]*time.Time{&s.CreatedAt, &s.FirstRepliedAt, &s.FirstSolvedAt, &s.SolvedAt, &s.ClosedAt, &s.StatusSince, &s.RatedAt, &s.LastEventAt,
		&s.DueAt} {
		*p = r.time()
	}
	for _, p := range [...]*[]time.Time{&s.SolvedTimes, &s.ReopenedTimes} {
		if n, isNil := r.len(); !isNil {
			*p = make([]time.Time, n)
			for i := range *p {
				(*p)[i] = r.time()
			}
		}
	}
	s.Version = r.Uvarint()
	s.ReopenCount, s.PublicReplies, s.CustomerReplies = uint32(r.Uvarint()), uint32(r.Uvarint()), uint32(r.Uvarint())
	s.InternalNotes, s.Rating = uint32(r.Uvarint()), uint8(r.Uvarint())
	s.HasCreated, s.Deleted = r.Uvarint() == 1, r.Uvarint() == 1
	return s, r.Done()
}

func b2u(v bool) uint64 {
	if v {
		return 1
	}
	return 0
}

// appendLen writes a slice's length, telling nil (0) from empty (1).
func appendLen(b []byte, isNil bool, n int) []byte {
	if isNil {
		return binary.AppendUvarint(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

// appendTime writes an instant as Unix nanoseconds, the zero time as 0
// (no instant of a ticket's life is the Unix epoch to the nanosecond).
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

// compactReader adds the state's own forms to compact.Reader.
type compactReader struct{ compact.Reader }

func (r *compactReader) len() (n int, isNil bool) {
	v := r.Uvarint()
	if v == 0 {
		return 0, true
	}
	if v-1 > uint64(r.Left()) { // every element takes a byte at least
		r.Fail()
		return 0, true
	}
	return int(v - 1), false
}

func (r *compactReader) time() time.Time {
	n := r.Varint()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
