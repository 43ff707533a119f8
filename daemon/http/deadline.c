/* Deadlines for reading a request's headers: see deadline.h. */
#include "deadline.h"

#include "clock.h"
#include "log.h"
#include "mem.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define TICK_NS 250000000L

struct deadline_conn {
    struct deadline_conn *prev, *next;
    int fd;
    double due; /* monotonic seconds; 0: disarmed */
    char client[INET6_ADDRSTRLEN];
};

struct deadlines {
    int seconds;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    bool stopping;
    pthread_t thread;
    struct deadline_conn *head;
};

/* Shuts down the sockets past their deadline; d->mu held. */
static void cut_late(struct deadlines *d)
{
    double t = clock_seconds();
    for (struct deadline_conn *c = d->head; c; c = c->next) {
        if (c->due == 0 || t < c->due)
            continue;
        c->due = 0;
        shutdown(c->fd, SHUT_RDWR);
        log_info("msg=\"request headers not complete in time, connection closed\" client=%s "
                 "header_timeout=%d",
                 c->client, d->seconds);
    }
}

static void *watch(void *arg)
{
    struct deadlines *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&d->wake, &d->mu, &until);
        cut_late(d);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

struct deadlines *deadlines_start(int seconds)
{
    struct deadlines *d = xcalloc(1, sizeof *d);
    d->seconds = seconds > 0 ? seconds : 0;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->wake, NULL);
    if (d->seconds && pthread_create(&d->thread, NULL, watch, d) != 0) {
        log_warn("msg=\"cannot start the header deadline thread\"");
        d->seconds = 0;
    }
    return d;
}

void deadlines_stop(struct deadlines *d)
{
    if (!d)
        return;
    if (d->seconds) {
        pthread_mutex_lock(&d->mu);
        d->stopping = true;
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->thread, NULL);
    }
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

struct deadline_conn *deadlines_add(struct deadlines *d, int fd, const char *client)
{
    struct deadline_conn *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    snprintf(c->client, sizeof c->client, "%s", client);
    pthread_mutex_lock(&d->mu);
    c->due = d->seconds ? clock_seconds() + d->seconds : 0;
    c->next = d->head;
    if (d->head)
        d->head->prev = c;
    d->head = c;
    pthread_mutex_unlock(&d->mu);
    return c;
}

void deadlines_arm(struct deadlines *d, struct deadline_conn *c)
{
    pthread_mutex_lock(&d->mu);
    double due = clock_seconds() + d->seconds;
    if (d->seconds && (c->due == 0 || due < c->due))
        c->due = due;
    pthread_mutex_unlock(&d->mu);
}

void deadlines_restart(struct deadlines *d, struct deadline_conn *c, int after)
{
    pthread_mutex_lock(&d->mu);
    c->due = d->seconds ? clock_seconds() + d->seconds + (after > 0 ? after : 0) : 0;
    pthread_mutex_unlock(&d->mu);
}

void deadlines_disarm(struct deadlines *d, struct deadline_conn *c)
{
    pthread_mutex_lock(&d->mu);
    c->due = 0;
    pthread_mutex_unlock(&d->mu);
}

void deadlines_remove(struct deadlines *d, struct deadline_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        d->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&d->mu);
    free(c);
}

const char *deadline_client(const struct deadline_conn *c)
{
    return c->client;
}
