// Package csvexport writes report results as CSV, safe to open in a
// spreadsheet: the API, the CLI and the e-mailed reports share it.
package csvexport

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/slatehq/slate/reports"
)

// Encode writes a result as CSV with a header of column names. Text
// cells that a spreadsheet would run as a formula get a leading
// apostrophe.
func Encode(w io.Writer, res *reports.Result) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		head[i] = c.Name
	}
	_ = cw.Write(head)
	rec := make([]string, len(res.Columns))
	currencyAt := res.ColumnIndex("currency")
	for _, row := range res.Rows {
		for i, cell := range row {
			switch v := cell.(type) {
			case *float64:
				switch {
				case v == nil:
					rec[i] = ""
				case res.Columns[i].Kind == reports.KindMoney && currencyAt >= 0:
					// an amount to its currency's decimals (VND none)
					currency, _ := row[currencyAt].(string)
					rec[i] = reports.PlainMoney(*v, currency)
				default:
					rec[i] = strconv.FormatFloat(*v, 'f', -1, 64)
				}
			case string:
				rec[i] = SafeCell(v)
			default:
				rec[i] = ""
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell neutralises text a spreadsheet would evaluate (=, +, -, @, tab,
// carriage return first).
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
