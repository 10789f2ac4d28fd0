// Package ticket derives a ticket's current state from its event history.
// The derivation is a pure fold, so the state stored in the warehouse can
// always be rebuilt from the stored events, and replays or out-of-order
// arrival cannot change the answer.
package ticket

import (
	"slices"
	"time"

	"github.com/slatehq/slate/event"
)

// State is one ticket as of its latest known event.
type State struct {
	Tenant, TicketID string
	// Version is the number of distinct events folded. Histories only
	// grow, so a state with a higher version is derived from more facts.
	Version uint64

	HasCreated       bool // false while ticket.created has not arrived yet
	Channel          string
	Customer         string
	Organisation     string
	Group            string
	Assignee         string
	SupportingAgents []string
	Subject          string
	Status           event.Status
	Priority         event.Priority
	Severity         event.Severity
	Tags             []string
	// The desk's own labels of the current status, priority and severity:
	// the label of the latest event that set each value. "" when the event
	// had none (a defaulted priority, an absent severity).
	StatusLabel, PriorityLabel, SeverityLabel string

	CreatedAt      time.Time
	CreatedBy      event.ActorType
	FirstRepliedAt time.Time // first public agent reply; zero if none
	FirstSolvedAt  time.Time
	SolvedAt       time.Time // latest transition into solved (zero while unsolved)
	ClosedAt       time.Time // latest transition into closed (zero unless closed)
	ReopenCount    uint32
	StatusSince    time.Time   // when the current status was entered
	SolvedTimes    []time.Time // every transition into a resolved status, in history order
	ReopenedTimes  []time.Time // every transition out of a resolved status

	PublicReplies   uint32
	CustomerReplies uint32
	InternalNotes   uint32

	Rating  uint8 // 0 = not rated; which rating counts is Rules.FirstRatingStands
	RatedAt time.Time

	MergedInto  string
	Deleted     bool
	LastEventAt time.Time // of the last event folded, in history order
	LastEventID string

	// Creator is who created the ticket: the ticket.created actor's id
	// ("" for a system actor without one).
	Creator string
	// DueAt is the due date set by hand (ticket.due_date_set); zero: none.
	DueAt time.Time

	// Rules are the desk's, from configuration: set by whoever folds, never
	// stored with the state.
	Rules Rules
}

// Rules are a help desk's own rules for deriving a ticket's state.
type Rules struct {
	// FirstRatingStands keeps a ticket's first rating: desks that allow one
	// rating per ticket ignore later ones. Otherwise the latest counts.
	FirstRatingStands bool
}

// Fold derives the state from a ticket's events, in any order and with
// repeated ids; it sorts and de-duplicates a copy. All events must belong
// to the same ticket.
func Fold(history []event.Event) State {
	return FoldWith(history, Rules{})
}

// FoldWith is Fold under a desk's rules.
func FoldWith(history []event.Event, rules Rules) State {
	refs := make([]*event.Event, len(history))
	for i := range history {
		refs[i] = &history[i]
	}
	s := State{Rules: rules}
	s.Apply(event.SortHistoryRefs(refs))
	return s
}

// Follows reports whether e sorts after every event folded into s, so that
// s.Apply can take it; otherwise only a Fold of the whole history is exact.
func (s *State) Follows(e *event.Event) bool {
	if s.Version == 0 {
		return true
	}
	last := event.Event{OccurredAt: s.LastEventAt, ID: s.LastEventID}
	return event.Compare(&last, e) < 0
}

// Apply folds events that are sorted, free of repeats and all Follow s:
// Fold(h1 + h2) == Fold(h1).Apply(h2) under those conditions, which lets a
// projection extend a stored state instead of re-reading the history.
func (s *State) Apply(sorted []*event.Event) {
	if len(sorted) == 0 {
		return
	}
	if s.Version == 0 {
		s.Tenant, s.TicketID = sorted[0].Tenant, sorted[0].TicketID
	}
	s.Version += uint64(len(sorted))
	for _, e := range sorted {
		s.apply(e)
	}
}

func (s *State) apply(e *event.Event) {
	s.LastEventAt, s.LastEventID = e.OccurredAt, e.ID
	switch e.Type {
	case event.TypeCreated:
		s.HasCreated = true
		s.CreatedAt, s.CreatedBy, s.Creator = e.OccurredAt, e.Actor.Type, e.Actor.ID
		s.Channel, s.Customer, s.Organisation, s.Subject = e.Channel, e.Customer, e.Organisation, e.Subject
		s.Group, s.Assignee = e.Group, e.Assignee
		s.SupportingAgents = slices.Clone(e.SupportingAgents)
		s.Priority, s.Severity = e.Priority, e.Severity
		s.PriorityLabel, s.SeverityLabel = e.PriorityLabel, e.SeverityLabel
		s.Tags = slices.Clone(e.Tags)
		s.setStatus(e.Status, e.OccurredAt)
		s.StatusLabel = e.StatusLabel
	case event.TypeAssigned:
		if e.SetsAssignee {
			s.Assignee = e.Assignee
		}
		if e.SetsGroup {
			s.Group = e.Group
		}
		if e.SetsSupporting {
			s.SupportingAgents = slices.Clone(e.SupportingAgents)
		}
	case event.TypeStatusChanged:
		// the label changes even when the status does not: "Đang xử lý"
		// and "KH Đã phản hồi" are both open at the support portal
		s.setStatus(e.Status, e.OccurredAt)
		s.StatusLabel = e.StatusLabel
	case event.TypeDueDateSet:
		s.DueAt = e.DueAt
	case event.TypePriorityChanged:
		s.Priority, s.PriorityLabel = e.Priority, e.PriorityLabel
	case event.TypeSeverityChanged:
		s.Severity, s.SeverityLabel = e.Severity, e.SeverityLabel
	case event.TypeTagsChanged:
		// a copy: a State is a value, and its copies (a fold's earlier
		// states, the writer's staged and stored ones) share the array
		s.Tags = slices.DeleteFunc(slices.Clone(s.Tags), func(t string) bool { return slices.Contains(e.TagsRemoved, t) })
		for _, t := range e.TagsAdded {
			if !slices.Contains(s.Tags, t) {
				s.Tags = append(s.Tags, t)
			}
		}
	case event.TypeMessage:
		switch e.MessageKind {
		case event.MessagePublicReply:
			s.PublicReplies++
			if s.FirstRepliedAt.IsZero() {
				s.FirstRepliedAt = e.OccurredAt
			}
		case event.MessageCustomerReply:
			s.CustomerReplies++
		case event.MessageInternalNote:
			s.InternalNotes++
		}
	case event.TypeRated:
		if s.Rating == 0 || !s.Rules.FirstRatingStands {
			s.Rating, s.RatedAt = e.Rating, e.OccurredAt
		}
	case event.TypeMerged:
		s.MergedInto = e.MergedInto
	case event.TypeDeleted:
		s.Deleted = true
	}
}

// setStatus applies a status and keeps the resolution timestamps: a move
// from solved or closed back to an unresolved status is a reopen.
func (s *State) setStatus(to event.Status, at time.Time) {
	from := s.Status
	if from == to {
		return
	}
	s.StatusSince = at
	// Clip before appending: States are copied by value (cache, batches), and
	// a shared backing array must never be written through two copies.
	if from.Resolved() && !to.Resolved() {
		s.ReopenCount++
		s.ReopenedTimes = append(slices.Clip(s.ReopenedTimes), at)
		s.SolvedAt, s.ClosedAt = time.Time{}, time.Time{}
	}
	if to.Resolved() && !from.Resolved() {
		s.SolvedTimes = append(slices.Clip(s.SolvedTimes), at)
	}
	switch to {
	case event.StatusSolved:
		s.SolvedAt = at
		if s.FirstSolvedAt.IsZero() {
			s.FirstSolvedAt = at
		}
	case event.StatusClosed:
		s.ClosedAt = at
		if s.SolvedAt.IsZero() { // closed without passing through solved
			s.SolvedAt = at
		}
		if s.FirstSolvedAt.IsZero() {
			s.FirstSolvedAt = at
		}
	}
	s.Status = to
}
