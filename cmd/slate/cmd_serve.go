package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slatehq/slate/dashboards"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/i18n"
	"github.com/slatehq/slate/internal/obs"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/chstore"
	"github.com/slatehq/slate/reports/httpapi"
	"github.com/slatehq/slate/reports/xlsx"
	"github.com/slatehq/slate/warehouse"
)

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	load := loadConfigFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	if len(cfg.Auth.Users) == 0 && len(cfg.Auth.Tokens) == 0 {
		return errors.New("config: auth: slate serve needs at least one user or token (see README, `slate auth hash-password`)")
	}
	log := newLogger(cfg.Log, os.Stderr)
	conn, err := warehouse.Open(cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	addr, err := serveHTTP(ctx, cfg, conn, log)
	if err != nil {
		return err
	}
	log.Info("serve started", "url", "http://"+addr+"/", "clickhouse", cfg.ClickHouse.Addrs)
	<-ctx.Done()
	log.Info("serve stopped")
	return nil
}

// workbookWriter writes one of the fixed workbooks for q within sc.
type workbookWriter func(ctx context.Context, svc *reports.Service, q reports.Query, sc reports.Scope, lang i18n.Lang, w io.Writer) error

var workbooks = map[string]workbookWriter{
	"finance": func(ctx context.Context, svc *reports.Service, q reports.Query, sc reports.Scope, lang i18n.Lang, w io.Writer) error {
		_, err := xlsx.WriteFinance(ctx, svc, q, sc, lang, w, nil)
		return err
	},
	"leadership": xlsx.WriteLeadership,
}

// workbookExport streams a fixed workbook for the parameters of the
// report it is built on (billable for finance, volume for leadership),
// within the principal's scope.
func workbookExport(svc *reports.Service, log *slog.Logger, name, report string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		rep, _ := reports.Lookup(report)
		q, err := reports.ParseQuery(rep, r.URL.Query(), time.Now(), svc.Limits())
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", xlsx.ContentType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		// The workbook is streamed: before the first byte a failure is a
		// JSON error; after it, it can only cut the download short.
		cw := &countingWriter{w: w}
		if err := workbooks[name](r.Context(), svc, q, reports.Scope{Tenants: p.Scope.Tenants, Groups: p.Scope.Groups},
			i18n.ForReader(p.Lang, r.Header.Get("Accept-Language")), cw); err != nil {
			log.Error("workbook export", "workbook", name, "err", err)
			if cw.n == 0 {
				w.Header().Del("Content-Disposition")
				httpapi.WriteError(w, r, err)
			}
		}
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// reportSnapshots makes svc read report snapshots when they are on, and
// returns their manager for the caller to run the builder; nil when they
// are off. On a cluster they are off: the snapshot tables would need the
// same sharding as the facts, which a generation's INSERT ... SELECT
// through Distributed tables does not give.
func reportSnapshots(cfg Config, conn driver.Conn, svc *reports.Service, log *slog.Logger) *reports.Snapshots {
	if cfg.Reports.SnapshotInterval == 0 {
		return nil
	}
	if cfg.ClickHouse.Cluster != "" {
		log.Info("report snapshots are off on a cluster: reports read the live tables")
		return nil
	}
	snaps := reports.NewSnapshots(chstore.New(conn), cfg.ClickHouse.Database, cfg.Reports.SnapshotMaxAge)
	svc.UseSnapshots(snaps)
	return snaps
}

// serveHTTP serves the API, the dashboards and the login page, with the
// health and metrics routes, until ctx ends; it returns the bound address.
// slate demo reuses it.
func serveHTTP(ctx context.Context, cfg Config, conn driver.Conn, log *slog.Logger) (string, error) {
	r, err := serveRouter(ctx, cfg, conn, log)
	if err != nil {
		return "", err
	}
	return obs.Serve(ctx, cfg.HTTP.Addr, r, log)
}

// securityHeaders sets what every answer carries unless its handler says
// otherwise: no MIME sniffing (a CSV or JSON answer holding ticket text
// must never be run as HTML), and no caching, because nearly everything
// here is one principal's data (exports, the API, the pages). Only the
// static assets override it.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// serveRouter is every route of slate serve; background work it needs
// (report snapshots, the scheduler) runs until ctx ends.
func serveRouter(ctx context.Context, cfg Config, conn driver.Conn, log *slog.Logger) (chi.Router, error) {
	authn, err := auth.New(cfg.Auth, log)
	if err != nil {
		return nil, fmt.Errorf("config: auth: %w", err)
	}
	reg := obs.NewRegistry()
	svc := reports.NewService(chstore.New(conn), cfg.ClickHouse.Database, cfg.Reports)
	if snaps := reportSnapshots(cfg, conn, svc, log); snaps != nil {
		snaps.Register(reg)
		go snaps.Run(ctx, cfg.Reports.SnapshotInterval, log)
	}
	api := httpapi.New(svc, log, reg)
	dash := dashboards.New(svc, log)
	access := &httpapi.ScheduleAccess{Principal: authn.Principal, Limits: cfg.Mail.Limits}
	mail, err := newMailService(ctx, cfg, conn, svc, reg, log, access)
	if err != nil {
		return nil, err
	}

	r := chi.NewRouter()
	r.Use(securityHeaders, middleware.Recoverer)
	// Open to all: probes, metrics scrapers, the login page, the API's
	// OpenAPI document and static assets (ECharts, slate.js: nothing
	// secret).
	health := obs.Mux(reg, func() error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return warehouse.Ping(ctx, conn)
	})
	r.Handle("/healthz", health)
	r.Handle("/readyz", health)
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	r.Get("/login", authn.LoginPage)
	r.Get("/api/openapi.json", httpapi.ServeOpenAPI)
	r.Post("/login", authn.Login)
	r.Handle(dashboards.AssetsPath+"*", http.StripPrefix(dashboards.AssetsPath, dashboards.AssetsHandler()))
	r.Group(func(r chi.Router) {
		r.Use(authn.Middleware)
		r.Post("/logout", authn.Logout)
		r.Group(func(r chi.Router) {
			r.Use(authn.Require(auth.PermViewReports))
			api.Routes(r)
		})
		dash.Routes(r, authn.Require)
		r.With(authn.Require(auth.PermViewFinance)).Get("/api/v1/exports/finance", workbookExport(svc, log, "finance", "billable"))
		r.With(authn.Require(auth.PermViewReports)).Get("/api/v1/exports/leadership", workbookExport(svc, log, "leadership", "volume"))
		r.Group(func(r chi.Router) {
			r.Use(authn.Require(auth.PermManageSchedules))
			httpapi.ScheduleRoutes(r, mail.store, mail.log, mail.runner, access)
		})
		r.Group(func(r chi.Router) {
			r.Use(authn.Require(auth.PermAdmin))
			r.HandleFunc("/debug/pprof/*", pprof.Index)
			r.HandleFunc("/debug/pprof/profile", pprof.Profile)
		})
	})
	return r, nil
}
