package warehouse

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse/schema"
)

// goType is the Go type the driver reads and writes a ClickHouse type as.
func goType(t *testing.T, ch string) reflect.Type {
	t.Helper()
	if elem, ok := strings.CutPrefix(ch, "Array("); ok {
		return reflect.SliceOf(goType(t, strings.TrimSuffix(elem, ")")))
	}
	if strings.HasPrefix(ch, "Enum8(") {
		return reflect.TypeFor[string]()
	}
	types := map[string]reflect.Type{
		schema.String: reflect.TypeFor[string](), schema.UInt8: reflect.TypeFor[uint8](),
		schema.UInt16: reflect.TypeFor[uint16](), schema.UInt32: reflect.TypeFor[uint32](),
		schema.UInt64: reflect.TypeFor[uint64](), schema.Int32: reflect.TypeFor[int32](),
		schema.Int64: reflect.TypeFor[int64](), schema.Float64: reflect.TypeFor[float64](),
		schema.DateTime: reflect.TypeFor[time.Time](),
	}
	typ, ok := types[ch]
	if !ok {
		t.Fatalf("no Go type for ClickHouse type %s", ch)
	}
	return typ
}

// checkBinding checks that byColumn gives every column of table a value
// (or scan target) of the Go type its ClickHouse type takes, wrapped by
// wrap (a column's values, a row's value, a scan target).
func checkBinding(t *testing.T, table *schema.Table, byColumn map[string]any, wrap func(reflect.Type) reflect.Type) {
	t.Helper()
	values, err := table.Row(byColumn)
	if err != nil {
		t.Error(err)
		return
	}
	for i, c := range table.Columns {
		if got, want := reflect.TypeOf(values[i]), wrap(goType(t, c.Type)); got != want {
			t.Errorf("%s.%s (%s): the code gives a %v, want %v", table.Name, c.Name, c.Type, got, want)
		}
	}
}

// The writer's inserts and the tickets read-back name every column of
// their table, with values of its type: a column added to package schema
// and not to them fails here, before any server is started.
func TestWritersAndReadersBindEveryColumn(t *testing.T) {
	column := reflect.SliceOf
	row := func(t reflect.Type) reflect.Type { return t }

	var events eventCols
	events.resize(1)
	checkBinding(t, schema.Events, events.byColumn(), column)

	var tickets ticketCols
	tickets.fill([]*ticket.State{{Tenant: "t", TicketID: "1"}}, time.Now())
	checkBinding(t, schema.Tickets, tickets.byColumn(), column)

	var times timeEntryCols
	times.add([]event.Record{{Event: event.Event{Type: event.TypeTimeLogged, Tenant: "t", TicketID: "1"}}})
	checkBinding(t, schema.TimeEntries, times.byColumn(0, 1), column)

	checkBinding(t, schema.DeadLetters, deadLetterRow(&event.DeadLetter{}), row)

	results := []sla.Result{{Tenant: "t", TicketID: "1", Metric: sla.MetricFirstReply, State: sla.StateActive}}
	checkBinding(t, schema.SLAResults, slaResultsByColumn(results, []uint64{1}, time.Now()), column)
	checkBinding(t, schema.SLATickets, slaTicketsByColumn([]slaTicket{{state: &ticket.State{}, from: 0, to: 1}}, results, time.Now()), column)
	checkBinding(t, schema.SLAClocks, slaClocksByColumn("set", []slaClock{{key: TicketKey{"t", "1"}, version: 1}}, time.Now()), column)

	var read ticketRow
	checkBinding(t, schema.Tickets, read.targets(), reflect.PointerTo)
}
