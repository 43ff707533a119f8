/* What the bulletin job's tests share (integration-bulletin-job,
 * integration-bulletin-prune): a demo province (seed 5, 3,000 subscribers)
 * with runs on 2026-11-19 .. 22, made once per process as a template that
 * each test copies; the instants of Asia/Shanghai's local times; the job's
 * options as the tests start from them.
 *
 * Ownership: bfix_template() returns a name the module keeps; the
 * conninfo strings are the caller's. */
#ifndef RETENTIOND_BULLETIN_FIXTURE_H
#define RETENTIOND_BULLETIN_FIXTURE_H

#include "bulletin_job.h"

#include <check.h>

#include <stdbool.h>
#include <time.h>

#define BFIX_ZONE "Asia/Shanghai"
#define BFIX_FROM "客户保有日通报 <bulletin@retentiond.test>"

/* The template database (made on the first call, named after prefix and
 * the process): the demo province with the runs of the 19th to the 22nd. */
const char *bfix_template(const char *prefix);

/* A test program's main: suite run in one process with the host's zone
 * UTC (the schedule's is not), then the template dropped; the exit status
 * (1 when a test failed or the template could not be dropped). */
int bfix_run(Suite *suite);

/* The instant of a local time of November 2026 in Asia/Shanghai (UTC+8, no
 * DST). */
time_t bfix_shanghai(int day, int hour, int minute);

/* The job's options of a test: the zone, 08:00, a wait of 120 minutes, a
 * week of catch-up with one mailed, Chinese, a lease of 900 s, the bottom
 * five, one attempt per delivery, the archive in data_dir, `me` the
 * daemon's name (both borrowed). */
struct bulletin_job_opts bfix_opts(const char *data_dir, const char *me);

/* Removes a test's data directory and everything in it. */
void bfix_remove_dir(const char *dir);

#endif
