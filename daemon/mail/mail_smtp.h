/* Sending a composed message (mail_message.h) to one recipient over SMTP,
 * with libcurl: smtp:// (with STARTTLS required when starttls is set) or
 * smtps://, AUTH when a user is set, and a time-out on every step:
 *
 *   connecting (TCP, TLS, the greeting)       timeout
 *   each reply of the server                  timeout (CURLOPT_SERVER_RESPONSE_TIMEOUT)
 *   a stalled transfer (under 1 byte/s)       timeout (CURLOPT_LOW_SPEED_TIME)
 *   the whole session                         total_timeout (0: 4 x timeout)
 *
 * so that a server that accepts and never answers costs `timeout`, never a
 * stuck job. The message is streamed from the caller's bytes
 * (CURLOPT_READFUNCTION); curl dot-stuffs it.
 *
 * A failure is reported in struct mail_smtp_error: curl's own error text,
 * the server's last reply line and code, and whether retrying can help
 * (not after a 5xx reply, a refused login, a bad URL or a TLS refusal).
 * mail_smtp_send_retry() retries the others with mail_retry.h's backoff.
 * The password is never logged nor put in an error.
 *
 * Threads: any thread may send (one curl handle per call; curl's global
 * initialisation is done once, pthread_once).
 *
 * Ownership: everything is borrowed for the call; struct mail_smtp_opts
 * filled by mail_smtp_opts_from_cfg() points into the cfg, which must
 * outlive it. */
#ifndef RETENTIOND_MAIL_SMTP_H
#define RETENTIOND_MAIL_SMTP_H

#include "cfg.h"
#include "mail_retry.h"

#include <stdbool.h>
#include <stddef.h>

struct mail_smtp_opts {
    const char *url;      /* smtp://host[:port] or smtps://host[:port] */
    const char *from;     /* "addr" or "Name <addr>": MAIL FROM takes addr */
    const char *user;     /* NULL or "": no AUTH */
    const char *password; /* with user */
    bool starttls;        /* smtp:// only: switch to TLS or fail (smtps:// is TLS from the start) */
    long timeout;         /* seconds, see above; <= 0: 30 */
    long total_timeout;   /* seconds for the whole session; <= 0: 4 x timeout */
    /* NULL, or true once the process stops: a session under way is cut
     * (a failure that is not retried) until the whole message is handed to
     * the server; after that it waits for the server's answer */
    bool (*stopped)(void *ctx);
    void *stopped_ctx;
};

#define MAIL_SMTP_ERROR_MAX 512

struct mail_smtp_error {
    char text[MAIL_SMTP_ERROR_MAX]; /* "" after a success */
    long reply;                     /* the server's last reply code; 0: none */
    int curl_code;                  /* the CURLcode; 0 when curl was not reached */
    bool permanent;                 /* retrying cannot help */
    bool login_refused;             /* the server refused mail.user's login */
};

/* The mail.* settings of cfg as options (pointing into cfg). */
void mail_smtp_opts_from_cfg(const struct cfg *cfg, struct mail_smtp_opts *o);

/* Sends the len bytes of data (a whole message, CRLF line ends) from
 * o->from to rcpt (an addr-spec, or "Name <addr>"). True on the server's
 * 250 after the data; else false with *err filled and a log_warn line.
 * err may be NULL. */
bool mail_smtp_send(const struct mail_smtp_opts *o, const char *rcpt, const char *data, size_t len,
                    struct mail_smtp_error *err);

/* mail_smtp_send() under policy: a failure that is not permanent is tried
 * again after the policy's delay. *err describes the last failure;
 * *attempts (may be NULL) receives the number of attempts made. */
bool mail_smtp_send_retry(const struct mail_smtp_opts *o, const struct mail_retry *policy,
                          const char *rcpt, const char *data, size_t len,
                          struct mail_smtp_error *err, int *attempts);

#endif
