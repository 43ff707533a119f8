/* `retentiond compute`: computes and stores a run, then prints it as the
 * API serves it (read back into a snapshot, written by views/contract.h).
 * Asked explicitly, it stores every run; with --if-changed a run identical
 * to the date's newest stored run is not stored, and that run is printed. */
#include "cmd.h"

#include "buf.h"
#include "contract.h"
#include "db.h"
#include "kpi.h"
#include "log.h"
#include "snap_load.h"

#include <stdio.h>
#include <string.h>

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
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    snap_unref(snap);
    buf_release(&out);
    db_close(db);
    return rc;
}
