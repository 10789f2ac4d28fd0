package ticket

import (
	"encoding/binary"
	"time"
)

// AppendCompact appends s in a compact binary form, for a cache that keeps
// many states: one string of bytes instead of a struct of some forty
// pointers, which the garbage collector would scan on every cycle.
// ReadCompact reads it back.
func (s *State) AppendCompact(b []byte) []byte {
	for _, v := range [...]string{s.Tenant, s.TicketID, s.Channel, s.Customer, s.Organisation, s.Group, s.Assignee,
		s.Subject, string(s.Status), string(s.Priority), string(s.Severity), string(s.CreatedBy), s.MergedInto, s.LastEventID} {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	for _, l := range [...][]string{s.SupportingAgents, s.Tags} {
		b = appendLen(b, l == nil, len(l))
		for _, v := range l {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	for _, t := range [...]time.Time{s.CreatedAt, s.FirstRepliedAt, s.FirstSolvedAt, s.SolvedAt, s.ClosedAt, s.StatusSince, s.RatedAt, s.LastEventAt} {
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
	r := compactReader{blob: blob}
	var s State
	for _, p := range [...]*string{&s.Tenant, &s.TicketID, &s.Channel, &s.Customer, &s.Organisation, &s.Group, &s.Assignee,
		&s.Subject, (*string)(&s.Status), (*string)(&s.Priority), (*string)(&s.Severity), (*string)(&s.CreatedBy), &s.MergedInto, &s.LastEventID} {
		*p = r.str()
	}
	for _, p := range [...]*[]string{&s.SupportingAgents, &s.Tags} {
		if n, isNil := r.len(); !isNil {
			*p = make([]string, n)
			for i := range *p {
				(*p)[i] = r.str()
			}
		}
	}
	for _, p := range [...]*time.Time{&s.CreatedAt, &s.FirstRepliedAt, &s.FirstSolvedAt, &s.SolvedAt, &s.ClosedAt, &s.StatusSince, &s.RatedAt, &s.LastEventAt} {
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
	s.Version = r.uvarint()
	s.ReopenCount, s.PublicReplies, s.CustomerReplies = uint32(r.uvarint()), uint32(r.uvarint()), uint32(r.uvarint())
	s.InternalNotes, s.Rating = uint32(r.uvarint()), uint8(r.uvarint())
	s.HasCreated, s.Deleted = r.uvarint() == 1, r.uvarint() == 1
	return s, !r.bad && r.at == len(blob)
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

type compactReader struct {
	blob string
	at   int
	bad  bool
}

func (r *compactReader) uvarint() uint64 {
	var v uint64
	for shift := 0; r.at < len(r.blob) && shift < 64; shift += 7 {
		c := r.blob[r.at]
		r.at++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.bad = true
	return 0
}

func (r *compactReader) str() string {
	n := int(r.uvarint())
	if n < 0 || n > len(r.blob)-r.at {
		r.bad = true
		return ""
	}
	r.at += n
	return r.blob[r.at-n : r.at]
}

func (r *compactReader) len() (n int, isNil bool) {
	v := r.uvarint()
	if v == 0 {
		return 0, true
	}
	if v-1 > uint64(len(r.blob)) { // every element takes a byte at least
		r.bad = true
		return 0, true
	}
	return int(v - 1), false
}

func (r *compactReader) time() time.Time {
	u := r.uvarint()
	n := int64(u>>1) ^ -int64(u&1) // zigzag, as binary.AppendVarint writes
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
