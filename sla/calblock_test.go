package sla

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The block tables must answer exactly what walking the segments answers:
// the same durations, the same deadlines to the nanosecond, both in UTC
// whatever the location of from, and the same "not found" past the
// horizon.
func TestTablesAgreeWithWalk(t *testing.T) {
	zones := []struct {
		name string
		at   time.Time
	}{
		{"Europe/Berlin", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)},
		{"America/New_York", time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)},
		{"Australia/Lord_Howe", time.Date(2026, 4, 4, 15, 0, 0, 0, time.UTC)},
		{"America/Sao_Paulo", time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC)},
		{"Asia/Ho_Chi_Minh", time.Date(2026, 2, 17, 0, 0, 0, 0, time.UTC)},
		{"Asia/Tehran", time.Date(2022, 3, 21, 20, 0, 0, 0, time.UTC)},
		{"UTC", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	r := rand.New(rand.NewPCG(3, 11))
	trials := 300
	if testing.Short() {
		trials = 40
	}
	for _, z := range zones {
		loc := mustLoc(t, z.name)
		t.Run(fmt.Sprintf("%s %s", z.name, z.at.Format("2006-01-02")), func(t *testing.T) {
			for i := 0; i < trials; i++ {
				c := randomCalendar(t, r, loc, z.at)
				// nanosecond instants, a few around each block boundary too
				from := z.at.Add(time.Duration(r.Int64N(int64(40*24*time.Hour))) - 20*24*time.Hour)
				if i%10 == 0 {
					from = time.Unix(0, (from.UnixNano()>>blockShift)<<blockShift+r.Int64N(int64(48*time.Hour))-int64(24*time.Hour)).UTC()
				}
				to := from.Add(time.Duration(r.Int64N(int64(300 * 24 * time.Hour))))
				if i%3 == 0 {
					to = from.Add(time.Duration(r.Int64N(int64(3 * 24 * time.Hour))))
				}
				if got, want := c.Between(from, to), c.walkBetween(from, to); got != want {
					t.Fatalf("Between(%s, %s) = %s, walk %s", from, to, got, want)
				}
				for _, d := range []time.Duration{time.Nanosecond, time.Duration(r.Int64N(int64(8 * time.Hour))), time.Duration(r.Int64N(int64(2000 * time.Hour)))} {
					if d <= 0 {
						continue
					}
					f := from
					switch i % 4 {
					case 1:
						f = f.In(loc) // any location in; UTC out
					case 2:
						f = time.Now() // with a monotonic reading
					}
					got, gok := c.Add(f, d)
					want, wok := c.walkAdd(f, d)
					if got != want || gok != wok || gok && got.Location() != time.UTC {
						t.Fatalf("Add(%s, %s) = %s %v (%v), walk %s %v (%v)", f, d, got, gok, got.Location(), want, wok, want.Location())
					}
				}
			}
		})
	}
	// a calendar without working time: not found, in both
	c, err := NewCalendar("closed", mustLoc(t, "Europe/Berlin"), [7][]Interval{{{0, 3600}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{time.Hour, 260 * time.Hour, 261 * time.Hour, 400 * time.Hour} {
		got, gok := c.Add(from, d)
		want, wok := c.walkAdd(from, d)
		if got != want || gok != wok {
			t.Fatalf("sparse Add(%s) = %s %v, walk %s %v", d, got, gok, want, wok)
		}
	}
}
