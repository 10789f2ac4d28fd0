package event

import (
	"errors"
	"fmt"
	json "github.com/goccy/go-json"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Reason is the machine-readable cause of a rejected event; it is stored with
// every dead letter and labels the dead-letter counter.
type Reason string

const (
	ReasonTooLarge          Reason = "too_large"
	ReasonInvalidUTF8       Reason = "invalid_utf8"
	ReasonMalformedJSON     Reason = "malformed_json"
	ReasonUnsupportedSchema Reason = "unsupported_schema"
	ReasonUnknownType       Reason = "unknown_type"
	ReasonMissingField      Reason = "missing_field"
	ReasonInvalidField      Reason = "invalid_field"
	ReasonUnknownLabel      Reason = "unknown_label"
	ReasonBadTimestamp      Reason = "bad_timestamp"
	ReasonDuplicateID       Reason = "duplicate_event_id"
)

// Error is a permanent rejection of one message: retrying cannot fix it.
type Error struct {
	Reason Reason
	Field  string // JSON path of the offending field, if any
	Detail string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Reason, e.Detail)
	}
	return fmt.Sprintf("%s: %s: %s", e.Reason, e.Field, e.Detail)
}

func reject(r Reason, field, format string, args ...any) *Error {
	return &Error{Reason: r, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf extracts the Reason of a decoding error ("" if err is not one).
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Limits on identifiers and labels; ClickHouse would take longer strings, but
// a 1 MiB ticket id is an attack or a bug, never a ticket.
const (
	maxIDBytes    = 128
	maxLabelBytes = 512
	maxTextBytes  = 4096
	maxListLen    = 256
	maxLogSeconds = 31 * 24 * 3600
)

var (
	minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

type wireActor struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
}

// wireData is the union of every type's data fields, so one pass of the JSON
// decoder suffices; pointers tell "absent" from "empty".
type wireData struct {
	Channel          *string   `json:"channel,omitempty"`
	Customer         *string   `json:"customer,omitempty"`
	Organisation     *string   `json:"organisation,omitempty"`
	Group            *string   `json:"group,omitempty"`
	Assignee         *string   `json:"assignee,omitempty"`
	SupportingAgents *[]string `json:"supporting_agents,omitempty"`
	Subject          *string   `json:"subject,omitempty"`
	Status           *string   `json:"status,omitempty"`
	Priority         *string   `json:"priority,omitempty"`
	Severity         *string   `json:"severity,omitempty"`
	Tags             []string  `json:"tags,omitempty"`
	Added            []string  `json:"added,omitempty"`
	Removed          []string  `json:"removed,omitempty"`
	Kind             *string   `json:"kind,omitempty"`
	MessageID        string    `json:"message_id,omitempty"`
	Agent            *string   `json:"agent,omitempty"`
	Seconds          *int64    `json:"seconds,omitempty"`
	Billable         *bool     `json:"billable,omitempty"`
	StartedAt        string    `json:"started_at,omitempty"`
	EndedAt          string    `json:"ended_at,omitempty"`
	Rate             *float64  `json:"rate,omitempty"`
	Currency         string    `json:"currency,omitempty"`
	Rating           *int      `json:"rating,omitempty"`
	Into             string    `json:"into,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	DueAt            *string   `json:"due_at,omitempty"`
}

type wireEvent struct {
	Schema     *int       `json:"schema,omitempty"`
	EventID    string     `json:"event_id,omitempty"`
	Type       string     `json:"type,omitempty"`
	Tenant     string     `json:"tenant,omitempty"`
	TicketID   string     `json:"ticket_id,omitempty"`
	OccurredAt string     `json:"occurred_at,omitempty"`
	Actor      *wireActor `json:"actor,omitempty"`
	// a value, not a pointer: an absent data object reads as an empty one
	// (every field zero), and the decoder needs no allocation of its own
	Data wireData `json:"data,omitempty"`

	// what fastScan points the fields into; the JSON decoder ignores them
	fast      fastStore
	fastActor wireActor
}

// reset zeroes the fields, keeping fastScan's arrays for reuse.
func (w *wireEvent) reset() {
	fast := w.fast
	*w = wireEvent{}
	w.fast = fast
}

// wireEvents recycles the decoding targets: a wireEvent is some 400 bytes
// that every message would otherwise leave to the garbage collector.
var wireEvents = sync.Pool{New: func() any { return new(wireEvent) }}

// Decoder turns raw messages into Events. It is safe for concurrent use.
type Decoder struct {
	Labels *Mapper // nil means DefaultMapper
}

// Decode parses and validates one message. On error it still returns what it
// could read of the envelope (id, tenant, ticket, type), for the dead letter;
// the error is always an *Error.
func (d *Decoder) Decode(raw []byte) (Event, error) {
	var ev Event
	err := d.decode(raw, false, &ev)
	return ev, err
}

// DecodeInPlace is Decode into *ev (all of it overwritten), for a message
// whose bytes never change again (a Kafka message's value, which the
// reader allocates afresh for every message): the event's strings may
// point into raw instead of a copy of it, which saves a copy and an
// allocation of every message's strings, and the event is written where
// the caller keeps it, not copied there. raw must not be modified while
// the event or any string of it is in use.
func (d *Decoder) DecodeInPlace(raw []byte, ev *Event) error {
	*ev = Event{}
	return d.decode(raw, true, ev)
}

// decode fills a zero *ev.
func (d *Decoder) decode(raw []byte, inPlace bool, ev *Event) error {
	if len(raw) > MaxPayloadBytes {
		return reject(ReasonTooLarge, "", "payload is %d bytes, the limit is %d", len(raw), MaxPayloadBytes)
	}
	if !utf8.Valid(raw) {
		return reject(ReasonInvalidUTF8, "", "payload is not valid UTF-8 (first bad byte at offset %d)", firstInvalidUTF8(raw))
	}
	// json.Unmarshal, unlike a json.Decoder, rejects anything after the
	// value, including a stray '}' or ']' (which Decoder.More let through).
	w := wireEvents.Get().(*wireEvent)
	w.reset()
	defer wireEvents.Put(w)
	if fastScan(raw, w, inPlace) {
		return d.validate(ev, w)
	}
	w.reset()
	if err := json.Unmarshal(raw, w); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return reject(ReasonMalformedJSON, "", "%v", err)
		}
		if te.Field == "" {
			return reject(ReasonMalformedJSON, "", "the message is a JSON %s, not an object", te.Value)
		}
		// Unmarshal fills every field it can before reporting the first
		// type error, so the envelope is still known for the dead letter.
		ev.ID, ev.Tenant, ev.TicketID, ev.Type = w.EventID, w.Tenant, w.TicketID, Type(w.Type)
		return reject(ReasonInvalidField, te.Field, "expected %s, got JSON %s", te.Type, te.Value)
	}
	return d.validate(ev, w)
}

// validate checks the decoded fields and maps them into ev.
func (d *Decoder) validate(ev *Event, w *wireEvent) error {
	ev.ID, ev.Tenant, ev.TicketID, ev.Type = w.EventID, w.Tenant, w.TicketID, Type(w.Type)
	if w.Schema == nil {
		return reject(ReasonMissingField, "schema", "required")
	}
	if *w.Schema != SchemaVersion {
		return reject(ReasonUnsupportedSchema, "schema", "version %d is not supported (this build reads %d)", *w.Schema, SchemaVersion)
	}
	ev.Schema = *w.Schema
	for _, f := range []struct{ name, v string }{{"event_id", w.EventID}, {"tenant", w.Tenant}, {"ticket_id", w.TicketID}} {
		if err := checkID(f.name, f.v); err != nil {
			return err
		}
	}
	if w.Type == "" {
		return reject(ReasonMissingField, "type", "required")
	}
	if !ev.Type.Known() {
		return reject(ReasonUnknownType, "type", "%q is not a known event type", truncate(w.Type))
	}
	if w.OccurredAt == "" {
		return reject(ReasonMissingField, "occurred_at", "required")
	}
	t, err := parseTime("occurred_at", w.OccurredAt)
	if err != nil {
		return err
	}
	ev.OccurredAt = t
	if err := decodeActor(ev, w.Actor); err != nil {
		return err
	}
	return d.decodeData(ev, &w.Data)
}

func decodeActor(ev *Event, a *wireActor) error {
	if a == nil {
		return reject(ReasonMissingField, "actor", "required")
	}
	ev.Actor = Actor{Type: ActorType(a.Type), ID: a.ID}
	if a.Type == "" {
		return reject(ReasonMissingField, "actor.type", "required")
	}
	if !contains(ActorTypes, ev.Actor.Type) {
		return reject(ReasonInvalidField, "actor.type", "%q is not one of %v", truncate(a.Type), ActorTypes)
	}
	if ev.Actor.Type == ActorSystem && a.ID == "" {
		return nil // automations often have no identity of their own
	}
	return checkID("actor.id", a.ID)
}

func (d *Decoder) labels() *Mapper {
	if d.Labels == nil {
		return defaultMapper
	}
	return d.Labels
}

var defaultMapper = DefaultMapper()

func (d *Decoder) decodeData(ev *Event, w *wireData) error {
	m := d.labels()
	var err error
	switch ev.Type {
	case TypeCreated:
		if ev.Channel, err = requiredName("data.channel", lower(w.Channel)); err != nil {
			return err
		}
		if ev.Customer, err = requiredName("data.customer", w.Customer); err != nil {
			return err
		}
		// three calls, not a loop over a table of field pointers: escape
		// analysis would move the event to the heap for the table
		if ev.Organisation, err = optionalName("data.organisation", w.Organisation); err != nil {
			return err
		}
		if ev.Group, err = optionalName("data.group", w.Group); err != nil {
			return err
		}
		if ev.Assignee, err = optionalName("data.assignee", w.Assignee); err != nil {
			return err
		}
		if w.SupportingAgents != nil {
			if ev.SupportingAgents, err = names("data.supporting_agents", *w.SupportingAgents); err != nil {
				return err
			}
		}
		if w.Subject != nil {
			if len(*w.Subject) > maxTextBytes {
				return reject(ReasonInvalidField, "data.subject", "longer than %d bytes", maxTextBytes)
			}
			ev.Subject = *w.Subject
		}
		if ev.Tags, err = tags("data.tags", w.Tags); err != nil {
			return err
		}
		if err = mapStatus(m, ev, w.Status, true); err != nil {
			return err
		}
		if w.Priority == nil || *w.Priority == "" {
			// Desks without priorities (the call-centre CRM) get the
			// tenant's default; the empty label records that it was
			// defaulted, not sent.
			ev.Priority, ev.PriorityDefaulted = m.DefaultPriority(ev.Tenant), true
		} else if err = mapPriority(m, ev, w.Priority, true); err != nil {
			return err
		}
		return mapSeverity(m, ev, w.Severity, false)
	case TypeAssigned:
		if w.Assignee == nil && w.Group == nil && w.SupportingAgents == nil {
			return reject(ReasonMissingField, "data.assignee", "ticket.assigned needs assignee, group or supporting_agents")
		}
		if w.Assignee != nil {
			ev.SetsAssignee = true
			if ev.Assignee, err = optionalName("data.assignee", w.Assignee); err != nil {
				return err
			}
		}
		if w.Group != nil {
			ev.SetsGroup = true
			if ev.Group, err = optionalName("data.group", w.Group); err != nil {
				return err
			}
		}
		if w.SupportingAgents != nil {
			ev.SetsSupporting = true
			if ev.SupportingAgents, err = names("data.supporting_agents", *w.SupportingAgents); err != nil {
				return err
			}
		}
		return nil
	case TypeStatusChanged:
		return mapStatus(m, ev, w.Status, true)
	case TypePriorityChanged:
		return mapPriority(m, ev, w.Priority, true)
	case TypeSeverityChanged:
		return mapSeverity(m, ev, w.Severity, true)
	case TypeTagsChanged:
		if ev.TagsAdded, err = tags("data.added", w.Added); err != nil {
			return err
		}
		if ev.TagsRemoved, err = tags("data.removed", w.Removed); err != nil {
			return err
		}
		if len(ev.TagsAdded) == 0 && len(ev.TagsRemoved) == 0 {
			return reject(ReasonMissingField, "data.added", "ticket.tags_changed needs added or removed tags")
		}
		return nil
	case TypeMessage:
		if w.Kind == nil || *w.Kind == "" {
			return reject(ReasonMissingField, "data.kind", "required, one of %v", MessageKinds)
		}
		ev.MessageKind = MessageKind(*w.Kind)
		if !contains(MessageKinds, ev.MessageKind) {
			return reject(ReasonInvalidField, "data.kind", "%q is not one of %v", truncate(*w.Kind), MessageKinds)
		}
		if w.MessageID != "" {
			if err := checkID("data.message_id", w.MessageID); err != nil {
				return err
			}
			ev.MessageID = w.MessageID
		}
		return nil
	case TypeTimeLogged:
		return decodeTimeLogged(ev, w)
	case TypeRated:
		if w.Rating == nil {
			return reject(ReasonMissingField, "data.rating", "required, 1 to 5")
		}
		if *w.Rating < 1 || *w.Rating > 5 {
			return reject(ReasonInvalidField, "data.rating", "%d is not between 1 and 5", *w.Rating)
		}
		ev.Rating = uint8(*w.Rating)
		return nil
	case TypeMerged:
		if err := checkID("data.into", w.Into); err != nil {
			return err
		}
		if w.Into == ev.TicketID {
			return reject(ReasonInvalidField, "data.into", "a ticket cannot be merged into itself")
		}
		ev.MergedInto = w.Into
		return optionalText("data.reason", w.Reason, &ev.Reason)
	case TypeDeleted:
		return optionalText("data.reason", w.Reason, &ev.Reason)
	case TypeDueDateSet:
		// "" clears the due date; null is absent, as everywhere.
		if w.DueAt == nil {
			return reject(ReasonMissingField, "data.due_at", "required: a timestamp, or \"\" to clear the due date")
		}
		if *w.DueAt != "" {
			ev.DueAt, err = parseTime("data.due_at", *w.DueAt)
		}
		return err
	}
	return reject(ReasonUnknownType, "type", "%q is not a known event type", ev.Type)
}

func decodeTimeLogged(ev *Event, w *wireData) error {
	agent := w.Agent
	if agent == nil && ev.Actor.Type == ActorAgent {
		agent = &ev.Actor.ID
	}
	var err error
	if ev.Agent, err = requiredName("data.agent", agent); err != nil {
		return err
	}
	if w.Seconds == nil {
		return reject(ReasonMissingField, "data.seconds", "required")
	}
	if *w.Seconds <= 0 || *w.Seconds > maxLogSeconds {
		return reject(ReasonInvalidField, "data.seconds", "%d is not between 1 and %d", *w.Seconds, maxLogSeconds)
	}
	ev.Seconds = *w.Seconds
	if w.Billable == nil {
		return reject(ReasonMissingField, "data.billable", "required (true or false)")
	}
	ev.Billable = *w.Billable
	if w.StartedAt != "" {
		if ev.StartedAt, err = parseTime("data.started_at", w.StartedAt); err != nil {
			return err
		}
	}
	if w.EndedAt != "" {
		if ev.EndedAt, err = parseTime("data.ended_at", w.EndedAt); err != nil {
			return err
		}
	}
	if !ev.StartedAt.IsZero() && !ev.EndedAt.IsZero() && ev.EndedAt.Before(ev.StartedAt) {
		return reject(ReasonInvalidField, "data.ended_at", "%s is before started_at %s", w.EndedAt, w.StartedAt)
	}
	if w.Rate != nil {
		if *w.Rate < 0 || *w.Rate > 1e9 {
			return reject(ReasonInvalidField, "data.rate", "%v is not a plausible hourly rate", *w.Rate)
		}
		ev.HasRate, ev.Rate = true, *w.Rate
		if len(w.Currency) != 0 && !isCurrencyCode(w.Currency) {
			return reject(ReasonInvalidField, "data.currency", "%q is not an ISO 4217 code", truncate(w.Currency))
		}
		ev.Currency = w.Currency
	}
	return nil
}

// isCurrencyCode reports whether s looks like an ISO 4217 code: three ASCII
// capital letters ("VND", "RUB"), not a symbol or the numeric code.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func mapStatus(m *Mapper, ev *Event, label *string, required bool) error {
	if label == nil || *label == "" {
		if required {
			return reject(ReasonMissingField, "data.status", "required")
		}
		return nil
	}
	s, ok := m.Status(ev.Tenant, *label)
	if !ok {
		return reject(ReasonUnknownLabel, "data.status", "%q is not in tenant %q's status vocabulary", truncate(*label), ev.Tenant)
	}
	ev.Status, ev.StatusLabel = s, *label
	return nil
}

func mapPriority(m *Mapper, ev *Event, label *string, required bool) error {
	if label == nil || *label == "" {
		if required {
			return reject(ReasonMissingField, "data.priority", "required")
		}
		return nil
	}
	p, ok := m.Priority(ev.Tenant, *label)
	if !ok {
		return reject(ReasonUnknownLabel, "data.priority", "%q is not in tenant %q's priority vocabulary", truncate(*label), ev.Tenant)
	}
	ev.Priority, ev.PriorityLabel = p, *label
	return nil
}

func mapSeverity(m *Mapper, ev *Event, label *string, required bool) error {
	if label == nil || *label == "" {
		if required {
			return reject(ReasonMissingField, "data.severity", "required")
		}
		return nil
	}
	s, ok := m.Severity(ev.Tenant, *label)
	if !ok {
		return reject(ReasonUnknownLabel, "data.severity", "%q is not in tenant %q's severity vocabulary", truncate(*label), ev.Tenant)
	}
	ev.Severity, ev.SeverityLabel = s, *label
	return nil
}

// checkID validates an identifier: present, bounded, and free of control
// characters (which would break CSV exports and log lines).
func checkID(field, v string) error {
	if v == "" {
		return reject(ReasonMissingField, field, "required")
	}
	if len(v) > maxIDBytes {
		return reject(ReasonInvalidField, field, "longer than %d bytes", maxIDBytes)
	}
	if hasControl(v) {
		return reject(ReasonInvalidField, field, "contains control characters")
	}
	return nil
}

func requiredName(field string, v *string) (string, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return "", reject(ReasonMissingField, field, "required")
	}
	return optionalName(field, v)
}

// optionalName validates a display name (customer, group, agent): NFC, trimmed,
// bounded, no control characters. Absent or empty gives "".
func optionalName(field string, v *string) (string, error) {
	if v == nil {
		return "", nil
	}
	s := nfc(strings.TrimSpace(*v))
	if len(s) > maxLabelBytes {
		return "", reject(ReasonInvalidField, field, "longer than %d bytes", maxLabelBytes)
	}
	if hasControl(s) {
		return "", reject(ReasonInvalidField, field, "contains control characters")
	}
	return s, nil
}

// hasControl reports a control character in s, as unicode.IsControl
// would find: C0 and DEL are single bytes, the C1 controls (U+0080 to
// U+009F) are 0xC2 then 0x80 to 0x9F. A loop over bytes, not runes through
// a function value: it runs on every identifier and name of every event.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
			return true
		}
	}
	return false
}

// nfc normalises to NFC, skipping the work for the usual case of text that
// already is (all ASCII text is). QuickSpanString covering s proves it is
// (it does not allocate; IsNormalString does, once per call).
func nfc(s string) string {
	if norm.NFC.QuickSpanString(s) == len(s) {
		return s
	}
	return norm.NFC.String(s)
}

func optionalText(field, v string, dst *string) error {
	if len(v) > maxTextBytes {
		return reject(ReasonInvalidField, field, "longer than %d bytes", maxTextBytes)
	}
	*dst = v
	return nil
}

func names(field string, vs []string) ([]string, error) {
	if len(vs) > maxListLen {
		return nil, reject(ReasonInvalidField, field, "more than %d entries", maxListLen)
	}
	out := make([]string, 0, len(vs))
	for i := range vs {
		s, err := requiredName(field, &vs[i])
		if err != nil {
			// the element's path only now: formatting it for every tag costs
			var e *Error
			if errors.As(err, &e) {
				e.Field = fmt.Sprintf("%s[%d]", field, i)
			}
			return nil, err
		}
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// tags normalises tags like the help desks do: NFC, lower case, trimmed,
// each tag once. Order is kept so the stored event reads like the source.
// Tags are lower-cased before they are checked: a small letter can be longer
// in UTF-8 than its capital (Ⱥ is 2 bytes, ⱥ 3), and the limits must hold
// for the tag as stored, or a stored event would not decode again.
func tags(field string, vs []string) ([]string, error) {
	lowered := make([]string, len(vs))
	for i, v := range vs {
		lowered[i] = strings.ToLower(v)
	}
	return names(field, lowered)
}

// lower lower-cases an optional value before it is validated (see tags).
func lower(v *string) *string {
	if v == nil {
		return nil
	}
	l := strings.ToLower(*v)
	return &l
}

func parseTime(field, v string) (time.Time, error) {
	t, ok := parseRFC3339(v)
	if !ok {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return time.Time{}, reject(ReasonBadTimestamp, field, "%q is not an RFC 3339 timestamp", truncate(v))
		}
	}
	t = t.UTC().Truncate(time.Microsecond)
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, reject(ReasonBadTimestamp, field, "%s is outside %d-%d", v, minTime.Year(), maxTime.Year()-1)
	}
	return t, nil
}

func truncate(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}
