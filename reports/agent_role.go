package reports

import (
	"slices"
	"strings"
)

// Agent roles. A ticket has one primary agent (its assignee) and may have
// supporting agents, and call-centre managers count both. A query that
// groups or filters by agent_role reads each ticket row once per agent it
// involves: the primary first (under "" when unassigned, so no ticket
// drops out), then each supporting agent other than the primary, and the
// agent dimension is that agent. Without agent_role, agent is the
// assignee and a ticket counts once. So a breakdown by agent and role
// counts involvements: its rows add up to more than the tickets whenever
// tickets have supporting agents; the ticket total is the primary rows'
// (docs/reports.md).

// AgentRoles are the agent_role dimension's values, in order.
var AgentRoles = []string{"primary", "supporting"}

// ticketRowDims are the dimensions of the reports whose every source is
// ticket rows (liveTickets): only those rows carry the creator and the
// supporting agents. SLA cycles, replies and time entries do not.
var ticketRowDims = append(slices.Clone(TicketDimensions), DimCreator, DimAgentRole)

// ByAgentRole reports whether q reads a ticket once per involved agent.
func (q Query) ByAgentRole() bool {
	_, filtered := q.Filters[DimAgentRole]
	return filtered || slices.Contains(q.GroupBy, DimAgentRole)
}

// involvedRows are the rows of ticket rows (a FROM item, where where
// holds, "" for all) once per involved agent: role_agent is the agent and
// role_n its place, 1 for the primary (column primary).
func involvedRows(rows, where, primary string) string {
	if where != "" {
		where = " WHERE " + where
	}
	return "(SELECT *, arrayConcat([" + primary + "], arrayFilter(a -> a != " + primary + ", supporting_agents)) AS involved FROM " +
		rows + where + ") ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n"
}

// roleCols are the agent and its role in a row of involvedRows.
const roleCols = "role_agent AS agent, if(role_n = 1, 'primary', 'supporting') AS agent_role"

// roleHint points a request for supporting agents by the events' name for
// them (supporting_agents, as a call-centre desk sends them) to the
// agent_role dimension; "" for any other name.
func roleHint(r *Report, name string) string {
	if !strings.Contains(strings.ToLower(name), "support") {
		return ""
	}
	if !slices.Contains(r.Dimensions, DimAgentRole) {
		var with []string
		for _, n := range Names() {
			if slices.Contains(Catalog[n].Dimensions, DimAgentRole) {
				with = append(with, n)
			}
		}
		return "; supporting agents are counted by agent_role in the reports of ticket rows (" + strings.Join(with, ", ") + ")"
	}
	return "; a ticket's supporting agents are agent with agent_role=supporting (group_by=agent,agent_role counts a ticket once per agent)"
}
