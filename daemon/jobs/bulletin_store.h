/* The bulletin's rows in the database (sql/schema/010_bulletin.sql): the
 * schedule's dates in the configured zone, the recipients, the archive's
 * records and the deliveries. The database is what makes a bulletin once
 * per (date, branch, version) and a delivery once per (bulletin, address)
 * with several daemons on one warehouse: unique keys, an advisory lock
 * around a date's generation, and claims with a lease.
 *
 * Times of day are taken in a zone by PostgreSQL (`AT TIME ZONE`), from an
 * epoch the caller gives: the schedule follows daemon.timezone whatever the
 * host's zone, and a test can give any instant.
 *
 * Ownership: strings in the structs filled here are malloc'd and freed by
 * the matching *_free(); everything given is borrowed for the call. */
#ifndef RETENTIOND_BULLETIN_STORE_H
#define RETENTIOND_BULLETIN_STORE_H

#include "db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The newest local date whose send_at (HH:MM in zone) is at or before
 * now, and the instant (epoch) send_at + wait_minutes of a date in zone. */
bool bstore_due_date(struct db *db, time_t now, const char *zone, const char *send_at,
                     char out[11]);
bool bstore_deadline(struct db *db, const char *date, const char *zone, const char *send_at,
                     int wait_minutes, time_t *out);
/* How many bulletins of date are recorded (every branch and version), and
 * how many of them were pruned from the archive. */
bool bstore_date_counts(struct db *db, const char *date, long *recorded, long *pruned);
/* The newest date of an archived bulletin; "" when none. */
bool bstore_last_date(struct db *db, char out[11]);

/* Whoever generates a date holds this lock until its transaction ends
 * (pg_advisory_xact_lock): the second daemon waits, then finds it done. */
bool bstore_lock_date(struct db *db, const char *date);

/* The newest archived version of a (date, branch). */
struct bstore_version {
    int version;       /* 0: none */
    long long id;      /* its record (0: none) */
    long long run_id;  /* the compute run it was made from (0: none) */
    char html_sha[65]; /* its HTML's SHA-256 ("": none) */
    /* its figures' SHA-256 (bulletin_job.c; "": none, or archived before
     * the schema recorded it) */
    char figures_sha[65];
    char lang[8]; /* the language it is in ("": none) */
};
bool bstore_latest(struct db *db, const char *date, const char *branch, struct bstore_version *out);

/* The values that differ between run was_run and run, of branch and of
 * every branch's K3 totals (sql/jobs/bulletin_changes.sql): *changes (the
 * caller's: json_decref) an array of objects {kpi, branch, dim ("": none),
 * campaign (-1: none), was, now (null: none)}; *known false when was_run
 * has no values left. */
bool bstore_changes(struct db *db, long long was_run, long long run, const char *branch,
                    bool *known, json_t **changes);

/* The bulletin is to be mailed (its deliveries are being added); nothing
 * for a pruned one. */
bool bstore_set_mailed(struct db *db, long long bulletin_id);

struct bstore_recipient {
    char *branch_code; /* whose bulletin they get */
    char *address;
    char *user_name; /* NULL: an extra address */
};

/* Who gets which bulletin: executives with an address the province's
 * (root_code), branch managers with one their branch's, and the extra
 * addresses of kpi.bulletin_recipient; enabled users only. */
bool bstore_recipients(struct db *db, const char *root_code, struct bstore_recipient **out,
                       size_t *n);
void bstore_recipients_free(struct bstore_recipient *r, size_t n);

struct bstore_bulletin {
    const char *date, *branch_code, *lang, *path, *generated_by;
    int version;
    long long run_id;
    const char *data_as_of;
    char html_sha[65], pdf_sha[65], png_sha[65], figures_sha[65];
    size_t html_bytes, pdf_bytes, png_bytes;
    bool mailed;
};

/* Records an archived bulletin; *id receives its id. False (logged) on a
 * database error, with *conflict set when (date, branch, version) exists. */
bool bstore_insert(struct db *db, const struct bstore_bulletin *b, long long *id, bool *conflict);

/* A delivery of bulletin id to address, claimed by `me`; nothing when that
 * address already has one, or the bulletin was pruned (its files are gone:
 * it is never mailed again). message_id is built from the row's id. */
bool bstore_add_delivery(struct db *db, long long bulletin_id, const char *address,
                         const char *user_name, const char *me, const char *mail_domain);

struct bstore_delivery {
    long long delivery_id, bulletin_id, run_id;
    long long replaces_run; /* the run of version - 1 of its date and branch (0: none) */
    char *date, *branch_code, *address, *message_id, *path, *lang, *data_as_of;
    char *html_sha, *pdf_sha, *png_sha;
    int version, attempts;
    bool pruned; /* its bulletin's files were pruned: never sent (none can be pending) */
};

/* The deliveries `me` is to make now: its own open claims, the claims of
 * others older than lease seconds (taken over), and with retry_date (or
 * NULL) the failed deliveries of that date whose last attempt is older
 * than retry_after seconds (claimed again, under the date's lock, unless
 * their bulletin was pruned). */
bool bstore_claim(struct db *db, const char *me, int lease, const char *retry_date, int retry_after,
                  struct bstore_delivery **out, size_t *n);
void bstore_deliveries_free(struct bstore_delivery *d, size_t n);

/* A delivery `me` claimed and did not make (the process stops): left
 * 'sending' for the next process to take at once. */
bool bstore_release(struct db *db, const struct bstore_delivery *d, const char *me);
/* The outcome of a delivery `me` made: sent (with whether the PDF was a
 * link) or failed (with the server's reply and the error). */
bool bstore_finish(struct db *db, const struct bstore_delivery *d, const char *me, bool sent,
                   int attempts, bool pdf_linked, long reply, const char *error);

#endif
