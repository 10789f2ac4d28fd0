-- Logged work (ticket.time_logged), one row per event_id after merges. The
-- finance reports join tickets for customer/organisation/group.
CREATE TABLE IF NOT EXISTS {{.DB}}.time_entries{{onCluster}}
(
    tenant      String,
    ticket_id   String,
    event_id    String,
    agent       String,
    logged_at   DateTime('UTC'),
    started_us  Int64,
    ended_us    Int64,
    seconds     UInt32,
    billable    UInt8,
    has_rate    UInt8,
    rate        Float64,
    currency    String
)
ENGINE = {{engine "ReplacingMergeTree" ""}}
PARTITION BY toYYYYMM(logged_at)
ORDER BY (tenant, ticket_id, event_id);
