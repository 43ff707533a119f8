/* Integration: the daily bulletin's schedule, archive and deliveries
 * (daemon/jobs/) against a real database, a real SMTP server on loopback
 * (sink.h: aiosmtpd) and real daemons. A demo province (seed 5, 3,000
 * subscribers) with runs on 2026-11-19 .. 22, copied for each test.
 *
 * The schedule's instant is the job's parameter: the tests give the
 * instants of Asia/Shanghai's 00:30, 07:59 and 08:00 while the process runs
 * in UTC, and days of downtime; the daemons run on the real clock. */
#include "buf.h"
#include "bulletin_fixture.h"
#include "bulletin_job.h"
#include "bulletin_store.h"
#include "digest.h"
#include "file.h"
#include "harness.h"
#include "sink.h"
#include "snap_load.h"
#include "users.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZONE     BFIX_ZONE
#define PROVINCE "420000"
#define COUNTY   "420101" /* 江岸, its manager's */
#define COUNTY2  "420102" /* 江汉, an extra address's */

static char dbname[64], datadir[128];
static char *ci;
static struct db *db;
static struct snap *snap;
static struct bulletin_job *job;
static struct bulletin_job_opts opts;

/* ---- fixtures ---- */

static void reload_snapshot(void)
{
    snap_unref(snap);
    snap = NULL;
    ck_assert(snap_build_db(db, 92, NULL, NULL, &snap));
}

static void setup(void)
{
    char err[300];
    snprintf(dbname, sizeof dbname, "rt_it_bjob_copy_%d", (int)getpid());
    ci = harness_copy_db(dbname, bfix_template("rt_it_bjob"));
    snprintf(datadir, sizeof datadir, "/tmp/rt_it_bjob_%d", (int)getpid());
    mkdir(datadir, 0700);
    ck_assert(db_connect(ci, 0, &db));
    reload_snapshot();
    job = bulletin_job_new("Noto Sans CJK SC", 0, err, sizeof err);
    ck_assert_msg(job != NULL, "%s", err);
    opts = bfix_opts(datadir, "test:1");
}

static void teardown(void)
{
    bulletin_job_free(job);
    snap_unref(snap);
    snap = NULL;
    db_close(db);
    bfix_remove_dir(datadir);
    harness_drop_db(dbname);
    free(ci);
}

static long count(const char *sql)
{
    return harness_long(db, sql);
}

/* Recipients (each one more bulletin to draw, which the sanitizer build
 * pays for): the executive (the province's bulletin), 江岸's manager, an
 * extra address of 江汉. */
enum { EXEC = 1, MANAGER = 2, EXTRA = 4 };

static void add_recipients(unsigned who)
{
    bool exists = true;
    if (who & EXEC) {
        harness_user_add(ci, "zhao", "executive", NULL, "a password nobody types");
        ck_assert(db_query(db, "UPDATE kpi.app_user SET email = 'zhao@hq.test' WHERE name = 'zhao'",
                           0, NULL, NULL));
    }
    if (who & MANAGER) {
        harness_user_add(ci, "qian", "branch_manager", COUNTY, "a password nobody types");
        ck_assert(
            db_query(db, "UPDATE kpi.app_user SET email = 'qian@jiangan.test' WHERE name = 'qian'",
                     0, NULL, NULL));
    }
    if (who & EXTRA) {
        ck_assert(recipients_add(db, NULL, COUNTY2, "office@jianghan.test", &exists));
        ck_assert(!exists);
    }
}

/* The archived file of (date, branch, version) and its SHA-256 against the
 * record's. */
static void assert_archived(const char *date, const char *branch, int version)
{
    static const char *const ext[] = {"html", "pdf", "png"};
    for (int f = 0; f < 3; f++) {
        char path[512], sql[512], sha[65];
        snprintf(path, sizeof path, "%s/bulletins/%s/%s.v%d.%s", datadir, date, branch, version,
                 ext[f]);
        size_t len = 0;
        char *bytes = sink_read_file(path, &len);
        digest_sha256_hex(bytes, len, sha);
        snprintf(sql, sizeof sql,
                 "SELECT %s_sha256 FROM kpi.bulletin WHERE as_of = '%s' AND branch_code = '%s'"
                 " AND version = %d",
                 ext[f], date, branch, version);
        char *want = harness_text(db, sql);
        ck_assert_str_eq(sha, want);
        free(want);
        free(bytes);
    }
}

/* The archived PDF of (date, branch, version) says it corrects the
 * version before, and `says`; version 1's says neither. */
static void assert_correction_in_pdf(const char *date, const char *branch, int version,
                                     const char *says)
{
    for (int v = version - 1; v <= version; v++) {
        char path[512], err[200];
        unsigned char *bytes = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "%s/bulletins/%s/%s.v%d.pdf", datadir, date, branch, v);
        ck_assert_msg(file_read_all(path, 16u << 20, &bytes, &len, err, sizeof err), "%s", err);
        char *text = harness_pdf_text((const char *)bytes, len);
        bool corrected = strstr(text, "本版为更正版") && strstr(text, says);
        ck_assert_msg(corrected == (v == version), "version %d of %s: %s", v, branch, text);
        free(text);
        free(bytes);
    }
}

/* A data correction in the warehouse: the county's targets not yet
 * bundled sign on 2026-11-22; that date computed again and loaded. */
static void correct_county_contracts(void)
{
    ck_assert(db_query(db,
                       "INSERT INTO dw.bundle_contract (contract_id, sub_id, policy, signed_on)"
                       " SELECT 900000000 + row_number() OVER (), t.sub_id, 'family_plan',"
                       " '2026-11-22' FROM dw.bundle_target t WHERE t.branch_id ="
                       " (SELECT branch_id FROM dw.branch WHERE code = '" COUNTY "')"
                       " AND NOT EXISTS (SELECT 1 FROM dw.bundle_contract c"
                       "  WHERE c.sub_id = t.sub_id) LIMIT 40",
                       0, NULL, NULL));
    harness_compute(ci, "2026-11-22");
    reload_snapshot();
}

/* The newest message received for address: its facts (tree, subject,
 * text). */
static json_t *message_to(const struct sink *s, const char *address, const char *pdf_out)
{
    for (int i = sink_count(s); i >= 1; i--) {
        char path[128];
        json_t *f = mail_facts(sink_file(s, i, "eml", path), pdf_out);
        const char *to = json_string_value(json_object_get(f, "to_addr"));
        if (to && strcmp(to, address) == 0)
            return f;
        json_decref(f);
    }
    ck_abort_msg("no message to %s", address);
    return NULL;
}

/* ---- the schedule's date ---- */

/* Local dates in Asia/Shanghai while the process runs in UTC: 00:30 and
 * 07:59 on the 22nd are the 22nd's (the UTC date is the 21st), and the
 * 22nd's 08:00 bulletin is due from 08:00 local, not from 08:00 UTC. */
START_TEST(the_schedule_takes_the_date_in_the_configured_zone)
{
    char date[11];
    ck_assert_str_eq(getenv("TZ"), "UTC");
    ck_assert(bstore_due_date(db, bfix_shanghai(22, 0, 30), ZONE, "00:15", date));
    ck_assert_str_eq(date, "2026-11-22");
    ck_assert(bstore_due_date(db, bfix_shanghai(22, 0, 30), ZONE, "08:00", date));
    ck_assert_str_eq(date, "2026-11-21");
    ck_assert(bstore_due_date(db, bfix_shanghai(22, 7, 59), ZONE, "08:00", date));
    ck_assert_str_eq(date, "2026-11-21");
    ck_assert(bstore_due_date(db, bfix_shanghai(22, 7, 59), ZONE, "07:59", date));
    ck_assert_str_eq(date, "2026-11-22");
    ck_assert(bstore_due_date(db, bfix_shanghai(22, 8, 0), ZONE, "08:00", date));
    ck_assert_str_eq(date, "2026-11-22");
    /* the same instant in UTC is still the 21st, 23:59 */
    ck_assert(bstore_due_date(db, bfix_shanghai(22, 7, 59), "UTC", "08:00", date));
    ck_assert_str_eq(date, "2026-11-21");
    time_t deadline = 0;
    ck_assert(bstore_deadline(db, "2026-11-22", ZONE, "08:00", 120, &deadline));
    ck_assert_int_eq(deadline, bfix_shanghai(22, 10, 0));
}
END_TEST

/* At 07:59 local the job makes the 21st's bulletin (the 22nd's is not due);
 * at 08:00 the 22nd's. Each archived file is its recorded SHA-256; no mail
 * without mail.smtp_url. */
START_TEST(at_0759_the_day_before_at_0800_the_day)
{
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 7, 59)));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE as_of = '2026-11-21'"
                           " AND branch_code = '" PROVINCE "' AND version = 1 AND NOT mailed"),
                     1);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 0)));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE as_of = '2026-11-22'"
                           " AND data_as_of = '2026-11-22'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery"), 0);
    assert_archived("2026-11-21", PROVINCE, 1);
    assert_archived("2026-11-22", PROVINCE, 1);
    /* the same figures again: nothing new */
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 9, 0)));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin"), 2);
}
END_TEST

/* Three recipients, one pass at 08:30: each gets their own branch's
 * bulletin, once, in the expected shape (the image by its Content-ID, the
 * PDF opening), and the next pass sends nothing. */
START_TEST(each_recipient_gets_their_own_branch_bulletin_once)
{
    struct sink s;
    sink_start(&s, NULL);
    opts.smtp.url = s.url;
    add_recipients(EXEC | MANAGER | EXTRA);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert_int_eq(sink_count(&s), 3);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 9, 30)));
    ck_assert_int_eq(sink_count(&s), 3);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'sent'"
                           " AND attempts = 1 AND sent_at IS NOT NULL"),
                     3);
    assert_archived("2026-11-22", PROVINCE, 1);
    assert_archived("2026-11-22", COUNTY, 1);
    assert_archived("2026-11-22", COUNTY2, 1);
    char pdf[160];
    snprintf(pdf, sizeof pdf, "%s/qian.pdf", datadir);
    json_t *f = message_to(&s, "qian@jiangan.test", pdf);
    ck_assert_str_eq(json_string_value(json_object_get(f, "tree")),
                     "multipart/mixed[multipart/related[multipart/alternative[text/plain,"
                     "text/html],image/png],application/pdf]");
    const char *subject = json_string_value(json_object_get(f, "subject"));
    const char *text = json_string_value(json_object_get(f, "text"));
    ck_assert_msg(strstr(subject, "江岸") && strstr(subject, "2026-11-22"), "%s", subject);
    ck_assert_msg(strstr(text, "江岸分公司概况") && !strstr(text, "湖北省公司概况") &&
                      !strstr(text, "江汉分公司概况"),
                  "%s", text);
    json_t *cids = json_object_get(f, "html_cids");
    ck_assert_int_eq(json_array_size(cids), 1);
    ck_assert_str_eq(json_string_value(json_array_get(cids, 0)),
                     json_string_value(json_object_get(f, "image_cid")));
    json_decref(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' >/dev/null", pdf);
    ck_assert_int_eq(system(cmd), 0);
    /* the attachment a recipient passes on is the archived bulletin's
     * PDF, as `audit verify` says; one byte more is not */
    const char *verify[] = {"audit", "verify", pdf, "--db", ci, NULL};
    char *out = NULL;
    ck_assert_int_eq(harness_run(verify, NULL, &out, NULL), 0);
    ck_assert_msg(strstr(out, "archived as the PDF of the bulletin of 2026-11-22 for " COUNTY
                              ", version 1 (run ") &&
                      strchr(out, '\n') == strrchr(out, '\n'),
                  "%s", out);
    free(out);
    FILE *grown = fopen(pdf, "a");
    ck_assert_ptr_nonnull(grown);
    fputc('\n', grown);
    fclose(grown);
    ck_assert_int_eq(harness_run(verify, NULL, &out, NULL), 1);
    ck_assert_msg(strstr(out, ": not exported ("), "%s", out);
    free(out);
    f = message_to(&s, "zhao@hq.test", NULL);
    ck_assert_msg(strstr(json_string_value(json_object_get(f, "text")), "湖北省公司概况"),
                  "the executive's is the province's");
    json_decref(f);
    f = message_to(&s, "office@jianghan.test", NULL);
    ck_assert_msg(strstr(json_string_value(json_object_get(f, "subject")), "江汉"),
                  "the extra address gets 江汉's");
    json_decref(f);
    sink_stop(&s);
}
END_TEST

/* The 19th mailed; then two days down; at 08:30 on the 22nd the 20th, 21st
 * and 22nd are archived and only the 22nd mailed, once. */
START_TEST(after_two_missed_days_both_are_archived_and_the_newest_mailed_once)
{
    struct sink s;
    sink_start(&s, NULL);
    opts.smtp.url = s.url;
    add_recipients(EXEC);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(19, 8, 30)));
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert_int_eq(sink_count(&s), 2);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 9, 30)));
    ck_assert_int_eq(sink_count(&s), 2);
    ck_assert_int_eq(count("SELECT count(DISTINCT as_of) FROM kpi.bulletin"), 4);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE mailed"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE mailed"
                           " AND as_of IN ('2026-11-20', '2026-11-21')"),
                     0);
    for (int day = 20; day <= 22; day++) {
        char date[11];
        snprintf(date, sizeof date, "2026-11-%d", day);
        assert_archived(date, PROVINCE, 1);
    }
    json_t *f = message_to(&s, "zhao@hq.test", NULL);
    ck_assert_msg(strstr(json_string_value(json_object_get(f, "subject")), "2026-11-22"),
                  "the newest day is mailed");
    json_decref(f);
    sink_stop(&s);
}
END_TEST

/* The 23rd has no run: at 08:30 the job waits for it; past the deadline
 * (10:00) the bulletin goes out from the 22nd's run and says so at its
 * top. */
START_TEST(a_late_run_is_waited_for_then_the_bulletin_says_data_as_of)
{
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(23, 8, 30)));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin"), 0);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(23, 10, 1)));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE as_of = '2026-11-23'"
                           " AND data_as_of = '2026-11-22'"),
                     1);
    char path[512];
    snprintf(path, sizeof path, "bulletins/2026-11-23/%s.v1.html", PROVINCE);
    struct buf full = BUF_INIT;
    buf_printf(&full, "%s/%s", datadir, path);
    FILE *in = fopen(full.data, "rb");
    ck_assert_ptr_nonnull(in);
    char html[200000];
    size_t n = fread(html, 1, sizeof html - 1, in);
    html[n] = '\0';
    fclose(in);
    /* the date in the text held on one line (docs/bulletin.md) */
    ck_assert_msg(strstr(html, "数据截至 <span style=\"white-space:nowrap;\">2026-11-22</span>") &&
                      strstr(html, "日通报（2026-11-23）"),
                  "the late note or the date is missing");
    buf_release(&full);
}
END_TEST

/* The 22nd computed again without a change: nothing new. Then after a
 * correction: the next pass archives version 2 beside version 1 (kept as
 * it was) and mails it, once, its subject saying so. */
START_TEST(a_corrected_run_is_the_next_version_never_an_overwrite)
{
    struct sink s;
    sink_start(&s, NULL);
    opts.smtp.url = s.url;
    add_recipients(MANAGER);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert_int_eq(sink_count(&s), 1);
    char *v1 = harness_text(db, "SELECT html_sha256 FROM kpi.bulletin WHERE branch_code = '" COUNTY
                                "' AND version = 1");
    /* computed again with nothing changed: a new run, the same figures, so
     * no new version and no mail (only the run's number would differ) */
    harness_compute(ci, "2026-11-22");
    reload_snapshot();
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 10, 0)));
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE version = 2"), 0);
    /* nor after bulletin.lang changed: the same figures in another language
     * are no correction (they were a version 2 saying "corrected" over an
     * empty list of changes); the date's bulletin stays version 1's */
    opts.lang = "en";
    harness_compute(ci, "2026-11-22");
    reload_snapshot();
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 10, 30)));
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE version = 2"), 0);
    opts.lang = "zh";
    correct_county_contracts();
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 11, 0)));
    ck_assert_int_eq(sink_count(&s), 2);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 11, 30)));
    ck_assert_int_eq(sink_count(&s), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE version = 2"), 2);
    assert_archived("2026-11-22", COUNTY, 1);
    assert_archived("2026-11-22", COUNTY, 2);
    char *still =
        harness_text(db, "SELECT html_sha256 FROM kpi.bulletin WHERE branch_code = '" COUNTY
                         "' AND version = 1");
    ck_assert_str_eq(v1, still);
    json_t *f = message_to(&s, "qian@jiangan.test", NULL);
    const char *subject = json_string_value(json_object_get(f, "subject"));
    ck_assert_msg(strstr(subject, "江岸") && strstr(subject, "第 2 版"), "%s", subject);
    /* the attachment saved is told apart from version 1's too */
    const char *pdf = json_string_value(json_object_get(f, "pdf_filename"));
    ck_assert_msg(pdf && strstr(pdf, "-第2版.pdf"), "%s", pdf ? pdf : "(no PDF attached)");
    /* the body says so and what changed: the county's coverage, from
     * version 1's run to this one's, and its rank then (108: the counties
     * above 11.11 % in that run) and now */
    const char *text = json_string_value(json_object_get(f, "text"));
    ck_assert_msg(strstr(text, "（第 2 版，更正）") && strstr(text, "替换第 1 版") &&
                      strstr(text, "江岸分公司变动的数字：中高端客户捆绑到位率") &&
                      strstr(text, "11.11% → 88.89%") && strstr(text, "名次 108 → 5。"),
                  "%s", text);
    ck_assert_msg(strstr(json_string_value(json_object_get(f, "html")), "替换第 1 版"),
                  "the HTML does not say it is a correction");
    assert_correction_in_pdf("2026-11-22", COUNTY, 2, "江岸分公司变动的数字");
    assert_correction_in_pdf("2026-11-22", PROVINCE, 2, "排名中捆绑到位率变动的区县：江岸分公司");
    json_decref(f);
    free(v1);
    free(still);
    sink_stop(&s);
}
END_TEST

/* A correction whose replaced run's values are gone (pruned) cannot list
 * what changed: it says it corrects version 1 and that, not a list. */
START_TEST(a_correction_of_a_pruned_run_says_it_cannot_list_the_changes)
{
    struct sink s;
    sink_start(&s, NULL);
    opts.smtp.url = s.url;
    add_recipients(MANAGER);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert(db_query(db,
                       "DELETE FROM kpi.value WHERE run_id = (SELECT run_id FROM kpi.bulletin"
                       " WHERE branch_code = '" COUNTY "' AND version = 1)",
                       0, NULL, NULL));
    correct_county_contracts();
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 11, 0)));
    ck_assert_int_eq(sink_count(&s), 2);
    json_t *f = message_to(&s, "qian@jiangan.test", NULL);
    const char *text = json_string_value(json_object_get(f, "text"));
    ck_assert_msg(strstr(text, "替换第 1 版") && strstr(text, "无法列出变动的数字") &&
                      !strstr(text, "变动的数字："),
                  "%s", text);
    json_decref(f);
    sink_stop(&s);
}
END_TEST

/* Another release draws the same figures another way (here: version 1's
 * HTML digest changed under it): no new version, no mail. A version
 * archived before the figures' digest was recorded is compared by its HTML,
 * as then: the new drawing is version 2, once. */
START_TEST(a_new_layout_of_the_same_figures_is_not_a_version)
{
    struct sink s;
    sink_start(&s, NULL);
    opts.smtp.url = s.url;
    add_recipients(MANAGER);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert_int_gt(count("SELECT count(*) FROM kpi.bulletin"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin"
                           " WHERE figures_sha256 IS NULL OR figures_sha256 !~ '^[0-9a-f]{64}$'"),
                     0);
    ck_assert(db_query(db, "UPDATE kpi.bulletin SET html_sha256 = repeat('0', 64)", 0, NULL, NULL));
    harness_compute(ci, "2026-11-22");
    reload_snapshot();
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 10, 0)));
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE version = 2"), 0);
    ck_assert(db_query(db, "UPDATE kpi.bulletin SET figures_sha256 = NULL", 0, NULL, NULL));
    harness_compute(ci, "2026-11-22");
    reload_snapshot();
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 11, 0)));
    ck_assert_int_gt(count("SELECT count(*) FROM kpi.bulletin WHERE version = 2"), 0);
    ck_assert_int_eq(sink_count(&s), 2);
    sink_stop(&s);
}
END_TEST

struct late_server {
    struct sink *sink;
    int port, sleeps;
    long waited_ms;
};

/* The retry's wait: the SMTP server comes up during the first one. */
static void server_comes_up(void *ctx, long ms)
{
    struct late_server *l = ctx;
    char port[16];
    snprintf(port, sizeof port, "%d", l->port);
    const char *extra[] = {"--port", port, NULL};
    if (l->sleeps++ == 0)
        sink_start(l->sink, extra);
    l->waited_ms += ms;
}

/* SMTP down, then up: the delivery fails once (connection refused), is
 * tried again after the backoff, sent once, and the log says so. */
START_TEST(smtp_down_then_up_is_retried_and_sent_once)
{
    struct sink s = {0};
    struct late_server late = {.sink = &s, .port = sink_free_port()};
    char url[64];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", late.port);
    opts.smtp.url = url;
    opts.retry = (struct mail_retry){.max_attempts = 4,
                                     .first_delay_ms = 1000,
                                     .max_delay_ms = 8000,
                                     .sleep = server_comes_up,
                                     .sleep_ctx = &late};
    add_recipients(EXEC);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert_int_eq(late.sleeps, 1);
    ck_assert_int_eq(late.waited_ms, 1000);
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'sent'"), 1);
    ck_assert_int_eq(count("SELECT max(attempts) FROM kpi.bulletin_delivery"), 2);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 9, 30)));
    ck_assert_int_eq(sink_count(&s), 1);
    sink_stop(&s);
}
END_TEST

/* A failed delivery is sent when it is tried again after a recompute of its
 * date (the same figures, so no version 2) replaced its run in the
 * snapshot, from the archive on this host or, where the archive is not (a
 * daemon of another data directory took it over), drawn again from the
 * new run naming the archived one: the archived bytes either way. It was
 * "run N of the bulletin is no longer in the snapshot", failed for good. */
START_TEST(a_failed_delivery_outlives_a_recompute_of_its_date)
{
    char url[64], err[300] = "", moved[320], dir[300];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", sink_free_port());
    opts.smtp.url = url;
    add_recipients(MANAGER | EXTRA);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'failed'"),
                     2);
    harness_compute(ci, "2026-11-22");
    reload_snapshot();
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.run WHERE as_of = '2026-11-22'"), 2);
    /* 江汉's archive is not on this host */
    snprintf(dir, sizeof dir, "%s/bulletins/2026-11-22/" COUNTY2 ".v1.html", datadir);
    snprintf(moved, sizeof moved, "%s.elsewhere", dir);
    ck_assert_int_eq(rename(dir, moved), 0);
    struct sink s;
    sink_start(&s, NULL);
    opts.smtp.url = s.url;
    int sent = 0, failed = 0;
    ck_assert_msg(bulletin_job_send_date(job, db, snap, &opts, "2026-11-22",
                                         bfix_shanghai(22, 10, 0), &sent, &failed, err, sizeof err),
                  "%s", err);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE version = 2"), 0);
    ck_assert_msg(sent == 2 && failed == 0, "%d sent, %d failed: %s", sent, failed,
                  harness_text(db, "SELECT string_agg(coalesce(error, ''), '; ')"
                                   " FROM kpi.bulletin_delivery"));
    ck_assert_int_eq(sink_count(&s), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'sent'"), 2);
    ck_assert_int_eq(rename(moved, dir), 0);
    assert_archived("2026-11-22", COUNTY2, 1);
    sink_stop(&s);
}
END_TEST

/* ---- two daemons on one database ---- */

/* A daemon's configuration on port with mail through smtp_url, more
 * [mail] lines in mail (or ""). */
static char *daemon_config_with(const char *smtp_url, const char *dir, int port, const char *mail)
{
    struct buf b = BUF_INIT;
    mkdir(dir, 0700);
    buf_printf(&b,
               "[http]\nport = %d\nlisten = 127.0.0.1\n[database]\nconninfo = %s\n"
               "[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n"
               "[mail]\nsmtp_url = %s\nfrom = %s\nstarttls = 0\nretry_delay = 1\n%s"
               "[bulletin]\nsend_at = 00:00\nwait_minutes = 0\n",
               port, ci, dir, smtp_url, BFIX_FROM, mail);
    char *path = harness_temp_file(b.data);
    buf_release(&b);
    return path;
}

static char *daemon_config(const char *smtp_url, const char *dir)
{
    return daemon_config_with(smtp_url, dir, 0, "");
}

/* A daemon whose port is taken exits 1 having archived and mailed
 * nothing: it listens before its refresher and its schedule start (it had
 * mailed the day's bulletins, then failed to start). */
START_TEST(a_daemon_that_cannot_listen_sends_nothing)
{
    struct sink s;
    char dir[160];
    sink_start(&s, NULL);
    add_recipients(EXEC | MANAGER);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 4) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
    snprintf(dir, sizeof dir, "%s/taken", datadir);
    char *taken = daemon_config_with(s.url, dir, ntohs(a.sin_port), "");
    const char *args[] = {"serve", "--config", taken, NULL};
    char *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, NULL, &err), 1);
    ck_assert_msg(strstr(err, "cannot listen") && !strstr(err, "bulletin archived"), "%s", err);
    free(err);
    usleep(500000);
    ck_assert_int_eq(sink_count(&s), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin"), 0);
    close(fd);
    unlink(taken);
    free(taken);
    sink_stop(&s);
}
END_TEST

/* A data directory that cannot hold the archive's identity (its parent
 * is a file): the daemon serves, makes and mails no bulletin (none could
 * be archived) and says why once, whatever the passes; the command refuses
 * in one line. */
START_TEST(no_bulletin_without_the_archives_identity)
{
    struct sink s;
    struct harness_daemon d = {0};
    char file[160], dir[200];
    sink_start(&s, NULL);
    add_recipients(EXEC | MANAGER);
    snprintf(file, sizeof file, "%s/a-file", datadir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/data", file);
    char *config = daemon_config(s.url, dir);
    ck_assert_msg(harness_daemon_start(&d, config, NULL), "%s", d.log);
    ck_assert_msg(harness_daemon_wait_log(&d, "the archive has no identity", 30000), "%s", d.log);
    for (int i = 0; i < 2; i++) {
        kill(d.pid, SIGUSR1);
        harness_daemon_wait_log(&d, "never appears", 1500);
    }
    int said = 0;
    for (const char *p = d.log; (p = strstr(p, "the archive has no identity")); p++)
        said++;
    ck_assert_msg(said == 1, "said %d times:\n%s", said, d.log);
    ck_assert_ptr_null(strstr(d.log, "bulletin archived"));
    char *health = NULL;
    ck_assert_int_eq(harness_http(d.port, "GET", "/healthz", NULL, &health, NULL), 200);
    free(health);
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin"), 0);
    ck_assert_int_eq(sink_count(&s), 0);
    const char *send[] = {"bulletin", "--date", "2026-11-22", "--send", "--config", config, NULL};
    const char *prune[] = {"bulletin", "prune", "--config", config, NULL};
    const char *const *commands[] = {send, prune};
    for (int i = 0; i < 2; i++) {
        char *out = NULL, *err = NULL;
        ck_assert_int_eq(harness_run(commands[i], NULL, &out, &err), 1);
        ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "a-file/data"),
                      "%s: not one line naming the directory: %s", commands[i][1], err);
        free(out);
        free(err);
    }
    /* a data directory whose parent is missing (a typo): refused the
     * same way, and no tree made for it (its parents were created, and a
     * second archive grew there) */
    char missing[200];
    snprintf(missing, sizeof missing, "%s/no-such/data", datadir);
    char *typo = daemon_config(s.url, missing);
    const char *again[] = {"bulletin", "--date", "2026-11-22", "--send", "--config", typo, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(again, NULL, &out, &err), 1);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "its parent must exist"),
                  "%s", err);
    *strrchr(missing, '/') = '\0';
    ck_assert_int_ne(access(missing, F_OK), 0);
    free(out);
    free(err);
    unlink(typo);
    free(typo);
    free(d.log);
    unlink(config);
    free(config);
    sink_stop(&s);
}
END_TEST

/* A stop while a server takes its time (it accepts and never answers):
 * the daemon ends within seconds, not after every attempt of every
 * recipient (it took 298 s), and leaves the mail for the next start, which
 * sends it at once, once. */
START_TEST(a_stop_cuts_the_mail_under_way_and_leaves_it)
{
    struct sink slow, ok;
    struct harness_daemon d = {0}, next = {0};
    char dir[160];
    sink_start(&slow, (const char *const[]){"--mode", "silent", NULL});
    add_recipients(EXEC | MANAGER);
    snprintf(dir, sizeof dir, "%s/stop", datadir);
    char *config = daemon_config_with(slow.url, dir, 0, "timeout = 30\n");
    ck_assert_msg(harness_daemon_start(&d, config, NULL), "%s", d.log);
    ck_assert(harness_daemon_wait_log(&d, "bulletin archived", 60000));
    sleep(1); /* in the first session, waiting on the server */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_msg(t1.tv_sec - t0.tv_sec < 8, "the stop took %ld s", (long)(t1.tv_sec - t0.tv_sec));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'sending'"
                           " AND claimed_at = '-infinity'"),
                     2);
    sink_start(&ok, NULL);
    char *again = daemon_config_with(ok.url, dir, 0, "");
    ck_assert_msg(harness_daemon_start(&next, again, NULL), "%s", next.log);
    for (int tries = 0; tries < 600 && sink_count(&ok) < 2; tries++)
        usleep(100000);
    ck_assert_int_eq(sink_count(&ok), 2);
    ck_assert_int_eq(harness_daemon_stop(&next, SIGTERM, 10000), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'sent'"), 2);
    free(d.log);
    free(next.log);
    unlink(config);
    unlink(again);
    free(config);
    free(again);
    sink_stop(&ok);
    sink_stop(&slow);
}
END_TEST

/* A refused login (a wrong mail.password) is tried once a pass, not once
 * per recipient (36 refused logins in a row can lock the account): the
 * rest fail as not tried, to be tried with the failed ones later. */
START_TEST(a_refused_login_is_tried_once)
{
    struct sink s;
    sink_start(&s, (const char *const[]){"--auth", "mailer:right", NULL});
    add_recipients(EXEC | MANAGER);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    char *config = daemon_config_with(s.url, datadir, 0, "user = mailer\npassword = wrong\n");
    const char *send[] = {"bulletin", "--date", "2026-11-22", "--send", "--config", config, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(send, NULL, &out, &err), 1);
    ck_assert_msg(strstr(out, "0 sent, 2 failed"), "%s / %s", out, err);
    free(out);
    free(err);
    ck_assert_int_eq(sink_count(&s), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'failed'"
                           " AND attempts = 1"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'failed'"
                           " AND attempts = 0 AND error LIKE 'not tried: %login%'"),
                     1);
    unlink(config);
    free(config);
    sink_stop(&s);
}
END_TEST

/* Two daemons start together on one database with two recipients: each
 * bulletin is archived once, each recipient gets one message; the log
 * (API and command) shows the deliveries, the API within the reader's
 * scope. Today's run is missing and wait_minutes is 0: the bulletins are
 * today's, from the 22nd's run. */
START_TEST(two_daemons_on_one_database_send_once)
{
    struct sink s;
    struct harness_daemon d[2] = {0};
    char dirs[2][160], *config[2];
    sink_start(&s, NULL);
    add_recipients(EXEC | MANAGER);
    for (int i = 0; i < 2; i++) {
        snprintf(dirs[i], sizeof dirs[i], "%s/daemon%d", datadir, i);
        config[i] = daemon_config(s.url, dirs[i]);
    }
    for (int i = 0; i < 2; i++)
        ck_assert_msg(harness_daemon_start(&d[i], config[i], NULL), "%s", d[i].log);
    for (int tries = 0; tries < 600 && sink_count(&s) < 2; tries++)
        usleep(100000);
    for (int i = 0; i < 2; i++)
        harness_daemon_wait_log(&d[i], "bulletin", 3000);
    ck_assert_int_eq(sink_count(&s), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE version = 1"
                           " AND data_as_of = '2026-11-22' AND as_of > '2026-11-22'"),
                     2);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'sent'"), 2);
    /* the log: the executive sees both bulletins, 江岸's manager his own */
    harness_user_add(ci, "sun", "branch_manager", COUNTY, "a password nobody types");
    char *exec = harness_token_add(ci, "zhao"), *mgr = harness_token_add(ci, "sun");
    char auth[200], *body = NULL;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", exec);
    ck_assert_int_eq(harness_http(d[0].port, "GET", "/api/v1/bulletins", auth, &body, NULL), 200);
    json_t *all = json_loads(body, 0, NULL);
    ck_assert_int_eq(json_array_size(all), 2);
    json_decref(all);
    free(body);
    /* the province's alone (subtree=false, as the reports page asks) */
    ck_assert_int_eq(harness_http(d[0].port, "GET",
                                  "/api/v1/bulletins?branch=" PROVINCE "&subtree=false", auth,
                                  &body, NULL),
                     200);
    all = json_loads(body, 0, NULL);
    ck_assert_msg(json_array_size(all) == 1 &&
                      strcmp(json_string_value(json_object_get(json_array_get(all, 0), "branch")),
                             PROVINCE) == 0,
                  "%s", body);
    json_decref(all);
    free(body);
    ck_assert_int_eq(
        harness_http(d[0].port, "GET", "/api/v1/bulletins?subtree=maybe", auth, &body, NULL), 400);
    ck_assert_msg(strstr(body, "\"subtree\""), "%s", body);
    free(body);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", mgr);
    ck_assert_int_eq(harness_http(d[1].port, "GET", "/api/v1/bulletins", auth, &body, NULL), 200);
    json_t *own = json_loads(body, 0, NULL);
    ck_assert_int_eq(json_array_size(own), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(own, 0), "branch")), COUNTY);
    json_t *dl = json_object_get(json_array_get(own, 0), "deliveries");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(dl, 0), "status")), "sent");
    /* the archive's internals (a host, a process, a file) are not a
     * branch manager's: null; an auditor's (and an administrator's) */
    ck_assert_msg(json_is_null(json_object_get(json_array_get(own, 0), "generated_by")) &&
                      json_is_null(json_object_get(json_array_get(own, 0), "path")) &&
                      json_is_null(json_object_get(json_array_get(dl, 0), "claimed_by")),
                  "%s", body);
    json_decref(own);
    free(body);
    harness_user_add(ci, "li", "auditor", NULL, "a password nobody types");
    char *audit = harness_token_add(ci, "li"), auth_audit[200];
    snprintf(auth_audit, sizeof auth_audit, "Authorization: Bearer %s", audit);
    ck_assert_int_eq(
        harness_http(d[1].port, "GET", "/api/v1/bulletins?branch=" COUNTY, auth_audit, &body, NULL),
        200);
    own = json_loads(body, 0, NULL);
    dl = json_object_get(json_array_get(own, 0), "deliveries");
    ck_assert_msg(json_string_value(json_object_get(json_array_get(own, 0), "generated_by")) &&
                      json_string_value(json_object_get(json_array_get(own, 0), "path")) &&
                      json_string_value(json_object_get(json_array_get(dl, 0), "claimed_by")),
                  "%s", body);
    json_decref(own);
    free(body);
    free(audit);
    ck_assert_int_eq(
        harness_http(d[1].port, "GET", "/api/v1/bulletins?branch=" COUNTY2, auth, &body, NULL),
        403);
    free(body);
    ck_assert_int_eq(harness_http(d[1].port, "GET", "/api/v1/bulletins?limit=0", auth, &body, NULL),
                     400);
    ck_assert_msg(strstr(body, "\"limit\""), "%s", body);
    free(body);
    const char *args[] = {"bulletin", "log", "--db", ci, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, &out, &err), 0);
    ck_assert_msg(strstr(out, "sent    qian@jiangan.test attempts 1") &&
                      !strstr(out, "no bulletin"),
                  "%s", out);
    free(out);
    free(err);
    /* the daemon's configuration names the database (--config was taken
     * and ignored: libpq's defaults) */
    const char *configured[] = {"bulletin", "log", "--config", config[0], NULL};
    ck_assert_msg(harness_run(configured, NULL, &out, &err) == 0, "%s", err);
    ck_assert_msg(strstr(out, "sent    qian@jiangan.test attempts 1"), "%s", out);
    free(out);
    free(err);
    /* a date without one says so (it printed nothing) */
    const char *none[] = {"bulletin", "log", "--date", "2020-01-01", "--db", ci, NULL};
    ck_assert_int_eq(harness_run(none, NULL, &out, &err), 0);
    ck_assert_str_eq(out, "no bulletin recorded for 2020-01-01\n");
    free(out);
    free(err);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(harness_daemon_stop(&d[i], SIGTERM, 10000), 0);
        free(d[i].log);
        unlink(config[i]);
        free(config[i]);
    }
    free(exec);
    free(mgr);
    sink_stop(&s);
}
END_TEST

/* A bulletin archived before mail was configured is mailed by `bulletin
 * --send`, once to a mailbox given in two cases; once more sends nothing;
 * bad input is one line and a non-zero exit. */
START_TEST(the_command_sends_once_and_refuses_bad_input)
{
    struct sink s;
    sink_start(&s, NULL);
    add_recipients(EXEC);
    /* the executive's address again, in other cases: one mailbox, one
     * message; and once more: already there */
    bool exists = true;
    ck_assert(recipients_add(db, NULL, PROVINCE, "Zhao@HQ.test", &exists));
    ck_assert(!exists);
    ck_assert(recipients_add(db, NULL, PROVINCE, "ZHAO@hq.TEST", &exists));
    ck_assert(exists);
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE NOT mailed"), 1);
    char *config = daemon_config(s.url, datadir);
    const char *send[] = {"bulletin", "--date", "2026-11-22", "--send", "--config", config, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_msg(harness_run(send, NULL, &out, &err) == 0, "%s", err);
    ck_assert_str_eq(out, "bulletin 2026-11-22: 1 sent, 0 failed\n");
    free(out);
    free(err);
    ck_assert_msg(harness_run(send, NULL, &out, &err) == 0, "%s", err);
    ck_assert_str_eq(out, "bulletin 2026-11-22: 0 sent, 0 failed\n");
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE mailed AND version = 1"), 1);
    free(out);
    free(err);
    /* a date before every run: a failure (exit 1) said in one line, not the
     * job's log line as well */
    const char *early[] = {"bulletin", "--date", "2020-01-01", "--send", "--config", config, NULL};
    ck_assert_int_eq(harness_run(early, NULL, &out, &err), 1);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "no compute run"),
                  "not one line: %s", err);
    free(out);
    free(err);
    /* a past date never computed, with runs after it (a gap, or a typo):
     * refused in one line naming the run its bulletins would show, nothing
     * archived or mailed */
    ck_assert(db_query(db, "DELETE FROM kpi.run WHERE as_of = '2026-11-20'", 0, NULL, NULL));
    const char *gap[] = {"bulletin", "--date", "2026-11-20", "--send", "--config", config, NULL};
    ck_assert_int_eq(harness_run(gap, NULL, &out, &err), 1);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') &&
                      strstr(err, "no compute run of 2026-11-20, and later runs exist: its "
                                  "bulletins would show the figures of 2026-11-19"),
                  "%s", err);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE as_of = '2026-11-20'"), 0);
    ck_assert_int_eq(sink_count(&s), 1);
    free(out);
    free(err);
    /* asked for a file of it: the line says how to compute the date */
    char none[600];
    snprintf(none, sizeof none, "%s/none.html", datadir);
    const char *file[] = {"bulletin", "--date", "2020-01-01", "--format", "html",
                          "--out",    none,     "--db",       ci,         NULL};
    ck_assert_int_eq(harness_run(file, NULL, &out, &err), 1);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') &&
                      strstr(err, "no compute run for 2020-01-01 (retentiond compute --as-of "
                                  "2020-01-01 computes it)"),
                  "%s", err);
    ck_assert_int_eq(access(none, F_OK), -1);
    free(out);
    free(err);
    const char *bad[][8] = {
        {"bulletin", "recipients", "add", COUNTY, "not an address", "--db", ci, NULL},
        {"bulletin", "recipients", "add", COUNTY, "a@b.test\r\nBcc: c@d.test", "--db", ci, NULL},
        {"bulletin", "recipients", "add", "999999", "a@b.test", "--db", ci, NULL},
        {"bulletin", "recipients", "remove", COUNTY, "a@b.test\nx", "--db", ci, NULL},
        {"bulletin", "log", "--branch", "999999", "--db", ci, NULL},
        {"bulletin", "--date", "2026-13-01", "--send", NULL},
        {"bulletin", "log", "--limit", "0", NULL},
        {"bulletin", "recipients", "add", COUNTY, NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = harness_run(bad[i], NULL, &out, &err);
        ck_assert_msg(rc == 2, "%s %s: exit %d", bad[i][1], bad[i][2], rc);
        ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "retentiond"),
                      "not one line: %s", err);
        free(out);
        free(err);
    }
    /* an extra address added, added again, removed: the two changes are
     * audited (who may receive which branch's figures), the no-op is not */
    const char *add[] = {"bulletin",         "recipients", "add", COUNTY,
                         "desk@county.test", "--db",       ci,    NULL};
    const char *drop[] = {"bulletin",         "recipients", "remove", COUNTY,
                          "DESK@county.test", "--db",       ci,       NULL};
    const char *const *steps[] = {add, add, drop};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_msg(harness_run(steps[i], NULL, &out, &err) == 0, "%s", err);
        free(out);
        free(err);
    }
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.audit_log WHERE action ="
                           " 'bulletin_recipient_add' AND params->>'address' = 'desk@county.test'"),
                     1);
    /* the removal names the address as stored, not as typed */
    ck_assert_int_eq(
        count("SELECT count(*) FROM kpi.audit_log WHERE action ="
              " 'bulletin_recipient_remove' AND params->>'address' = 'desk@county.test'"),
        1);
    /* any address listed can be removed: one an earlier version let in
     * (non-ASCII, which add refuses now), one of a branch gone from the
     * warehouse */
    ck_assert(db_query(db,
                       "INSERT INTO kpi.bulletin_recipient (branch_code, address) VALUES"
                       " ('" COUNTY "', '张三@县.test'), ('999999', 'old@gone.test')",
                       0, NULL, NULL));
    const char *legacy[][8] = {
        {"bulletin", "recipients", "add", COUNTY, "李@x.test", "--db", ci, NULL},
        {"bulletin", "recipients", "remove", COUNTY, "张三@县.test", "--db", ci, NULL},
        {"bulletin", "recipients", "remove", "999999", "old@gone.test", "--db", ci, NULL},
    };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(harness_run(legacy[i], NULL, &out, &err), i == 0 ? 2 : 0);
        ck_assert_msg(i == 0 || strstr(out, "removed"), "%s %s", out, err);
        free(out);
        free(err);
    }
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_recipient"
                           " WHERE address IN ('张三@县.test', 'old@gone.test', '李@x.test')"),
                     0);
    unlink(config);
    free(config);
    sink_stop(&s);
}
END_TEST

/* The PDFs and PNGs of a date are drawn on the job's threads: with three
 * threads (batches of 12) and 14 bulletins, every archived file is its
 * record's, and the same bytes as a one-thread job's on a copy of the
 * database, in the same order of records. */
START_TEST(bulletins_drawn_on_threads_are_the_bytes_of_one_thread)
{
    char err[300], name2[64], dir2[160];
    struct db *db2 = NULL;
    bool exists = true;
    snprintf(name2, sizeof name2, "rt_it_bjob_one_%d", (int)getpid());
    char *ci2 = harness_copy_db(name2, bfix_template("rt_it_bjob"));
    ck_assert(db_connect(ci2, 0, &db2));
    char *codes = harness_text(db, "SELECT string_agg(code, ' ' ORDER BY code) FROM"
                                   " (SELECT code FROM dw.branch WHERE level = 2"
                                   "  ORDER BY code LIMIT 13) b");
    char *save = NULL;
    int n = 0;
    for (char *c = strtok_r(codes, " ", &save); c; c = strtok_r(NULL, " ", &save), n++) {
        char addr[64];
        snprintf(addr, sizeof addr, "office%d@branch.test", n);
        ck_assert(recipients_add(db, NULL, c, addr, &exists));
        ck_assert(recipients_add(db2, NULL, c, addr, &exists));
    }
    free(codes);
    ck_assert_int_eq(n, 13);
    struct bulletin_job *three = bulletin_job_new("Noto Sans CJK SC", 3, err, sizeof err);
    struct bulletin_job *one = bulletin_job_new("Noto Sans CJK SC", 1, err, sizeof err);
    ck_assert_msg(three && one, "%s", err);
    ck_assert(bulletin_job_tick(three, db, snap, &opts, bfix_shanghai(22, 8, 0)));
    struct bulletin_job_opts o2 = opts;
    snprintf(dir2, sizeof dir2, "%s/one", datadir);
    mkdir(dir2, 0700);
    o2.data_dir = dir2;
    ck_assert(bulletin_job_tick(one, db2, snap, &o2, bfix_shanghai(22, 8, 0)));
    const char *q = "SELECT string_agg(branch_code || ' ' || html_sha256 || ' ' || pdf_sha256"
                    " || ' ' || png_sha256, ',' ORDER BY bulletin_id) FROM kpi.bulletin"
                    " WHERE as_of = '2026-11-22'";
    char *threaded = harness_text(db, q), *single = harness_text(db2, q);
    ck_assert_str_eq(threaded, single);
    free(threaded);
    free(single);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE as_of = '2026-11-22'"), 14);
    char *branches = harness_text(db, "SELECT string_agg(branch_code, ' ') FROM kpi.bulletin"
                                      " WHERE as_of = '2026-11-22'");
    save = NULL;
    for (char *c = strtok_r(branches, " ", &save); c; c = strtok_r(NULL, " ", &save))
        assert_archived("2026-11-22", c, 1);
    free(branches);
    bulletin_job_free(three);
    bulletin_job_free(one);
    db_close(db2);
    harness_drop_db(name2);
    free(ci2);
}
END_TEST

static Suite *bulletin_job_suite(void)
{
    Suite *s = suite_create("bulletin job");
    TCase *tc = tcase_create("job");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, the_schedule_takes_the_date_in_the_configured_zone);
    tcase_add_test(tc, at_0759_the_day_before_at_0800_the_day);
    tcase_add_test(tc, each_recipient_gets_their_own_branch_bulletin_once);
    tcase_add_test(tc, after_two_missed_days_both_are_archived_and_the_newest_mailed_once);
    tcase_add_test(tc, a_late_run_is_waited_for_then_the_bulletin_says_data_as_of);
    tcase_add_test(tc, a_corrected_run_is_the_next_version_never_an_overwrite);
    tcase_add_test(tc, a_correction_of_a_pruned_run_says_it_cannot_list_the_changes);
    tcase_add_test(tc, a_failed_delivery_outlives_a_recompute_of_its_date);
    tcase_add_test(tc, a_new_layout_of_the_same_figures_is_not_a_version);
    tcase_add_test(tc, smtp_down_then_up_is_retried_and_sent_once);
    tcase_add_test(tc, a_daemon_that_cannot_listen_sends_nothing);
    tcase_add_test(tc, no_bulletin_without_the_archives_identity);
    tcase_add_test(tc, a_stop_cuts_the_mail_under_way_and_leaves_it);
    tcase_add_test(tc, a_refused_login_is_tried_once);
    tcase_add_test(tc, two_daemons_on_one_database_send_once);
    tcase_add_test(tc, the_command_sends_once_and_refuses_bad_input);
    tcase_add_test(tc, bulletins_drawn_on_threads_are_the_bytes_of_one_thread);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bfix_run(bulletin_job_suite());
}
