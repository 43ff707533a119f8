#include "http.h"

#include "log.h"
#include "mem.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *mhd;
    const struct http_route *routes;
    void *ctx;
    http_observer observe;
    int port;
    int max_url_length;
};

struct http_request {
    struct MHD_Connection *conn;
    const char *path;
};

/* Marks the first access-handler call of a request: the reply is queued on
 * the second call (queued on the first, MHD answers Connection: close). */
static int first_call_marker;

const char *http_arg(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_path(struct http_request *req)
{
    return req->path;
}

void http_reply_header(struct http_reply *reply, const char *name, const char *fmt, ...)
{
    if (reply->nheaders >= HTTP_MAX_HEADERS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reply->headers[reply->nheaders].value, sizeof reply->headers[0].value, fmt, ap);
    va_end(ap);
    reply->headers[reply->nheaders++].name = name;
}

void http_reply_error(struct http_reply *reply, unsigned status, const char *code,
                      const char *message, const char *param)
{
    json_t *err = json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code, "message", message,
                            "param", param);
    char *text = json_dumps(err, JSON_COMPACT);
    buf_reset(&reply->body);
    buf_puts(&reply->body, text ? text : "{}");
    buf_puts(&reply->body, "\n");
    free(text);
    json_decref(err);
    reply->status = status;
    reply->content_type = "application/json";
}

static const struct http_route *find_route(const struct http_route *routes, const char *method,
                                           const char *url, bool *path_known)
{
    *path_known = false;
    for (const struct http_route *r = routes; r->path; r++) {
        if (r->prefix ? strncmp(r->path, url, strlen(r->path)) != 0 : strcmp(r->path, url) != 0)
            continue;
        *path_known = true;
        if (strcmp(r->method, method) == 0)
            return r;
    }
    return NULL;
}

static void free_body(void *cls)
{
    free(cls);
}

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
        return resp;
    }
    size_t len = 0;
    char *body = buf_detach(&reply->body, &len);
    resp = MHD_create_response_from_buffer_with_free_callback(len, body, free_body);
    if (!resp)
        free(body);
    return resp;
}

/* Drops the body of a reply (sent as 304 Not Modified instead). */
static void drop_body(struct http_reply *reply)
{
    buf_release(&reply->body);
    if (reply->shared && reply->release)
        reply->release(reply->release_ctx);
    reply->shared = NULL;
    reply->status = MHD_HTTP_NOT_MODIFIED;
}

static bool etag_matches(struct MHD_Connection *conn, const char *etag)
{
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
    if (!inm || !*etag)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    char quoted[80];
    snprintf(quoted, sizeof quoted, "\"%s\"", etag);
    const char *p = strstr(inm, quoted); /* a list: "a", "b", W/"c" */
    return p != NULL;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct http_reply *reply)
{
    if (reply->status == MHD_HTTP_OK && etag_matches(conn, reply->etag))
        drop_body(reply);
    struct MHD_Response *resp = make_response(reply);
    if (!resp)
        return MHD_NO;
    if (reply->status != MHD_HTTP_NOT_MODIFIED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (*reply->etag) {
        char quoted[80];
        snprintf(quoted, sizeof quoted, "\"%s\"", reply->etag);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, quoted);
    }
    for (int i = 0; i < reply->nheaders; i++)
        MHD_add_response_header(resp, reply->headers[i].name, reply->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, reply->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

struct arg_check {
    const char *const *allowed;
    const char *unknown; /* first parameter not allowed */
    size_t length;       /* of all keys and values */
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    struct arg_check *c = cls;
    c->length += strlen(key) + (value ? strlen(value) : 0) + 2;
    bool known = false;
    for (const char *const *a = c->allowed; a && *a && !known; a++)
        known = strcmp(*a, key) == 0;
    if (!known && !c->unknown)
        c->unknown = key;
    return MHD_YES;
}

/* The URL-length limit and the parameter list, before the handler runs. */
static bool precheck(const struct http_server *srv, struct MHD_Connection *conn, const char *url,
                     const struct http_route *route, struct http_reply *reply)
{
    struct arg_check c = {.allowed = route ? route->params : NULL};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_arg, &c);
    if (strlen(url) + c.length > (size_t)srv->max_url_length) {
        http_reply_error(reply, MHD_HTTP_URI_TOO_LONG, "uri_too_long", "the URL is too long", NULL);
        return false;
    }
    if (route && c.unknown) {
        char msg[200];
        snprintf(msg, sizeof msg, "unknown parameter '%.100s'", c.unknown);
        http_reply_error(reply, MHD_HTTP_BAD_REQUEST, "unknown_parameter", msg, c.unknown);
        return false;
    }
    return true;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    struct http_server *srv = cls;
    if (*con_cls == NULL) {
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* no route takes a body yet: discard it */
        return MHD_YES;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct http_reply reply = {.status = 200, .content_type = "application/json"};
    buf_init(&reply.body);
    bool path_known = false;
    const struct http_route *route = find_route(srv->routes, method, url, &path_known);
    if (!precheck(srv, conn, url, route, &reply)) {
        /* the error is in reply */
    } else if (route) {
        struct http_request req = {.conn = conn, .path = url};
        route->handler(&req, &reply, srv->ctx);
    } else if (path_known) {
        http_reply_error(&reply, 405, "method_not_allowed", "method not allowed on this path",
                         NULL);
    } else {
        http_reply_error(&reply, 404, "not_found", "no such route", NULL);
    }
    log_debug("msg=request method=%s path=\"%s\" status=%u", method, url, reply.status);
    enum MHD_Result ret = send_reply(conn, &reply);
    if (srv->observe)
        srv->observe(srv->ctx, route ? (int)(route - srv->routes) : -1, reply.status,
                     seconds_since(&t0));
    return ret;
}

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
    srv->observe = opts->observe;
    srv->max_url_length = opts->max_url_length > 0 ? opts->max_url_length : 4096;
    unsigned flags =
        MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->mhd = MHD_start_daemon(
        flags, (uint16_t)opts->port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)opts->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)opts->connection_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
        MHD_OPTION_END);
    if (!srv->mhd) {
        log_error("msg=\"cannot listen\" listen=\"%s\" port=%d", opts->listen, opts->port);
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
    MHD_socket fd = MHD_quiesce_daemon(srv->mhd);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    MHD_stop_daemon(srv->mhd);
    free(srv);
}
