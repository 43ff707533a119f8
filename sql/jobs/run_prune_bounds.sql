-- The bounds of a prune of the stored compute runs (daemon/jobs/run_prune.c,
-- docs/kpis.md "Stored runs and their retention"), counted back from the
-- newest finished run's date, as the daemon's snapshot counts its history
-- (api/snapshot_runs.sql):
--   $1  runs.keep_days (at least 1)
--   $2  daemon.history_days
--   $3  runs.report_quarters (0: every day's newest run is kept for ever)
-- One row, or none without a finished run: the newest date; the cutoff of
-- the superseded runs (a run of a date on or before it that is not its
-- date's newest may go); the daily cutoff (the newest date less the longer
-- of $1 and $2: the snapshot never holds a daily run on or before it); and
-- the first day of the oldest quarter whose daily runs are kept for its
-- report, NULL when they all are ($3 = 0).
SELECT n.as_of::text AS newest,
       (n.as_of - $1::int)::text AS cutoff,
       (n.as_of - greatest($1::int, $2::int))::text AS daily_cutoff,
       CASE WHEN $3::int > 0 THEN
           (date_trunc('quarter', n.as_of) - make_interval(months => 3 * ($3::int - 1)))::date::text
       END AS quarters_from
FROM (SELECT max(as_of) AS as_of FROM kpi.run WHERE finished_at IS NOT NULL) n
WHERE n.as_of IS NOT NULL
