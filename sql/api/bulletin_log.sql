-- The bulletin archive and its deliveries, newest first: GET /api/v1/bulletins
-- and `retentiond bulletin log` (docs/bulletin.md).
--   $1  a date, or NULL for every date
--   $2  the branch codes the reader may see (text[]), or NULL for every branch
--   $3  at most this many bulletins
--   $4  true: the archive's internals too (path, generated_by, claimed_by: a
--       host, a process, a file), for administrators, auditors and the
--       command; false: those null (executives and branch managers)
-- One row, one column: a JSON array, one object per (date, branch, version).
SELECT coalesce(json_agg(x ORDER BY x.date DESC, x.branch, x.version DESC), '[]')::text
FROM (
    SELECT b.as_of AS date,
           b.branch_code AS branch,
           b.version,
           b.run_id AS run,
           b.data_as_of,
           b.lang,
           CASE WHEN $4::bool THEN b.path END AS path,
           json_build_object('html', b.html_sha256, 'pdf', b.pdf_sha256,
                             'png', b.png_sha256) AS sha256,
           json_build_object('html', b.html_bytes, 'pdf', b.pdf_bytes,
                             'png', b.png_bytes) AS bytes,
           b.generated_at,
           CASE WHEN $4::bool THEN b.generated_by END AS generated_by,
           b.mailed,
           b.pruned_at,
           coalesce((SELECT json_agg(json_build_object(
                                'address', d.address,
                                'user', d.user_name,
                                'status', d.status,
                                'attempts', d.attempts,
                                'claimed_by', CASE WHEN $4::bool THEN d.claimed_by END,
                                'claimed_at', d.claimed_at,
                                'sent_at', d.sent_at,
                                'pdf_linked', d.pdf_linked,
                                'smtp_reply', d.smtp_reply,
                                'error', d.error,
                                'message_id', d.message_id)
                            ORDER BY d.address)
                     FROM kpi.bulletin_delivery d
                     WHERE d.bulletin_id = b.bulletin_id), '[]') AS deliveries
    FROM kpi.bulletin b
    WHERE ($1::date IS NULL OR b.as_of = $1::date)
      AND ($2::text[] IS NULL OR b.branch_code = ANY ($2::text[]))
    ORDER BY b.as_of DESC, b.branch_code, b.version DESC
    LIMIT $3::int
) x
