-- Removes stored runs chosen by run_prune_select.sql, in the transaction that
-- chose them under the compute's lock (kpi/compute_lock.sql): each run with
-- its values and data-quality counts (ON DELETE CASCADE), whole or not at
-- all; and the audit row saying so, in the same transaction (no run goes
-- without its row).
--   $1  the run ids (a bigint array)
--   $2  who prunes: the system user (the command) or host:pid (the daemon)
--   $3  the audit row's parameters, a JSON object (the settings; via)
--   $4  the kpi.value rows that go with them (counted when chosen)
-- One row per run removed: its id.
WITH gone AS (
    DELETE FROM kpi.run r
    WHERE r.run_id = ANY ($1::bigint[])
    RETURNING r.run_id, r.as_of
),
audit AS (
    INSERT INTO kpi.audit_log (who, action, params, outcome)
    SELECT $2, 'runs_prune',
           $3::jsonb || jsonb_build_object('runs', jsonb_agg(g.run_id ORDER BY g.run_id),
                                           'first', min(g.as_of)::text,
                                           'last', max(g.as_of)::text,
                                           'values', $4::bigint),
           'ok'
    FROM gone g
    HAVING count(*) > 0
)
SELECT g.run_id::text FROM gone g ORDER BY g.run_id
