#include "bulletin_fixture.h"

#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char template_db[64];

const char *bfix_template(const char *prefix)
{
    if (*template_db)
        return template_db;
    char name[64];
    snprintf(name, sizeof name, "%s_%d", prefix, (int)getpid());
    char *t = harness_demo_db(name, 5, 3000, "2026-11-22");
    for (int day = 19; day <= 22; day++) {
        char date[11];
        snprintf(date, sizeof date, "2026-11-%d", day);
        harness_compute(t, date);
    }
    free(t);
    snprintf(template_db, sizeof template_db, "%s", name);
    return template_db;
}

int bfix_run(Suite *suite)
{
    setenv("TZ", "UTC", 1);
    tzset();
    int failed = harness_run_suite(suite, false);
    if (*template_db && !harness_drop_db_unchecked(template_db))
        failed++;
    return failed ? 1 : 0;
}

time_t bfix_shanghai(int day, int hour, int minute)
{
    struct tm tm = {
        .tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = day, .tm_hour = hour, .tm_min = minute};
    return timegm(&tm) - 8 * 3600;
}

struct bulletin_job_opts bfix_opts(const char *data_dir, const char *me)
{
    return (struct bulletin_job_opts){.timezone = BFIX_ZONE,
                                      .send_at = "08:00",
                                      .wait_minutes = 120,
                                      .catch_up_days = 7,
                                      .catch_up_send = 1,
                                      .lang = "zh",
                                      .lease = 900,
                                      .bottom_n = 5,
                                      .data_dir = data_dir,
                                      .me = me,
                                      .retry = {.max_attempts = 1},
                                      .smtp = {.from = BFIX_FROM, .timeout = 10}};
}

void bfix_remove_dir(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
