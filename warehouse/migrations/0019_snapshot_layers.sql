-- The partitions a registered report snapshot generation is read from
-- (package reports, snapshot.go): a base generation, then the delta
-- layers written over it, oldest first; the last is the generation
-- itself. Rows registered before this migration have none: readers and
-- builds pass them by (their layout is below 2), and the next build is
-- a full one.
ALTER TABLE {{.DB}}.report_snapshots{{onCluster}} ADD COLUMN layers Array(UInt64) AFTER layout;
