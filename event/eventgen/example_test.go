package eventgen_test

import (
	"fmt"
	"os"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
)

// Generate a week of tickets and read them back the way ingest does.
func ExampleGenerate() {
	cfg := eventgen.Config{Seed: 1, Tickets: 1000, Days: 7}
	mapper, err := event.NewMapper(eventgen.DefaultMapping())
	if err != nil {
		panic(err)
	}
	dec := &event.Decoder{Labels: mapper}
	err = eventgen.Generate(cfg, func(e *event.Event) error {
		raw, err := event.Marshal(e) // e is reused: marshal or copy it here
		if err != nil {
			return err
		}
		_, err = dec.Decode(raw)
		return err
	})
	fmt.Println(err)
	// Output: <nil>
}

// Write a month of the default tenants as NDJSON, e.g. for kafka-console-producer.
func ExampleWriteNDJSON() {
	n, err := eventgen.WriteNDJSON(os.Stdout, eventgen.Config{Seed: 7, Tickets: 50000, Days: 30})
	fmt.Fprintln(os.Stderr, n, "events", err)
}
