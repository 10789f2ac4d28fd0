package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/digest"
	"github.com/slatehq/slate/reports/httpapi"
	"github.com/slatehq/slate/reports/mailer"
	"github.com/slatehq/slate/reports/schedule"
	"github.com/slatehq/slate/warehouse"
)

// MailConfig is the e-mailed reports: the SMTP server, the scheduler
// and the schedules kept in this file (beside those made through the API).
type MailConfig struct {
	SMTP mailer.Config `yaml:"smtp"`
	// Scheduler runs due schedules in this process. Exactly one process of
	// a deployment should (the others still serve "send now").
	Scheduler bool                  `yaml:"scheduler"`
	Runner    schedule.RunnerConfig `yaml:"runner"`
	// BaseURL is where Slate's dashboards are reached from a mailbox; the
	// e-mails link to them when it is set.
	BaseURL string `yaml:"base_url"`
	// Limits cap recipients (count, domains) and send-now requests.
	Limits    schedule.Limits     `yaml:"limits"`
	Schedules []schedule.Schedule `yaml:"schedules"`
}

func defaultMailConfig() MailConfig {
	return MailConfig{SMTP: mailer.DefaultConfig(), Scheduler: true, Runner: schedule.DefaultRunnerConfig(), Limits: schedule.DefaultLimits()}
}

// Validate names the field that cannot work. Schedules are checked as the
// API checks them, so a bad one stops startup instead of failing at 8 am.
func (m *MailConfig) Validate() error {
	if err := m.SMTP.Validate("mail.smtp."); err != nil {
		return err
	}
	if err := m.Runner.Validate("mail.runner."); err != nil {
		return err
	}
	if err := m.Limits.Validate("mail.limits."); err != nil {
		return err
	}
	if len(m.Schedules) > 0 && !m.SMTP.Enabled() {
		return errors.New("mail.smtp.host: mail.schedules are set but no SMTP server is")
	}
	ids := map[string]int{}
	for i := range m.Schedules {
		s := &m.Schedules[i]
		if s.ID == "" {
			return fmt.Errorf("mail.schedules[%d].id: a schedule in the file needs an id (it keys its delivery log)", i)
		}
		if j, dup := ids[s.ID]; dup {
			return fmt.Errorf("mail.schedules[%d].id: %q is also mail.schedules[%d]", i, s.ID, j)
		}
		ids[s.ID] = i
		err := s.Validate()
		if err == nil {
			err = m.Limits.CheckRecipients(s.Recipients)
		}
		if err != nil {
			var pe *reports.ParamError
			if errors.As(err, &pe) {
				return fmt.Errorf("mail.schedules[%d].%s: %s", i, pe.Param, pe.Msg)
			}
			return fmt.Errorf("mail.schedules[%d]: %w", i, err)
		}
	}
	return nil
}

// syncConfigSchedules makes the stored schedules agree with the file:
// each file schedule is stored (unchanged ones are left alone, so their
// catch-up window survives restarts), and stored file schedules no longer
// in the file are deleted. API schedules are not touched, except one whose
// id a file schedule takes over (logged).
func syncConfigSchedules(ctx context.Context, store schedule.Store, file []schedule.Schedule, now time.Time, log *slog.Logger) error {
	stored, err := store.List(ctx)
	if err != nil {
		return fmt.Errorf("mail.schedules: %w", err)
	}
	byID := map[string]schedule.Schedule{}
	for _, s := range stored {
		byID[s.ID] = s
	}
	inFile := map[string]bool{}
	for _, s := range file {
		inFile[s.ID] = true
		s.FromConfig, s.UpdatedBy = true, "config"
		old, ok := byID[s.ID]
		switch {
		case ok && old.FromConfig && sameDefinition(old, s):
			continue
		case ok && old.FromConfig && old.Paused == s.Paused:
			s.ActiveSince = old.ActiveSince
		case ok && !old.FromConfig:
			log.Warn("a schedule in the configuration file replaces the API's schedule with its id", "id", s.ID)
			s.ActiveSince = now
		default:
			s.ActiveSince = now
		}
		s.UpdatedAt = now.UTC().Truncate(time.Second)
		if err := store.Put(ctx, s); err != nil {
			return fmt.Errorf("mail.schedules: store %s: %w", s.ID, err)
		}
	}
	for _, s := range stored {
		if s.FromConfig && !inFile[s.ID] {
			if err := store.Delete(ctx, s.ID); err != nil {
				return fmt.Errorf("mail.schedules: delete %s: %w", s.ID, err)
			}
		}
	}
	return nil
}

// sameDefinition compares what a schedule says, not its bookkeeping.
func sameDefinition(a, b schedule.Schedule) bool {
	strip := func(s schedule.Schedule) string {
		s.UpdatedAt, s.UpdatedBy, s.ActiveSince = time.Time{}, "", time.Time{}
		j, _ := json.Marshal(s)
		return string(j)
	}
	return strip(a) == strip(b)
}

// mailService is the e-mail side of slate serve.
type mailService struct {
	store  schedule.Store
	log    schedule.DeliveryLog
	runner *schedule.Runner // nil without an SMTP server
}

// newMailService wires schedules, the delivery log, the composer and the
// SMTP sender, stores the file's schedules, and starts the scheduler when
// this process runs it. Every send asks access whether the schedule may
// still go out.
func newMailService(ctx context.Context, cfg Config, conn driver.Conn, svc *reports.Service, reg prometheus.Registerer, log *slog.Logger, access *httpapi.ScheduleAccess) (*mailService, error) {
	m := &mailService{
		store: warehouse.NewScheduleStore(conn, cfg.ClickHouse.Database),
		log:   warehouse.NewDeliveryLog(conn, cfg.ClickHouse.Database),
	}
	if !cfg.Mail.SMTP.Enabled() {
		return m, nil
	}
	sender, err := mailer.New(cfg.Mail.SMTP)
	if err != nil {
		return nil, err
	}
	deliveries := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "slate_report_deliveries_total",
		Help: "Records written to the delivery log of e-mailed reports, by state (sending, sent, retrying, failed).",
	}, []string{"state"})
	reg.MustRegister(deliveries)
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	m.runner = &schedule.Runner{
		Schedules: m.store, Log: m.log, Sender: sender, Config: cfg.Mail.Runner, Authorize: access.Authorize,
		Composer: &digest.Composer{Service: svc, Domain: cfg.Mail.SMTP.Domain(), BaseURL: cfg.Mail.BaseURL},
		ID:       hex.EncodeToString(id), Now: time.Now, Logger: log.With("component", "scheduler"),
		Observe: func(d schedule.Delivery) { deliveries.WithLabelValues(string(d.State)).Inc() },
	}
	// ClickHouse may be down at startup (serve then answers /readyz 503):
	// the file's schedules are stored once it is up, then the scheduler
	// starts.
	go func() {
		for wait := time.Second; ; wait = min(2*wait, time.Minute) {
			err := syncConfigSchedules(ctx, m.store, cfg.Mail.Schedules, time.Now(), log)
			if err == nil {
				break
			}
			log.Warn("storing the configuration file's schedules; retrying", "err", err, "in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		if cfg.Mail.Scheduler {
			m.runner.Run(ctx)
		}
	}()
	if cfg.Mail.Scheduler {
		log.Info("scheduled reports on", "smtp", fmt.Sprintf("%s:%d", cfg.Mail.SMTP.Host, cfg.Mail.SMTP.Port), "tls", cfg.Mail.SMTP.TLS,
			"schedules_in_config", len(cfg.Mail.Schedules))
	}
	return m, nil
}
