package dashboards

import (
	"cmp"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/ticket"
)

// chartCategories reads the category names of chart id on page, and the
// filters its categories drill down with.
func chartCategories(t *testing.T, page, id string) (names []string, filters []map[string]string) {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="opt-` + id + `">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no chart %s on the page", id)
	}
	var isl struct {
		Option struct {
			XAxis  []struct{ Data []string } `json:"xAxis"`
			YAxis  []struct{ Data []string } `json:"yAxis"`
			Series []struct {
				Type string
				Data []struct{ Name string }
			} `json:"series"`
		} `json:"option"`
		Drill struct {
			Filters []map[string]string `json:"filters"`
		} `json:"drill"`
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &isl); err != nil {
		t.Fatalf("chart %s: %v", id, err)
	}
	o := isl.Option
	switch {
	case len(o.Series) > 0 && o.Series[0].Type == "pie":
		for _, d := range o.Series[0].Data {
			names = append(names, d.Name)
		}
	case len(o.XAxis) > 0 && len(o.XAxis[0].Data) > 0:
		names = o.XAxis[0].Data
	case len(o.YAxis) > 0:
		names = o.YAxis[0].Data
	}
	return names, isl.Drill.Filters
}

// category is one expected chart category: its code and the desk's label.
type category struct{ code, label string }

// backlogCategories are the codes and labels of tenant's unsolved tickets
// ("" for every tenant: codes only), in meaning order, worked out from
// the folded states; of field, the state's code and label.
func backlogCategories(w *i18nWorld, tenant string, field func(s ticket.State) (string, string), order []string) []category {
	seen := map[category]bool{}
	for _, s := range w.tickets {
		if !s.HasCreated || s.Deleted || s.MergedInto != "" || s.Status.Resolved() || tenant != "" && s.Tenant != tenant {
			continue
		}
		code, label := field(s)
		if tenant == "" {
			label = ""
		}
		seen[category{code, label}] = true
	}
	var out []category
	for c := range seen {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b category) int {
		return cmp.Or(cmp.Compare(slices.Index(order, a.code), slices.Index(order, b.code)), cmp.Compare(a.label, b.label))
	})
	return out
}

func priorityOf(s ticket.State) (string, string) { return string(s.Priority), s.PriorityLabel }
func statusOf(s ticket.State) (string, string)   { return string(s.Status), s.StatusLabel }

// A page of one desk (a scoped manager, or an admin's ?tenant=) names
// statuses and priorities in the desk's own words, one category per
// label, in meaning order, each drilling down to its label; a page of all
// tenants names the canonical values in the reader's language.
func TestOneDesksPageShowsItsLabels(t *testing.T) {
	w := sharedI18nWorld(t)
	statuses, priorities := strs(event.Statuses), strs(event.Priorities)
	for _, tc := range []struct {
		name, tenant, path string
		pr                 auth.Principal
	}{
		{"scoped manager", "rudesk", "/dashboards/manager?" + i18nRange,
			auth.Principal{Name: "Oksana", Role: auth.RoleManager, Scope: auth.Scope{Tenants: []string{"rudesk"}}}},
		{"admin, one tenant", "vn-portal", "/dashboards/manager?tenant=vn-portal&" + i18nRange,
			auth.Principal{Name: "Lan", Role: auth.RoleAdmin}},
		{"admin, every tenant", "", "/dashboards/manager?" + i18nRange, auth.Principal{Name: "Lan", Role: auth.RoleAdmin}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page := get(t, w.handler(tc.pr), tc.path, "en")
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			for _, c := range []struct {
				chart, dim string
				want       []category
			}{
				{"backlog_priority", "priority", backlogCategories(w, tc.tenant, priorityOf, priorities)},
				{"backlog_status", "status", backlogCategories(w, tc.tenant, statusOf, statuses)},
			} {
				var labelled int
				var names []string
				for _, cat := range c.want {
					name := cat.label
					if name == "" {
						name = i18n.English.Value(c.dim, cat.code)
					} else {
						labelled++
					}
					names = append(names, name)
				}
				if tc.tenant != "" && labelled == 0 {
					t.Fatalf("%s: no unsolved ticket of %s has a label: the test proves nothing", c.chart, tc.tenant)
				}
				got, filters := chartCategories(t, page, c.chart)
				if !slices.Equal(got, names) {
					t.Errorf("%s: categories %q, want %q", c.chart, got, names)
				}
				if tc.tenant == "" {
					if filters != nil {
						t.Errorf("%s: every tenant's chart drills down by labels: %v", c.chart, filters)
					}
					continue
				}
				for i, f := range filters {
					if want := c.want[i]; i >= len(c.want) || f[c.dim] != want.code || f[c.dim+"_label"] != want.label {
						t.Errorf("%s: category %d drills down with %v, want %+v", c.chart, i, f, c.want[i])
					}
				}
			}
		})
	}
}

// The filter bar of one desk's page names each priority by the labels of
// the desk's tickets created in the range; a ticket list of one desk
// shows its labels in the status and priority columns, with no separate
// label columns.
func TestOneDesksFiltersAndListsSpeakItsWords(t *testing.T) {
	w := sharedI18nWorld(t)
	admin := w.handler(auth.Principal{Name: "Lan", Role: auth.RoleAdmin})
	from, to := time.Date(2026, 1, 5, 0, 0, 0, 0, hcm(t)), time.Date(2026, 1, 19, 0, 0, 0, 0, hcm(t))
	labels := map[string][]string{}
	for _, s := range w.tickets {
		at := s.CreatedAt.Truncate(time.Second)
		if s.Tenant == "rudesk" && s.HasCreated && !s.Deleted && s.MergedInto == "" && !at.Before(from) && at.Before(to) &&
			s.PriorityLabel != "" && !slices.Contains(labels[string(s.Priority)], s.PriorityLabel) {
			labels[string(s.Priority)] = append(labels[string(s.Priority)], s.PriorityLabel)
		}
	}
	if len(labels["normal"]) < 2 {
		t.Fatalf("rudesk has not both of its words for normal in the range: %v", labels)
	}
	_, page := get(t, admin, "/dashboards/manager?tenant=rudesk&"+i18nRange, "en")
	for _, p := range strs(event.Priorities) {
		text := i18n.English.Value("priority", p)
		if ls := labels[p]; len(ls) > 0 {
			slices.Sort(ls)
			text = strings.Join(ls, " / ")
		}
		if want := `<option value="` + p + `" >` + text + `</option>`; !strings.Contains(html.UnescapeString(page), want) {
			t.Errorf("no %s in the filter bar", want)
		}
	}
	_, all := get(t, admin, "/dashboards/manager?"+i18nRange, "en")
	if !strings.Contains(all, `<option value="normal" >Normal</option>`) {
		t.Error("every tenant's filter bar does not name normal in English")
	}

	_, list := get(t, admin, "/dashboards/tickets?report=backlog&measure=open&tenant=rudesk&tz=Asia/Ho_Chi_Minh", "en")
	list = html.UnescapeString(list)
	if strings.Contains(list, "Status label") || strings.Contains(list, "Priority label") {
		t.Error("one desk's list repeats the labels in columns of their own")
	}
	var shown int
	for _, s := range w.tickets {
		if s.Tenant == "rudesk" && s.HasCreated && !s.Deleted && s.MergedInto == "" && !s.Status.Resolved() {
			if !strings.Contains(list, "<td>"+s.StatusLabel+"</td>") || !strings.Contains(list, "<td>"+s.PriorityLabel+"</td>") {
				t.Errorf("%s: the list shows neither %q nor %q", s.TicketID, s.StatusLabel, s.PriorityLabel)
			}
			shown++
		}
	}
	if shown == 0 {
		t.Fatal("rudesk has no unsolved ticket to list")
	}
}

func hcm(t *testing.T) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	return z
}
