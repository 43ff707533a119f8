#include "snap_int.h"

#include "date.h"
#include "digest.h"
#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names -------------------------------------------------------------------------- */

static const char *const kpi_names[SNAP_NKPI] = {
    "retention_rate", "in_network_rate",     "bundling_coverage",
    "satisfaction",   "satisfaction_gotone", "zone_count",
};

const char *snap_kpi_name(enum snap_kpi kpi)
{
    return kpi_names[kpi];
}

int snap_kpi_parse(const char *name)
{
    for (int k = 0; k < SNAP_NKPI; k++)
        if (name && strcmp(kpi_names[k], name) == 0)
            return k;
    return -1;
}

static const char *const status_names[] = {NULL, "red", "green", "excellent"};

const char *snap_status_name(enum snap_status st)
{
    return status_names[st];
}

enum snap_status snap_status_parse(const char *text)
{
    for (int i = 1; i < 4; i++)
        if (text && strcmp(status_names[i], text) == 0)
            return (enum snap_status)i;
    return SNAP_STATUS_NONE;
}

static const char *const zone_names[SNAP_NZONES] = {"white", "red",  "yellow", "blue",
                                                    "green", "none", "out"};

const char *snap_zone_name(enum snap_zone z)
{
    return zone_names[z];
}

int snap_zone_parse(const char *name)
{
    for (int z = 0; z < SNAP_NZONES; z++)
        if (name && strcmp(zone_names[z], name) == 0)
            return z;
    return -1;
}

const char *snap_watermark_name(enum snap_watermark w)
{
    static const char *const names[SNAP_NWATERMARK] = {
        "last_closed_month", "newest_usage", "newest_cancel", "newest_contract", "newest_survey"};
    return names[w];
}

/* ---- the per-snapshot cache of rendered bodies ------------------------------ */

struct cache_body *snap_cache_get(struct snap *s, const char *key)
{
    return cache_get(s->cache, key);
}

struct cache_body *snap_cache_put(struct snap *s, const char *key, const void *body, size_t len)
{
    return cache_put(s->cache, key, body, len);
}

void snap_cache_set_budget(struct snap *s, size_t bytes)
{
    cache_set_budget(s->cache, bytes);
}

void snap_cache_stats(struct snap *s, struct cache_stats *out)
{
    cache_stats(s->cache, out);
}

/* ---- life cycle --------------------------------------------------------------- */

void snap_run_unref(struct snap_run *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    free(r->values);
    free(r->dq);
    free(r);
}

struct snap *snap_new(void)
{
    struct snap *s = xcalloc(1, sizeof *s);
    s->cache = cache_new(0);
    atomic_init(&s->refs, 1);
    return s;
}

static void snap_free(struct snap *s)
{
    for (size_t i = 0; i < s->nbranches; i++) {
        free(s->branches[i].code);
        free(s->branches[i].name);
        free(s->branches[i].children);
    }
    for (size_t i = 0; i < s->nindicators; i++) {
        free(s->indicators[i].code);
        free(s->indicators[i].name);
    }
    for (size_t i = 0; i < s->ncampaigns; i++)
        free(s->campaigns[i].name);
    for (size_t i = 0; i < s->nruns; i++)
        snap_run_unref(s->runs[i]);
    for (size_t i = 0; i < s->nzones; i++)
        snap_zones_unref(s->zones[i]);
    free(s->branches);
    free(s->indicators);
    free(s->campaigns);
    free(s->runs);
    free(s->zones);
    cache_free(s->cache);
    free(s);
}

void snap_zones_unref(struct snap_zones *z)
{
    if (!z || atomic_fetch_sub(&z->refs, 1) != 1)
        return;
    for (size_t i = 0; i < z->nat_risk; i++)
        free(z->at_risk[i].figures);
    free(z->at_risk);
    free(z->moves);
    free(z);
}

struct snap *snap_ref(struct snap *s)
{
    atomic_fetch_add(&s->refs, 1);
    return s;
}

void snap_unref(struct snap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snap_free(s);
}

/* ---- reference data --------------------------------------------------------------- */

void *snap_grow(void *array, size_t n, size_t size)
{
    return xrealloc(array, (n + 1) * size);
}

/* Whether the item has what it cannot do without: a branch its id, code,
 * name and level; an indicator its code and name; a campaign its id and
 * name (the database declares them NOT NULL; a file or a warehouse may
 * not hold to it). */
static bool ref_item_complete(const struct snap_ref_item *it)
{
    switch (it->kind) {
    case 'b':
        return it->id && it->code && it->name && it->b;
    case 'i':
        return it->code && it->name;
    case 'c':
        return it->id && it->name;
    default:
        return false;
    }
}

bool snap_add_ref_item(struct snap *s, const struct snap_ref_item *it)
{
    if (!ref_item_complete(it))
        return false;
    if (it->kind == 'b') {
        s->branches = snap_grow(s->branches, s->nbranches, sizeof *s->branches);
        struct snap_branch *b = &s->branches[s->nbranches++];
        *b = (struct snap_branch){.id = atoi(it->id),
                                  .parent = it->a ? atoi(it->a) : -1, /* an id until linked */
                                  .level = atoi(it->b),
                                  .code = xstrdup(it->code),
                                  .name = xstrdup(it->name)};
    } else if (it->kind == 'i') {
        s->indicators = snap_grow(s->indicators, s->nindicators, sizeof *s->indicators);
        struct snap_indicator *ind = &s->indicators[s->nindicators++];
        /* parent holds the parent's interned code until link_reference()
         * turns it into an index */
        *ind = (struct snap_indicator){.code = xstrdup(it->code),
                                       .name = xstrdup(it->name),
                                       .parent = it->a ? (int)snap_intern(it->a) : -1,
                                       .weight = strtod(it->b ? it->b : "0", NULL)};
    } else {
        s->campaigns = snap_grow(s->campaigns, s->ncampaigns, sizeof *s->campaigns);
        struct snap_campaign *c = &s->campaigns[s->ncampaigns++];
        *c = (struct snap_campaign){.id = atoi(it->id), .name = xstrdup(it->name)};
        snprintf(c->starts_on, sizeof c->starts_on, "%s", it->a ? it->a : "");
        snprintf(c->ends_on, sizeof c->ends_on, "%s", it->b ? it->b : "");
    }
    return true;
}

static int cmp_branch(const void *a, const void *b)
{
    const struct snap_branch *x = a, *y = b;
    if (x->level != y->level)
        return x->level - y->level;
    return strcmp(x->code, y->code);
}

static int cmp_indicator(const void *a, const void *b)
{
    return strcmp(((const struct snap_indicator *)a)->code,
                  ((const struct snap_indicator *)b)->code);
}

static int cmp_campaign(const void *a, const void *b)
{
    return ((const struct snap_campaign *)a)->id - ((const struct snap_campaign *)b)->id;
}

int snap_branch_by_id(const struct snap *s, int id)
{
    for (size_t i = 0; i < s->nbranches; i++)
        if (s->branches[i].id == id)
            return (int)i;
    return -1;
}

/* qsort(), which must not be given the NULL of an empty array (C11
 * 7.22.5: the pointer must be valid even for no element). */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

void snap_link_reference(struct snap *s)
{
    sort(s->branches, s->nbranches, sizeof *s->branches, cmp_branch);
    sort(s->indicators, s->nindicators, sizeof *s->indicators, cmp_indicator);
    sort(s->campaigns, s->ncampaigns, sizeof *s->campaigns, cmp_campaign);
    for (size_t i = 0; i < s->nbranches; i++) {
        struct snap_branch *b = &s->branches[i];
        b->parent = b->parent < 0 ? -1 : snap_branch_by_id(s, b->parent);
        if (b->parent == (int)i)
            b->parent = -1;
    }
    for (size_t i = 0; i < s->nbranches; i++) {
        int p = s->branches[i].parent;
        if (p < 0)
            continue;
        struct snap_branch *pb = &s->branches[p];
        pb->children = snap_grow(pb->children, (size_t)pb->nchildren, sizeof *pb->children);
        pb->children[pb->nchildren++] = (int)i; /* in code order: branches are sorted */
    }
    for (size_t i = 0; i < s->nindicators; i++) {
        int code = s->indicators[i].parent;
        s->indicators[i].parent = code < 0 ? -1 : snap_indicator_find(s, snap_str((uint16_t)code));
    }
}

/* ---- values ------------------------------------------------------------------------ */

static const int numeric_field[SNAP_NFIELDS] = {
    SNAP_T_NUM,       SNAP_T_DEN,       SNAP_T_VALUE,         SNAP_T_BASE,
    SNAP_T_CHALLENGE, SNAP_T_PATH_BASE, SNAP_T_PATH_CHALLENGE};

bool snap_value_from_text(const struct snap *s, const char *const *t, struct snap_value *v)
{
    int kpi = snap_kpi_parse(t[SNAP_T_KPI]);
    int branch = t[SNAP_T_BRANCH] ? snap_branch_find(s, t[SNAP_T_BRANCH]) : -1;
    if (kpi < 0 || branch < 0)
        return false;
    *v = (struct snap_value){.kpi = (uint8_t)kpi,
                             .branch = (uint16_t)branch,
                             .dim = snap_intern(t[SNAP_T_DIM]),
                             .period = snap_intern(t[SNAP_T_PERIOD]),
                             .reason = snap_intern(t[SNAP_T_REASON]),
                             .campaign = t[SNAP_T_CAMPAIGN] ? atoi(t[SNAP_T_CAMPAIGN]) : -1,
                             .status = (uint8_t)snap_status_parse(t[SNAP_T_STATUS]),
                             .previous = (uint8_t)snap_status_parse(t[SNAP_T_PREVIOUS_STATUS]),
                             .partial = t[SNAP_T_PARTIAL] && t[SNAP_T_PARTIAL][0] == 't'};
    for (int f = 0; f < SNAP_NFIELDS; f++) {
        const char *text = t[numeric_field[f]];
        v->f[f] = text ? strtod(text, NULL) : NAN;
        /* the compute JSON prints a numeric without a fraction as an integer */
        if (text && !strchr(text, '.') && !strchr(text, 'e'))
            v->integer |= (uint8_t)(1u << f);
    }
    return true;
}

void snap_run_index(struct snap_run *r)
{
    size_t i = 0;
    for (int k = 0; k <= SNAP_NKPI; k++) {
        while (i < r->nvalues && r->values[i].kpi < k)
            i++;
        r->kpi_start[k] = i;
    }
}

const char *snap_zone_limit_name(int limit)
{
    static const char *const names[SNAP_NZONE_LIMITS] = {"k5_bill_a", "k5_minutes_b",
                                                         "k5_minutes_c"};
    return limit >= 0 && limit < SNAP_NZONE_LIMITS ? names[limit] : "";
}

struct snap_run *snap_run_new(long long run_id, const char *as_of, size_t nvalues)
{
    struct snap_run *r = xcalloc(1, sizeof *r);
    r->values = xcalloc(nvalues, sizeof *r->values);
    atomic_init(&r->refs, 1);
    r->run_id = run_id;
    snprintf(r->as_of, sizeof r->as_of, "%s", as_of);
    for (int i = 0; i < SNAP_NZONE_LIMITS; i++)
        r->zone_limits[i] = NAN;
    return r;
}

void snap_run_add_dq(struct snap_run *r, const char *rule, long long rows)
{
    r->dq = snap_grow(r->dq, r->ndq, sizeof *r->dq);
    r->dq[r->ndq++] = (struct snap_dq){.rule = snap_intern(rule), .rows = rows};
}

void snap_add_run(struct snap *s, struct snap_run *r)
{
    s->runs = snap_grow(s->runs, s->nruns, sizeof *s->runs);
    s->runs[s->nruns++] = r;
}

void snap_add_zones(struct snap *s, struct snap_zones *z)
{
    s->zones = snap_grow(s->zones, s->nzones, sizeof *s->zones);
    s->zones[s->nzones++] = z;
}

/* ---- the identity of the contents ------------------------------------------------------ */

static void digest_text(struct digest *d, const char *text)
{
    digest_add(d, text, strlen(text) + 1);
}

void snap_compute_id(struct snap *s)
{
    struct digest d;
    char hex[DIGEST_HEX_LEN + 1];
    digest_init(&d);
    for (size_t i = 0; i < s->nbranches; i++) {
        digest_text(&d, s->branches[i].code);
        digest_text(&d, s->branches[i].name);
    }
    for (size_t i = 0; i < s->nindicators; i++)
        digest_text(&d, s->indicators[i].code);
    for (size_t i = 0; i < s->ncampaigns; i++)
        digest_add(&d, &s->campaigns[i].id, sizeof s->campaigns[i].id);
    for (size_t i = 0; i < s->nruns; i++)
        digest_add(&d, &s->runs[i]->run_id, sizeof s->runs[i]->run_id);
    for (size_t i = 0; i < s->nzones; i++)
        digest_add(&d, &s->zones[i]->run_id, sizeof s->zones[i]->run_id);
    digest_hex(&d, hex);
    long long newest = s->nruns ? s->runs[s->nruns - 1]->run_id : 0;
    snprintf(s->id, sizeof s->id, "%lld-%.16s", newest, hex);
}

/* ---- lookups --------------------------------------------------------------------------------- */

int snap_branch_find(const struct snap *s, const char *code)
{
    for (size_t i = 0; code && i < s->nbranches; i++)
        if (strcmp(s->branches[i].code, code) == 0)
            return (int)i;
    return -1;
}

int snap_branch_root(const struct snap *s)
{
    for (size_t i = 0; i < s->nbranches; i++)
        if (s->branches[i].level == 0 && s->branches[i].parent < 0)
            return (int)i;
    return -1;
}

bool snap_branch_within(const struct snap *s, int b, int ancestor)
{
    for (int depth = 0; b >= 0 && depth < 64; depth++, b = s->branches[b].parent)
        if (b == ancestor)
            return true;
    return false;
}

int snap_indicator_find(const struct snap *s, const char *code)
{
    for (size_t i = 0; code && i < s->nindicators; i++)
        if (strcmp(s->indicators[i].code, code) == 0)
            return (int)i;
    return -1;
}

const struct snap_run *snap_latest(const struct snap *s)
{
    return s->nruns ? s->runs[s->nruns - 1] : NULL;
}

const struct snap_run *snap_run_on(const struct snap *s, const char *as_of)
{
    for (size_t i = s->nruns; i-- > 0;)
        if (strcmp(s->runs[i]->as_of, as_of) == 0)
            return s->runs[i];
    return NULL;
}

const struct snap_run *snap_run_previous_month(const struct snap *s, const char *as_of)
{
    char first[11], prev_first[11];
    snprintf(first, sizeof first, "%.8s01", as_of);
    date_shift(first, -1, 0, prev_first);
    for (size_t i = s->nruns; i-- > 0;)
        if (strcmp(s->runs[i]->as_of, first) < 0 && strcmp(s->runs[i]->as_of, prev_first) >= 0)
            return s->runs[i];
    return NULL;
}

const struct snap_run *snap_run_previous_day(const struct snap *s, const char *as_of)
{
    char day[11];
    date_shift(as_of, 0, -1, day);
    return snap_run_on(s, day);
}

const struct snap_value *snap_find(const struct snap_run *run, enum snap_kpi kpi, int branch,
                                   const char *dim, int campaign)
{
    for (size_t i = run->kpi_start[kpi]; i < run->kpi_start[kpi + 1]; i++) {
        const struct snap_value *v = &run->values[i];
        const char *d = snap_str(v->dim);
        if (v->branch == branch && v->campaign == campaign &&
            (d == dim || (d && dim && strcmp(d, dim) == 0)))
            return v;
    }
    return NULL;
}

const struct snap_zones *snap_zones_of(const struct snap *s, long long run_id)
{
    for (size_t i = 0; i < s->nzones; i++)
        if (s->zones[i]->run_id == run_id)
            return s->zones[i];
    return NULL;
}
