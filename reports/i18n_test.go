package reports

import (
	"slices"
	"testing"

	"github.com/slatehq/slate/internal/i18n"
)

// Everything a report shows people by name (titles, list titles, column
// headings; the headlines are checked on the rendered pages) is a message of the catalogs, so that no
// page, workbook or e-mail in Vietnamese or Russian shows it in English.
func TestReportWordsAreInTheCatalogs(t *testing.T) {
	var words []string
	for _, r := range Catalog {
		words = append(words, r.Title, r.Title+": tickets")
		for _, m := range r.Measures {
			words = append(words, m.Label)
		}
		for _, d := range append(slices.Clone(r.Dimensions), r.Fixed...) {
			words = append(words, dimLabel(d))
		}
	}
	for _, c := range TicketColumns {
		words = append(words, c.Label)
	}
	words = append(words, "Period", "Metric", "Policy", "Deadline", "Cycle", CurrencyLabel(""), NoData)
	for _, w := range words {
		if !i18n.Has(w) {
			t.Errorf("%q is not in the catalogs (internal/i18n/catalog)", w)
		}
	}
}
