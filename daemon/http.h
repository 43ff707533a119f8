/* The HTTP server (libmicrohttpd): a route table of {method, path, handler}
 * with a 404 sentinel, JSON error bodies, and orderly shutdown.
 *
 * Ownership: http_start() gives the caller a struct http_server to
 * http_stop(). A handler fills the struct http_reply it is given; the server
 * owns the reply's body buffer and frees it after sending. */
#ifndef RETENTIOND_HTTP_H
#define RETENTIOND_HTTP_H

#include "buf.h"

#include <stdbool.h>

struct http_server;
struct http_request; /* opaque: read through http_arg() */

struct http_reply {
    unsigned status;
    const char *content_type; /* static string */
    struct buf body;
};

typedef void (*http_handler)(struct http_request *req, struct http_reply *reply, void *ctx);

struct http_route {
    const char *method;
    const char *path;
    http_handler handler;
};

struct http_options {
    const char *listen; /* numeric address */
    int port;           /* 0 = any free port */
    int threads;        /* thread pool size */
    int max_connections;
    int connection_timeout;          /* seconds */
    const struct http_route *routes; /* terminated by {NULL, NULL, NULL}; static */
    void *ctx;                       /* passed to handlers; not owned */
};

bool http_start(const struct http_options *opts, struct http_server **out);
/* The port actually bound (useful with port 0). */
int http_port(const struct http_server *srv);
/* Stops accepting, lets in-flight requests finish, frees the server. NULL ok. */
void http_stop(struct http_server *srv);

/* A query-string argument of the request, or NULL. Owned by the request. */
const char *http_arg(struct http_request *req, const char *name);

/* Helpers for handlers: a JSON error body {"error":{code,message,param}}. */
void http_reply_error(struct http_reply *reply, unsigned status, const char *code,
                      const char *message, const char *param);

#endif
