-- Every accepted event, one row per event_id after merges (ReplacingMergeTree
-- on the sorting key collapses replays; read with FINAL or dedupe by id).
-- occurred_at is whole seconds because ClickHouse 18.16 has no DateTime64;
-- occurred_us keeps the microsecond order of events within a ticket.
-- Every field of the wire format has a column; the raw JSON is not kept
-- (it doubled the bytes written per event), dead letters keep theirs.
CREATE TABLE IF NOT EXISTS {{.DB}}.events{{onCluster}}
(
    tenant            String,
    ticket_id         String,
    event_id          String,
    type              String,
    occurred_at       DateTime('UTC'),
    occurred_us       Int64,
    schema            UInt8,
    actor_type        String,
    actor_id          String,
    channel           String,
    customer          String,
    organisation      String,
    group_name        String,
    assignee          String,
    supporting_agents Array(String),
    sets_assignee     UInt8,
    sets_group        UInt8,
    sets_supporting   UInt8,
    subject           String,
    status            String,
    priority          String,
    severity          String,
    status_label      String,
    priority_label    String,
    severity_label    String,
    tags              Array(String),
    tags_added        Array(String),
    tags_removed      Array(String),
    message_kind      String,
    message_id        String,
    agent             String,
    seconds           UInt32,
    billable          UInt8,
    started_us        Int64,
    ended_us          Int64,
    has_rate          UInt8,
    rate              Float64,
    currency          String,
    rating            UInt8,
    merged_into       String,
    reason            String,
    kafka_topic       String,
    kafka_partition   Int32,
    kafka_offset      Int64,
    ingested_at       DateTime('UTC')
)
ENGINE = {{engine "ReplacingMergeTree" ""}}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant, ticket_id, event_id);
