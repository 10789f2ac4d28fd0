-- When a generation's build began to read, by the server's clock: the next
-- build takes again the tickets written since, less a margin. The epoch
-- (rows registered before this migration) means unknown: a full build.
ALTER TABLE {{.DB}}.report_snapshots{{onCluster}} ADD COLUMN read_at DateTime('UTC') AFTER seconds;
