package sla

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// oracleWorking is the definition of business time, checked the slow way.
func oracleWorking(c *Calendar, t time.Time) bool {
	if c.always {
		return true
	}
	lt := t.In(c.loc)
	y, m, d := lt.Date()
	if c.holidays[civilDate{y, m, d}] {
		return false
	}
	sec := lt.Hour()*3600 + lt.Minute()*60 + lt.Second()
	for _, iv := range c.week[lt.Weekday()] {
		if sec >= iv.Start && sec < iv.End {
			return true
		}
	}
	return false
}

func randomCalendar(t testing.TB, r *rand.Rand, loc *time.Location, around time.Time) *Calendar {
	var week [7][]Interval
	for wd := range week {
		if r.IntN(5) == 0 {
			continue // a day off
		}
		n := 1 + r.IntN(3)
		cuts := make([]int, 0, 2*n)
		for len(cuts) < 2*n {
			m := r.IntN(24*60+1) * 60
			dup := false
			for _, c := range cuts {
				dup = dup || c == m
			}
			if !dup {
				cuts = append(cuts, m)
			}
		}
		sortInts(cuts)
		for i := 0; i < len(cuts); i += 2 {
			week[wd] = append(week[wd], Interval{cuts[i], cuts[i+1]})
		}
	}
	var hol []Date
	for i := 0; i < r.IntN(4); i++ {
		d := around.AddDate(0, 0, r.IntN(20)-10).In(loc)
		hol = append(hol, Date{d.Year(), d.Month(), d.Day()})
	}
	c, err := NewCalendar("random", loc, week, hol)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// Around DST changes (and in a zone without DST, one with a 30-minute shift
// and one that skipped midnight), Between and Add must agree with stepping
// minute by minute through the definition.
func TestCalendarAgainstMinuteOracle(t *testing.T) {
	cases := []struct {
		zone string
		at   time.Time // a transition (or any date) to centre the ranges on
	}{
		{"Europe/Berlin", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)},
		{"America/New_York", time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)},
		{"America/New_York", time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)},
		{"Asia/Ho_Chi_Minh", time.Date(2026, 2, 17, 0, 0, 0, 0, time.UTC)},
		{"Australia/Lord_Howe", time.Date(2026, 4, 4, 15, 0, 0, 0, time.UTC)},
		{"America/Sao_Paulo", time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC)},
		{"UTC", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	r := rand.New(rand.NewPCG(42, 7))
	trials := 150
	if testing.Short() {
		trials = 20
	}
	for _, tc := range cases {
		loc := mustLoc(t, tc.zone)
		t.Run(fmt.Sprintf("%s %s", tc.zone, tc.at.Format("2006-01-02")), func(t *testing.T) {
			for i := 0; i < trials; i++ {
				c := randomCalendar(t, r, loc, tc.at)
				from := tc.at.Add(time.Duration(r.IntN(6*24*60)-3*24*60) * time.Minute)
				to := from.Add(time.Duration(r.IntN(7*24*60)) * time.Minute)
				var want time.Duration
				for m := from; m.Before(to); m = m.Add(time.Minute) {
					if oracleWorking(c, m) {
						want += time.Minute
					}
				}
				if got := c.Between(from, to); got != want {
					t.Fatalf("trial %d: Between(%s, %s) = %s, oracle %s\ncalendar %v holidays %v", i, from, to, got, want, c.week, c.holidays)
				}
				target := time.Duration(1+r.IntN(3000)) * time.Minute
				var acc time.Duration
				var wantDeadline time.Time
				for m := from; m.Before(from.Add(60 * 24 * time.Hour)); m = m.Add(time.Minute) {
					if oracleWorking(c, m) {
						acc += time.Minute
						if acc == target {
							wantDeadline = m.Add(time.Minute)
							break
						}
					}
				}
				got, ok := c.Add(from, target)
				if wantDeadline.IsZero() {
					if ok && got.Before(from.Add(60*24*time.Hour)) {
						t.Fatalf("trial %d: Add found %s where the oracle found nothing within 60 days", i, got)
					}
					continue
				}
				if !ok || !got.Equal(wantDeadline) {
					t.Fatalf("trial %d: Add(%s, %s) = %s %v, oracle %s", i, from, target, got, ok, wantDeadline)
				}
				if b := c.Between(from, got); b != target {
					t.Fatalf("trial %d: Between(from, Add(from, d)) = %s, want %s", i, b, target)
				}
			}
		})
	}
}

func berlinOffice(t *testing.T, holidays ...Date) *Calendar {
	t.Helper()
	var week [7][]Interval
	for wd := time.Monday; wd <= time.Friday; wd++ {
		// 09:00-12:00 and 13:00-17:00: a lunch break
		week[wd] = []Interval{{9 * 3600, 12 * 3600}, {13 * 3600, 17 * 3600}}
	}
	c, err := NewCalendar("berlin", mustLoc(t, "Europe/Berlin"), week, holidays)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Hand-worked deadlines, each with its reasoning.
func TestCalendarHandWorked(t *testing.T) {
	c := berlinOffice(t, Date{2026, 12, 25}, Date{2026, 12, 28})
	berlin := c.Location()
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	cases := []struct {
		name     string
		from     time.Time
		target   time.Duration
		deadline time.Time
	}{
		// Tue 10:00 + 4h: 2h until lunch, 2h after it -> 15:00.
		{"across lunch", at(2026, 3, 3, 10, 0), 4 * time.Hour, at(2026, 3, 3, 15, 0)},
		// Fri 16:00 + 2h: 1h on Friday, the weekend is skipped, 1h Monday -> Mon 10:00.
		{"over a weekend", at(2026, 3, 6, 16, 0), 2 * time.Hour, at(2026, 3, 9, 10, 0)},
		// Created Tue 02:00 at night: the clock starts at 09:00; 1h -> 10:00.
		{"created at night", at(2026, 3, 3, 2, 0), time.Hour, at(2026, 3, 3, 10, 0)},
		// Thu 24 Dec 16:00 + 3h: 1h on Thursday, Fri 25 is a holiday, the
		// weekend, Mon 28 a holiday -> Tue 29 at 11:00.
		{"over holidays", at(2026, 12, 24, 16, 0), 3 * time.Hour, at(2026, 12, 29, 11, 0)},
		// Fri 27 Mar 16:00 + 8h: 1h Friday; Monday 30 Mar (after the
		// spring-forward weekend) is an ordinary 7h day -> Tue 31 at 09:00?
		// No: 1h + 7h = 8h is reached at Mon 17:00.
		{"across the spring DST change", at(2026, 3, 27, 16, 0), 8 * time.Hour, at(2026, 3, 30, 17, 0)},
		// 2 working days (14h) from Mon 12:00: Mon 13-17 (4h), Tue 7h, Wed 09-12 (3h) -> Wed 12:00.
		{"several days", at(2026, 3, 2, 12, 0), 14 * time.Hour, at(2026, 3, 4, 12, 0)},
	}
	for _, tc := range cases {
		got, ok := c.Add(tc.from, tc.target)
		if !ok || !got.Equal(tc.deadline) {
			t.Errorf("%s: Add = %s %v, want %s", tc.name, got.In(berlin), ok, tc.deadline)
		}
	}
}

func TestCalendarWithoutWorkingTime(t *testing.T) {
	c, err := NewCalendar("closed", time.UTC, [7][]Interval{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Add(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Minute); ok {
		t.Fatal("a calendar with no working time has no deadline")
	}
	if d := c.Between(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); d != 0 {
		t.Fatalf("Between = %s", d)
	}
}

func TestCalendarValidation(t *testing.T) {
	for name, week := range map[string][7][]Interval{
		"inverted":   {time.Monday: {{10 * 3600, 9 * 3600}}},
		"empty":      {time.Monday: {{9 * 3600, 9 * 3600}}},
		"overlap":    {time.Monday: {{9 * 3600, 12 * 3600}, {11 * 3600, 13 * 3600}}},
		"past a day": {time.Monday: {{9 * 3600, 25 * 3600}}},
	} {
		if _, err := NewCalendar("x", time.UTC, week, nil); err == nil {
			t.Errorf("%s intervals accepted", name)
		}
	}
	if _, err := NewCalendar("x", time.UTC, [7][]Interval{}, []Date{{2026, 2, 30}}); err == nil {
		t.Error("30 February accepted as a holiday")
	}
}

func BenchmarkCalendarAdd(b *testing.B) {
	var week [7][]Interval
	for wd := time.Monday; wd <= time.Friday; wd++ {
		week[wd] = []Interval{{9 * 3600, 12 * 3600}, {13 * 3600, 17 * 3600}}
	}
	c, _ := NewCalendar("b", mustLoc(b, "Europe/Berlin"), week, nil)
	from := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Add(from.Add(time.Duration(i%1000)*time.Minute), 16*time.Hour)
	}
}
