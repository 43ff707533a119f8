/* The scheduler's thread: see scheduler.h. */
#include "scheduler.h"

#include "archive_id.h"
#include "bulletin_job.h"
#include "clock.h"
#include "log.h"
#include "mem.h"
#include "run_prune.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct scheduler {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopping, wake;
    struct cfg cfg; /* the running configuration (a copy), under lock */
    struct refresh *refresh;
    struct bulletin_job *job;
    struct db *db;
    char *db_conninfo;        /* what db was opened with: a reload may change it */
    char who[300];            /* HOST:PID, the runs' prune's audit rows */
    char me[300];             /* HOST/ID:PID (archive_id.h), once the data directory has its ID */
    bool me_refused;          /* logged that it could not */
    char seen[40];            /* the id of the snapshot of the last pass */
    char runs_pruned_for[11]; /* the newest date of the last prune of the stored runs */
};

/* Waits up to ms, or until a stop; the mail retries' sleep. */
static void sleep_ms(void *ctx, long ms)
{
    struct scheduler *s = ctx;
    struct timespec until = clock_in_ms(CLOCK_REALTIME, ms);
    pthread_mutex_lock(&s->lock);
    while (!s->stopping && pthread_cond_timedwait(&s->cond, &s->lock, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&s->lock);
}

/* Whether the scheduler is stopping: the mail under way is cut, and what
 * is left is for the next start. */
static bool stopping(void *ctx)
{
    struct scheduler *s = ctx;
    pthread_mutex_lock(&s->lock);
    bool stop = s->stopping;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

/* The connection of the passes, opened (or opened again after a change of
 * database.conninfo) when needed; false (logged) when it cannot be. */
static bool connect_db(struct scheduler *s, const struct cfg *c)
{
    if (s->db && strcmp(s->db_conninfo, c->conninfo) != 0) {
        db_close(s->db); /* database.conninfo changed: the new one from now on */
        s->db = NULL;
    }
    if (s->db)
        return true;
    if (!db_connect(c->conninfo, c->statement_timeout, &s->db))
        return false; /* logged; tried again on the next pass */
    free(s->db_conninfo);
    s->db_conninfo = xstrdup(c->conninfo);
    return true;
}

/* This process's name in the archive (archive_id.h), made once the data
 * directory holds its identity: until then no bulletin is made (none could
 * be archived either; logged once), and the next pass tries again. */
static bool know_me(struct scheduler *s, const struct cfg *c)
{
    char err[300], q[400];
    if (s->me[0])
        return true;
    if (archive_me(c->data_dir, s->me, sizeof s->me, err, sizeof err))
        return true;
    s->me[0] = '\0';
    if (!s->me_refused)
        log_error("msg=\"bulletins not made: the archive has no identity\" reason=\"%s\"",
                  log_quote(q, sizeof q, err));
    s->me_refused = true;
    return false;
}

static void bulletin_pass(struct scheduler *s, const struct cfg *c, const struct snap *snap)
{
    struct bulletin_job_opts o;
    if (!know_me(s, c))
        return;
    bulletin_job_opts_from_cfg(c, s->me, &o);
    o.retry.sleep = sleep_ms;
    o.retry.sleep_ctx = s;
    o.retry.stopped = stopping;
    o.smtp.stopped = stopping;
    o.smtp.stopped_ctx = s;
    if (!bulletin_job_tick(s->job, s->db, snap, &o, time(NULL)))
        log_warn("msg=\"bulletin job incomplete, tried again on the next pass\"");
}

/* The stored runs pruned (runs.keep_days) once per newest date the
 * snapshot shows, after the bulletins of the pass: once a day when a run is
 * computed every day. A prune that failed is tried again on the next pass. */
static void runs_pass(struct scheduler *s, const struct cfg *c, const struct snap *snap)
{
    const char *newest = snap->runs[snap->nruns - 1]->as_of;
    if (c->runs_keep_days < 1 || strcmp(newest, s->runs_pruned_for) == 0)
        return;
    struct rprune_opts o = {.keep_days = c->runs_keep_days,
                            .history_days = c->history_days,
                            .report_quarters = c->runs_report_quarters,
                            .who = s->who,
                            .via = "daemon",
                            .stopped = stopping,
                            .stopped_ctx = s};
    struct rprune_report r;
    if (rprune_run(s->db, &o, &r) && !stopping(s))
        snprintf(s->runs_pruned_for, sizeof s->runs_pruned_for, "%s", newest);
    rprune_report_free(&r);
}

/* One pass over the current snapshot: the bulletin job, then the prune of
 * the stored runs. */
static void run_once(struct scheduler *s, const struct cfg *c)
{
    if ((!c->bulletin_schedule && c->runs_keep_days < 1) || !connect_db(s, c))
        return;
    struct snap *snap = refresh_acquire(s->refresh, NULL);
    if (snap)
        snprintf(s->seen, sizeof s->seen, "%s", snap->id);
    if (snap && c->bulletin_schedule)
        bulletin_pass(s, c, snap);
    if (snap && snap->nruns)
        runs_pass(s, c, snap);
    snap_unref(snap);
    if (!db_alive(s->db)) {
        db_close(s->db);
        s->db = NULL;
    }
}

/* A new snapshot (it may hold the day's run) is worth a pass at once. */
static bool snapshot_changed(struct scheduler *s)
{
    struct snap *snap = refresh_acquire(s->refresh, NULL);
    bool changed = snap && strcmp(snap->id, s->seen) != 0;
    snap_unref(snap);
    return changed;
}

static void *thread_main(void *arg)
{
    struct scheduler *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct cfg c;
        cfg_copy(&c, &s->cfg);
        s->wake = false;
        pthread_mutex_unlock(&s->lock);
        run_once(s, &c);
        cfg_free(&c);
        pthread_mutex_lock(&s->lock);
        for (int second = 0; second < SCHEDULER_INTERVAL && !s->stopping && !s->wake; second++) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            while (!s->stopping && !s->wake &&
                   pthread_cond_timedwait(&s->cond, &s->lock, &until) != ETIMEDOUT)
                ;
            s->wake = s->wake || snapshot_changed(s);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

bool scheduler_start(const struct cfg *cfg, struct refresh *refresh, struct scheduler **out)
{
    char err[300], host[256] = "";
    struct scheduler *s = xcalloc(1, sizeof *s);
    *out = NULL;
    s->refresh = refresh;
    gethostname(host, sizeof host - 1);
    snprintf(s->who, sizeof s->who, "%s:%ld", host, (long)getpid());
    if (!(s->job = bulletin_job_new(cfg->chart_font, cfg->bulletin_threads, err, sizeof err))) {
        log_error("msg=\"bulletin job cannot start\" reason=\"%s\"", err);
        free(s);
        return false;
    }
    cfg_copy(&s->cfg, cfg);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, thread_main, s) != 0) {
        log_error("msg=\"scheduler thread cannot start\"");
        bulletin_job_free(s->job);
        cfg_free(&s->cfg);
        free(s);
        return false;
    }
    *out = s;
    return true;
}

void scheduler_reconfigure(struct scheduler *s, const struct cfg *cfg)
{
    struct cfg fresh;
    cfg_copy(&fresh, cfg);
    pthread_mutex_lock(&s->lock);
    cfg_free(&s->cfg);
    s->cfg = fresh;
    s->wake = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void scheduler_wake(struct scheduler *s)
{
    pthread_mutex_lock(&s->lock);
    s->wake = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void scheduler_stop(struct scheduler *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    db_close(s->db);
    free(s->db_conninfo);
    bulletin_job_free(s->job);
    cfg_free(&s->cfg);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}
