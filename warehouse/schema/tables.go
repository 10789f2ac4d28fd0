package schema

import "github.com/slatehq/slate/sla"

// The tables, as the migrations leave them. A column added by a later
// migration (ALTER TABLE ... ADD COLUMN ... AFTER x, or at the end) goes
// where that migration puts it: the order is the server's.
var (
	// Events is every accepted event (0001).
	Events = &Table{
		Name: "events", Engine: "ReplacingMergeTree", PartitionBy: "toYYYYMM(occurred_at)",
		OrderBy: []string{"tenant", "ticket_id", "event_id"},
		Columns: []Column{
			{"tenant", String},
			{"ticket_id", String},
			{"event_id", String},
			{"type", String},
			{"occurred_at", DateTime},
			{"occurred_us", Int64},
			{"schema", UInt8},
			{"actor_type", String},
			{"actor_id", String},
			{"channel", String},
			{"customer", String},
			{"organisation", String},
			{"group_name", String},
			{"assignee", String},
			{"supporting_agents", Array(String)},
			{"sets_assignee", UInt8},
			{"sets_group", UInt8},
			{"sets_supporting", UInt8},
			{"subject", String},
			{"status", String},
			{"priority", String},
			{"severity", String},
			{"status_label", String},
			{"priority_label", String},
			{"severity_label", String},
			{"tags", Array(String)},
			{"tags_added", Array(String)},
			{"tags_removed", Array(String)},
			{"message_kind", String},
			{"message_id", String},
			{"agent", String},
			{"seconds", UInt32},
			{"billable", UInt8},
			{"started_us", Int64},
			{"ended_us", Int64},
			{"has_rate", UInt8},
			{"rate", Float64},
			{"currency", String},
			{"rating", UInt8},
			{"merged_into", String},
			{"reason", String},
			{"kafka_topic", String},
			{"kafka_partition", Int32},
			{"kafka_offset", Int64},
			{"ingested_at", DateTime},
			{"due_us", Int64}, // 0017
		},
	}

	// Tickets is each ticket's current state (0002), with its timeline (0007),
	// the desk's labels (0016) and the creator and due date (0017).
	Tickets = &Table{
		Name: "tickets", Engine: "ReplacingMergeTree", Version: "version",
		OrderBy: []string{"tenant", "ticket_id"},
		Columns: []Column{
			{"tenant", String},
			{"ticket_id", String},
			{"version", UInt64},
			{"has_created", UInt8},
			{"channel", String},
			{"customer", String},
			{"organisation", String},
			{"group_name", String},
			{"assignee", String},
			{"supporting_agents", Array(String)},
			{"subject", String},
			{"status", String},
			{"priority", String},
			{"severity", String},
			{"tags", Array(String)},
			{"created_at", DateTime},
			{"created_by", String},
			{"first_replied_at", DateTime},
			{"first_solved_at", DateTime},
			{"solved_at", DateTime},
			{"closed_at", DateTime},
			{"reopen_count", UInt32},
			{"public_replies", UInt32},
			{"customer_replies", UInt32},
			{"internal_notes", UInt32},
			{"rating", UInt8},
			{"rated_at", DateTime},
			{"merged_into", String},
			{"deleted", UInt8},
			{"last_event_at", DateTime},
			{"last_event_us", Int64},
			{"last_event_id", String},
			{"updated_at", DateTime},
			// 0007_ticket_timeline
			{"status_since", DateTime},
			{"solved_times", Array(DateTime)},
			{"reopened_times", Array(DateTime)},
			// 0017_ticket_fields, after reopened_times: before 0016's labels
			{"creator", String},
			{"due_at", DateTime},
			// 0016_desk_labels
			{"status_label", String},
			{"priority_label", String},
			{"severity_label", String},
		},
	}

	// TimeEntries is logged work (0003).
	TimeEntries = &Table{
		Name: "time_entries", Engine: "ReplacingMergeTree", PartitionBy: "toYYYYMM(logged_at)",
		OrderBy: []string{"tenant", "ticket_id", "event_id"},
		Columns: []Column{
			{"tenant", String},
			{"ticket_id", String},
			{"event_id", String},
			{"agent", String},
			{"logged_at", DateTime},
			{"started_us", Int64},
			{"ended_us", Int64},
			{"seconds", UInt32},
			{"billable", UInt8},
			{"has_rate", UInt8},
			{"rate", Float64},
			{"currency", String},
		},
	}

	// DeadLetters is messages that could not become events (0004).
	DeadLetters = &Table{
		Name: "dead_letters", Engine: "ReplacingMergeTree",
		OrderBy: []string{"kafka_topic", "kafka_partition", "kafka_offset"},
		Columns: []Column{
			{"received_at", DateTime},
			{"kafka_topic", String},
			{"kafka_partition", Int32},
			{"kafka_offset", Int64},
			{"message_key", String},
			{"payload", String},
			{"payload_bytes", UInt32},
			{"reason", String},
			{"detail", String},
			{"event_id", String},
			{"tenant", String},
			{"ticket_id", String},
		},
	}

	// SLAResults is SLA results per ticket, metric and cycle (0005).
	SLAResults = &Table{
		Name: "sla_results", Engine: "ReplacingMergeTree", Version: "ticket_version",
		OrderBy: []string{"tenant", "ticket_id", "metric", "cycle"},
		Columns: []Column{
			{"tenant", String},
			{"ticket_id", String},
			{"metric", String},
			{"cycle", UInt16},
			{"ticket_version", UInt64},
			{"policy", String},
			{"target_seconds", UInt32},
			{"time_kind", String},
			{"start_at", DateTime},
			{"deadline", DateTime},
			{"stop_at", DateTime},
			{"elapsed_seconds", UInt32},
			{"paused_seconds", UInt32},
			{"state", String},
			{"breached_at", DateTime},
			{"warned_at", Array(DateTime)},
			{"evaluated_at", DateTime},
		},
	}

	// SLAProgress is how far SLA refreshing has got (0006).
	SLAProgress = &Table{
		Name: "sla_progress", Engine: "ReplacingMergeTree", Version: "updated_at",
		OrderBy: []string{"worker"},
		Columns: []Column{
			{"worker", String},
			{"watermark", DateTime},
			{"updated_at", DateTime},
		},
	}

	// SLATickets is each ticket's current SLA cycles in one row (0008), with the desk's labels (0016).
	SLATickets = &Table{
		Name: "sla_tickets", Engine: "ReplacingMergeTree", Version: "ticket_version",
		OrderBy: []string{"tenant", "ticket_id"},
		Columns: []Column{
			{"tenant", String},
			{"ticket_id", String},
			{"ticket_version", UInt64},
			{"live", UInt8},
			{"subject", String},
			{"status", String},
			{"priority", String},
			{"severity", String},
			{"tags", Array(String)},
			{"assignee", String},
			{"group_name", String},
			{"channel", String},
			{"customer", String},
			{"organisation", String},
			{"created_at", DateTime},
			{"metric", Array(String)},
			{"cycle", Array(UInt16)},
			{"policy", Array(String)},
			{"start_at", Array(DateTime)},
			{"deadline", Array(DateTime)},
			{"stop_at", Array(DateTime)},
			{"elapsed_seconds", Array(UInt32)},
			{"state", Array(String)},
			{"evaluated_at", DateTime},
			// 0016_desk_labels
			{"status_label", String},
			{"priority_label", String},
			{"severity_label", String},
		},
	}

	// Schedules is e-mailed report schedules (0009).
	Schedules = &Table{
		Name: "schedules", Engine: "ReplacingMergeTree", Version: "version",
		OrderBy: []string{"id"},
		Columns: []Column{
			{"id", String},
			{"version", UInt64},
			{"deleted", UInt8},
			{"body", String},
			{"updated_at", DateTime},
		},
	}

	// Deliveries is the delivery log of e-mailed reports (0010).
	Deliveries = &Table{
		Name: "deliveries", Engine: "ReplacingMergeTree", Version: "version",
		OrderBy: []string{"schedule_id", "period_from"},
		Columns: []Column{
			{"schedule_id", String},
			{"period_from", DateTime},
			{"period_to", DateTime},
			{"version", UInt64},
			{"run_at", DateTime},
			{"trigger", String},
			{"state", String},
			{"attempts", UInt32},
			{"error", String},
			{"next_attempt", DateTime},
			{"message_id", String},
			{"recipients", Array(String)},
			{"runner", String},
			{"updated_at", DateTime},
		},
	}

	// ReportSnapshots is the registry of report snapshot generations (0011, 0013, 0015).
	ReportSnapshots = &Table{
		Name: "report_snapshots", Engine: "MergeTree",
		OrderBy: []string{"generation"},
		Columns: []Column{
			{"generation", UInt64},
			{"as_of", DateTime},
			{"built_at", DateTime},
			{"seconds", Float64},
			{"read_at", DateTime},     // 0013
			{"layout", UInt8},         // 0015
			{"layers", Array(UInt64)}, // 0019
		},
	}

	// SnapshotTickets is a generation's tickets (0011, labels 0016, fields 0017).
	SnapshotTickets = &Table{
		Name: "snapshot_tickets", Engine: "MergeTree", PartitionBy: "generation",
		OrderBy: []string{"generation", "created_at", "tenant", "ticket_id"},
		Columns: []Column{
			{"generation", UInt64},
			{"tenant", String},
			{"ticket_id", String},
			{"has_created", UInt8},
			{"deleted", UInt8},
			{"merged_into", String},
			{"subject", String},
			{"priority", String},
			{"severity", String},
			{"status", String},
			{"tags", Array(String)},
			{"agent", String},
			{"grp", String},
			{"channel", String},
			{"customer", String},
			{"organisation", String},
			{"created_at", DateTime},
			{"first_replied_at", DateTime},
			{"first_solved_at", DateTime},
			{"solved_times", Array(DateTime)},
			{"reopened_times", Array(DateTime)},
			{"status_since", DateTime},
			{"public_replies", UInt32},
			{"reopen_count", UInt32},
			{"rating", UInt8},
			{"rated_at", DateTime},
			// 0017_ticket_fields, after rated_at: before 0016's labels
			{"supporting_agents", Array(String)},
			{"creator", String},
			{"due_at", DateTime},
			// 0016_desk_labels
			{"status_label", String},
			{"priority_label", String},
			{"severity_label", String},
		},
	}

	// SnapshotSLACycles is layout 0 generations' SLA cycles (0011), no longer written.
	SnapshotSLACycles = &Table{
		Name: "snapshot_sla_cycles", Engine: "MergeTree", PartitionBy: "generation",
		OrderBy: []string{"generation", "start_at", "tenant", "ticket_id"},
		Columns: []Column{
			{"generation", UInt64},
			{"tenant", String},
			{"ticket_id", String},
			{"subject", String},
			{"priority", String},
			{"severity", String},
			{"status", String},
			{"tags", Array(String)},
			{"agent", String},
			{"grp", String},
			{"channel", String},
			{"customer", String},
			{"organisation", String},
			{"created_at", DateTime},
			{"metric", Enum8(metrics()...)},
			{"cycle", UInt16},
			{"policy", String},
			{"start_at", DateTime},
			{"deadline", DateTime},
			{"stop_at", DateTime},
			{"elapsed_seconds", UInt32},
			{"state", Enum8(states()...)},
			{"stopped", UInt8},
			{"running_with_deadline", UInt8},
		},
	}

	// SnapshotReplies is a generation's public agent replies (0011, labels 0016).
	SnapshotReplies = &Table{
		Name: "snapshot_replies", Engine: "MergeTree", PartitionBy: "generation",
		OrderBy: []string{"generation", "ts", "tenant", "ticket_id", "event_id"},
		Columns: []Column{
			{"generation", UInt64},
			{"tenant", String},
			{"ticket_id", String},
			{"event_id", String},
			{"agent", String},
			{"ts", DateTime},
			{"subject", String},
			{"priority", String},
			{"severity", String},
			{"status", String},
			{"tags", Array(String)},
			{"grp", String},
			{"channel", String},
			{"customer", String},
			{"organisation", String},
			{"created_at", DateTime},
			// 0016_desk_labels
			{"status_label", String},
			{"priority_label", String},
			{"severity_label", String},
		},
	}

	// SnapshotTime is a generation's time entries (0011, labels 0016).
	SnapshotTime = &Table{
		Name: "snapshot_time", Engine: "MergeTree", PartitionBy: "generation",
		OrderBy: []string{"generation", "ts", "tenant", "ticket_id", "event_id"},
		Columns: []Column{
			{"generation", UInt64},
			{"tenant", String},
			{"ticket_id", String},
			{"event_id", String},
			{"agent", String},
			{"ts", DateTime},
			{"seconds", UInt32},
			{"billable", UInt8},
			{"has_rate", UInt8},
			{"rate", Float64},
			{"currency", String},
			{"subject", String},
			{"priority", String},
			{"severity", String},
			{"status", String},
			{"tags", Array(String)},
			{"grp", String},
			{"channel", String},
			{"customer", String},
			{"organisation", String},
			{"created_at", DateTime},
			// 0016_desk_labels
			{"status_label", String},
			{"priority_label", String},
			{"severity_label", String},
		},
	}

	// SnapshotChanged is the tickets an incremental build takes again (0012), with the row it took (0021).
	SnapshotChanged = &Table{
		Name: "snapshot_changed", Engine: "MergeTree", PartitionBy: "generation",
		OrderBy: []string{"generation", "kind", "tenant", "ticket_id"},
		Columns: []Column{
			{"generation", UInt64},
			{"kind", UInt8},
			{"tenant", String},
			{"ticket_id", String},
			{"version", UInt64},   // 0021
			{"written", DateTime}, // 0021
		},
	}

	// SnapshotSLA is a generation's SLA cycles, by metric and start (0014, labels 0016).
	SnapshotSLA = &Table{
		Name: "snapshot_sla", Engine: "MergeTree", PartitionBy: "generation",
		OrderBy: []string{"generation", "metric", "start_at", "tenant", "ticket_id"},
		Columns: []Column{
			{"generation", UInt64},
			{"tenant", String},
			{"ticket_id", String},
			{"subject", String},
			{"priority", String},
			{"severity", String},
			{"status", String},
			{"tags", Array(String)},
			{"agent", String},
			{"grp", String},
			{"channel", String},
			{"customer", String},
			{"organisation", String},
			{"created_at", DateTime},
			{"metric", Enum8(metrics()...)},
			{"cycle", UInt16},
			{"policy", String},
			{"start_at", DateTime},
			{"deadline", DateTime},
			{"stop_at", DateTime},
			{"elapsed_seconds", UInt32},
			{"state", Enum8(states()...)},
			{"stopped", UInt8},
			{"running_with_deadline", UInt8},
			// 0016_desk_labels
			{"status_label", String},
			{"priority_label", String},
			{"severity_label", String},
		},
	}

	// SLAClocks is each ticket's SLA clocks, compact, under its SLA
	// configuration's fingerprint (0018).
	SLAClocks = &Table{
		Name: "sla_clocks", Engine: "ReplacingMergeTree", Version: "version",
		OrderBy: []string{"tenant", "ticket_id"},
		Columns: []Column{
			{"tenant", String},
			{"ticket_id", String},
			{"version", UInt64},
			{"policy_set", String},
			{"clocks", String},
			{"written_at", DateTime},
		},
	}

	// TagSpellings is how each desk spells its tags (0020).
	TagSpellings = &Table{
		Name: "tag_spellings", Engine: "MergeTree",
		OrderBy: []string{"tenant", "tag", "spelling"},
		Columns: []Column{
			{"tenant", String},
			{"tag", String},
			{"spelling", String},
			{"first_us", Int64},
		},
	}
)

// Tables are every table the migrations create, in migration order.
var Tables = []*Table{
	Events, Tickets, TimeEntries, DeadLetters, SLAResults, SLAProgress, SLATickets, Schedules, Deliveries,
	ReportSnapshots, SnapshotTickets, SnapshotSLACycles, SnapshotReplies, SnapshotTime, SnapshotChanged, SnapshotSLA,
	SLAClocks, TagSpellings,
}

// metrics and states are the SLA engine's metrics and cycle states, the
// values of the snapshots' Enum8 columns: an enum missing one fails a
// snapshot build, so the enums are the engine's lists, in their order.
func metrics() []string {
	var out []string
	for _, m := range sla.AllMetrics() {
		out = append(out, string(m))
	}
	return out
}

func states() []string {
	var out []string
	for _, s := range sla.States {
		out = append(out, string(s))
	}
	return out
}
