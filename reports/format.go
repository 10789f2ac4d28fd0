package reports

import (
	"fmt"
	"strconv"
	"time"
)

// FormatNumber writes a figure for people: counts whole, durations in
// minutes, hours or days, percentages with one decimal. Dashboards and
// e-mails show figures this one way.
func FormatNumber(v float64, k Kind) string {
	switch k {
	case KindCount:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case KindSeconds:
		return FormatDuration(v)
	case KindPercent:
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// FormatDuration writes seconds as minutes, hours (from one) or days
// (from two).
func FormatDuration(secs float64) string {
	d := time.Duration(secs) * time.Second
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	case d >= time.Hour:
		return fmt.Sprintf("%.1fh", d.Hours())
	}
	return fmt.Sprintf("%.0fm", d.Minutes())
}

// FormatChange is a headline's change from the previous period in
// percent, or a dash.
func FormatChange(h Headline) string {
	c := h.Change()
	if c == nil {
		return "–"
	}
	return fmt.Sprintf("%+.1f%%", *c)
}

// FormatValue is FormatNumber of a possibly missing figure (a dash).
func FormatValue(v *float64, k Kind) string {
	if v == nil {
		return "–"
	}
	return FormatNumber(*v, k)
}
