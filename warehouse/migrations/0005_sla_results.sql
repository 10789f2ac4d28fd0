-- SLA results per ticket, metric and cycle (package sla), evaluated as of
-- the ticket's last event from its whole stored history. ticket_version is
-- the number of distinct events evaluated: the row from the most facts
-- wins, and rows of a smaller version than the ticket's newest are stale
-- (a late event can remove a cycle). Zero timestamps mean "none".
CREATE TABLE IF NOT EXISTS {{.DB}}.sla_results{{onCluster}}
(
    tenant          String,
    ticket_id       String,
    metric          String,
    cycle           UInt16,
    ticket_version  UInt64,
    policy          String,
    target_seconds  UInt32,
    time_kind       String,
    start_at        DateTime('UTC'),
    deadline        DateTime('UTC'),
    stop_at         DateTime('UTC'),
    elapsed_seconds UInt32,
    paused_seconds  UInt32,
    state           String,
    breached_at     DateTime('UTC'),
    warned_at       Array(DateTime('UTC')),
    evaluated_at    DateTime('UTC')
)
ENGINE = {{engine "ReplacingMergeTree" "ticket_version"}}
ORDER BY (tenant, ticket_id, metric, cycle);
