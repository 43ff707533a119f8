/* A TCP proxy on loopback in front of the test cluster, so that a test can
 * take the database away from one daemon (and bring it back) while the
 * cluster keeps serving every other test: the outage cases run beside the
 * others instead of stopping the shared cluster.
 *
 * pgproxy_start(ci) listens on a free port of 127.0.0.1 and forwards each
 * connection to the host and port of conninfo ci (two threads a
 * connection, blocking copies). pgproxy_cut() closes every connection
 * through it and resets each new one, as a server that stopped: a client
 * sees its connection end and new ones fail. pgproxy_mend() forwards new
 * ones again. The listening socket stays open, so that its port stays the
 * proxy's while the suites beside it open sockets of their own.
 *
 * Ownership: pgproxy_start gives the caller a proxy to pgproxy_stop();
 * pgproxy_conninfo returns a malloc'd string. */
#ifndef RETENTIOND_PG_PROXY_H
#define RETENTIOND_PG_PROXY_H

struct pgproxy;

struct pgproxy *pgproxy_start(const char *ci);
/* ci with the proxy's port instead of its own. */
char *pgproxy_conninfo(const struct pgproxy *p, const char *ci);
void pgproxy_cut(struct pgproxy *p);
void pgproxy_mend(struct pgproxy *p);
void pgproxy_stop(struct pgproxy *p);

#endif
