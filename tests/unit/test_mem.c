/* Unit tests of the memory policy (mem.h): the wrappers give what they
 * promise, and a failed allocation logs one line with the size and aborts. */
#include "mem.h"

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Under AddressSanitizer a failed allocation returns NULL, as libc's does,
 * instead of ending in ASan's own report (the variable's options win). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

START_TEST(wrappers_allocate)
{
    char *p = xmalloc(0);
    ck_assert_ptr_nonnull(p);
    free(p);
    int *z = xcalloc(100, sizeof *z);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(z[i], 0);
    z[99] = 7;
    z = xrealloc(z, 1000 * sizeof *z);
    ck_assert_int_eq(z[99], 7);
    free(z);
    char *s = xstrdup("湖北省公司");
    ck_assert_str_eq(s, "湖北省公司");
    free(s);
    s = xstrndup("420100-x", 6);
    ck_assert_str_eq(s, "420100");
    free(s);
    s = xstrndup("ab", 10);
    ck_assert_str_eq(s, "ab");
    free(s);
}
END_TEST

/* Runs one failing allocation in a child; returns its stderr and status. */
static char *fail_in_child(int which, int *status)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        void *volatile p = NULL;
        if (which == 0)
            p = xmalloc(SIZE_MAX - 4096);
        else if (which == 1)
            p = xcalloc(SIZE_MAX / 2, 4);
        else
            p = xrealloc(NULL, SIZE_MAX - 4096);
        (void)p;
        _exit(0); /* not reached when the policy holds */
    }
    close(fds[1]);
    static char out[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof out - 1 && (r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, status, 0), pid);
    return out;
}

static const char *const calls[] = {"call=malloc", "call=calloc", "call=realloc"};

START_TEST(failure_logs_and_aborts)
{
    int status = 0;
    char *err = fail_in_child(_i, &status);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status %d, stderr: %s",
                  status, err);
    ck_assert_msg(strstr(err, "level=error msg=\"out of memory\"") && strstr(err, calls[_i]), "%s",
                  err);
    char size[64];
    if (_i == 1)
        snprintf(size, sizeof size, "count=%zu size=4", SIZE_MAX / 2);
    else
        snprintf(size, sizeof size, "count=1 size=%zu", SIZE_MAX - 4096);
    ck_assert_msg(strstr(err, size), "want %s in %s", size, err);
}
END_TEST

static Suite *mem_suite(void)
{
    Suite *s = suite_create("mem");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, wrappers_allocate);
    tcase_add_loop_test(tc, failure_logs_and_aborts, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mem_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
