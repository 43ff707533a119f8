/* `retentiond targets import FILE`: base/challenge targets from CSV.
 *
 * Header line: kpi,branch,dim,period,base,challenge. branch is a branch
 * code or empty (all branches); dim empty = the KPI's total, '*' = every
 * dim, or a dim (tier, policy, indicator); period empty, YYYY,
 * YYYY-Qn or YYYY-MM; base/challenge in the KPI's value unit (a fraction
 * 0..1 for rates, a score for satisfaction), either may be empty. All rows
 * are imported in one transaction or none; a row with the same key
 * replaces the stored one. */
#ifndef RETENTIOND_TARGETS_H
#define RETENTIOND_TARGETS_H

#include "db.h"

#include <stdbool.h>
#include <stddef.h>

/* On a bad file returns false with "FILE:LINE: reason" in err (nothing is
 * written); database errors are logged and leave err empty. */
bool targets_import(struct db *db, const char *path, int *imported, char *err, size_t errlen);

/* Validates one data line's fields (exported for the unit tests). */
bool targets_check_row(char *const fields[6], char *err, size_t errlen);

/* One line of the file (lineno from 1: the header, which may start with a
 * UTF-8 byte-order mark), modified in place: TARGETS_ROW with its six
 * fields (pointers into line, trimmed), TARGETS_SKIP (the header, a blank
 * line, a # comment) or TARGETS_BAD with the reason. Numbers are decimal
 * (no "nan", "inf" or hex); a line over TARGETS_MAX_LINE bytes is bad. */
#define TARGETS_MAX_LINE 4096
enum targets_line { TARGETS_ROW, TARGETS_SKIP, TARGETS_BAD };
enum targets_line targets_parse_line(char *line, int lineno, char *fields[6], char *reason,
                                     size_t reasonlen);

#endif
