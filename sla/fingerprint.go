package sla

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sort"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/compact"
)

// engineRevision names the engine's semantics for Fingerprint: bump it
// with any change to how clocks run or what their results are, so that
// clocks stored by an older engine are not extended by a newer one.
const engineRevision = 1

// Fingerprint identifies what a ticket's Clocks depend on besides its
// events: the engine (its revision and the compact form's layout) and
// every part of the configuration it reads (policies in order, their
// matches, calendars, pause statuses, warning thresholds and targets).
// Two configurations with one fingerprint evaluate every history alike,
// so clocks stored under one can be read and extended under the other;
// a file that only moves comments or reorders map keys keeps it. A time
// zone counts by its name: a change of the zone's rules in the system's
// time zone database is not seen.
func (c *Config) Fingerprint() string {
	b := binary.AppendUvarint(nil, engineRevision)
	b = binary.AppendUvarint(b, clocksFormat)
	b = binary.AppendUvarint(b, uint64(len(c.Policies)))
	for i := range c.Policies {
		b = appendPolicy(b, &c.Policies[i])
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func appendPolicy(b []byte, p *Policy) []byte {
	b = compact.AppendStr(b, p.Name)
	m := &p.Match
	for _, list := range [...][]string{m.Tenants, strs(m.Priorities), strs(m.Severities), m.Groups, m.Channels,
		m.Customers, m.Organisations, m.TagsAny, m.TagsAll} {
		b = appendStrs(b, list)
	}
	b = appendCalendar(b, p.Calendar)
	b = appendStrs(b, strs(p.PauseStatuses))
	b = binary.AppendUvarint(b, uint64(len(p.WarnAt)))
	for _, w := range p.WarnAt {
		b = binary.AppendVarint(b, w)
	}
	b = binary.AppendUvarint(b, uint64(len(p.Targets)))
	for _, metric := range Metrics {
		per, ok := p.Targets[metric]
		if !ok {
			continue
		}
		b = compact.AppendStr(b, string(metric))
		b = binary.AppendUvarint(b, uint64(len(per)))
		for _, prio := range event.Priorities {
			if t, ok := per[prio]; ok {
				b = compact.AppendStr(b, string(prio))
				b = binary.AppendVarint(b, int64(t.Duration))
				b = appendBool(b, t.Calendar)
			}
		}
	}
	return b
}

func appendCalendar(b []byte, c *Calendar) []byte {
	if c == nil {
		return compact.AppendStr(b, "")
	}
	b = compact.AppendStr(b, c.name)
	b = compact.AppendStr(b, c.loc.String())
	b = appendBool(b, c.always)
	for _, day := range c.week {
		b = binary.AppendUvarint(b, uint64(len(day)))
		for _, iv := range day {
			b = binary.AppendUvarint(b, uint64(iv.Start))
			b = binary.AppendUvarint(b, uint64(iv.End))
		}
	}
	days := make([]civilDate, 0, len(c.holidays))
	for d := range c.holidays {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool {
		a, z := days[i], days[j]
		return a.y < z.y || a.y == z.y && (a.m < z.m || a.m == z.m && a.d < z.d)
	})
	b = binary.AppendUvarint(b, uint64(len(days)))
	for _, d := range days {
		b = binary.AppendUvarint(b, uint64(d.y))
		b = binary.AppendUvarint(b, uint64(d.m))
		b = binary.AppendUvarint(b, uint64(d.d))
	}
	return b
}

func appendStrs(b []byte, list []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(list)))
	for _, s := range list {
		b = compact.AppendStr(b, s)
	}
	return b
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return slices.Clip(out)
}
