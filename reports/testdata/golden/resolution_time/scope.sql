-- report: resolution_time
-- request: from=2026-02-01&group=billing&tenant=acme&to=2026-03-01
-- now: 2026-03-18T10:17:00Z
-- scope: tenants ["acme" "globex"], groups ["billing"]

-- live tables: statement 1 of 2
SELECT toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(res_s)) AS m1,
  toFloat64(quantileExact(0.9)(res_s)) AS m2, toFloat64(quantileExact(0.95)(res_s)) AS m3
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
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND has(?, tenant) AND has(?, grp) AND grp IN ?
  AND tenant IN ?
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('billing')
-- arg 6: reports.Set ('acme')

-- live tables: statement 2 of 2
SELECT toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(elapsed_seconds)) AS m1,
  toFloat64(quantileExact(0.9)(elapsed_seconds)) AS m2,
  toFloat64(quantileExact(0.95)(elapsed_seconds)) AS m3
FROM (
  SELECT *, stop_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT tenant, ticket_id, subject, priority, severity, status, tags, assignee AS agent,
        group_name AS grp, channel, customer, organisation, created_at, metric, cycle, policy,
        start_at, deadline, stop_at, elapsed_seconds, state,
        toUnixTimestamp(stop_at) > 0 AND state IN ('achieved', 'breached') AS stopped,
        state = 'active' AND toUnixTimestamp(deadline) > 0 AS running_with_deadline, status_label,
        priority_label, severity_label
      FROM (
        SELECT *
        FROM slate.sla_tickets FINAL
      )
      ARRAY JOIN metric, cycle, policy, start_at, deadline, stop_at, elapsed_seconds, state
      WHERE live = 1
    )
    WHERE metric = 'resolution' AND cycle = 1 AND stopped
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND has(?, tenant) AND has(?, grp) AND grp IN ?
  AND tenant IN ?
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('billing')
-- arg 6: reports.Set ('acme')

-- snapshot generation 42: statement 1 of 2
SELECT toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(res_s)) AS m1,
  toFloat64(quantileExact(0.9)(res_s)) AS m2, toFloat64(quantileExact(0.95)(res_s)) AS m3
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
        AND first_solved_at < toDateTime(?) AND has(?, tenant) AND has(?, grp) AND grp IN ?
        AND tenant IN ?
    )
  )
)
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('billing')
-- arg 6: reports.Set ('acme')

-- snapshot generation 42: statement 2 of 2
SELECT toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(elapsed_seconds)) AS m1,
  toFloat64(quantileExact(0.9)(elapsed_seconds)) AS m2,
  toFloat64(quantileExact(0.95)(elapsed_seconds)) AS m3
FROM (
  SELECT *, stop_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation = 42 AND metric = 'resolution' AND cycle = 1 AND stopped
        AND stop_at >= toDateTime(?) AND stop_at < toDateTime(?) AND has(?, tenant) AND has(?, grp)
        AND grp IN ? AND tenant IN ?
    )
  )
)
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('billing')
-- arg 6: reports.Set ('acme')

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 2
SELECT toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(res_s)) AS m1,
  toFloat64(quantileExact(0.9)(res_s)) AS m2, toFloat64(quantileExact(0.95)(res_s)) AS m3
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
        AND first_solved_at < toDateTime(?) AND has(?, tenant) AND has(?, grp) AND grp IN ?
        AND tenant IN ?
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
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('billing')
-- arg 6: reports.Set ('acme')

-- snapshot generation 42 with delta layers 43, 44: statement 2 of 2
SELECT toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(elapsed_seconds)) AS m1,
  toFloat64(quantileExact(0.9)(elapsed_seconds)) AS m2,
  toFloat64(quantileExact(0.95)(elapsed_seconds)) AS m3
FROM (
  SELECT *, stop_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation IN (42, 43, 44) AND metric = 'resolution' AND cycle = 1 AND stopped
        AND stop_at >= toDateTime(?) AND stop_at < toDateTime(?) AND has(?, tenant) AND has(?, grp)
        AND grp IN ? AND tenant IN ?
      WHERE (cityHash64(tenant, ticket_id) NOT IN (
        SELECT cityHash64(tenant, ticket_id)
        FROM slate.snapshot_changed
        WHERE generation IN (43, 44) AND kind = 1
      ) OR (cityHash64(tenant, ticket_id), generation) IN (
        SELECT cityHash64(tenant, ticket_id), max(generation)
        FROM slate.snapshot_changed
        WHERE generation IN (43, 44) AND kind = 1
        GROUP BY tenant, ticket_id
      ))
    )
  )
)
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('billing')
-- arg 6: reports.Set ('acme')
