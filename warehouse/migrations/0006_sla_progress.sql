-- How far SLA refreshing has got through the tickets table, by updated_at,
-- so a restarted ingest resumes instead of re-evaluating everything.
CREATE TABLE IF NOT EXISTS {{.DB}}.sla_progress{{onCluster}}
(
    worker     String,
    watermark  DateTime('UTC'),
    updated_at DateTime('UTC')
)
ENGINE = {{engine "ReplacingMergeTree" "updated_at"}}
ORDER BY worker;
