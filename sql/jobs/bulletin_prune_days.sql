-- The days of a prune of the bulletin archive (daemon/jobs/bulletin_prune.c)
-- at an instant, in the schedule's zone (docs/bulletin.md "The archive").
--   $1  the instant (epoch seconds)
--   $2  daemon.timezone
--   $3  bulletin.keep_days (at least 1)
--   $4  bulletin.send_at (HH:MM)
-- One row: the local date of the instant; the cutoff (that date less $3
-- days: the bulletins of earlier dates are pruned); the schedule's due date
-- (whose failed deliveries the job still tries again).
SELECT local::date::text AS today,
       (local::date - $3::int)::text AS cutoff,
       (CASE WHEN local::time >= $4::time THEN local::date ELSE local::date - 1 END)::text AS due
FROM (SELECT to_timestamp($1::double precision) AT TIME ZONE $2 AS local) t
