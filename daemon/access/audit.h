/* The audit log (kpi.audit_log, append-only): who, when, what, with which
 * parameters, from where, and how it ended. The daemon writes it off its
 * HTTP threads: audit_log() queues a row (stamped with the time it
 * happened and a key of its own) and one writer thread inserts them on a
 * connection of its own. audit_stop() writes everything still queued while
 * the database answers; what it cannot write goes to the spool file, read
 * back and written at the next start (a row written twice is kept once,
 * by its key), so that a clean stop loses nothing and does not wait for a
 * database that is away. Commands (users, tokens) insert their rows at
 * once (audit_insert).
 *
 * Ownership: audit_start() gives the caller a struct audit to audit_stop();
 * every string given is copied. */
#ifndef RETENTIOND_AUDIT_H
#define RETENTIOND_AUDIT_H

#include "buf.h"
#include "db.h"

#include <jansson.h>
#include <stdbool.h>

struct audit;

/* One row. params: a JSON object (borrowed; NULL = {}). */
struct audit_row {
    const char *who;    /* user name; NULL unknown */
    const char *action; /* login, login_failed, logout, token_use, at_risk_list, ... */
    json_t *params;
    const char *client;  /* client address; NULL for a command */
    const char *outcome; /* ok, denied, failed, throttled, ... */
    const char *detail;  /* NULL */
};

/* Starts the writer on a connection of its own (conninfo and spool, a
 * file path or NULL, copied), first queueing the rows a spool left by an
 * earlier stop holds; false (logged) when it cannot start. The connection
 * is opened lazily and reopened after a failure, with a back-off of 0.1 s
 * doubling to 3.2 s (rows wait in the queue, at most AUDIT_QUEUE_MAX:
 * beyond that the oldest are logged in full and dropped, counted by
 * audit_dropped()). */
#define AUDIT_QUEUE_MAX 100000
bool audit_start(const char *conninfo, const char *spool, struct audit **out);
void audit_log(struct audit *a, const struct audit_row *row);
/* Writes what is queued while the database answers, spools the rest (or,
 * without a spool or when it cannot be written, logs each row in full) and
 * frees a. NULL-safe. */
void audit_stop(struct audit *a);
/* Rows given up on (queue full, or the database gone at stop). */
long long audit_dropped(const struct audit *a);

/* Inserts one row now on db; false (logged) on a database error. */
bool audit_insert(struct db *db, const struct audit_row *row);

/* Reading the log: the query (parameters $1 since: a date YYYY-MM-DD, its
 * 00:00 in the zone $5, or an RFC 3339 instant (date_instant_valid), or
 * NULL; $2 one action or NULL, $3 at most that many rows, $4 only rows
 * older than that id or NULL (the next page: the last id of one page);
 * $6 one user (who) or NULL, $7 one outcome or NULL; newest first),
 * and its rows as JSON ({"entries": [{id, at, who, action, params, client,
 * outcome, detail}]}, a new reference), as text lines for people, or as
 * CSV for a spreadsheet (UTF-8 with a byte-order mark, CRLF, a header row;
 * text cells escaped against formulas; params as its JSON). */
const char *audit_select_sql(void);
/* Whether a is written as the log writes action names: [a-z_], 1 to 40
 * characters. */
bool audit_action_name_ok(const char *a);
/* Whether o is an outcome the log writes (ok, denied, refused, failed,
 * error, throttled). */
bool audit_outcome_ok(const char *o);
/* A row when some entry has action $1, none else. */
const char *audit_action_seen_sql(void);
json_t *audit_rows_json(const struct db_result *res);
void audit_rows_text(const struct db_result *res, struct buf *out);
void audit_rows_csv(const struct db_result *res, struct buf *out);

#endif
