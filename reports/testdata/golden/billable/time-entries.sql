-- report: billable
-- request: currency=EUR&from=2026-02-01&to=2026-03-01
-- now: 2026-03-18T10:17:00Z
-- scope: tenants ["acme" "globex"], groups ["billing"]
-- the finance workbook's time entries

-- live tables: statement 1 of 1
SELECT toInt64(toUnixTimestamp(ts)), tenant, customer, organisation, ticket_id, agent, grp, seconds,
  billable, has_rate, rate, currency
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
WHERE ts >= toDateTime(?) AND ts < toDateTime(?) AND has(?, tenant) AND has(?, grp)
  AND currency IN ?
ORDER BY ts, tenant, ticket_id, event_id
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('EUR')

-- snapshot generation 42: statement 1 of 1
SELECT toInt64(toUnixTimestamp(ts)), tenant, customer, organisation, ticket_id, agent, grp, seconds,
  billable, has_rate, rate, currency
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_time
      PREWHERE generation = 42 AND ts >= toDateTime(?) AND ts < toDateTime(?) AND has(?, tenant)
        AND has(?, grp) AND currency IN ?
    )
  )
)
ORDER BY ts, tenant, ticket_id, event_id
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('EUR')

-- snapshot generation 42 with delta layers 43, 44: statement 1 of 1
SELECT toInt64(toUnixTimestamp(ts)), tenant, customer, organisation, ticket_id, agent, grp, seconds,
  billable, has_rate, rate, currency
FROM (
  SELECT *, toDateTime(1773829020) AS now_ts
  FROM (
    SELECT *
    FROM (
      SELECT *
      FROM slate.snapshot_time
      PREWHERE generation IN (42, 43, 44) AND ts >= toDateTime(?) AND ts < toDateTime(?)
        AND has(?, tenant) AND has(?, grp) AND currency IN ?
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
ORDER BY ts, tenant, ticket_id, event_id
;
-- arg 1: int64 1769904000 (2026-02-01T00:00:00Z)
-- arg 2: int64 1772323200 (2026-03-01T00:00:00Z)
-- arg 3: []string ['acme', 'globex']
-- arg 4: []string ['billing']
-- arg 5: reports.Set ('EUR')
