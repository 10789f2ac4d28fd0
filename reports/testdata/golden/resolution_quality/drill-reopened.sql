-- report: resolution_quality
-- request: from=2026-02-01&grain=day&limit=25&page=3&period=2026-02-10&priority=high&to=2026-03-01
-- now: 2026-03-18T10:17:00Z
-- drill-down of measure: "reopened"

-- live tables: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts))
FROM (
  SELECT *, first_solved_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, assignee AS agent,
      group_name AS grp, channel, customer, organisation, created_at, first_replied_at,
      first_solved_at, solved_times, reopened_times, status_since, public_replies, reopen_count,
      rating, rated_at, status_label, priority_label, severity_label,
      toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *
      FROM slate.tickets FINAL
    )
    WHERE has_created = 1 AND deleted = 0 AND merged_into = ''
      AND toUnixTimestamp(first_solved_at) > 0
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND priority IN ? AND (reopen_count > 0)
ORDER BY ts DESC, tenant, ticket_id
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- live tables: statement 2 of 2
SELECT count()
FROM (
  SELECT *, first_solved_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, assignee AS agent,
      group_name AS grp, channel, customer, organisation, created_at, first_replied_at,
      first_solved_at, solved_times, reopened_times, status_since, public_replies, reopen_count,
      rating, rated_at, status_label, priority_label, severity_label,
      toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *
      FROM slate.tickets FINAL
    )
    WHERE has_created = 1 AND deleted = 0 AND merged_into = ''
      AND toUnixTimestamp(first_solved_at) > 0
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND priority IN ? AND (reopen_count > 0)
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts))
FROM (
  SELECT *, first_solved_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, agent, grp, channel,
      customer, organisation, created_at, first_replied_at, first_solved_at, solved_times,
      reopened_times, status_since, public_replies, reopen_count, rating, rated_at, status_label,
      priority_label, severity_label, toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *
      FROM slate.snapshot_tickets
      PREWHERE generation = 42 AND has_created = 1 AND deleted = 0 AND merged_into = ''
        AND toUnixTimestamp(first_solved_at) > 0 AND first_solved_at >= toDateTime(?)
        AND first_solved_at < toDateTime(?) AND priority IN ?
    )
  )
)
WHERE (reopen_count > 0)
ORDER BY ts DESC, tenant, ticket_id
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42: statement 2 of 2
SELECT count()
FROM (
  SELECT *, first_solved_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, agent, grp, channel,
      customer, organisation, created_at, first_replied_at, first_solved_at, solved_times,
      reopened_times, status_since, public_replies, reopen_count, rating, rated_at, status_label,
      priority_label, severity_label, toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *
      FROM slate.snapshot_tickets
      PREWHERE generation = 42 AND has_created = 1 AND deleted = 0 AND merged_into = ''
        AND toUnixTimestamp(first_solved_at) > 0 AND first_solved_at >= toDateTime(?)
        AND first_solved_at < toDateTime(?) AND priority IN ?
    )
  )
)
WHERE (reopen_count > 0)
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts))
FROM (
  SELECT *, first_solved_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, agent, grp, channel,
      customer, organisation, created_at, first_replied_at, first_solved_at, solved_times,
      reopened_times, status_since, public_replies, reopen_count, rating, rated_at, status_label,
      priority_label, severity_label, toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *
      FROM slate.snapshot_tickets
      PREWHERE generation IN (42, 43, 44) AND has_created = 1 AND deleted = 0 AND merged_into = ''
        AND toUnixTimestamp(first_solved_at) > 0 AND first_solved_at >= toDateTime(?)
        AND first_solved_at < toDateTime(?) AND priority IN ?
      WHERE (cityHash64(tenant, ticket_id) NOT IN (
        SELECT cityHash64(tenant, ticket_id)
        FROM slate.snapshot_changed
        WHERE generation IN (43, 44) AND kind = 0
      ) OR (cityHash64(tenant, ticket_id), generation) IN (
        SELECT cityHash64(tenant, ticket_id), max(generation)
        FROM slate.snapshot_changed
        WHERE generation IN (43, 44) AND kind = 0
        GROUP BY tenant, ticket_id
      ))
    )
  )
)
WHERE (reopen_count > 0)
ORDER BY ts DESC, tenant, ticket_id
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42 with delta layers 43, 44: statement 2 of 2
SELECT count()
FROM (
  SELECT *, first_solved_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, agent, grp, channel,
      customer, organisation, created_at, first_replied_at, first_solved_at, solved_times,
      reopened_times, status_since, public_replies, reopen_count, rating, rated_at, status_label,
      priority_label, severity_label, toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *
      FROM slate.snapshot_tickets
      PREWHERE generation IN (42, 43, 44) AND has_created = 1 AND deleted = 0 AND merged_into = ''
        AND toUnixTimestamp(first_solved_at) > 0 AND first_solved_at >= toDateTime(?)
        AND first_solved_at < toDateTime(?) AND priority IN ?
      WHERE (cityHash64(tenant, ticket_id) NOT IN (
        SELECT cityHash64(tenant, ticket_id)
        FROM slate.snapshot_changed
        WHERE generation IN (43, 44) AND kind = 0
      ) OR (cityHash64(tenant, ticket_id), generation) IN (
        SELECT cityHash64(tenant, ticket_id), max(generation)
        FROM slate.snapshot_changed
        WHERE generation IN (43, 44) AND kind = 0
        GROUP BY tenant, ticket_id
      ))
    )
  )
)
WHERE (reopen_count > 0)
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')
