-- The users, for the administrators' page (GET /api/v1/users,
-- docs/access.md): one JSON array, by name. `sessions` counts the sessions
-- not signed out (some may have expired meanwhile), `last_seen` is the
-- newest use of any of them, `tokens` the tokens not revoked.
SELECT coalesce(json_agg(json_build_object(
           'name', u.name,
           'role', u.role,
           'branch', u.branch_code,
           'branch_name', b.name,
           'email', u.email,
           'disabled', u.disabled,
           'must_change', u.must_change,
           'sessions', (SELECT count(*) FROM kpi.session s
                         WHERE s.user_id = u.user_id AND s.ended_at IS NULL),
           'last_seen', (SELECT max(s.last_seen) FROM kpi.session s WHERE s.user_id = u.user_id),
           'tokens', (SELECT count(*) FROM kpi.api_token t
                       WHERE t.user_id = u.user_id AND t.revoked_at IS NULL),
           'created_at', u.created_at,
           'changed_at', u.changed_at)
         ORDER BY u.name), '[]')::text
FROM kpi.app_user u
LEFT JOIN dw.branch b ON b.code = u.branch_code;
