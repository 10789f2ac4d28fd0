-- Each ticket's current SLA cycles in one row, with the ticket's dimensions
-- as of the same evaluation: what the reports read. One row per ticket
-- (not per cycle) means FINAL alone yields each ticket's current set of
-- cycles, with no join to tickets and no search for the newest version;
-- a cycle a late event removed is simply absent from the newer row.
-- sla_results keeps one row per cycle for `sla eval`-style inspection.
CREATE TABLE IF NOT EXISTS {{.DB}}.sla_tickets{{onCluster}}
(
    tenant          String,
    ticket_id       String,
    ticket_version  UInt64,
    live            UInt8,
    subject         String,
    status          String,
    priority        String,
    severity        String,
    tags            Array(String),
    assignee        String,
    group_name      String,
    channel         String,
    customer        String,
    organisation    String,
    created_at      DateTime('UTC'),
    metric          Array(String),
    cycle           Array(UInt16),
    policy          Array(String),
    start_at        Array(DateTime('UTC')),
    deadline        Array(DateTime('UTC')),
    stop_at         Array(DateTime('UTC')),
    elapsed_seconds Array(UInt32),
    state           Array(String),
    evaluated_at    DateTime('UTC')
)
ENGINE = {{engine "ReplacingMergeTree" "ticket_version"}}
ORDER BY (tenant, ticket_id);
