/* The KPI snapshot: what the daemon serves. An immutable in-memory copy of
 * the branch tree, the satisfaction indicator tree, the bundling campaigns,
 * the stored compute runs (the newest run of every as-of date in the
 * history window, plus the newest run of each earlier month) and, for the
 * risk zones, each month's moves and at-risk members, built from the
 * database (snap_load.h) or from the file the daemon persisted, never
 * changed after it is published.
 *
 * Runs are immutable in the database too (one run = one transaction), so a
 * new snapshot shares the runs (and zone months) it has in common with the
 * previous one.
 *
 * Ownership and threads: snap_build_db()/snap_read_file() give the caller a
 * snapshot with one reference; snap_ref() takes another, snap_unref()
 * drops one and frees the snapshot with the last. Everything reachable from
 * a struct snap is read-only and lives as long as the reference, except its
 * cache of rendered bodies, which is thread-safe and whose bodies are
 * reference counted apart from the snapshot (below). Interned strings
 * (snap_str) live until the process ends. */
#ifndef RETENTIOND_SNAP_H
#define RETENTIOND_SNAP_H

#include "cache.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum snap_kpi {
    SNAP_RETENTION,
    SNAP_IN_NETWORK,
    SNAP_BUNDLING,
    SNAP_SATISFACTION,
    SNAP_SATISFACTION_GOTONE,
    SNAP_ZONES,
    SNAP_NKPI
};

enum snap_status { SNAP_STATUS_NONE, SNAP_STATUS_RED, SNAP_STATUS_GREEN, SNAP_STATUS_EXCELLENT };

/* The numeric fields of a value, in this order in snap_value.f. The path
 * fields are the day's points on the way to the period-end targets (NAN:
 * the KPI is judged against its targets directly). */
enum snap_field {
    SNAP_NUM,
    SNAP_DEN,
    SNAP_VALUE,
    SNAP_BASE,
    SNAP_CHALLENGE,
    SNAP_PATH_BASE,
    SNAP_PATH_CHALLENGE,
    SNAP_NFIELDS
};

struct snap_value {
    double f[SNAP_NFIELDS]; /* NAN = SQL NULL */
    int32_t campaign;       /* campaign_id, -1 = none */
    uint16_t branch;        /* index into snap.branches */
    uint16_t dim;           /* interned string, 0 = NULL */
    uint16_t period;        /* interned "YYYY-MM", 0 = NULL */
    uint16_t reason;        /* interned, 0 = NULL */
    uint8_t kpi;            /* enum snap_kpi */
    uint8_t status;         /* enum snap_status */
    uint8_t previous;       /* enum snap_status in the previous period (NONE: none) */
    uint8_t integer;        /* bit i: f[i] is an integer */
    bool partial;
};

struct snap_dq {
    uint16_t rule; /* interned */
    long long rows;
};

/* The data watermark of a run: the last closed billing month and the newest
 * dates seen in the source tables (kpi/watermark.sql). */
enum snap_watermark {
    SNAP_WM_LAST_CLOSED_MONTH,
    SNAP_WM_NEWEST_USAGE,
    SNAP_WM_NEWEST_CANCEL,
    SNAP_WM_NEWEST_CONTRACT,
    SNAP_WM_NEWEST_SURVEY,
    SNAP_NWATERMARK
};

enum { SNAP_ZONE_BILL_A, SNAP_ZONE_MINUTES_B, SNAP_ZONE_MINUTES_C, SNAP_NZONE_LIMITS };

struct snap_run {
    atomic_int refs;
    long long run_id;
    char as_of[11]; /* YYYY-MM-DD */
    /* The data watermark (kpi.run): dates YYYY-MM-DD, "" when unknown; see
     * snap_watermark_name(). */
    char watermark[SNAP_NWATERMARK][11];
    /* K5's thresholds the run computed with (kpi.run.settings k5_bill_a,
     * k5_minutes_b, k5_minutes_c: domain.md's A, B, C); NAN: unknown. */
    double zone_limits[SNAP_NZONE_LIMITS];
    /* Sorted as `retentiond compute` prints them: by KPI, campaign,
     * branch code, dim (NULL first). values of KPI k are
     * [kpi_start[k], kpi_start[k + 1]). */
    struct snap_value *values;
    size_t nvalues;
    size_t kpi_start[SNAP_NKPI + 1];
    struct snap_dq *dq;
    size_t ndq;
};

struct snap_branch {
    int id;
    int parent; /* index, -1 = none (the province root, or an orphan) */
    int level;  /* 0 province, 1 city, 2 county */
    char *code;
    char *name;
    int *children; /* indexes, sorted by code */
    int nchildren;
};

struct snap_indicator {
    char *code;
    char *name;
    int parent; /* index, -1 = root */
    double weight;
};

struct snap_campaign {
    int id;
    char *name;
    char starts_on[11];
    char ends_on[11];
};

/* The risk zones in the order the K5 values and the API name them; a move
 * also goes from or to NONE (unzoned) or OUT (not in that month's
 * population: not in the network). */
enum snap_zone {
    SNAP_ZONE_WHITE,
    SNAP_ZONE_RED,
    SNAP_ZONE_YELLOW,
    SNAP_ZONE_BLUE,
    SNAP_ZONE_GREEN,
    SNAP_ZONE_NONE,
    SNAP_ZONE_OUT,
    SNAP_NZONES
};
/* The zones a phone manager calls: white, red, yellow. */
#define SNAP_AT_RISK(z) ((z) <= SNAP_ZONE_YELLOW)

/* Members of a leaf branch (the member's branch in the frozen cohort) who
 * were in zone `from` in M-1 and are in `to` in M. */
struct snap_move {
    uint32_t members;
    uint16_t branch;  /* index into snap.branches */
    uint8_t from, to; /* enum snap_zone */
};

/* A member in an at-risk zone in M, with the figures it was judged on (as
 * the database prints them: "bill_prev,minutes_prev,bill,minutes"). */
struct snap_member {
    long long sub_id;
    char *figures;
    uint16_t branch; /* index into snap.branches */
    uint8_t zone;    /* enum snap_zone, at risk */
};

/* The K5 members of month M as run `run_id` counted them: the moves from
 * M-1 per leaf branch, and the at-risk members in the order of the at-risk
 * list (sub_id as text, then branch code). Shared between snapshots like
 * runs. */
struct snap_zones {
    atomic_int refs;
    long long run_id;
    char month[8]; /* M, YYYY-MM */
    struct snap_move *moves;
    size_t nmoves;
    struct snap_member *at_risk;
    size_t nat_risk;
};

struct snap {
    atomic_int refs;
    char id[40];                  /* identifies the contents: the ETag */
    long long built_at;           /* unix time the contents were read from the database */
    struct snap_branch *branches; /* sorted by level, then code */
    size_t nbranches;
    struct snap_indicator *indicators; /* sorted by code */
    size_t nindicators;
    struct snap_campaign *campaigns; /* sorted by id */
    size_t ncampaigns;
    struct snap_run **runs; /* sorted by as_of, oldest first */
    size_t nruns;
    /* For each zone month of the runs, the newest run's members; none when
     * read from the file (the zones' moves are then unknown). */
    struct snap_zones **zones;
    size_t nzones;
    struct cache *cache; /* rendered bodies (owned); see snap_cache_get() */
};

/* ---- the file ------------------------------------------------------------------
 * The database side (snap_build_db) is in snap_load.h. */

/* Persists to `path` (written to a temporary file in the same directory,
 * fsync'd and renamed). Logs and returns false on failure. */
bool snap_write_file(const struct snap *s, const char *path);
/* Reads a file written by snap_write_file(). false (logged) when the file is
 * missing, unreadable or not in the expected format. */
bool snap_read_file(const char *path, struct snap **out);

struct snap *snap_ref(struct snap *s);
void snap_unref(struct snap *s);

/* ---- names ------------------------------------------------------------------------ */

const char *snap_str(uint16_t id); /* NULL for 0 */
const char *snap_kpi_name(enum snap_kpi kpi);
int snap_kpi_parse(const char *name);                   /* -1 when unknown */
const char *snap_status_name(enum snap_status st);      /* NULL for NONE */
const char *snap_zone_name(enum snap_zone z);           /* "white" .. "green", "none", "out" */
int snap_zone_parse(const char *name);                  /* -1 when unknown */
const char *snap_watermark_name(enum snap_watermark w); /* the kpi.run column */
/* The setting of a zone limit (kpi.run.settings): "k5_bill_a", ... */
const char *snap_zone_limit_name(int limit);

/* ---- lookups (all return indexes, or -1 / NULL when absent) ----------------- */

int snap_branch_find(const struct snap *s, const char *code);
/* The root: the level-0 branch without a parent (the first one). */
int snap_branch_root(const struct snap *s);
/* true when branch `b` is `ancestor` or below it. */
bool snap_branch_within(const struct snap *s, int b, int ancestor);
int snap_indicator_find(const struct snap *s, const char *code);

/* The newest run, the run of exactly `as_of`, or NULL. */
const struct snap_run *snap_latest(const struct snap *s);
const struct snap_run *snap_run_on(const struct snap *s, const char *as_of);
/* The newest run of the calendar month before as_of's month, or NULL. */
const struct snap_run *snap_run_previous_month(const struct snap *s, const char *as_of);
/* The run of the day before as_of, or NULL. */
const struct snap_run *snap_run_previous_day(const struct snap *s, const char *as_of);

/* The value of (kpi, branch, dim, campaign) in a run; dim NULL = the total,
 * campaign -1 = none. */
const struct snap_value *snap_find(const struct snap_run *run, enum snap_kpi kpi, int branch,
                                   const char *dim, int campaign);

/* The zone members counted by run `run_id` for its month, or NULL. */
const struct snap_zones *snap_zones_of(const struct snap *s, long long run_id);

/* Field f of v as JSON: an integer or a real as the compute JSON prints it,
 * null when SQL NULL or v is NULL. A new reference. */
json_t *snap_field_json(const struct snap_value *v, int f);
/* A string, or null for NULL. A new reference. */
json_t *snap_text_json(const char *text);

/* ---- the per-snapshot cache of rendered bodies --------------------------------- */

/* Looks up `key`; on a hit returns the body with a reference the caller
 * drops (cache_body_unref), valid after the snapshot is gone. */
struct cache_body *snap_cache_get(struct snap *s, const char *key);
/* Stores a copy of body under key (first writer wins) within the cache's
 * budget; returns a reference to the stored body, or NULL when it does not
 * fit (see cache.h). */
struct cache_body *snap_cache_put(struct snap *s, const char *key, const void *body, size_t len);
/* The cache's budget (bytes); a new snapshot starts with 0 (no caching). */
void snap_cache_set_budget(struct snap *s, size_t bytes);
void snap_cache_stats(struct snap *s, struct cache_stats *out);

#endif
