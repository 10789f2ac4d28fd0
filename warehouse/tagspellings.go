package warehouse

import (
	"context"
	"sync"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/warehouse/schema"
)

// Tag spellings (migration 0020): the desk's own spelling of each tag,
// which people read, next to the folded key that tickets group by. A unit
// collects the spellings of its events that the writer has not stored
// yet (or only for a later event) and stores them when it is sealed, so
// the table gets a row per new spelling, not one per event.

type spellingKey struct{ tenant, tag, spelling string }

// maxKnownSpellings bounds the writer's memory of stored spellings; past
// it the memory starts over, which costs a few repeated rows.
const maxKnownSpellings = 1 << 16

// knownSpellings is what the writer has stored: each spelling's earliest
// event time.
type knownSpellings struct {
	mu    sync.Mutex
	first map[spellingKey]int64
}

// collect adds to unit the spellings of recs that are not stored for an
// event as early as theirs.
func (k *knownSpellings) collect(unit map[spellingKey]int64, recs []event.Record) map[spellingKey]int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i := range recs {
		e := &recs[i].Event
		for _, list := range [...][]string{e.Tags, e.TagsAdded} {
			for _, t := range list {
				key, us := spellingKey{e.Tenant, event.FoldTag(t), t}, e.OccurredMicros()
				if stored, ok := k.first[key]; ok && stored <= us {
					continue
				}
				if have, ok := unit[key]; ok && have <= us {
					continue
				}
				if unit == nil {
					unit = map[spellingKey]int64{}
				}
				unit[key] = us
			}
		}
	}
	return unit
}

// stored records that spellings are stored.
func (k *knownSpellings) stored(spellings map[spellingKey]int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.first == nil || len(k.first)+len(spellings) > maxKnownSpellings {
		k.first = make(map[spellingKey]int64, len(spellings))
	}
	for key, us := range spellings {
		if have, ok := k.first[key]; !ok || us < have {
			k.first[key] = us
		}
	}
}

// storeTagSpellings stores a unit's new spellings (none: nothing to do).
func (w *Writer) storeTagSpellings(ctx context.Context, spellings map[spellingKey]int64) error {
	if len(spellings) == 0 {
		return nil
	}
	err := w.send(ctx, schema.TagSpellings, func(b driver.Batch) error {
		for key, us := range spellings {
			row := map[string]any{"tenant": key.tenant, "tag": key.tag, "spelling": key.spelling, "first_us": us}
			if err := appendRow(b, schema.TagSpellings, row); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		w.spellings.stored(spellings)
	}
	return err
}
