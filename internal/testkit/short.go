package testkit

import "testing"

// SkipShort skips the test under `go test -short`, the fast tier that runs
// without servers; what names the server or program it needs. The full
// tier (scripts/test.sh) never passes -short, so there every test runs and
// a missing server fails it.
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s: not run under -short (the fast tier); scripts/test.sh runs it", what)
	}
}
