/* The daily bulletin's job (docs/bulletin.md): what the schedule does at a
 * given instant, and what `retentiond bulletin --send` does for one date.
 *
 * For a date D (in the configured zone): the bulletin of the province and
 * of every branch with a recipient, from the newest run of D (or, past
 * D's deadline, the newest run before it, with a visible "data as of"
 * note); each compared with its newest archived version by the SHA-256 of
 * its HTML: unchanged is left alone, new or changed is the next version,
 * archived (HTML, PDF, PNG: temporary name, fsync, rename) and recorded in
 * one transaction under the date's advisory lock, with a delivery claimed
 * for each of its recipients when D is to be mailed. Then every delivery
 * this process holds (and any other daemon's claim past its lease) is
 * sent: the archived bytes (checked against their SHA-256; rebuilt from
 * the snapshot when this host does not hold them), one message per
 * recipient, with retries; the outcome is recorded.
 *
 * The schedule at instant T: D = the newest local date whose send_at has
 * passed; the dates after the newest archived one up to D (at most
 * catch_up_days of them; D alone when nothing was ever archived) are
 * generated, and the newest catch_up_send of those are mailed. A version
 * already archived unmailed is mailed when it is to be (mail configured
 * since, a recipient added). D's failed deliveries are tried again every
 * 30 minutes. Once a local day, after its sends, the pass prunes the
 * archive (bulletin_prune.h) when keep_days is set.
 *
 * The PDFs and PNGs of a date are drawn on the job's threads (a render
 * context each), a few bulletins per thread at a time; the database and
 * the archive stay on the caller's thread, in the targets' order, so the
 * files, records and log lines are those of one thread.
 *
 * Ownership: options and snapshots are borrowed for each call; a struct
 * bulletin_job (its fonts and render contexts, what it last generated) is
 * the caller's, freed with bulletin_job_free(). One thread uses a job at a
 * time. */
#ifndef RETENTIOND_BULLETIN_JOB_H
#define RETENTIOND_BULLETIN_JOB_H

#include "cfg.h"
#include "db.h"
#include "mail_retry.h"
#include "mail_smtp.h"
#include "snap.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct bulletin_job_opts {
    const char *timezone, *send_at;
    int wait_minutes, catch_up_days, catch_up_send;
    const char *lang;       /* zh|en */
    size_t png_bytes;       /* the MMS image's budget */
    const char *public_url; /* "" or NULL: no link past the size budget */
    int lease;              /* seconds */
    int bottom_n;
    const char *data_dir; /* the archive is data_dir/bulletins/DATE/CODE.vN.{html,pdf,png} */
    const char *me;       /* this process, host:pid, in the claims and records */
    int keep_days;        /* bulletin.keep_days: the archive's retention, 0 = for ever */
    /* mail: smtp.url "" or NULL = archive only */
    struct mail_smtp_opts smtp;
    struct mail_retry retry;
    size_t max_bytes;
};

/* The options of cfg's [bulletin], [mail] and daemon settings (pointing
 * into cfg, which must outlive them); retries sleep with nanosleep. */
void bulletin_job_opts_from_cfg(const struct cfg *cfg, const char *me, struct bulletin_job_opts *o);

struct bulletin_job;

/* A job drawing with font family `font` on `threads` threads (at most 64;
 * 0 or less: one per online core, at most 8); NULL with a reason in err. */
struct bulletin_job *bulletin_job_new(const char *font, int threads, char *err, size_t errlen);
void bulletin_job_free(struct bulletin_job *j);

/* The schedule's pass at `now` over snapshot s. False when something
 * failed (logged); what succeeded stays done. */
bool bulletin_job_tick(struct bulletin_job *j, struct db *db, const struct snap *s,
                       const struct bulletin_job_opts *o, time_t now);

/* Date D generated (as the schedule would, deadline included) and mailed,
 * failed deliveries of D tried again. *sent and *failed (may be NULL)
 * count the deliveries made. False with a reason in err; refused for a
 * date whose bulletins were pruned from the archive (never mailed again). */
bool bulletin_job_send_date(struct bulletin_job *j, struct db *db, const struct snap *s,
                            const struct bulletin_job_opts *o, const char *date, time_t now,
                            int *sent, int *failed, char *err, size_t errlen);

#endif
