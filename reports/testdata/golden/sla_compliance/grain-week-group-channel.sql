-- report: sla_compliance
-- request: from=2026-02-01&grain=week&group_by=channel&to=2026-03-01
-- now: 2026-03-18T10:17:00Z

-- live tables: statement 1 of 1
SELECT toString(toMonday(ts, ?)) AS k0, toString(toString(metric)) AS k1, toString(channel) AS k2,
  toFloat64(count()) AS m0, toFloat64(countIf(state = 'achieved')) AS m1,
  toFloat64(countIf(state = 'breached' OR (running_with_deadline AND deadline < now_ts))) AS m2,
  toFloat64(countIf((state = 'breached' AND NOT stopped) OR (running_with_deadline AND deadline < now_ts))) AS m3,
  toFloat64(countIf(state = 'paused' OR (running_with_deadline AND deadline >= now_ts))) AS m4
FROM (
  SELECT *, start_at AS ts, toDateTime(1773829020) AS now_ts
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
    WHERE state NOT IN ('measured', 'cancelled')
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0, k1, k2
ORDER BY k0, k1, k2
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 1 of 1
SELECT toString(toMonday(ts, ?)) AS k0, toString(toString(metric)) AS k1, toString(channel) AS k2,
  toFloat64(count()) AS m0, toFloat64(countIf(state = 'achieved')) AS m1,
  toFloat64(countIf(state = 'breached' OR (running_with_deadline AND deadline < now_ts))) AS m2,
  toFloat64(countIf((state = 'breached' AND NOT stopped) OR (running_with_deadline AND deadline < now_ts))) AS m3,
  toFloat64(countIf(state = 'paused' OR (running_with_deadline AND deadline >= now_ts))) AS m4
FROM (
  SELECT *, start_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation = 42 AND state NOT IN ('measured', 'cancelled')
        AND start_at >= toDateTime(?) AND start_at < toDateTime(?)
    )
  )
)
GROUP BY k0, k1, k2
ORDER BY k0, k1, k2
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 1
SELECT toString(toMonday(ts, ?)) AS k0, toString(toString(metric)) AS k1, toString(channel) AS k2,
  toFloat64(count()) AS m0, toFloat64(countIf(state = 'achieved')) AS m1,
  toFloat64(countIf(state = 'breached' OR (running_with_deadline AND deadline < now_ts))) AS m2,
  toFloat64(countIf((state = 'breached' AND NOT stopped) OR (running_with_deadline AND deadline < now_ts))) AS m3,
  toFloat64(countIf(state = 'paused' OR (running_with_deadline AND deadline >= now_ts))) AS m4
FROM (
  SELECT *, start_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation IN (42, 43, 44) AND state NOT IN ('measured', 'cancelled')
        AND start_at >= toDateTime(?) AND start_at < toDateTime(?)
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
GROUP BY k0, k1, k2
ORDER BY k0, k1, k2
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)
