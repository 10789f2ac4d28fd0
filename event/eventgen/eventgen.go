// Package eventgen generates realistic synthetic ticket lifecycles for the
// help desks in docs/domain.md: tickets arrive shaped by business hours, are
// assigned, answered, put on pending or hold, escalated, tagged, timed,
// solved, closed, reopened, rated, merged or deleted, and every event is
// emitted in the desk's own vocabulary (Vietnamese, Russian or canonical
// labels), in global time order.
//
// Output is a pure function of Config: the same Config gives the same
// events, byte for byte, on a given platform. Every event decodes through
// event.Decoder with the labels of Config.Mapping (DefaultMapping for the
// default tenants) and survives event.Marshal unchanged.
package eventgen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/slatehq/slate/event"
)

// Config describes one synthetic data set.
type Config struct {
	Seed    int64
	Tickets int            // number of tickets
	Days    int            // tickets are created over this many days from Start
	Start   time.Time      // midnight of the first day (zero: 2026-01-05 00:00 in Zone)
	Zone    *time.Location // where business hours are (nil: Asia/Ho_Chi_Minh)
	Tenants []TenantSpec   // empty: DefaultTenants()
	Agents  int            // agents per tenant (0: 12)
}

// TenantSpec is one tenant: its name, the event.Preset* vocabulary its help
// desk speaks (labels are emitted in it) and its share of the tickets.
type TenantSpec struct {
	Name   string
	Preset string
	Weight float64
}

// Limits checked by Validate.
const (
	MaxTickets = 1 << 40 // event ids reserve 42 bits for the ticket
	MaxAgents  = 10000
	MaxDays    = 3650
	MaxTenants = 1000
)

// defaultStartDate is the first day when Config.Start is zero: a Monday.
var defaultStartDate = [3]int{2026, 1, 5}

// DefaultZone is where business hours are when Config.Zone is nil.
const DefaultZone = "Asia/Ho_Chi_Minh"

// lifecycleHorizon bounds how long after its creation a ticket can still
// produce events; Validate keeps it inside the decoder's time range.
const lifecycleHorizon = 180 * 24 * time.Hour

var (
	decoderMin = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	decoderMax = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Validate reports the first problem of c, naming the field.
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// resolved is a validated Config with its defaults applied.
type resolved struct {
	Config
	weightSum float64
}

func (c Config) resolve() (*resolved, error) {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("eventgen: Config.%s %s", field, fmt.Sprintf(format, args...))
	}
	if c.Tickets <= 0 {
		return nil, bad("Tickets", "must be positive, got %d", c.Tickets)
	}
	if c.Tickets > MaxTickets {
		return nil, bad("Tickets", "must be at most %d, got %d", MaxTickets, c.Tickets)
	}
	if c.Days <= 0 {
		return nil, bad("Days", "must be positive, got %d", c.Days)
	}
	if c.Days > MaxDays {
		return nil, bad("Days", "must be at most %d, got %d", MaxDays, c.Days)
	}
	if c.Agents < 0 {
		return nil, bad("Agents", "must not be negative, got %d", c.Agents)
	}
	if c.Agents > MaxAgents {
		return nil, bad("Agents", "must be at most %d, got %d", MaxAgents, c.Agents)
	}
	r := &resolved{Config: c}
	if r.Agents == 0 {
		r.Agents = 12
	}
	if r.Zone == nil {
		r.Zone = defaultZone()
	}
	if r.Start.IsZero() {
		r.Start = time.Date(defaultStartDate[0], time.Month(defaultStartDate[1]), defaultStartDate[2], 0, 0, 0, 0, r.Zone)
	}
	end := r.Start.In(r.Zone).AddDate(0, 0, r.Days).Add(lifecycleHorizon)
	if r.Start.Before(decoderMin) || !end.Before(decoderMax) {
		return nil, bad("Start", "%s (plus Days=%d and the lifecycle of the last tickets) must fall within %d-%d, the range events may carry",
			r.Start.Format(time.RFC3339), r.Days, decoderMin.Year(), decoderMax.Year()-1)
	}
	if len(r.Tenants) == 0 {
		r.Tenants = DefaultTenants()
	}
	if len(r.Tenants) > MaxTenants {
		return nil, bad("Tenants", "has %d entries, at most %d are supported", len(r.Tenants), MaxTenants)
	}
	seen := make(map[string]int, len(r.Tenants))
	for i, t := range r.Tenants {
		field := fmt.Sprintf("Tenants[%d]", i)
		switch {
		case strings.TrimSpace(t.Name) == "":
			return nil, bad(field+".Name", "is empty")
		case len(t.Name) > 64:
			return nil, bad(field+".Name", "%q is longer than 64 bytes", t.Name)
		case strings.IndexFunc(t.Name, unicode.IsControl) >= 0:
			return nil, bad(field+".Name", "%q contains control characters", t.Name)
		}
		if j, dup := seen[t.Name]; dup {
			return nil, bad(field+".Name", "%q repeats Tenants[%d].Name", t.Name, j)
		}
		seen[t.Name] = i
		if _, err := event.Preset(t.Preset); err != nil {
			return nil, bad(field+".Preset", "is invalid: %v", err)
		}
		if !(t.Weight > 0) || math.IsInf(t.Weight, 0) {
			return nil, bad(field+".Weight", "must be a positive finite number, got %v", t.Weight)
		}
		r.weightSum += t.Weight
	}
	return r, nil
}

func defaultZone() *time.Location {
	if z, err := time.LoadLocation(DefaultZone); err == nil {
		return z
	}
	// Without a time zone database: Vietnam has kept UTC+7 all year since 1975.
	return time.FixedZone("ICT", 7*3600)
}

// Average events per ticket measured over the default mix is about 11.5;
// the estimate leaves room for small runs and other tenant mixes.
const estimatePerTicket = 15

// EstimateEvents is a rough upper estimate of the number of events Generate
// emits for cfg, for progress bars. It is 0 for an invalid Config.
func EstimateEvents(cfg Config) int {
	if cfg.Validate() != nil {
		return 0
	}
	return cfg.Tickets*estimatePerTicket + 64
}

// Generate produces the events of cfg in global occurred_at order (ties by
// event id, i.e. the order of event.Compare) and passes each to emit. The
// *event.Event passed to emit is reused for the next event: emit must not
// keep the pointer, but it may keep a copy (*e), whose slices are never
// modified afterwards. An error from emit stops generation and is returned.
func Generate(cfg Config, emit func(*event.Event) error) error {
	s, err := NewStream(cfg)
	if err != nil {
		return err
	}
	for e := s.Next(); e != nil; e = s.Next() {
		if err := emit(e); err != nil {
			return err
		}
	}
	return nil
}

// Stream hands out the events of a Config one at a time, in the order of
// Generate, for a caller that decides itself when to take the next one
// (the demo replays the part of a data set after "now" as it happens).
type Stream struct{ g *generator }

// NewStream validates cfg and prepares its events.
func NewStream(cfg Config) (*Stream, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	return &Stream{g: newGenerator(r)}, nil
}

// Next returns the next event, or nil once all are out. The event is
// reused by the following call, as with Generate's emit.
func (s *Stream) Next() *event.Event {
	if !s.g.next() {
		return nil
	}
	return &s.g.ev
}

// WriteNDJSON writes the events of cfg to w, one event.Marshal line each,
// and returns how many events it wrote.
func WriteNDJSON(w io.Writer, cfg Config) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	n := 0
	err := Generate(cfg, func(e *event.Event) error {
		b, err := event.Marshal(e)
		if err != nil {
			return fmt.Errorf("eventgen: marshal event %s: %w", e.ID, err)
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
		n++
		return nil
	})
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}
