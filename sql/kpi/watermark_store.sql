-- The data watermark of run $1: the last closed month at the run's date ($2,
-- NULL if none), and the newest dates seen in the source tables (the newest
-- of the shards' rows of watermark.sql through pg_temp.shard_rows; the
-- surveys are on the coordinator).
WITH part AS (
    SELECT (row->>'newest_cancel')::date AS newest_cancel,
           (row->>'newest_contract')::date AS newest_contract,
           (row->>'newest_usage')::date AS newest_usage
    FROM pg_temp.shard_rows
)
UPDATE kpi.run r
SET last_closed_month = $2::date,
    newest_usage = (SELECT max(newest_usage) FROM part),
    newest_cancel = (SELECT max(newest_cancel) FROM part),
    newest_contract = (SELECT max(newest_contract) FROM part),
    newest_survey = (SELECT max(surveyed_on) FROM dw.survey_response),
    finished_at = clock_timestamp()
WHERE r.run_id = $1::bigint
