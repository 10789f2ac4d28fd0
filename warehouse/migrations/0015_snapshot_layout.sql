-- Which tables a registered generation was written to: 0 before this
-- migration and 0014 (their SLA cycles are in snapshot_sla_cycles), 1 with
-- snapshot_sla. Readers and incremental builds use only generations of
-- their own layout.
ALTER TABLE {{.DB}}.report_snapshots{{onCluster}} ADD COLUMN layout UInt8 AFTER read_at;
