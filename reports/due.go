package reports

import "time"

// Due dates set by hand (ticket.due_date_set, folded into tickets.due_at):
// the overdue list and the due-soon list, beside the SLA pre-breach list.
// Only unresolved tickets are listed: a solved ticket is not overdue.

// unresolvedSQL holds for the tickets still being worked on.
const unresolvedSQL = "status IN ('new', 'open', 'pending', 'on_hold')"

// srcDue are unresolved tickets with a due date, by their due date.
var srcDue = &source{name: "due", tsCol: "due_at", sql: ticketsBy("due_at", "toUnixTimestamp(due_at) > 0 AND "+unresolvedSQL)}

// dueCols are the due lists' columns.
var dueCols = append(ticketListCols[:len(ticketListCols):len(ticketListCols)],
	listCol{Column{Name: "due_at", Label: "Due", Kind: KindTime}, "toInt64(toUnixTimestamp(due_at))"})

// Due lists by name, and the horizon due_soon looks ahead by default (a
// due date is usually days away, an SLA deadline hours).
const (
	reportOverdue  = "overdue"
	reportDueSoon  = "due_soon"
	dueSoonHorizon = 24 * time.Hour
)

// dueSpan is the range of due dates a due list holds: the past (every
// due date before now) or the next horizon; ok is false for other reports.
func dueSpan(r *Report, q Query) (from, to time.Time, ok bool) {
	switch r.Name {
	case reportOverdue:
		return time.Unix(1, 0), q.Now, true
	case reportDueSoon:
		return q.Now, q.Now.Add(q.Horizon), true
	}
	return from, to, false
}

// dueStatements list a due list's tickets, the earliest due date first:
// the longest overdue, or the soonest due. By agent role a ticket has a
// row per involved agent, hence agent in the order.
func dueStatements(v view, q Query, sc Scope, from, to time.Time, offset, limit int) (page, total statement) {
	r := q
	r.From, r.To = from, to
	return listStatements(v, r, sc, srcDue, dueCols, "", "due_at, tenant, ticket_id, agent", offset, limit)
}
