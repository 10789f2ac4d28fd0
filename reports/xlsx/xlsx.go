// Package xlsx writes report results as Excel workbooks with excelize's
// StreamWriter: rows go to the sheet as they come, not into a document
// model, so a long list stays in bounded memory. Sheets follow spreadsheet
// habits: a title and the period with its time zone above a frozen header,
// an Excel table (autofilter) over the data, widths by column kind, and
// numbers, dates, durations and percentages as such.
package xlsx

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
)

// MaxSheetRows is Excel's row limit; data rows beyond it (less the title,
// period and header rows) continue on a next sheet with the header again.
const MaxSheetRows = 1_048_576

// headRows are the title, period, blank and header rows above the data.
const headRows = 4

// Workbook is one .xlsx being written.
type Workbook struct {
	f       *excelize.File
	styles  map[reports.Kind]int
	money   map[int]int // amount styles by decimals (reports.ExcelMoneyFormat)
	sheets  int
	maxRows int // per sheet, header rows included; MaxSheetRows unless a test lowers it
	// lang writes sheet names, titles, headers and date formats.
	lang i18n.Lang
}

// New starts an empty workbook in English.
func New() *Workbook { return NewIn(i18n.English) }

// NewIn starts an empty workbook in a language.
func NewIn(lang i18n.Lang) *Workbook {
	return &Workbook{f: excelize.NewFile(), maxRows: MaxSheetRows, lang: lang}
}

// Close releases the workbook's temporary files.
func (wb *Workbook) Close() error { return wb.f.Close() }

// WriteTo writes the finished workbook.
func (wb *Workbook) WriteTo(w io.Writer) (int64, error) {
	if wb.sheets > 0 {
		_ = wb.f.DeleteSheet("Sheet1")
	}
	return wb.f.WriteTo(w)
}

// Rows feeds a sheet one row at a time (cells as in reports.Result.Rows);
// it returns io.EOF after the last row.
type Rows func() ([]any, error)

// SliceRows iterates over rows in memory.
func SliceRows(rows [][]any) Rows {
	i := 0
	return func() ([]any, error) {
		if i == len(rows) {
			return nil, io.EOF
		}
		i++
		return rows[i-1], nil
	}
}

// Sheet describes one table: its name, title, the period line and columns.
type Sheet struct {
	Name    string
	Title   string
	Period  string // e.g. "2026-03-01 – 2026-04-01 (Europe/Berlin)"
	Columns []reports.Column
	Zone    *time.Location
}

// AddResult writes a report result as a sheet (and its previous period, if
// any, as a second one), named name (in the workbook's language), as
// people read it: one desk's labels where the result is one tenant's
// (reports.Readable).
func (wb *Workbook) AddResult(res *reports.Result, name string) error {
	res = reports.Readable(res)
	zone, err := time.LoadLocation(res.Zone)
	if err != nil {
		zone = time.UTC
	}
	title := wb.lang.T(res.Title)
	sh := Sheet{Name: name, Title: title, Period: PeriodLineIn(wb.lang, res.From, res.To, zone), Columns: res.Columns, Zone: zone}
	if _, err := wb.AddSheet(sh, SliceRows(res.Rows), nil); err != nil {
		return err
	}
	if res.Previous != nil {
		prev := sh
		prev.Name = fitSheetName(name, func(n string) string { return wb.lang.T("%s (previous)", n) })
		prev.Title = wb.lang.T("%s (previous period)", title)
		prev.Period = PeriodLineIn(wb.lang, res.Previous.From, res.Previous.To, zone)
		if _, err := wb.AddSheet(prev, SliceRows(res.Previous.Rows), nil); err != nil {
			return err
		}
	}
	return nil
}

// PeriodLine states a half-open range and its zone.
func PeriodLine(from, to time.Time, zone *time.Location) string {
	return PeriodLineIn(i18n.English, from, to, zone)
}

// PeriodLineIn is PeriodLine in a language, with its date forms.
func PeriodLineIn(lang i18n.Lang, from, to time.Time, zone *time.Location) string {
	n := reports.NumbersFor(lang)
	return lang.T("Period: %s – %s (%s, end exclusive)", n.DateTime(from.In(zone)), n.DateTime(to.In(zone)), zone.String())
}

// rowSource lets a full sheet hand its first unwritten row to the next.
type rowSource struct {
	next Rows
	held []any
	has  bool
}

func (s *rowSource) read() ([]any, error) {
	if s.has {
		s.has = false
		return s.held, nil
	}
	return s.next()
}

func (s *rowSource) unread(row []any) { s.held, s.has = row, true }

// AddSheet streams rows into one sheet, or several when they exceed the
// row limit, and returns how many data rows it wrote. progress, if set,
// is called every 10,000 rows.
func (wb *Workbook) AddSheet(sh Sheet, next Rows, progress func(rows int)) (int, error) {
	if err := wb.ensureStyles(); err != nil {
		return 0, err
	}
	src := &rowSource{next: next}
	total := 0
	for part := 1; ; part++ {
		name := fitSheetName(sh.Name, func(n string) string { return n })
		if part > 1 {
			name = fitSheetName(sh.Name, func(n string) string { return fmt.Sprintf("%s (%d)", n, part) })
		}
		n, more, err := wb.writeSheet(sheetName(name), sh, src, progress, total)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// writeSheet writes one sheet until the rows end (more = false) or the
// sheet is full (more = true; the next row stays in src).
func (wb *Workbook) writeSheet(name string, sh Sheet, src *rowSource, progress func(int), before int) (n int, more bool, err error) {
	if wb.sheets == 0 {
		err = wb.f.SetSheetName("Sheet1", name)
	} else {
		_, err = wb.f.NewSheet(name)
	}
	if err != nil {
		return 0, false, err
	}
	wb.sheets++
	sw, err := wb.f.NewStreamWriter(name)
	if err != nil {
		return 0, false, err
	}
	// Widths and panes must precede the rows in a stream.
	for i, c := range sh.Columns {
		if err := sw.SetColWidth(i+1, i+1, width(c)); err != nil {
			return 0, false, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headRows, TopLeftCell: cell(1, headRows+1), ActivePane: "bottomLeft"}); err != nil {
		return 0, false, err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: wb.styles["title"], Value: sh.Title}}); err != nil {
		return 0, false, err
	}
	if err := sw.SetRow("A2", []any{sh.Period}); err != nil {
		return 0, false, err
	}
	header := make([]any, len(sh.Columns))
	seen := map[string]bool{}
	for i, c := range sh.Columns {
		label := wb.lang.T(c.Label)
		for seen[label] { // an Excel table's headers must be unique
			label += " "
		}
		seen[label] = true
		header[i] = excelize.Cell{StyleID: wb.styles["header"], Value: label}
	}
	if err := sw.SetRow(cell(1, headRows), header); err != nil {
		return 0, false, err
	}
	r := headRows
	out := make([]any, len(sh.Columns))
	// Amounts take their row's currency's decimals.
	currencyAt := slices.IndexFunc(sh.Columns, func(c reports.Column) bool { return c.Name == "currency" })
	for {
		row, err := src.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, false, err
		}
		if r == wb.maxRows {
			src.unread(row)
			more = true
			break
		}
		r++
		currency := ""
		if currencyAt >= 0 {
			currency, _ = row[currencyAt].(string)
		}
		for i, c := range sh.Columns {
			if out[i], err = wb.value(c, row[i], sh.Zone, currency); err != nil {
				return n, false, err
			}
		}
		if err := sw.SetRow(cell(1, r), out); err != nil {
			return n, false, err
		}
		n++
		if progress != nil && (before+n)%10000 == 0 {
			progress(before + n)
		}
	}
	if n > 0 { // a table needs a header and at least one row
		table := &excelize.Table{Range: cell(1, headRows) + ":" + cell(len(sh.Columns), r),
			Name: fmt.Sprintf("Table%d", wb.sheets), StyleName: "TableStyleLight9"}
		if err := sw.AddTable(table); err != nil {
			return n, false, err
		}
	}
	return n, more, sw.Flush()
}

// value turns a result cell into what the sheet stores: numbers and times
// as such (with the column's style), text as text. excelize writes a Go
// string as a string cell, never as a formula, so "=cmd|..." from the data
// stays inert. Money takes the decimals of currency, its row's.
func (wb *Workbook) value(c reports.Column, v any, zone *time.Location, currency string) (any, error) {
	switch x := v.(type) {
	case *float64:
		if x == nil {
			return nil, nil
		}
		f := *x
		switch c.Kind {
		case reports.KindSeconds:
			f /= 86400 // a duration is a fraction of a day in Excel
		case reports.KindPercent:
			f /= 100
		case reports.KindMoney:
			style, err := wb.moneyStyle(currency)
			return excelize.Cell{StyleID: style, Value: f}, err
		}
		return excelize.Cell{StyleID: wb.styles[c.Kind], Value: f}, nil
	case string:
		if c.Kind == reports.KindPeriod || c.Kind == reports.KindTime {
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				// Excel times have no zone: write the wall clock of the
				// sheet's zone, which the period line names.
				l := t.In(zone)
				wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
				return excelize.Cell{StyleID: wb.styles[c.Kind], Value: wall}, nil
			}
		}
		if c.Kind == reports.KindDimension {
			return wb.lang.Value(c.Name, x), nil // "urgent" reads "Urgent", "Срочный"
		}
		return x, nil
	}
	return nil, nil
}

// moneyStyle is the style of an amount in currency: grouping and the
// currency's decimals.
func (wb *Workbook) moneyStyle(currency string) (int, error) {
	d := reports.CurrencyDecimals(currency)
	if id, ok := wb.money[d]; ok {
		return id, nil
	}
	code := reports.ExcelMoneyFormat(currency)
	id, err := wb.f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		return 0, err
	}
	if wb.money == nil {
		wb.money = map[int]int{}
	}
	wb.money[d] = id
	return id, nil
}

func (wb *Workbook) ensureStyles() error {
	if wb.styles != nil {
		return nil
	}
	wb.styles = map[reports.Kind]int{}
	formats := map[reports.Kind]string{
		reports.KindCount:   "#,##0",
		reports.KindSeconds: "[h]:mm:ss",
		reports.KindHours:   "#,##0.00",
		reports.KindPercent: "0.0%",
		reports.KindRating:  "0.00",
		reports.KindPeriod:  excelDates[wb.lang][0],
		reports.KindTime:    excelDates[wb.lang][1],
	}
	// A change from the previous period: signed, a percentage's in points.
	formats["change"] = `+0.0%;"−"0.0%;0.0%`
	pts := strings.ReplaceAll(wb.lang.T("%s pts", ""), `"`, "")
	formats["points"] = `+0.0"` + pts + `";"−"0.0"` + pts + `";0.0"` + pts + `"`
	for k, f := range formats {
		code := f
		id, err := wb.f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		wb.styles[k] = id
	}
	title, err := wb.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	header, err := wb.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wb.styles["title"], wb.styles["header"] = title, header
	return nil
}

// excelDates are the period and time formats of each language: the
// order of day and month is the reader's (Excel's separators of figures
// follow the reader's own settings already).
var excelDates = map[i18n.Lang][2]string{
	"":              {"yyyy-mm-dd hh:mm", "yyyy-mm-dd hh:mm:ss"},
	i18n.English:    {"yyyy-mm-dd hh:mm", "yyyy-mm-dd hh:mm:ss"},
	i18n.Vietnamese: {"dd/mm/yyyy hh:mm", "dd/mm/yyyy hh:mm:ss"},
	i18n.Russian:    {"dd.mm.yyyy hh:mm", "dd.mm.yyyy hh:mm:ss"},
}

func width(c reports.Column) float64 {
	switch c.Kind {
	case reports.KindPeriod, reports.KindTime:
		return 18
	case reports.KindText:
		return 40
	case reports.KindDimension:
		return 22
	}
	return float64(max(12, utf8.RuneCountInString(c.Label)+2))
}

func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// sheetName fits Excel's rules: at most 31 characters, none of []:*?/\.
// maxSheetName is Excel's limit on a sheet name, in characters.
const maxSheetName = 31

// fitSheetName is wrap(name) within maxSheetName characters: name is cut,
// ending in "…", so that what wrap adds (" (previous)", " (2)") survives.
// Cutting the whole name instead would give a long title and its previous
// period the same sheet, and excelize would write both into one.
func fitSheetName(name string, wrap func(string) string) string {
	full := wrap(name)
	if utf8.RuneCountInString(full) <= maxSheetName {
		return full
	}
	rs := []rune(name)
	for n := len(rs) - 1; n > 0; n-- {
		if cut := wrap(strings.TrimSpace(string(rs[:n])) + "…"); utf8.RuneCountInString(cut) <= maxSheetName {
			return cut
		}
	}
	return full // wrap alone is too long: sheetName cuts it
}

func sheetName(s string) string {
	out := make([]rune, 0, 31)
	for _, r := range s {
		switch r {
		case '[', ']', ':', '*', '?', '/', '\\':
			r = '_'
		}
		if len(out) == 31 {
			break
		}
		out = append(out, r)
	}
	return string(out)
}

// ContentType is the media type of an .xlsx file.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// WriteResult writes a result as a workbook of its own to w, in lang.
func WriteResult(w io.Writer, res *reports.Result, lang i18n.Lang) error {
	wb := NewIn(lang)
	defer wb.Close()
	// the sheet is named as its title reads in lang, like a schedule's
	if err := wb.AddResult(res, lang.T(res.Title)); err != nil {
		return err
	}
	_, err := wb.WriteTo(w)
	return err
}
