-- K5 zone cache: drops the zones of year $1 stored for month $2 (M) when
-- they were taken with other thresholds than A = $3, B = $4, C = $5, so that
-- k5_zones_take.sql takes them again with the current settings.
WITH stale AS (
    DELETE FROM kpi.zone_month z
    WHERE z.year = $1::int AND z.month = $2::date
      AND (z.bill_a, z.minutes_b, z.minutes_c)
          IS DISTINCT FROM ($3::numeric, $4::numeric, $5::numeric)
    RETURNING z.year, z.month
),
-- a data-modifying CTE always runs, whether or not it is referenced
members AS (
    DELETE FROM kpi.zone_member zm USING stale s WHERE zm.year = s.year AND zm.month = s.month
)
DELETE FROM kpi.zone_count zc USING stale s WHERE zc.year = s.year AND zc.month = s.month
