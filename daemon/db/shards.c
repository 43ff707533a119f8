#include "shards.h"

#include "log.h"
#include "migrate.h"
#include "sql_embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shard's schema brought to this binary's, and the tables that will be
 * its partitions present there. */
static bool prepare_shard(const char *conninfo, int k)
{
    struct db *db = NULL;
    struct db_result *res = NULL;
    bool ok = false;
    if (!db_connect(conninfo, 0, &db) || !migrate_run(db, NULL))
        goto done;
    if (!db_query(db,
                  "SELECT string_agg(format('%I.%I', schema_name, table_name), ', ')"
                  " FROM kpi.shard_tables_list()"
                  " WHERE to_regclass(format('%I.%I', schema_name, table_name)) IS NULL"
                  "    OR (SELECT relkind FROM pg_class"
                  "        WHERE oid = to_regclass(format('%I.%I', schema_name, table_name)))"
                  "       <> 'r'",
                  0, NULL, &res))
        goto done;
    if (db_value(res, 0, 0)) {
        log_error("msg=\"shard lacks plain tables\" shard=%d tables=\"%s\" hint=\"create the "
                  "warehouse's tables on every shard first (docs/scaling.md)\"",
                  k, db_value(res, 0, 0));
        goto done;
    }
    ok = true;
done:
    db_result_free(res);
    db_close(db);
    return ok;
}

static bool shard_count(struct db *db, int *count)
{
    struct db_result *res = NULL;
    bool ok = db_query(db, "SELECT kpi.shard_count()", 0, NULL, &res);
    if (ok)
        *count = atoi(db_value(res, 0, 0));
    db_result_free(res);
    return ok;
}

static bool add_servers(struct db *db, const char *const *conninfos, int n)
{
    for (int k = 0; k < n; k++) {
        char *conn = db_conninfo_json(conninfos[k]);
        char ktext[16];
        snprintf(ktext, sizeof ktext, "%d", k);
        const char *params[] = {ktext, conn};
        bool ok =
            conn && db_query(db, "SELECT kpi.shard_server($1::int, $2::jsonb)", 2, params, NULL);
        free(conn);
        if (!ok)
            return false;
    }
    return true;
}

/* Every shard read through its new partition of dw.subscriber (one row
 * asked of each: a count over the parent would fetch every row of a shard
 * that has them, postgres_fdw does not push a partial count down) and
 * through kpi.shard_exec (no task queued), in the same transaction. */
static bool reach_all(struct db *db)
{
    return db_exec_script(db, "reach every shard",
                          "DO $$ DECLARE p regclass; BEGIN"
                          " FOR p IN SELECT inhrelid::regclass FROM pg_inherits"
                          "  WHERE inhparent = 'dw.subscriber'::regclass LOOP"
                          "  EXECUTE format('SELECT 1 FROM %s LIMIT 1', p);"
                          " END LOOP; END $$;"
                          " SELECT count(*) FROM kpi.shard_exec");
}

bool shards_setup(struct db *coordinator, const char *const *conninfos, int n)
{
    int existing = 0;
    char ntext[16];
    snprintf(ntext, sizeof ntext, "%d", n);
    const char *params[] = {ntext};
    for (int k = 0; k < n; k++) {
        if (!prepare_shard(conninfos[k], k))
            return false;
    }
    if (!db_begin(coordinator))
        return false;
    /* the compute's lock (sql/kpi/compute_lock.sql): no run while the tables change */
    if (!db_query(coordinator, sql_embed_get("kpi/compute_lock.sql"), 0, NULL, NULL) ||
        !shard_count(coordinator, &existing))
        goto failed;
    if (existing == n) {
        log_info("msg=\"already sharded\" shards=%d", n);
        return db_commit(coordinator);
    }
    if (existing != 0) {
        log_error("msg=\"already sharded over another number of shards\" shards=%d asked=%d "
                  "hint=\"re-sharding is not supported (docs/scaling.md)\"",
                  existing, n);
        goto failed;
    }
    if (!db_exec_script(coordinator, "postgres_fdw",
                        "CREATE EXTENSION IF NOT EXISTS postgres_fdw") ||
        !add_servers(coordinator, conninfos, n) ||
        !db_query(coordinator, "SELECT kpi.shard_tables($1::int)", 1, params, NULL) ||
        !reach_all(coordinator))
        goto failed;
    if (!db_commit(coordinator))
        return false;
    log_info("msg=\"sharded\" shards=%d", n);
    return true;
failed:
    db_rollback(coordinator);
    return false;
}
