-- report: pre_breach
-- request: metric=resolution&priority=urgent&priority=high
-- now: 2026-03-18T10:17:00Z

-- live tables: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toString(metric), policy, toInt64(toUnixTimestamp(deadline)),
  toFloat64(cycle)
FROM (
  SELECT *, deadline AS ts, toDateTime(1773829020) AS now_ts
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
    WHERE running_with_deadline
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND toString(metric) IN ? AND priority IN ?
ORDER BY deadline, tenant, ticket_id, toString(metric), cycle
LIMIT 0, 500
;
-- arg 1: int64 1773829020 (2026-03-18T10:17:00Z)
-- arg 2: int64 1773843420 (2026-03-18T14:17:00Z)
-- arg 3: reports.Set ('resolution')
-- arg 4: reports.Set ('urgent', 'high')

-- live tables: statement 2 of 2
SELECT count()
FROM (
  SELECT *, deadline AS ts, toDateTime(1773829020) AS now_ts
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
    WHERE running_with_deadline
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND toString(metric) IN ? AND priority IN ?
;
-- arg 1: int64 1773829020 (2026-03-18T10:17:00Z)
-- arg 2: int64 1773843420 (2026-03-18T14:17:00Z)
-- arg 3: reports.Set ('resolution')
-- arg 4: reports.Set ('urgent', 'high')

-- snapshot generation 42: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toString(metric), policy, toInt64(toUnixTimestamp(deadline)),
  toFloat64(cycle)
FROM (
  SELECT *, deadline AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation = 42 AND running_with_deadline AND deadline >= toDateTime(?)
        AND deadline < toDateTime(?) AND toString(metric) IN ? AND priority IN ?
    )
  )
)
ORDER BY deadline, tenant, ticket_id, toString(metric), cycle
LIMIT 0, 500
;
-- arg 1: int64 1773829020 (2026-03-18T10:17:00Z)
-- arg 2: int64 1773843420 (2026-03-18T14:17:00Z)
-- arg 3: reports.Set ('resolution')
-- arg 4: reports.Set ('urgent', 'high')

-- snapshot generation 42: statement 2 of 2
SELECT count()
FROM (
  SELECT *, deadline AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation = 42 AND running_with_deadline AND deadline >= toDateTime(?)
        AND deadline < toDateTime(?) AND toString(metric) IN ? AND priority IN ?
    )
  )
)
;
-- arg 1: int64 1773829020 (2026-03-18T10:17:00Z)
-- arg 2: int64 1773843420 (2026-03-18T14:17:00Z)
-- arg 3: reports.Set ('resolution')
-- arg 4: reports.Set ('urgent', 'high')

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toString(metric), policy, toInt64(toUnixTimestamp(deadline)),
  toFloat64(cycle)
FROM (
  SELECT *, deadline AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation IN (42, 43, 44) AND running_with_deadline AND deadline >= toDateTime(?)
        AND deadline < toDateTime(?) AND toString(metric) IN ? AND priority IN ?
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
ORDER BY deadline, tenant, ticket_id, toString(metric), cycle
LIMIT 0, 500
;
-- arg 1: int64 1773829020 (2026-03-18T10:17:00Z)
-- arg 2: int64 1773843420 (2026-03-18T14:17:00Z)
-- arg 3: reports.Set ('resolution')
-- arg 4: reports.Set ('urgent', 'high')

-- snapshot generation 42 with delta layers 43, 44: statement 2 of 2
SELECT count()
FROM (
  SELECT *, deadline AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_sla
      PREWHERE generation IN (42, 43, 44) AND running_with_deadline AND deadline >= toDateTime(?)
        AND deadline < toDateTime(?) AND toString(metric) IN ? AND priority IN ?
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
;
-- arg 1: int64 1773829020 (2026-03-18T10:17:00Z)
-- arg 2: int64 1773843420 (2026-03-18T14:17:00Z)
-- arg 3: reports.Set ('resolution')
-- arg 4: reports.Set ('urgent', 'high')
