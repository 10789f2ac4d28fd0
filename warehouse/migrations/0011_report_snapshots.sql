-- Report snapshots (package reports, snapshot.go): the facts the reports
-- aggregate, copied out of the ReplacingMergeTree tables with FINAL once
-- per generation, so that report queries read plain MergeTree rows. On
-- 18.16, FINAL is one merging stream on one core and costs 5-10x the scan
-- itself; a generation costs one FINAL read per table for every query
-- until the next one. Each table keeps one partition per generation: a
-- generation is written whole, then registered in report_snapshots, and
-- old ones are dropped by partition.
CREATE TABLE IF NOT EXISTS {{.DB}}.report_snapshots{{onCluster}}
(
    generation UInt64,
    as_of      DateTime('UTC'),
    built_at   DateTime('UTC'),
    seconds    Float64
)
ENGINE = {{engine "MergeTree" ""}}
ORDER BY generation;

-- Every ticket's latest row (deleted and merged ones too: other facts
-- join their dimensions), with the columns the reports read, the assignee
-- and group under the names report rows give them (agent, grp), sorted by
-- creation, the time most ticket reports select a range of.
CREATE TABLE IF NOT EXISTS {{.DB}}.snapshot_tickets{{onCluster}}
(
    generation       UInt64,
    tenant           String,
    ticket_id        String,
    has_created      UInt8,
    deleted          UInt8,
    merged_into      String,
    subject          String,
    priority         String,
    severity         String,
    status           String,
    tags             Array(String),
    agent            String,
    grp              String,
    channel          String,
    customer         String,
    organisation     String,
    created_at       DateTime('UTC'),
    first_replied_at DateTime('UTC'),
    first_solved_at  DateTime('UTC'),
    solved_times     Array(DateTime('UTC')),
    reopened_times   Array(DateTime('UTC')),
    status_since     DateTime('UTC'),
    public_replies   UInt32,
    reopen_count     UInt32,
    rating           UInt8,
    rated_at         DateTime('UTC')
)
ENGINE = {{engine "MergeTree" ""}}
PARTITION BY generation
ORDER BY (generation, created_at, tenant, ticket_id);

-- One row per current SLA cycle of a live ticket, with the ticket's
-- dimensions from the same evaluation (sla_tickets' arrays joined out).
-- metric and state are Enum8 (the engine's fixed sets, package sla):
-- grouping and filtering on them is twice as fast as on strings. A value
-- missing here fails the build, and reports read the live tables.
CREATE TABLE IF NOT EXISTS {{.DB}}.snapshot_sla_cycles{{onCluster}}
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
ORDER BY (generation, start_at, tenant, ticket_id);

-- Public agent replies (from events, one row per event) and logged time
-- (time_entries), each with its ticket's dimensions at the generation's
-- time; agent is who replied or logged. These and the SLA cycles are
-- sorted by the time reports select a range of (the cycle's start), so
-- a range reads only its part of the table.
CREATE TABLE IF NOT EXISTS {{.DB}}.snapshot_replies{{onCluster}}
(
    generation   UInt64,
    tenant       String,
    ticket_id    String,
    event_id     String,
    agent        String,
    ts           DateTime('UTC'),
    subject      String,
    priority     String,
    severity     String,
    status       String,
    tags         Array(String),
    grp          String,
    channel      String,
    customer     String,
    organisation String,
    created_at   DateTime('UTC')
)
ENGINE = {{engine "MergeTree" ""}}
PARTITION BY generation
ORDER BY (generation, ts, tenant, ticket_id, event_id);

CREATE TABLE IF NOT EXISTS {{.DB}}.snapshot_time{{onCluster}}
(
    generation   UInt64,
    tenant       String,
    ticket_id    String,
    event_id     String,
    agent        String,
    ts           DateTime('UTC'),
    seconds      UInt32,
    billable     UInt8,
    has_rate     UInt8,
    rate         Float64,
    currency     String,
    subject      String,
    priority     String,
    severity     String,
    status       String,
    tags         Array(String),
    grp          String,
    channel      String,
    customer     String,
    organisation String,
    created_at   DateTime('UTC')
)
ENGINE = {{engine "MergeTree" ""}}
PARTITION BY generation
ORDER BY (generation, ts, tenant, ticket_id, event_id);
