package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/hex"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/slatehq/slate/internal/i18n"
)

// loginCSRFCookie holds the double-submit token of the login form. Without
// it a foreign site could log a victim into the attacker's account (login
// CSRF); there is no session yet to derive a token from.
const loginCSRFCookie = "slate_login_csrf"

const maxFormBytes = 64 << 10

type loginForm struct {
	CSRF, Next, Username, Error string
	Wait                        int // the count in Error, when it has one (a delay)
}

// LoginPage serves GET /login. Mount it outside the Middleware.
func (a *Authenticator) LoginPage(w http.ResponseWriter, r *http.Request) {
	a.renderLogin(w, r, http.StatusOK, loginForm{Next: safeNext(r.URL.Query().Get("next"))})
}

// Login serves POST /login: on success it sets the session cookie and
// redirects to the form's next path (if local) or "/". Mount it outside the
// Middleware.
func (a *Authenticator) Login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	form := loginForm{Username: r.PostFormValue("username"), Next: safeNext(r.PostFormValue("next"))}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(CSRFField))) != 1 {
		a.log.Warn("auth: login form without valid CSRF token", "remote", r.RemoteAddr)
		form.Error = "Your sign-in form expired. Please try again."
		a.renderLogin(w, r, http.StatusForbidden, form)
		return
	}
	now := a.now()
	at := attempt{source: a.source(r), name: form.Username, device: a.device(r, form.Username)}
	if wait := a.limiter.begin(at, now); wait > 0 {
		a.log.Warn("auth: login delayed after failures", a.userAttr(form.Username), "source", at.source, "known_device", at.device != "", "wait", wait)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		form.Error, form.Wait = waitMessage(wait)
		a.renderLogin(w, r, http.StatusTooManyRequests, form)
		return
	}
	u := a.checkPassword(form.Username, r.PostFormValue("password"))
	if u == nil { // begin has counted the failure
		a.log.Warn("auth: login failed", a.userAttr(form.Username), "source", at.source, "known_device", at.device != "")
		// The same message whether the user exists or not.
		form.Error = "Invalid user name or password."
		a.renderLogin(w, r, http.StatusUnauthorized, form)
		return
	}
	a.limiter.succeed(at)
	a.log.Info("auth: login", "user", u.Name, "source", at.source)
	http.SetCookie(w, a.deviceCookieFor(u, now))
	http.SetCookie(w, a.sessionCookie(a.encodeSession(u, now), int(a.cfg.SessionTTL.Seconds())))
	http.SetCookie(w, a.loginCSRFCookie("", -1))
	next := form.Next
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// Logout serves POST /logout: it clears the session cookie and redirects to
// the login page. A valid session must send its CSRF token, so that other
// sites cannot log users out. Mount it outside the Middleware.
func (a *Authenticator) Logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if u, csrf, ok := a.session(r); ok {
		if !validCSRF(r, csrf) {
			writeJSONError(w, http.StatusForbidden, "missing or invalid CSRF token")
			return
		}
		a.log.Info("auth: logout", "user", u.Name)
	}
	http.SetCookie(w, a.sessionCookie("", -1))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// userAttr is the log attribute of a name typed into the login form: the
// name itself when it is a configured user, else only a keyed hash of it,
// because what lands in the name field is sometimes a password. The hash
// still tells repeated attempts with the same text apart from new ones.
func (a *Authenticator) userAttr(name string) slog.Attr {
	if a.users[name] != nil {
		return slog.String("user", name)
	}
	return slog.String("unknown_user", "hmac:"+hex.EncodeToString(a.mac("log", []byte(name))[:6]))
}

// waitMessage is a delay for people, as a message of the catalogs and its
// count: seconds up to a minute, then minutes.
func waitMessage(d time.Duration) (string, int) {
	if d > time.Minute {
		return "Too many failed sign-in attempts. Try again in %d minutes.", int(math.Ceil(d.Minutes()))
	}
	return "Too many failed sign-in attempts. Try again in %d seconds.", int(math.Ceil(d.Seconds()))
}

// checkPassword returns the user if the password matches. Unknown names are
// checked against a dummy hash so that they take as long as known ones.
func (a *Authenticator) checkPassword(name, password string) *User {
	u := a.users[name]
	hash := a.dummyHash()
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil {
		return nil
	}
	return u
}

func (a *Authenticator) loginCSRFCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     loginCSRFCookie,
		Value:    value,
		Path:     "/login", // only the login form needs it
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   !a.cfg.InsecureCookie,
		SameSite: http.SameSiteLaxMode,
	}
}

// renderLogin shows the form, reusing the browser's login CSRF cookie if it
// has one so that several open login tabs keep working.
func (a *Authenticator) renderLogin(w http.ResponseWriter, r *http.Request, status int, form loginForm) {
	if c, err := r.Cookie(loginCSRFCookie); err == nil && len(c.Value) == b64.EncodedLen(32) {
		form.CSRF = c.Value
	} else {
		form.CSRF = randomString(32)
	}
	http.SetCookie(w, a.loginCSRFCookie(form.CSRF, 2*60*60))
	renderPage(w, r, status, "login", form)
}

// renderPage writes one of the templates below, in the reader's language
// (a signed-in user's, else the browser's), with headers that keep the
// page out of caches and frames (clickjacking) and allow nothing external.
func renderPage(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	pr, _ := FromContext(r.Context())
	var buf bytes.Buffer
	if err := pages[i18n.ForReader(pr.Lang, r.Header.Get("Accept-Language"))].ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pages are the templates in each language.
var pages = func() map[i18n.Lang]*template.Template {
	out := map[i18n.Lang]*template.Template{}
	for _, l := range i18n.Langs {
		out[l] = template.Must(template.New("").Funcs(template.FuncMap{"t": l.T, "lang": func() string { return string(l) }}).Parse(pageTemplates))
	}
	return out
}()

const pageTemplates = `
{{define "head"}}<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{t .}} · Slate</title>
<style>
body { font: 16px/1.4 system-ui, sans-serif; background: #f4f5f7; color: #1d2330; margin: 0; }
main { max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1 { font-size: 1.4rem; margin: 0 0 1.2rem; }
label { display: block; margin: .8rem 0 .3rem; font-weight: 600; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 1px solid #b8bfcc; border-radius: 4px; }
button { margin-top: 1.2rem; width: 100%; padding: .6rem; font: inherit; font-weight: 600; color: #fff; background: #2f5bd3; border: 0; border-radius: 4px; cursor: pointer; }
.error { background: #fdecec; color: #8a1c1c; padding: .6rem .8rem; border-radius: 4px; }
</style>
</head>
<body>
<main>
{{end}}

{{define "login"}}{{template "head" "Sign in"}}
<h1>{{t "Sign in to Slate"}}</h1>
{{with .Error}}<p class="error" role="alert">{{if $.Wait}}{{t . $.Wait}}{{else}}{{t .}}{{end}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<input type="hidden" name="next" value="{{.Next}}">
<label for="username">{{t "User name"}}</label>
<input id="username" name="username" value="{{.Username}}" autocomplete="username" required autofocus>
<label for="password">{{t "Password"}}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{{t "Sign in"}}</button>
</form>
</main>
</body>
</html>
{{end}}

{{define "forbidden"}}{{template "head" "Forbidden"}}
<h1>{{t "Forbidden"}}</h1>
<p class="error">{{if eq lang "en"}}{{.}}.{{else}}{{t "Your role may not see this page."}}{{end}}</p>
<p><a href="/">{{t "Back to the start page"}}</a></p>
</main>
</body>
</html>
{{end}}
`
