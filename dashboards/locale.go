package dashboards

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

// locale is how a page speaks to its reader: the language's messages and
// the locale's figures and dates.
type locale struct {
	lang i18n.Lang
	num  reports.Numbers
}

func newLocale(l i18n.Lang) locale { return locale{lang: l, num: reports.NumbersFor(l)} }

// langOf is the reader's language: the user's configured one, else the
// browser's Accept-Language, else English.
func langOf(r *http.Request, pr auth.Principal) i18n.Lang {
	return i18n.ForReader(pr.Lang, r.Header.Get("Accept-Language"))
}

// T is the message key in the page's language.
func (l locale) T(key string, args ...any) string { return l.lang.T(key, args...) }

// column is a column's heading in the page's language.
func (l locale) column(c reports.Column) string { return l.T(c.Label) }

// label writes a dimension's value for a reader: the placeholder for an
// empty one, the localised name of a canonical value (a status, priority,
// severity or SLA metric: the catalogs' "status.on_hold"), and anything
// else (names, tags) as it is.
func (l locale) label(dim, v string) string {
	if v == "" {
		return l.T("(none)")
	}
	return l.lang.Value(dim, v)
}

// byMeaning orders rows of res by their dim value's place in its
// meaning order (reports.MeaningRank); values without one (other
// dimensions, "") keep their order after those with one.
func byMeaning(res *reports.Result, rows [][]any, dim string) [][]any {
	di := res.ColumnIndex(dim)
	if di < 0 {
		return rows
	}
	place := func(row []any) int {
		v, _ := row[di].(string)
		return reports.MeaningRank(reports.Dimension(dim), v)
	}
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b []any) int { return place(a) - place(b) })
	return out
}

// row writes a table row's cells; amounts take the decimals of the row's
// currency.
func (l locale) row(cols []reports.Column, row []any) []string {
	currency := ""
	for i, c := range cols {
		if c.Name == "currency" && i < len(row) {
			currency, _ = row[i].(string)
		}
	}
	out := make([]string, len(row))
	for i, v := range row {
		if cols[i].Kind == reports.KindMoney {
			if x, ok := v.(*float64); ok && x != nil {
				out[i] = l.num.Money(*x, currency)
				continue
			}
		}
		out[i] = l.cell(cols[i], v)
	}
	return out
}

func (l locale) cell(c reports.Column, v any) string {
	switch x := v.(type) {
	case string:
		if c.Kind == reports.KindDimension {
			return l.label(c.Name, x)
		}
		if c.Kind == reports.KindTime {
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				return l.num.DateTime(t)
			}
		}
		return x
	case *float64:
		if x == nil {
			return "–"
		}
		return l.num.Number(*x, c.Kind)
	}
	return ""
}

// currencyLabel names a currency for people: its code, or "no rate" for
// entries without one.
func (l locale) currencyLabel(currency string) string {
	return l.T(reports.CurrencyLabel(currency))
}

// paramLabels are the filter bar's names of the page parameters.
var paramLabels = map[string]string{"from": "From", "to": "To", "tz": "Time zone", "refresh": "Refresh (s)",
	"priority": "Priority", "severity": "Severity", "currency": "Currency", "report": "Report", "measure": "Measure"}

// errorText says what is wrong with a request in the reader's language:
// which filter has a value that is not valid, or that the page is not
// the reader's to see. It is "" in English, whose messages are the
// detailed ones, and for errors it has no words for.
func (l locale) errorText(err error, q url.Values) string {
	if l.lang == i18n.English {
		return ""
	}
	var pe *reports.ParamError
	if errors.As(err, &pe) {
		name := pe.Param
		if key, ok := paramLabels[name]; ok {
			name = l.T(key)
		} else if i18n.Has("field." + name) {
			name = l.T("field." + name)
		}
		return l.T("%s: “%s” is not a valid value.", name, q.Get(pe.Param))
	}
	switch fault.KindOf(err) {
	case fault.Forbidden:
		return l.T("Your role may not see this page.")
	case fault.NotFound:
		return l.T("There is nothing here.")
	case fault.Invalid, fault.TooLarge:
		return l.T("The request cannot be answered; narrow the filters and try again.")
	}
	return ""
}
