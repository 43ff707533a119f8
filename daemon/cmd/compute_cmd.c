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

/* The date's newest stored run before the compute (0: none), which a
 * stored run supersedes; -1 on a database failure (logged). */
static long long newest_run(struct db *db, const char *as_of)
{
    struct db_result *res = NULL;
    const char *params[] = {as_of};
    if (!db_query(db, "SELECT coalesce(max(run_id), 0) FROM kpi.run WHERE as_of = $1::date", 1,
                  params, &res))
        return -1;
    long long id = strtoll(db_value(res, 0, 0), NULL, 10);
    db_result_free(res);
    return id;
}

/* The audit row of a compute asked by hand (a data correction): the date,
 * the run stored (or the stored one it equalled), and the run it
 * supersedes, so that an export reading the new run can be traced to it. */
static bool audit_compute(struct db *db, const char *as_of, const struct kpi_run *run,
                          long long before)
{
    json_t *params = json_pack("{s:s, s:I, s:b, s:o}", "as_of", as_of, "run",
                               (json_int_t)run->run_id, "stored", run->stored, "supersedes",
                               run->stored && before > 0 ? json_integer(before) : json_null());
    return cmd_audit_change(db, "compute", params);
}

int cmd_compute(const struct cli_args *args)
{
    struct db *db = NULL;
    struct snap *snap = NULL;
    struct buf out = BUF_INIT;
    struct kpi_run run = {0};
    int rc = 1;
    long long before = -1;
    enum kpi_store store = args->if_changed ? KPI_STORE_IF_CHANGED : KPI_STORE_ALWAYS;
    if (!cmd_db(args, &db) || (before = newest_run(db, args->as_of)) < 0 ||
        !kpi_compute(db, args->as_of, store, &run) || !audit_compute(db, args->as_of, &run, before))
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
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    snap_unref(snap);
    buf_release(&out);
    db_close(db);
    return rc;
}
