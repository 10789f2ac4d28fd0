package event

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeRejects(t *testing.T) {
	const (
		actorAgent = `"actor": {"type": "agent", "id": "agent-7"}`
	)
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name   string
		json   string
		reason Reason
		field  string
	}{
		// Before any parsing.
		{"invalid UTF-8 in a value", edit(t, jsonDeleted, `"spam"`, "\"sp\xffam\""), ReasonInvalidUTF8, ""},
		{"truncated UTF-8 sequence", edit(t, jsonDeleted, `"spam"`, "\"spam\xe1\xba\""), ReasonInvalidUTF8, ""},
		{"UTF-16 surrogate encoded as UTF-8", edit(t, jsonDeleted, `"spam"`, "\"\xed\xa0\x80\""), ReasonInvalidUTF8, ""},

		// Not one JSON object.
		{"empty message", ``, ReasonMalformedJSON, ""},
		{"white space only", " \n\t ", ReasonMalformedJSON, ""},
		{"truncated", jsonDeleted[:len(jsonDeleted)-1], ReasonMalformedJSON, ""},
		{"trailing comma", edit(t, jsonDeleted, `"spam"}`, `"spam",}`), ReasonMalformedJSON, ""},
		{"single quotes", `{'schema': 1}`, ReasonMalformedJSON, ""},
		{"trailing garbage", jsonDeleted + ` xyz`, ReasonMalformedJSON, ""},
		{"trailing closing brace", jsonDeleted + `}`, ReasonMalformedJSON, ""},
		{"trailing closing bracket", jsonDeleted + `]`, ReasonMalformedJSON, ""},
		{"two JSON values", jsonDeleted + jsonDeleted, ReasonMalformedJSON, ""},
		{"two JSON values on two lines", jsonDeleted + "\n" + jsonRated, ReasonMalformedJSON, ""},
		{"a JSON value after the object", jsonDeleted + ` 1`, ReasonMalformedJSON, ""},
		{"top-level array", `[` + jsonDeleted + `]`, ReasonMalformedJSON, ""},
		{"top-level string", `"ticket.deleted"`, ReasonMalformedJSON, ""},

		// Schema.
		{"missing schema", edit(t, jsonDeleted, `"schema": 1, `, ``), ReasonMissingField, "schema"},
		{"null schema", edit(t, jsonDeleted, `"schema": 1`, `"schema": null`), ReasonMissingField, "schema"},
		{"schema 2", edit(t, jsonDeleted, `"schema": 1`, `"schema": 2`), ReasonUnsupportedSchema, "schema"},
		{"schema 0", edit(t, jsonDeleted, `"schema": 1`, `"schema": 0`), ReasonUnsupportedSchema, "schema"},
		{"schema as string", edit(t, jsonDeleted, `"schema": 1`, `"schema": "1"`), ReasonInvalidField, "schema"},
		{"schema as fraction", edit(t, jsonDeleted, `"schema": 1`, `"schema": 1.5`), ReasonInvalidField, "schema"},

		// Type.
		{"unknown type", edit(t, jsonDeleted, `"ticket.deleted"`, `"ticket.exploded"`), ReasonUnknownType, "type"},
		{"type in upper case", edit(t, jsonDeleted, `"ticket.deleted"`, `"TICKET.DELETED"`), ReasonUnknownType, "type"},
		{"missing type", edit(t, jsonDeleted, `"type": "ticket.deleted",`, ``), ReasonMissingField, "type"},
		{"type as number", edit(t, jsonDeleted, `"ticket.deleted"`, `7`), ReasonInvalidField, "type"},

		// Envelope identifiers.
		{"missing event_id", edit(t, jsonDeleted, `"event_id": "evt-0011", `, ``), ReasonMissingField, "event_id"},
		{"missing tenant", edit(t, jsonDeleted, `"tenant": "acme", `, ``), ReasonMissingField, "tenant"},
		{"missing ticket_id", edit(t, jsonDeleted, `"ticket_id": "T-1011", `, ``), ReasonMissingField, "ticket_id"},
		{"empty event_id", edit(t, jsonDeleted, `"evt-0011"`, `""`), ReasonMissingField, "event_id"},
		{"event_id as number", edit(t, jsonDeleted, `"evt-0011"`, `11`), ReasonInvalidField, "event_id"},
		{"ticket_id as object", edit(t, jsonDeleted, `"T-1011"`, `{"id":"T-1011"}`), ReasonInvalidField, "ticket_id"},
		{"NUL in event_id", edit(t, jsonDeleted, `"evt-0011"`, `"evt\u0000-0011"`), ReasonInvalidField, "event_id"},
		{"new line in tenant", edit(t, jsonDeleted, `"acme"`, `"acme\n"`), ReasonInvalidField, "tenant"},
		{"tab in ticket_id", edit(t, jsonDeleted, `"T-1011"`, `"T-\t1011"`), ReasonInvalidField, "ticket_id"},
		{"DEL in ticket_id", edit(t, jsonDeleted, `"T-1011"`, `"T-1011\u007f"`), ReasonInvalidField, "ticket_id"},
		{"C1 control in event_id", edit(t, jsonDeleted, `"evt-0011"`, `"evt-0011\u0085"`), ReasonInvalidField, "event_id"},
		{"129-byte event_id", edit(t, jsonDeleted, `"evt-0011"`, `"`+long(129)+`"`), ReasonInvalidField, "event_id"},
		{"129-byte tenant", edit(t, jsonDeleted, `"acme"`, `"`+long(129)+`"`), ReasonInvalidField, "tenant"},
		{"129-byte ticket_id (43 three-byte runes)", edit(t, jsonDeleted, `"T-1011"`, `"`+strings.Repeat("\u1ec7", 43)+`"`), ReasonInvalidField, "ticket_id"},

		// occurred_at.
		{"missing occurred_at", edit(t, jsonDeleted, `"occurred_at": "2024-03-06T08:00:00Z",`, ``), ReasonMissingField, "occurred_at"},
		{"occurred_at as Unix seconds", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `1709712000`), ReasonInvalidField, "occurred_at"},
		{"space instead of T", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2024-03-06 08:00:00Z"`), ReasonBadTimestamp, "occurred_at"},
		{"day-first date", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"06/03/2024 08:00"`), ReasonBadTimestamp, "occurred_at"},
		{"date only", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2024-03-06"`), ReasonBadTimestamp, "occurred_at"},
		{"no zone", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2024-03-06T08:00:00"`), ReasonBadTimestamp, "occurred_at"},
		{"no zone with fraction", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2024-03-06T08:00:00.123456"`), ReasonBadTimestamp, "occurred_at"},
		{"zone without colon", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2024-03-06T08:00:00+0700"`), ReasonBadTimestamp, "occurred_at"},
		{"month 13", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2024-13-06T08:00:00Z"`), ReasonBadTimestamp, "occurred_at"},
		{"30 February", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2024-02-30T08:00:00Z"`), ReasonBadTimestamp, "occurred_at"},
		{"year 1999", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"1999-12-31T23:59:59.999999Z"`), ReasonBadTimestamp, "occurred_at"},
		{"year 2000 local but 1999 in UTC", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2000-01-01T06:59:59+07:00"`), ReasonBadTimestamp, "occurred_at"},
		{"year 2100", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"2100-01-01T00:00:00Z"`), ReasonBadTimestamp, "occurred_at"},
		{"year 0001", edit(t, jsonDeleted, `"2024-03-06T08:00:00Z"`, `"0001-01-01T00:00:00Z"`), ReasonBadTimestamp, "occurred_at"},

		// Actor.
		{"missing actor", edit(t, jsonDeleted, `"actor": {"type": "system"},`, ``), ReasonMissingField, "actor"},
		{"null actor", edit(t, jsonDeleted, `{"type": "system"}`, `null`), ReasonMissingField, "actor"},
		{"actor as string", edit(t, jsonDeleted, `{"type": "system"}`, `"system"`), ReasonInvalidField, "actor"},
		{"actor without type", edit(t, jsonDeleted, `{"type": "system"}`, `{"id": "agent-7"}`), ReasonMissingField, "actor.type"},
		{"unknown actor type", edit(t, jsonDeleted, `{"type": "system"}`, `{"type": "bot", "id": "b1"}`), ReasonInvalidField, "actor.type"},
		{"actor type in upper case", edit(t, jsonDeleted, `{"type": "system"}`, `{"type": "Agent", "id": "a1"}`), ReasonInvalidField, "actor.type"},
		{"actor type as number", edit(t, jsonDeleted, `{"type": "system"}`, `{"type": 1}`), ReasonInvalidField, "actor.type"},
		{"agent without id", edit(t, jsonDeleted, `{"type": "system"}`, `{"type": "agent"}`), ReasonMissingField, "actor.id"},
		{"customer without id", edit(t, jsonDeleted, `{"type": "system"}`, `{"type": "customer", "id": ""}`), ReasonMissingField, "actor.id"},
		{"control character in actor id", edit(t, jsonDeleted, `{"type": "system"}`, `{"type": "agent", "id": "a\r1"}`), ReasonInvalidField, "actor.id"},
		{"129-byte system actor id", edit(t, jsonDeleted, `{"type": "system"}`, `{"type": "system", "id": "`+long(129)+`"}`), ReasonInvalidField, "actor.id"},
		{"data as array", edit(t, jsonDeleted, `{"reason": "spam"}`, `[]`), ReasonInvalidField, "data"},

		// ticket.created.
		{"created without data", edit(t, jsonCreated, jsonCreated[strings.Index(jsonCreated, `,`+"\n"+` "data"`):len(jsonCreated)-1], ``), ReasonMissingField, "data.channel"},
		{"created without channel", edit(t, jsonCreated, `"channel": "Zalo", `, ``), ReasonMissingField, "data.channel"},
		{"created with blank channel", edit(t, jsonCreated, `"Zalo"`, `"  "`), ReasonMissingField, "data.channel"},
		{"created without customer", edit(t, jsonCreated, `"customer": "  Co\u0302ng ty ABC  ", `, ``), ReasonMissingField, "data.customer"},
		{"created with blank customer", edit(t, jsonCreated, `"  Co\u0302ng ty ABC  "`, `"\u3000"`), ReasonMissingField, "data.customer"},
		{"created without status", edit(t, jsonCreated, `"status": "Chưa xử lý", `, ``), ReasonMissingField, "data.status"},
		{"created with empty status", edit(t, jsonCreated, `"Chưa xử lý"`, `""`), ReasonMissingField, "data.status"},
		{"created with unknown status", edit(t, jsonCreated, `"Chưa xử lý"`, `"Đã trả lời"`), ReasonUnknownLabel, "data.status"},
		{"created with unknown priority", edit(t, jsonCreated, `"Khẩn cấp"`, `"Siêu gấp"`), ReasonUnknownLabel, "data.priority"},
		{"created with a priority word as severity", edit(t, jsonCreated, `"rất cao"`, `"Khẩn cấp"`), ReasonUnknownLabel, "data.severity"},
		{"created with channel as number", edit(t, jsonCreated, `"Zalo"`, `3`), ReasonInvalidField, "data.channel"},
		{"created with tags as string", edit(t, jsonCreated, `"tags": [`, `"tags": "vip", "x": [`), ReasonInvalidField, "data.tags"},
		{"created with a number among the tags", edit(t, jsonCreated, `"VIP"`, `42`), ReasonInvalidField, "data.tags.3"},
		{"created with supporting_agents as string", edit(t, jsonCreated, `["agent-9", "agent-9", " agent-11 "]`, `"agent-9"`), ReasonInvalidField, "data.supporting_agents"},
		{"created with an empty tag", edit(t, jsonCreated, `"VIP"`, `" "`), ReasonMissingField, "data.tags[3]"},
		{"created with an empty supporting agent", edit(t, jsonCreated, `" agent-11 "`, `""`), ReasonMissingField, "data.supporting_agents[2]"},
		{"created with a control character in a tag", edit(t, jsonCreated, `"VIP"`, `"V\u0007IP"`), ReasonInvalidField, "data.tags[3]"},
		{"created with a control character in the customer", edit(t, jsonCreated, `"  Co\u0302ng ty ABC  "`, `"ABC\nDEF"`), ReasonInvalidField, "data.customer"},
		{"created with a 513-byte customer", edit(t, jsonCreated, `"  Co\u0302ng ty ABC  "`, `"`+long(513)+`"`), ReasonInvalidField, "data.customer"},
		{"created with a 513-byte group", edit(t, jsonCreated, `"group": "`, `"group": "`+long(513)), ReasonInvalidField, "data.group"},
		{"created with a 513-byte tag", edit(t, jsonCreated, `"VIP"`, `"`+long(513)+`"`), ReasonInvalidField, "data.tags[3]"},
		{"created with 257 tags", edit(t, jsonCreated, `"VIP", `, strings.Repeat(`"x", `, 253)), ReasonInvalidField, "data.tags"},
		{"created with a 4097-byte subject", edit(t, jsonCreated, `"Không đăng nhập được"`, `"`+long(4097)+`"`), ReasonInvalidField, "data.subject"},

		// ticket.assigned.
		{"assigned with nothing to assign", edit(t, jsonAssigned, `"assignee": "agent-3", "group": "Billing", "supporting_agents": ["agent-4", " agent-5 "]`, ``), ReasonMissingField, "data.assignee"},
		{"assigned with a null assignee only (null is absent; unassign is \"\")", edit(t, jsonAssigned, `"agent-3", "group": "Billing", "supporting_agents": ["agent-4", " agent-5 "]`, `null`), ReasonMissingField, "data.assignee"},
		{"assigned with null fields only", edit(t, jsonAssigned, `"agent-3", "group": "Billing", "supporting_agents": ["agent-4", " agent-5 "]`, `null, "group": null`), ReasonMissingField, "data.assignee"},
		{"assigned with assignee as list", edit(t, jsonAssigned, `"agent-3"`, `["agent-3"]`), ReasonInvalidField, "data.assignee"},
		{"assigned with control character in assignee", edit(t, jsonAssigned, `"agent-3"`, `"agent\u001b[31m-3"`), ReasonInvalidField, "data.assignee"},
		{"assigned with 257 supporting agents", edit(t, jsonAssigned, `"agent-4", `, strings.Repeat(`"a", `, 256)), ReasonInvalidField, "data.supporting_agents"},

		// Label changes.
		{"status_changed without status", edit(t, jsonStatusChanged, `{"status": "KH đã phản hồi"}`, `{}`), ReasonMissingField, "data.status"},
		{"status_changed with unknown status", edit(t, jsonStatusChanged, `"KH đã phản hồi"`, `"Chờ xử lý"`), ReasonUnknownLabel, "data.status"},
		{"status_changed with status as number", edit(t, jsonStatusChanged, `"KH đã phản hồi"`, `2`), ReasonInvalidField, "data.status"},
		{"priority_changed without priority", edit(t, jsonPriorityChanged, `{"priority": "Trung bình"}`, `{"status": "open"}`), ReasonMissingField, "data.priority"},
		{"priority_changed with unknown priority", edit(t, jsonPriorityChanged, `"Trung bình"`, `"Rất gấp"`), ReasonUnknownLabel, "data.priority"},
		{"priority_changed with a severity-only word", edit(t, jsonPriorityChanged, `"Trung bình"`, `"critical"`), ReasonUnknownLabel, "data.priority"},
		{"severity_changed without severity", edit(t, jsonSeverityChanged, `"data": {"severity": "Критическая"}`, `"data": null`), ReasonMissingField, "data.severity"},
		{"severity_changed with unknown severity", edit(t, jsonSeverityChanged, `"Критическая"`, `"Срочный"`), ReasonUnknownLabel, "data.severity"},

		// ticket.tags_changed.
		{"tags_changed with neither list", edit(t, jsonTagsChanged, `"added": ["Khiếu nại", "KHIẾU NẠI", "Gấp"], "removed": ["VIP"]`, ``), ReasonMissingField, "data.added"},
		{"tags_changed with two empty lists", edit(t, jsonTagsChanged, `["Khiếu nại", "KHIẾU NẠI", "Gấp"], "removed": ["VIP"]`, `[], "removed": []`), ReasonMissingField, "data.added"},
		{"tags_changed with an empty removed tag", edit(t, jsonTagsChanged, `"VIP"`, `""`), ReasonMissingField, "data.removed[0]"},
		{"tags_changed with added as object", edit(t, jsonTagsChanged, `["Khiếu nại", "KHIẾU NẠI", "Gấp"]`, `{"Gấp": true}`), ReasonInvalidField, "data.added"},

		// ticket.message.
		{"message without kind", edit(t, jsonMessage, `"kind": "public_reply", `, ``), ReasonMissingField, "data.kind"},
		{"message with unknown kind", edit(t, jsonMessage, `"public_reply"`, `"email"`), ReasonInvalidField, "data.kind"},
		{"message with kind in upper case", edit(t, jsonMessage, `"public_reply"`, `"PUBLIC_REPLY"`), ReasonInvalidField, "data.kind"},
		{"message with control character in message_id", edit(t, jsonMessage, `"msg-77"`, `"msg\u0000"`), ReasonInvalidField, "data.message_id"},
		{"message with 129-byte message_id", edit(t, jsonMessage, `"msg-77"`, `"`+long(129)+`"`), ReasonInvalidField, "data.message_id"},
		{"message with message_id as number", edit(t, jsonMessage, `"msg-77"`, `77`), ReasonInvalidField, "data.message_id"},

		// ticket.time_logged.
		{"time_logged by a customer without agent", edit(t, jsonTimeLogged, actorAgent, `"actor": {"type": "customer", "id": "c1"}`), ReasonMissingField, "data.agent"},
		{"time_logged by the system without agent", edit(t, jsonTimeLogged, actorAgent, `"actor": {"type": "system"}`), ReasonMissingField, "data.agent"},
		{"time_logged with blank agent", edit(t, jsonTimeLogged, `"seconds": 5400`, `"agent": " ", "seconds": 5400`), ReasonMissingField, "data.agent"},
		{"time_logged without seconds", edit(t, jsonTimeLogged, `"seconds": 5400, `, ``), ReasonMissingField, "data.seconds"},
		{"time_logged without billable", edit(t, jsonTimeLogged, `"billable": true,`, ``), ReasonMissingField, "data.billable"},
		{"time_logged with 0 seconds", edit(t, jsonTimeLogged, `5400`, `0`), ReasonInvalidField, "data.seconds"},
		{"time_logged with negative seconds", edit(t, jsonTimeLogged, `5400`, `-60`), ReasonInvalidField, "data.seconds"},
		{"time_logged with 31 days + 1 s", edit(t, jsonTimeLogged, `5400`, `2678401`), ReasonInvalidField, "data.seconds"},
		{"time_logged with seconds beyond int64", edit(t, jsonTimeLogged, `5400`, `9223372036854775808`), ReasonInvalidField, "data.seconds"},
		{"time_logged with fractional seconds", edit(t, jsonTimeLogged, `5400`, `5400.5`), ReasonInvalidField, "data.seconds"},
		{"time_logged with seconds as string", edit(t, jsonTimeLogged, `5400`, `"5400"`), ReasonInvalidField, "data.seconds"},
		{"time_logged with billable as string", edit(t, jsonTimeLogged, `"billable": true`, `"billable": "yes"`), ReasonInvalidField, "data.billable"},
		{"time_logged with billable as number", edit(t, jsonTimeLogged, `"billable": true`, `"billable": 1`), ReasonInvalidField, "data.billable"},
		{"time_logged ended before started", edit(t, jsonTimeLogged, `"2024-03-05T09:30:00.5000009+07:00"`, `"2024-03-05T07:59:59+07:00"`), ReasonInvalidField, "data.ended_at"},
		{"time_logged with started_at without zone", edit(t, jsonTimeLogged, `"2024-03-05T08:00:00+07:00"`, `"2024-03-05T08:00:00"`), ReasonBadTimestamp, "data.started_at"},
		{"time_logged with ended_at in 2100", edit(t, jsonTimeLogged, `"2024-03-05T09:30:00.5000009+07:00"`, `"2100-03-05T09:30:00Z"`), ReasonBadTimestamp, "data.ended_at"},
		{"time_logged with negative rate", edit(t, jsonTimeLogged, `250000`, `-1`), ReasonInvalidField, "data.rate"},
		{"time_logged with absurd rate", edit(t, jsonTimeLogged, `250000`, `1e10`), ReasonInvalidField, "data.rate"},
		{"time_logged with rate as string", edit(t, jsonTimeLogged, `250000`, `"250000"`), ReasonInvalidField, "data.rate"},
		{"time_logged with lower-case currency", edit(t, jsonTimeLogged, `"VND"`, `"vnd"`), ReasonInvalidField, "data.currency"},
		{"time_logged with two-letter currency", edit(t, jsonTimeLogged, `"VND"`, `"VN"`), ReasonInvalidField, "data.currency"},
		{"time_logged with four-letter currency", edit(t, jsonTimeLogged, `"VND"`, `"VNDD"`), ReasonInvalidField, "data.currency"},
		{"time_logged with currency symbol", edit(t, jsonTimeLogged, `"VND"`, `"€"`), ReasonInvalidField, "data.currency"},
		{"time_logged with numeric currency code", edit(t, jsonTimeLogged, `"VND"`, `"704"`), ReasonInvalidField, "data.currency"},
		{"time_logged with currency as number", edit(t, jsonTimeLogged, `"VND"`, `704`), ReasonInvalidField, "data.currency"},

		// ticket.due_date_set.
		{"due date absent", edit(t, jsonDueDateSet, `{"due_at": "2024-03-08T17:00:00.1234567+07:00"}`, `{}`), ReasonMissingField, "data.due_at"},
		{"due date null", edit(t, jsonDueDateSet, `"2024-03-08T17:00:00.1234567+07:00"`, `null`), ReasonMissingField, "data.due_at"},
		{"due date without a zone", edit(t, jsonDueDateSet, `"2024-03-08T17:00:00.1234567+07:00"`, `"2024-03-08T17:00:00"`), ReasonBadTimestamp, "data.due_at"},
		{"due date a number", edit(t, jsonDueDateSet, `"2024-03-08T17:00:00.1234567+07:00"`, `1709892000`), ReasonInvalidField, "data.due_at"},

		// ticket.rated.
		{"rated without rating", edit(t, jsonRated, `{"rating": 5}`, `{}`), ReasonMissingField, "data.rating"},
		{"rated 0", edit(t, jsonRated, `"rating": 5`, `"rating": 0`), ReasonInvalidField, "data.rating"},
		{"rated 6", edit(t, jsonRated, `"rating": 5`, `"rating": 6`), ReasonInvalidField, "data.rating"},
		{"rated -1", edit(t, jsonRated, `"rating": 5`, `"rating": -1`), ReasonInvalidField, "data.rating"},
		{"rated 256 (would wrap to 0 in a byte)", edit(t, jsonRated, `"rating": 5`, `"rating": 256`), ReasonInvalidField, "data.rating"},
		{"rated 4.5", edit(t, jsonRated, `"rating": 5`, `"rating": 4.5`), ReasonInvalidField, "data.rating"},
		{"rated as string", edit(t, jsonRated, `"rating": 5`, `"rating": "5"`), ReasonInvalidField, "data.rating"},

		// ticket.merged and ticket.deleted.
		{"merged without into", edit(t, jsonMerged, `"into": "T-0999", `, ``), ReasonMissingField, "data.into"},
		{"merged into itself", edit(t, jsonMerged, `"T-0999"`, `"T-1010"`), ReasonInvalidField, "data.into"},
		{"merged into an id with a control character", edit(t, jsonMerged, `"T-0999"`, `"T-0999\n"`), ReasonInvalidField, "data.into"},
		{"merged into a 129-byte id", edit(t, jsonMerged, `"T-0999"`, `"`+long(129)+`"`), ReasonInvalidField, "data.into"},
		{"merged with a 4097-byte reason", edit(t, jsonMerged, `"Trùng yêu cầu"`, `"`+long(4097)+`"`), ReasonInvalidField, "data.reason"},
		{"deleted with a 4097-byte reason", edit(t, jsonDeleted, `"spam"`, `"`+long(4097)+`"`), ReasonInvalidField, "data.reason"},
		{"deleted with reason as number", edit(t, jsonDeleted, `"spam"`, `1`), ReasonInvalidField, "data.reason"},
	}
	d := testDecoder(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Decode([]byte(tt.json))
			if err == nil {
				t.Fatalf("Decode accepted the message, want %s at %q", tt.reason, tt.field)
			}
			e := asError(t, err)
			if e.Reason != tt.reason || e.Field != tt.field {
				t.Errorf("got reason %q field %q (%v), want reason %q field %q", e.Reason, e.Field, err, tt.reason, tt.field)
			}
			if ReasonOf(err) != tt.reason {
				t.Errorf("ReasonOf = %q, want %q", ReasonOf(err), tt.reason)
			}
			if e.Detail == "" {
				t.Errorf("error has no detail")
			}
		})
	}
}

// TestDecodeRejectionKeepsEnvelope: whatever the rejection, the dead letter
// gets the event id, tenant, ticket and type whenever they could be read.
func TestDecodeRejectionKeepsEnvelope(t *testing.T) {
	type envelope struct {
		ID, Tenant, TicketID string
		Type                 Type
	}
	rated := envelope{"evt-0009", "acme", "T-1009", TypeRated}
	tests := []struct {
		name   string
		json   string
		reason Reason
		want   envelope
	}{
		{"invalid UTF-8: nothing is readable", edit(t, jsonRated, `"acme"`, "\"ac\xffme\""), ReasonInvalidUTF8, envelope{}},
		{"malformed JSON: nothing is readable", jsonRated + "}", ReasonMalformedJSON, envelope{}},
		{"unsupported schema", edit(t, jsonRated, `"schema": 1`, `"schema": 9`), ReasonUnsupportedSchema, rated},
		{"missing schema", edit(t, jsonRated, `"schema": 1, `, ``), ReasonMissingField, rated},
		{"unknown type", edit(t, jsonRated, `"ticket.rated"`, `"ticket.liked"`), ReasonUnknownType, envelope{"evt-0009", "acme", "T-1009", "ticket.liked"}},
		{"bad timestamp", edit(t, jsonRated, `"2024-03-06T08:00:00Z"`, `"yesterday"`), ReasonBadTimestamp, rated},
		{"missing actor", edit(t, jsonRated, `"actor": {"type": "customer", "id": "cus-42"},`, ``), ReasonMissingField, rated},
		{"invalid data field", edit(t, jsonRated, `"rating": 5`, `"rating": 9`), ReasonInvalidField, rated},
		{"wrong JSON type in data", edit(t, jsonRated, `"rating": 5`, `"rating": "five"`), ReasonInvalidField, rated},
		{"wrong JSON type in actor", edit(t, jsonRated, `{"type": "customer", "id": "cus-42"}`, `["customer"]`), ReasonInvalidField, rated},
		{"wrong JSON type in schema", edit(t, jsonRated, `"schema": 1`, `"schema": true`), ReasonInvalidField, rated},
		{"wrong JSON type in the tenant", edit(t, jsonRated, `"acme"`, `42`), ReasonInvalidField, envelope{"evt-0009", "", "T-1009", TypeRated}},
		{"unknown label", edit(t, jsonStatusChanged, `"KH đã phản hồi"`, `"Chờ xử lý"`), ReasonUnknownLabel, envelope{"evt-0003", "saigon-portal", "T-1003", TypeStatusChanged}},
		{"overlong ticket id is still reported", edit(t, jsonRated, `"T-1009"`, `"`+strings.Repeat("T", 200)+`"`), ReasonInvalidField, envelope{"evt-0009", "acme", strings.Repeat("T", 200), TypeRated}},
	}
	d := testDecoder(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := d.Decode([]byte(tt.json))
			if r := ReasonOf(err); r != tt.reason {
				t.Fatalf("reason %q (%v), want %q", r, err, tt.reason)
			}
			got := envelope{ev.ID, ev.Tenant, ev.TicketID, ev.Type}
			if got != tt.want {
				t.Errorf("envelope %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Reason: ReasonTooLarge, Detail: "payload is 2 bytes"}, "too_large: payload is 2 bytes"},
		{&Error{Reason: ReasonInvalidField, Field: "data.rating", Detail: "9 is not between 1 and 5"}, "invalid_field: data.rating: 9 is not between 1 and 5"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if r := ReasonOf(nil); r != "" {
		t.Errorf("ReasonOf(nil) = %q", r)
	}
	if r := ReasonOf(errors.New("x")); r != "" {
		t.Errorf("ReasonOf(plain error) = %q", r)
	}
	if r := ReasonOf(fmt.Errorf("wrapped: %w", &Error{Reason: ReasonBadTimestamp})); r != ReasonBadTimestamp {
		t.Errorf("ReasonOf(wrapped) = %q", r)
	}
}
