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
	// Lang is the configured interface language of a user, "" when the
	// browser's is to be used.
	Lang string
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

// Principal is the current principal of the user or token with the given
// name, as a request of theirs would get it now; false when the
// configuration has no such name (the user or token was removed). Work
// done on someone's behalf later, a scheduled e-mail, asks it.
func (a *Authenticator) Principal(name string) (Principal, bool) {
	if u, ok := a.users[name]; ok {
		return Principal{Name: u.Name, Role: u.Role, Scope: u.Scope.clone(), Via: ViaSession, Lang: u.Lang}, true
	}
	for _, t := range a.tokens {
		if t.Name == name {
			return Principal{Name: t.Name, Role: t.Role, Scope: t.Scope.clone(), Via: ViaToken}, true
		}
	}
	return Principal{}, false
}
