-- Current state of each ticket, derived in Go from the ticket's full event
-- history (package ticket). version = number of distinct events folded, so
-- the row derived from the most facts wins; identical replays give identical
-- rows. Zero timestamps (1970-01-01) mean "not yet".
CREATE TABLE IF NOT EXISTS {{.DB}}.tickets{{onCluster}}
(
    tenant            String,
    ticket_id         String,
    version           UInt64,
    has_created       UInt8,
    channel           String,
    customer          String,
    organisation      String,
    group_name        String,
    assignee          String,
    supporting_agents Array(String),
    subject           String,
    status            String,
    priority          String,
    severity          String,
    tags              Array(String),
    created_at        DateTime('UTC'),
    created_by        String,
    first_replied_at  DateTime('UTC'),
    first_solved_at   DateTime('UTC'),
    solved_at         DateTime('UTC'),
    closed_at         DateTime('UTC'),
    reopen_count      UInt32,
    public_replies    UInt32,
    customer_replies  UInt32,
    internal_notes    UInt32,
    rating            UInt8,
    rated_at          DateTime('UTC'),
    merged_into       String,
    deleted           UInt8,
    last_event_at     DateTime('UTC'),
    last_event_us     Int64,
    last_event_id     String,
    updated_at        DateTime('UTC')
)
ENGINE = {{engine "ReplacingMergeTree" "version"}}
ORDER BY (tenant, ticket_id);
