/* The access layer's parts that need no database: passwords (argon2id),
 * the sign-in throttle, roles and scopes, secrets, and core's HTML
 * template that the sign-in page is made with. */
#include "auth.h"
#include "html.h"
#include "password.h"
#include "principal.h"
#include "random.h"
#include "throttle.h"
#include "users.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- passwords ---------------------------------------------------------------------------- */

START_TEST(password_round_trip)
{
    char *phc = NULL;
    ck_assert_int_eq(password_hash("correct horse battery", &phc), PASSWORD_OK);
    /* argon2id with OWASP's parameters, as a PHC string */
    ck_assert_msg(strncmp(phc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0, "%s", phc);
    ck_assert_int_eq(password_verify(phc, "correct horse battery"), PASSWORD_OK);
    ck_assert_int_eq(password_verify(phc, "correct horse batterY"), PASSWORD_MISMATCH);
    ck_assert_int_eq(password_verify(phc, ""), PASSWORD_MISMATCH);
    free(phc);
}
END_TEST

START_TEST(password_salted)
{
    char *a = NULL, *b = NULL;
    ck_assert_int_eq(password_hash("same password", &a), PASSWORD_OK);
    ck_assert_int_eq(password_hash("same password", &b), PASSWORD_OK);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(password_bad_phc)
{
    ck_assert_int_eq(password_verify("not a phc string", "x"), PASSWORD_ERROR);
    ck_assert_ptr_nonnull(password_dummy());
    ck_assert_int_eq(password_verify(password_dummy(), "anything"), PASSWORD_MISMATCH);
}
END_TEST

#define RACERS 4

static pthread_barrier_t start_line;

static void *hash_in_thread(void *arg)
{
    char *phc = NULL;
    pthread_barrier_wait(&start_line);
    *(enum password_result *)arg = password_hash("a long wait", &phc);
    free(phc);
    return NULL;
}

/* RACERS hashes asked at once: with one place and no wait, all but the
 * first to get it are refused (each hash takes tens of ms, the start line
 * releases them within microseconds); with a wait, every one is computed
 * in turn. */
static int race(int limit, int wait_ms, enum password_result *results)
{
    pthread_t t[RACERS];
    int busy = 0;
    password_set_limit(limit, wait_ms);
    pthread_barrier_init(&start_line, NULL, RACERS);
    for (int i = 0; i < RACERS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hash_in_thread, &results[i]), 0);
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        busy += results[i] == PASSWORD_BUSY;
    }
    pthread_barrier_destroy(&start_line);
    return busy;
}

START_TEST(password_limit)
{
    enum password_result r[RACERS];
    int busy = race(1, 0, r);
    ck_assert_int_ge(busy, 1);
    ck_assert_int_le(busy, RACERS - 1);
    for (int i = 0; i < RACERS; i++)
        ck_assert(r[i] == PASSWORD_OK || r[i] == PASSWORD_BUSY);
    ck_assert_int_eq(race(1, 10000, r), 0);
    password_set_limit(2, 2000);
}
END_TEST

/* ---- the throttle ------------------------------------------------------------------------- */

START_TEST(throttle_backoff)
{
    struct throttle *t = throttle_new();
    time_t now = 1000000;
    for (int i = 0; i < THROTTLE_FREE; i++) {
        ck_assert_int_eq(throttle_wait(t, "user:x", THROTTLE_FREE, now), 0);
        throttle_failed(t, "user:x", now);
    }
    /* then 1, 2, 4, ... seconds after the last failure */
    ck_assert_int_eq(throttle_wait(t, "user:x", THROTTLE_FREE, now), 1);
    ck_assert_int_eq(throttle_wait(t, "user:x", THROTTLE_FREE, now + 1), 0);
    throttle_failed(t, "user:x", now + 1);
    ck_assert_int_eq(throttle_wait(t, "user:x", THROTTLE_FREE, now + 1), 2);
    throttle_failed(t, "user:x", now + 3);
    ck_assert_int_eq(throttle_wait(t, "user:x", THROTTLE_FREE, now + 3), 4);
    /* an address gets more failures free than an account */
    for (int i = 0; i < THROTTLE_FREE_ADDR - 1; i++)
        throttle_failed(t, "addr:10.0.0.2", now);
    ck_assert_int_eq(throttle_wait(t, "addr:10.0.0.2", THROTTLE_FREE_ADDR, now), 0);
    throttle_failed(t, "addr:10.0.0.2", now);
    ck_assert_int_eq(throttle_wait(t, "addr:10.0.0.2", THROTTLE_FREE_ADDR, now), 1);
    /* other keys are not slowed */
    ck_assert_int_eq(throttle_wait(t, "user:y", THROTTLE_FREE, now + 3), 0);
    /* a success clears the key */
    throttle_clear(t, "user:x");
    ck_assert_int_eq(throttle_wait(t, "user:x", THROTTLE_FREE, now + 3), 0);
    throttle_free(t);
}
END_TEST

/* Attempts begun and not yet settled count as failures for the attempts
 * checked meanwhile; settled as not failed, they leave nothing behind. */
START_TEST(throttle_counts_attempts_in_flight)
{
    struct throttle *t = throttle_new();
    time_t now = 3000000;
    for (int i = 0; i < THROTTLE_FREE; i++)
        ck_assert_int_eq(throttle_attempt(t, "user:x", "addr:10.0.0.3", now), 0);
    /* a fourth at the same time waits, and is not begun */
    ck_assert_int_eq(throttle_attempt(t, "user:x", "addr:10.0.0.4", now), 1);
    /* two fail (counted when settled), one was the right password */
    throttle_settle(t, "user:x", true, now + 1);
    throttle_settle(t, "addr:10.0.0.3", true, now + 1);
    throttle_settle(t, "user:x", true, now + 1);
    throttle_settle(t, "addr:10.0.0.3", true, now + 1);
    throttle_settle(t, "user:x", false, now + 1);
    throttle_settle(t, "addr:10.0.0.3", false, now + 1);
    ck_assert_int_eq(throttle_wait(t, "user:x", THROTTLE_FREE, now + 1), 0);
    ck_assert_int_eq(throttle_wait(t, "addr:10.0.0.3", THROTTLE_FREE_ADDR, now + 1), 0);
    /* the third failure, then as throttle_failed counts them */
    ck_assert_int_eq(throttle_attempt(t, "user:x", "addr:10.0.0.3", now + 1), 0);
    throttle_settle(t, "user:x", true, now + 1);
    throttle_settle(t, "addr:10.0.0.3", true, now + 1);
    ck_assert_int_eq(throttle_attempt(t, "user:x", "addr:10.0.0.3", now + 1), 1);
    /* an address's attempts likewise, after its ten free ones */
    for (int i = 0; i < THROTTLE_FREE_ADDR; i++) {
        char user[32];
        snprintf(user, sizeof user, "user:u%d", i);
        ck_assert_int_eq(throttle_attempt(t, user, "addr:10.0.0.5", now), 0);
    }
    ck_assert_int_eq(throttle_attempt(t, "user:other", "addr:10.0.0.5", now), 1);
    /* an attempt settled as not failed leaves no entry: nothing to wait */
    ck_assert_int_eq(throttle_attempt(t, "user:z", "addr:10.0.0.6", now), 0);
    throttle_settle(t, "user:z", false, now);
    throttle_settle(t, "addr:10.0.0.6", false, now);
    for (int i = 0; i < THROTTLE_FREE; i++)
        ck_assert_int_eq(throttle_attempt(t, "user:z", "addr:10.0.0.6", now), 0);
    throttle_free(t);
}
END_TEST

START_TEST(throttle_bounded)
{
    struct throttle *t = throttle_new();
    time_t now = 2000000;
    for (int i = 0; i < 40; i++)
        throttle_failed(t, "addr:10.0.0.1", now);
    ck_assert_int_eq(throttle_wait(t, "addr:10.0.0.1", THROTTLE_FREE, now), THROTTLE_MAX_WAIT);
    /* forgotten an hour after the last failure */
    ck_assert_int_eq(throttle_wait(t, "addr:10.0.0.1", THROTTLE_FREE, now + THROTTLE_FORGET + 1),
                     0);
    /* many keys: the table stays bounded and still answers */
    char key[32];
    for (int i = 0; i < 3 * THROTTLE_KEYS; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        throttle_failed(t, key, now + THROTTLE_FORGET + 2);
    }
    ck_assert_int_eq(throttle_wait(t, "user:none", THROTTLE_FREE, now + THROTTLE_FORGET + 2), 0);
    throttle_free(t);
}
END_TEST

/* A full table of single failures (many names from many addresses) does
 * not flush an attacked account's count: it kept the oldest, so the
 * account had its free attempts again. */
START_TEST(throttle_flood_keeps_a_throttled_count)
{
    struct throttle *t = throttle_new();
    time_t now = 3000000;
    for (int i = 0; i < THROTTLE_FREE + 2; i++)
        throttle_failed(t, "user:boss", now);
    long before = throttle_wait(t, "user:boss", THROTTLE_FREE, now);
    ck_assert_int_gt(before, 0);
    char key[32];
    for (int i = 0; i < 2 * THROTTLE_KEYS; i++) {
        snprintf(key, sizeof key, "user:junk%d", i);
        throttle_failed(t, key, now + 1);
    }
    ck_assert_int_eq(throttle_wait(t, "user:boss", THROTTLE_FREE, now), before);
    throttle_free(t);
}
END_TEST

/* ---- roles, scopes, secrets -------------------------------------------------------------- */

START_TEST(roles_and_scopes)
{
    ck_assert_int_eq(role_parse("executive"), ROLE_EXECUTIVE);
    ck_assert_int_eq(role_parse("branch_manager"), ROLE_BRANCH_MANAGER);
    ck_assert_int_eq(role_parse("auditor"), ROLE_AUDITOR);
    ck_assert_int_eq(role_parse("admin"), ROLE_ADMIN);
    ck_assert_int_eq(role_parse("Admin"), -1);
    ck_assert_int_eq(role_parse(NULL), -1);
    struct principal p = {.role = ROLE_BRANCH_MANAGER};
    strcpy(p.branch, "420101");
    ck_assert_str_eq(principal_scope(&p), "420101");
    static const char *const names[] = {"executive", "branch_manager", "auditor", "admin"};
    for (int r = 0; r < ROLE_COUNT; r++) {
        p.role = (enum role)r;
        ck_assert_str_eq(role_name(p.role), names[r]);
        if (r != ROLE_BRANCH_MANAGER)
            ck_assert_ptr_null(principal_scope(&p));
    }
    /* a branch manager without a branch sees nothing rather than everything */
    p.role = ROLE_BRANCH_MANAGER;
    p.branch[0] = '\0';
    ck_assert_ptr_nonnull(principal_scope(&p));
}
END_TEST

START_TEST(secrets)
{
    char a[65], b[65];
    ck_assert(random_hex(32, a));
    ck_assert(random_hex(32, b));
    ck_assert_int_eq(strlen(a), 64);
    ck_assert_int_eq(strspn(a, "0123456789abcdef"), 64);
    ck_assert_str_ne(a, b);
    ck_assert(auth_same_secret(a, a));
    ck_assert(!auth_same_secret(a, b));
    ck_assert(!auth_same_secret(a, ""));
    ck_assert(!auth_same_secret("", a));
    char shorter[64];
    memcpy(shorter, a, 63);
    shorter[63] = '\0';
    ck_assert(!auth_same_secret(a, shorter));
    ck_assert(!auth_same_secret(shorter, a));
}
END_TEST

/* Addresses as the tables' CHECKs and mail/ take them: one @ with text on
 * both sides, printable ASCII, no space of any kind (an input method's
 * U+3000 and U+00A0 too: the database refused them, answered as 503);
 * a recipient also without < > " or a comma. */
START_TEST(addresses)
{
    static const char *const good[] = {"a@b", "zhang.wei+kpi@jiangan.test", "o'neil@x.cn"};
    static const char *const bad[] = {"",
                                      "@b",
                                      "a@",
                                      "a@b@c",
                                      "a b@c",
                                      "a@b\t",
                                      "a@b\v",
                                      "a@b\f",
                                      "\xe3\x80\x80"
                                      "a@b",
                                      "a@b\xc2\xa0",
                                      "张@b.cn",
                                      "a@b\x7f"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ck_assert_msg(users_email_ok(good[i]), "%s", good[i]);
        ck_assert_msg(recipients_address_ok(good[i]), "%s", good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(!users_email_ok(bad[i]), "%s", bad[i]);
        ck_assert_msg(!recipients_address_ok(bad[i]), "%s", bad[i]);
    }
    ck_assert(users_email_ok("a,b@c") && !recipients_address_ok("a,b@c"));
    ck_assert(!recipients_address_ok("<a@c>"));
    ck_assert(!recipients_address_ok("\"a\"@c"));
}
END_TEST

/* ---- HTML ----------------------------------------------------------------------------------- */

START_TEST(html_escapes)
{
    struct buf b = BUF_INIT;
    html_escape(&b, "<script>alert(\"x\" & 'y')</script>");
    ck_assert_str_eq(b.data, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
    buf_release(&b);
}
END_TEST

START_TEST(html_template)
{
    struct buf b = BUF_INIT;
    const char *pairs[] = {"next", "/\"><img src=x>", "n", "江岸", NULL};
    ck_assert(html_fill(&b, "<input value=\"{{next}}\">{{n}}{{n}}", pairs));
    ck_assert_str_eq(b.data, "<input value=\"/&quot;&gt;&lt;img src=x&gt;\">江岸江岸");
    /* a value is not read as a template again */
    buf_reset(&b);
    const char *nested[] = {"a", "{{b}}", "b", "no", NULL};
    ck_assert(html_fill(&b, "{{a}}", nested));
    ck_assert_str_eq(b.data, "{{b}}");
    /* a hole or an open placeholder is refused */
    buf_reset(&b);
    ck_assert(!html_fill(&b, "x {{missing}} y", pairs));
    buf_reset(&b);
    ck_assert(!html_fill(&b, "x {{next", pairs));
    buf_release(&b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("access");
    TCase *tc = tcase_create("passwords");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, password_round_trip);
    tcase_add_test(tc, password_salted);
    tcase_add_test(tc, password_bad_phc);
    tcase_add_test(tc, password_limit);
    suite_add_tcase(s, tc);
    tc = tcase_create("throttle");
    /* throttle_bounded makes 12,288 failures in a table of 4,096 keys, each
     * a scan of the table: 1.3 s in the debug build, past Check's default 4 s
     * under the sanitizers on a loaded machine */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, throttle_backoff);
    tcase_add_test(tc, throttle_bounded);
    tcase_add_test(tc, throttle_flood_keeps_a_throttled_count);
    tcase_add_test(tc, throttle_counts_attempts_in_flight);
    suite_add_tcase(s, tc);
    tc = tcase_create("principal");
    tcase_add_test(tc, roles_and_scopes);
    tcase_add_test(tc, secrets);
    tcase_add_test(tc, addresses);
    suite_add_tcase(s, tc);
    tc = tcase_create("html");
    tcase_add_test(tc, html_escapes);
    tcase_add_test(tc, html_template);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
