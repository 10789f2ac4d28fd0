package reports_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/warehouse"
)

// portalEvents are a support portal's tickets (vn-portal preset) in its
// own words, and one ticket of a desk that sends canonical values.
var portalEvents = func() []string {
	ev := func(id, typ, tenant, ticket, at, data string) string {
		return `{"schema":1,"event_id":"` + id + `","type":"` + typ + `","tenant":"` + tenant + `","ticket_id":"` + ticket +
			`","occurred_at":"2026-03-02T` + at + `:00Z","actor":{"type":"agent","id":"a1"},"data":` + data + `}`
	}
	created := func(id, ticket, at, priority string) string {
		p := ""
		if priority != "" {
			p = `,"priority":"` + priority + `"`
		}
		return ev(id, "ticket.created", "portal", ticket, at, `{"channel":"portal","customer":"c1","status":"Đang mở"`+p+`}`)
	}
	status := func(id, ticket, at, label string) string {
		return ev(id, "ticket.status_changed", "portal", ticket, at, `{"status":"`+label+`"}`)
	}
	return []string{
		created("p1", "P1", "08:00", "Khẩn cấp"), status("p1s", "P1", "08:10", "Đang xử lý"),
		created("p2", "P2", "08:01", "rất cao"), status("p2s", "P2", "08:11", "Đang xử lý"),
		status("p2t", "P2", "08:20", "Đã trả lời"), status("p2u", "P2", "08:30", "KH Đã phản hồi"),
		created("p3", "P3", "08:02", ""), status("p3s", "P3", "08:12", "Đã trả lời"), // no priority: defaulted
		created("p4", "P4", "08:03", "cao"), status("p4s", "P4", "08:13", "Đang xử lý"), status("p4t", "P4", "08:23", "Đã trả lời"),
		created("p5", "P5", "08:04", "thấp"),
		ev("a1", "ticket.created", "acme", "A1", "08:05", `{"channel":"email","customer":"c2","status":"Open","priority":"High"}`),
	}
}()

// loadPortal stores portalEvents in a database of its own on the shared
// server, with a snapshot built after, and returns a world over it.
func loadPortal(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	o := warehouse.Options{Addrs: []string{sharedAddr(t)}, Database: "labels_test"}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Exec(ctx, "DROP DATABASE IF EXISTS labels_test"); conn.Close() })
	if _, err := warehouse.Migrate(ctx, conn, o); err != nil {
		t.Fatal(err)
	}
	mapper, err := event.NewMapper(event.MappingConfig{Tenants: map[string]event.VocabularyConfig{"portal": {Preset: event.PresetVNPortal}}})
	if err != nil {
		t.Fatal(err)
	}
	dec := event.Decoder{Labels: mapper}
	var recs []event.Record
	for _, line := range portalEvents {
		e, err := dec.Decode([]byte(line))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		recs = append(recs, event.Record{Event: e})
	}
	if err := warehouse.NewWriter(conn, o.Database, 100).Store(ctx, &event.Batch{Records: recs}); err != nil {
		t.Fatal(err)
	}
	w := &world{now: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	w.svc = reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	snaps := reports.NewSnapshots(chstore.New(conn), o.Database, time.Hour)
	if _, err := snaps.Build(ctx); err != nil {
		t.Fatal(err)
	}
	w.snapSvc = reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	w.snapSvc.UseSnapshots(snaps)
	return w
}

// The support portal's unsolved tickets grouped by the desk's own words
// for their status: one row per label, so "Đang xử lý" and "KH Đã phản
// hồi" (both open) stay apart, as do "Đã trả lời" (pending) and "Đang mở"
// (new); grouped by status and label, each label comes under its
// canonical status, in workflow order. Worked out by hand from
// portalEvents.
func TestBacklogByTheDesksStatusLabels(t *testing.T) {
	w := loadPortal(t)
	got := table(t, w.run(t, "backlog", "group_by=status_label&tenant=portal", reports.Scope{}), "status_label")
	want := map[string]float64{"Đang mở": 1, "Đang xử lý": 1, "KH Đã phản hồi": 1, "Đã trả lời": 2}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for l, n := range want {
		wantNum(t, "status_label "+l, got[l]["open"], n)
	}

	// Rolled up: each label under its status, in workflow order, then by
	// label ("K" sorts before "Đ").
	res := w.run(t, "backlog", "group_by=status,status_label&tenant=portal", reports.Scope{})
	wantRows := [][3]any{{"new", "Đang mở", 1.0}, {"open", "KH Đã phản hồi", 1.0}, {"open", "Đang xử lý", 1.0}, {"pending", "Đã trả lời", 2.0}}
	si, li, oi := res.ColumnIndex("status"), res.ColumnIndex("status_label"), res.ColumnIndex("open")
	if len(res.Rows) != len(wantRows) {
		t.Fatalf("rows %s, want %v", values(res.Rows), wantRows)
	}
	for i, row := range res.Rows {
		if row[si] != wantRows[i][0] || row[li] != wantRows[i][1] {
			t.Fatalf("row %d is %v/%v, want %v (rows: %s)", i, row[si], row[li], wantRows[i], values(res.Rows))
		}
		wantNum(t, fmt.Sprint(wantRows[i]), row[oi], wantRows[i][2].(float64))
	}

	// Every tenant: the canonical desk's "Open" is a row of its own
	// under open (labels of different desks do not merge).
	all := table(t, w.run(t, "backlog", "group_by=status,status_label", reports.Scope{}), "status", "status_label")
	wantNum(t, "acme's Open", all["open|Open"]["open"], 1)
	wantNum(t, "the portal's Đang xử lý", all["open|Đang xử lý"]["open"], 1)

	// Priority labels, lowest priority first: a defaulted priority has none.
	prio := w.run(t, "backlog", "group_by=priority,priority_label&tenant=portal", reports.Scope{})
	var order []string
	for _, row := range prio.Rows {
		order = append(order, fmt.Sprintf("%s|%s|%v", row[0], row[1], *row[2].(*float64)))
	}
	if want := "[low|thấp|1 normal||1 high|cao|1 urgent|Khẩn cấp|1 urgent|rất cao|1]"; fmt.Sprint(order) != want {
		t.Fatalf("by priority: %v, want %s", order, want)
	}

	// A label is a filter too, and the drill-down lists its tickets with
	// their labels.
	params := "tenant=portal&status_label=" + url.QueryEscape("Đã trả lời")
	wantNum(t, "filtered by Đã trả lời", w.run(t, "backlog", params, reports.Scope{}).Rows[0][0], 2)
	list := w.list(t, "backlog", params, "open", reports.Scope{})
	var ids []string
	sli, sti, pli := list.ColumnIndex("status_label"), list.ColumnIndex("status"), list.ColumnIndex("priority_label")
	for _, row := range list.Rows {
		if row[sli] != "Đã trả lời" || row[sti] != "pending" {
			t.Fatalf("a row of the list has status %v, label %v", row[sti], row[sli])
		}
		ids = append(ids, row[1].(string)+":"+row[pli].(string))
	}
	slices.Sort(ids)
	if fmt.Sprint(ids) != "[P3: P4:cao]" {
		t.Fatalf("listed %v", ids)
	}
}

// Priority labels of the Russian desk, on a report of several sources
// (first reply time reads tickets and SLA cycles): both sources carry
// the labels, and each label's count is that of its tickets.
func TestPriorityLabelsAcrossSources(t *testing.T) {
	w := loadWorld(t)
	const tenant = "rudesk"
	want := map[string]float64{}
	for _, s := range w.live() {
		if s.Tenant == tenant && in(s.CreatedAt.Truncate(time.Second), w.now.AddDate(0, 0, -60), w.now) {
			want[s.PriorityLabel]++
		}
	}
	if want["Средний"] == 0 || want["Обычный"] == 0 {
		t.Fatalf("the world has no tickets under both labels of normal: %v", want)
	}
	params := url.Values{"tenant": {tenant}, "group_by": {"priority_label"},
		"from": {w.now.AddDate(0, 0, -60).Format(time.RFC3339)}, "to": {w.now.Format(time.RFC3339)}}
	res := w.run(t, "first_reply_time", params.Encode(), reports.Scope{})
	got := table(t, res, "priority_label")
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for l, n := range want {
		wantNum(t, "priority_label "+l, got[l]["tickets"], n)
	}
	// The SLA source groups by the same labels: every row's count of
	// cycles is there, and they add up to the ungrouped figure.
	total := w.run(t, "first_reply_time", url.Values{"tenant": {tenant}, "from": params["from"], "to": params["to"]}.Encode(), reports.Scope{})
	var sum float64
	for _, row := range got {
		if v, ok := row["business_n"].(*float64); ok && v != nil {
			sum += *v
		}
	}
	wantNum(t, "business_n over the labels", &sum, *total.Rows[0][total.ColumnIndex("business_n")].(*float64))
}

// with is v's encoding with k set to val.
func with(v url.Values, k, val string) string {
	out := url.Values{}
	for kk, vs := range v {
		out[kk] = vs
	}
	out.Set(k, val)
	return out.Encode()
}
