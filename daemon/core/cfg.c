#include "cfg.h"

#include "log.h"
#include "mem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define KEY_INT(sec, nm, field, def, lo, hi, rel, h)                                               \
    {                                                                                              \
        sec, nm, CFG_INT, offsetof(struct cfg, field), def, lo, hi, rel, h                         \
    }
#define KEY_STR(sec, nm, field, def, rel, h)                                                       \
    {                                                                                              \
        sec, nm, CFG_STRING, offsetof(struct cfg, field), def, 0, 0, rel, h                        \
    }

static const struct cfg_key keys[] = {
    {"http", "listen", CFG_IP, offsetof(struct cfg, listen), "127.0.0.1", 0, 0, false,
     "address to listen on (a numeric IPv4 or IPv6 address)"},
    KEY_INT("http", "port", port, "8080", 0, 65535, false, "TCP port; 0 picks a free one"),
    KEY_INT("http", "max_connections", max_connections, "512", 1, 65535, false,
            "concurrent connections accepted"),
    KEY_INT("http", "connection_timeout", connection_timeout, "30", 1, 3600, false,
            "seconds an idle connection is kept"),
    KEY_INT("http", "header_timeout", header_timeout, "20", 1, 3600, false,
            "seconds a request's line and headers may take to arrive, and its body after them; a "
            "slower client is cut off"),
    KEY_INT("http", "max_url_length", max_url_length, "2048", 64, 65536, false,
            "longest URL (path and query) answered; longer gets 414"),
    KEY_INT("http", "cache_bytes", cache_bytes, "67108864", 0, 1073741824, true,
            "bytes of rendered bodies cached per snapshot, least recently used out; 0 = none"),
    KEY_INT("http", "max_body", max_body, "65536", 1024, 16777216, false,
            "largest request body (a form) read, bytes; larger gets 413"),
    KEY_INT("http", "threads", threads, "0", 0, 64, false,
            "threads answering requests; 0 = the number of online cores"),
    KEY_STR("http", "tls_cert", tls_cert, "", false,
            "PEM certificate (chain) file; with tls_key: HTTPS only; \"\" = plain HTTP"),
    KEY_STR("http", "tls_key", tls_key, "", false,
            "PEM private key file of tls_cert (readable by the daemon only)"),
    {"http", "trusted_proxy", CFG_IP_OR_NONE, offsetof(struct cfg, trusted_proxy), "", 0, 0, false,
     "numeric address of a reverse proxy in front of the daemon whose X-Forwarded-For and "
     "X-Forwarded-Proto are believed; \"\" = none"},
    KEY_INT("access", "session_idle", session_idle, "1800", 60, 86400, true,
            "seconds without a request after which a session ends"),
    KEY_INT("access", "session_absolute", session_absolute, "43200", 300, 604800, true,
            "seconds after sign-in after which a session ends, used or not"),
    KEY_INT("access", "session_cache", session_cache, "5", 0, 60, true,
            "seconds a daemon trusts a session or token it read without asking the database "
            "again (a sign-out or a disabled user elsewhere takes this long to reach it)"),
    KEY_INT("access", "max_hashes", max_hashes, "2", 1, 64, false,
            "password hashes (argon2id, 19 MiB each) computed at once; more sign-ins wait"),
    KEY_STR("database", "conninfo", conninfo, "", true,
            "libpq conninfo; empty uses libpq's defaults (PGHOST, ...)"),
    KEY_INT("database", "pool_size", pool_size, "4", 1, 64, false, "database connections"),
    KEY_INT("database", "pool_wait_ms", pool_wait_ms, "2000", 0, 60000, true,
            "milliseconds a request waits for a pooled connection before a 503 database_busy"),
    KEY_INT("database", "statement_timeout", statement_timeout, "60000", 0, 86400000, true,
            "milliseconds before a statement is cancelled; 0 = none"),
    KEY_INT("daemon", "refresh_interval", refresh_interval, "300", 5, 86400, true,
            "seconds between snapshot refreshes"),
    {"daemon", "timezone", CFG_ZONE, offsetof(struct cfg, timezone), "Asia/Shanghai", 0, 0, true,
     "time zone that dates (as-of, bulletins) are taken in"},
    KEY_STR("daemon", "data_dir", data_dir, "/var/lib/retentiond", false,
            "directory for the persisted snapshot"),
    {"daemon", "log_level", CFG_LOG_LEVEL, offsetof(struct cfg, log_level), "info", 0, 0, true,
     "error, warn, info or debug"},
    KEY_INT(
        "daemon", "history_days", history_days, "92", 1, 3660, true,
        "every daily run of this many days is kept in memory (older: one per month, 24 months)"),
    KEY_INT("daemon", "auto_compute", auto_compute, "1", 0, 1, true,
            "1: compute today's run on NOTIFY retentiond_refresh, SIGUSR1 and when today has none"),
    KEY_INT(
        "thresholds", "snapshot_max_age", snapshot_max_age, "0", 0, 864000, true,
        "seconds after which an unconfirmed snapshot makes /readyz fail; 0 = 3 x refresh_interval"),
    KEY_INT("thresholds", "bottom_n", bottom_n, "5", 0, 100, true,
            "branches flagged as the bottom of a ranking"),
    KEY_INT("thresholds", "arrow_percent", arrow_percent, "5", 1, 100, true,
            "satisfaction panorama: a change of this many percent (relative) against last month "
            "or the target earns an arrow"),
    KEY_STR("charts", "font", chart_font, "Noto Sans CJK SC", false,
            "font family of every chart (must be installed: checked at start)"),
    KEY_INT("charts", "max_pixels", chart_max_pixels, "4194304", 65536, 67108864, true,
            "largest chart drawn, width x height x scale^2 pixels; larger gets 400"),
    {"charts", "arrows", CFG_ARROWS, offsetof(struct cfg, chart_arrows), "cn", 0, 0, true,
     "colour of change arrows: cn (rise red, fall green) or intl (rise green, fall red)"},
    {"mail", "smtp_url", CFG_SMTP_URL, offsetof(struct cfg, mail_smtp_url), "", 0, 0, true,
     "SMTP server: smtp://host:port or smtps://host:port; \"\" = no mail is sent"},
    {"mail", "from", CFG_MAILBOX, offsetof(struct cfg, mail_from), "", 0, 0, true,
     "sender of the bulletins: addr or Name <addr> (the envelope takes addr)"},
    KEY_STR("mail", "user", mail_user, "", true, "SMTP AUTH user; \"\" = no AUTH"),
    KEY_STR("mail", "password", mail_password, "", true,
            "SMTP AUTH password (never logged; keep the file readable by the daemon only)"),
    KEY_INT("mail", "starttls", mail_starttls, "1", 0, 1, true,
            "1: an smtp:// session must switch to TLS (STARTTLS) before AUTH and mail"),
    KEY_INT("mail", "timeout", mail_timeout, "30", 1, 600, true,
            "seconds to connect, to wait for each reply, and of a stalled transfer; "
            "the whole session gets 4 times as long"),
    KEY_INT("mail", "max_bytes", mail_max_bytes, "10485760", 65536, 1073741824, true,
            "largest message, bytes; past it the PDF is replaced by a link"),
    KEY_INT("mail", "retry_attempts", mail_retry_attempts, "5", 1, 20, true,
            "attempts to deliver a message when the server refuses or fails for a while"),
    KEY_INT("mail", "retry_delay", mail_retry_delay, "30", 0, 3600, true,
            "seconds before the second attempt; each later wait doubles, at most 10 minutes"),
    KEY_INT("bulletin", "schedule", bulletin_schedule, "1", 0, 1, true,
            "1: the daemon generates, archives and mails the daily bulletin"),
    {"bulletin", "send_at", CFG_CLOCK, offsetof(struct cfg, bulletin_send_at), "08:00", 0, 0, true,
     "local time HH:MM (in daemon.timezone) of the daily bulletin"},
    KEY_INT("bulletin", "wait_minutes", bulletin_wait_minutes, "120", 0, 1440, true,
            "minutes past send_at to wait for the day's run; then the newest run is used, "
            "with a warning in the bulletin"),
    KEY_INT("bulletin", "catch_up_days", bulletin_catch_up_days, "7", 1, 366, true,
            "after downtime, this many missed days at most are generated and archived"),
    KEY_INT("bulletin", "catch_up_send", bulletin_catch_up_send, "1", 1, 366, true,
            "of the days generated at once, the newest this many are mailed"),
    {"bulletin", "lang", CFG_LANG, offsetof(struct cfg, bulletin_lang), "zh", 0, 0, true,
     "language of the mailed bulletin: zh or en"},
    KEY_INT("bulletin", "png_bytes", bulletin_png_bytes, "102400", 16384, 1048576, true,
            "byte budget of the MMS image"),
    {"bulletin", "public_url", CFG_WEB_URL, offsetof(struct cfg, bulletin_public_url), "", 0, 0,
     true,
     "the daemon's address as readers reach it (https://host/), for the PDF's link when "
     "a message is over mail.max_bytes; \"\" = no link"},
    KEY_INT("bulletin", "lease", bulletin_lease, "900", 60, 86400, true,
            "seconds a daemon's claim on a delivery holds; a daemon that died while sending is "
            "taken over after it"),
    KEY_INT("bulletin", "render_threads", bulletin_threads, "0", 0, 64, false,
            "threads drawing a date's bulletins (PDF and PNG); 0 = the online cores, at most 8"),
    KEY_INT(
        "bulletin", "keep_days", bulletin_keep_days, "92", 0, 3660, true,
        "the archive's files of dates more than this many days before today are removed "
        "(once a day, when no delivery of them is pending; their rows stay); 0 = kept for ever"),
    KEY_INT("runs", "keep_days", runs_keep_days, "92", 0, 3660, true,
            "a stored run that is not its date's newest goes once this many days older than the "
            "newest run (once a day; never one a bulletin or an export names); 0 = kept for ever"),
    KEY_INT("runs", "report_quarters", runs_report_quarters, "0", 0, 400, true,
            "quarters (the newest first) whose daily runs are kept for their report; older "
            "quarters keep each month's newest run only; 0 = every quarter's, for ever"),
};

#define NKEYS (sizeof keys / sizeof keys[0])

const struct cfg_key *cfg_keys(size_t *count)
{
    *count = NKEYS;
    return keys;
}

static char **str_field(struct cfg *cfg, const struct cfg_key *k)
{
    return (char **)(void *)((char *)cfg + k->offset);
}

static int *int_field(struct cfg *cfg, const struct cfg_key *k)
{
    return (int *)(void *)((char *)cfg + k->offset);
}

/* HH:MM, 00:00 .. 23:59. */
static bool clock_valid(const char *v)
{
    return strlen(v) == 5 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
           v[2] == ':' && isdigit((unsigned char)v[3]) && isdigit((unsigned char)v[4]) &&
           atoi(v) < 24 && atoi(v + 3) < 60;
}

/* A zone of the system's time zone database (what PostgreSQL and the C
 * library read): a relative path of letters, digits, '_', '-', '+' and
 * '/' to a file under $TZDIR or /usr/share/zoneinfo (any such path when
 * there is no zone database: a default must not abort the start). */
static bool zone_valid(const char *v)
{
    char path[PATH_MAX];
    struct stat st;
    const char *dir = getenv("TZDIR");
    if (!*v || *v == '/' || strstr(v, "..") ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+/") !=
            strlen(v))
        return false;
    dir = dir && *dir ? dir : "/usr/share/zoneinfo";
    if (stat(dir, &st) != 0)
        return true; /* no zone database here to check against: PostgreSQL checks it */
    snprintf(path, sizeof path, "%s/%s", dir, v);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool ip_valid(const char *v)
{
    unsigned char a[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, v, a) == 1 || inet_pton(AF_INET6, v, a) == 1;
}

/* "" or scheme://host... with no space or control byte. */
static bool url_valid(const char *v, const char *s1, const char *s2)
{
    size_t n1 = strlen(s1), n2 = strlen(s2);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return false;
    return !*v || (strncasecmp(v, s1, n1) == 0 && v[n1]) || (strncasecmp(v, s2, n2) == 0 && v[n2]);
}

/* "" or addr or Name <addr>: one '@' in the address, nothing after '>'
 * (the mail layer parses it fully when it sends). */
static bool mailbox_valid(const char *v)
{
    const char *lt = strchr(v, '<'), *addr = lt ? lt + 1 : v;
    const char *end = lt ? strchr(addr, '>') : addr + strlen(addr);
    const char *at = strchr(addr, '@');
    if (!*v)
        return true;
    return end && end[lt ? 1 : 0] == '\0' && at && at > addr && at + 1 < end &&
           !memchr(at + 1, '@', (size_t)(end - at - 1)) && !strpbrk(v, "\r\n") &&
           (lt || !strchr(v, '>'));
}

/* Why a string value does not fit its key's type (NULL when it does). */
static const char *string_fault(const struct cfg_key *k, const char *v)
{
    switch (k->type) {
    case CFG_ZONE:
        return zone_valid(v) ? NULL
                             : "is not a time zone of the system's database "
                               "(/usr/share/zoneinfo), such as Asia/Shanghai";
    case CFG_IP:
        return ip_valid(v) ? NULL : "is not a numeric IPv4 or IPv6 address";
    case CFG_IP_OR_NONE:
        return !*v || ip_valid(v) ? NULL : "is not a numeric IPv4 or IPv6 address (or empty)";
    case CFG_SMTP_URL:
        return url_valid(v, "smtp://", "smtps://")
                   ? NULL
                   : "is not smtp://host[:port] or smtps://host[:port]";
    case CFG_WEB_URL:
        return url_valid(v, "http://", "https://") ? NULL : "is not an http:// or https:// address";
    case CFG_MAILBOX:
        return mailbox_valid(v) ? NULL : "is not addr or Name <addr>";
    default:
        return NULL;
    }
}

static bool set_value(struct cfg *cfg, const struct cfg_key *k, const char *value, char *err,
                      size_t errlen)
{
    if (k->type == CFG_INT) {
        char *end = NULL;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno != 0 || end == value || *end != '\0') {
            snprintf(err, errlen, "%s.%s: '%s' is not an integer", k->section, k->name, value);
            return false;
        }
        if (v < k->min || v > k->max) {
            snprintf(err, errlen, "%s.%s: %ld is outside %ld..%ld", k->section, k->name, v, k->min,
                     k->max);
            return false;
        }
        *int_field(cfg, k) = (int)v;
        return true;
    }
    if (k->type == CFG_LOG_LEVEL) {
        enum log_level level;
        if (!log_level_parse(value, &level)) {
            snprintf(err, errlen, "%s.%s: '%s' is not one of error, warn, info, debug", k->section,
                     k->name, value);
            return false;
        }
    }
    if (k->type == CFG_ARROWS && strcmp(value, "cn") != 0 && strcmp(value, "intl") != 0) {
        snprintf(err, errlen, "%s.%s: '%s' is not cn or intl", k->section, k->name, value);
        return false;
    }
    if (k->type == CFG_LANG && strcmp(value, "zh") != 0 && strcmp(value, "en") != 0) {
        snprintf(err, errlen, "%s.%s: '%s' is not zh or en", k->section, k->name, value);
        return false;
    }
    if (k->type == CFG_CLOCK && !clock_valid(value)) {
        snprintf(err, errlen, "%s.%s: '%s' is not a time HH:MM", k->section, k->name, value);
        return false;
    }
    const char *fault = string_fault(k, value);
    if (fault) {
        snprintf(err, errlen, "%s.%s: '%.100s' %s", k->section, k->name, value, fault);
        return false;
    }
    char **slot = str_field(cfg, k);
    free(*slot);
    *slot = xstrdup(value);
    return true;
}

static const struct cfg_key *find_key(const char *section, const char *name)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return &keys[i];
    }
    return NULL;
}

bool cfg_set(struct cfg *cfg, const char *section, const char *name, const char *value, char *err,
             size_t errlen)
{
    const struct cfg_key *k = find_key(section, name);
    if (!k) {
        bool known_section = false;
        for (size_t i = 0; i < NKEYS; i++)
            known_section = known_section || strcmp(keys[i].section, section) == 0;
        if (known_section)
            snprintf(err, errlen, "unknown key '%s' in section [%s]", name, section);
        else
            snprintf(err, errlen, "unknown section [%s]", section);
        return false;
    }
    return set_value(cfg, k, value, err, errlen);
}

void cfg_defaults(struct cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    char err[256];
    for (size_t i = 0; i < NKEYS; i++) {
        if (!set_value(cfg, &keys[i], keys[i].default_value, err, sizeof err)) {
            /* A bad default is a programming error caught by the unit tests. */
            fprintf(stderr, "level=error msg=\"bad config default\" reason=\"%s\"\n", err);
            abort();
        }
    }
}

struct parse_state {
    struct cfg *cfg;
    char reason[256];
    bool failed;
    bool seen[NKEYS];
};

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
    struct parse_state *st = user;
    if (st->failed)
        return 1; /* keep the first reason; ini_parse reports the first line */
    /* a key seen before: that is the fault, whatever its value (an indented
     * line reaches here as the key again, its text as the value) */
    const struct cfg_key *k = find_key(section, name);
    if (k && st->seen[k - keys]) {
        snprintf(st->reason, sizeof st->reason,
                 "%s.%s is given twice (or continued on an indented line)", section, name);
        st->failed = true;
        return 0;
    }
    if (!cfg_set(st->cfg, section, name, value, st->reason, sizeof st->reason)) {
        st->failed = true;
        return 0;
    }
    st->seen[k - keys] = true; /* known: cfg_set took it */
    return 1;
}

/* The longest line the INI reader (libinih, INI_MAX_LINE) takes whole. */
#define CFG_MAX_LINE 199

/* What the INI reader would misread rather than refuse: a line too long
 * for it (it splits the line and reports a line that does not exist), a
 * section line without its ']' (it reports the key after it). False with
 * "PATH:LINE: reason" in err. */
static bool prescan(FILE *f, const char *path, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int n = 0;
    bool ok = true;
    while (ok && (len = getline(&line, &cap, f)) >= 0) {
        n++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        const char *text = line + strspn(line, " \t");
        bool too_long = len > CFG_MAX_LINE, unclosed = *text == '[' && !strchr(text, ']');
        if (too_long)
            snprintf(err, errlen,
                     "%s:%d: a line of %zd bytes; a line has at most %d (for a long "
                     "database.conninfo, name a service: service=NAME, see docs/configuration.md)",
                     path, n, len, CFG_MAX_LINE);
        else if (unclosed)
            snprintf(err, errlen, "%s:%d: a section line without its ']'", path, n);
        ok = !too_long && !unclosed;
    }
    free(line);
    rewind(f);
    return ok;
}

bool cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen)
{
    struct parse_state st = {.cfg = cfg, .failed = false};
    cfg_defaults(cfg);
    struct stat fst;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto failed;
    }
    if (fstat(fileno(f), &fst) != 0 || !S_ISREG(fst.st_mode)) {
        snprintf(err, errlen, "%s: is not a regular file (a directory?)", path);
        fclose(f);
        goto failed;
    }
    if (!prescan(f, path, err, errlen)) {
        fclose(f);
        goto failed;
    }
    int rc = ini_parse_file(f, on_ini_entry, &st);
    fclose(f);
    if (rc > 0) {
        snprintf(err, errlen, "%s:%d: %s", path, rc, st.failed ? st.reason : "syntax error");
        goto failed;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot be read", path);
        goto failed;
    }
    return true;
failed:
    cfg_free(cfg);
    return false;
}

bool cfg_unreloadable_changes(const struct cfg *a, const struct cfg *b, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &keys[i];
        if (k->reloadable)
            continue;
        bool same;
        if (k->type == CFG_INT)
            same = *int_field((struct cfg *)a, k) == *int_field((struct cfg *)b, k);
        else
            same = strcmp(*str_field((struct cfg *)a, k), *str_field((struct cfg *)b, k)) == 0;
        if (!same && used < outlen) {
            int n = snprintf(out + used, outlen - used, "%s%s.%s", used ? "," : "", k->section,
                             k->name);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return used > 0;
}

void cfg_keep_unreloadable(struct cfg *fresh, const struct cfg *running)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &keys[i];
        if (k->reloadable)
            continue;
        if (k->type == CFG_INT) {
            *int_field(fresh, k) = *int_field((struct cfg *)running, k);
        } else {
            free(*str_field(fresh, k));
            *str_field(fresh, k) = xstrdup(*str_field((struct cfg *)running, k));
        }
    }
}

void cfg_copy(struct cfg *to, const struct cfg *from)
{
    *to = *from;
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type != CFG_INT) {
            char **slot = str_field(to, &keys[i]);
            *slot = *slot ? xstrdup(*slot) : NULL;
        }
    }
}

void cfg_free(struct cfg *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type != CFG_INT)
            free(*str_field(cfg, &keys[i]));
    }
    memset(cfg, 0, sizeof *cfg);
}
