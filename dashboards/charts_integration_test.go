package dashboards

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/testkit"
)

// chartAxis is what ECharts made of one axis of a drawn chart.
type chartAxis struct {
	Chart       string `json:"chart"`
	Axis        string `json:"axis"`
	Type        string `json:"type"`
	Interval    any    `json:"interval"`
	HideOverlap any    `json:"hideOverlap"`
	Categories  int    `json:"categories"` // the axis's data
	Shown       int    `json:"shown"`      // the labels ECharts lays out
	Name        string `json:"name"`
	Bar         bool   `json:"bar"`
}

// drawnAxes are the axes of every bar and line chart of the page open in
// tab, read from ECharts' own model of each chart.
const drawnAxes = `(() => {
	const out = [];
	document.querySelectorAll("[data-chart]").forEach(el => {
		const c = echarts.getInstanceByDom(el);
		if (!c) { out.push({chart: el.dataset.chart, axis: "not drawn"}); return; }
		if (!c.getOption().series.some(s => s.type === "bar" || s.type === "line")) { return; }
		const bar = c.getOption().series.some(s => s.type === "bar");
		const m = c.getModel();
		["xAxis", "yAxis"].forEach(k => {
			const a = m.getComponent(k, 0);
			if (!a) { return; }
			const cats = a.axis.type === "category" ? a.axis.scale.count() : 0;
			out.push({chart: el.dataset.chart, axis: k, type: a.axis.type,
				interval: a.get(["axisLabel", "interval"]), hideOverlap: a.get(["axisLabel", "hideOverlap"]) || false,
				categories: cats, shown: cats ? a.axis.getViewLabels().length : 0, name: a.get("name") || "", bar: bar});
		});
	});
	return out;
})()`

// pageAxes opens path in Chromium as pr and returns its charts' axes.
func pageAxes(t *testing.T, tab *testkit.Tab, w *i18nWorld, pr auth.Principal, path, waitFor string) []chartAxis {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(AssetsPath, http.StripPrefix(AssetsPath, AssetsHandler()))
	mux.Handle("/", w.handler(pr))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if err := tab.Navigate(srv.URL + path); err != nil {
		t.Fatal(err)
	}
	if err := tab.WaitVisible(waitFor); err != nil {
		t.Fatal(err)
	}
	var axes []chartAxis
	if err := tab.Eval(drawnAxes, &axes); err != nil {
		t.Fatalf("%s: %v; console %q", path, err, tab.ConsoleErrors())
	}
	return axes
}

// Every category of every bar chart is labelled: ECharts is told never
// to skip a label (interval 0, no hiding of overlaps) and lays one out
// per category. Long lists lie down as horizontal bars.
func TestEveryBarCategoryIsLabelled(t *testing.T) {
	w := sharedI18nWorld(t)
	tab := testkit.Chromium(t).NewTab(t)
	admin := auth.Principal{Name: "Lan", Role: auth.RoleAdmin, Via: auth.ViaSession}
	categories := map[string]int{}
	for _, pg := range []struct{ path, waitFor string }{
		{"/dashboards/manager?" + i18nRange, "#chart-tags"},
		{"/dashboards/finance?" + i18nRange, "#chart-billable_customer"},
		{"/dashboards/leadership?" + i18nRange, "#chart-sla"},
	} {
		for _, a := range pageAxes(t, tab, w, admin, pg.path, pg.waitFor) {
			if a.Axis == "not drawn" {
				t.Errorf("%s: chart %s not drawn", pg.path, a.Chart)
				continue
			}
			if a.Type != "category" || !a.Bar { // a time axis may skip dates
				continue
			}
			categories[a.Chart] = a.Categories
			if a.Interval != float64(0) || a.HideOverlap != false {
				t.Errorf("%s %s %s: axisLabel interval %v, hideOverlap %v; want 0 and false", pg.path, a.Chart, a.Axis, a.Interval, a.HideOverlap)
			}
			if a.Shown != a.Categories {
				t.Errorf("%s %s: %d of %d categories labelled", pg.path, a.Chart, a.Shown, a.Categories)
			}
			// a long list lies down: its categories on the y axis
			if a.Categories > maxColumns && a.Axis != "yAxis" {
				t.Errorf("%s %s: %d categories on upright bars", pg.path, a.Chart, a.Categories)
			}
		}
	}
	// The check saw the charts the issue counted (SLA metrics, tags,
	// agents), with lists long enough to crowd.
	for chart, atLeast := range map[string]int{"sla": 3, "tags": 10, "agents": 5, "billable_customer": 5} {
		if categories[chart] < atLeast {
			t.Errorf("chart %s has %d categories; the world should give it at least %d", chart, categories[chart], atLeast)
		}
	}
}

// Every value axis says what it counts, and the duration charts of a page
// share the page's one unit, the one its series names state.
func TestEveryValueAxisStatesItsUnit(t *testing.T) {
	w := sharedI18nWorld(t)
	tab := testkit.Chromium(t).NewTab(t)
	admin := auth.Principal{Name: "Lan", Role: auth.RoleAdmin, Via: auth.ViaSession}
	var seriesNames []string
	axes := pageAxes(t, tab, w, admin, "/dashboards/manager?"+i18nRange, "#chart-frt")
	if err := tab.Eval(`echarts.getInstanceByDom(document.querySelector("#chart-frt")).getOption().series.map(s => s.name)`, &seriesNames); err != nil {
		t.Fatal(err)
	}
	// the page's duration unit, as its series names state it: "Median (h)"
	durations := map[string]string{"(min)": "minutes", "(h)": "hours", "(days)": "days"}
	var pageUnit string
	for short, full := range durations {
		if strings.HasSuffix(seriesNames[0], short) {
			pageUnit = full
		}
	}
	if pageUnit == "" {
		t.Fatalf("first reply series %q state no unit", seriesNames)
	}
	want := map[string]string{
		"volume": "tickets", "frt": pageUnit, "resolution": pageUnit, "sla": "%",
		"backlog_priority": "tickets", "backlog_severity": "tickets", "backlog_age": "tickets",
		"tags": "tickets", "agents": "tickets, replies", "unresolved_agent": "tickets",
	}
	seen := map[string]bool{}
	for _, a := range axes {
		if a.Type != "value" {
			continue
		}
		seen[a.Chart] = true
		if a.Name != want[a.Chart] {
			t.Errorf("chart %s: value axis named %q, want %q", a.Chart, a.Name, want[a.Chart])
		}
	}
	for chart := range want {
		if !seen[chart] {
			t.Errorf("chart %s: no value axis seen", chart)
		}
	}
	// and in the reader's language
	for _, a := range pageAxes(t, tab, w, auth.Principal{Name: "Oksana", Role: auth.RoleAdmin, Lang: "ru"}, "/dashboards/finance?"+i18nRange, "#chart-billable_customer") {
		if a.Type == "value" && a.Name != "часы" {
			t.Errorf("finance %s: value axis named %q, want часы", a.Chart, a.Name)
		}
	}
}

// A page whose filters match nothing says so in the reader's language,
// instead of drawing empty charts; the same page matching something draws
// its charts and says nothing of the kind.
func TestAPageMatchingNothingSaysSo(t *testing.T) {
	w := sharedI18nWorld(t)
	message := map[string]string{"en": "Nothing matches these filters in this period.",
		"vi": "Không có dữ liệu nào khớp với bộ lọc trong kỳ này.", "ru": "За этот период ничего не найдено по этим фильтрам."}
	for lang, msg := range message {
		h := w.handler(auth.Principal{Name: "Lan", Role: auth.RoleAdmin, Lang: lang})
		for _, pg := range []struct{ page, nothing string }{
			{"manager", "tag=no-such-tag"}, {"finance", "agent=no-such-agent"}, {"leadership", "channel=no-such-channel"},
		} {
			code, page := get(t, h, "/dashboards/"+pg.page+"?"+pg.nothing+"&"+i18nRange, "")
			if code != http.StatusOK || !strings.Contains(page, msg) || strings.Contains(page, "data-chart=") {
				t.Errorf("%s %s with %s: status %d, says %q: %v, draws charts: %v", lang, pg.page, pg.nothing, code, msg,
					strings.Contains(page, msg), strings.Contains(page, "data-chart="))
			}
			_, page = get(t, h, "/dashboards/"+pg.page+"?"+i18nRange, "")
			if strings.Contains(page, msg) || !strings.Contains(page, "data-chart=") {
				t.Errorf("%s %s unfiltered: says %q or draws no chart", lang, pg.page, msg)
			}
		}
	}
}
