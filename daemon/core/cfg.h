/* Configuration: an INI file (libinih) read through a declarative table of
 * keys (section, name, type, default, range, reloadable). See
 * docs/configuration.md for every key.
 *
 * Ownership: a struct cfg owns its strings; cfg_free() releases them (a
 * zeroed or NULL cfg is fine). */
#ifndef RETENTIOND_CFG_H
#define RETENTIOND_CFG_H

#include <stdbool.h>
#include <stddef.h>

#define CFG_DEFAULT_PATH "/etc/retentiond/retentiond.conf"

struct cfg {
    char *listen;            /* http.listen: numeric IPv4/IPv6 address */
    int port;                /* http.port: 0 picks a free port */
    int max_connections;     /* http.max_connections */
    int connection_timeout;  /* http.connection_timeout, seconds */
    int header_timeout;      /* http.header_timeout, seconds */
    int max_url_length;      /* http.max_url_length, bytes */
    int cache_bytes;         /* http.cache_bytes: each snapshot's body cache, bytes; 0 = none */
    int max_body;            /* http.max_body: request body, bytes */
    int threads;             /* http.threads: 0 = the number of online cores */
    char *tls_cert;          /* http.tls_cert: PEM file, "" = plain HTTP */
    char *tls_key;           /* http.tls_key: PEM file of tls_cert's key */
    char *trusted_proxy;     /* http.trusted_proxy: a reverse proxy's address, "" = none */
    int session_idle;        /* access.session_idle, seconds */
    int session_absolute;    /* access.session_absolute, seconds */
    int session_cache;       /* access.session_cache, seconds */
    int max_hashes;          /* access.max_hashes: argon2id hashes at once */
    char *conninfo;          /* database.conninfo: libpq conninfo, "" = libpq defaults */
    int pool_size;           /* database.pool_size */
    int pool_wait_ms;        /* database.pool_wait_ms: longest wait for a pooled connection */
    int statement_timeout;   /* database.statement_timeout, milliseconds */
    int refresh_interval;    /* daemon.refresh_interval, seconds */
    char *timezone;          /* daemon.timezone */
    char *data_dir;          /* daemon.data_dir */
    char *log_level;         /* daemon.log_level: error|warn|info|debug */
    int history_days;        /* daemon.history_days: daily runs kept in the snapshot */
    int auto_compute;        /* daemon.auto_compute: 1 = the daemon runs compute itself */
    int snapshot_max_age;    /* thresholds.snapshot_max_age, seconds; 0 = 3 x refresh_interval */
    int bottom_n;            /* thresholds.bottom_n: branches flagged at the bottom of a ranking */
    int arrow_percent;       /* thresholds.arrow_percent: relative change that earns an arrow */
    char *chart_font;        /* charts.font: font family */
    int chart_max_pixels;    /* charts.max_pixels: width x height x scale^2 of a chart */
    char *chart_arrows;      /* charts.arrows: cn|intl */
    char *mail_smtp_url;     /* mail.smtp_url: smtp://host:port or smtps://host:port; "" = none */
    char *mail_from;         /* mail.from: "addr" or "Name <addr>" */
    char *mail_user;         /* mail.user: "" = no AUTH */
    char *mail_password;     /* mail.password: never logged */
    int mail_starttls;       /* mail.starttls: 1 = an smtp:// session must switch to TLS */
    int mail_timeout;        /* mail.timeout: seconds to connect, for each reply, of a stall */
    int mail_max_bytes;      /* mail.max_bytes: a whole message's budget, bytes */
    int mail_retry_attempts; /* mail.retry_attempts: attempts per message */
    int mail_retry_delay;    /* mail.retry_delay: seconds before the second attempt (doubling) */
    int bulletin_schedule;   /* bulletin.schedule: 1 = the daemon makes the daily bulletin */
    char *bulletin_send_at;  /* bulletin.send_at: HH:MM local time in daemon.timezone */
    int bulletin_wait_minutes;  /* bulletin.wait_minutes: wait for the day's run past send_at */
    int bulletin_catch_up_days; /* bulletin.catch_up_days: missed days generated after downtime */
    int bulletin_catch_up_send; /* bulletin.catch_up_send: of those, the newest N are mailed */
    char *bulletin_lang;        /* bulletin.lang: zh|en */
    int bulletin_png_bytes;     /* bulletin.png_bytes: the MMS image's budget, bytes */
    char *bulletin_public_url;  /* bulletin.public_url: the daemon's address for links; "" = none */
    int bulletin_lease;         /* bulletin.lease: seconds a delivery claim holds */
    int bulletin_threads;       /* bulletin.render_threads: threads drawing bulletins; 0 = cores */
    int bulletin_keep_days;   /* bulletin.keep_days: days the archive's files are kept; 0 = ever */
    int runs_keep_days;       /* runs.keep_days: days superseded runs are kept; 0 = ever */
    int runs_report_quarters; /* runs.report_quarters: quarters keeping daily runs; 0 = all */
};

/* One entry of the key table, exported for docs and tests. */
enum cfg_type {
    CFG_STRING,
    CFG_INT,
    CFG_LOG_LEVEL,
    CFG_ARROWS,
    CFG_CLOCK,
    CFG_LANG,
    CFG_ZONE,       /* a time zone of the system's database (/usr/share/zoneinfo) */
    CFG_IP,         /* a numeric IPv4 or IPv6 address */
    CFG_IP_OR_NONE, /* "" or a numeric IPv4 or IPv6 address */
    CFG_SMTP_URL,   /* "", smtp://... or smtps://... */
    CFG_WEB_URL,    /* "", http://... or https://... */
    CFG_MAILBOX,    /* "", addr or Name <addr> */
};

struct cfg_key {
    const char *section;
    const char *name;
    enum cfg_type type;
    size_t offset;
    const char *default_value;
    long min, max; /* CFG_INT only */
    bool reloadable;
    const char *help;
};

/* The key table; *count receives its length. Static storage. */
const struct cfg_key *cfg_keys(size_t *count);

/* Fills `cfg` with every default. Release with cfg_free(). */
void cfg_defaults(struct cfg *cfg);

/* Reads `path` over the defaults. On failure returns false, leaves `cfg`
 * zeroed, and writes "path:line: reason" (or "path: reason") into err. */
bool cfg_load(const char *path, struct cfg *cfg, char *err, size_t errlen);

/* Sets one key from text (as if read from a file); false with a reason in
 * err when the key is unknown or the value invalid. */
bool cfg_set(struct cfg *cfg, const char *section, const char *name, const char *value, char *err,
             size_t errlen);

/* Names of keys whose values differ between a and b but may not change on
 * reload, comma-separated into out; false when there is none. */
bool cfg_unreloadable_changes(const struct cfg *a, const struct cfg *b, char *out, size_t outlen);

/* Gives fresh the running values of the keys that may not change on reload
 * (they keep running with them until a restart). */
void cfg_keep_unreloadable(struct cfg *fresh, const struct cfg *running);

/* A deep copy of from into to (release with cfg_free()). */
void cfg_copy(struct cfg *to, const struct cfg *from);

void cfg_free(struct cfg *cfg);

#endif
