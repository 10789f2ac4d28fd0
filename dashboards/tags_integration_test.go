package dashboards

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

// The tags chart names each tag as the desk first wrote it ("VIP", then
// "vip" on a later ticket: one category, "VIP"; "Сбой"), and drills down
// by it; the filter tag=VIP narrows the page in any case.
func TestTagsChartShowsTheDesksSpelling(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ch, err := chserver.Start(ctx, chserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	o := warehouse.Options{Addrs: []string{ch.Addr()}, Database: "dash_tags"}
	conn, err := warehouse.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := warehouse.Migrate(ctx, conn, o); err != nil {
		t.Fatal(err)
	}
	var dec event.Decoder
	var recs []event.Record
	for i, c := range []struct{ at, tags string }{
		{"2026-01-06T08:00:00+07:00", `"VIP","Сбой"`},
		{"2026-01-06T09:00:00+07:00", `"vip"`},
		{"2026-01-07T09:00:00+07:00", `"СБОЙ","Vip"`},
	} {
		line := `{"schema":1,"event_id":"e` + string(rune('1'+i)) + `","type":"ticket.created","tenant":"desk","ticket_id":"T` +
			string(rune('1'+i)) + `","occurred_at":"` + c.at + `","actor":{"type":"customer","id":"c1"},` +
			`"data":{"channel":"email","customer":"c1","status":"open","priority":"normal","tags":[` + c.tags + `]}}`
		e, err := dec.Decode([]byte(line))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		recs = append(recs, event.Record{Event: e})
	}
	// one unit per ticket: the later spellings meet a writer that knows VIP
	writer := warehouse.NewWriter(conn, o.Database, 100)
	for _, r := range recs {
		if err := writer.Store(ctx, &event.Batch{Records: []event.Record{r}}); err != nil {
			t.Fatal(err)
		}
	}
	svc := reports.NewService(chstore.New(conn), o.Database, reports.DefaultLimits())
	w := &i18nWorld{svc: svc, srv: New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	w.srv.now = func() time.Time { return i18nNow }
	admin := w.handler(auth.Principal{Name: "Lan", Role: auth.RoleAdmin})

	code, page := get(t, admin, "/dashboards/manager?tenant=desk&"+i18nRange, "en")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	names, _ := chartCategories(t, page, "tags")
	slices.Sort(names)
	// created: VIP on all three tickets, Сбой on T1 and T3
	if want := []string{"VIP", "Сбой"}; !slices.Equal(names, want) {
		t.Errorf("tags chart categories %q, want %q", names, want)
	}
	code, filtered := get(t, admin, "/dashboards/tickets?report=volume&measure=created&tenant=desk&tag=VIP&"+i18nRange, "en")
	if code != http.StatusOK {
		t.Fatalf("list tag=VIP: status %d", code)
	}
	filtered = html.UnescapeString(filtered)
	for _, id := range []string{"T1", "T2", "T3"} {
		if !strings.Contains(filtered, "<td>"+id+"</td>") {
			t.Errorf("the list of tag=VIP lacks %s", id)
		}
	}
}
