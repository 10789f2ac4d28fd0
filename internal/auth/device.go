package auth

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"time"
)

// deviceCookie marks a browser that has signed in as a user before. The
// login throttle judges such a browser's attempts at that user by their own
// failures only, so that nobody can keep a user out of the browsers they
// use by failing logins in the user's name (see loginLimiter).
const deviceCookie = "slate_device"

// deviceTTL is how long a browser stays known without signing in again.
const deviceTTL = 180 * 24 * time.Hour

type devicePayload struct {
	User    string `json:"u"`
	ID      string `json:"d"` // random, one per sign-in
	Expires int64  `json:"e"` // unix seconds
	// Cred fingerprints the password hash: after a password change the
	// browser has to prove itself again.
	Cred string `json:"c"`
}

// device returns the id of the request's device cookie if it is valid for
// the configured user name, else "".
func (a *Authenticator) device(r *http.Request, name string) string {
	u := a.users[name]
	c, err := r.Cookie(deviceCookie)
	if u == nil || err != nil {
		return ""
	}
	payload, ok := a.verify("device", c.Value)
	if !ok {
		return ""
	}
	var d devicePayload
	if json.Unmarshal(payload, &d) != nil || d.User != name || d.ID == "" || a.now().Unix() >= d.Expires ||
		subtle.ConstantTimeCompare([]byte(d.Cred), []byte(a.credFingerprint(u))) != 1 {
		return ""
	}
	return d.ID
}

// deviceCookieFor is the cookie that makes this browser known for u.
func (a *Authenticator) deviceCookieFor(u *User, now time.Time) *http.Cookie {
	p, _ := json.Marshal(devicePayload{User: u.Name, ID: randomString(12), Expires: now.Add(deviceTTL).Unix(), Cred: a.credFingerprint(u)})
	return &http.Cookie{
		Name:     deviceCookie,
		Value:    a.sign("device", p),
		Path:     "/login", // only the login form reads it
		MaxAge:   int(deviceTTL.Seconds()),
		HttpOnly: true,
		Secure:   !a.cfg.InsecureCookie,
		SameSite: http.SameSiteStrictMode,
	}
}
