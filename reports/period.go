package reports

import (
	"fmt"
	"time"
)

// Time buckets are computed twice: by ClickHouse when grouping (bucketSQL)
// and by Go when listing every bucket of the range so empty ones show as
// zeros (buckets). Both start periods at local midnight in the viewer's
// zone; tests check that they agree, across DST changes too.

// bucketSQL is the expression grouping column ts into g-buckets in the zone
// bound as the next argument. Days and longer come back as the local date
// (YYYY-MM-DD); hours as the Unix time of the local hour's start, since a
// local clock hour repeats when DST ends.
func bucketSQL(g Grain, ts string) string {
	switch g {
	case GrainHour:
		return "toString(toUnixTimestamp(toStartOfHour(" + ts + ", ?)))"
	case GrainDay:
		return "toString(toDate(" + ts + ", ?))"
	case GrainWeek:
		return "toString(toMonday(" + ts + ", ?))"
	case GrainMonth:
		return "toString(toStartOfMonth(" + ts + ", ?))"
	case GrainQuarter:
		return "toString(toStartOfQuarter(" + ts + ", ?))"
	}
	panic("bucketSQL: no grain")
}

// parseBucket turns bucketSQL's output back into the bucket's start.
func parseBucket(g Grain, s string, zone *time.Location) (time.Time, error) {
	if g == GrainHour {
		var unix int64
		if _, err := fmt.Sscan(s, &unix); err != nil {
			return time.Time{}, fmt.Errorf("hour bucket %q: %w", s, err)
		}
		return time.Unix(unix, 0).In(zone), nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s bucket %q: %w", g, s, err)
	}
	return d, nil
}

// bucketStart is the start of the g-bucket holding t, in zone.
func bucketStart(t time.Time, g Grain, zone *time.Location) time.Time {
	l := t.In(zone)
	switch g {
	case GrainHour:
		// Subtract the local minutes and seconds: exact across DST and for
		// zones whose offset is not whole hours.
		return l.Add(-time.Duration(l.Minute())*time.Minute - time.Duration(l.Second())*time.Second - time.Duration(l.Nanosecond()))
	case GrainDay:
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
	case GrainWeek:
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		return time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, zone)
	case GrainMonth:
		return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, zone)
	case GrainQuarter:
		m := l.Month() - (l.Month()-1)%3
		return time.Date(l.Year(), m, 1, 0, 0, 0, 0, zone)
	}
	return t
}

// nextBucket is the start of the bucket after the one starting at start.
func nextBucket(start time.Time, g Grain, zone *time.Location) time.Time {
	l := start.In(zone)
	switch g {
	case GrainHour:
		return bucketStart(start.Add(time.Hour), g, zone)
	case GrainDay:
		return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, zone)
	case GrainWeek:
		return time.Date(l.Year(), l.Month(), l.Day()+7, 0, 0, 0, 0, zone)
	case GrainMonth:
		return time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, zone)
	case GrainQuarter:
		return time.Date(l.Year(), l.Month()+3, 1, 0, 0, 0, 0, zone)
	}
	return start
}

// buckets lists the start of every bucket overlapping [from, to).
func buckets(from, to time.Time, g Grain, zone *time.Location) []time.Time {
	var out []time.Time
	for b := bucketStart(from, g, zone); b.Before(to); b = nextBucket(b, g, zone) {
		out = append(out, b)
	}
	return out
}
