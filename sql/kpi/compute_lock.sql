-- The lock that serialises everything that writes the stored runs and the
-- state kept between them: a compute run, a re-freeze (daemon/compute/kpi.c),
-- a prune of the stored runs (daemon/jobs/run_prune.c) and `migrate --shards`
-- (daemon/db/shards.c). Taken inside the writer's transaction and held to
-- its end: a second writer waits.
SELECT pg_advisory_xact_lock(1920234597)
