/* retentiond bulletin: the daily bulletin of a date, for the province or a
 * branch, as HTML, PDF or PNG, from the stored runs (the same bytes as the
 * daemon's /bulletins/DATE for the same runs). */
#include "cmd.h"

#include "bulletin_doc.h"
#include "snap_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum format { FMT_HTML, FMT_PDF, FMT_PNG, FMT_NONE };

static enum format format_of(const struct cli_args *a)
{
    static const char *const names[] = {"html", "pdf", "png"};
    const char *dot = strrchr(a->out, '.');
    const char *f = a->format ? a->format : dot ? dot + 1 : "";
    for (int i = 0; i < FMT_NONE; i++)
        if (strcmp(f, names[i]) == 0)
            return (enum format)i;
    return FMT_NONE;
}

/* The stored runs around the date: the history a daemon's snapshot holds. */
static struct snap *load(const struct cli_args *a)
{
    struct db *db = NULL;
    struct snap *s = NULL;
    if (db_connect(cmd_conninfo(a), 0, &db))
        snap_build_db(db, 92, NULL, NULL, &s); /* failure logged */
    db_close(db);
    return s;
}

static bool render(const struct cli_args *a, enum format f, const struct view_bulletin *v,
                   unsigned char **out, size_t *len)
{
    char msg[300], note[300] = "";
    chart_fonts *fonts = NULL;
    chart_ctx *ctx = NULL;
    bool ok = false;
    const struct labels *l = labels_get(a->lang);
    if (f == FMT_HTML) {
        struct buf html = BUF_INIT;
        bulletin_html(v, l, &html);
        *out = (unsigned char *)buf_detach(&html, len);
        return true;
    }
    if (!(fonts = chart_fonts_new(a->font, msg, sizeof msg)) ||
        !(ctx = chart_ctx_new(fonts, msg, sizeof msg)))
        goto done;
    ok = f == FMT_PDF ? bulletin_pdf(v, l, ctx, out, len, msg, sizeof msg)
                      : bulletin_png(v, l, ctx, 0, out, len, note, sizeof note, msg, sizeof msg);
    if (*note)
        fprintf(stderr, "retentiond: bulletin: %s\n", note);
done:
    if (!ok)
        fprintf(stderr, "retentiond: bulletin: %s\n", msg);
    chart_ctx_free(ctx);
    chart_fonts_free(fonts);
    return ok;
}

int cmd_bulletin(const struct cli_args *a)
{
    enum format f = format_of(a);
    struct view_params p;
    struct view_error err = {0};
    struct view_bulletin v = {0};
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = 1;
    if (f == FMT_NONE) {
        fprintf(stderr, "retentiond: bulletin: the format is html, pdf or png (--format or "
                        "--out's extension)\n");
        return 2;
    }
    struct snap *s = load(a);
    if (!s)
        return 1; /* logged */
    const char *pairs[] = {"date", a->date, "branch", a->branch, NULL};
    view_params_list(&p, pairs);
    if (!view_bulletin_build(s, &p, &v, &err)) {
        fprintf(stderr, "retentiond: bulletin: %s%s%s%s\n", err.param ? "--" : "",
                err.param ? err.param : "", err.param ? ": " : "", err.message);
        goto done;
    }
    if (render(a, f, &v, &bytes, &len))
        rc = cmd_write_out(a->out, bytes, len) ? 0 : 1;
done:
    free(bytes);
    view_bulletin_free(&v);
    snap_unref(s);
    return rc;
}
