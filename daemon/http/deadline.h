/* Deadlines for reading a request's headers (http.header_timeout): a
 * client that trickles its request (a byte now and then, so that
 * libmicrohttpd's idle time-out never fires) is cut off when its headers
 * are not complete in time, so that slow clients cannot hold the
 * connections. A watchdog thread checks the deadlines four times a second
 * and shuts a late connection's socket down (shutdown(2): libmicrohttpd
 * then closes it as a connection the client dropped).
 *
 * A connection's deadline is armed when it opens (its first request's
 * line and headers) and when a later request's line has arrived (its
 * headers), and disarmed when the headers are complete, unless a body
 * follows: then the body has as long again. When a request is done the
 * deadline is armed for the next one's line and headers, after the time
 * libmicrohttpd's idle time-out allows between requests of a kept-alive
 * connection (a client that sends nothing is closed by that time-out; one
 * that trickles the next request line, each byte resetting it, is cut off).
 *
 * Ownership: deadlines_start() gives the caller a struct deadlines to
 * deadlines_stop(); deadlines_add() gives a connection's struct
 * deadline_conn, owned by the watchdog until deadlines_remove(). The
 * functions are safe from any thread. */
#ifndef RETENTIOND_DEADLINE_H
#define RETENTIOND_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>

struct deadlines;
struct deadline_conn;

/* seconds: the time a request's headers may take; 0: no deadline (no
 * thread: the other functions then only keep the client's address). */
struct deadlines *deadlines_start(int seconds);
/* Stops the watchdog and frees d (NULL-safe); the connections must have
 * been removed. */
void deadlines_stop(struct deadlines *d);

/* A new connection on socket fd from client (its address as text),
 * armed. */
struct deadline_conn *deadlines_add(struct deadlines *d, int fd, const char *client);
/* Arms c for the deadline's seconds from now, unless it is due sooner;
 * disarms it. */
void deadlines_arm(struct deadlines *d, struct deadline_conn *c);
void deadlines_disarm(struct deadlines *d, struct deadline_conn *c);
/* Arms c anew: due after the deadline's seconds plus `after` from now. */
void deadlines_restart(struct deadlines *d, struct deadline_conn *c, int after);
/* The connection closed: c is freed. NULL-safe. */
void deadlines_remove(struct deadlines *d, struct deadline_conn *c);
/* The client address given to deadlines_add(). */
const char *deadline_client(const struct deadline_conn *c);

#endif
