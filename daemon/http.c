#include "http.h"

#include "log.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *mhd;
    const struct http_route *routes;
    void *ctx;
    int port;
};

struct http_request {
    struct MHD_Connection *conn;
};

/* Marks the first access-handler call of a request: the reply is queued on
 * the second call (queued on the first, MHD answers Connection: close). */
static int first_call_marker;

const char *http_arg(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
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
        if (strcmp(r->path, url) != 0)
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

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct http_reply *reply)
{
    size_t len = 0;
    char *body = buf_detach(&reply->body, &len);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(len, body, free_body);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(conn, reply->status, resp);
    MHD_destroy_response(resp);
    return ret;
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
    struct http_reply reply = {.status = 200, .content_type = "application/json"};
    buf_init(&reply.body);
    bool path_known = false;
    const struct http_route *route = find_route(srv->routes, method, url, &path_known);
    if (route) {
        struct http_request req = {.conn = conn};
        route->handler(&req, &reply, srv->ctx);
    } else if (path_known) {
        http_reply_error(&reply, 405, "method_not_allowed", "method not allowed on this path",
                         NULL);
    } else {
        http_reply_error(&reply, 404, "not_found", "no such route", NULL);
    }
    log_debug("msg=request method=%s path=\"%s\" status=%u", method, url, reply.status);
    return send_reply(conn, &reply);
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
    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return false;
    srv->routes = opts->routes;
    srv->ctx = opts->ctx;
    unsigned flags =
        MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->mhd = MHD_start_daemon(
        flags, (uint16_t)opts->port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)opts->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)opts->connection_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
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
