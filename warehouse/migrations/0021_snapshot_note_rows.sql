-- Which row of its ticket each snapshot_changed note took (package
-- reports, snapshot.go): the version and write time of the tickets row
-- (kind 0), or the ticket_version and evaluation time of the sla_tickets
-- row (kind 1). A delta build looks back a margin for rows that landed
-- late, and used to note again every ticket written within it: with short
-- build intervals most notes were repeats, which readers and compactions
-- paid for. It now passes by a ticket whose newest row a recent delta has
-- taken already. Notes written before this migration read 0 and the
-- epoch, which no row has: their tickets are noted again, once.
ALTER TABLE {{.DB}}.snapshot_changed{{onCluster}} ADD COLUMN version UInt64 AFTER ticket_id;
ALTER TABLE {{.DB}}.snapshot_changed{{onCluster}} ADD COLUMN written DateTime('UTC') AFTER version;
