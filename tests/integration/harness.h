/* Integration-test harness: private test databases in the cluster that
 * scripts/test starts (RETENTIOND_TEST_PG), the retentiond binary
 * (RETENTIOND_BIN) run as a child process, and an HTTP client (libcurl).
 *
 * Ownership: strings returned by harness_* are malloc'd and freed by the
 * caller unless stated otherwise. */
#ifndef RETENTIOND_HARNESS_H
#define RETENTIOND_HARNESS_H

#include "db.h"

#include <check.h>
#include <jansson.h>

#include <stdbool.h>
#include <sys/types.h>

/* Debian's interpreter, whose python3-aiosmtpd the mail tests use (the
 * python3 first on the PATH may be another). */
#define PYTHON "/usr/bin/python3"

/* Exit code meson reads as "skipped". */
#define HARNESS_SKIP 77

/* Server conninfo from RETENTIOND_TEST_PG; exits HARNESS_SKIP when unset. */
const char *harness_server(void);

/* A suite's main: harness_server(), then every test of suite (taken and
 * freed), each in a child process when fork, else in this one; returns the
 * number that failed. */
int harness_run_suite(Suite *suite, bool fork);

/* Creates (dropping first) database NAME; returns its conninfo. */
char *harness_create_db(const char *name);
/* Creates (dropping first) database NAME as a copy of TEMPLATE_NAME, which
 * nobody may be connected to; returns its conninfo. */
char *harness_copy_db(const char *name, const char *template_name);
void harness_drop_db(const char *name);
/* The same outside a test (after srunner_run_all(), where Check cannot
 * report an assertion): false, with a line on stderr, on failure. */
bool harness_drop_db_unchecked(const char *name);

/* The shard servers (scripts/pg start --shards N), from
 * RETENTIOND_TEST_SHARDS: one conninfo per line, without dbname. Fills
 * *servers (malloc'd array of malloc'd strings) and returns how many; exits
 * HARNESS_SKIP when unset. */
int harness_shards(char ***servers);
/* Creates (dropping first) database NAME on SERVER (a conninfo without
 * dbname); returns its conninfo. */
char *harness_create_db_at(const char *server, const char *name);
void harness_drop_db_at(const char *server, const char *name);
/* `scripts/pg ACTION` on shard cluster K (1-based: the test cluster's
 * directory with -shardK). */
void harness_pg_shard(int k, const char *action);

/* Reads a file of the source tree (RETENTIOND_SRCDIR + relpath). */
char *harness_read_source(const char *relpath);
/* Reads a whole file ("" if empty); aborts the test if it cannot. */
char *harness_read_file(const char *path);
/* stderr into a temporary file for the time of a few calls, to read the
 * log lines they write: harness_capture_begin() starts, and
 * harness_capture_end() puts stderr back and returns what was written
 * (malloc'd; also copied to the test's own stderr, its log). */
struct harness_capture {
    int saved;
    char path[64];
};
void harness_capture_begin(struct harness_capture *c);
char *harness_capture_end(struct harness_capture *c);
/* Runs a source-tree SQL file on db; aborts the test on failure. */
void harness_exec_file(struct db *db, const char *relpath);

/* Loads tables, the generator and indexes, and generates a demo province. */
void harness_load_demo(struct db *db, int seed, int scale, const char *today);
/* Creates database NAME and generates the demo province in it
 * (harness_load_demo); returns its conninfo. */
char *harness_generate_db(const char *name, int seed, int scale, const char *today);
/* Creates database NAME as a copy of the demo province (harness_load_demo)
 * and returns its conninfo. The province is copied from a template database
 * that the first call for (seed, scale, today) makes in the test cluster
 * (rt_tpl_*, named by the arguments and the generator's SHA-256) and later
 * calls, of any test process, reuse. */
char *harness_demo_copy(const char *name, int seed, int scale, const char *today);
/* harness_demo_copy, then the project's schema (`retentiond migrate`). */
char *harness_demo_db(const char *name, int seed, int scale, const char *today);

/* Runs a query expected to return one value; returns it as a long. */
long harness_long(struct db *db, const char *sql);
/* Runs a query expected to return one value; returns a copy of the text. */
char *harness_text(struct db *db, const char *sql);
/* Runs trusted SQL (one or more statements) on a new connection to
 * conninfo; aborts the test on failure. */
void harness_exec_on(const char *conninfo, const char *sql);
/* The state the KPI engine keeps between runs (docs/kpis.md, "State kept
 * between runs"): a line "kpi.TABLE ROWS MD5" per table, the MD5 over its
 * rows' text in order, times included: two states are the same exactly
 * when these texts are. */
char *harness_kept_state(struct db *db);

/* Runs retentiond with argv (NULL-terminated, without argv[0]); captures
 * stdout/stderr into malloc'd strings (either may be NULL); returns the exit
 * status (or -1). env_db, if not NULL, is exported as RETENTIOND_DB. */
int harness_run(const char *const *args, const char *env_db, char **out, char **err);
/* harness_run with its standard output the file at out_path (opened for
 * writing: /dev/full, a file that cannot take it); stderr into *err. */
int harness_run_to(const char *const *args, const char *env_db, const char *out_path, char **err);
/* `retentiond compute --as-of date` on the database of conninfo; aborts the
 * test when it fails. */
void harness_compute(const char *conninfo, const char *date);

struct harness_reader;

struct harness_daemon {
    pid_t pid;
    int port;
    int err_fd;                    /* read end of the daemon's stderr */
    char *log;                     /* its stderr as of the last wait (or the stop); owned */
    struct harness_reader *reader; /* the thread that reads err_fd all along; owned */
};

/* Starts `retentiond serve --config path` and waits for its listening line. */
bool harness_daemon_start(struct harness_daemon *d, const char *config_path, const char *env_db);
/* Waits up to ms milliseconds for `needle` in the daemon's stderr (read
 * all along by a thread of its own, so that the daemon never blocks on a
 * full pipe); true when it appears. d->log is then everything read so far
 * (or, when the test freed it and set it NULL, everything after what it
 * held). */
bool harness_daemon_wait_log(struct harness_daemon *d, const char *needle, int ms);
/* Sends sig and waits up to ms for exit; returns the exit status or -1. */
int harness_daemon_stop(struct harness_daemon *d, int sig, int ms);

/* GET (or another method) http://127.0.0.1:port/path; returns the status
 * code, fills *body (malloc'd) and, if headers != NULL, the headers. HEAD
 * reads no body. */
long harness_http(int port, const char *method, const char *path, const char *extra_header,
                  char **body, char **headers);
/* The same, with the body's length in *len (for binary bodies). */
long harness_http_len(int port, const char *method, const char *path, const char *extra_header,
                      char **body, size_t *len, char **headers);

/* The value (kpi, branch, dim; dim NULL = the total) in a run of the
 * compute JSON contract, or NULL. Borrowed from run. */
json_t *harness_find_value(json_t *run, const char *kpi, const char *branch, const char *dim);
/* A number member of a JSON object (0 when absent). */
double harness_num(json_t *obj, const char *key);

/* Writes text to a fresh temporary file; returns its path. */
char *harness_temp_file(const char *text);
/* What `command FILE` prints (malloc'd), FILE holding len bytes (pdftotext
 * gets " -": to stdout); aborts the test when the command fails. */
char *harness_tool_text(const char *command, const char *bytes, size_t len);
/* The text of a PDF's len bytes by pdftotext -q (harness_tool_text). */
char *harness_pdf_text(const char *bytes, size_t len);
/* The records of a CSV file's len bytes as Python's csv module reads them
 * (a JSON array of arrays of strings, the header first; the caller
 * json_decrefs it), after it found the byte-order mark and CRLF line ends
 * (else the test fails). */
json_t *harness_csv_records(const char *bytes, size_t len);

/* ---- access control (docs/access.md) ---- */

/* Runs retentiond like harness_run, with input on its standard input. */
int harness_run_input(const char *const *args, const char *env_db, const char *input, char **out,
                      char **err);
/* Adds user NAME (role, branch or NULL) with password to the database of
 * conninfo; aborts the test on failure. */
void harness_user_add(const char *conninfo, const char *name, const char *role, const char *branch,
                      const char *password);
/* A new bearer token ("rt_...") of user NAME. */
char *harness_token_add(const char *conninfo, const char *name);
/* Credentials every later harness_http* call of this process sends, as
 * one request header (e.g. "Authorization: Bearer rt_..."), copied; NULL:
 * none. A call's extra_header goes beside it. */
void harness_http_auth(const char *header);
/* Adds the executive "harness" to the database of conninfo (a password
 * nobody knows) and signs every later harness_http* call in with a token
 * of it. */
void harness_sign_in(const char *conninfo);

#endif
