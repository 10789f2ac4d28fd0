-- report: volume
-- request: from=2026-02-01&to=2026-03-01&tz=Asia%2FKolkata
-- now: 2026-03-18T10:17:00Z

-- live tables: statement 1 of 1
SELECT toFloat64(countIf(f0)) AS m0, toFloat64(sum(n1)) AS m1, toFloat64(sum(n2)) AS m2
FROM (
  SELECT *, (created_at >= toDateTime(?) AND created_at < toDateTime(?)) AS f0,
    arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), solved_times) AS f1,
    arrayCount(t -> t >= toDateTime(?) AND t < toDateTime(?), solved_times) AS n1,
    arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), reopened_times) AS f2,
    arrayCount(t -> t >= toDateTime(?) AND t < toDateTime(?), reopened_times) AS n2,
    toDateTime(1773829020) AS now_ts
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
  )
)
WHERE (f0 OR f1 OR f2)
LIMIT 20001
;
-- arg 1: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 2: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 3: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 4: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 5: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 6: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 7: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 8: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 9: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 10: int64 1772303400 (2026-02-28T18:30:00Z)

-- snapshot generation 42: statement 1 of 1
SELECT toFloat64(countIf(f0)) AS m0, toFloat64(sum(n1)) AS m1, toFloat64(sum(n2)) AS m2
FROM (
  SELECT *, (created_at >= toDateTime(?) AND created_at < toDateTime(?)) AS f0,
    arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), solved_times) AS f1,
    arrayCount(t -> t >= toDateTime(?) AND t < toDateTime(?), solved_times) AS n1,
    arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), reopened_times) AS f2,
    arrayCount(t -> t >= toDateTime(?) AND t < toDateTime(?), reopened_times) AS n2,
    toDateTime(1773829020) AS now_ts
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
        AND ((created_at >= toDateTime(?) AND created_at < toDateTime(?)) OR arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), solved_times) OR arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), reopened_times))
    )
  )
)
LIMIT 20001
;
-- arg 1: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 2: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 3: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 4: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 5: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 6: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 7: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 8: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 9: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 10: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 11: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 12: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 13: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 14: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 15: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 16: int64 1772303400 (2026-02-28T18:30:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 1
SELECT toFloat64(countIf(f0)) AS m0, toFloat64(sum(n1)) AS m1, toFloat64(sum(n2)) AS m2
FROM (
  SELECT *, (created_at >= toDateTime(?) AND created_at < toDateTime(?)) AS f0,
    arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), solved_times) AS f1,
    arrayCount(t -> t >= toDateTime(?) AND t < toDateTime(?), solved_times) AS n1,
    arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), reopened_times) AS f2,
    arrayCount(t -> t >= toDateTime(?) AND t < toDateTime(?), reopened_times) AS n2,
    toDateTime(1773829020) AS now_ts
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
        AND ((created_at >= toDateTime(?) AND created_at < toDateTime(?)) OR arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), solved_times) OR arrayExists(t -> t >= toDateTime(?) AND t < toDateTime(?), reopened_times))
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
LIMIT 20001
;
-- arg 1: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 2: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 3: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 4: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 5: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 6: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 7: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 8: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 9: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 10: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 11: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 12: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 13: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 14: int64 1772303400 (2026-02-28T18:30:00Z)
-- arg 15: int64 1769884200 (2026-01-31T18:30:00Z)
-- arg 16: int64 1772303400 (2026-02-28T18:30:00Z)
