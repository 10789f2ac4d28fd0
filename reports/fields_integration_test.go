package reports_test

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
)

// deskTicket is one ticket of a small hand-written desk: the tests send
// its events and work out what the reports must say from these fields.
type deskTicket struct {
	id              string
	creator         event.Actor
	assignee        string
	supporting      []string // as the desk sends them (the assignee may repeat)
	supportingLater bool     // sent by a later ticket.assigned, not at creation
	closed          bool
	created         time.Time
	dues            []dueSet // due dates set by hand, in the order sent
}

// dueSet is one ticket.due_date_set: when, and the due date (zero clears).
type dueSet struct{ at, due time.Time }

// deskEvents are the events of the desk's tickets, in tenant "callio".
func deskEvents(tickets []deskTicket) []event.Event {
	var out []event.Event
	for _, tk := range tickets {
		ev := func(n int, typ event.Type, at time.Time) event.Event {
			return event.Event{Schema: event.SchemaVersion, ID: fmt.Sprintf("%s-%d", tk.id, n), Type: typ, Tenant: "callio",
				TicketID: tk.id, OccurredAt: at, Actor: event.Actor{Type: event.ActorAgent, ID: "sup"}}
		}
		c := ev(0, event.TypeCreated, tk.created)
		c.Actor, c.Channel, c.Customer, c.Group = tk.creator, "phone", "kh-"+tk.id, "cskh"
		c.Assignee, c.Status, c.Priority = tk.assignee, event.StatusNew, event.PriorityNormal
		if !tk.supportingLater {
			c.SupportingAgents = tk.supporting
		}
		out = append(out, c)
		if tk.supportingLater {
			a := ev(1, event.TypeAssigned, tk.created.Add(time.Hour))
			a.SupportingAgents, a.SetsSupporting = tk.supporting, true
			out = append(out, a)
		}
		if tk.closed {
			s := ev(2, event.TypeStatusChanged, tk.created.Add(2*time.Hour))
			s.Status = event.StatusClosed
			out = append(out, s)
		}
		for i, d := range tk.dues {
			e := ev(3+i, event.TypeDueDateSet, d.at)
			e.DueAt = d.due
			out = append(out, e)
		}
	}
	return out
}

// involvements are the (agent, role) pairs of a ticket, worked out from
// the desk's own fields: the assignee (or "" unassigned) as primary, and
// each distinct supporting agent other than the assignee.
func (tk deskTicket) involvements() [][2]string {
	out := [][2]string{{tk.assignee, "primary"}}
	seen := map[string]bool{tk.assignee: true}
	for _, a := range tk.supporting {
		if !seen[a] {
			seen[a] = true
			out = append(out, [2]string{a, "supporting"})
		}
	}
	return out
}

var callioDesk = func() []deskTicket {
	day := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	return []deskTicket{
		{id: "CC-1", creator: event.Actor{Type: event.ActorAgent, ID: "op.an"}, assignee: "an", supporting: []string{"binh", "chi"}, closed: true, created: day(2, 9)},
		{id: "CC-2", creator: event.Actor{Type: event.ActorCustomer, ID: "kh.1"}, assignee: "binh", supporting: []string{"an"}, created: day(4, 9)},
		{id: "CC-3", creator: event.Actor{Type: event.ActorSystem}, supporting: []string{"chi"}, created: day(5, 9)},
		// the desk repeats the primary among the supporting agents
		{id: "CC-4", creator: event.Actor{Type: event.ActorAgent, ID: "op.an"}, assignee: "chi", supporting: []string{"an", "chi"}, supportingLater: true, created: day(6, 9)},
		{id: "CC-5", creator: event.Actor{Type: event.ActorAgent, ID: "op.binh"}, assignee: "an", created: day(7, 9)},
	}
}()

// deskServices store the desk's events in a database of their own and
// return a service on the live tables and one on a snapshot built after.
func deskServices(t *testing.T, db string, evs []event.Event) (live, snap *reports.Service, conn driver.Conn) {
	t.Helper()
	o, conn := migratedDB(t, db)
	storer(t, conn, o.Database)(evs, time.Time{})
	live = reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	snaps := reports.NewSnapshots(chstore.New(conn), o.Database, time.Hour)
	if _, err := snaps.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap = reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	snap.UseSnapshots(snaps)
	return live, snap, conn
}

// deskRun runs a report (or, with measure, a drill-down) on both services,
// which must agree, as the API would parse params.
func deskRun(t *testing.T, live, snap *reports.Service, now time.Time, name, params, measure string) *reports.Result {
	t.Helper()
	r, _ := reports.Lookup(name)
	v, err := url.ParseQuery(params)
	if err != nil {
		t.Fatal(err)
	}
	q, err := reports.ParseQuery(r, v, now, reports.DefaultLimits())
	if err != nil {
		t.Fatalf("%s?%s: %v", name, params, err)
	}
	var out [2]*reports.Result
	for i, svc := range []*reports.Service{live, snap} {
		if measure != "" || r.List {
			out[i], err = svc.List(context.Background(), r, q, reports.Scope{}, measure)
		} else {
			out[i], err = svc.Run(context.Background(), r, q, reports.Scope{})
		}
		if err != nil {
			t.Fatalf("%s?%s (service %d): %v", name, params, i, err)
		}
	}
	sameAsSnapshot(t, name+"?"+params, out[0], out[1])
	return out[0]
}

// counts reads a result as key -> measure, the key the dimension columns
// joined by "|".
func counts(t *testing.T, res *reports.Result, measure string, dims ...string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for k, cells := range table(t, res, dims...) {
		v, _ := num(t, cells[measure])
		out[k] = v
	}
	return out
}

func sameCounts(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	for k, v := range got {
		if v == 0 {
			delete(got, k)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// A ticket counts once per agent it involves, with the role as a
// dimension; without agent_role, agent is the primary and a ticket counts
// once; the creator is a dimension and a filter. Live tables and snapshot
// agree, and a drill-down lists the rows of its figure.
func TestAgentRoleAndCreator(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	live, snap, _ := deskServices(t, "fields_roles", deskEvents(callioDesk))
	const rng = "from=2026-03-01&to=2026-03-10"

	created, open := map[string]float64{}, map[string]float64{}
	byPrimary, byCreator := map[string]float64{}, map[string]float64{}
	supportingOf := map[string][]string{} // agent -> open tickets they support
	for _, tk := range callioDesk {
		for _, in := range tk.involvements() {
			created[in[0]+"|"+in[1]]++
			if !tk.closed {
				open[in[0]+"|"+in[1]]++
				if in[1] == "supporting" {
					supportingOf[in[0]] = append(supportingOf[in[0]], tk.id)
				}
			}
		}
		byPrimary[tk.assignee]++
		byCreator[tk.creator.ID]++
	}

	res := deskRun(t, live, snap, now, "volume", rng+"&group_by=agent,agent_role", "")
	sameCounts(t, "volume created by agent and role", counts(t, res, "created", "agent", "agent_role"), created)
	res = deskRun(t, live, snap, now, "backlog", "group_by=agent,agent_role", "")
	sameCounts(t, "backlog by agent and role", counts(t, res, "open", "agent", "agent_role"), open)

	// Without agent_role a ticket counts once, under its primary agent; the
	// primary role's rows are the same figures.
	res = deskRun(t, live, snap, now, "volume", rng+"&group_by=agent", "")
	sameCounts(t, "volume created by agent", counts(t, res, "created", "agent"), byPrimary)
	res = deskRun(t, live, snap, now, "volume", rng+"&group_by=agent&agent_role=primary", "")
	sameCounts(t, "volume created by agent, primary role", counts(t, res, "created", "agent"), byPrimary)

	// One agent's involvements, filtered by agent: the filter is on the
	// involved agent, not the assignee.
	res = deskRun(t, live, snap, now, "volume", rng+"&agent=an&group_by=agent_role", "")
	wantAn := map[string]float64{}
	for k, v := range created {
		if a, role, _ := strings.Cut(k, "|"); a == "an" {
			wantAn[role] = v
		}
	}
	sameCounts(t, "an's tickets by role", counts(t, res, "created", "agent_role"), wantAn)

	res = deskRun(t, live, snap, now, "volume", rng+"&group_by=creator", "")
	sameCounts(t, "volume created by creator", counts(t, res, "created", "creator"), byCreator)
	res = deskRun(t, live, snap, now, "volume", rng+"&creator=op.an", "")
	if got, _ := num(t, res.Rows[0][res.ColumnIndex("created")]); got != byCreator["op.an"] {
		t.Errorf("created by op.an: %v, want %v", got, byCreator["op.an"])
	}

	// The drill-down of a supporting agent's backlog lists their tickets,
	// each with its role.
	list := deskRun(t, live, snap, now, "backlog", "agent=an&agent_role=supporting", "open")
	var ids []string
	for _, row := range list.Rows {
		ids = append(ids, row[list.ColumnIndex("ticket_id")].(string))
		if role := row[list.ColumnIndex("agent_role")]; role != "supporting" {
			t.Errorf("drill-down row %v: role %v", row, role)
		}
	}
	slices.Sort(ids)
	if want := supportingOf["an"]; !slices.Equal(ids, want) {
		t.Errorf("an's open tickets as supporting agent: %v, want %v", ids, want)
	}

	// Reports over SLA cycles, replies or time entries do not offer it.
	r, _ := reports.Lookup("agent_performance")
	if _, err := reports.ParseQuery(r, url.Values{"group_by": {"agent_role"}}, now, reports.DefaultLimits()); err == nil {
		t.Error("agent_performance accepted group_by=agent_role")
	}
}

// dueNow is the ticket's due date as the desk last set it: that of the
// latest ticket.due_date_set by time, zero when none or cleared.
func (tk deskTicket) dueNow() time.Time {
	var last dueSet
	for _, d := range tk.dues {
		if !d.at.Before(last.at) {
			last = d
		}
	}
	return last.due
}

// The overdue list holds the unresolved tickets whose hand-set due date
// is past, the longest overdue first; the due-soon list those due within
// the horizon (24h by default, at most 720h), soonest first. The latest
// due date set counts, whatever the order the events were sent in, and
// a cleared one none.
func TestDueDateLists(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, time.UTC) }
	set := func(d, h int, due time.Time) dueSet { return dueSet{at(d, h, 0), due} }
	agent := event.Actor{Type: event.ActorAgent, ID: "le.thu"}
	desk := []deskTicket{
		{id: "S-1", creator: agent, assignee: "thu", created: at(2, 9, 0), dues: []dueSet{set(3, 9, at(9, 10, 0))}},
		{id: "S-2", creator: agent, assignee: "thu", created: at(2, 9, 0), dues: []dueSet{set(3, 9, at(10, 11, 59))}},
		{id: "S-3", creator: agent, assignee: "minh", created: at(3, 9, 0), dues: []dueSet{set(4, 9, now)}},
		{id: "S-4", creator: agent, assignee: "minh", supporting: []string{"thu"}, created: at(3, 9, 0), dues: []dueSet{set(4, 9, at(11, 11, 59))}},
		{id: "S-5", creator: agent, created: at(3, 9, 0), dues: []dueSet{set(4, 9, at(11, 12, 0))}},
		{id: "S-6", creator: agent, assignee: "thu", closed: true, created: at(4, 9, 0), dues: []dueSet{set(4, 10, at(9, 0, 0))}},
		{id: "S-7", creator: agent, assignee: "thu", created: at(4, 9, 0), dues: []dueSet{set(5, 9, at(9, 0, 0)), set(6, 9, time.Time{})}},
		// sent newest first: the later setting still wins
		{id: "S-8", creator: agent, assignee: "thu", created: at(4, 9, 0), dues: []dueSet{set(7, 9, at(8, 8, 0)), set(6, 9, at(20, 0, 0))}},
		{id: "S-9", creator: agent, assignee: "thu", created: at(4, 9, 0)},
	}
	live, snap, _ := deskServices(t, "fields_due", deskEvents(desk))
	byID := map[string]deskTicket{}
	for _, tk := range desk {
		byID[tk.id] = tk
	}

	// what each list must hold, in its order, from the desk's own fields
	want := func(from, to time.Time) []string {
		var ids []string
		for _, tk := range desk {
			if due := tk.dueNow(); !tk.closed && !due.IsZero() && !due.Before(from) && due.Before(to) {
				ids = append(ids, tk.id)
			}
		}
		slices.SortStableFunc(ids, func(a, b string) int { return byID[a].dueNow().Compare(byID[b].dueNow()) })
		return ids
	}
	ids := func(res *reports.Result) []string {
		var out []string
		for _, row := range res.Rows {
			out = append(out, row[res.ColumnIndex("ticket_id")].(string))
		}
		return out
	}
	check := func(name, params string, wantIDs []string) *reports.Result {
		t.Helper()
		res := deskRun(t, live, snap, now, name, params, "")
		if got := ids(res); !slices.Equal(got, wantIDs) || len(wantIDs) == 0 {
			t.Errorf("%s?%s: %v, want %v", name, params, got, wantIDs)
		}
		if res.Page.Total != uint64(len(wantIDs)) {
			t.Errorf("%s?%s: total %d, want %d", name, params, res.Page.Total, len(wantIDs))
		}
		return res
	}
	overdue := check("overdue", "", want(time.Unix(1, 0), now))
	check("due_soon", "", want(now, now.Add(24*time.Hour)))
	check("due_soon", "horizon=48h", want(now, now.Add(48*time.Hour)))
	var supported []string // due soon, where thu is a supporting agent
	for _, id := range want(now, now.Add(24*time.Hour)) {
		if tk := byID[id]; slices.Contains(tk.involvements(), [2]string{"thu", "supporting"}) && tk.creator.ID == "le.thu" {
			supported = append(supported, id)
		}
	}
	check("due_soon", "agent=thu&agent_role=supporting&creator=le.thu", supported)

	// Each row shows its due date, in the request's zone.
	di := overdue.ColumnIndex("due_at")
	for _, row := range overdue.Rows {
		id := row[overdue.ColumnIndex("ticket_id")].(string)
		if got, want := row[di], byID[id].dueNow().Format(time.RFC3339); got != want {
			t.Errorf("%s due %v, want %v", id, got, want)
		}
	}
	r, _ := reports.Lookup("due_soon")
	if _, err := reports.ParseQuery(r, url.Values{"horizon": {"721h"}}, now, reports.DefaultLimits()); err == nil {
		t.Error("due_soon accepted a horizon over 720h")
	}
}
