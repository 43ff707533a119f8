/* Private to the snapshot layer: the pieces its files share (building a
 * snapshot from database rows or from its file, interning). */
#ifndef RETENTIOND_SNAP_INT_H
#define RETENTIOND_SNAP_INT_H

#include "snap.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* dims, periods, reasons and data-quality rules come from small fixed sets;
 * they are interned once for the life of the process (snap_str() reads
 * them back). NULL gives 0. */
uint16_t snap_intern(const char *text);

enum snap_status snap_status_parse(const char *text);

/* `array` of n elements of `size` bytes, grown by one. */
void *snap_grow(void *array, size_t n, size_t size);

struct snap *snap_new(void);

/* One item of reference data, as text, whatever the source (database row or
 * file). Missing values are NULL. */
struct snap_ref_item {
    char kind; /* 'b', 'i', 'c' */
    const char *id, *code, *name, *a, *b;
};
/* Adds a complete item; false (nothing added) for an incomplete one. */
bool snap_add_ref_item(struct snap *s, const struct snap_ref_item *it);
/* Sorts the reference data and turns parent ids/codes into indexes. */
void snap_link_reference(struct snap *s);
/* The index of the branch with that id, or -1. */
int snap_branch_by_id(const struct snap *s, int id);

/* One value as text fields, whatever the source (kpi/run_values.sql's
 * columns, the file's rows), in this order. */
enum snap_text_field {
    SNAP_T_KPI,
    SNAP_T_BRANCH,
    SNAP_T_DIM,
    SNAP_T_CAMPAIGN,
    SNAP_T_PERIOD,
    SNAP_T_NUM,
    SNAP_T_DEN,
    SNAP_T_VALUE,
    SNAP_T_STATUS,
    SNAP_T_BASE,
    SNAP_T_CHALLENGE,
    SNAP_T_PARTIAL,
    SNAP_T_REASON,
    SNAP_T_PATH_BASE,
    SNAP_T_PATH_CHALLENGE,
    SNAP_T_PREVIOUS_STATUS,
    SNAP_T_NFIELDS
};
/* Fills v from text fields; false when the KPI or branch is unknown. */
bool snap_value_from_text(const struct snap *s, const char *const *t, struct snap_value *v);

struct snap_run *snap_run_new(long long run_id, const char *as_of, size_t nvalues);
void snap_run_add_dq(struct snap_run *r, const char *rule, long long rows);
/* Indexes the run's values by KPI (kpi_start). */
void snap_run_index(struct snap_run *r);
void snap_run_unref(struct snap_run *r);
void snap_add_run(struct snap *s, struct snap_run *r);

void snap_zones_unref(struct snap_zones *z);
void snap_add_zones(struct snap *s, struct snap_zones *z);

/* Sets s->id from the contents (the ETag). */
void snap_compute_id(struct snap *s);

#endif
