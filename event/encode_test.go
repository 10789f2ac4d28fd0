package event

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRoundTripExamples: decoding, marshalling and decoding again gives the
// same event, for every type.
func TestRoundTripExamples(t *testing.T) {
	d := testDecoder(t)
	for _, ex := range validExamples {
		t.Run(string(ex.typ), func(t *testing.T) {
			first, err := d.Decode([]byte(ex.json))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			wire, err := Marshal(&first)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			second, err := d.Decode(wire)
			if err != nil {
				t.Fatalf("Decode(Marshal): %v\n%s", err, wire)
			}
			if diff := eventDiff(second, first); diff != "" {
				t.Errorf("round trip changed the event:\n%s\nwire: %s", diff, wire)
			}
		})
	}
}

// TestRoundTripBuiltEvents: events built in Go (as generators and tests of
// other packages do) survive Marshal and Decode.
func TestRoundTripBuiltEvents(t *testing.T) {
	env := func(id string, typ Type) Event {
		return Event{Schema: 1, ID: id, Type: typ, Tenant: "hanoi-callcentre", TicketID: "T-7",
			OccurredAt: utc(2024, 3, 5, 10, 0, 0, 123456000), Actor: Actor{Type: ActorAgent, ID: "agent-1"}}
	}
	with := func(e Event, f func(*Event)) Event { f(&e); return e }
	tests := []struct {
		name string
		ev   Event
	}{
		{"created with canonical values only", with(env("b1", TypeCreated), func(e *Event) {
			e.Channel, e.Customer, e.Subject = "phone", "Công ty ABC", ""
			e.Status, e.Priority = StatusOpen, PriorityHigh
		})},
		{"created with every field and labels", with(env("b2", TypeCreated), func(e *Event) {
			e.Channel, e.Customer, e.Organisation, e.Group, e.Assignee = "zalo", "Nguyễn Văn A", "ABC", "Hỗ trợ", "agent-2"
			e.SupportingAgents, e.Subject, e.Tags = []string{"agent-3"}, "Lỗi <hóa đơn> & \"thuế\"", []string{"hóa đơn", "vip"}
			e.Status, e.StatusLabel = StatusOnHold, "Đợi hỗ trợ"
			e.Priority, e.PriorityLabel = PriorityNormal, "bình thường"
			e.Severity, e.SeverityLabel = SeverityHigh, "cao"
		})},
		{"assigned: assignee only", with(env("b3", TypeAssigned), func(e *Event) { e.Assignee, e.SetsAssignee = "agent-2", true })},
		{"assigned: unassign", with(env("b4", TypeAssigned), func(e *Event) { e.SetsAssignee = true })},
		{"assigned: group and supporting", with(env("b5", TypeAssigned), func(e *Event) {
			e.Group, e.SetsGroup, e.SupportingAgents, e.SetsSupporting = "Billing", true, []string{"a", "b"}, true
		})},
		{"assigned: clear supporting agents with a nil slice", with(env("b6", TypeAssigned), func(e *Event) {
			e.Assignee, e.SetsAssignee, e.SetsSupporting = "agent-2", true, true
		})},
		{"assigned: everything at once", with(env("b19", TypeAssigned), func(e *Event) {
			e.Assignee, e.SetsAssignee, e.Group, e.SetsGroup = "agent-2", true, "Billing", true
			e.SupportingAgents, e.SetsSupporting = []string{"agent-3"}, true
		})},
		{"assigned: clear the group", with(env("b7", TypeAssigned), func(e *Event) { e.SetsGroup = true })},
		{"status_changed canonical", with(env("b8", TypeStatusChanged), func(e *Event) { e.Status = StatusSolved })},
		{"status_changed with label", with(env("b9", TypeStatusChanged), func(e *Event) { e.Status, e.StatusLabel = StatusClosed, "Hoàn thành" })},
		{"priority_changed", with(env("b10", TypePriorityChanged), func(e *Event) { e.Priority = PriorityUrgent })},
		{"severity_changed", with(env("b11", TypeSeverityChanged), func(e *Event) { e.Severity, e.SeverityLabel = SeverityLow, "thấp" })},
		{"tags_changed", with(env("b12", TypeTagsChanged), func(e *Event) { e.TagsAdded, e.TagsRemoved = []string{"gấp"}, []string{"vip", "cũ"} })},
		{"message", with(env("b13", TypeMessage), func(e *Event) { e.MessageKind, e.MessageID = MessageInternalNote, "m-1" })},
		{"time_logged minimal", with(env("b14", TypeTimeLogged), func(e *Event) { e.Agent, e.Seconds = "agent-1", 1 })},
		{"time_logged full", with(env("b15", TypeTimeLogged), func(e *Event) {
			e.Agent, e.Seconds, e.Billable = "agent-9", 3600, true
			e.StartedAt, e.EndedAt = utc(2024, 3, 5, 9, 0, 0, 1000), utc(2024, 3, 5, 10, 0, 0, 999999000)
			e.HasRate, e.Rate, e.Currency = true, 12.5, "USD"
		})},
		{"rated", with(env("b16", TypeRated), func(e *Event) { e.Actor, e.Rating = Actor{Type: ActorCustomer, ID: "c"}, 3 })},
		{"merged", with(env("b17", TypeMerged), func(e *Event) { e.MergedInto = "T-1" })},
		{"deleted by system", with(env("b18", TypeDeleted), func(e *Event) { e.Actor, e.Reason = Actor{Type: ActorSystem}, "GDPR" })},
	}
	d := testDecoder(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire, err := Marshal(&tt.ev)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			got, err := d.Decode(wire)
			if err != nil {
				t.Fatalf("Decode(Marshal): %v\n%s", err, wire)
			}
			// A decoded event's label is what was sent, and Marshal sends the
			// canonical value when there is no label.
			want := tt.ev
			if want.Status != "" && want.StatusLabel == "" {
				want.StatusLabel = string(want.Status)
			}
			if want.Priority != "" && want.PriorityLabel == "" {
				want.PriorityLabel = string(want.Priority)
			}
			if want.Severity != "" && want.SeverityLabel == "" {
				want.SeverityLabel = string(want.Severity)
			}
			if diff := eventDiff(got, want); diff != "" {
				t.Errorf("round trip changed the event:\n%s\nwire: %s", diff, wire)
			}
		})
	}
}

// TestMarshalWireFormat checks the JSON Marshal writes, field by field.
func TestMarshalWireFormat(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{
			name: "zero schema becomes the current version; times in UTC; label sent instead of the canonical value",
			ev: Event{ID: "e1", Type: TypeStatusChanged, Tenant: "t", TicketID: "T1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 120000000), Actor: Actor{Type: ActorSystem},
				Status: StatusPending, StatusLabel: "Đợi KH phản hồi"},
			want: `{"schema":1,"event_id":"e1","type":"ticket.status_changed","tenant":"t","ticket_id":"T1","occurred_at":"2024-03-05T10:00:00.12Z","actor":{"type":"system"},"data":{"status":"Đợi KH phản hồi"}}`,
		},
		{
			name: "canonical value when there is no label",
			ev: Event{Schema: 1, ID: "e2", Type: TypePriorityChanged, Tenant: "t", TicketID: "T1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "a"}, Priority: PriorityHigh},
			want: `{"schema":1,"event_id":"e2","type":"ticket.priority_changed","tenant":"t","ticket_id":"T1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"agent","id":"a"},"data":{"priority":"high"}}`,
		},
		{
			name: "assigned that clears supporting agents sends an empty list, not null",
			ev: Event{Schema: 1, ID: "e3", Type: TypeAssigned, Tenant: "t", TicketID: "T1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "a"},
				Assignee: "b", SetsAssignee: true, SetsSupporting: true},
			want: `{"schema":1,"event_id":"e3","type":"ticket.assigned","tenant":"t","ticket_id":"T1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"agent","id":"a"},"data":{"assignee":"b","supporting_agents":[]}}`,
		},
		{
			name: "assigned that unassigns sends an empty assignee",
			ev: Event{Schema: 1, ID: "e5", Type: TypeAssigned, Tenant: "t", TicketID: "T1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "a"},
				SetsAssignee: true},
			want: `{"schema":1,"event_id":"e5","type":"ticket.assigned","tenant":"t","ticket_id":"T1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"agent","id":"a"},"data":{"assignee":""}}`,
		},
		{
			name: "assigned without SetsAssignee does not send the assignee, even if one is set",
			ev: Event{Schema: 1, ID: "e6", Type: TypeAssigned, Tenant: "t", TicketID: "T1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "a"},
				Assignee: "b", Group: "L2", SetsGroup: true},
			want: `{"schema":1,"event_id":"e6","type":"ticket.assigned","tenant":"t","ticket_id":"T1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"agent","id":"a"},"data":{"group":"L2"}}`,
		},
		{
			name: "time_logged with rate",
			ev: Event{Schema: 1, ID: "e4", Type: TypeTimeLogged, Tenant: "t", TicketID: "T1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "a"},
				Agent: "a", Seconds: 90, Billable: false, EndedAt: utc(2024, 3, 5, 10, 0, 0, 0), HasRate: true, Rate: 0, Currency: "RUB"},
			want: `{"schema":1,"event_id":"e4","type":"ticket.time_logged","tenant":"t","ticket_id":"T1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"agent","id":"a"},"data":{"agent":"a","seconds":90,"billable":false,"ended_at":"2024-03-05T10:00:00Z","rate":0,"currency":"RUB"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(&tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, got, []byte(tt.want)) {
				t.Errorf("Marshal =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}

// TestTagLowerCasingStaysWithinLimits: some capitals are shorter in UTF-8
// than their small letters (Ⱥ is 2 bytes, ⱥ is 3), so the byte limit must
// hold for the tag as spelt and as folded (tickets store it folded), or a
// stored event or ticket could not be read again.
func TestTagLowerCasingStaysWithinLimits(t *testing.T) {
	d := testDecoder(t)
	tag := strings.Repeat("Ⱥ", 256) // 512 bytes as sent, 768 bytes lower-cased
	msg := edit(t, jsonTagsChanged, `"Gấp"`, `"`+tag+`"`)
	_, err := d.Decode([]byte(msg))
	if e := asError(t, err); e.Reason != ReasonInvalidField || e.Field != "data.added[2]" {
		t.Errorf("got %v, want invalid_field at data.added[2]", err)
	}
	// The same for the channel, which is lower-cased too.
	msg = edit(t, jsonCreated, `"Zalo"`, `"`+tag+`"`)
	if _, err := d.Decode([]byte(msg)); ReasonOf(err) != ReasonInvalidField {
		t.Errorf("channel: got %v, want invalid_field", err)
	}
}
