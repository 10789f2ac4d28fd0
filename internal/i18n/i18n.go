// Package i18n holds Slate's interface languages: English, Vietnamese and
// Russian. Messages are keyed by their English text (the x/text/message
// convention), so code reads as English and a missing translation shows
// the English text rather than a key. The catalogs are JSON files in
// catalog/, embedded in the binary; a message with plural forms is an
// object of CLDR plural categories ("one", "few", "many", "other") whose
// texts take the count as their first argument.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Lang is an interface language.
type Lang string

const (
	English    Lang = "en"
	Vietnamese Lang = "vi"
	Russian    Lang = "ru"
)

// Langs are the shipped languages; English is the default and the source.
var Langs = []Lang{English, Vietnamese, Russian}

//go:embed catalog/*.json
var catalogFS embed.FS

// Entry is one message of a catalog file: a text, or plural forms.
type Entry struct {
	Text   string
	Plural map[string]string // CLDR category -> text
}

// UnmarshalJSON takes a string or an object of plural forms.
func (e *Entry) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, &e.Plural)
	}
	return json.Unmarshal(b, &e.Text)
}

// ReadCatalog reads a language's catalog file.
func ReadCatalog(l Lang) (map[string]Entry, error) {
	b, err := catalogFS.ReadFile("catalog/" + string(l) + ".json")
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", l, err)
	}
	out := map[string]Entry{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("catalog %s: %w", l, err)
	}
	return out, nil
}

var (
	loadOnce sync.Once
	printers map[Lang]*message.Printer
	keys     map[string]bool // the English catalog's keys
)

// load builds the x/text catalog from the files once. The files are
// embedded and checked by the tests, so a broken one is a build defect.
func load() {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	printers = map[Lang]*message.Printer{}
	for _, l := range Langs {
		entries, err := ReadCatalog(l)
		if err != nil {
			panic(err)
		}
		if l == English {
			keys = map[string]bool{}
			for k := range entries {
				keys[k] = true
			}
		}
		tag := l.Tag()
		for key, e := range entries {
			if e.Plural == nil {
				err = b.SetString(tag, key, e.Text)
			} else {
				var cases []any
				for _, cat := range []string{"zero", "one", "two", "few", "many", "other"} {
					if t, ok := e.Plural[cat]; ok {
						cases = append(cases, cat, t)
					}
				}
				err = b.Set(tag, key, plural.Selectf(1, "%d", cases...))
			}
			if err != nil {
				panic(fmt.Errorf("catalog %s, %q: %w", l, key, err))
			}
		}
	}
	for _, l := range Langs {
		printers[l] = message.NewPrinter(l.Tag(), message.Catalog(b))
	}
}

// Tag is the language's BCP 47 tag.
func (l Lang) Tag() language.Tag { return language.MustParse(string(l)) }

// T is the message key in l, formatted with args (fmt verbs; the count
// first for plural messages). An unknown language is English.
func (l Lang) T(key string, args ...any) string {
	loadOnce.Do(load)
	p, ok := printers[l]
	if !ok {
		p = printers[English]
	}
	return p.Sprintf(key, args...)
}

// Has says whether key is a message of the catalogs (the English one,
// which every other has too).
func Has(key string) bool {
	loadOnce.Do(load)
	return keys[key]
}

// Value is a dimension's value as a person reads it: the localised name
// of a canonical status, priority, severity or SLA metric (the catalogs'
// "priority.urgent"), or the value itself (names, tags, labels).
func (l Lang) Value(dim, v string) string {
	if key := dim + "." + v; v != "" && Has(key) {
		return l.T(key)
	}
	return v
}

// Parse reads a configured language: a code of a shipped language, with or
// without a region ("vi", "ru-RU"), any case. "" is English.
func Parse(s string) (Lang, error) {
	if strings.TrimSpace(s) == "" {
		return English, nil
	}
	tag, err := language.Parse(strings.TrimSpace(s))
	if err == nil {
		base, _ := tag.Base()
		if l := Lang(base.String()); slices.Contains(Langs, l) {
			return l, nil
		}
	}
	return "", fmt.Errorf("%q is not a supported language (en, vi or ru)", s)
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.Vietnamese, language.Russian})

// ForReader is a reader's language: the configured one (a user's lang,
// validated with the configuration), else the browser's Accept-Language.
func ForReader(configured, acceptLanguage string) Lang {
	if l, err := Parse(configured); err == nil && configured != "" {
		return l
	}
	return FromAcceptLanguage(acceptLanguage)
}

// FromAcceptLanguage is the best shipped language for a browser's
// Accept-Language header; English when none fits.
func FromAcceptLanguage(header string) Lang {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Langs[i]
}
