// Package fault gives errors a kind: whether retrying can help, and which
// HTTP status an API answer carries. Errors keep their cause via %w.
package fault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Kind classifies an error.
type Kind int

const (
	// Internal is a bug or an unclassified failure.
	Internal Kind = iota
	// Invalid input from a caller: never retried.
	Invalid
	// NotFound: the named thing does not exist.
	NotFound
	// Unauthorized: no valid credentials.
	Unauthorized
	// Forbidden: valid credentials, not allowed.
	Forbidden
	// TooLarge: over a configured limit.
	TooLarge
	// Unavailable: a dependency is down or overloaded; retry with backoff.
	Unavailable
	// Timeout: a deadline passed; retry may help.
	Timeout
	// Permanent: the operation can never succeed as asked (e.g. ClickHouse
	// rejects a value); retrying the same input is pointless.
	Permanent
)

var names = [...]string{"internal", "invalid", "not_found", "unauthorized", "forbidden", "too_large", "unavailable", "timeout", "permanent"}

func (k Kind) String() string {
	if int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// HTTPStatus is the status code an API answers with for this kind.
func (k Kind) HTTPStatus() int {
	switch k {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Unavailable:
		return http.StatusServiceUnavailable
	case Timeout:
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}

// Error is an error with a kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap gives err a kind (nil stays nil).
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Err: err}
}

// Errorf formats an error of kind k; %w works as in fmt.Errorf.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, args...)}
}

// KindOf returns the outermost kind in err's chain; context errors count
// as Timeout, anything unclassified as Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	return Internal
}

// Retryable reports whether trying the same operation again may succeed.
func Retryable(err error) bool {
	switch KindOf(err) {
	case Unavailable, Timeout, Internal:
		return true
	}
	return false
}
