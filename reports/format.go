package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Numbers writes figures for people: pages and e-mails show every figure
// through one Numbers, and workbooks (ExcelMoneyFormat) and CSV
// (PlainMoney) take the same decimals, so they agree. Its separators are
// the one thing a locale changes (DefaultNumbers is the only one for now).
type Numbers struct {
	Group   string // between groups of three digits
	Decimal string // before the fraction
}

// DefaultNumbers writes 1,234,567.89.
var DefaultNumbers = Numbers{Group: ",", Decimal: "."}

// NoData is what a figure of a period without data shows: never 0.
const NoData = "no data"

// currencyDecimals are the ISO 4217 minor units of currencies with other
// than two; every other code has two.
var currencyDecimals = map[string]int{
	"BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KMF": 0, "KRW": 0,
	"KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0,
	"XOF": 0, "XPF": 0,
}

// CurrencyDecimals is how many decimals amounts in a currency have (its
// ISO 4217 minor unit): VND 0, USD, EUR and RUB 2.
func CurrencyDecimals(currency string) int {
	if d, ok := currencyDecimals[strings.ToUpper(currency)]; ok {
		return d
	}
	return 2
}

// Fixed writes v rounded to decimals places, with digit grouping.
func (n Numbers) Fixed(v float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteString("-")
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(n.Group)
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString(n.Decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// Money writes an amount in a currency with grouping and the currency's
// decimals (the code is not added: tables have a currency column).
func (n Numbers) Money(v float64, currency string) string {
	return n.Fixed(v, CurrencyDecimals(currency))
}

// Number writes a figure of a kind: counts whole, durations as "1d 4h",
// hours with one decimal, percentages with one decimal and "%", money
// with two decimals (Money, when the currency is known, with its own).
func (n Numbers) Number(v float64, k Kind) string {
	switch k {
	case KindCount:
		return n.Fixed(v, 0)
	case KindSeconds:
		return FormatDuration(v)
	case KindHours:
		return n.Fixed(v, 1)
	case KindPercent:
		return n.Fixed(v, 1) + "%"
	}
	return n.Fixed(v, 2)
}

// FormatNumber is DefaultNumbers.Number: dashboards and e-mails show figures
// this one way.
func FormatNumber(v float64, k Kind) string { return DefaultNumbers.Number(v, k) }

// FormatMoney is DefaultNumbers.Money.
func FormatMoney(v float64, currency string) string { return DefaultNumbers.Money(v, currency) }

// PlainMoney is an amount for machines (CSV): the currency's decimals, no
// grouping, "." before the fraction.
func PlainMoney(v float64, currency string) string {
	return strconv.FormatFloat(v, 'f', CurrencyDecimals(currency), 64)
}

// ExcelMoneyFormat is the number format of an amount in a currency:
// grouping and its decimals.
func ExcelMoneyFormat(currency string) string {
	if d := CurrencyDecimals(currency); d > 0 {
		return "#,##0." + strings.Repeat("0", d)
	}
	return "#,##0"
}

// FormatDuration writes seconds the way people say them: "45s", "12m",
// "3h 20m", "1d 4h" (to the minute below a day, to the hour above).
func FormatDuration(secs float64) string {
	sign := ""
	if secs < 0 {
		sign, secs = "-", -secs
	}
	switch {
	case secs < 59.5:
		return sign + strconv.FormatFloat(math.Round(secs), 'f', 0, 64) + "s"
	case secs < 86400-30:
		m := int64(math.Round(secs / 60))
		if m < 60 {
			return fmt.Sprintf("%s%dm", sign, m)
		}
		return sign + twoUnits(m/60, "h", m%60, "m")
	}
	h := int64(math.Round(secs / 3600))
	return sign + twoUnits(h/24, "d", h%24, "h")
}

// twoUnits writes "3h 20m", or "3h" when the smaller unit is 0.
func twoUnits(big int64, bigUnit string, small int64, smallUnit string) string {
	if small == 0 {
		return strconv.FormatInt(big, 10) + bigUnit
	}
	return strconv.FormatInt(big, 10) + bigUnit + " " + strconv.FormatInt(small, 10) + smallUnit
}

// FormatChange is a headline's change from the previous period: in
// points for a percentage ("-3.5 pts": 94.4% to 90.9% fell by 3.5 points,
// not by 3.7%), in percent for the rest, or a dash when there is nothing
// to compare with.
func FormatChange(h Headline) string {
	if h.Kind == KindPercent {
		d := h.ChangePoints()
		if d == nil {
			return "–"
		}
		return signed(*d) + " pts"
	}
	c := h.Change()
	if c == nil {
		return "–"
	}
	return signed(*c) + "%"
}

// signed writes v with one decimal and its sign, a true minus for a
// fall; -0.0 is 0.0.
func signed(v float64) string {
	s := DefaultNumbers.Fixed(v, 1)
	switch {
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case strings.Trim(s, "0.") == "":
		return "±" + s
	}
	return "+" + s
}

// FormatValue is FormatNumber of a possibly missing figure ("no data").
func FormatValue(v *float64, k Kind) string {
	if v == nil {
		return NoData
	}
	return FormatNumber(*v, k)
}
