/* Unit tests of the logging module (log_): quoted values and lines that
 * stay one line whatever the values. */
#include "log.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *value;
    size_t size; /* of the buffer */
    const char *quoted;
} quotes[] = {
    {"plain text", 64, "plain text"},
    {"/api/v1/kpis?x=\"1\"", 64, "/api/v1/kpis?x=\\\"1\\\""},
    {"back\\slash", 64, "back\\\\slash"},
    {"line\nbreak\r\tend", 64, "line\\nbreak\\x0d\\x09end"},
    {"del\x7f and \x01", 64, "del\\x7f and \\x01"},
    {"\xe4\xb8\xad\xe6\x96\x87", 64, "\xe4\xb8\xad\xe6\x96\x87"}, /* UTF-8 is kept */
    {NULL, 64, ""},
    {"", 64, ""},
    /* cut to fit, never inside an escape */
    {"abcdef", 4, "abc"},
    {"ab\"cd", 4, "ab"},
    {"ab\"cd", 5, "ab\\\""},
    {"a\nb", 3, "a"},
    {"a\x01", 5, "a"},
    {"a\x01", 6, "a\\x01"},
};

START_TEST(quote_escapes_and_fits)
{
    char buf[64];
    memset(buf, '#', sizeof buf);
    const char *got = log_quote(buf, quotes[_i].size, quotes[_i].value);
    ck_assert_ptr_eq(got, buf);
    ck_assert_str_eq(buf, quotes[_i].quoted);
    ck_assert_uint_lt(strlen(buf), quotes[_i].size);
}
END_TEST

/* Runs one log call with stderr sent to a file; returns what was written. */
static char *written(void (*emit)(void))
{
    char path[] = "/tmp/rtnd-log-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    emit();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    ck_assert_int_eq(pread(fd, text, (size_t)size, 0), size);
    close(fd);
    return text;
}

static void emit_controls(void)
{
    log_info("msg=test path=%s", "/a\nlevel=error msg=forged\r\x1b[31m\x7f");
}

static void emit_quoted(void)
{
    char q[256];
    log_warn("msg=test path=\"%s\" status=%d", log_quote(q, sizeof q, "/x\" forged=\"1\n"), 400);
}

static void emit_long(void)
{
    char *big = malloc(3 * LOG_LINE_MAX);
    memset(big, '\n', 3 * LOG_LINE_MAX - 1);
    big[3 * LOG_LINE_MAX - 1] = '\0';
    log_error("msg=long text=%s", big);
    free(big);
}

static void emit_gated(void)
{
    log_set_level(LOG_LEVEL_WARN);
    log_info("msg=dropped");
    log_debug("msg=dropped");
    log_warn("msg=kept");
    log_set_level(LOG_LEVEL_INFO);
}

static size_t count(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

START_TEST(lines_stay_one_line)
{
    char *out = written(emit_controls);
    ck_assert_str_eq(out,
                     "level=info msg=test path=/a\\nlevel=error msg=forged\\x0d\\x1b[31m\\x7f\n");
    free(out);
    out = written(emit_quoted);
    ck_assert_str_eq(out, "level=warn msg=test path=\"/x\\\" forged=\\\"1\\n\" status=400\n");
    free(out);
    out = written(emit_gated);
    ck_assert_str_eq(out, "level=warn msg=kept\n");
    free(out);
}
END_TEST

START_TEST(a_cut_line_still_ends_with_one_newline)
{
    char *out = written(emit_long);
    size_t len = strlen(out);
    ck_assert_uint_eq(count(out, '\n'), 1);
    ck_assert_int_eq(out[len - 1], '\n');
    ck_assert(strncmp(out, "level=error msg=long text=\\n\\n", 30) == 0);
    /* the line before escaping is cut at LOG_LINE_MAX - 1 bytes */
    size_t head = strlen("level=error msg=long text=");
    ck_assert_uint_eq(len, head + 2 * (LOG_LINE_MAX - 1 - head) + 1);
    free(out);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, quote_escapes_and_fits, 0, (int)(sizeof quotes / sizeof quotes[0]));
    tcase_add_test(tc, lines_stay_one_line);
    tcase_add_test(tc, a_cut_line_still_ends_with_one_newline);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(log_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
