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

-- Steps run where the rows are (docs/scaling.md, "Steps on the shards"). A
-- step's statement that reads only the tables keyed by subscriber (and its
-- parameters) is queued in kpi.shard_task, once per shard, and run by
-- reading kpi.shard_exec: each shard runs its tasks on its own rows, all
-- shards at once, and returns each row of the result as jsonb, which the
-- step's next statement combines. On one server it all happens here (one
-- shard, 0); on a sharded coordinator, kpi.shard_task is partitioned by
-- shard and kpi.shard_exec reads every shard's (kpi.shard_tables).
CREATE TABLE kpi.shard_task (
    shard  int NOT NULL,
    -- the statements, each ended by a line of its own holding ";" (the
    -- last one's rows are the result); $1..$6 are the parameters, as text
    script text NOT NULL,
    params text[] NOT NULL
);

-- Runs (and removes) the tasks queued here in this transaction: the rows of
-- each one's last statement (a query) as jsonb. A statement with parameters
-- is prepared (kpi.shard_prepare) so that each $n takes the type it is cast
-- to ($1::date[]) as when the daemon runs it, and executed with the values
-- as literals: the planner sees constants (a text parameter cast in the
-- statement would be converted again for every row). The last statement's
-- rows go through a temporary table (a prepared statement cannot be a
-- cursor).
CREATE FUNCTION kpi.shard_run() RETURNS SETOF jsonb LANGUAGE plpgsql AS $$
DECLARE
    t     record;
    parts text[];
    call  text;
BEGIN
    FOR t IN DELETE FROM kpi.shard_task RETURNING script, params LOOP
        parts := regexp_split_to_array(t.script, '\n;\n');
        FOR i IN 1 .. cardinality(parts) LOOP
            call := kpi.shard_prepare(parts[i], t.params);
            IF i < cardinality(parts) THEN
                EXECUTE call;
            ELSE
                EXECUTE 'CREATE TEMP TABLE retentiond_shard_out ON COMMIT DROP AS ' || call;
                RETURN QUERY SELECT to_jsonb(o) FROM pg_temp.retentiond_shard_out o;
                DROP TABLE pg_temp.retentiond_shard_out;
            END IF;
            IF call LIKE 'EXECUTE retentiond_shard_step%' THEN
                DEALLOCATE retentiond_shard_step;
            END IF;
        END LOOP;
    END LOOP;
END $$;

-- The statement to run for one statement of a task: itself when it has no
-- parameter ($n outside its comment lines), else the EXECUTE of it
-- prepared as retentiond_shard_step with the parameters, quoted: the ones
-- it uses declared unknown (typed by their casts), the others text.
CREATE FUNCTION kpi.shard_prepare(statement text, params text[]) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    code  text := regexp_replace(statement, '--[^\n]*', '', 'g');
    used  int[];
    types text;
    args  text;
BEGIN
    SELECT array_agg(DISTINCT m[1]::int) INTO used
    FROM regexp_matches(code, '\$([0-9]+)', 'g') AS m;
    IF used IS NULL THEN
        RETURN statement;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = 'retentiond_shard_step') THEN
        DEALLOCATE retentiond_shard_step;  -- left by a task that failed in this session
    END IF;
    SELECT string_agg(CASE WHEN k = ANY (used) THEN 'unknown' ELSE 'text' END, ', ' ORDER BY k),
           string_agg(quote_nullable(params[k]), ', ' ORDER BY k)
    INTO types, args
    FROM generate_series(1, (SELECT max(u) FROM unnest(used) u)) k;
    EXECUTE format('PREPARE retentiond_shard_step(%s) AS %s', types, statement);
    RETURN format('EXECUTE retentiond_shard_step(%s)', args);
END $$;

CREATE VIEW kpi.shard_exec AS SELECT r AS row FROM kpi.shard_run() r;

-- The grants of table `old` given again on `target` (a table or view).
CREATE FUNCTION kpi.shard_grant_like(old regclass, target text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT a.grantee::regrole::text AS grantee, a.privilege_type
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid = old AND a.grantee <> 0 AND a.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON %s TO %s', g.privilege_type, target, g.grantee);
    END LOOP;
END $$;

-- Converts each table of kpi.shard_tables_list() into a table partitioned
-- by HASH (sub_id) with n foreign partitions (T_s0 .. on retentiond_shard_0
-- ..), keeping its columns, defaults, constraints and grants; kpi.shard_task
-- into one partitioned by LIST (shard), shard k's partition its
-- kpi.shard_task; and kpi.shard_exec into a view of every shard's (scanned
-- at once). The tables must be empty: nothing is moved (load the warehouse
-- after this).
CREATE FUNCTION kpi.shard_tables(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t      record;
    k      int;
    local  text;
    has    boolean;
    part   text;
    parts  text[] := '{}';
BEGIN
    IF n < 1 OR n <> kpi.shard_count() THEN
        RAISE EXCEPTION 'shard_tables: % shards asked, % servers defined', n, kpi.shard_count();
    END IF;
    FOR t IN SELECT *, 'HASH (sub_id)' AS method FROM kpi.shard_tables_list()
             UNION ALL SELECT 'kpi', 'shard_task', 'LIST (shard)' LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', t.schema_name, t.table_name) INTO has;
        IF has THEN
            RAISE EXCEPTION '%.% has rows: sharding moves no data (load it after migrate --shards)',
                t.schema_name, t.table_name;
        END IF;
        local := t.table_name || '_unsharded';
        EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', t.schema_name, t.table_name, local);
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                       ' PARTITION BY %s', t.schema_name, t.table_name, t.schema_name, local,
                       t.method);
        PERFORM kpi.shard_grant_like(format('%I.%I', t.schema_name, local)::regclass,
                                     format('%I.%I', t.schema_name, t.table_name));
        FOR k IN 0 .. n - 1 LOOP
            part := format('%I.%I', t.schema_name, t.table_name || '_s' || k);
            EXECUTE format('CREATE FOREIGN TABLE %s PARTITION OF %I.%I %s'
                           ' SERVER %I OPTIONS (schema_name %L, table_name %L)',
                           part, t.schema_name, t.table_name,
                           CASE WHEN t.method = 'LIST (shard)' THEN format('FOR VALUES IN (%s)', k)
                                ELSE format('FOR VALUES WITH (MODULUS %s, REMAINDER %s)', n, k) END,
                           'retentiond_shard_' || k, t.schema_name, t.table_name);
            PERFORM kpi.shard_grant_like(format('%I.%I', t.schema_name, local)::regclass, part);
        END LOOP;
        EXECUTE format('DROP TABLE %I.%I', t.schema_name, local);
    END LOOP;
    FOR k IN 0 .. n - 1 LOOP
        part := format('kpi.shard_exec_s%s', k);
        EXECUTE format('CREATE FOREIGN TABLE %s (row jsonb) SERVER %I'
                       ' OPTIONS (schema_name %L, table_name %L)',
                       part, 'retentiond_shard_' || k, 'kpi', 'shard_exec');
        PERFORM kpi.shard_grant_like('kpi.shard_exec'::regclass, part);
        parts := parts || format('SELECT row FROM %s', part);
    END LOOP;
    EXECUTE 'CREATE OR REPLACE VIEW kpi.shard_exec AS ' || array_to_string(parts, ' UNION ALL ');
END $$;
