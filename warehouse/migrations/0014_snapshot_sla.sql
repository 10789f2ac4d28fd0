-- SLA cycles of a report snapshot generation, sorted by metric first,
-- then by when the cycle started (package reports, snapshot.go). Replaces
-- snapshot_sla_cycles (migration 0011), which was sorted by start alone:
-- reports on one metric's cycles by when they stopped (resolution time)
-- then read every cycle of the generation, 8.4M rows at a million
-- tickets, where this order reads that metric's (1M). A range of starts
-- over every metric still reads only its part of each metric's run, since
-- the index is read as (metric, start) pairs and a granule holds one
-- metric. Generations registered before this migration (layout 0, migration
-- 0015) have no rows here: readers ignore them and the next build is full.
CREATE TABLE IF NOT EXISTS {{.DB}}.snapshot_sla{{onCluster}}
(
    generation            UInt64,
    tenant                String,
    ticket_id             String,
    subject               String,
    priority              String,
    severity              String,
    status                String,
    tags                  Array(String),
    agent                 String,
    grp                   String,
    channel               String,
    customer              String,
    organisation          String,
    created_at            DateTime('UTC'),
    metric                Enum8('first_reply' = 1, 'next_reply' = 2, 'periodic_update' = 3, 'resolution' = 4,
                                'full_resolution' = 5, 'requester_wait' = 6, 'agent_work' = 7),
    cycle                 UInt16,
    policy                String,
    start_at              DateTime('UTC'),
    deadline              DateTime('UTC'),
    stop_at               DateTime('UTC'),
    elapsed_seconds       UInt32,
    state                 Enum8('active' = 1, 'paused' = 2, 'achieved' = 3, 'breached' = 4, 'cancelled' = 5, 'measured' = 6),
    stopped               UInt8,
    running_with_deadline UInt8
)
ENGINE = {{engine "MergeTree" ""}}
PARTITION BY generation
ORDER BY (generation, metric, start_at, tenant, ticket_id);
