#include "mail_smtp.h"

#include "log.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_TIMEOUT 30L
#define ADDR_MAX        258 /* "<" + 254 + ">" + NUL */
#define REPLY_MAX       200

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void mail_smtp_opts_from_cfg(const struct cfg *cfg, struct mail_smtp_opts *o)
{
    memset(o, 0, sizeof *o);
    o->url = cfg->mail_smtp_url;
    o->from = cfg->mail_from;
    o->user = cfg->mail_user;
    o->password = cfg->mail_password;
    o->starttls = cfg->mail_starttls != 0;
    o->timeout = cfg->mail_timeout;
}

static void set_error(struct mail_smtp_error *err, bool permanent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(struct mail_smtp_error *err, bool permanent, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
    err->permanent = permanent;
}

/* Where the addr-spec of "addr" or "Name <addr>" is: false when there is
 * none, or when the text holds a control character (a line break would
 * end the SMTP command). */
static bool addr_span(const char *mailbox, const char **start, size_t *len)
{
    if (!mailbox)
        return false;
    for (const unsigned char *p = (const unsigned char *)mailbox; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    const char *lt = strrchr(mailbox, '<');
    if (lt) {
        *start = lt + 1;
        *len = strcspn(*start, ">");
        return (*start)[*len] == '>';
    }
    *start = mailbox + strspn(mailbox, " ");
    *len = strcspn(*start, " ");
    return (*start)[*len + strspn(*start + *len, " ")] == '\0';
}

/* local@domain in printable ASCII, one '@', no specials. */
static bool valid_spec(const char *s, size_t len)
{
    if (len == 0 || len > ADDR_MAX - 3 || s[0] == '@' || s[len - 1] == '@')
        return false;
    int ats = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("<>()[]\\,;:\"", ch))
            return false;
        ats += ch == '@';
    }
    return ats == 1;
}

/* "<addr>" of "addr" or "Name <addr>" into out. */
static bool envelope_addr(const char *mailbox, char out[ADDR_MAX])
{
    const char *start;
    size_t len;
    if (!addr_span(mailbox, &start, &len) || !valid_spec(start, len))
        return false;
    snprintf(out, ADDR_MAX, "<%.*s>", (int)len, start);
    return true;
}

static bool is_tls_url(const char *url)
{
    return strncasecmp(url, "smtps://", 8) == 0;
}

static bool valid_url(const char *url)
{
    return url && (strncasecmp(url, "smtp://", 7) == 0 || is_tls_url(url)) &&
           strcspn(url, " \r\n") == strlen(url);
}

/* ---- one session ---- */

struct session {
    const struct mail_smtp_opts *o;
    const char *data; /* the message */
    size_t len, pos;
    char reply[REPLY_MAX]; /* the server's last (error) reply line */
    bool reply_is_error;
    char errbuf[CURL_ERROR_SIZE];
};

static size_t read_message(char *dst, size_t size, size_t nmemb, void *arg)
{
    struct session *s = arg;
    size_t n = size * nmemb, left = s->len - s->pos;
    if (n > left)
        n = left;
    memcpy(dst, s->data + s->pos, n);
    s->pos += n;
    return n;
}

/* Non-zero (curl aborts the session) once the process stops, while the
 * message is not yet all handed to curl: a server without its end of data
 * drops it. Once it has the whole message, the session runs on to the
 * server's answer (within the time-outs): cut there, a message the server
 * kept would count as not sent, and be sent again at the next start. */
static int watch_stop(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                      curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    const struct session *s = arg;
    return s->pos < s->len && s->o->stopped && s->o->stopped(s->o->stopped_ctx);
}

/* Keeps the server's last error reply (4xx, 5xx), or its last reply when
 * there was none: what curl received, never what it sent (that holds the
 * AUTH exchange). The QUIT that follows a failure does not hide it. */
static int watch_replies(CURL *h, curl_infotype type, char *text, size_t len, void *arg)
{
    (void)h;
    struct session *s = arg;
    bool error = len > 0 && (text[0] == '4' || text[0] == '5');
    if (type != CURLINFO_HEADER_IN || (s->reply_is_error && !error))
        return 0;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    size_t n = len < sizeof s->reply - 1 ? len : sizeof s->reply - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)text[i];
        s->reply[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    s->reply[n] = '\0';
    s->reply_is_error = error;
    return 0;
}

static void set_timeouts(CURL *h, const struct mail_smtp_opts *o)
{
    long t = o->timeout > 0 ? o->timeout : DEFAULT_TIMEOUT;
    long total = o->total_timeout > 0 ? o->total_timeout : 4 * t;
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t);
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, t);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, t);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, total);
}

static void set_security(CURL *h, const struct mail_smtp_opts *o)
{
    if (o->starttls && !is_tls_url(o->url))
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (o->user && *o->user) {
        if (!o->starttls && !is_tls_url(o->url))
            log_warn("msg=\"SMTP AUTH without TLS: the password crosses the network in clear\"");
        curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, o->password ? o->password : "");
    }
}

static CURL *session_handle(const struct mail_smtp_opts *o, const char *from,
                            struct curl_slist *rcpts, struct session *s)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, o->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(h, CURLOPT_READDATA, s);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, watch_replies);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, watch_stop);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, s);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds watch_replies; nothing is printed */
    set_timeouts(h, o);
    set_security(h, o);
    return h;
}

static bool permanent_failure(CURLcode rc, long reply)
{
    return reply >= 500 || rc == CURLE_LOGIN_DENIED || rc == CURLE_ABORTED_BY_CALLBACK ||
           rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ||
           rc == CURLE_USE_SSL_FAILED || rc == CURLE_PEER_FAILED_VERIFICATION;
}

static void describe_failure(struct mail_smtp_error *err, CURLcode rc, const struct session *s)
{
    const char *what = s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
    if (s->reply[0])
        set_error(err, permanent_failure(rc, err->reply), "%s (curl error %d; server: %s)", what,
                  (int)rc, s->reply);
    else
        set_error(err, permanent_failure(rc, err->reply), "%s (curl error %d)", what, (int)rc);
}

/* One session; err filled on failure. */
static bool perform(const struct mail_smtp_opts *o, const char *from, const char *rcpt,
                    struct session *s, struct mail_smtp_error *err)
{
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    CURL *h = rcpts ? session_handle(o, from, rcpts, s) : NULL;
    bool ok = false;
    if (!h) {
        set_error(err, false, "libcurl cannot start a session");
        goto done;
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &err->reply);
    err->curl_code = (int)rc;
    err->login_refused = rc == CURLE_LOGIN_DENIED;
    ok = rc == CURLE_OK;
    if (!ok)
        describe_failure(err, rc, s);
done:
    curl_easy_cleanup(h);
    curl_slist_free_all(rcpts);
    return ok;
}

static bool check_opts(const struct mail_smtp_opts *o, const char *rcpt, char from[ADDR_MAX],
                       char to[ADDR_MAX], struct mail_smtp_error *err)
{
    if (!valid_url(o->url)) {
        set_error(err, true, "mail.smtp_url is not smtp://host[:port] or smtps://host[:port]");
        return false;
    }
    if (!envelope_addr(o->from, from)) {
        set_error(err, true, "mail.from is not addr or Name <addr>");
        return false;
    }
    if (!envelope_addr(rcpt, to)) {
        set_error(err, true, "the recipient is not addr or Name <addr>");
        return false;
    }
    return true;
}

bool mail_smtp_send(const struct mail_smtp_opts *o, const char *rcpt, const char *data, size_t len,
                    struct mail_smtp_error *err)
{
    struct mail_smtp_error scratch;
    err = err ? err : &scratch;
    memset(err, 0, sizeof *err);
    char from[ADDR_MAX] = "", to[ADDR_MAX] = "", quoted_to[2 * ADDR_MAX];
    char reason[2 * MAIL_SMTP_ERROR_MAX];
    struct session s = {.o = o, .data = data, .len = len};
    bool ok = check_opts(o, rcpt, from, to, err);
    if (ok) {
        pthread_once(&curl_once, curl_start);
        ok = perform(o, from, to, &s, err);
    }
    log_quote(quoted_to, sizeof quoted_to, rcpt);
    if (ok)
        log_info("msg=\"mail sent\" to=\"%s\" bytes=%zu", quoted_to, len);
    else
        log_warn("msg=\"mail not sent\" to=\"%s\" reply=%ld permanent=%d reason=\"%s\"", quoted_to,
                 err->reply, err->permanent, log_quote(reason, sizeof reason, err->text));
    return ok;
}

/* ---- with retries ---- */

struct delivery {
    const struct mail_smtp_opts *o;
    const char *rcpt, *data;
    size_t len;
    struct mail_smtp_error *err;
};

static enum mail_retry_verdict attempt(void *ctx, int n)
{
    (void)n;
    struct delivery *d = ctx;
    if (mail_smtp_send(d->o, d->rcpt, d->data, d->len, d->err))
        return MAIL_RETRY_DONE;
    return d->err->permanent ? MAIL_RETRY_GIVE_UP : MAIL_RETRY_AGAIN;
}

bool mail_smtp_send_retry(const struct mail_smtp_opts *o, const struct mail_retry *policy,
                          const char *rcpt, const char *data, size_t len,
                          struct mail_smtp_error *err, int *attempts)
{
    struct mail_smtp_error scratch;
    struct delivery d = {o, rcpt, data, len, err ? err : &scratch};
    return mail_retry_run(policy, attempt, &d, attempts);
}
