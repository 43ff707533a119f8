#include "targets.h"

#include "log.h"

#include "buf.h"
#include "mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const kpis[] = {"retention_rate", "in_network_rate", "bundling_coverage",
                                   "satisfaction", "satisfaction_gotone"};

static bool is_rate(const char *kpi)
{
    return strncmp(kpi, "satisfaction", 12) != 0;
}

static bool valid_period(const char *p)
{
    size_t n = strlen(p);
    if (n == 0)
        return true;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)p[i]))
            return false;
    }
    if (n == 4)
        return true;
    if (n == 7 && p[4] == '-' && p[5] == 'Q')
        return p[6] >= '1' && p[6] <= '4';
    if (n == 7 && p[4] == '-' && isdigit((unsigned char)p[5]) && isdigit((unsigned char)p[6])) {
        int m = atoi(p + 5);
        return m >= 1 && m <= 12;
    }
    return false;
}

static bool valid_number(const char *kpi, const char *name, const char *text, char *err,
                         size_t errlen)
{
    char q[120];
    if (!*text)
        return true;
    char *end = NULL;
    errno = 0;
    /* decimal notation only: strtod would also take "nan", "inf" and hex */
    double v = text[strspn(text, "0123456789.+-eE")] ? NAN : strtod(text, &end);
    if (errno || !end || end == text || *end || !isfinite(v)) {
        snprintf(err, errlen, "%s '%s' is not a number", name, log_quote(q, sizeof q, text));
        return false;
    }
    if (v < 0 || (is_rate(kpi) && v > 1) || v > 100) {
        snprintf(err, errlen, "%s %s is out of range (%s)", name, text,
                 is_rate(kpi) ? "a fraction 0..1" : "a score 0..100");
        return false;
    }
    return true;
}

bool targets_check_row(char *const f[6], char *err, size_t errlen)
{
    char q[120];
    bool known = false;
    for (size_t i = 0; i < sizeof kpis / sizeof kpis[0]; i++)
        known = known || strcmp(kpis[i], f[0]) == 0;
    if (!known) {
        snprintf(err, errlen, "unknown kpi '%s'", log_quote(q, sizeof q, f[0]));
        return false;
    }
    if (!valid_period(f[3])) {
        snprintf(err, errlen, "period '%s' is not YYYY, YYYY-Qn or YYYY-MM",
                 log_quote(q, sizeof q, f[3]));
        return false;
    }
    if (!valid_number(f[0], "base", f[4], err, errlen) ||
        !valid_number(f[0], "challenge", f[5], err, errlen))
        return false;
    if (!*f[4] && !*f[5]) {
        snprintf(err, errlen, "neither base nor challenge given");
        return false;
    }
    if (*f[4] && *f[5] && strtod(f[4], NULL) > strtod(f[5], NULL)) {
        snprintf(err, errlen, "base %s is above challenge %s (the challenge is the higher goal)",
                 f[4], f[5]);
        return false;
    }
    return true;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t lead = strspn(s, " \t");
    memmove(s, s + lead, n - lead + 1);
}

/* A field in double quotes (as a spreadsheet may write it) without them,
 * a doubled quote inside as one. */
static void unquote(char *f)
{
    size_t n = strlen(f), w = 0;
    if (n < 2 || f[0] != '"' || f[n - 1] != '"')
        return;
    for (size_t r = 1; r < n - 1; r++) {
        f[w++] = f[r];
        if (f[r] == '"' && f[r + 1] == '"' && r + 1 < n - 1)
            r++;
    }
    f[w] = '\0';
}

static int split(char *line, char *fields[6])
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (n < 6)
            fields[n] = p;
        n++;
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    for (int i = 0; i < n && i < 6; i++) {
        trim(fields[i]);
        unquote(fields[i]);
    }
    return n;
}

static bool store_row(struct db *db, char *const f[6], char *err, size_t errlen)
{
    static const char upsert[] =
        "INSERT INTO kpi.target (kpi, branch_id, dim, period, base, challenge, source)"
        " SELECT $1, b.branch_id, nullif($3, ''), nullif($4, ''), nullif($5, '')::numeric,"
        " nullif($6, '')::numeric, 'import'"
        " FROM (SELECT NULL::int AS branch_id WHERE $2 = ''"
        "       UNION ALL SELECT branch_id FROM dw.branch WHERE code = $2) b"
        " ON CONFLICT (kpi, coalesce(dim, ''), coalesce(branch_id, -1), coalesce(period, ''))"
        " DO UPDATE SET base = excluded.base, challenge = excluded.challenge,"
        " imported_at = now(), source = 'import'"
        " RETURNING 1";
    const char *params[] = {f[0], f[1], f[2], f[3], f[4], f[5]};
    struct db_result *res = NULL;
    if (!db_query(db, upsert, 6, params, &res))
        return false;
    bool found = db_rows(res) == 1;
    char q[120];
    db_result_free(res);
    if (!found)
        snprintf(err, errlen, "unknown branch '%s'", log_quote(q, sizeof q, f[1]));
    return found;
}

/* A UTF-8 byte-order mark (Excel writes one) at the start of s removed. */
static void drop_bom(char *s)
{
    if (strncmp(s, "\xef\xbb\xbf", 3) == 0)
        memmove(s, s + 3, strlen(s + 3) + 1);
}

enum targets_line targets_parse_line(char *line, int lineno, char *fields[6], char *reason,
                                     size_t reasonlen)
{
    if (strlen(line) > TARGETS_MAX_LINE) {
        snprintf(reason, reasonlen, "line longer than %d bytes", TARGETS_MAX_LINE);
        return TARGETS_BAD;
    }
    if (lineno == 1)
        drop_bom(line);
    trim(line);
    if (lineno == 1) {
        if (strcmp(line, "kpi,branch,dim,period,base,challenge") == 0)
            return TARGETS_SKIP;
        snprintf(reason, reasonlen, "header must be kpi,branch,dim,period,base,challenge");
        return TARGETS_BAD;
    }
    if (!*line || line[0] == '#')
        return TARGETS_SKIP;
    int n = split(line, fields);
    if (n != 6) {
        snprintf(reason, reasonlen, "%d fields, expected 6", n);
        return TARGETS_BAD;
    }
    return targets_check_row(fields, reason, reasonlen) ? TARGETS_ROW : TARGETS_BAD;
}

/* The lines of the file so far, by target (kpi, branch, dim, period). */
struct seen {
    char **keys;
    int *lines;
    size_t n;
};

/* Whether the file set f's target before (its line in *first); else
 * remembers it as line lineno's. */
static bool seen_before(struct seen *s, char *const f[6], int lineno, int *first)
{
    struct buf key = BUF_INIT;
    buf_printf(&key, "%s\x1f%s\x1f%s\x1f%s", f[0], f[1], f[2], f[3]);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->keys[i], key.data) == 0) {
            *first = s->lines[i];
            buf_release(&key);
            return true;
        }
    s->keys = xrealloc(s->keys, (s->n + 1) * sizeof *s->keys);
    s->lines = xrealloc(s->lines, (s->n + 1) * sizeof *s->lines);
    s->keys[s->n] = buf_detach(&key, NULL);
    s->lines[s->n++] = lineno;
    return false;
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->keys[i]);
    free(s->keys);
    free(s->lines);
}

bool targets_import(struct db *db, const char *path, int *imported, char *err, size_t errlen)
{
    char *line = NULL, reason[256] = "";
    size_t cap = 0;
    int lineno = 0, first = 0;
    struct seen seen = {0};
    *imported = 0;
    err[0] = '\0';
    struct stat st;
    FILE *f = fopen(path, "r");
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", path,
                 f ? "is not a regular file (a directory?)" : strerror(errno));
        if (f)
            fclose(f);
        return false;
    }
    if (!db_begin(db))
        goto failed;
    while (getline(&line, &cap, f) >= 0) {
        char *fields[6];
        enum targets_line kind = targets_parse_line(line, ++lineno, fields, reason, sizeof reason);
        if (kind == TARGETS_BAD)
            goto bad;
        if (kind == TARGETS_SKIP)
            continue;
        if (seen_before(&seen, fields, lineno, &first)) {
            snprintf(reason, sizeof reason, "the same target as line %d (kpi, branch, dim, period)",
                     first);
            goto bad;
        }
        if (!store_row(db, fields, reason, sizeof reason)) {
            if (!*reason)
                goto failed; /* a database error, logged already */
            goto bad;
        }
        (*imported)++;
    }
    if (lineno == 0) { /* not even the header: not a targets file */
        snprintf(reason, sizeof reason,
                 "empty: the header kpi,branch,dim,period,base,challenge "
                 "is the first line");
        goto bad;
    }
    free(line);
    fclose(f);
    seen_free(&seen);
    return db_commit(db);
bad:
    snprintf(err, errlen, "%s:%d: %s", path, lineno, reason);
failed:
    free(line);
    fclose(f);
    seen_free(&seen);
    db_rollback(db);
    *imported = 0;
    return false;
}
