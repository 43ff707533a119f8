-- Whether a run dated $1 would be more than a year after its warehouse's
-- newest data, as the newest stored run's watermark knows it: a typo such
-- as 2030 for 2026, whose run would become the newest of every page and
-- bulletin. No row without a run yet, NULL (false) without a watermark. A
-- year, as a K1 or K2 path may be judged at a year's end months after the
-- last cancellation. The newest data date too, for the message.
WITH newest AS (
    SELECT greatest(r.newest_usage + interval '1 month' - interval '1 day', r.newest_cancel,
                    r.newest_contract, r.newest_survey)::date AS data
    FROM kpi.run r
    WHERE r.finished_at IS NOT NULL
    ORDER BY r.run_id DESC
    LIMIT 1
)
SELECT ($1::date > data + 366)::text, data::text
FROM newest
