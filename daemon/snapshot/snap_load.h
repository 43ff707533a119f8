/* Building a snapshot (snap.h) from the database: the reference data, the
 * runs it keeps and, for each zone month, the moves and at-risk members
 * the KPI engine stored (sql/api/).
 *
 * Ownership: snap_build_db() gives the caller a snapshot with one reference
 * (snap_unref). The filter's strings are borrowed for the call. */
#ifndef RETENTIOND_SNAP_LOAD_H
#define RETENTIOND_SNAP_LOAD_H

#include "db.h"
#include "snap.h"

#include <stdbool.h>

/* Which values a snapshot reads: only run `run_id` (0: the history), only
 * KPI `kpi`, only branch code `branch` (NULL: all). A filtered snapshot is
 * for one answer (`retentiond compute` printing its run, `retentiond
 * chart`): it reads no zone members and is never published or persisted. */
struct snap_filter {
    long long run_id;
    /* these runs alone (a PostgreSQL bigint[] literal, "{12,40,57}"; those
     * not stored or not finished are left out): an earlier export's */
    const char *run_ids;
    const char *kpi;
    const char *branch;
    /* with the history, also the runs of the month ends from..to (dates,
     * NULL: none): an old quarter's, beyond the history's 24 months */
    const char *month_ends_from, *month_ends_to;
};

/* Reads the database into a new snapshot. history_days: every as-of date
 * within that many days of the newest is kept, and for the 24 months
 * before, the newest run of each month. Runs and zone months also present
 * in `previous` (may be NULL; not with a filter) are shared, not read
 * again. filter may be NULL (everything). False (logged) on a database
 * error. */
bool snap_build_db(struct db *db, int history_days, const struct snap *previous,
                   const struct snap_filter *filter, struct snap **out);

#endif
