/* Integration: the bulletin archive's retention (bulletin.keep_days,
 * daemon/jobs/bulletin_prune.c) against a real database, the job's schedule
 * and the command. A demo province (seed 5, 3,000 subscribers) with runs on
 * 2026-11-19 .. 22, copied for each test; the province's bulletin of each
 * day archived by the job (the 19th, then the 20th to the 22nd after
 * downtime), a bulletin being three files.
 *
 * The job's instant is its parameter (Asia/Shanghai's 09:00 on the 22nd
 * with keep_days 1: the cutoff is the 21st, so the 19th and the 20th go);
 * the command runs on the real clock, so its --keep-days is counted from
 * today to the 21st. */
#include "archive_id.h"
#include "buf.h"
#include "bulletin_fixture.h"
#include "bulletin_job.h"
#include "bulletin_prune.h"
#include "bulletin_store.h"
#include "harness.h"
#include "sink.h"
#include "snap_load.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#define ZONE     BFIX_ZONE
#define PROVINCE "420000"

static char dbname[64], datadir[128], host[300], me[300];
static char *ci;
static struct db *db;
static struct snap *snap;
static struct bulletin_job *job;
static struct bulletin_job_opts opts;

/* ---- fixtures ---- */

static void setup(void)
{
    char err[300];
    snprintf(dbname, sizeof dbname, "rt_it_bprune_copy_%d", (int)getpid());
    ci = harness_copy_db(dbname, bfix_template("rt_it_bprune"));
    snprintf(datadir, sizeof datadir, "/tmp/rt_it_bprune_%d", (int)getpid());
    mkdir(datadir, 0700);
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(snap_build_db(db, 92, NULL, NULL, &snap));
    job = bulletin_job_new("Noto Sans CJK SC", 0, err, sizeof err);
    ck_assert_msg(job != NULL, "%s", err);
    /* this archive, as the command names it: its bulletins are the command's */
    ck_assert_msg(archive_me(datadir, me, sizeof me, err, sizeof err), "%s", err);
    archive_host(me, host, sizeof host);
    opts = bfix_opts(datadir, me);
    opts.keep_days = 0;
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

/* The province's bulletins of the 19th to the 22nd archived (no mail):
 * keep_days 0 while they are made. */
static void archive_four_days(void)
{
    int keep = opts.keep_days;
    opts.keep_days = 0;
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(19, 8, 30)));
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    opts.keep_days = keep;
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin WHERE branch_code = '" PROVINCE
                           "' AND pruned_at IS NULL"),
                     4);
}

static void path_of(const char *date, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/bulletins/%s/%s.v1.%s", datadir, date, PROVINCE, ext);
}

/* Whether the date's three files are there (all: true; none: false). */
static bool files_there(const char *date)
{
    static const char *const ext[] = {"html", "pdf", "png"};
    int n = 0;
    for (int f = 0; f < 3; f++) {
        char path[512];
        path_of(date, ext[f], path, sizeof path);
        n += access(path, F_OK) == 0;
    }
    ck_assert_msg(n == 0 || n == 3, "%s: %d of 3 files", date, n);
    return n == 3;
}

static bool dir_there(const char *date)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/bulletins/%s", datadir, date);
    return stat(path, &st) == 0;
}

static bool pruned(const char *date)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM kpi.bulletin WHERE as_of = '%s' AND pruned_at IS NOT NULL",
             date);
    return count(sql) > 0;
}

/* The recorded bytes of the date's province bulletin (its three files). */
static long recorded_bytes(const char *date)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT html_bytes + pdf_bytes + png_bytes FROM kpi.bulletin WHERE as_of = '%s'",
             date);
    return count(sql);
}

/* A prune of the archive in dir by the process named by, as the job makes
 * it at 09:00 on the 22nd (cutoff the 21st). */
static bool prune_of_at_22(const char *dir, const char *by, int keep_days, bool dry,
                           struct bprune_report *r)
{
    struct bprune_opts o = {.data_dir = dir,
                            .me = by,
                            .timezone = ZONE,
                            .send_at = "08:00",
                            .keep_days = keep_days,
                            .dry_run = dry};
    return bprune_run(db, &o, bfix_shanghai(22, 9, 0), r);
}

static bool prune_at_22(int keep_days, bool dry, struct bprune_report *r)
{
    return prune_of_at_22(datadir, me, keep_days, dry, r);
}

/* A file in the directory of date, made mtime seconds ago. */
static void put_file(const char *date, const char *name, time_t age)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bulletins/%s/%s", datadir, date, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("stray", f);
    fclose(f);
    struct utimbuf t = {.actime = time(NULL) - age, .modtime = time(NULL) - age};
    ck_assert_int_eq(utime(path, &t), 0);
}

static bool file_there(const char *date, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bulletins/%s/%s", datadir, date, name);
    return access(path, F_OK) == 0;
}

/* ---- what goes, what stays ---- */

/* keep_days 1 at 09:00 on the 22nd: the 19th's and the 20th's files and
 * directories are gone, their rows marked with their SHA-256 and sizes
 * as they were; the 21st and the 22nd are untouched. A second prune is a
 * no-op. */
START_TEST(old_dates_are_pruned_recent_ones_kept)
{
    archive_four_days();
    char *before = harness_text(db, "SELECT string_agg(as_of || html_sha256 || pdf_sha256"
                                    " || png_sha256 || html_bytes || pdf_bytes || png_bytes, ','"
                                    " ORDER BY as_of) FROM kpi.bulletin");
    long bytes = recorded_bytes("2026-11-19") + recorded_bytes("2026-11-20");
    struct bprune_report r;
    ck_assert(prune_at_22(1, false, &r));
    ck_assert(!r.busy);
    ck_assert_str_eq(r.cutoff, "2026-11-21");
    ck_assert_int_eq(r.bulletins, 2);
    ck_assert_int_eq(r.files, 6);
    ck_assert_int_eq(r.bytes, bytes);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_str_eq(r.dates[0].date, "2026-11-19");
    ck_assert_str_eq(r.dates[1].date, "2026-11-20");
    bprune_report_free(&r);
    ck_assert(!files_there("2026-11-19") && !dir_there("2026-11-19"));
    ck_assert(!files_there("2026-11-20") && !dir_there("2026-11-20"));
    ck_assert(pruned("2026-11-19") && pruned("2026-11-20"));
    ck_assert(files_there("2026-11-21") && files_there("2026-11-22"));
    ck_assert(!pruned("2026-11-21") && !pruned("2026-11-22"));
    char *after = harness_text(db, "SELECT string_agg(as_of || html_sha256 || pdf_sha256"
                                   " || png_sha256 || html_bytes || pdf_bytes || png_bytes, ','"
                                   " ORDER BY as_of) FROM kpi.bulletin");
    ck_assert_str_eq(before, after); /* the audit trail stays */
    char *when = harness_text(db, "SELECT string_agg(pruned_at::text, ',') FROM kpi.bulletin");
    /* again: nothing to do, nothing changed */
    ck_assert(prune_at_22(1, false, &r));
    ck_assert_int_eq(r.bulletins, 0);
    ck_assert_int_eq(r.files, 0);
    ck_assert_uint_eq(r.n, 0);
    bprune_report_free(&r);
    char *again = harness_text(db, "SELECT string_agg(pruned_at::text, ',') FROM kpi.bulletin");
    ck_assert_str_eq(when, again);
    ck_assert(files_there("2026-11-21") && files_there("2026-11-22"));
    free(before);
    free(after);
    free(when);
    free(again);
}
END_TEST

/* A bulletin with a delivery 'sending' (a claim another daemon left: taken
 * over after the lease and sent from these files) is kept, and said so;
 * a 'failed' delivery of an old date is final (no job tries it again) and
 * does not keep its bulletin. Once the claim is final, the next prune
 * removes it. */
START_TEST(a_pending_delivery_keeps_its_bulletin_until_it_is_final)
{
    archive_four_days();
    ck_assert(db_query(db,
                       "INSERT INTO kpi.bulletin_delivery (bulletin_id, address, status,"
                       " claimed_by, message_id) SELECT bulletin_id, 'zhao@hq.test', 'sending',"
                       " 'other:9', 'm1@test' FROM kpi.bulletin WHERE as_of = '2026-11-19'",
                       0, NULL, NULL));
    ck_assert(db_query(db,
                       "INSERT INTO kpi.bulletin_delivery (bulletin_id, address, status,"
                       " claimed_by, message_id, attempts, error) SELECT bulletin_id,"
                       " 'zhao@hq.test', 'failed', 'other:9', 'm2@test', 5, 'refused'"
                       " FROM kpi.bulletin WHERE as_of = '2026-11-20'",
                       0, NULL, NULL));
    struct bprune_report r;
    ck_assert(prune_at_22(1, false, &r));
    ck_assert_int_eq(r.bulletins, 1);
    ck_assert_int_eq(r.pending, 1);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_str_eq(r.dates[0].date, "2026-11-19");
    ck_assert_int_eq(r.dates[0].pending, 1);
    ck_assert_int_eq(r.dates[0].files, 0);
    bprune_report_free(&r);
    ck_assert(files_there("2026-11-19") && !pruned("2026-11-19"));
    ck_assert(!files_there("2026-11-20") && pruned("2026-11-20"));
    /* sent: final */
    ck_assert(db_query(db,
                       "UPDATE kpi.bulletin_delivery SET status = 'sent', attempts = 1,"
                       " sent_at = now() WHERE message_id = 'm1@test'",
                       0, NULL, NULL));
    ck_assert(prune_at_22(1, false, &r));
    ck_assert_int_eq(r.bulletins, 1);
    ck_assert_int_eq(r.pending, 0);
    bprune_report_free(&r);
    ck_assert(!files_there("2026-11-19") && pruned("2026-11-19"));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery"), 2); /* the trail */
}
END_TEST

/* The province's bulletin of date made by the process named by, its
 * files in dir. */
static void made_by(const char *date, const char *by, const char *dir)
{
    char from[512], to[512];
    const char *params[] = {by, date};
    ck_assert(db_query(db, "UPDATE kpi.bulletin SET generated_by = $1 WHERE as_of = $2::date", 2,
                       params, NULL));
    if (strcmp(dir, datadir) == 0)
        return;
    snprintf(to, sizeof to, "%s/bulletins", dir);
    mkdir(to, 0700);
    snprintf(from, sizeof from, "%s/bulletins/%s", datadir, date);
    snprintf(to, sizeof to, "%s/bulletins/%s", dir, date);
    ck_assert_int_eq(rename(from, to), 0);
}

/* Another archive's bulletins are not ours: another host's (generated_by
 * elsewhere.example:42), and another data directory's on this host (a
 * second daemon's, HOST/ITS_ID:PID: each marked the other's rows pruned
 * while the host alone named an archive, and the files stayed for ever in
 * the other's directory). Their rows stay unmarked and their files
 * untouched until their own archive prunes them. A row made before archive
 * identities (HOST:PID) is this host's, as it was. */
START_TEST(another_archives_bulletins_are_untouched)
{
    char other[160], other_me[300], owner[300], other_owner[300], err[300], pdf[512];
    snprintf(other, sizeof other, "%s-other", datadir);
    ck_assert_msg(archive_me(other, other_me, sizeof other_me, err, sizeof err), "%s", err);
    archive_owner(me, owner, sizeof owner);
    archive_owner(other_me, other_owner, sizeof other_owner);
    ck_assert_str_ne(other_owner, owner);
    archive_four_days();
    made_by("2026-11-19", "elsewhere.example:42", datadir);
    made_by("2026-11-20", other_me, other);
    snprintf(pdf, sizeof pdf, "%s/bulletins/2026-11-20/" PROVINCE ".v1.pdf", other);
    struct bprune_report r;
    ck_assert(prune_at_22(1, false, &r));
    ck_assert_int_eq(r.bulletins, 0);
    ck_assert_int_eq(r.files, 0);
    bprune_report_free(&r);
    ck_assert(files_there("2026-11-19") && !pruned("2026-11-19"));
    ck_assert(access(pdf, F_OK) == 0 && !pruned("2026-11-20"));
    /* the other daemon's prune takes its own, and only its own */
    ck_assert(prune_of_at_22(other, other_me, 1, false, &r));
    ck_assert_int_eq(r.bulletins, 1);
    ck_assert_int_eq(r.files, 3);
    bprune_report_free(&r);
    ck_assert(access(pdf, F_OK) != 0 && pruned("2026-11-20"));
    ck_assert(files_there("2026-11-19") && !pruned("2026-11-19"));
    ck_assert(files_there("2026-11-21") && files_there("2026-11-22"));
    /* made before identities, on this host: this host's */
    char legacy[320];
    snprintf(legacy, sizeof legacy, "%s:42", host);
    made_by("2026-11-19", legacy, datadir);
    ck_assert(prune_at_22(1, false, &r));
    ck_assert_int_eq(r.bulletins, 1);
    bprune_report_free(&r);
    ck_assert(!files_there("2026-11-19") && pruned("2026-11-19"));
    bfix_remove_dir(other);
}
END_TEST

/* keep_days 0: the job prunes nothing, whatever the dates. */
START_TEST(keep_days_0_keeps_every_bulletin)
{
    archive_four_days();
    opts.keep_days = 0;
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 9, 0)));
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(23, 8, 30)));
    struct bprune_report r;
    ck_assert(prune_at_22(0, false, &r));
    ck_assert_int_eq(r.bulletins + r.files, 0);
    bprune_report_free(&r);
    for (int day = 19; day <= 22; day++) {
        char date[11];
        snprintf(date, sizeof date, "2026-11-%d", day);
        ck_assert_msg(files_there(date) && !pruned(date), "%s", date);
    }
}
END_TEST

/* The job prunes once a local day, after its sends: a bulletin that became
 * prunable after the day's prune (its delivery sent) waits for the next
 * day, whatever the passes in between. */
START_TEST(the_job_prunes_once_a_day)
{
    archive_four_days();
    ck_assert(db_query(db,
                       "INSERT INTO kpi.bulletin_delivery (bulletin_id, address, status,"
                       " claimed_by, claimed_at, message_id) SELECT bulletin_id, 'zhao@hq.test',"
                       " 'sending', 'other:9', now(), 'm1@test' FROM kpi.bulletin"
                       " WHERE as_of = '2026-11-20'",
                       0, NULL, NULL));
    opts.keep_days = 1;
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 9, 0)));
    ck_assert(!files_there("2026-11-19") && pruned("2026-11-19"));
    ck_assert(files_there("2026-11-20") && !pruned("2026-11-20"));
    ck_assert(db_query(db,
                       "UPDATE kpi.bulletin_delivery SET status = 'sent', sent_at = now()"
                       " WHERE message_id = 'm1@test'",
                       0, NULL, NULL));
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 9, 0) + 30));
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 23, 59)));
    ck_assert(files_there("2026-11-20") && !pruned("2026-11-20"));
    /* the next local day (before its send_at too) */
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(23, 0, 1)));
    ck_assert(!files_there("2026-11-20") && pruned("2026-11-20"));
    ck_assert(files_there("2026-11-22")); /* the cutoff is the 22nd now */
}
END_TEST

/* A prune that died between its commit and the removal (rows marked, files
 * left): the next prune removes the files. Strays of the archive's own
 * names in an old date's directory go when a day old (not younger: it may
 * be a generation under way), never in a recent date's; a file of another
 * name is kept, and so is its directory. */
START_TEST(files_left_by_a_crash_are_removed_by_the_next_prune)
{
    archive_four_days();
    ck_assert(db_query(db,
                       "UPDATE kpi.bulletin SET pruned_at = now() WHERE as_of IN"
                       " ('2026-11-19', '2026-11-22')",
                       0, NULL, NULL));
    put_file("2026-11-19", "notes.txt", 3 * 86400);
    put_file("2026-11-20", PROVINCE ".v1.pdf.tmp.123.4", 2 * 86400);
    put_file("2026-11-20", PROVINCE ".v2.html", 2 * 86400);
    put_file("2026-11-20", PROVINCE ".v2.pdf.tmp.123.5", 60);
    put_file("2026-11-21", PROVINCE ".v1.png.tmp.123.6", 2 * 86400);
    struct bprune_report r;
    ck_assert(prune_at_22(1, false, &r));
    ck_assert_int_eq(r.bulletins, 1); /* the 20th; the 19th was marked already */
    ck_assert_int_eq(r.files, 3 + 5 + 3);
    bprune_report_free(&r);
    ck_assert(!files_there("2026-11-19") && file_there("2026-11-19", "notes.txt"));
    ck_assert(!files_there("2026-11-20"));
    ck_assert(!file_there("2026-11-20", PROVINCE ".v1.pdf.tmp.123.4"));
    ck_assert(!file_there("2026-11-20", PROVINCE ".v2.html"));
    ck_assert(file_there("2026-11-20", PROVINCE ".v2.pdf.tmp.123.5"));
    ck_assert(file_there("2026-11-21", PROVINCE ".v1.png.tmp.123.6") && files_there("2026-11-21"));
    /* a recent date's pruned bulletin (by hand, --keep-days): its files go */
    ck_assert(!files_there("2026-11-22") && !dir_there("2026-11-22"));
}
END_TEST

/* ---- the command ---- */

static char *prune_config(const char *extra)
{
    struct buf b = BUF_INIT;
    buf_printf(&b,
               "[database]\nconninfo = %s\n[daemon]\ndata_dir = %s\n"
               "[mail]\nsmtp_url = smtp://127.0.0.1:9\nfrom = %s\n[bulletin]\n%s",
               ci, datadir, BFIX_FROM, extra);
    char *path = harness_temp_file(b.data);
    buf_release(&b);
    return path;
}

/* The command on the real clock: --keep-days from today (in the zone) to
 * the 21st. */
static void keep_to_21st(char *out, size_t len)
{
    long days = count("SELECT (now() AT TIME ZONE '" ZONE "')::date - date '2026-11-21'");
    snprintf(out, len, "%ld", days);
}

/* Whether the line of text holding `where` holds `what` too. */
static bool line_has(const char *text, const char *where, const char *what)
{
    const char *at = strstr(text, where);
    ck_assert_msg(at != NULL, "no line with %s", where);
    while (at > text && at[-1] != '\n')
        at--;
    size_t len = strcspn(at, "\n");
    char *line = strndup(at, len);
    bool has = strstr(line, what) != NULL;
    free(line);
    return has;
}

static int run(const char *const *args, char **out, char **err)
{
    return harness_run(args, NULL, out, err);
}

/* --dry-run says what a prune would free and changes nothing; the prune
 * frees it, a line per date and the total, logs it and audits it; again it
 * is a no-op. The log shows the pruned bulletins; `--send` refuses a
 * pruned date. Bad input: one line on stderr, exit 2. */
START_TEST(the_command_prunes_and_its_dry_run_changes_nothing)
{
    char keep[16], line[200];
    archive_four_days();
    keep_to_21st(keep, sizeof keep);
    char *config = prune_config("");
    const char *dry[] = {"bulletin",  "prune",    "--keep-days", keep,
                         "--dry-run", "--config", config,        NULL};
    const char *real[] = {"bulletin", "prune", "--keep-days", keep, "--config", config, NULL};
    char *out = NULL, *err = NULL;
    long b19 = recorded_bytes("2026-11-19"), b20 = recorded_bytes("2026-11-20");
    put_file("2026-11-19", "a\"b\nc", 3 * 86400); /* not the archive's: kept, logged escaped */
    ck_assert_msg(run(dry, &out, &err) == 0, "%s", err);
    snprintf(line, sizeof line, "2026-11-19: 1 bulletins, 3 files, %ld bytes to free\n", b19);
    ck_assert_msg(strstr(out, line), "%s", out);
    snprintf(line, sizeof line, "total: 2 dates, 2 bulletins, 6 files, %ld bytes to free",
             b19 + b20);
    ck_assert_msg(strstr(out, line) && strstr(out, "dry run: nothing changed"), "%s", out);
    ck_assert_msg(!strstr(err, "bulletin archive pruned"), "%s", err);
    free(out);
    free(err);
    for (int day = 19; day <= 22; day++) {
        char date[11];
        snprintf(date, sizeof date, "2026-11-%d", day);
        ck_assert_msg(files_there(date) && !pruned(date), "the dry run changed %s", date);
    }
    ck_assert_msg(run(real, &out, &err) == 0, "%s", err);
    snprintf(line, sizeof line, "2026-11-20: 1 bulletins, 3 files, %ld bytes freed\n", b20);
    ck_assert_msg(strstr(out, line), "%s", out);
    snprintf(line, sizeof line, "total: 2 dates, 2 bulletins, 6 files, %ld bytes freed", b19 + b20);
    ck_assert_msg(strstr(out, line), "%s", out);
    snprintf(line, sizeof line, "msg=\"bulletin archive pruned\" keep_days=%s before=2026-11-21",
             keep);
    ck_assert_msg(strstr(err, line) && strstr(err, " files=6 "), "%s", err);
    ck_assert_msg(strstr(err, "msg=\"bulletin archive: a file it did not write is kept\" "
                              "date=2026-11-19 file=\"a\\\"b\\nc\"\n"),
                  "%s", err);
    free(out);
    free(err);
    ck_assert(!files_there("2026-11-19") && !files_there("2026-11-20") &&
              files_there("2026-11-21"));
    ck_assert(file_there("2026-11-19", "a\"b\nc") && !dir_there("2026-11-20"));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.audit_log WHERE action = 'bulletin_prune'"
                           " AND (params->>'files')::int = 6"),
                     1);
    ck_assert_msg(run(real, &out, &err) == 0, "%s", err);
    ck_assert_msg(strstr(out, "total: 0 dates, 0 bulletins, 0 files, 0 bytes freed"), "%s", out);
    free(out);
    free(err);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.audit_log WHERE action = 'bulletin_prune'"),
                     1);
    /* the log says since when a bulletin's files are gone */
    const char *log[] = {"bulletin", "log", "--db", ci, NULL};
    ck_assert_msg(run(log, &out, &err) == 0, "%s", err);
    ck_assert_msg(line_has(out, "bulletins/2026-11-19/", "  pruned 2026-"), "%s", out);
    ck_assert_msg(!line_has(out, "bulletins/2026-11-21/", "pruned"), "%s", out);
    free(out);
    free(err);
    /* a pruned date is not mailed again */
    const char *send[] = {"bulletin", "--date", "2026-11-19", "--send", "--config", config, NULL};
    ck_assert_int_eq(run(send, &out, &err), 1);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "pruned"), "%s", err);
    free(out);
    free(err);
    const char *bad[][8] = {
        {"bulletin", "prune", "--keep-days", "-1", "--config", config, NULL},
        {"bulletin", "prune", "--keep-days", "3661", "--config", config, NULL},
        {"bulletin", "prune", "--keep-days", "a quarter", "--config", config, NULL},
        {"bulletin", "prune", "--keep-days", "", "--config", config, NULL},
        {"bulletin", "prune", "--keep-days", NULL},
        {"bulletin", "log", "--dry-run", "--db", ci, NULL},
        {"bulletin", "prune", "--date", "2026-11-19", "--config", config, NULL},
        {"bulletin", "prune", "--config", "/nonexistent/retentiond.conf", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = run(bad[i], &out, &err);
        ck_assert_msg(rc == 2, "%s %s %s: exit %d", bad[i][1], bad[i][2], bad[i][3], rc);
        ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n') && strstr(err, "retentiond"),
                      "not one line: %s", err);
        free(out);
        free(err);
    }
    ck_assert(files_there("2026-11-21") && files_there("2026-11-22"));
    /* keep_days 0 in the configuration: nothing */
    char *forever = prune_config("keep_days = 0\n");
    const char *none[] = {"bulletin", "prune", "--config", forever, NULL};
    ck_assert_msg(run(none, &out, &err) == 0, "%s", err);
    ck_assert_msg(strstr(out, "nothing is pruned"), "%s", out);
    free(out);
    free(err);
    ck_assert(files_there("2026-11-21") && files_there("2026-11-22"));
    unlink(forever);
    free(forever);
    unlink(config);
    free(config);
}
END_TEST

/* ---- readers of the archive ---- */

/* /bulletins/D is drawn from the snapshot's run of D, never read from the
 * archive: a pruned date is served as before, the bytes the command
 * renders from the stored runs; a date without a run is the view's 404
 * naming date. /api/v1/bulletins gives pruned_at. */
START_TEST(a_pruned_date_is_still_served_from_its_run)
{
    struct harness_daemon d = {0};
    char config[1024];
    archive_four_days();
    struct bprune_report r;
    ck_assert(prune_at_22(1, false, &r));
    ck_assert_int_eq(r.files, 6);
    bprune_report_free(&r);
    snprintf(config, sizeof config,
             "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[database]\n"
             "conninfo = %s\n[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n",
             ci, datadir);
    char *path = harness_temp_file(config);
    ck_assert_msg(harness_daemon_start(&d, path, NULL), "%s", d.log ? d.log : "");
    ck_assert_msg(harness_daemon_wait_log(&d, "snapshot published", 20000), "%s", d.log);
    harness_sign_in(ci);
    char *body = NULL, *cli = NULL, *err = NULL;
    size_t len = 0;
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/bulletins/2026-11-19?branch=" PROVINCE, NULL,
                                      &body, &len, NULL),
                     200);
    const char *args[] = {"bulletin", "--date", "2026-11-19", "--branch", PROVINCE, "--format",
                          "html",     "--out",  "-",          "--db",     ci,       NULL};
    ck_assert_msg(harness_run(args, NULL, &cli, &err) == 0, "%s", err);
    ck_assert_uint_eq(len, strlen(cli));
    ck_assert_msg(memcmp(body, cli, len) == 0, "the served bulletin is not the run's");
    free(body);
    free(cli);
    free(err);
    ck_assert_int_eq(harness_http(d.port, "GET", "/bulletins/2020-01-01",
                                  "Accept: application/json", &body, NULL),
                     404);
    ck_assert_msg(strstr(body, "\"date\""), "%s", body);
    free(body);
    ck_assert_int_eq(
        harness_http(d.port, "GET", "/api/v1/bulletins?date=2026-11-19", NULL, &body, NULL), 200);
    json_t *list = json_loads(body, 0, NULL);
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_msg(json_is_string(json_object_get(json_array_get(list, 0), "pruned_at")), "%s",
                  body);
    json_decref(list);
    free(body);
    ck_assert_int_eq(
        harness_http(d.port, "GET", "/api/v1/bulletins?date=2026-11-21", NULL, &body, NULL), 200);
    list = json_loads(body, 0, NULL);
    ck_assert_msg(json_is_null(json_object_get(json_array_get(list, 0), "pruned_at")), "%s", body);
    json_decref(list);
    free(body);
    int rc = harness_daemon_stop(&d, SIGTERM, 30000); /* under the sanitizers, on a busy machine */
    ck_assert_msg(rc == 0, "exit %d: %s", rc, d.log);
    harness_http_auth(NULL);
    free(d.log);
    unlink(path);
    free(path);
}
END_TEST

/* A delivery of a pruned bulletin never happens: a failed one of the day
 * is not tried again once its bulletin is marked, and a claim of one
 * (which a prune never leaves: forced here) is recorded failed, not sent. */
START_TEST(a_pruned_bulletin_is_never_mailed)
{
    struct sink s;
    sink_start(&s, NULL);
    opts.smtp.url = s.url;
    harness_user_add(ci, "zhao", "executive", NULL, "a password nobody types");
    ck_assert(db_query(db, "UPDATE kpi.app_user SET email = 'zhao@hq.test' WHERE name = 'zhao'", 0,
                       NULL, NULL));
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 8, 30)));
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert(db_query(db, "UPDATE kpi.bulletin SET pruned_at = now()", 0, NULL, NULL));
    ck_assert(db_query(db,
                       "UPDATE kpi.bulletin_delivery SET status = 'failed',"
                       " claimed_at = now() - interval '1 hour'",
                       0, NULL, NULL));
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 10, 0)));
    ck_assert_int_eq(sink_count(&s), 1);
    /* not even claimed: the row as it was */
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'failed'"
                           " AND error IS NULL AND claimed_at < now() - interval '59 minutes'"),
                     1);
    char sql[400];
    snprintf(sql, sizeof sql,
             "UPDATE kpi.bulletin_delivery SET status = 'sending', claimed_by = '%s'", me);
    ck_assert(db_query(db, sql, 0, NULL, NULL));
    ck_assert(bulletin_job_tick(job, db, snap, &opts, bfix_shanghai(22, 10, 30)));
    ck_assert_int_eq(sink_count(&s), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.bulletin_delivery WHERE status = 'failed'"
                           " AND error LIKE '%pruned%'"),
                     1);
    sink_stop(&s);
}
END_TEST

static Suite *bulletin_prune_suite(void)
{
    Suite *s = suite_create("bulletin prune");
    TCase *tc = tcase_create("prune");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, old_dates_are_pruned_recent_ones_kept);
    tcase_add_test(tc, a_pending_delivery_keeps_its_bulletin_until_it_is_final);
    tcase_add_test(tc, another_archives_bulletins_are_untouched);
    tcase_add_test(tc, keep_days_0_keeps_every_bulletin);
    tcase_add_test(tc, the_job_prunes_once_a_day);
    tcase_add_test(tc, files_left_by_a_crash_are_removed_by_the_next_prune);
    tcase_add_test(tc, the_command_prunes_and_its_dry_run_changes_nothing);
    tcase_add_test(tc, a_pruned_date_is_still_served_from_its_run);
    tcase_add_test(tc, a_pruned_bulletin_is_never_mailed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bfix_run(bulletin_prune_suite());
}
