package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/fault"
)

// The runner's decisions (what is due, retries, backoff, states) over
// in-memory stores and a scripted sender; the ClickHouse log and a real
// SMTP server are exercised by cmd/slate's end-to-end mail test.

type memStore struct{ list []Schedule }

func (m *memStore) List(context.Context) ([]Schedule, error) { return m.list, nil }
func (m *memStore) Get(context.Context, string) (Schedule, error) {
	return Schedule{}, errors.New("unused")
}
func (m *memStore) Put(context.Context, Schedule) error  { return errors.New("unused") }
func (m *memStore) Delete(context.Context, string) error { return errors.New("unused") }

type memLog struct{ records []Delivery }

func (m *memLog) Latest(_ context.Context, since time.Time, ids ...string) (map[Key]Delivery, error) {
	out := map[Key]Delivery{}
	for _, d := range m.records {
		if !d.PeriodFrom.Before(since) {
			out[d.Key()] = d
		}
	}
	return out, nil
}

func (m *memLog) Record(_ context.Context, d Delivery) error {
	m.records = append(m.records, d)
	return nil
}

// composer fails with err when it is set (a report query failing).
type composer struct{ err error }

func (c *composer) Compose(_ context.Context, s Schedule, from, _ time.Time) (Message, error) {
	if c.err != nil {
		return Message{}, c.err
	}
	return Message{ID: MessageID(s, from, "test"), To: s.Recipients}, nil
}

// sender fails with the scripted errors in turn, then succeeds.
type sender struct {
	script []error
	sent   []string // message ids
}

func (s *sender) Send(_ context.Context, m Message) error {
	if len(s.script) > 0 {
		err := s.script[0]
		s.script = s.script[1:]
		return err
	}
	s.sent = append(s.sent, m.ID)
	return nil
}

type rig struct {
	now      time.Time
	log      *memLog
	sender   *sender
	composer *composer
	refusal  error // what the Authorize check answers
	runner   *Runner
}

func newRig(s Schedule, now time.Time) *rig {
	rg := &rig{now: now, log: &memLog{}, sender: &sender{}, composer: &composer{}}
	cfg := DefaultRunnerConfig()
	cfg.MaxAttempts = 4
	rg.runner = &Runner{Schedules: &memStore{[]Schedule{s}}, Log: rg.log, Composer: rg.composer, Sender: rg.sender,
		Authorize: func(context.Context, Schedule) error { return rg.refusal },
		Config:    cfg, ID: "me", Now: func() time.Time { return rg.now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return rg
}

func (rg *rig) tick(t *testing.T) {
	t.Helper()
	if err := rg.runner.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (rg *rig) latest(t *testing.T, from time.Time) Delivery {
	t.Helper()
	l, _ := rg.log.Latest(context.Background(), time.Time{})
	d, ok := l[Key{"daily", from.UTC()}]
	if !ok {
		t.Fatalf("no delivery for %s", from)
	}
	return d
}

func daily() Schedule {
	return Schedule{ID: "daily", Name: "Daily", Cron: "0 7 * * *", TZ: "UTC", Period: PeriodDay, Reports: []string{"volume"},
		Recipients: []string{"a@example.com"}, ActiveSince: time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)}
}

func day(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }

func TestRunnerCatchesUpMissedRunsOnce(t *testing.T) {
	// Active since the 10th at noon; Slate comes back on the 13th at 09:00.
	// The runs of the 11th, 12th and 13th at 07:00 were missed; they cover
	// the 10th, 11th and 12th. The run of the 10th at 07:00 came before
	// the schedule existed.
	rg := newRig(daily(), time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC))
	rg.tick(t)
	want := []string{"slate.daily.20261110T000000Z@test", "slate.daily.20261111T000000Z@test", "slate.daily.20261112T000000Z@test"}
	if fmt.Sprint(rg.sender.sent) != fmt.Sprint(want) {
		t.Fatalf("sent %v, want %v", rg.sender.sent, want)
	}
	// Each was logged sending, then sent.
	if len(rg.log.records) != 6 || rg.log.records[0].State != StateSending || rg.log.records[1].State != StateSent {
		t.Fatalf("log %+v", rg.log.records)
	}
	// Later passes the same day send nothing more; the next morning's run
	// sends the 13th.
	rg.now = rg.now.Add(3 * time.Hour)
	rg.tick(t)
	rg.now = time.Date(2026, 11, 14, 7, 0, 30, 0, time.UTC)
	rg.tick(t)
	rg.tick(t)
	if len(rg.sender.sent) != 4 || rg.sender.sent[3] != "slate.daily.20261113T000000Z@test" {
		t.Fatalf("sent %v", rg.sender.sent)
	}
}

func TestRunnerRetriesTemporaryFailuresWithBackoff(t *testing.T) {
	s := daily()
	s.ActiveSince = day(12).Add(8 * time.Hour) // after the run that covered the 11th
	rg := newRig(s, time.Date(2026, 11, 13, 7, 0, 10, 0, time.UTC))
	tmp := &SendError{Temporary: true, Err: errors.New("dial tcp: connection refused")}
	rg.sender.script = []error{tmp, tmp}
	rg.tick(t)
	d := rg.latest(t, day(12))
	// First failure: retry after RetryBase (1 min).
	if d.State != StateRetrying || d.Attempts != 1 || !d.NextAttempt.Equal(rg.now.Add(time.Minute)) || d.Error == "" {
		t.Fatalf("after the first failure: %+v", d)
	}
	rg.now = rg.now.Add(59 * time.Second)
	rg.tick(t) // not yet due
	if d := rg.latest(t, day(12)); d.Attempts != 1 {
		t.Fatalf("retried early: %+v", d)
	}
	rg.now = rg.now.Add(time.Second)
	rg.tick(t)
	// Second failure: the wait doubles.
	if d := rg.latest(t, day(12)); d.State != StateRetrying || d.Attempts != 2 || !d.NextAttempt.Equal(rg.now.Add(2*time.Minute)) {
		t.Fatalf("after the second failure: %+v", d)
	}
	rg.now = rg.now.Add(2 * time.Minute)
	rg.tick(t)
	if d := rg.latest(t, day(12)); d.State != StateSent || d.Attempts != 3 || d.Error != "" || len(rg.sender.sent) != 1 {
		t.Fatalf("third attempt: %+v, sent %v", d, rg.sender.sent)
	}
}

func TestRunnerRecordsPermanentFailuresAndGivesUp(t *testing.T) {
	s := daily()
	s.ActiveSince = day(12).Add(8 * time.Hour) // after the run that covered the 11th
	rg := newRig(s, time.Date(2026, 11, 13, 8, 0, 0, 0, time.UTC))
	rg.sender.script = []error{&SendError{Temporary: false, Err: errors.New(`550 "5.1.0 mailbox unavailable"`)}}
	rg.tick(t)
	for range 3 {
		rg.now = rg.now.Add(time.Hour)
		rg.tick(t)
	}
	if d := rg.latest(t, day(12)); d.State != StateFailed || d.Attempts != 1 || d.Error != `550 "5.1.0 mailbox unavailable"` {
		t.Fatalf("permanent: %+v", d)
	}
	// Temporary failures end as failed after MaxAttempts (4).
	s.ActiveSince = day(13).Add(8 * time.Hour)
	rg = newRig(s, time.Date(2026, 11, 14, 8, 0, 0, 0, time.UTC))
	tmp := &SendError{Temporary: true, Err: errors.New("421 try later")}
	rg.sender.script = []error{tmp, tmp, tmp, tmp, tmp}
	for range 10 {
		rg.tick(t)
		rg.now = rg.now.Add(2 * time.Hour)
	}
	if d := rg.latest(t, day(13)); d.State != StateFailed || d.Attempts != 4 || d.Error != "gave up after 4 attempts: 421 try later" {
		t.Fatalf("gave up: %+v", d)
	}
}

func TestRunnerSkipsPausedAndInFlightButTakesOverAbandoned(t *testing.T) {
	s := daily()
	s.Paused = true
	rg := newRig(s, time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC))
	rg.tick(t)
	if len(rg.log.records) != 0 {
		t.Fatalf("paused schedule ran: %+v", rg.log.records)
	}
	// Another process started the 12th's delivery a minute ago: in flight.
	s.Paused, s.ActiveSince = false, day(12).Add(8*time.Hour)
	rg = newRig(s, time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC))
	rg.log.records = []Delivery{{ScheduleID: "daily", PeriodFrom: day(12), PeriodTo: day(13), State: StateSending, Attempts: 1,
		Runner: "other", UpdatedAt: rg.now.Add(-time.Minute)}}
	rg.tick(t)
	if len(rg.sender.sent) != 0 {
		t.Fatal("sent while another process was sending")
	}
	// Past the send timeout that process is taken to have died mid-run.
	rg.now = rg.now.Add(rg.runner.Config.SendTimeout)
	rg.tick(t)
	if d := rg.latest(t, day(12)); d.State != StateSent || d.Attempts != 2 || d.Runner != "me" || len(rg.sender.sent) != 1 {
		t.Fatalf("take-over: %+v", d)
	}
}

func TestRunnerOneDeliveryPerPeriodForFrequentCrons(t *testing.T) {
	// Hourly runs of a daily report: every run of the 13th covers the
	// 12th, and the 12th goes out once (noted with the latest of those
	// runs when it went).
	s := daily()
	s.Cron, s.ActiveSince = "0 * * * *", day(13)
	rg := newRig(s, time.Date(2026, 11, 13, 5, 30, 0, 0, time.UTC))
	rg.tick(t)
	rg.now = rg.now.Add(4 * time.Hour)
	rg.tick(t)
	if len(rg.sender.sent) != 1 || rg.latest(t, day(12)).RunAt.Hour() != 5 {
		t.Fatalf("sent %v, %+v", rg.sender.sent, rg.latest(t, day(12)))
	}
}

func TestSendNowResendsAndKeysTheLog(t *testing.T) {
	s := daily()
	rg := newRig(s, time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC))
	rg.tick(t)
	n := len(rg.sender.sent)
	d, err := rg.runner.SendNow(context.Background(), s, day(12), day(13))
	if err != nil || d.Trigger != TriggerManual || d.State != StateSent || d.Attempts != 2 || len(rg.sender.sent) != n+1 {
		t.Fatalf("send now: %+v %v", d, err)
	}
	rg.sender.script = []error{&SendError{Err: errors.New("550 no")}}
	if _, err := rg.runner.SendNow(context.Background(), s, day(12), day(13)); !IsDeliveryFailure(err) {
		t.Fatalf("refused send now: %v", err)
	}
}

// A schedule its author may no longer send, and a report query that can
// never run as asked (a zone ClickHouse refuses), fail once with the
// reason and are not retried; a warehouse outage is.
func TestRunnerDoesNotRetryRefusalsOrPermanentQueryErrors(t *testing.T) {
	s := daily()
	s.ActiveSince = day(12).Add(8 * time.Hour)
	start := time.Date(2026, 11, 13, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		what           string
		refusal, query error
		state          State
		reason         string
	}{
		{"author refused", errors.New("author ann may no longer read report billable"), nil, StateFailed, "not sent: author ann may no longer read report billable"},
		{"bad zone", nil, fault.Wrap(fault.Invalid, errors.New(`tz: "right/UTC" is not a time zone the warehouse accepts`)), StateFailed, "right/UTC"},
		{"warehouse down", nil, fault.Wrap(fault.Unavailable, errors.New("connection refused")), StateRetrying, "connection refused"},
	} {
		rg := newRig(s, start)
		rg.refusal, rg.composer.err = c.refusal, c.query
		for range 3 {
			rg.tick(t)
			rg.now = rg.now.Add(3 * time.Hour)
		}
		d := rg.latest(t, day(12))
		wantAttempts := 1
		if c.state == StateRetrying {
			wantAttempts = 3
		}
		if d.State != c.state || d.Attempts != wantAttempts || !strings.Contains(d.Error, c.reason) || len(rg.sender.sent) != 0 {
			t.Errorf("%s: %+v, sent %v; want %s after %d attempts, error containing %q", c.what, d, rg.sender.sent, c.state, wantAttempts, c.reason)
		}
	}
	// Send now is refused the same way, and says so.
	rg := newRig(s, start)
	rg.refusal = errors.New("author ann is no longer configured")
	d, err := rg.runner.SendNow(context.Background(), s, day(12), day(13))
	if !IsDeliveryFailure(err) || !IsRefused(err) || d.State != StateFailed || len(rg.sender.sent) != 0 {
		t.Errorf("refused send now: %+v %v", d, err)
	}
	// Without an Authorize check nothing goes out.
	rg = newRig(s, start)
	rg.runner.Authorize = nil
	rg.tick(t)
	if d := rg.latest(t, day(12)); d.State != StateFailed || len(rg.sender.sent) != 0 {
		t.Errorf("no Authorize: %+v, sent %v", d, rg.sender.sent)
	}
}
