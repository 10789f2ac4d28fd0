package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/csvexport"
)

// tagEvent is an event of type typ of tenant's ticket.
func tagEvent(id, typ, tenant, ticket, at, data string) string {
	return `{"schema":1,"event_id":"` + id + `","type":"` + typ + `","tenant":"` + tenant + `","ticket_id":"` + ticket +
		`","occurred_at":"2026-03-02T` + at + `:00Z","actor":{"type":"agent","id":"a1"},"data":` + data + `}`
}

// tagCreated is a ticket.created with tags (a JSON list's items).
func tagCreated(id, tenant, ticket, at, tags string) string {
	return tagEvent(id, "ticket.created", tenant, ticket, at,
		`{"channel":"email","customer":"c1","status":"open","priority":"normal","tags":[`+tags+`]}`)
}

// Desk "desk" writes "VIP" first, then "vip", "Сбой" then "СБОЙ", and
// "1С"; desk "other" wrote "Vip" before any of them. The units are stored
// one after the other, so the later spellings meet a writer that knows the
// first ones.
var tagUnits = [][]string{
	{
		tagCreated("d1", "desk", "T1", "08:00", `"VIP","Сбой","vip"`), // "vip" repeats VIP in one event
		tagCreated("o1", "other", "O1", "07:00", `"Vip"`),
	},
	{
		tagCreated("d2", "desk", "T2", "08:05", `"vip"`),
		tagCreated("d3", "desk", "T3", "08:10", `"1С"`),
		tagEvent("d3t", "ticket.tags_changed", "desk", "T3", "08:20", `{"added":["СБОЙ"]}`),
		tagCreated("d4", "desk", "T4", "08:30", `"сбой"`),
	},
}

// Tags group ignoring case and read as the desk first wrote them. Worked
// out by hand from tagUnits: desk's "vip" is T1 and T2, spelt "VIP";
// "сбой" is T1, T3 (added later) and T4, spelt "Сбой"; "1с" is T3, spelt "1С".
func TestTagsGroupByCaseAndShowTheDesksSpelling(t *testing.T) {
	w := loadLines(t, "tags_test", event.Decoder{}, tagUnits...)
	const day = "from=2026-03-02&to=2026-03-03"
	res := w.run(t, "tags", day+"&tenant=desk", reports.Scope{})
	got := table(t, res, "tag")
	want := map[string]float64{"vip": 2, "сбой": 3, "1с": 1} // tickets created, under their tags now
	if len(got) != len(want) {
		t.Fatalf("rows %s, want %v", values(res.Rows), want)
	}
	for tag, n := range want {
		wantNum(t, "created under "+tag, got[tag]["created"], n)
	}
	spelt := map[string]string{"vip": "VIP", "сбой": "Сбой", "1с": "1С"}
	for key, s := range spelt {
		if l := reports.TagLabel(res, key); l != s {
			t.Errorf("tag %q reads %q, want %q (labels %v)", key, l, s, res.TagLabels)
		}
	}
	// People's views: the table's cells and the CSV export.
	readable := reports.Readable(res)
	ti := readable.ColumnIndex("tag")
	var cells []string
	for _, row := range readable.Rows {
		cells = append(cells, row[ti].(string))
	}
	for _, s := range spelt {
		if !strings.Contains(strings.Join(cells, "|"), s) {
			t.Errorf("readable rows %v lack %q", cells, s)
		}
	}
	var csv bytes.Buffer
	if err := csvexport.Encode(&csv, res); err != nil {
		t.Fatal(err)
	}
	for _, s := range spelt {
		if !strings.Contains(csv.String(), `"`+s+`"`) {
			t.Errorf("CSV lacks %q:\n%s", s, csv.String())
		}
	}

	// The API's rows keep the keys; a filter in any case matches the key:
	// T1 and T2, and under сбой T1 too.
	for _, f := range []string{"VIP", "vip", "vIp"} {
		byTag := w.run(t, "tags", day+"&tenant=desk&tag="+f, reports.Scope{})
		fg := table(t, byTag, "tag")
		if len(fg) != 2 {
			t.Fatalf("tag=%s: rows %s, want vip and сбой", f, values(byTag.Rows))
		}
		wantNum(t, "tag="+f, fg["vip"]["created"], 2)
		wantNum(t, "tag="+f+", сбой", fg["сбой"]["created"], 1)
	}

	// Across both desks "vip" is one row of three tickets, spelt as the
	// earliest event wrote it: other's "Vip" at 07:00.
	all := w.run(t, "tags", day, reports.Scope{})
	wantNum(t, "vip of both desks", table(t, all, "tag")["vip"]["created"], 3)
	if l := reports.TagLabel(all, "vip"); l != "Vip" {
		t.Errorf("both desks: vip reads %q, want Vip", l)
	}
	// A principal scoped to desk reads desk's spelling.
	scoped := w.run(t, "tags", day, reports.Scope{Tenants: []string{"desk"}})
	if l := reports.TagLabel(scoped, "vip"); l != "VIP" {
		t.Errorf("scoped to desk: vip reads %q, want VIP", l)
	}
}
