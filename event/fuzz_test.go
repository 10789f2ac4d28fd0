package event

import (
	"strings"
	"testing"
)

// FuzzDecode: whatever the bytes, Decode does not panic; what it accepts
// marshals back to a message that decodes to the same event; what it rejects
// it rejects with an *Error that has a Reason.
func FuzzDecode(f *testing.F) {
	for _, ex := range validExamples {
		f.Add([]byte(ex.json))
	}
	for _, s := range []string{
		``,
		`{}`,
		`null`,
		`[]`,
		`{"schema":1}`,
		jsonDeleted + `}`,
		jsonDeleted + jsonDeleted,
		strings.Replace(jsonCreated, `"Zalo"`, `"ȺȺȺ"`, 1),
		strings.Replace(jsonTimeLogged, `5400`, `-1`, 1),
		strings.Replace(jsonTimeLogged, `"VND"`, `"€"`, 1),
		strings.Replace(jsonRated, `"rating": 5`, `"rating": "5"`, 1),
		strings.Replace(jsonStatusChanged, `"KH đã phản hồi"`, `"KH\u0000"`, 1),
		strings.Replace(jsonAssigned, `["agent-4", " agent-5 "]`, `null`, 1),
		"{\"schema\":1,\"event_id\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	d := testDecoder(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := d.Decode(raw)
		if err != nil {
			e := asError(t, err)
			if e.Reason == "" {
				t.Fatalf("rejection without a reason: %v", err)
			}
			if e.Detail == "" {
				t.Fatalf("rejection without detail: %#v", e)
			}
			return
		}
		wire, err := Marshal(&ev)
		if err != nil {
			t.Fatalf("Marshal of a decoded event: %v\nevent: %#v", err, ev)
		}
		again, err := d.Decode(wire)
		if err != nil {
			t.Fatalf("the decoded event does not decode after Marshal: %v\ninput: %q\nwire:  %s", err, raw, wire)
		}
		if diff := eventDiff(again, ev); diff != "" {
			t.Fatalf("round trip changed the event:\n%s\ninput: %q\nwire:  %s", diff, raw, wire)
		}
	})
}
