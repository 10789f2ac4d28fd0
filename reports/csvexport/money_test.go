package csvexport

import (
	"bytes"
	"testing"

	"github.com/slatehq/slate/reports"
)

// Amounts are written to their currency's decimals, without grouping;
// other measures in full; text cells quoted.
func TestAmountsToTheirCurrencysDecimals(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	res := &reports.Result{
		Columns: []reports.Column{{Name: "currency", Kind: reports.KindDimension}, {Name: "hours", Kind: reports.KindHours}, {Name: "amount", Kind: reports.KindMoney}},
		Rows:    [][]any{{"VND", f(1.125), f(1234567.6)}, {"USD", f(2), f(1234.5)}, {"", f(1), (*float64)(nil)}},
	}
	var b bytes.Buffer
	if err := Encode(&b, res); err != nil {
		t.Fatal(err)
	}
	want := `"currency","hours","amount"` + "\n" + `"VND",1.125,1234568` + "\n" + `"USD",2,1234.50` + "\n" + `"",1,` + "\n"
	if b.String() != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}
