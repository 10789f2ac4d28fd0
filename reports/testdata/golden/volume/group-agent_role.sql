-- report: volume
-- request: from=2026-02-01&group_by=agent_role&to=2026-03-01
-- now: 2026-03-18T10:17:00Z

-- live tables: statement 1 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, created_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, group_name AS grp, channel, customer,
      organisation, created_at, first_replied_at, first_solved_at, solved_times, reopened_times,
      status_since, public_replies, reopen_count, rating, rated_at, status_label, priority_label,
      severity_label, toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *,
        arrayConcat([assignee], arrayFilter(a -> a != assignee, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.tickets FINAL
      )
      WHERE has_created = 1 AND deleted = 0 AND merged_into = ''
    )
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- live tables: statement 2 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, group_name AS grp, channel, customer,
      organisation, created_at, first_replied_at, first_solved_at, solved_times, reopened_times,
      status_since, public_replies, reopen_count, rating, rated_at, status_label, priority_label,
      severity_label, toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *,
        arrayConcat([assignee], arrayFilter(a -> a != assignee, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.tickets FINAL
      )
      WHERE has_created = 1 AND deleted = 0 AND merged_into = ''
    )
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
  ARRAY JOIN solved_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- live tables: statement 3 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, group_name AS grp, channel, customer,
      organisation, created_at, first_replied_at, first_solved_at, solved_times, reopened_times,
      status_since, public_replies, reopen_count, rating, rated_at, status_label, priority_label,
      severity_label, toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *,
        arrayConcat([assignee], arrayFilter(a -> a != assignee, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.tickets FINAL
      )
      WHERE has_created = 1 AND deleted = 0 AND merged_into = ''
    )
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
  ARRAY JOIN reopened_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 1 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, created_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, grp, channel, customer, organisation,
      created_at, first_replied_at, first_solved_at, solved_times, reopened_times, status_since,
      public_replies, reopen_count, rating, rated_at, status_label, priority_label, severity_label,
      toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *, arrayConcat([agent], arrayFilter(a -> a != agent, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.snapshot_tickets
        PREWHERE generation = 42 AND has_created = 1 AND deleted = 0 AND merged_into = ''
      )
    )
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 2 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, grp, channel, customer, organisation,
      created_at, first_replied_at, first_solved_at, solved_times, reopened_times, status_since,
      public_replies, reopen_count, rating, rated_at, status_label, priority_label, severity_label,
      toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *, arrayConcat([agent], arrayFilter(a -> a != agent, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.snapshot_tickets
        PREWHERE generation = 42 AND has_created = 1 AND deleted = 0 AND merged_into = ''
      )
    )
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
  ARRAY JOIN solved_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 3 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, grp, channel, customer, organisation,
      created_at, first_replied_at, first_solved_at, solved_times, reopened_times, status_since,
      public_replies, reopen_count, rating, rated_at, status_label, priority_label, severity_label,
      toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *, arrayConcat([agent], arrayFilter(a -> a != agent, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.snapshot_tickets
        PREWHERE generation = 42 AND has_created = 1 AND deleted = 0 AND merged_into = ''
      )
    )
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
  ARRAY JOIN reopened_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, created_at AS ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, grp, channel, customer, organisation,
      created_at, first_replied_at, first_solved_at, solved_times, reopened_times, status_since,
      public_replies, reopen_count, rating, rated_at, status_label, priority_label, severity_label,
      toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *, arrayConcat([agent], arrayFilter(a -> a != agent, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.snapshot_tickets
        PREWHERE generation IN (42, 43, 44) AND has_created = 1 AND deleted = 0
          AND merged_into = ''
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
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 2 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, grp, channel, customer, organisation,
      created_at, first_replied_at, first_solved_at, solved_times, reopened_times, status_since,
      public_replies, reopen_count, rating, rated_at, status_label, priority_label, severity_label,
      toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *, arrayConcat([agent], arrayFilter(a -> a != agent, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.snapshot_tickets
        PREWHERE generation IN (42, 43, 44) AND has_created = 1 AND deleted = 0
          AND merged_into = ''
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
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
  ARRAY JOIN solved_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 3 of 3
SELECT toString(agent_role) AS k0, toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT tenant, ticket_id, subject, priority, severity, status, tags, role_agent AS agent,
      if(role_n = 1, 'primary', 'supporting') AS agent_role, grp, channel, customer, organisation,
      created_at, first_replied_at, first_solved_at, solved_times, reopened_times, status_since,
      public_replies, reopen_count, rating, rated_at, status_label, priority_label, severity_label,
      toUnixTimestamp(first_replied_at) > 0 AS has_reply,
      toInt64(toUnixTimestamp(first_replied_at)) - toInt64(toUnixTimestamp(created_at)) AS frt_s,
      toInt64(toUnixTimestamp(first_solved_at)) - toInt64(toUnixTimestamp(created_at)) AS res_s,
      creator, due_at
    FROM (
      SELECT *, arrayConcat([agent], arrayFilter(a -> a != agent, supporting_agents)) AS involved
      FROM (
        SELECT *
        FROM slate.snapshot_tickets
        PREWHERE generation IN (42, 43, 44) AND has_created = 1 AND deleted = 0
          AND merged_into = ''
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
    ARRAY JOIN involved AS role_agent, arrayEnumerate(involved) AS role_n
  )
  ARRAY JOIN reopened_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0
ORDER BY k0
LIMIT 20001
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
