/* libFuzzer target: a request's parameters, validated and served by every
 * API view and checked by the charts (views/view.h, render/plot.h), over
 * the fixture snapshot (tests/fixtures/snapshots/views.jsonl). Input: a
 * byte choosing the view (the last value: a chart), a byte choosing the
 * scope (none, the province, a city, a county, an unknown code), then a
 * query string "name=value&..." as the server hands it over: decoded,
 * and a name or value that is not UTF-8, or a name given twice, refused
 * before the views (so left out here).
 *
 * Properties: a refusal is a 4xx with an error code (a 404 for data the
 * snapshot lacks); what view_validate accepts, view_json serves or refuses
 * with a 404, never a 5xx; a served body is a JSON object. */
#include "fuzz.h"
#include "plot.h"
#include "utf8.h"
#include "view.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAIRS 16

static struct snap *snap;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!snap_read_file(FUZZ_SNAPSHOT, &snap))
        abort();
    return 0;
}

/* The pairs of q (modified in place) into pairs; false when the server
 * would refuse the query (not UTF-8, a name twice, too many). */
static bool split_query(char *q, const char **pairs)
{
    size_t n = 0;
    for (char *p = q, *next; p && *p; p = next) {
        next = strchr(p, '&');
        if (next)
            *next++ = '\0';
        char *eq = strchr(p, '=');
        if (eq)
            *eq++ = '\0';
        if (n == 2 * MAX_PAIRS || !utf8_valid(p, strlen(p)) || (eq && !utf8_valid(eq, strlen(eq))))
            return false;
        for (size_t i = 0; i < n; i += 2)
            if (strcmp(pairs[i], p) == 0)
                return false;
        pairs[n++] = p;
        pairs[n++] = eq ? eq : "";
    }
    pairs[n] = NULL;
    return true;
}

static void check_refusal(const struct view_error *err)
{
    if (err->status < 400 || err->status >= 500 || !err->code)
        abort();
}

static void serve(enum view_kind kind, const struct view_params *p)
{
    struct view_error err = {0};
    if (!view_validate(kind, snap, p, &err)) {
        check_refusal(&err);
        return;
    }
    json_t *body = NULL;
    bool complete = true;
    err = (struct view_error){0};
    if (view_json(kind, snap, p, &body, &complete, &err)) {
        if (!json_is_object(body))
            abort();
        json_decref(body);
    } else if (err.status != 404) {
        abort();
    }
}

static void chart(const struct view_params *p)
{
    static const char *const names[] = {"trend.png", "ranking.svg",  "bullet.png",
                                        "zones.png", "panorama.svg", "sparkline.png"};
    struct plot_request rq = {0};
    struct view_error err = {0};
    if (!plot_parse_name(names[(unsigned char)view_arg(p, "kind")[0] % 6], &rq))
        abort();
    rq.kpi = view_arg(p, "kpi");
    rq.branch = view_arg(p, "branch");
    rq.dim = view_arg(p, "dim");
    rq.campaign = view_arg(p, "campaign");
    rq.date = view_arg(p, "date");
    const char *w = view_arg(p, "width");
    if (w && !plot_parse_size("width", w, &rq, &err)) {
        check_refusal(&err);
        return;
    }
    if (!plot_check(snap, p, &rq, PLOT_MAX_PIXELS, &err))
        check_refusal(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const scopes[] = {NULL, "420000", "420100", "420101", "999999"};
    if (size < 2)
        return 0;
    char *q = malloc(size - 1);
    memcpy(q, data + 2, size - 2);
    q[size - 2] = '\0';
    const char *pairs[2 * MAX_PAIRS + 3];
    if (split_query(q, pairs)) {
        struct view_params p;
        view_params_list(&p, pairs);
        p.scope = scopes[data[1] % 5];
        if (data[0] % (VIEW_NKINDS + 1) == VIEW_NKINDS) {
            const char *kind = view_arg(&p, "kind");
            if (kind && *kind)
                chart(&p);
        } else {
            serve((enum view_kind)(data[0] % (VIEW_NKINDS + 1)), &p);
        }
    }
    free(q);
    return 0;
}
