/* Integration tests of the mail layer (daemon/mail/): messages composed
 * with mail_message, sent with mail_smtp to a real SMTP server on loopback
 * (smtp_sink.py, aiosmtpd, run with Debian's /usr/bin/python3), read back
 * with Python's email package (mail_check.py prints the facts as JSON) and
 * the PDF with pdfinfo; failures (refused, silent, dropped connections,
 * AUTH) and the retry policy with an injected sleep. No database. */
#include "buf.h"
#include "cfg.h"
#include "harness.h"
#include "mail_message.h"
#include "mail_retry.h"
#include "mail_smtp.h"
#include "sink.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FROM       "客户保有日通报 <bulletin@retentiond.test>"
#define FROM_ADDR  "bulletin@retentiond.test"
#define TO_ADDR    "zhang@jiangan.test"
#define IMAGE_CID  "chart.20261129.420102@retentiond.test"
#define PDF_NAME   "日通报-2026-11-29-江岸分公司.pdf"
#define PDF_URL    "https://retentiond.test/bulletins/2026-11-29/420102.pdf?v=1&lang=zh"
#define MESSAGE_ID "bulletin.2026-11-29.420102.1@retentiond.test"
#define FULL_SHAPE                                                                                 \
    "multipart/mixed[multipart/related[multipart/alternative[text/plain,text/html],image/png],"    \
    "application/pdf]"

static json_t *load_json(const char *path)
{
    char *text = sink_read_file(path, NULL);
    json_t *j = json_loads(text, 0, NULL);
    ck_assert_msg(j != NULL, "%s is not JSON: %s", path, text);
    free(text);
    return j;
}

static struct mail_smtp_opts opts_for(const struct sink *s, long timeout)
{
    struct mail_smtp_opts o = {.url = s->url, .from = FROM, .timeout = timeout};
    return o;
}

/* ---- test content: a PNG and a PDF made with cairo ---- */

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    buf_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

static unsigned char *make_png(size_t *len)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 60, 30);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
    cairo_paint(cr);
    cairo_destroy(cr);
    struct buf b = BUF_INIT;
    ck_assert_int_eq(cairo_surface_write_to_png_stream(s, to_buf, &b), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    return (unsigned char *)buf_detach(&b, len);
}

/* A one-page PDF; noise > 0 paints a noise x noise image of pseudo-random
 * pixels on it (incompressible: about 3 x noise^2 bytes). */
static unsigned char *make_pdf(int noise, size_t *len)
{
    struct buf b = BUF_INIT;
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(to_buf, &b, 200, 100);
    cairo_t *cr = cairo_create(pdf);
    cairo_rectangle(cr, 10, 10, 100, 50);
    cairo_set_source_rgb(cr, 0.1, 0.3, 0.8);
    cairo_fill(cr);
    if (noise > 0) {
        cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, noise, noise);
        unsigned char *px = cairo_image_surface_get_data(img);
        unsigned int seed = 42;
        for (int i = 0; i < cairo_image_surface_get_stride(img) * noise; i++) {
            seed = seed * 1103515245u + 12345u;
            px[i] = (unsigned char)(seed >> 16);
        }
        cairo_surface_mark_dirty(img);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_paint(cr);
        cairo_surface_destroy(img);
    }
    cairo_destroy(cr);
    cairo_surface_finish(pdf);
    ck_assert_int_eq(cairo_surface_status(pdf), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(pdf);
    return (unsigned char *)buf_detach(&b, len);
}

struct fixture {
    unsigned char *png, *pdf;
    size_t png_len, pdf_len;
    struct mail_content c;
};

static void bulletin(struct fixture *f, int noise)
{
    f->png = make_png(&f->png_len);
    f->pdf = make_pdf(noise, &f->pdf_len);
    struct mail_content c = {
        .from = {"客户保有日通报", FROM_ADDR},
        .to = {"张经理", TO_ADDR},
        .subject = "日通报 2026-11-29 江岸分公司",
        .date = 1795910400, /* 2026-11-29 */
        .message_id = MESSAGE_ID,
        .text = "江岸分公司 2026-11-29 日通报\n中高端客户保有率 96.2%，全省排名第 3。\n",
        .html = "<!DOCTYPE html><html><body><table width=\"600\" cellpadding=\"0\">"
                "<tr><td style=\"font-size:16px\">江岸分公司 2026-11-29 日通报</td></tr>"
                "<tr><td><img src=\"cid:" IMAGE_CID "\" width=\"600\" alt=\"KPI\"></td></tr>"
                "</table></body></html>",
        .image = f->png,
        .image_len = f->png_len,
        .image_cid = IMAGE_CID,
        .pdf = f->pdf,
        .pdf_len = f->pdf_len,
        .pdf_name = PDF_NAME,
        .pdf_url = PDF_URL,
    };
    f->c = c;
}

static void fixture_free(struct fixture *f)
{
    free(f->png);
    free(f->pdf);
}

/* ---- reading what arrived ---- */

static const char *str_of(json_t *facts, const char *key)
{
    const char *v = json_string_value(json_object_get(facts, key));
    ck_assert_msg(v != NULL, "no string '%s' in the facts", key);
    return v;
}

static long long int_of(json_t *facts, const char *key)
{
    json_t *v = json_object_get(facts, key);
    ck_assert_msg(json_is_integer(v), "no integer '%s' in the facts", key);
    return json_integer_value(v);
}

/* Every encoded word and every line holding one within RFC 2047's limits;
 * a clean parse; CRLF everywhere. */
static void assert_well_formed(json_t *facts)
{
    ck_assert_int_le(int_of(facts, "max_word"), 75);
    ck_assert_int_le(int_of(facts, "max_word_line"), 76);
    ck_assert_int_le(int_of(facts, "max_line"), 998);
    ck_assert(json_is_true(json_object_get(facts, "crlf")));
    ck_assert_msg(json_array_size(json_object_get(facts, "defects")) == 0, "defects: %s",
                  json_dumps(json_object_get(facts, "defects"), 0));
}

/* ---- the message's shape ---- */

START_TEST(full_message_arrives_with_its_shape)
{
    struct fixture f;
    bulletin(&f, 0);
    struct mail_message m;
    ck_assert(mail_message_compose(&f.c, &m));
    ck_assert(!m.pdf_linked);

    struct sink s;
    sink_start(&s, NULL);
    struct mail_smtp_opts o = opts_for(&s, 10);
    struct mail_smtp_error err;
    ck_assert_msg(mail_smtp_send(&o, "张经理 <" TO_ADDR ">", m.data, m.len, &err), "%s", err.text);
    ck_assert_str_eq(err.text, "");

    /* the bytes arrive as composed (curl's dot-stuffing undone by the server) */
    char eml[128], env[128];
    sink_file(&s, 1, "eml", eml);
    sink_file(&s, 1, "json", env);
    size_t got_len;
    char *got = sink_read_file(eml, &got_len);
    ck_assert_uint_eq(got_len, m.len);
    ck_assert(memcmp(got, m.data, m.len) == 0);

    /* the envelope: the bare addresses */
    json_t *envelope = load_json(env);
    ck_assert_str_eq(str_of(envelope, "mail_from"), FROM_ADDR);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(envelope, "rcpt_tos"), 0)),
                     TO_ADDR);
    ck_assert_uint_eq(json_array_size(json_object_get(envelope, "rcpt_tos")), 1);

    char pdf_out[] = "/tmp/rtnd-mail-pdf-XXXXXX";
    close(mkstemp(pdf_out));
    json_t *facts = mail_facts(eml, pdf_out);
    ck_assert_str_eq(str_of(facts, "tree"), FULL_SHAPE);
    assert_well_formed(facts);
    ck_assert_str_eq(str_of(facts, "subject"), f.c.subject);
    ck_assert_str_eq(str_of(facts, "from_name"), "客户保有日通报");
    ck_assert_str_eq(str_of(facts, "from_addr"), FROM_ADDR);
    ck_assert_str_eq(str_of(facts, "to_name"), "张经理");
    ck_assert_str_eq(str_of(facts, "to_addr"), TO_ADDR);
    ck_assert_str_eq(str_of(facts, "message_id"), "<" MESSAGE_ID ">");
    ck_assert_ptr_nonnull(strstr(str_of(facts, "date"), "2026"));
    ck_assert_str_eq(str_of(facts, "related_type"), "multipart/alternative");
    ck_assert_str_eq(str_of(facts, "text"), f.c.text);
    ck_assert_str_eq(str_of(facts, "text_charset"), "utf-8");
    ck_assert_str_eq(str_of(facts, "html_charset"), "utf-8");
    ck_assert(json_is_true(json_object_get(facts, "text_crlf")));
    ck_assert_ptr_nonnull(strstr(str_of(facts, "html"), "江岸分公司 2026-11-29 日通报"));
    /* the HTML's cid: is the image's Content-ID; the image is an inline PNG */
    ck_assert(json_is_true(json_object_get(facts, "cid_ok")));
    ck_assert_str_eq(str_of(facts, "image_cid"), IMAGE_CID);
    ck_assert(json_is_true(json_object_get(facts, "image_png")));
    ck_assert_str_eq(str_of(facts, "image_disposition"), "inline");
    /* the PDF: an RFC 2231 file name, decoded back; the same bytes; a PDF */
    ck_assert_str_eq(str_of(facts, "pdf_filename"), PDF_NAME);
    ck_assert_ptr_nonnull(strstr(str_of(facts, "pdf_disposition"), "attachment"));
    ck_assert_ptr_nonnull(strstr(str_of(facts, "pdf_disposition"), "filename*"));
    ck_assert_int_eq(int_of(facts, "pdf_bytes"), (long long)f.pdf_len);
    size_t pdf_len;
    char *pdf = sink_read_file(pdf_out, &pdf_len);
    ck_assert(pdf_len == f.pdf_len && memcmp(pdf, f.pdf, pdf_len) == 0);
    struct buf cmd = BUF_INIT;
    buf_printf(&cmd, "pdfinfo '%s' 2>&1", pdf_out);
    int status;
    char *info = sink_shell(cmd.data, &status);
    const char *pages = strstr(info, "\nPages:");
    ck_assert_msg(status == 0 && pages && atoi(pages + 7) == 1, "pdfinfo: %s", info);

    free(info);
    buf_release(&cmd);
    free(pdf);
    json_decref(facts);
    json_decref(envelope);
    free(got);
    unlink(pdf_out);
    sink_stop(&s);
    mail_message_release(&m);
    mail_message_release(&m); /* twice is fine */
    fixture_free(&f);
}
END_TEST

/* A subject of 60 Chinese characters without a space (GMime 3.2.13 alone
 * would make one 250-character encoded word of it) and a long display
 * name: encoded words of at most 75 characters that decode back. And a
 * text that fits ISO-8859-1 stays UTF-8 (GMime's set_text would convert). */
START_TEST(long_chinese_subject_is_several_short_encoded_words)
{
    static const char subject[] =
        "日通报：江岸分公司中高端客户保有率、VIP客户在网率、融合业务覆盖率、客户满意度与"
        "风险区间五项指标全部达标，全省排名第三，距挑战目标仍差零点八个百分点，请关注"
        " (2026-11-29)";
    static const char name[] = "江岸分公司中高端客户保有工作组组长张经理收";
    struct fixture f;
    bulletin(&f, 0);
    f.c.subject = subject;
    f.c.to.name = name;
    f.c.text = "Résumé: café 96.2 %\n"; /* fits ISO-8859-1, still sent as UTF-8 */
    struct mail_message m;
    ck_assert(mail_message_compose(&f.c, &m));

    struct sink s;
    sink_start(&s, NULL);
    struct mail_smtp_opts o = opts_for(&s, 10);
    ck_assert(mail_smtp_send(&o, TO_ADDR, m.data, m.len, NULL));
    char eml[128];
    json_t *facts = mail_facts(sink_file(&s, 1, "eml", eml), NULL);
    ck_assert_str_eq(str_of(facts, "subject"), subject);
    ck_assert_str_eq(str_of(facts, "to_name"), name);
    ck_assert_str_eq(str_of(facts, "text"), f.c.text);
    ck_assert_str_eq(str_of(facts, "text_charset"), "utf-8");
    json_t *words = json_object_get(facts, "subject_words");
    ck_assert_uint_ge(json_array_size(words), 5);
    for (size_t i = 0; i < json_array_size(words); i++)
        ck_assert_int_le(json_integer_value(json_array_get(words, i)), 75);
    assert_well_formed(facts);

    json_decref(facts);
    sink_stop(&s);
    mail_message_release(&m);
    fixture_free(&f);
}
END_TEST

/* ---- the size budget ---- */

START_TEST(over_budget_the_pdf_becomes_a_link)
{
    struct fixture f;
    bulletin(&f, 120); /* a PDF of ~45 KB */
    ck_assert_uint_gt(f.pdf_len, 40000);
    f.c.max_bytes = 20000;
    struct mail_message m;
    struct harness_capture cap;
    harness_capture_begin(&cap);
    bool ok = mail_message_compose(&f.c, &m);
    char *log = harness_capture_end(&cap);
    ck_assert(ok);
    ck_assert(m.pdf_linked);
    ck_assert_uint_le(m.len, 20000);
    ck_assert_msg(strstr(log, "level=warn msg=\"mail over its size budget: the PDF is replaced by "
                              "a link\" to=\"" TO_ADDR "\"") != NULL,
                  "%s", log);
    ck_assert_ptr_nonnull(strstr(log, "max_bytes=20000"));
    ck_assert_ptr_nonnull(strstr(log, "attachment=\"" PDF_NAME "\" url=\"" PDF_URL "\""));

    struct sink s;
    sink_start(&s, NULL);
    struct mail_smtp_opts o = opts_for(&s, 10);
    ck_assert(mail_smtp_send(&o, TO_ADDR, m.data, m.len, NULL));
    char eml[128];
    json_t *facts = mail_facts(sink_file(&s, 1, "eml", eml), NULL);
    ck_assert_str_eq(str_of(facts, "tree"),
                     "multipart/related[multipart/alternative[text/plain,text/html],image/png]");
    ck_assert_int_eq(int_of(facts, "pdf_bytes"), 0);
    ck_assert(json_is_true(json_object_get(facts, "cid_ok")));
    const char *text = str_of(facts, "text"), *html = str_of(facts, "html");
    ck_assert_ptr_nonnull(strstr(text, MAIL_MESSAGE_LINK_LABEL "\n" PDF_URL "\n"));
    ck_assert_ptr_nonnull(strstr(text, "全省排名第 3")); /* the text is still there */
    ck_assert_ptr_nonnull(
        strstr(html, "<a href=\"https://retentiond.test/bulletins/2026-11-29/420102.pdf?v=1&amp;"
                     "lang=zh\">"));
    /* before </body>, the table kept */
    ck_assert_ptr_nonnull(strstr(html, "</a></p>\n</body></html>"));
    ck_assert_ptr_nonnull(strstr(html, "</table>"));
    assert_well_formed(facts);

    json_decref(facts);
    sink_stop(&s);
    free(log);
    mail_message_release(&m);
    fixture_free(&f);
}
END_TEST

START_TEST(over_budget_without_a_way_out_fails)
{
    struct fixture f;
    bulletin(&f, 120);
    struct mail_message m;
    f.c.max_bytes = 20000;
    f.c.pdf_url = NULL; /* no link to stand for the PDF */
    ck_assert(!mail_message_compose(&f.c, &m));
    ck_assert_ptr_null(m.data);
    f.c.pdf_url = PDF_URL;
    f.c.max_bytes = 2000; /* too small even without the PDF */
    ck_assert(!mail_message_compose(&f.c, &m));
    ck_assert_ptr_null(m.data);
    f.c.max_bytes = 0; /* no budget */
    ck_assert(mail_message_compose(&f.c, &m));
    ck_assert(!m.pdf_linked);
    ck_assert_uint_gt(m.len, f.pdf_len);
    mail_message_release(&m);
    fixture_free(&f);
}
END_TEST

/* What cannot make a well-formed message is refused before GMime sees it. */
START_TEST(bad_content_is_refused)
{
    struct fixture f;
    bulletin(&f, 0);
    struct mail_content good = f.c;
    struct mail_message m;
    struct mail_content c = good;
    c.to.addr = "zhang@jiangan.test\r\nBcc: everyone@example.com";
    ck_assert(!mail_message_compose(&c, &m));
    c = good;
    c.subject = "日通报\r\nBcc: everyone@example.com";
    ck_assert(!mail_message_compose(&c, &m));
    c = good;
    c.subject = "\xe6\x97"; /* cut UTF-8 */
    ck_assert(!mail_message_compose(&c, &m));
    c = good;
    c.image_cid = NULL;
    ck_assert(!mail_message_compose(&c, &m));
    c = good;
    c.pdf_url = "javascript:alert(1)";
    ck_assert(!mail_message_compose(&c, &m));
    c = good;
    c.from.addr = "no-at-sign";
    ck_assert(!mail_message_compose(&c, &m));
    ck_assert_ptr_null(m.data);
    /* without a Message-ID, a random one at the sender's domain */
    c = good;
    c.message_id = NULL;
    ck_assert(mail_message_compose(&c, &m));
    ck_assert_ptr_nonnull(strstr(m.data, "@retentiond.test>\r\n"));
    mail_message_release(&m);
    fixture_free(&f);
}
END_TEST

START_TEST(mailbox_setting_is_parsed)
{
    char *name, *addr;
    ck_assert(mail_message_parse_mailbox(FROM, &name, &addr));
    ck_assert_str_eq(name, "客户保有日通报");
    ck_assert_str_eq(addr, FROM_ADDR);
    free(name);
    free(addr);
    ck_assert(mail_message_parse_mailbox("bulletin@retentiond.test", &name, &addr));
    ck_assert_ptr_null(name);
    ck_assert_str_eq(addr, FROM_ADDR);
    free(addr);
    ck_assert(!mail_message_parse_mailbox("a@b.test, c@d.test", &name, &addr));
    ck_assert(!mail_message_parse_mailbox("nobody", &name, &addr));
    ck_assert_ptr_null(addr);
}
END_TEST

/* ---- failures: clear errors, quickly ---- */

/* A port nobody listens on. */
START_TEST(smtp_down_fails_at_once_with_a_clear_error)
{
    struct sink s = {.port = sink_free_port()};
    snprintf(s.url, sizeof s.url, "smtp://127.0.0.1:%d", s.port);
    struct mail_smtp_opts o = opts_for(&s, 10);
    struct mail_smtp_error err;
    double t0 = sink_now();
    ck_assert(!mail_smtp_send(&o, TO_ADDR, "Subject: x\r\n\r\nx\r\n", 17, &err));
    ck_assert_double_lt(sink_now() - t0, 3);
    ck_assert_int_eq(err.curl_code, CURLE_COULDNT_CONNECT);
    ck_assert_int_eq(err.reply, 0);
    ck_assert(!err.permanent);
    ck_assert_msg(strstr(err.text, "127.0.0.1") && strstr(err.text, "curl error 7"), "%s",
                  err.text);
}
END_TEST

START_TEST(silent_server_times_out)
{
    static const char *const silent[] = {"--mode", "silent", NULL};
    struct sink s;
    sink_start(&s, silent);
    struct mail_smtp_opts o = opts_for(&s, 2);
    struct mail_smtp_error err;
    double t0 = sink_now();
    ck_assert(!mail_smtp_send(&o, TO_ADDR, "Subject: x\r\n\r\nx\r\n", 17, &err));
    double took = sink_now() - t0;
    ck_assert_msg(took >= 1.5 && took < 6, "took %.1f s", took);
    ck_assert_int_eq(err.curl_code, CURLE_OPERATION_TIMEDOUT);
    ck_assert(!err.permanent);
    ck_assert_msg(strstr(err.text, "curl error 28") != NULL, "%s", err.text);
    sink_stop(&s);
}
END_TEST

/* The process stops once the server has the message, before its 250
 * (the sink waits 1 s to answer): the session is not cut, the message is
 * sent and said so, not left to be sent again at the next start. */
static bool sink_has_mail(void *ctx)
{
    return sink_count(ctx) > 0;
}

START_TEST(a_stop_once_the_server_has_the_message_waits_for_its_answer)
{
    static const char *const slow[] = {"--answer-after", "1", NULL};
    struct sink s;
    sink_start(&s, slow);
    struct mail_smtp_opts o = opts_for(&s, 10);
    o.stopped = sink_has_mail;
    o.stopped_ctx = &s;
    struct mail_smtp_error err;
    ck_assert_msg(mail_smtp_send(&o, TO_ADDR, "Subject: x\r\n\r\nx\r\n", 17, &err), "%s", err.text);
    ck_assert_int_eq(sink_count(&s), 1);
    sink_stop(&s);
}
END_TEST

START_TEST(dropped_connection_fails_at_once)
{
    static const char *const drop[] = {"--mode", "drop", NULL};
    struct sink s;
    sink_start(&s, drop);
    struct mail_smtp_opts o = opts_for(&s, 10);
    struct mail_smtp_error err;
    double t0 = sink_now();
    ck_assert(!mail_smtp_send(&o, TO_ADDR, "Subject: x\r\n\r\nx\r\n", 17, &err));
    ck_assert_double_lt(sink_now() - t0, 3);
    ck_assert_int_ne(err.curl_code, 0);
    ck_assert(!err.permanent);
    ck_assert_msg(strstr(err.text, "curl error") != NULL, "%s", err.text);
    sink_stop(&s);
}
END_TEST

START_TEST(bad_settings_are_refused_before_connecting)
{
    struct sink s = {.port = 25};
    struct mail_smtp_opts o = opts_for(&s, 10);
    struct mail_smtp_error err;
    o.url = "http://127.0.0.1:25";
    ck_assert(!mail_smtp_send(&o, TO_ADDR, "x\r\n", 3, &err));
    ck_assert(err.permanent);
    ck_assert_ptr_nonnull(strstr(err.text, "mail.smtp_url"));
    o.url = "smtp://127.0.0.1:25";
    o.from = "Bulletin <bulletin@retentiond.test"; /* no closing > */
    ck_assert(!mail_smtp_send(&o, TO_ADDR, "x\r\n", 3, &err));
    ck_assert_ptr_nonnull(strstr(err.text, "mail.from"));
    o.from = FROM;
    ck_assert(!mail_smtp_send(&o, "zhang@jiangan.test\r\nRCPT TO:<x@y>", "x\r\n", 3, &err));
    ck_assert_ptr_nonnull(strstr(err.text, "recipient"));
    ck_assert(err.permanent);
}
END_TEST

/* ---- AUTH ---- */

#define PASSWORD "s3cret-Pa55"

START_TEST(auth_with_user_and_password)
{
    static const char *const auth[] = {"--auth", "bulletin:" PASSWORD, NULL};
    struct sink s;
    sink_start(&s, auth);
    struct mail_smtp_opts o = opts_for(&s, 10);
    struct mail_smtp_error err;
    const char *msg = "Subject: auth\r\n\r\nbody\r\n";
    struct harness_capture cap;
    harness_capture_begin(&cap);

    /* no credentials: the server wants AUTH (530) */
    ck_assert(!mail_smtp_send(&o, TO_ADDR, msg, strlen(msg), &err));
    ck_assert_int_eq(err.reply, 530);
    ck_assert(err.permanent);
    /* a wrong password: refused (535), not retried */
    o.user = "bulletin";
    o.password = "wrong-" PASSWORD;
    ck_assert(!mail_smtp_send(&o, TO_ADDR, msg, strlen(msg), &err));
    ck_assert_int_eq(err.curl_code, CURLE_LOGIN_DENIED);
    ck_assert_int_eq(err.reply, 535);
    ck_assert(err.permanent);
    ck_assert_ptr_null(strstr(err.text, PASSWORD));
    /* the right one */
    o.password = PASSWORD;
    bool ok = mail_smtp_send(&o, TO_ADDR, msg, strlen(msg), &err);
    char *log = harness_capture_end(&cap);
    ck_assert_msg(ok, "%s", err.text);
    char env[128];
    json_t *envelope = load_json(sink_file(&s, 1, "json", env));
    ck_assert_str_eq(str_of(envelope, "auth_user"), "bulletin");
    json_decref(envelope);
    /* the password is in no log line */
    ck_assert_ptr_null(strstr(log, PASSWORD));
    ck_assert_ptr_nonnull(strstr(log, "SMTP AUTH without TLS"));
    free(log);
    sink_stop(&s);
}
END_TEST

/* ---- retries ---- */

struct sleeps {
    int n;
    long ms[16];
};

static void record_sleep(void *ctx, long ms)
{
    struct sleeps *s = ctx;
    if (s->n < 16)
        s->ms[s->n++] = ms;
}

START_TEST(retry_after_two_failures_succeeds_on_the_third)
{
    static const char *const flaky[] = {"--fail-first", "2", NULL};
    struct sink s;
    sink_start(&s, flaky);
    struct mail_smtp_opts o = opts_for(&s, 10);
    struct sleeps slept = {0};
    struct mail_retry policy = {5, 1000, 60000, record_sleep, &slept, NULL};
    struct mail_smtp_error err;
    int attempts = 0;
    const char *msg = "Subject: retry\r\n\r\nbody\r\n";
    ck_assert_msg(mail_smtp_send_retry(&o, &policy, TO_ADDR, msg, strlen(msg), &err, &attempts),
                  "%s", err.text);
    ck_assert_int_eq(attempts, 3);
    ck_assert_int_eq(slept.n, 2);
    ck_assert_int_eq(slept.ms[0], 1000);
    ck_assert_int_eq(slept.ms[1], 2000);
    /* one message stored, the two refused ones not */
    char path[128];
    ck_assert_int_eq(access(sink_file(&s, 1, "eml", path), F_OK), 0);
    ck_assert_int_ne(access(sink_file(&s, 2, "eml", path), F_OK), 0);
    sink_stop(&s);
}
END_TEST

START_TEST(retry_gives_up_after_max_attempts_and_on_a_permanent_failure)
{
    static const char *const args[] = {"--fail-first", "9", "--reject-rcpt", "nobody@", NULL};
    struct sink s;
    sink_start(&s, args);
    struct mail_smtp_opts o = opts_for(&s, 10);
    struct sleeps slept = {0};
    struct mail_retry policy = {3, 1000, 60000, record_sleep, &slept, NULL};
    struct mail_smtp_error err;
    int attempts = 0;
    const char *msg = "Subject: retry\r\n\r\nbody\r\n";
    /* 451 every time: three attempts, two waits, the last error kept */
    ck_assert(!mail_smtp_send_retry(&o, &policy, TO_ADDR, msg, strlen(msg), &err, &attempts));
    ck_assert_int_eq(attempts, 3);
    ck_assert_int_eq(slept.n, 2);
    ck_assert_int_eq(err.reply, 451);
    ck_assert(!err.permanent);
    ck_assert_msg(strstr(err.text, "451 4.3.0 Try again later") != NULL, "%s", err.text);
    /* 550 for the recipient: no second attempt */
    slept.n = 0;
    ck_assert(!mail_smtp_send_retry(&o, &policy, "nobody@jiangan.test", msg, strlen(msg), &err,
                                    &attempts));
    ck_assert_int_eq(attempts, 1);
    ck_assert_int_eq(slept.n, 0);
    ck_assert_int_eq(err.reply, 550);
    ck_assert(err.permanent);
    ck_assert_msg(strstr(err.text, "server: 550 5.1.1 No such user here") != NULL, "%s", err.text);
    sink_stop(&s);
}
END_TEST

START_TEST(retry_delays_double_up_to_the_cap)
{
    struct mail_retry r = {10, 1000, 5000, NULL, NULL, NULL};
    static const long expected[] = {1000, 2000, 4000, 5000, 5000};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(mail_retry_delay_ms(&r, i + 1), expected[i]);
    ck_assert_int_eq(mail_retry_delay_ms(&r, 1000), 5000); /* no overflow */
    struct mail_retry big = {3, 1000, 0x7fffffffL, NULL, NULL, NULL};
    ck_assert_int_eq(mail_retry_delay_ms(&big, 200), 0x7fffffffL);
    struct mail_retry none = {3, 0, 0, NULL, NULL, NULL};
    ck_assert_int_eq(mail_retry_delay_ms(&none, 3), 0);
    struct mail_retry def = MAIL_RETRY_DEFAULT;
    ck_assert_int_eq(def.max_attempts, 4);
    ck_assert_int_eq(mail_retry_delay_ms(&def, 3), 4000);
}
END_TEST

struct flaky {
    int fail_times;
    enum mail_retry_verdict failure;
    int calls;
};

static enum mail_retry_verdict flaky_attempt(void *ctx, int attempt)
{
    struct flaky *f = ctx;
    ck_assert_int_eq(attempt, ++f->calls);
    return f->calls <= f->fail_times ? f->failure : MAIL_RETRY_DONE;
}

START_TEST(retry_run_counts_attempts_and_sleeps_between)
{
    struct sleeps slept = {0};
    struct mail_retry r = {4, 500, 60000, record_sleep, &slept, NULL};
    struct flaky f = {2, MAIL_RETRY_AGAIN, 0};
    int attempts;
    ck_assert(mail_retry_run(&r, flaky_attempt, &f, &attempts));
    ck_assert_int_eq(attempts, 3);
    ck_assert_int_eq(slept.n, 2);
    ck_assert_int_eq(slept.ms[0], 500);
    ck_assert_int_eq(slept.ms[1], 1000);
    /* always failing: max_attempts, no wait after the last */
    struct flaky never = {99, MAIL_RETRY_AGAIN, 0};
    slept.n = 0;
    ck_assert(!mail_retry_run(&r, flaky_attempt, &never, &attempts));
    ck_assert_int_eq(attempts, 4);
    ck_assert_int_eq(slept.n, 3);
    /* giving up: at once */
    struct flaky fatal = {1, MAIL_RETRY_GIVE_UP, 0};
    slept.n = 0;
    ck_assert(!mail_retry_run(&r, flaky_attempt, &fatal, &attempts));
    ck_assert_int_eq(attempts, 1);
    ck_assert_int_eq(slept.n, 0);
    /* the real sleep sleeps */
    double t0 = sink_now();
    mail_retry_sleep(NULL, 120);
    ck_assert_double_ge(sink_now() - t0, 0.11);
}
END_TEST

/* ---- the settings ---- */

START_TEST(mail_settings_become_smtp_options)
{
    struct cfg c;
    char err[256];
    cfg_defaults(&c);
    ck_assert_str_eq(c.mail_smtp_url, "");
    ck_assert_int_eq(c.mail_starttls, 1);
    ck_assert_int_eq(c.mail_timeout, 30);
    ck_assert_int_eq(c.mail_max_bytes, 10485760);
    ck_assert(cfg_set(&c, "mail", "smtp_url", "smtp://mail.example.com:587", err, sizeof err));
    ck_assert(cfg_set(&c, "mail", "from", FROM, err, sizeof err));
    ck_assert(cfg_set(&c, "mail", "user", "bulletin", err, sizeof err));
    ck_assert(cfg_set(&c, "mail", "password", PASSWORD, err, sizeof err));
    ck_assert(cfg_set(&c, "mail", "timeout", "5", err, sizeof err));
    ck_assert(!cfg_set(&c, "mail", "timeout", "0", err, sizeof err));
    ck_assert(!cfg_set(&c, "mail", "starttls", "2", err, sizeof err));
    ck_assert(!cfg_set(&c, "mail", "max_bytes", "1000", err, sizeof err));
    struct mail_smtp_opts o;
    mail_smtp_opts_from_cfg(&c, &o);
    ck_assert_str_eq(o.url, "smtp://mail.example.com:587");
    ck_assert_str_eq(o.from, FROM);
    ck_assert_str_eq(o.user, "bulletin");
    ck_assert_str_eq(o.password, PASSWORD);
    ck_assert(o.starttls);
    ck_assert_int_eq(o.timeout, 5);
    ck_assert_int_eq(o.total_timeout, 0);
    cfg_free(&c);
}
END_TEST

static Suite *mail_suite(void)
{
    Suite *s = suite_create("mail");
    TCase *compose = tcase_create("compose");
    tcase_set_timeout(compose, 60);
    tcase_add_test(compose, full_message_arrives_with_its_shape);
    tcase_add_test(compose, long_chinese_subject_is_several_short_encoded_words);
    tcase_add_test(compose, over_budget_the_pdf_becomes_a_link);
    tcase_add_test(compose, over_budget_without_a_way_out_fails);
    tcase_add_test(compose, bad_content_is_refused);
    tcase_add_test(compose, mailbox_setting_is_parsed);
    suite_add_tcase(s, compose);
    TCase *smtp = tcase_create("smtp");
    tcase_set_timeout(smtp, 60);
    tcase_add_test(smtp, smtp_down_fails_at_once_with_a_clear_error);
    tcase_add_test(smtp, silent_server_times_out);
    tcase_add_test(smtp, dropped_connection_fails_at_once);
    tcase_add_test(smtp, a_stop_once_the_server_has_the_message_waits_for_its_answer);
    tcase_add_test(smtp, bad_settings_are_refused_before_connecting);
    tcase_add_test(smtp, auth_with_user_and_password);
    tcase_add_test(smtp, mail_settings_become_smtp_options);
    suite_add_tcase(s, smtp);
    TCase *retry = tcase_create("retry");
    tcase_set_timeout(retry, 60);
    tcase_add_test(retry, retry_after_two_failures_succeeds_on_the_third);
    tcase_add_test(retry, retry_gives_up_after_max_attempts_and_on_a_permanent_failure);
    tcase_add_test(retry, retry_delays_double_up_to_the_cap);
    tcase_add_test(retry, retry_run_counts_attempts_and_sleeps_between);
    suite_add_tcase(s, retry);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mail_suite());
    srunner_run_all(sr, CK_NORMAL); /* each test forked: a failed one leaves no sink behind */
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
