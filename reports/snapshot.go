package reports

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/warehouse/schema"
)

// Report snapshots. Every report fact lives in a ReplacingMergeTree table
// read with FINAL, and on ClickHouse 18.16 FINAL is one merging stream on
// one core: at a million tickets it is 80-90% of every dashboard call.
// A snapshot generation copies the facts out of FINAL once, into plain
// MergeTree tables (migration 0011), one partition per generation; report
// queries then scan those. This is the pattern of a refreshable
// materialized view, which 18.16 does not have: figures are as of the
// generation's start (Result.AsOf says when), at most one build interval
// plus one build behind the live tables.
//
// A generation is written whole and only then registered, so a reader
// never sees a half-built one; it is dropped (by partition) only after a
// newer one has been registered for snapshotGrace, longer than a reader's
// cached lookup plus its query time limit.

// Snapshot is one registered generation.
type Snapshot struct {
	Generation uint64
	AsOf       time.Time // the build's start: every fact stored before it is in
	Seconds    float64   // how long the build took
	// ReadAt is when the build began to read, by the server's clock: the
	// next build takes again the tickets written since, less
	// snapshotMargin
	ReadAt time.Time
	// Layers are the partitions readers read, oldest first: a base
	// generation, then the delta layers over it; the last is Generation.
	Layers []uint64
}

// snapshotTables are the tables holding generations, one partition each.
// snapshot_sla_cycles holds the SLA cycles of layout 0 generations (before
// migration 0014): no build writes it any more, and its partitions are
// dropped as their generations are superseded.
var snapshotTables = []string{"snapshot_tickets", "snapshot_sla", "snapshot_replies", "snapshot_time", "snapshot_changed", "snapshot_sla_cycles"}

// snapshotLayout is the layout column of the generations this code writes
// and reads (migration 0015): 1, SLA cycles in snapshot_sla (0014); 2,
// layered generations (the registry's layers, migration 0019) with
// supporting agents, creator and due date in snapshot_tickets (0017).
const snapshotLayout = 2

// ticketSnapshotColumns are the ticket columns the reports read: every
// column of snapshot_tickets but the generation, which the copies write
// as a literal.
var ticketSnapshotColumns = schema.SnapshotTickets.List("generation")

// snapshotInserts are the statements that write generation gen, in order:
// each copies the live facts into its table (SLA cycles, replies and time
// entries with the very SQL live reports read them with). With tickets
// and sla set (subqueries of keys, see deltaInserts), they copy
// only those tickets' facts: the SLA cycles of the sla keys, the rest of
// the ticket keys.
func snapshotInserts(db string, gen uint64, tickets, sla string) []string {
	live, snap := liveView(db), view{db: db, gen: gen}
	liveSLA := live
	live.only, liveSLA.only, snap.only = tickets, sla, tickets
	g := "toUInt64(" + strconv.FormatUint(gen, 10) + ")"
	insert := func(table, cols, from string) string {
		return "INSERT INTO " + db + "." + table + " (generation, " + cols + ") SELECT " + g + ", " + cols + " FROM (" + from + ")"
	}
	from := map[string]string{
		"snapshot_tickets": "SELECT *, assignee AS agent, group_name AS grp FROM " + db + ".tickets FINAL" + live.keys(""),
		"snapshot_sla":     slaCycles(liveSLA, ""),
		"snapshot_replies": replyFacts(live, snap),
		"snapshot_time":    timeFacts(live, snap),
	}
	out := make([]string, len(snapshotFacts))
	for i, f := range snapshotFacts {
		out[i] = insert(f.table, f.cols, from[f.table])
	}
	return out
}

// Delta builds. A generation changes from the previous one only in the
// tickets changed since: those with a tickets row (a new event, a replay,
// a refold) or an sla_tickets row (an evaluation) written since the
// previous build began to read (by the server's clock), less
// snapshotMargin: an insert that began before may have landed after, and
// the writers (ingest instances, SLA refreshers) stamp rows with their own
// clocks, which the SLA refresher already trusts to agree within seconds.
// Every fact of a generation belongs to one ticket, so a delta build
// writes only the changed tickets' facts, read from the live tables with
// the same SQL as a full build restricted to their keys, into a partition
// of its own: a delta layer over the previous generation's layers, read
// as view.layers says. Nothing of the unchanged tickets is copied, so a
// build costs what changed, not what is kept. When no ticket changed, the
// previous generation is registered again, with no write.
//
// Layers pile up: a reader's key sets grow with the deltas' notes, and
// every layer is a partition. When the notes since the base pass
// compactShare of the base's tickets, or the deltas number maxDeltas, the
// build compacts: it copies the layered rows into a new base (a plain scan
// of the layers, no FINAL) and registers it after the delta. Compaction
// costs a copy of every kept ticket, once per compactShare of them
// changed: per minute, a cost that follows the churn. A full build from
// the live tables runs when there is no recent generation to build on, and
// at least every fullBuildEvery, in case something changed the facts
// without writing either table.
const (
	snapshotMargin = 30 * time.Second
	fullBuildEvery = 24 * time.Hour
	compactShare   = DefaultCompactShare
	maxDeltas      = 240
)

// DefaultCompactShare is the share of a base's tickets that the notes of
// the deltas over it reach before a build compacts them.
const DefaultCompactShare = 0.25

// The kinds of snapshot_changed notes: the tickets whose tickets row
// changed (their ticket, reply and time facts are taken again), and those
// whose sla_tickets row did (their SLA cycles).
const (
	changeKindTickets = "0"
	changeKindSLA     = "1"
)

// snapshotFacts are the tables of a generation's facts and their columns
// (every column but generation).
var snapshotFacts = []struct{ table, cols string }{
	{"snapshot_tickets", ticketSnapshotColumns},
	{"snapshot_sla", slaCycleColumns},
	{"snapshot_replies", replyColumns},
	{"snapshot_time", timeColumns},
}

// deltaInserts write delta layer gen over generation prev: the tickets
// written since prev began to read, less margin. The first two statements
// note the changed tickets in snapshot_changed (migration 0012), which the
// others, and the readers of the layer, read: a set taken once, however
// rows arrive meanwhile.
//
// Each note records the row it took (its version and write time, the
// newest of the ticket's rows in the window); a ticket whose newest row a
// recent delta of prev has noted already is passed by: the margin would
// otherwise note every ticket again at each build within it, and with
// builds seconds apart most notes were such repeats, which every reader
// and compaction paid for. Only efficiency depends on which deltas count
// as recent (those begun within twice the margin before the window): a
// ticket whose note is not among them is noted again, as before.
func deltaInserts(db string, gen uint64, prev Snapshot, margin time.Duration) []string {
	g := strconv.FormatUint(gen, 10)
	since := prev.ReadAt.Add(-margin)
	at := "toDateTime(" + strconv.FormatInt(since.Unix(), 10) + ")"
	var recent []string
	for _, d := range prev.Layers[min(1, len(prev.Layers)):] {
		if int64(d) >= since.Add(-2*margin).UnixNano() {
			recent = append(recent, strconv.FormatUint(d, 10))
		}
	}
	note := func(kind, table, version, col string) string {
		s := "INSERT INTO " + db + ".snapshot_changed (generation, kind, tenant, ticket_id, version, written) SELECT toUInt64(" + g + "), " + kind +
			", tenant, ticket_id, v, w FROM (SELECT tenant, ticket_id, max(" + version + ") AS v, max(" + col + ") AS w FROM " + db + "." + table +
			" WHERE " + col + " > " + at + " GROUP BY tenant, ticket_id)"
		if len(recent) > 0 {
			s += " WHERE (tenant, ticket_id, v, w) NOT IN (SELECT tenant, ticket_id, version, written FROM " + db +
				".snapshot_changed WHERE generation IN (" + strings.Join(recent, ", ") + ") AND kind = " + kind + ")"
		}
		return s
	}
	changed := func(kind string) string {
		return "(SELECT tenant, ticket_id FROM " + db + ".snapshot_changed WHERE generation = " + g + " AND kind = " + kind + ")"
	}
	return append([]string{note(changeKindTickets, "tickets", "version", "updated_at"), note(changeKindSLA, "sla_tickets", "ticket_version", "evaluated_at")},
		snapshotInserts(db, gen, changed(changeKindTickets), changed(changeKindSLA))...)
}

// compactInserts copy the rows of layered view v into base generation gen.
func compactInserts(v view, gen uint64) []string {
	out := make([]string, len(snapshotFacts))
	for i, f := range snapshotFacts {
		out[i] = "INSERT INTO " + v.db + "." + f.table + " (generation, " + f.cols + ") SELECT toUInt64(" + strconv.FormatUint(gen, 10) +
			"), " + f.cols + " FROM " + v.snapshot(f.table, "")
	}
	return out
}

// layeredView is the view readers of snapshot sn use.
func layeredView(db string, sn Snapshot) view {
	return view{db: db, gen: sn.Layers[0], deltas: sn.Layers[1:]}
}

// snapshotGrace is how long a superseded generation stays readable.
const snapshotGrace = 2 * time.Minute

// lookupTTL is how long a Service trusts its last registry lookup. Past
// it, and up to lookupStale, a reader still gets the cached generation
// while one lookup runs in the background: a page's dozen calls then
// never wait for the registry, nor all query it at once. lookupStale is
// far below snapshotGrace, so the generation it names is still there.
const (
	lookupTTL   = time.Second
	lookupStale = 30 * time.Second
)

// Snapshots builds generations and tells readers the current one.
type Snapshots struct {
	store  Store
	db     string
	maxAge time.Duration
	margin time.Duration // snapshotMargin
	share  float64       // compactShare
	now    func() time.Time

	mu       sync.Mutex
	cached   Snapshot
	cachedOK bool
	cachedAt time.Time
	looking  bool      // a background lookup is running
	lastFull time.Time // this process's last full build

	builds      *prometheus.CounterVec
	fullBuilds  prometheus.Counter
	compactions prometheus.Counter
	seconds     prometheus.Gauge
	age         prometheus.GaugeFunc
}

// NewSnapshots manages the snapshots of database db. Readers use the
// newest generation only while it is younger than maxAge (a stopped
// builder must not freeze the figures); older, they read the live tables.
func NewSnapshots(store Store, db string, maxAge time.Duration) *Snapshots {
	s := &Snapshots{store: store, db: db, maxAge: maxAge, margin: snapshotMargin, share: compactShare, now: time.Now}
	s.builds = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "slate_report_snapshot_builds_total", Help: "Report snapshot builds, by result.",
	}, []string{"result"})
	s.fullBuilds = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "slate_report_snapshot_full_builds_total", Help: "Report snapshot builds that read every fact from the live tables (the others write the changed tickets' facts as a delta layer).",
	})
	s.compactions = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "slate_report_snapshot_compactions_total", Help: "Report snapshot compactions: a generation's layers copied into a new base.",
	})
	s.seconds = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "slate_report_snapshot_build_seconds", Help: "Duration of the last successful report snapshot build.",
	})
	s.age = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "slate_report_snapshot_age_seconds", Help: "Age of the report snapshot readers use (0 when they read the live tables).",
	}, func() float64 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.cachedOK {
			return 0
		}
		return s.now().Sub(s.cached.AsOf).Seconds()
	})
	return s
}

// Register adds the snapshot metrics to reg.
func (s *Snapshots) Register(reg prometheus.Registerer) {
	reg.MustRegister(s.builds, s.fullBuilds, s.compactions, s.seconds, s.age)
}

// SetCompactShare sets the share of the base's tickets that the deltas'
// notes may reach before a build compacts the layers (compactShare
// otherwise): 0 compacts after every delta, +Inf only at maxDeltas.
func (s *Snapshots) SetCompactShare(share float64) { s.share = share }

// Build writes a new generation from the live tables (a delta layer, or a
// whole base), registers it, compacts the layers when they have grown
// (registering the new base too), and drops the generations superseded
// for longer than the grace period. It returns what readers now read.
func (s *Snapshots) Build(ctx context.Context) (Snapshot, error) {
	start := s.now()
	snap := Snapshot{Generation: uint64(start.UnixNano()), AsOf: start.UTC().Truncate(time.Second)}
	var compact bool
	err := s.store.Query(ctx, Call{SQL: "SELECT now()"}, func(scan func(...any) error) error { return scan(&snap.ReadAt) })
	if err == nil {
		snap.Layers, compact, err = s.write(ctx, snap.Generation)
	}
	if err != nil {
		s.builds.WithLabelValues("error").Inc()
		// The partial generation was never registered: no reader sees it,
		// and the next build's cleanup drops it.
		return Snapshot{}, fmt.Errorf("report snapshot: %w", err)
	}
	snap.Generation = snap.Layers[len(snap.Layers)-1]
	snap.Seconds = s.now().Sub(start).Seconds()
	if err := s.register(ctx, snap); err != nil {
		s.builds.WithLabelValues("error").Inc()
		return Snapshot{}, fmt.Errorf("report snapshot: register: %w", err)
	}
	s.builds.WithLabelValues("ok").Inc()
	s.seconds.Set(snap.Seconds)
	s.use(snap)
	if compact {
		if snap, err = s.compact(ctx, snap, start); err != nil {
			return snap, err
		}
	}
	if err := s.dropOld(ctx); err != nil {
		return snap, fmt.Errorf("report snapshot: drop old generations: %w", err)
	}
	return snap, nil
}

// Compact copies the layers of the newest generation into a new base and
// registers it, whatever their share of the base; a generation without
// deltas is left as it is. Builds compact by themselves (compactShare):
// this is for measuring what one compaction costs.
func (s *Snapshots) Compact(ctx context.Context) (Snapshot, error) {
	snap, ok, err := s.newest(ctx)
	if err != nil || !ok || len(snap.Layers) < 2 {
		return snap, err
	}
	if snap, err = s.compact(ctx, snap, s.now()); err != nil {
		return snap, err
	}
	if err := s.dropOld(ctx); err != nil {
		return snap, fmt.Errorf("report snapshot: drop old generations: %w", err)
	}
	return snap, nil
}

// compact copies the layers of generation snap into a new base and
// registers it, as of snap: it holds the same facts. It returns the base,
// or snap if that failed.
func (s *Snapshots) compact(ctx context.Context, snap Snapshot, start time.Time) (Snapshot, error) {
	base := Snapshot{Generation: max(uint64(s.now().UnixNano()), snap.Generation+1), AsOf: snap.AsOf, ReadAt: snap.ReadAt}
	base.Layers = []uint64{base.Generation}
	if err := s.exec(ctx, compactInserts(layeredView(s.db, snap), base.Generation)); err != nil {
		return snap, fmt.Errorf("report snapshot: compaction: %w", err)
	}
	// The grace of the layers it supersedes runs from its registration,
	// plus the time since the build began.
	base.Seconds = s.now().Sub(start).Seconds()
	if err := s.register(ctx, base); err != nil {
		return snap, fmt.Errorf("report snapshot: register the compacted generation: %w", err)
	}
	s.compactions.Inc()
	s.use(base)
	return base, nil
}

// use makes snap the cached current generation.
func (s *Snapshots) use(snap Snapshot) {
	s.mu.Lock()
	s.cached, s.cachedOK, s.cachedAt = snap, true, s.now()
	s.mu.Unlock()
}

// register records a written generation: from now on readers use it.
func (s *Snapshots) register(ctx context.Context, snap Snapshot) error {
	call, err := registerCall(s.db, snap, s.now())
	if err != nil {
		return err
	}
	return s.store.Exec(ctx, call)
}

// exec runs a build's statements in order, as upkeep (Call.Background):
// a build reads every fact table once, and must not take both cores of a
// small server from the dashboards.
func (s *Snapshots) exec(ctx context.Context, stmts []string) error {
	for _, st := range stmts {
		if err := s.store.Exec(ctx, Call{SQL: st, Background: true}); err != nil {
			return fmt.Errorf("%s: %w", insertTable(st), err)
		}
	}
	return nil
}

// write writes generation gen and returns the layers readers are to read
// and whether they are to be compacted. It writes a delta over the newest
// registered generation while that one is recent and a full build ran
// within fullBuildEvery, and a whole base otherwise. A delta build that
// finds no ticket changed writes nothing and returns the previous
// generation's layers: they are as current as gen's would be, and
// registering them again with the new build's time costs no copy.
func (s *Snapshots) write(ctx context.Context, gen uint64) (layers []uint64, compact bool, err error) {
	prev, ok, err := s.newest(ctx)
	if err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	lastFull := s.lastFull
	s.mu.Unlock()
	if !ok || !s.fresh(prev) || s.now().Sub(lastFull) >= fullBuildEvery || prev.ReadAt.Unix() <= 0 || len(prev.Layers) == 0 {
		if err := s.exec(ctx, snapshotInserts(s.db, gen, "", "")); err != nil {
			return nil, false, err
		}
		s.mu.Lock()
		s.lastFull = s.now()
		s.mu.Unlock()
		s.fullBuilds.Inc()
		return []uint64{gen}, false, nil
	}
	stmts := deltaInserts(s.db, gen, prev, s.margin)
	// the two statements noting the changed tickets, then the facts
	if err := s.exec(ctx, stmts[:2]); err != nil {
		return nil, false, err
	}
	var changed uint64
	count := Call{SQL: "SELECT count() FROM " + s.db + ".snapshot_changed WHERE generation = ?", Args: []any{gen}, Background: true}
	if err := s.store.Query(ctx, count, func(scan func(...any) error) error { return scan(&changed) }); err != nil {
		return nil, false, err
	}
	if changed == 0 {
		return prev.Layers, false, nil
	}
	if err := s.exec(ctx, stmts[2:]); err != nil {
		return nil, false, err
	}
	layers = append(slices.Clone(prev.Layers), gen)
	compact, err = s.compactDue(ctx, layers)
	return layers, compact, err
}

// compactDue says whether layers are to be compacted: when they number
// more than maxDeltas deltas, or the deltas' notes pass the share of the
// base's tickets.
func (s *Snapshots) compactDue(ctx context.Context, layers []uint64) (bool, error) {
	if len(layers) > maxDeltas {
		return true, nil
	}
	deltas := make([]string, len(layers)-1)
	for i, g := range layers[1:] {
		deltas[i] = strconv.FormatUint(g, 10)
	}
	var noted, base uint64
	counts := Call{SQL: "SELECT (SELECT count() FROM " + s.db + ".snapshot_changed WHERE generation IN (" + strings.Join(deltas, ", ") +
		")), (SELECT count() FROM " + s.db + ".snapshot_tickets WHERE generation = " + strconv.FormatUint(layers[0], 10) + ")", Background: true}
	err := s.store.Query(ctx, counts, func(scan func(...any) error) error { return scan(&noted, &base) })
	if err != nil {
		return false, err
	}
	return float64(noted) > s.share*float64(base), nil
}

// insertTable names the table an INSERT statement writes, for errors.
func insertTable(stmt string) string {
	f := strings.Fields(stmt)
	if len(f) > 2 {
		return f[2]
	}
	return stmt
}

// registered lists the newest registered generations of any layout, oldest
// first: a process of an older release may still be reading its own.
// Older ones than these can only be long superseded: dropOld drops what is
// left of them as it drops failed builds.
func (s *Snapshots) registered(ctx context.Context) ([]Snapshot, error) {
	return s.scan(ctx, "SELECT "+registryColumns+" FROM (SELECT "+registryColumns+" FROM "+s.db+
		".report_snapshots ORDER BY generation DESC, as_of DESC LIMIT 100) ORDER BY generation, as_of")
}

// registryColumns are what scan reads of a registry row, in its order.
var registryColumns = strings.Join(schema.ReportSnapshots.MustSelect("generation", "as_of", "seconds", "read_at", "layers"), ", ")

// scan reads registry rows (registryColumns).
func (s *Snapshots) scan(ctx context.Context, query string) ([]Snapshot, error) {
	var out []Snapshot
	err := s.store.Query(ctx, Call{SQL: query}, func(scan func(...any) error) error {
		var sn Snapshot
		if err := scan(&sn.Generation, &sn.AsOf, &sn.Seconds, &sn.ReadAt, &sn.Layers); err != nil {
			return err
		}
		out = append(out, sn)
		return nil
	})
	return out, err
}

// dropOld drops every partition of a generation that readers can no longer
// be using: the layers of registered generations superseded for longer
// than the grace period (unless a newer one still reads them), and
// unregistered ones (failed builds) older than the newest registered one
// by more than the grace period. An unregistered generation newer than
// that may be another instance's build in progress.
func (s *Snapshots) dropOld(ctx context.Context) error {
	regs, err := s.registered(ctx)
	if err != nil || len(regs) == 0 {
		return err
	}
	keep := map[uint64]bool{}
	newest := regs[len(regs)-1]
	cutoff := uint64(newest.AsOf.Add(-snapshotGrace).UnixNano())
	for i, r := range regs {
		// A generation is superseded when its successor's build started.
		if i == len(regs)-1 || s.now().Sub(regs[i+1].AsOf) < snapshotGrace+time.Duration(regs[i+1].Seconds*float64(time.Second)) {
			keep[r.Generation] = true
			for _, g := range r.Layers {
				keep[g] = true
			}
		}
	}
	for _, table := range snapshotTables {
		gens, err := s.partitions(ctx, table)
		if err != nil {
			return err
		}
		for _, g := range gens {
			if keep[g] || g > cutoff {
				continue
			}
			drop := Call{SQL: "ALTER TABLE " + s.db + "." + table + " DROP PARTITION " + strconv.FormatUint(g, 10)}
			if err := s.store.Exec(ctx, drop); err != nil {
				return fmt.Errorf("%s generation %d: %w", table, g, err)
			}
		}
	}
	return nil
}

// partitions lists the generations table holds.
func (s *Snapshots) partitions(ctx context.Context, table string) ([]uint64, error) {
	parts := Call{SQL: "SELECT DISTINCT partition FROM system.parts WHERE database = ? AND table = ? AND active", Args: []any{s.db, table}}
	var out []uint64
	err := s.store.Query(ctx, parts, func(scan func(...any) error) error {
		var p string
		if err := scan(&p); err != nil {
			return err
		}
		g, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: partition %q is not a generation", table, p)
		}
		out = append(out, g)
		return nil
	})
	slices.Sort(out)
	return out, err
}

// Current is the generation readers use: the newest registered one, if it
// is younger than the maximum age. The lookup is cached (lookupTTL,
// lookupStale).
func (s *Snapshots) Current(ctx context.Context) (Snapshot, bool, error) {
	s.mu.Lock()
	if age := s.now().Sub(s.cachedAt); !s.cachedAt.IsZero() && age < lookupStale {
		sn, ok := s.cached, s.cachedOK
		if age >= lookupTTL && !s.looking {
			s.looking = true
			go s.lookUp()
		}
		s.mu.Unlock()
		return sn, ok && s.fresh(sn), nil
	}
	s.mu.Unlock()
	start := s.now()
	sn, ok, err := s.newest(ctx)
	if err != nil {
		return Snapshot{}, false, err
	}
	s.remember(sn, ok, start)
	return sn, ok && s.fresh(sn), nil
}

// lookUp refreshes the cached lookup in the background. A failure leaves
// the cache as it was: the next reader past lookupTTL tries again, and
// past lookupStale readers look up themselves and see the error.
func (s *Snapshots) lookUp() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := s.now()
	sn, ok, err := s.newest(ctx)
	s.mu.Lock()
	s.looking = false
	s.mu.Unlock()
	if err == nil {
		s.remember(sn, ok, start)
	}
}

// remember caches a lookup begun at start, unless the cache was set since
// (a build registering its generation): that is newer.
func (s *Snapshots) remember(sn Snapshot, ok bool, start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cachedAt.After(start) {
		return
	}
	s.cached, s.cachedOK, s.cachedAt = sn, ok, s.now()
}

// newest is the newest registered generation of this code's layout; ok is
// false if there is none.
func (s *Snapshots) newest(ctx context.Context) (Snapshot, bool, error) {
	// A generation registered again (no ticket changed) has its newest
	// registration last.
	regs, err := s.scan(ctx, "SELECT "+registryColumns+" FROM "+s.db+".report_snapshots WHERE layout = "+
		strconv.Itoa(snapshotLayout)+" ORDER BY generation DESC, as_of DESC LIMIT 1")
	if err != nil || len(regs) == 0 {
		return Snapshot{}, false, err
	}
	return regs[0], true, nil
}

func (s *Snapshots) fresh(sn Snapshot) bool { return s.now().Sub(sn.AsOf) < s.maxAge }

// nextBuildWait is how long Run waits after a build of duration d that
// gave sn. A delta build that took long spaces the next one out to three
// times its duration, so that builds take at most a third of a core. A
// full build or a compaction (a base alone: a copy of every ticket, once
// after a start and then once per compaction share of churn) does not:
// spaced out three times its 35-60 s at a million tickets, it held every
// new event out of the figures for two minutes after it.
func nextBuildWait(interval time.Duration, sn Snapshot, d time.Duration) time.Duration {
	if len(sn.Layers) == 1 {
		return interval
	}
	return max(interval, 3*d) - d
}

// Run builds a generation whenever the newest one is interval old, until
// ctx ends. A delta build that takes long spaces the next one out to
// three times its duration (nextBuildWait).
// Failures are logged and retried at the next interval.
func (s *Snapshots) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	for {
		wait := interval
		last, ok, err := s.newest(ctx)
		switch {
		case err != nil:
			log.Warn("report snapshot: reading the registry", "err", err)
		case ok && s.now().Sub(last.AsOf) < interval:
			// Another instance (or this one before a restart) built recently.
			wait = interval - s.now().Sub(last.AsOf)
		default:
			sn, err := s.Build(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				log.Warn("report snapshot build failed; reports read the last generation until it is too old, then the live tables", "err", err)
				break
			}
			d := time.Duration(sn.Seconds * float64(time.Second))
			log.Info("report snapshot built", "generation", sn.Generation, "as_of", sn.AsOf, "seconds", sn.Seconds)
			wait = nextBuildWait(interval, sn, d)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(max(wait, time.Second)):
		}
	}
}

// registerCall is the INSERT that registers snap, built at now: an
// INSERT SELECT of bound values, which the server runs as a query (a
// VALUES insert would wait for the client to send data blocks). It names
// every report_snapshots column (package schema), each value bound by
// column name and converted to its column's type.
func registerCall(db string, snap Snapshot, now time.Time) (Call, error) {
	row, err := schema.ReportSnapshots.Row(map[string]any{
		"generation": bound{"toUInt64(?)", snap.Generation},
		"as_of":      bound{"toDateTime(?, 'UTC')", snap.AsOf.Unix()},
		"built_at":   bound{"toDateTime(?, 'UTC')", now.Unix()},
		"seconds":    bound{"toFloat64(?)", snap.Seconds},
		"read_at":    bound{"toDateTime(?, 'UTC')", snap.ReadAt.Unix()},
		"layout":     bound{"toUInt8(?)", uint8(snapshotLayout)},
		"layers":     bound{"CAST(? AS Array(UInt64))", snap.Layers},
	})
	if err != nil {
		return Call{}, err
	}
	exprs, args := make([]string, len(row)), make([]any, len(row))
	for i, v := range row {
		b := v.(bound)
		exprs[i], args[i] = b.expr, b.arg
	}
	return Call{
		SQL:  "INSERT INTO " + db + ".report_snapshots (" + schema.ReportSnapshots.List() + ") SELECT " + strings.Join(exprs, ", "),
		Args: args,
	}, nil
}

// bound is one value of an INSERT SELECT: the expression that takes the
// bound argument (?) to its column's type, and the argument.
type bound struct {
	expr string
	arg  any
}
