#include "runs.h"

static bool runs_parse(const struct snap *s, const struct view_params *p,
                       const struct snap_run **run, struct view_error *err)
{
    char date[11];
    return view_param_date(p, "date", date, err) && view_pick_run(s, date, run, err);
}

bool view_runs_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    const struct snap_run *run;
    return runs_parse(s, p, &run, err);
}

bool view_runs_json(const struct snap *s, const struct view_params *p, json_t **out,
                    struct view_error *err)
{
    const struct snap_run *run;
    if (!runs_parse(s, p, &run, err))
        return false;
    json_t *wm = json_object(), *runs = json_array();
    for (int w = 0; w < SNAP_NWATERMARK; w++)
        json_object_set_new(wm, snap_watermark_name((enum snap_watermark)w),
                            *run->watermark[w] ? json_string(run->watermark[w]) : json_null());
    for (size_t i = s->nruns; i-- > 0;)
        json_array_append_new(runs, json_pack("{s:s, s:I}", "as_of", s->runs[i]->as_of, "run_id",
                                              (json_int_t)s->runs[i]->run_id));
    *out = json_pack("{s:s, s:I, s:o, s:o}", "as_of", run->as_of, "run_id", (json_int_t)run->run_id,
                     "watermark", wm, "runs", runs);
    return true;
}
