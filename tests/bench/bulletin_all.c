/* Benchmark helper (not a test): every bulletin of one date as the daily
 * job renders them (jobs/bulletin_job.c), from one snapshot of the
 * database built once and not timed: for the province and for every city
 * and county the view, the mail (HTML and its text part, the subject), the
 * A4 PDF and the MMS PNG (the default budget, 100 KB). Threads share the
 * fonts and take the bulletins one at a time from a common counter, each
 * with its own render context made before the clock starts (the job keeps
 * one for its life); a run makes new contexts, so that no run profits from
 * the glyphs an earlier run shaped. Prints, per run, the wall time of all
 * the bulletins; then the median run's total, the time per format (summed
 * over the threads), the median bulletin, and the PNGs' and PDFs' sizes.
 * Used by tests/bench/bulletin.
 *   bench_bulletin_all --db CONNINFO [--threads N] [--runs N] [--out DIR]
 * --out: the last run's files written to DIR as CODE.html, .pdf and .png. */
#include "buf.h"
#include "bulletin.h"
#include "bulletin_doc.h"
#include "db.h"
#include "labels.h"
#include "log.h"
#include "snap_load.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { T_VIEW, T_HTML, T_PDF, T_PNG, NTIMES };
static const char *const time_name[NTIMES] = {"view", "html", "pdf", "png"};

/* One bulletin's figures in a run. */
struct item {
    int branch;            /* index into the snapshot's branches */
    double secs[NTIMES];   /* wall time of each step */
    size_t html, pdf, png; /* bytes */
    bool shortened;        /* the PNG left blocks out to fit its budget */
};

/* What the threads of a run share. The snapshot and fonts are borrowed;
 * items and the output directory too. */
struct run {
    const struct snap *s;
    const chart_fonts *fonts;
    const char *date;
    const char *out_dir; /* NULL: no files */
    struct item *items;
    size_t n;
    atomic_size_t next;
    atomic_bool failed;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_file(const char *dir, const char *code, const char *ext, const void *data,
                       size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.%s", dir, code, ext);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len)
        fprintf(stderr, "bench_bulletin_all: cannot write %s\n", path);
    if (f)
        fclose(f);
}

/* Renders one bulletin into *it; false (printed) on failure. */
static bool render_one(struct run *r, chart_ctx *ctx, struct item *it)
{
    const struct labels *l = labels_get(NULL);
    const char *code = r->s->branches[it->branch].code;
    const char *pairs[] = {"date", r->date, "branch", code, NULL};
    struct view_params p;
    struct view_error verr = {0};
    struct view_bulletin v = {0};
    struct buf html = BUF_INIT, text = BUF_INIT, subject = BUF_INIT;
    unsigned char *pdf = NULL, *png = NULL;
    char err[300] = "", note[300] = "", cid[96];
    bool ok = false;
    double t0 = now();
    view_params_list(&p, pairs);
    if (!view_bulletin_build(r->s, &p, &v, &verr)) {
        snprintf(err, sizeof err, "view: %s", verr.message);
        goto done;
    }
    double t1 = now();
    snprintf(cid, sizeof cid, "mms.%s.%s@retentiond", r->date, code);
    bulletin_mail(&v, l, cid, &html, &text);
    bulletin_subject(&v, l, 1, &subject);
    double t2 = now();
    if (!bulletin_pdf(&v, l, ctx, &pdf, &it->pdf, err, sizeof err))
        goto done;
    double t3 = now();
    if (!bulletin_png(&v, l, ctx, 0, &png, &it->png, note, sizeof note, err, sizeof err))
        goto done;
    double t4 = now();
    it->secs[T_VIEW] = t1 - t0;
    it->secs[T_HTML] = t2 - t1;
    it->secs[T_PDF] = t3 - t2;
    it->secs[T_PNG] = t4 - t3;
    it->html = html.len;
    it->shortened = note[0] != '\0';
    if (r->out_dir) {
        write_file(r->out_dir, code, "html", html.data, html.len);
        write_file(r->out_dir, code, "pdf", pdf, it->pdf);
        write_file(r->out_dir, code, "png", png, it->png);
    }
    ok = true;
done:
    if (!ok)
        fprintf(stderr, "bench_bulletin_all: %s: %s\n", code, err);
    free(pdf);
    free(png);
    buf_release(&html);
    buf_release(&text);
    buf_release(&subject);
    view_bulletin_free(&v);
    return ok;
}

/* A thread of a run, with its own render context (owned). */
struct worker {
    pthread_t thread;
    bool started;
    struct run *r;
    chart_ctx *ctx;
    double cpu; /* the thread's CPU time in the run, seconds */
};

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bulletins from the run's counter until none is left. */
static void *work(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->r;
    double t0 = thread_cpu();
    for (size_t i; !atomic_load(&r->failed) && (i = atomic_fetch_add(&r->next, 1)) < r->n;)
        if (!render_one(r, w->ctx, &r->items[i]))
            atomic_store(&r->failed, true);
    w->cpu = thread_cpu() - t0;
    return NULL;
}

/* One run with `threads` threads: its wall time in *secs, the threads' CPU
 * time in *cpu. False (printed) when a context or a bulletin fails. */
static bool run_once(struct run *r, int threads, double *secs, double *cpu)
{
    struct worker w[64];
    char err[300];
    int made = 0;
    bool ok = true;
    atomic_store(&r->next, 0);
    atomic_store(&r->failed, false);
    for (; made < threads; made++) {
        w[made] = (struct worker){.r = r, .ctx = chart_ctx_new(r->fonts, err, sizeof err)};
        if (!w[made].ctx) {
            fprintf(stderr, "bench_bulletin_all: %s\n", err);
            ok = false;
            goto done;
        }
    }
    double t0 = now();
    for (int k = 1; k < threads; k++) /* one not started: the others do its share */
        w[k].started = pthread_create(&w[k].thread, NULL, work, &w[k]) == 0;
    work(&w[0]);
    for (int k = 1; k < threads; k++)
        if (w[k].started)
            pthread_join(w[k].thread, NULL);
    *secs = now() - t0;
    *cpu = 0;
    for (int k = 0; k < threads; k++)
        *cpu += w[k].cpu;
    ok = !atomic_load(&r->failed);
done:
    for (int k = 0; k < made; k++)
        chart_ctx_free(w[k].ctx);
    return ok;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int by_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The median of n values (sorted in place). */
static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* min, median and max of a size over the items. */
static void size_stats(const struct item *items, size_t n, size_t offset, size_t out[3])
{
    size_t *v = calloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = *(const size_t *)(const void *)((const char *)&items[i] + offset);
    qsort(v, n, sizeof *v, by_size);
    out[0] = v[0];
    out[1] = v[n / 2];
    out[2] = v[n - 1];
    free(v);
}

/* The totals of the runs, and the figures of the run whose total is the
 * median (the lower of the two middle ones for an even number of runs). */
static void report(const struct run *r, int threads, int runs, const double *totals, double *cpus,
                   const struct item *all)
{
    size_t n = r->n, png[3], pdf[3], html[3], shortened = 0;
    double *sorted = calloc((size_t)runs, sizeof *sorted), *each = calloc(n, sizeof *each);
    double sum[NTIMES] = {0};
    memcpy(sorted, totals, (size_t)runs * sizeof *sorted);
    qsort(sorted, (size_t)runs, sizeof *sorted, by_double);
    double total = sorted[(runs - 1) / 2];
    int mid = 0;
    while (totals[mid] != total)
        mid++;
    const struct item *items = all + (size_t)mid * n;
    for (size_t i = 0; i < n; i++) {
        for (int t = 0; t < NTIMES; t++) {
            sum[t] += items[i].secs[t];
            each[i] += items[i].secs[t];
        }
        shortened += items[i].shortened;
    }
    double cpu = median(cpus, (size_t)runs);
    printf("bench/bulletin: %d thread%s, %zu bulletins, %d run%s: total %.0f ms (median; runs "
           "%.0f..%.0f ms), CPU %.0f ms (median)\n",
           threads, threads == 1 ? "" : "s", n, runs, runs == 1 ? "" : "s", 1000 * total,
           1000 * sorted[0], 1000 * sorted[runs - 1], 1000 * cpu);
    printf("bench/bulletin:   per format, summed over the threads:");
    for (int t = 0; t < NTIMES; t++)
        printf(" %s %.0f ms", time_name[t], 1000 * sum[t]);
    double med = median(each, n);
    printf("\nbench/bulletin:   per bulletin (all four): median %.1f ms, max %.1f ms\n", 1000 * med,
           1000 * each[n - 1]);
    size_stats(items, n, offsetof(struct item, png), png);
    size_stats(items, n, offsetof(struct item, pdf), pdf);
    size_stats(items, n, offsetof(struct item, html), html);
    printf("bench/bulletin:   PNG bytes min %zu, median %zu, max %zu; %zu of %zu shortened to the "
           "100 KB budget\n",
           png[0], png[1], png[2], shortened, n);
    printf("bench/bulletin:   PDF bytes min %zu, median %zu, max %zu; HTML bytes min %zu, median "
           "%zu, max %zu\n",
           pdf[0], pdf[1], pdf[2], html[0], html[1], html[2]);
    printf("result threads=%d bulletins=%zu total_ms=%.1f cpu_ms=%.1f\n", threads, n, 1000 * total,
           1000 * cpu);
    free(each);
    free(sorted);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_bulletin_all --db CONNINFO [--threads N] [--runs N] "
                    "[--out DIR]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *conninfo = NULL, *out_dir = NULL;
    int threads = 1, runs = 3, rc = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--db") == 0)
            conninfo = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--out") == 0)
            out_dir = argv[i + 1];
        else
            return usage();
    }
    if (!conninfo || argc % 2 == 0 || threads < 1 || threads > 64 || runs < 1 || runs > 1000)
        return usage();
    log_set_level(LOG_LEVEL_WARN);
    struct db *db = NULL;
    struct snap *s = NULL;
    chart_fonts *fonts = NULL;
    struct item *items = NULL;
    double *totals = calloc((size_t)runs, sizeof *totals),
           *cpus = calloc((size_t)runs, sizeof *cpus);
    char err[300];
    if (!db_connect(conninfo, 0, &db) || !snap_build_db(db, 92, NULL, NULL, &s) || !s->nruns)
        goto done; /* logged */
    if (!(fonts = chart_fonts_new(NULL, err, sizeof err))) {
        fprintf(stderr, "bench_bulletin_all: %s\n", err);
        goto done;
    }
    /* the province, the cities and the counties; each run's items apart */
    struct run r = {.s = s, .fonts = fonts, .date = s->runs[s->nruns - 1]->as_of};
    for (size_t b = 0; b < s->nbranches; b++)
        r.n += s->branches[b].level <= 2;
    items = calloc((size_t)runs * r.n, sizeof *items);
    for (int k = 0; k < runs; k++) {
        r.items = items + (size_t)k * r.n;
        r.out_dir = k == runs - 1 ? out_dir : NULL;
        for (size_t b = 0, i = 0; b < s->nbranches; b++)
            if (s->branches[b].level <= 2)
                r.items[i++].branch = (int)b;
        if (!run_once(&r, threads, &totals[k], &cpus[k]))
            goto done;
        fprintf(stderr, "bench_bulletin_all: run %d: %.0f ms, CPU %.0f ms\n", k + 1,
                1000 * totals[k], 1000 * cpus[k]);
    }
    printf("bench/bulletin: date %s, run %lld, %zu branches in the snapshot\n", r.date,
           s->runs[s->nruns - 1]->run_id, s->nbranches);
    report(&r, threads, runs, totals, cpus, items);
    rc = 0;
done:
    free(items);
    free(cpus);
    free(totals);
    chart_fonts_free(fonts);
    snap_unref(s);
    db_close(db);
    return rc;
}
