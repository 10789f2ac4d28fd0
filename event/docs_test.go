package event

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const docsPath = "../docs/events.md"

// fencedBlocks returns the contents of the ```lang blocks of a Markdown text.
func fencedBlocks(md, lang string) []string {
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```"+lang:
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// section returns the text under a "## " heading, up to the next one.
func section(t *testing.T, md, heading string) string {
	t.Helper()
	i := strings.Index(md, "\n## "+heading+"\n")
	if i < 0 {
		t.Fatalf("docs/events.md has no section %q", heading)
	}
	rest := md[i+len(heading)+5:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// tableRows returns the cells of the body rows of the Markdown tables in s.
func tableRows(s string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	return rows
}

func readDocs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("the event contract must be documented: %v", err)
	}
	return string(b)
}

// TestDocsExamples decodes every JSON example of docs/events.md with the
// label configuration the same page shows, so the documentation cannot drift
// from what the decoder accepts.
func TestDocsExamples(t *testing.T) {
	md := readDocs(t)

	yamls := fencedBlocks(md, "yaml")
	if len(yamls) != 1 {
		t.Fatalf("want exactly one yaml block (the labels configuration), found %d", len(yamls))
	}
	var cfg struct {
		Labels MappingConfig `yaml:"labels"`
	}
	dec := yaml.NewDecoder(strings.NewReader(yamls[0]))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("the labels configuration in the docs does not parse: %v", err)
	}
	if !reflect.DeepEqual(cfg.Labels, testMapping) {
		t.Errorf("the docs' labels configuration\n%+v\ndiffers from testMapping\n%+v", cfg.Labels, testMapping)
	}
	m, err := NewMapper(cfg.Labels)
	if err != nil {
		t.Fatalf("the docs' labels configuration is rejected: %v", err)
	}
	d := &Decoder{Labels: m}

	examples := fencedBlocks(md, "json")
	if len(examples) < len(Types) {
		t.Fatalf("found %d json examples, want at least one per type (%d)", len(examples), len(Types))
	}
	seen := map[Type]bool{}
	ids := map[string]bool{}
	for i, ex := range examples {
		ev, err := d.Decode([]byte(ex))
		if err != nil {
			t.Errorf("json example %d does not decode: %v\n%s", i+1, err, ex)
			continue
		}
		seen[ev.Type] = true
		if ids[ev.ID] {
			t.Errorf("json example %d reuses event_id %s", i+1, ev.ID)
		}
		ids[ev.ID] = true
	}
	for _, typ := range Types {
		if !seen[typ] {
			t.Errorf("no json example of %s", typ)
		}
		if !strings.Contains(md, "\n### "+string(typ)+"\n") {
			t.Errorf("no section for %s", typ)
		}
	}
}

// TestDocsPresetTable: the presets table lists exactly the labels each
// preset maps, onto the values it maps them to.
func TestDocsPresetTable(t *testing.T) {
	md := readDocs(t)
	backticked := regexp.MustCompile("`([^`]+)`")
	doc := map[string]map[string]map[string]string{} // preset → kind → normalised label → canonical
	for _, row := range tableRows(section(t, md, "Label presets")) {
		if len(row) != 3 || row[0] == "preset" {
			continue
		}
		kind := row[1]
		if kind != "status" && kind != "priority" && kind != "severity" {
			t.Errorf("row %v: kind %q", row, kind)
			continue
		}
		for _, mt := range backticked.FindAllStringSubmatch(row[0], -1) {
			preset := mt[1]
			if _, ok := presetLabels[preset]; !ok {
				t.Errorf("the docs list an unknown preset %q", preset)
				continue
			}
			if doc[preset] == nil {
				doc[preset] = map[string]map[string]string{}
			}
			if doc[preset][kind] == nil {
				doc[preset][kind] = map[string]string{}
			}
			for _, pair := range strings.Split(row[2], "; ") {
				label, canon, ok := strings.Cut(pair, " → ")
				if !ok {
					t.Errorf("preset %s %s: %q is not 'label → value'", preset, kind, pair)
					continue
				}
				doc[preset][kind][NormalizeLabel(label)] = strings.TrimSpace(canon)
			}
		}
	}
	for preset, p := range presetLabels {
		code := map[string]map[string]string{"status": {}, "priority": {}, "severity": {}}
		for l, s := range p.status {
			code["status"][NormalizeLabel(l)] = string(s)
		}
		for _, mp := range p.priority {
			for l, v := range mp {
				code["priority"][NormalizeLabel(l)] = string(v)
			}
		}
		for _, mp := range p.severity {
			for l, v := range mp {
				code["severity"][NormalizeLabel(l)] = string(v)
			}
		}
		for kind, want := range code {
			got := doc[preset][kind]
			if got == nil {
				got = map[string]string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("preset %s %s: docs say %v, code says %v", preset, kind, got, want)
			}
		}
	}
}

// reasonConstants returns the value of every constant of type Reason declared
// in the package's (non-test) source, wherever it is declared: decode.go has
// the decoder's reasons, record.go the store's.
func reasonConstants(t *testing.T) []Reason {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var all []Reason
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Reason" {
					continue
				}
				for i, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: Reason constant %s is not a string literal", name, vs.Names[i].Name)
					}
					r, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatalf("%s: %s: %v", name, vs.Names[i].Name, err)
					}
					all = append(all, Reason(r))
				}
			}
		}
	}
	return all
}

// TestDocsReasonTable: every reason a dead letter can carry (every Reason
// constant of the package) is documented, and nothing else.
func TestDocsReasonTable(t *testing.T) {
	all := reasonConstants(t)
	// The parse must see at least the reasons the decoder and ingest use.
	for _, r := range []Reason{ReasonTooLarge, ReasonInvalidUTF8, ReasonMalformedJSON, ReasonUnsupportedSchema,
		ReasonUnknownType, ReasonMissingField, ReasonInvalidField, ReasonUnknownLabel, ReasonBadTimestamp,
		ReasonDuplicateID, ReasonStoreRejected} {
		if !slices.Contains(all, r) {
			t.Fatalf("reasonConstants missed %s (found %v)", r, all)
		}
	}
	var documented []Reason
	for _, row := range tableRows(section(t, readDocs(t), "Rejections and the dead-letter table")) {
		if row[0] == "reason" {
			continue
		}
		documented = append(documented, Reason(strings.Trim(row[0], "`")))
		// Every reason is produced by something: none is just reserved.
		if len(row) != 3 || row[1] == "" || row[2] == "" || row[2] == "—" || strings.Contains(strings.ToLower(row[1]), "reserved") {
			t.Errorf("reason row %v: want a meaning and an example, and no reserved reasons", row)
		}
	}
	slices.Sort(all)
	slices.Sort(documented)
	if !slices.Equal(documented, all) {
		t.Errorf("documented reasons %v, want %v", documented, all)
	}
}

// TestDocsCanonicalValues: the canonical values table matches the code.
func TestDocsCanonicalValues(t *testing.T) {
	backticked := regexp.MustCompile("`([^`]+)`")
	got := map[string][]string{}
	for _, row := range tableRows(section(t, readDocs(t), "Canonical values")) {
		for _, mt := range backticked.FindAllStringSubmatch(row[1], -1) {
			got[row[0]] = append(got[row[0]], mt[1])
		}
	}
	want := map[string][]string{}
	for _, s := range Statuses {
		want["status"] = append(want["status"], string(s))
	}
	for _, p := range Priorities {
		want["priority"] = append(want["priority"], string(p))
	}
	for _, s := range Severities {
		want["severity"] = append(want["severity"], string(s))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("docs list %v, code has %v", got, want)
	}
}
