/* Prometheus metrics of the daemon: requests by route and status, a
 * latency histogram by route, database errors, refresh and compute
 * durations. Counters are atomics, updated from any thread without locks;
 * rendering reads them as they are (the text exposition format 0.0.4).
 *
 * Ownership: metrics_new() gives the caller a struct metrics to
 * metrics_free() (NULL-safe). The route names are borrowed and must outlive
 * it. */
#ifndef RETENTIOND_METRICS_H
#define RETENTIOND_METRICS_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

struct metrics;

/* names[i] labels route i; requests that match no route are labelled
 * "unmatched". */
struct metrics *metrics_new(const char *const *names, size_t count);
void metrics_free(struct metrics *m);

/* route: index into names, or -1. */
void metrics_request(struct metrics *m, int route, unsigned status, double seconds);
void metrics_db_error(struct metrics *m);
/* A request turned away because every pooled connection stayed busy. */
void metrics_db_busy(struct metrics *m);
/* A finished compute run started by the daemon (ok = stored). */
void metrics_compute(struct metrics *m, double seconds, bool ok);
/* A finished snapshot refresh from the database (ok = published). */
void metrics_refresh(struct metrics *m, double seconds, bool ok);

/* A sign-in's outcome (POST /login). */
enum metrics_login {
    LOGIN_OK,
    LOGIN_DENIED,
    LOGIN_THROTTLED,
    LOGIN_BUSY,
    LOGIN_ERROR,
    LOGIN_KINDS
};
void metrics_login(struct metrics *m, enum metrics_login outcome);

/* The state sampled at scrape time, given by the caller. */
struct metrics_gauges {
    double snapshot_age; /* seconds since the database last confirmed it; < 0 = none */
    bool stale;
    bool db_up;
    long long snapshot_runs;
    size_t cache_bytes;      /* the current snapshot's body cache: bytes held, */
    size_t cache_entries;    /* bodies held, */
    size_t cache_budget;     /* and the most it may hold */
    long long audit_dropped; /* audit rows given up on (audit_dropped()) */
};

void metrics_render(struct metrics *m, const struct metrics_gauges *g, struct buf *out);

#endif
