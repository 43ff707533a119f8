#include "snap.h"

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "sql_embed.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SNAP_FORMAT "retentiond-snapshot/2"
#define MONTHS_KEPT "24"

/* ---- interned strings -------------------------------------------------------
 * dims, periods, reasons and data-quality rules come from small fixed sets;
 * they are interned once for the life of the process so that runs shared by
 * several snapshots (or read from a file) agree on the numbers. Append-only:
 * an id handed out is published to other threads by the snapshot swap. */

#define MAX_STRINGS 65535

static char *strings[MAX_STRINGS + 1];
static size_t nstrings = 1; /* id 0 = NULL */
static pthread_mutex_t strings_mu = PTHREAD_MUTEX_INITIALIZER;

static uint16_t intern(const char *text)
{
    if (!text)
        return 0;
    uint16_t id = 0;
    pthread_mutex_lock(&strings_mu);
    for (size_t i = 1; i < nstrings; i++)
        if (strcmp(strings[i], text) == 0) {
            id = (uint16_t)i;
            goto done;
        }
    if (nstrings <= MAX_STRINGS) {
        strings[nstrings] = xstrdup(text);
        id = (uint16_t)nstrings++;
    } else {
        char quoted[256];
        log_error("msg=\"too many distinct strings in the snapshot\" text=\"%s\"",
                  log_quote(quoted, sizeof quoted, text));
    }
done:
    pthread_mutex_unlock(&strings_mu);
    return id;
}

const char *snap_str(uint16_t id)
{
    return id ? strings[id] : NULL;
}

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

static enum snap_status status_parse(const char *text)
{
    for (int i = 1; i < 4; i++)
        if (text && strcmp(status_names[i], text) == 0)
            return (enum snap_status)i;
    return SNAP_STATUS_NONE;
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

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

#define FNV_SEED 14695981039346656037ULL

/* ---- life cycle --------------------------------------------------------------- */

static void run_unref(struct snap_run *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    free(r->values);
    free(r->dq);
    free(r);
}

static struct snap *snap_new(void)
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
        run_unref(s->runs[i]);
    free(s->branches);
    free(s->indicators);
    free(s->campaigns);
    free(s->runs);
    cache_free(s->cache);
    free(s);
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

/* One item of reference data, as text, whatever the source (database row or
 * file). Missing values are NULL. */
struct ref_item {
    char kind; /* 'b', 'i', 'c' */
    const char *id, *code, *name, *a, *b;
};

/* `array` of n elements of `size` bytes, grown by one. */
static void *grow(void *array, size_t n, size_t size)
{
    return xrealloc(array, (n + 1) * size);
}

/* Whether the item has what it cannot do without: a branch its id, code,
 * name and level; an indicator its code and name; a campaign its id and
 * name (the database declares them NOT NULL; a file or a warehouse may
 * not hold to it). */
static bool ref_item_complete(const struct ref_item *it)
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

/* Adds a complete item; false (nothing added) for an incomplete one. */
static bool add_ref_item(struct snap *s, const struct ref_item *it)
{
    if (!ref_item_complete(it))
        return false;
    if (it->kind == 'b') {
        s->branches = grow(s->branches, s->nbranches, sizeof *s->branches);
        struct snap_branch *b = &s->branches[s->nbranches++];
        *b = (struct snap_branch){.id = atoi(it->id),
                                  .parent = it->a ? atoi(it->a) : -1, /* an id until linked */
                                  .level = atoi(it->b),
                                  .code = xstrdup(it->code),
                                  .name = xstrdup(it->name)};
    } else if (it->kind == 'i') {
        s->indicators = grow(s->indicators, s->nindicators, sizeof *s->indicators);
        struct snap_indicator *ind = &s->indicators[s->nindicators++];
        /* parent holds the parent's interned code until link_reference()
         * turns it into an index */
        *ind = (struct snap_indicator){.code = xstrdup(it->code),
                                       .name = xstrdup(it->name),
                                       .parent = it->a ? (int)intern(it->a) : -1,
                                       .weight = strtod(it->b ? it->b : "0", NULL)};
    } else {
        s->campaigns = grow(s->campaigns, s->ncampaigns, sizeof *s->campaigns);
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

static int branch_by_id(const struct snap *s, int id)
{
    for (size_t i = 0; i < s->nbranches; i++)
        if (s->branches[i].id == id)
            return (int)i;
    return -1;
}

/* Sorts the reference data and turns parent ids/codes into indexes. */
static void link_reference(struct snap *s)
{
    qsort(s->branches, s->nbranches, sizeof *s->branches, cmp_branch);
    qsort(s->indicators, s->nindicators, sizeof *s->indicators, cmp_indicator);
    qsort(s->campaigns, s->ncampaigns, sizeof *s->campaigns, cmp_campaign);
    for (size_t i = 0; i < s->nbranches; i++) {
        struct snap_branch *b = &s->branches[i];
        b->parent = b->parent < 0 ? -1 : branch_by_id(s, b->parent);
        if (b->parent == (int)i)
            b->parent = -1;
    }
    for (size_t i = 0; i < s->nbranches; i++) {
        int p = s->branches[i].parent;
        if (p < 0)
            continue;
        struct snap_branch *pb = &s->branches[p];
        pb->children = grow(pb->children, (size_t)pb->nchildren, sizeof *pb->children);
        pb->children[pb->nchildren++] = (int)i; /* in code order: branches are sorted */
    }
    for (size_t i = 0; i < s->nindicators; i++) {
        int code = s->indicators[i].parent;
        s->indicators[i].parent = code < 0 ? -1 : snap_indicator_find(s, snap_str((uint16_t)code));
    }
}

/* ---- values ------------------------------------------------------------------------ */

/* One value as text fields, whatever the source. */
enum {
    R_KPI,
    R_BRANCH,
    R_DIM,
    R_CAMPAIGN,
    R_PERIOD,
    R_NUM,
    R_DEN,
    R_VALUE,
    R_STATUS,
    R_BASE,
    R_CHALLENGE,
    R_PARTIAL,
    R_REASON,
    R_PATH_BASE,
    R_PATH_CHALLENGE,
    R_PREVIOUS_STATUS,
    R_NFIELDS
};

static const int numeric_field[SNAP_NFIELDS] = {R_NUM,       R_DEN,       R_VALUE,         R_BASE,
                                                R_CHALLENGE, R_PATH_BASE, R_PATH_CHALLENGE};

/* Fills v from text fields; false when the KPI or branch is unknown. */
static bool value_from_text(const struct snap *s, const char *const *t, struct snap_value *v)
{
    int kpi = snap_kpi_parse(t[R_KPI]);
    int branch = t[R_BRANCH] ? snap_branch_find(s, t[R_BRANCH]) : -1;
    if (kpi < 0 || branch < 0)
        return false;
    *v = (struct snap_value){.kpi = (uint8_t)kpi,
                             .branch = (uint16_t)branch,
                             .dim = intern(t[R_DIM]),
                             .period = intern(t[R_PERIOD]),
                             .reason = intern(t[R_REASON]),
                             .campaign = t[R_CAMPAIGN] ? atoi(t[R_CAMPAIGN]) : -1,
                             .status = (uint8_t)status_parse(t[R_STATUS]),
                             .previous = (uint8_t)status_parse(t[R_PREVIOUS_STATUS]),
                             .partial = t[R_PARTIAL] && t[R_PARTIAL][0] == 't'};
    for (int f = 0; f < SNAP_NFIELDS; f++) {
        const char *text = t[numeric_field[f]];
        v->f[f] = text ? strtod(text, NULL) : NAN;
        /* the compute JSON prints a numeric without a fraction as an integer */
        if (text && !strchr(text, '.') && !strchr(text, 'e'))
            v->integer |= (uint8_t)(1u << f);
    }
    return true;
}

static void run_index(struct snap_run *r)
{
    size_t i = 0;
    for (int k = 0; k <= SNAP_NKPI; k++) {
        while (i < r->nvalues && r->values[i].kpi < k)
            i++;
        r->kpi_start[k] = i;
    }
}

static struct snap_run *run_new(long long run_id, const char *as_of, size_t nvalues)
{
    struct snap_run *r = xcalloc(1, sizeof *r);
    r->values = xcalloc(nvalues, sizeof *r->values);
    atomic_init(&r->refs, 1);
    r->run_id = run_id;
    snprintf(r->as_of, sizeof r->as_of, "%s", as_of);
    return r;
}

static void run_add_dq(struct snap_run *r, const char *rule, long long rows)
{
    r->dq = grow(r->dq, r->ndq, sizeof *r->dq);
    r->dq[r->ndq++] = (struct snap_dq){.rule = intern(rule), .rows = rows};
}

static void add_run(struct snap *s, struct snap_run *r)
{
    s->runs = grow(s->runs, s->nruns, sizeof *s->runs);
    s->runs[s->nruns++] = r;
}

/* ---- the identity of the contents ------------------------------------------------------ */

static void compute_id(struct snap *s)
{
    uint64_t h = FNV_SEED;
    for (size_t i = 0; i < s->nbranches; i++) {
        h = fnv1a(h, s->branches[i].code, strlen(s->branches[i].code) + 1);
        h = fnv1a(h, s->branches[i].name, strlen(s->branches[i].name) + 1);
    }
    for (size_t i = 0; i < s->nindicators; i++)
        h = fnv1a(h, s->indicators[i].code, strlen(s->indicators[i].code) + 1);
    for (size_t i = 0; i < s->ncampaigns; i++)
        h = fnv1a(h, &s->campaigns[i].id, sizeof s->campaigns[i].id);
    for (size_t i = 0; i < s->nruns; i++)
        h = fnv1a(h, &s->runs[i]->run_id, sizeof s->runs[i]->run_id);
    long long newest = s->nruns ? s->runs[s->nruns - 1]->run_id : 0;
    snprintf(s->id, sizeof s->id, "%lld-%016llx", newest, (unsigned long long)h);
}

/* ---- from the database ------------------------------------------------------------------ */

static const struct snap_run *find_shared(const struct snap *previous, long long run_id)
{
    for (size_t i = 0; previous && i < previous->nruns; i++)
        if (previous->runs[i]->run_id == run_id)
            return previous->runs[i];
    return NULL;
}

static bool read_reference(struct db *db, struct snap *s)
{
    struct db_result *res = NULL;
    int skipped = 0;
    if (!db_query(db, sql_embed_get("api/snapshot_reference.sql"), 0, NULL, &res))
        return false;
    for (int i = 0; i < db_rows(res); i++) {
        const char *kind = db_value(res, i, 0);
        struct ref_item it = {.kind = kind ? kind[0] : '\0',
                              .id = db_value(res, i, 1),
                              .code = db_value(res, i, 2),
                              .name = db_value(res, i, 3),
                              .a = db_value(res, i, 4),
                              .b = db_value(res, i, 5)};
        skipped += !add_ref_item(s, &it);
    }
    db_result_free(res);
    if (skipped)
        log_warn("msg=\"reference rows skipped\" rows=%d reason=\"a NULL id, code, name or "
                 "level\"",
                 skipped);
    link_reference(s);
    return true;
}

/* Runs read by one query: all of them for a filtered snapshot (a few rows
 * each), else READ_BATCH at a time: a result of a whole province's runs is
 * held at once, and glibc keeps the heap it grew (the bench/http daemon:
 * 42 MB RSS reading 4 runs a query, as with 1; 57 MB with 8). */
#define READ_BATCH 4

/* One query's runs: positions `at` in the run list, filled into its slots. */
struct batch {
    const struct db_result *runs; /* run_id, as_of */
    struct snap_run **slots;
    const int *at;
    size_t n;
};

/* Whether two texts (NULL = SQL NULL) are the same. */
static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static struct snap_run **batch_slot(const struct batch *b, const char *run_id)
{
    for (size_t k = 0; run_id && k < b->n; k++)
        if (strcmp(db_value(b->runs, b->at[k], 0), run_id) == 0)
            return &b->slots[b->at[k]];
    return NULL; /* NULL, or not in the batch, which the query's WHERE rules out */
}

/* Creates the batch's runs from the values' rows, which come run by run;
 * returns how many rows were skipped. */
static int batch_values(const struct snap *s, const struct batch *b, const struct db_result *vals)
{
    int rows = db_rows(vals), skipped = 0;
    for (int first = 0, end; first < rows; first = end) {
        const char *id = db_value(vals, first, R_NFIELDS);
        for (end = first + 1; end < rows && same_text(db_value(vals, end, R_NFIELDS), id);)
            end++;
        struct snap_run **slot = batch_slot(b, id);
        if (!slot || *slot) {
            skipped += end - first;
            continue;
        }
        struct snap_run *r = *slot = run_new(atoll(id), "", (size_t)(end - first));
        for (int i = first; i < end; i++) {
            const char *t[R_NFIELDS];
            for (int f = 0; f < R_NFIELDS; f++)
                t[f] = db_value(vals, i, f);
            if (value_from_text(s, t, &r->values[r->nvalues]))
                r->nvalues++;
            else
                skipped++;
        }
    }
    for (size_t k = 0; k < b->n; k++) { /* the as-of dates; runs without a value */
        struct snap_run **slot = &b->slots[b->at[k]];
        if (!*slot)
            *slot = run_new(atoll(db_value(b->runs, b->at[k], 0)), "", 0);
        snprintf((*slot)->as_of, sizeof(*slot)->as_of, "%s", db_value(b->runs, b->at[k], 1));
    }
    return skipped;
}

/* The data-quality rows into the batch's runs; returns how many were skipped. */
static int batch_dq(const struct batch *b, const struct db_result *dq)
{
    int skipped = 0;
    for (int i = 0; dq && i < db_rows(dq); i++) {
        const char *rule = db_value(dq, i, 0), *rows = db_value(dq, i, 1);
        struct snap_run **slot = batch_slot(b, db_value(dq, i, 2));
        if (slot && rule && rows)
            run_add_dq(*slot, rule, atoll(rows));
        else
            skipped++;
    }
    return skipped;
}

static bool read_batch(struct db *db, const struct snap *s, const struct snap_filter *filter,
                       const struct batch *b)
{
    struct db_result *vals = NULL, *dq = NULL;
    struct buf ids = BUF_INIT;
    bool ok = false;
    buf_puts(&ids, "{");
    for (size_t k = 0; k < b->n; k++)
        buf_printf(&ids, "%s%s", k ? "," : "", db_value(b->runs, b->at[k], 0));
    buf_puts(&ids, "}");
    const char *params[] = {ids.data, filter ? filter->kpi : NULL, filter ? filter->branch : NULL};
    if (!db_query(db, sql_embed_get("kpi/run_values.sql"), 3, params, &vals) ||
        (!filter && !db_query(db, sql_embed_get("kpi/run_data_quality.sql"), 1, params, &dq)))
        goto done; /* a filtered snapshot (one chart) has no use for the data quality */
    int skipped = batch_values(s, b, vals), dq_skipped = batch_dq(b, dq);
    if (skipped || dq_skipped)
        log_warn("msg=\"stored rows skipped\" runs=\"%s\" values=%d data_quality=%d "
                 "reason=\"a NULL or unknown run, KPI, branch or rule\"",
                 ids.data, skipped, dq_skipped);
    for (size_t k = 0; k < b->n; k++)
        run_index(b->slots[b->at[k]]);
    ok = true;
done:
    buf_release(&ids);
    db_result_free(vals);
    db_result_free(dq);
    return ok;
}

/* Reads the runs of the run list whose slot is still empty (not shared
 * with the previous snapshot), batch by batch. */
static bool read_runs(struct db *db, const struct snap *s, const struct snap_filter *filter,
                      const struct db_result *runs, struct snap_run **slots)
{
    int nruns = db_rows(runs);
    size_t most = filter ? (size_t)nruns : READ_BATCH;
    int *at = xcalloc((size_t)nruns, sizeof *at);
    bool ok = true;
    for (int i = 0; ok && i < nruns;) {
        struct batch b = {.runs = runs, .slots = slots, .at = at};
        for (; i < nruns && b.n < most; i++)
            if (!slots[i])
                at[b.n++] = i;
        ok = !b.n || read_batch(db, s, filter, &b);
    }
    free(at);
    return ok;
}

/* Every run of the list has its id and as-of date. */
static bool runs_complete(const struct db_result *runs)
{
    for (int i = 0; i < db_rows(runs); i++)
        if (!db_value(runs, i, 0) || !db_value(runs, i, 1)) {
            log_error("msg=\"snapshot not built\" reason=\"a run without an id or date\"");
            return false;
        }
    return true;
}

bool snap_build_db(struct db *db, int history_days, const struct snap *previous,
                   const struct snap_filter *filter, struct snap **out)
{
    struct snap *s = snap_new();
    struct db_result *runs = NULL;
    struct snap_run **slots = NULL;
    char days[16];
    snprintf(days, sizeof days, "%d", history_days);
    const char *params[] = {days};
    bool ok = false;
    s->built_at = (long long)time(NULL);
    if (!read_reference(db, s) ||
        !db_query(db, sql_embed_get("api/snapshot_runs.sql"), 1, params, &runs) ||
        !runs_complete(runs))
        goto done;
    int nruns = db_rows(runs);
    slots = xcalloc((size_t)nruns, sizeof *slots);
    for (int i = 0; i < nruns && !filter; i++)
        if ((slots[i] = (struct snap_run *)find_shared(previous, atoll(db_value(runs, i, 0)))))
            atomic_fetch_add(&slots[i]->refs, 1);
    ok = read_runs(db, s, filter, runs, slots);
    for (int i = 0; i < nruns; i++)
        if (ok)
            add_run(s, slots[i]);
        else if (slots[i])
            run_unref(slots[i]);
    if (ok)
        compute_id(s);
done:
    free(slots);
    db_result_free(runs);
    if (ok)
        *out = s;
    else
        snap_unref(s);
    return ok;
}

/* ---- the file ------------------------------------------------------------------------------
 * JSON lines: a header object (format, id, built_at, branches, indicators,
 * campaigns), then one object per run. Each line is parsed on its own, so
 * reading never holds more than one run as JSON. */

json_t *snap_text_json(const char *text)
{
    return text ? json_string(text) : json_null();
}

json_t *snap_field_json(const struct snap_value *v, int f)
{
    if (!v || isnan(v->f[f]))
        return json_null();
    if (v->integer & (1u << f))
        return json_integer((json_int_t)v->f[f]);
    return json_real(v->f[f]);
}

static json_t *header_json(const struct snap *s)
{
    json_t *branches = json_array(), *indicators = json_array(), *campaigns = json_array();
    for (size_t i = 0; i < s->nbranches; i++) {
        const struct snap_branch *b = &s->branches[i];
        json_array_append_new(
            branches,
            json_pack("[i, s, s, o, i]", b->id, b->code, b->name,
                      b->parent < 0 ? json_null() : json_integer(s->branches[b->parent].id),
                      b->level));
    }
    for (size_t i = 0; i < s->nindicators; i++) {
        const struct snap_indicator *ind = &s->indicators[i];
        json_array_append_new(
            indicators,
            json_pack("[s, s, o, f]", ind->code, ind->name,
                      snap_text_json(ind->parent < 0 ? NULL : s->indicators[ind->parent].code),
                      ind->weight));
    }
    for (size_t i = 0; i < s->ncampaigns; i++) {
        const struct snap_campaign *c = &s->campaigns[i];
        json_array_append_new(campaigns,
                              json_pack("[i, s, s, s]", c->id, c->name, c->starts_on, c->ends_on));
    }
    return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}", "format", SNAP_FORMAT, "id", s->id,
                     "built_at", (json_int_t)s->built_at, "branches", branches, "indicators",
                     indicators, "campaigns", campaigns);
}

static json_t *run_json(const struct snap *s, const struct snap_run *r)
{
    json_t *values = json_array(), *dq = json_array();
    for (size_t i = 0; i < r->nvalues; i++) {
        const struct snap_value *v = &r->values[i];
        json_t *row = json_pack("[s, s, o, o, o]", kpi_names[v->kpi], s->branches[v->branch].code,
                                snap_text_json(snap_str(v->dim)),
                                v->campaign < 0 ? json_null() : json_integer(v->campaign),
                                snap_text_json(snap_str(v->period)));
        /* in the order of the R_ fields */
        for (int f = SNAP_NUM; f <= SNAP_CHALLENGE; f++) {
            json_array_append_new(row, snap_field_json(v, f));
            if (f == SNAP_VALUE)
                json_array_append_new(row, snap_text_json(snap_status_name(v->status)));
        }
        json_array_append_new(row, json_boolean(v->partial));
        json_array_append_new(row, snap_text_json(snap_str(v->reason)));
        json_array_append_new(row, snap_field_json(v, SNAP_PATH_BASE));
        json_array_append_new(row, snap_field_json(v, SNAP_PATH_CHALLENGE));
        json_array_append_new(row, snap_text_json(snap_status_name(v->previous)));
        json_array_append_new(values, row);
    }
    for (size_t i = 0; i < r->ndq; i++)
        json_array_append_new(
            dq, json_pack("[s, I]", snap_str(r->dq[i].rule), (json_int_t)r->dq[i].rows));
    return json_pack("{s:I, s:s, s:o, s:o}", "run_id", (json_int_t)r->run_id, "as_of", r->as_of,
                     "values", values, "data_quality", dq);
}

static bool write_line(FILE *f, json_t *obj)
{
    int rc = obj ? json_dumpf(obj, f, JSON_COMPACT | JSON_REAL_PRECISION(17)) : -1;
    json_decref(obj);
    return rc == 0 && fputc('\n', f) != EOF;
}

bool snap_write_file(const struct snap *s, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_error("msg=\"cannot write the snapshot\" path=%s reason=\"%s\"", tmp, strerror(errno));
        return false;
    }
    bool ok = write_line(f, header_json(s));
    for (size_t i = 0; ok && i < s->nruns; i++)
        ok = write_line(f, run_json(s, s->runs[i]));
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        log_error("msg=\"cannot write the snapshot\" path=%s reason=\"%s\"", path, strerror(errno));
        unlink(tmp);
    }
    return ok;
}

/* Text of element i of a JSON array: strings as they are, numbers printed,
 * null as NULL. `scratch` holds printed numbers. */
static const char *elem_text(json_t *arr, size_t i, char *scratch, size_t len)
{
    json_t *e = json_array_get(arr, i);
    if (json_is_string(e))
        return json_string_value(e);
    if (json_is_integer(e)) {
        snprintf(scratch, len, "%lld", (long long)json_integer_value(e));
        return scratch;
    }
    if (json_is_real(e)) {
        snprintf(scratch, len, "%.17g", json_real_value(e));
        if (!strpbrk(scratch, ".e")) /* keep it a fraction: 1.0 must not read as 1 */
            snprintf(scratch + strlen(scratch), len - strlen(scratch), ".0");
        return scratch;
    }
    if (json_is_boolean(e))
        return json_is_true(e) ? "t" : "f";
    return NULL;
}

static bool read_header(json_t *h, struct snap *s)
{
    static const char kinds[] = {'b', 'i', 'c'};
    static const char *const keys[] = {"branches", "indicators", "campaigns"};
    const char *format = json_string_value(json_object_get(h, "format"));
    const char *id = json_string_value(json_object_get(h, "id"));
    if (!format || strcmp(format, SNAP_FORMAT) != 0 || !id)
        return false;
    snprintf(s->id, sizeof s->id, "%s", id);
    s->built_at = (long long)json_integer_value(json_object_get(h, "built_at"));
    for (int k = 0; k < 3; k++) {
        json_t *items = json_object_get(h, keys[k]), *row;
        size_t i;
        json_array_foreach(items, i, row)
        {
            char s0[32], s3[32], s4[32];
            struct ref_item it = {.kind = kinds[k]};
            if (kinds[k] == 'b')
                it = (struct ref_item){'b',
                                       elem_text(row, 0, s0, sizeof s0),
                                       json_string_value(json_array_get(row, 1)),
                                       json_string_value(json_array_get(row, 2)),
                                       elem_text(row, 3, s3, sizeof s3),
                                       elem_text(row, 4, s4, sizeof s4)};
            else if (kinds[k] == 'i')
                it = (struct ref_item){'i',
                                       NULL,
                                       json_string_value(json_array_get(row, 0)),
                                       json_string_value(json_array_get(row, 1)),
                                       elem_text(row, 2, s3, sizeof s3),
                                       elem_text(row, 3, s4, sizeof s4)};
            else
                it = (struct ref_item){'c',
                                       elem_text(row, 0, s0, sizeof s0),
                                       NULL,
                                       json_string_value(json_array_get(row, 1)),
                                       json_string_value(json_array_get(row, 2)),
                                       json_string_value(json_array_get(row, 3))};
            if (!add_ref_item(s, &it))
                return false; /* a corrupt file: the database will tell */
        }
    }
    link_reference(s);
    return true;
}

static bool read_run_json(json_t *obj, struct snap *s)
{
    json_t *values = json_object_get(obj, "values"), *dq = json_object_get(obj, "data_quality");
    const char *as_of = json_string_value(json_object_get(obj, "as_of"));
    if (!json_is_array(values) || !json_is_array(dq) || !as_of)
        return false;
    struct snap_run *r = run_new((long long)json_integer_value(json_object_get(obj, "run_id")),
                                 as_of, json_array_size(values));
    size_t i, skipped = 0;
    json_t *row;
    json_array_foreach(values, i, row)
    {
        char scratch[R_NFIELDS][40];
        const char *t[R_NFIELDS];
        for (int f = 0; f < R_NFIELDS; f++)
            t[f] = elem_text(row, (size_t)f, scratch[f], sizeof scratch[f]);
        if (value_from_text(s, t, &r->values[r->nvalues]))
            r->nvalues++;
        else
            skipped++;
    }
    json_array_foreach(dq, i, row)
    {
        const char *rule = json_string_value(json_array_get(row, 0));
        if (rule)
            run_add_dq(r, rule, (long long)json_integer_value(json_array_get(row, 1)));
        else
            skipped++;
    }
    if (skipped)
        log_warn("msg=\"snapshot file rows skipped\" run_id=%lld rows=%zu reason=\"a NULL or "
                 "unknown KPI, branch or rule\"",
                 r->run_id, skipped);
    run_index(r);
    add_run(s, r);
    return true;
}

bool snap_read_file(const char *path, struct snap **out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno != ENOENT)
            log_warn("msg=\"cannot read the snapshot\" path=%s reason=\"%s\"", path,
                     strerror(errno));
        return false;
    }
    struct snap *s = snap_new();
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    bool ok = true;
    while (ok && getline(&line, &cap, f) > 0) {
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        ok = obj && (lineno == 0 ? read_header(obj, s) : read_run_json(obj, s));
        json_decref(obj);
        lineno++;
    }
    ok = ok && lineno > 0 && !ferror(f);
    free(line);
    fclose(f);
    if (!ok) {
        log_warn("msg=\"snapshot file unusable, ignored\" path=%s line=%ld", path, lineno);
        snap_unref(s);
        return false;
    }
    *out = s;
    return true;
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

static void shift_date(const char *date, int months, int days, char out[11])
{
    struct tm tm = {0};
    sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1 - months;
    tm.tm_mday += days;
    tm.tm_hour = 12;
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

const struct snap_run *snap_run_previous_month(const struct snap *s, const char *as_of)
{
    char first[11], prev_first[11];
    snprintf(first, sizeof first, "%.8s01", as_of);
    shift_date(first, -1, 0, prev_first);
    for (size_t i = s->nruns; i-- > 0;)
        if (strcmp(s->runs[i]->as_of, first) < 0 && strcmp(s->runs[i]->as_of, prev_first) >= 0)
            return s->runs[i];
    return NULL;
}

const struct snap_run *snap_run_previous_day(const struct snap *s, const char *as_of)
{
    char day[11];
    shift_date(as_of, 0, -1, day);
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

/* ---- rendering ----------------------------------------------------------------------------------
 */

json_t *snap_value_json(const struct snap *s, const struct snap_value *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "kpi", json_string(kpi_names[v->kpi]));
    json_object_set_new(o, "branch", json_string(s->branches[v->branch].code));
    json_object_set_new(o, "dim", snap_text_json(snap_str(v->dim)));
    json_object_set_new(o, "numerator", snap_field_json(v, SNAP_NUM));
    json_object_set_new(o, "denominator", snap_field_json(v, SNAP_DEN));
    json_object_set_new(o, "value", snap_field_json(v, SNAP_VALUE));
    json_object_set_new(o, "status", snap_text_json(snap_status_name(v->status)));
    json_object_set_new(o, "target_base", snap_field_json(v, SNAP_BASE));
    json_object_set_new(o, "target_challenge", snap_field_json(v, SNAP_CHALLENGE));
    json_object_set_new(o, "path_base", snap_field_json(v, SNAP_PATH_BASE));
    json_object_set_new(o, "path_challenge", snap_field_json(v, SNAP_PATH_CHALLENGE));
    json_object_set_new(o, "previous_status", snap_text_json(snap_status_name(v->previous)));
    if (v->kpi == SNAP_BUNDLING)
        json_object_set_new(o, "campaign",
                            v->campaign < 0 ? json_null() : json_integer(v->campaign));
    if (v->kpi == SNAP_SATISFACTION || v->kpi == SNAP_SATISFACTION_GOTONE) {
        json_object_set_new(o, "period", snap_text_json(snap_str(v->period)));
        json_object_set_new(o, "partial", json_boolean(v->partial));
    }
    if (v->reason)
        json_object_set_new(o, "reason", json_string(snap_str(v->reason)));
    return o;
}

void snap_month_before(const char *date, char out[8])
{
    int y = 0, m = 0;
    sscanf(date, "%d-%d", &y, &m);
    if (--m == 0) {
        m = 12;
        y--;
    }
    /* the modulos only tell the compiler what a valid YYYY-MM date already guarantees */
    snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}
