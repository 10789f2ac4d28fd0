package reports

import "time"

// SetClock replaces the snapshot manager's clock (tests of generations
// and their ages).
func (s *Snapshots) SetClock(now func() time.Time) { s.now = now }

// SetChangeMargin sets how far before what the previous build saw an
// incremental build takes changes again (snapshotMargin otherwise).
func (s *Snapshots) SetChangeMargin(d time.Duration) { s.margin = d }

// Lookup cache ages (snapshot.go).
const (
	LookupTTL   = lookupTTL
	LookupStale = lookupStale
)

// SnapshotRows is the subquery of what readers of sn read of a snapshot
// table.
func SnapshotRows(db, table string, sn Snapshot) string {
	return layeredView(db, sn).snapshot(table, "")
}
