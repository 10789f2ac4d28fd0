package chstore

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/slatehq/slate/internal/fault"
	"github.com/slatehq/slate/reports"
)

func TestClassifyMapsServerLimitsToKinds(t *testing.T) {
	for code, want := range map[int32]fault.Kind{159: fault.Timeout, 160: fault.Timeout, 158: fault.TooLarge, 396: fault.TooLarge, 241: fault.TooLarge, 47: fault.Internal} {
		err := classify(&clickhouse.Exception{Code: code, Message: "x"}, 10*time.Second)
		if fault.KindOf(err) != want {
			t.Errorf("code %d: %v, want %v", code, fault.KindOf(err), want)
		}
	}
	if k := fault.KindOf(classify(context.DeadlineExceeded, time.Second)); k != fault.Timeout {
		t.Errorf("deadline: %v", k)
	}
	if k := fault.KindOf(classify(errors.New("connection refused"), time.Second)); k != fault.Unavailable {
		t.Errorf("refused: %v", k)
	}
	kept := fault.Errorf(fault.Invalid, "bad")
	if got := classify(kept, time.Second); got != kept {
		t.Errorf("a kinded error was rewrapped: %v", got)
	}
	if classify(nil, time.Second) != nil {
		t.Error("nil became an error")
	}
}

// Report queries and snapshot builds run under different server settings.
func TestSettingsOfReportQueriesAndBuilds(t *testing.T) {
	report := settings(reports.Call{Limit: 20 * time.Second})
	want := clickhouse.Settings{"max_execution_time": 20, "max_query_size": 1 << 20, "priority": 1}
	if !reflect.DeepEqual(report, want) {
		t.Errorf("report query: %v, want %v", report, want)
	}
	build := settings(reports.Call{Background: true})
	want = clickhouse.Settings{"max_execution_time": 0, "max_threads": 1, "priority": 1}
	if !reflect.DeepEqual(build, want) {
		t.Errorf("snapshot build: %v, want %v", build, want)
	}
}

// Sets become the driver's tuples; other arguments and the caller's slice
// are left as they are.
func TestBindWritesSetsAsTuples(t *testing.T) {
	args := []any{"a", reports.Set{"x", "y"}, []string{"t"}}
	got := bind(args)
	want := []any{"a", clickhouse.GroupSet{Value: []any{"x", "y"}}, []string{"t"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bind: %#v, want %#v", got, want)
	}
	if _, ok := args[1].(reports.Set); !ok {
		t.Error("bind changed its caller's arguments")
	}
	plain := []any{"a", int64(1)}
	if got := bind(plain); &got[0] != &plain[0] {
		t.Error("arguments without sets were copied")
	}
}
