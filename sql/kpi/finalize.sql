-- Targets and alarms, then the run's values. $1 run id, $2 as-of date,
-- $3 step for rates, $4 step for satisfaction scores.
-- Target: the most specific row of kpi.target (a branch over all branches,
-- the value's own dim over '*' = every dim, a period over all periods; periods 'YYYY', 'YYYY-Qn'
-- or 'YYYY-MM' of the as-of date, or the satisfaction month).
-- Previous period: the newest finished run of the day before (K3) or of the
-- calendar month before (the other KPIs); only those two runs' values are
-- read (the index on kpi.value), however many runs are stored.
-- status: red when below base, fallen by more than the step since the
-- previous period, or (K2) a diamond/gold member cancelled; else excellent
-- at or above the challenge target; else green. NULL when no rule applies
-- (zone counts; a KPI without a target and without an alarm rule).
INSERT INTO kpi.value (run_id, kpi, branch_id, branch_code, dim, campaign_id, period, numerator, denominator,
                       value, partial, status, reason, target_base, target_challenge)
WITH previous AS (
    SELECT
        (SELECT run_id FROM kpi.run
         WHERE as_of = $2::date - 1 AND finished_at IS NOT NULL
         ORDER BY run_id DESC LIMIT 1) AS day_run,
        (SELECT run_id FROM kpi.run
         WHERE as_of >= date_trunc('month', $2::date) - interval '1 month'
           AND as_of < date_trunc('month', $2::date) AND finished_at IS NOT NULL
         ORDER BY as_of DESC, run_id DESC LIMIT 1) AS month_run
),
previous_value AS (
    SELECT p.run_id, p.kpi, p.branch_id, p.dim, p.campaign_id, p.value
    FROM kpi.value p
    WHERE p.run_id IN (SELECT day_run FROM previous UNION ALL SELECT month_run FROM previous)
),
judged AS (
    SELECT c.*, t.base, t.challenge, p.value AS previous_value,
           CASE WHEN c.kpi LIKE 'satisfaction%' THEN $4::numeric ELSE $3::numeric END AS step
    FROM pg_temp.calc c
    CROSS JOIN previous
    LEFT JOIN LATERAL (
        SELECT t.base, t.challenge
        FROM kpi.target t
        WHERE t.kpi = c.kpi
          AND (t.dim IS NOT DISTINCT FROM c.dim OR t.dim = '*')
          AND (t.branch_id IS NULL OR t.branch_id = c.branch_id)
          AND (t.period IS NULL
               OR t.period IN (to_char($2::date, 'YYYY'), to_char($2::date, 'YYYY-"Q"Q'),
                               coalesce(c.period, to_char($2::date, 'YYYY-MM'))))
        ORDER BY t.branch_id IS NOT NULL DESC, t.dim IS DISTINCT FROM '*' DESC,
                 length(coalesce(t.period, '')) DESC
        LIMIT 1
    ) t ON true
    LEFT JOIN previous_value p
           ON p.run_id = CASE WHEN c.kpi = 'bundling_coverage' THEN previous.day_run
                              ELSE previous.month_run END
          AND p.kpi = c.kpi AND p.branch_id = c.branch_id
          AND p.dim IS NOT DISTINCT FROM c.dim
          AND p.campaign_id IS NOT DISTINCT FROM c.campaign_id
),
reasons AS (
    SELECT j.*,
           nullif(concat_ws(',',
               CASE WHEN j.value < j.base THEN 'below_base' END,
               CASE WHEN j.previous_value - j.value > j.step THEN 'step_decline' END,
               CASE WHEN j.key_account_loss THEN 'key_account_cancellation' END), '') AS red_reason
    FROM judged j
)
SELECT $1::bigint, r.kpi, r.branch_id, b.code,
       r.dim, r.campaign_id, r.period, r.numerator, r.denominator, r.value,
       r.partial,
       CASE WHEN r.kpi = 'zone_count' THEN NULL
            WHEN r.red_reason IS NOT NULL THEN 'red'
            WHEN r.value >= r.challenge THEN 'excellent'
            WHEN r.base IS NOT NULL OR r.kpi = 'in_network_rate' THEN 'green'
       END,
       CASE WHEN r.kpi = 'zone_count' THEN NULL
            WHEN r.red_reason IS NOT NULL THEN r.red_reason
            WHEN r.value >= r.challenge THEN 'at_or_above_challenge'
       END,
       r.base, r.challenge
FROM reasons r
LEFT JOIN dw.branch b ON b.branch_id = r.branch_id
