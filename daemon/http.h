/* The HTTP server (libmicrohttpd): a route table of {method, path, handler,
 * accepted query parameters}, JSON error bodies (404, 405, 400 for an
 * unknown parameter, 414 for an over-long URL), ETag / If-None-Match (304),
 * and orderly shutdown.
 *
 * Ownership: http_start() gives the caller a struct http_server to
 * http_stop(). A handler fills the struct http_reply it is given: either
 * `body` (the server frees it after sending) or `shared` bytes that someone
 * else owns, kept alive until the server calls release(release_ctx). */
#ifndef RETENTIOND_HTTP_H
#define RETENTIOND_HTTP_H

#include "buf.h"

#include <stdbool.h>

struct http_server;
struct http_request; /* opaque: read through http_arg() */

#define HTTP_MAX_HEADERS 4

struct http_reply {
    unsigned status;
    const char *content_type; /* static string */
    struct buf body;
    const char *shared; /* when set, sent instead of body */
    size_t shared_len;
    void (*release)(void *release_ctx); /* called once the bytes are sent */
    void *release_ctx;
    char etag[64]; /* the entity tag without quotes; "" = none */
    struct {
        const char *name; /* static string */
        char value[160];
    } headers[HTTP_MAX_HEADERS];
    int nheaders;
};

typedef void (*http_handler)(struct http_request *req, struct http_reply *reply, void *ctx);

struct http_route {
    const char *method;
    const char *path;
    http_handler handler;
    /* Query parameters the route takes (NULL-terminated; NULL = none);
     * any other gets a 400 naming it before the handler runs. */
    const char *const *params;
    bool prefix; /* path is a prefix (e.g. "/charts/"), the rest read by http_path() */
};

/* Called once per answered request: route index in the table (-1 when no
 * route matched), status, seconds spent producing the response. */
typedef void (*http_observer)(void *ctx, int route, unsigned status, double seconds);

struct http_options {
    const char *listen; /* numeric address */
    int port;           /* 0 = any free port */
    int threads;        /* thread pool size */
    int max_connections;
    int connection_timeout;          /* seconds */
    int max_url_length;              /* path plus decoded query, bytes */
    const struct http_route *routes; /* terminated by a route with path NULL; static */
    void *ctx;                       /* passed to handlers; not owned */
    http_observer observe;           /* may be NULL */
};

bool http_start(const struct http_options *opts, struct http_server **out);
/* The port actually bound (useful with port 0). */
int http_port(const struct http_server *srv);
/* Stops accepting, lets in-flight requests finish, frees the server. NULL ok. */
void http_stop(struct http_server *srv);

/* A query-string argument of the request, or NULL. Owned by the request. */
const char *http_arg(struct http_request *req, const char *name);
/* The request path (for prefix routes). Owned by the request. */
const char *http_path(struct http_request *req);

/* Adds a response header (name static; value copied, truncated to fit). */
void http_reply_header(struct http_reply *reply, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Helpers for handlers: a JSON error body {"error":{code,message,param}}. */
void http_reply_error(struct http_reply *reply, unsigned status, const char *code,
                      const char *message, const char *param);

#endif
