#define _GNU_SOURCE
#include "harness.h"

#include "buf.h"
#include "clock.h"
#include "digest.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *harness_server(void)
{
    const char *s = getenv("RETENTIOND_TEST_PG");
    if (!s || !*s) {
        fprintf(stderr, "RETENTIOND_TEST_PG is not set: run scripts/test\n");
        exit(HARNESS_SKIP);
    }
    return s;
}

int harness_run_suite(Suite *suite, bool fork)
{
    harness_server();
    SRunner *sr = srunner_create(suite);
    if (!fork)
        srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

static char *conninfo_at(const char *server, const char *dbname)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s dbname=%s", server, dbname);
    return buf_detach(&b, NULL);
}

static char *conninfo_for(const char *dbname)
{
    return conninfo_at(harness_server(), dbname);
}

int harness_shards(char ***servers)
{
    const char *s = getenv("RETENTIOND_TEST_SHARDS");
    int n = 0;
    *servers = NULL;
    if (!s || !*s) {
        fprintf(stderr, "RETENTIOND_TEST_SHARDS is not set: run scripts/test\n");
        exit(HARNESS_SKIP);
    }
    for (const char *line = s; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 0) {
            *servers = realloc(*servers, (size_t)(n + 1) * sizeof **servers);
            ck_assert(*servers != NULL);
            (*servers)[n++] = strndup(line, len);
        }
        line += len + (end ? 1 : 0);
    }
    return n;
}

/* Database names are chosen by the tests themselves: [a-z0-9_] only. */
static bool valid_name(const char *name)
{
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

static void assert_name(const char *name)
{
    ck_assert_msg(valid_name(name), "database name '%s'", name);
}

static void admin_at(const char *server, const char *before, const char *name, const char *after)
{
    char *ci = conninfo_at(server, "postgres");
    struct db *db = NULL;
    ck_assert_msg(db_connect(ci, 0, &db), "cannot connect to the test server");
    struct buf b = BUF_INIT;
    assert_name(name);
    buf_puts(&b, before);
    buf_puts(&b, name);
    buf_puts(&b, after);
    ck_assert_msg(db_exec_script(db, "admin", b.data), "%s", db_errmsg(db));
    buf_release(&b);
    db_close(db);
    free(ci);
}

static void admin(const char *before, const char *name, const char *after)
{
    admin_at(harness_server(), before, name, after);
}

char *harness_create_db_at(const char *server, const char *name)
{
    admin_at(server, "DROP DATABASE IF EXISTS ", name, " WITH (FORCE)");
    admin_at(server, "CREATE DATABASE ", name, "");
    return conninfo_at(server, name);
}

void harness_drop_db_at(const char *server, const char *name)
{
    admin_at(server, "DROP DATABASE IF EXISTS ", name, " WITH (FORCE)");
}

char *harness_create_db(const char *name)
{
    admin("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)");
    admin("CREATE DATABASE ", name, "");
    return conninfo_for(name);
}

char *harness_copy_db(const char *name, const char *template_name)
{
    struct buf after = BUF_INIT;
    assert_name(template_name);
    buf_printf(&after, " TEMPLATE %s", template_name);
    admin("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)");
    admin("CREATE DATABASE ", name, after.data);
    buf_release(&after);
    return conninfo_for(name);
}

void harness_drop_db(const char *name)
{
    admin("DROP DATABASE IF EXISTS ", name, " WITH (FORCE)");
}

bool harness_drop_db_unchecked(const char *name)
{
    char *ci = conninfo_for("postgres");
    struct db *db = NULL;
    struct buf b = BUF_INIT;
    buf_printf(&b, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    bool ok = valid_name(name) && db_connect(ci, 0, &db) && db_exec_script(db, "admin", b.data);
    if (!ok)
        fprintf(stderr, "cannot drop database %s: %s\n", name,
                db ? db_errmsg(db) : "no connection");
    db_close(db);
    buf_release(&b);
    free(ci);
    return ok;
}

void harness_pg_shard(int k, const char *action)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "RETENTIOND_PG_DIR=\"$RETENTIOND_PG_DIR-shard%d\" '%s/scripts/pg' %s >&2", k,
             getenv("RETENTIOND_SRCDIR"), action);
    ck_assert_msg(system(cmd) == 0, "scripts/pg %s (shard %d) failed", action, k);
}

char *harness_read_file(const char *path)
{
    struct buf text = BUF_INIT;
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&text, chunk, n);
    fclose(f);
    return buf_detach(&text, NULL);
}

void harness_capture_begin(struct harness_capture *c)
{
    fflush(stderr);
    snprintf(c->path, sizeof c->path, "/tmp/rtnd-log-XXXXXX");
    int fd = mkstemp(c->path);
    ck_assert_int_ge(fd, 0);
    c->saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

char *harness_capture_end(struct harness_capture *c)
{
    fflush(stderr);
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    char *text = harness_read_file(c->path);
    unlink(c->path);
    fputs(text, stderr);
    return text;
}

char *harness_read_source(const char *relpath)
{
    const char *src = getenv("RETENTIOND_SRCDIR");
    ck_assert_msg(src != NULL, "RETENTIOND_SRCDIR is not set");
    struct buf path = BUF_INIT;
    buf_printf(&path, "%s/%s", src, relpath);
    char *text = harness_read_file(path.data);
    buf_release(&path);
    return text;
}

void harness_exec_file(struct db *db, const char *relpath)
{
    char *sql = harness_read_source(relpath);
    ck_assert_msg(db_exec_script(db, relpath, sql), "%s: %s", relpath, db_errmsg(db));
    free(sql);
}

void harness_load_demo(struct db *db, int seed, int scale, const char *today)
{
    harness_exec_file(db, "sql/warehouse/tables.sql");
    harness_exec_file(db, "sql/demo/generate.sql");
    char s[16], n[16];
    snprintf(s, sizeof s, "%d", seed);
    snprintf(n, sizeof n, "%d", scale);
    const char *params[] = {s, n, today};
    ck_assert_msg(db_query(db, "SELECT demo.generate($1::int, $2::int, $3::date)", 3, params, NULL),
                  "%s", db_errmsg(db));
    harness_exec_file(db, "sql/warehouse/indexes.sql");
    ck_assert(db_exec_script(db, "analyze", "ANALYZE"));
}

char *harness_generate_db(const char *name, int seed, int scale, const char *today)
{
    char *ci = harness_create_db(name);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    harness_load_demo(db, seed, scale, today);
    db_close(db);
    return ci;
}

/* The name of the demo province's template: its arguments and the SHA-256 of
 * the three files that make it, so that a changed generator is a new one. */
static void demo_template_name(int seed, int scale, const char *today, char *name, size_t size)
{
    static const char *const files[] = {"sql/warehouse/tables.sql", "sql/demo/generate.sql",
                                        "sql/warehouse/indexes.sql"};
    struct digest d;
    char hex[DIGEST_HEX_LEN + 1], day[9] = "";
    digest_init(&d);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *text = harness_read_source(files[i]);
        digest_add(&d, text, strlen(text) + 1);
        free(text);
    }
    digest_hex(&d, hex);
    for (const char *c = today; *c && strlen(day) < 8; c++)
        if (*c >= '0' && *c <= '9')
            day[strlen(day)] = *c;
    snprintf(name, size, "rt_tpl_%d_%d_%s_%.12s", seed, scale, day, hex);
}

/* The demo province (seed, scale, today) generated once per test cluster: in
 * a database of a temporary name, renamed to its template name once whole,
 * under an advisory lock of that name, so that tests running at once (and
 * the second build's) wait for it and copy it instead of generating it again
 * (2-5 s of the server's CPU a call). Never connected to once renamed. */
static void demo_template(int seed, int scale, const char *today, char *name, size_t size)
{
    char *admin_ci = conninfo_for("postgres");
    struct db *admin_db = NULL;
    ck_assert_msg(db_connect(admin_ci, 0, &admin_db), "cannot connect to the test server");
    demo_template_name(seed, scale, today, name, size);
    const char *params[] = {name};
    struct db_result *res = NULL;
    ck_assert_msg(db_query(admin_db, "SELECT pg_advisory_lock(hashtext($1))", 1, params, NULL),
                  "%s", db_errmsg(admin_db));
    ck_assert_msg(
        db_query(admin_db, "SELECT 1 FROM pg_database WHERE datname = $1", 1, params, &res), "%s",
        db_errmsg(admin_db));
    bool made = db_rows(res) == 1;
    db_result_free(res);
    if (!made) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "rt_tpl_tmp_%d", (int)getpid());
        free(harness_generate_db(tmp, seed, scale, today));
        struct buf rename = BUF_INIT;
        buf_printf(&rename, " RENAME TO %s", name);
        admin("ALTER DATABASE ", tmp, rename.data);
        buf_release(&rename);
    }
    db_close(admin_db); /* the lock goes with the session */
    free(admin_ci);
}

char *harness_demo_copy(const char *name, int seed, int scale, const char *today)
{
    char template_name[64];
    demo_template(seed, scale, today, template_name, sizeof template_name);
    return harness_copy_db(name, template_name);
}

char *harness_demo_db(const char *name, int seed, int scale, const char *today)
{
    char *ci = harness_demo_copy(name, seed, scale, today);
    const char *migrate[] = {"migrate", "--db", ci, NULL};
    ck_assert_int_eq(harness_run(migrate, NULL, NULL, NULL), 0);
    return ci;
}

void harness_exec_on(const char *conninfo, const char *sql)
{
    struct db *db = NULL;
    ck_assert_msg(db_connect(conninfo, 0, &db), "cannot connect");
    ck_assert_msg(db_exec_script(db, "change", sql), "%s: %s", sql, db_errmsg(db));
    db_close(db);
}

char *harness_text(struct db *db, const char *sql)
{
    struct db_result *res = NULL;
    ck_assert_msg(db_query(db, sql, 0, NULL, &res), "%s: %s", sql, db_errmsg(db));
    ck_assert_int_eq(db_rows(res), 1);
    const char *v = db_value(res, 0, 0);
    char *copy = strdup(v ? v : "");
    db_result_free(res);
    return copy;
}

long harness_long(struct db *db, const char *sql)
{
    char *t = harness_text(db, sql);
    long v = atol(t);
    free(t);
    return v;
}

char *harness_kept_state(struct db *db)
{
    static const char *const tables[] = {
        "cohort",          "cohort_member",  "vip_snapshot", "vip_member",
        "zone_month",      "zone_member",    "zone_count",   "campaign_target_list",
        "campaign_target", "usage_month_dq", "freeze_log"};
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY"
                 " t::text), '')) FROM kpi.%s t",
                 tables[i]);
        char *line = harness_text(db, sql);
        buf_printf(&b, "kpi.%s %s\n", tables[i], line);
        free(line);
    }
    return buf_detach(&b, NULL);
}

static const char *binary(void)
{
    const char *bin = getenv("RETENTIOND_BIN");
    ck_assert_msg(bin != NULL, "RETENTIOND_BIN is not set");
    return bin;
}

/* What a child runs, made before the fork: the child of a process with
 * threads (each daemon's stderr reader, a test's own) may make only
 * async-signal-safe calls until it execs, and setenv or strdup there
 * could wait forever on a lock another thread held at the fork. */
struct child_exec {
    const char *argv[64];
    char *wrapper; /* the words of RETENTIOND_WRAPPER, split in place */
    char **envp;   /* environ, with RETENTIOND_DB set or removed */
    char *db;      /* its RETENTIOND_DB=... entry */
};

static void child_exec_prepare(struct child_exec *c, const char *const *args, const char *env_db)
{
    extern char **environ;
    size_t n = 0, k = 0;
    int a = 0;
    memset(c, 0, sizeof *c);
    while (environ[n])
        n++;
    c->envp = calloc(n + 2, sizeof *c->envp);
    ck_assert_ptr_nonnull(c->envp);
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "RETENTIOND_DB=", strlen("RETENTIOND_DB=")) != 0)
            c->envp[k++] = environ[i];
    if (env_db) {
        ck_assert_int_ge(asprintf(&c->db, "RETENTIOND_DB=%s", env_db), 0);
        c->envp[k++] = c->db;
    }
    /* RETENTIOND_WRAPPER: a command the binary runs under (words split at
     * spaces), e.g. valgrind with its options (tests/reliability/memcheck) */
    const char *wrapper = getenv("RETENTIOND_WRAPPER");
    c->wrapper = wrapper ? strdup(wrapper) : NULL;
    char *save = NULL;
    for (char *w = c->wrapper ? strtok_r(c->wrapper, " ", &save) : NULL; w && a < 30;
         w = strtok_r(NULL, " ", &save))
        c->argv[a++] = w;
    c->argv[a++] = binary();
    for (int i = 0; args[i] && a < 62; i++)
        c->argv[a++] = args[i];
    c->argv[a] = NULL;
}

static void child_exec_release(struct child_exec *c)
{
    free(c->envp);
    free(c->db);
    free(c->wrapper);
}

/* In the child: the descriptors, then the exec; nothing that allocates. */
static void exec_child(const struct child_exec *c, int out_fd, int err_fd)
{
    extern char **environ;
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    environ = c->envp;
    if (c->wrapper)
        execvp(c->argv[0], (char *const *)c->argv);
    else
        execv(c->argv[0], (char *const *)c->argv);
    _exit(127);
}

static void drain(int fd, struct buf *b)
{
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        buf_append(b, chunk, (size_t)n);
}

int harness_run(const char *const *args, const char *env_db, char **out, char **err)
{
    return harness_run_input(args, env_db, NULL, out, err);
}

int harness_run_input(const char *const *args, const char *env_db, const char *input, char **out,
                      char **err)
{
    FILE *fo = tmpfile(), *fe = tmpfile(), *fi = tmpfile();
    ck_assert(fo && fe && fi);
    if (input) {
        ck_assert_int_eq(fwrite(input, 1, strlen(input), fi), strlen(input));
        fflush(fi);
        rewind(fi);
    }
    struct child_exec c;
    child_exec_prepare(&c, args, env_db);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fileno(fi), 0);
        exec_child(&c, fileno(fo), fileno(fe));
    }
    child_exec_release(&c);
    fclose(fi);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    struct buf bo = BUF_INIT, be = BUF_INIT;
    lseek(fileno(fo), 0, SEEK_SET);
    lseek(fileno(fe), 0, SEEK_SET);
    drain(fileno(fo), &bo);
    drain(fileno(fe), &be);
    fclose(fo);
    fclose(fe);
    if (out)
        *out = buf_detach(&bo, NULL);
    if (err)
        *err = buf_detach(&be, NULL);
    buf_release(&bo);
    buf_release(&be);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int harness_run_to(const char *const *args, const char *env_db, const char *out_path, char **err)
{
    FILE *fe = tmpfile();
    int fo = open(out_path, O_WRONLY);
    ck_assert_msg(fe && fo >= 0, "cannot open %s", out_path);
    struct child_exec c;
    child_exec_prepare(&c, args, env_db);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        exec_child(&c, fo, fileno(fe));
    child_exec_release(&c);
    close(fo);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    struct buf be = BUF_INIT;
    lseek(fileno(fe), 0, SEEK_SET);
    drain(fileno(fe), &be);
    fclose(fe);
    if (err)
        *err = buf_detach(&be, NULL);
    buf_release(&be);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The thread that reads a daemon's stderr as it comes: the daemon writes a
 * line a request at debug level, and a pipe read only when a test waits
 * filled between two waits (the daemon's HTTP threads then blocked in
 * their log line, their replies unsent). */
struct harness_reader {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t more; /* text grew, or the end came */
    struct buf text;     /* everything read so far */
    size_t start, given; /* where d->log begins in text, and where it ends */
    bool end;            /* the pipe's end, or stop asked and nothing left */
    bool stop;           /* the daemon has exited: read what is left, then end */
    int fd;
};

static void *reader_main(void *arg)
{
    struct harness_reader *r = arg;
    char chunk[8192];
    for (;;) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        int ready = poll(&p, 1, 50);
        pthread_mutex_lock(&r->mu);
        bool stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (ready == 0 && stop)
            break;
        ssize_t n = ready > 0 ? read(r->fd, chunk, sizeof chunk) : -1;
        if (n < 0 && (ready <= 0 || errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            break;
        pthread_mutex_lock(&r->mu);
        buf_append(&r->text, chunk, (size_t)n);
        pthread_cond_broadcast(&r->more);
        pthread_mutex_unlock(&r->mu);
    }
    pthread_mutex_lock(&r->mu);
    r->end = true;
    pthread_cond_broadcast(&r->more);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static struct harness_reader *reader_start(int fd)
{
    struct harness_reader *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->more, &attr);
    pthread_condattr_destroy(&attr);
    buf_init(&r->text);
    r->fd = fd;
    ck_assert_int_eq(pthread_create(&r->thread, NULL, reader_main, r), 0);
    return r;
}

/* Ends the reader once the daemon has exited (what is left in the pipe
 * read first); d->log gets everything. */
static void reader_stop(struct harness_daemon *d)
{
    struct harness_reader *r = d->reader;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    if (!d->log) /* the test dropped what it had read: what came after it */
        r->start = r->given;
    free(d->log);
    d->log = strdup(r->text.data ? r->text.data + r->start : "");
    buf_release(&r->text);
    pthread_cond_destroy(&r->more);
    pthread_mutex_destroy(&r->mu);
    free(r);
    d->reader = NULL;
}

bool harness_daemon_wait_log(struct harness_daemon *d, const char *needle, int ms)
{
    struct harness_reader *r = d->reader;
    if (!r) /* stopped: all it wrote is in d->log */
        return d->log && strstr(d->log, needle);
    struct timespec until = clock_in_ms(CLOCK_MONOTONIC, ms);
    size_t keep = strlen(needle);
    bool found = false;
    pthread_mutex_lock(&r->mu);
    /* a test that dropped d->log (freed, NULL) waits for what comes after
     * what it had */
    if (!d->log)
        r->start = r->given;
    size_t from = r->start;
    for (;;) {
        /* only what is new since the last look, with a needle's length before it */
        found = r->text.data && strstr(r->text.data + from, needle);
        from = r->text.len > r->start + keep ? r->text.len - keep : r->start;
        if (found || r->end || pthread_cond_timedwait(&r->more, &r->mu, &until) == ETIMEDOUT)
            break;
    }
    found = found || (r->text.data && strstr(r->text.data + from, needle));
    free(d->log);
    d->log = strdup(r->text.data ? r->text.data + r->start : "");
    r->given = r->text.len;
    pthread_mutex_unlock(&r->mu);
    ck_assert_ptr_nonnull(d->log);
    return found;
}

bool harness_daemon_start(struct harness_daemon *d, const char *config_path, const char *env_db)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    memset(d, 0, sizeof *d);
    const char *args[] = {"serve", "--config", config_path, NULL};
    struct child_exec c;
    child_exec_prepare(&c, args, env_db);
    d->pid = fork();
    ck_assert_int_ge(d->pid, 0);
    if (d->pid == 0) {
        close(fds[0]);
        exec_child(&c, 1, fds[1]);
    }
    child_exec_release(&c);
    close(fds[1]);
    d->err_fd = fds[0];
    fcntl(d->err_fd, F_SETFL, O_NONBLOCK);
    d->reader = reader_start(d->err_fd);
    if (!harness_daemon_wait_log(d, "msg=listening", 15000))
        return false;
    const char *url = strstr(d->log, "url=http"); /* http:// or https:// */
    ck_assert_ptr_nonnull(url);
    url = strstr(url, "://");
    ck_assert_ptr_nonnull(url);
    url += strlen("://");
    if (*url == '[') /* an IPv6 address: http://[::]:PORT/ */
        url = strchr(url, ']');
    ck_assert_ptr_nonnull(url);
    const char *colon = strchr(url, ':');
    d->port = atoi(colon + 1);
    return d->port > 0;
}

int harness_daemon_stop(struct harness_daemon *d, int sig, int ms)
{
    if (d->pid <= 0)
        return -1;
    kill(d->pid, sig);
    long deadline = now_ms() + ms;
    int status = 0;
    pid_t r = 0;
    while ((r = waitpid(d->pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
        usleep(20000);
    if (r == 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, &status, 0);
        status = -1;
    }
    /* the daemon has exited: what it wrote last, up to the end of the pipe */
    if (d->reader)
        reader_stop(d);
    close(d->err_fd);
    d->pid = 0;
    if (status == -1)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *auth_header; /* harness_http_auth's */

void harness_http_auth(const char *header)
{
    free(auth_header);
    auth_header = header ? strdup(header) : NULL;
}

void harness_user_add(const char *conninfo, const char *name, const char *role, const char *branch,
                      const char *password)
{
    const char *args[] = {"user",   "add",    name,
                          "--role", role,     "--password-stdin",
                          "--db",   conninfo, branch ? "--branch" : NULL,
                          branch,   NULL};
    struct buf input = BUF_INIT;
    char *err = NULL;
    buf_printf(&input, "%s\n", password);
    int rc = harness_run_input(args, NULL, input.data, NULL, &err);
    ck_assert_msg(rc == 0, "user add %s: %s", name, err);
    free(err);
    buf_release(&input);
}

char *harness_token_add(const char *conninfo, const char *name)
{
    const char *args[] = {"token", "add", "--user", name, "--db", conninfo, NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(args, NULL, &out, &err);
    ck_assert_msg(rc == 0, "token add %s: %s", name, err);
    const char *tok = strstr(out, "rt_");
    ck_assert_msg(tok != NULL, "token add printed no token: %s", out);
    char *copy = strndup(tok, strcspn(tok, "\n"));
    free(out);
    free(err);
    return copy;
}

void harness_sign_in(const char *conninfo)
{
    char password[40];
    snprintf(password, sizeof password, "harness-%ld-%d", (long)time(NULL), (int)getpid());
    harness_user_add(conninfo, "harness", "executive", NULL, password);
    char *token = harness_token_add(conninfo, "harness");
    struct buf h = BUF_INIT;
    buf_printf(&h, "Authorization: Bearer %s", token);
    harness_http_auth(h.data);
    buf_release(&h);
    free(token);
}

static size_t collect(char *ptr, size_t size, size_t nmemb, void *user)
{
    buf_append(user, ptr, size * nmemb);
    return size * nmemb;
}

long harness_http(int port, const char *method, const char *path, const char *extra_header,
                  char **body, char **headers)
{
    return harness_http_len(port, method, path, extra_header, body, NULL, headers);
}

long harness_http_len(int port, const char *method, const char *path, const char *extra_header,
                      char **body, size_t *len, char **headers)
{
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    struct buf url = BUF_INIT, b = BUF_INIT, h = BUF_INIT;
    buf_printf(&url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *hdrs = extra_header ? curl_slist_append(NULL, extra_header) : NULL;
    if (auth_header)
        hdrs = curl_slist_append(hdrs, auth_header);
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L); /* a custom HEAD would wait for a body */
    else
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    /* generous: an ASan build on a loaded 2-core machine renders a 2 MB body slowly */
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    long code = 0;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    buf_release(&url);
    *body = buf_detach(&b, len);
    if (headers)
        *headers = buf_detach(&h, NULL);
    buf_release(&h);
    return code;
}

char *harness_temp_file(const char *text)
{
    char path[] = "/tmp/rtnd-test-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return strdup(path);
}

json_t *harness_find_value(json_t *run, const char *kpi, const char *branch, const char *dim)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(run, "values"), i, v)
    {
        const char *d = json_string_value(json_object_get(v, "dim"));
        if (strcmp(json_string_value(json_object_get(v, "kpi")), kpi) == 0 &&
            strcmp(json_string_value(json_object_get(v, "branch")), branch) == 0 &&
            ((!d && !dim) || (d && dim && strcmp(d, dim) == 0)))
            return v;
    }
    return NULL;
}

double harness_num(json_t *obj, const char *key)
{
    return json_number_value(json_object_get(obj, key));
}

char *harness_tool_text(const char *command, const char *bytes, size_t len)
{
    char *file = harness_temp_file(""), cmd[600];
    FILE *f = fopen(file, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s %s%s", command, file,
             strncmp(command, "pdftotext", strlen("pdftotext")) == 0 ? " -" : "");
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    struct buf text = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_append(&text, chunk, n);
    ck_assert_int_eq(pclose(p), 0);
    unlink(file);
    free(file);
    buf_append(&text, "", 0);
    return buf_detach(&text, NULL);
}

char *harness_pdf_text(const char *bytes, size_t len)
{
    return harness_tool_text("pdftotext -q", bytes, len);
}

json_t *harness_csv_records(const char *bytes, size_t len)
{
    static const char script[] =
        "import csv, json, sys\n"
        "raw = open(sys.argv[1], 'rb').read()\n"
        "assert raw.startswith(b'\\xef\\xbb\\xbf'), 'no byte-order mark'\n"
        "assert raw.endswith(b'\\r\\n') and b'\\n' not in raw.replace(b'\\r\\n', b''), 'not CRLF'\n"
        "print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', "
        "newline='')))))\n";
    char *py = harness_temp_file(script), cmd[300];
    snprintf(cmd, sizeof cmd, "%s '%s'", PYTHON, py);
    char *text = harness_tool_text(cmd, bytes, len);
    json_t *records = json_loads(text, 0, NULL);
    ck_assert_msg(json_is_array(records), "not CSV: %.300s", text);
    unlink(py);
    free(py);
    free(text);
    return records;
}

void harness_compute(const char *conninfo, const char *date)
{
    const char *args[] = {"compute", "--db", conninfo, "--as-of", date, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "compute %s: %s", date, err);
    free(out);
    free(err);
}
