/* A quarter's history for its report (issue 16), read from the database
 * beside a snapshot: the newest run of each day of a date range with its
 * times and settings (sql/api/report_runs.sql), and the stretches of days
 * on which a value was red (sql/api/report_alarms.sql). A snapshot holds
 * daily runs for history_days only, the database all of them.
 *
 * The reader runs its SQL through the caller's query function, so that the
 * command (one connection) and the daemon (its pool) share it; views see
 * these types only, never a database header.
 *
 * Ownership: snap_history_read() fills *out with memory of its own, freed
 * by snap_history_free(); alarms' branch indexes are of the snapshot given
 * to the reader. */
#ifndef RETENTIOND_SNAP_HISTORY_H
#define RETENTIOND_SNAP_HISTORY_H

#include "snap.h"

#include <stdbool.h>
#include <stddef.h>

struct db_result;

/* Runs sql with params on the caller's connection: true with *res (freed by
 * the reader), false when the query could not run (the caller keeps why). */
typedef bool (*snap_query_fn)(void *ctx, const char *sql, int nparams, const char *const *params,
                              struct db_result **res);

struct snap_day {
    long long run_id;
    char as_of[11];
    char started[20], finished[20]; /* UTC, YYYY-MM-DD HH:MM:SS */
    char *settings;                 /* kpi.run.settings, JSON text */
};

/* A stretch of red days of one value. */
struct snap_alarm {
    int branch;   /* index in the snapshot */
    int kpi;      /* enum snap_kpi */
    char *dim;    /* NULL: the total */
    int campaign; /* -1: none */
    char raised[11];
    char cleared[11]; /* the first run day after it; "": still red at the range's last run */
    bool no_data;     /* that day had no judged value: ended without data, not cleared */
    bool carried_in;  /* red on the first run day and in the period before it */
    int red_days;     /* the runs of the stretch */
    char *reason;     /* on its first day; NULL: none given */
};

struct snap_history {
    struct snap_day *days; /* oldest first */
    size_t ndays;
    char days_sha[65];         /* SHA-256 (hex) of the days' run ids, one per line */
    struct snap_alarm *alarms; /* by branch code, KPI, campaign, dim, raised */
    size_t nalarms;
};

/* Reads the history of [first, last] (YYYY-MM-DD): the newest run of each
 * day, or of the runs given (a PostgreSQL bigint[] literal, "{12,40}": an
 * earlier export's; NULL: every run); alarms of branches the snapshot does
 * not know are left out. False when a query fails (*out then empty). */
bool snap_history_read(const struct snap *s, const char *first, const char *last, const char *runs,
                       snap_query_fn query, void *ctx, struct snap_history *out);
/* NULL-safe; leaves *h empty. */
void snap_history_free(struct snap_history *h);

#endif
