-- The alarms of a quarter ($1 its first day, $2 its last): every stretch of
-- consecutive days on which a value (branch, KPI, dim, campaign) was red, in
-- the newest finished run of each day, or of the runs $3 (as
-- api/report_runs.sql takes them).
--
--   raised       the first red day of the stretch
--   carried_in   red on the quarter's first run day and red in the period
--                before it too (previous_status): raised before the quarter
--   cleared      the first run day after the stretch: the value was no
--                longer red (green or excellent, or not judged); NULL: still
--                red at the quarter's last run
--   no_data      that day had no judged value (no row, or no status): the
--                stretch ended without data, not cleared (no data is never
--                green)
--   red_days     the runs of the stretch
--   reason       why it was red on its first day (docs/kpis.md, Alarms)
--
-- Only the red values are read and sorted (gaps and islands: the days of one
-- stretch share day number - its red day number), by byte order.
WITH days AS (
    SELECT run_id, as_of, row_number() OVER (ORDER BY as_of) AS n
    FROM (
        SELECT DISTINCT ON (as_of) run_id, as_of
        FROM kpi.run
        WHERE finished_at IS NOT NULL
          AND as_of BETWEEN $1::date AND $2::date
          AND ($3::bigint[] IS NULL OR run_id = ANY ($3::bigint[]))
        ORDER BY as_of, run_id DESC
    ) newest
),
red AS (
    SELECT v.branch_code COLLATE "C" AS branch_code, v.kpi COLLATE "C" AS kpi,
           v.dim COLLATE "C" AS dim, v.campaign_id, d.n, d.as_of, v.reason,
           v.previous_status,
           d.n - row_number() OVER (PARTITION BY v.branch_code COLLATE "C",
                                                 v.kpi COLLATE "C", v.dim COLLATE "C",
                                                 v.campaign_id
                                    ORDER BY d.n) AS island
    FROM days d
    JOIN kpi.value v USING (run_id)
    WHERE v.status = 'red'
),
stretch AS (
    SELECT branch_code, kpi, dim, campaign_id,
           min(as_of) AS raised,
           coalesce(bool_or(n = 1 AND previous_status = 'red'), false) AS carried_in,
           max(n) AS last_n,
           count(*) AS red_days,
           (array_agg(reason ORDER BY n))[1] AS reason
    FROM red
    GROUP BY branch_code, kpi, dim, campaign_id, island
)
SELECT s.branch_code, s.kpi, s.dim, s.campaign_id::text, s.raised::text,
       s.carried_in::text, (d.dates[s.last_n + 1])::text AS cleared, s.red_days::text, s.reason,
       (d.runs[s.last_n + 1] IS NOT NULL AND after.status IS NULL)::text AS no_data
FROM stretch s
CROSS JOIN (SELECT array_agg(as_of ORDER BY n) AS dates, array_agg(run_id ORDER BY n) AS runs
            FROM days) d
-- the value on the day after the stretch, looked up per stretch in the
-- index on (run_id, kpi, branch_code) (a join of the stretches to that
-- day's values merged on branch and KPI alone, then filtered on the run:
-- 24 s for a quarter of daily runs)
LEFT JOIN LATERAL (
    SELECT a.status
    FROM kpi.value a
    WHERE a.run_id = d.runs[s.last_n + 1]
      AND a.kpi = s.kpi COLLATE "default"
      AND a.branch_code = s.branch_code COLLATE "default"
      AND a.dim IS NOT DISTINCT FROM s.dim COLLATE "default"
      AND a.campaign_id IS NOT DISTINCT FROM s.campaign_id
) after ON true
ORDER BY s.branch_code, s.kpi, s.campaign_id NULLS FIRST, s.dim NULLS FIRST, s.raised
