-- Each ticket's SLA clocks (sla.Clocks, compact form): the SLA engine's
-- state after the events folded into the ticket's row of the same
-- version, so that ingest extends them with later events instead of
-- reading the ticket's history back after a restart or a cache miss.
-- policy_set is the fingerprint of the SLA configuration the clocks were
-- run under (sla.Config.Fingerprint): clocks of another are not read.
-- Written by ingest with the ticket's state and SLA rows, and by sla
-- recompute and RefoldTickets; version = distinct events run, as in
-- tickets, so a replay collapses.
CREATE TABLE IF NOT EXISTS {{.DB}}.sla_clocks{{onCluster}}
(
    tenant      String,
    ticket_id   String,
    version     UInt64,
    policy_set  String,
    clocks      String,
    written_at  DateTime('UTC')
)
ENGINE = {{engine "ReplacingMergeTree" "version"}}
ORDER BY (tenant, ticket_id);
