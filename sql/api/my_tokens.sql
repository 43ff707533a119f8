-- A user's API tokens, for their account page (GET /api/v1/me/tokens,
-- docs/access.md): one JSON array, newest first, the revoked ones too;
-- never a token or its hash. $1: the user's name.
SELECT coalesce(json_agg(json_build_object(
           'id', t.token_id,
           'created_at', t.created_at,
           'last_used_at', t.last_used_at,
           'revoked_at', t.revoked_at)
         ORDER BY t.token_id DESC), '[]')::text
FROM kpi.api_token t
JOIN kpi.app_user u USING (user_id)
WHERE u.name = $1;
