// Package leftovers finds English left in a page or an e-mail meant for a
// Vietnamese or Russian reader: the words a reader sees that are neither
// the language's own (its catalog), nor the data's, nor names everyone
// writes alike. Tests of the dashboards and of whole desks share it.
package leftovers

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/slatehq/slate/internal/i18n"
)

var asciiWord = regexp.MustCompile(`^[A-Za-z]{2,}$`)

// ASCIIWords are the words of s in Latin letters without diacritics,
// lower case: an English leftover is made of them (Vietnamese words with
// marks and Russian words never are).
func ASCIIWords(s string) []string {
	var out []string
	for _, field := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if asciiWord.MatchString(field) {
			out = append(out, strings.ToLower(field))
		}
	}
	return out
}

// CatalogWords are the words a language's own texts use (Vietnamese has
// words without marks, both keep CSAT, SLA, CSV and p90).
func CatalogWords(l i18n.Lang) (map[string]bool, error) {
	c, err := i18n.ReadCatalog(l)
	if err != nil {
		return nil, fmt.Errorf("catalog words of %s: %w", l, err)
	}
	out := map[string]bool{}
	for _, e := range c {
		texts := []string{e.Text}
		for _, p := range e.Plural {
			texts = append(texts, p)
		}
		for _, s := range texts {
			for _, w := range ASCIIWords(strings.ReplaceAll(strings.ReplaceAll(s, "%s", " "), "%d", " ")) {
				out[w] = true
			}
		}
	}
	return out, nil
}

// AlwaysAllowed are words that are names in every language: the product,
// file types, the zone names the pages state, the readers' names, and
// values typed in the URL that the error pages quote.
var AlwaysAllowed = []string{"slate", "xlsx", "csv", "asia", "ho", "chi", "minh", "europe", "moscow", "mars", "base", "utc",
	"lan", "oksana", "qqq", "zzz"}

// Allowed is the words a reader of lang may see: the catalog's, the
// data's (any texts; their Latin words are taken) and AlwaysAllowed.
func Allowed(l i18n.Lang, data ...string) (map[string]bool, error) {
	allowed, err := CatalogWords(l)
	if err != nil {
		return nil, err
	}
	for _, s := range data {
		for _, w := range ASCIIWords(s) {
			allowed[w] = true
		}
	}
	for _, a := range AlwaysAllowed {
		allowed[a] = true
	}
	return allowed, nil
}

// Find lists, sorted, the words of text that allowed does not hold.
func Find(text string, allowed map[string]bool) []string {
	seen := map[string]bool{}
	for _, w := range ASCIIWords(text) {
		if !allowed[w] {
			seen[w] = true
		}
	}
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

var (
	scriptRe  = regexp.MustCompile(`(?s)<script[^>]*>.*?</script>`)
	islandRe  = regexp.MustCompile(`(?s)<script type="application/json" id="opt-[^"]*">(.*?)</script>`)
	tagRe     = regexp.MustCompile(`(?s)<[^>]*>`)
	visAttrRe = regexp.MustCompile(`(?:placeholder|title|aria-label|alt)="([^"]*)"`)
)

// VisibleText is what a reader of a page (its HTML) sees: its text, the
// visible attributes, and the charts' labels, legends and series names
// from the JSON islands.
func VisibleText(page string) (string, error) {
	var b strings.Builder
	for _, m := range islandRe.FindAllStringSubmatch(page, -1) {
		var isl struct {
			Option struct {
				Series []struct {
					Name string          `json:"name"`
					Data json.RawMessage `json:"data"`
				} `json:"series"`
				XAxis  json.RawMessage `json:"xAxis"`
				YAxis  json.RawMessage `json:"yAxis"`
				Legend json.RawMessage `json:"legend"`
			} `json:"option"`
		}
		if err := json.Unmarshal([]byte(m[1]), &isl); err != nil {
			return "", fmt.Errorf("chart island: %w", err)
		}
		for _, s := range isl.Option.Series {
			b.WriteString(s.Name + "\n")
			var named []struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(s.Data, &named) == nil {
				for _, n := range named {
					b.WriteString(n.Name + "\n")
				}
			}
		}
		for _, raw := range []json.RawMessage{isl.Option.XAxis, isl.Option.YAxis, isl.Option.Legend} {
			// an axis or legend is an object or a list of them
			type labelled struct {
				Name string `json:"name"` // an axis's unit
				Data []any  `json:"data"`
			}
			var many []labelled
			if json.Unmarshal(raw, &many) != nil {
				var one labelled
				_ = json.Unmarshal(raw, &one)
				many = []labelled{one}
			}
			for _, a := range many {
				b.WriteString(a.Name + "\n")
				for _, d := range a.Data {
					if s, ok := d.(string); ok {
						b.WriteString(s + "\n")
					}
				}
			}
		}
	}
	for _, m := range visAttrRe.FindAllStringSubmatch(page, -1) {
		b.WriteString(html.UnescapeString(m[1]) + "\n")
	}
	b.WriteString(html.UnescapeString(tagRe.ReplaceAllString(scriptRe.ReplaceAllString(page, " "), " ")))
	return b.String(), nil
}
