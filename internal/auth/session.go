package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// A session cookie is base64url(payload) "." base64url(HMAC(payload)). It
// only says who logged in and until when; everything else is looked up in
// the configuration on each request. Being stateless, a session cannot be
// revoked before it expires except by removing the user, changing the
// password or rotating the session key.
type sessionPayload struct {
	User    string `json:"u"`
	ID      string `json:"s"` // random; the CSRF token derives from it
	Expires int64  `json:"e"` // unix seconds
	// Cred fingerprints the password hash, so that changing a password in
	// the configuration ends the sessions opened with the old one.
	Cred string `json:"c"`
}

var b64 = base64.RawURLEncoding

// mac is HMAC-SHA256 under the session key. The purpose prefix keeps the
// values signed for different uses from ever standing in for each other.
func (a *Authenticator) mac(purpose string, data []byte) []byte {
	h := hmac.New(sha256.New, a.key)
	h.Write([]byte(purpose + "|"))
	h.Write(data)
	return h.Sum(nil)
}

func (a *Authenticator) credFingerprint(u *User) string {
	return b64.EncodeToString(a.mac("cred", []byte(u.PasswordHash))[:12])
}

// csrfFor derives the CSRF token from the session id, so it needs no
// storage, and an attacker without the key cannot compute it.
func (a *Authenticator) csrfFor(sessionID string) string {
	return b64.EncodeToString(a.mac("csrf", []byte(sessionID)))
}

func (a *Authenticator) encodeSession(u *User, now time.Time) string {
	p, _ := json.Marshal(sessionPayload{
		User:    u.Name,
		ID:      randomString(16),
		Expires: now.Add(a.cfg.SessionTTL).Unix(),
		Cred:    a.credFingerprint(u),
	})
	return a.sign("session", p)
}

// sign returns base64url(payload) "." base64url(HMAC(purpose, payload)).
func (a *Authenticator) sign(purpose string, payload []byte) string {
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(a.mac(purpose, payload))
}

// verify returns the payload of a value made by sign for purpose, or
// false if it was not.
func (a *Authenticator) verify(purpose, value string) ([]byte, bool) {
	p64, m64, ok := strings.Cut(value, ".")
	if !ok {
		return nil, false
	}
	payload, err1 := b64.DecodeString(p64)
	mac, err2 := b64.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, a.mac(purpose, payload)) {
		return nil, false
	}
	return payload, true
}

// session verifies the request's session cookie and returns the configured
// user and the session's CSRF token.
func (a *Authenticator) session(r *http.Request) (*User, string, bool) {
	if len(a.users) == 0 {
		return nil, "", false // no key to verify with
	}
	c, err := r.Cookie(a.cfg.CookieName)
	if err != nil {
		return nil, "", false
	}
	payload, ok := a.verify("session", c.Value)
	if !ok {
		return nil, "", false
	}
	var s sessionPayload
	if json.Unmarshal(payload, &s) != nil || a.now().Unix() >= s.Expires || s.ID == "" {
		return nil, "", false
	}
	u := a.users[s.User]
	if u == nil || subtle.ConstantTimeCompare([]byte(s.Cred), []byte(a.credFingerprint(u))) != 1 {
		return nil, "", false
	}
	return u, a.csrfFor(s.ID), true
}

func (a *Authenticator) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     a.cfg.CookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge, // < 0 deletes
		HttpOnly: true,
		Secure:   !a.cfg.InsecureCookie,
		SameSite: http.SameSiteLaxMode,
	}
}

// validCSRF checks the X-CSRF-Token header, or else the csrf_token form
// field, against want. The query string is not consulted: tokens in URLs
// leak through logs and Referer headers.
func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField) // parses only form bodies, leaves JSON alone
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// safeMethod: requests that must not change state need no CSRF token.
// Everything else does, including methods nobody thought of.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms (crypto/rand panics instead)
	return b64.EncodeToString(b)
}
