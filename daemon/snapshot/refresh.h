/* Keeps the daemon's snapshot current. A thread of its own holds one
 * database connection, LISTENs on `retentiond_refresh`, and refreshes:
 * on the refresh interval, on a notification from the warehouse's ETL, and
 * on refresh_request() (SIGUSR1). A refresh first computes today's run
 * (with auto_compute: on a notification or request, or when today has no
 * run yet; a run identical to today's newest is not stored, and is logged
 * `compute unchanged`) and then rebuilds the snapshot, publishing it only
 * when its contents changed; each published snapshot is also persisted to
 * data_dir/snapshot.json. At start the persisted snapshot is served
 * (flagged stale) until the database confirms or replaces it. When the
 * database is unreachable the last snapshot stays, flagged stale, and the
 * thread reconnects with exponential backoff (1 s .. 30 s). Every snapshot it
 * serves caches rendered bodies within cache_bytes (snap_cache_set_budget);
 * a new cache_bytes applies to the current snapshot at once.
 *
 * Ownership: refresh_start() gives the caller a struct refresh to
 * refresh_stop(). Options are copied. refresh_acquire() returns a snapshot
 * reference the caller drops with snap_unref(). */
#ifndef RETENTIOND_REFRESH_H
#define RETENTIOND_REFRESH_H

#include "db.h"
#include "snap.h"

#include <stdbool.h>

struct refresh;

/* What the refresher cannot do by itself, given by the caller (the layers
 * above: the KPI engine, the metrics): compute today's run, and hear of
 * each refresh, compute and database error. ctx is passed back; every hook
 * may be NULL (compute: auto_compute then does nothing). Called on the
 * refresher's thread. */
struct refresh_hooks {
    void *ctx;
    /* computes the run of as_of on db, storing it unless it equals as_of's
     * newest stored run (logged either way); false when it failed (logged) */
    bool (*compute)(void *ctx, struct db *db, const char *as_of);
    void (*computed)(void *ctx, double seconds, bool ok);
    void (*refreshed)(void *ctx, double seconds, bool ok);
    void (*db_error)(void *ctx);
    /* a user's access changed in the database (NOTIFY retentiond_access, by
     * a command or a daemon, this one too): what was read of them is read
     * again. user: the notification's payload, the user's name; NULL (or
     * "") when not known (every user: also when the connection is made
     * again, as what was notified meanwhile was not heard) */
    void (*access_changed)(void *ctx, const char *user);
};

struct refresh_options {
    const char *conninfo;
    int statement_timeout; /* ms */
    int refresh_interval;  /* s */
    const char *timezone;  /* today's date is taken in it */
    const char *data_dir;
    int history_days;
    bool auto_compute;
    size_t cache_bytes; /* budget of each snapshot's body cache */
    struct refresh_hooks hooks;
};

struct refresh_status {
    bool stale; /* the snapshot is not confirmed by the database */
    bool db_up; /* the last database call succeeded */
    double age; /* seconds since the database last confirmed the snapshot (or since it
                   was built, if never); < 0 when there is no snapshot */
};

/* The refresher, with the snapshot persisted in data_dir (if any) loaded;
 * its thread (which connects, computes and refreshes) starts at
 * refresh_run(), so that nothing is computed or written by a daemon that
 * could not listen. */
bool refresh_start(const struct refresh_options *opts, struct refresh **out);
/* Starts the thread; false (logged) when it cannot. */
bool refresh_run(struct refresh *r);
/* New options (SIGHUP); a new conninfo reconnects. */
void refresh_reconfigure(struct refresh *r, const struct refresh_options *opts);
/* daemon.timezone as configured now (refresh_reconfigure changes it); a
 * new string the caller frees. */
char *refresh_timezone(struct refresh *r);
/* Compute (with auto_compute) and refresh now, as a notification would. */
void refresh_request(struct refresh *r);
/* Reload the stored runs now, computing nothing (a request found a run
 * newer than the snapshot's); requests meanwhile make one reload. */
void refresh_reload(struct refresh *r);
/* Cancels a running statement, joins the thread (if it runs), frees r.
 * NULL ok. */
void refresh_stop(struct refresh *r);

/* The current snapshot (NULL when none yet) and its state. Never blocks on
 * a refresh: only a pointer copy happens under the lock. */
struct snap *refresh_acquire(struct refresh *r, struct refresh_status *st);

#endif
