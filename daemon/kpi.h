/* The KPI engine: `retentiond compute`. One run computes every KPI of
 * domain.md for an as-of date from the warehouse (dw) and stores it in the
 * project schema (kpi) in ONE transaction: a failed run leaves nothing.
 * The SQL is in sql/kpi/ (embedded); this module sequences it.
 *
 * Ownership: nothing returned here needs freeing except what the caller's
 * struct buf receives. */
#ifndef RETENTIOND_KPI_H
#define RETENTIOND_KPI_H

#include "buf.h"
#include "db.h"

#include <stdbool.h>

/* Checks that every dw table and column of the source contract exists with
 * a compatible type; logs one line naming the first problem. */
bool kpi_check_warehouse(struct db *db);

/* Computes and stores a run for as_of (YYYY-MM-DD, already validated).
 * Freezes the K1 cohort and the K2 VIP snapshot of the year the first time
 * they are needed, and keeps the state later runs reuse (docs/kpis.md,
 * "State kept between runs"). *run_id receives the new run's id. */
bool kpi_compute(struct db *db, const char *as_of, long long *run_id);

/* Re-takes the frozen K1 cohort and K2 snapshot of `year` (logged in
 * kpi.freeze_log) and drops the year's stored K5 zones (taken again by the
 * next run). *cohort / *vips receive the new sizes (-1: not taken, the
 * baseline months are not all closed yet). */
bool kpi_refreeze(struct db *db, int year, long long *cohort, long long *vips);

/* Appends a stored run in the compute JSON contract (docs/api.md). */
bool kpi_render_json(struct db *db, long long run_id, struct buf *out);
/* Appends a stored run as a text table for people. */
bool kpi_render_table(struct db *db, long long run_id, struct buf *out);

#endif
