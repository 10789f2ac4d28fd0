package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/internal/fault"
)

// State is where one delivery (a schedule and the period it covers) stands.
type State string

const (
	// StateSending: an attempt started and has not been recorded as done.
	// Seen after a restart it means the process died mid-run; the attempt
	// is made again once it is older than the runner's send timeout.
	StateSending State = "sending"
	// StateRetrying: the last attempt failed temporarily; the next one is
	// due at NextAttempt.
	StateRetrying State = "retrying"
	// StateSent: the SMTP server accepted the message. Final.
	StateSent State = "sent"
	// StateFailed: a permanent failure, or temporary ones until the
	// attempts ran out. Final for the scheduler; "send now" may try again.
	StateFailed State = "failed"
)

// Final reports whether the scheduler leaves the delivery alone.
func (s State) Final() bool { return s == StateSent || s == StateFailed }

// Trigger says who asked for a delivery.
type Trigger string

const (
	TriggerSchedule Trigger = "schedule" // the cron expression fired
	TriggerManual   Trigger = "manual"   // "send now" through the API
)

// Delivery is the log entry of one schedule and period: the latest
// record for the pair is its state. The log is keyed by (ScheduleID,
// PeriodFrom), which is what makes a delivery happen once per period.
type Delivery struct {
	ScheduleID  string    `json:"schedule_id"`
	PeriodFrom  time.Time `json:"period_from"`
	PeriodTo    time.Time `json:"period_to"`
	RunAt       time.Time `json:"run_at"` // when the cron expression fired (or send now was asked)
	Trigger     Trigger   `json:"trigger"`
	State       State     `json:"state"`
	Attempts    int       `json:"attempts"`
	Error       string    `json:"error,omitempty"` // the last failure's reason
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	MessageID   string    `json:"message_id,omitempty"`
	Recipients  []string  `json:"recipients"`
	Runner      string    `json:"runner"` // the process that wrote this record
	UpdatedAt   time.Time `json:"updated_at"`
}

// Key identifies a delivery in the log.
type Key struct {
	ScheduleID string
	PeriodFrom time.Time
}

// Key is the log key of d.
func (d Delivery) Key() Key { return Key{d.ScheduleID, d.PeriodFrom.UTC()} }

// DeliveryLog keeps every delivery's latest state across restarts.
type DeliveryLog interface {
	// Latest returns the latest record of every delivery of the given
	// schedules (all schedules when ids is empty) whose period starts at
	// or after since.
	Latest(ctx context.Context, since time.Time, ids ...string) (map[Key]Delivery, error)
	Record(ctx context.Context, d Delivery) error
}

// Message is one e-mail ready to send.
type Message struct {
	ID          string // Message-ID without brackets, stable per schedule and period
	To          []string
	Subject     string
	Text, HTML  string
	Attachments []Attachment
}

// Attachment is a file attached to a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Composer builds the message of a schedule for the period [from, to).
type Composer interface {
	Compose(ctx context.Context, s Schedule, from, to time.Time) (Message, error)
}

// Sender hands a message to a mail server. Its errors say whether trying
// again can help (see Temporary).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SendError is a failed hand-over; Temporary ones (connection refused,
// timeouts, 4xx replies) are retried with backoff, the others (5xx
// replies, rejected addresses) are recorded and not retried.
type SendError struct {
	Temporary bool
	Err       error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Temporary reports whether err is worth retrying. A SendError says so
// itself; any other error (composing the message) by its fault kind:
// ClickHouse down or slow, or an unclassified failure, is retried, so an
// outage does not turn a scheduled report into a permanent failure; a
// query ClickHouse can never run as asked (a bad parameter, too large a
// result) or an author no longer allowed to send is not.
func Temporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return fault.Retryable(err)
}

// MessageID is the stable Message-ID of a schedule's message for a
// period, so a message sent twice (a crash between the server's "OK" and
// the log's record) can be recognised as one by mail systems.
func MessageID(s Schedule, from time.Time, domain string) string {
	return fmt.Sprintf("slate.%s.%s@%s", s.ID, from.UTC().Format("20060102T150405Z"), domain)
}
