#include "audit.h"

#include "clock.h"
#include "csv.h"
#include "log.h"
#include "mem.h"
#include "random.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char insert_sql[] =
    "INSERT INTO kpi.audit_log (who, action, params, client_addr, outcome, detail, at, row_key)"
    " VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::timestamptz, $8)"
    " ON CONFLICT (row_key) DO NOTHING";

/* A queued row's columns, as insert_sql takes them (and the spool holds
 * them). */
enum { C_WHO, C_ACTION, C_PARAMS, C_CLIENT, C_OUTCOME, C_DETAIL, C_AT, C_KEY, NCOLS };
static const char *const col_names[NCOLS] = {"who",     "action", "params", "client",
                                             "outcome", "detail", "at",     "key"};

/* A queued row: its text columns, owned. */
struct queued {
    struct queued *next;
    char *col[NCOLS];
};

struct audit {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t more;
    struct queued *head, *tail;
    long n;
    bool stopping;
    bool down;          /* the last write failed: the database is away */
    bool spool_pending; /* rows read from the spool are not all written yet */
    char *conninfo;
    char *spool; /* the spool's path, or NULL */
    struct db *db;
    atomic_llong dropped;
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static char *params_text(json_t *params)
{
    char *text = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    return text ? text : xstrdup("{}");
}

/* Now, as the audit log's `at` (UTC, milliseconds). */
static char *now_text(void)
{
    struct timespec t;
    struct tm tm;
    char text[40];
    clock_gettime(CLOCK_REALTIME, &t);
    gmtime_r(&t.tv_sec, &tm);
    size_t n = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(text + n, sizeof text - n, ".%03ldZ", t.tv_nsec / 1000000);
    return xstrdup(text);
}

static struct queued *queued_new(const struct audit_row *row)
{
    struct queued *q = xcalloc(1, sizeof *q);
    char key[33];
    q->col[C_WHO] = dup_or_null(row->who);
    q->col[C_ACTION] = xstrdup(row->action);
    q->col[C_PARAMS] = params_text(row->params);
    q->col[C_CLIENT] = dup_or_null(row->client);
    q->col[C_OUTCOME] = xstrdup(row->outcome);
    q->col[C_DETAIL] = dup_or_null(row->detail);
    q->col[C_AT] = now_text();
    q->col[C_KEY] = random_hex(16, key) ? xstrdup(key) : NULL;
    return q;
}

static void queued_free(struct queued *q)
{
    for (int i = 0; i < NCOLS; i++)
        free(q->col[i]);
    free(q);
}

/* A row given up on: at least the log keeps it. */
static void drop(struct audit *a, struct queued *q)
{
    char who[128], action[64], params[512];
    log_error("msg=\"audit row lost\" at=%s who=\"%s\" action=\"%s\" params=\"%s\" outcome=%s",
              q->col[C_AT], log_quote(who, sizeof who, q->col[C_WHO] ? q->col[C_WHO] : ""),
              log_quote(action, sizeof action, q->col[C_ACTION]),
              log_quote(params, sizeof params, q->col[C_PARAMS]), q->col[C_OUTCOME]);
    atomic_fetch_add(&a->dropped, 1);
    queued_free(q);
}

/* Appends q to the queue (the caller holds mu); the oldest row beyond
 * AUDIT_QUEUE_MAX is returned to be dropped. */
static struct queued *enqueue(struct audit *a, struct queued *q)
{
    struct queued *gone = NULL;
    if (a->tail)
        a->tail->next = q;
    else
        a->head = q;
    a->tail = q;
    if (++a->n > AUDIT_QUEUE_MAX) {
        gone = a->head;
        a->head = gone->next;
        a->n--;
    }
    return gone;
}

void audit_log(struct audit *a, const struct audit_row *row)
{
    struct queued *q = queued_new(row), *gone;
    pthread_mutex_lock(&a->mu);
    gone = enqueue(a, q);
    pthread_cond_signal(&a->more);
    pthread_mutex_unlock(&a->mu);
    if (gone)
        drop(a, gone);
}

/* ---- the spool: what a stop could not write, for the next start ------------------------- */

static bool spool_line(FILE *f, const struct queued *q)
{
    json_t *obj = json_object();
    for (int i = 0; i < NCOLS; i++)
        json_object_set_new(obj, col_names[i], q->col[i] ? json_string(q->col[i]) : json_null());
    int rc = json_dumpf(obj, f, JSON_COMPACT);
    json_decref(obj);
    return rc == 0 && fputc('\n', f) != EOF;
}

/* Writes the queue to the spool (a temporary file, fsync, rename); false
 * (logged) when it cannot. */
static bool spool_write(struct audit *a)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", a->spool);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* names and addresses */
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    bool ok = f != NULL;
    if (!f && fd >= 0)
        close(fd);
    for (struct queued *q = a->head; ok && q; q = q->next)
        ok = spool_line(f, q);
    if (f) {
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
        ok = fclose(f) == 0 && ok;
    }
    if (ok && rename(tmp, a->spool) != 0)
        ok = false;
    if (!ok) {
        log_error("msg=\"cannot write the audit spool\" path=%s reason=\"%s\"", a->spool,
                  strerror(errno));
        unlink(tmp);
    }
    return ok;
}

static struct queued *queued_from_json(json_t *obj)
{
    struct queued *q = xcalloc(1, sizeof *q);
    for (int i = 0; i < NCOLS; i++)
        q->col[i] = dup_or_null(json_string_value(json_object_get(obj, col_names[i])));
    if (q->col[C_ACTION] && q->col[C_PARAMS] && q->col[C_OUTCOME] && q->col[C_AT])
        return q;
    queued_free(q);
    return NULL;
}

/* Queues the rows of a spool left by an earlier stop; the file stays
 * until they are written (a row written twice is kept once: row_key). */
static void spool_read(struct audit *a)
{
    FILE *f = a->spool ? fopen(a->spool, "r") : NULL;
    char *line = NULL;
    size_t cap = 0;
    long n = 0, bad = 0;
    if (!f)
        return;
    while (getline(&line, &cap, f) > 0) {
        json_t *obj = json_loads(line, 0, NULL);
        struct queued *q = obj ? queued_from_json(obj) : NULL, *gone;
        json_decref(obj);
        if (!q) {
            bad++;
            continue;
        }
        gone = enqueue(a, q);
        if (gone)
            drop(a, gone);
        n++;
    }
    free(line);
    fclose(f);
    a->spool_pending = n > 0;
    log_info("msg=\"audit rows read from the spool\" path=%s rows=%ld unreadable=%ld", a->spool, n,
             bad);
    if (n == 0)
        unlink(a->spool);
}

/* ---- the writer ------------------------------------------------------------------------------ */

/* Inserts q; false when the database failed (the connection is dropped). */
static bool write_row(struct audit *a, const struct queued *q)
{
    if (!a->db && !db_connect(a->conninfo, 10000, &a->db))
        return false;
    if (db_query(a->db, insert_sql, NCOLS, (const char *const *)q->col, NULL))
        return true;
    if (!db_alive(a->db)) {
        db_close(a->db);
        a->db = NULL;
    }
    return false;
}

/* The next row to write, waiting for one; NULL when stopping with none, or
 * with the database away (what is left goes to the spool). */
static struct queued *next_row(struct audit *a)
{
    pthread_mutex_lock(&a->mu);
    while (!a->head && !a->stopping)
        pthread_cond_wait(&a->more, &a->mu);
    struct queued *q = a->stopping && a->down ? NULL : a->head;
    pthread_mutex_unlock(&a->mu);
    return q;
}

/* Takes the written head off the queue; the spool goes once what it held
 * is written. */
static void written(struct audit *a, struct queued *q)
{
    pthread_mutex_lock(&a->mu);
    a->head = q->next;
    if (!a->head)
        a->tail = NULL;
    a->n--;
    a->down = false;
    bool unspool = a->spool_pending && !a->head;
    if (unspool)
        a->spool_pending = false;
    pthread_mutex_unlock(&a->mu);
    queued_free(q);
    if (unspool && unlink(a->spool) == 0)
        log_info("msg=\"audit spool written\" path=%s", a->spool);
}

/* Waits ms before the next try, or until audit_stop() asks. */
static void pause_ms(struct audit *a, int ms)
{
    struct timespec until = clock_in_ms(CLOCK_REALTIME, ms);
    pthread_mutex_lock(&a->mu);
    a->down = true;
    if (!a->stopping)
        pthread_cond_timedwait(&a->more, &a->mu, &until);
    pthread_mutex_unlock(&a->mu);
}

static void *writer(void *arg)
{
    struct audit *a = arg;
    int backoff_ms = 100;
    struct queued *q;
    while ((q = next_row(a))) {
        if (write_row(a, q)) {
            written(a, q);
            backoff_ms = 100;
            continue;
        }
        pause_ms(a, backoff_ms); /* the database is away: wait, then retry */
        backoff_ms = backoff_ms < 3200 ? backoff_ms * 2 : backoff_ms;
    }
    return NULL;
}

bool audit_start(const char *conninfo, const char *spool, struct audit **out)
{
    struct audit *a = xcalloc(1, sizeof *a);
    a->conninfo = xstrdup(conninfo ? conninfo : "");
    a->spool = dup_or_null(spool);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->more, NULL);
    spool_read(a);
    if (pthread_create(&a->thread, NULL, writer, a) != 0) {
        log_error("msg=\"cannot start the audit writer\"");
        for (struct queued *q = a->head, *next; q; q = next) {
            next = q->next;
            queued_free(q);
        }
        free(a->spool);
        free(a->conninfo);
        free(a);
        return false;
    }
    *out = a;
    return true;
}

/* What the writer left: to the spool, else to the log. */
static void leftovers(struct audit *a)
{
    bool kept = a->head && a->spool && spool_write(a);
    if (kept)
        log_warn("msg=\"audit rows kept in the spool until the database answers\" path=%s "
                 "rows=%ld",
                 a->spool, a->n);
    for (struct queued *q = a->head, *next; q; q = next) {
        next = q->next;
        if (kept)
            queued_free(q);
        else
            drop(a, q);
    }
    a->head = a->tail = NULL;
    a->n = 0;
}

void audit_stop(struct audit *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stopping = true;
    pthread_cond_signal(&a->more);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    leftovers(a);
    db_close(a->db);
    pthread_cond_destroy(&a->more);
    pthread_mutex_destroy(&a->mu);
    free(a->spool);
    free(a->conninfo);
    free(a);
}

long long audit_dropped(const struct audit *a)
{
    return atomic_load(&a->dropped);
}

bool audit_insert(struct db *db, const struct audit_row *row)
{
    struct queued *q = queued_new(row);
    bool ok = db_query(db, insert_sql, NCOLS, (const char *const *)q->col, NULL);
    queued_free(q);
    return ok;
}

/* ---- reading ---------------------------------------------------------------------------- */

bool audit_action_name_ok(const char *a)
{
    size_t n = strlen(a);
    return n >= 1 && n <= 40 && strspn(a, "abcdefghijklmnopqrstuvwxyz_") == n;
}

bool audit_outcome_ok(const char *o)
{
    static const char *const outcomes[] = {"ok",     "denied", "refused",
                                           "failed", "error",  "throttled"};
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
        if (strcmp(o, outcomes[i]) == 0)
            return true;
    return false;
}

const char *audit_action_seen_sql(void)
{
    return "SELECT 1 FROM kpi.audit_log WHERE action = $1 LIMIT 1";
}

const char *audit_select_sql(void)
{
    return "SELECT audit_id::text, to_char(at AT TIME ZONE 'UTC', "
           "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
           " who, action, params::text, client_addr, outcome, detail"
           " FROM kpi.audit_log"
           " WHERE ($1::text IS NULL OR at >= CASE WHEN length($1) = 10"
           "   THEN $1::date::timestamp AT TIME ZONE $5 ELSE $1::timestamptz END)"
           " AND ($2::text IS NULL OR action = $2)"
           " AND ($4::bigint IS NULL OR audit_log.audit_id < $4::bigint)"
           " AND ($6::text IS NULL OR who = $6) AND ($7::text IS NULL OR outcome = $7)"
           " ORDER BY audit_log.audit_id DESC LIMIT $3::int"; /* the column, not its text */
}

static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *audit_rows_json(const struct db_result *res)
{
    json_t *entries = json_array();
    for (int i = 0; i < db_rows(res); i++) {
        json_error_t jerr;
        const char *p = db_value(res, i, 4);
        json_t *params = p ? json_loads(p, 0, &jerr) : NULL;
        json_array_append_new(
            entries,
            json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:s, s:o}", "id",
                      (json_int_t)atoll(db_value(res, i, 0)), "at", db_value(res, i, 1), "who",
                      text_or_null(db_value(res, i, 2)), "action", db_value(res, i, 3), "params",
                      params ? params : json_object(), "client", text_or_null(db_value(res, i, 5)),
                      "outcome", db_value(res, i, 6), "detail", text_or_null(db_value(res, i, 7))));
    }
    return json_pack("{s:o}", "entries", entries);
}

void audit_rows_text(const struct db_result *res, struct buf *out)
{
    /* one row, one line: a who or detail from a client (a sign-in's name)
     * has its control bytes escaped, so that it cannot forge a row */
    char who[300], detail[600];
    for (int i = 0; i < db_rows(res); i++) {
        const char *w = db_value(res, i, 2), *client = db_value(res, i, 5);
        const char *d = db_value(res, i, 7);
        buf_printf(out, "%s %s %s %s %s %s %s%s%s\n", db_value(res, i, 0), db_value(res, i, 1),
                   w ? log_quote(who, sizeof who, w) : "-", db_value(res, i, 3),
                   db_value(res, i, 6), client ? client : "-", db_value(res, i, 4), d ? " " : "",
                   d ? log_quote(detail, sizeof detail, d) : "");
    }
}

void audit_rows_csv(const struct db_result *res, struct buf *out)
{
    static const int columns[] = {0, 1, 2, 3, 6, 5, 4, 7}; /* the select's, in the header's order */
    buf_puts(out, "\xEF\xBB\xBFid,at,who,action,outcome,client,params,detail\r\n");
    for (int i = 0; i < db_rows(res); i++) {
        for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
            const char *v = db_value(res, i, columns[c]);
            if (c)
                buf_puts(out, ",");
            csv_text(out, v ? v : "");
        }
        buf_puts(out, "\r\n");
    }
}
