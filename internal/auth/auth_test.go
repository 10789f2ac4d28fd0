package auth

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const testKey = "0123456789abcdef0123456789abcdef"

// fixture is an Authenticator with a fixed clock and these credentials:
// alice (viewer, password "alice-pw"), fiona (finance, scoped to tenant
// acme and group billing) and the token in plainToken (manager).
type fixture struct {
	a          *Authenticator
	cfg        Config
	clock      time.Time
	plainToken string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	plain, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Users: []User{
			{Name: "alice", Role: RoleViewer, PasswordHash: cheapHash(t, "alice-pw")},
			{Name: "fiona", Role: RoleFinance, PasswordHash: cheapHash(t, "fiona-pw"),
				Scope: Scope{Tenants: []string{"acme"}, Groups: []string{"billing"}}},
		},
		Tokens:     []Token{{Name: "ci", Role: RoleManager, Hash: hash, Scope: Scope{Tenants: []string{"globex"}}}},
		SessionKey: testKey,
	}
	f := &fixture{cfg: cfg, clock: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), plainToken: plain}
	f.a = f.build(t, cfg)
	return f
}

// build makes an Authenticator sharing the fixture's clock, e.g. after a
// configuration change.
func (f *fixture) build(t *testing.T, cfg Config) *Authenticator {
	t.Helper()
	a, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return f.clock }
	return a
}

// handler mounts the handlers as `slate serve` would: health and login
// outside the Middleware, everything else inside.
func handler(a *Authenticator) http.Handler {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := FromContext(r.Context())
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"name": p.Name, "role": p.Role, "via": p.Via, "scope": p.Scope, "csrf": CSRFToken(r),
		})
	})
	inner := http.NewServeMux()
	inner.Handle("/", echo)
	inner.Handle("/api/finance/", a.Require(PermViewFinance)(echo))
	inner.Handle("/finance/", a.Require(PermViewFinance)(echo))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("GET /login", a.LoginPage)
	mux.HandleFunc("POST /login", a.Login)
	mux.HandleFunc("POST /logout", a.Logout)
	mux.Handle("/", a.Middleware(inner))
	return mux
}

type echoed struct {
	Name  string
	Role  Role
	Via   string
	Scope Scope
	CSRF  string
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decodeEcho(t *testing.T, body io.Reader) echoed {
	t.Helper()
	var e echoed
	if err := json.NewDecoder(body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

func wantJSONError(t *testing.T, w *httptest.ResponseRecorder, status int, msg string) {
	t.Helper()
	var body struct{ Error string }
	if w.Code != status || json.Unmarshal(w.Body.Bytes(), &body) != nil || body.Error != msg {
		t.Fatalf("got %d %q, want %d with error %q", w.Code, w.Body.String(), status, msg)
	}
}

// sessionCookie is a valid session cookie for the named user.
func (f *fixture) sessionCookie(name string) *http.Cookie {
	return &http.Cookie{Name: "slate_session", Value: f.a.encodeSession(f.a.users[name], f.clock)}
}

func TestHealthNeedsNoAuth(t *testing.T) {
	f := newFixture(t)
	if w := serve(handler(f.a), httptest.NewRequest("GET", "/healthz", nil)); w.Code != 200 {
		t.Fatalf("/healthz: %d", w.Code)
	}
}

func TestUnauthenticatedAPIGets401JSONPagesRedirect(t *testing.T) {
	f := newFixture(t)
	h := handler(f.a)

	w := serve(h, httptest.NewRequest("GET", "/api/reports/sla", nil))
	wantJSONError(t, w, 401, "authentication required")
	if got := w.Header().Get("WWW-Authenticate"); got != "Bearer" {
		t.Fatalf("WWW-Authenticate = %q", got)
	}

	w = serve(h, httptest.NewRequest("GET", "/dashboards/manager?team=a&b=1", nil))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("page: %d, want 303", w.Code)
	}
	want := "/login?next=" + url.QueryEscape("/dashboards/manager?team=a&b=1")
	if got := w.Header().Get("Location"); got != want {
		t.Fatalf("Location = %q, want %q", got, want)
	}
}

func TestBearerToken(t *testing.T) {
	f := newFixture(t)
	h := handler(f.a)

	r := httptest.NewRequest("GET", "/api/reports/sla", nil)
	r.Header.Set("Authorization", "Bearer "+f.plainToken)
	w := serve(h, r)
	if w.Code != 200 {
		t.Fatalf("valid token: %d %s", w.Code, w.Body)
	}
	e := decodeEcho(t, w.Body)
	if e.Name != "ci" || e.Role != RoleManager || e.Via != "token" || e.CSRF != "" ||
		!slices.Equal(e.Scope.Tenants, []string{"globex"}) || len(e.Scope.Groups) != 0 {
		t.Fatalf("principal = %+v", e)
	}

	// Token requests carry no ambient credentials, so need no CSRF token.
	r = httptest.NewRequest("POST", "/api/schedules", strings.NewReader(`{}`))
	r.Header.Set("Authorization", "bearer "+f.plainToken)
	if w := serve(h, r); w.Code != 200 {
		t.Fatalf("token POST: %d %s", w.Code, w.Body)
	}

	for _, header := range []string{
		"Bearer slt_unknown",
		"Bearer " + f.plainToken + "x",
		"Bearer ",
		"Bearer" + f.plainToken,
		"Basic YWxpY2U6YWxpY2UtcHc=",
		f.plainToken,
	} {
		for _, path := range []string{"/api/reports/sla", "/dashboards/manager"} {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Authorization", header)
			// A valid session must not rescue a bad token.
			r.AddCookie(f.sessionCookie("alice"))
			wantJSONError(t, serve(h, r), 401, "invalid token")
		}
	}
}

func TestRequire(t *testing.T) {
	f := newFixture(t)
	h := handler(f.a)

	r := httptest.NewRequest("GET", "/api/finance/costs", nil)
	r.AddCookie(f.sessionCookie("alice"))
	wantJSONError(t, serve(h, r), 403, "role viewer may not view finance reports")

	r = httptest.NewRequest("GET", "/finance/costs", nil)
	r.AddCookie(f.sessionCookie("alice"))
	w := serve(h, r)
	if w.Code != 403 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(w.Body.String(), "role viewer may not view finance reports") {
		t.Fatalf("page: %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}

	r = httptest.NewRequest("GET", "/api/finance/costs", nil)
	r.AddCookie(f.sessionCookie("fiona"))
	if w := serve(h, r); w.Code != 200 {
		t.Fatalf("finance user: %d %s", w.Code, w.Body)
	}

	r = httptest.NewRequest("GET", "/api/finance/costs", nil)
	r.Header.Set("Authorization", "Bearer "+f.plainToken) // a manager
	wantJSONError(t, serve(h, r), 403, "role manager may not view finance reports")

	// Without the Middleware nobody is let through.
	bare := f.a.Require(PermViewReports)(http.NotFoundHandler())
	wantJSONError(t, serve(bare, httptest.NewRequest("GET", "/api/x", nil)), 401, "authentication required")
}

func TestSessionCarriesScopeAndCSRF(t *testing.T) {
	f := newFixture(t)
	h := handler(f.a)
	c := f.sessionCookie("fiona")

	r := httptest.NewRequest("GET", "/api/reports/sla", nil)
	r.AddCookie(c)
	w := serve(h, r)
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	e := decodeEcho(t, w.Body)
	if e.Name != "fiona" || e.Role != RoleFinance || e.Via != "session" || e.CSRF == "" ||
		!slices.Equal(e.Scope.Tenants, []string{"acme"}) || !slices.Equal(e.Scope.Groups, []string{"billing"}) {
		t.Fatalf("principal = %+v", e)
	}

	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE", "PROPFIND"} {
		r := httptest.NewRequest(method, "/api/schedules/1", nil)
		r.AddCookie(c)
		wantJSONError(t, serve(h, r), 403, "missing or invalid CSRF token")

		r = httptest.NewRequest(method, "/api/schedules/1", nil)
		r.AddCookie(c)
		r.Header.Set("X-CSRF-Token", "wrong")
		wantJSONError(t, serve(h, r), 403, "missing or invalid CSRF token")

		r = httptest.NewRequest(method, "/api/schedules/1", nil)
		r.AddCookie(c)
		r.Header.Set("X-CSRF-Token", e.CSRF)
		if w := serve(h, r); w.Code != 200 {
			t.Fatalf("%s with CSRF header: %d %s", method, w.Code, w.Body)
		}
	}

	// A form field does as well as the header; the query string does not.
	r = httptest.NewRequest("POST", "/schedules/1", strings.NewReader(url.Values{"csrf_token": {e.CSRF}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(c)
	if w := serve(h, r); w.Code != 200 {
		t.Fatalf("form field: %d %s", w.Code, w.Body)
	}
	r = httptest.NewRequest("POST", "/schedules/1?csrf_token="+url.QueryEscape(e.CSRF), nil)
	r.AddCookie(c)
	wantJSONError(t, serve(h, r), 403, "missing or invalid CSRF token")

	// Another session of the same user has another token.
	f.clock = f.clock.Add(time.Second)
	other := f.sessionCookie("fiona")
	r = httptest.NewRequest("POST", "/api/schedules/1", nil)
	r.AddCookie(other)
	r.Header.Set("X-CSRF-Token", e.CSRF)
	wantJSONError(t, serve(h, r), 403, "missing or invalid CSRF token")
}

func TestBadSessionCookiesRejected(t *testing.T) {
	f := newFixture(t)
	valid := f.sessionCookie("alice").Value
	payload, mac, _ := strings.Cut(valid, ".")
	raw, _ := b64.DecodeString(payload)
	flipped := "A"
	if mac[0] == 'A' {
		flipped = "B"
	}
	flipped += mac[1:]
	forged := b64.EncodeToString([]byte(strings.Replace(string(raw), `"u":"alice"`, `"u":"fiona"`, 1)))

	other, err := New(Config{Users: f.cfg.Users, SessionKey: strings.Repeat("x", 32)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := other.encodeSession(other.users["alice"], f.clock)

	for name, value := range map[string]string{
		"other user, old mac": forged + "." + mac,
		"flipped mac":         payload + "." + flipped,
		"no mac":              payload,
		"other key":           otherKey,
		"garbage":             "%%%.%%%",
		"empty":               "",
	} {
		r := httptest.NewRequest("GET", "/reports", nil)
		r.AddCookie(&http.Cookie{Name: "slate_session", Value: value})
		w := serve(handler(f.a), r)
		if w.Code != http.StatusSeeOther {
			t.Errorf("%s: %d, want 303", name, w.Code)
		}
		if value != "" && !clearsSession(w.Result()) {
			t.Errorf("%s: bad cookie not cleared", name)
		}
	}
}

func clearsSession(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if c.Name == "slate_session" && c.MaxAge < 0 {
			return true
		}
	}
	return false
}

func TestExpiredSessionRejected(t *testing.T) {
	f := newFixture(t)
	c := f.sessionCookie("alice")
	get := func() int {
		r := httptest.NewRequest("GET", "/api/reports", nil)
		r.AddCookie(c)
		return serve(handler(f.a), r).Code
	}
	f.clock = f.clock.Add(12*time.Hour - time.Second)
	if code := get(); code != 200 {
		t.Fatalf("just before expiry: %d", code)
	}
	f.clock = f.clock.Add(time.Second)
	if code := get(); code != 401 {
		t.Fatalf("at expiry: %d, want 401", code)
	}
}

func TestConfigChangesApplyToExistingSessions(t *testing.T) {
	f := newFixture(t)
	c := f.sessionCookie("alice")
	get := func(a *Authenticator) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/reports", nil)
		r.AddCookie(c)
		return serve(handler(a), r)
	}

	promoted := f.cfg
	promoted.Users = slices.Clone(f.cfg.Users)
	promoted.Users[0].Role = RoleAdmin
	promoted.Users[0].Scope = Scope{Groups: []string{"tier1"}}
	w := get(f.build(t, promoted))
	if e := decodeEcho(t, w.Body); e.Role != RoleAdmin || !slices.Equal(e.Scope.Groups, []string{"tier1"}) {
		t.Fatalf("role and scope should come from the configuration: %+v", e)
	}

	removed := f.cfg
	removed.Users = f.cfg.Users[1:]
	if w := get(f.build(t, removed)); w.Code != 401 {
		t.Fatalf("removed user: %d, want 401", w.Code)
	}

	newPassword := f.cfg
	newPassword.Users = slices.Clone(f.cfg.Users)
	newPassword.Users[0].PasswordHash = cheapHash(t, "new-pw")
	if w := get(f.build(t, newPassword)); w.Code != 401 {
		t.Fatalf("changed password: %d, want 401", w.Code)
	}
}

var hiddenCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// browser is a TLS test server with a client that keeps cookies and does
// not follow redirects, so that each step can be checked.
type browser struct {
	t    *testing.T
	srv  *httptest.Server
	c    *http.Client
	last *http.Response
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	srv := httptest.NewTLSServer(h) // the cookies are Secure
	t.Cleanup(srv.Close)
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, srv: srv, c: c}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(r)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	b.last = resp
	return resp.StatusCode, string(raw)
}

func (b *browser) cookie(name string) *http.Cookie {
	for _, c := range b.last.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// loginForm fetches the login page and returns its CSRF token.
func (b *browser) loginForm(next string) string {
	b.t.Helper()
	code, body := b.do("GET", "/login?next="+url.QueryEscape(next), nil)
	m := hiddenCSRF.FindStringSubmatch(body)
	if code != 200 || m == nil {
		b.t.Fatalf("GET /login: %d %s", code, body)
	}
	return m[1]
}

func TestLoginFlow(t *testing.T) {
	f := newFixture(t)
	b := newBrowser(t, handler(f.a))

	if code, _ := b.do("GET", "/reports/sla?week=9", nil); code != 303 ||
		b.last.Header.Get("Location") != "/login?next=%2Freports%2Fsla%3Fweek%3D9" {
		t.Fatalf("before login: %d %s", code, b.last.Header.Get("Location"))
	}

	csrf := b.loginForm("/reports/sla?week=9")
	if c := b.cookie("slate_login_csrf"); c == nil || c.Value != csrf || !c.HttpOnly || !c.Secure {
		t.Fatalf("login CSRF cookie = %+v", c)
	}
	code, body := b.do("POST", "/login", url.Values{
		"username": {"fiona"}, "password": {"fiona-pw"}, "csrf_token": {csrf}, "next": {"/reports/sla?week=9"},
	})
	if code != 303 || b.last.Header.Get("Location") != "/reports/sla?week=9" {
		t.Fatalf("login: %d %q %s", code, b.last.Header.Get("Location"), body)
	}
	c := b.cookie("slate_session")
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 12*3600 {
		t.Fatalf("session cookie = %+v", c)
	}

	code, body = b.do("GET", "/reports/sla?week=9", nil)
	if code != 200 {
		t.Fatalf("after login: %d %s", code, body)
	}
	e := decodeEcho(t, strings.NewReader(body))
	if e.Name != "fiona" || e.Via != "session" || e.CSRF == "" {
		t.Fatalf("principal = %+v", e)
	}

	if code, body := b.do("POST", "/api/schedules", nil); code != 403 || !strings.Contains(body, "missing or invalid CSRF token") {
		t.Fatalf("POST without CSRF: %d %s", code, body)
	}
	if code, body := b.do("POST", "/api/schedules", nil, "X-CSRF-Token", e.CSRF); code != 200 {
		t.Fatalf("POST with CSRF: %d %s", code, body)
	}

	if code, _ := b.do("POST", "/logout", nil); code != 403 {
		t.Fatalf("logout without CSRF: %d, want 403", code)
	}
	if code, _ := b.do("POST", "/logout", url.Values{"csrf_token": {e.CSRF}}); code != 303 ||
		b.last.Header.Get("Location") != "/login" || !clearsSession(b.last) {
		t.Fatalf("logout: %d %q %v", code, b.last.Header.Get("Location"), b.last.Cookies())
	}
	if code, _ := b.do("GET", "/reports/sla", nil); code != 303 || !strings.HasPrefix(b.last.Header.Get("Location"), "/login") {
		t.Fatalf("after logout: %d %s", code, b.last.Header.Get("Location"))
	}
}

func TestLoginFailures(t *testing.T) {
	f := newFixture(t)
	b := newBrowser(t, handler(f.a))
	csrf := b.loginForm("/")

	for _, creds := range [][2]string{{"fiona", "wrong"}, {"nobody", "fiona-pw"}, {"", ""}} {
		code, body := b.do("POST", "/login", url.Values{"username": {creds[0]}, "password": {creds[1]}, "csrf_token": {csrf}})
		if code != 401 || !strings.Contains(body, "Invalid user name or password.") || b.cookie("slate_session") != nil {
			t.Fatalf("%v: %d %s", creds, code, body)
		}
		if !hiddenCSRF.MatchString(body) {
			t.Fatalf("%v: form not shown again", creds)
		}
	}

	// Login CSRF: a form posted without the cookie, or with a token that
	// does not match it, is refused even with the right password.
	plain := &http.Client{Transport: b.c.Transport, CheckRedirect: b.c.CheckRedirect}
	resp, err := plain.PostForm(b.srv.URL+"/login", url.Values{"username": {"fiona"}, "password": {"fiona-pw"}, "csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("without login cookie: %d, want 403", resp.StatusCode)
	}
	if code, _ := b.do("POST", "/login", url.Values{"username": {"fiona"}, "password": {"fiona-pw"}, "csrf_token": {"forged"}}); code != 403 {
		t.Fatalf("mismatched login token: %d, want 403", code)
	}
}

// sameSite reports whether a browser at https://slate.example/login that
// follows location stays on slate.example. Browsers read a backslash as a
// slash in http(s) URLs and drop tabs and line breaks.
func sameSite(location string) bool {
	location = strings.NewReplacer("\\", "/", "\t", "", "\n", "", "\r", "").Replace(location)
	base, _ := url.Parse("https://slate.example/login")
	u, err := base.Parse(location)
	return err == nil && u.Scheme == "https" && u.Host == "slate.example" && u.User == nil
}

func TestOpenRedirectIgnored(t *testing.T) {
	f := newFixture(t)
	b := newBrowser(t, handler(f.a))

	hostile := []string{"//evil.com", "//evil.com/x", `/\evil.com`, `/./\evil.com`, `/.\evil.com`, `/\/evil.com`,
		`/x/..\/\evil.com`, "/\t/evil.com", "/\n/evil.com", "https://evil.com/", "javascript:alert(1)", "evil.com",
		"/ok\r\nX: y", "///evil.com", `/\\evil.com`, "http:/evil.com", "//user@evil.com/"}
	for _, next := range append(hostile, "/./evil.com", "/..//evil.com", "/%2F%2Fevil.com", "/%5Cevil.com", "/a/../../b", "/@evil.com") {
		csrf := b.loginForm(next)
		_, page := b.do("GET", "/login?next="+url.QueryEscape(next), nil)
		b.do("POST", "/login", url.Values{"username": {"alice"}, "password": {"alice-pw"}, "csrf_token": {csrf}, "next": {next}})
		got := b.last.Header.Get("Location")
		if !sameSite(got) {
			t.Errorf("next=%q redirected to %q, another site", next, got)
		}
		if slices.Contains(hostile, next) && (got != "/" || !strings.Contains(page, `name="next" value=""`)) {
			t.Errorf("next=%q: login page kept it or redirected to %q, want /", next, got)
		}
	}
	for in, want := range map[string]string{
		"/reports?x=1#top": "/reports?x=1#top", "/./dashboards/finance": "/dashboards/finance",
		"/a/../b/": "/b/", "/..//evil.com": "/evil.com", "/dashboards/manager?tag=a%2Fb": "/dashboards/manager?tag=a%2Fb",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
