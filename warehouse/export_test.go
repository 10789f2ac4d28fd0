package warehouse

// SetRangeSize makes r read n tickets per history query.
func SetRangeSize(r *SLARefresher, n int) { r.rangeSize = n }

// LoadTicketStates is the projector's lookup of stored ticket states.
var LoadTicketStates = loadTicketStates

// HoldBackgroundInserts has every unit w seals in the background run hold
// before it ends its inserts.
func HoldBackgroundInserts(w *Writer, hold func()) { w.heldInserts = hold }
