#include "cmd.h"

#include "plot.h"
#include "snap_load.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The request of the command line; false after one line on stderr. */
static bool cli_request(const struct cli_args *a, struct plot_request *rq)
{
    struct view_error err = {0};
    const char *ext = a->format ? a->format : strrchr(a->out, '.') ? strrchr(a->out, '.') + 1 : "";
    char name[64];
    snprintf(name, sizeof name, "%s.%s", a->kind, ext);
    *rq = (struct plot_request){.kpi = a->kpi,
                                .branch = a->branch,
                                .dim = a->dim,
                                .campaign = a->campaign,
                                .date = a->date};
    if (!plot_parse_name(name, rq)) {
        fprintf(stderr, "retentiond: chart: --kind must be trend, ranking, bullet, zones, panorama "
                        "or sparkline, and the format png, svg or pdf (--format or --out's "
                        "extension)\n");
        return false;
    }
    const char *sizes[][2] = {{"width", a->width}, {"height", a->height}, {"scale", a->scale}};
    for (size_t i = 0; i < 3; i++)
        if (sizes[i][1] && !plot_parse_size(sizes[i][0], sizes[i][1], rq, &err)) {
            fprintf(stderr, "retentiond: chart: --%s\n", err.message);
            return false;
        }
    return true;
}

/* The stored runs one chart reads, fetched on a thread of their own while
 * the fonts load: the database round trips and the font set-up each take
 * about a third of a one-shot run. */
struct fetch {
    const struct cli_args *args;
    struct snap_filter filter;
    struct snap *snap; /* out, owned by the caller */
};

static void *fetch_runs(void *arg)
{
    struct fetch *f = arg;
    struct db *db = NULL;
    if (cmd_db(f->args, &db))
        snap_build_db(db, 92, NULL, &f->filter, &f->snap); /* failure logged */
    db_close(db);
    return NULL;
}

/* Only the values the chart reads: its KPI, and its branch when it draws
 * one branch alone. */
static struct snap_filter chart_filter(const struct plot_request *rq)
{
    bool one_branch =
        rq->kind == PLOT_TREND || rq->kind == PLOT_SPARKLINE || rq->kind == PLOT_BULLET;
    return (struct snap_filter){.kpi = rq->kpi                     ? rq->kpi
                                       : rq->kind == PLOT_ZONES    ? "zone_count"
                                       : rq->kind == PLOT_PANORAMA ? "satisfaction"
                                                                   : NULL,
                                .branch = one_branch ? rq->branch : NULL};
}

int cmd_chart(const struct cli_args *a)
{
    struct plot_request rq;
    struct view_error err = {0};
    struct view_params p;
    char msg[300];
    chart_fonts *fonts = NULL;
    chart_ctx *ctx = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = 1;
    pthread_t fetcher;
    struct fetch f = {0};
    if (!cli_request(a, &rq))
        return 2;
    f = (struct fetch){.args = a, .filter = chart_filter(&rq)};
    if (pthread_create(&fetcher, NULL, fetch_runs, &f) != 0) {
        fprintf(stderr, "retentiond: chart: cannot start a thread\n");
        return 1;
    }
    if (!(fonts = chart_fonts_new(a->font, msg, sizeof msg))) {
        /* Not worth waiting for the database, which may take its connect
         * timeout to answer; nor may exit() tear libpq's libraries down
         * under the thread. (A database that fails as fast as the font
         * check has said so on a line of its own.) */
        fprintf(stderr, "retentiond: chart: %s\n", msg);
        quick_exit(2); /* a bad argument, as the README says */
    }
    ctx = chart_ctx_new(fonts, msg, sizeof msg);
    if (ctx)
        plot_prepare(ctx, &rq); /* a head start while the database answers */
    pthread_join(fetcher, NULL);
    if (!ctx) {
        fprintf(stderr, "retentiond: chart: %s\n", msg);
        goto done;
    }
    if (!f.snap)
        goto done; /* logged */
    chart_arrows arrows =
        a->arrows && strcmp(a->arrows, "intl") == 0 ? CHART_ARROWS_INTL : CHART_ARROWS_CN;
    view_params_list(&p, NULL);
    /* no pixel bound beyond the chart library's own: the command draws for its caller alone */
    if (!plot_render(ctx, arrows, &p, f.snap, &rq, LONG_MAX, &bytes, &len, &err)) {
        fprintf(stderr, "retentiond: chart: %s%s%s%s\n", err.param ? "--" : "",
                err.param ? err.param : "", err.param ? ": " : "", err.message);
        rc = err.status == 400 ? 2 : 1; /* a bad argument, as bulletin and report */
        goto done;
    }
    rc = cmd_write_out(a->out, bytes, len) ? 0 : 1;
done:
    free(bytes);
    snap_unref(f.snap);
    chart_ctx_free(ctx);
    chart_fonts_free(fonts);
    return rc;
}
