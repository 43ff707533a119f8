/* Integration: access control of `retentiond serve` (docs/access.md)
 * against a generated province, over HTTP (libcurl):
 * - the matrix: every role (and anonymous) x every route x a branch inside
 *   and one outside the scope: the status, and that no code or name of a
 *   branch outside a branch manager's scope appears in a body, a chart's
 *   text (PDF, read back by pdftotext) or the headers;
 * - sessions: sign-in and its cookie, a new id at every sign-in (fixation),
 *   tampered ids, replay after sign-out, idle and absolute expiry enforced
 *   by the server, a disabled user's live session, CSRF (token missing or
 *   wrong, a cross-site request), open redirects, two daemons sharing
 *   sessions through the database, a restart signing nobody out;
 * - throttling engaged and released; tokens; the audit log over HTTP and
 *   written whole at a clean stop; no secret in the log;
 * - TLS with a certificate made by openssl, through curl;
 * - the audit table refuses UPDATE and DELETE from the daemon's role. */
#include "harness.h"
#include "pg_proxy.h"
#include "users.h"

#include "buf.h"
#include "digest.h"

#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASSWORD      "a demo password 1"
#define PASSWORD_FORM "a+demo+password+1" /* PASSWORD in a form body */

static char dbname[64];
static char *ci;
static char datadir[128];
static char *config_path;
static struct harness_daemon d; /* access.session_cache = 0: every request asks the database */

/* ---- requests ------------------------------------------------------------------------------- */

struct req {
    const char *method; /* GET when NULL */
    const char *path;
    const char *headers[6];
    const char *form; /* a POST body, urlencoded */
    const char *base; /* "https://127.0.0.1:PORT" with cacert; else http on port */
    const char *cacert;
    int port;
};

struct resp {
    long status;
    char *body;
    size_t len;
    char *headers;
    CURLcode rc;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    buf_append(ud, p, size * n);
    return size * n;
}

static struct resp perform(const struct req *r)
{
    struct resp out = {0};
    struct buf url = BUF_INIT, body = BUF_INIT, hdr = BUF_INIT;
    struct curl_slist *list = NULL;
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    if (r->base)
        buf_printf(&url, "%s%s", r->base, r->path);
    else
        buf_printf(&url, "http://127.0.0.1:%d%s", r->port ? r->port : d.port, r->path);
    for (int i = 0; i < 6 && r->headers[i]; i++)
        list = curl_slist_append(list, r->headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (r->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, r->cacert);
    if (r->form)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->form);
    if (r->method && strcmp(r->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (r->method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    out.rc = curl_easy_perform(c);
    if (out.rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    buf_release(&url);
    buf_append(&body, "", 0);
    buf_append(&hdr, "", 0);
    out.body = buf_detach(&body, &out.len);
    out.headers = buf_detach(&hdr, NULL);
    return out;
}

static void resp_free(struct resp *r)
{
    free(r->body);
    free(r->headers);
    *r = (struct resp){0};
}

/* A response header's value (malloc'd), or NULL. */
static char *header(const struct resp *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
        if (strncasecmp(p, name, n) == 0 && p[n] == ':')
            return strndup(p + n + 2, strcspn(p + n + 2, "\r\n"));
    return NULL;
}

static bool header_has(const struct resp *r, const char *name, const char *needle)
{
    char *v = header(r, name);
    bool has = v && strstr(v, needle);
    free(v);
    return has;
}

static const char *error_code(const struct resp *r, char *out, size_t n)
{
    json_t *j = json_loads(r->body, 0, NULL);
    const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    snprintf(out, n, "%s", code ? code : j ? "(no code)" : "(not JSON)");
    json_decref(j);
    return out;
}

/* printf into a new string (malloc'd). */
__attribute__((format(printf, 1, 2))) static char *strf(const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_puts(&b, tmp);
    return buf_detach(&b, NULL);
}

static struct resp get_as(const char *auth, const char *path)
{
    return perform(&(struct req){.path = path, .headers = {auth}});
}

/* GET path with auth answers status. */
static void expect_status(const char *auth, const char *path, long status)
{
    struct resp r = get_as(auth, path);
    ck_assert_msg(r.status == status, "%s: %ld, want %ld: %.300s", path, r.status, status, r.body);
    resp_free(&r);
}

/* ---- users and sessions -----------------------------------------------------------------------
 */

static void add_user(const char *name, const char *role, const char *branch)
{
    const char *args[] = {"user",   "add", name,
                          "--role", role,  "--password-stdin",
                          "--db",   ci,    branch ? "--branch" : NULL,
                          branch,   NULL};
    char *err = NULL;
    int rc = harness_run_input(args, NULL, PASSWORD "\n", NULL, &err);
    ck_assert_msg(rc == 0, "user add %s: %s", name, err);
    free(err);
}

static char *token_of(const char *name)
{
    char *tok = harness_token_add(ci, name), *h = strf("Authorization: Bearer %s", tok);
    free(tok);
    return h;
}

/* Signs in at port: the cookie header "Cookie: rt_session=ID" (malloc'd),
 * or NULL when refused; *location gets the redirect (malloc'd) if asked. */
static char *sign_in_at(int port, const char *base, const char *cacert, const char *user,
                        const char *password, char **location)
{
    char form[256];
    snprintf(form, sizeof form, "user=%s&password=%s", user, password);
    struct resp r = perform(&(struct req){.method = "POST",
                                          .path = "/login",
                                          .form = form,
                                          .port = port,
                                          .base = base,
                                          .cacert = cacert});
    ck_assert_msg(r.status == 303, "POST /login: %ld %s", r.status, r.body);
    char *cookie = header(&r, "Set-Cookie"), *out = NULL;
    if (location)
        *location = header(&r, "Location");
    if (cookie && strncmp(cookie, "rt_session=", 11) == 0 && cookie[11] != ';')
        out = strf("Cookie: %.75s", cookie); /* rt_session= and 64 hex digits */
    free(cookie);
    resp_free(&r);
    return out;
}

static char *sign_in(const char *user)
{
    char *cookie = sign_in_at(d.port, NULL, NULL, user, PASSWORD, NULL);
    ck_assert_msg(cookie != NULL, "%s cannot sign in", user);
    return cookie;
}

/* The session's CSRF token (GET /api/v1/me on port; csrf_of: on the suite's daemon), malloc'd. */
static char *csrf_at(int port, const char *cookie)
{
    struct resp r = perform(&(struct req){.path = "/api/v1/me", .port = port, .headers = {cookie}});
    ck_assert_int_eq(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    char *t = strdup(json_string_value(json_object_get(j, "csrf")));
    json_decref(j);
    resp_free(&r);
    return t;
}

static char *csrf_of(const char *cookie)
{
    return csrf_at(d.port, cookie);
}

/* The lines of a command's output (its newlines). */
static int lines_in(const char *text)
{
    int n = 0;
    for (const char *l = text; (l = strchr(l, '\n')); l++)
        n++;
    return n;
}

/* Runs SQL on the test database (aborts on failure). */
static void sql(const char *text)
{
    harness_exec_on(ci, text);
}

/* The hex SHA-256 of a cookie header's session id. */
static void session_hash(const char *cookie, char out[DIGEST_HEX_LEN + 1])
{
    const char *id = strchr(cookie, '=') + 1;
    digest_sha256_hex(id, strlen(id), out);
}

/* ---- the daemon ----------------------------------------------------------------------------- */

/* A daemon's configuration: its data directory, address, more [http]
 * keys, and its way to the database (conninfo; NULL: the test
 * database's). */
static char *write_config_to(const char *dir, const char *listen, const char *extra,
                             const char *conninfo)
{
    char *path = harness_temp_file("");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = "
            "%s\n%s\n[database]\nconninfo = %s\n"
            "[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n"
            "log_level = debug\n%s",
            listen, extra, conninfo ? conninfo : ci, dir,
            strstr(extra, "session_cache") ? "" : "[access]\nsession_cache = 0\n");
    fclose(f);
    return path;
}

static char *write_config_on(const char *dir, const char *listen, const char *extra)
{
    return write_config_to(dir, listen, extra, NULL);
}

static char *write_config(const char *dir, const char *extra)
{
    return write_config_on(dir, "127.0.0.1", extra);
}

/* Starts a daemon and waits until it serves a snapshot (/readyz): the one
 * it reads from the database, or after a restart the one it persisted. */
static void start(struct harness_daemon *x, const char *config)
{
    ck_assert_msg(harness_daemon_start(x, config, NULL), "%s", x->log ? x->log : "");
    bool tls = strstr(x->log, "url=https://") != NULL;
    for (int i = 0; i < 200 && !tls; i++) {
        struct resp r = perform(&(struct req){.path = "/readyz", .port = x->port});
        long status = r.status;
        resp_free(&r);
        if (status == 200)
            return;
        usleep(100000);
    }
    ck_assert_msg(tls || harness_daemon_wait_log(x, "snapshot published", 1), "not ready: %s",
                  x->log);
}

/* A second daemon on the same database, with a data directory and a
 * configuration of its own. */
struct other {
    char dir[160];
    char *conf;
    struct harness_daemon d;
};

/* The directory and configuration (extra: more [http] keys), not started. */
static void other_prepare(struct other *o, const char *suffix, const char *extra)
{
    snprintf(o->dir, sizeof o->dir, "%s-%s", datadir, suffix);
    mkdir(o->dir, 0700);
    o->conf = write_config(o->dir, extra);
    o->d = (struct harness_daemon){0};
}

static void other_up(struct other *o, const char *suffix, const char *extra)
{
    other_prepare(o, suffix, extra);
    start(&o->d, o->conf);
}

static void other_down(struct other *o)
{
    char path[220];
    if (o->d.pid > 0)
        harness_daemon_stop(&o->d, SIGTERM, 10000);
    free(o->d.log);
    o->d = (struct harness_daemon){0};
    snprintf(path, sizeof path, "%s/snapshot.json", o->dir);
    unlink(path);
    rmdir(o->dir);
    unlink(o->conf);
    free(o->conf);
    o->conf = NULL;
}

static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_access_%d", (int)getpid());
    ci = harness_demo_db(dbname, 7, 6000, "2026-11-22");
    static const char *const dates[] = {"2026-10-31", "2026-11-20", "2026-11-21"};
    for (int i = 0; i < 3; i++) {
        const char *args[] = {"compute", "--db", ci, "--as-of", dates[i], NULL};
        char *err = NULL;
        ck_assert_msg(harness_run(args, NULL, NULL, &err) == 0, "compute: %s", err);
        free(err);
    }
    add_user("exec", "executive", NULL);
    add_user("county", "branch_manager", "420101");
    add_user("city", "branch_manager", "420100");
    add_user("audit", "auditor", NULL);
    add_user("admin", "admin", NULL);
    add_user("session", "executive", NULL);
    add_user("leaver", "branch_manager", "420102");
    add_user("clerk", "branch_manager", "420101");
    add_user("pw.changer", "executive", NULL);
    snprintf(datadir, sizeof datadir, "/tmp/rt_it_access_%d", (int)getpid());
    mkdir(datadir, 0700);
    config_path = write_config(datadir, "");
    start(&d, config_path);
}

static void teardown(void)
{
    if (d.pid > 0)
        harness_daemon_stop(&d, SIGTERM, 10000);
    free(d.log);
    char path[256];
    snprintf(path, sizeof path, "%s/snapshot.json", datadir);
    unlink(path);
    rmdir(datadir);
    unlink(config_path);
    free(config_path);
    harness_drop_db(dbname);
    free(ci);
}

/* ---- the matrix ------------------------------------------------------------------------------ */

/* BULLETIN: scoped, but its county ranking is published (checked without it);
 * EXPORT: scoped, and inside the scope 404 (this database has no quarter with
 * its month-end runs: the report names the quarter, never a branch) */
enum level {
    PUBLIC,
    PAGE,
    PAGE_SCOPED,
    SIGNED,
    SCOPED,
    BULLETIN,
    EXPORT,
    PUBLISHED,
    PROVINCE,
    AUDITING,
    PAGE_AUDITING,
    ADMINISTERING,
    PAGE_ADMINISTERING
};

struct route {
    const char *path; /* %s: the branch (absent: the route takes none) */
    enum level level;
};

static const struct route routes[] = {
    {"/healthz", PUBLIC},
    {"/metrics", PUBLIC},
    {"/login", PUBLIC},
    {"/assets/style.css", PUBLIC},
    {"/assets/js/common.js", PUBLIC},
    {"/", PAGE},
    {"/?branch=%s", PAGE_SCOPED},
    {"/alarms", PAGE},
    {"/alarms?branch=%s", PAGE_SCOPED},
    {"/satisfaction?branch=%s", PAGE_SCOPED},
    {"/zones?branch=%s", PAGE_SCOPED},
    {"/branch/%s", PAGE_SCOPED},
    {"/branch/%s?lang=en", PAGE_SCOPED},
    {"/api/v1/runs", SIGNED},
    {"/api/v1/grid", SCOPED},
    {"/api/v1/grid?branch=%s", SCOPED},
    {"/api/v1/grid.csv", SCOPED},
    {"/api/v1/grid.csv?branch=%s", SCOPED},
    {"/api/v1/bulletin", BULLETIN},
    {"/api/v1/bulletin?branch=%s", BULLETIN},
    {"/api/v1/bulletins", SCOPED},
    {"/api/v1/bulletins?branch=%s", SCOPED},
    {"/reports/2026Q4.csv", EXPORT},
    {"/reports/2026Q4.csv?branch=%s", EXPORT},
    {"/reports/2026Q4.pdf?branch=%s", EXPORT},
    {"/api/v1/me", SIGNED},
    {"/api/v1/me/tokens", SIGNED},
    {"/api/v1/branches", SCOPED},
    {"/api/v1/kpis", SCOPED},
    {"/api/v1/kpis?kpi=retention_rate", SCOPED},
    {"/api/v1/kpis?branch=%s", SCOPED},
    {"/api/v1/trend?kpi=retention_rate&branch=%s", SCOPED},
    {"/api/v1/trend?kpi=retention_rate", SCOPED},
    {"/api/v1/alarms?branch=%s", SCOPED},
    {"/api/v1/alarms", SCOPED},
    {"/api/v1/satisfaction?branch=%s", SCOPED},
    {"/api/v1/zones?branch=%s", SCOPED},
    {"/api/v1/zones", SCOPED},
    {"/api/v1/zones/customers?branch=%s", SCOPED},
    {"/api/v1/zones/customers", SCOPED},
    {"/charts/trend.pdf?kpi=retention_rate&branch=%s", SCOPED},
    {"/charts/trend.pdf?kpi=retention_rate", SCOPED},
    {"/charts/trend.pdf?kpi=retention_rate&branch=%s&lang=en", SCOPED},
    {"/charts/bullet.pdf?kpi=retention_rate&branch=%s", SCOPED},
    {"/charts/zones.pdf?branch=%s", SCOPED},
    {"/charts/panorama.pdf?branch=%s", SCOPED},
    {"/charts/sparkline.pdf?kpi=retention_rate&branch=%s", SCOPED},
    {"/api/v1/ranking?kpi=retention_rate&parent=%s", PUBLISHED},
    {"/api/v1/ranking?kpi=retention_rate", PUBLISHED},
    {"/charts/ranking.pdf?kpi=retention_rate&branch=%s", PUBLISHED},
    {"/api/v1/data-quality", PROVINCE},
    {"/api/v1/audit", AUDITING},
    {"/api/v1/audit.csv?limit=5", AUDITING},
    {"/audit", PAGE_AUDITING},
    {"/audit?action=export&lang=en", PAGE_AUDITING},
    {"/account", PAGE},
    {"/api/v1/users", ADMINISTERING},
    {"/api/v1/users/exec/tokens", ADMINISTERING},
    {"/api/v1/bulletin-recipients", ADMINISTERING},
    {"/admin/users", PAGE_ADMINISTERING},
    {"/admin/users?lang=en", PAGE_ADMINISTERING},
    {"/account?error=wrong&lang=en", PAGE},
};
#define NROUTES (sizeof routes / sizeof routes[0])

struct who {
    const char *user;                   /* NULL: anonymous */
    const char *scope;                  /* a branch manager's branch; NULL: every branch */
    const char *inside, *outside;       /* branches of a scoped route */
    const char *parent_in, *parent_out; /* parents of a published ranking */
    bool province, auditing, admin;
};

static const struct who people[] = {
    {NULL, NULL, "420101", "420102", "420100", "420200", false, false, false},
    {"exec", NULL, "420101", "420202", "420100", "420200", true, false, false},
    {"county", "420101", "420101", "420102", "420100", "420200", false, false, false},
    {"county", "420101", "420101", "420000", "420000", "420200", false, false, false},
    {"city", "420100", "420103", "420201", "420100", "420000", false, false, false},
    {"city", "420100", "420100", "420000", "420200", "420000", false, false, false},
    {"audit", NULL, "420101", "420301", "420300", "420000", true, true, false},
    {"admin", NULL, "420101", "420301", "420300", "420000", true, true, true},
};
#define NPEOPLE (sizeof people / sizeof people[0])

/* The branches (code, name) outside scope, and the names inside it. */
struct branch_sets {
    struct db_result *outside, *inside;
};

static struct branch_sets branch_sets(struct db *db, const char *scope)
{
    static const char tree[] =
        "WITH RECURSIVE t AS (SELECT branch_id FROM dw.branch WHERE code = $1"
        " UNION SELECT b.branch_id FROM dw.branch b JOIN t"
        " ON b.parent_id = t.branch_id) ";
    struct branch_sets out = {0};
    struct buf q = BUF_INIT;
    const char *params[] = {scope};
    buf_printf(&q, "%sSELECT code, name FROM dw.branch WHERE branch_id NOT IN (SELECT * FROM t)",
               tree);
    ck_assert(db_query(db, q.data, 1, params, &out.outside));
    buf_reset(&q);
    buf_printf(&q, "%sSELECT name FROM dw.branch WHERE branch_id IN (SELECT * FROM t)", tree);
    ck_assert(db_query(db, q.data, 1, params, &out.inside));
    buf_release(&q);
    ck_assert_int_gt(db_rows(out.outside), 10);
    return out;
}

static bool word_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.';
}

/* Whether code occurs in text as a word of its own: not inside a longer
 * number, a decimal fraction or a hex digest. */
static bool has_code(const char *text, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = strstr(text, code); p; p = strstr(p + 1, code))
        if (!(p > text && word_char(p[-1])) && !word_char(p[n]))
            return true;
    return false;
}

/* Whether name is part of a name inside the scope (then finding it says
 * nothing). */
static bool inner_name(const struct branch_sets *b, const char *name)
{
    for (int i = 0; i < db_rows(b->inside); i++)
        if (strstr(db_value(b->inside, i, 0), name))
            return true;
    return false;
}

/* The text of a PDF (pdftotext), malloc'd. */
static char *pdf_text(const struct resp *r)
{
    return harness_pdf_text(r->body, r->len);
}

/* A bulletin's JSON without its published county ranking (malloc'd), or
 * NULL when the body is not JSON (an error: checked as it is). */
static char *unpublished(const struct resp *r)
{
    json_t *j = json_loads(r->body, 0, NULL);
    json_t *campaigns = json_object_get(j, "bundling"), *c;
    size_t i;
    json_array_foreach(campaigns, i, c) json_object_del(c, "counties");
    char *text = j ? json_dumps(j, 0) : NULL;
    json_decref(j);
    return text;
}

static void assert_no_foreign(const struct branch_sets *b, const char *what, const char *text,
                              const char *path)
{
    for (int i = 0; i < db_rows(b->outside); i++) {
        const char *code = db_value(b->outside, i, 0), *name = db_value(b->outside, i, 1);
        ck_assert_msg(!has_code(text, code), "%s of %s names the foreign branch %s:\n%.600s", what,
                      path, code, text);
        ck_assert_msg(inner_name(b, name) || !strstr(text, name),
                      "%s of %s names the foreign branch %s:\n%.600s", what, path, name, text);
    }
}

static long expected(const struct who *w, const struct route *r, bool inside)
{
    if (r->level == PUBLIC)
        return 200;
    if (!w->user)
        return r->level == PAGE || r->level == PAGE_SCOPED || r->level == PAGE_AUDITING ||
                       r->level == PAGE_ADMINISTERING
                   ? 303
                   : 401;
    switch (r->level) {
    case PROVINCE:
        return w->province ? 200 : 403;
    case AUDITING:
    case PAGE_AUDITING:
        return w->auditing ? 200 : 403;
    case ADMINISTERING:
    case PAGE_ADMINISTERING:
        return w->admin ? 200 : 403;
    case SCOPED:
    case PAGE_SCOPED:
    case BULLETIN:
        return inside || !w->scope || !strstr(r->path, "%s") ? 200 : 403;
    case EXPORT:
        return inside || !w->scope || !strstr(r->path, "%s") ? 404 : 403;
    default:
        return 200;
    }
}

static void check_one(const struct who *w, const char *auth, const struct route *r, bool inside,
                      const struct branch_sets *b)
{
    char path[300], code[64];
    const char *branch = r->level == PUBLISHED ? (inside ? w->parent_in : w->parent_out)
                                               : (inside ? w->inside : w->outside);
    const char *hole = strstr(r->path, "%s");
    if (hole)
        snprintf(path, sizeof path, "%.*s%s%s", (int)(hole - r->path), r->path, branch, hole + 2);
    else
        snprintf(path, sizeof path, "%s", r->path);
    struct resp x = get_as(auth, path);
    long want = expected(w, r, inside);
    ck_assert_msg(x.status == want, "%s %s: %ld, want %ld: %.300s", w->user ? w->user : "anonymous",
                  path, x.status, want, x.body);
    if (want == 401)
        ck_assert_str_eq(error_code(&x, code, sizeof code), "unauthenticated");
    bool role_page = r->level == PAGE_AUDITING || r->level == PAGE_ADMINISTERING;
    if (want == 403 && (r->level == PAGE_SCOPED || role_page)) {
        ck_assert_msg(strstr(x.body, "<!DOCTYPE html>"), "%s: a 403 page, not %.200s", path,
                      x.body);
        /* the audit log's and the users' say why: the role, not a branch */
        ck_assert_msg(!role_page || strstr(x.body, strstr(path, "lang=en")
                                                       ? "Your role may not see this page."
                                                       : "您的角色无权查看此页。"),
                      "%s: the 403 page does not say why: %.400s", path, x.body);
    } else if (want == 403)
        ck_assert_str_eq(error_code(&x, code, sizeof code),
                         r->level == SCOPED || r->level == BULLETIN || r->level == EXPORT
                             ? "out_of_scope"
                             : "forbidden");
    if (want == 303)
        ck_assert(header_has(&x, "Location", "/login"));
    if (r->level != PUBLIC)
        ck_assert_msg(want == 303 || header_has(&x, "Cache-Control", "no-store"),
                      "%s: no Cache-Control: no-store", path);
    if (b && r->level != PUBLISHED && r->level != PUBLIC) {
        bool pdf = x.status == 200 && strstr(path, ".pdf");
        char *text = pdf ? pdf_text(&x) : r->level == BULLETIN ? unpublished(&x) : NULL;
        assert_no_foreign(b, pdf ? "the chart's text" : "the body", text ? text : x.body, path);
        assert_no_foreign(b, "the headers", x.headers, path);
        free(text);
    }
    resp_free(&x);
}

START_TEST(every_role_every_route)
{
    const struct who *w = &people[_i];
    struct db *db = NULL;
    struct branch_sets b = {0};
    char *auth = w->user ? token_of(w->user) : NULL;
    ck_assert(db_connect(ci, 0, &db));
    if (w->scope)
        b = branch_sets(db, w->scope);
    for (size_t i = 0; i < NROUTES; i++) {
        check_one(w, auth, &routes[i], true, w->scope ? &b : NULL);
        if (strstr(routes[i].path, "%s"))
            check_one(w, auth, &routes[i], false, w->scope ? &b : NULL);
    }
    db_result_free(b.outside);
    db_result_free(b.inside);
    db_close(db);
    free(auth);
}
END_TEST

/* The same through a session cookie as through a token. */
START_TEST(sessions_see_what_tokens_see)
{
    char *cookie = sign_in("county");
    struct resp in = get_as(cookie, "/api/v1/alarms?branch=420101");
    struct resp out = get_as(cookie, "/api/v1/alarms?branch=420102");
    struct resp tree = get_as(cookie, "/api/v1/branches");
    ck_assert_int_eq(in.status, 200);
    ck_assert_int_eq(out.status, 403);
    ck_assert_int_eq(tree.status, 200);
    json_t *j = json_loads(tree.body, 0, NULL);
    json_t *root = json_array_get(json_object_get(j, "branches"), 0);
    ck_assert_int_eq(json_array_size(json_object_get(j, "branches")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(root, "code")), "420101");
    json_decref(j);
    resp_free(&in);
    resp_free(&out);
    resp_free(&tree);
    free(cookie);
}
END_TEST

/* A JSON number or null as the CSV writes it (%.12g; null: ""). */
static void csv_number(const json_t *x, char *out, size_t n)
{
    if (json_is_number(x))
        snprintf(out, n, "%.12g", json_number_value(x));
    else
        snprintf(out, n, "%s", "");
}

/* The value of /api/v1/kpis (values v) of branch, kpi, dim and campaign
 * (CSV text: "" for none), or NULL. */
static json_t *value_of(json_t *v, const char *const *f)
{
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        const char *dim = json_string_value(json_object_get(x, "dim"));
        json_t *camp = json_object_get(x, "campaign");
        char c[24] = "";
        if (json_is_integer(camp))
            snprintf(c, sizeof c, "%lld", (long long)json_integer_value(camp));
        if (strcmp(json_string_value(json_object_get(x, "branch")), f[1]) == 0 &&
            strcmp(json_string_value(json_object_get(x, "kpi")), f[4]) == 0 &&
            strcmp(dim ? dim : "", f[5]) == 0 && strcmp(c, f[6]) == 0)
            return x;
    }
    return NULL;
}

/* /api/v1/grid.csv: a spreadsheet's file (BOM, CRLF, attachment; read by
 * Python's csv module) of every value of the branch and its subtree in the
 * run, each the API's: value,
 * numerator, denominator, targets, status, reason (a quoted field of
 * commas), previous status, the run. */
START_TEST(the_grid_as_csv)
{
    static const char head[] =
        "\xef\xbb\xbf"
        "as_of,branch_code,branch_name,level,kpi,dim,campaign,period,numerator,denominator,value,"
        "target_base,target_challenge,path_base,path_challenge,status,reason,previous_status,"
        "run_id,partial,unit\r\n";
    char *exec = token_of("exec"), want[200];
    const char *f[21];
    struct resp api = get_as(exec, "/api/v1/kpis");
    struct resp r = get_as(exec, "/api/v1/grid.csv?branch=420100");
    json_t *j = json_loads(api.body, 0, NULL), *values = json_object_get(j, "values");
    const char *as_of = json_string_value(json_object_get(j, "as_of"));
    ck_assert_int_eq(r.status, 200);
    ck_assert(header_has(&r, "Content-Type", "text/csv; charset=utf-8"));
    snprintf(want, sizeof want, "attachment; filename=\"kpis-420100-%s.csv\"", as_of);
    ck_assert(header_has(&r, "Content-Disposition", want));
    ck_assert_msg(strncmp(r.body, head, strlen(head)) == 0, "%.300s", r.body);
    json_t *records = harness_csv_records(r.body, r.len), *rec;
    long rows = (long)json_array_size(records) - 1, reasons = 0,
         run = (long)json_integer_value(json_object_get(j, "run_id"));
    size_t line;
    json_array_foreach(records, line, rec)
    {
        ck_assert_msg(json_array_size(rec) == 21, "line %zu: %zu fields", line + 1,
                      json_array_size(rec));
        for (size_t k = 0; k < 21; k++)
            f[k] = json_string_value(json_array_get(rec, k));
        if (line == 0) /* the header, checked above */
            continue;
        json_t *x = value_of(values, f);
        ck_assert_msg(x && strcmp(f[0], as_of) == 0 && atol(f[18]) == run, "%s %s %s %s", f[1],
                      f[4], f[5], f[6]);
        static const char *const fields[] = {"numerator",     "denominator",      "value",
                                             "target_base",   "target_challenge", "path_base",
                                             "path_challenge"};
        for (int k = 0; k < 7; k++) {
            char num[40];
            csv_number(json_object_get(x, fields[k]), num, sizeof num);
            ck_assert_msg(strcmp(num, f[8 + k]) == 0, "%s %s %s: %s %s, want %s", f[1], f[4], f[5],
                          fields[k], f[8 + k], num);
        }
        const char *st = json_string_value(json_object_get(x, "status")),
                   *why = json_string_value(json_object_get(x, "reason")),
                   *was = json_string_value(json_object_get(x, "previous_status"));
        ck_assert_str_eq(f[15], st ? st : "");
        ck_assert_str_eq(f[16], why ? why : "");
        ck_assert_str_eq(f[17], was ? was : "");
        /* what the value is: a K4 score, a K5 count, else a fraction */
        ck_assert_str_eq(f[20], strncmp(f[4], "satisfaction", 12) == 0 ? "score"
                                : strcmp(f[4], "zone_count") == 0      ? "count"
                                                                       : "ratio");
        reasons += strchr(f[16], ',') != NULL;
    }
    json_decref(records);
    char q[400];
    snprintf(q, sizeof q,
             "WITH RECURSIVE t AS (SELECT branch_id FROM dw.branch WHERE code = '420100'"
             " UNION SELECT b.branch_id FROM dw.branch b JOIN t ON b.parent_id = t.branch_id)"
             " SELECT count(*) FROM kpi.value WHERE run_id = %ld"
             " AND branch_id IN (SELECT branch_id FROM t)",
             run);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(rows, harness_long(db, q));
    db_close(db);
    ck_assert_int_gt(rows, 100);
    ck_assert_msg(reasons > 0, "no reason of two words: the quoting untested");
    json_decref(j);
    resp_free(&api);
    resp_free(&r);
    /* the grid's refusals */
    expect_status(exec, "/api/v1/grid.csv?date=2026-13-01", 400);
    expect_status(exec, "/api/v1/grid.csv?branch=999999", 400);
    free(exec);
}
END_TEST

/* A scoped body's ETag differs from the same route's for another scope,
 * and names no branch. */
START_TEST(etags_tell_scopes_apart)
{
    char *county = token_of("county"), *exec = token_of("exec");
    struct resp a = get_as(county, "/api/v1/alarms?branch=420101");
    struct resp b = get_as(exec, "/api/v1/alarms?branch=420101");
    char *ea = header(&a, "ETag"), *eb = header(&b, "ETag");
    ck_assert_ptr_nonnull(ea);
    ck_assert_ptr_nonnull(eb);
    ck_assert_str_ne(ea, eb);
    ck_assert(!has_code(ea, "420101"));
    ck_assert_str_eq(a.body, b.body);
    free(ea);
    free(eb);
    resp_free(&a);
    resp_free(&b);
    free(county);
    free(exec);
}
END_TEST

/* The run's data quality counts the whole warehouse: /api/v1/data-quality
 * is the province roles' (403 for a branch manager), and /api/v1/kpis,
 * which carries it, leaves it out for a scoped caller, with or without a
 * branch or kpi. */
START_TEST(data_quality_is_not_a_scopes)
{
    static const char *const paths[] = {"/api/v1/kpis", "/api/v1/kpis?branch=420101",
                                        "/api/v1/kpis?kpi=retention_rate"};
    char *county = token_of("county"), *exec = token_of("exec");
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct resp a = get_as(county, paths[i]), b = get_as(exec, paths[i]);
        json_t *ja = json_loads(a.body, 0, NULL), *jb = json_loads(b.body, 0, NULL);
        ck_assert_int_eq(a.status, 200);
        ck_assert_int_eq(b.status, 200);
        ck_assert_msg(json_object_get(ja, "data_quality") == NULL,
                      "a branch manager's %s has the warehouse's data quality: %.300s", paths[i],
                      a.body);
        ck_assert(json_is_array(json_object_get(jb, "data_quality")));
        ck_assert(json_is_array(json_object_get(ja, "values")));
        json_decref(ja);
        json_decref(jb);
        resp_free(&a);
        resp_free(&b);
    }
    free(county);
    free(exec);
}
END_TEST

/* ---- sessions -------------------------------------------------------------------------------- */

START_TEST(sign_in_sets_a_strict_cookie)
{
    struct resp page = get_as(NULL, "/login");
    ck_assert_int_eq(page.status, 200);
    ck_assert(header_has(&page, "Content-Type", "text/html"));
    ck_assert(strstr(page.body, "name=\"password\""));
    ck_assert(strstr(page.body, "登录"));
    resp_free(&page);
    struct resp r = perform(&(struct req){
        .method = "POST", .path = "/login", .form = "user=session&password=" PASSWORD});
    ck_assert_int_eq(r.status, 303);
    char *cookie = header(&r, "Set-Cookie"), *loc = header(&r, "Location");
    ck_assert_str_eq(loc, "/");
    ck_assert_msg(strncmp(cookie, "rt_session=", 11) == 0 &&
                      strspn(cookie + 11, "0123456789abcdef") == 64,
                  "%s", cookie);
    ck_assert(strstr(cookie, "; HttpOnly"));
    ck_assert(strstr(cookie, "; SameSite=Strict"));
    ck_assert(strstr(cookie, "; Path=/"));
    ck_assert(!strstr(cookie, "Secure")); /* plain HTTP */
    free(cookie);
    free(loc);
    resp_free(&r);
    /* the home page and me */
    char *c = sign_in("session");
    struct resp home = get_as(c, "/");
    ck_assert_int_eq(home.status, 200);
    ck_assert(strstr(home.body, "session"));
    ck_assert(strstr(home.body, "action=\"/logout\""));
    resp_free(&home);
    struct resp me = get_as(c, "/api/v1/me");
    json_t *j = json_loads(me.body, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(j, "user")), "session");
    ck_assert_str_eq(json_string_value(json_object_get(j, "role")), "executive");
    ck_assert_str_eq(json_string_value(json_object_get(j, "via")), "session");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "scope"), "code")),
                     "420000");
    ck_assert_int_eq(strlen(json_string_value(json_object_get(j, "csrf"))), 64);
    json_decref(j);
    resp_free(&me);
    free(c);
}
END_TEST

START_TEST(failures_say_one_thing)
{
    char *wrong_loc = NULL, *unknown_loc = NULL;
    ck_assert_ptr_null(sign_in_at(d.port, NULL, NULL, "session", "wrong password", &wrong_loc));
    ck_assert_ptr_null(sign_in_at(d.port, NULL, NULL, "nobody", "wrong password", &unknown_loc));
    ck_assert_str_eq(wrong_loc, "/login?error=failed");
    ck_assert_str_eq(unknown_loc, wrong_loc);
    free(wrong_loc);
    free(unknown_loc);
    /* a missing field names itself */
    struct resp r = perform(&(struct req){.method = "POST", .path = "/login", .form = "user=x"});
    char code[64];
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(error_code(&r, code, sizeof code), "missing_parameter");
    resp_free(&r);
}
END_TEST

START_TEST(a_new_id_at_every_sign_in)
{
    /* an id the attacker chose, sent at sign-in, is neither kept nor valid */
    const char *planted = "Cookie: rt_session="
                          "00000000000000000000000000000000000000000000000000000000000000aa";
    struct resp r = perform(&(struct req){.method = "POST",
                                          .path = "/login",
                                          .form = "user=session&password=" PASSWORD,
                                          .headers = {planted}});
    char *set = header(&r, "Set-Cookie");
    ck_assert_ptr_nonnull(set);
    ck_assert(!strstr(set, "000000000000000000000000aa"));
    resp_free(&r);
    struct resp x = get_as(planted, "/api/v1/me");
    ck_assert_int_eq(x.status, 401);
    resp_free(&x);
    /* signing in again gives another id and ends the one the request had */
    char *first = sign_in("session"), *second = NULL;
    char form[128];
    snprintf(form, sizeof form, "user=session&password=%s", PASSWORD);
    r = perform(
        &(struct req){.method = "POST", .path = "/login", .form = form, .headers = {first}});
    char *again = header(&r, "Set-Cookie");
    ck_assert_ptr_nonnull(again);
    second = strf("Cookie: %.75s", again);
    ck_assert_str_ne(first, second);
    x = get_as(first, "/api/v1/me");
    ck_assert_int_eq(x.status, 401);
    resp_free(&x);
    x = get_as(second, "/api/v1/me");
    ck_assert_int_eq(x.status, 200);
    resp_free(&x);
    resp_free(&r);
    free(set);
    free(again);
    free(first);
    free(second);
}
END_TEST

START_TEST(tampered_ids_are_refused)
{
    char *cookie = sign_in("session");
    size_t n = strlen(cookie);
    char *bad = strdup(cookie);
    bad[n - 1] = bad[n - 1] == '0' ? '1' : '0';
    struct resp r = get_as(bad, "/api/v1/me");
    ck_assert_int_eq(r.status, 401);
    /* the browser is told to forget it */
    ck_assert(header_has(&r, "Set-Cookie", "Max-Age=0"));
    resp_free(&r);
    bad[n - 1] = '\0'; /* one digit short */
    expect_status(bad, "/api/v1/me", 401);
    r = get_as(bad, "/");
    ck_assert_int_eq(r.status, 303);
    ck_assert(header_has(&r, "Location", "/login"));
    resp_free(&r);
    r = get_as("Authorization: Bearer rt_0000", "/api/v1/me");
    ck_assert_int_eq(r.status, 401);
    ck_assert(
        header_has(&r, "WWW-Authenticate", "Bearer realm=\"retentiond\", error=\"invalid_token\""));
    resp_free(&r);
    /* no credentials: the challenge alone (RFC 6750 3.1) */
    r = perform(&(struct req){.path = "/api/v1/me"});
    ck_assert_int_eq(r.status, 401);
    ck_assert(header_has(&r, "WWW-Authenticate", "Bearer realm=\"retentiond\"") &&
              !header_has(&r, "WWW-Authenticate", "error="));
    resp_free(&r);
    expect_status(cookie, "/api/v1/me", 200);
    free(bad);
    free(cookie);
}
END_TEST

START_TEST(sign_out_ends_the_session_on_the_server)
{
    char *cookie = sign_in("session"), *csrf = csrf_of(cookie);
    char *token = strf("X-CSRF-Token: %s", csrf);
    struct resp r =
        perform(&(struct req){.method = "POST", .path = "/logout", .headers = {cookie, token}});
    ck_assert_int_eq(r.status, 303);
    ck_assert(header_has(&r, "Location", "/login"));
    ck_assert(header_has(&r, "Set-Cookie", "Max-Age=0"));
    resp_free(&r);
    /* replaying the cookie after the sign-out */
    expect_status(cookie, "/api/v1/kpis?branch=420101", 401);
    char hash[DIGEST_HEX_LEN + 1], q[300];
    session_hash(cookie, hash);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.session WHERE id_hash = '%s' AND ended_at IS NOT NULL",
             hash);
    ck_assert_int_eq(harness_long(db, q), 1);
    db_close(db);
    free(cookie);
    free(csrf);
    free(token);
}
END_TEST

START_TEST(csrf_is_required)
{
    char *cookie = sign_in("session"), *csrf = csrf_of(cookie);
    char *form = strf("csrf=%s", csrf), *token = strf("X-CSRF-Token: %s", csrf);
    char code[64];
    struct resp r =
        perform(&(struct req){.method = "POST", .path = "/logout", .headers = {cookie}});
    ck_assert_int_eq(r.status, 403);
    ck_assert_str_eq(error_code(&r, code, sizeof code), "csrf_failed");
    resp_free(&r);
    r = perform(&(struct req){
        .method = "POST", .path = "/logout", .headers = {cookie, "X-CSRF-Token: 1234"}});
    ck_assert_int_eq(r.status, 403);
    ck_assert_str_eq(error_code(&r, code, sizeof code), "csrf_failed");
    resp_free(&r);
    /* the right token from another site */
    r = perform(&(struct req){.method = "POST",
                              .path = "/logout",
                              .headers = {cookie, token, "Sec-Fetch-Site: cross-site"}});
    ck_assert_int_eq(r.status, 403);
    ck_assert_str_eq(error_code(&r, code, sizeof code), "cross_site");
    resp_free(&r);
    r = perform(&(struct req){.method = "POST",
                              .path = "/logout",
                              .headers = {cookie, token, "Origin: http://evil.example"}});
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    /* a sign-in form posted from another site */
    r = perform(&(struct req){.method = "POST",
                              .path = "/login",
                              .form = "user=session&password=" PASSWORD,
                              .headers = {"Sec-Fetch-Site: cross-site"}});
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    /* still signed in; then the form field works */
    expect_status(cookie, "/api/v1/me", 200);
    r = perform(&(struct req){.method = "POST",
                              .path = "/logout",
                              .form = form,
                              .headers = {cookie, "Sec-Fetch-Site: same-origin"}});
    ck_assert_int_eq(r.status, 303);
    resp_free(&r);
    expect_status(cookie, "/api/v1/me", 401);
    free(cookie);
    free(csrf);
    free(form);
    free(token);
}
END_TEST

START_TEST(expiry_is_the_servers)
{
    char *idle = sign_in("session"), *old = sign_in("session"), *fresh = sign_in("session");
    char h[DIGEST_HEX_LEN + 1], q[400];
    session_hash(idle, h);
    snprintf(
        q, sizeof q,
        "UPDATE kpi.session SET last_seen = now() - interval '31 minutes' WHERE id_hash = '%s'", h);
    sql(q);
    session_hash(old, h);
    snprintf(q, sizeof q,
             "UPDATE kpi.session SET created_at = now() - interval '12 hours 1 minute'"
             " WHERE id_hash = '%s'",
             h);
    sql(q);
    expect_status(idle, "/api/v1/me", 401);
    expect_status(old, "/api/v1/me", 401);
    expect_status(fresh, "/api/v1/me", 200);
    free(idle);
    free(old);
    free(fresh);
}
END_TEST

START_TEST(a_disabled_users_session_ends)
{
    char *cookie = sign_in("leaver"), *token = token_of("leaver");
    expect_status(cookie, "/api/v1/me", 200);
    const char *args[] = {"user", "disable", "leaver", "--db", ci, NULL};
    char *err = NULL;
    ck_assert_msg(harness_run(args, NULL, NULL, &err) == 0, "%s", err);
    free(err);
    expect_status(cookie, "/api/v1/me", 401);
    expect_status(token, "/api/v1/me", 401);
    ck_assert_ptr_null(sign_in_at(d.port, NULL, NULL, "leaver", PASSWORD, NULL));
    /* enabled again: signs in, and the token that was not revoked works;
     * `token list` shows it (never the token itself), and both changes are
     * audited */
    const char *enable[] = {"user", "enable", "leaver", "--db", ci, NULL};
    ck_assert_msg(harness_run(enable, NULL, NULL, &err) == 0, "%s", err);
    free(err);
    free(cookie);
    cookie = sign_in_at(d.port, NULL, NULL, "leaver", PASSWORD, NULL);
    ck_assert_ptr_nonnull(cookie);
    expect_status(cookie, "/api/v1/me", 200);
    expect_status(token, "/api/v1/me", 200);
    /* enabling an enabled user changes nothing and is not audited again */
    char *again = NULL;
    ck_assert_msg(harness_run(enable, NULL, &again, &err) == 0, "%s", err);
    ck_assert_msg(strstr(again, "enabled already"), "%s", again);
    free(again);
    free(err);
    /* a user that does not exist: refused, not an empty list */
    const char *nobody[] = {"token", "list", "--user", "nobody-of-that-name", "--db", ci, NULL};
    ck_assert_int_eq(harness_run(nobody, NULL, NULL, &err), 2);
    ck_assert_msg(strstr(err, "no user named"), "%s", err);
    free(err);
    const char *list[] = {"token", "list", "--user", "leaver", "--db", ci, NULL};
    char *out = NULL;
    ck_assert_msg(harness_run(list, NULL, &out, &err) == 0, "%s", err);
    ck_assert_msg(strstr(out, " leaver ") && !strstr(out, "rt_") &&
                      strchr(out, '\n') != strrchr(out, '\n'),
                  "%s", out);
    free(out);
    free(err);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE detail = 'leaver'"
                                      " AND action IN ('user_disable', 'user_enable')"),
                     2);
    db_close(db);
    free(cookie);
    free(token);
    /* refusals are bad arguments: one line, exit 2 */
    const char *const refused[][12] = {
        {"user", "disable", "nobody-of-that-name", "--db", ci, NULL},
        {"user", "add", "king1", "--role", "king", "--password-stdin", "--db", ci, NULL},
        {"user", "add", "mgr1", "--role", "branch_manager", "--branch", "999999",
         "--password-stdin", "--db", ci, NULL},
        {"user", "add", "exec2", "--role", "executive", "--branch", "420101", "--password-stdin",
         "--db", ci, NULL},
        {"user", "add", "mgr2", "--role", "branch_manager", "--password-stdin", "--db", ci, NULL},
        {"token", "add", "--user", "nobody-of-that-name", "--db", ci, NULL},
    };
    /* each naming what is wrong */
    static const char *const says[] = {
        "",
        "--role must be",
        "",
        "--branch: an executive has no branch (only a branch_manager",
        "a branch_manager needs --branch CODE",
        "no user named 'nobody-of-that-name'"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int rc = harness_run_input(refused[i], NULL, PASSWORD "\n", NULL, &err);
        ck_assert_msg(rc == 2, "%s %s: exit %d: %s", refused[i][1], refused[i][2], rc, err);
        ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "retentiond: ") &&
                          strstr(err, says[i]),
                      "not one line saying '%s': %s", says[i], err);
        free(err);
    }
}
END_TEST

/* GET /api/v1/me as auth: "role branch" (malloc'd). */
static char *role_and_branch(const char *auth)
{
    struct resp r = get_as(auth, "/api/v1/me");
    ck_assert_msg(r.status == 200, "/api/v1/me: %ld %s", r.status, r.body);
    json_t *j = json_loads(r.body, 0, NULL);
    const char *branch = json_string_value(json_object_get(j, "branch"));
    char *out = strf("%s %s", json_string_value(json_object_get(j, "role")), branch ? branch : "-");
    json_decref(j);
    resp_free(&r);
    return out;
}

/* `user set NAME ARGS...`: its exit status; *out gets its line (malloc'd). */
static int user_set(const char *const *extra, char **out)
{
    const char *args[16] = {"user", "set"};
    int n = 2;
    for (; *extra && n < 13; extra++)
        args[n++] = *extra;
    args[n++] = "--db";
    args[n++] = ci;
    char *err = NULL;
    int rc = harness_run(args, NULL, out, &err);
    if (rc != 0 && out) {
        free(*out);
        *out = err;
    } else {
        free(err);
    }
    return rc;
}

START_TEST(a_users_role_branch_and_address_change)
{
    add_user("mover", "branch_manager", "420102");
    char *cookie = sign_in("mover"), *token = token_of("mover"), *out = NULL, *rb = NULL;
    /* a new branch: the sessions of the old scope end; the token acts in
     * the new one at once */
    ck_assert_int_eq(user_set((const char *[]){"mover", "--branch", "420101", NULL}, &out), 0);
    ck_assert_msg(strstr(out, "changed, sessions ended"), "%s", out);
    free(out);
    expect_status(cookie, "/api/v1/me", 401);
    rb = role_and_branch(token);
    ck_assert_str_eq(rb, "branch_manager 420101");
    free(rb);
    expect_status(token, "/api/v1/kpis?branch=420102", 403);
    expect_status(token, "/api/v1/kpis?branch=420101", 200);
    /* a role other than branch manager drops the branch */
    ck_assert_int_eq(user_set((const char *[]){"mover", "--role", "executive", NULL}, &out), 0);
    free(out);
    rb = role_and_branch(token);
    ck_assert_str_eq(rb, "executive -");
    free(rb);
    expect_status(token, "/api/v1/kpis?branch=420102", 200);
    /* an address alone ends no session; the same again changes nothing */
    free(cookie);
    cookie = sign_in("mover");
    const char *email[] = {"mover", "--email", "mover@example.com", NULL};
    ck_assert_int_eq(user_set(email, &out), 0);
    ck_assert_msg(strstr(out, "user mover: changed\n"), "%s", out);
    free(out);
    ck_assert_int_eq(user_set(email, &out), 0);
    ck_assert_msg(strstr(out, "unchanged"), "%s", out);
    free(out);
    expect_status(cookie, "/api/v1/me", 200);
    ck_assert_int_eq(user_set((const char *[]){"mover", "--no-email", NULL}, &out), 0);
    free(out);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.app_user WHERE name = 'mover'"
                                      " AND email IS NULL AND role = 'executive'"
                                      " AND branch_code IS NULL"),
                     1);
    /* four changes audited, each with what the user had before */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'user_set'"
                                      " AND detail = 'mover'"),
                     4);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action ="
                                      " 'user_set' AND detail = 'mover' AND params->'before'"
                                      "->>'branch' = '420102' AND params->>'branch' = '420101'"),
                     1);
    /* refusals: one line, exit 2, nothing changed */
    const char *const refused[][6] = {
        {"mover", NULL},
        {"mover", "--branch", "420101", NULL},
        {"mover", "--role", "branch_manager", NULL},
        {"mover", "--role", "branch_manager", "--branch", "999999", NULL},
        {"mover", "--role", "king", NULL},
        {"mover", "--email", "not-an-address", NULL},
        {"mover", "--email", "a\nb@x.example", NULL},
        {"mover", "--email", "a@b.example", "--no-email", NULL},
        {"mover", "--temporary", NULL},
        {"nobody-of-that-name", "--role", "admin", NULL},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char *err = NULL;
        int rc = user_set(refused[i], &err);
        ck_assert_msg(rc == 2, "set %s %s: exit %d: %s", refused[i][0],
                      refused[i][1] ? refused[i][1] : "", rc, err);
        ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "retentiond: "),
                      "not one line: %s", err);
        free(err);
    }
    const char *misplaced[] = {"user", "passwd", "mover", "--role", "admin", "--password-stdin",
                               "--db", ci,       NULL};
    char *err = NULL;
    ck_assert_int_eq(harness_run_input(misplaced, NULL, PASSWORD "\n", NULL, &err), 2);
    ck_assert_msg(strstr(err, "go with user add or set"), "%s", err);
    free(err);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'user_set'"
                                      " AND detail = 'mover'"),
                     4);
    db_close(db);
    /* the command pages the log as the API does: a row a line, its id first */
    const char *page1[] = {"audit", "--action", "user_set", "--limit", "2", "--db", ci, NULL};
    char *lines = NULL;
    ck_assert_msg(harness_run(page1, NULL, &lines, &err) == 0, "%s", err);
    free(err);
    long long second = 0;
    char *nl = strchr(lines, '\n');
    ck_assert_msg(nl && sscanf(nl + 1, "%lld ", &second) == 1 && strstr(nl + 1, " user_set ok "),
                  "%s", lines);
    free(lines);
    char before[24];
    snprintf(before, sizeof before, "%lld", second);
    const char *page2[] = {"audit", "--action", "user_set", "--before", before, "--db", ci, NULL};
    ck_assert_msg(harness_run(page2, NULL, &lines, &err) == 0, "%s", err);
    free(err);
    ck_assert_msg(lines_in(lines) == 2 && atoll(lines) < second, "%s", lines);
    free(lines);
    const char *bad[] = {"audit", "--before", "0x10", "--db", ci, NULL};
    ck_assert_int_eq(harness_run(bad, NULL, NULL, &err), 2);
    ck_assert_msg(strstr(err, "--before"), "%s", err);
    free(err);
    free(cookie);
    free(token);
}
END_TEST

START_TEST(no_open_redirect)
{
    char *loc = NULL;
    static const char *const nexts[] = {"//evil.example/", "/\\evil.example",
                                        "https://evil.example/", "javascript:alert(1)"};
    for (size_t i = 0; i < sizeof nexts / sizeof nexts[0]; i++) {
        char form[256];
        CURL *e = curl_easy_init();
        char *esc = curl_easy_escape(e, nexts[i], 0);
        snprintf(form, sizeof form, "user=session&password=%s&next=%s", PASSWORD, esc);
        curl_free(esc);
        curl_easy_cleanup(e);
        struct resp r = perform(&(struct req){.method = "POST", .path = "/login", .form = form});
        loc = header(&r, "Location");
        ck_assert_msg(strcmp(loc, "/") == 0, "next=%s went to %s", nexts[i], loc);
        free(loc);
        resp_free(&r);
    }
    struct resp r = perform(
        &(struct req){.method = "POST",
                      .path = "/login",
                      .form = "user=session&password=" PASSWORD "&next=%2Fapi%2Fv1%2Fme%3Fx%3D1"});
    loc = header(&r, "Location");
    ck_assert_str_eq(loc, "/api/v1/me?x=1");
    free(loc);
    resp_free(&r);
    /* a page sends to the sign-in page with the way back */
    r = get_as(NULL, "/");
    ck_assert_int_eq(r.status, 303);
    loc = header(&r, "Location");
    ck_assert_str_eq(loc, "/login");
    free(loc);
    resp_free(&r);
    /* the sign-in page escapes what it is given */
    r = get_as(NULL, "/login?next=%2F%22%3E%3Cscript%3E");
    ck_assert_int_eq(r.status, 200);
    ck_assert(!strstr(r.body, "<script>"));
    resp_free(&r);
}
END_TEST

/* Two daemons on one database share sessions; a restart signs nobody
 * out. */
START_TEST(sessions_live_in_the_database)
{
    struct other b;
    other_up(&b, "b", "");
    char *cookie = sign_in("session"), *csrf = csrf_of(cookie);
    char *token = strf("X-CSRF-Token: %s", csrf);
    struct resp r =
        perform(&(struct req){.path = "/api/v1/me", .headers = {cookie}, .port = b.d.port});
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    /* the main daemon restarts: the session stays */
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    free(d.log);
    d = (struct harness_daemon){0};
    start(&d, config_path);
    expect_status(cookie, "/api/v1/me", 200);
    /* a sign-out on one ends it on the other */
    r = perform(&(struct req){
        .method = "POST", .path = "/logout", .headers = {cookie, token}, .port = b.d.port});
    ck_assert_int_eq(r.status, 303);
    resp_free(&r);
    expect_status(cookie, "/api/v1/me", 401);
    other_down(&b);
    free(cookie);
    free(csrf);
    free(token);
}
END_TEST

/* Signing in keeps the language of the form (its lang field): home in
 * English, the sign-in page again in English; a next that names its own
 * language keeps it (a second lang would make the page refuse the link).
 * (The user field carries the extra form fields.) */
START_TEST(sign_in_keeps_the_language)
{
    static const struct {
        const char *fields, *password, *location;
    } cases[] = {
        {"exec&lang=en", PASSWORD, "/?lang=en"},
        {"exec&lang=en&next=%2Falarms%3Flang%3Dzh", PASSWORD, "/alarms?lang=zh"},
        {"exec&lang=en&next=%2Fzones", PASSWORD, "/zones?lang=en"},
        {"exec&lang=en", "wrong password", "/login?error=failed&lang=en"},
        {"exec", PASSWORD, "/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *loc = NULL;
        free(sign_in_at(d.port, NULL, NULL, cases[i].fields, cases[i].password, &loc));
        ck_assert_msg(loc && strcmp(loc, cases[i].location) == 0, "%s: %s", cases[i].fields, loc);
        free(loc);
    }
}
END_TEST

/* At the least idle timeout (60 s) a session in use stays: its last use is
 * written every quarter of the timeout, not once a minute (used 50 s after
 * the last write, it had not been written, and ended 10 s later). */
START_TEST(a_session_in_use_outlives_a_short_idle_timeout)
{
    struct other o;
    other_up(&o, "idle", "[access]\nsession_idle = 60");
    char *cookie = sign_in_at(o.d.port, NULL, NULL, "exec", PASSWORD, NULL), h[DIGEST_HEX_LEN + 1],
         q[300];
    ck_assert_ptr_nonnull(cookie);
    session_hash(cookie, h);
    snprintf(
        q, sizeof q,
        "UPDATE kpi.session SET last_seen = now() - interval '50 seconds' WHERE id_hash = '%s'", h);
    sql(q);
    struct resp r =
        perform(&(struct req){.path = "/api/v1/me", .headers = {cookie}, .port = o.d.port});
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.session WHERE id_hash = '%s'"
             " AND last_seen > now() - interval '10 seconds'",
             h);
    ck_assert_int_eq(harness_long(db, q), 1);
    db_close(db);
    free(cookie);
    other_down(&o);
}
END_TEST

/* ---- one's own password --------------------------------------------------------------------- */

/* POST /account/password on port as the session of cookie (CSRF token
 * csrf): current, password, confirm, and lang when not NULL. Spaces are
 * sent as '+' (the tests' passwords have no other special character). */
static struct resp change_password(int port, const char *cookie, const char *csrf,
                                   const char *current, const char *password, const char *confirm,
                                   const char *lang)
{
    char *form = strf("csrf=%s&current=%s&password=%s&confirm=%s%s%s", csrf, current, password,
                      confirm, lang ? "&lang=" : "", lang ? lang : "");
    for (char *c = form; *c; c++)
        if (*c == ' ')
            *c = '+';
    struct resp r = perform(&(struct req){.method = "POST",
                                          .path = "/account/password",
                                          .form = form,
                                          .port = port,
                                          .headers = {cookie}});
    free(form);
    return r;
}

/* The answer was a 303 to location, with no new session. */
static void refused_to(struct resp *r, const char *location)
{
    char *loc = header(r, "Location");
    ck_assert_msg(r->status == 303 && loc && strcmp(loc, location) == 0, "%ld to %s, want %s",
                  r->status, loc ? loc : "(none)", location);
    ck_assert(!header_has(r, "Set-Cookie", "rt_session"));
    free(loc);
    resp_free(r);
}

/* Waits up to 5 s until sql counts want (the daemon's audit rows are
 * written off the request's thread). */
static long count_soon(const char *q, long want)
{
    struct db *db = NULL;
    long n = -1;
    ck_assert(db_connect(ci, 0, &db));
    for (int i = 0; i < 50 && (n = harness_long(db, q)) != want; i++)
        usleep(100000);
    db_close(db);
    return n;
}

#define NEW_PASSWORD "another password 2"

START_TEST(a_user_changes_their_password)
{
    char *cookie = sign_in("pw.changer"), *elsewhere = sign_in("pw.changer"),
         *csrf = csrf_of(cookie);
    char *token = token_of("pw.changer"), code[64];
    /* refused before anything is checked: a token, no CSRF token */
    struct resp r = perform(&(struct req){.method = "POST",
                                          .path = "/account/password",
                                          .form = "current=x&password=y&confirm=y",
                                          .headers = {token}});
    ck_assert_int_eq(r.status, 403);
    ck_assert_str_eq(error_code(&r, code, sizeof code), "session_required");
    resp_free(&r);
    r = perform(&(struct req){.method = "POST",
                              .path = "/account/password",
                              .form = "current=x&password=y&confirm=y",
                              .headers = {cookie}});
    ck_assert_int_eq(r.status, 403);
    ck_assert_str_eq(error_code(&r, code, sizeof code), "csrf_failed");
    resp_free(&r);
    r = change_password(d.port, cookie, csrf, PASSWORD, NEW_PASSWORD, "", NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert(strstr(r.body, "\"param\":\"confirm\""));
    resp_free(&r);
    /* refused with the form's message, in the form's language */
    r = change_password(d.port, cookie, csrf, PASSWORD, NEW_PASSWORD, "another password 3", NULL);
    refused_to(&r, "/account?error=mismatch");
    r = change_password(d.port, cookie, csrf, PASSWORD, "short", "short", "en");
    refused_to(&r, "/account?error=length&lang=en");
    r = change_password(d.port, cookie, csrf, PASSWORD, PASSWORD, PASSWORD, NULL);
    refused_to(&r, "/account?error=same");
    r = change_password(d.port, cookie, csrf, PASSWORD, "pw.changer", "pw.changer", NULL);
    refused_to(&r, "/account?error=name");
    r = change_password(d.port, cookie, csrf, "a wrong password", NEW_PASSWORD, NEW_PASSWORD, NULL);
    refused_to(&r, "/account?error=wrong");
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.audit_log WHERE who = 'pw.changer'"
                                " AND action = 'password_change' AND outcome = 'denied'",
                                1),
                     1);
    /* nothing changed: both sessions live, the password the same */
    expect_status(cookie, "/api/v1/me", 200);
    expect_status(elsewhere, "/api/v1/me", 200);
    /* changed: a new session for this browser, every other one ended */
    r = change_password(d.port, cookie, csrf, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, "en");
    ck_assert_int_eq(r.status, 303);
    char *loc = header(&r, "Location"), *set = header(&r, "Set-Cookie");
    ck_assert_str_eq(loc, "/account?changed=1&lang=en");
    ck_assert_msg(set && strncmp(set, "rt_session=", 11) == 0 && strstr(set, "HttpOnly") &&
                      strstr(set, "SameSite=Strict"),
                  "%s", set ? set : "(no cookie)");
    char *fresh = strf("Cookie: %.75s", set);
    resp_free(&r);
    ck_assert_str_ne(fresh, cookie);
    expect_status(fresh, "/api/v1/me", 200);
    expect_status(fresh, "/account", 200);
    expect_status(cookie, "/api/v1/me", 401);
    expect_status(elsewhere, "/api/v1/me", 401);
    expect_status(token, "/api/v1/me", 200); /* tokens are not sessions */
    /* (the old password's refusal is not tried here: this daemon's address
     * count of failures is shared by the suite's cases) */
    char *again = sign_in_at(d.port, NULL, NULL, "pw.changer", NEW_PASSWORD, NULL);
    ck_assert_ptr_nonnull(again);
    char h[DIGEST_HEX_LEN + 1], q[400];
    session_hash(fresh, h);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log WHERE who = 'pw.changer' AND action ="
             " 'password_change' AND outcome = 'ok' AND params->>'session' = '%s'"
             " AND (params->>'sessions_ended')::int = 2 AND client_addr = '127.0.0.1'",
             h);
    ck_assert_int_eq(count_soon(q, 1), 1);
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.app_user WHERE name = 'pw.changer'"
                                " AND password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'"
                                " AND changed_at > now() - interval '1 minute'",
                                1),
                     1);
    free(loc);
    free(set);
    free(fresh);
    free(again);
    free(cookie);
    free(elsewhere);
    free(csrf);
    free(token);
}
END_TEST

/* Whether GET /api/v1/me says the session's user must change their password. */
static bool must_change(const char *cookie)
{
    struct resp r = get_as(cookie, "/api/v1/me");
    ck_assert_int_eq(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    bool must = json_is_true(json_object_get(j, "must_change"));
    json_decref(j);
    resp_free(&r);
    return must;
}

/* GET path as cookie answers 303 to location. */
static void redirected(const char *cookie, const char *path, const char *location)
{
    struct resp r = get_as(cookie, path);
    char *loc = header(&r, "Location");
    ck_assert_msg(r.status == 303 && loc && strcmp(loc, location) == 0, "%s: %ld to %s", path,
                  r.status, loc ? loc : "(none)");
    free(loc);
    resp_free(&r);
}

/* `retentiond user VERB newcomer ...` with PASSWORD on stdin: its output (malloc'd). */
static char *newcomer(const char *verb, bool temporary)
{
    const char *args[] = {
        "user", verb, "newcomer", "--password-stdin", "--db", ci, temporary ? "--temporary" : NULL,
        NULL};
    const char *add[] = {"user",           "add",      "newcomer", "--role",
                         "branch_manager", "--branch", "420101",   "--password-stdin",
                         "--temporary",    "--db",     ci,         NULL};
    char *out = NULL, *err = NULL;
    int rc =
        harness_run_input(strcmp(verb, "add") == 0 ? add : args, NULL, PASSWORD "\n", &out, &err);
    ck_assert_msg(rc == 0, "user %s: %s", verb, err);
    free(err);
    return out;
}

START_TEST(a_temporary_password_is_changed_first)
{
    char *out = newcomer("add", true), code[64];
    ck_assert_msg(strstr(out, "added, to change the password first"), "%s", out);
    free(out);
    char *cookie = sign_in("newcomer"), *csrf = csrf_of(cookie), *token = token_of("newcomer");
    /* until it is changed: pages go to the account page (in their
     * language), the API is refused, the account page and who-am-I answer */
    redirected(cookie, "/", "/account");
    redirected(cookie, "/alarms?lang=en", "/account?lang=en");
    redirected(cookie, "/branch/420101", "/account");
    struct resp r = get_as(cookie, "/api/v1/kpis");
    ck_assert_int_eq(r.status, 403);
    ck_assert_str_eq(error_code(&r, code, sizeof code), "password_change_required");
    resp_free(&r);
    expect_status(cookie, "/account", 200);
    ck_assert(must_change(cookie));
    expect_status(token, "/api/v1/kpis", 200); /* a token is a machine's, not the user's */
    /* changed on the account page: everything, in a new session */
    r = change_password(d.port, cookie, csrf, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, NULL);
    char *set = header(&r, "Set-Cookie");
    ck_assert_int_eq(r.status, 303);
    ck_assert(header_has(&r, "Location", "/account?changed=1"));
    ck_assert_ptr_nonnull(set);
    char *fresh = strf("Cookie: %.75s", set);
    resp_free(&r);
    expect_status(fresh, "/", 200);
    expect_status(fresh, "/api/v1/kpis", 200);
    ck_assert(!must_change(fresh));
    /* a temporary one again: the sessions end, the next is sent to the page */
    out = newcomer("passwd", true);
    ck_assert_msg(strstr(out, "to change it first"), "%s", out);
    free(out);
    expect_status(fresh, "/api/v1/me", 401);
    char *again = sign_in("newcomer");
    redirected(again, "/", "/account");
    /* one that is not temporary clears the mark */
    free(newcomer("passwd", false));
    free(again);
    again = sign_in("newcomer");
    expect_status(again, "/", 200);
    ck_assert(!must_change(again));
    /* by the system user, from the host and database role it ran as, as
     * every command's row */
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.audit_log WHERE who NOT LIKE 'cli:%'"
                                " AND who <> '' AND client_addr LIKE 'cli:% role:' || current_user"
                                " AND params->>'name' = 'newcomer' AND ((action = 'user_add'"
                                " AND params->>'temporary' = 'true') OR (action = 'user_passwd'"
                                " AND params->>'temporary' IN ('true', 'false')))",
                                3),
                     3);
    free(again);
    free(fresh);
    free(set);
    free(cookie);
    free(csrf);
    free(token);
}
END_TEST

/* POST form to path as cookie (with the session's CSRF token): the response. */
static struct resp post_as(const char *cookie, const char *csrf, const char *path, const char *form)
{
    char *token = strf("X-CSRF-Token: %s", csrf);
    struct resp r = perform(&(struct req){
        .method = "POST", .path = path, .form = form ? form : "", .headers = {cookie, token}});
    free(token);
    return r;
}

/* A 4xx answer's status, code and param, as "STATUS CODE PARAM". */
static char *refusal(struct resp *r)
{
    json_t *j = json_loads(r->body, 0, NULL), *e = json_object_get(j, "error");
    const char *param = json_string_value(json_object_get(e, "param"));
    char *out = strf("%ld %s %s", r->status, json_string_value(json_object_get(e, "code")),
                     param ? param : "-");
    json_decref(j);
    resp_free(r);
    return out;
}

/* A POST that must be refused: its path, form and "STATUS CODE PARAM". */
struct refused_post {
    const char *path, *form, *want;
};

/* POSTs form to path as cookie: asserts the answer's status and a piece
 * of its body. */
static void posted(const char *cookie, const char *csrf, const char *path, const char *form,
                   long status, const char *piece)
{
    struct resp r = post_as(cookie, csrf, path, form);
    ck_assert_msg(r.status == status && strstr(r.body, piece), "%s: %ld %s, want %ld with %s", path,
                  r.status, r.body, status, piece);
    resp_free(&r);
}

/* Posts each case as cookie and asserts its refusal. */
static void refusals_are(const char *cookie, const char *csrf, const struct refused_post *cases,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct resp r = post_as(cookie, csrf, cases[i].path, cases[i].form);
        char *got = refusal(&r);
        ck_assert_msg(strcmp(got, cases[i].want) == 0, "%s %s: %s, want %s", cases[i].path,
                      cases[i].form ? cases[i].form : "", got, cases[i].want);
        free(got);
    }
}

/* The "password" of a 200 or 201 answer (malloc'd). */
static char *password_of(struct resp *r, long status)
{
    ck_assert_msg(r->status == status, "%ld: %s", r->status, r->body);
    json_t *j = json_loads(r->body, 0, NULL);
    const char *pw = json_string_value(json_object_get(j, "password"));
    ck_assert_msg(pw && strlen(pw) == 19 && pw[4] == '-' && pw[9] == '-' && pw[14] == '-', "%s",
                  r->body);
    char *out = strdup(pw);
    ck_assert(json_is_true(json_object_get(j, "must_change")));
    json_decref(j);
    resp_free(r);
    return out;
}

START_TEST(administrators_manage_users_over_http)
{
    char *admin = sign_in("admin"), *csrf = csrf_of(admin), *exec = sign_in("exec");
    char *exec_csrf = csrf_of(exec);
    /* refused: another role, no CSRF token, a bad field (named), a taken
     * name, an unknown branch, one's own account */
    static const struct refused_post refused[] = {
        {"/api/v1/users", "name=bad name&role=executive", "400 invalid_parameter name"},
        {"/api/v1/users", "name=hired&role=king", "400 invalid_parameter role"},
        {"/api/v1/users", "name=hired&role=branch_manager", "400 invalid_parameter branch"},
        {"/api/v1/users", "name=hired&role=executive&branch=420101",
         "400 invalid_parameter branch"},
        {"/api/v1/users", "name=hired&role=branch_manager&branch=999999",
         "400 invalid_parameter branch"},
        {"/api/v1/users", "name=hired&role=executive&email=no-address",
         "400 invalid_parameter email"},
        {"/api/v1/users", "name=exec&role=executive", "409 conflict name"},
        {"/api/v1/users/admin/disable", NULL, "400 invalid_parameter name"},
        {"/api/v1/users/admin/password", NULL, "400 invalid_parameter name"},
        {"/api/v1/users/nobody/disable", NULL, "404 not_found name"},
        {"/api/v1/users/exec/delete", NULL, "404 not_found -"},
    };
    refusals_are(admin, csrf, refused, sizeof refused / sizeof refused[0]);
    struct resp r = post_as(exec, exec_csrf, "/api/v1/users", "name=hired&role=executive");
    char *got = refusal(&r);
    ck_assert_str_eq(got, "403 forbidden -");
    free(got);
    r = perform(&(struct req){.method = "POST",
                              .path = "/api/v1/users",
                              .form = "name=hired&role=executive",
                              .headers = {admin}});
    got = refusal(&r);
    ck_assert_str_eq(got, "403 csrf_failed csrf");
    free(got);
    /* added: a temporary password, answered once; the user signs in with it
     * and is sent to change it */
    r = post_as(admin, csrf, "/api/v1/users",
                "name=hired&role=branch_manager&branch=420101&email=hired%40example.org");
    char *first = password_of(&r, 201);
    char *hired = sign_in_at(d.port, NULL, NULL, "hired", first, NULL);
    ck_assert_ptr_nonnull(hired);
    redirected(hired, "/", "/account");
    ck_assert(must_change(hired));
    r = get_as(admin, "/api/v1/users");
    ck_assert_int_eq(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL), *u;
    size_t i;
    bool listed = false;
    json_array_foreach(json_object_get(j, "users"), i, u)
    {
        if (strcmp(json_string_value(json_object_get(u, "name")), "hired") != 0)
            continue;
        listed = strcmp(json_string_value(json_object_get(u, "role")), "branch_manager") == 0 &&
                 strcmp(json_string_value(json_object_get(u, "branch")), "420101") == 0 &&
                 strcmp(json_string_value(json_object_get(u, "email")), "hired@example.org") == 0 &&
                 json_is_true(json_object_get(u, "must_change")) &&
                 json_integer_value(json_object_get(u, "sessions")) == 1 &&
                 json_is_false(json_object_get(u, "disabled"));
    }
    ck_assert_msg(listed, "%s", r.body);
    ck_assert_msg(!strstr(r.body, "argon2"), "the list shows a hash");
    json_decref(j);
    resp_free(&r);
    /* a new temporary password: the sessions end, the new one signs in */
    r = post_as(admin, csrf, "/api/v1/users/hired/password", NULL);
    char *second = password_of(&r, 200);
    ck_assert_str_ne(first, second);
    expect_status(hired, "/api/v1/me", 401);
    free(hired);
    hired = sign_in_at(d.port, NULL, NULL, "hired", second, NULL);
    ck_assert_ptr_nonnull(hired);
    /* disabled: the session ends; enabled: again, and once more changes nothing */
    posted(admin, csrf, "/api/v1/users/hired/disable", NULL, 200, "\"disabled\":true");
    expect_status(hired, "/api/v1/me", 401);
    posted(admin, csrf, "/api/v1/users/hired/enable", NULL, 200, "\"already\":false");
    posted(admin, csrf, "/api/v1/users/hired/enable", NULL, 200, "\"already\":true");
    /* each change audited as the administrator's, from their address; the
     * passwords in no row and no log line */
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.audit_log WHERE who = 'admin'"
                                " AND client_addr = '127.0.0.1' AND detail = 'hired' AND action IN"
                                " ('user_add', 'user_passwd', 'user_disable', 'user_enable')",
                                4),
                     4);
    char q[300];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log WHERE params::text LIKE '%%%s%%'"
             " OR params::text LIKE '%%%s%%'",
             first, second);
    ck_assert_int_eq(count_soon(q, 0), 0);
    harness_daemon_wait_log(&d, "never appears", 300);
    ck_assert(!strstr(d.log, first) && !strstr(d.log, second));
    free(first);
    free(second);
    free(hired);
    free(admin);
    free(csrf);
    free(exec);
    free(exec_csrf);
}
END_TEST

/* The user's fields in GET /api/v1/users as "role branch email" ('-' for
 * null), malloc'd. */
static char *listed_as(const char *admin, const char *name)
{
    struct resp r = get_as(admin, "/api/v1/users");
    ck_assert_int_eq(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL), *u;
    size_t i;
    char *out = NULL;
    json_array_foreach(json_object_get(j, "users"), i, u)
    {
        if (strcmp(json_string_value(json_object_get(u, "name")), name) != 0)
            continue;
        const char *branch = json_string_value(json_object_get(u, "branch")),
                   *email = json_string_value(json_object_get(u, "email"));
        out = strf("%s %s %s", json_string_value(json_object_get(u, "role")), branch ? branch : "-",
                   email ? email : "-");
    }
    ck_assert_msg(out, "%s is not listed: %s", name, r.body);
    json_decref(j);
    resp_free(&r);
    return out;
}

/* POST /api/v1/users/moved/set with form: 200 and the answer's
 * sessions_ended and unchanged as "ended=B unchanged=B". */
static char *set_moved(const char *admin, const char *csrf, const char *form)
{
    struct resp r = post_as(admin, csrf, "/api/v1/users/moved/set", form);
    ck_assert_msg(r.status == 200, "%s: %ld %s", form, r.status, r.body);
    json_t *j = json_loads(r.body, 0, NULL);
    char *out = strf("ended=%d unchanged=%d", json_is_true(json_object_get(j, "sessions_ended")),
                     json_is_true(json_object_get(j, "unchanged")));
    json_decref(j);
    resp_free(&r);
    return out;
}

START_TEST(administrators_change_a_users_role_branch_and_address)
{
    char *admin = sign_in("admin"), *csrf = csrf_of(admin);
    add_user("moved", "branch_manager", "420101");
    static const struct refused_post refused[] = {
        {"/api/v1/users/moved/set", "role=king", "400 invalid_parameter role"},
        {"/api/v1/users/moved/set", "", "400 invalid_parameter role"},
        {"/api/v1/users/moved/set", "role=branch_manager", "400 invalid_parameter branch"},
        {"/api/v1/users/moved/set", "role=auditor&branch=420101", "400 invalid_parameter branch"},
        {"/api/v1/users/moved/set", "role=branch_manager&branch=999999",
         "400 invalid_parameter branch"},
        {"/api/v1/users/moved/set", "role=auditor&email=no-address", "400 invalid_parameter email"},
        {"/api/v1/users/admin/set", "role=executive", "400 invalid_parameter name"},
        {"/api/v1/users/nobody/set", "role=executive", "404 not_found name"},
    };
    refusals_are(admin, csrf, refused, sizeof refused / sizeof refused[0]);
    char *moved = sign_in("moved"), *got = listed_as(admin, "moved");
    ck_assert_str_eq(got, "branch_manager 420101 -");
    free(got);
    /* an address: the scope is the same, the session stays; again: nothing */
    const char *with_address = "role=branch_manager&branch=420101&email=moved%40example.org";
    got = set_moved(admin, csrf, with_address);
    ck_assert_str_eq(got, "ended=0 unchanged=0");
    free(got);
    expect_status(moved, "/api/v1/me", 200);
    got = set_moved(admin, csrf, with_address);
    ck_assert_str_eq(got, "ended=0 unchanged=1");
    free(got);
    /* another branch: the session ends at once (a page of the old scope may
     * be open); signed in again, the new scope */
    got = set_moved(admin, csrf, "role=branch_manager&branch=420102&email=moved%40example.org");
    ck_assert_str_eq(got, "ended=1 unchanged=0");
    free(got);
    expect_status(moved, "/api/v1/me", 401);
    free(moved);
    moved = sign_in("moved");
    struct resp r = get_as(moved, "/api/v1/me");
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"branch\":\"420102\""), "%s", r.body);
    resp_free(&r);
    /* another role without an address: the branch and the address go */
    got = set_moved(admin, csrf, "role=auditor&email=");
    ck_assert_str_eq(got, "ended=1 unchanged=0");
    free(got);
    expect_status(moved, "/api/v1/me", 401);
    got = listed_as(admin, "moved");
    ck_assert_str_eq(got, "auditor - -");
    free(got);
    /* three changes audited as the administrator's, each with what was before */
    ck_assert_int_eq(
        count_soon(
            "SELECT count(*) FROM kpi.audit_log WHERE who = 'admin' AND action = 'user_set'"
            " AND client_addr = '127.0.0.1' AND detail = 'moved' AND params->'before'->>'role'"
            " = 'branch_manager' AND (params->>'sessions_ended')::boolean ="
            " (params->>'branch' IS DISTINCT FROM params->'before'->>'branch')",
            3),
        3);
    free(moved);
    free(admin);
    free(csrf);
}
END_TEST

/* POST /api/v1/me/tokens as cookie: the new token's id (*id) and its
 * "Authorization: Bearer ..." header (malloc'd). */
static char *my_token(const char *cookie, const char *csrf, long long *id)
{
    struct resp r = post_as(cookie, csrf, "/api/v1/me/tokens", "password=" PASSWORD_FORM);
    ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
    ck_assert(header_has(&r, "Cache-Control", "no-store"));
    json_t *j = json_loads(r.body, 0, NULL);
    const char *token = json_string_value(json_object_get(j, "token"));
    ck_assert_msg(token && strlen(token) == TOKEN_LEN && strncmp(token, "rt_", 3) == 0, "%s",
                  r.body);
    *id = json_integer_value(json_object_get(j, "id"));
    char *out = strf("Authorization: Bearer %s", token);
    json_decref(j);
    resp_free(&r);
    return out;
}

START_TEST(a_user_manages_their_own_tokens)
{
    add_user("tokened", "executive", NULL);
    char *cookie = sign_in("tokened"), *csrf = csrf_of(cookie), *path = NULL, *got;
    long long id = 0, other = 0;
    char *bearer = my_token(cookie, csrf, &id);
    /* it acts as its user; the list names it, never the token */
    struct resp r = get_as(bearer, "/api/v1/me");
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"user\":\"tokened\""), "%s", r.body);
    resp_free(&r);
    r = get_as(bearer, "/api/v1/me/tokens");
    ck_assert_int_eq(r.status, 200);
    json_t *list = json_loads(r.body, 0, NULL),
           *first = json_array_get(json_object_get(list, "tokens"), 0);
    ck_assert_msg(json_integer_value(json_object_get(first, "id")) == id &&
                      json_is_null(json_object_get(first, "revoked_at")),
                  "%s", r.body);
    ck_assert_msg(!strstr(r.body, bearer + strlen("Authorization: Bearer ")), "the list shows it");
    json_decref(list);
    resp_free(&r);
    /* refused: a token makes none, no CSRF token, another user's, not a path */
    r = perform(&(struct req){.method = "POST", .path = "/api/v1/me/tokens", .headers = {bearer}});
    got = refusal(&r);
    ck_assert_str_eq(got, "403 session_required -");
    free(got);
    r = perform(&(struct req){.method = "POST", .path = "/api/v1/me/tokens", .headers = {cookie}});
    got = refusal(&r);
    ck_assert_str_eq(got, "403 csrf_failed csrf");
    free(got);
    /* the current password: a stolen session alone makes none */
    r = post_as(cookie, csrf, "/api/v1/me/tokens", NULL);
    got = refusal(&r);
    ck_assert_str_eq(got, "400 invalid_parameter password");
    free(got);
    r = post_as(cookie, csrf, "/api/v1/me/tokens", "password=not+it+at+all");
    got = refusal(&r);
    ck_assert_str_eq(got, "403 wrong_password password");
    free(got);
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.audit_log WHERE who = 'tokened'"
                                " AND action = 'token_add' AND outcome = 'denied'",
                                1),
                     1);
    char *exec_token = token_of("exec");
    free(exec_token);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    other = harness_long(db, "SELECT max(token_id) FROM kpi.api_token JOIN kpi.app_user"
                             " USING (user_id) WHERE name = 'exec' AND revoked_at IS NULL");
    db_close(db);
    path = strf("/api/v1/me/tokens/%lld/revoke", other);
    r = post_as(cookie, csrf, path, NULL);
    got = refusal(&r);
    ck_assert_str_eq(got, "404 not_found id");
    free(got);
    free(path);
    r = post_as(cookie, csrf, "/api/v1/me/tokens/x1/revoke", NULL);
    got = refusal(&r);
    ck_assert_str_eq(got, "404 not_found -");
    free(got);
    /* revoked: it stops at once; again: no live token */
    path = strf("/api/v1/me/tokens/%lld/revoke", id);
    posted(cookie, csrf, path, NULL, 200, "\"revoked\":true");
    expect_status(bearer, "/api/v1/me", 401);
    r = post_as(cookie, csrf, path, NULL);
    got = refusal(&r);
    ck_assert_str_eq(got, "404 not_found id");
    free(got);
    /* at most TOKENS_MAX live ones */
    for (int i = 0; i < TOKENS_MAX; i++) {
        long long n;
        free(my_token(cookie, csrf, &n));
    }
    r = post_as(cookie, csrf, "/api/v1/me/tokens", "password=" PASSWORD_FORM);
    got = refusal(&r);
    ck_assert_str_eq(got, "409 too_many -");
    free(got);
    /* audited as the user's, from their address */
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.audit_log WHERE who = 'tokened'"
                                " AND client_addr = '127.0.0.1' AND detail = 'tokened'"
                                " AND outcome = 'ok' AND action IN ('token_add', 'token_revoke')",
                                TOKENS_MAX + 2),
                     TOKENS_MAX + 2);
    harness_daemon_wait_log(&d, "never appears", 300);
    ck_assert(!strstr(d.log, bearer + strlen("Authorization: Bearer ")));
    free(path);
    free(bearer);
    free(cookie);
    free(csrf);
}
END_TEST

/* The id and revoked_at of the newest token in a GET .../tokens answer
 * (r freed); *n the number listed. */
static long long newest_token(struct resp *r, bool *revoked, size_t *n)
{
    ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
    json_t *j = json_loads(r->body, 0, NULL), *tokens = json_object_get(j, "tokens");
    json_t *first = json_array_get(tokens, 0);
    long long id = json_integer_value(json_object_get(first, "id"));
    *revoked = !json_is_null(json_object_get(first, "revoked_at"));
    *n = json_array_size(tokens);
    json_decref(j);
    resp_free(r);
    return id;
}

START_TEST(administrators_revoke_another_users_tokens)
{
    add_user("scripted", "auditor", NULL);
    char *owner = sign_in("scripted"), *owner_csrf = csrf_of(owner), *got;
    char *admin = sign_in("admin"), *csrf = csrf_of(admin);
    long long id = 0, kept = 0;
    free(my_token(owner, owner_csrf, &kept));
    char *bearer = my_token(owner, owner_csrf, &id);
    bool revoked = false;
    size_t n = 0;
    struct resp r = get_as(admin, "/api/v1/users/scripted/tokens");
    ck_assert(header_has(&r, "Cache-Control", "no-store"));
    ck_assert_msg(!strstr(r.body, bearer + strlen("Authorization: Bearer ")), "the list shows it");
    ck_assert_int_eq(newest_token(&r, &revoked, &n), id);
    ck_assert(!revoked && n == 2);
    /* refused: no such user, not a path, another user's id, someone not an
     * administrator, an administrator's token */
    r = get_as(admin, "/api/v1/users/nobody/tokens");
    got = refusal(&r);
    ck_assert_str_eq(got, "404 not_found name");
    free(got);
    r = get_as(admin, "/api/v1/users/scripted/sessions");
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    static const struct refused_post refused[] = {
        {"/api/v1/users/scripted/tokens/x1/revoke", NULL, "404 not_found -"},
        {"/api/v1/users/scripted/tokens/1/cancel", NULL, "404 not_found -"},
        {"/api/v1/users/bad%20name/tokens/1/revoke", NULL, "404 not_found -"},
        {"/api/v1/users/nobody/tokens/1/revoke", NULL, "404 not_found id"},
    };
    refusals_are(admin, csrf, refused, sizeof refused / sizeof refused[0]);
    char *path = strf("/api/v1/users/exec/tokens/%lld/revoke", id);
    refusals_are(admin, csrf, &(struct refused_post){path, NULL, "404 not_found id"}, 1);
    free(path);
    path = strf("/api/v1/users/scripted/tokens/%lld/revoke", id);
    refusals_are(owner, owner_csrf, &(struct refused_post){path, NULL, "403 forbidden -"}, 1);
    char *admin_token = token_of("admin");
    r = perform(&(struct req){.method = "POST", .path = path, .headers = {admin_token}});
    got = refusal(&r);
    ck_assert_str_eq(got, "403 session_required -");
    free(got);
    expect_status(bearer, "/api/v1/me", 200);
    /* revoked: it stops at once, the other token of the user does not;
     * again: no live token */
    posted(admin, csrf, path, NULL, 200, "\"revoked\":true");
    expect_status(bearer, "/api/v1/me", 401);
    r = get_as(admin, "/api/v1/users/scripted/tokens");
    ck_assert_int_eq(newest_token(&r, &revoked, &n), id);
    ck_assert(revoked && n == 2);
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.api_token JOIN kpi.app_user"
                                " USING (user_id) WHERE name = 'scripted' AND revoked_at IS NULL",
                                1),
                     1);
    refusals_are(admin, csrf, &(struct refused_post){path, NULL, "404 not_found id"}, 1);
    /* audited as the administrator's, about the user */
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.audit_log WHERE who = 'admin'"
                                " AND action = 'token_revoke' AND detail = 'scripted'"
                                " AND outcome = 'ok' AND client_addr = '127.0.0.1'",
                                1),
                     1);
    free(path);
    free(admin_token);
    free(bearer);
    free(owner);
    free(owner_csrf);
    free(admin);
    free(csrf);
}
END_TEST

START_TEST(administrators_manage_bulletin_recipients)
{
    char *admin = sign_in("admin"), *csrf = csrf_of(admin), *exec = sign_in("exec");
    char *exec_csrf = csrf_of(exec);
    static const struct refused_post refused[] = {
        {"/api/v1/bulletin-recipients", "address=desk%40county.test",
         "400 invalid_parameter branch"},
        {"/api/v1/bulletin-recipients", "branch=420101&address=desk",
         "400 invalid_parameter address"},
        {"/api/v1/bulletin-recipients", "branch=420101&address=%3Cdesk%40county.test%3E",
         "400 invalid_parameter address"},
        {"/api/v1/bulletin-recipients", "branch=999999&address=desk%40county.test",
         "400 invalid_parameter branch"},
        {"/api/v1/bulletin-recipients/remove", "branch=420101&address=nobody%40county.test",
         "404 not_found address"},
    };
    refusals_are(admin, csrf, refused, sizeof refused / sizeof refused[0]);
    struct resp r = post_as(exec, exec_csrf, "/api/v1/bulletin-recipients",
                            "branch=420101&address=desk%40county.test");
    char *got = refusal(&r);
    ck_assert_str_eq(got, "403 forbidden -");
    free(got);
    /* an administrator's token neither: what it adds would outlast a leak */
    char *admin_token = token_of("admin");
    static const char *const session_only[] = {"/api/v1/bulletin-recipients", "/api/v1/users",
                                               "/api/v1/users/exec/set"};
    for (size_t i = 0; i < sizeof session_only / sizeof session_only[0]; i++) {
        r = perform(
            &(struct req){.method = "POST",
                          .path = session_only[i],
                          .form = "branch=420101&address=desk%40county.test&name=x&role=auditor",
                          .headers = {admin_token}});
        got = refusal(&r);
        ck_assert_msg(strcmp(got, "403 session_required -") == 0, "%s: %s", session_only[i], got);
        free(got);
    }
    free(admin_token);
    /* added; the same address in other letters is there already */
    posted(admin, csrf, "/api/v1/bulletin-recipients", "branch=420101&address=desk%40county.test",
           201, "\"already\":false");
    posted(admin, csrf, "/api/v1/bulletin-recipients", "branch=420101&address=DESK%40county.test",
           200, "\"already\":true");
    r = get_as(admin, "/api/v1/bulletin-recipients");
    ck_assert_int_eq(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL),
           *first = json_array_get(json_object_get(j, "recipients"), 0);
    ck_assert_msg(
        json_array_size(json_object_get(j, "recipients")) == 1 &&
            strcmp(json_string_value(json_object_get(first, "branch")), "420101") == 0 &&
            strcmp(json_string_value(json_object_get(first, "address")), "desk@county.test") == 0 &&
            json_is_string(json_object_get(first, "branch_name")),
        "%s", r.body);
    json_decref(j);
    resp_free(&r);
    /* removed in any letters */
    posted(admin, csrf, "/api/v1/bulletin-recipients/remove",
           "branch=420101&address=Desk%40County.test", 200, "\"removed\":true");
    r = get_as(admin, "/api/v1/bulletin-recipients");
    ck_assert_msg(r.status == 200 && strcmp(r.body, "{\"recipients\":[]}") == 0, "%s", r.body);
    resp_free(&r);
    /* any address listed can be removed: one an earlier version let in
     * (non-ASCII, which an addition refuses now), of a branch gone from the
     * warehouse; not a line of two, nor one without an @ */
    sql("INSERT INTO kpi.bulletin_recipient (branch_code, address) VALUES"
        " ('420101', '张三@县.test'), ('999999', 'old@gone.test')");
    posted(admin, csrf, "/api/v1/bulletin-recipients", "branch=420101&address=%E6%9D%8E@x.test",
           400, "\"param\":\"address\"");
    static const struct refused_post removal_refused[] = {
        {"/api/v1/bulletin-recipients/remove", "branch=420101&address=a%40b.test%0D%0Ax",
         "400 invalid_parameter address"},
        {"/api/v1/bulletin-recipients/remove", "branch=420101&address=%E5%BC%A0%E4%B8%89",
         "400 invalid_parameter address"},
        {"/api/v1/bulletin-recipients/remove", "branch=420101&address=%FF%40x.test",
         "400 invalid_encoding address"},
    };
    refusals_are(admin, csrf, removal_refused, sizeof removal_refused / sizeof removal_refused[0]);
    posted(admin, csrf, "/api/v1/bulletin-recipients/remove",
           "branch=420101&address=%E5%BC%A0%E4%B8%89%40%E5%8E%BF.test", 200, "\"removed\":true");
    posted(admin, csrf, "/api/v1/bulletin-recipients/remove",
           "branch=999999&address=old%40gone.test", 200, "\"removed\":true");
    r = get_as(admin, "/api/v1/bulletin-recipients");
    ck_assert_msg(r.status == 200 && strcmp(r.body, "{\"recipients\":[]}") == 0, "%s", r.body);
    resp_free(&r);
    /* each change audited as the administrator's, from their address */
    ck_assert_int_eq(
        count_soon("SELECT count(*) FROM kpi.audit_log WHERE who = 'admin'"
                   " AND client_addr = '127.0.0.1' AND detail = '420101'"
                   " AND params->>'address' IN ('desk@county.test', 'Desk@County.test')"
                   " AND action IN ('bulletin_recipient_add',"
                   " 'bulletin_recipient_remove')",
                   2),
        2);
    free(admin);
    free(csrf);
    free(exec);
    free(exec_csrf);
}
END_TEST

START_TEST(wrong_current_passwords_are_throttled)
{
    /* a daemon of its own: the throttle counts per process */
    struct other o;
    other_up(&o, "pw", "");
    add_user("guessed", "executive", NULL);
    char *cookie = sign_in_at(o.d.port, NULL, NULL, "guessed", PASSWORD, NULL);
    ck_assert_ptr_nonnull(cookie);
    char *csrf = csrf_at(o.d.port, cookie);
    /* three failures are free; then the account waits 2^(n - 3) s after its
     * last, in whole seconds: a wait of 1 s may be over at once (it was,
     * under ASan on a loaded machine), so the guesses fail four times
     * (2 s) before the right password is tried */
    int wrong = 0, throttled = 0;
    for (int i = 0; i < 30 && wrong < 4; i++) {
        struct resp r = change_password(o.d.port, cookie, csrf, "guess number 1", NEW_PASSWORD,
                                        NEW_PASSWORD, NULL);
        char *loc = header(&r, "Location");
        bool was_throttled = loc && strcmp(loc, "/account?error=throttled") == 0;
        ck_assert_msg(!was_throttled || wrong >= 3, "guess %d throttled after %d", i, wrong);
        free(loc);
        refused_to(&r, was_throttled ? "/account?error=throttled" : "/account?error=wrong");
        wrong += !was_throttled;
        throttled += was_throttled;
        if (was_throttled)
            usleep(200000);
    }
    ck_assert_int_eq(wrong, 4);
    /* the right password too, now, before any hash; so is a sign-in of
     * the account: a stolen session cannot guess its way to the password */
    struct resp r =
        change_password(o.d.port, cookie, csrf, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, NULL);
    char *retry = header(&r, "Retry-After");
    ck_assert_ptr_nonnull(retry);
    ck_assert_int_ge(atoi(retry), 1);
    refused_to(&r, "/account?error=throttled");
    char *loc = NULL;
    ck_assert_ptr_null(sign_in_at(o.d.port, NULL, NULL, "guessed", PASSWORD, &loc));
    ck_assert_str_eq(loc, "/login?error=throttled");
    /* throttled refusals are audited at most once a second: one at least */
    char *q =
        strf("SELECT (count(*) BETWEEN 1 AND %d)::int FROM kpi.audit_log WHERE who = 'guessed'"
             " AND action = 'password_change' AND outcome = 'throttled'",
             throttled + 1);
    ck_assert_int_eq(count_soon(q, 1), 1);
    free(q);
    ck_assert_int_eq(count_soon("SELECT count(*) FROM kpi.audit_log WHERE who = 'guessed'"
                                " AND action = 'password_change' AND outcome = 'ok'",
                                0),
                     0);
    free(loc);
    free(retry);
    free(csrf);
    free(cookie);
    other_down(&o);
}
END_TEST

/* ---- throttling, the audit log, secrets ----------------------------------------------------- */

START_TEST(throttling_engages_and_releases)
{
    /* a daemon of its own: the throttle counts per process */
    struct other o;
    other_up(&o, "t", "");
    char *loc = NULL;
    for (int i = 0; i < 4; i++) {
        /* three failures are free; after them, one second between tries
         * (the fourth waits it out), then two */
        if (i == 3)
            sleep(2);
        ck_assert_ptr_null(sign_in_at(o.d.port, NULL, NULL, "exec", "wrong password", &loc));
        ck_assert_str_eq(loc, "/login?error=failed");
        free(loc);
    }
    /* now even the right password is refused, before any hash: the next
     * try may come two seconds after the last failure (whole seconds: more
     * than one is left however the clock ticks) */
    char form[128];
    snprintf(form, sizeof form, "user=exec&password=%s", PASSWORD);
    struct resp r =
        perform(&(struct req){.method = "POST", .path = "/login", .form = form, .port = o.d.port});
    ck_assert_int_eq(r.status, 303);
    ck_assert(header_has(&r, "Location", "error=throttled"));
    char *retry = header(&r, "Retry-After");
    ck_assert_ptr_nonnull(retry);
    int wait = atoi(retry);
    ck_assert_int_ge(wait, 1);
    ck_assert(!header_has(&r, "Set-Cookie", "rt_session"));
    free(retry);
    resp_free(&r);
    /* released after the wait */
    sleep((unsigned)wait + 1);
    char *cookie = sign_in_at(o.d.port, NULL, NULL, "exec", PASSWORD, NULL);
    ck_assert_ptr_nonnull(cookie);
    free(cookie);
    struct resp m = perform(&(struct req){.path = "/metrics", .port = o.d.port});
    ck_assert(strstr(m.body, "retentiond_logins_total{outcome=\"throttled\"} 1"));
    ck_assert(strstr(m.body, "retentiond_logins_total{outcome=\"denied\"} 4"));
    resp_free(&m);
    other_down(&o);
}
END_TEST

/* POST /login as user with password, through a proxy that says the
 * client is xff and spoke proto to it; the response. */
static struct resp sign_in_via(int port, const char *user, const char *password, const char *xff,
                               const char *proto)
{
    char form[200], fwd[100], scheme[60];
    snprintf(form, sizeof form, "user=%s&password=%s", user, password);
    snprintf(fwd, sizeof fwd, "X-Forwarded-For: %s", xff);
    snprintf(scheme, sizeof scheme, "X-Forwarded-Proto: %s", proto);
    return perform(&(struct req){
        .method = "POST", .path = "/login", .form = form, .port = port, .headers = {fwd, scheme}});
}

/* Behind a TLS-terminating proxy (http.trusted_proxy): the client is the
 * address the proxy adds, so that ten failures of one client do not
 * throttle everyone (they did: every request came from the proxy), and
 * the cookie is Secure when the proxy says HTTPS. A client's own
 * X-Forwarded-For before the proxy's address is not believed, nor the
 * headers from a daemon that trusts no proxy. */
START_TEST(behind_a_trusted_proxy)
{
    struct other o;
    other_up(&o, "proxy", "trusted_proxy = 127.0.0.1");
    /* ten failures are free; then the address waits 2^(n - 10) s after
     * its last, counted in whole seconds: a wait of 1 s may be over at
     * once, so the client fails twelve times (4 s) before it is checked */
    int failed = 0;
    for (int i = 0; i < 60 && failed < 12; i++) {
        char name[32];
        snprintf(name, sizeof name, "nobody%d", i);
        struct resp r = sign_in_via(o.d.port, name, "wrong", "10.0.0.1", "https");
        bool throttled = header_has(&r, "Location", "error=throttled");
        ck_assert_msg(throttled ? failed >= 10 : header_has(&r, "Location", "error=failed"),
                      "attempt %d after %d failures: %s", i, failed, r.headers);
        failed += !throttled;
        resp_free(&r);
        if (throttled)
            usleep(200000);
    }
    ck_assert_int_eq(failed, 12);
    struct resp r = sign_in_via(o.d.port, "exec", PASSWORD, "10.0.0.1", "https");
    ck_assert(header_has(&r, "Location", "error=throttled"));
    resp_free(&r);
    r = sign_in_via(o.d.port, "exec", PASSWORD, "203.0.113.9, 10.0.0.2", "https");
    ck_assert_msg(header_has(&r, "Set-Cookie", "; Secure"), "%s", r.headers);
    resp_free(&r);
    other_down(&o);
    /* the daemon of the other tests trusts no proxy: the headers change nothing */
    r = sign_in_via(d.port, "session", PASSWORD, "10.0.0.3", "https");
    ck_assert(header_has(&r, "Set-Cookie", "rt_session=") &&
              !header_has(&r, "Set-Cookie", "Secure"));
    resp_free(&r);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'login'"
                                      " AND who = 'exec' AND client_addr = '10.0.0.2'"),
                     1);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log"
                                      " WHERE client_addr IN ('10.0.0.3', '203.0.113.9')"),
                     0);
    db_close(db);
}
END_TEST

/* Whether this machine can listen on IPv6 loopback. */
static bool ipv6_loopback(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* An IPv4-mapped address is its IPv4 form: a trusted_proxy written
 * ::ffff:127.0.0.1 (as a dual-stack proxy logs its own address) is the
 * peer 127.0.0.1 (it was never matched). On `listen = ::` the socket is
 * IPv6 only (libmicrohttpd sets IPV6_V6ONLY): an IPv4 proxy cannot reach
 * it, so the proxy is trusted by its IPv6 address. */
START_TEST(a_trusted_proxy_in_another_form)
{
    struct other o;
    other_up(&o, "mapped", "trusted_proxy = ::ffff:127.0.0.1");
    struct resp r = sign_in_via(o.d.port, "exec", PASSWORD, "10.0.0.4", "https");
    ck_assert_msg(header_has(&r, "Set-Cookie", "; Secure"), "%s", r.headers);
    resp_free(&r);
    other_down(&o);
    if (!ipv6_loopback()) {
        fprintf(stderr, "a_trusted_proxy_in_another_form: no IPv6 loopback (::1), the listen = :: "
                        "half skipped\n");
        return;
    }
    other_prepare(&o, "v6", "");
    unlink(o.conf);
    free(o.conf);
    o.conf = write_config_on(o.dir, "::", "trusted_proxy = ::1");
    ck_assert_msg(harness_daemon_start(&o.d, o.conf, NULL), "%s", o.d.log ? o.d.log : "");
    ck_assert_msg(harness_daemon_wait_log(&o.d, "snapshot published", 30000), "%s", o.d.log);
    char base[64], fwd[] = "X-Forwarded-For: 10.0.0.5", proto[] = "X-Forwarded-Proto: https";
    snprintf(base, sizeof base, "http://[::1]:%d", o.d.port);
    r = perform(&(struct req){.method = "POST",
                              .path = "/login",
                              .form = "user=exec&password=" PASSWORD,
                              .base = base,
                              .headers = {fwd, proto}});
    ck_assert_msg(header_has(&r, "Set-Cookie", "; Secure"), "%d %s", (int)r.rc, r.headers);
    resp_free(&r);
    r = sign_in_via(o.d.port, "exec", PASSWORD, "10.0.0.6", "https"); /* over IPv4 */
    ck_assert_int_eq(r.rc, CURLE_COULDNT_CONNECT);
    resp_free(&r);
    other_down(&o);
}
END_TEST

struct racer {
    int port;
    char *location;
};

static void *wrong_password(void *arg)
{
    struct racer *r = arg;
    r->location = NULL;
    free(sign_in_at(r->port, NULL, NULL, "admin", "wrong password", &r->location));
    return NULL;
}

/* Sign-ins sent at once, one per HTTP thread, are counted against each
 * other: only the three free failures reach the password check, however
 * many threads check the throttle before the first hash ends. The throttle
 * counts in whole seconds, a wait of 1 s after the third failure, then 2,
 * 4...: a sign-in sent in a later second than the first may be checked, so
 * the racers' seconds bound the checks (a slow machine crossed one: 4). */
START_TEST(throttling_counts_sign_ins_made_at_once)
{
    enum { RACERS = 12 };
    struct other o;
    other_up(&o, "r", "threads = 8");
    struct racer racers[RACERS];
    pthread_t threads[RACERS];
    time_t first = time(NULL);
    for (int i = 0; i < RACERS; i++) {
        racers[i].port = o.d.port;
        ck_assert_int_eq(pthread_create(&threads[i], NULL, wrong_password, &racers[i]), 0);
    }
    int failed = 0, throttled = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(threads[i], NULL);
        const char *loc = racers[i].location ? racers[i].location : "(none)";
        failed += strncmp(loc, "/login?error=failed", 19) == 0;
        throttled += strncmp(loc, "/login?error=throttled", 22) == 0;
        free(racers[i].location);
    }
    /* n checks past the third need 1 + 2 + ... + 2^(n-1) = 2^n - 1 seconds */
    long seconds = (long)(time(NULL) - first), allowed = 3;
    while ((1L << (allowed - 2)) - 1 <= seconds)
        allowed++;
    ck_assert_msg(failed <= allowed, "%d wrong passwords checked at once, %ld allowed in %ld s",
                  failed, allowed, seconds);
    ck_assert_int_eq(failed + throttled, RACERS);
    other_down(&o);
}
END_TEST

/* Sign-ins nobody is allowed cannot flood the append-only audit log: a
 * name no user can have is stored as its length and first bytes (a 45 KB
 * name was stored whole, twice), and throttled refusals are written at
 * most once a second, the next row counting those that were not. */
START_TEST(refused_sign_ins_cannot_flood_the_audit_log)
{
    struct other o;
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long before = harness_long(db, "SELECT coalesce(max(audit_id), 0) FROM kpi.audit_log");
    other_up(&o, "f", "");
    static char form[6000];
    memcpy(form, "user=", 5);
    memset(form + 5, 'x', 5000);
    snprintf(form + 5005, sizeof form - 5005, "&password=wrong");
    struct resp r =
        perform(&(struct req){.method = "POST", .path = "/login", .form = form, .port = o.d.port});
    ck_assert(header_has(&r, "Location", "error=failed"));
    resp_free(&r);
    for (int i = 0; i < 40; i++) {
        r = perform(&(struct req){.method = "POST",
                                  .path = "/login",
                                  .form = "user=exec&password=wrong",
                                  .port = o.d.port});
        resp_free(&r);
    }
    struct resp m = perform(&(struct req){.path = "/metrics", .port = o.d.port});
    const char *t = strstr(m.body, "retentiond_logins_total{outcome=\"throttled\"} ");
    ck_assert_ptr_nonnull(t);
    long throttled = atol(t + strlen("retentiond_logins_total{outcome=\"throttled\"} "));
    resp_free(&m);
    other_down(&o); /* every row queued is written */
    char q[400];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log WHERE audit_id > %ld AND who IS NULL"
             " AND params->>'user_bytes' = '5000' AND length(params->>'user') <= 40",
             before);
    ck_assert_int_eq(harness_long(db, q), 1);
    snprintf(
        q, sizeof q,
        "SELECT count(*) FROM kpi.audit_log WHERE audit_id > %ld AND length(params::text) > 200",
        before);
    ck_assert_int_eq(harness_long(db, q), 0);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log WHERE audit_id > %ld AND outcome = 'throttled'",
             before);
    long rows = harness_long(db, q);
    ck_assert_msg(throttled >= 20 && rows >= 1 && rows <= throttled / 4, "%ld throttled, %ld rows",
                  throttled, rows);
    snprintf(q, sizeof q,
             "SELECT coalesce(sum((params->>'throttled_unwritten')::int), 0) FROM kpi.audit_log"
             " WHERE audit_id > %ld AND outcome = 'throttled'",
             before);
    ck_assert_int_le(rows + harness_long(db, q), throttled);
    db_close(db);
    /* the command prints a row on one line whatever its who holds */
    sql("INSERT INTO kpi.audit_log (who, action, outcome, detail)"
        " VALUES (E'x\\n2026-11-30T09:00:00.000Z admin user_add ok', 'probe', 'ok', E'\\x1b[31m')");
    const char *probe[] = {"audit", "--action", "probe", "--db", ci, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_msg(harness_run(probe, NULL, &out, &err) == 0, "%s", err);
    ck_assert_msg(strchr(out, '\n') == strrchr(out, '\n') && !strchr(out, '\x1b') &&
                      strstr(out, "x\\n2026"),
                  "%s", out);
    free(out);
    free(err);
}
END_TEST

/* The rows of action since_probe since `since` (over HTTP, as the URL's
 * query writes it). */
static size_t probes_since(const char *auth, const char *since)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/audit?action=since_probe&since=%s", since);
    struct resp r = get_as(auth, path);
    ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status, r.body);
    json_t *j = json_loads(r.body, 0, NULL);
    size_t n = json_array_size(json_object_get(j, "entries"));
    json_decref(j);
    resp_free(&r);
    return n;
}

/* The lines the command prints for action since_probe since `since`. */
static int probes_printed(const char *since)
{
    const char *args[] = {"audit", "--action", "since_probe", "--since", since, "--db", ci, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    int n = lines_in(out);
    free(out);
    free(err);
    return n;
}

/* A day of the API's since is the operator's (daemon.timezone, here the
 * default Asia/Shanghai, whatever the database's zone): its 00:00 is
 * 16:00 UTC the day before; an instant is that instant, its offset kept.
 * The command prints UTC times: its day is UTC's. */
static void since_is_the_operators_day(const char *auditor)
{
    sql("INSERT INTO kpi.audit_log (at, action, outcome) VALUES"
        " ('2026-11-29T15:59:59Z', 'since_probe', 'ok'), ('2026-11-29T16:00:00Z', 'since_probe', "
        "'ok'),"
        " ('2026-11-29T23:00:00Z', 'since_probe', 'ok')");
    ck_assert_int_eq(probes_since(auditor, "2026-11-30"), 2);
    ck_assert_int_eq(probes_since(auditor, "2026-11-29"), 3);
    ck_assert_int_eq(probes_since(auditor, "2026-11-29T16:00:00.000Z"), 2);
    ck_assert_int_eq(probes_since(auditor, "2026-11-30T07:00:00%2B08:00"), 1);
    ck_assert_int_eq(probes_since(auditor, "2026-11-29T12:00:00-11:00"), 1);
    ck_assert_int_eq(probes_since(auditor, "2026-12-01"), 0);
    struct resp r = get_as(auditor, "/api/v1/audit?since=2026-11-30T07:00:00+08:00");
    ck_assert_int_eq(r.status, 400); /* the query's + is a space: named */
    ck_assert_msg(strstr(r.body, "\"param\":\"since\"") && strstr(r.body, "instant"), "%s", r.body);
    resp_free(&r);
    ck_assert_int_eq(probes_printed("2026-11-30"), 0);
    ck_assert_int_eq(probes_printed("2026-11-29"), 3);
    ck_assert_int_eq(probes_printed("2026-11-30T00:00:00+08:00"), 2);
}

/* Polls GET /api/v1/me on port with header h for up to 3 s while it
 * answers 200: its last status. */
static long me_while_ok(int port, const char *h)
{
    long status = 200;
    for (int k = 0; k < 30 && status == 200; k++) {
        usleep(100000);
        struct resp r = perform(&(struct req){.path = "/api/v1/me", .port = port, .headers = {h}});
        status = r.status;
        resp_free(&r);
    }
    return status;
}

/* A change a command makes reaches a running daemon at once (NOTIFY
 * retentiond_access at its commit), not after access.session_cache, here a
 * minute: a revoked token and a disabled user stop within a second or
 * two. */
START_TEST(a_commands_change_reaches_a_caching_daemon_at_once)
{
    struct other o;
    other_up(&o, "cached", "[access]\nsession_cache = 60");
    add_user("cached1", "executive", NULL);
    add_user("cached2", "executive", NULL);
    char *first = token_of("cached1"), *second = token_of("cached2");
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char *id = harness_text(db, "SELECT max(t.token_id)::text FROM kpi.api_token t JOIN"
                                " kpi.app_user u USING (user_id) WHERE u.name = 'cached1'");
    db_close(db);
    const char *revoke[] = {"token", "revoke", id, "--db", ci, NULL};
    const char *disable[] = {"user", "disable", "cached2", "--db", ci, NULL};
    const char *const *commands[] = {revoke, disable};
    const char *tokens[] = {first, second};
    for (int i = 0; i < 2; i++) {
        struct resp r =
            perform(&(struct req){.path = "/api/v1/me", .port = o.d.port, .headers = {tokens[i]}});
        ck_assert_int_eq(r.status, 200); /* read, and kept for a minute */
        resp_free(&r);
        char *out = NULL, *err = NULL;
        ck_assert_msg(harness_run(commands[i], NULL, &out, &err) == 0, "%s", err);
        free(out);
        free(err);
        long status = me_while_ok(o.d.port, tokens[i]);
        ck_assert_msg(status == 401, "%s still answers %ld after 3 s", commands[i][1], status);
    }
    free(id);
    free(first);
    free(second);
    other_down(&o);
}
END_TEST

/* A sign-out and a user's own new password on one daemon end the
 * sessions on another that caches them for a minute at once (NOTIFY
 * retentiond_access in their statement), not after a minute. */
START_TEST(a_sign_out_elsewhere_reaches_a_caching_daemon_at_once)
{
    struct other o;
    other_up(&o, "cached", "[access]\nsession_cache = 60");
    add_user("roaming", "executive", NULL);
    for (int i = 0; i < 2; i++) {
        char *cookie = sign_in("roaming"), *csrf = csrf_of(cookie);
        struct resp r =
            perform(&(struct req){.path = "/api/v1/me", .port = o.d.port, .headers = {cookie}});
        ck_assert_int_eq(r.status, 200); /* read, and kept for a minute */
        resp_free(&r);
        if (i == 0) {
            char *h = strf("X-CSRF-Token: %s", csrf);
            r = perform(&(struct req){.method = "POST", .path = "/logout", .headers = {cookie, h}});
            free(h);
        } else {
            r = change_password(d.port, cookie, csrf, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, NULL);
        }
        ck_assert_int_eq(r.status, 303);
        resp_free(&r);
        long status = me_while_ok(o.d.port, cookie);
        ck_assert_msg(status == 401, "%s: the other daemon still answers %ld after 3 s",
                      i == 0 ? "a sign-out" : "a new password", status);
        free(cookie);
        free(csrf);
    }
    other_down(&o);
}
END_TEST

/* The audit log over HTTP, and every row queued written at a clean stop. */
START_TEST(the_audit_log)
{
    char *county = token_of("clerk"), *auditor = token_of("audit");
    for (int i = 0; i < 25; i++) {
        struct resp r = get_as(county, "/api/v1/zones/customers?branch=420101");
        ck_assert_int_eq(r.status, 200);
        resp_free(&r);
    }
    expect_status(county, "/api/v1/zones/customers?branch=420102", 403);
    /* a HEAD downloads no list: no row (as a report's HEAD exports nothing) */
    struct resp peek = perform(&(struct req){
        .method = "HEAD", .path = "/api/v1/zones/customers?branch=420101", .headers = {county}});
    ck_assert_int_eq(peek.status, 200);
    resp_free(&peek);
    /* stop at once: the queue must be written before the process ends */
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 15000), 0);
    free(d.log);
    d = (struct harness_daemon){0};
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE who = 'clerk'"
                                      " AND action = 'at_risk_list' AND outcome = 'ok'"
                                      " AND params->>'branch' = '420101'"),
                     25);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE who = 'clerk'"
                                      " AND action = 'at_risk_list' AND outcome = 'refused'"),
                     1);
    db_close(db);
    start(&d, config_path);
    struct resp r = get_as(auditor, "/api/v1/audit?action=at_risk_list&limit=5");
    ck_assert_int_eq(r.status, 200);
    json_t *j = json_loads(r.body, 0, NULL);
    json_t *e = json_array_get(json_object_get(j, "entries"), 0);
    ck_assert_int_eq(json_array_size(json_object_get(j, "entries")), 5);
    ck_assert_str_eq(json_string_value(json_object_get(e, "who")), "clerk");
    ck_assert_str_eq(json_string_value(json_object_get(e, "client")), "127.0.0.1");
    ck_assert_str_eq(json_string_value(json_object_get(e, "outcome")), "refused");
    json_decref(j);
    resp_free(&r);
    /* one user's rows, one outcome's: the clerk's one refusal among 26 */
    r = get_as(auditor, "/api/v1/audit?action=at_risk_list&who=clerk&outcome=refused");
    j = json_loads(r.body, 0, NULL);
    ck_assert_msg(r.status == 200 && json_array_size(json_object_get(j, "entries")) == 1, "%ld %s",
                  r.status, r.body);
    json_decref(j);
    resp_free(&r);
    r = get_as(auditor, "/api/v1/audit?who=nobody-of-that-name");
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"entries\":[]"), "%ld %s", r.status, r.body);
    resp_free(&r);
    r = get_as(auditor, "/api/v1/audit?outcome=maybe");
    ck_assert_msg(r.status == 400 && strstr(r.body, "\"param\":\"outcome\""), "%ld %s", r.status,
                  r.body);
    resp_free(&r);
    r = get_as(auditor, "/api/v1/audit?limit=0");
    ck_assert_int_eq(r.status, 400);
    ck_assert(strstr(r.body, "\"param\":\"limit\""));
    resp_free(&r);
    expect_status(auditor, "/api/v1/audit?since=yesterday", 400);
    /* an action retentiond never writes, and no entry has (a typo): refused
     * naming it, not answered "no entry"; one it writes, with no entry
     * since the day asked: none */
    r = get_as(auditor, "/api/v1/audit?action=exprot");
    ck_assert_msg(r.status == 400 && strstr(r.body, "\"param\":\"action\"") &&
                      strstr(r.body, "none of the actions"),
                  "%ld %s", r.status, r.body);
    resp_free(&r);
    r = get_as(auditor, "/api/v1/audit?action=export&since=2099-01-01");
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"entries\":[]"), "%ld %s", r.status, r.body);
    resp_free(&r);
    r = get_as(auditor, "/audit?action=exprot");
    ck_assert_msg(r.status == 400 && strstr(r.body, "链接中的参数 action 无效"), "%ld %.300s",
                  r.status, r.body);
    resp_free(&r);
    const char *typo[] = {"audit", "--action", "exprot", "--db", ci, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(typo, NULL, &out, &err), 2);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "none of the actions"),
                  "%s", err);
    free(out);
    free(err);
    since_is_the_operators_day(auditor);
    /* pages: before= the last id of a page gives the next, older rows, none
     * repeated, until every at_risk_list row was seen (pages of 10) */
    long before = 0, seen = 0;
    for (int page = 0; page < 50; page++) {
        char path[160];
        if (before)
            snprintf(path, sizeof path, "/api/v1/audit?action=at_risk_list&limit=10&before=%ld",
                     before);
        else
            snprintf(path, sizeof path, "/api/v1/audit?action=at_risk_list&limit=10");
        r = get_as(auditor, path);
        ck_assert_int_eq(r.status, 200);
        j = json_loads(r.body, 0, NULL);
        json_t *entries = json_object_get(j, "entries");
        size_t n = json_array_size(entries);
        for (size_t i = 0; i < n; i++) {
            long id = (long)json_integer_value(json_object_get(json_array_get(entries, i), "id"));
            ck_assert_msg(!before || id < before, "id %ld after %ld", id, before);
            before = id;
            seen++;
        }
        json_decref(j);
        resp_free(&r);
        if (n < 10)
            break;
    }
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(
        seen, harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'at_risk_list'"));
    ck_assert_int_gt(seen, 20);
    db_close(db);
    /* the same rows as CSV for a spreadsheet: BOM, header, CRLF, a row each */
    r = get_as(auditor, "/api/v1/audit.csv?action=at_risk_list");
    ck_assert_int_eq(r.status, 200);
    ck_assert(header_has(&r, "Content-Type", "text/csv; charset=utf-8"));
    static const char head[] = "\xEF\xBB\xBFid,at,who,action,outcome,client,params,detail\r\n";
    ck_assert_msg(strncmp(r.body, head, strlen(head)) == 0, "%.80s", r.body);
    long lines = 0, at_risk = 0;
    for (char *line = r.body, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        ck_assert_msg(nl > line && nl[-1] == '\r', "a line without its CR");
        *nl = '\0';
        lines++;
        at_risk += strstr(line, ",at_risk_list,") != NULL;
    }
    ck_assert_int_eq(lines, seen + 1);
    ck_assert_int_eq(at_risk, seen);
    resp_free(&r);
    r = get_as(auditor, "/api/v1/audit.csv?limit=100001");
    ck_assert_int_eq(r.status, 400);
    ck_assert(strstr(r.body, "\"param\":\"limit\""));
    resp_free(&r);
    r = get_as(auditor, "/api/v1/audit?before=x1");
    ck_assert_int_eq(r.status, 400);
    ck_assert(strstr(r.body, "\"param\":\"before\""));
    resp_free(&r);
    /* the page checks its filters as the API does: a page naming the parameter */
    static const char *const bad_pages[][2] = {
        {"/audit?since=yesterday", "参数 since"},
        {"/audit?before=0&lang=en", "parameter before"},
        {"/audit?action=DROP%20TABLE", "参数 action"},
        {"/audit?limit=5", "unknown parameter"},
    };
    for (size_t i = 0; i < sizeof bad_pages / sizeof bad_pages[0]; i++) {
        r = get_as(auditor, bad_pages[i][0]);
        ck_assert_msg(r.status == 400, "%s: %ld", bad_pages[i][0], r.status);
        ck_assert_msg(strstr(r.body, "<!DOCTYPE html>") && strstr(r.body, bad_pages[i][1]),
                      "%s: %.600s", bad_pages[i][0], r.body);
        resp_free(&r);
    }
    free(county);
    free(auditor);
}
END_TEST

START_TEST(secrets_stay_out_of_the_log)
{
    char *cookie = sign_in("session"), *token = token_of("session");
    expect_status(token, "/api/v1/me", 200);
    ck_assert_ptr_null(sign_in_at(d.port, NULL, NULL, "session", "a wrong secret 42", NULL));
    harness_daemon_wait_log(&d, "never appears", 500);
    const char *id = strchr(cookie, '=') + 1, *tok = strstr(token, "rt_");
    ck_assert(!strstr(d.log, PASSWORD));
    ck_assert(!strstr(d.log, "a wrong secret 42"));
    ck_assert(!strstr(d.log, id));
    ck_assert(!strstr(d.log, tok));
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char q[300];
    snprintf(q, sizeof q, "SELECT count(*) FROM kpi.audit_log WHERE params::text LIKE '%%%s%%'",
             id);
    ck_assert_int_eq(harness_long(db, q), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE params::text LIKE "
                                      "'%a wrong secret%' OR params::text LIKE '%" PASSWORD "%'"),
                     0);
    db_close(db);
    free(cookie);
    free(token);
}
END_TEST

/* ---- TLS, the database role ------------------------------------------------------------------ */

START_TEST(tls_with_a_certificate)
{
    char cert[200], key[200], cmd[800], extra[500], base[64];
    struct other o;
    snprintf(cert, sizeof cert, "%s-tls/cert.pem", datadir);
    snprintf(key, sizeof key, "%s-tls/key.pem", datadir);
    snprintf(extra, sizeof extra, "tls_cert = %s\ntls_key = %s", cert, key);
    other_prepare(&o, "tls", extra);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
             " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s"
             " >/dev/null 2>&1",
             key, cert);
    ck_assert_int_eq(system(cmd), 0);
    start(&o.d, o.conf);
    ck_assert(strstr(o.d.log, "url=https://"));
    snprintf(base, sizeof base, "https://127.0.0.1:%d", o.d.port);
    struct resp r = perform(&(struct req){.path = "/healthz", .base = base, .cacert = cert});
    ck_assert_msg(r.rc == CURLE_OK && r.status == 200, "curl %d: %s", r.rc,
                  curl_easy_strerror(r.rc));
    ck_assert(header_has(&r, "Strict-Transport-Security", "max-age="));
    resp_free(&r);
    /* the cookie is Secure */
    char form[128];
    snprintf(form, sizeof form, "user=session&password=%s", PASSWORD);
    r = perform(&(struct req){
        .method = "POST", .path = "/login", .form = form, .base = base, .cacert = cert});
    ck_assert_int_eq(r.status, 303);
    ck_assert(header_has(&r, "Set-Cookie", "; Secure"));
    resp_free(&r);
    /* TLS 1.2 is taken; 1.1 and 1.0 are refused, even by a client that
     * would take them (openssl at security level 0) */
    static const char *const versions[] = {"-tls1_2", "-tls1_1", "-tls1"};
    for (int v = 0; v < 3; v++) {
        snprintf(cmd, sizeof cmd,
                 "openssl s_client -connect 127.0.0.1:%d %s -cipher DEFAULT@SECLEVEL=0"
                 " </dev/null >/dev/null 2>&1",
                 o.d.port, versions[v]);
        int rc = system(cmd);
        ck_assert_msg((rc == 0) == (v == 0), "%s: exit %d", versions[v], rc);
    }
    /* an unknown certificate is refused by the client; plain HTTP gets nothing */
    r = perform(&(struct req){.path = "/healthz", .base = base});
    ck_assert_int_ne(r.rc, CURLE_OK);
    resp_free(&r);
    r = perform(&(struct req){.path = "/healthz", .port = o.d.port});
    ck_assert(r.rc != CURLE_OK || r.status != 200);
    resp_free(&r);
    harness_daemon_stop(&o.d, SIGTERM, 10000);
    free(o.d.log);
    /* a key file that cannot be read: the daemon does not start */
    unlink(key);
    ck_assert(!harness_daemon_start(&o.d, o.conf, NULL));
    ck_assert_msg(strstr(o.d.log, ": [http] tls_key: cannot read "), "%s", o.d.log);
    unlink(cert);
    other_down(&o);
}
END_TEST

/* A login role named after prefix and the process, with the daemon's grants
 * (kpi.grant_daemon): its name into role, the conninfo to connect as it
 * returned (the caller frees). */
static char *daemon_role_add(const char *prefix, char *role, size_t len)
{
    char q[300];
    snprintf(role, len, "%s_%d", prefix, (int)getpid());
    snprintf(q, sizeof q,
             "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD 'daemon-pw-1';"
             " SELECT kpi.grant_daemon('%s');",
             role, role, role);
    sql(q);
    return strf("%s user=%s password=daemon-pw-1", ci, role);
}

/* Whether `role` (its connection rci) may read table. */
static bool may_read(const char *rci, const char *table)
{
    struct db *db = NULL;
    char q[128];
    snprintf(q, sizeof q, "SELECT count(*) FROM %s", table);
    ck_assert(db_connect(rci, 0, &db));
    bool ok = db_exec_script(db, "read", q);
    ck_assert_msg(ok || strstr(db_errmsg(db), "permission denied"), "%s", db_errmsg(db));
    db_close(db);
    return ok;
}

static void migrate(void)
{
    const char *args[] = {"migrate", "--db", ci, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
}

/* The daemon's role is given a table that a later migration adds by that
 * `migrate` (it had to run kpi.grant_daemon again by hand); a role given
 * the grants before schema 13 is found by its grant on the audit log; the
 * list of roles is not the daemon's to change. */
START_TEST(migrate_gives_the_daemon_new_tables)
{
    char role[64], q[400];
    char *rci = daemon_role_add("rt_it_later", role, sizeof role);
    sql("CREATE TABLE kpi.rt_it_later (x int)");
    ck_assert(!may_read(rci, "kpi.rt_it_later"));
    migrate();
    ck_assert(may_read(rci, "kpi.rt_it_later"));
    ck_assert(!may_read(rci, "kpi.daemon_role"));
    /* an upgrade from 12: the role granted by the function of then */
    sql("DROP TABLE kpi.rt_it_later; DROP TABLE kpi.daemon_role;"
        " DELETE FROM kpi.schema_version WHERE version = 13;"
        " CREATE TABLE kpi.rt_it_later (x int);");
    ck_assert(!may_read(rci, "kpi.rt_it_later"));
    migrate();
    ck_assert(may_read(rci, "kpi.rt_it_later"));
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    snprintf(q, sizeof q, "SELECT count(*) FROM kpi.daemon_role WHERE role_name = '%s'", role);
    ck_assert_int_eq(harness_long(db, q), 1);
    /* the owner, who holds every grant as the owner, is not among them */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.daemon_role d JOIN pg_class c"
                                      " ON c.oid = 'kpi.audit_log'::regclass"
                                      " WHERE d.role_name = pg_get_userbyid(c.relowner)"),
                     0);
    db_close(db);
    snprintf(q, sizeof q,
             "DROP TABLE kpi.rt_it_later; DELETE FROM kpi.daemon_role WHERE role_name = '%s';"
             " DROP OWNED BY %s; DROP ROLE %s;",
             role, role, role);
    sql(q);
    free(rci);
}
END_TEST

/* An upgrade to 17: a branch's extra recipients in other letters (two adds
 * at once had both passed the check) are one row afterwards, the first
 * added, the others' removal audited as the system's; from then on the
 * database refuses a second one, whoever inserts it. */
START_TEST(migrate_makes_recipients_one_per_mailbox)
{
    sql("DROP INDEX kpi.bulletin_recipient_address_case;"
        " DELETE FROM kpi.schema_version WHERE version = 17;"
        " INSERT INTO kpi.bulletin_recipient (branch_code, address, added_at) VALUES"
        " ('420101', 'Twice@Case.test', '2026-11-01'), ('420101', 'twice@case.test', '2026-11-02'),"
        " ('420101', 'TWICE@CASE.TEST', '2026-11-03'), ('420102', 'twice@case.test', "
        "'2026-11-04')");
    migrate();
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.bulletin_recipient"
                                      " WHERE lower(address) = 'twice@case.test'"),
                     2);
    ck_assert_int_eq(harness_long(db,
                                  "SELECT count(*) FROM kpi.bulletin_recipient"
                                  " WHERE address = 'Twice@Case.test' AND branch_code = '420101'"),
                     1);
    ck_assert_int_eq(
        harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE who IS NULL"
                         " AND action = 'bulletin_recipient_remove' AND detail = '420101'"
                         " AND params->>'address' IN ('twice@case.test', 'TWICE@CASE.TEST')"),
        2);
    ck_assert(!db_exec_script(db, "a second one",
                              "INSERT INTO kpi.bulletin_recipient (branch_code, address)"
                              " VALUES ('420101', 'twICE@case.test')"));
    db_close(db);
    sql("DELETE FROM kpi.bulletin_recipient WHERE lower(address) = 'twice@case.test'");
}
END_TEST

START_TEST(audit_rows_cannot_be_changed)
{
    char role[64], q[300];
    char *rci = daemon_role_add("rt_it_daemon", role, sizeof role);
    struct db *db = NULL;
    ck_assert_msg(db_connect(rci, 0, &db), "cannot connect as %s", role);
    const char *params[] = {"test"};
    ck_assert(db_query(db,
                       "INSERT INTO kpi.audit_log (who, action, params, outcome)"
                       " VALUES ($1, 'test', '{}', 'ok')",
                       1, params, NULL));
    ck_assert_int_ge(harness_long(db, "SELECT count(*) FROM kpi.audit_log"), 1);
    ck_assert(!db_exec_script(db, "update", "UPDATE kpi.audit_log SET outcome = 'changed'"));
    ck_assert_msg(strstr(db_errmsg(db), "permission denied"), "%s", db_errmsg(db));
    ck_assert(!db_exec_script(db, "delete", "DELETE FROM kpi.audit_log"));
    ck_assert_msg(strstr(db_errmsg(db), "permission denied"), "%s", db_errmsg(db));
    ck_assert(!db_exec_script(db, "truncate", "TRUNCATE kpi.audit_log"));
    /* it may read the warehouse and use sessions */
    ck_assert_int_gt(harness_long(db, "SELECT count(*) FROM dw.branch"), 10);
    ck_assert(db_exec_script(db, "session", "UPDATE kpi.session SET last_seen = last_seen"));
    db_close(db);
    /* not even the owner may change a row */
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(!db_exec_script(db, "owner update", "UPDATE kpi.audit_log SET outcome = 'x'"));
    ck_assert_msg(strstr(db_errmsg(db), "append-only"), "%s", db_errmsg(db));
    ck_assert(!db_exec_script(db, "owner delete", "DELETE FROM kpi.audit_log"));
    db_close(db);
    snprintf(q, sizeof q, "DROP OWNED BY %s; DROP ROLE %s;", role, role);
    sql(q);
    free(rci);
}
END_TEST

/* ---- the database away ---------------------------------------------------------------------- */

/* The number of audit rows of county's at-risk downloads. */
static long county_downloads(void)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long n = harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE who = 'county'"
                              " AND action = 'at_risk_list'");
    db_close(db);
    return n;
}

/* While PostgreSQL is down, a session this daemon has read keeps working
 * (the snapshot is served, stale); one it has never seen gets 503 (not
 * 401: the client keeps it and retries), and so does a sign-in. An audited
 * request queues its row; the writer backs off instead of spinning; a stop
 * then does not wait for the database but spools the row, and the next
 * start writes it, with the time it happened. */
START_TEST(sessions_this_daemon_knows_survive_an_outage)
{
    /* the daemon again, its database through a proxy this test cuts */
    struct pgproxy *proxy = pgproxy_start(ci);
    char *via = pgproxy_conninfo(proxy, ci);
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    free(d.log);
    d = (struct harness_daemon){0};
    unlink(config_path);
    free(config_path);
    config_path = write_config_to(datadir, "127.0.0.1", "", via);
    start(&d, config_path);
    char *known = sign_in("county"), *unseen = token_of("exec"), code[64], spool[200];
    snprintf(spool, sizeof spool, "%s/audit-spool.jsonl", datadir);
    expect_status(known, "/api/v1/kpis?branch=420101", 200);
    /* another user's token this daemon has read, then revoked: what it
     * ended stays ended while the database is away; the session of
     * another user, read before the revocation, keeps its grace */
    char *owner = sign_in("exec"), *csrf = csrf_of(owner), *revoke = NULL;
    long long token_id = 0;
    char *ended = my_token(owner, csrf, &token_id);
    expect_status(ended, "/api/v1/kpis?branch=420101", 200);
    revoke = strf("/api/v1/me/tokens/%lld/revoke", token_id);
    posted(owner, csrf, revoke, NULL, 200, "\"revoked\":true");
    long before = county_downloads();
    harness_daemon_wait_log(&d, "never appears", 1);
    size_t log_start = strlen(d.log);
    pgproxy_cut(proxy);
    time_t down_at = time(NULL);
    struct resp r = get_as(known, "/api/v1/kpis?branch=420101");
    long status = r.status;
    resp_free(&r);
    r = get_as(ended, "/api/v1/kpis?branch=420101");
    long revoked = r.status;
    resp_free(&r);
    r = get_as(known, "/api/v1/kpis?branch=420102");
    long foreign = r.status;
    resp_free(&r);
    r = get_as(unseen, "/api/v1/kpis?branch=420101");
    long unknown = r.status;
    error_code(&r, code, sizeof code);
    bool retry = header_has(&r, "Retry-After", "1");
    resp_free(&r);
    /* served from the snapshot, or refused when its members are in the
     * database: audited either way */
    r = get_as(known, "/api/v1/zones/customers?branch=420101");
    long download = r.status;
    resp_free(&r);
    char *loc = NULL;
    char *cookie = sign_in_at(d.port, NULL, NULL, "county", PASSWORD, &loc);
    sleep(3);
    harness_daemon_wait_log(&d, "never appears", 1);
    int attempts = 0;
    for (const char *p = d.log + log_start; (p = strstr(p, "cannot connect")); p++)
        attempts++;
    int stopped = harness_daemon_stop(&d, SIGTERM, 5000);
    free(d.log);
    d = (struct harness_daemon){0};
    bool spooled = access(spool, F_OK) == 0;
    pgproxy_mend(proxy);
    start(&d, config_path);
    long after = before;
    for (int i = 0; i < 100 && after == before; i++) {
        usleep(100000);
        after = county_downloads();
    }
    ck_assert_int_eq(status, 200);
    ck_assert_int_eq(revoked, 503); /* not 200 from the cache */
    ck_assert_int_eq(foreign, 403); /* the scope still holds */
    ck_assert_int_eq(unknown, 503);
    ck_assert_str_eq(code, "database_unavailable");
    ck_assert(retry);
    ck_assert_ptr_null(cookie);
    ck_assert_str_eq(loc, "/login?error=unavailable");
    ck_assert(download == 200 || download == 503);
    ck_assert_msg(attempts < 30, "%d connection attempts in about 3 s", attempts);
    ck_assert_int_eq(stopped, 0); /* at once, the database away */
    ck_assert(spooled);
    ck_assert_int_eq(after, before + 1);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char q[300];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log WHERE who = 'county' AND action = 'at_risk_list'"
             " AND at BETWEEN to_timestamp(%lld) AND to_timestamp(%lld)",
             (long long)down_at - 1, (long long)down_at + 4);
    ck_assert_int_eq(harness_long(db, q), 1); /* when it happened, not when written */
    db_close(db);
    for (int i = 0; i < 50 && access(spool, F_OK) == 0; i++)
        usleep(100000);
    ck_assert_msg(access(spool, F_OK) != 0, "the spool is still there");
    free(loc);
    free(known);
    free(unseen);
    free(csrf);
    free(ended);
    free(revoke);
    free(owner);
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    pgproxy_stop(proxy);
    free(via);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("access");
    TCase *tc = tcase_create("access");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, every_role_every_route, 0, NPEOPLE);
    tcase_add_test(tc, sessions_see_what_tokens_see);
    tcase_add_test(tc, etags_tell_scopes_apart);
    tcase_add_test(tc, the_grid_as_csv);
    tcase_add_test(tc, data_quality_is_not_a_scopes);
    tcase_add_test(tc, sign_in_sets_a_strict_cookie);
    tcase_add_test(tc, failures_say_one_thing);
    tcase_add_test(tc, a_new_id_at_every_sign_in);
    tcase_add_test(tc, tampered_ids_are_refused);
    tcase_add_test(tc, sign_out_ends_the_session_on_the_server);
    tcase_add_test(tc, csrf_is_required);
    tcase_add_test(tc, expiry_is_the_servers);
    tcase_add_test(tc, a_session_in_use_outlives_a_short_idle_timeout);
    tcase_add_test(tc, sign_in_keeps_the_language);
    tcase_add_test(tc, a_disabled_users_session_ends);
    tcase_add_test(tc, a_users_role_branch_and_address_change);
    tcase_add_test(tc, no_open_redirect);
    tcase_add_test(tc, sessions_live_in_the_database);
    tcase_add_test(tc, throttling_engages_and_releases);
    tcase_add_test(tc, a_user_changes_their_password);
    tcase_add_test(tc, wrong_current_passwords_are_throttled);
    tcase_add_test(tc, a_temporary_password_is_changed_first);
    tcase_add_test(tc, administrators_manage_users_over_http);
    tcase_add_test(tc, administrators_change_a_users_role_branch_and_address);
    tcase_add_test(tc, a_user_manages_their_own_tokens);
    tcase_add_test(tc, administrators_revoke_another_users_tokens);
    tcase_add_test(tc, administrators_manage_bulletin_recipients);
    tcase_add_test(tc, throttling_counts_sign_ins_made_at_once);
    tcase_add_test(tc, refused_sign_ins_cannot_flood_the_audit_log);
    tcase_add_test(tc, behind_a_trusted_proxy);
    tcase_add_test(tc, a_trusted_proxy_in_another_form);
    tcase_add_test(tc, the_audit_log);
    tcase_add_test(tc, a_commands_change_reaches_a_caching_daemon_at_once);
    tcase_add_test(tc, a_sign_out_elsewhere_reaches_a_caching_daemon_at_once);
    tcase_add_test(tc, secrets_stay_out_of_the_log);
    tcase_add_test(tc, tls_with_a_certificate);
    tcase_add_test(tc, audit_rows_cannot_be_changed);
    tcase_add_test(tc, migrate_gives_the_daemon_new_tables);
    tcase_add_test(tc, migrate_makes_recipients_one_per_mailbox);
    suite_add_tcase(s, tc);
    /* takes the database away from its daemon (a proxy of its own): a
     * process of its own (meson's integration-access-outage) beside the
     * others */
    TCase *outage = tcase_create("outage");
    tcase_set_tags(outage, "outage");
    tcase_set_timeout(outage, 600);
    tcase_add_unchecked_fixture(outage, setup, teardown);
    tcase_add_test(outage, sessions_this_daemon_knows_survive_an_outage);
    suite_add_tcase(s, outage);
    int failed = harness_run_suite(s, false);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
