package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/slatehq/slate/internal/childproc"
)

// Headless Chromium for tests that look at pages the way a person does: does a
// dashboard draw its charts, does it log errors, what does it look like.
//
// The browser is Debian's chromium package (/usr/bin/chromium, installed by
// scripts/install-deps.sh), driven over the DevTools protocol by chromedp. It
// runs with exactly these flags:
//
//	--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
//
// plus what chromedp itself adds (--user-data-dir, --remote-debugging-pipe
// and the about:blank start page); chromedp's own long default flag list
// (DefaultExecAllocatorOptions) is not used. /usr/bin/chromium is Debian's
// launcher script: it adds the flags of /etc/chromium.d
// (--show-component-extension-options --enable-gpu-rasterization
// --no-default-browser-check --disable-pings --media-router=0
// --enable-remote-extensions --load-extension=, and --disable-dev-shm-usage
// when /dev/shm is under 3.8 GB, as in containers) and then execs
// /usr/lib/chromium/chromium, so the process chromedp watches (and kills on
// Pdeathsig) is the browser itself. Its stderr also gets a harmless
// "[: ...: unexpected operator" from /etc/chromium.d/dev-shm when findmnt
// lists /dev/shm twice.
//
// With --disable-gpu there is no WebGL; 2D canvas works (software raster). So
// go-echarts charts must keep the default "canvas" renderer, which
// CanvasPainted checks by reading pixels.

// ErrChromiumNotInstalled is returned (wrapped) when no chromium is on PATH.
var ErrChromiumNotInstalled = errors.New("chromium not found on PATH; run scripts/install-deps.sh (Debian package chromium)")

// ChromiumFlags are the command-line flags every browser gets (chromedp adds
// the user data dir, the DevTools pipe and about:blank).
var ChromiumFlags = []string{"headless", "no-sandbox", "disable-gpu", "no-first-run", "disable-background-networking"}

const (
	chromiumStartWait  = 60 * time.Second
	chromiumCloseWait  = 15 * time.Second
	chromiumTabTimeout = 30 * time.Second
	chromiumTailBytes  = 8 << 10
)

// Browser is one headless Chromium process. Make tabs with NewTab; each test
// (or subtest) that uses the browser should make its own tab.
type Browser struct {
	dir    string // --user-data-dir
	output *childproc.TailWriter

	allocCancel context.CancelFunc
	ctx         context.Context // the browser's first tab: its life is the process's
	cancel      context.CancelFunc

	mu   sync.Mutex
	tabs int
}

// Chromium starts a headless Chromium for the test, with its user data dir in
// t.TempDir(), and closes it when the test ends. It fails the test (never
// skips) when chromium is not installed or does not start.
func Chromium(t testing.TB) *Browser {
	t.Helper()
	SkipShort(t, "a headless Chromium")
	b, err := startChromium(t.TempDir())
	if err != nil {
		t.Fatalf("testkit: start chromium: %v", err)
	}
	t.Cleanup(func() {
		if err := b.close(); err != nil {
			t.Errorf("testkit: close chromium: %v", err)
		}
	})
	return b
}

// chromiumPath finds the browser: chromium on PATH.
func chromiumPath() (string, error) {
	p, err := exec.LookPath("chromium")
	if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrChromiumNotInstalled, err)
	}
	return p, nil
}

// startChromium starts the browser with dir/profile as its user data dir and
// dir/tmp as its TMPDIR (Chromium's singleton socket dir, and its shared
// memory files when /dev/shm is small), so that nothing is left outside dir
// even when the browser is killed.
func startChromium(dir string) (*Browser, error) {
	path, err := chromiumPath()
	if err != nil {
		return nil, err
	}
	profile, tmp := filepath.Join(dir, "profile"), filepath.Join(dir, "tmp")
	for _, d := range []string{profile, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	b := &Browser{dir: profile, output: childproc.NewTailWriter(chromiumTailBytes)}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Env("TMPDIR=" + tmp),
		chromedp.CombinedOutput(b.output),
	}
	for _, f := range ChromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	// Not derived from a test context: that one ends before the cleanups run,
	// and would kill the browser instead of letting close shut it down.
	var allocCtx context.Context
	allocCtx, b.allocCancel = chromedp.NewExecAllocator(context.Background(), opts...)
	b.ctx, b.cancel = chromedp.NewContext(allocCtx)

	// The first Do starts the process, which lives as long as the context
	// given to that Do.
	if err := doUnbounded(b.ctx, chromiumStartWait); err != nil {
		b.cancel()
		b.allocCancel()
		killChromiumUsing(profile)
		return nil, fmt.Errorf("%s: %w%s", path, err, b.outputTail())
	}
	return b, nil
}

// doUnbounded runs chromedp.Do(ctx) with no actions, which starts the browser
// or opens the tab of ctx, and gives up after wait. It cannot put a deadline
// on ctx: chromedp ties the browser's or the tab's life to the context that
// its first Do gets, so a deadline there would end them when Do returns.
func doUnbounded(ctx context.Context, wait time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("not ready after %v", wait)
	}
}

func (b *Browser) outputTail() string {
	if s := strings.TrimSpace(b.output.String()); s != "" {
		return "\nchromium output:\n" + s
	}
	return ""
}

// close shuts the browser down gracefully (Browser.close), kills it if that
// takes too long, and kills any child process still using its user data dir,
// so that the test's TempDir can be removed.
func (b *Browser) close() error {
	ctx, cancel := context.WithTimeout(b.ctx, chromiumCloseWait)
	err := chromedp.Cancel(ctx)
	cancel()
	b.cancel()
	b.allocCancel() // waits until the process has exited
	killChromiumUsing(b.dir)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil // killed after the grace period: nothing left to report
	}
	return err
}

// killChromiumUsing SIGKILLs the processes started with --user-data-dir=dir:
// the browser's own children (zygote, renderers, utility processes) can
// outlive it for a moment. dir is a fresh TempDir, so only processes this
// package started match. Like chromedp, it looks again until a few passes in
// a row find nothing.
func killChromiumUsing(dir string) {
	want := []byte("--user-data-dir=" + dir)
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		entries, err := os.ReadDir("/proc")
		if err != nil {
			return
		}
		found := 0
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if err != nil {
				continue
			}
			for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
				if bytes.Equal(arg, want) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
					found++
					break
				}
			}
		}
		if found == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// Tab is one page in its own browser context (like an incognito window: its
// own cookies, storage and cache), so tabs do not share a session. It records,
// from its creation on, the page's console errors and warnings, uncaught
// exceptions and failed requests; ConsoleErrors returns them.
//
// Methods other than ConsoleErrors must be called from one goroutine at a time.
// Each action gives up after Timeout.
type Tab struct {
	// Timeout bounds each action (Navigate, Eval, Click, WaitVisible, ...).
	// Default 30s.
	Timeout time.Duration

	t      testing.TB
	name   string
	ctx    context.Context
	cancel context.CancelFunc
	// urlPoll is the pause between WaitURL's reads of the location; its
	// own test sets it to 0 to read as often as it can, which is what
	// makes a read race a navigation.
	urlPoll time.Duration

	mu       sync.Mutex
	problems []string                               // formatted, in order of arrival
	requests map[network.RequestID]*network.Request // in flight, for LoadingFailed
}

// NewTab opens a tab in a new browser context and closes both when the test
// ends. If the test has failed by then, it logs what ConsoleErrors returns
// and saves a full-page screenshot in ArtifactDir(t).
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	b.mu.Lock()
	b.tabs++
	n := b.tabs
	b.mu.Unlock()
	tab := &Tab{
		Timeout:  chromiumTabTimeout,
		t:        t,
		name:     fmt.Sprintf("tab%d", n),
		urlPoll:  50 * time.Millisecond,
		requests: map[network.RequestID]*network.Request{},
	}
	tab.ctx, tab.cancel = chromedp.NewContext(b.ctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(tab.record))
	// The first Do creates and attaches the target, whose message loop then
	// lives as long as the context given to that Do: so tab.ctx itself,
	// bounded by a timer rather than a deadline.
	if err := doUnbounded(tab.ctx, tab.timeout()); err != nil {
		tab.cancel()
		t.Fatalf("testkit: chromium: open tab: %v%s", err, b.outputTail())
	}
	t.Cleanup(func() {
		if t.Failed() {
			tab.saveFailureArtifacts()
		}
		tab.cancel()
	})
	return tab
}

func (tab *Tab) saveFailureArtifacts() {
	if p := tab.ConsoleErrors(); len(p) > 0 {
		tab.t.Logf("testkit: chromium %s console errors:\n\t%s", tab.name, strings.Join(p, "\n\t"))
	}
	path := filepath.Join(ArtifactDir(tab.t), tab.name+"-failure.png")
	if err := tab.Screenshot(path); err != nil {
		tab.t.Logf("testkit: chromium %s: failure screenshot: %v", tab.name, err)
		return
	}
	tab.t.Logf("testkit: chromium %s: screenshot at failure: %s", tab.name, path)
}

// do runs actions on the tab, bounded by Timeout.
func (tab *Tab) do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tab.ctx, tab.timeout())
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

func (tab *Tab) timeout() time.Duration {
	if tab.Timeout > 0 {
		return tab.Timeout
	}
	return chromiumTabTimeout
}

// run runs one action that returns a value, bounded by Timeout.
func run[T any](tab *Tab, action chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tab.ctx, tab.timeout())
	defer cancel()
	return chromedp.Run(ctx, action)
}

// Navigate loads url and waits for the page's load event. An HTTP error status
// is not an error here; it shows in ConsoleErrors.
func (tab *Tab) Navigate(url string) error {
	if err := tab.do(chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("navigate to %s: %w", url, err)
	}
	return nil
}

// Eval evaluates the JavaScript expression in the page, awaits it if it is a
// promise, and decodes its JSON value into out (a pointer, or nil to ignore
// the result; undefined and null leave it unchanged). A thrown exception or
// a rejected promise is returned as the error.
func (tab *Tab) Eval(js string, out any) error {
	raw, err := run(tab, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("eval: decode %s: %w", raw, err)
	}
	return nil
}

// Click waits until the first element matching the CSS selector is visible
// and clicks its center with the mouse.
func (tab *Tab) Click(selector string) error {
	if err := tab.do(chromedp.Click(chromedp.CSS(selector))); err != nil {
		return fmt.Errorf("click %s: %w", selector, err)
	}
	return nil
}

// ClickAt clicks with the mouse at a point of the viewport (CSS pixels):
// how a test clicks a bar of a canvas chart, which has no element to aim at.
func (tab *Tab) ClickAt(x, y float64) error {
	if err := tab.do(chromedp.MouseClickXY(x, y)); err != nil {
		return fmt.Errorf("click at %.0f,%.0f: %w", x, y, err)
	}
	return nil
}

// WaitVisible waits until an element matching the CSS selector is visible.
func (tab *Tab) WaitVisible(selector string) error {
	if err := tab.do(chromedp.WaitVisible(chromedp.CSS(selector))); err != nil {
		return fmt.Errorf("wait visible %s: %w", selector, err)
	}
	return nil
}

// SetCookie sets a session cookie (path "/") for domain, e.g. "127.0.0.1"
// for an httptest server, in this tab's browser context only. It fails the
// test if the browser refuses it.
func (tab *Tab) SetCookie(name, value, domain string) {
	tab.t.Helper()
	err := tab.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{
			Name: name, Value: value, Domain: domain, Path: "/",
		})
		return err
	}))
	if err != nil {
		tab.t.Fatalf("testkit: chromium: set cookie %s for %s: %v", name, domain, err)
	}
}

// Screenshot saves a PNG of the whole page (not only the viewport) at path,
// creating its directory.
func (tab *Tab) Screenshot(path string) error {
	png, err := run(tab, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		clip := &page.Viewport{Width: 800, Height: 600, Scale: 1}
		if cs := m.CSSContentSize; cs != nil && cs.Width > 0 && cs.Height > 0 {
			clip.Width, clip.Height = math.Ceil(cs.Width), math.Ceil(cs.Height)
		}
		beyond := true
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  clip,
			CaptureBeyondViewport: &beyond,
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return nil
}

// URL is the page's current location (document.location), or "" after
// reporting an error on the test. It is for a page at rest: after a
// navigation the page starts itself, use WaitURL.
func (tab *Tab) URL() string {
	tab.t.Helper()
	u, err := run(tab, chromedp.Location())
	if err != nil {
		tab.t.Errorf("testkit: chromium: read location: %v", err)
		return ""
	}
	return u
}

// WaitURL waits, up to the tab's Timeout, until the page's location contains
// part, and returns that location. It is how a test follows a navigation it
// started in the page (a form submit, a click on a chart): a read of the
// location that races the new document's commit fails with "Inspected target
// navigated or closed", which is the navigation in progress, not a fault, so
// failed reads are retried until the deadline and only the last one is
// reported if the location never matches.
func (tab *Tab) WaitURL(part string) (string, error) {
	deadline := time.Now().Add(tab.timeout())
	var last string
	var lastErr error
	for {
		ctx, cancel := context.WithDeadline(tab.ctx, deadline)
		u, err := chromedp.Run(ctx, chromedp.Location())
		cancel()
		if err == nil && strings.Contains(u, part) {
			return u, nil
		}
		switch {
		case err == nil:
			last = u
		case !errors.Is(err, context.DeadlineExceeded): // our own deadline says nothing
			lastErr = err
		}
		if time.Now().Add(tab.urlPoll).After(deadline) || tab.ctx.Err() != nil {
			err := fmt.Errorf("wait for a location containing %q: still at %q after %s", part, last, tab.timeout())
			if lastErr != nil {
				err = fmt.Errorf("%w (a read failed: %w)", err, lastErr)
			}
			return "", err
		}
		time.Sleep(tab.urlPoll)
	}
}

// canvasPaintedJS reports whether any pixel of any <canvas> in (or equal to)
// the element has a non-zero alpha. Each canvas is copied onto a fresh 2D
// canvas made for reading (willReadFrequently), whose getImageData is read:
// reading the page's own canvases directly would make Chrome log a
// "Multiple readback operations" warning into the page's console. %s is the
// selector as a JSON string.
const canvasPaintedJS = `(() => {
	const sel = %s;
	const root = document.querySelector(sel);
	if (!root) throw new Error("no element matches " + sel);
	const canvases = root.tagName === "CANVAS" ? [root] : Array.from(root.querySelectorAll("canvas"));
	for (const c of canvases) {
		if (!c.width || !c.height) continue;
		const copy = document.createElement("canvas");
		copy.width = c.width;
		copy.height = c.height;
		const ctx = copy.getContext("2d", {willReadFrequently: true});
		ctx.drawImage(c, 0, 0);
		const px = ctx.getImageData(0, 0, copy.width, copy.height).data;
		for (let i = 3; i < px.length; i += 4) {
			if (px[i] !== 0) return true;
		}
	}
	return false;
})()`

// CanvasPainted reports whether anything is drawn on the <canvas> elements
// inside the element matching the CSS selector (or on it, if it is a canvas):
// true if any pixel of any of them has a non-zero alpha. It is how a test
// tells that an ECharts chart rendered: go-echarts must use the "canvas"
// renderer (its default; the "svg" renderer leaves no canvas, so the answer
// is false). It checks once and does not wait: ECharts draws on setOption,
// after the page has loaded echarts.min.js, so call it after Navigate (or
// WaitVisible). It is an error if nothing matches the selector, or if a
// canvas cannot be read (one tainted by a cross-origin image).
func (tab *Tab) CanvasPainted(selector string) (bool, error) {
	sel, err := json.Marshal(selector)
	if err != nil {
		return false, err
	}
	var painted bool
	if err := tab.Eval(fmt.Sprintf(canvasPaintedJS, sel), &painted); err != nil {
		return false, fmt.Errorf("canvas painted %s: %w", selector, err)
	}
	return painted, nil
}

// ConsoleErrors returns, in order, what went wrong in the page since the tab
// was opened:
//
//	console.error: <text> (<url>:<line>)       console.error/assert/warn calls
//	console.warning: ...                       and browser log entries of level
//	                                           error/warning (not network ones)
//	exception: Uncaught Error: boom (<url>:<line>)
//	network: GET <url>: HTTP 404 Not Found
//	network: GET <url>: net::ERR_CONNECTION_REFUSED
//
// Requests the page itself canceled (for example by navigating away) are not
// listed, nor is /favicon.ico, which Chromium requests on its own at a
// variable time after the load (a flaky 404 on any server without one). It
// first makes a round trip to the browser, so events sent before the call are
// included.
func (tab *Tab) ConsoleErrors() []string {
	ctx, cancel := context.WithTimeout(tab.ctx, 5*time.Second)
	_ = chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void]("0"))
	cancel()
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.problems...)
}

// record is the tab's event listener. It runs in chromedp's message loop, so
// it only formats and appends.
func (tab *Tab) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		kind := ""
		switch ev.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert:
			kind = "error"
		case runtime.ConsoleAPICalledTypeWarning:
			kind = "warning"
		default:
			return
		}
		msg = "console." + kind + ": " + consoleArgs(ev.Args) + stackPlace(ev.StackTrace)
	case *log.EventEntryAdded:
		e := ev.Entry
		if e == nil || e.Source == log.EntrySourceNetwork ||
			(e.Level != log.EntryLevelError && e.Level != log.EntryLevelWarning) {
			return
		}
		msg = "console." + string(e.Level) + ": " + e.Text + place(e.URL, e.LineNumber)
	case *runtime.EventExceptionThrown:
		msg = "exception: " + exceptionText(ev.ExceptionDetails)
	case *network.EventRequestWillBeSent:
		if ev.Request != nil {
			tab.mu.Lock()
			tab.requests[ev.RequestID] = ev.Request
			tab.mu.Unlock()
		}
		return
	case *network.EventResponseReceived:
		r := ev.Response
		if r == nil || r.Status < 400 || isFavicon(r.URL) {
			return
		}
		tab.mu.Lock()
		req := tab.requests[ev.RequestID]
		tab.mu.Unlock()
		method := "GET"
		if req != nil {
			method = req.Method
		}
		msg = fmt.Sprintf("network: %s %s: HTTP %d %s", method, r.URL, r.Status, r.StatusText)
	case *network.EventLoadingFailed:
		tab.mu.Lock()
		req := tab.requests[ev.RequestID]
		delete(tab.requests, ev.RequestID)
		tab.mu.Unlock()
		what := "request " + string(ev.RequestID)
		if req != nil {
			what = req.Method + " " + req.URL
		}
		if ev.Canceled || (req != nil && isFavicon(req.URL)) {
			return
		}
		msg = "network: " + what + ": " + ev.ErrorText
		if ev.BlockedReason != "" {
			msg += " (blocked: " + string(ev.BlockedReason) + ")"
		}
	case *network.EventLoadingFinished:
		tab.mu.Lock()
		delete(tab.requests, ev.RequestID)
		tab.mu.Unlock()
		return
	default:
		return
	}
	tab.mu.Lock()
	tab.problems = append(tab.problems, msg)
	tab.mu.Unlock()
}

// isFavicon reports whether u is a site's /favicon.ico, which Chromium asks
// for by itself after a page loads, whether or not the page links one.
func isFavicon(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Path == "/favicon.ico"
}

// consoleArgs renders console call arguments roughly as DevTools does:
// strings as they are, other values by their JSON value or description.
func consoleArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		parts = append(parts, remoteText(a))
	}
	return strings.Join(parts, " ")
}

func remoteText(a *runtime.RemoteObject) string {
	if a == nil {
		return ""
	}
	if a.Type == runtime.RemoteObjectTypeString {
		var s string
		if json.Unmarshal([]byte(a.Value), &s) == nil {
			return s
		}
	}
	if a.Description != "" {
		return a.Description
	}
	if len(a.Value) > 0 {
		return string(a.Value)
	}
	if a.UnserializableValue != "" {
		return string(a.UnserializableValue)
	}
	return string(a.Type)
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	text := d.Text
	if d.Exception != nil {
		desc, _, _ := strings.Cut(remoteText(d.Exception), "\n")
		text = strings.TrimSpace(text + " " + desc)
	}
	url, line := d.URL, d.LineNumber
	if url == "" && d.StackTrace != nil && len(d.StackTrace.CallFrames) > 0 {
		url, line = d.StackTrace.CallFrames[0].URL, d.StackTrace.CallFrames[0].LineNumber
	}
	return text + place(url, line)
}

func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	return place(st.CallFrames[0].URL, st.CallFrames[0].LineNumber)
}

// place formats a source location; protocol lines are 0-based.
func place(url string, line int64) string {
	if url == "" {
		return ""
	}
	return fmt.Sprintf(" (%s:%d)", url, line+1)
}

// ArtifactDir is where a test's screenshots go: $SLATE_ARTIFACTS/<test name>
// if SLATE_ARTIFACTS is set (CI collects that dir), else
// <os.TempDir()>/slate-artifacts/<test name>. It is created if missing (and
// not emptied), and its path is logged. Subtest names have "/" replaced by
// "_".
func ArtifactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("SLATE_ARTIFACTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "slate-artifacts")
	}
	dir := filepath.Join(root, artifactName(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("testkit: artifact dir: %v", err)
	}
	t.Logf("testkit: artifacts in %s", dir)
	return dir
}

// artifactName makes a test name safe as one path element.
func artifactName(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.':
		default:
			b[i] = '_'
		}
	}
	s := string(b)
	if s == "" || strings.Trim(s, ".") == "" {
		s = "_" + s
	}
	return s
}
