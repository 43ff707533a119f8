/* libFuzzer target: a raw HTTP request, as a client's bytes, through the
 * daemon's own server, phases and routes (http/, the API of api.h with
 * its access and admit hooks): the request line and its query string, the
 * headers and their cookies, a body (the sign-in form and other
 * url-encoded or multipart bodies). The server serves the fixture
 * snapshot (tests/fixtures/snapshots/views.jsonl) persisted in a data
 * directory, as a daemon does at start; its database refuses connections
 * (sessions, sign-ins and the audit log fail as when PostgreSQL is down,
 * the audit rows go to the spool file).
 *
 * Each input is written to a loopback connection, which is then half
 * closed; the first answer is read to its end (its Content-Length), or
 * until nothing comes for 30 ms (an incomplete request, or a slow answer
 * left unchecked). Properties: nothing crashes or
 * trips a sanitizer in the server's threads; any answer starts with
 * "HTTP/1.x NNN" and is never a 500 (a 503 for the database is fine). */
#define _GNU_SOURCE /* memmem */
#include "api.h"
#include "fuzz.h"
#include "http.h"
#include "log.h"
#include "refresh.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* A database that refuses at once: nothing listens on the discard port. */
#define NO_DATABASE "host=127.0.0.1 port=9 connect_timeout=1"

static struct api api;
static struct http_server *srv;
static int port;

/* A data directory holding the fixture as the persisted snapshot. */
static void data_dir(char *dir, size_t n)
{
    char cmd[512];
    snprintf(dir, n, "/tmp/retentiond-fuzz-http.%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s' '%s/snapshot.json'", dir, FUZZ_SNAPSHOT,
             dir);
    if (system(cmd) != 0)
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char dir[256], spool[300];
    size_t nroutes = 0;
    const struct http_route *routes = api_routes(&nroutes);
    struct refresh *refresh = NULL;
    struct audit *audit = NULL;
    signal(SIGPIPE, SIG_IGN);
    log_set_level(LOG_LEVEL_ERROR);
    data_dir(dir, sizeof dir);
    snprintf(spool, sizeof spool, "%s/audit.spool", dir);
    struct refresh_options ro = {.conninfo = NO_DATABASE,
                                 .statement_timeout = 1000,
                                 .refresh_interval = 3600,
                                 .timezone = "Asia/Shanghai",
                                 .data_dir = dir,
                                 .history_days = 92,
                                 .cache_bytes = 8u << 20};
    struct metrics *metrics = metrics_new(api_route_names(), nroutes);
    if (!refresh_start(&ro, &refresh) || !refresh_run(refresh) ||
        !api_init(&api, refresh, metrics, 2, "Noto Sans CJK SC") ||
        !audit_start(NO_DATABASE, spool, &audit))
        abort();
    api_set_database(&api, NO_DATABASE, 1000, 0);
    struct pool *auth_pool = pool_new(2);
    pool_configure(auth_pool, NO_DATABASE, 1000);
    pool_set_wait(auth_pool, 0);
    struct auth_options ao = {.idle_seconds = 1800, .absolute_seconds = 43200, .cache_seconds = 5};
    api.auth = auth_new(auth_pool, audit, &ao);
    api.audit = audit;
    struct http_options o = {.listen = "127.0.0.1",
                             .threads = 2,
                             .max_connections = 64,
                             .connection_timeout = 1,
                             .max_url_length = 8192,
                             .max_body = 65536,
                             .routes = routes,
                             .ctx = &api,
                             .authorize = api_authorize,
                             .admit = api_admit};
    if (!http_start(&o, &srv))
        abort();
    port = http_port(srv);
    return 0;
}

static int connect_server(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        abort();
    return fd;
}

/* The answer's status line, checked: "HTTP/1.x NNN", never 500. */
static void check_answer(const char *got, size_t n)
{
    if (n == 0)
        return; /* closed without an answer: an incomplete request */
    if (n < 12 || strncmp(got, "HTTP/1.", 7) != 0 || got[8] != ' ')
        abort();
    int status = atoi(got + 9);
    if (status < 100 || status > 599 || status == 500)
        abort();
}

/* Where the first answer in got[0, n) ends (a HEAD's has no body): after its headers and
 * Content-Length bytes; 0 while that is not known yet. */
static size_t answer_end(const char *got, size_t n, bool head_request)
{
    const char *end = memmem(got, n, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - got) + 4, length = 0;
    const char *cl = memmem(got, head, "\r\nContent-Length: ", 18);
    if (cl && !head_request)
        length = strtoul(cl + 18, NULL, 10);
    return head + length;
}

/* Reads the first answer (its first `keep` bytes into head): to its end,
 * the server's close, or 30 ms without a byte (no answer to an
 * incomplete request: the server waits for the rest). Returns the bytes
 * kept. */
static size_t read_answer(int fd, bool head_request, char *head, size_t keep)
{
    static char got[1 << 20];
    size_t n = 0, end = 0;
    while (!end || n < end) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 30) <= 0)
            break;
        ssize_t r = recv(fd, got + n, sizeof got - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (!end)
            end = answer_end(got, n, head_request);
        if (n == sizeof got)
            break;
    }
    size_t take = n < keep ? n : keep;
    memcpy(head, got, take);
    return take;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = connect_server();
    size_t sent = 0;
    while (sent < size) {
        ssize_t w = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server closed early (a refused request) */
        sent += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char head[64];
    size_t n = read_answer(fd, size >= 5 && memcmp(data, "HEAD ", 5) == 0, head, sizeof head);
    close(fd);
    check_answer(head, n);
    return 0;
}
