#include "mail_message.h"

#include "buf.h"
#include "html.h"
#include "log.h"
#include "mem.h"
#include "random.h"
#include "utf8.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

/* RFC 2047 section 2: an encoded word is at most 75 characters, a header
 * line holding one at most 76. "=?UTF-8?B?" and "?=" take 12 of them. */
#define WORD_MAX      75
#define WORD_LINE_MAX 76
#define WORD_FRAME    12

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;
static atomic_bool gmime_started;

static void gmime_start(void)
{
    g_mime_init();
    atomic_store(&gmime_started, true);
}

void mail_message_cleanup(void)
{
    if (atomic_exchange(&gmime_started, false))
        g_mime_shutdown();
}

void mail_message_release(struct mail_message *m)
{
    if (!m)
        return;
    free(m->data);
    memset(m, 0, sizeof *m);
}

/* ---- checks of the caller's content ---- */

static bool is_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x80)
            return false;
    return true;
}

/* Printable ASCII without space and without any of `forbidden`. */
static bool plain_token(const char *s, const char *forbidden, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr(forbidden, *p))
            return false;
    return true;
}

/* local@domain: one '@' with something on each side, no specials. */
static bool valid_addr(const char *a)
{
    if (!a || !plain_token(a, "<>()[]\\,;:\"", 254))
        return false;
    const char *at = strchr(a, '@');
    return at && at != a && at[1] != '\0' && !strchr(at + 1, '@');
}

/* One line of UTF-8 text: well-formed, no control characters. */
static bool valid_line(const char *s)
{
    if (!s || !utf8_valid(s, strlen(s)))
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool valid_url(const char *url)
{
    return url && plain_token(url, "\"<>\\", 2000) &&
           (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0);
}

/* The first problem of c, or NULL. */
static const char *content_problem(const struct mail_content *c)
{
    if (!valid_addr(c->from.addr) || !valid_addr(c->to.addr))
        return "an address is not local@domain (ASCII)";
    if ((c->from.name && !valid_line(c->from.name)) || (c->to.name && !valid_line(c->to.name)))
        return "a display name is not one line of UTF-8";
    if (!valid_line(c->subject))
        return "the subject is not one line of UTF-8";
    if (!c->text || !c->html || !utf8_valid(c->text, strlen(c->text)) ||
        !utf8_valid(c->html, strlen(c->html)))
        return "the text or the HTML is missing or not UTF-8";
    if (c->message_id && !plain_token(c->message_id, "<>", 250))
        return "the Message-ID is not printable ASCII";
    if (c->image && (!c->image_cid || !plain_token(c->image_cid, "<>\"", 250)))
        return "the image has no Content-ID (or one that is not printable ASCII)";
    if (c->pdf && (!c->pdf_name || !valid_line(c->pdf_name)))
        return "the PDF has no file name (or one that is not one line of UTF-8)";
    if (c->pdf_url && !valid_url(c->pdf_url))
        return "the PDF's URL is not an http(s) URL";
    if (c->link_label && !valid_line(c->link_label))
        return "the link label is not one line of UTF-8";
    return NULL;
}

/* ---- headers ---- */

/* The bytes of UTF-8 at s (len left) for one encoded word of at most room
 * characters: whole characters only. */
static size_t word_bytes(const char *s, size_t len, size_t room)
{
    size_t max = ((room < WORD_MAX ? room : WORD_MAX) - WORD_FRAME) / 4 * 3;
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--; /* s[n] continues a character: end the word before it */
    return n;
}

static void append_word(struct buf *out, const char *s, size_t n)
{
    unsigned char enc[128]; /* base64 of at most 45 bytes, with GMime's newlines */
    int state = 0;
    guint32 save = 0;
    size_t k = g_mime_encoding_base64_encode_close((const unsigned char *)s, n, enc, &state, &save);
    buf_puts(out, "=?UTF-8?B?");
    for (size_t i = 0; i < k; i++)
        if (enc[i] != '\n')
            buf_append(out, &enc[i], 1);
    buf_puts(out, "?=");
}

/* Appends text as encoded words, one per line, to the raw value of a
 * header named `name`; returns the length of the last line. */
static size_t append_words(struct buf *out, const char *text, const char *name)
{
    size_t len = strlen(text), pos = 0, lead = strlen(name) + 1, col = lead; /* "Name:" */
    while (pos < len) {
        size_t n = word_bytes(text + pos, len - pos, WORD_LINE_MAX - lead - 1);
        buf_puts(out, pos ? "\n " : " ");
        size_t before = out->len;
        append_word(out, text + pos, n);
        col = lead + 1 + (out->len - before);
        pos += n;
        lead = 0; /* the next line starts with its one space */
    }
    return col;
}

static void set_raw_header(GMimeMessage *m, const char *name, const char *raw)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(m));
    g_mime_header_set_raw_value(g_mime_header_list_get_header(list, name), raw);
}

static void set_subject(GMimeMessage *m, const char *subject)
{
    g_mime_message_set_subject(m, subject, "utf-8");
    if (is_ascii(subject))
        return; /* GMime folds plain text at its spaces */
    struct buf raw = BUF_INIT;
    append_words(&raw, subject, "Subject");
    buf_puts(&raw, "\n");
    set_raw_header(m, "Subject", raw.data);
    buf_release(&raw);
}

static void set_mailbox(GMimeMessage *m, GMimeAddressType type, const char *header,
                        const struct mail_address *a)
{
    bool named = a->name && *a->name;
    g_mime_message_add_mailbox(m, type, named ? a->name : NULL, a->addr);
    if (!named || is_ascii(a->name))
        return; /* GMime quotes an ASCII name as it needs */
    struct buf raw = BUF_INIT;
    size_t col = append_words(&raw, a->name, header);
    bool fits = col + 2 + strlen(a->addr) + 1 <= WORD_LINE_MAX; /* " <addr>" */
    buf_printf(&raw, "%s<%s>\n", fits ? " " : "\n ", a->addr);
    set_raw_header(m, header, raw.data);
    buf_release(&raw);
}

static void set_date(GMimeMessage *m, time_t when)
{
    GDateTime *d = g_date_time_new_from_unix_local((gint64)when);
    g_mime_message_set_date(m, d);
    g_date_time_unref(d);
}

/* ---- the body ---- */

/* The part's content: a copy of the len bytes at data. */
static void set_content(GMimePart *p, const void *data, size_t len)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(data, len);
    GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
    g_object_unref(s);
    g_mime_part_set_content(p, w);
    g_object_unref(w);
}

/* A text part of UTF-8 text in canonical form (RFC 2046 4.1.1: CRLF line
 * ends, also under base64). Not g_mime_text_part_set_text(): it converts
 * text that fits ISO-8859-1 to it, and the HTML says UTF-8. GMime picks
 * the transfer encoding (g_mime_object_encode). */
static GMimeObject *text_part(const char *subtype, const char *text)
{
    struct buf crlf = BUF_INIT;
    for (const char *p = text; *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            buf_append(&crlf, "\r", 1);
        buf_append(&crlf, p, 1);
    }
    GMimeTextPart *t = g_mime_text_part_new_with_subtype(subtype);
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(t), "charset", "utf-8");
    set_content(GMIME_PART(t), crlf.data ? crlf.data : "", crlf.len);
    buf_release(&crlf);
    return GMIME_OBJECT(t);
}

static GMimeObject *binary_part(const char *subtype_of, const char *subtype,
                                const unsigned char *data, size_t len, const char *disposition,
                                const char *filename)
{
    GMimePart *p = g_mime_part_new_with_type(subtype_of, subtype);
    set_content(p, data, len);
    g_mime_part_set_content_encoding(p, GMIME_CONTENT_ENCODING_BASE64);
    g_mime_object_set_disposition(GMIME_OBJECT(p), disposition);
    g_mime_part_set_filename(p, filename); /* RFC 2231 when not ASCII */
    return GMIME_OBJECT(p);
}

/* A multipart of a then b; takes the caller's references of a and b. */
static GMimeObject *multipart(const char *subtype, GMimeObject *a, GMimeObject *b)
{
    GMimeMultipart *mp = g_mime_multipart_new_with_subtype(subtype);
    g_mime_multipart_add(mp, a);
    g_mime_multipart_add(mp, b);
    g_object_unref(a);
    g_object_unref(b);
    return GMIME_OBJECT(mp);
}

static GMimeObject *body(const struct mail_content *c, bool with_pdf, const char *text,
                         const char *html)
{
    GMimeObject *root = multipart("alternative", text_part("plain", text), text_part("html", html));
    if (c->image) {
        GMimeObject *img = binary_part("image", "png", c->image, c->image_len, "inline",
                                       c->image_name ? c->image_name : "bulletin.png");
        g_mime_object_set_content_id(img, c->image_cid);
        root = multipart("related", root, img);
        g_mime_object_set_content_type_parameter(root, "type", "multipart/alternative");
    }
    if (c->pdf && with_pdf)
        root = multipart(
            "mixed", root,
            binary_part("application", "pdf", c->pdf, c->pdf_len, "attachment", c->pdf_name));
    return root;
}

/* The message's bytes, CRLF line ends, into out. */
static bool serialize(GMimeMessage *m, struct mail_message *out)
{
    GMimeFormatOptions *opts = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
    GMimeStream *s = g_mime_stream_mem_new();
    bool ok = g_mime_object_write_to_stream(GMIME_OBJECT(m), opts, s) >= 0;
    if (ok) {
        GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
        out->data = xmalloc(bytes->len + 1);
        memcpy(out->data, bytes->data, bytes->len);
        out->data[bytes->len] = '\0';
        out->len = bytes->len;
    } else {
        log_error("msg=\"mail message cannot be written\"");
    }
    g_object_unref(s);
    g_mime_format_options_free(opts);
    return ok;
}

static bool build(const struct mail_content *c, const char *message_id, bool with_pdf,
                  const char *text, const char *html, struct mail_message *out)
{
    GMimeMessage *m = g_mime_message_new(TRUE);
    set_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "From", &c->from);
    set_mailbox(m, GMIME_ADDRESS_TYPE_TO, "To", &c->to);
    set_subject(m, c->subject);
    set_date(m, c->date);
    g_mime_message_set_message_id(m, message_id);
    GMimeObject *root = body(c, with_pdf, text, html);
    g_mime_message_set_mime_part(m, root);
    g_object_unref(root);
    g_mime_object_encode(GMIME_OBJECT(m), GMIME_ENCODING_CONSTRAINT_7BIT);
    bool ok = serialize(m, out);
    g_object_unref(m);
    return ok;
}

/* ---- the budget ---- */

static char *text_with_link(const char *text, const char *label, const char *url)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(text);
    buf_append(&b, text, n);
    buf_printf(&b, "%s\n%s\n%s\n", n && text[n - 1] != '\n' ? "\n" : "", label, url);
    return buf_detach(&b, NULL);
}

/* Where the link goes: before the last </body>, else at the end. */
static size_t link_place(const char *html)
{
    size_t n = strlen(html), at = n;
    for (size_t i = 0; i + 6 <= n; i++)
        if (strncasecmp(html + i, "</body", 6) == 0)
            at = i;
    return at;
}

static char *html_with_link(const char *html, const char *label, const char *url)
{
    struct buf b = BUF_INIT;
    size_t at = link_place(html);
    buf_append(&b, html, at);
    buf_puts(&b, "<p style=\"margin:16px 0;font-size:14px;line-height:20px\">");
    html_escape(&b, label);
    buf_puts(&b, "<br><a href=\"");
    html_escape(&b, url);
    buf_puts(&b, "\">");
    html_escape(&b, url);
    buf_puts(&b, "</a></p>\n");
    buf_puts(&b, html + at);
    return buf_detach(&b, NULL);
}

static bool build_with_link(const struct mail_content *c, const char *message_id,
                            struct mail_message *out)
{
    const char *label = c->link_label ? c->link_label : MAIL_MESSAGE_LINK_LABEL;
    char *text = text_with_link(c->text, label, c->pdf_url);
    char *html = html_with_link(c->html, label, c->pdf_url);
    bool ok = build(c, message_id, false, text, html, out);
    free(text);
    free(html);
    return ok;
}

/* The log line of a message over its budget: full bytes with the PDF,
 * linked bytes with the link instead (0: not tried, for want of a PDF or
 * of its URL). */
static void log_over_budget(const struct mail_content *c, size_t full, size_t linked)
{
    char to[256], name[512], url[1024];
    log_quote(to, sizeof to, c->to.addr);
    log_quote(name, sizeof name, c->pdf_name);
    log_quote(url, sizeof url, c->pdf_url);
    if (linked == 0)
        log_error("msg=\"mail over its size budget, not sent\" to=\"%s\" bytes=%zu max_bytes=%zu "
                  "reason=\"%s\"",
                  to, full, c->max_bytes,
                  c->pdf ? "no URL to link the PDF from" : "no PDF to leave out");
    else if (linked > c->max_bytes)
        log_error("msg=\"mail over its size budget even without the PDF, not sent\" to=\"%s\" "
                  "bytes=%zu max_bytes=%zu",
                  to, linked, c->max_bytes);
    else
        log_warn("msg=\"mail over its size budget: the PDF is replaced by a link\" to=\"%s\" "
                 "bytes=%zu max_bytes=%zu bytes_with_link=%zu attachment=\"%s\" url=\"%s\"",
                 to, full, c->max_bytes, linked, name, url);
}

/* out holds the full message, over the budget: the PDF gives way to its
 * link when it can. */
static bool fit_budget(const struct mail_content *c, const char *message_id,
                       struct mail_message *out)
{
    size_t full = out->len;
    mail_message_release(out);
    if (!c->pdf || !c->pdf_url) {
        log_over_budget(c, full, 0);
        return false;
    }
    if (!build_with_link(c, message_id, out))
        return false;
    log_over_budget(c, full, out->len);
    if (out->len > c->max_bytes) {
        mail_message_release(out);
        return false;
    }
    out->pdf_linked = true;
    return true;
}

/* ---- composing ---- */

static bool make_message_id(const struct mail_content *c, struct buf *id)
{
    if (c->message_id) {
        buf_puts(id, c->message_id);
        return true;
    }
    char hex[33];
    if (!random_hex(16, hex))
        return false;
    buf_printf(id, "%s@%s", hex, strchr(c->from.addr, '@') + 1);
    return true;
}

bool mail_message_compose(const struct mail_content *c, struct mail_message *out)
{
    struct buf id = BUF_INIT;
    bool ok = false;
    memset(out, 0, sizeof *out);
    const char *problem = content_problem(c);
    if (problem) {
        log_error("msg=\"mail message refused\" reason=\"%s\"", problem);
        goto done;
    }
    pthread_once(&gmime_once, gmime_start);
    if (!make_message_id(c, &id) || !build(c, id.data, true, c->text, c->html, out))
        goto done;
    ok = c->max_bytes == 0 || out->len <= c->max_bytes || fit_budget(c, id.data, out);
done:
    buf_release(&id);
    return ok;
}

bool mail_message_parse_mailbox(const char *text, char **name, char **addr)
{
    *name = *addr = NULL;
    pthread_once(&gmime_once, gmime_start);
    InternetAddressList *list = internet_address_list_parse(NULL, text);
    bool ok = false;
    if (!list || internet_address_list_length(list) != 1)
        goto done;
    InternetAddress *a = internet_address_list_get_address(list, 0);
    if (!INTERNET_ADDRESS_IS_MAILBOX(a))
        goto done;
    const char *spec = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
    const char *display = internet_address_get_name(a);
    if (!valid_addr(spec))
        goto done;
    *addr = xstrdup(spec);
    *name = display && *display ? xstrdup(display) : NULL;
    ok = true;
done:
    if (list)
        g_object_unref(list);
    return ok;
}
