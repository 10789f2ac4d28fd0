package dashboards

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// AssetsPath is where AssetsHandler is mounted, and the value to give
// go-echarts as its AssetsHost (page.SetAssetsHost(AssetsPath), or
// opts.Initialization{AssetsHost: AssetsPath}): go-echarts then writes
// <script src="/assets/echarts.min.js">, so pages load ECharts from Slate
// itself and never from a CDN. Mount it as
//
//	mux.Handle(dashboards.AssetsPath, http.StripPrefix(dashboards.AssetsPath, dashboards.AssetsHandler()))
//
// Of ECharts only echarts.min.js is vendored (ECharts 5.4.3, the version
// go-echarts v2.6.7 is written for). go-echarts also asks AssetsHost for
// themes/<name>.js when a preset theme other than "white"/"dark" is used,
// maps/<name>.js for preset maps, and echarts@4.min.js plus extension files
// for 3D, word-cloud and liquid charts: none of those are served, so
// dashboards must not use them. Charts must keep go-echarts' default "canvas" renderer:
// the browser tests (testkit.Tab.CanvasPainted) check that charts are drawn by
// reading canvas pixels.
const AssetsPath = "/assets/"

// EChartsVersion is the version of the vendored dashboards/assets/echarts.min.js
// (see scripts/vendor-echarts.sh, which fetches it and checks SHA256SUMS).
const EChartsVersion = "5.4.3"

// assetFS holds dashboards/assets: the vendored ECharts (echarts.min.js and
// its LICENSE, NOTICE, LICENSE-d3, LICENSE-zrender, checked by
// assets/SHA256SUMS) and Slate's own page assets (slate.js, slate.css).
//
//go:embed assets
var assetFS embed.FS

// asset is one embedded file with what its responses need, computed once.
type asset struct {
	body        []byte
	contentType string
	etag        string // strong: quoted hex sha256 of body
}

// assets maps a file name under assets/ to the file. SHA256SUMS is not
// served: it is for scripts/vendor-echarts.sh and the tests.
var assets = loadAssets()

func loadAssets() map[string]asset {
	entries, err := assetFS.ReadDir("assets")
	if err != nil {
		panic("dashboards: embedded assets: " + err.Error())
	}
	m := make(map[string]asset, len(entries))
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "SHA256SUMS" {
			continue
		}
		body, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			panic("dashboards: embedded asset " + name + ": " + err.Error())
		}
		sum := sha256.Sum256(body)
		m[name] = asset{body: body, contentType: assetType(name), etag: `"` + hex.EncodeToString(sum[:]) + `"`}
	}
	return m
}

// assetType is the Content-Type of an asset: JavaScript and CSS as UTF-8,
// files without an extension (LICENSE, NOTICE) as plain text.
func assetType(name string) string {
	switch ext := path.Ext(name); ext {
	case ".js":
		return "application/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case "":
		return "text/plain; charset=utf-8"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

// AssetsHandler serves the files of dashboards/assets by name (echarts.min.js,
// its licenses, slate.js, slate.css; not subdirectories). It expects the
// mount prefix to be stripped already (http.StripPrefix(AssetsPath, ...)); a
// leading "/" is ignored. Responses carry the right Content-Type, a strong
// ETag (the sha256 of the file; If-None-Match gives 304), Range support and
// "Cache-Control: public, max-age=86400". Unknown names get 404; methods other
// than GET and HEAD get 405.
func AssetsHandler() http.Handler {
	return http.HandlerFunc(serveAsset)
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers If-None-Match/If-Match/Range from the ETag; a zero
	// modtime leaves Last-Modified out (the embedded files have none).
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
