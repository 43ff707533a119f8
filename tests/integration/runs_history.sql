-- A year of stored runs for integration-runs-prune, made from the computed
-- run of 2026-11-20 (tests/integration/test_runs_prune.c): one run a day from
-- 2026-01-01 to 2026-11-19 but 2026-02-28 (February's newest run is then the
-- 27th's), stored in date order as a daily compute would. Each is the source
-- run with its values moved by a few percent and the statuses of some red,
-- differently each day, so that reading another day's run shows: a month end
-- keeps every value (the quarterly report reads its figures), another day
-- those of the province and the cities (the report's alarm history).
CREATE TEMP TABLE history_day AS
SELECT d::date AS as_of, (d::date - date '2026-01-01') AS n
FROM generate_series(date '2026-01-01', date '2026-11-19', interval '1 day') d
WHERE d::date <> date '2026-02-28';

INSERT INTO kpi.run (as_of, started_at, finished_at, last_closed_month, newest_usage,
                     newest_cancel, newest_contract, newest_survey, settings)
SELECT h.as_of, h.as_of + time '02:00', h.as_of + time '02:01', r.last_closed_month,
       r.newest_usage, r.newest_cancel, r.newest_contract, r.newest_survey, r.settings
FROM history_day h
CROSS JOIN kpi.run r
WHERE r.as_of = date '2026-11-20'
ORDER BY h.as_of;

INSERT INTO kpi.value
SELECT n.run_id, v.kpi, v.branch_id, v.branch_code, v.dim, v.campaign_id, v.period,
       v.numerator, v.denominator, round(v.value * (1 + (h.n % 7) / 100.0), 6), v.partial,
       CASE WHEN v.status IS NOT NULL AND (h.n + v.branch_id) % 5 = 0 THEN 'red' ELSE v.status END,
       v.reason, v.target_base, v.target_challenge, v.path_base, v.path_challenge,
       v.previous_status
FROM kpi.run n
JOIN history_day h ON h.as_of = n.as_of
CROSS JOIN kpi.run src
JOIN kpi.value v ON v.run_id = src.run_id
JOIN dw.branch b ON b.branch_id = v.branch_id
WHERE src.as_of = date '2026-11-20'
  AND (b.level <= 1 OR n.as_of = (date_trunc('month', n.as_of) + interval '1 month - 1 day')::date);

INSERT INTO kpi.data_quality
SELECT n.run_id, q.rule, q.rows
FROM kpi.run n
JOIN history_day h ON h.as_of = n.as_of
CROSS JOIN kpi.run src
JOIN kpi.data_quality q ON q.run_id = src.run_id
WHERE src.as_of = date '2026-11-20';
