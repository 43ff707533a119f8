-- A user's API tokens, for their account page (GET /api/v1/me/tokens) and
-- the administrators' (GET /api/v1/users/NAME/tokens), docs/access.md: one
-- JSON array, newest first, the revoked ones too; never a token or its
-- hash. No row when there is no such user. $1: the user's name.
SELECT (SELECT coalesce(json_agg(json_build_object(
                   'id', t.token_id,
                   'created_at', t.created_at,
                   'last_used_at', t.last_used_at,
                   'revoked_at', t.revoked_at)
                 ORDER BY t.token_id DESC), '[]')
        FROM kpi.api_token t
        WHERE t.user_id = u.user_id)::text
FROM kpi.app_user u
WHERE u.name = $1;
