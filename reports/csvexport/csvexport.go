// Package csvexport writes report results as CSV, safe to open in a
// spreadsheet: the API, the CLI and the e-mailed reports share it.
//
// Ticket fields come from the help desks' customers, so every text cell is
// hostile until written: it is always quoted (a ';' or a line break inside
// it cannot start a new cell, whichever separator the reader's locale
// picks), stripped of control characters and, if a spreadsheet would read
// it as a formula, prefixed with an apostrophe.
package csvexport

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/slatehq/slate/reports"
)

// Encode writes a result as CSV with a header of column names. Measures
// are bare numbers (empty when there is no value); every other cell is
// quoted text made safe by SafeCell.
func Encode(w io.Writer, res *reports.Result) error {
	bw := bufio.NewWriter(w)
	for i, c := range res.Columns {
		if i > 0 {
			bw.WriteByte(',')
		}
		writeText(bw, c.Name)
	}
	bw.WriteByte('\n')
	currencyAt := res.ColumnIndex("currency")
	tagAt := res.ColumnIndex(string(reports.DimTag))
	for _, row := range res.Rows {
		for i, cell := range row {
			if i > 0 {
				bw.WriteByte(',')
			}
			switch v := cell.(type) {
			case *float64:
				switch {
				case v == nil:
				case res.Columns[i].Kind == reports.KindMoney && currencyAt >= 0:
					// an amount to its currency's decimals (VND none)
					currency, _ := row[currencyAt].(string)
					bw.WriteString(reports.PlainMoney(*v, currency))
				default:
					bw.WriteString(strconv.FormatFloat(*v, 'f', -1, 64))
				}
			case string:
				if i == tagAt {
					v = reports.TagLabel(res, v) // the desk's spelling
				}
				writeText(bw, v)
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// writeText writes s as one quoted field, doubling its quotes.
func writeText(w *bufio.Writer, s string) {
	w.WriteByte('"')
	w.WriteString(strings.ReplaceAll(SafeCell(s), `"`, `""`))
	w.WriteByte('"')
}

// SafeCell returns s as a spreadsheet must see it: without C0 control
// characters other than tab, CR and LF (a NUL in front of "=" hid the
// formula from a first-byte check, and LibreOffice then skipped it), and
// with an apostrophe in front of anything a spreadsheet could read as a
// formula: the cell when it starts with tab or CR, or when its first
// character after whitespace, control and format characters is one of
// = + - @ (formula starters in Calc and Excel), and likewise every piece
// after a ';', tab or line break inside it. Quoting keeps those pieces in
// the cell only for a reader that splits at ','; one that splits at ';'
// (the default in many European and Vietnamese locales) or at tabs finds
// the quotes unbalanced and makes each piece a cell of its own. The
// apostrophe makes a cell text; it is visible, which is the price of never
// running it.
func SafeCell(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\r' && r != '\n' {
			return -1
		}
		return r
	}, s)
	var b strings.Builder
	b.Grow(len(s) + 1)
	if strings.HasPrefix(s, "\t") || strings.HasPrefix(s, "\r") || formulaStart(s) {
		b.WriteByte('\'')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		b.WriteByte(c)
		crlf := c == '\r' && i+1 < len(s) && s[i+1] == '\n' // one break: check after the LF
		if (c == ';' || c == '\t' || c == '\r' || c == '\n') && !crlf && formulaStart(s[i+1:]) {
			b.WriteByte('\'')
		}
	}
	return b.String()
}

// formulaStart reports whether a cell beginning with s would be a formula:
// its first character after whitespace, control and format characters
// (zero-width spaces, byte order marks) is = + - or @.
func formulaStart(s string) bool {
	lead := strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	})
	return lead != "" && strings.ContainsRune("=+-@", rune(lead[0]))
}
