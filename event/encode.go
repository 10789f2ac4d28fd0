package event

import (
	"encoding/json"
	"time"
)

// Marshal renders an Event in the wire format of docs/events.md. Where the
// event carries a help desk's own label (StatusLabel, ...) that label is sent,
// otherwise the canonical value; Decode(Marshal(e)) gives e back.
func Marshal(e *Event) ([]byte, error) {
	w := wireEvent{
		Schema:     &e.Schema,
		EventID:    e.ID,
		Type:       string(e.Type),
		Tenant:     e.Tenant,
		TicketID:   e.TicketID,
		OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339Nano),
		Actor:      &wireActor{Type: string(e.Actor.Type), ID: e.Actor.ID},
	}
	if e.Schema == 0 {
		v := SchemaVersion
		w.Schema = &v
	}
	d := &w.Data
	label := func(l, canonical string) *string {
		if l == "" {
			l = canonical
		}
		return &l
	}
	switch e.Type {
	case TypeCreated:
		d.Channel, d.Customer, d.Subject = &e.Channel, &e.Customer, &e.Subject
		if e.Organisation != "" {
			d.Organisation = &e.Organisation
		}
		if e.Group != "" {
			d.Group = &e.Group
		}
		if e.Assignee != "" {
			d.Assignee = &e.Assignee
		}
		if len(e.SupportingAgents) > 0 {
			d.SupportingAgents = &e.SupportingAgents
		}
		d.Tags = e.Tags
		d.Status = label(e.StatusLabel, string(e.Status))
		if !e.PriorityDefaulted {
			d.Priority = label(e.PriorityLabel, string(e.Priority))
		}
		if e.Severity != "" {
			d.Severity = label(e.SeverityLabel, string(e.Severity))
		}
	case TypeAssigned:
		if e.SetsAssignee {
			d.Assignee = &e.Assignee
		}
		if e.SetsGroup {
			d.Group = &e.Group
		}
		if e.SetsSupporting {
			// A nil slice would be sent as null, which reads as "absent":
			// clearing the supporting agents must be an empty list.
			sa := e.SupportingAgents
			if sa == nil {
				sa = []string{}
			}
			d.SupportingAgents = &sa
		}
	case TypeStatusChanged:
		d.Status = label(e.StatusLabel, string(e.Status))
	case TypePriorityChanged:
		d.Priority = label(e.PriorityLabel, string(e.Priority))
	case TypeSeverityChanged:
		d.Severity = label(e.SeverityLabel, string(e.Severity))
	case TypeTagsChanged:
		d.Added, d.Removed = e.TagsAdded, e.TagsRemoved
	case TypeMessage:
		k := string(e.MessageKind)
		d.Kind, d.MessageID = &k, e.MessageID
	case TypeTimeLogged:
		d.Agent, d.Seconds, d.Billable = &e.Agent, &e.Seconds, &e.Billable
		if !e.StartedAt.IsZero() {
			d.StartedAt = e.StartedAt.UTC().Format(time.RFC3339Nano)
		}
		if !e.EndedAt.IsZero() {
			d.EndedAt = e.EndedAt.UTC().Format(time.RFC3339Nano)
		}
		if e.HasRate {
			d.Rate, d.Currency = &e.Rate, e.Currency
		}
	case TypeRated:
		r := int(e.Rating)
		d.Rating = &r
	case TypeMerged:
		d.Into, d.Reason = e.MergedInto, e.Reason
	case TypeDeleted:
		d.Reason = e.Reason
	case TypeDueDateSet:
		due := "" // clears
		if !e.DueAt.IsZero() {
			due = e.DueAt.UTC().Format(time.RFC3339Nano)
		}
		d.DueAt = &due
	}
	return json.Marshal(&w)
}
