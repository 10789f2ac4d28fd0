package auth

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// loginRequest is the login form as a client at remote ("ip:port") posts
// it, with the given cookies besides the login form's.
func loginRequest(remote, name, password string, cookies ...*http.Cookie) *http.Request {
	form := url.Values{"username": {name}, "password": {password}, "csrf_token": {"form-token"}}
	r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = remote
	r.AddCookie(&http.Cookie{Name: "slate_login_csrf", Value: "form-token"})
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// tryLogin posts loginRequest straight to the handler.
func (f *fixture) tryLogin(remote, name, password string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.a.Login(w, loginRequest(remote, name, password, cookies...))
	return w
}

func retryAfter(t *testing.T, w *httptest.ResponseRecorder) time.Duration {
	t.Helper()
	n, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if w.Code != 429 || err != nil || n <= 0 {
		t.Fatalf("want 429 with a Retry-After, got %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	return time.Duration(n) * time.Second
}

func deviceOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == "slate_device" {
			if !c.HttpOnly || !c.Secure || c.Path != "/login" || c.SameSite != http.SameSiteStrictMode {
				t.Fatalf("device cookie %+v", c)
			}
			return c
		}
	}
	t.Fatalf("no device cookie in %d %v", w.Code, w.Result().Cookies())
	return nil
}

// cheapUnknownNames makes failures on unknown names as cheap as on the
// fixture's users (cost-4 hashes), so that tests can fail thousands.
func (f *fixture) cheapUnknownNames(t *testing.T) {
	h := []byte(cheapHash(t, "no such user"))
	f.a.dummyHash = func() []byte { return h }
}

// fail makes n failed attempts at name from ever new sources, waiting out
// every delay as a patient attacker would.
func (f *fixture) fail(t *testing.T, name string, n int) {
	t.Helper()
	for i := 0; i < n; {
		w := f.tryLogin(fmt.Sprintf("198.51.100.%d:4000", i%250+1), name, fmt.Sprint("guess", i))
		switch w.Code {
		case 401:
			i++
		case 429:
			f.clock = f.clock.Add(retryAfter(t, w))
		default:
			t.Fatalf("attempt %d: %d", i, w.Code)
		}
	}
}

// The delays strangers meet for one name: five failures free, then 1 s
// doubling with every failure up to 15 minutes, while one failure leaks
// away every 15 minutes. Waiting out each delay, the 15th failure comes
// 1023 s after the 5th, 1.1 failures have leaked, and its delay stays at
// 512 s; the 16th reaches the ceiling, where a failure per 15 minutes
// keeps the count where it is.
func TestDelaysGrowPerName(t *testing.T) {
	f := newFixture(t)
	f.fail(t, "alice", 4)
	want := []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512, 900, 900, 900}
	for i, secs := range want {
		if w := f.tryLogin(fmt.Sprintf("203.0.113.%d:1", i), "alice", "nope"); w.Code != 401 {
			t.Fatalf("failure %d: %d, want 401", i+5, w.Code)
		}
		w := f.tryLogin("203.0.113.200:1", "alice", "alice-pw")
		if got := retryAfter(t, w); got != time.Duration(secs)*time.Second {
			t.Fatalf("after %d failures the right password waits %s, want %ds", i+5, got, secs)
		}
		if !strings.Contains(w.Body.String(), "Too many failed sign-in attempts") {
			t.Fatalf("429 page: %s", w.Body)
		}
		f.clock = f.clock.Add(time.Duration(secs) * time.Second)
	}
	// The count leaks (one failure per 15 minutes): after a quiet day the
	// right password gets in, and that clears the count.
	f.clock = f.clock.Add(24 * time.Hour)
	if w := f.tryLogin("203.0.113.7:1", "alice", "alice-pw"); w.Code != 303 {
		t.Fatalf("after a quiet day: %d", w.Code)
	}
	if n := len(f.a.limiter.names.m); n != 0 {
		t.Fatalf("%d name counts left after the success", n)
	}
}

// Finding: after 10 failures anyone's, even the right password got 429
// for 5 minutes. A browser that signed in as alice before is judged by its
// own failures only.
func TestStrangersCannotLockOutAKnownBrowser(t *testing.T) {
	f := newFixture(t)
	home := "192.0.2.10:5000"
	w := f.tryLogin(home, "alice", "alice-pw")
	if w.Code != 303 {
		t.Fatalf("first login: %d", w.Code)
	}
	device := deviceOf(t, w)

	f.fail(t, "alice", 40)
	if w := f.tryLogin("192.0.2.99:1", "alice", "alice-pw"); w.Code != 429 {
		t.Fatalf("a stranger with the right password: %d, want 429", w.Code)
	}
	if w := f.tryLogin(home, "alice", "alice-pw", device); w.Code != 303 {
		t.Fatalf("alice's own browser: %d, want 303", w.Code)
	}
	// Her own typos slow her browser down, with the same growing delays.
	for i := range 5 {
		if w := f.tryLogin(home, "alice", "typo", device); w.Code != 401 {
			t.Fatalf("typo %d: %d", i, w.Code)
		}
	}
	if got := retryAfter(t, f.tryLogin(home, "alice", "alice-pw", device)); got != time.Second {
		t.Fatalf("after 5 typos: wait %s, want 1s", got)
	}
	f.clock = f.clock.Add(time.Second)
	if w := f.tryLogin(home, "alice", "alice-pw", device); w.Code != 303 {
		t.Fatalf("after the delay: %d", w.Code)
	}

	// The cookie vouches for alice only, unaltered, and only while her
	// password is the one it was issued under.
	f.fail(t, "fiona", 10)
	if w := f.tryLogin(home, "fiona", "fiona-pw", device); w.Code != 429 {
		t.Fatalf("alice's device cookie for fiona: %d, want 429", w.Code)
	}
	forged := *device
	forged.Value = strings.Replace(forged.Value, ".", "x.", 1)
	f.fail(t, "alice", 10)
	if w := f.tryLogin(home, "alice", "alice-pw", &forged); w.Code != 429 {
		t.Fatalf("a tampered device cookie: %d, want 429", w.Code)
	}
	cfg := f.cfg
	cfg.Users = append([]User(nil), f.cfg.Users...)
	cfg.Users[0].PasswordHash = cheapHash(t, "alice-pw")
	f.a = f.build(t, cfg)
	f.fail(t, "alice", 10)
	if w := f.tryLogin(home, "alice", "alice-pw", device); w.Code != 429 {
		t.Fatalf("a device cookie from before a password change: %d, want 429", w.Code)
	}
}

// Finding: one guess per name over many names was never throttled. The
// source's failures count too.
func TestSprayingFromOneSourceIsThrottled(t *testing.T) {
	f := newFixture(t)
	f.cheapUnknownNames(t)
	home := "192.0.2.10:5000"
	device := deviceOf(t, f.tryLogin(home, "alice", "alice-pw"))
	// Successes are charged while checked and refunded after: an office
	// signing in all day is not slowed down.
	for i := range 30 {
		if w := f.tryLogin("192.0.2.11:1", "fiona", "fiona-pw"); w.Code != 303 {
			t.Fatalf("sign-in %d from one source: %d", i+1, w.Code)
		}
	}

	sprayer := "203.0.113.66:40000"
	for i := range 10 {
		if w := f.tryLogin(sprayer, fmt.Sprintf("user%d", i), "Winter2026!"); w.Code != 401 {
			t.Fatalf("guess %d: %d", i, w.Code)
		}
	}
	if got := retryAfter(t, f.tryLogin(sprayer, "user10", "Winter2026!")); got != time.Second {
		t.Fatalf("11th name from the same source: wait %s, want 1s", got)
	}
	// The same source on another port, or an IPv6 neighbour in its /64, is
	// the same source.
	if w := f.tryLogin("203.0.113.66:40001", "user11", "x"); w.Code != 429 {
		t.Fatalf("another port: %d", w.Code)
	}
	for i := range 11 {
		if w := f.tryLogin(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), fmt.Sprintf("v6user%d", i), "x"); w.Code != 401 && i < 10 || w.Code != 429 && i == 10 {
			t.Fatalf("IPv6 guess %d from one /64: %d", i, w.Code)
		}
	}
	// Others are not slowed down, and neither is a known browser behind
	// the sprayer's address (a shared NAT).
	if w := f.tryLogin("198.51.100.1:1", "user12", "x"); w.Code != 401 {
		t.Fatalf("another source: %d, want 401", w.Code)
	}
	if w := f.tryLogin("203.0.113.66:40002", "alice", "alice-pw", device); w.Code != 303 {
		t.Fatalf("alice's known browser at the sprayer's address: %d, want 303", w.Code)
	}
	// The sprayer's own account does not buy it fresh guesses.
	if w := f.tryLogin(sprayer, "fiona", "fiona-pw"); w.Code != 429 {
		t.Fatalf("the sprayer signing in: %d, want 429 (its source is delayed)", w.Code)
	}
}

// Finding: ten thousand one-off failures on other names cleared an
// existing lock. With the tables full, one-offs displace one-offs.
func TestFloodCannotWashOutAPenalty(t *testing.T) {
	f := newFixture(t)
	f.cheapUnknownNames(t)
	const capacity = 64
	f.a.limiter = newLoginLimiter(capacity)

	f.fail(t, "alice", 8) // 8 failures: 8 s before the next attempt
	for i := range 20 * capacity {
		remote := fmt.Sprintf("10.%d.%d.1:1", i/250, i%250)
		name := fmt.Sprintf("flood%d", i) + strings.Repeat("-", 4000) // long names must not grow the tables
		if w := f.tryLogin(remote, name, "x"); w.Code != 401 {
			t.Fatalf("flood %d: %d", i, w.Code)
		}
	}
	if n, m := len(f.a.limiter.names.m), len(f.a.limiter.sources.m); n > capacity || m > capacity {
		t.Fatalf("tables hold %d names and %d sources, capacity %d", n, m, capacity)
	}
	for k := range f.a.limiter.names.m {
		if len(k) > 16 {
			t.Fatalf("a name key of %d bytes", len(k))
		}
	}
	if got := retryAfter(t, f.tryLogin("192.0.2.1:1", "alice", "alice-pw")); got != 8*time.Second {
		t.Fatalf("alice's delay after the flood: %s, want 8s", got)
	}
}

// Parallel guesses cannot slip through together while the first ones are
// still being checked: each attempt is charged before bcrypt runs.
func TestParallelGuessesAreChargedBeforeTheCheck(t *testing.T) {
	f := newFixture(t)
	slow, err := bcrypt.GenerateFromPassword([]byte("alice-pw"), 11) // ~100 ms a check
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.cfg
	cfg.Users = append([]User(nil), f.cfg.Users...)
	cfg.Users[0].PasswordHash = string(slow)
	f.a = f.build(t, cfg)

	codes := make(chan int, 20)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { codes <- f.tryLogin(fmt.Sprintf("198.51.100.%d:1", i+1), "alice", "guess").Code })
	}
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[401] != 5 || n[429] != 15 {
		t.Fatalf("20 parallel guesses: %v, want 5 checked (401) and 15 delayed (429)", n)
	}
}

func TestPenaltiesLeakAndEvictTheLeast(t *testing.T) {
	p := newPenalties(2, time.Second, 10*time.Second, time.Minute, 3)
	t0 := time.Unix(1_000_000, 0)
	want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		p.fail("k", t0)
		if got := p.wait("k", t0); got != w {
			t.Fatalf("after %d failures: wait %s, want %s", i+1, got, w)
		}
	}
	// 7 failures leak away in 7 minutes; half of them in 3.5.
	if c := p.count(p.m["k"], t0.Add(210*time.Second)); c != 3.5 {
		t.Fatalf("count after 3.5 min = %v, want 3.5", c)
	}
	p.fail("k", t0.Add(210*time.Second)) // 4.5 failures: as 5, 8 s
	if got := p.wait("k", t0.Add(210*time.Second)); got != 8*time.Second {
		t.Fatalf("after leaking and one more failure: %s, want 8s", got)
	}
	// Full: a new key displaces the one with the smallest count left.
	p.fail("a", t0.Add(211*time.Second))
	p.fail("a", t0.Add(211*time.Second))
	p.fail("b", t0.Add(212*time.Second))
	p.fail("c", t0.Add(213*time.Second))
	if _, ok := p.m["b"]; ok || len(p.m) != 3 || p.m["k"] == nil || p.m["a"] == nil || p.m["c"] == nil {
		t.Fatalf("after eviction: %v", p.m)
	}
}

// Finding: failed logins logged the typed name verbatim, and a password
// typed into the name field landed in the log.
func TestFailedLoginLogsNoTypedSecret(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	a, err := New(f.cfg, slog.New(slog.NewTextHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return f.clock }
	f.a = a
	f.cheapUnknownNames(t)
	secret := "s3cret-Passw0rd\n level=ERROR msg=forged"
	for range 12 {
		f.tryLogin("192.0.2.1:1", secret, "x")
	}
	f.tryLogin("192.0.2.2:1", "alice", "wrong")
	log := buf.String()
	if strings.Contains(log, "s3cret") || strings.Contains(log, "forged") {
		t.Fatalf("the typed name is in the log:\n%s", log)
	}
	if !strings.Contains(log, "unknown_user=hmac:") || !strings.Contains(log, "user=alice") {
		t.Fatalf("log does not tell the attempts apart:\n%s", log)
	}
}

// Behind a reverse proxy every client has the proxy's address. With the
// proxy trusted, the client it names in X-Forwarded-For is the source, and
// what the client wrote into that header itself counts for nothing.
func TestSourceBehindTrustedProxies(t *testing.T) {
	f := newFixture(t)
	cfg := f.cfg
	cfg.TrustedProxies = []string{"127.0.0.1", "10.0.0.0/8", "fd00::/8"}
	f.a = f.build(t, cfg)
	for _, c := range []struct{ remote, xff, want string }{
		{"127.0.0.1:5000", "203.0.113.5", "203.0.113.5"},
		{"127.0.0.1:5000", "6.6.6.6, 203.0.113.5", "203.0.113.5"},  // a forged hop in front
		{"127.0.0.1:5000", "203.0.113.5, 10.1.2.3", "203.0.113.5"}, // two proxies
		{"[fd00::1]:443", "2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"},
		{"127.0.0.1:5000", "", "127.0.0.1"},
		{"127.0.0.1:5000", "not-an-ip, 203.0.113.5", "203.0.113.5"},
		{"127.0.0.1:5000", "203.0.113.5, junk", "127.0.0.1"},
		{"198.51.100.7:5000", "203.0.113.5", "198.51.100.7"}, // not a proxy: header ignored
		{"[::ffff:198.51.100.7]:1", "", "198.51.100.7"},
	} {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := f.a.source(r); got != c.want {
			t.Errorf("%s with X-Forwarded-For %q: source %q, want %q", c.remote, c.xff, got, c.want)
		}
	}

	// A sprayer behind the proxy is slowed down, its neighbours behind the
	// same proxy are not.
	f.cheapUnknownNames(t)
	via := func(client, name string) int {
		r := loginRequest("127.0.0.1:40000", name, "x")
		r.Header.Set("X-Forwarded-For", "10.9.9.9, "+client) // the client's own claim, then the proxy's
		w := httptest.NewRecorder()
		f.a.Login(w, r)
		return w.Code
	}
	for i := range 10 {
		if code := via("203.0.113.66", fmt.Sprint("user", i)); code != 401 {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if code := via("203.0.113.66", "user10"); code != 429 {
		t.Fatalf("the sprayer's 11th name: %d, want 429", code)
	}
	if code := via("203.0.113.67", "user11"); code != 401 {
		t.Fatalf("another client behind the proxy: %d, want 401", code)
	}
}
