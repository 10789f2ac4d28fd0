package testkit

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromiumTestPages serves the pages the browser tests load.
func chromiumTestPages(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	html := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><html><head><meta charset=utf-8><title>t</title></head><body>"+body+"</body></html>")
		}
	}
	// A drawn canvas, an empty one, and a div with no canvas at all.
	mux.HandleFunc("/canvas", html(`
<div id="chart"><canvas id="c" width="200" height="100"></canvas></div>
<div id="blank"><canvas width="200" height="100"></canvas></div>
<div id="nocanvas">Xin chào — Привет</div>
<button id="btn" onclick="this.textContent='clicked'">click me</button>
<script>
const ctx = document.getElementById("c").getContext("2d");
ctx.fillStyle = "#c23531";
ctx.fillRect(20, 20, 60, 60);
</script>`))
	// Everything that ConsoleErrors must report.
	mux.HandleFunc("/broken", html(`
<p id="p">broken page</p>
<script src="/missing.js"></script>
<script>
console.log("just a log line");
console.error("bad thing", 42);
console.warn("careful");
throw new Error("boom");
</script>`))
	mux.HandleFunc("/clean", html(`<p id="p">all fine</p><script>console.log("hello")</script>`))
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		v := "none"
		if err == nil {
			v = c.Value
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, v)
	})
	// A chain of pages that each submit a form to the next one, as a filter
	// bar does: /hop?n=0 ... /hop?n=hops&done=1.
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		next := ""
		if n+1 == hops {
			next = `<input type=hidden name=done value=1>`
		}
		body := fmt.Sprintf(`<p>hop %d</p>`, n)
		if n < hops {
			body += fmt.Sprintf(`<form id=f action="/hop"><input type=hidden name=n value=%d>%s</form>
<script>setTimeout(() => document.getElementById("f").submit(), 5)</script>`, n+1, next)
		}
		html(body)(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// hops is the length of the /hop chain of test pages.
const hops = 40

func TestChromium(t *testing.T) {
	srv := chromiumTestPages(t)
	b := Chromium(t)

	t.Run("CanvasPainted", func(t *testing.T) {
		tab := b.NewTab(t)
		if err := tab.Navigate(srv.URL + "/canvas"); err != nil {
			t.Fatal(err)
		}
		for sel, want := range map[string]bool{"#chart": true, "#c": true, "#blank": false, "#nocanvas": false, "body": true} {
			got, err := tab.CanvasPainted(sel)
			if err != nil {
				t.Errorf("CanvasPainted(%q): %v", sel, err)
			} else if got != want {
				t.Errorf("CanvasPainted(%q) = %v, want %v", sel, got, want)
			}
		}
		if _, err := tab.CanvasPainted("#nothing-here"); err == nil {
			t.Errorf("CanvasPainted of a selector that matches nothing: no error")
		}
		if p := tab.ConsoleErrors(); len(p) != 0 {
			t.Errorf("ConsoleErrors on a clean page: %q", p)
		}
		if got, want := tab.URL(), srv.URL+"/canvas"; got != want {
			t.Errorf("URL() = %q, want %q", got, want)
		}

		if err := tab.WaitVisible("#btn"); err != nil {
			t.Fatal(err)
		}
		if err := tab.Click("#btn"); err != nil {
			t.Fatal(err)
		}
		var text string
		if err := tab.Eval(`document.getElementById("btn").textContent`, &text); err != nil {
			t.Fatal(err)
		}
		if text != "clicked" {
			t.Errorf("button text after Click = %q", text)
		}
		var sum int
		if err := tab.Eval(`new Promise(r => setTimeout(() => r(1 + 2), 10))`, &sum); err != nil || sum != 3 {
			t.Errorf("Eval of a promise = %d, %v; want 3", sum, err)
		}
		if err := tab.Eval(`undefinedFunction()`, nil); err == nil {
			t.Errorf("Eval of a throwing expression: no error")
		}

		path := filepath.Join(ArtifactDir(t), "canvas.png")
		if err := tab.Screenshot(path); err != nil {
			t.Fatal(err)
		}
		png, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s is not a PNG: starts with %q", path, png[:min(len(png), 8)])
		}
		t.Logf("screenshot %s (%d bytes)", path, len(png))
	})

	t.Run("ConsoleErrors", func(t *testing.T) {
		tab := b.NewTab(t)
		if err := tab.Navigate(srv.URL + "/broken"); err != nil {
			t.Fatal(err)
		}
		got := tab.ConsoleErrors()
		t.Logf("ConsoleErrors:\n\t%s", strings.Join(got, "\n\t"))
		for _, want := range []string{
			"network: GET " + srv.URL + "/missing.js: HTTP 404",
			"console.error: bad thing 42 (" + srv.URL + "/broken:",
			"console.warning: careful",
			"exception: Uncaught Error: boom (" + srv.URL + "/broken:",
		} {
			if !containsPrefix(got, want) {
				t.Errorf("ConsoleErrors lacks %q", want)
			}
		}
		for _, p := range got {
			// Chrome adds its own error for the 404 (a text/plain
			// body refused as a script); nothing else may appear.
			if strings.Contains(p, "just a log line") {
				t.Errorf("ConsoleErrors has a console.log line: %q", p)
			}
		}

		// A request that cannot connect at all is a failed request. The port
		// of a closed httptest server refuses connections.
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		if err := tab.Eval(fmt.Sprintf(`fetch(%q).then(() => "ok", e => String(e))`, dead.URL+"/gone"), nil); err != nil {
			t.Fatal(err)
		}
		if !containsPrefix(tab.ConsoleErrors(), "network: GET "+dead.URL+"/gone: net::ERR_CONNECTION_REFUSED") {
			t.Errorf("ConsoleErrors lacks the refused fetch: %q", tab.ConsoleErrors())
		}
	})

	// WaitURL follows navigations the page starts itself, reading the
	// location while documents are replaced under it (reading without pause,
	// some reads do fail with "Inspected target navigated or closed"), and
	// gives up with the location it last saw.
	t.Run("WaitURL", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.urlPoll = 0
		if err := tab.Navigate(srv.URL + "/hop?n=0"); err != nil {
			t.Fatal(err)
		}
		u, err := tab.WaitURL("done=1")
		if want := fmt.Sprintf("%s/hop?n=%d&done=1", srv.URL, hops); err != nil || u != want {
			t.Fatalf("WaitURL = %q, %v; want %q", u, err, want)
		}
		tab.Timeout = 300 * time.Millisecond
		_, err = tab.WaitURL("nowhere")
		if err == nil || !strings.Contains(err.Error(), `still at "`+u+`"`) {
			t.Errorf("WaitURL of a location never reached: %v", err)
		}
	})

	t.Run("CookiesPerTab", func(t *testing.T) {
		u, err := url.Parse(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		a, other := b.NewTab(t), b.NewTab(t)
		a.SetCookie("session", "s3cret", u.Hostname())
		for _, c := range []struct {
			tab  *Tab
			want string
		}{{a, "s3cret"}, {other, "none"}} {
			if err := c.tab.Navigate(srv.URL + "/cookie"); err != nil {
				t.Fatal(err)
			}
			var body string
			if err := c.tab.Eval(`document.body.innerText`, &body); err != nil {
				t.Fatal(err)
			}
			if body != c.want {
				t.Errorf("%s: cookie seen by the server = %q, want %q", c.tab.name, body, c.want)
			}
		}
	})
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestChromiumMissing checks the message a machine without chromium gets:
// Chromium fails the test with it.
func TestChromiumMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := startChromium(t.TempDir())
	if !errors.Is(err, ErrChromiumNotInstalled) {
		t.Fatalf("startChromium without chromium on PATH: %v, want ErrChromiumNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "scripts/install-deps.sh") {
		t.Errorf("error does not say how to install chromium: %v", err)
	}
}

func TestChromiumArtifactDir(t *testing.T) {
	root := t.TempDir()
	t.Setenv("SLATE_ARTIFACTS", root)
	t.Run("a/b c", func(t *testing.T) {
		dir := ArtifactDir(t)
		if want := filepath.Join(root, "TestChromiumArtifactDir_a_b_c"); dir != want {
			t.Errorf("ArtifactDir = %q, want %q", dir, want)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("ArtifactDir not created: %v", err)
		}
	})
	t.Setenv("SLATE_ARTIFACTS", "")
	if dir := ArtifactDir(t); !strings.HasPrefix(dir, filepath.Join(os.TempDir(), "slate-artifacts")) {
		t.Errorf("ArtifactDir without SLATE_ARTIFACTS = %q", dir)
	}
}
