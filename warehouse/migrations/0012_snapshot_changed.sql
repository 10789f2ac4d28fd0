-- The tickets an incremental report snapshot build takes again from the
-- live tables (package reports, snapshot.go), written once at the build's
-- start so that every statement of the build reads the same set: rows
-- keep arriving while a build runs, and a ticket in the set of one
-- statement but not of another would be copied twice or not at all.
-- kind 0: tickets whose tickets row changed, 1: whose sla_tickets row did.
-- One partition per generation, dropped with the generation.
CREATE TABLE IF NOT EXISTS {{.DB}}.snapshot_changed{{onCluster}}
(
    generation UInt64,
    kind       UInt8,
    tenant     String,
    ticket_id  String
)
ENGINE = {{engine "MergeTree" ""}}
PARTITION BY generation
ORDER BY (generation, kind, tenant, ticket_id);

