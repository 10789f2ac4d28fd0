-- report: backlog
-- request: from=2026-02-01&priority_label=Kh%E1%BA%A9n+c%E1%BA%A5p&severity_label=&status_label=%C4%90%C3%A3+tr%E1%BA%A3+l%E1%BB%9Di&to=2026-03-01
-- now: 2026-03-18T10:17:00Z

-- live tables: statement 1 of 1
SELECT toFloat64(count()) AS m0, toFloat64(countIf(agent = '')) AS m1,
  toFloat64(countIf(status IN ('pending', 'on_hold'))) AS m2,
  toFloat64(avg(now_ts - created_at) / 3600) AS m3, toFloat64(max(now_ts - created_at) / 3600) AS m4,
  toFloat64(avg(now_ts - status_since) / 3600) AS m5
FROM (
  SELECT *, created_at AS ts, toDateTime(1773829020) AS now_ts
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
      AND status IN ('new', 'open', 'pending', 'on_hold')
  )
)
WHERE priority_label IN ? AND severity_label IN ? AND status_label IN ?
LIMIT 20001
;
-- arg 1: reports.Set ('Khẩn cấp')
-- arg 2: reports.Set ('')
-- arg 3: reports.Set ('Đã trả lời')

-- snapshot generation 42: statement 1 of 1
SELECT toFloat64(count()) AS m0, toFloat64(countIf(agent = '')) AS m1,
  toFloat64(countIf(status IN ('pending', 'on_hold'))) AS m2,
  toFloat64(avg(now_ts - created_at) / 3600) AS m3, toFloat64(max(now_ts - created_at) / 3600) AS m4,
  toFloat64(avg(now_ts - status_since) / 3600) AS m5
FROM (
  SELECT *, created_at AS ts, toDateTime(1773829020) AS now_ts
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
        AND status IN ('new', 'open', 'pending', 'on_hold')
    )
  )
)
WHERE priority_label IN ? AND severity_label IN ? AND status_label IN ?
LIMIT 20001
;
-- arg 1: reports.Set ('Khẩn cấp')
-- arg 2: reports.Set ('')
-- arg 3: reports.Set ('Đã trả lời')

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 1
SELECT toFloat64(count()) AS m0, toFloat64(countIf(agent = '')) AS m1,
  toFloat64(countIf(status IN ('pending', 'on_hold'))) AS m2,
  toFloat64(avg(now_ts - created_at) / 3600) AS m3, toFloat64(max(now_ts - created_at) / 3600) AS m4,
  toFloat64(avg(now_ts - status_since) / 3600) AS m5
FROM (
  SELECT *, created_at AS ts, toDateTime(1773829020) AS now_ts
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
        AND status IN ('new', 'open', 'pending', 'on_hold')
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
WHERE priority_label IN ? AND severity_label IN ? AND status_label IN ?
LIMIT 20001
;
-- arg 1: reports.Set ('Khẩn cấp')
-- arg 2: reports.Set ('')
-- arg 3: reports.Set ('Đã trả lời')
