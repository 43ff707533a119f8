#include "http.h"

#include "deadline.h"

#include "clock.h"
#include "html.h"
#include "log.h"
#include "mem.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_BODY 65536

/* libmicrohttpd's memory per connection: the request's headers (the URL up
 * to http.max_url_length, 4 KiB by default, cookies) and the response's
 * headers. 0.9.75 zeroes all of it before each request of a kept-alive
 * connection, so that its size is paid per request: 16 KiB instead of its
 * default 32 (a request whose headers do not fit is answered 431 by
 * libmicrohttpd; nginx's default refuses a header line over 8 KiB). */
#define CONNECTION_MEMORY (16 * 1024)

/* Scripts, styles, images, fonts and form targets of this origin only;
 * no frames, no <base>, no plugins. */
#define CSP                                                                                        \
    "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "             \
    "form-action 'self'"

struct http_server {
    struct MHD_Daemon *mhd;
    const struct http_route *routes;
    void *ctx;
    http_authorize authorize, admit;
    http_observer observe;
    int port;
    bool tls;
    char trusted_proxy[INET6_ADDRSTRLEN]; /* "" = none */
    int max_url_length;
    size_t max_body;
    int idle_seconds;            /* http.connection_timeout: between requests */
    struct deadlines *deadlines; /* owned */
    pthread_key_t memo_key;      /* each HTTP thread's struct memo (owned by the thread) */
    atomic_int inflight;         /* requests begun and not completed */
    atomic_bool stopping;        /* http_stop() began: answers close their connection */
    atomic_bool starting;        /* in MHD_start_daemon(): its messages kept in said */
    char said[256];              /* libmicrohttpd's last message while starting */
};

/* A query parameter as libmicrohttpd decoded it (its strings, which live
 * as long as the request); value NULL for a name without '='. */
struct arg {
    const char *name, *value;
    size_t name_len, value_len;
};

/* A field of a form body (owned). */
struct field {
    char *name;
    struct buf value;
};

struct http_request {
    struct http_server *srv;
    struct MHD_Connection *conn;
    const char *path, *method; /* libmicrohttpd's */
    double start;              /* clock_seconds() when the headers were complete */
    char client[INET6_ADDRSTRLEN];
    bool forwarded_https; /* the trusted proxy says the client spoke HTTPS to it */
    struct arg *args;
    size_t nargs;
    const struct http_route *route; /* NULL until the route phase matched */
    char *principal;
    void *user; /* http_set_user's copy */
    /* The body of a body route: kept whole (at most max_body bytes) and
     * parsed by pp in one call once complete. */
    struct MHD_PostProcessor *pp;
    struct buf body;
    size_t received; /* body bytes received, kept or not */
    struct field *fields;
    size_t nfields, fields_cap;
    struct http_reply reply;
    bool refused;    /* a phase failed; its error is in reply */
    unsigned status; /* sent; 0 = not yet */
    double seconds;  /* from start until the response was queued */
};

/* ---- accessors ------------------------------------------------------------------------------ */

const char *http_arg(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nargs; i++)
        if (strcmp(req->args[i].name, name) == 0)
            return req->args[i].value;
    return NULL;
}

void http_args_each(const struct http_request *req, http_arg_fn fn, void *ctx)
{
    for (size_t i = 0; i < req->nargs; i++)
        fn(ctx, req->args[i].name, req->args[i].value);
}

const char *http_form(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->nfields; i++)
        if (strcmp(req->fields[i].name, name) == 0)
            return req->fields[i].value.data;
    return NULL;
}

const char *http_header(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Whether an Accept header takes text/html: a media range of that type
 * (any case) whose q is not 0 (RFC 9110 12.5.1: q=0 is "not acceptable"). */
static bool accepts_html(const char *accept)
{
    for (const char *p = accept; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        p += strspn(p, " \t");
        size_t type = strcspn(p, ";, \t");
        if (type != 9 || strncasecmp(p, "text/html", 9) != 0)
            continue;
        double q = 1;
        const char *end = p + strcspn(p, ",");
        for (const char *k = strchr(p, ';'); k && k < end; k = strchr(k + 1, ';')) {
            const char *v = k + 1 + strspn(k + 1, " \t");
            if ((v[0] == 'q' || v[0] == 'Q') && v[1] == '=')
                q = strtod(v + 2, NULL);
        }
        if (q > 0)
            return true;
    }
    return false;
}

bool http_for_people(const struct http_request *req)
{
    const struct http_route *r = req->route;
    if (r && (r->flags & HTTP_ROUTE_PAGE))
        return true;
    if (r ? !(r->flags & HTTP_ROUTE_PEOPLE) : strncmp(req->path, "/api/", 5) == 0)
        return false;
    return accepts_html(http_header(req, "Accept"));
}

const char *http_path(const struct http_request *req)
{
    return req->path;
}

const char *http_method(const struct http_request *req)
{
    return req->method;
}

const char *http_client_addr(const struct http_request *req)
{
    return req->client;
}

const char *http_principal(const struct http_request *req)
{
    return req->principal;
}

void http_set_principal(struct http_request *req, const char *name)
{
    char *copy = name ? xstrdup(name) : NULL;
    free(req->principal);
    req->principal = copy;
}

void http_set_user(struct http_request *req, const void *data, size_t len)
{
    void *copy = NULL;
    if (data) {
        copy = xmalloc(len ? len : 1);
        memcpy(copy, data, len);
    }
    free(req->user);
    req->user = copy;
}

const void *http_user(const struct http_request *req)
{
    return req->user;
}

const char *http_cookie(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

bool http_is_tls(const struct http_request *req)
{
    return req->srv->tls || req->forwarded_https;
}

int http_route_index(const struct http_request *req)
{
    return req->route ? (int)(req->route - req->srv->routes) : -1;
}

unsigned http_status(const struct http_request *req)
{
    return req->status;
}

double http_seconds(const struct http_request *req)
{
    return req->seconds;
}

/* ---- replies -------------------------------------------------------------------------------- */

/* Copies text into value (n bytes), cut as snprintf would. */
static void copy_value(char *value, size_t n, const char *text)
{
    size_t len = strlen(text);
    if (len >= n)
        len = n - 1;
    memcpy(value, text, len);
    value[len] = '\0';
}

void http_reply_header(struct http_reply *reply, const char *name, const char *fmt, ...)
{
    if (reply->nheaders >= HTTP_MAX_HEADERS)
        return;
    char *value = reply->headers[reply->nheaders].value;
    size_t n = sizeof reply->headers[0].value;
    va_list ap;
    va_start(ap, fmt);
    /* the common formats without vsnprintf, which costs a request more */
    if (!strchr(fmt, '%'))
        copy_value(value, n, fmt);
    else if (strcmp(fmt, "%s") == 0)
        copy_value(value, n, va_arg(ap, const char *));
    else
        vsnprintf(value, n, fmt, ap);
    va_end(ap);
    reply->headers[reply->nheaders++].name = name;
}

void http_filename_part(const char *text, char *out, size_t n)
{
    size_t k = 0;
    for (; k + 1 < n && text[k]; k++) {
        char c = text[k];
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
        out[k] = safe ? c : '_';
    }
    if (n > 0)
        out[k] = '\0';
}

/* A JSON string of text that may come from a client (not UTF-8: \xNN);
 * NULL reads as "". */
static json_t *client_text(const char *text)
{
    struct buf b = BUF_INIT;
    utf8_escape(&b, text ? text : "", text ? strlen(text) : 0);
    json_t *s = json_stringn(b.data, b.len);
    buf_release(&b);
    return s;
}

void http_reply_error(struct http_reply *reply, unsigned status, const char *code,
                      const char *message, const char *param)
{
    json_t *err =
        json_pack("{s:{s:s, s:o, s:o}}", "error", "code", code, "message", client_text(message),
                  "param", param ? client_text(param) : json_null());
    char *text = json_dumps(err, JSON_COMPACT);
    buf_reset(&reply->body);
    buf_puts(&reply->body, text ? text : "{}");
    buf_puts(&reply->body, "\n");
    free(text);
    json_decref(err);
    reply->status = status;
    reply->content_type = "application/json";
}

static void free_body(void *cls)
{
    free(cls);
}

/* The response of reply, which hands its bytes over (or frees them). */
static struct MHD_Response *make_response(struct http_reply *reply)
{
    struct MHD_Response *resp;
    if (reply->shared) {
        buf_release(&reply->body);
        resp = MHD_create_response_from_buffer_with_free_callback_cls(
            reply->shared_len, (void *)(uintptr_t)reply->shared, reply->release,
            reply->release_ctx);
        if (!resp && reply->release)
            reply->release(reply->release_ctx);
        reply->shared = NULL;
        return resp;
    }
    size_t len = 0;
    char *body = buf_detach(&reply->body, &len);
    resp = MHD_create_response_from_buffer_with_free_callback(len, body, free_body);
    if (!resp)
        free(body);
    return resp;
}

/* Gives back the reply's hold on its shared bytes. */
static void drop_shared(struct http_reply *reply)
{
    if (reply->shared && reply->release)
        reply->release(reply->release_ctx);
    reply->shared = NULL;
}

/* Drops the body of a reply (sent as 304 Not Modified instead). */
static void drop_body(struct http_reply *reply)
{
    buf_release(&reply->body);
    drop_shared(reply);
    reply->status = MHD_HTTP_NOT_MODIFIED;
}

/* "etag" into quoted (80 bytes; an etag is under 64). */
static void quote_etag(char quoted[80], const char *etag)
{
    size_t len = strnlen(etag, 77);
    quoted[0] = '"';
    memcpy(quoted + 1, etag, len);
    quoted[len + 1] = '"';
    quoted[len + 2] = '\0';
}

static bool etag_matches(struct MHD_Connection *conn, const char *etag)
{
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    if (!inm || !*etag)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    char quoted[80];
    quote_etag(quoted, etag);
    const char *p = strstr(inm, quoted); /* a list: "a", "b", W/"c" */
    return p != NULL;
}

bool http_not_modified(const struct http_request *req, const struct http_reply *reply)
{
    return reply->status == MHD_HTTP_OK && etag_matches(req->conn, reply->etag);
}

/* Adds the headers of reply (its status and body aside) to resp. */
static void add_headers(struct MHD_Response *resp, const struct http_reply *reply, bool tls)
{
    if (reply->status != MHD_HTTP_NOT_MODIFIED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Content-Security-Policy", reply->csp ? reply->csp : CSP);
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (tls)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    if (*reply->etag) {
        char quoted[80];
        quote_etag(quoted, reply->etag);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, quoted);
    }
    for (int i = 0; i < reply->nheaders; i++)
        MHD_add_response_header(resp, reply->headers[i].name, reply->headers[i].value);
}

/* ---- the responses a thread made for shared bodies ------------------------------------------ */

/* A libmicrohttpd response can be queued on any number of connections. An
 * HTTP thread keeps its last few responses of shared (cached) bodies, and a
 * reply with the same body, status and headers is answered with one of
 * them instead of a new response and its headers' allocations. A kept
 * response holds its body (the release callback runs when the last
 * connection sending it is done), so only bodies up to MEMO_MAX_BODY are
 * kept, and for MEMO_SECONDS at most: the bytes an evicted cache entry
 * keeps alive are bounded by threads x MEMO_SLOTS x MEMO_MAX_BODY. */
#define MEMO_SLOTS    8
#define MEMO_MAX_BODY (256 * 1024)
#define MEMO_SECONDS  2

struct memo_slot {
    struct MHD_Response *resp; /* one reference, the slot's; NULL = empty */
    const char *shared;
    size_t shared_len;
    unsigned status;
    const char *content_type;
    char etag[64];
    int nheaders;
    const char *names[HTTP_MAX_HEADERS];
    char values[HTTP_MAX_HEADERS][160];
    double made; /* clock_seconds() */
    unsigned long used;
};

struct memo {
    struct memo_slot slot[MEMO_SLOTS];
    unsigned long clock; /* for least recently used */
};

static void memo_slot_clear(struct memo_slot *m)
{
    if (m->resp)
        MHD_destroy_response(m->resp);
    m->resp = NULL;
}

/* The thread-specific key's destructor: a thread's responses at its end. */
static void memo_free(void *p)
{
    struct memo *memo = p;
    for (int i = 0; i < MEMO_SLOTS; i++)
        memo_slot_clear(&memo->slot[i]);
    free(memo);
}

static bool memo_matches(const struct memo_slot *m, const struct http_reply *reply)
{
    if (!m->resp || m->shared != reply->shared || m->shared_len != reply->shared_len ||
        m->status != reply->status || m->content_type != reply->content_type ||
        m->nheaders != reply->nheaders || strcmp(m->etag, reply->etag) != 0)
        return false;
    for (int i = 0; i < reply->nheaders; i++)
        if (m->names[i] != reply->headers[i].name ||
            strcmp(m->values[i], reply->headers[i].value) != 0)
            return false;
    return true;
}

/* The response for reply (a shared body) from this thread's memo (the
 * slot's reference: the caller queues it), or NULL and *slot = where a new
 * one may go. Drops the responses older than MEMO_SECONDS. */
static struct MHD_Response *memo_find(struct memo *memo, const struct http_reply *reply, double now,
                                      struct memo_slot **slot)
{
    struct memo_slot *oldest = &memo->slot[0];
    for (int i = 0; i < MEMO_SLOTS; i++) {
        struct memo_slot *m = &memo->slot[i];
        if (m->resp && now - m->made > MEMO_SECONDS)
            memo_slot_clear(m);
        if (memo_matches(m, reply)) {
            m->used = ++memo->clock;
            return m->resp;
        }
        if (!m->resp || (oldest->resp && m->used < oldest->used))
            oldest = m;
    }
    *slot = oldest;
    return NULL;
}

/* This thread's memo, made on its first use; NULL if it cannot be kept. */
static struct memo *thread_memo(struct http_server *srv)
{
    struct memo *memo = pthread_getspecific(srv->memo_key);
    if (memo)
        return memo;
    memo = xcalloc(1, sizeof *memo);
    if (pthread_setspecific(srv->memo_key, memo) == 0)
        return memo;
    free(memo);
    return NULL;
}

/* Keeps resp (the caller's reference), made for reply, whose shared bytes
 * were shared..shared_len, in slot m. */
static void memo_keep(struct memo *memo, struct memo_slot *m, struct MHD_Response *resp,
                      const struct http_reply *reply, const char *shared, size_t shared_len,
                      double now)
{
    memo_slot_clear(m);
    m->resp = resp;
    m->shared = shared;
    m->shared_len = shared_len;
    m->status = reply->status;
    m->content_type = reply->content_type;
    memcpy(m->etag, reply->etag, sizeof m->etag);
    m->nheaders = reply->nheaders;
    for (int i = 0; i < reply->nheaders; i++) {
        m->names[i] = reply->headers[i].name;
        memcpy(m->values[i], reply->headers[i].value, sizeof m->values[i]);
    }
    m->made = now;
    m->used = ++memo->clock;
}

/* Queues reply on conn; now: the request's start (clock_seconds()). */
static enum MHD_Result send_reply(struct http_server *srv, struct MHD_Connection *conn,
                                  struct http_reply *reply, double now)
{
    if (reply->status == MHD_HTTP_OK && etag_matches(conn, reply->etag))
        drop_body(reply);
    bool stopping = atomic_load(&srv->stopping);
    struct memo *memo = NULL;
    struct memo_slot *slot = NULL;
    if (reply->shared && reply->shared_len <= MEMO_MAX_BODY && !stopping)
        memo = thread_memo(srv);
    struct MHD_Response *kept = memo ? memo_find(memo, reply, now, &slot) : NULL;
    if (kept) {
        drop_shared(reply);
        return MHD_queue_response(conn, reply->status, kept);
    }
    const char *shared = reply->shared;
    size_t shared_len = reply->shared_len;
    struct MHD_Response *resp = make_response(reply);
    if (!resp)
        return MHD_NO;
    add_headers(resp, reply, srv->tls);
    if (stopping) /* no next request on this connection */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, reply->status, resp);
    if (slot)
        memo_keep(memo, slot, resp, reply, shared, shared_len, now);
    else
        MHD_destroy_response(resp);
    return ret;
}

/* ---- the per-request state ------------------------------------------------------------------ */

/* An address as text in the one form peers are compared in: inet_ntop's,
 * an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as its IPv4 form
 * (127.0.0.1), so that a trusted proxy written either way matches. */
static void address_text(int family, const void *addr, char *out, size_t n)
{
    const unsigned char *b = addr;
    if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)) {
        family = AF_INET;
        b += 12; /* the IPv4 address is the last 4 of the 16 bytes */
    }
    if (!inet_ntop(family, b, out, (socklen_t)n))
        out[0] = '\0';
}

/* The client's address as text, once per connection (on_connection). */
static void client_address(struct MHD_Connection *conn, char *out, size_t n)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    out[0] = '\0';
    if (sa && sa->sa_family == AF_INET)
        address_text(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, n);
    else if (sa && sa->sa_family == AF_INET6)
        address_text(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, n);
}

/* A numeric address in the form peers are compared in (address_text:
 * "0:0::1" is "::1", "::ffff:127.0.0.1" is "127.0.0.1"); "" for NULL or
 * anything else. */
static void canonical_address(const char *in, char *out, size_t n)
{
    unsigned char bin[sizeof(struct in6_addr)];
    out[0] = '\0';
    if (in && inet_pton(AF_INET, in, bin) == 1)
        address_text(AF_INET, bin, out, n);
    else if (in && inet_pton(AF_INET6, in, bin) == 1)
        address_text(AF_INET6, bin, out, n);
}

/* From the trusted proxy: the client is the last address of its
 * X-Forwarded-For (the one it added; the ones before it a client may have
 * sent), and HTTPS when its X-Forwarded-Proto says so. From any other
 * peer the headers mean nothing. */
static void forwarded(struct http_request *req)
{
    unsigned char bin[sizeof(struct in6_addr)];
    char last[INET6_ADDRSTRLEN + 8];
    if (!*req->srv->trusted_proxy || strcmp(req->client, req->srv->trusted_proxy) != 0)
        return;
    const char *xff = http_header(req, "X-Forwarded-For");
    const char *proto = http_header(req, "X-Forwarded-Proto");
    req->forwarded_https = proto && strcasecmp(proto, "https") == 0;
    if (!xff)
        return;
    const char *comma = strrchr(xff, ','), *from = comma ? comma + 1 : xff;
    from += strspn(from, " \t");
    size_t n = strcspn(from, " \t");
    if (n >= sizeof last)
        return;
    memcpy(last, from, n);
    last[n] = '\0';
    if (inet_pton(AF_INET, last, bin) == 1 || inet_pton(AF_INET6, last, bin) == 1)
        copy_value(req->client, sizeof req->client, last);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    struct http_request *req = cls;
    req->args[req->nargs++] =
        (struct arg){.name = key, .value = value, .name_len = key_size, .value_len = value_size};
    return MHD_YES;
}

static bool body_announced(struct MHD_Connection *conn, unsigned long long *length);

static struct http_request *request_new(struct http_server *srv, struct MHD_Connection *conn,
                                        const char *url, const char *method)
{
    struct http_request *req = xcalloc(1, sizeof *req);
    req->start = clock_seconds();
    req->srv = srv;
    req->conn = conn;
    req->path = url;
    req->method = method;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct deadline_conn *dc = info ? info->socket_context : NULL;
    if (dc) {
        /* the headers are complete; a body has as long again */
        unsigned long long length;
        if (body_announced(conn, &length))
            deadlines_restart(srv->deadlines, dc, 0);
        else
            deadlines_disarm(srv->deadlines, dc);
        copy_value(req->client, sizeof req->client, deadline_client(dc));
    } else {
        client_address(conn, req->client, sizeof req->client);
    }
    forwarded(req);
    atomic_fetch_add(&srv->inflight, 1);
    int n = MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    req->args = xcalloc(n > 0 ? (size_t)n : 0, sizeof *req->args);
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_arg, req);
    buf_init(&req->body);
    buf_init(&req->reply.body);
    req->reply.status = MHD_HTTP_OK;
    req->reply.content_type = "application/json";
    return req;
}

static void request_free(struct http_request *req)
{
    if (!req)
        return;
    for (size_t i = 0; i < req->nfields; i++) {
        free(req->fields[i].name);
        buf_release(&req->fields[i].value);
    }
    free(req->fields);
    MHD_destroy_post_processor(req->pp);
    buf_release(&req->body);
    buf_release(&req->reply.body);
    if (req->reply.shared && req->reply.release)
        req->reply.release(req->reply.release_ctx);
    free(req->principal);
    free(req->user);
    free(req->args);
    free(req);
}

/* A refusal of a page for people before its handler runs (its URL or
 * parameters): a short page in both languages with the message, not the
 * API's JSON. It is sent before the session is checked, so it names no
 * user and holds nothing but the message. */
static const char page_refusal[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>无法显示此页 · This page cannot be shown</title>\n"
    "<link rel=\"stylesheet\" href=\"/assets/style.css\">\n</head>\n<body>\n"
    "<main id=\"main\">\n<h1>无法显示此页 · <span lang=\"en\">This page cannot be "
    "shown</span></h1>\n"
    "<p class=\"notice error\" role=\"alert\">链接有误 · <span lang=\"en\">{{message}}</span></p>\n"
    "<p><a href=\"/\">返回总览 · <span lang=\"en\">Back to the dashboard</span></a></p>\n"
    "</main>\n</body>\n</html>\n";

/* The same for a URL that asks for English (lang=en). */
static const char page_refusal_en[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>This page cannot be shown</title>\n"
    "<link rel=\"stylesheet\" href=\"/assets/style.css\">\n</head>\n<body>\n"
    "<main id=\"main\">\n<h1>This page cannot be shown</h1>\n"
    "<p class=\"notice error\" role=\"alert\">The link is wrong: {{message}}</p>\n"
    "<p><a href=\"/?lang=en\">Back to the dashboard</a></p>\n"
    "</main>\n</body>\n</html>\n";

/* Puts the error in the request's reply (a page route's as page_refusal);
 * returns false for the phase. */
static bool refuse(struct http_request *req, unsigned status, const char *code, const char *message,
                   const char *param)
{
    http_reply_error(&req->reply, status, code, message, param);
    const char *pairs[] = {"message", message, NULL};
    struct buf page = BUF_INIT;
    const char *lang = http_arg(req, "lang");
    bool en = lang && strcmp(lang, "en") == 0;
    if (http_for_people(req) && html_fill(&page, en ? page_refusal_en : page_refusal, pairs)) {
        buf_release(&req->reply.body);
        req->reply.body = page;
        req->reply.content_type = "text/html; charset=utf-8";
    } else {
        buf_release(&page);
    }
    /* a refusal is never kept by a cache (a signed-in route's answers are
     * not, and this one may come before its check) */
    bool said = false;
    for (int i = 0; i < req->reply.nheaders; i++)
        said = said || strcasecmp(req->reply.headers[i].name, "Cache-Control") == 0;
    if (!said)
        http_reply_header(&req->reply, "Cache-Control", "no-store");
    req->refused = true;
    return false;
}

/* The GnuTLS priority string of HTTPS: TLS 1.2 and 1.3 only. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* ---- phases --------------------------------------------------------------------------------- */

static bool check_length(struct http_request *req)
{
    size_t length = strlen(req->path);
    for (size_t i = 0; i < req->nargs; i++)
        length += req->args[i].name_len + req->args[i].value_len + 2;
    if (length <= (size_t)req->srv->max_url_length)
        return true;
    return refuse(req, MHD_HTTP_URI_TOO_LONG, "uri_too_long", "the URL is too long", NULL);
}

static bool method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 || (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 &&
                                                 strcmp(route_method, MHD_HTTP_METHOD_GET) == 0);
}

static bool find_route(struct http_request *req)
{
    bool path_known = false;
    for (const struct http_route *r = req->srv->routes; r->path; r++) {
        if ((r->flags & HTTP_ROUTE_PREFIX) ? strncmp(r->path, req->path, strlen(r->path)) != 0
                                           : strcmp(r->path, req->path) != 0)
            continue;
        path_known = true;
        if (method_matches(r->method, req->method)) {
            req->route = r;
            return true;
        }
    }
    if (path_known) {
        /* the path's methods (RFC 9110 15.5.6), HEAD with GET */
        char allow[64] = "";
        for (const struct http_route *r = req->srv->routes; r->path; r++)
            if (((r->flags & HTTP_ROUTE_PREFIX) ? strncmp(r->path, req->path, strlen(r->path))
                                                : strcmp(r->path, req->path)) == 0 &&
                !strstr(allow, r->method))
                snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s%s",
                         *allow ? ", " : "", r->method,
                         strcmp(r->method, MHD_HTTP_METHOD_GET) == 0 ? ", HEAD" : "");
        http_reply_header(&req->reply, "Allow", "%s", allow);
        return refuse(req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                      "method not allowed on this path", NULL);
    }
    return refuse(req, MHD_HTTP_NOT_FOUND, "not_found", "no such route", NULL);
}

/* Text a handler can take as a C string in UTF-8. */
static bool usable_text(const char *s, size_t n)
{
    return utf8_valid(s, n) && !memchr(s, '\0', n);
}

struct ranked_name {
    const char *name;
    size_t index;
};

static int compare_names(const void *a, const void *b)
{
    const struct ranked_name *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The first of names[0..n) that repeats an earlier one, or NULL; a few
 * compared pairwise, more sorted, so that a long query costs n log n. */
static const char *repeated_name(const char *const *names, size_t n)
{
    if (n <= 8) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(names[i], names[j]) == 0)
                    return names[i];
        return NULL;
    }
    struct ranked_name *sorted = xcalloc(n, sizeof *sorted);
    size_t first = n;
    for (size_t i = 0; i < n; i++)
        sorted[i] = (struct ranked_name){.name = names[i], .index = i};
    qsort(sorted, n, sizeof *sorted, compare_names);
    for (size_t i = 1; i < n; i++)
        if (strcmp(sorted[i].name, sorted[i - 1].name) == 0 && sorted[i].index < first)
            first = sorted[i].index;
    free(sorted);
    return first < n ? names[first] : NULL;
}

static bool allowed(const char *const *params, const char *name)
{
    for (const char *const *p = params; p && *p; p++)
        if (strcmp(*p, name) == 0)
            return true;
    return false;
}

static bool check_params(struct http_request *req)
{
    char msg[300];
    for (size_t i = 0; i < req->nargs; i++) {
        const struct arg *a = &req->args[i];
        if (usable_text(a->name, a->name_len) && (!a->value || usable_text(a->value, a->value_len)))
            continue;
        snprintf(msg, sizeof msg, "parameter '%.100s' is not valid UTF-8", a->name);
        return refuse(req, MHD_HTTP_BAD_REQUEST, "invalid_encoding", msg, a->name);
    }
    for (size_t i = 0; i < req->nargs; i++) {
        if (allowed(req->route->params, req->args[i].name))
            continue;
        snprintf(msg, sizeof msg, "unknown parameter '%.100s'", req->args[i].name);
        return refuse(req, MHD_HTTP_BAD_REQUEST, "unknown_parameter", msg, req->args[i].name);
    }
    /* `?branch` with no '=': refused, not read as absent (a script's unset
     * variable would get the caller's root, or the newest date) */
    for (size_t i = 0; i < req->nargs; i++) {
        if (req->args[i].value)
            continue;
        snprintf(msg, sizeof msg,
                 "parameter '%.100s' has no value (write %.100s=VALUE, or leave it out)",
                 req->args[i].name, req->args[i].name);
        return refuse(req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", msg, req->args[i].name);
    }
    const char **names = xcalloc(req->nargs, sizeof *names);
    for (size_t i = 0; i < req->nargs; i++)
        names[i] = req->args[i].name;
    const char *again = repeated_name(names, req->nargs);
    free(names);
    if (!again)
        return true;
    snprintf(msg, sizeof msg, "parameter '%.100s' is given twice", again);
    return refuse(req, MHD_HTTP_BAD_REQUEST, "duplicate_parameter", msg, again);
}

static bool check_access(struct http_request *req)
{
    const struct http_route *r = req->route;
    struct http_server *srv = req->srv;
    if (r->access == HTTP_ACCESS_UNDECLARED) {
        log_error("msg=\"route declares no access level, refused\" method=%s route=%s", r->method,
                  r->path);
        return refuse(req, MHD_HTTP_FORBIDDEN, "forbidden", "this route declares no access level",
                      NULL);
    }
    if (!srv->authorize) {
        if (r->access == HTTP_ACCESS_PUBLIC)
            return true;
        return refuse(req, MHD_HTTP_FORBIDDEN, "forbidden",
                      "this route is not public and no access control is configured", NULL);
    }
    if (srv->authorize(srv->ctx, req, r, &req->reply))
        return true;
    if (req->reply.status < 300) /* a refusal must say so: an error or a redirect */
        http_reply_error(&req->reply, MHD_HTTP_FORBIDDEN, "forbidden", "access denied", NULL);
    req->refused = true;
    return false;
}

/* The admit hook, once the body is read (form fields known). */
static bool check_admit(struct http_request *req)
{
    struct http_server *srv = req->srv;
    if (!srv->admit || srv->admit(srv->ctx, req, req->route, &req->reply))
        return true;
    if (req->reply.status < 300) /* a refusal must say so: an error or a redirect */
        http_reply_error(&req->reply, MHD_HTTP_FORBIDDEN, "forbidden", "access denied", NULL);
    req->refused = true;
    return false;
}

/* Whether the request carries a body: a Content-Length over 0 or a
 * Transfer-Encoding; *length = the announced length (0 when chunked). */
static bool body_announced(struct MHD_Connection *conn, unsigned long long *length)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    *length = cl ? strtoull(cl, NULL, 10) : 0;
    return te != NULL || *length > 0;
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    struct http_request *req = cls;
    if (off == 0) { /* a field starts: the body is parsed in one call (see admit_body) */
        if (req->nfields == req->fields_cap) {
            size_t cap = req->fields_cap ? 2 * req->fields_cap : 8;
            req->fields = xrealloc(req->fields, cap * sizeof *req->fields);
            req->fields_cap = cap;
        }
        struct field *f = &req->fields[req->nfields];
        f->name = xstrdup(key ? key : "");
        buf_init(&f->value);
        buf_append(&f->value, "", 0);
        req->nfields++;
    }
    if (req->nfields == 0)
        return MHD_NO;
    if (size > 0)
        buf_append(&req->fields[req->nfields - 1].value, data, size);
    return MHD_YES;
}

/* The body phase, as far as the headers tell: whether a body may come. */
static bool admit_body(struct http_request *req)
{
    unsigned long long length = 0;
    size_t max = req->srv->max_body;
    char msg[120];
    if (!body_announced(req->conn, &length))
        return true;
    if (!(req->route->flags & HTTP_ROUTE_BODY))
        return refuse(req, MHD_HTTP_BAD_REQUEST, "unexpected_body",
                      "this route takes no request body", NULL);
    if (length > max) {
        snprintf(msg, sizeof msg, "the request body is over %zu bytes", max);
        return refuse(req, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large", msg, NULL);
    }
    /* The body is kept and given to the PostProcessor in one call once
     * complete, its buffer as large as the body: fed in pieces, 0.9.75 may
     * call on_field twice at offset 0 for one field (an empty piece, then
     * the rest), which could not be told from a field given twice. */
    req->pp =
        MHD_create_post_processor(req->conn, (length ? (size_t)length : max) + 256, on_field, req);
    if (!req->pp)
        return refuse(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                      "the body must be application/x-www-form-urlencoded or "
                      "multipart/form-data",
                      NULL);
    return true;
}

static bool check_fields(struct http_request *req)
{
    char msg[200];
    for (size_t i = 0; i < req->nfields; i++) {
        const struct field *f = &req->fields[i];
        if (usable_text(f->name, strlen(f->name)) && usable_text(f->value.data, f->value.len))
            continue;
        snprintf(msg, sizeof msg, "form field '%.100s' is not valid UTF-8", f->name);
        return refuse(req, MHD_HTTP_BAD_REQUEST, "invalid_encoding", msg, f->name);
    }
    const char **names = xcalloc(req->nfields, sizeof *names);
    for (size_t i = 0; i < req->nfields; i++)
        names[i] = req->fields[i].name;
    const char *again = repeated_name(names, req->nfields);
    free(names);
    if (!again)
        return true;
    snprintf(msg, sizeof msg, "form field '%.100s' is given twice", again);
    return refuse(req, MHD_HTTP_BAD_REQUEST, "duplicate_parameter", msg, again);
}

/* The rest of the body phase, once the body has arrived. */
static bool read_form(struct http_request *req)
{
    if (!req->pp)
        return true; /* no body: no fields */
    bool parsed =
        MHD_post_process(req->pp, req->body.data ? req->body.data : "", req->body.len) == MHD_YES;
    parsed = MHD_destroy_post_processor(req->pp) == MHD_YES && parsed;
    req->pp = NULL;
    buf_release(&req->body);
    if (!parsed)
        return refuse(req, MHD_HTTP_BAD_REQUEST, "invalid_body",
                      "the request body is not a well-formed form", NULL);
    return check_fields(req);
}

/* ---- the access handler --------------------------------------------------------------------- */

/* Queues the reply and shows the request to the observer. */
static enum MHD_Result respond(struct http_request *req)
{
    struct http_server *srv = req->srv;
    enum MHD_Result ret = send_reply(srv, req->conn, &req->reply, req->start);
    req->status = req->reply.status;
    req->seconds = clock_seconds() - req->start;
    if (log_get_level() >= LOG_LEVEL_DEBUG) {
        char method[40], path[600];
        log_debug("msg=request method=\"%s\" path=\"%s\" client=%s status=%u",
                  log_quote(method, sizeof method, req->method),
                  log_quote(path, sizeof path, req->path), req->client, req->status);
    }
    if (srv->observe)
        srv->observe(srv->ctx, req);
    return ret;
}

/* The first call: every phase the headers decide. An error is sent on the
 * next call, or at once when a body follows that will not be read. */
static enum MHD_Result begin(struct http_request *req)
{
    unsigned long long length;
    if (check_length(req) && find_route(req) && check_params(req) && check_access(req) &&
        admit_body(req))
        return MHD_YES;
    if (body_announced(req->conn, &length))
        return respond(req);
    return MHD_YES;
}

/* A piece of the body: kept up to max_body; past it the request is a 413,
 * the rest read and dropped, and the connection closed (no answer) past
 * twice max_body. */
static enum MHD_Result take_body(struct http_request *req, const char *data, size_t *size)
{
    size_t max = req->srv->max_body;
    char msg[120];
    req->received += *size;
    if (req->received > 2 * max) {
        log_info("msg=\"request body far over http.max_body, connection closed\" client=%s "
                 "received=%zu",
                 req->client, req->received);
        return MHD_NO;
    }
    if (!req->refused && req->received > max) {
        buf_release(&req->body);
        snprintf(msg, sizeof msg, "the request body is over %zu bytes", max);
        refuse(req, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large", msg, NULL);
    }
    if (!req->refused)
        buf_append(&req->body, data, *size);
    *size = 0;
    return MHD_YES;
}

/* The last call: the rest of the body phase, the handler, the response. */
static enum MHD_Result finish(struct http_request *req)
{
    if (req->status)
        return MHD_YES; /* answered already */
    if (!req->refused && read_form(req) && check_admit(req))
        req->route->handler(req, &req->reply, req->srv->ctx);
    return respond(req);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http_request *req = *con_cls;
    if (!req) {
        req = request_new(cls, conn, url, method);
        *con_cls = req;
        return begin(req);
    }
    if (*upload_data_size != 0)
        return take_body(req, upload_data, upload_data_size);
    return finish(req);
}

/* A new connection while http_stop() drains is closed at once: libmicrohttpd's
 * own way to stop accepting, MHD_quiesce_daemon, races its epoll workers
 * (a worker that finds the listening socket already gone from its epoll set
 * aborts the process: "Failed to remove listen FD from epoll set", seen in
 * unit-http with the socket closed after MHD_stop_daemon too) */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addr;
    (void)addrlen;
    const struct http_server *srv = cls;
    return atomic_load(&srv->stopping) ? MHD_NO : MHD_YES;
}

/* A connection's start and end: its client address is written once, as
 * text, into its header deadline (the socket context), which each request
 * copies. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        char client[INET6_ADDRSTRLEN];
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        client_address(conn, client, sizeof client);
        *socket_context = deadlines_add(srv->deadlines, fd ? fd->connect_fd : -1, client);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        deadlines_remove(srv->deadlines, *socket_context);
        *socket_context = NULL;
    }
}

/* A request line has arrived: its headers' deadline starts (a connection's
 * first request's started with the connection). Returns no request state:
 * on_request makes it. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)uri;
    struct http_server *srv = cls;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info && info->socket_context)
        deadlines_arm(srv->deadlines, info->socket_context);
    return NULL;
}

/* A request is done: the next one's line and headers are due after the
 * idle time allowed between requests (deadline.h). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    (void)toe;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info && info->socket_context && srv->idle_seconds > 0) /* 0: idle for ever */
        deadlines_restart(srv->deadlines, info->socket_context, srv->idle_seconds);
    if (*con_cls)
        atomic_fetch_sub(&srv->inflight, 1);
    request_free(*con_cls);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages, as log lines. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *srv = cls;
    char text[512], quoted[1024];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t len = strlen(text);
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    if (atomic_load(&srv->starting)) { /* no other thread yet: the reason of a failed start */
        snprintf(srv->said, sizeof srv->said, "%.255s", text);
        return;
    }
    log_warn("msg=libmicrohttpd reason=\"%s\"", log_quote(quoted, sizeof quoted, text));
}

/* ---- the server ----------------------------------------------------------------------------- */

static bool make_sockaddr(const char *listen, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, listen, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        return true;
    }
    if (inet_pton(AF_INET6, listen, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        return true;
    }
    return false;
}

static unsigned thread_count(int threads)
{
    long cores = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (unsigned)cores : 1;
}

bool http_start(const struct http_options *opts, struct http_server **out)
{
    struct sockaddr_storage ss;
    if (!make_sockaddr(opts->listen, opts->port, &ss)) {
        log_error("msg=\"cannot listen\" listen=\"%s\" reason=\"not a numeric IP address\"",
                  opts->listen);
        return false;
    }
    struct http_server *srv = xcalloc(1, sizeof *srv);
    srv->routes = opts->routes;
    srv->ctx = opts->ctx;
    srv->authorize = opts->authorize;
    srv->admit = opts->admit;
    srv->observe = opts->observe;
    srv->max_url_length = opts->max_url_length > 0 ? opts->max_url_length : 4096;
    canonical_address(opts->trusted_proxy, srv->trusted_proxy, sizeof srv->trusted_proxy);
    srv->max_body = opts->max_body > 0 ? opts->max_body : DEFAULT_MAX_BODY;
    srv->idle_seconds = opts->connection_timeout;
    if (pthread_key_create(&srv->memo_key, memo_free) != 0) {
        log_error("msg=\"cannot listen\" reason=\"no thread-specific key\"");
        free(srv);
        return false;
    }
    srv->deadlines = deadlines_start(opts->header_timeout);
    unsigned flags =
        MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem tls[] = {{MHD_OPTION_END, 0, NULL},
                                   {MHD_OPTION_END, 0, NULL},
                                   {MHD_OPTION_END, 0, NULL},
                                   {MHD_OPTION_END, 0, NULL}};
    if (opts->tls_cert_pem && opts->tls_key_pem) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            log_error("msg=\"cannot serve HTTPS\" reason=\"libmicrohttpd is built without TLS\"");
            deadlines_stop(srv->deadlines);
            pthread_key_delete(srv->memo_key);
            free(srv);
            return false;
        }
        flags |= MHD_USE_TLS;
        srv->tls = true;
        tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)opts->tls_cert_pem};
        tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)opts->tls_key_pem};
        /* GnuTLS's defaults less TLS 1.0 and 1.1 (and SSL 3), which
         * compliance scans flag */
        tls[2] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES};
    }
    atomic_store(&srv->starting, true);
    srv->mhd = MHD_start_daemon(
        flags, (uint16_t)opts->port, on_accept, srv, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
        thread_count(opts->threads), MHD_OPTION_CONNECTION_LIMIT, (unsigned)opts->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opts->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    atomic_store(&srv->starting, false);
    if (srv->mhd && *srv->said) {
        char said[600];
        log_warn("msg=libmicrohttpd reason=\"%s\"", log_quote(said, sizeof said, srv->said));
    }
    if (!srv->mhd) {
        char quoted[600];
        log_error("msg=\"cannot listen\" listen=\"%s\" port=%d reason=\"%s\"", opts->listen,
                  opts->port,
                  log_quote(quoted, sizeof quoted, *srv->said ? srv->said : "libmicrohttpd"));
        deadlines_stop(srv->deadlines);
        pthread_key_delete(srv->memo_key);
        free(srv);
        return false;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : opts->port;
    *out = srv;
    return true;
}

int http_port(const struct http_server *srv)
{
    return srv->port;
}

void http_stop(struct http_server *srv)
{
    if (!srv)
        return;
    /* from now on a new connection is closed at once (on_accept) and the
     * requests in flight finish (their connections close after the
     * answer), within HTTP_DRAIN_MS */
    atomic_store(&srv->stopping, true);
    for (int waited = 0; atomic_load(&srv->inflight) > 0 && waited < HTTP_DRAIN_MS; waited += 10)
        nanosleep(&(struct timespec){.tv_nsec = 10000000L}, NULL);
    MHD_stop_daemon(srv->mhd); /* its threads' memos freed as they ended */
    deadlines_stop(srv->deadlines);
    pthread_key_delete(srv->memo_key);
    free(srv);
}
