-- The data watermark's newest dates in the tables keyed by subscriber: the
-- newest cancellation and contract, the newest usage month after $1 (the
-- last closed month: the BRIN index on month limits the max() to the rows of
-- later, open, months), and whether $1 itself has a row (one row needed,
-- not a read of the whole month). Run where the rows are (kpi.shard_task);
-- watermark_store.sql keeps the newest of the shards'.
SELECT (SELECT max(cancelled_on) FROM dw.subscriber) AS newest_cancel,
       (SELECT max(signed_on) FROM dw.bundle_contract) AS newest_contract,
       coalesce((SELECT max(u.month) FROM dw.monthly_usage u WHERE u.month > $1::date),
                (SELECT u.month FROM dw.monthly_usage u WHERE u.month = $1::date LIMIT 1))
           AS newest_usage
