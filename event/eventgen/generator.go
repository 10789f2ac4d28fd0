package eventgen

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/slatehq/slate/event"
)

// Actions: what a ticket's next event will be.
const (
	actCreated uint8 = iota
	actAssign
	actOpen
	actNote
	actReply
	actPending
	actCustReply
	actAutoOpen
	actHold
	actUnhold
	actReassign
	actSupport
	actPriority
	actSeverity
	actTags
	actTimeLog
	actSolve
	actAutoSolve
	actRate
	actClose
	actMerge
	actMergeClose
	actDelete
	actDueDate
)

// Fates decided when a ticket is created.
const (
	fateNormal uint8 = iota
	fateFCR          // phone call solved while the customer is on the line
	fateMerge        // a duplicate, merged into an earlier ticket
	fateDelete       // spam
)

// Ticket flags.
const (
	fOnCall        uint16 = 1 << iota // agents answer outside business hours
	fReopenPlanned                    // the customer will reply after the solve
	fReopened
	fTurnStart // the next agent action starts a turn: response-time delay
	fReassigned
	fSupported
	fEscalated
	fSevChanged
	fHeld
	fRouter // the pending assignment is done by the routing automation
	fTimer  // the pending time log comes from a start/stop timer
	fDueSet // an agent has set the due date by hand
)

// ticket is the state of one active ticket: what it looks like now and what
// its next event is. It holds indices into its tenant's pools, not strings,
// so the many concurrently open tickets of a large run stay small.
type ticket struct {
	rng      rand.PCG
	ten      *tenant
	id       string
	gidx     uint64
	created  int64
	last     int64 // time of the previous event
	at       int64 // time of the next event
	hi, lo   uint64
	rateAt   int64
	closeAt  int64
	logStart int64
	tags     uint64 // bit i: ten.tags[i]
	logSecs  int32
	seq      uint32
	num      int32
	customer int32
	merge    int32 // ticket number this one is merged into
	assignee int16 // -1: unassigned
	group    int16 // -1: no group
	flags    uint16
	q        [16]uint8 // queue of planned actions
	qh, qn   uint8
	act      uint8 // action of the next event
	lastAct  uint8
	status   uint8
	priority uint8 // 0..3 = low..urgent
	severity uint8 // 0: none, 1..4 = low..critical
	fate     uint8
	rounds   uint8 // public replies before the solve
	replies  uint8
	msgs     uint8
	tagEdits uint8
}

func (t *ticket) push(a uint8) {
	if t.qn == uint8(len(t.q)) {
		panic("eventgen: bug: action queue overflow")
	}
	t.q[(t.qh+t.qn)%uint8(len(t.q))] = a
	t.qn++
}

func (t *ticket) pop() uint8 {
	a := t.q[t.qh]
	t.qh = (t.qh + 1) % uint8(len(t.q))
	t.qn--
	return a
}

// swapSrc lets one rand.Rand draw from whichever ticket is being advanced:
// every ticket has its own PCG stream, so what happens to a ticket does not
// depend on how its events interleave with other tickets'.
type swapSrc struct{ p *rand.PCG }

func (s *swapSrc) Uint64() uint64 { return s.p.Uint64() }

type generator struct {
	seed    uint64
	keys    idKeys
	cal     *calendar
	arr     *arrivals
	global  *rand.Rand // arrivals and tenant choice
	src     swapSrc
	r       *rand.Rand // the current ticket's stream
	tenants []*tenant
	tenCDF  []float64
	blocks  []*[blockSize]ticket // ticket slots, allocated a block at a time
	nslots  int32
	free    []int32
	heap    eventHeap
	births  uint64
	ev      event.Event
	buf     []byte
}

func newGenerator(c *resolved) *generator {
	seed := uint64(c.Seed)
	g := &generator{
		seed:   seed,
		keys:   newIDKeys(seed ^ configHash(c)),
		cal:    newCalendar(c.Start, c.Zone),
		global: rand.New(rand.NewPCG(mix64(seed), mix64(seed^0x5eed))),
	}
	g.r = rand.New(&g.src)
	w := make([]float64, len(c.Tenants))
	for i, ts := range c.Tenants {
		w[i] = ts.Weight
		exp := float64(c.Tickets) * ts.Weight / c.weightSum
		g.tenants = append(g.tenants, newTenant(i, ts, exp, c.Agents, mix64(seed+uint64(i)+1)))
	}
	g.tenCDF = cdf(w)
	g.arr = newArrivals(g.global, c.Start, c.Days, c.Zone, c.Tickets)
	return g
}

// configHash folds the rest of the Config into the event id keys, so two
// data sets generated with the same seed but different settings do not
// share event ids when they land in the same topic.
func configHash(c *resolved) uint64 {
	h := mix64(uint64(c.Tickets))
	h = mix64(h ^ uint64(c.Days))
	h = mix64(h ^ uint64(c.Start.UnixMicro()))
	h = mix64(h ^ uint64(c.Agents))
	for _, t := range c.Tenants {
		for _, s := range [...]string{t.Name, "\x00", t.Preset, "\x00"} {
			for i := 0; i < len(s); i++ {
				h = mix64(h ^ uint64(s[i]))
			}
		}
		h = mix64(h ^ math.Float64bits(t.Weight))
	}
	return h
}

// next builds the next event in g.ev; false when every lifecycle is over.
func (g *generator) next() bool {
	if at, ok := g.arr.peek(); ok {
		hi, lo := g.keys.eventID(g.births, 0)
		cand := heapEntry{at: at, hi: hi, lo: lo}
		if len(g.heap) == 0 || cand.less(&g.heap[0]) {
			g.arr.next()
			idx := g.birth(at, hi, lo)
			// The next event is planned before the caller sees this one:
			// planning draws only from the ticket's own stream and does
			// not touch g.ev.
			t := g.ticket(idx)
			if g.advance(t) {
				g.heap.push(heapEntry{at: t.at, hi: t.hi, lo: t.lo, idx: idx})
			} else {
				g.release(idx)
			}
			return true
		}
	} else if len(g.heap) == 0 {
		return false
	}
	idx := g.heap[0].idx
	t := g.ticket(idx)
	g.src.p = &t.rng
	g.build(t)
	if g.advance(t) {
		g.heap.replaceTop(heapEntry{at: t.at, hi: t.hi, lo: t.lo, idx: idx})
	} else {
		g.heap.pop()
		g.release(idx)
	}
	return true
}

// Tickets live in fixed blocks, so a slot never moves and growing the pool
// never copies it (a run with a million open tickets would otherwise need
// the old and the new slice at once).
const (
	blockBits = 10
	blockSize = 1 << blockBits
)

func (g *generator) ticket(idx int32) *ticket {
	return &g.blocks[idx>>blockBits][idx&(blockSize-1)]
}

func (g *generator) alloc() int32 {
	if n := len(g.free); n > 0 {
		idx := g.free[n-1]
		g.free = g.free[:n-1]
		return idx
	}
	if int(g.nslots) == len(g.blocks)*blockSize {
		g.blocks = append(g.blocks, new([blockSize]ticket))
	}
	g.nslots++
	return g.nslots - 1
}

func (g *generator) release(idx int32) {
	*g.ticket(idx) = ticket{}
	g.free = append(g.free, idx)
}

// advance plans the ticket's next event; false when its lifecycle is over.
func (g *generator) advance(t *ticket) bool {
	if t.qn == 0 && !g.refill(t) {
		return false
	}
	t.act = t.pop()
	at := g.when(t, t.act)
	if at <= t.last {
		at = t.last + 1 + g.r.Int64N(usSecond)
	}
	t.at = at
	t.hi, t.lo = g.keys.eventID(t.gidx, t.seq)
	return true
}

// refill plans the next stretch of the lifecycle once the queue is empty.
func (g *generator) refill(t *ticket) bool {
	r := g.r
	switch t.lastAct {
	case actCreated:
		switch t.fate {
		case fateDelete:
			t.push(actDelete)
		case fateMerge:
			if r.Float64() < 0.3 {
				t.push(actNote)
			}
			t.push(actMerge)
			t.push(actMergeClose)
		case fateFCR:
			t.push(actTimeLog)
			t.push(actSolve)
		default:
			if t.assignee < 0 {
				t.push(actAssign)
			}
			if t.status == stNew {
				t.push(actOpen)
			}
			g.turn(t)
		}
	case actReply:
		switch {
		case t.replies >= t.rounds:
			if r.Float64() < 0.3 {
				t.push(actTimeLog)
			}
			t.push(actSolve)
		case r.Float64() < t.ten.pPending:
			t.push(actPending)
		case r.Float64() < 0.75:
			t.push(actCustReply)
		default:
			g.turn(t) // the agent follows up on their own reply
		}
	case actPending:
		if r.Float64() < 0.85 {
			t.push(actCustReply)
		} else {
			t.push(actAutoSolve) // the customer never answered
		}
	case actCustReply:
		if t.status != stOpen {
			t.push(actAutoOpen)
		}
		g.turn(t)
	case actSolve, actAutoSolve:
		g.afterResolve(t)
	}
	return t.qn > 0
}

// turn plans one agent turn on the ticket, ending with a public reply.
func (g *generator) turn(t *ticket) {
	r, ten := g.r, t.ten
	t.flags |= fTurnStart
	multi := len(ten.agents) >= 2
	if multi && t.flags&fReassigned == 0 && r.Float64() < 0.08 {
		t.flags |= fReassigned
		t.push(actReassign)
	}
	if multi && t.flags&fSupported == 0 && r.Float64() < 0.04 {
		t.flags |= fSupported
		t.push(actSupport)
	}
	if r.Float64() < 0.3 {
		t.push(actNote)
	}
	if t.flags&fEscalated == 0 && r.Float64() < 0.07 {
		t.flags |= fEscalated
		t.push(actPriority)
	}
	if t.flags&fSevChanged == 0 && r.Float64() < 0.04 {
		t.flags |= fSevChanged
		t.push(actSeverity)
	}
	if t.tagEdits < 2 && r.Float64() < 0.1 {
		t.tagEdits++
		t.push(actTags)
	}
	if t.flags&fDueSet == 0 && dueByHand(t.gidx) {
		t.flags |= fDueSet
		t.push(actDueDate)
	}
	if ten.labels.has(stOnHold) && t.flags&fHeld == 0 && r.Float64() < 0.08 {
		t.flags |= fHeld
		t.push(actHold)
		t.push(actUnhold)
	}
	if r.Float64() < 0.4 {
		t.push(actTimeLog)
	}
	t.push(actReply)
}

// afterResolve plans what follows a solve: the customer reopening the
// ticket, or the rating and the automatic close, in time order.
func (g *generator) afterResolve(t *ticket) {
	r := g.r
	if t.flags&fReopenPlanned != 0 && t.flags&fReopened == 0 {
		t.flags |= fReopened
		t.rounds = t.replies + 1
		t.push(actCustReply)
		return
	}
	var rateAt, closeAt int64
	if r.Float64() < 0.4 {
		rateAt = g.cal.morning(r, t.last+g.lognorm(4*usHour, 1.2, usMinute, 6*usDay))
	}
	if t.status == stSolved && t.ten.labels.has(stClosed) && r.Float64() < 0.9 {
		closeAt = t.last + 72*usHour + r.Int64N(96*usHour)
	}
	switch {
	case rateAt != 0 && closeAt != 0:
		if rateAt == closeAt {
			closeAt++
		}
		t.rateAt, t.closeAt = rateAt, closeAt
		if rateAt < closeAt {
			t.push(actRate)
			t.push(actClose)
		} else {
			t.push(actClose)
			t.push(actRate)
		}
	case rateAt != 0:
		t.rateAt = rateAt
		t.push(actRate)
	case closeAt != 0:
		t.closeAt = closeAt
		t.push(actClose)
	}
}

// lognorm draws a log-normal duration with the given median, kept within
// [lo, hi]; the tail beyond hi is spread over the top quarter of the range
// rather than piled up on hi.
func (g *generator) lognorm(median int64, sigma float64, lo, hi int64) int64 {
	v := float64(median) * math.Exp(sigma*g.r.NormFloat64())
	if v < float64(lo) {
		return lo
	}
	if v > float64(hi) {
		return hi - int64(g.r.Float64()*float64(hi-lo)/4)
	}
	return int64(v)
}

func (g *generator) agentAt(t *ticket, base, work int64) int64 {
	if t.flags&fOnCall != 0 {
		return base + work
	}
	return g.cal.addWork(base, work)
}

// firstReply is the median business time to the first response, by priority.
var firstReply = [4]int64{150 * usMinute, 75 * usMinute, 30 * usMinute, 10 * usMinute}

// work is the business time an agent action takes after the previous event:
// a response time when it starts a turn, a few minutes inside one.
func (g *generator) work(t *ticket, act uint8) int64 {
	if t.flags&fTurnStart != 0 {
		t.flags &^= fTurnStart
		m := firstReply[t.priority]
		if t.replies > 0 {
			m = m * 13 / 10
		}
		return g.lognorm(m, 1.0, usMinute, 10*usHour)
	}
	switch act {
	case actMerge:
		return g.lognorm(40*usMinute, 1.0, usMinute, 8*usHour)
	case actDelete:
		return g.lognorm(20*usMinute, 1.0, usMinute, 8*usHour)
	case actSolve:
		return g.lognorm(10*usMinute, 1.0, 10*usSecond, 4*usHour)
	}
	return g.lognorm(6*usMinute, 0.8, 20*usSecond, 90*usMinute)
}

// when is the time of the ticket's next event, a.
func (g *generator) when(t *ticket, a uint8) int64 {
	r, last := g.r, t.last
	switch a {
	case actAssign:
		if r.Float64() < 0.45 {
			t.flags |= fRouter
			return last + 2*usSecond + r.Int64N(88*usSecond)
		}
		t.flags &^= fRouter
		if r.Float64() < 0.2 {
			// Nobody takes it for a while: the unassigned queue a
			// manager watches is never empty in a busy desk.
			return g.agentAt(t, last, g.lognorm(3*usHour, 0.8, 30*usMinute, 20*usHour))
		}
		return g.agentAt(t, last, g.lognorm(15*usMinute, 1.0, usMinute, 8*usHour))
	case actTimeLog:
		var start, secs int64
		if t.fate == fateFCR {
			start = t.created // the call started when the agent opened the ticket
			secs = g.lognorm(6*usMinute, 0.7, usMinute, 40*usMinute) / usSecond
		} else {
			start = g.agentAt(t, last, g.work(t, a))
			secs = g.lognorm(12*usMinute, 0.9, usMinute, 4*usHour) / usSecond
		}
		t.logStart, t.logSecs = start, int32(secs)
		t.flags &^= fTimer
		if r.Float64() < 0.7 {
			t.flags |= fTimer
		}
		return start + secs*usSecond + r.Int64N(20*usSecond)
	case actPending:
		if t.ten.autoPending {
			return last + usSecond + r.Int64N(19*usSecond)
		}
		return last + 5*usSecond + r.Int64N(175*usSecond)
	case actCustReply:
		var d int64
		if t.status == stSolved || t.status == stClosed {
			d = g.lognorm(12*usHour, 1.0, 15*usMinute, 60*usHour)
		} else {
			d = g.lognorm(3*usHour, 1.3, 3*usMinute, 5*usDay)
		}
		return g.cal.morning(r, last+d)
	case actAutoOpen, actMergeClose:
		return last + usSecond + r.Int64N(14*usSecond)
	case actUnhold:
		return g.agentAt(t, last, g.lognorm(5*usHour, 1.0, 30*usMinute, 40*usHour))
	case actAutoSolve:
		return last + 72*usHour + r.Int64N(48*usHour)
	case actRate:
		return t.rateAt
	case actClose:
		return t.closeAt
	}
	return g.agentAt(t, last, g.work(t, a))
}

var emptyTags = []string{}

func (g *generator) tagSlice(ten *tenant, mask uint64) []string {
	if mask == 0 {
		return emptyTags
	}
	out := make([]string, 0, bits.OnesCount64(mask))
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		out = append(out, ten.tags[i])
		mask &^= 1 << i
	}
	return out
}

func (g *generator) pickGroup(ten *tenant) int16 { return int16(pick(g.r, ten.groupCDF)) }

func (g *generator) agentIn(ten *tenant, group int16) int16 {
	as := ten.groupAgents[group]
	return as[g.r.IntN(len(as))]
}

// actingAgent is who works the ticket: its assignee, else someone of its group.
func (g *generator) actingAgent(t *ticket) int16 {
	if t.assignee >= 0 {
		return t.assignee
	}
	if t.group >= 0 {
		return g.agentIn(t.ten, t.group)
	}
	return int16(g.r.IntN(len(t.ten.agents)))
}

func agentActor(ten *tenant, a int16) event.Actor {
	return event.Actor{Type: event.ActorAgent, ID: ten.agents[a]}
}

func systemActor(id string) event.Actor { return event.Actor{Type: event.ActorSystem, ID: id} }

func (g *generator) newEvent(t *ticket, typ event.Type, actor event.Actor) *event.Event {
	e := &g.ev
	*e = event.Event{
		Schema:     event.SchemaVersion,
		ID:         formatUUID(t.hi, t.lo),
		Type:       typ,
		Tenant:     t.ten.name,
		TicketID:   t.id,
		OccurredAt: time.UnixMicro(t.at).UTC(),
		Actor:      actor,
	}
	return e
}

func (g *generator) statusLabel(ten *tenant, s uint8) string {
	if alt := ten.labels.statusAlt[s]; alt != "" && g.r.Float64() < 0.15 {
		return alt
	}
	return ten.labels.status[s]
}

func (g *generator) priorityLabel(ten *tenant, p uint8) string {
	if alt := ten.labels.priorityAlt[p]; alt != "" && g.r.Float64() < 0.2 {
		return alt
	}
	return ten.labels.priority[p]
}

func (g *generator) setStatus(t *ticket, s uint8, label string, actor event.Actor) {
	if s == t.status || label == "" {
		panic("eventgen: bug: invalid status change")
	}
	e := g.newEvent(t, event.TypeStatusChanged, actor)
	e.Status, e.StatusLabel = canonicalStatus[s], label
	t.status = s
}

// resolvedStatus is where a solve takes a ticket: solved, or closed on desks
// without a solved state.
func resolvedStatus(l *labelSet) uint8 {
	if l.has(stSolved) {
		return stSolved
	}
	return stClosed
}

func (g *generator) message(t *ticket, kind event.MessageKind, actor event.Actor) {
	e := g.newEvent(t, event.TypeMessage, actor)
	e.MessageKind = kind
	t.msgs++
	b := append(g.buf[:0], t.id...)
	b = append(b, "-m"...)
	b = strconv.AppendUint(b, uint64(t.msgs), 10)
	e.MessageID = string(b)
	g.buf = b
}

// Shares of the created tickets.
var (
	priorityCDF = []float64{0.20, 0.70, 0.92, 1}
	severityCDF = []float64{0.30, 0.75, 0.93, 1}
	tagCountCDF = []float64{0.20, 0.55, 0.80, 0.93, 1}
	ratingCDF   = []float64{0.07, 0.12, 0.22, 0.45, 1}
)

// birth creates the ticket whose created event is at, and builds that event.
func (g *generator) birth(at int64, hi, lo uint64) int32 {
	ten := g.tenants[pick(g.global, g.tenCDF)]
	idx := g.alloc()
	t := g.ticket(idx)
	gidx := g.births
	g.births++
	*t = ticket{ten: ten, gidx: gidx, created: at, at: at, hi: hi, lo: lo, assignee: -1, group: -1}
	t.rng.Seed(mix64(g.seed^gidx*0x9e3779b97f4a7c15), mix64(gidx^g.keys.k3))
	g.src.p = &t.rng
	r := g.r
	ten.count++
	t.num = ten.count
	t.id = ticketID(t.num)
	nAgents := len(ten.agents)

	ch := pick(r, ten.chanCDF[:])
	d := g.cal.day(at)
	business := g.cal.work[d] && at >= g.cal.open[d] && at < g.cal.close[d]
	if ch == chPhone && !business && r.Float64() < 0.8 {
		ch = chMissedCall // nobody picks up at night
	}
	var actor event.Actor
	creator := int16(-1)
	switch ch {
	case chPhone:
		creator = int16(r.IntN(nAgents))
	case chMissedCall:
		if r.Float64() < 0.8 {
			creator = int16(r.IntN(nAgents)) // the agent who calls back
		} else {
			actor = systemActor("pbx")
		}
	case chAPI:
		actor = systemActor("api")
	}
	t.customer = int32(float64(len(ten.customers)) * math.Pow(r.Float64(), 1.6))

	u := r.Float64()
	switch {
	case creator < 0 && u < 0.015:
		t.fate = fateDelete
	case creator < 0 && u < 0.04 && ten.nrec > 0:
		t.fate = fateMerge
		n := min(ten.nrec, len(ten.recent))
		rec := ten.recent[(ten.nrec-1-r.IntN(min(n, 20)))%len(ten.recent)]
		t.merge, t.customer = rec.num, rec.customer // the same request, again
	case ch == chPhone && r.Float64() < 0.35:
		t.fate = fateFCR
	}
	if t.fate == fateNormal || t.fate == fateFCR {
		ten.remember(t.num, t.customer)
		if r.Float64() < 0.08 {
			t.flags |= fReopenPlanned
		}
	}

	if creator >= 0 {
		actor = agentActor(ten, creator)
		t.assignee, t.group = creator, ten.agentGroup[creator]
	} else {
		if actor.Type == "" {
			actor = event.Actor{Type: event.ActorCustomer, ID: ten.customers[t.customer]}
		}
		if r.Float64() < 0.85 {
			t.group = g.pickGroup(ten)
		}
		if r.Float64() < 0.2 {
			if t.group < 0 {
				t.group = g.pickGroup(ten)
			}
			t.assignee = g.agentIn(ten, t.group)
		}
	}
	var supporting []string
	if nAgents >= 2 && r.Float64() < 0.07 {
		supporting = g.supporting(t)
	}

	t.priority = uint8(pick(r, priorityCDF))
	if r.Float64() < 0.7 {
		t.severity = uint8(pick(r, severityCDF)) + 1
	}
	if o := ten.custOrg[t.customer]; ten.vipTag >= 0 && o >= 0 && o < vipOrgs {
		t.tags = 1 << ten.vipTag // the largest accounts' tickets are marked vip
	}
	for n := pick(r, tagCountCDF); bits.OnesCount64(t.tags) < n; {
		t.tags |= 1 << pick(r, ten.tagCDF)
	}
	t.status = stNew
	if creator >= 0 || !ten.labels.has(stNew) {
		t.status = stOpen
	}
	switch {
	case t.priority == 3 && r.Float64() < 0.6, t.priority == 2 && r.Float64() < 0.15:
		t.flags |= fOnCall
	}
	t.rounds = 1
	for t.rounds < 5 && r.Float64() < 0.6 {
		t.rounds++
	}

	e := g.newEvent(t, event.TypeCreated, actor)
	e.Channel = channels[ch]
	e.Customer = ten.customers[t.customer]
	if o := ten.custOrg[t.customer]; o >= 0 {
		e.Organisation = ten.orgs[o]
	}
	if t.group >= 0 {
		e.Group = ten.groups[t.group]
	}
	if t.assignee >= 0 {
		e.Assignee = ten.agents[t.assignee]
	}
	e.SupportingAgents = supporting
	e.Subject = ten.subject[r.IntN(len(ten.subject))]
	e.Status, e.StatusLabel = canonicalStatus[t.status], g.statusLabel(ten, t.status)
	e.Priority, e.PriorityLabel = event.Priorities[t.priority], g.priorityLabel(ten, t.priority)
	if t.severity > 0 {
		e.Severity, e.SeverityLabel = event.Severities[t.severity-1], ten.labels.severity[t.severity-1]
	}
	e.Tags = g.tagSlice(ten, t.tags)

	t.last, t.lastAct, t.seq = at, actCreated, 1
	return idx
}

// supporting picks one or two agents other than the assignee.
func (g *generator) supporting(t *ticket) []string {
	ten := t.ten
	n := 1 + g.r.IntN(2)
	out := make([]string, 0, n)
	var seen [2]int16
	for k := 0; len(out) < n && k < 8; k++ {
		a := int16(g.r.IntN(len(ten.agents)))
		if a == t.assignee || (len(out) > 0 && seen[0] == a) {
			continue
		}
		seen[len(out)] = a
		out = append(out, ten.agents[a])
	}
	for a := int16(0); len(out) == 0; a++ { // unlucky draws: take the first other agent
		if a != t.assignee {
			out = append(out, ten.agents[a])
		}
	}
	return out
}

// build renders the ticket's next event into g.ev and applies it.
func (g *generator) build(t *ticket) {
	r, ten := g.r, t.ten
	switch t.act {
	case actAssign:
		var actor event.Actor
		setsGroup := t.group < 0
		if setsGroup {
			t.group = g.pickGroup(ten)
		}
		t.assignee = g.agentIn(ten, t.group)
		if t.flags&fRouter != 0 {
			actor = systemActor("router")
		} else {
			actor = agentActor(ten, g.agentIn(ten, t.group)) // a lead, or the agent taking it
		}
		e := g.newEvent(t, event.TypeAssigned, actor)
		e.Assignee, e.SetsAssignee = ten.agents[t.assignee], true
		if setsGroup {
			e.SetsGroup, e.Group = true, ten.groups[t.group]
		}
	case actReassign:
		from := g.actingAgent(t)
		actor := agentActor(ten, from)
		if r.Float64() < 0.3 {
			actor = agentActor(ten, g.agentIn(ten, t.group))
		}
		e := g.newEvent(t, event.TypeAssigned, actor)
		if same := ten.groupAgents[t.group]; len(same) >= 2 && r.Float64() < 0.6 {
			to := same[r.IntN(len(same)-1)]
			if to == t.assignee {
				to = same[len(same)-1]
			}
			t.assignee = to
		} else {
			ng := int16(len(ten.groups))
			to := (t.group + 1 + int16(r.IntN(int(ng-1)))) % ng
			t.group = to
			t.assignee = g.agentIn(ten, to)
			e.SetsGroup, e.Group = true, ten.groups[to]
		}
		e.Assignee, e.SetsAssignee = ten.agents[t.assignee], true
	case actSupport:
		e := g.newEvent(t, event.TypeAssigned, agentActor(ten, g.actingAgent(t)))
		// The assignee stays as it is: the event does not set it.
		// Never an empty list: event.Marshal renders a nil list as null,
		// which decodes as "supporting agents not set".
		e.SupportingAgents, e.SetsSupporting = g.supporting(t), true
	case actOpen:
		g.setStatus(t, stOpen, g.statusLabel(ten, stOpen), agentActor(ten, g.actingAgent(t)))
	case actNote:
		g.message(t, event.MessageInternalNote, agentActor(ten, g.actingAgent(t)))
	case actReply:
		g.message(t, event.MessagePublicReply, agentActor(ten, g.actingAgent(t)))
		t.replies++
	case actPending:
		actor := agentActor(ten, g.actingAgent(t))
		if ten.autoPending {
			actor = systemActor("automation")
		}
		g.setStatus(t, stPending, g.statusLabel(ten, stPending), actor)
	case actCustReply:
		g.message(t, event.MessageCustomerReply, event.Actor{Type: event.ActorCustomer, ID: ten.customers[t.customer]})
	case actAutoOpen:
		label := ten.labels.reopen
		if label == "" {
			label = g.statusLabel(ten, stOpen)
		}
		g.setStatus(t, stOpen, label, systemActor("automation"))
	case actHold:
		g.setStatus(t, stOnHold, g.statusLabel(ten, stOnHold), agentActor(ten, g.actingAgent(t)))
	case actUnhold:
		g.setStatus(t, stOpen, g.statusLabel(ten, stOpen), agentActor(ten, g.actingAgent(t)))
	case actPriority:
		actor := agentActor(ten, g.actingAgent(t))
		if r.Float64() < 0.25 {
			actor = systemActor("sla-escalation")
		}
		e := g.newEvent(t, event.TypePriorityChanged, actor)
		if t.priority == 0 || (t.priority < 3 && r.Float64() < 0.8) {
			t.priority++
		} else {
			t.priority--
		}
		e.Priority, e.PriorityLabel = event.Priorities[t.priority], g.priorityLabel(ten, t.priority)
	case actSeverity:
		e := g.newEvent(t, event.TypeSeverityChanged, agentActor(ten, g.actingAgent(t)))
		switch {
		case t.severity == 0:
			t.severity = 2 + uint8(r.IntN(2))
		case t.severity == 1 || (t.severity < 4 && r.Float64() < 0.8):
			t.severity++
		default:
			t.severity--
		}
		e.Severity, e.SeverityLabel = event.Severities[t.severity-1], ten.labels.severity[t.severity-1]
	case actTags:
		e := g.newEvent(t, event.TypeTagsChanged, agentActor(ten, g.actingAgent(t)))
		var add, rem uint64
		if t.tags != 0 && r.Float64() < 0.25 {
			rem = g.oneOf(t.tags)
		} else {
			for n := 1 + r.IntN(2); bits.OnesCount64(add) < n; {
				if i := pick(r, ten.tagCDF); t.tags&(1<<i) == 0 {
					add |= 1 << i
				}
			}
			if t.tags != 0 && r.Float64() < 0.3 {
				rem = g.oneOf(t.tags)
			}
		}
		e.TagsAdded, e.TagsRemoved = g.tagSlice(ten, add), g.tagSlice(ten, rem)
		t.tags = (t.tags | add) &^ rem
	case actTimeLog:
		a := g.actingAgent(t)
		e := g.newEvent(t, event.TypeTimeLogged, agentActor(ten, a))
		e.Agent, e.Seconds = ten.agents[a], int64(t.logSecs)
		e.Billable = r.Float64() < 0.7
		if t.flags&fTimer != 0 {
			e.StartedAt = time.UnixMicro(t.logStart).UTC()
			e.EndedAt = time.UnixMicro(t.logStart + int64(t.logSecs)*usSecond).UTC()
		}
		if e.Billable && ten.currency != "" {
			e.HasRate, e.Rate, e.Currency = true, ten.agentRate[a], ten.currency
		}
	case actSolve:
		s := resolvedStatus(ten.labels)
		g.setStatus(t, s, g.statusLabel(ten, s), agentActor(ten, g.actingAgent(t)))
	case actAutoSolve:
		s := resolvedStatus(ten.labels)
		g.setStatus(t, s, g.statusLabel(ten, s), systemActor("automation"))
	case actClose:
		g.setStatus(t, stClosed, g.statusLabel(ten, stClosed), systemActor(""))
	case actRate:
		e := g.newEvent(t, event.TypeRated, event.Actor{Type: event.ActorCustomer, ID: ten.customers[t.customer]})
		rating := 1 + pick(r, ratingCDF)
		if t.flags&fReopened != 0 && rating > 1 && r.Float64() < 0.5 {
			rating-- // having to come back costs a star
		}
		e.Rating = uint8(rating)
	case actMerge:
		e := g.newEvent(t, event.TypeMerged, agentActor(ten, g.actingAgent(t)))
		e.MergedInto, e.Reason = ticketID(t.merge), "duplicate"
	case actMergeClose:
		s := stClosed
		if !ten.labels.has(stClosed) {
			s = resolvedStatus(ten.labels)
		}
		g.setStatus(t, s, g.statusLabel(ten, s), systemActor("automation"))
	case actDelete:
		e := g.newEvent(t, event.TypeDeleted, agentActor(ten, g.actingAgent(t)))
		e.Reason = "spam"
	case actDueDate:
		// Promised for about a day later; some pass while the ticket is
		// still open (overdue), some fall within the next day (due soon).
		e := g.newEvent(t, event.TypeDueDateSet, agentActor(ten, g.actingAgent(t)))
		e.DueAt = time.UnixMicro(t.at + g.lognorm(20*usHour, 0.8, 2*usHour, 5*usDay)).UTC()
	default:
		panic("eventgen: bug: unknown action")
	}
	t.last, t.lastAct = t.at, t.act
	t.seq++
}

// dueByHand says whether an agent sets the ticket's due date by hand on
// its first turn: about one ticket in eight. It is a hash of the ticket,
// not a draw, so the other tickets' events are those of a generator that
// never sets due dates.
func dueByHand(gidx uint64) bool { return mix64(gidx^0xd0eda7e)%8 == 0 }

// oneOf picks one set bit of mask.
func (g *generator) oneOf(mask uint64) uint64 {
	k := g.r.IntN(bits.OnesCount64(mask))
	for ; k > 0; k-- {
		mask &= mask - 1
	}
	return mask & -mask
}
