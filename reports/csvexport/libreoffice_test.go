package csvexport

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"testing"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/reports"
)

// hostileCells are ticket fields crafted to run in a spreadsheet, each
// with the text LibreOffice must show for it after a ',' import.
var hostileCells = []struct{ in, shown string }{
	{"\x00=HYPERLINK(\"http://evil.example\",\"click\")", `'=HYPERLINK("http://evil.example","click")`},
	{"x;=1+2;y", "x;'=1+2;y"},
	{"x,=1+2,y", "x,=1+2,y"},
	{"a\r\n=3+4", "a\n'=3+4"},
	{"a\n=3+4;5", "a\n'=3+4;5"},
	{"a;\n=1", "a;'\n'=1"},
	{"-1+2", "'-1+2"},
	{"@SUM(1)", "'@SUM(1)"},
	{"+7", "'+7"},
	{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
	{" =9", "' =9"},
	{"\x01\x1b=10", "'=10"},
	{"\t=11", "'\t'=11"},
	{"Sự cố mạng", "Sự cố mạng"},
}

// TestLibreOfficeRunsNoFormula opens an export whose text cells are all
// hostile in LibreOffice's default CSV import, with ',' and with ';' as the
// separator (the default in many European and Vietnamese locales), and
// checks that no cell became a formula and, with ',', that every cell
// shows its text.
func TestLibreOfficeRunsNoFormula(t *testing.T) {
	res := &reports.Result{Columns: []reports.Column{{Name: "customer"}, {Name: "subject"}, {Name: "hours"}}}
	for i, c := range hostileCells {
		h := float64(i) - 1.5
		res.Rows = append(res.Rows, []any{c.in, hostileCells[len(hostileCells)-1-i].in, &h})
	}
	var b bytes.Buffer
	if err := Encode(&b, res); err != nil {
		t.Fatal(err)
	}
	formula := regexp.MustCompile(`table:formula="[^"]*"`)
	for _, sep := range []string{"44", "59"} {
		infilter := "Text - txt - csv (StarCalc):" + sep + ",34,76,1"
		doc := testkit.LibreOffice(t, b.Bytes(), "report.csv", infilter, "fods")
		if f := formula.FindAll(doc, -1); len(f) > 0 {
			t.Errorf("separator %s: LibreOffice made formulas: %s", sep, f)
		}
	}

	raw := testkit.LibreOffice(t, b.Bytes(), "report.csv", "Text - txt - csv (StarCalc):44,34,76,1",
		"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true")
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	if len(recs) != 1+len(hostileCells) {
		t.Fatalf("LibreOffice sees %d rows, want %d: %q", len(recs), 1+len(hostileCells), recs)
	}
	for i, c := range hostileCells {
		got := recs[1+i]
		other := hostileCells[len(hostileCells)-1-i].shown
		if len(got) != 3 || got[0] != c.shown || got[1] != other {
			t.Errorf("row %d: LibreOffice shows %q, want [%q %q ...]", i+1, got, c.shown, other)
		}
	}
}
