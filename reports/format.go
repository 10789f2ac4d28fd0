package reports

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slatehq/slate/internal/i18n"
)

// Numbers writes figures for people: pages and e-mails show every figure
// through one Numbers, and workbooks (ExcelMoneyFormat) and CSV
// (PlainMoney) take the same decimals, so they agree. A locale
// (NumbersFor) changes its separators, dates, units and words.
type Numbers struct {
	Group   string // between groups of three digits
	Decimal string // before the fraction
	// Lang writes the words and units ("no data", "3h 20m").
	Lang i18n.Lang
	// DateLayout and DateTimeLayout are time.Format layouts of a day and
	// of a minute.
	DateLayout, DateTimeLayout string
}

// DefaultNumbers writes 1,234,567.89, in English.
var DefaultNumbers = Numbers{Group: ",", Decimal: ".", Lang: i18n.English, DateLayout: "2006-01-02", DateTimeLayout: "2006-01-02 15:04"}

// nbsp keeps a number and its unit or its digit groups on one line.
const nbsp = "\u00a0"

// localNumbers are the CLDR separators and short date forms of the
// interface languages: 1.234.567,5 and 31/12/2026 in Vietnamese,
// 1 234 567,5 and 31.12.2026 in Russian (the space a no-break one).
var localNumbers = map[i18n.Lang]Numbers{
	i18n.English:    DefaultNumbers,
	i18n.Vietnamese: {Group: ".", Decimal: ",", Lang: i18n.Vietnamese, DateLayout: "02/01/2006", DateTimeLayout: "02/01/2006 15:04"},
	i18n.Russian:    {Group: nbsp, Decimal: ",", Lang: i18n.Russian, DateLayout: "02.01.2006", DateTimeLayout: "02.01.2006 15:04"},
}

// NumbersFor is how people reading lang write figures and dates.
func NumbersFor(lang i18n.Lang) Numbers {
	if n, ok := localNumbers[lang]; ok {
		return n
	}
	return DefaultNumbers
}

// NoData is what a figure of a period without data shows: never 0.
const NoData = "no data"

// NoData is the localised NoData.
func (n Numbers) NoData() string { return n.Lang.T(NoData) }

// Date writes a day in the locale's short form.
func (n Numbers) Date(t time.Time) string { return t.Format(n.DateLayout) }

// DateTime writes a time to the minute in the locale's short form.
func (n Numbers) DateTime(t time.Time) string { return t.Format(n.DateTimeLayout) }

// currencySymbols are the signs people write for the common currencies;
// others are written with their code.
var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "VND": "₫", "RUB": "₽", "JPY": "¥"}

// Amount writes an amount with its currency the way the locale does:
// $1,234.50 in English, 1.234.567 ₫ in Vietnamese, 1 234,50 ₽ in
// Russian (a code for currencies without a common sign: "CHF 10.00",
// "10,00 CHF").
func (n Numbers) Amount(v float64, currency string) string {
	code := strings.ToUpper(currency)
	sign, ok := currencySymbols[code]
	if !ok {
		sign = code
	}
	figure := n.Money(v, currency)
	if n.Lang == i18n.English || n.Lang == "" {
		if !ok {
			sign += " "
		}
		if strings.HasPrefix(figure, "-") {
			return "-" + sign + figure[1:]
		}
		return sign + figure
	}
	return figure + nbsp + sign
}

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
	s := roundHalfUp(math.Abs(v), decimals)
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

// roundHalfUp writes v >= 0 with decimals places, a 5 after the last
// rounded up, as people and spreadsheets round: 1.25 h reads 1.3 h, as
// the workbook's "0.0" shows it, where strconv's half-to-even gives 1.2.
// It rounds the shortest decimal form of v, the digits a person sees, so
// 1.005 becomes 1.01 and not the 1.00 of its binary value.
func roundHalfUp(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) <= decimals {
		return strconv.FormatFloat(v, 'f', decimals, 64)
	}
	digits := []byte(whole + frac[:decimals])
	if frac[decimals] >= '5' {
		i := len(digits) - 1
		for ; i >= 0 && digits[i] == '9'; i-- {
			digits[i] = '0'
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		} else {
			digits[i]++
		}
	}
	cut := len(digits) - decimals
	if decimals == 0 {
		return string(digits)
	}
	return string(digits[:cut]) + "." + string(digits[cut:])
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
		return n.Duration(v)
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
	return Numbers{Decimal: "."}.Fixed(v, CurrencyDecimals(currency)) // rounded as the pages round
}

// ExcelMoneyFormat is the number format of an amount in a currency:
// grouping and its decimals.
func ExcelMoneyFormat(currency string) string {
	if d := CurrencyDecimals(currency); d > 0 {
		return "#,##0." + strings.Repeat("0", d)
	}
	return "#,##0"
}

// FormatDuration is DefaultNumbers.Duration.
func FormatDuration(secs float64) string { return DefaultNumbers.Duration(secs) }

// Duration writes seconds the way people say them: "45s", "12m",
// "3h 20m", "1d 4h" (to the minute below a day, to the hour above), with
// the locale's units ("3 giờ 20 phút", "3 ч 20 мин").
func (n Numbers) Duration(secs float64) string {
	sign := ""
	if secs < 0 {
		sign, secs = "-", -secs
	}
	switch {
	case secs < 59.5:
		return sign + n.Lang.T("%ds", int64(math.Round(secs)))
	case secs < 86400-30:
		m := int64(math.Round(secs / 60))
		if m < 60 {
			return sign + n.Lang.T("%dm", m)
		}
		return sign + n.twoUnits(m/60, "%dh", m%60, "%dm")
	}
	h := int64(math.Round(secs / 3600))
	return sign + n.twoUnits(h/24, "%dd", h%24, "%dh")
}

// twoUnits writes "3h 20m", or "3h" when the smaller unit is 0.
func (n Numbers) twoUnits(big int64, bigUnit string, small int64, smallUnit string) string {
	if small == 0 {
		return n.Lang.T(bigUnit, big)
	}
	return n.Lang.T(bigUnit, big) + " " + n.Lang.T(smallUnit, small)
}

// FormatChange is a headline's change from the previous period: in
// points for a percentage ("-3.5 pts": 94.4% to 90.9% fell by 3.5 points,
// not by 3.7%), in percent for the rest, or a dash when there is nothing
// to compare with.
func FormatChange(h Headline) string { return DefaultNumbers.Change(h) }

// Change is FormatChange in the locale.
func (n Numbers) Change(h Headline) string {
	if h.Kind == KindPercent {
		d := h.ChangePoints()
		if d == nil {
			return "–"
		}
		return n.Lang.T("%s pts", n.signed(*d))
	}
	c := h.Change()
	if c == nil {
		return "–"
	}
	return n.signed(*c) + "%"
}

// signed writes v with one decimal and its sign, a true minus for a
// fall; -0.0 is 0.0.
func (n Numbers) signed(v float64) string {
	s := n.Fixed(v, 1)
	switch {
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case strings.Trim(s, "0"+n.Decimal) == "":
		return "±" + s
	}
	return "+" + s
}

// FormatValue is FormatNumber of a possibly missing figure ("no data").
func FormatValue(v *float64, k Kind) string { return DefaultNumbers.Value(v, k) }

// Value is Number of a possibly missing figure (NoData).
func (n Numbers) Value(v *float64, k Kind) string {
	if v == nil {
		return n.NoData()
	}
	return n.Number(*v, k)
}
