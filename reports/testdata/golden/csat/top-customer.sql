-- report: csat
-- request: from=2026-02-01&group_by=customer&sort=satisfied&to=2026-03-01&top=10
-- now: 2026-03-18T10:17:00Z
-- the top's first statement narrows the others to the values its rows have; here top-1, top-2

-- live tables: statement 1 of 1
SELECT toString(customer) AS k0, toFloat64(count()) AS m0, toFloat64(avg(rating)) AS m1,
  toFloat64(countIf(rating = 1)) AS m2, toFloat64(countIf(rating = 2)) AS m3,
  toFloat64(countIf(rating = 3)) AS m4, toFloat64(countIf(rating = 4)) AS m5,
  toFloat64(countIf(rating = 5)) AS m6, toFloat64(countIf(rating >= 4)) AS m7
FROM (
  SELECT *, rated_at AS ts, toDateTime(1773829020) AS now_ts
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
    WHERE has_created = 1 AND deleted = 0 AND merged_into = '' AND rating > 0
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY m7 DESC, k0
LIMIT 10
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 1 of 1
SELECT toString(customer) AS k0, toFloat64(count()) AS m0, toFloat64(avg(rating)) AS m1,
  toFloat64(countIf(rating = 1)) AS m2, toFloat64(countIf(rating = 2)) AS m3,
  toFloat64(countIf(rating = 3)) AS m4, toFloat64(countIf(rating = 4)) AS m5,
  toFloat64(countIf(rating = 5)) AS m6, toFloat64(countIf(rating >= 4)) AS m7
FROM (
  SELECT *, rated_at AS ts, toDateTime(1773829020) AS now_ts
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
        AND rating > 0 AND rated_at >= toDateTime(?) AND rated_at < toDateTime(?)
    )
  )
)
GROUP BY k0
ORDER BY m7 DESC, k0
LIMIT 10
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 1
SELECT toString(customer) AS k0, toFloat64(count()) AS m0, toFloat64(avg(rating)) AS m1,
  toFloat64(countIf(rating = 1)) AS m2, toFloat64(countIf(rating = 2)) AS m3,
  toFloat64(countIf(rating = 3)) AS m4, toFloat64(countIf(rating = 4)) AS m5,
  toFloat64(countIf(rating = 5)) AS m6, toFloat64(countIf(rating >= 4)) AS m7
FROM (
  SELECT *, rated_at AS ts, toDateTime(1773829020) AS now_ts
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
        AND rating > 0 AND rated_at >= toDateTime(?) AND rated_at < toDateTime(?)
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
GROUP BY k0
ORDER BY m7 DESC, k0
LIMIT 10
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
