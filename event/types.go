// Package event is Slate's domain core: the ticket lifecycle event contract
// (docs/events.md), its canonical vocabularies and the decoder that turns one
// Kafka message into a validated Event or a reasoned rejection.
//
// Adapters (Kafka ingest, ClickHouse warehouse, generators) depend on this
// package; it depends on none of them.
package event

import (
	"time"
)

// SchemaVersion is the only version of the wire format this build accepts.
const SchemaVersion = 1

// MaxPayloadBytes bounds one message: larger payloads are dead-lettered
// before any parsing so a hostile producer cannot make ingest allocate.
const MaxPayloadBytes = 1 << 20

// Type names a lifecycle event.
type Type string

const (
	TypeCreated         Type = "ticket.created"
	TypeAssigned        Type = "ticket.assigned"
	TypeStatusChanged   Type = "ticket.status_changed"
	TypePriorityChanged Type = "ticket.priority_changed"
	TypeSeverityChanged Type = "ticket.severity_changed"
	TypeTagsChanged     Type = "ticket.tags_changed"
	TypeMessage         Type = "ticket.message"
	TypeTimeLogged      Type = "ticket.time_logged"
	TypeRated           Type = "ticket.rated"
	TypeMerged          Type = "ticket.merged"
	TypeDeleted         Type = "ticket.deleted"
	// TypeDueDateSet came after the first release of schema 1: a new type
	// (docs/events.md), so producers that never send it are unaffected.
	TypeDueDateSet Type = "ticket.due_date_set"
)

// Types lists every known event type, in documentation order.
var Types = []Type{
	TypeCreated, TypeAssigned, TypeStatusChanged, TypePriorityChanged,
	TypeSeverityChanged, TypeTagsChanged, TypeMessage, TypeTimeLogged,
	TypeRated, TypeMerged, TypeDeleted, TypeDueDateSet,
}

// Known reports whether t is one of Types.
func (t Type) Known() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Status is a canonical ticket status.
type Status string

const (
	StatusNew     Status = "new"
	StatusOpen    Status = "open"
	StatusPending Status = "pending"
	StatusOnHold  Status = "on_hold"
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed"
)

// Statuses lists the canonical statuses in lifecycle order.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusOnHold, StatusSolved, StatusClosed}

// Resolved reports whether the status ends the work on a ticket; a change
// from a resolved to an unresolved status is a reopen.
func (s Status) Resolved() bool { return s == StatusSolved || s == StatusClosed }

// Priority is a canonical ticket priority.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists the canonical priorities from lowest to highest.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Severity is a canonical ticket severity.
type Severity string

const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists the canonical severities from lowest to highest.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// ActorType says who caused an event.
type ActorType string

const (
	ActorAgent    ActorType = "agent"
	ActorCustomer ActorType = "customer"
	ActorSystem   ActorType = "system"
)

// ActorTypes lists the valid actor types.
var ActorTypes = []ActorType{ActorAgent, ActorCustomer, ActorSystem}

// MessageKind classifies a ticket.message. Only public agent replies stop
// reply clocks; internal notes and system messages never do.
type MessageKind string

const (
	MessagePublicReply   MessageKind = "public_reply"
	MessageInternalNote  MessageKind = "internal_note"
	MessageCustomerReply MessageKind = "customer_reply"
	MessageSystem        MessageKind = "system"
)

// MessageKinds lists the valid message kinds.
var MessageKinds = []MessageKind{MessagePublicReply, MessageInternalNote, MessageCustomerReply, MessageSystem}

// Actor is who caused an event.
type Actor struct {
	Type ActorType
	ID   string
}

// Event is one decoded, validated and canonicalised lifecycle event. Fields
// that do not belong to the event's Type are zero.
type Event struct {
	// The fields every reader of a history touches for every event come
	// first, in two cache lines: the SLA engine's pass over a ticket's
	// events loads these and, for most events, nothing else.
	ID         string
	OccurredAt time.Time // UTC, truncated to microseconds
	Type       Type
	Actor      Actor
	Status     Status // ticket.created, ticket.status_changed
	// ticket.message
	MessageKind MessageKind
	// ticket.assigned: which of Assignee/Group/SupportingAgents the event
	// sets; a field it does not set keeps its value ("" assignee that is
	// set means unassigned).
	SetsAssignee, SetsGroup, SetsSupporting bool

	Schema   int
	Tenant   string
	TicketID string

	// ticket.created (and, where noted, later changes)
	Channel          string
	Customer         string
	Organisation     string
	Group            string   // also ticket.assigned
	Assignee         string   // also ticket.assigned ("" = unassigned)
	SupportingAgents []string // also ticket.assigned
	Subject          string
	Priority         Priority // also ticket.priority_changed
	Severity         Severity // also ticket.severity_changed
	Tags             []string // the full tag set at creation
	// The help desk's own labels, kept for display and audit.
	StatusLabel, PriorityLabel, SeverityLabel string
	// PriorityDefaulted: ticket.created came without a priority and got
	// its tenant's default (PriorityLabel is then empty). Encoding leaves
	// the priority out again, so the event reads back the same.
	PriorityDefaulted bool

	// ticket.tags_changed
	TagsAdded, TagsRemoved []string

	// ticket.message
	MessageID string

	// ticket.time_logged
	Agent     string
	Seconds   int64
	Billable  bool
	StartedAt time.Time // zero when not given
	EndedAt   time.Time // zero when not given
	HasRate   bool
	Rate      float64 // per hour, in Currency
	Currency  string

	// ticket.rated
	Rating uint8

	// ticket.merged
	MergedInto string

	// ticket.deleted / ticket.merged
	Reason string

	// ticket.due_date_set: the due date set by hand, UTC, truncated to
	// microseconds; zero clears it.
	DueAt time.Time
}

// OccurredMicros is OccurredAt in microseconds since the Unix epoch.
func (e *Event) OccurredMicros() int64 { return e.OccurredAt.UnixMicro() }
