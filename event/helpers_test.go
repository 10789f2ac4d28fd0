package event

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testMapping is the label configuration of the example tenants. It is the
// same as the labels: block of docs/events.md (TestDocsExamples checks that).
var testMapping = MappingConfig{
	Default: VocabularyConfig{Preset: PresetCanonical},
	Tenants: map[string]VocabularyConfig{
		"hanoi-callcentre": {Preset: PresetVNCallCentre, DefaultPriority: "normal"},
		"saigon-portal":    {Preset: PresetVNPortal, Ratings: "first"},
		"danang-crm":       {Preset: PresetVNCRM, Status: map[string]string{"Tạm dừng": "on_hold"}},
		"hue-livechat":     {Preset: PresetVNLiveChat},
		"moskva-desk":      {Preset: PresetOneDesk},
	},
}

func testMapper(tb testing.TB) *Mapper {
	tb.Helper()
	m, err := NewMapper(testMapping)
	if err != nil {
		tb.Fatalf("NewMapper: %v", err)
	}
	return m
}

func testDecoder(tb testing.TB) *Decoder {
	return &Decoder{Labels: testMapper(tb)}
}

// edit replaces the single occurrence of old in s; a test whose mutation
// does not apply is a broken test, not a passing one.
func edit(tb testing.TB, s, old, new string) string {
	tb.Helper()
	if n := strings.Count(s, old); n != 1 {
		tb.Fatalf("edit: %q occurs %d times in the base document", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// utc builds an expected UTC time; ns is the sub-second part in nanoseconds.
func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

// eventDiff lists the fields in which got and want differ. Nil and empty
// slices are the same thing for an event (both store an empty array), and
// times must be the same instant in UTC.
func eventDiff(got, want Event) string {
	var diffs []string
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i), wv.Field(i)
		same := false
		switch {
		case g.Kind() == reflect.Slice:
			same = g.Len() == w.Len() && (g.Len() == 0 || reflect.DeepEqual(g.Interface(), w.Interface()))
		case g.Type() == reflect.TypeFor[time.Time]():
			gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
			same = gt.Equal(wt) && (gt.IsZero() || gt.Location() == time.UTC)
		default:
			same = reflect.DeepEqual(g.Interface(), w.Interface())
		}
		if !same {
			diffs = append(diffs, fmt.Sprintf("%s: got %#v, want %#v", name, g.Interface(), w.Interface()))
		}
	}
	return strings.Join(diffs, "\n")
}

func asError(tb testing.TB, err error) *Error {
	tb.Helper()
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not an *event.Error", err, err)
	}
	return e
}
