package reports

import (
	"context"
	"fmt"
	"slices"

	"github.com/slatehq/slate/event"
)

// Tags are grouped, filtered and stored by their folded key
// (event.FoldTag: "vip"), and read by people as the desk wrote them
// ("VIP"): the spelling of the earliest event that carried the tag, among
// the tenants whose facts the result holds. Ingest records each spelling
// in tag_spellings (migration 0020); the service looks up the spellings
// of a result's tags after its query, into Result.TagLabels. The API's
// rows keep the key; Readable, charts and exports show the spelling.

// TagLabel is how a person reads tag key in res: its desk's spelling,
// or the key where none is known.
func TagLabel(res *Result, key string) string {
	if s, ok := res.TagLabels[key]; ok {
		return s
	}
	return key
}

// spellTags fills res.TagLabels (and its Previous's) with the spellings
// of the tags in its tag column and its tag filter.
func (s *Service) spellTags(ctx context.Context, res *Result, q Query, sc Scope) error {
	keys := event.FoldTags(q.Filters[DimTag])
	for r := res; r != nil; r = r.Previous {
		if i := r.ColumnIndex(string(DimTag)); i >= 0 {
			for _, row := range r.Rows {
				if k, _ := row[i].(string); k != "" && !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "" })
	if len(keys) == 0 {
		return nil
	}
	labels := map[string]string{}
	err := s.query(ctx, tagSpellingSQL(s.db, keys, spellingTenants(q, sc)), func(scan func(...any) error) error {
		var key, spelling string
		if err := scan(&key, &spelling); err != nil {
			return err
		}
		if spelling != key {
			labels[key] = spelling
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tag spellings: %w", err)
	}
	if len(labels) == 0 {
		return nil
	}
	for r := res; r != nil; r = r.Previous {
		r.TagLabels = labels
	}
	return nil
}

// spellingTenants are the tenants whose spellings a result shows: its
// tenant filter's within the scope, else the scope's; none means all.
func spellingTenants(q Query, sc Scope) []string {
	ts := q.Filters[DimTenant]
	if len(ts) == 0 {
		return sc.Tenants
	}
	if len(sc.Tenants) > 0 {
		ts = slices.DeleteFunc(slices.Clone(ts), func(t string) bool { return !slices.Contains(sc.Tenants, t) })
		if len(ts) == 0 {
			return sc.Tenants // nothing of the filter's is visible; its rows are none
		}
	}
	return ts
}

// tagSpellingSQL reads each key's first spelling; the spelling breaks a
// tie of times, so the answer does not depend on the rows' order.
func tagSpellingSQL(db string, keys, tenants []string) statement {
	st := statement{SQL: "SELECT tag, argMin(spelling, (first_us, spelling)) FROM " + db + ".tag_spellings WHERE has(?, tag)",
		Args: []any{keys}}
	if len(tenants) > 0 {
		st.SQL += " AND has(?, tenant)"
		st.Args = append(st.Args, tenants)
	}
	st.SQL += " GROUP BY tag"
	return st
}
