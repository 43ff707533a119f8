/* The stored runs a snapshot holds and a run's data watermark
 * (/api/v1/runs: the dashboard's as-of date picker and watermark line).
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_RUNS_H
#define RETENTIOND_VIEW_RUNS_H

#include "view.h"

/* Parameters: date (default the newest run). {as_of, run_id, watermark:
 * {last_closed_month, newest_usage, ...: a date or null}, runs: [{as_of,
 * run_id}] newest first}. */
bool view_runs_check(const struct snap *s, const struct view_params *p, struct view_error *err);
bool view_runs_json(const struct snap *s, const struct view_params *p, json_t **out,
                    struct view_error *err);

#endif
