package reports

import "context"

// Runner is what the HTTP API and the e-mailed reports ask of the report
// layer. *Service runs it on ClickHouse; reportstest.Fake answers from
// canned results, for those layers' own tests.
type Runner interface {
	// Limits are the guards requests are validated against.
	Limits() Limits
	// Run computes an aggregate report (a list report: its first page).
	Run(ctx context.Context, r *Report, q Query, sc Scope) (*Result, error)
	// List returns one page of the rows behind measure's figure, or of
	// the pre-breach list.
	List(ctx context.Context, r *Report, q Query, sc Scope, measure string) (*Result, error)
	// Summarize computes the headline figures of q's range.
	Summarize(ctx context.Context, q Query, sc Scope) (*Summary, error)
}

var _ Runner = (*Service)(nil)
