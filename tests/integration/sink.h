/* The mail tests' SMTP server and reader: smtp_sink.py (aiosmtpd) as a
 * child process on loopback, each message it accepts written to its
 * directory as N.eml and N.json (the envelope), and mail_check.py's facts
 * about a message (MIME tree, encodings, Content-IDs, the text) as JSON.
 * Both run with Debian's /usr/bin/python3, which has python3-aiosmtpd (the
 * python3 first on the PATH may not). Failures abort the Check test.
 *
 * Ownership: a struct sink is the caller's; sink_stop() removes its
 * directory. mail_facts() returns a new JSON reference. */
#ifndef RETENTIOND_TEST_SINK_H
#define RETENTIOND_TEST_SINK_H

#include "harness.h"

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct sink {
    pid_t pid;
    int port;
    char dir[64];
    char url[64]; /* smtp://127.0.0.1:PORT */
};

/* Starts the sink with extra arguments of smtp_sink.py (NULL-terminated,
 * or NULL); waits for its port. */
void sink_start(struct sink *s, const char *const *extra);
/* Stops it and removes its directory. */
void sink_stop(struct sink *s);
/* The path of the n-th message's file (ext "eml" or "json"). */
const char *sink_file(const struct sink *s, int n, const char *ext, char out[128]);
/* How many messages arrived so far. */
int sink_count(const struct sink *s);

/* Helpers of the mail tests: a monotonic clock in seconds, a shell
 * command's whole output (malloc'd) and exit status, a file's bytes
 * (malloc'd, NUL added), and a loopback port nothing listens on (yet). */
double sink_now(void);
char *sink_shell(const char *cmd, int *status);
char *sink_read_file(const char *path, size_t *len);
int sink_free_port(void);

/* mail_check.py's facts about a received message; the PDF's bytes go to
 * pdf_out when it is not NULL. */
json_t *mail_facts(const char *eml, const char *pdf_out);

#endif
