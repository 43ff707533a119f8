-- The sharded mode (docs/scaling.md). `retentiond migrate --shards
-- CONNINFO...` calls these on the coordinator, in one transaction, after
-- the shards have the same schema: kpi.shard_server once per shard, then
-- kpi.shard_tables once. They may also be called by hand, as superuser.
--
-- The tables keyed by subscriber, the warehouse's and retentiond's own
-- state, become tables partitioned by HASH (sub_id), one foreign partition
-- per shard (postgres_fdw), each reading the table of the same name on its
-- shard: every per-subscriber join is then between partitions on the same
-- shard. The small tables stay on the coordinator.

-- The tables that are partitioned, in the order they are converted.
CREATE FUNCTION kpi.shard_tables_list() RETURNS TABLE (schema_name text, table_name text)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('dw', 'subscriber'), ('dw', 'monthly_usage'), ('dw', 'vip_membership'),
           ('dw', 'bundle_target'), ('dw', 'bundle_contract'),
           ('kpi', 'cohort_member'), ('kpi', 'vip_member'), ('kpi', 'zone_member'),
           ('kpi', 'campaign_target')
$$;

-- The shards this coordinator has (0 = not sharded).
CREATE FUNCTION kpi.shard_count() RETURNS int LANGUAGE sql STABLE AS $$
    SELECT count(*)::int FROM pg_foreign_server WHERE srvname LIKE 'retentiond\_shard\_%'
$$;

-- Shard K (0-based) as a postgres_fdw server retentiond_shard_K: conn holds
-- the libpq connection options (host, port, dbname, sslmode, ...); user
-- and password go to a user mapping for PUBLIC (every role of the
-- coordinator reaches the shard as that user).
CREATE FUNCTION kpi.shard_server(k int, conn jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    srv  text := 'retentiond_shard_' || k;
    opts text;
    umap text;
BEGIN
    SELECT string_agg(format('%I %L', key, value), ', ') INTO opts
    FROM jsonb_each_text(conn) WHERE key NOT IN ('user', 'password');
    -- async_capable: the shards scanned at once; fetch_size, batch_size:
    -- fewer round trips; use_remote_estimate: joins between partitions of
    -- one shard are planned with the shard's statistics (and pushed down)
    EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw OPTIONS (%s)', srv,
                   concat_ws(', ', opts, 'async_capable ''true''', 'fetch_size ''10000''',
                             'batch_size ''1000''', 'use_remote_estimate ''true'''));
    SELECT string_agg(format('%I %L', key, value), ', ') INTO umap
    FROM jsonb_each_text(conn) WHERE key IN ('user', 'password');
    EXECUTE format('CREATE USER MAPPING FOR PUBLIC SERVER %I%s', srv,
                   coalesce(' OPTIONS (' || umap || ')', ''));
END $$;

-- Converts each table of kpi.shard_tables_list() into a table partitioned
-- by HASH (sub_id) with n foreign partitions (T_s0 .. on retentiond_shard_0
-- ..), keeping its columns, defaults, constraints and grants. The tables
-- must be empty: nothing is moved (load the warehouse after this).
CREATE FUNCTION kpi.shard_tables(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t     record;
    g     record;
    k     int;
    local text;
    has   boolean;
BEGIN
    IF n < 1 OR n <> kpi.shard_count() THEN
        RAISE EXCEPTION 'shard_tables: % shards asked, % servers defined', n, kpi.shard_count();
    END IF;
    FOR t IN SELECT * FROM kpi.shard_tables_list() LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', t.schema_name, t.table_name) INTO has;
        IF has THEN
            RAISE EXCEPTION '%.% has rows: sharding moves no data (load it after migrate --shards)',
                t.schema_name, t.table_name;
        END IF;
        local := t.table_name || '_unsharded';
        EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', t.schema_name, t.table_name, local);
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                       ' PARTITION BY HASH (sub_id)', t.schema_name, t.table_name,
                       t.schema_name, local);
        FOR k IN 0 .. n - 1 LOOP
            EXECUTE format('CREATE FOREIGN TABLE %I.%I PARTITION OF %I.%I'
                           ' FOR VALUES WITH (MODULUS %s, REMAINDER %s)'
                           ' SERVER %I OPTIONS (schema_name %L, table_name %L)',
                           t.schema_name, t.table_name || '_s' || k, t.schema_name, t.table_name,
                           n, k, 'retentiond_shard_' || k, t.schema_name, t.table_name);
        END LOOP;
        -- the grants of the table it replaces, on the parent and its partitions
        FOR g IN SELECT a.grantee::regrole::text AS grantee, a.privilege_type
                 FROM pg_class c, aclexplode(c.relacl) a
                 WHERE c.oid = format('%I.%I', t.schema_name, local)::regclass
                   AND a.grantee <> 0 AND a.grantee <> c.relowner LOOP
            EXECUTE format('GRANT %s ON %I.%I TO %s', g.privilege_type, t.schema_name,
                           t.table_name, g.grantee);
            FOR k IN 0 .. n - 1 LOOP
                EXECUTE format('GRANT %s ON %I.%I TO %s', g.privilege_type, t.schema_name,
                               t.table_name || '_s' || k, g.grantee);
            END LOOP;
        END LOOP;
        EXECUTE format('DROP TABLE %I.%I', t.schema_name, local);
    END LOOP;
END $$;
