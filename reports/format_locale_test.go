package reports_test

import (
	"testing"
	"time"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

// The examples and their neighbours: each language groups, marks
// decimals, places the currency sign and writes dates its own way.
func TestNumbersFollowTheLocale(t *testing.T) {
	const nb = "\u00a0"
	en, vi, ru := reports.NumbersFor(i18n.English), reports.NumbersFor(i18n.Vietnamese), reports.NumbersFor(i18n.Russian)
	f := func(v float64) *float64 { return &v }
	day := time.Date(2026, 3, 9, 14, 5, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{vi.Amount(1234567, "VND"), "1.234.567" + nb + "₫"},
		{ru.Amount(1234.5, "RUB"), "1" + nb + "234,50" + nb + "₽"},
		{en.Amount(1234.5, "USD"), "$1,234.50"},
		{en.Amount(-1234.5, "USD"), "-$1,234.50"},
		{en.Amount(1234567, "VND"), "₫1,234,567"},
		{en.Amount(10, "CHF"), "CHF 10.00"},
		{ru.Amount(10, "CHF"), "10,00" + nb + "CHF"},
		{vi.Amount(1234.5, "USD"), "1.234,50" + nb + "$"},
		{vi.Number(1234567, reports.KindCount), "1.234.567"},
		{ru.Number(1234567, reports.KindCount), "1" + nb + "234" + nb + "567"},
		{vi.Number(94.44, reports.KindPercent), "94,4%"},
		{ru.Number(12.26, reports.KindHours), "12,3"},
		// halves round up, as the workbooks' number formats show them
		{vi.Number(1.25, reports.KindHours), "1,3"},
		{en.Number(0.05, reports.KindHours), "0.1"},
		{en.Number(-2.5, reports.KindCount), "-3"},
		{en.Number(99.95, reports.KindPercent), "100.0%"},
		{en.Number(1.005, reports.KindRating), "1.01"},
		{en.Amount(0.125, "USD"), "$0.13"},
		{en.Number(1e21, reports.KindCount), "1,000,000,000,000,000,000,000"},
		{en.Number(0.0004, reports.KindHours), "0.0"},
		{vi.Number(3*3600+20*60, reports.KindSeconds), "3 giờ 20 phút"},
		{ru.Number(28*3600, reports.KindSeconds), "1 дн. 4 ч"},
		{ru.Number(45, reports.KindSeconds), "45 с"},
		{en.Number(28*3600, reports.KindSeconds), "1d 4h"},
		{vi.Value(nil, reports.KindCount), "không có dữ liệu"},
		{ru.Value(nil, reports.KindCount), "нет данных"},
		{ru.Change(reports.Headline{Kind: reports.KindPercent, Current: f(90.9), Previous: f(94.4)}), "−3,5 п. п."},
		{vi.Change(reports.Headline{Kind: reports.KindCount, Current: f(100), Previous: f(100)}), "±0,0%"},
		{en.Date(day), "2026-03-09"},
		{vi.Date(day), "09/03/2026"},
		{ru.DateTime(day), "09.03.2026 14:05"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
