/* The words people read, in one table per language: KPI titles, status
 * and zone names, the charts' legend words. Chinese (zh) is the default;
 * English (en) for ?lang=en. Codes (retention_rate, red, white, ...) are
 * not labels: snap.h names them.
 *
 * Ownership: every string is static. */
#ifndef RETENTIOND_LABELS_H
#define RETENTIOND_LABELS_H

#include "buf.h"
#include "snap.h"

#include <jansson.h>

/* A word of the pages: its name (what web/js asks for) and its text. */
struct label_word {
    const char *name, *text;
};

struct labels {
    const char *lang;           /* "zh", "en" */
    const char *kpi[SNAP_NKPI]; /* 中高端客户保有率, ... */
    const char *status[4]; /* by enum snap_status: -, 未达标, 达标, 绩优 (the reasons say why) */
    const char *zone[SNAP_NZONES];          /* 流失区, ... (white .. green), 未入区, 离网 */
    const char *base, *challenge;           /* 基础目标, 挑战目标 */
    const char *base_path, *challenge_path; /* the day's points on the path */
    const char *period_end;                 /* the period-end targets' heading */
    const char *at_risk;                    /* 预警 */
    const char *flag_warn, *flag_excellent; /* the panorama's 示警, 绩优 */
    const char *panorama_header[6]; /* indicator, value, vs last, last month, target, status */
    const struct label_word *words; /* the pages' words, up to a NULL name */
};

/* The table of lang ("zh", "en"; NULL or unknown: zh). */
const struct labels *labels_get(const char *lang);
/* The pages' word `name` in l; name itself when l has none. */
const char *labels_word(const struct labels *l, const char *name);
/* Whether action is one that retentiond writes to the audit log (the
 * tables have its word, "audit_action_" + action). */
bool labels_audit_action(const char *action);
/* The words of a value's reasons ("below_base_path,step_decline"), joined
 * by the list separator, appended to out (a reason without a word: its
 * code); false when reason (may be NULL) names none. */
bool labels_reasons(const struct labels *l, const char *reason, struct buf *out);
/* The table as the pages read it: {lang, kpi: {code: title}, status: {code:
 * name}, zone: {code: name}, words: {name: text}} (a new reference). */
json_t *labels_json(const struct labels *l);

#endif
