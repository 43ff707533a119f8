-- Whoever prunes the bulletin archive holds this session lock: a second
-- daemon (or `retentiond bulletin prune`) finds it taken and prunes nothing.
-- Its own key, apart from the generation's per-date locks
-- (hashtext('retentiond.bulletin'), hashtext(DATE)). One row: whether it was
-- taken. Released by bulletin_prune_unlock.sql, or when the session ends.
SELECT pg_try_advisory_lock(hashtext('retentiond.bulletin.prune'), 0)
