-- The delivery log of e-mailed reports (reports/schedule): one row per
-- state change of a (schedule, period) pair; the highest version is the
-- delivery's state. It survives restarts, which is what makes a schedule
-- send once per period and resume missed or failed runs.
CREATE TABLE IF NOT EXISTS {{.DB}}.deliveries{{onCluster}}
(
    schedule_id  String,
    period_from  DateTime('UTC'),
    period_to    DateTime('UTC'),
    version      UInt64,
    run_at       DateTime('UTC'),
    trigger      String,
    state        String,
    attempts     UInt32,
    error        String,
    next_attempt DateTime('UTC'),
    message_id   String,
    recipients   Array(String),
    runner       String,
    updated_at   DateTime('UTC')
)
ENGINE = {{engine "ReplacingMergeTree" "version"}}
ORDER BY (schedule_id, period_from);
