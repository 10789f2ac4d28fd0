package main

// Five help desks, each in its own words: the streams of
// testdata/desks/*.ndjson go through real Kafka and `slate ingest` into
// ClickHouse, then each desk's users read their dashboards (Chromium,
// `slate serve`) and workbooks (`slate export`, LibreOffice) in their
// language. One broker, one ClickHouse and one `slate serve` carry the
// five desks as five tenants. Expected figures come from the streams,
// read here with no code of ingest, the warehouse or the reports.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/xuri/excelize/v2"
	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/internal/i18n/leftovers"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
)

// desk is one help desk of testdata/desks: its stream, its tenant, how
// its users read, and what the product itself says about its tickets.
type desk struct {
	file   string // testdata/desks/FILE.ndjson
	tenant string
	lang   i18n.Lang
	zone   string
	locale string // LibreOffice's locale on the desk's computers
	// resolved are the desk's own status labels of a resolved ticket,
	// as it writes them (docs/events.md's presets, from the products).
	resolved []string
	// firstRating: one rating per ticket, a later one does not count.
	firstRating bool
}

var desks = []desk{
	{file: "callio", tenant: "callio-hanoi", lang: i18n.Vietnamese, zone: "Asia/Ho_Chi_Minh", locale: "vi_VN.UTF-8",
		resolved: []string{"Hoàn thành"}},
	{file: "portal", tenant: "saigon-portal", lang: i18n.Vietnamese, zone: "Asia/Ho_Chi_Minh", locale: "vi_VN.UTF-8",
		resolved: []string{"Đã đóng"}, firstRating: true},
	{file: "cloudpro", tenant: "cloudpro-danang", lang: i18n.Vietnamese, zone: "Asia/Ho_Chi_Minh", locale: "vi_VN.UTF-8",
		resolved: []string{"đã hoàn thành"}},
	{file: "onedesk", tenant: "onedesk-moskva", lang: i18n.Russian, zone: "Europe/Moscow", locale: "ru_RU.UTF-8",
		resolved: []string{"Решён", "Закрыт"}},
	{file: "subiz", tenant: "subiz-hue", lang: i18n.Vietnamese, zone: "Asia/Ho_Chi_Minh", locale: "vi_VN.UTF-8",
		resolved: []string{"Đã giải quyết", "Đóng"}},
}

// The month the streams cover, in each desk's zone.
const (
	deskFrom = "2026-11-01"
	deskTo   = "2026-12-01"
)

// deskEvent is one line of a desk's stream, read as the contract
// (docs/events.md) describes it.
type deskEvent struct {
	ID         string    `json:"event_id"`
	Type       string    `json:"type"`
	Tenant     string    `json:"tenant"`
	TicketID   string    `json:"ticket_id"`
	OccurredAt time.Time `json:"occurred_at"`
	Actor      struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"actor"`
	Data struct {
		Status, Channel, Customer, Organisation, Group, Subject, Priority, Severity, Agent, Currency string
		Assignee                                                                                     *string
		SupportingAgents                                                                             []string `json:"supporting_agents"`
		Tags, Added, Removed                                                                         []string
		Seconds                                                                                      int
		Billable                                                                                     bool
		Rate                                                                                         *float64
		Rating                                                                                       int
	} `json:"data"`
	raw []byte
}

// texts are the event's words, for the leftover check: a name from the
// data is not an English leftover.
func (ev deskEvent) texts() []string {
	d := ev.Data
	return append([]string{ev.Tenant, ev.TicketID, ev.Actor.ID, d.Channel, d.Customer, d.Organisation, d.Group, d.Subject,
		d.Agent, d.Currency, d.Status, d.Priority, d.Severity, deref(d.Assignee)}, slices.Concat(d.SupportingAgents, d.Tags, d.Added)...)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func readDesk(t *testing.T, path string) []deskEvent {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []deskEvent
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev deskEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ev.raw = slices.Clone(sc.Bytes())
		out = append(out, ev)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// a ticket's history in its order: time, then event id
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].OccurredAt.Equal(out[j].OccurredAt) {
			return out[i].OccurredAt.Before(out[j].OccurredAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// deskFigures are what a desk's pages and workbooks must say, from its
// stream alone.
type deskFigures struct {
	counts        warehouse.Counts
	created       int                // tickets created in the month
	unresolved    int                // tickets whose last status is not a resolved one
	unassigned    int                // of those, without an assignee
	reopens       int                // changes from a resolved status to another, in the month
	backlogLabels []string           // the last status labels of the unresolved, sorted
	backlogBorn   []time.Time        // when the unresolved were created
	billableHours float64            // billable time logged in the month
	amounts       map[string]float64 // billable amount per currency
	entryAmounts  map[string]int     // each rated entry's amount, formatted as the desk's locale writes it, counted
	csat          float64            // average of the ratings that count
	words         []string           // every text of the stream
}

func figuresOf(t *testing.T, d desk, evs []deskEvent) deskFigures {
	t.Helper()
	zone := mustZone(t, d.zone)
	from, _ := time.ParseInLocation("2006-01-02", deskFrom, zone)
	to, _ := time.ParseInLocation("2006-01-02", deskTo, zone)
	f := deskFigures{amounts: map[string]float64{}, entryAmounts: map[string]int{}}
	type state struct {
		status, assignee string
		rating           int
		created          time.Time
	}
	tickets := map[string]*state{}
	for _, ev := range evs {
		f.counts.Events++
		f.words = append(f.words, ev.texts()...)
		in := !ev.OccurredAt.Before(from) && ev.OccurredAt.Before(to)
		tk := tickets[ev.TicketID]
		if tk == nil {
			tk = &state{}
			tickets[ev.TicketID] = tk
		}
		switch ev.Type {
		case "ticket.created":
			tk.status, tk.assignee, tk.created = ev.Data.Status, deref(ev.Data.Assignee), ev.OccurredAt
			if in {
				f.created++
			}
		case "ticket.status_changed":
			// a reply of the customer to a closed ticket reopens it
			if in && slices.Contains(d.resolved, tk.status) && !slices.Contains(d.resolved, ev.Data.Status) {
				f.reopens++
			}
			tk.status = ev.Data.Status
		case "ticket.assigned":
			if ev.Data.Assignee != nil {
				tk.assignee = *ev.Data.Assignee
			}
		case "ticket.rated":
			if tk.rating == 0 || !d.firstRating {
				tk.rating = ev.Data.Rating
			}
		case "ticket.time_logged":
			f.counts.TimeEntries++
			if ev.Data.Billable {
				f.counts.BillableSeconds += uint64(ev.Data.Seconds)
			}
			if in && ev.Data.Billable {
				f.billableHours += float64(ev.Data.Seconds) / 3600
				if ev.Data.Rate != nil {
					amount := float64(ev.Data.Seconds) / 3600 * *ev.Data.Rate
					f.amounts[ev.Data.Currency] += amount
					f.entryAmounts[localFigure(d.lang, amount, decimalsOf(ev.Data.Currency))]++
				}
			}
		}
	}
	f.counts.Tickets = uint64(len(tickets))
	var ratings []int
	for _, tk := range tickets {
		if tk.rating > 0 {
			ratings = append(ratings, tk.rating)
		}
		if slices.Contains(d.resolved, tk.status) {
			continue
		}
		f.unresolved++
		f.backlogBorn = append(f.backlogBorn, tk.created)
		if tk.assignee == "" {
			f.unassigned++
		}
		if !slices.Contains(f.backlogLabels, tk.status) {
			f.backlogLabels = append(f.backlogLabels, tk.status)
		}
	}
	sort.Strings(f.backlogLabels)
	for _, r := range ratings {
		f.csat += float64(r) / float64(len(ratings))
	}
	return f
}

// ageBuckets are the backlog's age buckets at now, youngest first, in
// the reader's words (under a day, 1-3, 3-7, 7-30 days, older).
func (f deskFigures) ageBuckets(l i18n.Lang, now time.Time) []string {
	names := map[i18n.Lang][]string{
		i18n.Vietnamese: {"0–1 ngày", "1–3 ngày", "3–7 ngày", "7–30 ngày", "trên 30 ngày"},
		i18n.Russian:    {"0–1 дн.", "1–3 дн.", "3–7 дн.", "7–30 дн.", "более 30 дн."},
	}[l]
	has := make([]bool, len(names))
	for _, born := range f.backlogBorn {
		days := now.Sub(born).Hours() / 24
		i := len(names) - 1
		for j, limit := range []float64{1, 3, 7, 30} {
			if days < limit {
				i = j
				break
			}
		}
		has[i] = true
	}
	var out []string
	for i, n := range names {
		if has[i] {
			out = append(out, n)
		}
	}
	return out
}

// decimalsOf is a currency's minor unit, for the two the desks use.
func decimalsOf(currency string) int {
	if currency == "VND" {
		return 0
	}
	return 2
}

// localFigure writes v as the desk's locale does (CLDR): 1.234.567,5 in
// Vietnamese, 1 234 567,5 in Russian. White space is a plain space; pages
// write a no-break one, which normalise makes plain.
func localFigure(l i18n.Lang, v float64, decimals int) string {
	s := strconv.FormatFloat(math.Round(v*math.Pow10(decimals))/math.Pow10(decimals), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	group := map[i18n.Lang]string{i18n.Vietnamese: ".", i18n.Russian: " "}[l]
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("," + frac)
	}
	return b.String()
}

// localAmount is an amount with its currency sign, after the figure.
func localAmount(l i18n.Lang, v float64, currency string) string {
	return localFigure(l, v, decimalsOf(currency)) + " " + map[string]string{"VND": "₫", "RUB": "₽"}[currency]
}

// normalise makes no-break and thin spaces plain, for comparing figures.
func normalise(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(strings.TrimSpace(s))
}

const deskPassword = "mật khẩu của bàn hỗ trợ"

// deskConfig writes the configuration of the five desks: their labels as
// testdata/desks/slate.yaml has them, and a user per desk, scoped to its
// tenant and reading in its language.
func deskConfig(t *testing.T, e *env) {
	t.Helper()
	raw, err := os.ReadFile("testdata/desks/slate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(deskPassword)
	if err != nil {
		t.Fatal(err)
	}
	var users []map[string]any
	for _, d := range desks {
		users = append(users, map[string]any{"name": d.tenant, "role": string(auth.RoleFinance), "password_hash": hash,
			"lang": string(d.lang), "scope": map[string]any{"tenants": []string{d.tenant}}})
	}
	cfg["auth"] = map[string]any{"users": users}
	cfg["ingest"] = map[string]any{"batch_size": 500, "batch_wait": "200ms", "retry_min": "100ms", "retry_max": "1s", "shutdown_timeout": "10s"}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.cfgPath = filepath.Join(t.TempDir(), "desks.yaml")
	if err := os.WriteFile(e.cfgPath, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDesksInTheirOwnWords(t *testing.T) {
	e := newEnv(t, sharedCH, 2)
	deskConfig(t, e)
	streams := map[string][]deskEvent{}
	figures := map[string]deskFigures{}
	var msgs []kafka.Message
	var want warehouse.Counts
	for _, d := range desks {
		path := filepath.Join("testdata", "desks", d.file+".ndjson")
		evs := readDesk(t, path)
		streams[d.file], figures[d.file] = evs, figuresOf(t, d, evs)
		// the check an operator runs before pointing the desk at Slate
		check := e.command("config", "check", "--events", path)
		check.Env = append(check.Env, "SLATE_AUTH_SESSION_KEY="+sessionKey) // the config has users
		out, err := check.CombinedOutput()
		if err != nil || !strings.Contains(string(out), fmt.Sprintf("%d lines, %d events accepted, 0 rejected", len(evs), len(evs))) {
			t.Fatalf("slate config check --events %s: %v\n%s", path, err, out)
		}
		for _, ev := range evs {
			msgs = append(msgs, kafka.Message{Key: []byte(ev.TicketID), Value: ev.raw})
		}
		c := figures[d.file].counts
		want.Events += c.Events
		want.Tickets += c.Tickets
		want.TimeEntries += c.TimeEntries
		want.BillableSeconds += c.BillableSeconds
	}
	e.produce(msgs)
	in := e.startIngest("SLATE_AUTH_SESSION_KEY=" + sessionKey)
	// every event stored, and no dead letter (want.DeadLetters is 0)
	e.waitFor(want, 2*time.Minute)
	if n := in.counter("slate_ingest_dead_lettered_total"); n != 0 {
		t.Errorf("ingest dead-lettered %v events", n)
	}
	in.stop(t)
	recompute := e.command("sla", "recompute", "--quiet")
	recompute.Env = append(recompute.Env, "SLATE_SLA_CONFIG=../../deploy/sla.example.yaml", "SLATE_AUTH_SESSION_KEY="+sessionKey)
	if out, err := recompute.CombinedOutput(); err != nil {
		t.Fatalf("sla recompute: %v\n%s", err, out)
	}
	srv := e.startServe(t)
	s := &served{env: e, base: srv.base, password: deskPassword}
	policies, err := sla.LoadConfig("../../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var policyNames []string
	for _, p := range policies.Policies { // the pre-breach list names them
		policyNames = append(policyNames, p.Name)
	}

	b := testkit.Chromium(t)
	dir := testkit.ArtifactDir(t)
	t.Logf("screenshots in %s", dir)
	for _, d := range desks {
		f := figures[d.file]
		allowed, err := leftovers.Allowed(d.lang, append(f.words, policyNames...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(d.file+"/dashboards", func(t *testing.T) { testDeskDashboards(t, s, b.NewTab(t), d, f, allowed, dir) })
		t.Run(d.file+"/workbooks", func(t *testing.T) { testDeskWorkbooks(t, s, d, f, allowed, dir) })
	}
}

// deskRange is the month in the desk's zone, as URL parameters.
func deskRange(d desk) string {
	return "from=" + deskFrom + "&to=" + deskTo + "&tz=" + d.zone
}

func testDeskDashboards(t *testing.T, s *served, tab *testkit.Tab, d desk, f deskFigures, allowed map[string]bool, dir string) {
	login(t, tab, s, d.tenant, "/dashboards/manager?"+deskRange(d))
	open := func(page string) {
		t.Helper()
		if err := tab.Navigate(s.base + "/dashboards/" + page + "?" + deskRange(d)); err != nil {
			t.Fatal(err)
		}
		if err := tab.WaitVisible("#filters"); err != nil {
			t.Fatal(err)
		}
		checkPage(t, tab, d.file+" "+page, filepath.Join(dir, d.file+"-"+page+".png"))
		// The page is in the desk's language, with no English left.
		var lang, html string
		if err := tab.Eval(`document.documentElement.lang`, &lang); err != nil || lang != string(d.lang) {
			t.Errorf("%s: page language %q (%v), want %s", page, lang, err, d.lang)
		}
		if err := tab.Eval(`document.documentElement.outerHTML`, &html); err != nil {
			t.Fatal(err)
		}
		text, err := leftovers.VisibleText(html)
		if err != nil {
			t.Fatal(err)
		}
		if left := leftovers.Find(text, allowed); len(left) > 0 {
			t.Errorf("%s: English leftovers %q", page, left)
		}
	}
	tiles := func() map[string]string {
		t.Helper()
		var out map[string]string
		if err := tab.Eval(`Object.fromEntries(Array.from(document.querySelectorAll(".tile")).map(e => [e.querySelector(".l").innerText, e.querySelector(".v").innerText]))`, &out); err != nil {
			t.Fatal(err)
		}
		for k, v := range out {
			out[normalise(k)] = normalise(v)
		}
		return out
	}
	tile := func(page string, all map[string]string, label, want string) {
		t.Helper()
		if got, ok := all[normalise(label)]; !ok || got != want {
			t.Errorf("%s: tile %q is %q, want %q (tiles %q)", page, label, got, want, all)
		}
	}

	open("manager")
	mt := tiles()
	tile("manager", mt, d.lang.T("Unsolved"), strconv.Itoa(f.unresolved))
	tile("manager", mt, d.lang.T("Unassigned"), strconv.Itoa(f.unassigned))
	assertDeskLabels(t, tab, d, f)
	// The backlog's ages in the desk's words, youngest first: the buckets
	// of the unresolved tickets' ages now.
	var ages []string
	if err := tab.Eval(`(o => (o.xAxis.concat(o.yAxis).find(a => a.type === "category") || {data: []}).data)(JSON.parse(document.getElementById("opt-backlog_age").textContent).option)`, &ages); err != nil {
		t.Fatal(err)
	}
	if want := f.ageBuckets(d.lang, time.Now()); !slices.Equal(ages, want) {
		t.Errorf("manager: backlog by age reads %q, want %q", ages, want)
	}

	open("finance")
	ft := tiles()
	tile("finance", ft, d.lang.T("Billable hours"), localFigure(d.lang, f.billableHours, 1))
	for currency, amount := range f.amounts {
		label := d.lang.T("Amount, %s (%s billable h)", currency, localFigure(d.lang, f.billableHours, 1))
		tile("finance", ft, label, localAmount(d.lang, amount, currency))
	}

	open("leadership")
	var heads [][]string
	if err := tab.Eval(`Array.from(document.querySelectorAll("table.headlines tbody tr")).map(r => Array.from(r.cells).map(c => c.innerText))`, &heads); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range heads {
		got[normalise(h[0])] = normalise(h[1])
	}
	for label, want := range map[string]string{
		d.lang.T("Tickets created"): strconv.Itoa(f.created),
		d.lang.T("Reopens"):         strconv.Itoa(f.reopens),
		d.lang.T("CSAT average"):    localFigure(d.lang, f.csat, 2),
	} {
		if got[label] != want {
			t.Errorf("leadership: %q this period is %q, want %q (headlines %q)", label, got[label], want, heads)
		}
	}
}

// assertDeskLabels: the single-tenant manager dashboard names the
// backlog's statuses in the desk's own words ("Đợi KH phản hồi",
// "Открыт"), not the catalog's translation of the canonical status:
// every last status label of an unresolved ticket is a slice of "Backlog
// by status".
func assertDeskLabels(t *testing.T, tab *testkit.Tab, d desk, f deskFigures) {
	t.Helper()
	var names []string
	err := tab.Eval(`JSON.parse(document.getElementById("opt-backlog_status").textContent).option.series[0].data.map(x => x.name)`, &names)
	if err != nil {
		t.Fatalf("backlog by status: %v", err)
	}
	var missing []string
	for _, l := range f.backlogLabels {
		if !slices.Contains(names, l) {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s: the manager dashboard's backlog by status reads %q; the desk's own labels %q are not there (want all of %q)",
			d.tenant, names, missing, f.backlogLabels)
	}
}

// libreOfficeIn converts a workbook's first sheet to CSV as LibreOffice
// on a desk's computer does: in its locale, cells written as shown.
func libreOfficeIn(t *testing.T, locale string, book []byte) [][]string {
	t.Helper()
	t.Setenv("LC_ALL", locale)
	t.Setenv("LANG", locale)
	return libreOfficeCSV(t, book)
}

func testDeskWorkbooks(t *testing.T, s *served, d desk, f deskFigures, allowed map[string]bool, dir string) {
	// export writes the workbook, kept with the screenshots for a person
	// to open.
	export := func(name string) []byte {
		t.Helper()
		out := filepath.Join(dir, d.file+"-"+name+".xlsx")
		cmd := s.command("export", name, "--lang", string(d.lang), "--from", deskFrom, "--to", deskTo, "--tz", d.zone,
			"--filter", "tenant="+d.tenant, "--out", out)
		cmd.Env = append(cmd.Env, "SLATE_AUTH_SESSION_KEY="+sessionKey)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("slate export %s --lang %s: %v\n%s", name, d.lang, err, msg)
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	sheets := func(book []byte) []string {
		t.Helper()
		x, err := excelize.OpenReader(bytes.NewReader(book))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		return x.GetSheetList()
	}
	// Written out from the catalogs' translations, not read from them.
	words := map[i18n.Lang]struct {
		finance, leadership, entryHeader []string
		period, created                  string
	}{
		i18n.Vietnamese: {
			finance:     []string{"Thời gian ghi nhận", "Theo khách hàng", "Theo tổ chức", "Theo nhân viên", "Theo tháng", "Theo loại tiền"},
			leadership:  []string{"Tổng quan", "Xu hướng", "SLA", "Theo mức ưu tiên"},
			entryHeader: []string{"Ghi nhận lúc", "Đơn vị thuê", "Khách hàng", "Tổ chức", "Phiếu", "Nhân viên", "Nhóm", "Số giờ", "Tính phí", "Đơn giá", "Tiền tệ", "Thành tiền"},
			period:      "Kỳ: 01/11/2026 00:00 – 01/12/2026 00:00 (Asia/Ho_Chi_Minh",
			created:     "Phiếu tạo mới",
		},
		i18n.Russian: {
			finance:     []string{"Учёт времени", "По клиентам", "По организациям", "По сотрудникам", "По месяцам", "По валютам"},
			leadership:  []string{"Сводка", "Динамика", "SLA", "По приоритетам"},
			entryHeader: []string{"Учтено", "Клиент Slate", "Клиент", "Организация", "Заявка", "Сотрудник", "Группа", "Часы", "Оплачиваемое", "Ставка", "Валюта", "Сумма"},
			period:      "Период: 01.11.2026 00:00 – 01.12.2026 00:00 (Europe/Moscow",
			created:     "Создано заявок",
		},
	}[d.lang]

	// Every sheet's name and what LibreOffice shows of the first: no
	// English left.
	noEnglish := func(what string, book []byte, lo [][]string) {
		t.Helper()
		var text strings.Builder
		for _, sh := range sheets(book) {
			text.WriteString(sh + "\n")
		}
		for _, r := range lo {
			text.WriteString(strings.Join(r, " | ") + "\n")
		}
		if left := leftovers.Find(text.String(), allowed); len(left) > 0 {
			t.Errorf("%s workbook: English leftovers %q", what, left)
		}
	}

	book := export("finance")
	if got := sheets(book); !slices.Equal(got, words.finance) {
		t.Errorf("finance workbook sheets %q, want %q", got, words.finance)
	}
	lo := libreOfficeIn(t, d.locale, book)
	noEnglish("finance", book, lo)
	if len(lo) < 4 || !strings.HasPrefix(lo[1][0], words.period) || !slices.Equal(lo[3], words.entryHeader) {
		t.Fatalf("LibreOffice (%s) reads the time entries as %q", d.locale, lo[:min(4, len(lo))])
	}
	// Each rated entry's amount as the desk's locale writes it: 525.000
	// (đồng have no decimals), 3 499,50 (roubles have two).
	amounts := map[string]int{}
	for _, r := range lo[4:] {
		if r[9] != "" { // entries without a rate have no amount to judge
			amounts[normalise(r[11])]++
		}
	}
	if len(lo)-4 != int(f.counts.TimeEntries) || !maps.Equal(amounts, f.entryAmounts) {
		t.Errorf("LibreOffice (%s) reads %d entries, amounts %v; want %d, %v", d.locale, len(lo)-4, amounts, f.counts.TimeEntries, f.entryAmounts)
	}

	book = export("leadership")
	if got := sheets(book); !slices.Equal(got, words.leadership) {
		t.Errorf("leadership workbook sheets %q, want %q", got, words.leadership)
	}
	lo = libreOfficeIn(t, d.locale, book)
	noEnglish("leadership", book, lo)
	i := slices.IndexFunc(lo, func(r []string) bool { return len(r) > 1 && r[0] == words.created })
	if i < 0 || lo[i][1] != strconv.Itoa(f.created) {
		t.Errorf("LibreOffice (%s) reads the leadership summary as %q; want %q %d", d.locale, lo, words.created, f.created)
	}
}
