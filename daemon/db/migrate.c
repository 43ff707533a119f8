#include "migrate.h"

#include "log.h"
#include "mem.h"
#include "sql_embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_PREFIX "schema/"
/* pg_advisory_xact_lock key: "rtnd" */
#define MIGRATE_LOCK_KEY "1920234596"

static int file_version(const char *name)
{
    if (strncmp(name, SCHEMA_PREFIX, strlen(SCHEMA_PREFIX)) != 0)
        return 0;
    return atoi(name + strlen(SCHEMA_PREFIX));
}

int migrate_latest(void)
{
    size_t n;
    const struct sql_embed_file *files = sql_embed_files(&n);
    int latest = 0;
    for (size_t i = 0; i < n; i++) {
        int v = file_version(files[i].name);
        latest = v > latest ? v : latest;
    }
    return latest;
}

static const char create_version_table[] = "CREATE SCHEMA IF NOT EXISTS kpi;\n"
                                           "CREATE TABLE IF NOT EXISTS kpi.schema_version (\n"
                                           "    version int PRIMARY KEY,\n"
                                           "    name text NOT NULL,\n"
                                           "    applied_at timestamptz NOT NULL DEFAULT now()\n"
                                           ");\n";

bool migrate_current(struct db *db, int *version)
{
    struct db_result *res = NULL;
    bool ok = false;
    *version = 0;
    if (!db_query(db, "SELECT to_regclass('kpi.schema_version') IS NOT NULL", 0, NULL, &res))
        goto done;
    bool exists = strcmp(db_value(res, 0, 0), "t") == 0;
    db_result_free(res);
    res = NULL;
    if (exists &&
        !db_query(db, "SELECT coalesce(max(version), 0) FROM kpi.schema_version", 0, NULL, &res))
        goto done;
    if (exists)
        *version = atoi(db_value(res, 0, 0));
    ok = true;
done:
    db_result_free(res);
    return ok;
}

/* A transaction under the migrations' lock: two migrating processes never
 * interleave. False (rolled back) when either fails. */
static bool begin_locked(struct db *db)
{
    if (!db_begin(db))
        return false;
    if (db_query(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL))
        return true;
    db_rollback(db);
    return false;
}

/* Ends begin_locked()'s transaction: committed when ok, else rolled back;
 * res (may be NULL) freed. */
static bool end_locked(struct db *db, struct db_result *res, bool ok)
{
    db_result_free(res);
    if (ok)
        return db_commit(db);
    db_rollback(db);
    return false;
}

static bool apply_one(struct db *db, const struct sql_embed_file *f, int version, bool *applied)
{
    char vtext[16];
    snprintf(vtext, sizeof vtext, "%d", version);
    const char *params[] = {vtext, f->name};
    struct db_result *res = NULL;
    *applied = false;
    if (!begin_locked(db))
        return false;
    bool ok = db_exec_script(db, "create kpi.schema_version", create_version_table) &&
              db_query(db, "SELECT 1 FROM kpi.schema_version WHERE version = $1", 1, params, &res);
    if (ok && db_rows(res) == 0) {
        ok = db_exec_script(db, f->name, f->text) &&
             db_query(db, "INSERT INTO kpi.schema_version (version, name) VALUES ($1, $2)", 2,
                      params, NULL);
        *applied = ok;
    }
    return end_locked(db, res, ok);
}

bool migrate_grant(struct db *db)
{
    struct db_result *res = NULL;
    if (!begin_locked(db))
        return false;
    bool ok = db_query(db,
                       "SELECT kpi.grant_daemon(d.role_name) FROM kpi.daemon_role d"
                       " WHERE EXISTS (SELECT FROM pg_roles r WHERE r.rolname = d.role_name)"
                       " ORDER BY d.role_name",
                       0, NULL, &res);
    if (ok && db_rows(res) > 0)
        log_info("msg=\"daemon grants given again\" roles=%d", db_rows(res));
    return end_locked(db, res, ok);
}

static int compare_names(const void *a, const void *b)
{
    const struct sql_embed_file *const *fa = a, *const *fb = b;
    return strcmp((*fa)->name, (*fb)->name);
}

bool migrate_run(struct db *db, int *applied_count)
{
    size_t n;
    const struct sql_embed_file *files = sql_embed_files(&n);
    const struct sql_embed_file **sorted = xcalloc(n, sizeof *sorted);
    size_t m = 0;
    int count = 0;
    bool ok = false;
    for (size_t i = 0; i < n; i++) {
        if (file_version(files[i].name) > 0)
            sorted[m++] = &files[i];
    }
    qsort(sorted, m, sizeof *sorted, compare_names);
    for (size_t i = 0; i < m; i++) {
        bool applied = false;
        int version = file_version(sorted[i]->name);
        if (!apply_one(db, sorted[i], version, &applied))
            goto done;
        if (applied) {
            log_info("msg=\"migration applied\" version=%d file=%s", version, sorted[i]->name);
            count++;
        }
    }
    ok = migrate_grant(db);
done:
    free(sorted);
    if (applied_count)
        *applied_count = count;
    return ok;
}
