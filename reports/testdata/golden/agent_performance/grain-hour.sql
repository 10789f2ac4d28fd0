-- report: agent_performance
-- request: from=2026-02-01&grain=hour&to=2026-03-01
-- now: 2026-03-18T10:17:00Z

-- live tables: statement 1 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
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
  ARRAY JOIN solved_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- live tables: statement 2 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT tenant, ticket_id, event_id, any(actor_id) AS agent, any(occurred_at) AS ts
      FROM slate.events
      WHERE type = 'ticket.message' AND message_kind = 'public_reply' AND actor_type = 'agent'
      GROUP BY tenant, ticket_id, event_id
    ) AS replies
    ANY LEFT JOIN (
      SELECT tenant, ticket_id, subject, priority, severity, status, tags, group_name AS grp,
        channel, customer, organisation, created_at, status_label, priority_label, severity_label
      FROM (
        SELECT *
        FROM slate.tickets FINAL
      )
    ) AS dims USING (tenant, ticket_id)
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- live tables: statement 3 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(countIf(has_reply)) AS m0, toFloat64(quantileExactIf(0.5)(frt_s, has_reply)) AS m1
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
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- live tables: statement 4 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(res_s)) AS m1
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
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- live tables: statement 5 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(countIf(state = 'achieved')) AS m0,
  toFloat64(countIf(state = 'breached' OR (running_with_deadline AND deadline < now_ts))) AS m1
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- live tables: statement 6 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0, toFloat64(avg(rating)) AS m1
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- live tables: statement 7 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(sumIf(seconds, billable = 1) / 3600) AS m0
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT tenant, ticket_id, event_id, agent, logged_at AS ts, seconds, billable, has_rate, rate,
        currency
      FROM slate.time_entries FINAL
    ) AS entries
    ANY LEFT JOIN (
      SELECT tenant, ticket_id, subject, priority, severity, status, tags, group_name AS grp,
        channel, customer, organisation, created_at, status_label, priority_label, severity_label
      FROM (
        SELECT *
        FROM slate.tickets FINAL
      )
    ) AS dims USING (tenant, ticket_id)
  )
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 1 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
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
    )
  )
  ARRAY JOIN solved_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 2 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_replies
      PREWHERE generation = 42 AND ts >= toDateTime(?) AND ts < toDateTime(?)
    )
  )
)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 3 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(countIf(has_reply)) AS m0, toFloat64(quantileExactIf(0.5)(frt_s, has_reply)) AS m1
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
        AND created_at >= toDateTime(?) AND created_at < toDateTime(?)
    )
  )
)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 4 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(res_s)) AS m1
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
        AND first_solved_at < toDateTime(?)
    )
  )
)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 5 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(countIf(state = 'achieved')) AS m0,
  toFloat64(countIf(state = 'breached' OR (running_with_deadline AND deadline < now_ts))) AS m1
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 6 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0, toFloat64(avg(rating)) AS m1
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42: statement 7 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(sumIf(seconds, billable = 1) / 3600) AS m0
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_time
      PREWHERE generation = 42 AND ts >= toDateTime(?) AND ts < toDateTime(?)
    )
  )
)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0
FROM (
  SELECT *, ts, toDateTime(1773829020) AS now_ts
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
  ARRAY JOIN solved_times AS ts
)
WHERE ts >= toDateTime(?) AND ts < toDateTime(?)
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 2 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_replies
      PREWHERE generation IN (42, 43, 44) AND ts >= toDateTime(?) AND ts < toDateTime(?)
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 3 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(countIf(has_reply)) AS m0, toFloat64(quantileExactIf(0.5)(frt_s, has_reply)) AS m1
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
        AND created_at >= toDateTime(?) AND created_at < toDateTime(?)
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 4 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0, toFloat64(quantileExact(0.5)(res_s)) AS m1
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
        AND first_solved_at < toDateTime(?)
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 5 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(countIf(state = 'achieved')) AS m0,
  toFloat64(countIf(state = 'breached' OR (running_with_deadline AND deadline < now_ts))) AS m1
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 6 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(count()) AS m0, toFloat64(avg(rating)) AS m1
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)

-- snapshot generation 42 with delta layers 43, 44: statement 7 of 7
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(agent) AS k1,
  toFloat64(sumIf(seconds, billable = 1) / 3600) AS m0
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_time
      PREWHERE generation IN (42, 43, 44) AND ts >= toDateTime(?) AND ts < toDateTime(?)
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
GROUP BY k0, k1
ORDER BY k0, k1
LIMIT 20001
;
-- arg 1: string 'UTC'
-- arg 2: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 3: int64 1772323200 (2026-03-01T00:00:00Z)
