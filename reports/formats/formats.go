// Package formats is the one list of the files a report result can be
// written as. The API's format parameter and its OpenAPI document, slate
// export's --out extensions, and schedules' attachments all read it, so a
// new format is one entry of All.
package formats

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"

	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/csvexport"
	"github.com/slatehq/slate/reports/xlsx"
)

// Format is one way of writing a result.
type Format struct {
	Name        string // the API's format=, a schedule's format
	Label       string // for people: "CSV", "an Excel workbook"
	ContentType string // with its parameters, as a Content-Type header
	Ext         string // the file extension, without the dot
	// Encode writes one result; lang is for formats with words of their
	// own (a workbook's headings).
	Encode func(w io.Writer, res *reports.Result, lang i18n.Lang) error
	// Combine, when set, writes several results as one file (a workbook,
	// a sheet each); without it each result is a file of its own.
	Combine func(w io.Writer, results []*reports.Result, lang i18n.Lang) error
	// Download: the API answers with a file to save (Content-Disposition:
	// attachment), not a document for programs.
	Download bool
	// Mail: schedules may send it as an e-mail attachment, for people to
	// open; JSON is for programs.
	Mail bool
}

// MediaType is the content type without its parameters.
func (f Format) MediaType() string {
	mt, _, err := mime.ParseMediaType(f.ContentType)
	if err != nil {
		return f.ContentType
	}
	return mt
}

// Binary reports whether files of the format are not text.
func (f Format) Binary() bool {
	mt := f.MediaType()
	return !strings.HasPrefix(mt, "text/") && mt != "application/json"
}

// All are the formats, the API's default first.
var All = []Format{
	{Name: "json", Label: "JSON", ContentType: "application/json; charset=utf-8", Ext: "json", Encode: encodeJSON},
	{Name: "csv", Label: "CSV", ContentType: "text/csv; charset=utf-8", Ext: "csv", Download: true, Mail: true,
		Encode: func(w io.Writer, res *reports.Result, _ i18n.Lang) error { return csvexport.Encode(w, res) }},
	{Name: "xlsx", Label: "an Excel workbook", ContentType: xlsx.ContentType, Ext: "xlsx", Download: true, Mail: true,
		Encode: xlsx.WriteResult, Combine: workbook},
}

// Default is the API's format when a request names none: JSON.
func Default() Format { return All[0] }

// Lookup finds a format by name.
func Lookup(name string) (Format, bool) {
	i := slices.IndexFunc(All, func(f Format) bool { return f.Name == name })
	if i < 0 {
		return Format{}, false
	}
	return All[i], true
}

// ByExt finds a format by its file extension (without the dot).
func ByExt(ext string) (Format, bool) {
	i := slices.IndexFunc(All, func(f Format) bool { return f.Ext == ext })
	if i < 0 {
		return Format{}, false
	}
	return All[i], true
}

// Names lists the names of the formats keep accepts (every one for nil),
// in All's order.
func Names(keep func(Format) bool) []string {
	var out []string
	for _, f := range All {
		if keep == nil || keep(f) {
			out = append(out, f.Name)
		}
	}
	return out
}

// Exts lists the formats' file extensions, in All's order.
func Exts() []string {
	out := make([]string, len(All))
	for i, f := range All {
		out[i] = f.Ext
	}
	return out
}

// Mailable keeps the formats schedules may send.
func Mailable(f Format) bool { return f.Mail }

// encodeJSON writes a result as the API's JSON answer.
func encodeJSON(w io.Writer, res *reports.Result, _ i18n.Lang) error {
	return json.NewEncoder(w).Encode(res)
}

// workbook writes results as one workbook, a sheet each titled in lang.
func workbook(w io.Writer, results []*reports.Result, lang i18n.Lang) error {
	wb := xlsx.NewIn(lang)
	defer wb.Close()
	for _, res := range results {
		if err := wb.AddResult(res, lang.T(res.Title)); err != nil {
			return fmt.Errorf("workbook sheet %s: %w", res.Report, err)
		}
	}
	if _, err := wb.WriteTo(w); err != nil {
		return fmt.Errorf("workbook: %w", err)
	}
	return nil
}
