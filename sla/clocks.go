package sla

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/compact"
)

// Clocks is one ticket's SLA simulation after a prefix of its history:
// what the engine knows once it has run over those events. The engine
// runs event by event, and a result as of the last event depends on
// nothing but that state, so extending it with events that all follow
// the prefix gives exactly what Config.Evaluate gives over the whole
// history as of its last event. The ingest projection keeps a ticket's
// Clocks beside its state and extends both with each unit's events,
// instead of reading the whole history back to evaluate it.
type Clocks struct {
	e                engine
	tenant, ticketID string
	ran              bool // an event has run
}

// Start returns the clocks of a ticket before its first event.
func (c *Config) Start() *Clocks {
	k := &Clocks{}
	c.StartInto(k)
	return k
}

// StartInto is Start into k, reusing its memory: a recompute starts the
// clocks of every ticket it evaluates.
func (c *Config) StartInto(k *Clocks) {
	k.e.reset(c)
	k.tenant, k.ticketID, k.ran = "", "", false
}

// Extend runs the clocks over events that are sorted (event.Compare),
// free of repeated ids, and all after the events already run, as
// ticket.State.Follows checks for a projection: under those conditions
// Start().Extend(h1).Extend(h2) is the simulation of h1+h2.
func (k *Clocks) Extend(sorted []*event.Event) {
	e := &k.e
	var st step
	for _, ev := range sorted {
		if !k.ran {
			k.tenant, k.ticketID, k.ran = ev.Tenant, ev.TicketID, true
			e.a.tenant = ev.Tenant
		}
		st.read(ev)
		e.advance(ev.OccurredAt, st.ns, st.ok)
		e.apply(ev, &st)
		e.retarget(ev.OccurredAt)
	}
}

// Empty says whether no event has run yet.
func (k *Clocks) Empty() bool { return !k.ran }

// Append appends the ticket's results as of its last event, as
// Config.Evaluate(history, last event's time) gives them, using v's
// buffers for their instants (v must evaluate with the same Config).
func (k *Clocks) Append(v *Evaluator, dst []Result) []Result {
	if k.Empty() {
		return dst
	}
	first := event.Event{Tenant: k.tenant, TicketID: k.ticketID}
	return k.e.results(v, dst, &first, k.e.last)
}

// clocksFormat leads the compact form, so a form of another layout is
// refused rather than misread.
const clocksFormat = 1

// AppendCompact appends the clocks in a flat binary form (no pointers:
// policies and targets by index into the Config), for a cache that keeps
// many. ReadClocks reads it back under the same Config.
func (k *Clocks) AppendCompact(b []byte) []byte {
	e := &k.e
	w := compactWriter{b: binary.AppendUvarint(b, clocksFormat)}
	for _, s := range [...]string{k.tenant, k.ticketID, e.a.group, e.a.channel, e.a.customer, e.a.organisation,
		string(e.a.status), string(e.a.priority), string(e.a.severity), string(e.targetsFor), string(e.createdBy)} {
		w.str(s)
	}
	w.uint(uint64(len(e.a.tags)))
	for _, s := range e.a.tags {
		w.str(s)
	}
	w.int(int64(e.policyIndex(e.policy)))
	w.time(e.last)
	w.int(e.lastNs)
	w.flags(e.lastOK, e.created, e.messageWhileResolved, e.firstReplyDone, e.deleted, e.merged, e.attrsChanged, e.dirty)
	w.flags(e.paused, e.waiting, e.working, k.ran)
	for _, n := range e.counts {
		w.uint(uint64(n))
	}
	for _, n := range [...]int{e.awaitingReply, e.periodic, e.firstReply, e.resolution, e.fullResolution} {
		w.int(int64(n))
	}
	w.uint(uint64(e.maxWarn))
	w.uint(uint64(len(e.clocks)))
	for i := range e.clocks {
		c := &e.clocks[i]
		w.time(c.start)
		w.time(c.stop)
		w.time(c.breached)
		w.time(c.usedUp)
		w.int(int64(c.elapsed))
		w.int(int64(c.paused))
		w.int(int64(c.mark))
		w.int(int64(e.policyIndex(c.policy)))
		w.int(int64(e.policyIndex(c.judgedBy)))
		w.target(e.cfg, c.stopTg)
		w.target(e.cfg, c.judged)
		w.int(int64(c.n))
		w.int(int64(c.warnAt))
		w.uint(uint64(c.mi))
		w.uint(uint64(c.kind))
		w.flags(c.stopped, c.cancelled)
	}
	w.uint(uint64(len(e.warned)))
	for _, t := range e.warned {
		w.time(t)
	}
	return w.b
}

// ReadClocks reads clocks written by AppendCompact under the same Config.
// Its strings are substrings of blob.
func (c *Config) ReadClocks(blob string) (*Clocks, error) {
	k := &Clocks{}
	if err := c.ReadClocksInto(k, blob); err != nil {
		return nil, err
	}
	return k, nil
}

// ReadClocksInto is ReadClocks into k, reusing its memory: a projection
// reads and writes back the clocks of every ticket of a batch.
func (c *Config) ReadClocksInto(k *Clocks, blob string) error {
	r := compactReader{compact.NewReader(blob)}
	if f := r.Uvarint(); f != clocksFormat {
		return fmt.Errorf("sla clocks: format %d, want %d", f, clocksFormat)
	}
	k.e.reset(c)
	k.ran = false
	e := &k.e
	for _, p := range [...]*string{&k.tenant, &k.ticketID, &e.a.group, &e.a.channel, &e.a.customer, &e.a.organisation,
		(*string)(&e.a.status), (*string)(&e.a.priority), (*string)(&e.a.severity), (*string)(&e.targetsFor), (*string)(&e.createdBy)} {
		*p = r.Str()
	}
	e.a.tenant = k.tenant
	e.a.tags = e.a.tags[:0]
	for n := r.count(); n > 0; n-- {
		e.a.tags = append(e.a.tags, r.Str())
	}
	e.policy = r.policy(c)
	e.last = r.time()
	e.lastNs = r.Varint()
	r.flags(&e.lastOK, &e.created, &e.messageWhileResolved, &e.firstReplyDone, &e.deleted, &e.merged, &e.attrsChanged, &e.dirty)
	r.flags(&e.paused, &e.waiting, &e.working, &k.ran)
	for i := range e.counts {
		e.counts[i] = int(r.Uvarint())
	}
	for _, p := range [...]*int{&e.awaitingReply, &e.periodic, &e.firstReply, &e.resolution, &e.fullResolution} {
		*p = int(r.Varint())
	}
	if mw := int(r.Uvarint()); mw != e.maxWarn {
		return fmt.Errorf("sla clocks: written under a configuration of %d warning thresholds, not %d", mw, e.maxWarn)
	}
	e.clocks = e.clocks[:0]
	for n := r.count(); n > 0; n-- {
		var cl clock
		cl.start, cl.stop, cl.breached, cl.usedUp = r.time(), r.time(), r.time(), r.time()
		cl.elapsed, cl.paused, cl.mark = time.Duration(r.Varint()), time.Duration(r.Varint()), time.Duration(r.Varint())
		cl.policy, cl.judgedBy = r.policy(c), r.policy(c)
		cl.stopTg, cl.judged = r.target(c), r.target(c)
		cl.n, cl.warnAt = int32(r.Varint()), int32(r.Varint())
		cl.mi, cl.kind = uint8(r.Uvarint()), uint8(r.Uvarint())
		r.flags(&cl.stopped, &cl.cancelled)
		e.clocks = append(e.clocks, cl)
	}
	e.warned = e.warned[:0]
	for n := r.count(); n > 0; n-- {
		e.warned = append(e.warned, r.time())
	}
	if !r.Done() {
		return fmt.Errorf("sla clocks: a malformed compact form")
	}
	e.refreshTargets()
	return nil
}

// policyIndex is p's index in the configuration (-1: none).
func (e *engine) policyIndex(p *Policy) int {
	for i := range e.cfg.Policies {
		if &e.cfg.Policies[i] == p {
			return i
		}
	}
	return -1
}

type compactWriter struct{ b []byte }

func (w *compactWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *compactWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *compactWriter) str(s string)  { w.b = compact.AppendStr(w.b, s) }

// time writes an instant as seconds and nanoseconds (any year), the zero
// time as a single 0.
func (w *compactWriter) time(t time.Time) {
	if t.IsZero() {
		w.uint(0)
		return
	}
	w.uint(1)
	w.int(t.Unix())
	w.uint(uint64(t.Nanosecond()))
}

func (w *compactWriter) flags(fs ...bool) {
	var v uint64
	for i, f := range fs {
		if f {
			v |= 1 << i
		}
	}
	w.uint(v)
}

// target writes a target as where targetOf finds it: the policy, metric
// and priority indexes of its table cell (-1: none).
func (w *compactWriter) target(c *Config, tg *Target) {
	if tg != nil {
		for p := range c.Policies {
			if tt := c.Policies[p].targetTable; tt != nil {
				for mi := range tt {
					for pi := range tt[mi] {
						if tt[mi][pi] == tg {
							w.int(int64(p))
							w.uint(uint64(mi))
							w.uint(uint64(pi))
							return
						}
					}
				}
			}
		}
	}
	w.int(-1)
}

// compactReader adds the clocks' own forms to compact.Reader.
type compactReader struct{ compact.Reader }

// count reads a length, bounded by the bytes left (each element takes
// one at least).
func (r *compactReader) count() int {
	n := r.Uvarint()
	if n > uint64(r.Left()) {
		r.Fail()
		return 0
	}
	return int(n)
}

func (r *compactReader) time() time.Time {
	if r.Uvarint() == 0 {
		return time.Time{}
	}
	sec := r.Varint()
	return time.Unix(sec, int64(r.Uvarint())).UTC()
}

func (r *compactReader) flags(fs ...*bool) {
	v := r.Uvarint()
	for i, f := range fs {
		*f = v&(1<<i) != 0
	}
}

func (r *compactReader) policy(c *Config) *Policy {
	i := r.Varint()
	if i < 0 {
		return nil
	}
	if i >= int64(len(c.Policies)) {
		r.Fail()
		return nil
	}
	return &c.Policies[i]
}

func (r *compactReader) target(c *Config) *Target {
	p := r.Varint()
	if p < 0 {
		return nil
	}
	mi, pi := r.Uvarint(), r.Uvarint()
	if p >= int64(len(c.Policies)) || mi > 3 || pi > 3 || c.Policies[p].targetTable == nil {
		r.Fail()
		return nil
	}
	return c.Policies[p].targetTable[mi][pi]
}
