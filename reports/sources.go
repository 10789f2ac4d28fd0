package reports

import (
	"strconv"
	"strings"

	"github.com/slatehq/slate/warehouse/schema"
)

// view is where a query reads its facts: the live ReplacingMergeTree
// tables through FINAL (gen 0), or one generation of the report snapshots
// (snapshot.go), plain MergeTree rows of the same facts.
type view struct {
	db  string
	gen uint64
	// deltas are the delta layers read over generation gen, oldest first
	// (a layered generation, snapshot.go): each holds only the rows of the
	// tickets changed since the layer before it, and a ticket's rows are
	// those of the newest layer that noted it changed.
	deltas []uint64
	// cond, in a snapshot, holds a direct source's range, scope and
	// filters (see source.tsCol), applied to its table.
	cond *where
	// only restricts every fact table read, live or snapshot, to these
	// tickets: a subquery of (tenant, ticket_id), for a delta
	// snapshot build. On the live tables, filtering on the sorting key's
	// prefix reads only those tickets' granules, and after FINAL it keeps
	// whole tickets, so their facts are what an unrestricted read gives.
	only string
	// roles reads ticket rows once per involved agent (agent_role.go).
	roles bool
}

// keys is the WHERE (or, after cond, AND) clause of v.only; "" if unset.
func (v view) keys(cond string) string {
	switch {
	case v.only == "":
		return cond
	case cond == "":
		return " WHERE (tenant, ticket_id) IN " + v.only
	}
	return cond + " AND (tenant, ticket_id) IN " + v.only
}

func liveView(db string) view { return view{db: db} }

// snapshot is one of the snapshot tables restricted to the view's
// generation (its partition: the rest of the table is never read) and to
// the source's own conditions, if any. The generation and the conditions
// on the table itself are its PREWHERE: ClickHouse reads their columns
// first and the wide columns only for the rows that pass (18.16 does not
// push an outer WHERE into a subquery). What is left for WHERE, on those
// rows only, is the choice of each ticket's layer (layers) and a build's
// key restriction: evaluated over every row of the partitions, the layer
// sets made a dashboard call over a million tickets 10-30 times slower
// than over a single generation.
func (v view) snapshot(table, where string) string {
	pre := []string{v.generations()}
	if where != "" {
		pre = append(pre, where)
	}
	if v.cond != nil {
		pre = append(pre, v.cond.conds...)
	}
	var post []string
	if len(v.deltas) > 0 {
		post = append(post, v.layers(table))
	}
	if v.only != "" {
		post = append(post, "(tenant, ticket_id) IN "+v.only)
	}
	s := "(SELECT * FROM " + v.db + "." + table + " PREWHERE " + strings.Join(pre, " AND ")
	if len(post) > 0 {
		s += " WHERE " + strings.Join(post, " AND ")
	}
	return s + ")"
}

// generations restricts a snapshot table to the view's partitions: its
// generation, and its delta layers if any.
func (v view) generations() string {
	gen := strconv.FormatUint(v.gen, 10)
	if len(v.deltas) == 0 {
		return "generation = " + gen
	}
	return "generation IN (" + gen + ", " + v.deltaList() + ")"
}

func (v view) deltaList() string {
	ds := make([]string, len(v.deltas))
	for i, d := range v.deltas {
		ds[i] = strconv.FormatUint(d, 10)
	}
	return strings.Join(ds, ", ")
}

// snapshotKey is how layered reads compare tickets: a 64-bit hash of the
// key. Sets of two-string tuples cost five times as much to build and
// probe on 18.16 as sets of UInt64. Two tickets of one layered generation
// with the same hash would read as one in the layer choice (the one not
// noted would lose its base rows): at a million tickets and a quarter of
// them noted, the chance of any such pair is about one in 10^8, and the
// next compaction ends it.
const snapshotKey = "cityHash64(tenant, ticket_id)"

// layers keeps each ticket's rows from the right layer of a layered
// generation: a ticket noted by no delta (snapshot_changed) keeps its
// base rows; one that changed keeps its newest noting layer's, none if it
// has none there (its SLA cycles went away). The notes' kind follows the
// table: SLA cycles change with sla_tickets, the rest with tickets. Both
// key sets are built once per query from the deltas' notes, which are
// few: compaction (snapshot.go) keeps them under a share of the base.
func (v view) layers(table string) string {
	kind := changeKindTickets
	if table == "snapshot_sla" {
		kind = changeKindSLA
	}
	noted := " FROM " + v.db + ".snapshot_changed WHERE generation IN (" + v.deltaList() + ") AND kind = " + kind
	return "(" + snapshotKey + " NOT IN (SELECT " + snapshotKey + noted + ") OR (" + snapshotKey + ", generation) IN (SELECT " +
		snapshotKey + ", max(generation)" + noted + " GROUP BY tenant, ticket_id))"
}

// A source is the set of fact rows a measure aggregates: a subquery whose
// rows all expose the same columns, so one WHERE and GROUP BY builder
// serves every report. Each row carries the ticket's dimensions (tenant,
// ticket_id, subject, priority, severity, status, tags, agent, grp,
// channel, customer, organisation, created_at; ticket rows also creator
// and due_at, and agent_role when read by role), its time ts, the query's
// now as now_ts, and the source's own fields. The SQL is built from
// constants, the database name and the snapshot generation only; user
// values are bound by the caller (see aggregateSQL).
type source struct {
	name string
	// sql returns the subquery; now is the server's clock as Unix seconds,
	// not a user value, so it is written as a literal.
	sql func(v view, now int64) string
	// snapshot sources describe the present (the open backlog) and ignore
	// the time range (a report's Snapshot flag; report snapshots, the
	// copies in snapshot.go, are another thing).
	snapshot bool
	// dims the rows carry beyond the ticket dimensions.
	extra []Dimension
	// tsCol, when set, is the column of the source's snapshot table that
	// its ts is, and the table has every dimension column under the name
	// the source rows give it: in a snapshot, the query's range, scope and
	// filters then apply to the table itself, where ClickHouse reads them
	// first (PREWHERE) and the wide columns only for matching rows; 18.16
	// does not push an outer WHERE down into a subquery.
	tsCol string
	// scan, for the ticket sources, says how they select tickets, so that
	// several can be read in one scan (scan.go).
	scan *ticketScan
	// listCols are the source's own columns in a drill-down list, and
	// listKey what orders its rows of one ticket at one time (drill.go).
	listCols []listCol
	listKey  string
}

// ticketState is every ticket's latest row. WHERE conditions on non-key
// columns stay outside the FINAL subquery, so they see merged rows only.
func ticketState(v view) string {
	if v.gen != 0 {
		return v.snapshot("snapshot_tickets", "")
	}
	return "(SELECT * FROM " + v.db + ".tickets FINAL)"
}

// ticketFacts are the columns the ticket-based sources expose; a snapshot
// keeps the assignee and group under their report names already.
func ticketFacts(v view) string {
	names := "assignee AS agent, group_name AS grp"
	if v.gen != 0 {
		names = "agent, grp"
	}
	if v.roles {
		names = roleCols + ", grp"
		if v.gen == 0 {
			names = roleCols + ", group_name AS grp"
		}
	}
	return `tenant, ticket_id, subject, priority, severity, status, tags, ` + names + `,
    channel, customer, organisation, created_at, first_replied_at, first_solved_at, solved_times, reopened_times,
    status_since, public_replies, reopen_count, rating, rated_at, ` + labelColumns + `,
    toUnixTimestamp(first_replied_at) > 0 AS has_reply,
    toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
    toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s, creator, due_at`
}

// liveTickets are tickets that were created and are neither deleted nor
// merged into another, restricted by where.
func liveTickets(v view, where string) string {
	live := "has_created = 1 AND deleted = 0 AND merged_into = ''"
	if where != "" {
		live += " AND " + where
	}
	switch {
	case v.roles && v.gen != 0:
		return "SELECT " + ticketFacts(v) + " FROM " + involvedRows(v.snapshot("snapshot_tickets", live), "", "agent")
	case v.roles:
		return "SELECT " + ticketFacts(v) + " FROM " + involvedRows(ticketState(v), live, "assignee")
	case v.gen != 0:
		return "SELECT " + ticketFacts(v) + " FROM " + v.snapshot("snapshot_tickets", live)
	}
	return "SELECT " + ticketFacts(v) + " FROM " + ticketState(v) + " WHERE " + live
}

func nowCol(now int64) string { return "toDateTime(" + strconv.FormatInt(now, 10) + ") AS now_ts" }

// ticketsBy exposes live tickets with ts taken from one of their columns.
func ticketsBy(ts, where string) func(v view, now int64) string {
	return func(v view, now int64) string {
		return "SELECT *, " + ts + " AS ts, " + nowCol(now) + " FROM (" + liveTickets(v, where) + ")"
	}
}

// ticketsEach exposes one row per element of a timeline array (every solve,
// every reopen).
func ticketsEach(arr string) func(v view, now int64) string {
	return func(v view, now int64) string {
		// SELECT * does not include an ARRAY JOIN alias: name it.
		return "SELECT *, ts, " + nowCol(now) + " FROM (" + liveTickets(v, "") + ") ARRAY JOIN " + arr + " AS ts"
	}
}

// ticketDims are the ticket dimensions joined onto replies and time
// entries; their agent is the fact's own (who replied, who logged).
func ticketDims(v view) string {
	grp := "group_name AS grp"
	if v.gen != 0 {
		grp = "grp"
	}
	return "SELECT tenant, ticket_id, subject, priority, severity, status, tags, " + grp +
		", channel, customer, organisation, created_at, " + labelColumns + " FROM " + ticketState(v)
}

// slaCycleColumns are the columns of an SLA cycle row: those of its
// snapshot table but the generation.
var slaCycleColumns = schema.SnapshotSLA.List("generation")

// slaCycles expands each live ticket's current SLA cycles (sla_tickets
// holds one row per ticket, so FINAL alone gives its current set) into one
// row per cycle, with the ticket's dimensions from the same evaluation.
func slaCycles(v view, where string) string {
	if v.gen != 0 {
		return "SELECT * FROM " + v.snapshot("snapshot_sla", where)
	}
	s := "SELECT tenant, ticket_id, subject, priority, severity, status, tags, assignee AS agent, group_name AS grp, " +
		"channel, customer, organisation, created_at, metric, cycle, policy, start_at, deadline, stop_at, elapsed_seconds, state, " +
		"toUnixTimestamp(stop_at) > 0 AND state IN ('achieved', 'breached') AS stopped, " +
		"state = 'active' AND toUnixTimestamp(deadline) > 0 AS running_with_deadline, " + labelColumns + " " +
		"FROM (SELECT * FROM " + v.db + ".sla_tickets FINAL" + v.keys("") + ") " +
		"ARRAY JOIN metric, cycle, policy, start_at, deadline, stop_at, elapsed_seconds, state WHERE live = 1"
	if where != "" {
		// Conditions on the joined-out columns, after the ARRAY JOIN.
		s = "SELECT * FROM (" + s + ") WHERE " + where
	}
	return s
}

// slaBy exposes SLA cycles of live tickets with ts from one of the cycle's
// times, restricted by where.
func slaBy(ts, where string) func(v view, now int64) string {
	return func(v view, now int64) string {
		return "SELECT *, " + ts + " AS ts, " + nowCol(now) + " FROM (" + slaCycles(v, where) + ")"
	}
}

// labelColumns are the desk's labels every fact row carries (migration
// 0016), last in each table's and each row's columns.
const labelColumns = "status_label, priority_label, severity_label"

// replyColumns and timeColumns are the columns of a reply and a time entry
// row: those of their snapshot tables but the generation.
var (
	replyColumns = schema.SnapshotReplies.List("generation")
	timeColumns  = schema.SnapshotTime.List("generation")
)

// replyFacts are public agent replies, one row per event (events holds a
// replayed one twice until a merge collapses it), with their tickets'
// dimensions, which come from dims (a snapshot joins those of its own
// generation). Joined subqueries are named: current releases refuse an
// unnamed one (joined_subquery_requires_alias).
func replyFacts(v, dims view) string {
	if v.gen != 0 {
		return "SELECT * FROM " + v.snapshot("snapshot_replies", "")
	}
	return "SELECT * FROM (SELECT tenant, ticket_id, event_id, any(actor_id) AS agent, any(occurred_at) AS ts FROM " +
		v.db + ".events" + v.keys(" WHERE type = 'ticket.message' AND message_kind = 'public_reply' AND actor_type = 'agent'") +
		" GROUP BY tenant, ticket_id, event_id) AS replies ANY LEFT JOIN (" + ticketDims(dims) + ") AS dims USING (tenant, ticket_id)"
}

// timeFacts are logged time entries with their tickets' dimensions.
func timeFacts(v, dims view) string {
	if v.gen != 0 {
		return "SELECT * FROM " + v.snapshot("snapshot_time", "")
	}
	return "SELECT * FROM (SELECT tenant, ticket_id, event_id, agent, logged_at AS ts, seconds, billable, " +
		"has_rate, rate, currency FROM " + v.db + ".time_entries FINAL" + v.keys("") + ") AS entries " +
		"ANY LEFT JOIN (" + ticketDims(dims) + ") AS dims USING (tenant, ticket_id)"
}

// ticketsAt is a ticket source whose rows are the live tickets where
// where holds, selected by the range of their column ts.
func ticketsAt(name, ts, where string) *source {
	return &source{name: name, tsCol: ts, sql: ticketsBy(ts, where), scan: &ticketScan{ts: ts, where: where}}
}

var (
	srcCreated     = ticketsAt("created", "created_at", "")
	srcFirstSolved = ticketsAt("first_solved", "first_solved_at", "toUnixTimestamp(first_solved_at) > 0")
	srcSolved      = &source{name: "solved", sql: ticketsEach("solved_times"), scan: &ticketScan{arr: "solved_times", each: true}}
	srcReopened    = &source{name: "reopened", sql: ticketsEach("reopened_times"), scan: &ticketScan{arr: "reopened_times", each: true}}
	srcRated       = ticketsAt("rated", "rated_at", "rating > 0")
	srcOpen        = &source{name: "open", snapshot: true, extra: []Dimension{DimAge},
		sql: ticketsBy("created_at", unresolvedSQL)}
	// SLA cycles with a target, by when their clock started.
	srcSLATargets = &source{name: "sla_targets", extra: []Dimension{DimMetric}, tsCol: "start_at",
		sql: slaBy("start_at", "state NOT IN ('measured', 'cancelled')"), listCols: slaListCols, listKey: slaListKey}
	// Stopped first-reply cycles, by when they started (the ticket's
	// creation, or the first customer message of an agent-created one).
	srcSLAFirstReply = &source{name: "sla_first_reply", tsCol: "start_at",
		sql: slaBy("start_at", "metric = 'first_reply' AND stopped"), listCols: slaListCols, listKey: slaListKey}
	// Stopped first-resolution cycles, by when they stopped (the first solve).
	srcSLAResolution = &source{name: "sla_resolution", tsCol: "stop_at",
		sql: slaBy("stop_at", "metric = 'resolution' AND cycle = 1 AND stopped"), listCols: slaListCols, listKey: slaListKey}
	srcReplies = &source{name: "replies", tsCol: "ts", listKey: "event_id", sql: func(v view, now int64) string {
		return "SELECT *, " + nowCol(now) + " FROM (" + replyFacts(v, v) + ")"
	}}
	srcTime = &source{name: "time", extra: []Dimension{DimCurrency}, tsCol: "ts", listKey: "event_id", sql: func(v view, now int64) string {
		return "SELECT *, " + nowCol(now) + " FROM (" + timeFacts(v, v) + ")"
	}}
)

// slaListKey orders an SLA list's rows of one ticket at one time.
const slaListKey = "toString(metric), cycle"

// ageBuckets are the backlog's age groups, by time since creation.
const ageSQL = "multiIf(now_ts - created_at < 86400, '0-1d', now_ts - created_at < 3*86400, '1-3d', " +
	"now_ts - created_at < 7*86400, '3-7d', now_ts - created_at < 30*86400, '7-30d', '30d+')"

// AgeBuckets lists the age dimension's values in order.
var AgeBuckets = []string{"0-1d", "1-3d", "3-7d", "7-30d", "30d+"}

// dimSQL is the column or expression of a dimension in source rows.
func dimSQL(d Dimension) string {
	switch d {
	case DimTag:
		// A ticket counts once under each of its tags, and under "" when
		// it has none, so no ticket drops out of a breakdown.
		return "arrayJoin(if(empty(tags), [''], tags))"
	case DimAgent:
		return "agent"
	case DimGroup:
		return "grp"
	case DimAge:
		return ageSQL
	case DimMetric:
		// An Enum8 in the snapshot: has() wants the array's own type.
		return "toString(metric)"
	}
	return string(d)
}

// filterSQL restricts source rows to one dimension's values, bound as one
// argument: an array for tags, a set (IN: one hash lookup per row, where
// has() compares with every value, and a top-100's narrowing of the other
// sources has a hundred) for the rest.
func filterSQL(d Dimension) string {
	if d == DimTag {
		return "hasAny(tags, ?)"
	}
	return dimSQL(d) + " IN ?"
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
