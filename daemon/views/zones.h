/* The five risk zones (K5) of a branch's subtree in a month (/api/v1/zones,
 * the zones chart): the counts against the month before and the members'
 * moves between the zones; and the at-risk list phone managers call
 * (/api/v1/zones/customers, CSV), both from the zone members the snapshot
 * holds.
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_ZONES_H
#define RETENTIOND_VIEW_ZONES_H

#include "buf.h"
#include "labels.h"
#include "view.h"

/* The five zones, in the order of the view (white, red, yellow, blue,
 * green). */
#define VIEW_NZONES 5

struct view_zone_move {
    uint8_t from, to; /* enum snap_zone */
    long long members;
};

struct view_zones {
    const struct snap *s;
    int branch;
    char month[8], previous_month[8];
    const struct snap_run *run, *prev;              /* prev: NULL without M-1 */
    const struct snap_value *count[VIEW_NZONES];    /* NULL: none */
    const struct snap_value *previous[VIEW_NZONES]; /* NULL: none */
    bool moves_known;                               /* false: the snapshot has no members */
    struct view_zone_move *moves; /* summed over the subtree, by (from, to) names */
    size_t nmoves;
};

/* Parameters: branch, month (default the newest). */
bool view_zones_check(const struct snap *s, const struct view_params *p, struct view_error *err);
bool view_zones_build(const struct snap *s, const struct view_params *p, struct view_zones *out,
                      struct view_error *err);
json_t *view_zones_json(const struct view_zones *v);
void view_zones_free(struct view_zones *v);

/* The at-risk list of a branch's subtree. */
struct view_customers {
    const struct snap *s;
    int branch;
    char month[8];
    const struct snap_run *run;
    unsigned zones; /* bit z: zone z (enum snap_zone) wanted */
    /* false: the snapshot does not hold these members (a zone not at risk,
     * or no members read): the caller reads them from the database */
    bool in_snapshot;
    const struct snap_member **members;
    size_t n;
};

/* Parameters: branch, zone (white, red, yellow, blue or green; default
 * the three at risk), month (default the newest). */
bool view_customers_check(const struct snap *s, const struct view_params *p,
                          struct view_error *err);
bool view_customers_build(const struct snap *s, const struct view_params *p,
                          struct view_customers *out, struct view_error *err);
void view_customers_free(struct view_customers *v);

/* The CSV as a spreadsheet opens it (as the report's): UTF-8 with a byte
 * order mark before the header line, lines ended CR LF (RFC 4180 quoting;
 * a branch code or name a spreadsheet would take for a formula escaped,
 * csv_text). Columns: sub_id, branch (code), branch_name, zone (code),
 * zone_name (in l's language), bill_prev, minutes_prev, bill, minutes. */
void view_customers_header(struct buf *out);
/* One member's line from its sub_id, branch code and name (NULL: a branch
 * the snapshot does not know yet, its name left empty), zone code (its
 * name follows) and figures "a,b,c,d" (bill and minutes of M-1 and M). */
void view_customers_line(struct buf *out, const struct labels *l, const char *sub_id,
                         const char *code, const char *name, const char *zone, const char *figures);
/* The whole CSV of a view whose members are in the snapshot, the most
 * urgent first: by zone (white, red, yellow), then branch code, then
 * sub_id (sql/api/zone_members.sql orders the zones read from the
 * database the same way). Sorts v's members. */
void view_customers_csv(const struct view_customers *v, const struct labels *l, struct buf *out);

#endif
