/* A quarter's history from the database: see snap_history.h. */
#include "snap_history.h"

#include "db.h"
#include "digest.h"
#include "mem.h"
#include "sql_embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void day_read(struct snap_day *d, const struct db_result *res, int i)
{
    d->run_id = atoll(db_value(res, i, 0));
    snprintf(d->as_of, sizeof d->as_of, "%s", db_value(res, i, 1));
    snprintf(d->started, sizeof d->started, "%s", db_value(res, i, 2));
    snprintf(d->finished, sizeof d->finished, "%s", db_value(res, i, 3));
    d->settings = xstrdup(db_value(res, i, 4));
}

static void days_read(struct snap_history *h, const struct db_result *res)
{
    struct digest dg;
    digest_init(&dg);
    h->days = xcalloc((size_t)db_rows(res) + 1, sizeof *h->days);
    for (int i = 0; i < db_rows(res); i++) {
        struct snap_day *d = &h->days[h->ndays++];
        day_read(d, res, i);
        char line[32];
        int n = snprintf(line, sizeof line, "%lld\n", d->run_id);
        digest_add(&dg, line, (size_t)n);
    }
    digest_hex(&dg, h->days_sha);
}

static bool alarm_read(const struct snap *s, const struct db_result *res, int i,
                       struct snap_alarm *a)
{
    int branch = snap_branch_find(s, db_value(res, i, 0));
    int kpi = snap_kpi_parse(db_value(res, i, 1));
    if (branch < 0 || kpi < 0)
        return false;
    const char *dim = db_value(res, i, 2), *campaign = db_value(res, i, 3);
    const char *carried = db_value(res, i, 5), *cleared = db_value(res, i, 6);
    const char *reason = db_value(res, i, 8), *no_data = db_value(res, i, 9);
    *a = (struct snap_alarm){.branch = branch,
                             .kpi = kpi,
                             .dim = dim ? xstrdup(dim) : NULL,
                             .campaign = campaign ? atoi(campaign) : -1,
                             .carried_in = carried && strcmp(carried, "true") == 0,
                             .red_days = atoi(db_value(res, i, 7)),
                             .no_data = no_data && strcmp(no_data, "true") == 0,
                             .reason = reason ? xstrdup(reason) : NULL};
    snprintf(a->raised, sizeof a->raised, "%s", db_value(res, i, 4));
    snprintf(a->cleared, sizeof a->cleared, "%s", cleared ? cleared : "");
    return true;
}

bool snap_history_read(const struct snap *s, const char *first, const char *last, const char *runs,
                       snap_query_fn query, void *ctx, struct snap_history *out)
{
    const char *params[] = {first, last, runs};
    struct db_result *days = NULL, *alarms = NULL;
    *out = (struct snap_history){0};
    bool ok = query(ctx, sql_embed_get("api/report_runs.sql"), 3, params, &days) &&
              query(ctx, sql_embed_get("api/report_alarms.sql"), 3, params, &alarms);
    if (ok) {
        days_read(out, days);
        out->alarms = xcalloc((size_t)db_rows(alarms) + 1, sizeof *out->alarms);
        for (int i = 0; i < db_rows(alarms); i++)
            if (alarm_read(s, alarms, i, &out->alarms[out->nalarms]))
                out->nalarms++;
    }
    db_result_free(days);
    db_result_free(alarms);
    return ok;
}

void snap_history_free(struct snap_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->ndays; i++)
        free(h->days[i].settings);
    for (size_t i = 0; i < h->nalarms; i++) {
        free(h->alarms[i].dim);
        free(h->alarms[i].reason);
    }
    free(h->days);
    free(h->alarms);
    *h = (struct snap_history){0};
}
