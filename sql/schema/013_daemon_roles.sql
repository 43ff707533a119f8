-- The roles given the daemon's grants (kpi.grant_daemon): `retentiond
-- migrate` gives them again after its migrations, so that a table a later
-- migration adds is theirs to use without a step by hand (docs/access.md).
CREATE TABLE kpi.daemon_role (
    role_name text PRIMARY KEY,
    granted_at timestamptz NOT NULL DEFAULT now()
);

-- The roles given them before this table: those granted INSERT on the audit
-- log by name (kpi.grant_daemon's mark; its owner holds it as the owner).
INSERT INTO kpi.daemon_role (role_name)
SELECT DISTINCT r.rolname
FROM pg_class c
CROSS JOIN LATERAL aclexplode(c.relacl) a
JOIN pg_roles r ON r.oid = a.grantee
WHERE c.oid = 'kpi.audit_log'::regclass
  AND a.privilege_type = 'INSERT'
  AND a.grantee <> c.relowner;

CREATE OR REPLACE FUNCTION kpi.grant_daemon(role_name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpi.daemon_role VALUES (grant_daemon.role_name)
        ON CONFLICT ON CONSTRAINT daemon_role_pkey DO UPDATE SET granted_at = now();
    EXECUTE format('GRANT USAGE ON SCHEMA dw, kpi TO %I', role_name);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA dw TO %I', role_name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA kpi TO %I',
                   role_name);
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON kpi.audit_log FROM %I', role_name);
    -- which roles get the grants is the owner's to say, not the daemon's
    EXECUTE format('REVOKE ALL ON kpi.daemon_role FROM %I', role_name);
    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA kpi TO %I', role_name);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA kpi TO %I', role_name);
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), role_name);
END
$$;
