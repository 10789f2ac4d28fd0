package digest

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/reports/reportstest"
	"github.com/slatehq/slate/reports/schedule"
)

func weekly(format string) schedule.Schedule {
	return schedule.Schedule{ID: "w1", Name: "Weekly SLA", Cron: "0 8 * * 1", TZ: "Europe/Berlin", Period: schedule.PeriodWeek,
		Reports: []string{"sla_compliance", "pre_breach", "volume"}, Filters: map[string][]string{"group": {"L2"}, "age": {"30d+"}},
		Format: format, Recipients: []string{"lead@example.com"}, Subject: "SLA", Scope: reports.Scope{Tenants: []string{"acme"}}}
}

var berlinWeek = [2]time.Time{time.Date(2026, 3, 2, 0, 0, 0, 0, time.FixedZone("CET", 3600)), time.Date(2026, 3, 9, 0, 0, 0, 0, time.FixedZone("CET", 3600))}

// Each report of the schedule runs over the period in the schedule's zone,
// within its owner's scope, with the filters its report has; the trend
// reports by a grain suited to the period, lists whole. With csv, each
// is a file of its own.
func TestComposeRunsEachReportInTheOwnersScope(t *testing.T) {
	fake := reportstest.New()
	c := &Composer{Service: fake, Domain: "example.com"}
	msg, err := c.Compose(context.Background(), weekly("csv"), berlinWeek[0], berlinWeek[1])
	if err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	var got []string
	for _, call := range calls {
		got = append(got, call.Method+" "+call.Report)
		q := call.Query
		if !q.From.Equal(berlinWeek[0]) || !q.To.Equal(berlinWeek[1]) || q.Zone.String() != "Europe/Berlin" {
			t.Errorf("%s %s: range %s..%s in %s", call.Method, call.Report, q.From, q.To, q.Zone)
		}
		if !slices.Equal(call.Scope.Tenants, []string{"acme"}) {
			t.Errorf("%s %s: scope %+v, want the owner's", call.Method, call.Report, call.Scope)
		}
		if !slices.Equal(q.Filters[reports.DimGroup], []string{"L2"}) || q.Filters[reports.DimAge] != nil {
			t.Errorf("%s %s: filters %v, want group only (no report here has age)", call.Method, call.Report, q.Filters)
		}
		switch call.Report {
		case "volume":
			if call.Method == "Run" && q.Grain != reports.GrainDay {
				t.Errorf("volume: grain %q, want day for a week", q.Grain)
			}
		case "sla_compliance":
			if q.Grain != reports.GrainNone {
				t.Errorf("sla_compliance: grain %q, want none (no default grain)", q.Grain)
			}
		case "pre_breach":
			if q.Limit != fake.Lim.MaxList {
				t.Errorf("pre_breach: limit %d, want the whole list (%d)", q.Limit, fake.Lim.MaxList)
			}
		}
	}
	if want := []string{"Summarize ", "Run sla_compliance", "List pre_breach", "Run volume"}; !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	var names []string
	for _, a := range msg.Attachments {
		names = append(names, a.Name)
		if a.ContentType != "text/csv; charset=utf-8" || len(a.Data) == 0 {
			t.Errorf("%s: %q, %d bytes", a.Name, a.ContentType, len(a.Data))
		}
	}
	if want := []string{"weekly-sla-2026-03-02-sla_compliance.csv", "weekly-sla-2026-03-02-pre_breach.csv", "weekly-sla-2026-03-02-volume.csv"}; !slices.Equal(names, want) {
		t.Errorf("attachments %q, want %q", names, want)
	}
	if !slices.Equal(msg.To, []string{"lead@example.com"}) || !strings.HasPrefix(msg.Subject, "SLA · ") || msg.ID == "" {
		t.Errorf("message %q %q %q", msg.To, msg.Subject, msg.ID)
	}
}

// With xlsx the reports are one workbook, a sheet each.
func TestComposeWorkbook(t *testing.T) {
	fake := reportstest.New()
	msg, err := (&Composer{Service: fake, Domain: "example.com"}).Compose(context.Background(), weekly("xlsx"), berlinWeek[0], berlinWeek[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Attachments) != 1 || msg.Attachments[0].Name != "weekly-sla-2026-03-02.xlsx" {
		t.Fatalf("attachments %+v", msg.Attachments)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(msg.Attachments[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(wb.GetSheetList()); n != 3 {
		t.Errorf("%d sheets %q, want 3", n, wb.GetSheetList())
	}
}

// A failure of the report layer keeps its kind, which decides whether the
// delivery is retried.
func TestComposeKeepsTheErrorKind(t *testing.T) {
	fake := reportstest.New()
	fake.Err = fault.Errorf(fault.Timeout, "too slow")
	_, err := (&Composer{Service: fake}).Compose(context.Background(), weekly("csv"), berlinWeek[0], berlinWeek[1])
	if fault.KindOf(err) != fault.Timeout {
		t.Errorf("error %v of kind %v, want timeout", err, fault.KindOf(err))
	}
}
