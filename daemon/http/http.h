/* The HTTP server (libmicrohttpd): a route table of {method, path, handler,
 * accepted query parameters, access level, whether it takes a body}, JSON
 * error bodies, ETag / If-None-Match (304), HEAD for every GET route, and
 * orderly shutdown.
 *
 * A request passes through phases, in this order; the first that fails
 * answers with its JSON error and no later phase runs:
 *   1. parse: the per-request state (struct http_request) is made on the
 *      first access-handler call, with the client's address, the start time
 *      and the query parameters as received; freed when libmicrohttpd
 *      reports the request completed (MHD_OPTION_NOTIFY_COMPLETED).
 *      414 when path and query exceed max_url_length.
 *   2. route: the first route of the table whose method and path match
 *      (HEAD matches GET routes); else 405 when another method has the
 *      path, 404 otherwise.
 *   3. parameters: 400 invalid_encoding for a name or value that is not
 *      UTF-8 (or holds a NUL), unknown_parameter for one the route does not
 *      take, duplicate_parameter for one given twice.
 *   4. access: a route whose level is HTTP_ACCESS_UNDECLARED answers 403
 *      (and logs an error naming it); then the authorize hook, if any,
 *      decides, and may set the principal; without a hook only
 *      HTTP_ACCESS_PUBLIC routes serve (403 otherwise).
 *   5. body: a route that takes none refuses one (400 unexpected_body); a
 *      body route reads application/x-www-form-urlencoded or
 *      multipart/form-data (415 otherwise) of at most max_body bytes (413)
 *      through libmicrohttpd's PostProcessor; 400 invalid_body when it does
 *      not parse, invalid_encoding or duplicate_parameter for a field.
 *   6. admit: the admit hook, if any, with the form fields read (where a
 *      CSRF token in a form field is checked).
 *   7. handler: only now, so that no handler (nor a cache it consults) runs
 *      for a request that an earlier phase refused.
 * The response is queued on the access handler's last call (queued on the
 * first, libmicrohttpd 0.9.75 closes the connection after it), except for an
 * error decided before a body the server will not read, which is sent at
 * once (and the connection closed). Then the observer, if any, sees the
 * request.
 *
 * Ownership: http_start() gives the caller a struct http_server to
 * http_stop(). The server owns every struct http_request; a handler, the
 * authorize hook and the observer borrow it for the call, and every string
 * read from it lives until the request completes. A handler fills the
 * struct http_reply it is given: either `body` (the server frees it after
 * sending) or `shared` bytes that someone else owns, kept alive until the
 * server calls release(release_ctx): when the bytes are sent, or up to 2 s
 * later when a thread keeps the response to answer the same reply again
 * (server.c, the memo); release NULL: bytes that outlive the server. */
#ifndef RETENTIOND_HTTP_H
#define RETENTIOND_HTTP_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

struct http_server;
struct http_request; /* opaque: read through the accessors below */

#define HTTP_MAX_HEADERS 8

struct http_reply {
    unsigned status;
    const char *content_type; /* static string */
    struct buf body;
    const char *shared; /* when set, sent instead of body */
    size_t shared_len;
    void (*release)(void *release_ctx); /* called once the bytes are sent */
    void *release_ctx;
    char etag[64];   /* the entity tag without quotes; "" = none */
    const char *csp; /* static string: the Content-Security-Policy; NULL = the default */
    struct {
        const char *name; /* static string */
        char value[160];
    } headers[HTTP_MAX_HEADERS];
    int nheaders;
};

typedef void (*http_handler)(struct http_request *req, struct http_reply *reply, void *ctx);

/* Who may use a route. UNDECLARED (a route that says nothing) never
 * serves. Levels above PUBLIC are the authorize hook's to grant (the
 * daemon's: docs/access.md). */
enum http_access {
    HTTP_ACCESS_UNDECLARED = 0,
    HTTP_ACCESS_PUBLIC,    /* anyone, signed in or not */
    HTTP_ACCESS_SIGNED_IN, /* a principal the hook accepts, within its scope */
    HTTP_ACCESS_PROVINCE,  /* a principal who sees every branch */
    HTTP_ACCESS_AUDIT,     /* a principal who reads the audit log */
    HTTP_ACCESS_ADMIN,     /* a principal who administers */
};

/* What else a route declares (http_route.flags). */
enum http_route_flags {
    HTTP_ROUTE_PREFIX = 1 << 0, /* path is a prefix ("/charts/"), the rest: http_path() */
    HTTP_ROUTE_BODY = 1 << 1,   /* takes a form body (http_form()); else a body is refused */
    HTTP_ROUTE_PAGE = 1 << 2,   /* a page for people (the hook sends them to sign in) */
    /* for people and programs: a request that accepts text/html is a
     * page's (http_for_people), any other the API's */
    HTTP_ROUTE_PEOPLE = 1 << 3,
};

struct http_route {
    const char *method;
    const char *path;
    http_handler handler;
    /* Query parameters the route takes (NULL-terminated; NULL = none);
     * any other gets a 400 naming it before the handler runs. */
    const char *const *params;
    enum http_access access;
    unsigned flags; /* enum http_route_flags */
};

/* The access phase: runs for every route whose level is declared, on the
 * request's first call, before its body is read (http_form() gives NULL
 * here) and before the handler. May set the principal (http_set_principal)
 * and add headers to reply, which the handler then fills. Returns true to
 * let the request through; false to refuse it, with an error or a redirect
 * in reply (a reply left at a 2xx status becomes 403). ctx is
 * http_options.ctx. */
typedef bool (*http_authorize)(void *ctx, struct http_request *req, const struct http_route *route,
                               struct http_reply *reply);

/* The admit phase has the same contract, called once the body is read
 * (http_form() answers) for a request every earlier phase let through. */

/* Called once per answered request, after its response is queued, with
 * the request (route index, status, seconds, principal, parameters, client
 * address: the accessors below). Not called for a request that ends
 * without an answer (the client went away, or sent a body far over the
 * limit). */
typedef void (*http_observer)(void *ctx, const struct http_request *req);

struct http_options {
    const char *listen; /* numeric address */
    int port;           /* 0 = any free port */
    int threads;        /* thread pool size; 0 = the number of online cores */
    int max_connections;
    int connection_timeout;          /* seconds an idle connection is kept */
    int header_timeout;              /* seconds a request's headers may take; 0 = no limit */
    int max_url_length;              /* path plus decoded query, bytes */
    size_t max_body;                 /* request body, bytes; 0 = 65536 */
    const struct http_route *routes; /* terminated by a route with path NULL; static */
    void *ctx;                       /* passed to handlers and hooks; not owned */
    http_authorize authorize;        /* may be NULL: only PUBLIC routes serve */
    http_authorize admit;            /* the admit phase; may be NULL */
    http_observer observe;           /* may be NULL */
    /* HTTPS: the certificate (chain) and the private key, PEM text; NULL:
     * plain HTTP. */
    const char *tls_cert_pem, *tls_key_pem;
    /* The numeric address of a reverse proxy whose X-Forwarded-For (its
     * last address) and X-Forwarded-Proto are believed; NULL or "": none. */
    const char *trusted_proxy;
};

bool http_start(const struct http_options *opts, struct http_server **out);
/* The port actually bound (useful with port 0). */
int http_port(const struct http_server *srv);
/* Closes every new connection at once (without an answer), lets the
 * requests in flight finish (their answers sent with Connection: close) for
 * at most HTTP_DRAIN_MS, closes every connection, frees the server. NULL
 * ok. */
#define HTTP_DRAIN_MS 4000
void http_stop(struct http_server *srv);

/* A query-string argument of the request, or NULL (also for a name given
 * without '=', e.g. "?flag"). */
const char *http_arg(const struct http_request *req, const char *name);
/* Calls fn for each query parameter in the order given; value NULL for a
 * name without '='. Before the parameters phase has passed (a request
 * refused as 414 or 400) they are as received: possibly repeated, not
 * UTF-8, or cut at a NUL; quote them before logging. */
typedef void (*http_arg_fn)(void *ctx, const char *name, const char *value);
void http_args_each(const struct http_request *req, http_arg_fn fn, void *ctx);
/* A field of the request's form body (body routes, in the handler), or
 * NULL. Valid UTF-8, without NUL. */
const char *http_form(const struct http_request *req, const char *name);
/* A request header (the name in any case), or NULL. */
const char *http_header(const struct http_request *req, const char *name);
/* A cookie of the request, or NULL. */
const char *http_cookie(const struct http_request *req, const char *name);
/* Whether the request came over TLS. */
bool http_is_tls(const struct http_request *req);
/* The request path, decoded (for prefix routes). */
const char *http_path(const struct http_request *req);
/* The method as the client sent it ("GET", "HEAD", ...). */
const char *http_method(const struct http_request *req);
/* The client's IP address in text form ("127.0.0.1", "::1"); "" if unknown. */
const char *http_client_addr(const struct http_request *req);
/* The principal the access phase set, or NULL (anonymous). */
const char *http_principal(const struct http_request *req);
/* Sets the principal to a copy of name; NULL = anonymous. */
void http_set_principal(struct http_request *req, const char *name);
/* What the access phase knows of the principal beyond its name, as len
 * bytes the request keeps a copy of (NULL: nothing); http_user() gives
 * them back (NULL when none). */
void http_set_user(struct http_request *req, const void *data, size_t len);
const void *http_user(const struct http_request *req);
/* Whether the request is a person's, answered as a page (a sign-in
 * redirect, an HTML error page) rather than the API's JSON: a PAGE route;
 * a PEOPLE route, or a path that matches no route outside /api/, asked by
 * a client that accepts text/html (a browser). */
bool http_for_people(const struct http_request *req);
/* The index of the matched route in the table, or -1. */
int http_route_index(const struct http_request *req);
/* Whether reply, as the handler left it, will be sent as 304 Not Modified
 * (its ETag is one the request's If-None-Match names): no body is sent. */
bool http_not_modified(const struct http_request *req, const struct http_reply *reply);
/* The status sent (0 before the response is queued). */
unsigned http_status(const struct http_request *req);
/* Seconds from the request's first callback until its response was queued. */
double http_seconds(const struct http_request *req);

/* Adds a response header (name static; value copied, truncated to fit). */
void http_reply_header(struct http_reply *reply, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A part of a download's file name, safe in a quoted Content-Disposition
 * filename: text with every byte but A-Z a-z 0-9 . _ - as '_', into out
 * (n bytes, truncated to fit). */
void http_filename_part(const char *text, char *out, size_t n);

/* Every response carries X-Content-Type-Options: nosniff, a
 * Content-Security-Policy (scripts, styles, images and forms of this origin
 * only; frame-ancestors 'none'), Referrer-Policy: no-referrer and
 * X-Frame-Options: DENY; over TLS, Strict-Transport-Security too. */

/* Helpers for handlers: a JSON error body {"error":{code,message,param}}.
 * message and param may hold client text: bytes that are not UTF-8 are
 * shown as \xNN, so that the body is always valid JSON. */
void http_reply_error(struct http_reply *reply, unsigned status, const char *code,
                      const char *message, const char *param);

#endif
