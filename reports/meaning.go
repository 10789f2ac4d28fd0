package reports

import (
	"cmp"
	"slices"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/sla"
)

// meaningOrder lists the canonical values of a dimension in their
// meaning's order: the workflow for statuses, lowest to highest for
// priorities and severities, the ticket's course for SLA metrics,
// youngest to oldest for the backlog's ages.
var meaningOrder = map[Dimension][]string{
	DimStatus:   strs(event.Statuses),
	DimPriority: strs(event.Priorities),
	DimSeverity: strs(event.Severities),
	DimMetric:   append(strs(sla.Metrics), string(sla.MetricFullResolution)),
	DimAge:      AgeBuckets,
}

// MeaningRank is v's place in its dimension's meaning order; values
// without one (other dimensions, "", unknown values) rank after all that
// have one.
func MeaningRank(d Dimension, v string) int {
	order := meaningOrder[d]
	if i := slices.Index(order, v); i >= 0 {
		return i
	}
	return len(order)
}

// compareKeys orders rows by their dimension values: each in its meaning
// order, then as text. Grouped by status and status_label, a desk's labels
// come under their canonical status in workflow order, each status's
// labels alphabetically.
func compareKeys(dims []Dimension, a, b []string) int {
	for i, d := range dims {
		if c := cmp.Compare(MeaningRank(d, a[i]), MeaningRank(d, b[i])); c != 0 {
			return c
		}
		if c := cmp.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}
