package event

import (
	"testing"
	"time"
)

// rfc3339Cases are timestamps on and around the edges of the fast path;
// fast marks those it reads itself (worked out by hand from RFC 3339 and
// the calendar).
var rfc3339Cases = []struct {
	s    string
	fast bool
}{
	{"2026-03-02T09:00:00Z", true},
	{"2026-03-02T09:00:00.1Z", true},
	{"2026-03-02T09:00:00.123456789Z", true},
	{"2026-03-02T09:00:00.1234567891Z", false}, // ten digits
	{"2026-03-02T09:00:00.Z", false},
	{"2026-03-02T09:00:00,5Z", false},
	{"2026-03-02T09:00:00+07:00", true},
	{"2026-03-02T09:00:00.5-03:30", true},
	{"2026-03-02T00:30:00+23:59", true},
	{"2026-03-02T09:00:00+24:00", false},
	{"2026-03-02T09:00:00+07:60", false},
	{"2026-03-02T09:00:00-00:00", true},
	{"2026-03-02T09:00:00+0700", false},
	{"2026-03-02T09:00:00", false},
	{"2026-03-02t09:00:00z", false},
	{"2026-03-02 09:00:00Z", false},
	{"2024-02-29T12:00:00Z", true},
	{"2026-02-29T12:00:00Z", false},
	{"2000-02-29T12:00:00Z", true},
	{"2100-02-29T12:00:00Z", false},
	{"2026-04-31T12:00:00Z", false},
	{"2026-12-31T23:59:59.999999999Z", true},
	{"2026-13-01T00:00:00Z", false},
	{"2026-00-10T00:00:00Z", false},
	{"2026-01-00T00:00:00Z", false},
	{"2026-01-01T24:00:00Z", false},
	{"2026-01-01T23:60:00Z", false},
	{"2026-01-01T23:59:60Z", false},
	{"0000-01-01T00:00:00Z", true},
	{"+026-01-01T00:00:00Z", false},
	{"2026-1-01T00:00:00Z", false},
	{"2026-01-01T00:00:00ZZ", false},
	{"2026-01-01T00:00:00.5+07:00x", false},
	{"", false},
}

// The fast path reads every case as time.Parse does, or leaves it to it.
func TestParseRFC3339MatchesTimeParse(t *testing.T) {
	for _, c := range rfc3339Cases {
		if fast := checkRFC3339(t, c.s); fast != c.fast {
			t.Errorf("%q: read by the fast path %v, want %v", c.s, fast, c.fast)
		}
	}
}

func FuzzParseRFC3339MatchesTimeParse(f *testing.F) {
	for _, c := range rfc3339Cases {
		f.Add(c.s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkRFC3339(t, s) })
}

// checkRFC3339 fails if parseRFC3339 accepts s and reads it otherwise than
// time.Parse, or accepts what time.Parse refuses. It says whether the fast
// path took s.
func checkRFC3339(t *testing.T, s string) bool {
	t.Helper()
	got, ok := parseRFC3339(s)
	want, err := time.Parse(time.RFC3339Nano, s)
	if !ok {
		return false
	}
	if err != nil {
		t.Errorf("%q: the fast path read %v, time.Parse refuses it: %v", s, got, err)
		return true
	}
	if got != want.UTC() {
		t.Errorf("%q: the fast path read %v, time.Parse %v", s, got, want.UTC())
	}
	return true
}

// Every day of every four-digit year, at times and offsets taken in turn,
// reads as time.Parse reads it (the date arithmetic is the fast path's own).
func TestParseRFC3339EveryDay(t *testing.T) {
	times := []string{"00:00:00Z", "23:59:59.999999999Z", "12:34:56.7+14:00", "00:00:01-23:59", "09:30:00.000001+05:30"}
	i := 0
	for d := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 10000; d = d.AddDate(0, 0, 1) {
		s := d.Format("2006-01-02T") + times[i%len(times)]
		i++
		if !checkRFC3339(t, s) {
			t.Fatalf("%q: not read by the fast path", s)
		}
		if t.Failed() {
			return
		}
	}
	if i != 3652425 { // 10,000 years of 365.2425 days
		t.Fatalf("%d days", i)
	}
}
