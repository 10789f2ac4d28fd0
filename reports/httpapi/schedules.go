package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/schedule"
)

// ScheduleRoutes mounts the schedule API on r, which must already require
// the schedules permission (admins and managers).
func ScheduleRoutes(r chi.Router, store schedule.Store) {
	h := &schedules{store: store, now: time.Now}
	r.Get("/api/v1/schedules", h.list)
	r.Post("/api/v1/schedules", h.create)
	r.Get("/api/v1/schedules/{id}", h.get)
	r.Put("/api/v1/schedules/{id}", h.update)
	r.Delete("/api/v1/schedules/{id}", h.remove)
	r.Post("/api/v1/schedules/{id}/pause", h.pause(true))
	r.Post("/api/v1/schedules/{id}/resume", h.pause(false))
}

type schedules struct {
	store schedule.Store
	now   func() time.Time
}

func (h *schedules) list(w http.ResponseWriter, r *http.Request) {
	all, err := h.store.List(r.Context())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if all == nil {
		all = []schedule.Schedule{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"schedules": all})
}

func (h *schedules) get(w http.ResponseWriter, r *http.Request) {
	s, err := h.store.Get(r.Context(), chi.URLParam(r, "id"))
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

func (h *schedules) stamp(r *http.Request, s *schedule.Schedule) {
	p, _ := auth.FromContext(r.Context())
	s.UpdatedAt, s.UpdatedBy = h.now().UTC().Truncate(time.Second), p.Name
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
	h.stamp(r, &s)
	if err := h.store.Put(r.Context(), s); err != nil {
		WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/schedules/"+s.ID)
	writeJSON(w, http.StatusCreated, s)
}

func (h *schedules) update(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, err := h.store.Get(r.Context(), id); err != nil {
		WriteError(w, r, err)
		return
	}
	s, err := decode(r)
	if err == nil {
		s.ID = id
		err = s.Validate()
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	h.stamp(r, &s)
	if err := h.store.Put(r.Context(), s); err != nil {
		WriteError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (h *schedules) remove(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if _, err := h.store.Get(r.Context(), id); err != nil {
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
		s, err := h.store.Get(r.Context(), chi.URLParam(r, "id"))
		if err != nil {
			WriteError(w, r, err)
			return
		}
		s.Paused = paused
		h.stamp(r, &s)
		if err := h.store.Put(r.Context(), s); err != nil {
			WriteError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s)
	}
}
