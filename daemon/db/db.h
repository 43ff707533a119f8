/* The database module: the only place libpq types appear.
 *
 * One struct db wraps one connection. Statements are parameterised
 * (db_query); db_exec_script runs trusted multi-statement SQL embedded in the
 * binary and never user input. Errors are logged here, once, with the
 * SQLSTATE kept for the caller (db_sqlstate). Server notices go to the log.
 *
 * Ownership: db_connect() gives the caller a struct db to db_close();
 * db_query() gives a struct db_result to db_result_free(). Strings returned
 * by db_value() belong to the result and live as long as it. */
#ifndef RETENTIOND_DB_H
#define RETENTIOND_DB_H

#include <stdbool.h>
#include <stddef.h>

struct db;
struct db_result;

/* Seconds a connection may take when nothing says (libpq's default: for
 * ever). */
#define DB_CONNECT_TIMEOUT "10"

/* Connects with `conninfo` ("" = libpq defaults and PG* variables), giving
 * up after DB_CONNECT_TIMEOUT unless the conninfo, PGCONNECT_TIMEOUT or a
 * service sets connect_timeout, and sets statement_timeout (ms, 0 = none),
 * client_encoding UTF8, DateStyle ISO. */
bool db_connect(const char *conninfo, int statement_timeout_ms, struct db **out);

/* As db_connect(), for a caller that says why itself (a command's one line
 * on stderr): a server that cannot be reached or refuses is not logged, its
 * reason written to why (why_len bytes, one line, NUL-terminated). A
 * session setting refused after the connection is logged as any statement's
 * error, and copied to why. */
bool db_open(const char *conninfo, int statement_timeout_ms, struct db **out, char *why,
             size_t why_len);
void db_close(struct db *db);

/* The options of a conninfo (key=value or URI) that are set, as the text
 * of a JSON object {"host": "...", "port": "...", ...}: malloc'd, the
 * caller frees it. NULL when it does not parse (libpq's reason logged, the
 * password never). */
char *db_conninfo_json(const char *conninfo);

/* Runs a trusted SQL script (several statements, no parameters). */
bool db_exec_script(struct db *db, const char *what, const char *sql);

/* Runs one statement with text parameters (NULL entries are SQL NULL).
 * `res` may be NULL when the rows are not wanted. */
bool db_query(struct db *db, const char *sql, int nparams, const char *const *params,
              struct db_result **res);

/* The connection's socket, to poll() for notifications. */
int db_socket(const struct db *db);
/* true while the connection is usable. */
bool db_alive(const struct db *db);
/* Reads what the server sent; returns how many notifications (LISTEN)
 * arrived, or -1 when the connection is lost; each of the channel named
 * channel is also given to on_channel (may be NULL) with its payload
 * (borrowed for the call; "" when none) and ctx. */
int db_notifications(struct db *db, const char *channel,
                     void (*on_channel)(void *ctx, const char *payload), void *ctx);
/* Asks the server to cancel what db is running. The only call that may be
 * made from another thread while db is in use (it must not be closed
 * meanwhile). */
void db_cancel(struct db *db);

bool db_begin(struct db *db);
bool db_commit(struct db *db);
/* Rolls back if a transaction is open; never fails loudly. */
void db_rollback(struct db *db);

/* The SQLSTATE of the last failed call ("" if none). Owned by db. */
const char *db_sqlstate(const struct db *db);
/* The primary message of the last failure ("" if none). Owned by db. */
const char *db_errmsg(const struct db *db);

int db_rows(const struct db_result *res);
int db_cols(const struct db_result *res);
const char *db_colname(const struct db_result *res, int col);
/* NULL when the value is SQL NULL. */
const char *db_value(const struct db_result *res, int row, int col);
void db_result_free(struct db_result *res);

#endif
