package auth

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const (
	// CSRFHeader and CSRFField carry the CSRF token of a session, see
	// CSRFToken.
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// Authenticator checks credentials against one validated Config.
type Authenticator struct {
	cfg     Config
	log     *slog.Logger
	key     []byte
	users   map[string]*User
	tokens  map[[sha256.Size]byte]*Token
	limiter *loginLimiter
	proxies []netip.Prefix   // cfg.TrustedProxies
	now     func() time.Time // replaced in tests

	// dummyHash is compared against when the user name is unknown, so that
	// a failed login takes as long whether or not the user exists.
	dummyHash func() []byte
}

// New validates cfg (filling in defaults) and builds an Authenticator. It
// refuses a configuration without users and tokens, with which nobody
// could ever get in. A nil logger means slog.Default().
func New(cfg Config, logger *slog.Logger) (*Authenticator, error) {
	cfg.Users = slices.Clone(cfg.Users)
	cfg.Tokens = slices.Clone(cfg.Tokens)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Users) == 0 && len(cfg.Tokens) == 0 {
		return nil, errors.New("auth: no users or tokens configured, nobody could sign in")
	}
	if logger == nil {
		logger = slog.Default()
	}
	a := &Authenticator{
		cfg:     cfg,
		log:     logger,
		key:     []byte(cfg.SessionKey),
		users:   make(map[string]*User, len(cfg.Users)),
		tokens:  make(map[[sha256.Size]byte]*Token, len(cfg.Tokens)),
		limiter: newLoginLimiter(10_000),
		now:     time.Now,
		dummyHash: sync.OnceValue(func() []byte {
			h, _ := bcrypt.GenerateFromPassword([]byte("no such user"), bcrypt.DefaultCost)
			return h
		}),
	}
	for _, p := range cfg.TrustedProxies {
		pfx, _ := parsePrefix(p) // checked by Validate
		a.proxies = append(a.proxies, pfx)
	}
	for i := range cfg.Users {
		a.users[cfg.Users[i].Name] = &cfg.Users[i]
	}
	for i := range cfg.Tokens {
		sum, _ := parseTokenHash(cfg.Tokens[i].Hash) // checked by Validate
		a.tokens[sum] = &cfg.Tokens[i]
	}
	return a, nil
}

// Middleware authenticates every request by bearer token or session cookie
// and puts the Principal into the context. Mount it around everything but
// health checks and the login/logout handlers.
//
// A request carrying an Authorization header is judged by it alone: a bad
// token is refused, never retried with the cookie, so a client learns its
// token is wrong. Cookie-authenticated requests that may change state must
// carry the session's CSRF token; token-authenticated ones need not, as
// browsers never attach bearer tokens on their own.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" {
			t := a.token(h)
			if t == nil {
				a.log.Warn("auth: rejected bearer token", "remote", r.RemoteAddr, "path", r.URL.Path)
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				writeJSONError(w, http.StatusUnauthorized, "invalid token")
				return
			}
			p := Principal{Name: t.Name, Role: t.Role, Scope: t.Scope.clone(), Via: ViaToken}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
			return
		}
		u, csrf, ok := a.session(r)
		if !ok {
			a.unauthenticated(w, r)
			return
		}
		if !safeMethod(r.Method) && !validCSRF(r, csrf) {
			a.log.Warn("auth: missing or invalid CSRF token", "user", u.Name, "method", r.Method, "path", r.URL.Path)
			writeJSONError(w, http.StatusForbidden, "missing or invalid CSRF token")
			return
		}
		p := Principal{Name: u.Name, Role: u.Role, Scope: u.Scope.clone(), Via: ViaSession, Lang: u.Lang}
		ctx := WithPrincipal(r.Context(), p)
		next.ServeHTTP(w, r.WithContext(withCSRF(ctx, csrf)))
	})
}

// token resolves an Authorization header to a configured token, or nil.
// Looking the token up by its SHA-256 leaks at most timing about the hash,
// which does not help guess the token itself.
func (a *Authenticator) token(header string) *Token {
	scheme, plain, _ := strings.Cut(header, " ")
	plain = strings.TrimSpace(plain)
	if !strings.EqualFold(scheme, "Bearer") || plain == "" {
		return nil
	}
	return a.tokens[sha256.Sum256([]byte(plain))]
}

// unauthenticated answers API clients with 401 and sends browsers to the
// login page, which brings them back afterwards.
func (a *Authenticator) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(a.cfg.CookieName); err == nil {
		http.SetCookie(w, a.sessionCookie("", -1)) // expired, tampered or user gone
	}
	if isAPI(r) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeJSONError(w, http.StatusUnauthorized, "authentication required")
		return
	}
	target := "/login"
	if next := safeNext(r.URL.RequestURI()); next != "" && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// Require lets through only principals whose role has permission p. Use it
// inside the Middleware.
func (a *Authenticator) Require(p Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pr, ok := FromContext(r.Context())
			if !ok {
				a.unauthenticated(w, r) // Middleware not mounted: fail closed
				return
			}
			if !pr.Role.Can(p) {
				msg := fmt.Sprintf("role %s may not %s", pr.Role, p.describe())
				a.log.Info("auth: forbidden", "principal", pr.Name, "role", pr.Role, "permission", p, "path", r.URL.Path)
				if isAPI(r) {
					writeJSONError(w, http.StatusForbidden, msg)
				} else {
					renderPage(w, r, http.StatusForbidden, "forbidden", msg)
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func isAPI(r *http.Request) bool {
	return r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
}

// safeNext returns next as a normalised path on this site, or "" when it
// is anything else. Browsers read "//host" and "/\host" as another host,
// and http.Redirect cleans "/./\host" into the latter, so the path is
// cleaned here first and backslashes, control characters (which browsers
// drop from URLs), schemes, hosts and user info are refused outright.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') || strings.ContainsFunc(next, isControl) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	p := u.EscapedPath()
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") {
		return ""
	}
	if u.RawQuery != "" {
		clean += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		clean += "#" + u.EscapedFragment()
	}
	return clean
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func (s Scope) clone() Scope {
	return Scope{Tenants: slices.Clone(s.Tenants), Groups: slices.Clone(s.Groups)}
}
