package event

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// visible is w's JSON-visible fields with the pointees copied out of
// fastScan's storage, for reflect.DeepEqual.
func visible(w *wireEvent) wireEvent {
	c := *w
	c.fast, c.fastActor = fastStore{}, wireActor{}
	if w.Actor != nil {
		a := *w.Actor
		c.Actor = &a
	}
	if w.Data.SupportingAgents != nil {
		l := append([]string{}, *w.Data.SupportingAgents...)
		c.Data.SupportingAgents = &l
	}
	return c
}

// checkFastScan fails when fastScan accepts raw but reads it differently
// from the JSON decoder, or accepts what the decoder rejects; in place
// (the strings pointing into raw) it must read as it does from a copy.
func checkFastScan(t *testing.T, raw []byte) (accepted bool) {
	t.Helper()
	var fast, inPlace, slow wireEvent
	own := bytes.Clone(raw)
	ok := fastScan(raw, &fast, false)
	if fastScan(own, &inPlace, true) != ok {
		t.Fatalf("fastScan in place and from a copy disagree on taking %q", raw)
	}
	if !ok {
		return false
	}
	if err := json.Unmarshal(raw, &slow); err != nil {
		t.Fatalf("fastScan accepted what the JSON decoder rejects (%v): %q", err, raw)
	}
	if a, b := visible(&fast), visible(&slow); !reflect.DeepEqual(a, b) {
		t.Fatalf("fastScan read %q differently:\nfast %+v\njson %+v", raw, a, b)
	}
	if a, b := visible(&inPlace), visible(&slow); !reflect.DeepEqual(a, b) {
		t.Fatalf("fastScan in place read %q differently:\nfast %+v\njson %+v", raw, a, b)
	}
	return true
}

// The examples of docs/events.md and the benchmark's mix take the fast
// path (but those with an escape) and read exactly as the JSON decoder
// reads them.
func TestFastScanReadsTheUsualShapeLikeJSON(t *testing.T) {
	for _, ex := range validExamples {
		if !checkFastScan(t, []byte(ex.json)) && !strings.Contains(ex.json, `\`) {
			t.Errorf("%s: not taken by the fast path", ex.typ)
		}
	}
	for _, m := range benchMix(t) {
		if !checkFastScan(t, m) && !bytes.Contains(m, []byte(`\`)) {
			t.Errorf("not taken by the fast path: %s", m)
		}
	}
}

// What the fast path leaves to the JSON decoder: anything it would have
// to read differently from the usual shape.
func TestFastScanLeavesTheUnusualToJSON(t *testing.T) {
	base := `{"schema":1,"event_id":"e1","type":"ticket.rated","tenant":"acme","ticket_id":"T1","occurred_at":"2026-03-02T09:00:00Z","actor":{"type":"customer","id":"c1"},"data":{"rating":5}}`
	if !checkFastScan(t, []byte(base)) {
		t.Fatal("the base message is not taken by the fast path")
	}
	for name, raw := range map[string]string{
		"escape":         strings.Replace(base, `"e1"`, `"e\u0031"`, 1),
		"null":           strings.Replace(base, `"rating":5`, `"rating":null`, 1),
		"repeated key":   strings.Replace(base, `"type":"ticket.rated"`, `"type":"ticket.rated","type":"ticket.deleted"`, 1),
		"unknown key":    strings.Replace(base, `"schema":1`, `"schema":1,"extra":true`, 1),
		"key case":       strings.Replace(base, `"schema":1`, `"Schema":1`, 1),
		"fraction":       strings.Replace(base, `"rating":5`, `"rating":5.0`, 1),
		"exponent":       strings.Replace(base, `"rating":5`, `"rating":5e0`, 1),
		"leading zero":   strings.Replace(base, `"rating":5`, `"rating":05`, 1),
		"string number":  strings.Replace(base, `"rating":5`, `"rating":"5"`, 1),
		"trailing":       base + `}`,
		"control char":   strings.Replace(base, `"c1"`, "\"c\x011\"", 1),
		"not an object":  `[` + base + `]`,
		"actor not obj":  strings.Replace(base, `{"type":"customer","id":"c1"}`, `"c1"`, 1),
		"unclosed":       base[:len(base)-1],
		"huge integer":   strings.Replace(base, `"rating":5`, `"rating":1234567890123456789`, 1),
		"repeated actor": strings.Replace(base, `"actor":`, `"actor":{},"actor":`, 1),
	} {
		var w wireEvent
		if fastScan([]byte(raw), &w, false) {
			t.Errorf("%s: taken by the fast path: %s", name, raw)
		}
	}
}

// FuzzFastScanMatchesJSON: on any input, what fastScan accepts the JSON
// decoder accepts too and reads the same.
func FuzzFastScanMatchesJSON(f *testing.F) {
	for _, ex := range validExamples {
		f.Add([]byte(ex.json))
	}
	for _, m := range benchMix(f) {
		f.Add(m)
	}
	f.Add([]byte(`{"data":{"tags":[],"supporting_agents":[],"rate":-0.5,"seconds":-0,"billable":false}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !utf8.Valid(raw) {
			return // Decode rejects it before either reader sees it
		}
		checkFastScan(t, raw)
	})
}

// DecodeInPlace decodes every message, valid or not, as Decode does: into
// an event that held the one before (nothing of which is left), and the
// values it gives stay while the decoder goes on to other messages (the
// pooled scanner state is not what its strings point into).
func TestDecodeInPlaceReadsAsDecode(t *testing.T) {
	d := testDecoder(t)
	var msgs [][]byte
	for _, ex := range validExamples {
		msgs = append(msgs, []byte(ex.json))
	}
	msgs = append(msgs, benchMix(t)...)
	msgs = append(msgs, []byte(`{"schema":1}`), []byte(`{oops`))
	type decoded struct {
		ev  Event
		err string
	}
	in := make([]decoded, len(msgs))
	var slot Event
	for i, m := range msgs {
		err := d.DecodeInPlace(bytes.Clone(m), &slot)
		in[i] = decoded{slot, fmt.Sprint(err)}
	}
	for i, m := range msgs {
		ev, err := d.Decode(m)
		if want := (decoded{ev, fmt.Sprint(err)}); !reflect.DeepEqual(in[i], want) {
			t.Fatalf("%s:\nin place %+v\nDecode   %+v", m, in[i], want)
		}
	}
}
