package warehouse_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/slatehq/slate/warehouse"
)

// The writer stores a row per new spelling of a tag, not one per event:
// spellings it has stored for an event as early are not stored again;
// an earlier event's spelling is.
func TestTagSpellingsStoredOncePerSpelling(t *testing.T) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	ev := func(id, at, tags string) string {
		return fmt.Sprintf(`{"schema":1,"event_id":%q,"type":"ticket.created","tenant":"spell","ticket_id":%q,"occurred_at":%q,`+
			`"actor":{"type":"agent","id":"a1"},"data":{"channel":"email","customer":"c1","status":"new","priority":"high","tags":[%s]}}`, id, id, at, tags)
	}
	w := warehouse.NewWriter(conn, o.Database, 100)
	for i, unit := range [][]string{
		{ev("T1", "2026-03-02T09:00:00Z", `"VIP","Сбой"`), ev("T2", "2026-03-02T09:05:00Z", `"VIP","vip"`)}, // VIP, Сбой; T2's vip repeats VIP
		{ev("T3", "2026-03-02T10:00:00Z", `"vip"`)},                                                         // vip: new
		{ev("T4", "2026-03-02T11:00:00Z", `"Сбой","VIP"`)},                                                  // nothing new
		{ev("T5", "2026-03-02T08:00:00Z", `"Сбой"`)},                                                        // an earlier Сбой
	} {
		if err := w.Store(ctx, batch(records(t, unit, int64(i*10)))); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := conn.Query(ctx, "SELECT tag, spelling, toString(first_us) FROM "+o.Database+".tag_spellings WHERE tenant = 'spell' ORDER BY tag, spelling, first_us")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var tag, spelling, us string
		if err := rows.Scan(&tag, &spelling, &us); err != nil {
			t.Fatal(err)
		}
		got = append(got, tag+"|"+spelling+"|"+us)
	}
	// 2026-03-02T09:00:00Z is 1772442000 seconds after the epoch
	want := []string{"vip|VIP|1772442000000000", "vip|vip|1772445600000000",
		"сбой|Сбой|1772438400000000", "сбой|Сбой|1772442000000000"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}
