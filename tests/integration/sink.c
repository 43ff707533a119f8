/* The mail tests' SMTP server and reader: see sink.h. */
#include "sink.h"

#include "buf.h"

#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *source_path(const char *rel)
{
    const char *src = getenv("RETENTIOND_SRCDIR");
    ck_assert_msg(src != NULL, "RETENTIOND_SRCDIR is not set");
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s/%s", src, rel);
    return buf_detach(&b, NULL);
}

double sink_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

char *sink_shell(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "cannot run %s", cmd);
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_append(&b, chunk, n);
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf_detach(&b, NULL);
}

static int read_port(int fd)
{
    char line[64] = "";
    size_t len = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    double deadline = sink_now() + 20;
    while (!memchr(line, '\n', len) && len < sizeof line - 1 && sink_now() < deadline) {
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t n = read(fd, line + len, sizeof line - 1 - len);
        if (n <= 0)
            break; /* the sink ended */
        len += (size_t)n;
    }
    line[len] = '\0';
    int port = 0;
    return sscanf(line, "PORT %d", &port) == 1 ? port : 0;
}

/* In the child: nothing that allocates (the test process has threads). */
static void sink_exec(const char *const *argv, int out_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the sink ends with the test, even a failed one */
    dup2(out_fd, STDOUT_FILENO);
    execv(PYTHON, (char *const *)argv);
    _exit(127);
}

/* Starts the sink with extra arguments (NULL-terminated, or NULL). */
void sink_start(struct sink *s, const char *const *extra)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/rtnd-mail-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s->dir));
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    char *script = source_path("tests/integration/smtp_sink.py");
    const char *argv[16] = {PYTHON, script, "--dir", s->dir};
    int argc = 4;
    for (int i = 0; extra && extra[i] && argc < 15; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        close(fds[0]);
        sink_exec(argv, fds[1]);
    }
    free(script);
    close(fds[1]);
    s->port = read_port(fds[0]);
    close(fds[0]);
    ck_assert_msg(s->port > 0, "smtp_sink.py did not start: is python3-aiosmtpd installed "
                               "(scripts/bootstrap)?");
    snprintf(s->url, sizeof s->url, "smtp://127.0.0.1:%d", s->port);
}

void sink_stop(struct sink *s)
{
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The path of the sink's n-th message file (ext "eml" or "json"). */
const char *sink_file(const struct sink *s, int n, const char *ext, char out[128])
{
    snprintf(out, 128, "%s/%d.%s", s->dir, n, ext);
    return out;
}

/* mail_check.py's facts about a received message; the PDF's bytes go to
 * pdf_out when it is not NULL. */
json_t *mail_facts(const char *eml, const char *pdf_out)
{
    char *script = source_path("tests/integration/mail_check.py");
    struct buf cmd = BUF_INIT;
    buf_printf(&cmd, "%s '%s' '%s'", PYTHON, script, eml);
    if (pdf_out)
        buf_printf(&cmd, " --pdf-out '%s'", pdf_out);
    int status;
    char *out = sink_shell(cmd.data, &status);
    ck_assert_msg(status == 0, "mail_check.py failed (%d): %s", status, out);
    json_error_t jerr;
    json_t *facts = json_loads(out, 0, &jerr);
    ck_assert_msg(facts != NULL, "mail_check.py printed no JSON: %s", out);
    fputs(out, stderr); /* the facts, in the test's log */
    free(out);
    buf_release(&cmd);
    free(script);
    return facts;
}

int sink_count(const struct sink *s)
{
    DIR *d = opendir(s->dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, ".eml") != NULL;
    closedir(d);
    return n;
}

char *sink_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    struct buf b = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_detach(&b, len);
}

int sink_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}
