package fault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestKindsSurviveWrappingAndMapToStatuses(t *testing.T) {
	base := errors.New("boom")
	cases := []struct {
		err       error
		kind      Kind
		status    int
		retryable bool
	}{
		{fmt.Errorf("insert: %w", Wrap(Unavailable, base)), Unavailable, http.StatusServiceUnavailable, true},
		{Errorf(Invalid, "from: %q is not a date", "x"), Invalid, http.StatusBadRequest, false},
		{fmt.Errorf("q: %w", Wrap(Permanent, base)), Permanent, http.StatusInternalServerError, false},
		{Wrap(Forbidden, base), Forbidden, http.StatusForbidden, false},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), Timeout, http.StatusGatewayTimeout, true},
		{base, Internal, http.StatusInternalServerError, true},
	}
	for _, c := range cases {
		if k := KindOf(c.err); k != c.kind {
			t.Errorf("%v: kind %s, want %s", c.err, k, c.kind)
		}
		if s := KindOf(c.err).HTTPStatus(); s != c.status {
			t.Errorf("%v: status %d, want %d", c.err, s, c.status)
		}
		if r := Retryable(c.err); r != c.retryable {
			t.Errorf("%v: retryable %v", c.err, r)
		}
	}
	if !errors.Is(Wrap(Invalid, base), base) {
		t.Error("Wrap hides the cause")
	}
	if Wrap(Invalid, nil) != nil {
		t.Error("Wrap(nil) must stay nil")
	}
}
