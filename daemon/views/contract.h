/* The compute JSON contract (docs/api.md): one serializer of a stored
 * run's values, used by the API's views and by `retentiond compute
 * --format json`, and the same run as a table for people (`--format
 * table`).
 *
 * Ownership: the json_t results are new references for the caller; text
 * is appended to the caller's buffer. */
#ifndef RETENTIOND_CONTRACT_H
#define RETENTIOND_CONTRACT_H

#include "buf.h"
#include "snap.h"

#include <jansson.h>
#include <stddef.h>

/* One value as an object of the contract. */
json_t *contract_value_json(const struct snap *s, const struct snap_value *v);
/* value, numerator, denominator, status, targets, path and previous status
 * of v (NULL: all null) into obj, as trend points, ranking entries and the
 * panorama's nodes carry them. */
void contract_figures(json_t *obj, const struct snap_value *v);
/* The run's data-quality counts: [{rule, rows}]. */
json_t *contract_quality_json(const struct snap_run *run);
/* {as_of, run_id, values, data_quality} with the n values given. */
json_t *contract_run_json(const struct snap *s, const struct snap_run *run,
                          const struct snap_value *const *values, size_t n);

/* The whole run as `retentiond compute` prints it: JSON indented by one,
 * then a newline; or the table. */
void contract_print_json(const struct snap *s, const struct snap_run *run, struct buf *out);
void contract_print_table(const struct snap *s, const struct snap_run *run, struct buf *out);

#endif
