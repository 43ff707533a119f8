/* The retention of the stored compute runs (runs.keep_days; docs/kpis.md
 * "Stored runs and their retention"): `retentiond runs prune` and the
 * daemon's scheduler once a day.
 *
 * The bounds are counted back from the newest finished run's date, as the
 * snapshot's history is (sql/jobs/run_prune_bounds.sql). A run goes when it
 * is superseded (not the newest run of its date) and dated keep_days or
 * more before the newest date; or, when report_quarters is set, when it is
 * the daily run of a date of a quarter wholly before the snapshot's history
 * and older than the report_quarters newest quarters, and not the newest
 * run of its month. Never a run a bulletin still in the archive or an
 * export in the audit log names (sql/jobs/run_prune_select.sql).
 *
 * Runs go in batches of RPRUNE_BATCH, each in one transaction under the
 * compute's lock (sql/kpi/compute_lock.sql): chosen again under the lock,
 * removed with their values and data-quality counts, and recorded in the
 * audit log (action runs_prune) in the same transaction. A crash leaves
 * every run whole or gone; a compute waits for the batch under way, and the
 * next batch sees its run. A dry run chooses the same runs, takes no lock
 * and changes nothing.
 *
 * Ownership: options are borrowed for the call; a struct rprune_report's
 * runs are malloc'd and freed by rprune_report_free(). */
#ifndef RETENTIOND_RUN_PRUNE_H
#define RETENTIOND_RUN_PRUNE_H

#include "db.h"

#include <stdbool.h>
#include <stddef.h>

/* Runs removed per transaction: the longest a compute waits for a prune is
 * one batch (about 0.1 s a run measured: docs/reliability.md). */
#define RPRUNE_BATCH 10

struct rprune_opts {
    int keep_days;       /* runs.keep_days, at least 1 */
    int history_days;    /* daemon.history_days: no daily run the snapshot holds goes */
    int report_quarters; /* runs.report_quarters: 0 = every date's newest run is kept */
    bool dry_run;        /* nothing removed: what a prune would remove */
    const char *who;     /* the audit row's who: the system user, or the daemon's host:pid */
    const char *via;     /* the audit row's params.via: "cli" or "daemon" */
    /* or NULL: true when the process stops; the prune ends after the batch
     * under way (the next prune goes on from there) */
    bool (*stopped)(void *ctx);
    void *stopped_ctx;
};

/* A run removed (dry: that would be). */
struct rprune_run {
    long long run_id;
    char as_of[11];
    bool superseded;  /* else a daily run of an old quarter */
    long long values; /* its kpi.value rows */
};

struct rprune_report {
    /* the bounds; "" when there is no finished run (nothing to prune) */
    char newest[11], cutoff[11], daily_cutoff[11];
    char quarters_from[11];  /* "": every date's newest run is kept */
    struct rprune_run *runs; /* oldest first */
    size_t n;
    int superseded, daily;
    long long values;
};

/* The prune. False (logged) on a database error: the batches committed
 * stay, the next prune goes on from them. Not dry, it logs one line
 * (msg="compute runs pruned"). */
bool rprune_run(struct db *db, const struct rprune_opts *o, struct rprune_report *out);
void rprune_report_free(struct rprune_report *r);

#endif
