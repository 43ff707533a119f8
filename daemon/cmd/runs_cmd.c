/* retentiond runs prune: the stored compute runs' retention (run_prune.h),
 * by hand. */
#include "cmd.h"

#include "cfg.h"
#include "run_prune.h"

#include <stdio.h>
#include <stdlib.h>

/* What a prune did (dry: would do), a line per run and the total. */
static void print_prune(const struct rprune_opts *o, const struct rprune_report *r)
{
    const char *gone = o->dry_run ? "to remove" : "removed";
    for (size_t i = 0; i < r->n; i++) {
        const struct rprune_run *run = &r->runs[i];
        printf("run %lld of %s: %s, %lld values %s\n", run->run_id, run->as_of,
               run->superseded ? "superseded" : "daily", run->values, gone);
    }
    printf("total: %zu runs (%d superseded, %d daily), %lld values %s", r->n, r->superseded,
           r->daily, r->values, gone);
    if (*r->newest && *r->quarters_from)
        printf(" (newest run %s; superseded: on or before %s; daily: of the quarters before %s "
               "that ended on or before %s)",
               r->newest, r->cutoff, r->quarters_from, r->daily_cutoff);
    else if (*r->newest)
        printf(" (newest run %s; superseded: on or before %s; daily: every date's kept)", r->newest,
               r->cutoff);
    printf("%s\n", o->dry_run ? "; dry run: nothing changed" : "");
}

int cmd_runs(const struct cli_args *a)
{
    struct cfg cfg;
    struct db *db = NULL;
    struct rprune_report r = {0};
    int rc = 1;
    if (!cmd_config(a, &cfg))
        return 2;
    struct rprune_opts o = {.keep_days = a->keep_days ? atoi(a->keep_days) : cfg.runs_keep_days,
                            .history_days = cfg.history_days,
                            .report_quarters = a->report_quarters ? atoi(a->report_quarters)
                                                                  : cfg.runs_report_quarters,
                            .dry_run = a->dry_run,
                            .who = cmd_system_user(),
                            .via = "cli"};
    if (o.keep_days < 1) {
        printf("keep_days is 0: every run is kept, nothing is removed\n");
        rc = 0;
    } else if (!cmd_db_cfg(a, &cfg, &db)) {
        /* said why */
    } else if (!rprune_run(db, &o, &r)) {
        fprintf(stderr, "retentiond: runs prune: the runs could not be pruned (the database: "
                        "see the log); the runs removed before stay removed\n");
    } else {
        print_prune(&o, &r);
        rc = 0;
    }
    rprune_report_free(&r);
    db_close(db);
    cfg_free(&cfg);
    return rc;
}
