package reports_test

import (
	"testing"

	"github.com/slatehq/slate/reports"
)

func TestMoneyHasGroupingAndTheCurrencysDecimals(t *testing.T) {
	for _, c := range []struct {
		v        float64
		currency string
		want     string
		plain    string
		excel    string
	}{
		{12345678.4, "VND", "12,345,678", "12345678", "#,##0"},
		{999.5, "VND", "1,000", "1000", "#,##0"},
		{1234567.891, "USD", "1,234,567.89", "1234567.89", "#,##0.00"},
		{1234.5, "RUB", "1,234.50", "1234.50", "#,##0.00"},
		{0.5, "EUR", "0.50", "0.50", "#,##0.00"},
		{-1234.5, "eur", "-1,234.50", "-1234.50", "#,##0.00"},
		{100, "", "100.00", "100.00", "#,##0.00"},
		{1234.5678, "KWD", "1,234.568", "1234.568", "#,##0.000"},
		{123, "USD", "123.00", "123.00", "#,##0.00"},
		{0.125, "USD", "0.13", "0.13", "#,##0.00"}, // half up, page and CSV alike
	} {
		if got := reports.FormatMoney(c.v, c.currency); got != c.want {
			t.Errorf("FormatMoney(%v, %q) = %q, want %q", c.v, c.currency, got, c.want)
		}
		if got := reports.PlainMoney(c.v, c.currency); got != c.plain {
			t.Errorf("PlainMoney(%v, %q) = %q, want %q", c.v, c.currency, got, c.plain)
		}
		if got := reports.ExcelMoneyFormat(c.currency); got != c.excel {
			t.Errorf("ExcelMoneyFormat(%q) = %q, want %q", c.currency, got, c.excel)
		}
	}
	// A locale brings its own separators; the digits stay the same.
	de := reports.Numbers{Group: ".", Decimal: ","}
	if got := de.Money(1234567.891, "EUR"); got != "1.234.567,89" {
		t.Errorf("German separators: %q", got)
	}
	if got := reports.FormatNumber(1234567, reports.KindCount); got != "1,234,567" {
		t.Errorf("a count: %q", got)
	}
}

func TestDurationsReadAsPeopleSayThem(t *testing.T) {
	for secs, want := range map[float64]string{
		0:                    "0s",
		42:                   "42s",
		59.4:                 "59s",
		60:                   "1m",
		45 * 60:              "45m",
		3600:                 "1h",
		3*3600 + 20*60:       "3h 20m",
		23*3600 + 59*60 + 40: "1d",
		28 * 3600:            "1d 4h",
		7000 * 60:            "4d 21h",
		-90 * 60:             "-1h 30m",
	} {
		if got := reports.FormatDuration(secs); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", secs, got, want)
		}
	}
}

func TestPercentagesChangeInPoints(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		h    reports.Headline
		want string
	}{
		// The e-mail of issue 26: 94.4% -> 90.9% is 3.5 points down, not
		// 3.7% (or 6.3%) down.
		{reports.Headline{Kind: reports.KindPercent, Current: f(90.9), Previous: f(94.4)}, "−3.5 pts"},
		{reports.Headline{Kind: reports.KindPercent, Current: f(50), Previous: f(0)}, "+50.0 pts"},
		{reports.Headline{Kind: reports.KindPercent, Current: f(80), Previous: f(80)}, "±0.0 pts"},
		{reports.Headline{Kind: reports.KindPercent, Current: f(80), Previous: nil}, "–"},
		{reports.Headline{Kind: reports.KindCount, Current: f(90), Previous: f(120)}, "−25.0%"},
		{reports.Headline{Kind: reports.KindCount, Current: f(150), Previous: f(120)}, "+25.0%"},
		{reports.Headline{Kind: reports.KindSeconds, Current: f(150), Previous: nil}, "–"},
	} {
		if got := reports.FormatChange(c.h); got != c.want {
			t.Errorf("FormatChange(%v: %v -> %v) = %q, want %q", c.h.Kind, c.h.Previous, c.h.Current, got, c.want)
		}
	}
	if c := (reports.Headline{Kind: reports.KindPercent, Current: f(90.9), Previous: f(94.4)}).Change(); c != nil {
		t.Errorf("a percentage's relative change: %v, want none (it changes in points)", *c)
	}
	if got := reports.FormatValue(nil, reports.KindCount); got != reports.NoData {
		t.Errorf("a missing figure reads %q, want %q", got, reports.NoData)
	}
}
