-- Who may read what (docs/access.md): users with a role and, for a branch
-- manager, a branch whose subtree they see; bearer tokens for machines;
-- sessions, shared by every daemon on this database so that two daemons
-- behind one address serve the same signed-in users and a restart signs
-- nobody out; and the audit log, append-only.
--
-- Secrets are never stored: a password as its argon2id PHC string, a token
-- and a session id as the SHA-256 of their random bytes.

CREATE TABLE kpi.app_user (
    user_id       bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    role          text NOT NULL
                  CHECK (role IN ('executive', 'branch_manager', 'auditor', 'admin')),
    branch_code   text,              -- a branch manager's branch (dw.branch.code)
    email         text CHECK (email IS NULL OR email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    password_hash text,              -- argon2id PHC string; NULL: no password sign-in
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    changed_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'branch_manager') = (branch_code IS NOT NULL))
);

CREATE TABLE kpi.api_token (
    token_id    bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES kpi.app_user ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE, -- hex SHA-256 of the token
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    last_used_at timestamptz
);

CREATE TABLE kpi.session (
    id_hash     text PRIMARY KEY,     -- hex SHA-256 of the session id the cookie carries
    user_id     bigint NOT NULL REFERENCES kpi.app_user ON DELETE CASCADE,
    csrf_token  text NOT NULL,        -- sent with every state-changing request
    created_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,          -- signed out (or the user disabled)
    client_addr text
);
CREATE INDEX session_live ON kpi.session (user_id) WHERE ended_at IS NULL;

-- Every login, failed login, logout, token use, at-risk list download,
-- export, user and token change: who, when, what, with which parameters,
-- from where, and how it ended. Rows are only ever added.
CREATE TABLE kpi.audit_log (
    audit_id    bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    who         text,                 -- the user's name, NULL when unknown
    action      text NOT NULL,        -- login, login_failed, logout, token_use, ...
    params      jsonb NOT NULL DEFAULT '{}',
    client_addr text,
    outcome     text NOT NULL,        -- ok, denied, failed, ...
    detail      text,
    -- the writer's own id of the row: a row replayed from the daemon's
    -- spool after a stop while the database was away is not written twice
    row_key     text UNIQUE
);
CREATE INDEX audit_at ON kpi.audit_log (at);

-- Append-only, whoever asks: no role may change or remove a row (the
-- grants below keep the daemon's role to INSERT and SELECT; the trigger
-- refuses even the table's owner).
CREATE FUNCTION kpi.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kpi.audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON kpi.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION kpi.audit_log_append_only();
REVOKE ALL ON kpi.audit_log FROM PUBLIC;

-- What the daemon's own database role needs, and no more on the audit log:
-- SELECT on the warehouse, the run of the project's schema, INSERT and
-- SELECT on the audit log. `SELECT kpi.grant_daemon('retentiond_daemon')`
-- as the schema's owner (docs/access.md).
CREATE FUNCTION kpi.grant_daemon(role_name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA dw, kpi TO %I', role_name);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA dw TO %I', role_name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA kpi TO %I',
                   role_name);
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON kpi.audit_log FROM %I', role_name);
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA kpi TO %I', role_name);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA kpi TO %I', role_name);
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), role_name);
END
$$;
