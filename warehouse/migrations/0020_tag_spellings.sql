-- How each desk spells its tags. Tickets, SLA and reports group tags by
-- their lower case ("vip"); people read the desk's own spelling ("VIP").
-- Ingest adds a row the first time it meets a spelling of a tag (again
-- after a restart, or for an earlier event), so a spelling may have a few
-- rows: readers take, per tenant and tag, the spelling of the earliest
-- event, argMin(spelling, (first_us, spelling)). first_us is that event's
-- occurred time in microseconds since the epoch. Tags stored before this
-- migration have no rows until their events arrive again; readers then
-- show the lower-case tag.
CREATE TABLE IF NOT EXISTS {{.DB}}.tag_spellings{{onCluster}}
(
    tenant   String,
    tag      String,
    spelling String,
    first_us Int64
)
ENGINE = {{engine "MergeTree" ""}}
ORDER BY (tenant, tag, spelling);
