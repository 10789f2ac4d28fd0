package csvexport

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/slatehq/slate/reports"
)

func TestSafeCell(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"Sự cố mạng", "Sự cố mạng"},
		{"a=b", "a=b"},
		{"1-2", "1-2"},
		{"=1+2", "'=1+2"},
		{"+1", "'+1"},
		{"-1+2", "'-1+2"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\t=1", "'\t'=1"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		// Control characters are dropped before the check, so they
		// cannot hide a formula from it.
		{"\x00=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"},
		{"\x01\x1f@x", "'@x"},
		{"a\x00b\x1bc", "abc"},
		// Leading spaces, non-breaking and zero-width characters too.
		{"  =1+2", "'  =1+2"},
		{"\u00a0=1", "'\u00a0=1"},
		{"\ufeff\u200b-1", "'\ufeff\u200b-1"},
		{"\n=1", "'\n'=1"},
		// Line breaks inside a cell stay: the cell is quoted. What follows
		// a line break, a ';' or a tab becomes a cell of its own for a
		// reader that splits there, so it is checked as one.
		{"line1\r\nline2", "line1\r\nline2"},
		{"line1\r\n=2", "line1\r\n'=2"},
		{"a\n=3+4;5", "a\n'=3+4;5"},
		{"x;=1+2;y", "x;'=1+2;y"},
		{";=1", ";'=1"},
		{"a; - b", "a;' - b"},
		{"a\t@b", "a\t'@b"},
		{"a;\n+1", "a;'\n'+1"},
		{"x;5, -1", "x;5, -1"},
	} {
		if got := SafeCell(c.in); got != c.want {
			t.Errorf("SafeCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEncodeQuotesEveryTextCell(t *testing.T) {
	num := func(f float64) *float64 { return &f }
	res := &reports.Result{
		Columns: []reports.Column{{Name: "customer"}, {Name: "subject"}, {Name: "created"}},
		Rows: [][]any{
			{"x;=1+2;y", "say \"hi\"\n=2+3", num(4.5)},
			{"\x00=1", "", (*float64)(nil)},
		},
	}
	var b bytes.Buffer
	if err := Encode(&b, res); err != nil {
		t.Fatal(err)
	}
	want := `"customer","subject","created"` + "\n" +
		`"x;'=1+2;y","say ""hi""` + "\n" + `'=2+3",4.5` + "\n" +
		`"'=1","",` + "\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
	// A standard reader sees the same cells. How the cells fare with ';'
	// as separator is LibreOffice's to tell (libreoffice_test.go).
	recs, err := csv.NewReader(bytes.NewReader(b.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[1], []string{"x;'=1+2;y", "say \"hi\"\n'=2+3", "4.5"}) || !slices.Equal(recs[2], []string{"'=1", "", ""}) {
		t.Errorf("records = %q", recs)
	}
}
