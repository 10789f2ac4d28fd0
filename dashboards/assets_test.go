package dashboards

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/slatehq/slate/internal/testkit"
)

// recordedSums reads assets/SHA256SUMS (written by scripts/vendor-echarts.sh).
func recordedSums(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("assets/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", sc.Text())
		}
		sums[name] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sums
}

func assetServer(t *testing.T, extra ...func(*http.ServeMux)) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle(AssetsPath, http.StripPrefix(AssetsPath, AssetsHandler()))
	for _, f := range extra {
		f(mux)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAssetsHandlerServesEmbeddedFiles(t *testing.T) {
	srv := assetServer(t)
	sums := recordedSums(t)
	for _, vendored := range []string{"echarts.min.js", "LICENSE", "NOTICE", "LICENSE-d3", "LICENSE-zrender"} {
		if sums[vendored] == "" {
			t.Errorf("SHA256SUMS does not list %s", vendored)
		}
	}
	for name, want := range sums {
		resp, err := http.Get(srv.URL + AssetsPath + name)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", name, resp.StatusCode)
			continue
		}
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: served sha256 %s, SHA256SUMS has %s", name, got, want)
		}
		if got := resp.Header.Get("ETag"); got != `"`+want+`"` {
			t.Errorf("%s: ETag %q, want the quoted sha256", name, got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "public, max-age=86400" {
			t.Errorf("%s: Cache-Control %q", name, got)
		}
		wantType := "text/plain; charset=utf-8"
		if strings.HasSuffix(name, ".js") {
			wantType = "application/javascript; charset=utf-8"
		}
		if got := resp.Header.Get("Content-Type"); got != wantType {
			t.Errorf("%s: Content-Type %q, want %q", name, got, wantType)
		}
	}
}

// TestAssetsHandlerServesEveryFile checks that every file of assets/ but
// SHA256SUMS is served whole, with its type.
func TestAssetsHandlerServesEveryFile(t *testing.T) {
	srv := assetServer(t)
	entries, err := os.ReadDir("assets")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "SHA256SUMS" {
			continue
		}
		want, err := os.ReadFile("assets/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + AssetsPath + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("%s: status %d, %d bytes; want 200 and the file's %d bytes", e.Name(), resp.StatusCode, len(got), len(want))
		}
		if ct := resp.Header.Get("Content-Type"); ct != assetType(e.Name()) {
			t.Errorf("%s: Content-Type %q, want %q", e.Name(), ct, assetType(e.Name()))
		}
	}
	for name, want := range map[string]string{
		"slate.css": "text/css; charset=utf-8",
		"slate.js":  "application/javascript; charset=utf-8",
		"LICENSE":   "text/plain; charset=utf-8",
	} {
		if got := assetType(name); got != want {
			t.Errorf("assetType(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestAssetsHandlerEChartsVersion(t *testing.T) {
	body, err := assetFS.ReadFile("assets/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte(`version="`+EChartsVersion+`"`)) {
		t.Errorf("embedded echarts.min.js does not declare version %s", EChartsVersion)
	}
}

func TestAssetsHandlerConditionalAndErrors(t *testing.T) {
	srv := assetServer(t)
	url := srv.URL + AssetsPath + "echarts.min.js"

	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("If-None-Match", assets["echarts.min.js"].etag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: status %d, want 304", resp.StatusCode)
	}

	for _, path := range []string{"nope.js", "", "themes/chalk.js", "echarts@4.min.js", "SHA256SUMS", "../assets.go", "assets/echarts.min.js"} {
		resp, err := http.Get(srv.URL + AssetsPath + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s%s: status %d, want 404", AssetsPath, path, resp.StatusCode)
		}
	}

	resp, err = http.Post(url, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}

// TestAssetsHostWithGoECharts checks that a go-echarts chart given AssetsPath
// as its AssetsHost loads only scripts the handler serves.
func TestAssetsHostWithGoECharts(t *testing.T) {
	srv := assetServer(t)
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithInitializationOpts(opts.Initialization{AssetsHost: AssetsPath}))
	bar.SetXAxis([]string{"a", "b"}).AddSeries("n", []opts.BarData{{Value: 1}, {Value: 2}})
	var page bytes.Buffer
	if err := bar.Render(&page); err != nil {
		t.Fatal(err)
	}
	srcs := regexp.MustCompile(`<script src="([^"]+)"`).FindAllStringSubmatch(page.String(), -1)
	if len(srcs) == 0 {
		t.Fatalf("rendered page has no <script src>:\n%s", page.String())
	}
	for _, m := range srcs {
		if m[1] != AssetsPath+"echarts.min.js" {
			t.Errorf("page loads %q, want only %q", m[1], AssetsPath+"echarts.min.js")
		}
		resp, err := http.Get(srv.URL + m[1])
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", m[1], resp.StatusCode)
		}
	}
}

// TestAssetsDrawChartInChromium loads a go-echarts page that takes ECharts
// from AssetsHandler (nothing from the internet) in headless Chromium, and
// checks that the chart is drawn, with Vietnamese and Russian labels, and that
// the page logs no error.
func TestAssetsDrawChartInChromium(t *testing.T) {
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{AssetsHost: AssetsPath, ChartID: "tickets", Width: "600px", Height: "300px"}),
		charts.WithTitleOpts(opts.Title{Title: "Phiếu hỗ trợ / Заявки"}),
		charts.WithAnimation(false),
	)
	bar.SetXAxis([]string{"Thứ Hai", "Вторник", "Wed"}).
		AddSeries("open", []opts.BarData{{Value: 12}, {Value: 7}, {Value: 9}})
	var page bytes.Buffer
	if err := bar.Render(&page); err != nil {
		t.Fatal(err)
	}
	srv := assetServer(t, func(mux *http.ServeMux) {
		mux.HandleFunc("/chart", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page.Bytes())
		})
	})

	tab := testkit.Chromium(t).NewTab(t)
	if err := tab.Navigate(srv.URL + "/chart"); err != nil {
		t.Fatal(err)
	}
	var version string
	if err := tab.Eval(`echarts.version`, &version); err != nil {
		t.Fatalf("echarts not loaded: %v; console: %q", err, tab.ConsoleErrors())
	}
	if version != EChartsVersion {
		t.Errorf("echarts.version = %q, want %q", version, EChartsVersion)
	}
	painted, err := tab.CanvasPainted("#tickets")
	if err != nil {
		t.Fatal(err)
	}
	if !painted {
		t.Errorf("chart #tickets: canvas not painted")
	}
	if p := tab.ConsoleErrors(); len(p) != 0 {
		t.Errorf("page logged errors: %q", p)
	}
	shot := testkit.ArtifactDir(t) + "/chart.png"
	if err := tab.Screenshot(shot); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}
