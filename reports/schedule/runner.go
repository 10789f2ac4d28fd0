package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/slatehq/slate/internal/fault"
)

// RunnerConfig tunes the scheduler.
type RunnerConfig struct {
	// Interval is how often due runs are looked for.
	Interval time.Duration `yaml:"interval"`
	// CatchUp is how long after its time a missed run (Slate was down) is
	// still sent; older ones are skipped.
	CatchUp time.Duration `yaml:"catch_up"`
	// SendTimeout bounds one attempt (compose and send). A "sending"
	// record of another process older than this is taken as abandoned
	// (that process died mid-run) and the delivery is tried again.
	SendTimeout time.Duration `yaml:"send_timeout"`
	// RetryBase and RetryMax shape the backoff after temporary failures:
	// base, 2×base, 4×base, ... up to max.
	RetryBase time.Duration `yaml:"retry_base"`
	RetryMax  time.Duration `yaml:"retry_max"`
	// MaxAttempts is how many temporary failures a delivery survives
	// before it is recorded as failed.
	MaxAttempts int `yaml:"max_attempts"`
}

// DefaultRunnerConfig checks every 30 s and retries for about a day.
func DefaultRunnerConfig() RunnerConfig {
	return RunnerConfig{Interval: 30 * time.Second, CatchUp: 31 * 24 * time.Hour, SendTimeout: 5 * time.Minute,
		RetryBase: time.Minute, RetryMax: 2 * time.Hour, MaxAttempts: 16}
}

// Validate names the field that cannot work.
func (c RunnerConfig) Validate(prefix string) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", c.Interval}, {"catch_up", c.CatchUp}, {"send_timeout", c.SendTimeout}, {"retry_base", c.RetryBase}, {"retry_max", c.RetryMax}} {
		if d.v <= 0 {
			return fmt.Errorf("%s%s: must be positive, got %s", prefix, d.name, d.v)
		}
	}
	if c.RetryMax < c.RetryBase {
		return fmt.Errorf("%sretry_max: %s is less than retry_base %s", prefix, c.RetryMax, c.RetryBase)
	}
	if c.MaxAttempts < 1 {
		return fmt.Errorf("%smax_attempts: must be at least 1, got %d", prefix, c.MaxAttempts)
	}
	return nil
}

// Runner sends due schedules once per period. One process of a
// deployment runs it (mail.scheduler); its state lives in the
// DeliveryLog, so a restart resumes where the last process stopped.
type Runner struct {
	Schedules Store
	Log       DeliveryLog
	Composer  Composer
	Sender    Sender
	// Authorize is asked before every attempt, scheduled or on request,
	// whether the schedule may still go out as it is (its author's
	// current role and scope, its recipients). Its refusal is recorded as
	// the delivery's permanent failure. Required: a runner without it
	// sends nothing.
	Authorize func(ctx context.Context, s Schedule) error
	Config    RunnerConfig
	// ID names this process in the log's records (unique per start).
	ID     string
	Now    func() time.Time
	Logger *slog.Logger
	// Observe, if set, sees every record the runner writes.
	Observe func(Delivery)
}

// Run checks for due deliveries every Config.Interval until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(r.Config.Interval)
	defer t.Stop()
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Warn("scheduled reports: pass incomplete, trying again next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick makes one pass: every active schedule's runs within the catch-up
// window whose period has no final delivery, and whose retry (if any) is
// due, are attempted, oldest first.
func (r *Runner) Tick(ctx context.Context) error {
	now := r.Now()
	all, err := r.Schedules.List(ctx)
	if err != nil {
		return fmt.Errorf("list schedules: %w", err)
	}
	// A run's period starts at most a quarter (and a few days) before it.
	logged, err := r.Log.Latest(ctx, now.Add(-r.Config.CatchUp-100*24*time.Hour))
	if err != nil {
		return fmt.Errorf("read delivery log: %w", err)
	}
	var errs []error
	for _, s := range all {
		if s.Paused {
			continue
		}
		for _, due := range r.due(s, logged, now) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if _, err := r.attempt(ctx, s, due); err != nil && !errors.Is(err, errDeliveryFailed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// due lists the deliveries of s to attempt now, each with its previous
// record (zero for a first attempt), oldest period first.
func (r *Runner) due(s Schedule, logged map[Key]Delivery, now time.Time) []Delivery {
	after := now.Add(-r.Config.CatchUp)
	since := s.ActiveSince
	if since.IsZero() { // saved before schedules had it
		since = s.UpdatedAt
	}
	if since.After(after) {
		after = since
	}
	var out []Delivery
	seen := map[Key]int{}
	for _, run := range s.RunsBetween(after, now) {
		from, to := s.Covers(run)
		k := Key{s.ID, from.UTC()}
		if i, ok := seen[k]; ok { // a later run of the same period
			out[i].RunAt = run
			continue
		}
		prev, ok := logged[k]
		if ok && !r.retryDue(prev, now) {
			continue
		}
		if !ok {
			prev = Delivery{ScheduleID: s.ID, PeriodFrom: from, PeriodTo: to, Trigger: TriggerSchedule}
		}
		prev.RunAt = run
		seen[k] = len(out)
		out = append(out, prev)
	}
	return out
}

func (r *Runner) retryDue(d Delivery, now time.Time) bool {
	switch d.State {
	case StateRetrying:
		return !now.Before(d.NextAttempt)
	case StateSending:
		// Our own record: an attempt of this process is under way.
		// Another's: that process died mid-run once it is this old.
		return d.Runner != r.ID && now.Sub(d.UpdatedAt) >= r.Config.SendTimeout
	}
	return false // sent or failed
}

// errDeliveryFailed marks an attempt that failed and was recorded as such:
// the log has it, so it is not an error of the pass.
var errDeliveryFailed = errors.New("delivery failed")

// failure is a recorded failed attempt: errDeliveryFailed, the reason
// the log holds, and the cause (whose fault kind tells a refusal).
type failure struct {
	reason string
	cause  error
}

func (f *failure) Error() string   { return "delivery failed: " + f.reason }
func (f *failure) Unwrap() []error { return []error{errDeliveryFailed, f.cause} }

// SendNow delivers s's message for [from, to) at once, whatever the log
// says (an operator asked), and records the outcome under the same key as
// scheduled runs: a later scheduled run of that period sends nothing.
func (r *Runner) SendNow(ctx context.Context, s Schedule, from, to time.Time) (Delivery, error) {
	d := Delivery{ScheduleID: s.ID, PeriodFrom: from, PeriodTo: to, RunAt: r.Now(), Trigger: TriggerManual}
	if prev, err := r.Log.Latest(ctx, from, s.ID); err == nil {
		if p, ok := prev[d.Key()]; ok {
			d.Attempts = p.Attempts
		}
	}
	return r.attempt(ctx, s, d)
}

// attempt composes and sends one delivery, recording "sending" before and
// the outcome after. A failure to record the outcome of a message that
// went out is retried: the only duplicate e-mail left is the one sent
// just before a crash, and it carries the same Message-ID.
func (r *Runner) attempt(ctx context.Context, s Schedule, d Delivery) (Delivery, error) {
	d.State, d.Attempts, d.Runner = StateSending, d.Attempts+1, r.ID
	d.Recipients = slices.Clone(s.Recipients)
	d.Error, d.NextAttempt = "", time.Time{}
	if err := r.record(ctx, &d); err != nil {
		return d, fmt.Errorf("schedule %s: record attempt: %w", s.ID, err)
	}
	actx, cancel := context.WithTimeout(ctx, r.Config.SendTimeout)
	err := r.authorize(actx, s)
	var msg Message
	if err == nil {
		msg, err = r.Composer.Compose(actx, s, d.PeriodFrom, d.PeriodTo)
	}
	if err == nil {
		d.MessageID = msg.ID
		err = r.Sender.Send(actx, msg)
	}
	cancel()
	switch {
	case err == nil:
		d.State = StateSent
	case Temporary(err) && d.Attempts < r.Config.MaxAttempts:
		d.State, d.Error = StateRetrying, err.Error()
		d.NextAttempt = r.Now().Add(r.backoff(d.Attempts))
	case Temporary(err):
		d.State, d.Error = StateFailed, fmt.Sprintf("gave up after %d attempts: %v", d.Attempts, err)
	default:
		d.State, d.Error = StateFailed, err.Error()
	}
	// The outcome is recorded even when ctx ended (shutdown mid-send).
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer rcancel()
	var recErr error
	for i, wait := 0, time.Second; i < 5; i, wait = i+1, 2*wait {
		if recErr = r.record(rctx, &d); recErr == nil {
			break
		}
		select {
		case <-rctx.Done():
		case <-time.After(wait):
		}
	}
	lg := r.Logger.With("schedule", s.ID, "period_from", d.PeriodFrom, "trigger", d.Trigger, "attempt", d.Attempts, "state", d.State)
	if recErr != nil {
		lg.Error("scheduled report: outcome not recorded", "err", recErr, "send_err", err)
		return d, fmt.Errorf("schedule %s: record outcome %s: %w", s.ID, d.State, recErr)
	}
	if err != nil {
		lg.Warn("scheduled report not sent", "err", err, "next_attempt", d.NextAttempt)
		return d, &failure{reason: d.Error, cause: err}
	}
	lg.Info("scheduled report sent", "message_id", d.MessageID, "recipients", len(d.Recipients))
	return d, nil
}

// authorize runs the Authorize check; its refusal is permanent whatever
// kind the error has.
func (r *Runner) authorize(ctx context.Context, s Schedule) error {
	if r.Authorize == nil {
		return fault.Errorf(fault.Forbidden, "not sent: the scheduler has no authorization check")
	}
	if err := r.Authorize(ctx, s); err != nil {
		return fault.Wrap(fault.Forbidden, fmt.Errorf("not sent: %w", err))
	}
	return nil
}

// IsRefused reports whether SendNow's error is the Authorize check's
// refusal (recorded as a failed delivery).
func IsRefused(err error) bool { return fault.KindOf(err) == fault.Forbidden }

func (r *Runner) record(ctx context.Context, d *Delivery) error {
	d.UpdatedAt = r.Now()
	if err := r.Log.Record(ctx, *d); err != nil {
		return err
	}
	if r.Observe != nil {
		r.Observe(*d)
	}
	return nil
}

// backoff is the wait after the n-th failed attempt.
func (r *Runner) backoff(n int) time.Duration {
	d := r.Config.RetryBase
	for i := 1; i < n && d < r.Config.RetryMax; i++ {
		d *= 2
	}
	return min(d, r.Config.RetryMax)
}

// IsDeliveryFailure reports whether SendNow's error is a recorded failed
// delivery (the mail server refused), not a failure of Slate itself.
func IsDeliveryFailure(err error) bool { return errors.Is(err, errDeliveryFailed) }
