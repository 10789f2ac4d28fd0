package event

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
)

// Valid examples of every event type, written out as a producer would send
// them. The rejection tests below derive broken messages from these.
const (
	jsonCreated = `{"schema": 1, "event_id": "evt-0001", "type": "ticket.created",
 "tenant": "hanoi-callcentre", "ticket_id": "T-1001",
 "occurred_at": "2024-03-05T16:30:45.123456789+07:00",
 "actor": {"type": "agent", "id": "agent-7"},
 "data": {"channel": "Zalo", "customer": "  Co\u0302ng ty ABC  ", "organisation": "ABC Group",
  "group": "` + "Ho\u0302\u0303 tro\u031b\u0323 ky\u0303 thua\u0302\u0323t" + `", "assignee": "agent-7",
  "supporting_agents": ["agent-9", "agent-9", " agent-11 "],
  "subject": "Không đăng nhập được", "status": "Chưa xử lý", "priority": "Khẩn cấp", "severity": "rất cao",
  "tags": ["` + "Ho\u0301a \u0111o\u031bn" + `", "h\u00f3a \u0111\u01a1n", "HÓA ĐƠN", "VIP", " vip "]}}`

	jsonAssigned = `{"schema": 1, "event_id": "evt-0002", "type": "ticket.assigned",
 "tenant": "acme", "ticket_id": "T-1002", "occurred_at": "2024-03-05T10:00:00Z",
 "actor": {"type": "agent", "id": "lead-1"},
 "data": {"assignee": "agent-3", "group": "Billing", "supporting_agents": ["agent-4", " agent-5 "]}}`

	jsonStatusChanged = `{"schema": 1, "event_id": "evt-0003", "type": "ticket.status_changed",
 "tenant": "saigon-portal", "ticket_id": "T-1003", "occurred_at": "2024-03-05T17:00:00.5+07:00",
 "actor": {"type": "customer", "id": "cus-42"},
 "data": {"status": "KH đã phản hồi"}}`

	jsonPriorityChanged = `{"schema": 1, "event_id": "evt-0004", "type": "ticket.priority_changed",
 "tenant": "hanoi-callcentre", "ticket_id": "T-1004", "occurred_at": "2024-03-05T10:00:00Z",
 "actor": {"type": "agent", "id": "agent-7"},
 "data": {"priority": "Trung bình"}}`

	jsonSeverityChanged = `{"schema": 1, "event_id": "evt-0005", "type": "ticket.severity_changed",
 "tenant": "moskva-desk", "ticket_id": "T-1005", "occurred_at": "2024-03-05T13:00:00+03:00",
 "actor": {"type": "agent", "id": "ivanov"},
 "data": {"severity": "Критическая"}}`

	jsonTagsChanged = `{"schema": 1, "event_id": "evt-0006", "type": "ticket.tags_changed",
 "tenant": "danang-crm", "ticket_id": "T-1006", "occurred_at": "2024-03-05T10:00:00Z",
 "actor": {"type": "agent", "id": "agent-7"},
 "data": {"added": ["Khiếu nại", "KHIẾU NẠI", "Gấp"], "removed": ["VIP"]}}`

	jsonMessage = `{"schema": 1, "event_id": "evt-0007", "type": "ticket.message",
 "tenant": "hue-livechat", "ticket_id": "T-1007", "occurred_at": "2024-03-05T10:00:00.000001Z",
 "actor": {"type": "agent", "id": "agent-7"},
 "data": {"kind": "public_reply", "message_id": "msg-77"}}`

	jsonTimeLogged = `{"schema": 1, "event_id": "evt-0008", "type": "ticket.time_logged",
 "tenant": "hanoi-callcentre", "ticket_id": "T-1008", "occurred_at": "2024-03-05T09:30:01+07:00",
 "actor": {"type": "agent", "id": "agent-7"},
 "data": {"seconds": 5400, "billable": true,
  "started_at": "2024-03-05T08:00:00+07:00", "ended_at": "2024-03-05T09:30:00.5000009+07:00",
  "rate": 250000, "currency": "VND"}}`

	jsonRated = `{"schema": 1, "event_id": "evt-0009", "type": "ticket.rated",
 "tenant": "acme", "ticket_id": "T-1009", "occurred_at": "2024-03-06T08:00:00Z",
 "actor": {"type": "customer", "id": "cus-42"},
 "data": {"rating": 5}}`

	jsonMerged = `{"schema": 1, "event_id": "evt-0010", "type": "ticket.merged",
 "tenant": "acme", "ticket_id": "T-1010", "occurred_at": "2024-03-06T08:00:00Z",
 "actor": {"type": "agent", "id": "agent-7"},
 "data": {"into": "T-0999", "reason": "Trùng yêu cầu"}}`

	jsonDeleted = `{"schema": 1, "event_id": "evt-0011", "type": "ticket.deleted",
 "tenant": "acme", "ticket_id": "T-1011", "occurred_at": "2024-03-06T08:00:00Z",
 "actor": {"type": "system"},
 "data": {"reason": "spam"}}`

	jsonDueDateSet = `{"schema": 1, "event_id": "evt-0012", "type": "ticket.due_date_set",
 "tenant": "hue-livechat", "ticket_id": "LC-1012", "occurred_at": "2024-03-06T08:00:00Z",
 "actor": {"type": "agent", "id": "le.thu"},
 "data": {"due_at": "2024-03-08T17:00:00.1234567+07:00"}}`
)

// validExamples has one valid message per type, in Types order.
var validExamples = []struct {
	typ  Type
	json string
}{
	{TypeCreated, jsonCreated},
	{TypeAssigned, jsonAssigned},
	{TypeStatusChanged, jsonStatusChanged},
	{TypePriorityChanged, jsonPriorityChanged},
	{TypeSeverityChanged, jsonSeverityChanged},
	{TypeTagsChanged, jsonTagsChanged},
	{TypeMessage, jsonMessage},
	{TypeTimeLogged, jsonTimeLogged},
	{TypeRated, jsonRated},
	{TypeMerged, jsonMerged},
	{TypeDeleted, jsonDeleted},
	{TypeDueDateSet, jsonDueDateSet},
}

func TestValidExamplesCoverEveryType(t *testing.T) {
	if len(validExamples) != len(Types) {
		t.Fatalf("%d examples for %d types", len(validExamples), len(Types))
	}
	for i, ex := range validExamples {
		if ex.typ != Types[i] {
			t.Errorf("example %d is %s, want %s", i, ex.typ, Types[i])
		}
	}
}

func TestDecodeValid(t *testing.T) {
	agent7 := Actor{Type: ActorAgent, ID: "agent-7"}
	tests := []struct {
		name string
		json string
		want Event
	}{
		{
			name: "created: +07:00 to UTC, µs truncation, NFC names and tags, lower-cased de-duplicated tags",
			json: jsonCreated,
			want: Event{
				Schema: 1, ID: "evt-0001", Type: TypeCreated, Tenant: "hanoi-callcentre", TicketID: "T-1001",
				OccurredAt: utc(2024, 3, 5, 9, 30, 45, 123456000), Actor: agent7,
				Channel:          "zalo",
				Customer:         "C\u00f4ng ty ABC",
				Organisation:     "ABC Group",
				Group:            "H\u1ed7 tr\u1ee3 k\u1ef9 thu\u1eadt",
				Assignee:         "agent-7",
				SupportingAgents: []string{"agent-9", "agent-11"},
				Subject:          "Không đăng nhập được",
				Status:           StatusNew, StatusLabel: "Chưa xử lý",
				Priority: PriorityUrgent, PriorityLabel: "Khẩn cấp",
				Severity: SeverityCritical, SeverityLabel: "rất cao",
				Tags: []string{"h\u00f3a \u0111\u01a1n", "vip"},
			},
		},
		{
			name: "created: minimal, Russian labels, customer actor, optional fields absent",
			json: `{"schema":1,"event_id":"evt-0101","type":"ticket.created","tenant":"moskva-desk","ticket_id":"T-2001",
				"occurred_at":"2024-12-31T23:59:59.9999999+03:00","actor":{"type":"customer","id":"ООО Ромашка"},
				"data":{"channel":"email","customer":"ООО Ромашка","status":"Новый","priority":"Срочный"}}`,
			want: Event{
				Schema: 1, ID: "evt-0101", Type: TypeCreated, Tenant: "moskva-desk", TicketID: "T-2001",
				OccurredAt: utc(2024, 12, 31, 20, 59, 59, 999999000),
				Actor:      Actor{Type: ActorCustomer, ID: "ООО Ромашка"},
				Channel:    "email", Customer: "ООО Ромашка",
				Status: StatusNew, StatusLabel: "Новый",
				Priority: PriorityUrgent, PriorityLabel: "Срочный",
			},
		},
		{
			name: "created: system actor without id, canonical and English labels for a tenant without vocabulary",
			json: `{"schema":1,"event_id":"evt-0102","type":"ticket.created","tenant":"acme","ticket_id":"T-2002",
				"occurred_at":"2024-06-01T00:00:00-05:30","actor":{"type":"system"},
				"data":{"channel":"missed_call","customer":"+84 912 345 678","status":"On Hold","priority":"critical","severity":"Normal","tags":[]}}`,
			want: Event{
				Schema: 1, ID: "evt-0102", Type: TypeCreated, Tenant: "acme", TicketID: "T-2002",
				OccurredAt: utc(2024, 6, 1, 5, 30, 0, 0), Actor: Actor{Type: ActorSystem},
				Channel: "missed_call", Customer: "+84 912 345 678",
				Status: StatusOnHold, StatusLabel: "On Hold",
				Priority: PriorityUrgent, PriorityLabel: "critical",
				Severity: SeverityMedium, SeverityLabel: "Normal",
			},
		},
		{
			name: "assigned: assignee, group and supporting agents",
			json: jsonAssigned,
			want: Event{
				Schema: 1, ID: "evt-0002", Type: TypeAssigned, Tenant: "acme", TicketID: "T-1002",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "lead-1"},
				Assignee: "agent-3", SetsAssignee: true, Group: "Billing", SetsGroup: true,
				SupportingAgents: []string{"agent-4", "agent-5"}, SetsSupporting: true,
			},
		},
		{
			name: "assigned: empty assignee unassigns, nothing else set",
			json: `{"schema":1,"event_id":"evt-0103","type":"ticket.assigned","tenant":"acme","ticket_id":"T-1002",
				"occurred_at":"2024-03-05T11:00:00Z","actor":{"type":"system"},"data":{"assignee":""}}`,
			want: Event{
				Schema: 1, ID: "evt-0103", Type: TypeAssigned, Tenant: "acme", TicketID: "T-1002",
				OccurredAt: utc(2024, 3, 5, 11, 0, 0, 0), Actor: Actor{Type: ActorSystem},
				Assignee: "", SetsAssignee: true,
			},
		},
		{
			name: "assigned: group only leaves the assignee alone",
			json: `{"schema":1,"event_id":"evt-0112","type":"ticket.assigned","tenant":"acme","ticket_id":"T-1002",
				"occurred_at":"2024-03-05T11:00:00Z","actor":{"type":"agent","id":"lead-1"},"data":{"group":"L2"}}`,
			want: Event{
				Schema: 1, ID: "evt-0112", Type: TypeAssigned, Tenant: "acme", TicketID: "T-1002",
				OccurredAt: utc(2024, 3, 5, 11, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "lead-1"},
				Group: "L2", SetsGroup: true,
			},
		},
		{
			name: "assigned: supporting agents only leave the assignee alone",
			json: `{"schema":1,"event_id":"evt-0113","type":"ticket.assigned","tenant":"acme","ticket_id":"T-1002",
				"occurred_at":"2024-03-05T11:00:00Z","actor":{"type":"agent","id":"lead-1"},"data":{"supporting_agents":["agent-4"]}}`,
			want: Event{
				Schema: 1, ID: "evt-0113", Type: TypeAssigned, Tenant: "acme", TicketID: "T-1002",
				OccurredAt: utc(2024, 3, 5, 11, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "lead-1"},
				SupportingAgents: []string{"agent-4"}, SetsSupporting: true,
			},
		},
		{
			name: "assigned: a null assignee is absent, not an unassign",
			json: `{"schema":1,"event_id":"evt-0114","type":"ticket.assigned","tenant":"acme","ticket_id":"T-1002",
				"occurred_at":"2024-03-05T11:00:00Z","actor":{"type":"agent","id":"lead-1"},"data":{"assignee":null,"group":"L2"}}`,
			want: Event{
				Schema: 1, ID: "evt-0114", Type: TypeAssigned, Tenant: "acme", TicketID: "T-1002",
				OccurredAt: utc(2024, 3, 5, 11, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "lead-1"},
				Group: "L2", SetsGroup: true,
			},
		},
		{
			name: "assigned: a blank assignee trims to empty and unassigns",
			json: `{"schema":1,"event_id":"evt-0115","type":"ticket.assigned","tenant":"acme","ticket_id":"T-1002",
				"occurred_at":"2024-03-05T11:00:00Z","actor":{"type":"system"},"data":{"assignee":"  "}}`,
			want: Event{
				Schema: 1, ID: "evt-0115", Type: TypeAssigned, Tenant: "acme", TicketID: "T-1002",
				OccurredAt: utc(2024, 3, 5, 11, 0, 0, 0), Actor: Actor{Type: ActorSystem},
				SetsAssignee: true,
			},
		},
		{
			name: "assigned: group only and clearing supporting agents",
			json: `{"schema":1,"event_id":"evt-0104","type":"ticket.assigned","tenant":"acme","ticket_id":"T-1002",
				"occurred_at":"2024-03-05T11:00:00Z","actor":{"type":"agent","id":"lead-1"},
				"data":{"group":"` + "Ke\u0302\u0301 toa\u0301n" + `","supporting_agents":[]}}`,
			want: Event{
				Schema: 1, ID: "evt-0104", Type: TypeAssigned, Tenant: "acme", TicketID: "T-1002",
				OccurredAt: utc(2024, 3, 5, 11, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "lead-1"},
				Group: "K\u1ebf to\u00e1n", SetsGroup: true, SetsSupporting: true,
			},
		},
		{
			name: "status_changed: vn-portal KH đã phản hồi is open",
			json: jsonStatusChanged,
			want: Event{
				Schema: 1, ID: "evt-0003", Type: TypeStatusChanged, Tenant: "saigon-portal", TicketID: "T-1003",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 500000000), Actor: Actor{Type: ActorCustomer, ID: "cus-42"},
				Status: StatusOpen, StatusLabel: "KH đã phản hồi",
			},
		},
		{
			name: "status_changed: Đang mở is new for vn-portal",
			json: `{"schema":1,"event_id":"evt-0105","type":"ticket.status_changed","tenant":"saigon-portal","ticket_id":"T-1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"system"},"data":{"status":"Đang mở"}}`,
			want: Event{
				Schema: 1, ID: "evt-0105", Type: TypeStatusChanged, Tenant: "saigon-portal", TicketID: "T-1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorSystem},
				Status: StatusNew, StatusLabel: "Đang mở",
			},
		},
		{
			name: "status_changed: Đang mở is open for vn-livechat",
			json: `{"schema":1,"event_id":"evt-0106","type":"ticket.status_changed","tenant":"hue-livechat","ticket_id":"T-1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"system"},"data":{"status":"Đang mở"}}`,
			want: Event{
				Schema: 1, ID: "evt-0106", Type: TypeStatusChanged, Tenant: "hue-livechat", TicketID: "T-1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorSystem},
				Status: StatusOpen, StatusLabel: "Đang mở",
			},
		},
		{
			name: "priority_changed: Trung bình is normal",
			json: jsonPriorityChanged,
			want: Event{
				Schema: 1, ID: "evt-0004", Type: TypePriorityChanged, Tenant: "hanoi-callcentre", TicketID: "T-1004",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: agent7,
				Priority: PriorityNormal, PriorityLabel: "Trung bình",
			},
		},
		{
			name: "severity_changed: Критическая is critical",
			json: jsonSeverityChanged,
			want: Event{
				Schema: 1, ID: "evt-0005", Type: TypeSeverityChanged, Tenant: "moskva-desk", TicketID: "T-1005",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "ivanov"},
				Severity: SeverityCritical, SeverityLabel: "Критическая",
			},
		},
		{
			name: "severity_changed: trung bình is medium as a severity",
			json: `{"schema":1,"event_id":"evt-0107","type":"ticket.severity_changed","tenant":"danang-crm","ticket_id":"T-1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"agent","id":"a"},"data":{"severity":"trung bình"}}`,
			want: Event{
				Schema: 1, ID: "evt-0107", Type: TypeSeverityChanged, Tenant: "danang-crm", TicketID: "T-1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "a"},
				Severity: SeverityMedium, SeverityLabel: "trung bình",
			},
		},
		{
			name: "tags_changed: lower-cased and de-duplicated",
			json: jsonTagsChanged,
			want: Event{
				Schema: 1, ID: "evt-0006", Type: TypeTagsChanged, Tenant: "danang-crm", TicketID: "T-1006",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: agent7,
				TagsAdded: []string{"khiếu nại", "gấp"}, TagsRemoved: []string{"vip"},
			},
		},
		{
			name: "tags_changed: only removed",
			json: `{"schema":1,"event_id":"evt-0108","type":"ticket.tags_changed","tenant":"acme","ticket_id":"T-1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"system"},"data":{"removed":["` + "Ho\u0301a \u0111o\u031bn" + `"]}}`,
			want: Event{
				Schema: 1, ID: "evt-0108", Type: TypeTagsChanged, Tenant: "acme", TicketID: "T-1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorSystem},
				TagsRemoved: []string{"h\u00f3a \u0111\u01a1n"},
			},
		},
		{
			name: "message: public reply with message id",
			json: jsonMessage,
			want: Event{
				Schema: 1, ID: "evt-0007", Type: TypeMessage, Tenant: "hue-livechat", TicketID: "T-1007",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 1000), Actor: agent7,
				MessageKind: MessagePublicReply, MessageID: "msg-77",
			},
		},
		{
			name: "message: customer reply without message id",
			json: `{"schema":1,"event_id":"evt-0109","type":"ticket.message","tenant":"acme","ticket_id":"T-1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"customer","id":"cus-1"},"data":{"kind":"customer_reply"}}`,
			want: Event{
				Schema: 1, ID: "evt-0109", Type: TypeMessage, Tenant: "acme", TicketID: "T-1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorCustomer, ID: "cus-1"},
				MessageKind: MessageCustomerReply,
			},
		},
		{
			name: "time_logged: agent defaults to the acting agent, times in UTC truncated to µs, rate",
			json: jsonTimeLogged,
			want: Event{
				Schema: 1, ID: "evt-0008", Type: TypeTimeLogged, Tenant: "hanoi-callcentre", TicketID: "T-1008",
				OccurredAt: utc(2024, 3, 5, 2, 30, 1, 0), Actor: agent7,
				Agent: "agent-7", Seconds: 5400, Billable: true,
				StartedAt: utc(2024, 3, 5, 1, 0, 0, 0), EndedAt: utc(2024, 3, 5, 2, 30, 0, 500000000),
				HasRate: true, Rate: 250000, Currency: "VND",
			},
		},
		{
			name: "time_logged: system actor with explicit agent, not billable, no rate",
			json: `{"schema":1,"event_id":"evt-0110","type":"ticket.time_logged","tenant":"acme","ticket_id":"T-1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"system"},"data":{"agent":"agent-8","seconds":60,"billable":false}}`,
			want: Event{
				Schema: 1, ID: "evt-0110", Type: TypeTimeLogged, Tenant: "acme", TicketID: "T-1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorSystem},
				Agent: "agent-8", Seconds: 60,
			},
		},
		{
			name: "time_logged: limits (31 days, rate 0 without currency)",
			json: `{"schema":1,"event_id":"evt-0111","type":"ticket.time_logged","tenant":"acme","ticket_id":"T-1","occurred_at":"2024-03-05T10:00:00Z","actor":{"type":"agent","id":"a"},"data":{"seconds":2678400,"billable":true,"rate":0,"started_at":"2024-03-05T10:00:00Z","ended_at":"2024-03-05T10:00:00Z"}}`,
			want: Event{
				Schema: 1, ID: "evt-0111", Type: TypeTimeLogged, Tenant: "acme", TicketID: "T-1",
				OccurredAt: utc(2024, 3, 5, 10, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "a"},
				Agent: "a", Seconds: 2678400, Billable: true,
				StartedAt: utc(2024, 3, 5, 10, 0, 0, 0), EndedAt: utc(2024, 3, 5, 10, 0, 0, 0),
				HasRate: true,
			},
		},
		{
			name: "rated: 5 stars",
			json: jsonRated,
			want: Event{
				Schema: 1, ID: "evt-0009", Type: TypeRated, Tenant: "acme", TicketID: "T-1009",
				OccurredAt: utc(2024, 3, 6, 8, 0, 0, 0), Actor: Actor{Type: ActorCustomer, ID: "cus-42"},
				Rating: 5,
			},
		},
		{
			name: "due date set: to UTC, µs truncation",
			json: jsonDueDateSet,
			want: Event{
				Schema: 1, ID: "evt-0012", Type: TypeDueDateSet, Tenant: "hue-livechat", TicketID: "LC-1012",
				OccurredAt: utc(2024, 3, 6, 8, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "le.thu"},
				DueAt: utc(2024, 3, 8, 10, 0, 0, 123456000),
			},
		},
		{
			name: "due date cleared",
			json: edit(t, jsonDueDateSet, `"2024-03-08T17:00:00.1234567+07:00"`, `""`),
			want: Event{
				Schema: 1, ID: "evt-0012", Type: TypeDueDateSet, Tenant: "hue-livechat", TicketID: "LC-1012",
				OccurredAt: utc(2024, 3, 6, 8, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "le.thu"},
			},
		},
		{
			name: "rated: 1 star",
			json: edit(t, jsonRated, `"rating": 5`, `"rating": 1`),
			want: Event{
				Schema: 1, ID: "evt-0009", Type: TypeRated, Tenant: "acme", TicketID: "T-1009",
				OccurredAt: utc(2024, 3, 6, 8, 0, 0, 0), Actor: Actor{Type: ActorCustomer, ID: "cus-42"},
				Rating: 1,
			},
		},
		{
			name: "merged",
			json: jsonMerged,
			want: Event{
				Schema: 1, ID: "evt-0010", Type: TypeMerged, Tenant: "acme", TicketID: "T-1010",
				OccurredAt: utc(2024, 3, 6, 8, 0, 0, 0), Actor: agent7,
				MergedInto: "T-0999", Reason: "Trùng yêu cầu",
			},
		},
		{
			name: "deleted by the system",
			json: jsonDeleted,
			want: Event{
				Schema: 1, ID: "evt-0011", Type: TypeDeleted, Tenant: "acme", TicketID: "T-1011",
				OccurredAt: utc(2024, 3, 6, 8, 0, 0, 0), Actor: Actor{Type: ActorSystem},
				Reason: "spam",
			},
		},
		{
			name: "deleted without data; unknown fields are ignored; 128-byte ids; year 2000 and 2099 bounds",
			json: `{"schema":1,"event_id":"` + strings.Repeat("e", 128) + `","type":"ticket.deleted","tenant":"acme","ticket_id":"T-1",
				"occurred_at":"2000-01-01T00:00:00Z","actor":{"type":"agent","id":"a"},"producer":"v2.3","extra":{"x":[1,2]}}`,
			want: Event{
				Schema: 1, ID: strings.Repeat("e", 128), Type: TypeDeleted, Tenant: "acme", TicketID: "T-1",
				OccurredAt: utc(2000, 1, 1, 0, 0, 0, 0), Actor: Actor{Type: ActorAgent, ID: "a"},
			},
		},
		{
			name: "last microsecond before 2100",
			json: `{"schema":1,"event_id":"e","type":"ticket.deleted","tenant":"acme","ticket_id":"T-1","occurred_at":"2099-12-31T23:59:59.9999999Z","actor":{"type":"system"}}`,
			want: Event{
				Schema: 1, ID: "e", Type: TypeDeleted, Tenant: "acme", TicketID: "T-1",
				OccurredAt: utc(2099, 12, 31, 23, 59, 59, 999999000), Actor: Actor{Type: ActorSystem},
			},
		},
	}
	d := testDecoder(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Decode([]byte(tt.json))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := eventDiff(got, tt.want); diff != "" {
				t.Errorf("decoded event differs:\n%s", diff)
			}
			if got.OccurredAt.Location() != time.UTC {
				t.Errorf("OccurredAt is in %v, want UTC", got.OccurredAt.Location())
			}
			if got.OccurredMicros() != tt.want.OccurredAt.UnixMicro() {
				t.Errorf("OccurredMicros = %d, want %d", got.OccurredMicros(), tt.want.OccurredAt.UnixMicro())
			}
		})
	}
}

// TestDecodePayloadLimit: exactly MaxPayloadBytes is accepted, one more byte
// is too_large, however valid the JSON.
func TestDecodePayloadLimit(t *testing.T) {
	d := testDecoder(t)
	exact := jsonDeleted + strings.Repeat(" ", MaxPayloadBytes-len(jsonDeleted))
	if len(exact) != 1<<20 {
		t.Fatalf("test payload is %d bytes", len(exact))
	}
	if _, err := d.Decode([]byte(exact)); err != nil {
		t.Errorf("1 MiB payload: %v", err)
	}
	ev, err := d.Decode([]byte(exact + " "))
	if e := asError(t, err); e.Reason != ReasonTooLarge || e.Field != "" {
		t.Errorf("1 MiB + 1 byte: got %v, want too_large", err)
	}
	if ev.ID != "" {
		t.Errorf("too_large must not parse the envelope, got id %q", ev.ID)
	}
}

// hasControl agrees with unicode.IsControl on every code point, alone and
// between other text, and on random bytes (valid UTF-8 or not).
func TestHasControlMatchesUnicode(t *testing.T) {
	want := func(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates have no UTF-8 form
		}
		for _, s := range []string{string(r), "ab" + string(r) + "é", "Ā" + string(r)} {
			if hasControl(s) != want(s) {
				t.Fatalf("hasControl(%q) = %v, unicode.IsControl says %v", s, hasControl(s), want(s))
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 6)
	for range 1_000_000 {
		for i := range buf {
			buf[i] = byte(rng.Uint32())
			if rng.IntN(3) == 0 {
				buf[i] = 0xc2
			}
		}
		if s := string(buf); hasControl(s) != want(s) {
			t.Fatalf("hasControl(% x) = %v, unicode.IsControl says %v", buf, hasControl(s), want(s))
		}
	}
}

// TestDecodeCreatedWithoutPriority: desks without priorities (the call-centre
// CRM) send ticket.created with no priority; the ticket gets its tenant's
// default priority and an empty label, which records that it was defaulted.
func TestDecodeCreatedWithoutPriority(t *testing.T) {
	m, err := NewMapper(MappingConfig{Tenants: map[string]VocabularyConfig{
		"hanoi-callcentre": {Preset: PresetVNCallCentre, DefaultPriority: "low"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	d := &Decoder{Labels: m}
	noPriority := edit(t, jsonCreated, `"priority": "Khẩn cấp", `, ``)
	// acme is on the canonical preset: it needs canonical labels
	acme := edit(t, edit(t, edit(t, noPriority, `"hanoi-callcentre"`, `"acme"`), `"Chưa xử lý"`, `"new"`), `"rất cao"`, `"high"`)
	for _, tt := range []struct {
		name, doc string
		want      Priority
	}{
		{"absent, tenant default low", noPriority, PriorityLow},
		{"empty, tenant default low", edit(t, jsonCreated, `"Khẩn cấp"`, `""`), PriorityLow},
		{"null, tenant default low", edit(t, jsonCreated, `"Khẩn cấp"`, `null`), PriorityLow},
		{"absent, a tenant without a setting gets normal", acme, PriorityNormal},
	} {
		ev, err := d.Decode([]byte(tt.doc))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if ev.Priority != tt.want || ev.PriorityLabel != "" || !ev.PriorityDefaulted {
			t.Errorf("%s: priority %q label %q defaulted %v, want %q, an empty label, defaulted", tt.name, ev.Priority, ev.PriorityLabel, ev.PriorityDefaulted, tt.want)
		}
		// It encodes without a priority, so it reads back the same.
		wire, err := Marshal(&ev)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := d.Decode(wire); err != nil || !reflect.DeepEqual(back, ev) {
			t.Errorf("%s: round trip %s gave %+v, %v", tt.name, wire, back, err)
		}
	}
	if _, err := NewMapper(MappingConfig{Default: VocabularyConfig{DefaultPriority: "Khẩn cấp"}}); err == nil ||
		!strings.Contains(err.Error(), "default_priority") {
		t.Errorf("a default_priority that is not canonical must be refused naming the field, got %v", err)
	}
}
