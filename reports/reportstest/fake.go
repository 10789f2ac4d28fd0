// Package reportstest has a fake of the report layer (reports.Runner), for
// the tests of the layers above it: the HTTP API and the e-mailed reports.
// It checks no SQL; the report layer's own tests do.
package reportstest

import (
	"context"
	"sync"

	"github.com/slatehq/slate/reports"
)

// Call is one request the fake was asked.
type Call struct {
	Method  string // Run, List or Summarize
	Report  string // "" for Summarize
	Query   reports.Query
	Scope   reports.Scope
	Measure string
}

// Fake answers every request with Answer's result, or Err, and records
// the calls. Safe for concurrent use.
type Fake struct {
	Lim reports.Limits
	// Answer gives a request's result; nil answers an empty result of the
	// report.
	Answer  func(c Call) *reports.Result
	Summary *reports.Summary
	Err     error

	mu    sync.Mutex
	calls []Call
}

// New is a fake with the default limits.
func New() *Fake { return &Fake{Lim: reports.DefaultLimits()} }

// Calls are the requests so far, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

func (f *Fake) Limits() reports.Limits { return f.Lim }

func (f *Fake) Run(_ context.Context, r *reports.Report, q reports.Query, sc reports.Scope) (*reports.Result, error) {
	return f.answer(Call{Method: "Run", Report: r.Name, Query: q, Scope: sc}, r)
}

func (f *Fake) List(_ context.Context, r *reports.Report, q reports.Query, sc reports.Scope, measure string) (*reports.Result, error) {
	return f.answer(Call{Method: "List", Report: r.Name, Query: q, Scope: sc, Measure: measure}, r)
}

func (f *Fake) Summarize(_ context.Context, q reports.Query, sc reports.Scope) (*reports.Summary, error) {
	f.record(Call{Method: "Summarize", Query: q, Scope: sc})
	if f.Err != nil {
		return nil, f.Err
	}
	if f.Summary != nil {
		return f.Summary, nil
	}
	return &reports.Summary{From: q.From, To: q.To, Zone: q.Zone.String()}, nil
}

func (f *Fake) record(c Call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

func (f *Fake) answer(c Call, r *reports.Report) (*reports.Result, error) {
	f.record(c)
	if f.Err != nil {
		return nil, f.Err
	}
	if f.Answer != nil {
		if res := f.Answer(c); res != nil {
			return res, nil
		}
	}
	return &reports.Result{Report: r.Name, Title: r.Title, From: c.Query.From, To: c.Query.To, Zone: c.Query.Zone.String(),
		GroupBy: []string{}, Rows: [][]any{}}, nil
}

var _ reports.Runner = (*Fake)(nil)
