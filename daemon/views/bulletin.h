/* The daily bulletin (日通报) of a date for a branch (the province's for
 * executives, a branch's for its manager): what render/ lays out as HTML,
 * PDF and PNG and jobs/ mails. Built from the snapshot only, so that its
 * figures are the API's for the same run.
 *
 * For date D: the newest run of D, and the run of the day before for the
 * day's changes. K3 per running campaign: every county of the province
 * ranked by coverage (the ranking is published to every role), with the
 * day's increment, rank and rank change, gaps to the day's base and
 * challenge, the last bottom_n flagged; the bulletin's branch's K1, K2, K4
 * (the newest survey month) and K5 zone counts with the day's change; the
 * diamond and gold members who left since the day before (K2's tiers);
 * what turned red and what recovered in the branch's subtree.
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_BULLETIN_H
#define RETENTIOND_VIEW_BULLETIN_H

#include "view.h"

struct view_bulletin_campaign {
    const struct snap_campaign *campaign;
    const struct snap_value *total, *total_was; /* the bulletin's branch */
    struct view_rank *rows; /* the counties by coverage (was: the day before's), by rank */
    size_t n;
    int own; /* the branch's row (a county), or -1 */
    /* a city's place among its parent's cities by its total (rank 0: not
     * a city, or none); not in the view's JSON: it follows from the
     * counties' rows, which are */
    struct view_rank city;
    size_t ncities;
    /* the rows flagged bottom; tied: more than bottom_n of them, a tie
     * across the line named whole */
    size_t nbottom;
    bool bottom_tied;
    size_t bottom_n; /* the count asked for (bulletin.bottom_n) */
};

/* A value that differs between two runs of one date (the bulletin job reads
 * them, sql/jobs/bulletin_changes.sql): was in the earlier run, now in the
 * bulletin's; NAN where a run has none. */
struct view_bulletin_change {
    int kpi;          /* enum snap_kpi */
    int branch;       /* index into the snapshot's branches */
    int32_t campaign; /* -1: none */
    char dim[32];     /* "": none */
    double was, now;
};

/* What a corrected bulletin (version 2 on) says about the version it
 * replaces: that version's number and run, and of the changed values those
 * the bulletin shows: the branch's own figures (its K3 totals of the
 * running campaigns, K1, K2, the survey's scores, the zone counts) and the
 * published ranking's counties; for a county, its rank in each campaign
 * before (0: not ranked). known: false when the earlier run's values are
 * gone (pruned), so nothing can be said of what changed. */
struct view_bulletin_correction {
    int version, replaces;
    long long replaces_run;
    bool known;
    struct view_bulletin_change *own, *counties; /* the view's (view_bulletin_free) */
    size_t nown, ncounties;
    int *rank_was; /* per campaign (ncampaigns), a county's own rank before; NULL: none */
};

struct view_bulletin {
    const struct snap *s;
    const struct snap_run *run, *prev; /* prev: the day before, or NULL */
    /* The bulletin's date: run's, unless the caller (the bulletin job, after
     * its deadline) sets a later one whose run was not ready: the documents
     * then say that the figures are of run->as_of. */
    char date[11];
    /* The compute run the documents name: run's (0), unless the caller sets
     * another run with the same figures (the bulletin job, comparing a new
     * run's bulletin with the one archived from an earlier run). */
    long long run_named;
    int branch;
    struct view_bulletin_campaign *campaigns;
    size_t ncampaigns;
    const struct snap_value *retention, *in_network, *satisfaction, *gotone;
    /* satisfaction's root indicator of the survey month before (NULL: none);
     * shown as the month's change, not in the view's JSON: a figure of an
     * earlier run (the API's /satisfaction gives it as last_month) */
    const struct snap_value *satisfaction_was;
    double zones[SNAP_NZONES], zones_was[SNAP_NZONES]; /* white..green; NAN: none */
    double diamond_left, gold_left; /* members who left since the day before; NAN: unknown */
    /* Members of the year's K2 snapshot no longer in the network (its
     * denominator less its numerator); NAN: unknown. */
    double diamond_gone, gold_gone;
    const struct snap_value **turned_red, **recovered; /* headline values of the subtree */
    size_t nturned_red, nrecovered;
    size_t nred; /* the subtree's headline values red now (turned red today or before) */
    struct view_bulletin_correction correction; /* version 0: not a correction */
};

/* Parameters: date (default the newest run), branch (default the scope's
 * root). */
bool view_bulletin_check(const struct snap *s, const struct view_params *p, struct view_error *err);
/* view_bulletin_check, giving the run (s's) and the branch's index the
 * bulletin would be built of. */
bool view_bulletin_pick(const struct snap *s, const struct view_params *p,
                        const struct snap_run **run, int *branch, struct view_error *err);
bool view_bulletin_build(const struct snap *s, const struct view_params *p,
                         struct view_bulletin *out, struct view_error *err);
json_t *view_bulletin_json(const struct view_bulletin *v);
/* Makes v version `version` of its bulletin, replacing version `replaces`
 * made from run replaces_run; changes[0..n) (read during the call) are the
 * values that differ between that run and v's, known false when that run's
 * values are gone. Keeps of them what the bulletin shows. The view's JSON
 * (the API's, the figures' digest) leaves the correction out. */
void view_bulletin_correct(struct view_bulletin *v, int version, int replaces,
                           long long replaces_run, const struct view_bulletin_change *changes,
                           size_t n, bool known);
void view_bulletin_free(struct view_bulletin *v);

#endif
