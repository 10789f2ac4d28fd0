package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/slatehq/slate/reports/schedule"
	"github.com/slatehq/slate/warehouse"
)

// The file's schedules against the stored ones, in a real ClickHouse.
func TestSyncConfigSchedules(t *testing.T) {
	e := newEnv(t, sharedCH, 1)
	store := warehouse.NewScheduleStore(e.conn, e.db)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mk := func(id, cron string) schedule.Schedule {
		s := schedule.Schedule{ID: id, Name: id, Cron: cron, TZ: "UTC", Period: schedule.PeriodDay, Reports: []string{"volume"},
			Recipients: []string{"a@example.com"}}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	api := mk("from-api", "0 6 * * *")
	if err := store.Put(ctx, api); err != nil {
		t.Fatal(err)
	}
	byID := func() map[string]schedule.Schedule {
		all, err := store.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]schedule.Schedule{}
		for _, s := range all {
			out[s.ID] = s
		}
		return out
	}
	t1 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	if err := syncConfigSchedules(ctx, store, []schedule.Schedule{mk("a", "0 7 * * *"), mk("b", "0 7 * * 1")}, t1, log); err != nil {
		t.Fatal(err)
	}
	got := byID()
	if len(got) != 3 || !got["a"].FromConfig || !got["b"].FromConfig || got["from-api"].FromConfig || !got["a"].ActiveSince.Equal(t1) {
		t.Fatalf("first sync: %+v", got)
	}
	// A restart with the same file changes nothing: the catch-up window
	// still starts at the first sync.
	t2 := t1.Add(48 * time.Hour)
	if err := syncConfigSchedules(ctx, store, []schedule.Schedule{mk("a", "0 7 * * *"), mk("b", "0 7 * * 1")}, t2, log); err != nil {
		t.Fatal(err)
	}
	if got := byID(); !got["a"].ActiveSince.Equal(t1) || !got["a"].UpdatedAt.Equal(t1) {
		t.Errorf("unchanged file rewrote a: %+v", got["a"])
	}
	// a changes its cron (keeping its window), b leaves the file (deleted),
	// the API's schedule stays.
	t3 := t2.Add(time.Hour)
	if err := syncConfigSchedules(ctx, store, []schedule.Schedule{mk("a", "30 7 * * *")}, t3, log); err != nil {
		t.Fatal(err)
	}
	got = byID()
	if len(got) != 2 || got["a"].Cron != "30 7 * * *" || !got["a"].ActiveSince.Equal(t1) || !got["a"].UpdatedAt.Equal(t3) {
		t.Errorf("changed file: %+v", got)
	}
	if _, ok := got["from-api"]; !ok {
		t.Error("the API's schedule was deleted")
	}
}
