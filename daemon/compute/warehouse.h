/* The warehouse contract (docs/warehouse.md): the dw tables and columns
 * the KPI engine reads, with the type family each must have.
 *
 * Ownership: nothing is kept. */
#ifndef RETENTIOND_WAREHOUSE_H
#define RETENTIOND_WAREHOUSE_H

#include "db.h"

#include <stdbool.h>

/* Checks that every dw table and column of the source contract exists with
 * a compatible type; logs one line naming the first problem. */
bool warehouse_check(struct db *db);

#endif
