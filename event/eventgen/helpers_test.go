package eventgen

import (
	"bytes"
	"reflect"
	"sync"
	"testing"

	"github.com/slatehq/slate/event"
)

// generate runs cfg and returns the events decoded from their wire form,
// checking on the way that each one decodes with cfg.Mapping() and
// round-trips: Decode(Marshal(e)) equals e, and marshals to the same bytes.
func generate(t testing.TB, cfg Config) []event.Event {
	t.Helper()
	evs, err := generateErr(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

type genError struct{ msg string }

func (e *genError) Error() string { return e.msg }

func generateErr(cfg Config) ([]event.Event, error) {
	m, err := event.NewMapper(cfg.Mapping())
	if err != nil {
		return nil, err
	}
	dec := &event.Decoder{Labels: m}
	var out []event.Event
	err = Generate(cfg, func(e *event.Event) error {
		b, err := event.Marshal(e)
		if err != nil {
			return err
		}
		d, err := dec.Decode(b)
		if err != nil {
			return &genError{"event " + e.ID + " does not decode: " + err.Error() + "\n" + string(b)}
		}
		if !reflect.DeepEqual(*e, d) {
			return &genError{"event " + e.ID + " does not round-trip:\n" + string(b)}
		}
		if again, err := event.Marshal(&d); err != nil || !bytes.Equal(again, b) {
			return &genError{"event " + e.ID + " marshals differently after decoding:\n" + string(b) + "\n" + string(again)}
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// sharedConfig is a month of the default mix, big enough for statistics;
// several tests read the same run.
var sharedConfig = Config{Seed: 2026, Tickets: 20000, Days: 30}

var shared struct {
	once sync.Once
	evs  []event.Event
	err  error
}

func sharedRun(t testing.TB) []event.Event {
	t.Helper()
	shared.once.Do(func() { shared.evs, shared.err = generateErr(sharedConfig) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.evs
}

type ticketKey struct{ tenant, ticket string }

// histories groups events by ticket, keeping emission order; order lists
// the tickets by their first event.
func histories(evs []event.Event) (h map[ticketKey][]*event.Event, order []ticketKey) {
	h = map[ticketKey][]*event.Event{}
	for i := range evs {
		e := &evs[i]
		k := ticketKey{e.Tenant, e.TicketID}
		if _, ok := h[k]; !ok {
			order = append(order, k)
		}
		h[k] = append(h[k], e)
	}
	return h, order
}

func ndjson(t testing.TB, cfg Config) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := WriteNDJSON(&b, cfg)
	if err != nil {
		t.Fatalf("WriteNDJSON: %v", err)
	}
	if got := bytes.Count(b.Bytes(), []byte("\n")); got != n {
		t.Fatalf("WriteNDJSON reported %d events but wrote %d lines", n, got)
	}
	return b.Bytes()
}
