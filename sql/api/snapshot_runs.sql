-- The runs a daemon snapshot holds. A run is final once finished; of several
-- runs of one as-of date only the newest counts. Kept: every date within
-- $1 days of the newest date (daily series, day-on-day comparisons), and
-- for the 24 months before, the newest run of each calendar month (monthly
-- series, month-on-month comparisons); and the month ends' runs from $2 to
-- $3 (dates, NULL: none: an old quarter's for its report). Oldest first,
-- with each run's data watermark and K5's thresholds (its settings).
WITH latest AS (
    SELECT DISTINCT ON (as_of) run_id, as_of
    FROM kpi.run
    WHERE finished_at IS NOT NULL
    ORDER BY as_of, run_id DESC
),
newest AS (
    SELECT max(as_of) AS as_of FROM latest
),
month_ends AS (
    SELECT DISTINCT ON (date_trunc('month', l.as_of)) l.run_id
    FROM latest l, newest n
    WHERE l.as_of > n.as_of - interval '25 months'
    ORDER BY date_trunc('month', l.as_of), l.as_of DESC
)
SELECT l.run_id::text, l.as_of::text, r.last_closed_month::text, r.newest_usage::text,
       r.newest_cancel::text, r.newest_contract::text, r.newest_survey::text,
       r.settings->>'k5_bill_a', r.settings->>'k5_minutes_b', r.settings->>'k5_minutes_c'
FROM latest l JOIN kpi.run r USING (run_id), newest n
WHERE l.as_of > n.as_of - $1::int
   OR l.run_id IN (SELECT run_id FROM month_ends)
   OR (l.as_of BETWEEN $2::date AND $3::date
       AND l.as_of = (date_trunc('month', l.as_of) + interval '1 month - 1 day')::date)
ORDER BY l.as_of
