/* The HTTP server's mechanics, without the database: http_start() with a
 * route table of its own on port 0, driven by libcurl. Phases (parameters,
 * access, body), HEAD, keep-alive, the observer and the request log line. */
#include "clock.h"
#include "handlers.h"
#include "http.h"
#include "log.h"

#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY 4096

static atomic_int handled;    /* handler calls */
static atomic_int authorized; /* authorize hook calls */

/* ---- the routes ---------------------------------------------------------------------------- */

static void put_json(struct http_reply *reply, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    buf_puts(&reply->body, text);
    free(text);
    json_decref(obj);
}

static void h_echo(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&handled, 1);
    http_reply_header(reply, "X-Test", "echo");
    put_json(reply, json_pack("{s:s?, s:s?, s:s?, s:s, s:s?, s:s?}", "a", http_arg(req, "a"), "b",
                              http_arg(req, "b"), "principal", http_principal(req), "client",
                              http_client_addr(req), "cookie", http_cookie(req, "c"), "user",
                              (const char *)http_user(req)));
}

static void h_form(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&handled, 1);
    put_json(reply, json_pack("{s:s?, s:s?}", "user", http_form(req, "user"), "note",
                              http_form(req, "note")));
}

/* /shared?v=V&n=N: N bytes (default 1000, at most SHARED_MAX) of a body
 * the handler does not own, as a cache's, held until the server releases
 * it; X-V: V. */
#define SHARED_MAX (512 * 1024)
static char shared_bytes[SHARED_MAX];
static atomic_int shared_holds; /* handed out and not yet released */
static atomic_int shared_given; /* handed out in all */

static void shared_release(void *ctx)
{
    ck_assert_ptr_eq(ctx, shared_bytes);
    atomic_fetch_sub(&shared_holds, 1);
}

static void h_shared(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)ctx;
    const char *n = http_arg(req, "n");
    atomic_fetch_add(&shared_holds, 1);
    atomic_fetch_add(&shared_given, 1);
    reply->shared = shared_bytes;
    reply->shared_len = n ? strtoul(n, NULL, 10) % (SHARED_MAX + 1) : 1000;
    reply->release = shared_release;
    reply->release_ctx = shared_bytes;
    reply->content_type = "text/plain";
    snprintf(reply->etag, sizeof reply->etag, "tag-%zu", reply->shared_len);
    http_reply_header(reply, "X-V", "%s", http_arg(req, "v") ? http_arg(req, "v") : "");
}

/* /slow: answers after 1 s; slow_started counts the calls begun */
static atomic_int slow_started;

static void h_slow(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    (void)ctx;
    atomic_fetch_add(&slow_started, 1);
    usleep(1000000);
    reply->content_type = "text/plain";
    buf_puts(&reply->body, "slow");
}

/* /people: whether the request is a person's (http_for_people) */
static void h_people(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)ctx;
    reply->content_type = "text/plain";
    buf_puts(&reply->body, http_for_people(req) ? "person" : "client");
}

static const char *const p_echo[] = {"a", "b", NULL};
static const char *const p_shared[] = {"v", "n", NULL};

enum { R_ECHO, R_UNDECLARED, R_MEMBERS, R_FORM, R_NOBODY, R_SHARED, R_SLOW, R_PEOPLE };

static const struct http_route routes[] = {
    [R_ECHO] = {"GET", "/echo", h_echo, p_echo, HTTP_ACCESS_PUBLIC, 0},
    [R_UNDECLARED] = {"GET", "/undeclared", h_echo, NULL, HTTP_ACCESS_UNDECLARED, 0},
    [R_MEMBERS] = {"GET", "/members", h_echo, NULL, HTTP_ACCESS_SIGNED_IN, 0},
    [R_FORM] = {"POST", "/form", h_form, NULL, HTTP_ACCESS_PUBLIC, HTTP_ROUTE_BODY},
    [R_NOBODY] = {"POST", "/nobody", h_echo, NULL, HTTP_ACCESS_PUBLIC, 0},
    [R_SHARED] = {"GET", "/shared", h_shared, p_shared, HTTP_ACCESS_PUBLIC, 0},
    [R_SLOW] = {"GET", "/slow", h_slow, NULL, HTTP_ACCESS_PUBLIC, 0},
    [R_PEOPLE] = {"GET", "/people", h_people, NULL, HTTP_ACCESS_PUBLIC, HTTP_ROUTE_PEOPLE},
    {NULL, NULL, NULL, NULL, HTTP_ACCESS_UNDECLARED, 0},
};

/* X-User: NAME signs in as NAME; "silent" is refused without a reply; a
 * route above PUBLIC without X-User gets 401. */
static bool authorize(void *ctx, struct http_request *req, const struct http_route *route,
                      struct http_reply *reply)
{
    (void)ctx;
    atomic_fetch_add(&authorized, 1);
    const char *user = http_header(req, "x-user");
    if (user && strcmp(user, "silent") == 0)
        return false;
    if (user && strcmp(user, "redirect") == 0) {
        reply->status = 303;
        http_reply_header(reply, "Location", "/login");
        return false;
    }
    if (user) {
        char data[80];
        snprintf(data, sizeof data, "data of %s", user);
        http_set_principal(req, user);
        http_set_user(req, data, strlen(data) + 1);
        return true;
    }
    if (route->access == HTTP_ACCESS_PUBLIC)
        return true;
    http_reply_error(reply, 401, "unauthorized", "sign in first", NULL);
    return false;
}

/* The admit phase: a form with a field "deny" is refused. */
static bool admit(void *ctx, struct http_request *req, const struct http_route *route,
                  struct http_reply *reply)
{
    (void)ctx;
    (void)route;
    if (!http_form(req, "deny"))
        return true;
    http_reply_error(reply, 403, "denied", "the form says deny", "deny");
    return false;
}

/* ---- what the observer saw ----------------------------------------------------------------- */

static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int count, route;
    unsigned status;
    double seconds;
    char principal[64], client[64], method[16];
    struct buf args;
} seen;

static void collect_arg(void *ctx, const char *name, const char *value)
{
    buf_printf(ctx, "%s=%s;", name, value ? value : "(none)");
}

static void observe(void *ctx, const struct http_request *req)
{
    (void)ctx;
    pthread_mutex_lock(&seen_mu);
    seen.count++;
    seen.route = http_route_index(req);
    seen.status = http_status(req);
    seen.seconds = http_seconds(req);
    snprintf(seen.principal, sizeof seen.principal, "%s",
             http_principal(req) ? http_principal(req) : "(anonymous)");
    snprintf(seen.client, sizeof seen.client, "%s", http_client_addr(req));
    snprintf(seen.method, sizeof seen.method, "%s", http_method(req));
    buf_reset(&seen.args);
    http_args_each(req, collect_arg, &seen.args);
    pthread_mutex_unlock(&seen_mu);
}

/* ---- servers and a client ------------------------------------------------------------------ */

static struct http_server *plain;   /* no authorize hook */
static struct http_server *guarded; /* with one */
static CURL *curl;

static struct http_server *start(http_authorize hook, http_authorize admit_hook)
{
    struct http_options o = {.listen = "127.0.0.1",
                             .threads = 2,
                             .max_connections = 16,
                             .connection_timeout = 10,
                             .max_url_length = 2048,
                             .max_body = MAX_BODY,
                             .routes = routes,
                             .authorize = hook,
                             .admit = admit_hook,
                             .observe = observe};
    struct http_server *srv = NULL;
    ck_assert(http_start(&o, &srv));
    ck_assert_int_gt(http_port(srv), 0);
    return srv;
}

static void setup(void)
{
    plain = start(NULL, NULL);
    guarded = start(authorize, admit);
    curl = curl_easy_init();
    buf_init(&seen.args);
}

static void teardown(void)
{
    curl_easy_cleanup(curl);
    http_stop(plain);
    http_stop(guarded);
    buf_release(&seen.args);
}

struct call {
    const char *method; /* GET when NULL; HEAD asks for no body */
    const char *path;
    const char *headers[4]; /* extra request headers */
    const char *body;       /* sent with its length, or chunked */
    size_t body_len;
    bool chunked;
    curl_mime *mime;
};

struct answer {
    CURLcode rc;
    long status, connects;
    struct buf body, headers;
    json_t *json; /* the body parsed, or NULL */
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    buf_append(ud, p, size * n);
    return size * n;
}

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t feed(char *dst, size_t size, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t k = size * n < u->len - u->pos ? size * n : u->len - u->pos;
    memcpy(dst, u->data + u->pos, k);
    u->pos += k;
    return k;
}

static void perform(struct http_server *srv, const struct call *k, struct answer *a)
{
    char url[1024];
    const char *method = k->method ? k->method : "GET";
    struct curl_slist *hdrs = NULL;
    struct upload up = {.data = k->body, .len = k->body_len};
    memset(a, 0, sizeof *a);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", http_port(srv), k->path);
    for (int i = 0; i < 4 && k->headers[i]; i++)
        hdrs = curl_slist_append(hdrs, k->headers[i]);
    if (k->chunked)
        hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a->body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a->headers);
    if (k->mime) {
        curl_easy_setopt(curl, CURLOPT_MIMEPOST, k->mime);
    } else if (k->chunked) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, feed);
        curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    } else if (k->body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, k->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)k->body_len);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    a->rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &a->connects);
    curl_slist_free_all(hdrs);
    buf_append(&a->body, "", 0);
    buf_append(&a->headers, "", 0);
    a->json = json_loadb(a->body.data, a->body.len, 0, NULL);
}

static void answer_free(struct answer *a)
{
    buf_release(&a->body);
    buf_release(&a->headers);
    json_decref(a->json);
}

static struct answer get(struct http_server *srv, const char *path)
{
    struct answer a;
    perform(srv, &(struct call){.path = path}, &a);
    return a;
}

static const char *member(const struct answer *a, const char *key)
{
    return json_string_value(json_object_get(a->json, key));
}

static const char *error_field(const struct answer *a, const char *key)
{
    return json_string_value(json_object_get(json_object_get(a->json, "error"), key));
}

/* A header's value in the response (without the line end), or NULL. */
static char *header_value(const struct answer *a, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = a->headers.data; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
        if (strncasecmp(p, name, n) == 0 && p[n] == ':')
            return strndup(p + n + 2, strcspn(p + n + 2, "\r\n"));
    return NULL;
}

static void assert_error(const struct answer *a, long status, const char *code, const char *param)
{
    ck_assert_msg(a->status == status, "status %ld, want %ld: %s", a->status, status, a->body.data);
    ck_assert_msg(a->json != NULL, "not JSON: %s", a->body.data);
    ck_assert_str_eq(error_field(a, "code"), code);
    ck_assert_ptr_nonnull(error_field(a, "message"));
    if (param)
        ck_assert_str_eq(error_field(a, "param"), param);
    else
        ck_assert(json_is_null(json_object_get(json_object_get(a->json, "error"), "param")));
}

/* From now on, stderr goes to a temporary file; returns it for reading. */
static int capture_stderr(void)
{
    char path[] = "/tmp/rtnd-http-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    fflush(stderr);
    ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    return fd;
}

static char *captured(int fd)
{
    struct buf b = BUF_INIT;
    char chunk[4096];
    ssize_t n;
    for (off_t off = 0; (n = pread(fd, chunk, sizeof chunk, off)) > 0; off += n)
        buf_append(&b, chunk, (size_t)n);
    return buf_detach(&b, NULL);
}

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        char *copy = strndup(line, len);
        n += strstr(copy, needle) != NULL;
        free(copy);
        line += len + (line[len] == '\n');
    }
    return n;
}

/* ---- tests ----------------------------------------------------------------------------------- */

START_TEST(head_is_get_without_the_body)
{
    struct answer g = get(plain, "/echo?a=1"), h;
    perform(plain, &(struct call){.method = "HEAD", .path = "/echo?a=1"}, &h);
    ck_assert_int_eq(g.status, 200);
    ck_assert_int_eq(h.status, 200);
    ck_assert_str_eq(member(&g, "a"), "1");
    ck_assert_uint_eq(h.body.len, 0);
    static const char *const same[] = {"Content-Type", "Content-Length", "X-Test",
                                       "X-Content-Type-Options"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char *gv = header_value(&g, same[i]), *hv = header_value(&h, same[i]);
        ck_assert_msg(gv && hv, "%s: GET %s, HEAD %s", same[i], gv, hv);
        ck_assert_str_eq(gv, hv);
        free(gv);
        free(hv);
    }
    char *len = header_value(&h, "Content-Length");
    ck_assert_uint_eq(strtoul(len, NULL, 10), g.body.len);
    free(len);
    answer_free(&g);
    answer_free(&h);
    perform(plain, &(struct call){.method = "HEAD", .path = "/nowhere"}, &h);
    ck_assert_int_eq(h.status, 404);
    answer_free(&h);
    perform(plain, &(struct call){.method = "HEAD", .path = "/form"}, &h);
    ck_assert_int_eq(h.status, 405);
    /* the methods the path takes (RFC 9110 15.5.6) */
    char *allow = header_value(&h, "Allow");
    ck_assert_msg(allow && strcmp(allow, "POST") == 0, "Allow: %s", allow);
    free(allow);
    answer_free(&h);
    perform(plain, &(struct call){.method = "DELETE", .path = "/echo"}, &h);
    ck_assert_int_eq(h.status, 405);
    allow = header_value(&h, "Allow");
    ck_assert_msg(allow && strcmp(allow, "GET, HEAD") == 0, "Allow: %s", allow);
    free(allow);
    /* a refusal made before any route's check is kept by no cache */
    char *cache = header_value(&h, "Cache-Control");
    ck_assert_msg(cache && strcmp(cache, "no-store") == 0, "Cache-Control: %s", cache);
    free(cache);
    answer_free(&h);
}
END_TEST

/* The response is queued on the second call: the connection stays open. */
START_TEST(connections_are_kept_alive)
{
    for (int i = 0; i < 3; i++) {
        struct answer a = get(plain, i == 1 ? "/nowhere" : "/echo");
        ck_assert_int_eq(a.status, i == 1 ? 404 : 200);
        ck_assert_int_eq(a.connects, i == 0 ? 1 : 0); /* the first connection, reused */
        char *c = header_value(&a, "Connection");
        ck_assert_msg(c == NULL || strcasecmp(c, "close") != 0, "Connection: %s", c);
        free(c);
        answer_free(&a);
    }
}
END_TEST

static const struct {
    const char *path;
    long status;
    const char *code, *param;
} bad_queries[] = {
    {"/echo?a=1&a=2", 400, "duplicate_parameter", "a"},
    {"/echo?b=1&a=1&b=2&a=3", 400, "duplicate_parameter", "b"},
    /* a name without '=' is no value, not an absent parameter */
    {"/echo?a&a", 400, "invalid_parameter", "a"},
    {"/echo?a", 400, "invalid_parameter", "a"},
    {"/echo?b=1&a", 400, "invalid_parameter", "a"},
    {"/echo?%ff%fe=1", 400, "invalid_encoding", "\\xff\\xfe"},
    {"/echo?a=%c3%28", 400, "invalid_encoding", "a"},
    {"/echo?a=%ed%a0%80", 400, "invalid_encoding", "a"}, /* a surrogate */
    {"/echo?a=x%00y", 400, "invalid_encoding", "a"},
    {"/echo?b=%e4%b8%ad%ff&zz=1", 400, "invalid_encoding", "b"},
    {"/echo?zz=1&a=1&a=2", 400, "unknown_parameter", "zz"},
    {"/echo?%e4%b8%ad=1", 400, "unknown_parameter", "\xe4\xb8\xad"},
    {"/nowhere?a=1&a=1", 404, "not_found", NULL},
};

/* A person (HTML) or a client (JSON), on a route that serves both, by the
 * Accept header: text/html in any case and with any q but 0. */
START_TEST(people_are_told_from_clients_by_accept)
{
    static const struct {
        const char *accept, *want;
    } cases[] = {
        {"Accept: text/html,application/xhtml+xml,*/*;q=0.8", "person"},
        {"Accept: TEXT/HTML", "person"},
        {"Accept: application/json, text/html;q=0.1", "person"},
        {"Accept: application/json, text/html;q=0", "client"},
        {"Accept: application/json, text/html ; q=0.0", "client"},
        {"Accept: application/json", "client"},
        {"Accept: text/htmlx", "client"},
        {"Accept: */*", "client"},
        {NULL, "client"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct answer a;
        perform(plain, &(struct call){.path = "/people", .headers = {cases[i].accept}}, &a);
        ck_assert_int_eq(a.status, 200);
        ck_assert_msg(strcmp(a.body.data, cases[i].want) == 0, "%s: %s", cases[i].accept,
                      a.body.data);
        answer_free(&a);
    }
}
END_TEST

START_TEST(bad_parameters_name_themselves_in_json)
{
    int before = atomic_load(&handled);
    struct answer a = get(plain, bad_queries[_i].path);
    assert_error(&a, bad_queries[_i].status, bad_queries[_i].code, bad_queries[_i].param);
    ck_assert_int_eq(atomic_load(&handled), before);
    answer_free(&a);
}
END_TEST

START_TEST(good_parameters_reach_the_handler)
{
    struct answer a = get(plain, "/echo?a=%e4%b8%ad&b=x+y");
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(member(&a, "a"), "\xe4\xb8\xad");
    ck_assert_str_eq(member(&a, "b"), "x y");
    answer_free(&a);
}
END_TEST

START_TEST(error_bodies_escape_client_bytes)
{
    struct http_reply r = {0};
    http_reply_error(&r, 400, "invalid_encoding", "bad '\xff\xc3' here", "\xfe\xe4\xb8\xad\x80");
    json_error_t err;
    json_t *j = json_loads(r.body.data, 0, &err);
    ck_assert_msg(j != NULL, "%s", r.body.data);
    json_t *e = json_object_get(j, "error");
    ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "bad '\\xff\\xc3' here");
    ck_assert_str_eq(json_string_value(json_object_get(e, "param")), "\\xfe\xe4\xb8\xad\\x80");
    ck_assert_uint_eq(r.status, 400);
    json_decref(j);
    /* valid text is kept as it is, bytes and all */
    http_reply_error(&r, 404, "not_found", "no such route", NULL);
    ck_assert_str_eq(r.body.data,
                     "{\"error\":{\"code\":\"not_found\",\"message\":\"no such route\","
                     "\"param\":null}}\n");
    buf_release(&r.body);
}
END_TEST

/* Header values as snprintf would write them, whichever path formats them
 * (plain text and "%s" are copied; api_reply_age rounds as "%.0f"). */
START_TEST(header_values_read_as_printf_writes_them)
{
    static const double ages[] = {0,     0.4,       0.5,      0.6,  1.5,      2.5,  3.49, 899.5,
                                  900.5, 1e9 + 0.5, 1e15 - 1, 1e15, 4e15 + 2, -0.0, -0.4, -3};
    char want[200], long_text[300];
    struct http_reply r = {0};
    memset(long_text, 'v', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    http_reply_header(&r, "A", "no-store");
    http_reply_header(&r, "B", "%s", long_text);
    http_reply_header(&r, "C", "%s=%d", "n", 7);
    ck_assert_str_eq(r.headers[0].value, "no-store");
    ck_assert_uint_eq(strlen(r.headers[1].value), sizeof r.headers[1].value - 1); /* cut */
    ck_assert(strspn(r.headers[1].value, "v") == sizeof r.headers[1].value - 1);
    ck_assert_str_eq(r.headers[2].value, "n=7");
    for (size_t i = 0; i < sizeof ages / sizeof ages[0]; i++) {
        r.nheaders = 0;
        api_reply_age(&r, ages[i]);
        snprintf(want, sizeof want, "%.0f", ages[i]);
        ck_assert_str_eq(r.headers[0].name, "X-Snapshot-Age");
        ck_assert_msg(strcmp(r.headers[0].value, want) == 0, "%.17g: %s, not %s", ages[i],
                      r.headers[0].value, want);
    }
}
END_TEST

/* A download's name made of a warehouse's branch code: a quote, a comma, a
 * CR LF or a non-ASCII byte never reaches the header; cut to fit. */
START_TEST(file_name_parts_keep_safe_bytes_only)
{
    char out[16];
    http_filename_part("420103,\"Q\"\r\n", out, sizeof out);
    ck_assert_str_eq(out, "420103__Q___");
    http_filename_part("武汉-1.a_b", out, sizeof out);
    ck_assert_str_eq(out, "______-1.a_b");
    http_filename_part("0123456789abcdefghij", out, sizeof out);
    ck_assert_str_eq(out, "0123456789abcde");
}
END_TEST

START_TEST(undeclared_routes_never_serve)
{
    int log_fd = capture_stderr();
    int before = atomic_load(&handled), hooks = atomic_load(&authorized);
    struct http_server *both[] = {plain, guarded};
    for (int i = 0; i < 2; i++) {
        struct answer a;
        perform(both[i], &(struct call){.path = "/undeclared", .headers = {"X-User: alice"}}, &a);
        assert_error(&a, 403, "forbidden", NULL);
        answer_free(&a);
    }
    ck_assert_int_eq(atomic_load(&handled), before);
    ck_assert_int_eq(atomic_load(&authorized), hooks); /* refused before the hook */
    char *log = captured(log_fd);
    ck_assert_msg(count_lines_with(log, "level=error") == 2 &&
                      count_lines_with(log, "route=/undeclared") == 2,
                  "%s", log);
    free(log);
    close(log_fd);
}
END_TEST

START_TEST(without_a_hook_only_public_routes_serve)
{
    int before = atomic_load(&handled);
    struct answer a;
    perform(plain, &(struct call){.path = "/members", .headers = {"X-User: alice"}}, &a);
    assert_error(&a, 403, "forbidden", NULL);
    ck_assert_int_eq(atomic_load(&handled), before);
    answer_free(&a);
    a = get(plain, "/echo");
    ck_assert_int_eq(a.status, 200);
    ck_assert(json_is_null(json_object_get(a.json, "principal")));
    answer_free(&a);
}
END_TEST

START_TEST(the_hook_decides_and_names_the_principal)
{
    int before = atomic_load(&handled);
    struct answer a = get(guarded, "/members");
    assert_error(&a, 401, "unauthorized", NULL);
    answer_free(&a);
    perform(guarded, &(struct call){.path = "/members", .headers = {"X-User: silent"}}, &a);
    assert_error(&a, 403, "forbidden", NULL);
    answer_free(&a);
    ck_assert_int_eq(atomic_load(&handled), before);
    perform(guarded, &(struct call){.path = "/members", .headers = {"X-User: alice"}}, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(member(&a, "principal"), "alice");
    answer_free(&a);
    pthread_mutex_lock(&seen_mu);
    ck_assert_str_eq(seen.principal, "alice");
    ck_assert_int_eq(seen.route, R_MEMBERS);
    pthread_mutex_unlock(&seen_mu);
    /* a public route runs the hook too, anonymous or not */
    a = get(guarded, "/echo");
    ck_assert_int_eq(a.status, 200);
    ck_assert(json_is_null(json_object_get(a.json, "principal")));
    answer_free(&a);
    ck_assert_int_eq(atomic_load(&handled), before + 2);
}
END_TEST

static struct answer post(const char *path, const char *content_type, const char *body);

START_TEST(the_hook_may_redirect)
{
    int before = atomic_load(&handled);
    struct answer a;
    perform(guarded, &(struct call){.path = "/members", .headers = {"X-User: redirect"}}, &a);
    ck_assert_int_eq(a.status, 303);
    char *location = header_value(&a, "Location");
    ck_assert_str_eq(location, "/login");
    free(location);
    ck_assert_int_eq(atomic_load(&handled), before);
    answer_free(&a);
}
END_TEST

START_TEST(the_hook_hands_the_handler_what_it_knows)
{
    struct answer a;
    perform(guarded,
            &(struct call){.path = "/members", .headers = {"X-User: bob", "Cookie: x=1; c=v"}}, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert_str_eq(member(&a, "user"), "data of bob");
    ck_assert_str_eq(member(&a, "cookie"), "v");
    answer_free(&a);
    a = get(guarded, "/echo");
    ck_assert(json_is_null(json_object_get(a.json, "user")));
    ck_assert(json_is_null(json_object_get(a.json, "cookie")));
    answer_free(&a);
}
END_TEST

/* Every answer, whatever its status, carries the security headers. */
START_TEST(every_response_has_the_security_headers)
{
    static const char *const paths[] = {"/echo", "/nowhere", "/echo?zz=1", "/members"};
    static const char *const want[][2] = {
        {"X-Content-Type-Options", "nosniff"},
        {"Content-Security-Policy", "default-src 'self'; object-src 'none'; frame-ancestors "
                                    "'none'; base-uri 'none'; form-action 'self'"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct answer a = get(guarded, paths[i]);
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
            char *v = header_value(&a, want[k][0]);
            ck_assert_msg(v && strcmp(v, want[k][1]) == 0, "%s: %s is %s", paths[i], want[k][0],
                          v ? v : "missing");
            free(v);
        }
        char *hsts = header_value(&a, "Strict-Transport-Security");
        ck_assert_ptr_null(hsts); /* plain HTTP: no HSTS */
        answer_free(&a);
    }
}
END_TEST

START_TEST(the_admit_phase_sees_the_form)
{
    int before = atomic_load(&handled);
    struct answer a = post("/form", "application/x-www-form-urlencoded", "user=x&deny=1");
    assert_error(&a, 403, "denied", "deny");
    ck_assert_int_eq(atomic_load(&handled), before);
    answer_free(&a);
    a = post("/form", "application/x-www-form-urlencoded", "user=x");
    ck_assert_int_eq(a.status, 200);
    ck_assert_int_eq(atomic_load(&handled), before + 1);
    answer_free(&a);
}
END_TEST

START_TEST(the_observer_sees_the_request)
{
    struct answer a = get(plain, "/echo?b=%20x&a=1");
    ck_assert_int_eq(a.status, 200);
    answer_free(&a);
    pthread_mutex_lock(&seen_mu);
    ck_assert_int_eq(seen.route, R_ECHO);
    ck_assert_uint_eq(seen.status, 200);
    ck_assert_str_eq(seen.args.data, "b= x;a=1;");
    ck_assert_str_eq(seen.client, "127.0.0.1");
    ck_assert_str_eq(seen.principal, "(anonymous)");
    ck_assert_str_eq(seen.method, "GET");
    ck_assert(seen.seconds >= 0 && seen.seconds < 5);
    int count = seen.count;
    pthread_mutex_unlock(&seen_mu);
    a = get(plain, "/nowhere?x");
    ck_assert_int_eq(a.status, 404);
    answer_free(&a);
    pthread_mutex_lock(&seen_mu);
    ck_assert_int_eq(seen.count, count + 1);
    ck_assert_int_eq(seen.route, -1);
    ck_assert_uint_eq(seen.status, 404);
    ck_assert_str_eq(seen.args.data, "x=(none);");
    pthread_mutex_unlock(&seen_mu);
}
END_TEST

static struct answer post(const char *path, const char *content_type, const char *body)
{
    struct answer a;
    char ct[128];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    perform(guarded,
            &(struct call){.method = "POST",
                           .path = path,
                           .headers = {ct, "Expect:"},
                           .body = body,
                           .body_len = strlen(body)},
            &a);
    return a;
}

START_TEST(form_bodies_are_read)
{
    struct answer a = post("/form", "application/x-www-form-urlencoded",
                           "user=al+ice%21&note=%E4%B8%AD%E6%96%87&empty=");
    ck_assert_msg(a.status == 200, "%ld %s", a.status, a.body.data);
    ck_assert_str_eq(member(&a, "user"), "al ice!");
    ck_assert_str_eq(member(&a, "note"), "\xe4\xb8\xad\xe6\x96\x87");
    answer_free(&a);
    /* multipart, one value long enough to need several reads */
    char *big = malloc(3001);
    memset(big, 'n', 3000);
    big[3000] = '\0';
    curl_mime *mime = curl_mime_init(curl);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "user");
    curl_mime_data(part, "bob", CURL_ZERO_TERMINATED);
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "note");
    curl_mime_data(part, big, CURL_ZERO_TERMINATED);
    perform(guarded, &(struct call){.method = "POST", .path = "/form", .mime = mime}, &a);
    ck_assert_msg(a.status == 200, "%ld %s", a.status, a.body.data);
    ck_assert_str_eq(member(&a, "user"), "bob");
    ck_assert_str_eq(member(&a, "note"), big);
    answer_free(&a);
    curl_mime_free(mime);
    free(big);
    /* no body at all: no fields */
    perform(guarded, &(struct call){.method = "POST", .path = "/form"}, &a);
    ck_assert_int_eq(a.status, 200);
    ck_assert(json_is_null(json_object_get(a.json, "user")));
    answer_free(&a);
}
END_TEST

static const struct {
    const char *content_type, *body;
    long status;
    const char *code, *param;
} bad_forms[] = {
    {"application/x-www-form-urlencoded", "user=a&note=1&user=b", 400, "duplicate_parameter",
     "user"},
    {"application/x-www-form-urlencoded", "user=&user=b", 400, "duplicate_parameter", "user"},
    {"application/x-www-form-urlencoded", "user=%ff", 400, "invalid_encoding", "user"},
    {"application/x-www-form-urlencoded", "us%c0%afer=1", 400, "invalid_encoding",
     "us\\xc0\\xafer"},
    {"application/x-www-form-urlencoded", "user=a%00b", 400, "invalid_encoding", "user"},
    {"application/x-www-form-urlencoded", "user==b", 400, "invalid_body", NULL},
    {"multipart/form-data; boundary=XyZ",
     "--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\na\r\n"
     "--XyZ\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nb\r\n--XyZ--\r\n",
     400, "duplicate_parameter", "user"},
    {"multipart/form-data; boundary=XyZ",
     "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n\xff\r\n--XyZ--\r\n", 400,
     "invalid_encoding", "note"},
    {"application/json", "{\"user\":\"a\"}", 415, "unsupported_media_type", NULL},
    {"text/plain", "user=a", 415, "unsupported_media_type", NULL},
};

START_TEST(bad_forms_are_refused)
{
    int before = atomic_load(&handled);
    struct answer a = post("/form", bad_forms[_i].content_type, bad_forms[_i].body);
    assert_error(&a, bad_forms[_i].status, bad_forms[_i].code, bad_forms[_i].param);
    ck_assert_int_eq(atomic_load(&handled), before);
    answer_free(&a);
}
END_TEST

/* user=nnnn... of exactly n bytes */
static char *form_of(size_t n)
{
    char *body = malloc(n + 1);
    memcpy(body, "user=", 5);
    memset(body + 5, 'n', n - 5);
    body[n] = '\0';
    return body;
}

START_TEST(bodies_are_bounded)
{
    char *fits = form_of(MAX_BODY), *over = form_of(MAX_BODY + 1), *far = form_of(3 * MAX_BODY);
    struct answer a = post("/form", "application/x-www-form-urlencoded", fits);
    ck_assert_int_eq(a.status, 200);
    ck_assert_uint_eq(strlen(member(&a, "user")), MAX_BODY - 5);
    answer_free(&a);
    /* announced too long: refused before the body is sent */
    perform(guarded,
            &(struct call){.method = "POST",
                           .path = "/form",
                           .headers = {"Expect: 100-continue"},
                           .body = over,
                           .body_len = strlen(over)},
            &a);
    assert_error(&a, 413, "body_too_large", NULL);
    answer_free(&a);
    /* chunked: read, found too long, dropped */
    perform(guarded,
            &(struct call){.method = "POST",
                           .path = "/form",
                           .headers = {"Content-Type: application/x-www-form-urlencoded"},
                           .body = over,
                           .body_len = strlen(over),
                           .chunked = true},
            &a);
    assert_error(&a, 413, "body_too_large", NULL);
    answer_free(&a);
    /* chunked and far over: the connection is closed */
    perform(guarded,
            &(struct call){.method = "POST",
                           .path = "/form",
                           .headers = {"Content-Type: application/x-www-form-urlencoded"},
                           .body = far,
                           .body_len = strlen(far),
                           .chunked = true},
            &a);
    ck_assert_int_ne(a.rc, CURLE_OK);
    answer_free(&a);
    a = get(guarded, "/echo");
    ck_assert_int_eq(a.status, 200);
    answer_free(&a);
    free(fits);
    free(over);
    free(far);
}
END_TEST

START_TEST(routes_without_a_body_refuse_one)
{
    int before = atomic_load(&handled);
    static const char *const methods[] = {"GET", "POST"};
    static const char *const paths[] = {"/echo", "/nobody"};
    for (int i = 0; i < 2; i++) {
        struct answer a;
        perform(
            plain,
            &(struct call){.method = methods[i], .path = paths[i], .body = "a=1", .body_len = 3},
            &a);
        assert_error(&a, 400, "unexpected_body", NULL);
        answer_free(&a);
    }
    ck_assert_int_eq(atomic_load(&handled), before);
    struct answer a;
    perform(plain, &(struct call){.method = "POST", .path = "/nobody"}, &a);
    ck_assert_int_eq(a.status, 200);
    answer_free(&a);
}
END_TEST

/* A path with a quote and a newline in it (decoded from %22 and %0A) stays
 * inside its quoted value, on one line. */
START_TEST(the_request_line_stays_one_line)
{
    int log_fd = capture_stderr();
    log_set_level(LOG_LEVEL_DEBUG);
    struct answer a = get(plain, "/echo%22%0Aevil=1%5C");
    ck_assert_int_eq(a.status, 404);
    answer_free(&a);
    char *log = captured(log_fd);
    ck_assert_msg(count_lines_with(log, "msg=request") == 1, "%s", log);
    ck_assert_msg(strstr(log, "path=\"/echo\\\"\\nevil=1\\\\\" client=127.0.0.1 status=404\n"),
                  "%s", log);
    ck_assert_msg(count_lines_with(log, "level=") == count_lines_with(log, ""), "%s", log);
    free(log);
    close(log_fd);
}
END_TEST

/* A thread answers a shared body again with the response it made for it
 * (docs/architecture.md): every answer carries its own headers and bytes,
 * and every hold on the body is released, once, by the end of the server. */
START_TEST(shared_bodies_are_answered_as_their_headers_say)
{
    for (int i = 0; i < SHARED_MAX; i++)
        shared_bytes[i] = (char)('a' + i % 26);
    struct http_server *srv = start(NULL, NULL);
    static const struct {
        const char *path, *method, *inm, *v;
        long status;
        size_t len;
    } calls[] = {
        {"/shared?v=1", NULL, NULL, "1", 200, 1000},
        {"/shared?v=1", NULL, NULL, "1", 200, 1000},
        {"/shared?v=2", NULL, NULL, "2", 200, 1000},
        {"/shared?v=1", "HEAD", NULL, "1", 200, 0},
        {"/shared?v=1", NULL, "If-None-Match: \"tag-1000\"", "1", 304, 0},
        {"/shared?v=1", NULL, NULL, "1", 200, 1000},
        {"/shared?v=1&n=10", NULL, NULL, "1", 200, 10},
        {"/shared?v=3&n=524288", NULL, NULL, "3", 200, 524288},
        {"/shared?v=3&n=524288", NULL, NULL, "3", 200, 524288},
        {"/shared?v=2", NULL, NULL, "2", 200, 1000},
    };
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
            struct answer a;
            perform(srv,
                    &(struct call){.method = calls[i].method,
                                   .path = calls[i].path,
                                   .headers = {calls[i].inm}},
                    &a);
            ck_assert_msg(a.status == calls[i].status, "%s: %ld", calls[i].path, a.status);
            ck_assert_uint_eq(a.body.len, calls[i].len);
            ck_assert(memcmp(a.body.data, shared_bytes, a.body.len) == 0);
            char *v = header_value(&a, "X-V"), *tag = header_value(&a, "ETag");
            ck_assert_msg(v && strcmp(v, calls[i].v) == 0, "%s: X-V %s", calls[i].path, v);
            ck_assert_ptr_nonnull(tag);
            if (calls[i].status == 200) {
                char *type = header_value(&a, "Content-Type"),
                     *len = header_value(&a, "Content-Length");
                ck_assert_str_eq(type, "text/plain");
                ck_assert_uint_eq(
                    strtoul(len, NULL, 10),
                    strcmp(calls[i].method ? calls[i].method : "", "HEAD") ? calls[i].len : 1000);
                free(type);
                free(len);
            }
            free(v);
            free(tag);
            answer_free(&a);
        }
    }
    ck_assert_int_eq(atomic_load(&shared_given), 30);
    http_stop(srv);
    ck_assert_int_eq(atomic_load(&shared_holds), 0);
}
END_TEST

/* ---- slow clients ------------------------------------------------------------------------- */

/* A server whose request lines, headers and bodies must arrive within 1 s,
 * with 2 s allowed between the requests of a kept-alive connection. */
static struct http_server *start_impatient(void)
{
    struct http_options o = {.listen = "127.0.0.1",
                             .threads = 2,
                             .max_connections = 16,
                             .connection_timeout = 2,
                             .header_timeout = 1,
                             .max_url_length = 2048,
                             .max_body = MAX_BODY,
                             .routes = routes};
    struct http_server *srv = NULL;
    ck_assert(http_start(&o, &srv));
    return srv;
}

static int connect_to(const struct http_server *srv)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)http_port(srv))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval wait = {.tv_usec = 200000}; /* a read that finds nothing returns */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    return fd;
}

/* Sends a GET of /echo on fd and asserts a 200 answer. */
static void served(int fd)
{
    const char req[] = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";
    char answer[4096];
    ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    ssize_t n = recv(fd, answer, sizeof answer - 1, 0);
    ck_assert_int_gt(n, 0);
    answer[n] = '\0';
    ck_assert_msg(strncmp(answer, "HTTP/1.1 200", 12) == 0, "%s", answer);
}

/* Sends text a byte every 0.25 s (a 0.2 s read, a 0.05 s sleep: each byte
 * keeps the idle time-out from
 * firing) until the server closes the connection; the seconds that took,
 * or -1 when it never did. Answers read meanwhile are dropped. */
static double trickle(int fd, const char *text)
{
    double t0 = clock_seconds();
    char sink[4096];
    for (const char *p = text; *p; p++) {
        if (send(fd, p, 1, MSG_NOSIGNAL) != 1 || recv(fd, sink, sizeof sink, 0) == 0)
            return clock_seconds() - t0;
        usleep(50000);
    }
    return -1;
}

/* A kept-alive connection's next request line, trickled, is cut off: after
 * the idle time allowed between requests and the header time-out (3 s
 * here), not held for as long as the client keeps sending. */
START_TEST(a_trickled_request_line_is_cut_off_after_a_request)
{
    struct http_server *srv = start_impatient();
    int fd = connect_to(srv);
    served(fd);
    /* 64 bytes of request line at 0.25 s a byte: 16 s if never cut off */
    double took = trickle(fd, "GET /echo?a=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                              " HTTP/1.1\r\n");
    ck_assert_msg(took > 0 && took < 6, "the trickled request line was held %.1f s", took);
    close(fd);
    http_stop(srv);
}
END_TEST

/* A body trickled after complete headers is cut off too (1 s here). */
START_TEST(a_trickled_body_is_cut_off)
{
    struct http_server *srv = start_impatient();
    int fd = connect_to(srv);
    const char head[] = "POST /form HTTP/1.1\r\nHost: x\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: 64\r\n\r\n";
    ck_assert_int_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    double took = trickle(fd, "a=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    ck_assert_msg(took > 0 && took < 4, "the trickled body was held %.1f s", took);
    close(fd);
    http_stop(srv);
}
END_TEST

/* A kept-alive connection that sends its next request in time is served:
 * the deadline after a request is not the header time-out alone. */
START_TEST(a_kept_alive_connection_waits_between_requests)
{
    struct http_server *srv = start_impatient();
    int fd = connect_to(srv);
    served(fd);
    usleep(1500000); /* past the header time-out, within the idle time */
    served(fd);
    close(fd);
    http_stop(srv);
}
END_TEST

/* Sends req (if not NULL) on fd, then reads until the server closes or 3 s
 * pass; what was read, malloc'd ("" when closed without an answer). */
static char *answer_of(int fd, const char *req)
{
    struct buf b;
    buf_init(&b);
    if (!req || send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req)) {
        char chunk[4096];
        ssize_t n = -1;
        for (int waits = 0; waits < 15 && n != 0; waits++)
            while ((n = recv(fd, chunk, sizeof chunk, 0)) > 0)
                buf_append(&b, chunk, (size_t)n);
    }
    return buf_detach(&b, NULL);
}

static void *stop_server(void *srv)
{
    http_stop(srv);
    return NULL;
}

/* A stop lets the request in flight finish (its answer whole, with
 * Connection: close) and closes a connection opened meanwhile at once,
 * without an answer; repeated, as the stop once raced libmicrohttpd's own threads. */
START_TEST(a_stop_finishes_requests_in_flight_and_takes_no_new_ones)
{
    for (int round = 0; round < 3; round++) {
        struct http_server *srv = start(NULL, NULL);
        int busy = connect_to(srv);
        int started = atomic_load(&slow_started);
        const char req[] = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";
        ck_assert_int_eq(send(busy, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
        for (int i = 0; i < 200 && atomic_load(&slow_started) == started; i++)
            usleep(5000);
        ck_assert_int_gt(atomic_load(&slow_started), started);
        pthread_t stopper;
        ck_assert_int_eq(pthread_create(&stopper, NULL, stop_server, srv), 0);
        usleep(200000); /* the stop has begun; /slow still runs */
        int late = connect_to(srv);
        char *refused = answer_of(late, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        ck_assert_msg(refused[0] == '\0', "a connection during the stop got: %s", refused);
        /* closed at once, not when the server is gone: /slow has not answered yet */
        char peek;
        ck_assert_int_eq(recv(busy, &peek, 1, MSG_PEEK | MSG_DONTWAIT), -1);
        char *finished = answer_of(busy, NULL);
        ck_assert_msg(strncmp(finished, "HTTP/1.1 200", 12) == 0 &&
                          strstr(finished, "\r\n\r\nslow"),
                      "the request in flight got: %s", finished);
        ck_assert_msg(strstr(finished, "\r\nConnection: close\r\n"), "%s", finished);
        ck_assert_int_eq(pthread_join(stopper, NULL), 0);
        free(refused);
        free(finished);
        close(late);
        close(busy);
    }
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, head_is_get_without_the_body);
    tcase_add_test(tc, people_are_told_from_clients_by_accept);
    tcase_add_test(tc, a_stop_finishes_requests_in_flight_and_takes_no_new_ones);
    tcase_add_test(tc, connections_are_kept_alive);
    tcase_add_loop_test(tc, bad_parameters_name_themselves_in_json, 0,
                        (int)(sizeof bad_queries / sizeof bad_queries[0]));
    tcase_add_test(tc, good_parameters_reach_the_handler);
    tcase_add_test(tc, error_bodies_escape_client_bytes);
    tcase_add_test(tc, undeclared_routes_never_serve);
    tcase_add_test(tc, without_a_hook_only_public_routes_serve);
    tcase_add_test(tc, the_hook_decides_and_names_the_principal);
    tcase_add_test(tc, the_hook_may_redirect);
    tcase_add_test(tc, the_hook_hands_the_handler_what_it_knows);
    tcase_add_test(tc, every_response_has_the_security_headers);
    tcase_add_test(tc, the_admit_phase_sees_the_form);
    tcase_add_test(tc, the_observer_sees_the_request);
    tcase_add_test(tc, header_values_read_as_printf_writes_them);
    tcase_add_test(tc, file_name_parts_keep_safe_bytes_only);
    tcase_add_test(tc, form_bodies_are_read);
    tcase_add_loop_test(tc, bad_forms_are_refused, 0,
                        (int)(sizeof bad_forms / sizeof bad_forms[0]));
    tcase_add_test(tc, bodies_are_bounded);
    tcase_add_test(tc, routes_without_a_body_refuse_one);
    tcase_add_test(tc, the_request_line_stays_one_line);
    tcase_add_test(tc, shared_bodies_are_answered_as_their_headers_say);
    tcase_add_test(tc, a_trickled_request_line_is_cut_off_after_a_request);
    tcase_add_test(tc, a_trickled_body_is_cut_off);
    tcase_add_test(tc, a_kept_alive_connection_waits_between_requests);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    SRunner *sr = srunner_create(http_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
