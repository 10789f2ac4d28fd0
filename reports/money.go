package reports

import (
	"cmp"
	"slices"
)

// CurrencyTotal is what a billable result adds up to in one currency.
type CurrencyTotal struct {
	Currency      string  // "" for entries without a rate
	Hours         float64 // logged
	BillableHours float64
	Amount        float64 // in Currency
}

// CurrencyTotals adds up the rows of a billable result per currency,
// never across currencies: largest billable hours first (hours compare
// across currencies; amounts do not). Rows must not overlap, so res may
// be grouped by period and ticket dimensions but not by tag (a ticket
// counts under each of its tags).
func CurrencyTotals(res *Result) []CurrencyTotal {
	ci := res.ColumnIndex("currency")
	if ci < 0 {
		return nil
	}
	at := map[string]int{}
	var out []CurrencyTotal
	add := func(row []any, measure string) float64 {
		if i := res.ColumnIndex(measure); i >= 0 {
			if v, _ := row[i].(*float64); v != nil {
				return *v
			}
		}
		return 0
	}
	for _, row := range res.Rows {
		cur, _ := row[ci].(string)
		i, ok := at[cur]
		if !ok {
			i = len(out)
			at[cur] = i
			out = append(out, CurrencyTotal{Currency: cur})
		}
		out[i].Hours += add(row, "hours")
		out[i].BillableHours += add(row, "billable_hours")
		out[i].Amount += add(row, "amount")
	}
	slices.SortFunc(out, func(a, b CurrencyTotal) int {
		if c := cmp.Compare(b.BillableHours, a.BillableHours); c != 0 {
			return c
		}
		return cmp.Compare(a.Currency, b.Currency)
	})
	return out
}

// CurrencyLabel names a currency for people: the code, or "no rate" for
// entries without one.
func CurrencyLabel(currency string) string {
	if currency == "" {
		return "no rate"
	}
	return currency
}
