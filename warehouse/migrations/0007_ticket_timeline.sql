-- When the current status was entered, and every solve and reopen, so that
-- reports count solved/reopened volume per period and time in status from
-- the folded state instead of re-reading events. 18.16 has no ADD COLUMN
-- IF NOT EXISTS: Migrate treats "column already exists" from a concurrent
-- migrator as applied. Rows written before this migration read defaults
-- until `slate sla recompute` (or new events) refold them.
ALTER TABLE {{.DB}}.tickets{{onCluster}} ADD COLUMN status_since DateTime('UTC') AFTER updated_at;
ALTER TABLE {{.DB}}.tickets{{onCluster}} ADD COLUMN solved_times Array(DateTime('UTC')) AFTER status_since;
ALTER TABLE {{.DB}}.tickets{{onCluster}} ADD COLUMN reopened_times Array(DateTime('UTC')) AFTER solved_times;
