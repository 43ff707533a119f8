/* The KPI engine: `retentiond compute`. One run computes every KPI of
 * docs/kpis.md for an as-of date from the warehouse (dw) and stores it in the
 * project schema (kpi) in ONE transaction: a failed run leaves nothing.
 * The SQL is in sql/kpi/ (embedded); this module sequences it.
 * `retentiond compute` prints the stored run as the API serves it: read
 * into a snapshot and written by views/contract.h.
 *
 * Ownership: nothing returned here needs freeing. */
#ifndef RETENTIOND_KPI_H
#define RETENTIOND_KPI_H

#include "db.h"

#include <stdbool.h>

/* Whether a run that says what the newest stored run of its date says is
 * stored (docs/kpis.md, "A recompute that changes nothing"). */
enum kpi_store {
    KPI_STORE_ALWAYS,     /* `retentiond compute`: every run is stored */
    KPI_STORE_IF_CHANGED, /* the refresher, `compute --if-changed`: rolled back */
};

/* What kpi_compute() did with its run. */
struct kpi_run {
    long long run_id; /* the run stored, or (stored false) the stored run it equalled */
    bool stored;      /* false: identical to run_id, rolled back: nothing was written */
};

/* Computes a run for as_of (YYYY-MM-DD, already validated) and stores it,
 * unless `store` is KPI_STORE_IF_CHANGED and the run equals, row for row
 * and column for column (sql/kpi/run_unchanged.sql), the newest stored run
 * of as_of and took nothing into the state kept between runs: then the
 * transaction is rolled back (logged `compute unchanged` with the kept
 * run; a stored run `compute run stored`). Freezes the K1 cohort and the K2 VIP snapshot
 * of the year the first time they are needed, and keeps the state later
 * runs reuse (docs/kpis.md, "State kept between runs"). */
bool kpi_compute(struct db *db, const char *as_of, enum kpi_store store, struct kpi_run *out);

/* The SHA-256 (hex) of the KPI SQL embedded in this program (the files of
 * sql/kpi/, each its name, a NUL, its text, a NUL, in build order): with
 * the version, recorded in every run's settings (`retentiond`,
 * `kpi_sql_sha256`) and printed by `retentiond version`, so that a run
 * names the SQL that computed it. */
void kpi_sql_sha256(char hex[65]);

/* Re-takes the frozen K1 cohort and K2 snapshot of `year` (logged in
 * kpi.freeze_log) and drops the year's stored K5 zones (taken again by the
 * next run). *cohort / *vips receive the new sizes (-1: not taken, the
 * baseline months are not all closed yet). */
bool kpi_refreeze(struct db *db, int year, long long *cohort, long long *vips);

#endif
