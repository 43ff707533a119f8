#include "db.h"

#include "log.h"
#include "mem.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db {
    PGconn *conn;
    PGcancel *cancel;
    atomic_bool cancelled; /* db_cancel() asked: the statement's end is no error */
    char sqlstate[6];
    char errmsg[512];
};

struct db_result {
    PGresult *res;
};

static void on_notice(void *arg, const PGresult *res)
{
    (void)arg;
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    char quoted[600];
    log_debug("msg=\"server notice\" severity=%s notice=\"%s\"", sev ? sev : "?",
              log_quote(quoted, sizeof quoted, msg));
}

static void one_line(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
    size_t n = 0;
    for (const char *p = dst; *p; p++) {
        char c = (*p == '"') ? '\'' : ((unsigned char)*p < 0x20 ? ' ' : *p);
        if (c == ' ' && (n == 0 || dst[n - 1] == ' '))
            continue; /* libpq's "\n\t" between sentences: one space */
        dst[n++] = c;
    }
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

static void keep_error(struct db *db, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    one_line(db->errmsg, sizeof db->errmsg, msg ? msg : PQerrorMessage(db->conn));
}

/* libpq waits for ever on a server that accepts and never answers. Unless
 * the conninfo, PGCONNECT_TIMEOUT or a service (pg_service.conf, which
 * cannot be read here) says how long, give up after DB_CONNECT_TIMEOUT. */
static bool timeout_given(const char *conninfo)
{
    const char *env[] = {getenv("PGCONNECT_TIMEOUT"), getenv("PGSERVICE")};
    bool given = (env[0] && *env[0]) || (env[1] && *env[1]);
    PQconninfoOption *parsed = PQconninfoParse(conninfo, NULL); /* NULL: the connect says why */
    for (PQconninfoOption *o = parsed; o && o->keyword; o++)
        if ((strcmp(o->keyword, "connect_timeout") == 0 || strcmp(o->keyword, "service") == 0) &&
            o->val && *o->val)
            given = true;
    PQconninfoFree(parsed);
    return given;
}

bool db_open(const char *conninfo, int statement_timeout_ms, struct db **out, char *why,
             size_t why_len)
{
    struct db *db = xcalloc(1, sizeof *db);
    conninfo = conninfo ? conninfo : "";
    const char *const keys[] = {"dbname", "connect_timeout", NULL};
    const char *const values[] = {conninfo, timeout_given(conninfo) ? NULL : DB_CONNECT_TIMEOUT,
                                  NULL};
    db->conn = PQconnectdbParams(keys, values, 1); /* 1: dbname may be a whole conninfo */
    if (PQstatus(db->conn) != CONNECTION_OK) {
        one_line(why, why_len, PQerrorMessage(db->conn));
        goto failed;
    }
    PQsetNoticeReceiver(db->conn, on_notice, NULL);
    db->cancel = PQgetCancel(db->conn);
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%d", statement_timeout_ms);
    const char *params[] = {timeout};
    if (!db_query(db,
                  "SELECT set_config('statement_timeout', $1, false),"
                  " set_config('client_encoding', 'UTF8', false),"
                  " set_config('DateStyle', 'ISO, YMD', false),"
                  " set_config('jit', 'off', false)",
                  1, params, NULL)) {
        snprintf(why, why_len, "%s", db->errmsg);
        goto failed;
    }
    *out = db;
    return true;
failed:
    db_close(db);
    return false;
}

bool db_connect(const char *conninfo, int statement_timeout_ms, struct db **out)
{
    char why[sizeof((struct db *)NULL)->errmsg];
    if (db_open(conninfo, statement_timeout_ms, out, why, sizeof why))
        return true;
    char quoted[2 * sizeof why];
    log_error("msg=\"cannot connect to the database\" reason=\"%s\"",
              log_quote(quoted, sizeof quoted, why));
    return false;
}

int db_socket(const struct db *db)
{
    return PQsocket(db->conn);
}

bool db_alive(const struct db *db)
{
    return PQstatus(db->conn) == CONNECTION_OK;
}

int db_notifications(struct db *db, const char *channel,
                     void (*on_channel)(void *ctx, const char *payload), void *ctx)
{
    if (!PQconsumeInput(db->conn)) {
        one_line(db->errmsg, sizeof db->errmsg, PQerrorMessage(db->conn));
        log_warn("msg=\"database connection lost\" reason=\"%s\"", db->errmsg);
        return -1;
    }
    int n = 0;
    PGnotify *note;
    while ((note = PQnotifies(db->conn)) != NULL) {
        log_debug("msg=notification channel=%s", note->relname);
        if (on_channel && channel && strcmp(note->relname, channel) == 0)
            on_channel(ctx, note->extra ? note->extra : "");
        PQfreemem(note);
        n++;
    }
    return n;
}

void db_cancel(struct db *db)
{
    char err[256], quoted[512];
    if (db)
        atomic_store(&db->cancelled, true);
    if (db && db->cancel && !PQcancel(db->cancel, err, sizeof err))
        log_warn("msg=\"cannot cancel the running statement\" reason=\"%s\"",
                 log_quote(quoted, sizeof quoted, err));
}

char *db_conninfo_json(const char *conninfo)
{
    char *errmsg = NULL, quoted[512];
    PQconninfoOption *parsed = PQconninfoParse(conninfo, &errmsg);
    if (!parsed) {
        log_error("msg=\"not a connection string\" reason=\"%s\"",
                  log_quote(quoted, sizeof quoted, errmsg ? errmsg : "out of memory"));
        PQfreemem(errmsg);
        return NULL;
    }
    json_t *obj = json_object();
    char *text = NULL;
    for (PQconninfoOption *o = parsed; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        json_t *value = json_string(o->val);
        if (!value) {
            log_error("msg=\"connection option is not UTF-8\" option=%s", o->keyword);
            goto done;
        }
        json_object_set_new(obj, o->keyword, value);
    }
    text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        mem_failed("json_dumps", 1, strlen(conninfo));
done:
    PQconninfoFree(parsed);
    json_decref(obj);
    return text;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    if (db->cancel)
        PQfreeCancel(db->cancel);
    PQfinish(db->conn);
    free(db);
}

static bool check_result(struct db *db, PGresult *res, const char *what)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        db->sqlstate[0] = '\0';
        db->errmsg[0] = '\0';
        return true;
    }
    keep_error(db, res);
    /* query_canceled after db_cancel() (a stop): what was asked for */
    if (atomic_exchange(&db->cancelled, false) && strcmp(db->sqlstate, "57014") == 0)
        log_info("msg=\"statement cancelled\" what=\"%s\"", what);
    else
        log_error("msg=\"database error\" what=\"%s\" sqlstate=%s reason=\"%s\"", what,
                  db->sqlstate, db->errmsg);
    return false;
}

bool db_exec_script(struct db *db, const char *what, const char *sql)
{
    PGresult *res = PQexec(db->conn, sql);
    bool ok = check_result(db, res, what);
    PQclear(res);
    return ok;
}

static void statement_name(const char *sql, char *out, size_t len)
{
    one_line(out, len, sql);
}

bool db_query(struct db *db, const char *sql, int nparams, const char *const *params,
              struct db_result **out)
{
    PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    char what[96];
    statement_name(sql, what, sizeof what);
    if (!check_result(db, res, what)) {
        PQclear(res);
        return false;
    }
    if (!out) {
        PQclear(res);
        return true;
    }
    struct db_result *r = xmalloc(sizeof *r);
    r->res = res;
    *out = r;
    return true;
}

bool db_begin(struct db *db)
{
    return db_query(db, "BEGIN", 0, NULL, NULL);
}

bool db_commit(struct db *db)
{
    return db_query(db, "COMMIT", 0, NULL, NULL);
}

void db_rollback(struct db *db)
{
    if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
        return;
    PGresult *res = PQexec(db->conn, "ROLLBACK");
    PQclear(res);
}

const char *db_sqlstate(const struct db *db)
{
    return db->sqlstate;
}

const char *db_errmsg(const struct db *db)
{
    return db->errmsg;
}

int db_rows(const struct db_result *r)
{
    return PQntuples(r->res);
}

int db_cols(const struct db_result *r)
{
    return PQnfields(r->res);
}

const char *db_colname(const struct db_result *r, int col)
{
    return PQfname(r->res, col);
}

const char *db_value(const struct db_result *r, int row, int col)
{
    if (PQgetisnull(r->res, row, col))
        return NULL;
    return PQgetvalue(r->res, row, col);
}

void db_result_free(struct db_result *r)
{
    if (!r)
        return;
    PQclear(r->res);
    free(r);
}
