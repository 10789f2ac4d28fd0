package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/internal/i18n/leftovers"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/reports/digest"
	"github.com/slatehq/slate/reports/schedule"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// i18nWorld is a small generated desk in a private ClickHouse, with the
// dashboards over it and every word its data holds.
type i18nWorld struct {
	srv       *Server
	svc       *reports.Service
	dataWords map[string]bool
	tickets   map[string]ticket.State // the stored events folded in Go, by tenant/ticket
	addr      string                  // the ClickHouse server's, for tests with databases of their own
}

var (
	i18nOnce  sync.Once
	theI18n   *i18nWorld
	i18nErr   error
	i18nClose func()
)

// sharedI18nWorld builds the world once for the package's tests; TestMain
// does not exist here, so the server lives until the process ends.
func sharedI18nWorld(t *testing.T) *i18nWorld {
	t.Helper()
	i18nOnce.Do(func() { theI18n, i18nErr = newI18nWorld() })
	if i18nErr != nil {
		t.Fatal(i18nErr)
	}
	return theI18n
}

func newI18nWorld() (*i18nWorld, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ch, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		return nil, err
	}
	i18nClose = func() { ch.Close() }
	o := warehouse.Options{Addrs: []string{ch.Addr()}, Database: "dash_i18n"}
	conn, err := warehouse.Open(o)
	if err != nil {
		return nil, err
	}
	if _, err := warehouse.Migrate(ctx, conn, o); err != nil {
		return nil, err
	}
	w := &i18nWorld{dataWords: map[string]bool{}, addr: ch.Addr()}
	var recs []event.Record
	if err := eventgen.Generate(eventgen.Config{Seed: 29, Tickets: 300, Days: 14}, func(e *event.Event) error {
		// only what happened before now: the backlog has open tickets
		if !e.OccurredAt.Before(i18nNow) {
			return nil
		}
		recs = append(recs, event.Record{Event: *e})
		for _, s := range append([]string{e.Tenant, e.TicketID, e.Channel, e.Customer, e.Organisation, e.Group, e.Assignee,
			e.Subject, e.Agent, e.Currency, e.StatusLabel, e.PriorityLabel, e.SeverityLabel}, e.Tags...) {
			for _, word := range leftovers.ASCIIWords(s) {
				w.dataWords[word] = true
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := warehouse.NewWriter(conn, o.Database, 1000).Store(ctx, &event.Batch{Records: recs}); err != nil {
		return nil, err
	}
	hist := map[string][]event.Event{}
	for _, r := range recs {
		hist[r.Event.Tenant+"/"+r.Event.TicketID] = append(hist[r.Event.Tenant+"/"+r.Event.TicketID], r.Event)
	}
	w.tickets = map[string]ticket.State{}
	for k, h := range hist {
		w.tickets[k] = ticket.Fold(h)
	}
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		return nil, err
	}
	if _, _, err := warehouse.NewSLARefresher(conn, o.Database, cfg).Refresh(ctx, time.Time{}, "", nil); err != nil {
		return nil, err
	}
	for _, p := range cfg.Policies { // the pre-breach list names them
		for _, word := range leftovers.ASCIIWords(p.Name) {
			w.dataWords[word] = true
		}
	}
	w.svc = reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	w.srv = New(w.svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.srv.now = func() time.Time { return i18nNow }
	return w, nil
}

// i18nNow is late in the generated fortnight: open tickets and running
// clocks exist.
var i18nNow = time.Date(2026, 1, 16, 5, 0, 0, 0, time.UTC)

// handler serves the dashboards to pr, as the authenticated router does.
func (w *i18nWorld) handler(pr auth.Principal) http.Handler {
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
			next.ServeHTTP(rw, req.WithContext(auth.WithPrincipal(req.Context(), pr)))
		})
	})
	w.srv.Routes(r, func(auth.Permission) func(http.Handler) http.Handler {
		return func(h http.Handler) http.Handler { return h }
	})
	return r
}

// visibleText is what a reader of a page sees (leftovers.VisibleText).
func visibleText(t *testing.T, page string) string {
	t.Helper()
	text, err := leftovers.VisibleText(page)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

const i18nRange = "from=2026-01-05&to=2026-01-19&tz=Asia/Ho_Chi_Minh"

// i18nPages are every page: the three dashboards, drill-down lists (of
// now and of a range), filters that match nothing, and error pages (the
// ones with wantErr).
var i18nPages = []struct {
	path    string
	wantErr bool
}{
	{"/dashboards/manager?" + i18nRange, false},
	{"/dashboards/finance?" + i18nRange, false},
	{"/dashboards/leadership?" + i18nRange, false},
	{"/dashboards/tickets?report=backlog&measure=open&tz=Asia/Ho_Chi_Minh", false},
	{"/dashboards/tickets?report=volume&measure=created&" + i18nRange, false},
	{"/dashboards/tickets?report=volume&measure=created&tag=no-such-tag&" + i18nRange, false},
	{"/dashboards/manager?tag=no-such-tag&" + i18nRange, false},
	{"/dashboards/finance?agent=no-such-agent&" + i18nRange, false},
	{"/dashboards/manager?refresh=-1&" + i18nRange, true},
	{"/dashboards/manager?from=2026-01-05&to=2026-01-19&tz=Mars/Base", true},
	{"/dashboards/tickets?report=qqq_zzz", true},
}

func get(t *testing.T, h http.Handler, path, acceptLanguage string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// Switching the language changes every visible string: each page and
// each e-mail (subject, both bodies, the workbook's sheet names, titles,
// period lines and headers) in Vietnamese and in Russian has no word
// that is neither the language's own, nor the data's, nor a name. The
// Vietnamese reader is chosen by the browser, the Russian one by the
// user's configured language over an English browser.
func TestEveryPageAndEmailHasNoEnglishLeftovers(t *testing.T) {
	w := sharedI18nWorld(t)
	readers := []struct {
		lang   i18n.Lang
		pr     auth.Principal
		accept string
	}{
		{i18n.Vietnamese, auth.Principal{Name: "Lan", Role: auth.RoleAdmin, Via: auth.ViaSession}, "vi-VN,vi;q=0.9,en;q=0.5"},
		{i18n.Russian, auth.Principal{Name: "Oksana", Role: auth.RoleAdmin, Via: auth.ViaSession, Lang: "ru"}, "en-US,en;q=0.9"},
	}
	for _, rd := range readers {
		allowed, err := leftovers.Allowed(rd.lang)
		if err != nil {
			t.Fatal(err)
		}
		for k := range w.dataWords {
			allowed[k] = true
		}
		h := w.handler(rd.pr)
		for _, pg := range i18nPages {
			code, page := get(t, h, pg.path, rd.accept)
			if (code != http.StatusOK) != pg.wantErr {
				t.Errorf("%s %s: status %d", rd.lang, pg.path, code)
			}
			if !strings.Contains(page, `<html lang="`+string(rd.lang)+`">`) {
				t.Errorf("%s %s: page is not marked as %s", rd.lang, pg.path, rd.lang)
			}
			if left := leftovers.Find(visibleText(t, page), allowed); len(left) > 0 {
				t.Errorf("%s %s: English leftovers %q", rd.lang, pg.path, left)
			}
			// The check sees English: the same page in English has words
			// the other language has not.
			if rd.lang == i18n.Vietnamese {
				_, en := get(t, w.handler(auth.Principal{Name: "Lan", Role: auth.RoleAdmin}), pg.path, "en")
				if len(leftovers.Find(visibleText(t, en), allowed)) == 0 {
					t.Errorf("%s: the English page passes as Vietnamese; the check is blind", pg.path)
				}
			}
		}
		for _, text := range emailTexts(t, w, rd.lang) {
			if left := leftovers.Find(text, allowed); len(left) > 0 {
				t.Errorf("%s e-mail: English leftovers %q in\n%s", rd.lang, left, text)
			}
		}
	}
}

// emailTexts composes a schedule of every report in lang and returns what
// its reader sees: the subject, both bodies, and the workbook's sheet
// names and heading rows.
func emailTexts(t *testing.T, w *i18nWorld, lang i18n.Lang) []string {
	t.Helper()
	names := map[i18n.Lang]string{i18n.Vietnamese: "Báo cáo tuần", i18n.Russian: "Еженедельный отчёт"}
	s := schedule.Schedule{ID: "weekly", Name: names[lang], Cron: "0 8 * * 1", TZ: "Asia/Ho_Chi_Minh", Period: schedule.PeriodWeek,
		Reports: reports.Names(), Recipients: []string{"lead@example.com"}, Lang: string(lang),
		Filters: map[string][]string{"channel": {"email", "chat", "phone"}}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	c := &digest.Composer{Service: w.svc, Domain: "example.com", BaseURL: "https://slate.example.com"}
	zone, _ := time.LoadLocation(s.TZ)
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, zone)
	msg, err := c.Compose(context.Background(), s, from, from.AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	// The link and the file names are addresses, not words to translate.
	strip := func(x string) string {
		x = regexp.MustCompile(`https://\S+`).ReplaceAllString(x, " ")
		for _, a := range msg.Attachments {
			x = strings.ReplaceAll(x, a.Name, " ")
		}
		return x
	}
	out := []string{msg.Subject, strip(msg.Text), strip(visibleText(t, msg.HTML))}
	for _, a := range msg.Attachments {
		f, err := excelize.OpenReader(bytes.NewReader(a.Data))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, sh := range f.GetSheetList() {
			b.WriteString(sh + "\n")
			rows, err := f.GetRows(sh)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows[:min(4, len(rows))] {
				b.WriteString(strings.Join(row, " | ") + "\n")
			}
		}
		f.Close()
		out = append(out, b.String())
	}
	if !slices.ContainsFunc(msg.Attachments, func(a schedule.Attachment) bool { return strings.HasSuffix(a.Name, ".xlsx") }) {
		t.Fatalf("no workbook attached: %v", msg.Attachments)
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if i18nClose != nil {
		i18nClose()
	}
	os.Exit(code)
}

// Priorities, severities, statuses, SLA metrics and backlog ages read in
// their meaning's order (low to urgent, low to critical, the workflow, the
// ticket's course, youngest to oldest) and in the reader's words, never as codes.
func TestValuesInTheirOrderAndTheReadersWords(t *testing.T) {
	w := sharedI18nWorld(t)
	_, page := get(t, w.handler(auth.Principal{Name: "Oksana", Role: auth.RoleAdmin, Lang: "ru"}), "/dashboards/manager?"+i18nRange, "")
	categories := func(id string) []string {
		m := regexp.MustCompile(`(?s)<script type="application/json" id="opt-` + id + `">(.*?)</script>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no chart %s", id)
		}
		var isl struct {
			Option struct {
				XAxis []struct {
					Data []string `json:"data"`
				} `json:"xAxis"`
				YAxis []struct { // horizontal bars: the categories
					Data []string `json:"data"`
				} `json:"yAxis"`
				Series []struct {
					Data []struct {
						Name string `json:"name"`
					} `json:"data"`
				} `json:"series"`
			} `json:"option"`
		}
		if err := json.Unmarshal([]byte(m[1]), &isl); err != nil {
			t.Fatal(err)
		}
		if len(isl.Option.XAxis) > 0 && len(isl.Option.XAxis[0].Data) > 0 {
			return isl.Option.XAxis[0].Data
		}
		if len(isl.Option.YAxis) > 0 && len(isl.Option.YAxis[0].Data) > 0 {
			return isl.Option.YAxis[0].Data
		}
		var out []string
		for _, d := range isl.Option.Series[0].Data {
			out = append(out, d.Name)
		}
		return out
	}
	// The expected order is the canonical lists', in the Russian catalog's
	// words, of the values present (written out here, not from the code).
	inOrder := func(got []string, all []string) {
		t.Helper()
		if len(got) < 2 {
			t.Fatalf("too few categories to judge an order: %q", got)
		}
		last := -1
		for j, g := range got {
			if g == "(не указано)" && j == len(got)-1 {
				continue // tickets without a value come last
			}
			i := slices.Index(all, g)
			if i < 0 {
				t.Errorf("%q is not a Russian name of the values %q", g, all)
				continue
			}
			if i < last {
				t.Errorf("order %q is not %q's", got, all)
			}
			last = i
		}
	}
	inOrder(categories("backlog_priority"), []string{"Низкий", "Обычный", "Высокий", "Срочный"})
	inOrder(categories("backlog_severity"), []string{"Низкая", "Средняя", "Высокая", "Критическая"})
	inOrder(categories("backlog_status"), []string{"Новая", "В работе", "Ожидает ответа клиента", "Отложена", "Решена", "Закрыта"})
	inOrder(categories("backlog_age"), []string{"0–1 дн.", "1–3 дн.", "3–7 дн.", "7–30 дн.", "более 30 дн."})
	inOrder(categories("sla"), []string{"Первый ответ", "Следующий ответ", "Регулярное обновление", "Решение", "Полное решение"})
}

// Screenshots of the manager dashboard in Vietnamese and Russian, drawn
// by Chromium, for a person to look at; the charts must be painted.
func TestShotsViRu(t *testing.T) {
	w := sharedI18nWorld(t)
	tab := testkit.Chromium(t).NewTab(t)
	dir := testkit.ArtifactDir(t)
	for _, l := range []i18n.Lang{i18n.Vietnamese, i18n.Russian} {
		mux := http.NewServeMux()
		mux.Handle(AssetsPath, http.StripPrefix(AssetsPath, AssetsHandler()))
		mux.Handle("/", w.handler(auth.Principal{Name: map[i18n.Lang]string{i18n.Vietnamese: "Lan", i18n.Russian: "Oksana"}[l],
			Role: auth.RoleManager, Via: auth.ViaSession, Lang: string(l)}))
		srv := httptest.NewServer(mux)
		for _, page := range []string{"manager", "leadership"} {
			if err := tab.Navigate(srv.URL + "/dashboards/" + page + "?" + i18nRange); err != nil {
				t.Fatal(err)
			}
			id := map[string]string{"manager": "#chart-backlog_priority", "leadership": "#chart-trend"}[page]
			if err := tab.WaitVisible(id); err != nil {
				t.Fatal(err)
			}
			painted, err := tab.CanvasPainted(id)
			if err != nil || !painted {
				t.Errorf("%s %s: chart %s not painted (%v)", l, page, id, err)
			}
			// Tooltips and value axes write figures the reader's way.
			js := `(() => { const o = echarts.getInstanceByDom(document.querySelector("` + id + `")).getOption();
				const v = o.xAxis.concat(o.yAxis).find(a => a.type === "value"); // upright or horizontal bars
				return [o.tooltip[0].valueFormatter(1234567.5), v.axisLabel.formatter(1234.5)]; })()`
			var got []string
			if err := tab.Eval(js, &got); err != nil || len(got) != 2 {
				t.Fatalf("%s %s: formatters: %v %q", l, page, err, got)
			}
			tip, axis := got[0], got[1]
			want := map[i18n.Lang][2]string{i18n.Vietnamese: {"1.234.567,5", "1.234,5"}, i18n.Russian: {"1\u00a0234\u00a0567,5", "1\u00a0234,5"}}[l]
			if tip != want[0] || axis != want[1] {
				t.Errorf("%s %s: tooltip %q, axis %q; want %q", l, page, tip, axis, want)
			}
			shot := dir + "/" + page + "-" + string(l) + ".png"
			if err := tab.Screenshot(shot); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", shot)
		}
		if errs := tab.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("%s: console errors %q", l, errs)
		}
		srv.Close()
	}
}
