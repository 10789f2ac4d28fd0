package reports

import "slices"

// DimensionLabel is a dimension's column heading ("Group", "Tag"), the
// English key of its message in the catalogs.
func DimensionLabel(d Dimension) string { return dimLabel(d) }

// Labels and codes. A ticket's status, priority and severity are stored
// twice: the canonical code, which reports group, filter and measure SLA
// by, and the help desk's own label for it (its *_label dimension), which
// is what the desk's people call it. Labels are per desk: two desks may
// use one word for different codes, and a desk may have several words for
// one code. So a person reads the desk's label only where the facts are
// one desk's (Result.Tenant), and the localised canonical name elsewhere.

// labelDims maps each canonical dimension to its label dimension.
var labelDims = map[Dimension]Dimension{DimStatus: DimStatusLabel, DimPriority: DimPriorityLabel, DimSeverity: DimSeverityLabel}

// LabelDimension is d's label dimension (status -> status_label), if d has one.
func LabelDimension(d Dimension) (Dimension, bool) {
	l, ok := labelDims[d]
	return l, ok
}

// DeskLabel is the desk's label a person reads for the dim cell of row
// (status, priority or severity), when res is one tenant's and the row
// has a label for it; ok is false where the code stands.
func DeskLabel(res *Result, row []any, dim Dimension) (label string, ok bool) {
	ld, has := labelDims[dim]
	li := res.ColumnIndex(string(ld))
	if !has || res.Tenant == "" || li < 0 {
		return "", false
	}
	label, _ = row[li].(string)
	return label, label != ""
}

// OneTenant is the single tenant a query's facts can be of: its tenant
// filter's one value, else its scope's one tenant; "" otherwise.
func OneTenant(q Query, sc Scope) string {
	if ts := q.Filters[DimTenant]; len(ts) == 1 {
		return ts[0]
	}
	if len(sc.Tenants) == 1 && len(q.Filters[DimTenant]) == 0 {
		return sc.Tenants[0]
	}
	return ""
}

// Readable is res as a person reads it: in a result of one tenant, each
// status, priority and severity cell holds the desk's label where the row
// has one (an empty label, a defaulted priority or a row stored before
// labels were kept, keeps the code, which readers show localised), and
// the label columns beside their code columns are left out, as they are
// from lists of several tenants, where the codes stand. An aggregate of
// several tenants grouped by code and label keeps both: its rows differ
// only by label. Codes in the cells stay codes, for readers to localise
// (i18n.Lang.Value). res is not changed; Previous is made readable too.
func Readable(res *Result) *Result {
	if res == nil {
		return nil
	}
	type pair struct{ code, label int }
	var pairs []pair
	for d, ld := range labelDims {
		if ci, li := res.ColumnIndex(string(d)), res.ColumnIndex(string(ld)); ci >= 0 && li >= 0 {
			pairs = append(pairs, pair{ci, li})
		}
	}
	if len(pairs) == 0 || res.Tenant == "" && res.Page == nil {
		out := *res
		out.Previous = Readable(res.Previous)
		return &out
	}
	drop := make([]bool, len(res.Columns))
	for _, p := range pairs {
		drop[p.label] = true
	}
	out := *res
	out.Columns = nil
	for i, c := range res.Columns {
		if !drop[i] {
			out.Columns = append(out.Columns, c)
		}
	}
	out.Rows = make([][]any, len(res.Rows))
	for r, row := range res.Rows {
		row = slices.Clone(row)
		for d := range labelDims {
			if l, ok := DeskLabel(res, row, d); ok {
				row[res.ColumnIndex(string(d))] = l
			}
		}
		kept := row[:0]
		for i, c := range row {
			if !drop[i] {
				kept = append(kept, c)
			}
		}
		out.Rows[r] = kept
	}
	out.Previous = Readable(res.Previous)
	return &out
}
