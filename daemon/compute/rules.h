/* `retentiond alarms`: how each KPI's status is judged (kpi.alarm_rule,
 * docs/kpis.md "Targets and alarms"): the path to period-end targets, the
 * previous period, the step, the recover margin and K2's key-account window.
 *
 * Ownership: struct rules_change borrows its strings for the call; the
 * caller's buf receives the listing. */
#ifndef RETENTIOND_RULES_H
#define RETENTIOND_RULES_H

#include "buf.h"
#include "db.h"

#include <stdbool.h>
#include <stddef.h>

/* What `alarms set` changes; NULL fields keep the stored value. step "none"
 * removes the step rule. Texts are validated by rules_check(). */
struct rules_change {
    const char *kpi;
    const char *target_path;    /* linear | none */
    const char *period;         /* day | month */
    const char *step;           /* a number >= 0, or none */
    const char *recover_margin; /* a number >= 0 */
    /* in_network_rate only: days a diamond or gold member's cancellation
     * keeps the branch red, an integer 1..366 (366: the rest of the year) */
    const char *key_account_days;
};

/* False with one line in err when a field is malformed or nothing is to
 * change. */
bool rules_check(const struct rules_change *c, char *err, size_t errlen);

/* Appends one line per KPI: kpi, target_path, period, step, recover_margin,
 * key_account_days ("-" for the KPIs without the rule). */
bool rules_list(struct db *db, struct buf *out);

/* Applies c; *before (the caller's: free) the KPI's rule before it, as a
 * JSON object {target_path, period, step, recover_margin} (and
 * key_account_days for in_network_rate). False with a reason in err for an unknown KPI or a rule
 * the KPI cannot take (a path for a KPI without a period-end target); database errors are logged
 * and leave err empty; *before NULL then. */
bool rules_set(struct db *db, const struct rules_change *c, char **before, char *err,
               size_t errlen);

#endif
