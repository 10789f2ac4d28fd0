package event

import "time"

// parseRFC3339 reads the common shape of an RFC 3339 timestamp,
// "2006-01-02T15:04:05[.fraction](Z|±07:00)" with a fraction of 1-9
// digits, and gives its instant in UTC. It reports false for anything
// else, or for a field out of its range, and the caller falls back to
// time.Parse, which decides (and words the error).
//
// Why: time.Parse was 1.5-2.3% of ingest's CPU in profiles, for the one or
// three timestamps of every event. Whatever this accepts it must read as
// time.Parse(time.RFC3339Nano, s).UTC() does:
// FuzzParseRFC3339MatchesTimeParse compares the two on any input.
func parseRFC3339(s string) (time.Time, bool) {
	// 2006-01-02T15:04:05Z is the shortest
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(s, 0, 4)
	month, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	hour, ok4 := digits(s, 11, 2)
	minute, ok5 := digits(s, 14, 2)
	sec, ok6 := digits(s, 17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		i++
		start := i
		for i < len(s) && i-start < 9 && '0' <= s[i] && s[i] <= '9' {
			nsec = nsec*10 + int(s[i]-'0')
			i++
		}
		n := i - start
		if n == 0 || (i < len(s) && '0' <= s[i] && s[i] <= '9') { // none, or more than 9
			return time.Time{}, false
		}
		for ; n < 9; n++ {
			nsec *= 10
		}
	}
	offset := 0
	switch rest := s[i:]; {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := digits(rest, 1, 2)
		om, okm := digits(rest, 4, 2)
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	unix := daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+minute*60+sec-offset)
	return time.Unix(unix, int64(nsec)).UTC(), true
}

// daysSinceEpoch counts the days from 1970-01-01 to a date of the
// proleptic Gregorian calendar (month 1-12), by whole 400-year eras of
// 146,097 days with years taken to start on 1 March, so that the leap day
// ends a year. (time.Date, which normalizes any field and looks up a
// zone, was a third of the parse.)
func daysSinceEpoch(year, month, day int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yearOfEra := y - era*400
	m := int64(month) + 9 // March is 0
	if month > 2 {
		m = int64(month) - 3
	}
	dayOfYear := (153*m+2)/5 + int64(day) - 1
	dayOfEra := yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + dayOfYear
	return era*146097 + dayOfEra - 719468
}

// digits reads s[at:at+n] as a decimal number of exactly n digits.
func digits(s string, at, n int) (int, bool) {
	v := 0
	for _, c := range []byte(s[at : at+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// daysIn is the number of days of a month (1-12) of the proleptic
// Gregorian calendar, which time.Parse checks a day against.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
