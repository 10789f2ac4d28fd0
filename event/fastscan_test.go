package event

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
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

// stringStops finds the first byte that ends or interrupts a string as a
// byte-by-byte look does, and says there is none exactly when there is
// none: checked on every byte value at every position among ordinary
// bytes, on pairs of stops, and on random words.
func TestStringStopsFindsTheFirstStop(t *testing.T) {
	isStop := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	check := func(word [8]byte) {
		t.Helper()
		want := -1
		for i, c := range word {
			if isStop(c) {
				want = i
				break
			}
		}
		m := stringStops(binary.LittleEndian.Uint64(word[:]))
		got := -1
		if m != 0 {
			got = bits.TrailingZeros64(m) / 8
		}
		if got != want {
			t.Fatalf("% x: first stop at %d, stringStops says %d (mask %016x)", word, want, got, m)
		}
	}
	fillers := []byte{'a', ' ', '!', '#', '[', ']', 0x7f, 0x80, 0xa2, 0xdc, 0xff}
	for _, f := range fillers {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				var w [8]byte
				for i := range w {
					w[i] = f
				}
				w[pos] = byte(c)
				check(w)
				for later := pos + 1; later < 8; later++ {
					for _, c2 := range []byte{'"', '\\', 0, 0x1f} {
						w2 := w
						w2[later] = c2
						check(w2)
					}
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		check(w)
	}
}
