package compat

import (
	"strings"
	"testing"
)

// TestSameRows: the comparison the replay relies on tells results apart
// the way docs/clickhouse.md says: rows as multisets, text and integers
// exactly, floats within relTol.
func TestSameRows(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"a\t1\nb\t2\n", "b\t2\na\t1\n", true},                         // order
		{"a\t0.30000000000000004\n", "a\t0.3\n", true},                 // summation order
		{"a\t1.50\n", "a\t1.5\n", true},                                // Decimal's trailing zeros
		{"a\t0000-00-00 00:00:00\n", "a\t1970-01-01 00:00:00\n", true}, // 18.16's zero DateTime
		{"", "", true},              // no rows
		{"a\t1\n", "a\t2\n", false}, // integers
		{"a\t9007199254740993\n", "a\t9007199254740992\n", false},        // beyond 2^53
		{"a\t0.3\n", "a\t0.3001\n", false},                               // floats beyond the tolerance
		{"Mia P. Moore\t3\n", "Mason E. Young\t3\n", false},              // text
		{"a\t1\n", "a\t1\na\t1\n", false},                                // a row twice
		{"a\t1\n", "", false},                                            // rows against none
		{"a\t1\tx\n", "a\t1\n", false},                                   // columns
		{"2026-03-08 07:00:00\t1\n", "2026-03-08 08:00:00\t1\n", false},  // times
		{"a\t1\nb\t2\n", "a\t2\nb\t1\n", false},                          // values swapped between rows
		{"['x','y']\t1\n", "['y','x']\t1\n", false},                      // arrays in order
		{"a\t0000-00-00 00:00:00\n", "a\t1970-01-01 00:00:01\n", false},  // only the zero is the epoch
		{strings.Repeat("k\t1\n", 3), strings.Repeat("k\t1\n", 3), true}, // duplicates kept
		{"a\t1e-300\n", "a\t0\n", false},                                 // relative, not absolute
		{"a\t-0.000001\n", "a\t-0.0000010000000000001\n", true},          // negative floats
		{"a\tnan\n", "a\tnan\n", true},                                   // the same text
		{"a\t\\N\n", "a\t0\n", false},                                    // NULL is not 0
		{"x\n", "x\n", true},
	} {
		diff := sameRows(c.a, c.b)
		if (diff == "") != c.same {
			t.Errorf("sameRows(%q, %q): %q, want same=%v", c.a, c.b, diff, c.same)
		}
	}
}
