package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/schedule"
)

// ScheduleRoutes mounts the schedule API on r, which must already require
// the schedules permission (admins and managers). deliveries is the
// delivery log; runner sends on request ("send now") and is nil when no
// mail server is configured; access decides who sees and does what.
func ScheduleRoutes(r chi.Router, store schedule.Store, deliveries schedule.DeliveryLog, runner *schedule.Runner, access *ScheduleAccess) {
	h := &schedules{store: store, deliveries: deliveries, runner: runner, access: access, now: time.Now}
	r.Get("/api/v1/schedules", h.list)
	r.Post("/api/v1/schedules", h.create)
	r.Get("/api/v1/schedules/{id}", h.get)
	r.Put("/api/v1/schedules/{id}", h.update)
	r.Delete("/api/v1/schedules/{id}", h.remove)
	r.Post("/api/v1/schedules/{id}/pause", h.pause(true))
	r.Post("/api/v1/schedules/{id}/resume", h.pause(false))
	r.Post("/api/v1/schedules/{id}/send", h.sendNow)
	r.Get("/api/v1/schedules/{id}/deliveries", h.listDeliveries)
}

type schedules struct {
	store      schedule.Store
	deliveries schedule.DeliveryLog
	runner     *schedule.Runner
	access     *ScheduleAccess
	now        func() time.Time
}

func principal(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

// list is the schedules the principal may see.
func (h *schedules) list(w http.ResponseWriter, r *http.Request) {
	all, err := h.store.List(r.Context())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	p := principal(r)
	out := []schedule.Schedule{}
	for _, s := range all {
		if h.access.visible(p, s) {
			out = append(out, s)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"schedules": out})
}

// find fetches a schedule the principal may see; one it may not see is
// answered as one that does not exist.
func (h *schedules) find(r *http.Request, id string) (schedule.Schedule, error) {
	s, err := h.store.Get(r.Context(), id)
	if err == nil && !h.access.visible(principal(r), s) {
		return schedule.Schedule{}, fault.Errorf(fault.NotFound, "no schedule %q", id)
	}
	return s, err
}

func (h *schedules) get(w http.ResponseWriter, r *http.Request) {
	s, err := h.find(r, chi.URLParam(r, "id"))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// decode reads a schedule from the body: JSON, at most 64 KiB, no unknown
// fields (a typo must not silently drop a setting).
func decode(r *http.Request) (schedule.Schedule, error) {
	var s schedule.Schedule
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		field := "body"
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			field = te.Field
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field = strings.Trim(name, `"`)
		}
		return s, fault.Wrap(fault.Invalid, &reports.ParamError{Param: field, Msg: "not a valid schedule: " + err.Error()})
	}
	return s, nil
}

// stamp records who saved s, old being the stored version (zero when
// creating). Owner, scope and bookkeeping never come from the body: the
// creator becomes the owner; the owner's saves give the schedule the
// owner's current scope, anyone else's keep the scope it has, so no one
// widens it by touching it.
func (h *schedules) stamp(r *http.Request, s *schedule.Schedule, old schedule.Schedule, creating bool) {
	p := principal(r)
	s.Owner, s.Scope = old.Author(), old.Scope
	if creating {
		s.Owner = p.Name
	}
	if s.Owner == p.Name {
		s.Scope = reports.Scope{Tenants: p.Scope.Tenants, Groups: p.Scope.Groups}
	}
	s.UpdatedAt, s.UpdatedBy = h.now().UTC().Truncate(time.Second), p.Name
	s.FromConfig = false
}

// save stamps and stores a created or edited schedule once its contents
// pass: the saver and the author (who the e-mail is sent as) may both read
// every report it holds, and the recipients are within the limits.
func (h *schedules) save(r *http.Request, s *schedule.Schedule, old schedule.Schedule, creating bool) error {
	h.stamp(r, s, old, creating)
	if err := h.access.Limits.CheckRecipients(s.Recipients); err != nil {
		return err
	}
	p := principal(r)
	if err := mayHold(p, *s); err != nil {
		return err
	}
	if s.Owner != p.Name {
		author, ok := h.access.Principal(s.Owner)
		if !ok {
			return fault.Errorf(fault.Forbidden, "the schedule's author %s is no longer a configured user or token; delete it or create a new one", s.Owner)
		}
		if err := mayHold(author, *s); err != nil {
			return err
		}
	}
	return h.store.Put(r.Context(), *s)
}

// editable fetches a schedule the principal may see and the API may
// change: those from the config file change only there (a restart would
// undo an API edit).
func (h *schedules) editable(r *http.Request, id string) (schedule.Schedule, error) {
	s, err := h.find(r, id)
	if err == nil && s.FromConfig {
		err = fault.Wrap(fault.Invalid, &reports.ParamError{Param: "id", Msg: fmt.Sprintf("schedule %q is defined in the configuration file (mail.schedules); change it there", id)})
	}
	return s, err
}

func (h *schedules) create(w http.ResponseWriter, r *http.Request) {
	s, err := decode(r)
	if err == nil {
		err = s.Validate()
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if s.ID == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		s.ID = hex.EncodeToString(b)
	} else if _, err := h.store.Get(r.Context(), s.ID); err == nil {
		WriteError(w, r, fault.Wrap(fault.Invalid, &reports.ParamError{Param: "id", Msg: fmt.Sprintf("schedule %q already exists; PUT changes it", s.ID)}))
		return
	} else if fault.KindOf(err) != fault.NotFound {
		WriteError(w, r, err)
		return
	}
	s.ActiveSince = h.now().UTC().Truncate(time.Second)
	if err := h.save(r, &s, schedule.Schedule{}, true); err != nil {
		WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/schedules/"+s.ID)
	writeJSON(w, http.StatusCreated, s)
}

func (h *schedules) update(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	old, err := h.editable(r, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	s, err := decode(r)
	if err == nil {
		s.ID, s.ActiveSince = id, old.ActiveSince
		if s.Paused != old.Paused && !s.Paused {
			s.ActiveSince = h.now().UTC().Truncate(time.Second)
		}
		err = s.Validate()
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := h.save(r, &s, old, false); err != nil {
		WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (h *schedules) remove(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, err := h.editable(r, id); err != nil {
		WriteError(w, r, err)
		return
	}
	if err := h.store.Delete(r.Context(), id); err != nil {
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *schedules) pause(paused bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.editable(r, chi.URLParam(r, "id"))
		if err != nil {
			WriteError(w, r, err)
			return
		}
		if s.Paused && !paused {
			// Periods that fell due while paused are not sent now.
			s.ActiveSince = h.now().UTC().Truncate(time.Second)
		}
		// Pausing and resuming change no contents: no checks beyond
		// seeing the schedule (a send checks its author anyway).
		old := s
		s.Paused = paused
		h.stamp(r, &s, old, false)
		if err := h.store.Put(r.Context(), s); err != nil {
			WriteError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s)
	}
}

// sendNow delivers a schedule's e-mail for one period at once: the period
// holding "date" (YYYY-MM-DD in the schedule's zone), by default the last
// complete one. The answer waits for the mail server: 200 with the
// delivery when it accepted the message, 502 with the delivery and the
// reason when it did not.
func (h *schedules) sendNow(w http.ResponseWriter, r *http.Request) {
	if h.runner == nil {
		WriteError(w, r, fault.Errorf(fault.Unavailable, "no mail server is configured (mail.smtp.host)"))
		return
	}
	s, err := h.find(r, chi.URLParam(r, "id"))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var body struct {
		Date string `json:"date"`
	}
	if r.ContentLength != 0 {
		dec := json.NewDecoder(io.LimitReader(r.Body, 4<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			WriteError(w, r, fault.Wrap(fault.Invalid, &reports.ParamError{Param: "body", Msg: "want {\"date\": \"YYYY-MM-DD\"}: " + err.Error()}))
			return
		}
	}
	zone, _ := time.LoadLocation(s.TZ)
	now := h.now()
	from, to := s.Covers(now)
	if body.Date != "" {
		day, err := time.ParseInLocation(time.DateOnly, body.Date, zone)
		if err != nil {
			WriteError(w, r, fault.Wrap(fault.Invalid, &reports.ParamError{Param: "date", Msg: fmt.Sprintf("%q is not a date like 2026-11-16", body.Date)}))
			return
		}
		if from, to = s.PeriodOf(day); from.After(now) {
			WriteError(w, r, fault.Wrap(fault.Invalid, &reports.ParamError{Param: "date", Msg: fmt.Sprintf("the %s holding %s has not begun", s.Period, body.Date)}))
			return
		}
	}
	if ok, wait := h.access.sendNow.allow(h.access.Limits, s.ID, principal(r).Name, now); !ok {
		tooManySends(w, h.access.Limits, wait)
		return
	}
	d, err := h.runner.SendNow(r.Context(), s, from, to)
	switch {
	case schedule.IsRefused(err):
		// Recorded as failed; the schedule cannot go out as it is.
		writeJSON(w, http.StatusConflict, map[string]any{"error": err.Error(), "kind": "refused", "delivery": d})
	case schedule.IsDeliveryFailure(err):
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": err.Error(), "kind": "delivery_failed", "delivery": d})
	case err != nil:
		WriteError(w, r, err)
	default:
		writeJSON(w, http.StatusOK, d)
	}
}

// listDeliveries is a schedule's delivery log, newest period first.
func (h *schedules) listDeliveries(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, err := h.find(r, id); err != nil {
		WriteError(w, r, err)
		return
	}
	logged, err := h.deliveries.Latest(r.Context(), time.Time{}, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]schedule.Delivery, 0, len(logged))
	for _, d := range logged {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b schedule.Delivery) int { return b.PeriodFrom.Compare(a.PeriodFrom) })
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
}
