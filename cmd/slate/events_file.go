package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/slatehq/slate/event"
)

// decodeEventsFile decodes an NDJSON file of events (path "-" is stdin), one
// event per line as a producer would send it, calling accepted or rejected
// for each non-empty line. It returns the number of lines read.
func decodeEventsFile(path string, dec *event.Decoder, accepted func(event.Event), rejected func(line int, err error)) (int, error) {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		in = f
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), event.MaxPayloadBytes+1)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		ev, err := dec.Decode(sc.Bytes())
		if err != nil {
			rejected(line, err)
			continue
		}
		accepted(ev)
	}
	if err := sc.Err(); err != nil {
		return line, fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	return line, nil
}
