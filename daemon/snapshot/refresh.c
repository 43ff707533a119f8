#include "refresh.h"

#include "clock.h"
#include "db.h"
#include "log.h"
#include "mem.h"
#include "snap_load.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_MAX 30
#define CHANNEL     "retentiond_refresh"
#define ACCESS      "retentiond_access" /* sessions, users and tokens (access/users.h) */

/* The options, owned copies. */
struct opts {
    char *conninfo, *timezone, *data_dir;
    int statement_timeout, refresh_interval, history_days;
    bool auto_compute;
    size_t cache_bytes;
};

struct refresh {
    pthread_t thread;
    pthread_mutex_t mu; /* guards current, opts, opts_changed and db (for cancel) */
    struct snap *current;
    struct opts opts;
    bool opts_changed;
    struct db *db;              /* used by the thread only; published for refresh_stop's cancel */
    struct refresh_hooks hooks; /* fixed at start */
    int wake[2];                /* a byte on wake[1] interrupts the thread's wait */
    bool running;               /* the thread was started (refresh_run) */
    atomic_bool stopping;
    atomic_bool want_compute;
    atomic_bool want_reload; /* a reload without a compute (refresh_reload) */
    atomic_bool stale;
    atomic_bool db_up;
    atomic_llong verified_at; /* unix time; 0 = never */
};

static void opts_copy(struct opts *dst, const struct refresh_options *src)
{
    *dst = (struct opts){.conninfo = xstrdup(src->conninfo ? src->conninfo : ""),
                         .timezone = xstrdup(src->timezone),
                         .data_dir = xstrdup(src->data_dir),
                         .statement_timeout = src->statement_timeout,
                         .refresh_interval = src->refresh_interval,
                         .history_days = src->history_days,
                         .auto_compute = src->auto_compute,
                         .cache_bytes = src->cache_bytes};
}

static void opts_free(struct opts *o)
{
    free(o->conninfo);
    free(o->timezone);
    free(o->data_dir);
    memset(o, 0, sizeof *o);
}

/* A private copy of the options for one turn of the loop. */
static void opts_snapshot(struct refresh *r, struct opts *out, bool *changed)
{
    pthread_mutex_lock(&r->mu);
    struct refresh_options view = {.conninfo = r->opts.conninfo,
                                   .statement_timeout = r->opts.statement_timeout,
                                   .refresh_interval = r->opts.refresh_interval,
                                   .timezone = r->opts.timezone,
                                   .data_dir = r->opts.data_dir,
                                   .history_days = r->opts.history_days,
                                   .auto_compute = r->opts.auto_compute,
                                   .cache_bytes = r->opts.cache_bytes};
    opts_copy(out, &view);
    *changed = r->opts_changed;
    r->opts_changed = false;
    pthread_mutex_unlock(&r->mu);
}

static void wake(struct refresh *r)
{
    char c = 1;
    ssize_t n = write(r->wake[1], &c, 1);
    (void)n; /* a full pipe already means "wake up" */
}

static void snapshot_path(const struct opts *o, char *out, size_t len)
{
    snprintf(out, len, "%s/snapshot.json", o->data_dir);
}

/* ---- the connection ------------------------------------------------------ */

static void db_error(struct refresh *r)
{
    if (r->hooks.db_error)
        r->hooks.db_error(r->hooks.ctx);
}

static void set_db(struct refresh *r, struct db *db)
{
    pthread_mutex_lock(&r->mu);
    r->db = db;
    pthread_mutex_unlock(&r->mu);
}

static void drop_db(struct refresh *r)
{
    struct db *db = r->db;
    set_db(r, NULL);
    db_close(db);
    atomic_store(&r->db_up, false);
    atomic_store(&r->stale, true);
    db_error(r);
}

static bool connect_db(struct refresh *r, const struct opts *o)
{
    struct db *db = NULL;
    if (!db_connect(o->conninfo, o->statement_timeout, &db)) {
        atomic_store(&r->db_up, false);
        atomic_store(&r->stale, true);
        db_error(r);
        return false;
    }
    if (!db_query(db, "LISTEN " CHANNEL, 0, NULL, NULL) ||
        !db_query(db, "LISTEN " ACCESS, 0, NULL, NULL)) {
        db_close(db);
        db_error(r);
        return false;
    }
    set_db(r, db);
    atomic_store(&r->db_up, true);
    /* what was notified while no connection listened is not known */
    if (r->hooks.access_changed)
        r->hooks.access_changed(r->hooks.ctx, NULL);
    log_info("msg=\"database connected\" listen=" CHANNEL);
    return true;
}

/* ---- refreshing ------------------------------------------------------------ */

/* The budget is read under the lock, where refresh_reconfigure() changes it. */
static void publish(struct refresh *r, struct snap *fresh)
{
    pthread_mutex_lock(&r->mu);
    snap_cache_set_budget(fresh, r->opts.cache_bytes);
    struct snap *old = r->current;
    r->current = fresh;
    pthread_mutex_unlock(&r->mu);
    snap_unref(old);
}

static void persist(const struct snap *s, const struct opts *o)
{
    char path[4096];
    if (mkdir(o->data_dir, 0750) != 0 && errno != EEXIST) {
        log_warn("msg=\"cannot create the data directory\" path=%s reason=\"%s\"", o->data_dir,
                 strerror(errno));
        return;
    }
    snapshot_path(o, path, sizeof path);
    if (snap_write_file(s, path))
        log_info("msg=\"snapshot persisted\" path=%s snapshot=%s", path, s->id);
}

/* Rebuilds the snapshot; publishes and persists it when its contents
 * changed. */
static bool reload(struct refresh *r, const struct opts *o)
{
    double t0 = clock_seconds();
    struct snap *previous = refresh_acquire(r, NULL);
    struct snap *fresh = NULL;
    bool ok = snap_build_db(r->db, o->history_days, previous, NULL, &fresh);
    if (r->hooks.refreshed)
        r->hooks.refreshed(r->hooks.ctx, clock_seconds() - t0, ok);
    if (!ok) {
        db_error(r);
        atomic_store(&r->stale, true);
        snap_unref(previous);
        return false;
    }
    atomic_store(&r->verified_at, (long long)time(NULL));
    atomic_store(&r->stale, false);
    bool changed = !previous || strcmp(previous->id, fresh->id) != 0;
    /* the same runs, but the previous snapshot came from the file, which
     * does not hold the zones' members (their moves): the database's has */
    bool completed = !changed && previous->nzones < fresh->nzones;
    if (changed || completed) {
        /* only this thread replaces the current snapshot: fresh stays valid */
        publish(r, fresh);
        log_info("msg=\"snapshot published\" snapshot=%s runs=%zu latest=%s", fresh->id,
                 fresh->nruns, fresh->nruns ? snap_latest(fresh)->as_of : "-");
        if (changed)
            persist(fresh, o);
    } else {
        snap_unref(fresh);
    }
    snap_unref(previous);
    return true;
}

static bool today(struct refresh *r, const struct opts *o, char *out, size_t len)
{
    struct db_result *res = NULL;
    const char *params[] = {o->timezone};
    if (!db_query(r->db, "SELECT (now() AT TIME ZONE $1)::date::text", 1, params, &res))
        return false;
    snprintf(out, len, "%s", db_value(res, 0, 0));
    db_result_free(res);
    return true;
}

static bool has_run(struct refresh *r, const char *date, bool *yes)
{
    struct db_result *res = NULL;
    const char *params[] = {date};
    if (!db_query(r->db,
                  "SELECT EXISTS (SELECT 1 FROM kpi.run WHERE as_of = $1::date"
                  " AND finished_at IS NOT NULL)",
                  1, params, &res))
        return false;
    *yes = db_value(res, 0, 0)[0] == 't';
    db_result_free(res);
    return true;
}

static bool compute_today(struct refresh *r, const char *date)
{
    double t0 = clock_seconds();
    log_info("msg=\"compute started\" as_of=%s", date);
    bool ok = r->hooks.compute && r->hooks.compute(r->hooks.ctx, r->db, date);
    if (r->hooks.computed)
        r->hooks.computed(r->hooks.ctx, clock_seconds() - t0, ok);
    if (!ok)
        db_error(r);
    return ok;
}

/* One refresh: today's compute when wanted (or when the timer finds today
 * without a run), then the snapshot. */
static bool refresh_once(struct refresh *r, const struct opts *o, bool timer, bool compute)
{
    char date[16];
    if (o->auto_compute && (compute || timer)) {
        bool present = true;
        if (!today(r, o, date, sizeof date) || (!compute && !has_run(r, date, &present)))
            return false;
        if ((compute || !present) && !compute_today(r, date) && !db_alive(r->db))
            return false;
    }
    return reload(r, o);
}

/* The notifications of ACCESS heard in one read, each passed on. */
struct access_count {
    struct refresh *r;
    int n;
};

static void access_heard(void *ctx, const char *user)
{
    struct access_count *c = ctx;
    c->n++;
    if (c->r->hooks.access_changed)
        c->r->hooks.access_changed(c->r->hooks.ctx, user);
}

/* Waits for the timer, a notification or a wake-up. */
static void wait_events(struct refresh *r, double deadline)
{
    struct pollfd fds[2] = {{.fd = r->wake[0], .events = POLLIN},
                            {.fd = r->db ? db_socket(r->db) : -1, .events = POLLIN}};
    double left = deadline - clock_seconds();
    /* at most 5 s: a connection libpq dropped is noticed on the next turn */
    int ms = left <= 0 ? 0 : left > 5 ? 5000 : (int)(left * 1000) + 1;
    if (poll(fds, 2, ms) <= 0)
        return;
    if (fds[0].revents & POLLIN) {
        char drain[64];
        while (read(r->wake[0], drain, sizeof drain) > 0)
            ;
    }
    if (r->db && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        struct access_count c = {r, 0};
        int n = db_notifications(r->db, ACCESS, access_heard, &c);
        if (n < 0 || !db_alive(r->db))
            drop_db(r);
        else if (n > c.n)
            atomic_store(&r->want_compute, true);
    }
}

static void *thread_main(void *arg)
{
    struct refresh *r = arg;
    int backoff = 1;
    double next_timer = 0, retry_at = 0;
    while (!atomic_load(&r->stopping)) {
        struct opts o;
        bool changed = false;
        opts_snapshot(r, &o, &changed);
        if (changed && r->db)
            drop_db(r);
        if (!r->db && clock_seconds() >= retry_at) {
            if (connect_db(r, &o)) {
                backoff = 1;
                next_timer = 0;
            } else {
                log_warn("msg=\"database unreachable, retrying\" retry_in=%d", backoff);
                retry_at = clock_seconds() + backoff;
                backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
            }
        }
        if (r->db) {
            bool timer = clock_seconds() >= next_timer;
            bool compute = atomic_exchange(&r->want_compute, false);
            bool reload = atomic_exchange(&r->want_reload, false);
            if (timer)
                next_timer = clock_seconds() + o.refresh_interval;
            if ((timer || compute || reload) && !refresh_once(r, &o, timer, compute) &&
                !db_alive(r->db))
                drop_db(r);
        }
        if (r->db && (!db_alive(r->db) || db_socket(r->db) < 0))
            drop_db(r); /* libpq closed it while reading a server error */
        double deadline = r->db ? next_timer : retry_at;
        opts_free(&o);
        /* a request waiting goes on at once, with a connection to serve it;
         * without one the loop waits for the reconnection's time (no spin) */
        bool asked = atomic_load(&r->want_compute) || atomic_load(&r->want_reload);
        if (!atomic_load(&r->stopping) && !(r->db && asked))
            wait_events(r, deadline);
    }
    struct db *db = r->db;
    set_db(r, NULL);
    db_close(db);
    return NULL;
}

/* ---- the public face ------------------------------------------------------------- */

static void load_persisted(struct refresh *r)
{
    char path[4096];
    struct snap *s = NULL;
    snapshot_path(&r->opts, path, sizeof path);
    if (!snap_read_file(path, &s))
        return;
    log_info("msg=\"persisted snapshot loaded, served until the database confirms it\" path=%s "
             "snapshot=%s runs=%zu",
             path, s->id, s->nruns);
    snap_cache_set_budget(s, r->opts.cache_bytes);
    r->current = s;
}

bool refresh_start(const struct refresh_options *opts, struct refresh **out)
{
    struct refresh *r = xcalloc(1, sizeof *r);
    if (pipe(r->wake) != 0) {
        free(r);
        return false;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(r->wake[i], F_SETFL, O_NONBLOCK);
        fcntl(r->wake[i], F_SETFD, FD_CLOEXEC);
    }
    pthread_mutex_init(&r->mu, NULL);
    opts_copy(&r->opts, opts);
    r->hooks = opts->hooks;
    atomic_init(&r->stale, true);
    load_persisted(r);
    *out = r;
    return true;
}

bool refresh_run(struct refresh *r)
{
    r->running = pthread_create(&r->thread, NULL, thread_main, r) == 0;
    if (!r->running)
        log_error("msg=\"cannot start the refresh thread\"");
    return r->running;
}

char *refresh_timezone(struct refresh *r)
{
    pthread_mutex_lock(&r->mu);
    char *zone = xstrdup(r->opts.timezone);
    pthread_mutex_unlock(&r->mu);
    return zone;
}

void refresh_reconfigure(struct refresh *r, const struct refresh_options *opts)
{
    struct opts fresh;
    opts_copy(&fresh, opts);
    pthread_mutex_lock(&r->mu);
    bool reconnect = strcmp(fresh.conninfo, r->opts.conninfo) != 0 ||
                     fresh.statement_timeout != r->opts.statement_timeout;
    opts_free(&r->opts);
    r->opts = fresh;
    r->opts_changed = r->opts_changed || reconnect;
    if (r->current)
        snap_cache_set_budget(r->current, fresh.cache_bytes);
    pthread_mutex_unlock(&r->mu);
    wake(r);
}

void refresh_request(struct refresh *r)
{
    atomic_store(&r->want_compute, true);
    wake(r);
}

void refresh_reload(struct refresh *r)
{
    atomic_store(&r->want_reload, true);
    wake(r);
}

void refresh_stop(struct refresh *r)
{
    if (!r)
        return;
    atomic_store(&r->stopping, true);
    wake(r);
    pthread_mutex_lock(&r->mu);
    db_cancel(r->db);
    pthread_mutex_unlock(&r->mu);
    if (r->running)
        pthread_join(r->thread, NULL);
    snap_unref(r->current);
    opts_free(&r->opts);
    close(r->wake[0]);
    close(r->wake[1]);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

struct snap *refresh_acquire(struct refresh *r, struct refresh_status *st)
{
    pthread_mutex_lock(&r->mu);
    struct snap *s = r->current ? snap_ref(r->current) : NULL;
    pthread_mutex_unlock(&r->mu);
    if (st) {
        long long verified = atomic_load(&r->verified_at);
        long long since = verified ? verified : (s ? s->built_at : 0);
        st->stale = atomic_load(&r->stale);
        st->db_up = atomic_load(&r->db_up);
        st->age = s ? (double)((long long)time(NULL) - since) : -1;
    }
    return s;
}
