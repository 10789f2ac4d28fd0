-- report: billable
-- request: from=2026-02-01&grain=day&limit=25&page=3&period=2026-02-10&priority=high&to=2026-03-01
-- now: 2026-03-18T10:17:00Z
-- drill-down of measure: "billable_hours"

-- live tables: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts)), toString(currency),
  toFloat64(seconds) / 3600
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
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND priority IN ? AND (billable = 1)
ORDER BY ts DESC, tenant, ticket_id, event_id
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- live tables: statement 2 of 2
SELECT count()
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
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND priority IN ? AND (billable = 1)
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts)), toString(currency),
  toFloat64(seconds) / 3600
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_time
      PREWHERE generation = 42 AND ts >= toDateTime(?) AND ts < toDateTime(?) AND priority IN ?
    )
  )
)
WHERE (billable = 1)
ORDER BY ts DESC, tenant, ticket_id, event_id
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42: statement 2 of 2
SELECT count()
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_time
      PREWHERE generation = 42 AND ts >= toDateTime(?) AND ts < toDateTime(?) AND priority IN ?
    )
  )
)
WHERE (billable = 1)
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 2
SELECT tenant, ticket_id, subject, toString(status), toString(priority), toString(severity), agent,
  grp, channel, customer, organisation, toInt64(toUnixTimestamp(created_at)), status_label,
  priority_label, severity_label, toInt64(toUnixTimestamp(ts)), toString(currency),
  toFloat64(seconds) / 3600
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_time
      PREWHERE generation IN (42, 43, 44) AND ts >= toDateTime(?) AND ts < toDateTime(?)
        AND priority IN ?
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
WHERE (billable = 1)
ORDER BY ts DESC, tenant, ticket_id, event_id
LIMIT 50, 25
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')

-- snapshot generation 42 with delta layers 43, 44: statement 2 of 2
SELECT count()
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_time
      PREWHERE generation IN (42, 43, 44) AND ts >= toDateTime(?) AND ts < toDateTime(?)
        AND priority IN ?
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
WHERE (billable = 1)
;
-- arg 1: int64 1770681600 (2026-02-10T00:00:00Z)
-- arg 2: int64 1770768000 (2026-02-11T00:00:00Z)
-- arg 3: reports.Set ('high')
