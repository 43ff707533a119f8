/* `retentiond compute`: computes and stores a run, then prints it as the
 * API serves it (read back into a snapshot, written by views/contract.h),
 * and records it in the audit log (action compute).
 * Asked explicitly, it stores every run; with --if-changed a run identical
 * to the date's newest stored run is not stored, and that run is printed. */
#include "cmd.h"

#include "buf.h"
#include "contract.h"
#include "db.h"
#include "kpi.h"
#include "log.h"
#include "snap_load.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The audit row of a compute asked by hand (a data correction): the date,
 * the run stored (or the stored one it equalled), and the date's newest
 * run before it, which a stored run supersedes (null: none), so that an
 * export reading the new run can be traced to it. */
static bool audit_compute(struct db *db, const char *as_of, const struct kpi_run *run)
{
    struct db_result *res = NULL;
    char id[24];
    snprintf(id, sizeof id, "%lld", run->run_id);
    const char *params[] = {as_of, id};
    if (!db_query(db,
                  "SELECT max(run_id) FROM kpi.run WHERE as_of = $1::date AND run_id < $2::bigint",
                  2, params, &res))
        return false;
    const char *before = db_value(res, 0, 0); /* NULL: the date's first run */
    json_t *row =
        json_pack("{s:s, s:I, s:b, s:o}", "as_of", as_of, "run", (json_int_t)run->run_id, "stored",
                  run->stored, "supersedes",
                  run->stored && before ? json_integer(strtoll(before, NULL, 10)) : json_null());
    db_result_free(res);
    return cmd_audit_change(db, "compute", row);
}

int cmd_compute(const struct cli_args *args)
{
    struct db *db = NULL;
    struct snap *snap = NULL;
    struct buf out = BUF_INIT;
    struct kpi_run run = {0};
    int rc = 1;
    enum kpi_store store = args->if_changed ? KPI_STORE_IF_CHANGED : KPI_STORE_ALWAYS;
    if (!cmd_db(args, &db) || !kpi_compute(db, args->as_of, store, &run))
        goto done; /* errors have been logged already */
    struct snap_filter one = {.run_id = run.run_id};
    if (!snap_build_db(db, 0, NULL, &one, &snap))
        goto done;
    if (snap->nruns != 1) {
        log_error("msg=\"the stored run is not there\" run_id=%lld", run.run_id);
        goto done;
    }
    if (args->format && strcmp(args->format, "table") == 0)
        contract_print_table(snap, snap->runs[0], &out);
    else
        contract_print_json(snap, snap->runs[0], &out);
    fwrite(out.data, 1, out.len, stdout);
    /* the run stands whatever: printed first, then audited (a row that
     * cannot be written says so on stderr, exit 1) */
    rc = fflush(stdout) == 0 && audit_compute(db, args->as_of, &run) ? 0 : 1;
done:
    snap_unref(snap);
    buf_release(&out);
    db_close(db);
    return rc;
}
