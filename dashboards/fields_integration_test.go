package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/warehouse"
)

type fieldsTicket struct {
	id, assignee string
	supporting   []string
	status       event.Status
	due          time.Duration
}

// fieldsDesk is a small hand-written desk: each ticket's primary agent,
// supporting agents, status and the due date an agent set, from now (0:
// none).
var fieldsDesk = []fieldsTicket{
	{"D-1", "an", []string{"binh"}, event.StatusOpen, -2 * time.Hour},
	{"D-2", "an", nil, event.StatusPending, 3 * time.Hour},
	{"D-3", "binh", []string{"an"}, event.StatusNew, 0},
	{"D-4", "", []string{"an"}, event.StatusOnHold, 30 * time.Hour},
	{"D-5", "binh", []string{"an"}, event.StatusClosed, -5 * time.Hour},
	{"D-6", "binh", nil, event.StatusOpen, -20 * time.Hour},
}

// fieldsServer is the dashboards over the desk, in a database of its own
// on the i18n world's ClickHouse.
func fieldsServer(t *testing.T, now time.Time) http.Handler {
	t.Helper()
	w := sharedI18nWorld(t)
	ctx := context.Background()
	o := warehouse.Options{Addrs: []string{w.addr}, Database: "dash_fields"}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := warehouse.Migrate(ctx, conn, o); err != nil {
		t.Fatal(err)
	}
	var recs []event.Record
	for i, tk := range fieldsDesk {
		recs = append(recs, event.Record{Event: event.Event{Schema: event.SchemaVersion, ID: tk.id, Type: event.TypeCreated,
			Tenant: "callio", TicketID: tk.id, OccurredAt: now.Add(-time.Duration(i+1) * time.Hour),
			Actor: event.Actor{Type: event.ActorAgent, ID: "op"}, Channel: "phone", Customer: "kh", Assignee: tk.assignee,
			SupportingAgents: tk.supporting, Status: tk.status, Priority: event.PriorityNormal}})
		if tk.due != 0 {
			recs = append(recs, event.Record{Event: event.Event{Schema: event.SchemaVersion, ID: tk.id + "-due", Type: event.TypeDueDateSet,
				Tenant: "callio", TicketID: tk.id, OccurredAt: now.Add(-time.Minute), Actor: event.Actor{Type: event.ActorAgent, ID: "op"},
				DueAt: now.Add(tk.due)}})
		}
	}
	if err := warehouse.NewWriter(conn, o.Database, 100).Store(ctx, &event.Batch{Records: recs}); err != nil {
		t.Fatal(err)
	}
	srv := New(reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.now = func() time.Time { return now }
	return (&i18nWorld{srv: srv}).handler(auth.Principal{Name: "Lan", Role: auth.RoleManager})
}

// The manager page shows the unresolved tickets per agent (the assignee)
// next to its tiles, a bar per agent, and a table of them by agent and
// role (a ticket once per involved agent); a bar's drill-down and a role's
// list the tickets behind them.
func TestManagerShowsUnresolvedPerAgentAndRole(t *testing.T) {
	now := time.Date(2026, 1, 16, 5, 0, 0, 0, time.UTC)
	h := fieldsServer(t, now)
	perAgent, perRole := map[string]float64{}, map[string]int{}
	for _, tk := range fieldsDesk {
		if tk.status.Resolved() {
			continue
		}
		name := tk.assignee
		if name == "" {
			name = "(none)"
		}
		perAgent[name]++
		perRole[name+" Primary"]++
		for _, a := range tk.supporting {
			perRole[a+" Supporting"]++
		}
	}

	code, page := get(t, h, "/dashboards/manager?from=2026-01-01&to=2026-01-17", "en")
	if code != http.StatusOK {
		t.Fatalf("manager: status %d", code)
	}
	m := regexp.MustCompile(`(?s)<figcaption>Unresolved tickets by agent</figcaption>.*?id="opt-unresolved_agent">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart of unresolved tickets by agent")
	}
	var isl struct {
		Option struct {
			YAxis []struct {
				Data []string `json:"data"`
			} `json:"yAxis"`
			Series []struct {
				Name string `json:"name"`
				Data []struct {
					Value float64 `json:"value"`
				} `json:"data"`
			} `json:"series"`
		} `json:"option"`
		Drill struct {
			Report   string            `json:"report"`
			Dim      string            `json:"dim"`
			Measures map[string]string `json:"measures"`
		} `json:"drill"`
	}
	if err := json.Unmarshal([]byte(m[1]), &isl); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for i, name := range isl.Option.YAxis[0].Data {
		got[name] = isl.Option.Series[0].Data[i].Value
	}
	if !maps.Equal(got, perAgent) || isl.Option.Series[0].Name != "Unsolved" {
		t.Errorf("bars %s %v, want Unsolved %v", isl.Option.Series[0].Name, got, perAgent)
	}
	if isl.Option.YAxis[0].Data[0] != "an" {
		t.Errorf("the most loaded agent is not first: %v", isl.Option.YAxis[0].Data)
	}
	if isl.Drill.Report != "backlog" || isl.Drill.Dim != "agent" || isl.Drill.Measures["Unsolved"] != "open" {
		t.Errorf("drill %+v", isl.Drill)
	}
	if tiles := strings.Index(page, `class="v"`); tiles < 0 || strings.Index(page, "opt-unresolved_agent") < tiles ||
		strings.Index(page, "opt-unresolved_agent") > strings.Index(page, "opt-volume") {
		t.Error("the chart is not the first after the tiles")
	}

	sec := regexp.MustCompile(`(?s)<h2>Unresolved tickets by agent and role</h2>.*?<tbody>(.*?)</tbody>`).FindStringSubmatch(page)
	if sec == nil {
		t.Fatal("no table by agent and role")
	}
	rows := map[string]int{}
	for _, r := range regexp.MustCompile(`<tr><td>([^<]*)</td><td>([^<]*)</td><td>([0-9]+)</td>`).FindAllStringSubmatch(sec[1], -1) {
		var n int
		fmt.Sscan(r[3], &n)
		rows[html.UnescapeString(r[1])+" "+r[2]] = n
	}
	if !maps.Equal(rows, perRole) {
		t.Errorf("table by agent and role %v, want %v", rows, perRole)
	}

	// What a click on an's supporting row would list.
	_, list := get(t, h, "/dashboards/tickets?report=backlog&measure=open&agent=an&agent_role=supporting", "en")
	var listed, want []string
	for _, tk := range fieldsDesk {
		if strings.Contains(list, "<td>"+tk.id+"</td>") {
			listed = append(listed, tk.id)
		}
		if !tk.status.Resolved() && tk.assignee != "an" && slices.Contains(tk.supporting, "an") {
			want = append(want, tk.id)
		}
	}
	if strings.Join(listed, " ") != strings.Join(want, " ") || len(want) == 0 {
		t.Errorf("an's unresolved tickets as supporting agent: %v, want %v", listed, want)
	}
}

// The manager page lists the overdue tickets and those due within 24
// hours (hand-set due dates) beside the pre-breach list, with a tile and
// CSV links; the tile opens the overdue list.
func TestManagerShowsDueDateLists(t *testing.T) {
	now := time.Date(2026, 1, 16, 5, 0, 0, 0, time.UTC)
	h := fieldsServer(t, now)
	var overdue, soon []string // in the lists' order: earliest due first
	byDue := slices.Clone(fieldsDesk)
	slices.SortFunc(byDue, func(a, b fieldsTicket) int { return int(a.due - b.due) })
	for _, tk := range byDue {
		switch {
		case tk.due == 0 || tk.status.Resolved():
		case tk.due < 0:
			overdue = append(overdue, tk.id)
		case tk.due < 24*time.Hour:
			soon = append(soon, tk.id)
		}
	}
	_, page := get(t, h, "/dashboards/manager?from=2026-01-01&to=2026-01-17", "en")
	if got := tile(t, page, "Overdue"); got != len(overdue) {
		t.Errorf("overdue tile %d, want %d", got, len(overdue))
	}
	for title, want := range map[string][]string{"Overdue (due date set by hand)": overdue, "Due within 24 hours": soon} {
		sec := regexp.MustCompile(`(?s)<h2>` + regexp.QuoteMeta(title) + `</h2>(.*?)</tbody>`).FindStringSubmatch(page)
		if sec == nil {
			t.Fatalf("no table %q", title)
		}
		var got []string
		for _, m := range regexp.MustCompile(`<tr><td>callio</td><td>([^<]*)</td>`).FindAllStringSubmatch(sec[1], -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s: %v, want %v", title, got, want)
		}
		if !strings.Contains(html.UnescapeString(sec[1]), "format=csv") {
			t.Errorf("%s: no CSV link", title)
		}
	}
	_, list := get(t, h, "/dashboards/tickets?report=overdue", "en")
	for _, id := range overdue {
		if !strings.Contains(list, "<td>"+id+"</td>") {
			t.Errorf("the overdue list page lacks %s", id)
		}
	}
}
