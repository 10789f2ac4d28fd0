package event

import (
	"testing"
)

// benchMix is 100 messages in the proportions a help desk produces them:
// mostly conversation and status changes, few creations, rare merges.
func benchMix(tb testing.TB) [][]byte {
	msg := func(kind, actor string) string {
		s := edit(tb, jsonMessage, `"public_reply"`, `"`+kind+`"`)
		return edit(tb, s, `{"type": "agent", "id": "agent-7"}`, actor)
	}
	statusLC := edit(tb, jsonStatusChanged, `"saigon-portal"`, `"hue-livechat"`)
	statusLC = edit(tb, statusLC, `"KH đã phản hồi"`, `"Đã giải quyết"`)
	statusRU := edit(tb, jsonStatusChanged, `"saigon-portal"`, `"moskva-desk"`)
	statusRU = edit(tb, statusRU, `"KH đã phản hồi"`, `"Ожидает клиента"`)
	createdRU := `{"schema":1,"event_id":"evt-0101","type":"ticket.created","tenant":"moskva-desk","ticket_id":"T-2001",
		"occurred_at":"2024-12-31T23:59:59.9999999+03:00","actor":{"type":"customer","id":"cus-9"},
		"data":{"channel":"email","customer":"ООО Ромашка","subject":"Не приходит счёт за декабрь","status":"Новый","priority":"Срочный","tags":["счёт","Бухгалтерия"]}}`
	mix := []struct {
		n    int
		json string
	}{
		{15, jsonMessage},
		{12, msg("customer_reply", `{"type": "customer", "id": "cus-42"}`)},
		{8, msg("internal_note", `{"type": "agent", "id": "agent-9"}`)},
		{8, jsonStatusChanged},
		{5, statusLC},
		{5, statusRU},
		{10, jsonAssigned},
		{5, jsonCreated},
		{3, createdRU},
		{7, jsonTagsChanged},
		{8, jsonTimeLogged},
		{3, jsonPriorityChanged},
		{2, jsonSeverityChanged},
		{4, jsonRated},
		{1, jsonMerged},
		{4, jsonDeleted},
	}
	var out [][]byte
	for _, m := range mix {
		for range m.n {
			out = append(out, []byte(m.json))
		}
	}
	if len(out) != 100 {
		tb.Fatalf("mix has %d messages", len(out))
	}
	return out
}

func BenchmarkDecode(b *testing.B) {
	d := testDecoder(b)
	benchDecode(b, func(m []byte) error {
		_, err := d.Decode(m)
		return err
	})
}

// BenchmarkDecodeInPlace is what ingest runs on Kafka messages.
func BenchmarkDecodeInPlace(b *testing.B) {
	d := testDecoder(b)
	var ev Event
	benchDecode(b, func(m []byte) error { return d.DecodeInPlace(m, &ev) })
}

func benchDecode(b *testing.B, decode func([]byte) error) {
	msgs := benchMix(b)
	for _, m := range msgs {
		if err := decode(m); err != nil {
			b.Fatalf("%v: %s", err, m)
		}
	}
	var size int64
	for _, m := range msgs {
		size += int64(len(m))
	}
	b.SetBytes(size) // one op decodes the whole mix
	b.ReportAllocs()
	ops := 0
	for b.Loop() {
		for _, m := range msgs {
			if err := decode(m); err != nil {
				b.Fatal(err)
			}
		}
		ops++
	}
	b.ReportMetric(float64(ops*len(msgs))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(size)/float64(len(msgs)), "B/event")
}
