/* Typed views over a snapshot: what the API serialises as JSON and the
 * charts, bulletins and reports draw, built from a snapshot and a request's
 * parameters, never from the database (views see only the snapshot layer).
 *
 * Each view has a struct (views/<name>.h), a build function that validates
 * the parameters and fills it, a JSON serializer (the API's body) and a free
 * function. This header holds what they share: the error, the parameters of
 * a request and their validation, and the generic entry the HTTP layer
 * calls (view_validate before its cache, view_json after a miss).
 *
 * Ownership: a view struct borrows the snapshot it was built from (the
 * caller holds a reference while using it) and owns its arrays, freed by
 * its free function (NULL-safe, also after a failed build). Strings in
 * struct view_params are borrowed for the call. */
#ifndef RETENTIOND_VIEW_H
#define RETENTIOND_VIEW_H

#include "snap.h"

#include <jansson.h>
#include <stdbool.h>

/* Why a view could not be built: the HTTP status, the error code, the
 * parameter at fault (static strings; param may be NULL) and a message. */
struct view_error {
    unsigned status;
    const char *code;
    const char *param;
    char message[200];
    unsigned retry_after; /* seconds, for a 503 that may pass; 0 = none */
};

/* Fills *err (message from fmt, cut to fit) and returns false, so that a
 * check can `return view_fail(err, 400, "invalid_parameter", "date", ...)`. */
bool view_fail(struct view_error *err, unsigned status, const char *code, const char *param,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A request's parameters: a lookup by name (NULL when absent), the scope
 * it may see and the thresholds that shape some views. */
typedef const char *(*view_arg_fn)(const void *ctx, const char *name);

struct view_params {
    view_arg_fn arg;
    const void *ctx;
    /* The branch (code) whose subtree the caller may see, NULL = all; a
     * missing branch parameter means this root (else the province). */
    const char *scope;
    int bottom_n;        /* ranking: the last n are flagged bottom */
    double arrow_change; /* panorama: the relative change that earns an arrow */
};

#define VIEW_BOTTOM_N     5
#define VIEW_ARROW_CHANGE 0.05

/* Whether an entry of a ranking of n, with rank (ties share the best of
 * their places) and tie_last the last place of its tie (1-based; its own
 * place when it is not tied), is named among the bottom bottom_n: an
 * entry with fewer than bottom_n ranked below it, so that a tie across the
 * line is named whole (two counties of the same coverage are both named or
 * neither: the code order split them), but never a branch tied for first
 * while others rank below it (fourteen counties tied at 100 % are not "the
 * bottom five" of eighteen). */
bool view_in_bottom(size_t tie_last, int rank, size_t n, int bottom_n);

/* A branch's place in a ranking of branches by a value (the ranking view,
 * the bulletin's county ranking). */
struct view_rank {
    int rank; /* ties share a rank */
    int branch;
    const struct snap_value *v;
    const struct snap_value *was; /* its value in the previous ranking (NULL: not ranked then) */
    int previous_rank;            /* -1: not ranked then */
    bool bottom;
};

/* Sorts rows[0..n) best first (the higher value first, equal values in the
 * branches' order, which is by code) and gives each its rank: ties share
 * the best of their places. */
void view_rank_order(struct view_rank *rows, size_t n);

/* Each row's rank and value in the previous ranking `before` (as
 * view_rank_order left it), and whether it is named among the bottom
 * bottom_n (view_in_bottom). Returns how many are named. */
size_t view_rank_compare(struct view_rank *rows, size_t n, const struct view_rank *before,
                         size_t nbefore, int bottom_n);

/* Parameters from a name/value list (NULL-terminated; NULL values are left
 * out), with the default thresholds and no scope. */
void view_params_list(struct view_params *p, const char *const *pairs);
const char *view_arg(const struct view_params *p, const char *name);

/* ---- validating parameters (the error names the parameter) ------------- */

/* An optional date YYYY-MM-DD; out = "" when absent. */
bool view_param_date(const struct view_params *p, const char *name, char out[11],
                     struct view_error *err);
/* An optional month YYYY-MM; out = "" when absent. */
bool view_param_month(const struct view_params *p, const char *name, char out[8],
                      struct view_error *err);
/* A branch code within the scope; the scope's root (else the province)
 * when absent. */
bool view_param_branch(const struct snap *s, const struct view_params *p, const char *name,
                       int *out, struct view_error *err);
/* A KPI code; -1 when absent and not required. */
bool view_param_kpi(const struct view_params *p, const char *name, bool required, int *out,
                    struct view_error *err);
/* An optional non-negative integer; -1 when absent. */
bool view_param_int(const struct view_params *p, const char *name, int *out,
                    struct view_error *err);

/* A dim (NULL: not asked for) and a campaign (< 0: not asked for) of kpi
 * that one of runs holds (newest last, as a snapshot's; a campaign may also
 * be any of s, a satisfaction dim any indicator of s); else 400
 * invalid_parameter naming
 * it: a value that does not exist is a bad parameter, not an empty
 * answer. */
bool view_param_known(const struct snap *s, const struct snap_run *const *runs, size_t nruns,
                      int kpi, const char *dim, int campaign, struct view_error *err);

/* The run of `date` ("" = the newest); 404 no_run otherwise. */
bool view_pick_run(const struct snap *s, const char *date, const struct snap_run **out,
                   struct view_error *err);

/* The dim a KPI is shown by default: satisfaction's root indicator, else
 * NULL (the total). */
const char *view_default_dim(const struct snap *s, int kpi);
/* Bundling's first campaign in the run, else -1. */
int view_default_campaign(const struct snap_run *run, int kpi);

/* The newest run whose `kpi` value for (branch, dim) is of `period`. */
const struct snap_run *view_run_of_period(const struct snap *s, int kpi, int branch,
                                          const char *dim, const char *period);
/* The run carrying the figures of `kpi` for (branch, dim) of `month` ("" =
 * the newest month, filled in); a 404 naming month when none. */
bool view_month_run(const struct snap *s, int kpi, int branch, const char *dim, char month[8],
                    const struct snap_run **run, struct view_error *err);

/* ---- the API's views ------------------------------------------------------ */

enum view_kind {
    VIEW_BRANCHES,
    VIEW_KPIS,
    VIEW_TREND,
    VIEW_RANKING,
    VIEW_ALARMS,
    VIEW_SATISFACTION,
    VIEW_ZONES,
    VIEW_DATA_QUALITY,
    VIEW_GRID,
    VIEW_RUNS,
    VIEW_BULLETIN,
    VIEW_NKINDS
};

/* The view behind /api/v1/NAME, or -1. */
int view_kind_parse(const char *name);

/* Whether the parameters are valid for the view on this snapshot (the HTTP
 * layer asks before its cache). */
bool view_validate(enum view_kind kind, const struct snap *s, const struct view_params *p,
                   struct view_error *err);

/* Builds the view and serialises it (a new reference in *out). *complete
 * is false when a part is missing for now (zone moves the snapshot does
 * not hold): such a body must not be cached. */
bool view_json(enum view_kind kind, const struct snap *s, const struct view_params *p, json_t **out,
               bool *complete, struct view_error *err);

#endif
