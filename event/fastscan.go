package event

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unsafe"
)

// fastScan fills a reset wireEvent from raw when the message has the
// common shape: one object of known fields, each at most once, strings
// without escapes, plain numbers, no nulls, nothing after the object. It
// reports false for anything else (w is then in an unspecified state and
// must be reset), and Decode falls back to the JSON decoder. raw must be
// valid UTF-8 (Decode checks that first). With inPlace the strings point
// into raw itself (see DecodeInPlace).
//
// Why: the JSON decoder copies the message and allocates every string and
// every pointer field apart (about 19 allocations and 1.1 KB per event),
// which at ingest rates is most of the garbage collector's work. This
// scanner allocates the event's strings as one string and points the
// pointer fields into w's own storage.
//
// Whatever it accepts it must read exactly as the JSON decoder does:
// FuzzFastScanMatchesJSON compares the two on any input.
func fastScan(raw []byte, w *wireEvent, inPlace bool) bool {
	s := &w.fast.sc // the closures below would move a local scanner to the heap
	*s = scanner{raw: raw, f: &w.fast, inPlace: inPlace}
	s.f.buf, s.f.pend, s.f.seen = s.f.buf[:0], s.f.pend[:0], 0
	for i := range s.f.lists {
		s.f.lists[i] = s.f.lists[i][:0]
	}
	s.ws()
	if !s.object(w.topField) {
		return false
	}
	s.ws()
	if s.i != len(raw) {
		return false
	}
	// one allocation for every string of the event, or none
	var block string
	if inPlace {
		block = unsafe.String(unsafe.SliceData(raw), len(raw))
	} else {
		block = string(s.f.buf)
	}
	for _, p := range s.f.pend {
		v := block[p.off : p.off+p.n]
		if p.dst != nil {
			*p.dst = v
		} else {
			s.f.lists[p.list] = append(s.f.lists[p.list], v)
		}
	}
	for i, l := range s.f.lists {
		if s.f.seen&(1<<(fieldListBase+i)) == 0 {
			continue
		}
		if l == nil {
			l = make([]string, 0, 4) // an empty JSON array is an empty, not a nil, slice
			s.f.lists[i] = l
		}
		switch i {
		case listTags:
			w.Data.Tags = l
		case listAdded:
			w.Data.Added = l
		case listRemoved:
			w.Data.Removed = l
		case listSupporting:
			w.Data.SupportingAgents = &s.f.lists[i]
		}
	}
	return true
}

// fastStore is the storage fastScan points a wireEvent's fields into. It
// is kept with the pooled wireEvent, so its arrays are reused; the event
// decoded from it copies every value it keeps.
type fastStore struct {
	buf   []byte    // the strings' bytes, in order
	pend  []pending // where each string goes once buf is one string
	strs  [numStrSlots]string
	lists [4][]string
	i64   int64
	ints  [2]int
	f64   float64
	b     bool
	seen  uint64 // fields met so far: a repeated field is left to the JSON decoder
	sc    scanner
}

type pending struct {
	dst    *string // or, when nil, appended to lists[list]
	list   int
	off, n int
}

const (
	slotChannel = iota
	slotCustomer
	slotOrganisation
	slotGroup
	slotAssignee
	slotSubject
	slotStatus
	slotPriority
	slotSeverity
	slotKind
	slotAgent
	slotDueAt
	numStrSlots
)

const (
	listTags = iota
	listAdded
	listRemoved
	listSupporting
)

// field bits of fastStore.seen: top level, actor, data, then the lists
const (
	fieldTop   = 0
	fieldActor = 10
	fieldData  = 14
	// fieldListBase is where the four lists' bits start; they are data
	// fields too, marked again under their own bit for fastScan's end.
	fieldListBase = 50
)

type scanner struct {
	raw     []byte
	i       int
	f       *fastStore
	inPlace bool // strings point into raw (DecodeInPlace)
}

func (s *scanner) ws() {
	for s.i < len(s.raw) {
		switch s.raw[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// seq reads open, items separated by commas, close; item reads one.
func (s *scanner) seq(open, close byte, item func() bool) bool {
	if s.i >= len(s.raw) || s.raw[s.i] != open {
		return false
	}
	s.i++
	s.ws()
	if s.i < len(s.raw) && s.raw[s.i] == close {
		s.i++
		return true
	}
	for {
		if !item() {
			return false
		}
		s.ws()
		if s.i >= len(s.raw) {
			return false
		}
		switch s.raw[s.i] {
		case ',':
			s.i++
			s.ws()
		case close:
			s.i++
			return true
		default:
			return false
		}
	}
}

// object reads {"key": value, ...}, handing each key to field, which
// reads the value.
func (s *scanner) object(field func(s *scanner, key []byte) bool) bool {
	return s.seq('{', '}', func() bool {
		start, end, ok := s.rawString()
		if !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.raw) || s.raw[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		return field(s, s.raw[start:end])
	})
}

// mark records field bit n, refusing a field met before.
func (s *scanner) mark(n int) bool {
	if s.f.seen&(1<<n) != 0 {
		return false
	}
	s.f.seen |= 1 << n
	return true
}

// rawString reads a string without escapes or control characters and
// returns where its bytes are. It looks at eight bytes at a time (most of
// a message is its strings' bytes, and this loop was a fifth of decoding).
func (s *scanner) rawString() (start, end int, ok bool) {
	if s.i >= len(s.raw) || s.raw[s.i] != '"' {
		return 0, 0, false
	}
	s.i++
	start = s.i
	for s.i+8 <= len(s.raw) {
		m := stringStops(binary.LittleEndian.Uint64(s.raw[s.i:]))
		if m == 0 {
			s.i += 8
			continue
		}
		s.i += bits.TrailingZeros64(m) / 8 // the first stop; later ones may be false
		break
	}
	for s.i < len(s.raw) {
		c := s.raw[s.i]
		switch {
		case c == '"':
			end = s.i
			s.i++
			return start, end, true
		case c == '\\' || c < 0x20:
			return 0, 0, false
		}
		s.i++
	}
	return 0, 0, false
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// stringStops marks, in eight bytes of a string read little-endian, the
// bytes that end or interrupt it ('"', '\\', a control character < 0x20)
// with their high bit. The lowest marked byte is always a stop; a byte
// above it may be marked falsely (the borrow of the subtraction), so only
// the lowest is to be trusted.
func stringStops(x uint64) uint64 {
	quote := x ^ ('"' * lowBits)
	backslash := x ^ ('\\' * lowBits)
	return ((quote-lowBits) & ^quote | (backslash-lowBits) & ^backslash | (x - 0x20*lowBits)) & ^x & highBits
}

// str reads a string into dst (once the event's strings are one string).
func (s *scanner) str(dst *string) bool {
	start, end, ok := s.rawString()
	if !ok {
		return false
	}
	s.f.pend = append(s.f.pend, pending{dst: dst, off: s.keep(start, end), n: end - start})
	return true
}

// keep keeps raw[start:end] for a string and says where it starts in what
// the strings are cut from: raw itself in place, else the copy in buf.
func (s *scanner) keep(start, end int) int {
	if s.inPlace {
		return start
	}
	off := len(s.f.buf)
	s.f.buf = append(s.f.buf, s.raw[start:end]...)
	return off
}

// strSlot reads a string for a *string field, stored in slot.
func (s *scanner) strSlot(dst **string, slot int) bool {
	*dst = &s.f.strs[slot]
	return s.str(&s.f.strs[slot])
}

// list reads an array of strings into list.
func (s *scanner) list(list int) bool {
	if !s.mark(fieldListBase + list) {
		return false
	}
	return s.seq('[', ']', func() bool {
		start, end, ok := s.rawString()
		if !ok {
			return false
		}
		s.f.pend = append(s.f.pend, pending{list: list, off: s.keep(start, end), n: end - start})
		return true
	})
}

// integer reads a plain JSON integer of at most 18 digits (no fraction,
// exponent or leading zero), which every Go integer type holds.
func (s *scanner) integer() (int64, bool) {
	neg := false
	if s.i < len(s.raw) && s.raw[s.i] == '-' {
		neg = true
		s.i++
	}
	digits := s.i
	var v int64
	for s.i < len(s.raw) && s.raw[s.i] >= '0' && s.raw[s.i] <= '9' {
		v = v*10 + int64(s.raw[s.i]-'0')
		s.i++
	}
	n := s.i - digits
	if n == 0 || n > 18 || (n > 1 && s.raw[digits] == '0') || s.numberGoesOn() {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// numberGoesOn reports a fraction or exponent after an integer's digits.
func (s *scanner) numberGoesOn() bool {
	return s.i < len(s.raw) && (s.raw[s.i] == '.' || s.raw[s.i] == 'e' || s.raw[s.i] == 'E')
}

// float reads a JSON number in its plain forms (-? digits (. digits)?).
func (s *scanner) float() (float64, bool) {
	start := s.i
	if s.i < len(s.raw) && s.raw[s.i] == '-' {
		s.i++
	}
	intStart := s.i
	for s.i < len(s.raw) && s.raw[s.i] >= '0' && s.raw[s.i] <= '9' {
		s.i++
	}
	n := s.i - intStart
	if n == 0 || (n > 1 && s.raw[intStart] == '0') {
		return 0, false
	}
	if s.i < len(s.raw) && s.raw[s.i] == '.' {
		s.i++
		fracStart := s.i
		for s.i < len(s.raw) && s.raw[s.i] >= '0' && s.raw[s.i] <= '9' {
			s.i++
		}
		if s.i == fracStart {
			return 0, false
		}
	}
	if s.i < len(s.raw) && (s.raw[s.i] == 'e' || s.raw[s.i] == 'E') {
		return 0, false
	}
	if s.i-start > 24 {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(s.raw[start:s.i]), 64)
	return v, err == nil
}

func (s *scanner) boolean() (bool, bool) {
	switch {
	case s.hasPrefix("true"):
		s.i += 4
		return true, true
	case s.hasPrefix("false"):
		s.i += 5
		return false, true
	}
	return false, false
}

func (s *scanner) hasPrefix(lit string) bool {
	return len(s.raw)-s.i >= len(lit) && string(s.raw[s.i:s.i+len(lit)]) == lit
}

func (w *wireEvent) topField(s *scanner, key []byte) bool {
	switch string(key) { // compared, not converted: no allocation
	case "schema":
		v, ok := s.integer()
		if !ok || !s.mark(fieldTop) || int64(int(v)) != v {
			return false
		}
		s.f.ints[0] = int(v)
		w.Schema = &s.f.ints[0]
		return true
	case "event_id":
		return s.mark(fieldTop+1) && s.str(&w.EventID)
	case "type":
		return s.mark(fieldTop+2) && s.str(&w.Type)
	case "tenant":
		return s.mark(fieldTop+3) && s.str(&w.Tenant)
	case "ticket_id":
		return s.mark(fieldTop+4) && s.str(&w.TicketID)
	case "occurred_at":
		return s.mark(fieldTop+5) && s.str(&w.OccurredAt)
	case "actor":
		if !s.mark(fieldTop + 6) {
			return false
		}
		w.Actor = &w.fastActor
		return s.object(w.actorField)
	case "data":
		return s.mark(fieldTop+7) && s.object(w.dataField)
	}
	return false
}

func (w *wireEvent) actorField(s *scanner, key []byte) bool {
	switch string(key) { // compared, not converted: no allocation
	case "type":
		return s.mark(fieldActor) && s.str(&w.fastActor.Type)
	case "id":
		return s.mark(fieldActor+1) && s.str(&w.fastActor.ID)
	}
	return false
}

func (w *wireEvent) dataField(s *scanner, key []byte) bool {
	d := &w.Data
	switch string(key) { // compared, not converted: no allocation
	case "channel":
		return s.mark(fieldData) && s.strSlot(&d.Channel, slotChannel)
	case "customer":
		return s.mark(fieldData+1) && s.strSlot(&d.Customer, slotCustomer)
	case "organisation":
		return s.mark(fieldData+2) && s.strSlot(&d.Organisation, slotOrganisation)
	case "group":
		return s.mark(fieldData+3) && s.strSlot(&d.Group, slotGroup)
	case "assignee":
		return s.mark(fieldData+4) && s.strSlot(&d.Assignee, slotAssignee)
	case "subject":
		return s.mark(fieldData+5) && s.strSlot(&d.Subject, slotSubject)
	case "status":
		return s.mark(fieldData+6) && s.strSlot(&d.Status, slotStatus)
	case "priority":
		return s.mark(fieldData+7) && s.strSlot(&d.Priority, slotPriority)
	case "severity":
		return s.mark(fieldData+8) && s.strSlot(&d.Severity, slotSeverity)
	case "kind":
		return s.mark(fieldData+9) && s.strSlot(&d.Kind, slotKind)
	case "agent":
		return s.mark(fieldData+10) && s.strSlot(&d.Agent, slotAgent)
	case "message_id":
		return s.mark(fieldData+11) && s.str(&d.MessageID)
	case "started_at":
		return s.mark(fieldData+12) && s.str(&d.StartedAt)
	case "ended_at":
		return s.mark(fieldData+13) && s.str(&d.EndedAt)
	case "currency":
		return s.mark(fieldData+14) && s.str(&d.Currency)
	case "into":
		return s.mark(fieldData+15) && s.str(&d.Into)
	case "reason":
		return s.mark(fieldData+16) && s.str(&d.Reason)
	case "due_at":
		return s.mark(fieldData+21) && s.strSlot(&d.DueAt, slotDueAt)
	case "tags":
		return s.list(listTags)
	case "added":
		return s.list(listAdded)
	case "removed":
		return s.list(listRemoved)
	case "supporting_agents":
		return s.list(listSupporting)
	case "seconds":
		v, ok := s.integer()
		if !ok || !s.mark(fieldData+17) {
			return false
		}
		s.f.i64 = v
		d.Seconds = &s.f.i64
		return true
	case "rating":
		v, ok := s.integer()
		if !ok || !s.mark(fieldData+18) || int64(int(v)) != v {
			return false
		}
		s.f.ints[1] = int(v)
		d.Rating = &s.f.ints[1]
		return true
	case "rate":
		v, ok := s.float()
		if !ok || !s.mark(fieldData+19) {
			return false
		}
		s.f.f64 = v
		d.Rate = &s.f.f64
		return true
	case "billable":
		v, ok := s.boolean()
		if !ok || !s.mark(fieldData+20) {
			return false
		}
		s.f.b = v
		d.Billable = &s.f.b
		return true
	}
	return false
}
