package warehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/ticket"
	"github.com/slatehq/slate/warehouse/schema"
)

// Persisted SLA clocks (sla_clocks, migration 0018). Every writer of SLA
// rows also stores each evaluated ticket's clocks (sla.Clocks, compact
// form) at the ticket's version, under the fingerprint of its SLA
// configuration. A projector that misses a ticket in its cache (a cold
// start, an evicted ticket) then reads the ticket's stored row and its
// clocks, two lookups by key, instead of the whole history. Stored clocks
// count only when they are of the current configuration and of the very
// version of the stored ticket row; anything else (no clocks yet, clocks
// of another configuration, a unit that stored one and not the other)
// falls back to folding the history, which is always exact.

// slaClock is one ticket's clocks as sla_clocks stores them.
type slaClock struct {
	key     TicketKey
	version uint64
	clocks  string // sla.Clocks.AppendCompact
}

// prepareSLAClocks gives the driver the clocks as sla_clocks rows (nil:
// none), run under the configuration of fingerprint policySet.
func (w *Writer) prepareSLAClocks(ctx context.Context, policySet string, cs []slaClock, now time.Time) (driver.Batch, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	cols := slaClocksByColumn(policySet, cs, now)
	return w.prepare(ctx, schema.SLAClocks, func(b driver.Batch) error {
		return appendNamedBlocks(b, schema.SLAClocks, len(cs), cols)
	})
}

// slaClocksByColumn are the sla_clocks columns of the clocks, by name.
func slaClocksByColumn(policySet string, cs []slaClock, now time.Time) map[string]any {
	n := len(cs)
	tenant, ticketID, sets, clocks := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	version, written := make([]uint64, n), make([]time.Time, n)
	now = now.UTC().Truncate(time.Second)
	for i, c := range cs {
		tenant[i], ticketID[i], version[i] = c.key.Tenant, c.key.TicketID, c.version
		sets[i], clocks[i], written[i] = policySet, c.clocks, now
	}
	return map[string]any{"tenant": tenant, "ticket_id": ticketID, "version": version,
		"policy_set": sets, "clocks": clocks, "written_at": written}
}

// insertSLAClocks stores the clocks (see prepareSLAClocks).
func (w *Writer) insertSLAClocks(ctx context.Context, policySet string, cs []slaClock) error {
	b, err := w.prepareSLAClocks(ctx, policySet, cs, w.now())
	if err != nil {
		return err
	}
	return sendPrepared("sla_clocks", b)
}

// slaClocksRead are the columns loadStoredClocks scans, in its order.
var slaClocksRead = schema.SLAClocks.MustSelect("tenant", "ticket_id", "version", "clocks")

// slaClocksQuery reads every stored version of the lookupTable tickets'
// clocks of one configuration; the caller keeps the highest.
func slaClocksQuery(db string) string {
	return "SELECT " + strings.Join(slaClocksRead, ", ") + " FROM " + db + ".sla_clocks" +
		" WHERE (tenant, ticket_id) IN " + lookupTable + " AND policy_set = ?"
}

// loadStoredClocks reads the stored clocks of the given tickets under the
// projector's configuration, the highest version of each; tickets without
// are absent from the map.
func (p *projector) loadStoredClocks(ctx context.Context, keys []TicketKey) (map[TicketKey]slaClock, error) {
	out := map[TicketKey]slaClock{}
	rows, err := queryKeys(ctx, p.conn, slaClocksQuery(p.db), keys, p.slaSet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c slaClock
		if err := rows.Scan(&c.key.Tenant, &c.key.TicketID, &c.version, &c.clocks); err != nil {
			return nil, fmt.Errorf("load sla clocks: %w", err)
		}
		if prev, ok := out[c.key]; !ok || c.version > prev.version {
			out[c.key] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load sla clocks: %w", classify(err))
	}
	return out, nil
}

// loadSLAStates gives the state and clocks of tickets the cache missed:
// from their stored row and stored clocks where both are there at one
// version, else folded from the stored history. Tickets with neither
// stored events nor a row are absent from the map (new tickets). It
// returns how many came from stored clocks.
func (p *projector) loadSLAStates(ctx context.Context, keys []TicketKey) (map[TicketKey]historyState, int, error) {
	out := make(map[TicketKey]historyState, len(keys))
	fromClocks := 0
	for start := 0; start < len(keys); start += ticketStateChunk {
		chunk := keys[start:min(start+ticketStateChunk, len(keys))]
		clocks, err := p.loadStoredClocks(ctx, chunk)
		if err != nil {
			return nil, 0, err
		}
		states := map[TicketKey]ticket.State{}
		if len(clocks) > 0 {
			with := make([]TicketKey, 0, len(clocks))
			for k := range clocks {
				with = append(with, k)
			}
			if err := readTicketStates(ctx, p.conn, p.db, with, states); err != nil {
				return nil, 0, err
			}
		}
		var rest []TicketKey
		for _, k := range chunk {
			c, ok := clocks[k]
			s, stored := states[k]
			if ok && stored && s.Version == c.version {
				out[k] = historyState{state: s, clocks: c.clocks}
				fromClocks++
				continue
			}
			rest = append(rest, k)
		}
		if len(rest) > 0 {
			if err := p.loadHistoryStates(ctx, rest, out); err != nil {
				return nil, 0, err
			}
		}
	}
	return out, fromClocks, nil
}
