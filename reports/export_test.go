package reports

import "time"

// SetClock replaces the snapshot manager's clock (tests of generations
// and their ages).
func (s *Snapshots) SetClock(now func() time.Time) { s.now = now }
