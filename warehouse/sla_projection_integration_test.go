package warehouse_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse"
)

// TestProjectedSLAMatchesEvaluate streams generated tickets through
// writers with SLA on, as ingest does: two partitions, some events
// produced late (out of order), earlier stretches of the stream delivered
// again (redelivery after a failure), and a second writer taking over
// halfway with a cold cache (a restart: its tickets' clocks come from the
// stored histories). Every ticket's stored SLA results must equal
// sla.Config.Evaluate of its whole history as of its last event, which is
// what sla recompute writes, and every ticket must have its sla_tickets
// row at its final version.
func TestProjectedSLAMatchesEvaluate(t *testing.T) {
	for _, cache := range []int{0, 5000} {
		t.Run(fmt.Sprintf("state cache %d", cache), func(t *testing.T) { testProjectedSLA(t, cache) })
	}
}

func testProjectedSLA(t *testing.T, cache int) {
	conn, o := openMigrated(t)
	ctx := context.Background()
	cfg, err := sla.LoadConfig("../deploy/sla.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stream, histories := slaTestStream(t, 23, 300)
	rnd := rand.New(rand.NewSource(3))
	const batchSize = 150
	newWriter := func() *warehouse.Writer {
		w := warehouse.NewWriter(conn, o.Database, cache)
		w.SetSLA(cfg)
		return w
	}
	w := newWriter()
	half := len(stream) / 2
	for start := 0; start < len(stream); {
		end := min(len(stream), start+batchSize*(1+rnd.Intn(3)))
		if start >= half && start-half < 3*batchSize {
			w = newWriter() // a restart: a cold cache
		}
		deliverUnit(t, w, stream[start:end])
		if rnd.Intn(5) == 0 { // redelivered: a stretch before, again
			from := max(0, start-rnd.Intn(400))
			deliverUnit(t, w, stream[from:end])
		}
		start = end
	}
	if w.SLATickets() == 0 {
		t.Fatal("the writer stored no SLA rows")
	}

	checkSLAResults(t, conn, o.Database, cfg, histories)
	versions := map[string]uint64{}
	for k, h := range histories {
		versions[k] = uint64(len(event.SortHistory(append([]event.Event(nil), h...))))
	}
	rows, err := conn.Query(ctx, "SELECT tenant, ticket_id, max(ticket_version) FROM "+o.Database+".sla_tickets GROUP BY tenant, ticket_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var tn, id string
		var v uint64
		if err := rows.Scan(&tn, &id, &v); err != nil {
			t.Fatal(err)
		}
		if want := versions[tn+"/"+id]; v != want {
			t.Errorf("%s/%s: sla_tickets at version %d, want %d", tn, id, v, want)
		}
		seen++
	}
	if seen != len(histories) {
		t.Errorf("sla_tickets rows for %d tickets, want %d", seen, len(histories))
	}
	checkLabels(t, conn, o.Database, histories)
}

// checkLabels: every ticket's desk labels, in tickets and in sla_tickets,
// are those of the fold of its whole history, however the projector got
// there (cached state, stored row, refolded history).
func checkLabels(t *testing.T, conn driver.Conn, db string, histories map[string][]event.Event) {
	t.Helper()
	labelled := 0
	for _, table := range []string{"tickets", "sla_tickets"} {
		rows, err := conn.Query(context.Background(), "SELECT tenant, ticket_id, status_label, priority_label, severity_label FROM "+db+"."+table+" FINAL")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var tn, id, st, pr, sv string
			if err := rows.Scan(&tn, &id, &st, &pr, &sv); err != nil {
				t.Fatal(err)
			}
			s := ticket.Fold(histories[tn+"/"+id])
			if got, want := [3]string{st, pr, sv}, [3]string{s.StatusLabel, s.PriorityLabel, s.SeverityLabel}; got != want {
				t.Errorf("%s %s/%s: labels %q, want %q", table, tn, id, got, want)
			}
			if st != "" && st != string(s.Status) {
				labelled++
			}
			n++
		}
		rows.Close()
		if n != len(histories) {
			t.Errorf("%s: %d tickets, want %d", table, n, len(histories))
		}
	}
	if labelled == 0 {
		t.Error("no ticket has a status label other than its code: the check proves nothing")
	}
}

// spanned is a batch of records with the span of offsets of each
// partition it holds (records of a partition in offset order).
func spanned(recs []event.Record) *event.Batch {
	b := &event.Batch{Records: recs}
	at := map[int32]int{}
	for _, r := range recs {
		i, ok := at[r.Source.Partition]
		if !ok {
			at[r.Source.Partition] = len(b.Spans)
			b.Spans = append(b.Spans, event.Span{Topic: r.Source.Topic, Partition: r.Source.Partition, First: r.Source.Offset, Last: r.Source.Offset})
			continue
		}
		b.Spans[i].Last = r.Source.Offset
	}
	return b
}

// slaTestStream generates tickets (seed, count) as a topic of two
// partitions would hold them: each ticket's events in one partition,
// about one event in twenty produced late (moved 50 to 400 places down
// the stream). It returns the stream and each ticket's history by
// "tenant/ticket".
func slaTestStream(t *testing.T, seed int64, tickets int) ([]event.Record, map[string][]event.Event) {
	t.Helper()
	var produced []event.Event
	histories := map[string][]event.Event{}
	err := eventgen.Generate(eventgen.Config{Seed: seed, Tickets: tickets, Days: 10}, func(e *event.Event) error {
		produced = append(produced, *e)
		k := e.Tenant + "/" + e.TicketID
		histories[k] = append(histories[k], *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewSource(seed))
	for i := 0; i < len(produced)/20; i++ {
		from := rnd.Intn(len(produced))
		to := min(len(produced)-1, from+50+rnd.Intn(350))
		e := produced[from]
		copy(produced[from:to], produced[from+1:to+1])
		produced[to] = e
	}
	stream := make([]event.Record, len(produced))
	next := [2]int64{}
	for i, e := range produced {
		h := fnv.New32a()
		h.Write([]byte(e.TicketID))
		p := int32(h.Sum32() % 2)
		stream[i] = event.Record{Event: e, Source: event.Source{Topic: "t", Partition: p, Offset: next[p]}}
		next[p]++
	}
	return stream, histories
}
