package reports

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/fault"
)

func TestParseQueryRejectsBadInputNamingTheParameter(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	lim := DefaultLimits()
	for _, c := range []struct{ report, params, param, msg string }{
		{"volume", "from=2026-13-01", "from", "not a date"},
		{"volume", "to=yesterday", "to", "not a date"},
		{"volume", "from=2026-03-05&to=2026-03-01", "to", "must be after from"},
		{"volume", "from=2020-01-01&to=2026-01-01", "to", "over the maximum"},
		{"volume", "tz=Mars/Olympus", "tz", "unknown time zone"},
		{"volume", "tz=Local", "tz", "not a time zone the warehouse accepts"},
		{"volume", "tz=right/UTC&grain=day", "tz", "right/ and posix/"},
		{"volume", "tz=posix/Europe/Berlin&grain=day", "tz", "right/ and posix/"},
		{"volume", "tz=posixrules", "tz", "not a time zone the warehouse accepts"},
		{"volume", "grain=fortnight", "grain", "must be one of"},
		{"volume", "group_by=colour", "group_by", "cannot be grouped by"},
		{"volume", "group_by=priority,severity,tag", "group_by", "at most two"},
		{"volume", "colour=red", "colour", "unknown parameter"},
		{"volume", "group_by=supporting_agents", "group_by", "agent with agent_role=supporting"},
		{"backlog", "supporting_agent=lan", "supporting_agent", "agent with agent_role=supporting"},
		{"agent_performance", "group_by=agent_role", "group_by", "cannot be grouped by"},
		{"sla_compliance", "supporting_agents=lan", "supporting_agents", "agent_role in the reports of ticket rows"},
		{"due_soon", "horizon=721h", "horizon", "must be a duration"},
		{"volume", "age=0-1d", "age", "unknown parameter"},
		{"volume", "priority=pressing", "priority", "unknown value"},
		{"backlog", "grain=day", "grain", "no time axis"},
		{"pre_breach", "group_by=priority", "group_by", "is a list"},
		{"pre_breach", "horizon=forever", "horizon", "must be a duration"},
		{"volume", "limit=0", "limit", "whole number"},
		{"pre_breach", "truncate=yes", "truncate", "true or false"},
		{"volume", "page=0", "page", "whole number"},
		{"volume", "page=next", "page", "whole number"},
		{"volume", "limit=5001", "limit", "whole number"},
		{"volume", "compare=yes", "compare", "previous or none"},
		{"volume", "period=2026-03-02", "period", "needs a grain"},
		{"volume", "grain=week&period=2026-03-03", "period", "not the start of a week"},
		{"volume", "grain=day&from=2026-03-01&to=2026-03-05&period=2026-03-09", "period", "outside"},
	} {
		r, _ := Lookup(c.report)
		v, err := url.ParseQuery(c.params)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseQuery(r, v, now, lim)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != c.param || !strings.Contains(pe.Msg, c.msg) || fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s?%s: got %v, want an invalid %s error containing %q", c.report, c.params, err, c.param, c.msg)
		}
	}
}

func TestParseQueryDefaultsAndDates(t *testing.T) {
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC) // 03:00 on the 11th in Ho Chi Minh City
	r, _ := Lookup("volume")
	q, err := ParseQuery(r, url.Values{"tz": {"Asia/Ho_Chi_Minh"}, "tag": {"a,b", "c"}}, now, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	if !q.To.Equal(time.Date(2026, 3, 12, 0, 0, 0, 0, hcm)) || !q.From.Equal(time.Date(2026, 2, 10, 0, 0, 0, 0, hcm)) {
		t.Errorf("default range %s..%s, want the 30 local days up to the end of today", q.From, q.To)
	}
	if got := q.Filters[DimTag]; len(got) != 2 || got[0] != "a,b" {
		t.Errorf("tag values are not split on commas: %q", got)
	}
	q, err = ParseQuery(r, url.Values{"tz": {"Europe/Berlin"}, "from": {"2026-03-29"}, "to": {"2026-03-30T12:00:00Z"}}, now, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if q.From.UTC().Format(time.RFC3339) != "2026-03-28T23:00:00Z" || q.To.UTC().Format(time.RFC3339) != "2026-03-30T12:00:00Z" {
		t.Errorf("dates: %s..%s", q.From.UTC(), q.To.UTC())
	}
}

func TestPreviousPeriod(t *testing.T) {
	utc := time.UTC
	q := Query{Zone: utc, From: time.Date(2026, 3, 1, 0, 0, 0, 0, utc), To: time.Date(2026, 4, 1, 0, 0, 0, 0, utc)}
	if p := q.Previous(); !p.From.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, utc)) || !p.To.Equal(q.From) {
		t.Errorf("March compares with %s..%s", p.From, p.To)
	}
	q = Query{Zone: utc, From: time.Date(2026, 3, 4, 0, 0, 0, 0, utc), To: time.Date(2026, 3, 11, 0, 0, 0, 0, utc)}
	if p := q.Previous(); !p.From.Equal(time.Date(2026, 2, 25, 0, 0, 0, 0, utc)) {
		t.Errorf("a week compares with %s..%s", p.From, p.To)
	}
}

// Bucket boundaries worked out by hand, in zones with DST, without DST and
// with a half-hour offset.
func TestBuckets(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	ny, _ := time.LoadLocation("America/New_York")
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	for _, c := range []struct {
		t     string
		g     Grain
		zone  *time.Location
		start string
	}{
		{"2026-03-29T01:30:00Z", GrainHour, berlin, "2026-03-29T03:00:00+02:00"}, // 03:30 CEST, after the gap
		{"2026-03-29T12:00:00Z", GrainDay, berlin, "2026-03-29T00:00:00+01:00"},  // a 23-hour day
		{"2026-01-04T23:30:00Z", GrainWeek, berlin, "2026-01-05T00:00:00+01:00"}, // already Monday 00:30 in Berlin
		{"2026-03-10T10:50:00Z", GrainHour, kolkata, "2026-03-10T16:00:00+05:30"},
		{"2026-05-15T03:00:00Z", GrainQuarter, ny, "2026-04-01T00:00:00-04:00"},
		{"2026-11-01T05:30:00Z", GrainHour, ny, "2026-11-01T01:00:00-04:00"}, // 01:30 EDT, first time
		{"2026-11-01T06:30:00Z", GrainHour, ny, "2026-11-01T01:00:00-05:00"}, // 01:30 EST, the repeated hour
		{"2026-11-01T05:30:00Z", GrainMonth, ny, "2026-11-01T00:00:00-04:00"},
	} {
		got := bucketStart(at(c.t), c.g, c.zone)
		if got.Format(time.RFC3339) != c.start {
			t.Errorf("%s %s in %s: %s, want %s", c.t, c.g, c.zone, got.Format(time.RFC3339), c.start)
		}
	}
	bs := buckets(at("2026-03-28T23:00:00Z"), at("2026-03-30T22:00:00Z"), GrainHour, berlin)
	if len(bs) != 47 {
		t.Errorf("%d hours on 29-30 March in Berlin, want 23+24", len(bs))
	}
}

func TestInlineQuotesEveryArgument(t *testing.T) {
	st := statement{SQL: "SELECT 1 WHERE a = ? AND has(?, b) AND c >= toDateTime(?) AND d IN ?",
		Args: []any{`it's \ odd`, []string{"x", "y'z"}, int64(42), Set{"p", "q'"}}}
	want := `SELECT 1 WHERE a = 'it\'s \\ odd' AND has(['x', 'y\'z'], b) AND c >= toDateTime(42) AND d IN ('p', 'q\'')`
	if got := st.Inline(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestLimitsValidateSnapshotSettings(t *testing.T) {
	for _, c := range []struct {
		interval, maxAge time.Duration
		bad              string // the field the error names; "" = valid
	}{
		{time.Minute, 10 * time.Minute, ""},
		{0, 0, ""}, // snapshots off: the maximum age does not matter
		{-time.Second, 10 * time.Minute, "reports.snapshot_interval"},
		{time.Second, 10 * time.Minute, "reports.snapshot_interval"},
		{time.Minute, time.Minute, "reports.snapshot_max_age"},
	} {
		l := DefaultLimits()
		l.SnapshotInterval, l.SnapshotMaxAge = c.interval, c.maxAge
		err := l.Validate()
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("interval %s, max age %s: %v", c.interval, c.maxAge, err)
		case c.bad != "" && (err == nil || !strings.HasPrefix(err.Error(), c.bad+":")):
			t.Errorf("interval %s, max age %s: error %v, want one naming %s", c.interval, c.maxAge, err, c.bad)
		}
	}
}
