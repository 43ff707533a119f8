/* A TCP proxy in front of the test cluster (pg_proxy.h). */
#define _GNU_SOURCE /* accept4 */
#include "pg_proxy.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_LINKS 64

/* One connection through the proxy: the client's socket and the server's,
 * copied by two threads; the last one out closes both. */
struct link {
    struct pgproxy *p;
    int fd[2];
    int live; /* copiers still running; under p->mu */
};

struct pgproxy {
    pthread_mutex_t mu;
    pthread_cond_t idle; /* signalled when a link ends */
    struct sockaddr_in upstream;
    int port, listener;
    bool cut, stopping; /* under mu */
    pthread_t acceptor;
    struct link *links[MAX_LINKS];
};

struct copy {
    struct link *l;
    int from, to;
};

static void link_end(struct link *l)
{
    struct pgproxy *p = l->p;
    pthread_mutex_lock(&p->mu);
    if (--l->live == 0) {
        close(l->fd[0]);
        close(l->fd[1]);
        for (int i = 0; i < MAX_LINKS; i++)
            if (p->links[i] == l)
                p->links[i] = NULL;
        free(l);
        pthread_cond_broadcast(&p->idle);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Copies one direction until either side ends, then ends both. */
static void *copier(void *arg)
{
    struct copy c = *(struct copy *)arg;
    char buf[65536];
    free(arg);
    for (;;) {
        ssize_t n = read(c.from, buf, sizeof buf);
        if (n <= 0)
            break;
        ssize_t done = 0;
        while (done < n) {
            /* a peer gone is an end, not a SIGPIPE for the test */
            ssize_t w = send(c.to, buf + done, (size_t)(n - done), MSG_NOSIGNAL);
            if (w <= 0)
                goto out;
            done += w;
        }
    }
out:
    shutdown(c.from, SHUT_RDWR);
    shutdown(c.to, SHUT_RDWR);
    link_end(c.l);
    return NULL;
}

static void start_copier(struct link *l, int from, int to)
{
    pthread_t t;
    struct copy *c = malloc(sizeof *c);
    *c = (struct copy){l, from, to};
    if (pthread_create(&t, NULL, copier, c) != 0)
        abort();
    pthread_detach(t);
}

/* A connection reset at once (SO_LINGER 0): what a client of a server
 * that stopped meets. */
static void reset(int fd)
{
    struct linger now = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    close(fd);
}

/* A client accepted: its link to the server; nothing when the server
 * cannot be reached (the client's socket closed) or the proxy is cut (it
 * is reset: the flag is read where the link would be registered, under
 * the lock pgproxy_cut takes, so that no link outlives a cut). */
static void join(struct pgproxy *p, int client)
{
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server < 0 || connect(server, (struct sockaddr *)&p->upstream, sizeof p->upstream) != 0) {
        if (server >= 0)
            close(server);
        close(client);
        return;
    }
    struct link *l = calloc(1, sizeof *l);
    *l = (struct link){.p = p, .fd = {client, server}, .live = 2};
    pthread_mutex_lock(&p->mu);
    if (p->cut) {
        pthread_mutex_unlock(&p->mu);
        free(l);
        close(server);
        reset(client);
        return;
    }
    int slot = 0;
    while (slot < MAX_LINKS && p->links[slot])
        slot++;
    if (slot == MAX_LINKS)
        abort(); /* more connections than a test makes */
    p->links[slot] = l;
    pthread_mutex_unlock(&p->mu);
    start_copier(l, client, server);
    start_copier(l, server, client);
}

static void *acceptor(void *arg)
{
    struct pgproxy *p = arg;
    for (;;) {
        /* not inherited by a daemon the test starts: it would hold the link */
        int client = accept4(p->listener, NULL, NULL, SOCK_CLOEXEC);
        pthread_mutex_lock(&p->mu);
        bool stopping = p->stopping;
        pthread_mutex_unlock(&p->mu);
        if (stopping) {
            if (client >= 0)
                close(client);
            return NULL;
        }
        if (client < 0) {
            usleep(10000); /* EINTR, ECONNABORTED, EMFILE: the next one */
            continue;
        }
        join(p, client);
    }
}

/* Listens on a free port of loopback. */
static void listen_on(struct pgproxy *p)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert(p->listener >= 0);
    ck_assert_msg(bind(p->listener, (struct sockaddr *)&a, sizeof a) == 0 &&
                      listen(p->listener, 64) == 0,
                  "the proxy cannot listen on loopback");
    ck_assert(getsockname(p->listener, (struct sockaddr *)&a, &len) == 0);
    p->port = ntohs(a.sin_port);
    ck_assert(pthread_create(&p->acceptor, NULL, acceptor, p) == 0);
}

/* The value of `key=` in conninfo ci (at most len - 1 bytes). */
static void conninfo_value(const char *ci, const char *key, char *out, size_t len)
{
    const char *v = strstr(ci, key);
    size_t n = v ? strcspn(v + strlen(key), " ") : 0;
    ck_assert_msg(v && n > 0 && n < len, "no %s in %s", key, ci);
    memcpy(out, v + strlen(key), n);
    out[n] = '\0';
}

struct pgproxy *pgproxy_start(const char *ci)
{
    char host[64], port[16];
    struct pgproxy *p = calloc(1, sizeof *p);
    conninfo_value(ci, "host=", host, sizeof host);
    conninfo_value(ci, "port=", port, sizeof port);
    p->upstream =
        (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    ck_assert_msg(inet_pton(AF_INET, host, &p->upstream.sin_addr) == 1,
                  "the proxy forwards to an IPv4 address, not %s", host);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->idle, NULL);
    listen_on(p);
    return p;
}

char *pgproxy_conninfo(const struct pgproxy *p, const char *ci)
{
    char port[16], *out = malloc(strlen(ci) + 16);
    conninfo_value(ci, "port=", port, sizeof port);
    const char *at = strstr(ci, "port=") + strlen("port=");
    sprintf(out, "%.*s%d%s", (int)(at - ci), ci, p->port, at + strlen(port));
    return out;
}

void pgproxy_cut(struct pgproxy *p)
{
    pthread_mutex_lock(&p->mu);
    p->cut = true;
    for (int i = 0; i < MAX_LINKS; i++)
        if (p->links[i]) {
            shutdown(p->links[i]->fd[0], SHUT_RDWR);
            shutdown(p->links[i]->fd[1], SHUT_RDWR);
        }
    for (bool busy = true; busy;) {
        busy = false;
        for (int i = 0; i < MAX_LINKS; i++)
            busy = busy || p->links[i];
        if (busy)
            pthread_cond_wait(&p->idle, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

void pgproxy_mend(struct pgproxy *p)
{
    pthread_mutex_lock(&p->mu);
    p->cut = false;
    pthread_mutex_unlock(&p->mu);
}

void pgproxy_stop(struct pgproxy *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_mutex_unlock(&p->mu);
    shutdown(p->listener, SHUT_RDWR); /* the acceptor's accept returns */
    pthread_join(p->acceptor, NULL);
    close(p->listener);
    pgproxy_cut(p);
    pthread_cond_destroy(&p->idle);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
