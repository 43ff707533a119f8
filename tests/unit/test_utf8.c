/* Unit tests of the UTF-8 module (utf8_): well-formed or not, and the
 * escaped copy given to jansson. */
#include "utf8.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *bytes;
    size_t len;
    bool valid;
    const char *escaped;
} cases[] = {
    {"", 0, true, ""},
    {"date=2026-11-21", 15, true, "date=2026-11-21"},
    {"\xe4\xb8\xad\xe6\x96\x87", 6, true, "\xe4\xb8\xad\xe6\x96\x87"},
    {"\xc2\xa9 \xf0\x9f\x98\x80", 7, true, "\xc2\xa9 \xf0\x9f\x98\x80"},
    {"\xf4\x8f\xbf\xbf", 4, true, "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
    {"\xff\xfe", 2, false, "\\xff\\xfe"},
    {"\xc0\xaf", 2, false, "\\xc0\\xaf"},                   /* overlong '/' */
    {"\xe0\x80\xaf", 3, false, "\\xe0\\x80\\xaf"},          /* overlong */
    {"\xed\xa0\x80", 3, false, "\\xed\\xa0\\x80"},          /* a surrogate */
    {"\xf4\x90\x80\x80", 4, false, "\\xf4\\x90\\x80\\x80"}, /* above U+10FFFF */
    {"a\xe4\xb8", 3, false, "a\\xe4\\xb8"},                 /* cut short */
    {"\xe4\xb8\xad\x80", 4, false, "\xe4\xb8\xad\\x80"},    /* a lone continuation */
    {"a\0b", 3, true, "a\\x00b"},                           /* NUL: valid, but escaped */
};

START_TEST(valid_and_escaped)
{
    ck_assert(utf8_valid(cases[_i].bytes, cases[_i].len) == cases[_i].valid);
    struct buf b = BUF_INIT;
    utf8_escape(&b, cases[_i].bytes, cases[_i].len);
    ck_assert_str_eq(b.data, cases[_i].escaped);
    ck_assert(utf8_valid(b.data, b.len));
    ck_assert_ptr_null(memchr(b.data, '\0', b.len));
    buf_release(&b);
}
END_TEST

static Suite *utf8_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, valid_and_escaped, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(utf8_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
