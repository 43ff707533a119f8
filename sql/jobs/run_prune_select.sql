-- The stored runs a prune removes (docs/kpis.md "Stored runs and their
-- retention"), oldest first, with the bounds of run_prune_bounds.sql:
--   $1  the cutoff of the superseded runs
--   $2  the daily cutoff
--   $3  the first day of the oldest quarter whose daily runs are kept; NULL:
--       every day's newest run is kept
--   $4  at most this many runs (NULL: all)
-- A run goes when it is finished and either
--   superseded  not the newest finished run of its date, dated on or before
--               $1: nothing reads it (the snapshot, the report, a bulletin
--               and the next compute read the newest run of a date); or
--   daily       the newest run of its date but not of its calendar month,
--               in a quarter that ended on or before $2 (a quarter's daily
--               runs go together, never a part: its report reads them all)
--               and began before $3;
-- and nothing names it: a bulletin whose files are still in the archive (a
-- delivery of it may be sent again from its run), an export in the audit
-- log (the runs of a quarterly report an auditor was given). A run of a day
-- whose alarm history a report's PDF read (the export's "days") is not
-- removed as superseded either, so that `audit reproduce` can make that PDF
-- again after the day was computed again; it goes with its day's newest run
-- when the operator's $3 removes that quarter's daily runs. The newest run
-- of each month (a month end: the report's figures, the snapshot's monthly
-- series, the previous month a compute reads) and the newest run on or
-- before $2 (the previous day of the first day a snapshot shows, which a
-- compute of that day reads) are never daily candidates.
-- One row per run: its id, date, why it goes, and its kpi.value rows.
WITH finished AS (
    SELECT r.run_id, r.as_of,
           row_number() OVER (PARTITION BY r.as_of ORDER BY r.run_id DESC) AS nth
    FROM kpi.run r
    WHERE r.finished_at IS NOT NULL
),
month_newest AS (
    SELECT DISTINCT ON (date_trunc('month', f.as_of)) f.run_id
    FROM finished f
    WHERE f.nth = 1
    ORDER BY date_trunc('month', f.as_of), f.as_of DESC
),
state AS (
    SELECT f.run_id
    FROM finished f
    WHERE f.nth = 1 AND f.as_of <= $2::date
    ORDER BY f.as_of DESC
    LIMIT 1
),
named AS (
    SELECT b.run_id FROM kpi.bulletin b WHERE b.pruned_at IS NULL
    UNION
    SELECT e.id::bigint
    FROM kpi.audit_log a
    CROSS JOIN LATERAL jsonb_array_elements_text(a.params->'runs') AS e(id)
    WHERE a.action = 'export' AND jsonb_typeof(a.params->'runs') = 'array'
      AND e.id ~ '^[0-9]{1,18}$'
),
named_days AS (
    SELECT e.id::bigint AS run_id
    FROM kpi.audit_log a
    CROSS JOIN LATERAL jsonb_array_elements_text(a.params->'days') AS e(id)
    WHERE a.action = 'export' AND jsonb_typeof(a.params->'days') = 'array'
      AND e.id ~ '^[0-9]{1,18}$'
    UNION
    -- a PDF exported before exports recorded their days: the newest run of
    -- each day of its quarter that had finished at its time, the runs
    -- `audit reproduce` reads for it (api/report_runs_at.sql)
    SELECT t.run_id
    FROM kpi.audit_log a
    CROSS JOIN LATERAL (
        SELECT CASE WHEN a.params->>'quarter' ~ '^[0-9]{4}Q[1-4]$'
                    THEN make_date(left(a.params->>'quarter', 4)::int,
                                   right(a.params->>'quarter', 1)::int * 3 - 2, 1)
               END AS first
    ) q
    CROSS JOIN LATERAL (
        SELECT DISTINCT ON (r.as_of) r.run_id
        FROM kpi.run r
        WHERE r.finished_at IS NOT NULL
          AND r.finished_at <= a.at
          AND r.as_of BETWEEN q.first AND (q.first + interval '3 months - 1 day')::date
        ORDER BY r.as_of, r.run_id DESC
    ) t
    WHERE a.action = 'export' AND a.outcome = 'ok'
      AND a.params->>'kind' = 'report' AND a.params->>'format' = 'pdf'
      AND a.params->'days' IS NULL
      AND a.params->>'quarter' ~ '^[0-9]{4}Q[1-4]$'
),
daily AS (
    SELECT f.run_id, f.as_of
    FROM finished f
    WHERE f.nth = 1 AND $3::date IS NOT NULL
      AND f.as_of < $3::date
      AND (date_trunc('quarter', f.as_of) + interval '3 months - 1 day')::date <= $2::date
      AND f.run_id NOT IN (SELECT run_id FROM month_newest)
      AND f.run_id NOT IN (SELECT run_id FROM state)
      AND f.run_id NOT IN (SELECT run_id FROM named)
),
going AS (
    SELECT f.run_id, f.as_of, CASE WHEN f.nth > 1 THEN 'superseded' ELSE 'daily' END AS why
    FROM finished f
    WHERE (   (f.nth > 1 AND f.as_of <= $1::date
               AND (   f.run_id NOT IN (SELECT run_id FROM named_days)
                    OR f.as_of IN (SELECT as_of FROM daily)))
           OR f.run_id IN (SELECT run_id FROM daily))
      AND f.run_id NOT IN (SELECT run_id FROM named)
    ORDER BY f.as_of, f.run_id
    LIMIT $4::bigint
),
-- (the values counted in one grouped pass for all of them: a count per run
-- planned on stale statistics scanned the whole table once a run, 5 s for
-- 195 runs of 3,000 subscribers)
counted AS (
    SELECT v.run_id, count(*) AS n
    FROM kpi.value v
    WHERE v.run_id IN (SELECT run_id FROM going)
    GROUP BY v.run_id
)
SELECT g.run_id::text, g.as_of::text, g.why, coalesce(c.n, 0)::text AS values
FROM going g
LEFT JOIN counted c USING (run_id)
ORDER BY g.as_of, g.run_id
