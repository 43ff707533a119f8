-- Whether run $1, just computed and not stored yet, says nothing that run $2,
-- the newest stored run of its date (run_kept.sql), does not say already
-- (docs/kpis.md, "A recompute that changes nothing"). Compared, exactly:
--   values            every row, every column but run_id: KPI, branch (id and
--                     code), dim, campaign, period, numerator, denominator,
--                     value, partial, status, reason, targets, path points,
--                     previous status (run $1's staged in pg_temp.stage_value,
--                     run $2's in kpi.value);
--   data quality      every rule with its row count (pg_temp.stage_data_quality,
--                     kpi.data_quality);
--   kpi.run           every column but the id and the times: the date, the
--                     data watermark and the settings the run was judged with.
-- A row is compared as its text with the run id (and times) set to NULL:
-- every column, a number as it is stored and shown (0.77 and 0.770 differ),
-- NULL apart from '', and a column added to these tables later without a
-- change here. The two runs' rows are compared as multisets, EXCEPT ALL both
-- ways: a row twice in one run and once in the other differs.
-- Returns true (t) when everything is identical.
WITH new_value AS (
    SELECT jsonb_populate_record(v, '{"run_id": null}')::text AS row
    FROM pg_temp.stage_value v
),
kept_value AS (
    SELECT jsonb_populate_record(v, '{"run_id": null}')::text AS row
    FROM kpi.value v
    WHERE v.run_id = $2::bigint
),
new_quality AS (
    SELECT jsonb_populate_record(q, '{"run_id": null}')::text AS row
    FROM pg_temp.stage_data_quality q
),
kept_quality AS (
    SELECT jsonb_populate_record(q, '{"run_id": null}')::text AS row
    FROM kpi.data_quality q
    WHERE q.run_id = $2::bigint
),
run_row AS (
    SELECT r.run_id,
           jsonb_populate_record(r, '{"run_id": null, "started_at": null, "finished_at": null}')::text
               AS row
    FROM kpi.run r
    WHERE r.run_id IN ($1::bigint, $2::bigint)
)
SELECT ((SELECT row FROM run_row WHERE run_id = $1::bigint)
        = (SELECT row FROM run_row WHERE run_id = $2::bigint)
        AND NOT EXISTS (SELECT row FROM new_value EXCEPT ALL SELECT row FROM kept_value)
        AND NOT EXISTS (SELECT row FROM kept_value EXCEPT ALL SELECT row FROM new_value)
        AND NOT EXISTS (SELECT row FROM new_quality EXCEPT ALL SELECT row FROM kept_quality)
        AND NOT EXISTS (SELECT row FROM kept_quality EXCEPT ALL SELECT row FROM new_quality)
       ) IS TRUE
