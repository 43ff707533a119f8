#include "zones.h"

#include "csv.h"
#include "date.h"
#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- /api/v1/zones ------------------------------------------------------------------------- */

struct zones_req {
    int branch;
    char month[8];
    const struct snap_run *run;
};

static bool zones_parse(const struct snap *s, const struct view_params *p, struct zones_req *rq,
                        struct view_error *err)
{
    return view_param_branch(s, p, "branch", &rq->branch, err) &&
           view_param_month(p, "month", rq->month, err) &&
           view_month_run(s, SNAP_ZONES, rq->branch, "white", rq->month, &rq->run, err);
}

bool view_zones_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    struct zones_req rq;
    return zones_parse(s, p, &rq, err);
}

static int cmp_move(const void *x, const void *y)
{
    const struct view_zone_move *a = x, *b = y;
    int c = strcmp(snap_zone_name(a->from), snap_zone_name(b->from));
    return c ? c : strcmp(snap_zone_name(a->to), snap_zone_name(b->to));
}

/* The members' moves of the branch's subtree, summed per (from, to). */
static void sum_moves(struct view_zones *out, const struct snap_zones *z)
{
    long long sums[SNAP_NZONES][SNAP_NZONES] = {{0}};
    bool seen[SNAP_NZONES][SNAP_NZONES] = {{false}};
    for (size_t i = 0; i < z->nmoves; i++) {
        const struct snap_move *m = &z->moves[i];
        if (snap_branch_within(out->s, m->branch, out->branch)) {
            sums[m->from][m->to] += m->members;
            seen[m->from][m->to] = true;
        }
    }
    out->moves = xcalloc(SNAP_NZONES * SNAP_NZONES, sizeof *out->moves);
    for (int f = 0; f < SNAP_NZONES; f++)
        for (int t = 0; t < SNAP_NZONES; t++)
            if (seen[f][t])
                out->moves[out->nmoves++] = (struct view_zone_move){
                    .from = (uint8_t)f, .to = (uint8_t)t, .members = sums[f][t]};
    qsort(out->moves, out->nmoves, sizeof *out->moves, cmp_move);
}

bool view_zones_build(const struct snap *s, const struct view_params *p, struct view_zones *out,
                      struct view_error *err)
{
    struct zones_req rq;
    *out = (struct view_zones){.s = s};
    if (!zones_parse(s, p, &rq, err))
        return false;
    out->branch = rq.branch;
    out->run = rq.run;
    memcpy(out->month, rq.month, sizeof out->month);
    date_month_before(rq.month, out->previous_month);
    out->prev = view_run_of_period(s, SNAP_ZONES, rq.branch, "white", out->previous_month);
    for (int z = 0; z < VIEW_NZONES; z++) {
        const char *name = snap_zone_name((enum snap_zone)z);
        out->count[z] = snap_find(rq.run, SNAP_ZONES, rq.branch, name, -1);
        out->previous[z] = out->prev ? snap_find(out->prev, SNAP_ZONES, rq.branch, name, -1) : NULL;
    }
    const struct snap_zones *members = snap_zones_of(s, rq.run->run_id);
    out->moves_known = members != NULL;
    if (members)
        sum_moves(out, members);
    return true;
}

json_t *view_zones_json(const struct view_zones *v)
{
    json_t *zones = json_array(), *moves = json_null();
    for (int z = 0; z < VIEW_NZONES; z++) {
        const struct snap_value *c = v->count[z], *pc = v->previous[z];
        json_t *change = c && pc ? json_integer((json_int_t)(c->f[SNAP_VALUE] - pc->f[SNAP_VALUE]))
                                 : json_null();
        json_array_append_new(zones, json_pack("{s:s, s:o, s:o, s:o}", "zone",
                                               snap_zone_name((enum snap_zone)z), "count",
                                               snap_field_json(c, SNAP_VALUE), "previous",
                                               snap_field_json(pc, SNAP_VALUE), "change", change));
    }
    if (v->moves_known) {
        moves = json_array();
        for (size_t i = 0; i < v->nmoves; i++)
            json_array_append_new(moves, json_pack("{s:s, s:s, s:I}", "from",
                                                   snap_zone_name(v->moves[i].from), "to",
                                                   snap_zone_name(v->moves[i].to), "members",
                                                   (json_int_t)v->moves[i].members));
    }
    json_t *limits = json_object();
    for (int z = 0; z < SNAP_NZONE_LIMITS; z++)
        json_object_set_new(limits, snap_zone_limit_name(z),
                            isfinite(v->run->zone_limits[z]) ? json_real(v->run->zone_limits[z])
                                                             : json_null());
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "branch",
                     v->s->branches[v->branch].code, "month", v->month, "previous_month",
                     v->previous_month, "as_of", v->run->as_of, "limits", limits, "zones", zones,
                     "moves", moves);
}

void view_zones_free(struct view_zones *v)
{
    if (!v)
        return;
    free(v->moves);
    v->moves = NULL;
    v->nmoves = 0;
}

/* ---- /api/v1/zones/customers ------------------------------------------------------------- */

#define AT_RISK_ZONES (1u << SNAP_ZONE_WHITE | 1u << SNAP_ZONE_RED | 1u << SNAP_ZONE_YELLOW)

static bool param_zone(const struct view_params *p, unsigned *zones, struct view_error *err)
{
    const char *v = view_arg(p, "zone");
    int z = v ? snap_zone_parse(v) : -1;
    if (!v)
        *zones = AT_RISK_ZONES;
    else if (z >= 0 && z < VIEW_NZONES)
        *zones = 1u << z;
    else
        return view_fail(err, 400, "invalid_parameter", "zone",
                         "zone is white, red, yellow, blue or green");
    return true;
}

static bool customers_parse(const struct snap *s, const struct view_params *p,
                            struct view_customers *rq, struct view_error *err)
{
    return view_param_branch(s, p, "branch", &rq->branch, err) && param_zone(p, &rq->zones, err) &&
           view_param_month(p, "month", rq->month, err) &&
           view_month_run(s, SNAP_ZONES, rq->branch, "white", rq->month, &rq->run, err);
}

bool view_customers_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    struct view_customers rq = {.s = s};
    return customers_parse(s, p, &rq, err);
}

bool view_customers_build(const struct snap *s, const struct view_params *p,
                          struct view_customers *out, struct view_error *err)
{
    *out = (struct view_customers){.s = s};
    if (!customers_parse(s, p, out, err))
        return false;
    const struct snap_zones *z = snap_zones_of(s, out->run->run_id);
    out->in_snapshot = z && (out->zones & ~AT_RISK_ZONES) == 0;
    if (!out->in_snapshot)
        return true;
    out->members = xcalloc(z->nat_risk, sizeof *out->members);
    for (size_t i = 0; i < z->nat_risk; i++) {
        const struct snap_member *m = &z->at_risk[i];
        if ((out->zones & (1u << m->zone)) && snap_branch_within(s, m->branch, out->branch))
            out->members[out->n++] = m;
    }
    return true;
}

void view_customers_free(struct view_customers *v)
{
    if (!v)
        return;
    free(v->members);
    v->members = NULL;
    v->n = 0;
}

void view_customers_header(struct buf *out)
{
    buf_puts(out, "\xEF\xBB\xBFsub_id,branch,branch_name,zone,zone_name,bill_prev,minutes_prev,"
                  "bill,minutes\r\n");
}

void view_customers_line(struct buf *out, const struct labels *l, const char *sub_id,
                         const char *code, const char *name, const char *zone, const char *figures)
{
    int z = snap_zone_parse(zone);
    csv_field(out, sub_id);
    buf_puts(out, ",");
    csv_text(out, code);
    buf_puts(out, ",");
    csv_text(out, name ? name : "");
    buf_puts(out, ",");
    csv_field(out, zone);
    buf_puts(out, ",");
    csv_text(out, z >= 0 ? l->zone[z] : "");
    buf_printf(out, ",%s\r\n", figures);
}

/* A member with what it is sorted by (qsort's comparator has no context). */
struct keyed {
    int zone;
    const char *code;
    const struct snap_member *m;
};

static int cmp_keyed(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    if (a->zone != b->zone)
        return a->zone < b->zone ? -1 : 1;
    int c = strcmp(a->code, b->code);
    return c ? c : (a->m->sub_id > b->m->sub_id) - (a->m->sub_id < b->m->sub_id);
}

/* v's members in the list's order (zones.h). */
static void sort_members(const struct view_customers *v)
{
    struct keyed *k = xcalloc(v->n ? v->n : 1, sizeof *k);
    for (size_t i = 0; i < v->n; i++)
        k[i] = (struct keyed){v->members[i]->zone, v->s->branches[v->members[i]->branch].code,
                              v->members[i]};
    qsort(k, v->n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < v->n; i++)
        v->members[i] = k[i].m;
    free(k);
}

void view_customers_csv(const struct view_customers *v, const struct labels *l, struct buf *out)
{
    view_customers_header(out);
    sort_members(v);
    for (size_t i = 0; i < v->n; i++) {
        const struct snap_member *m = v->members[i];
        char id[24];
        snprintf(id, sizeof id, "%lld", m->sub_id);
        const struct snap_branch *b = &v->s->branches[m->branch];
        view_customers_line(out, l, id, b->code, b->name, snap_zone_name((enum snap_zone)m->zone),
                            m->figures);
    }
}
