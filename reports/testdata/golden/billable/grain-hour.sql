-- report: billable
-- request: from=2026-02-01&grain=hour&to=2026-03-01
-- now: 2026-03-18T10:17:00Z

-- live tables: statement 1 of 1
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(currency) AS k1,
  toFloat64(count()) AS m0, toFloat64(sum(seconds) / 3600) AS m1,
  toFloat64(sumIf(seconds, billable = 1) / 3600) AS m2,
  toFloat64(sumIf(seconds / 3600 * rate, billable = 1 AND has_rate = 1)) AS m3
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

-- snapshot generation 42: statement 1 of 1
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(currency) AS k1,
  toFloat64(count()) AS m0, toFloat64(sum(seconds) / 3600) AS m1,
  toFloat64(sumIf(seconds, billable = 1) / 3600) AS m2,
  toFloat64(sumIf(seconds / 3600 * rate, billable = 1 AND has_rate = 1)) AS m3
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

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 1
SELECT toString(toUnixTimestamp(toStartOfHour(ts, ?))) AS k0, toString(currency) AS k1,
  toFloat64(count()) AS m0, toFloat64(sum(seconds) / 3600) AS m1,
  toFloat64(sumIf(seconds, billable = 1) / 3600) AS m2,
  toFloat64(sumIf(seconds / 3600 * rate, billable = 1 AND has_rate = 1)) AS m3
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
