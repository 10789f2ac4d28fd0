package warehouse

// SetRangeSize makes r read n tickets per history query.
func SetRangeSize(r *SLARefresher, n int) { r.rangeSize = n }

// LoadTicketStates is the projector's lookup of stored ticket states.
var LoadTicketStates = loadTicketStates

// HoldBackgroundInserts has every unit w seals in the background run hold
// before it ends its inserts; other writers' units go on. Set it before
// the units to hold are sealed.
func HoldBackgroundInserts(w *Writer, hold func()) {
	hook := func(sealing *Writer) {
		if sealing == w {
			hold()
		}
	}
	testHookSealInserts.Store(&hook)
}

// TicketsFromStoredClocks is how many tickets w's projector took up from
// their stored SLA clocks rather than their histories.
func TicketsFromStoredClocks(w *Writer) int {
	w.proj.mu.Lock()
	defer w.proj.mu.Unlock()
	return w.proj.fromClocks
}
