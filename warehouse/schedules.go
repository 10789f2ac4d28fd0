package warehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports/schedule"
	"github.com/slatehq/slate/warehouse/schema"
)

// ScheduleStore keeps schedules in ClickHouse (schedule.Store).
type ScheduleStore struct {
	conn driver.Conn
	db   string
	now  func() time.Time
}

// NewScheduleStore stores schedules in database db.
func NewScheduleStore(conn driver.Conn, db string) *ScheduleStore {
	return &ScheduleStore{conn: conn, db: db, now: time.Now}
}

// latestSchedules picks each id's newest row without FINAL: the version
// decides, whatever merges have or have not happened.
func latestSchedules(db, where string) string {
	return "SELECT id, argMax(body, version), argMax(deleted, version) FROM " + db + ".schedules" + where +
		" GROUP BY id ORDER BY id"
}

func (s *ScheduleStore) read(ctx context.Context, where string, args ...any) ([]schedule.Schedule, error) {
	rows, err := s.conn.Query(ctx, latestSchedules(s.db, where), args...)
	if err != nil {
		return nil, fmt.Errorf("schedules: %w", classify(err))
	}
	defer rows.Close()
	var out []schedule.Schedule
	for rows.Next() {
		var id, body string
		var deleted uint8
		if err := rows.Scan(&id, &body, &deleted); err != nil {
			return nil, err
		}
		if deleted == 1 {
			continue
		}
		var sc schedule.Schedule
		if err := json.Unmarshal([]byte(body), &sc); err != nil {
			return nil, fmt.Errorf("schedule %s: stored body: %w", id, err)
		}
		out = append(out, sc)
	}
	return out, classify(rows.Err())
}

// List returns every schedule, by id.
func (s *ScheduleStore) List(ctx context.Context) ([]schedule.Schedule, error) {
	return s.read(ctx, "")
}

// Get returns one schedule or a NotFound fault.
func (s *ScheduleStore) Get(ctx context.Context, id string) (schedule.Schedule, error) {
	got, err := s.read(ctx, " WHERE id = ?", id)
	if err != nil {
		return schedule.Schedule{}, err
	}
	if len(got) == 0 {
		return schedule.Schedule{}, fault.Errorf(fault.NotFound, "no schedule %q", id)
	}
	return got[0], nil
}

// Put stores a new version of the schedule.
func (s *ScheduleStore) Put(ctx context.Context, sc schedule.Schedule) error {
	body, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	return s.write(ctx, sc.ID, 0, string(body))
}

// Delete records the schedule's deletion.
func (s *ScheduleStore) Delete(ctx context.Context, id string) error {
	return s.write(ctx, id, 1, "")
}

func (s *ScheduleStore) write(ctx context.Context, id string, deleted uint8, body string) error {
	now := s.now().UTC()
	w := &Writer{conn: s.conn, db: s.db}
	return w.send(ctx, schema.Schedules, func(b driver.Batch) error {
		return appendRow(b, schema.Schedules, map[string]any{
			"id": id, "version": uint64(now.UnixNano()), "deleted": deleted, "body": body, "updated_at": now.Truncate(time.Second)})
	})
}
