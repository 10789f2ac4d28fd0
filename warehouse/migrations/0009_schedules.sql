-- E-mailed report schedules (package reports/schedule), as JSON bodies:
-- one row per change, the highest version is the schedule's state, and a
-- deletion is a row with deleted = 1. Few rows, read whole.
CREATE TABLE IF NOT EXISTS {{.DB}}.schedules{{onCluster}}
(
    id         String,
    version    UInt64,
    deleted    UInt8,
    body       String,
    updated_at DateTime('UTC')
)
ENGINE = {{engine "ReplacingMergeTree" "version"}}
ORDER BY id;
