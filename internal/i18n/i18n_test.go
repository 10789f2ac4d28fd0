package i18n_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/sla"
)

// pluralCategories are the CLDR cardinal categories each language's
// plural messages must give (x/text picks among them by the count).
var pluralCategories = map[i18n.Lang][]string{
	i18n.English:    {"one", "other"},
	i18n.Vietnamese: {"other"},
	i18n.Russian:    {"one", "few", "many", "other"},
}

func catalogs(t *testing.T) map[i18n.Lang]map[string]i18n.Entry {
	t.Helper()
	out := map[i18n.Lang]map[string]i18n.Entry{}
	for _, l := range i18n.Langs {
		c, err := i18n.ReadCatalog(l)
		if err != nil {
			t.Fatal(err)
		}
		out[l] = c
	}
	return out
}

// Every catalog has exactly the English keys, plural messages have the
// language's categories, and no text is empty.
func TestCatalogsHaveEveryEnglishKey(t *testing.T) {
	cats := catalogs(t)
	for _, l := range i18n.Langs[1:] {
		for key := range cats[i18n.English] {
			if _, ok := cats[l][key]; !ok {
				t.Errorf("%s catalog lacks %q", l, key)
			}
		}
		for key := range cats[l] {
			if _, ok := cats[i18n.English][key]; !ok {
				t.Errorf("%s catalog has %q, which English has not", l, key)
			}
		}
	}
	for _, l := range i18n.Langs {
		for key, e := range cats[l] {
			if e.Plural == nil {
				if strings.TrimSpace(e.Text) == "" {
					t.Errorf("%s %q: empty", l, key)
				}
				continue
			}
			got := slices.Sorted(func(yield func(string) bool) {
				for c := range e.Plural {
					if !yield(c) {
						return
					}
				}
			})
			if want := slices.Sorted(slices.Values(pluralCategories[l])); !slices.Equal(got, want) {
				t.Errorf("%s %q: plural forms %v, want %v", l, key, got, want)
			}
		}
	}
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// verbs are a text's fmt verbs in order, "%%" left out.
func verbs(s string) []string {
	var out []string
	for _, v := range verb.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

// A translation takes the same arguments as the English text, and a
// literal % is written %% (else it would print as %!(NOVERB)).
func TestCatalogVerbsMatchEnglish(t *testing.T) {
	cats := catalogs(t)
	texts := func(e i18n.Entry) []string {
		if e.Plural == nil {
			return []string{e.Text}
		}
		var out []string
		for _, s := range e.Plural {
			out = append(out, s)
		}
		return out
	}
	for key, en := range cats[i18n.English] {
		want := verbs(texts(en)[0])
		for _, l := range i18n.Langs {
			for _, s := range texts(cats[l][key]) {
				if got := verbs(s); !slices.Equal(got, want) {
					t.Errorf("%s %q: verbs %v in %q, English has %v", l, key, got, s, want)
				}
				if strings.Count(strings.ReplaceAll(s, "%%", ""), "%") != len(want) {
					t.Errorf("%s %q: a bare %% in %q", l, key, s)
				}
			}
			if len(want) == 0 {
				if got := l.T(key); strings.Contains(got, "%!") {
					t.Errorf("%s %q prints %q", l, key, got)
				}
			}
		}
	}
}

// dynamicKeys are keys the code builds as prefix + a canonical value; each
// must name a value that exists, and every such value needs one.
func dynamicKeys() map[string][]string {
	m := map[string][]string{"status.": nil, "priority.": nil, "severity.": nil, "metric.": nil,
		"role.": {"admin", "manager", "finance", "viewer"}, "field.": {"group", "agent", "tag", "channel", "customer", "tenant"},
		"agent_role.": reports.AgentRoles}
	for _, s := range event.Statuses {
		m["status."] = append(m["status."], string(s))
	}
	for _, p := range event.Priorities {
		m["priority."] = append(m["priority."], string(p))
	}
	for _, s := range event.Severities {
		m["severity."] = append(m["severity."], string(s))
	}
	for _, x := range sla.Metrics {
		m["metric."] = append(m["metric."], string(x))
	}
	for _, x := range []string{"full_resolution", "requester_wait", "agent_work"} {
		m["metric."] = append(m["metric."], x)
	}
	// the backlog's age buckets
	m["age."] = reports.AgeBuckets
	// an SLA drill-down's state column
	for _, x := range sla.States {
		m["state."] = append(m["state."], string(x))
	}
	return m
}

// dimensionLabels are the column headings reports makes of dimension
// names ("tag" -> "Tag").
var dimensionLabels = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range reports.Catalog {
		for _, d := range r.Dimensions {
			m[strings.ToUpper(string(d[:1]))+string(d[1:])] = true
		}
	}
	return m
}()

// listSuffix is how the drill-down list of a report is titled (reports
// appends it to the report's title).
const listSuffix = ": tickets"

// A key no code uses is dead weight that translators keep up: every
// English key appears as a Go string literal in the code or templates
// (the report catalog's titles and labels are literals too), or is a
// prefix + canonical value, or a report title's list title.
func TestCatalogKeysAreUsed(t *testing.T) {
	root := filepath.Join("..", "..")
	var src strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "catalog" && filepath.Base(filepath.Dir(path)) == "i18n") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".html")) {
			return nil
		}
		b, err := os.ReadFile(path)
		src.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	code := src.String()
	cats := catalogs(t)
	dyn := dynamicKeys()
	for key := range cats[i18n.English] {
		if strings.Contains(code, strconv.Quote(key)) || strings.Contains(code, "`"+key+"`") {
			continue
		}
		if base, ok := strings.CutSuffix(key, listSuffix); ok && strings.Contains(code, strconv.Quote(base)) {
			continue
		}
		if dimensionLabels[key] {
			continue
		}
		used := false
		for prefix, values := range dyn {
			if v, ok := strings.CutPrefix(key, prefix); ok {
				used = slices.Contains(values, v)
			}
		}
		if !used {
			t.Errorf("catalog key %q is used nowhere", key)
		}
	}
	for prefix, values := range dyn {
		for _, v := range values {
			if !i18n.Has(prefix + v) {
				t.Errorf("catalogs lack %q", prefix+v)
			}
		}
	}
}

func TestPluralForms(t *testing.T) {
	for _, c := range []struct {
		lang i18n.Lang
		n    int
		want string
	}{
		{i18n.English, 1, "1 row, x"}, {i18n.English, 2, "2 rows, x"}, {i18n.English, 0, "0 rows, x"},
		{i18n.Vietnamese, 1, "1 dòng, x"}, {i18n.Vietnamese, 5, "5 dòng, x"},
		{i18n.Russian, 1, "1 строка, x"}, {i18n.Russian, 21, "21 строка, x"}, {i18n.Russian, 3, "3 строки, x"},
		{i18n.Russian, 24, "24 строки, x"}, {i18n.Russian, 5, "5 строк, x"}, {i18n.Russian, 11, "11 строк, x"}, {i18n.Russian, 112, "112 строк, x"},
	} {
		if got := c.lang.T("%d rows, %s", c.n, "x"); got != c.want {
			t.Errorf("%s, %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestParseAndNegotiate(t *testing.T) {
	for in, want := range map[string]i18n.Lang{"": i18n.English, "en": i18n.English, "vi": i18n.Vietnamese, "VI-vn": i18n.Vietnamese, "ru-RU": i18n.Russian, " ru ": i18n.Russian} {
		if got, err := i18n.Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"de", "xx", "vietnamese", "e n"} {
		if _, err := i18n.Parse(bad); err == nil || !strings.Contains(err.Error(), "en, vi or ru") {
			t.Errorf("Parse(%q): %v, want an error listing the languages", bad, err)
		}
	}
	for h, want := range map[string]i18n.Lang{
		"":                        i18n.English,
		"vi-VN,vi;q=0.9,en;q=0.8": i18n.Vietnamese,
		"ru,en;q=0.5":             i18n.Russian,
		"de-DE,ru;q=0.7,en;q=0.3": i18n.Russian,
		"de-DE":                   i18n.English,
		"en-GB,ru;q=0.9":          i18n.English,
		"garbage;;;":              i18n.English,
		"fr-CA,fr;q=0.9,vi;q=0.1": i18n.Vietnamese,
	} {
		if got := i18n.FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
	if got := i18n.ForReader("ru", "vi-VN"); got != i18n.Russian {
		t.Errorf("configured ru, browser vi: %q", got)
	}
	if got := i18n.ForReader("", "vi-VN"); got != i18n.Vietnamese {
		t.Errorf("nothing configured, browser vi: %q", got)
	}
}
