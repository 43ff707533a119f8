/* The bulletin archive's retention (docs/bulletin.md "The archive"):
 * bulletin.keep_days. The files of the bulletins of dates before the
 * cutoff (the local today in daemon.timezone, less keep_days days) are
 * removed; their rows, SHA-256, sizes and deliveries stay, the row marked
 * (kpi.bulletin.pruned_at).
 *
 * A bulletin is pruned when it was generated on this host (generated_by
 * is host:pid: its path is relative to this host's data directory, another
 * host's files are not ours) and no delivery of it is pending (none
 * 'sending'; none 'failed' of the schedule's due date, which the job still
 * tries again). Per date, under the date's advisory lock (its generation's):
 * the rows are marked and committed; then, in a second transaction under
 * the same lock, the date's directory is swept: the files of pruned rows go
 * (so a crash between the commit and the removal leaves files that the next
 * prune removes), the directory is fsync'd, and removed when empty. In the
 * directory of a date before the cutoff, a file of the archive's own names
 * (CODE.vN.html|pdf|png, or a temporary CODE.vN.EXT.tmp.PID.N) that no row
 * records and that is more than a day old is a stray of a crash and goes
 * too; any other file is kept, and logged.
 *
 * The whole prune holds a session advisory lock: a second process finds it
 * taken and does nothing (report.busy). A dry run changes nothing and
 * reports what a prune would remove.
 *
 * Ownership: options are borrowed for the call; a struct bprune_report's
 * dates are malloc'd and freed by bprune_report_free(). */
#ifndef RETENTIOND_BULLETIN_PRUNE_H
#define RETENTIOND_BULLETIN_PRUNE_H

#include "db.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct bprune_opts {
    const char *data_dir; /* the archive is data_dir/bulletins/DATE/ */
    const char *host;     /* this host: generated_by's part before its last ':' */
    const char *timezone; /* daemon.timezone: the local today */
    const char *send_at;  /* bulletin.send_at: the schedule's due date */
    int keep_days;        /* at least 1 */
    bool dry_run;         /* nothing marked nor removed: what a prune would do */
    /* or NULL: true when the process stops; the prune ends after the date
     * under way (the next one goes on from there) */
    bool (*stopped)(void *ctx);
    void *stopped_ctx;
};

/* What a prune did (or, dry, would do) on one date. */
struct bprune_date {
    char date[11];
    int bulletins;   /* rows marked pruned */
    int pending;     /* rows of this host before the cutoff kept: a delivery is pending */
    long files;      /* files removed */
    long long bytes; /* their size */
};

struct bprune_report {
    char today[11], cutoff[11]; /* the bulletins of dates before cutoff are pruned */
    bool busy;                  /* another process was pruning: nothing done */
    struct bprune_date *dates;  /* where something was done or kept, oldest first */
    size_t n;
    int bulletins, pending;
    long files;
    long long bytes;
    int failures; /* files or directories that could not be removed (logged; tried again) */
};

/* The prune at instant now. False (logged) on a database error; what was
 * committed stays, and the next prune goes on from it. Not dry, it logs one
 * line (msg="bulletin archive pruned"). */
bool bprune_run(struct db *db, const struct bprune_opts *o, time_t now, struct bprune_report *out);
void bprune_report_free(struct bprune_report *r);

/* The local date of instant now in o->timezone (the day a prune is for). */
bool bprune_today(struct db *db, const struct bprune_opts *o, time_t now, char out[11]);

/* The host part of a process's name host:pid, into out (len bytes). */
void bprune_host(const char *me, char *out, size_t len);

#endif
