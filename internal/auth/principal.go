package auth

import (
	"context"
	"net/http"
)

// Principal is who a request acts as. Role and Scope always come from the
// current configuration, never from the client.
type Principal struct {
	Name  string
	Role  Role
	Scope Scope
	Via   string // "session" or "token"
}

const (
	ViaSession = "session"
	ViaToken   = "token"
)

type principalKey struct{}

type csrfKey struct{}

// WithPrincipal returns ctx carrying p; the Middleware does this, tests and
// background jobs may too.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal the Middleware authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// CSRFToken is the value state-changing browser requests must send, as the
// X-CSRF-Token header or the csrf_token form field; templates embed it. It
// is empty unless the request was authenticated by a session cookie.
func CSRFToken(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey{}).(string)
	return t
}

func withCSRF(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey{}, token)
}
