-- report: agent_performance
-- request: from=2026-02-01&grain=day&limit=25&page=3&period=2026-02-10&priority=high&to=2026-03-01
-- now: 2026-03-18T10:17:00Z
-- drill-down of measure: "sla_achieved"

-- live tables: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts)), toString(toString(metric)),
  toFloat64(cycle), toString(state), toInt64(toUnixTimestamp(deadline))
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
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND priority IN ? AND (state = 'achieved')
ORDER BY ts DESC, tenant, ticket_id, toString(metric), cycle
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- live tables: statement 2 of 2
SELECT count()
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
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND priority IN ? AND (state = 'achieved')
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts)), toString(toString(metric)),
  toFloat64(cycle), toString(state), toInt64(toUnixTimestamp(deadline))
FROM (
  SELECT *, start_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation = 42 AND state NOT IN ('measured', 'cancelled')
        AND start_at >= toDateTime(?) AND start_at < toDateTime(?) AND priority IN ?
    )
  )
)
WHERE (state = 'achieved')
ORDER BY ts DESC, tenant, ticket_id, toString(metric), cycle
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42: statement 2 of 2
SELECT count()
FROM (
  SELECT *, start_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation = 42 AND state NOT IN ('measured', 'cancelled')
        AND start_at >= toDateTime(?) AND start_at < toDateTime(?) AND priority IN ?
    )
  )
)
WHERE (state = 'achieved')
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts)), toString(toString(metric)),
  toFloat64(cycle), toString(state), toInt64(toUnixTimestamp(deadline))
FROM (
  SELECT *, start_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation IN (42, 43, 44) AND state NOT IN ('measured', 'cancelled')
        AND start_at >= toDateTime(?) AND start_at < toDateTime(?) AND priority IN ?
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
WHERE (state = 'achieved')
ORDER BY ts DESC, tenant, ticket_id, toString(metric), cycle
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42 with delta layers 43, 44: statement 2 of 2
SELECT count()
FROM (
  SELECT *, start_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation IN (42, 43, 44) AND state NOT IN ('measured', 'cancelled')
        AND start_at >= toDateTime(?) AND start_at < toDateTime(?) AND priority IN ?
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
WHERE (state = 'achieved')
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')
