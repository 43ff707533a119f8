-- Releases bulletin_prune_lock.sql's lock.
SELECT pg_advisory_unlock(hashtext('retentiond.bulletin.prune'), 0)
