-- What a generation's build saw last of each table (the newest updated_at
-- of tickets, evaluated_at of sla_tickets, in the writers' clock): the
-- next build takes again the tickets written since, less a margin. The
-- epoch (rows registered before this migration) means none: a full build.
ALTER TABLE {{.DB}}.report_snapshots{{onCluster}} ADD COLUMN tickets_seen DateTime('UTC') AFTER seconds;
ALTER TABLE {{.DB}}.report_snapshots{{onCluster}} ADD COLUMN sla_seen DateTime('UTC') AFTER tickets_seen;
