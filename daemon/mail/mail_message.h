/* The daily bulletin as an e-mail message (RFC 5322 + MIME), one message
 * per recipient, composed with GMime 3:
 *
 *   multipart/mixed
 *     multipart/related; type="multipart/alternative"
 *       multipart/alternative
 *         text/plain; charset=utf-8
 *         text/html; charset=utf-8      (shows the image by src="cid:...")
 *       image/png                       (inline, Content-ID: <image_cid>)
 *     application/pdf                   (attachment, filename*= RFC 2231)
 *
 * A part that is not given is left out (no PDF: the related part is the
 * whole body; no image: no related part). Line ends are CRLF, every part is
 * 7-bit (base64 or quoted-printable), ready for SMTP as it is.
 *
 * Why GMime and not libcurl's curl_mime (which the daemon already links):
 * curl_mime writes parts and boundaries but neither RFC 2047 encoded words
 * (a Chinese Subject or display name) nor RFC 2231 parameters (a Chinese
 * file name), and MIME is not a format to write by hand. GMime does the
 * boundaries, base64 and quoted-printable, the RFC 2231 file names and the
 * folding. One exception, measured on GMime 3.2.13: its RFC 2047 encoder
 * cuts words by characters, not bytes, so a run of 16 or more Chinese
 * characters without a space becomes one encoded word longer than the 75
 * characters RFC 2047 allows (36 characters: 158). The Subject and non-ASCII
 * display names are therefore written as encoded words of at most 45 bytes
 * of UTF-8 each (whole characters, base64 by GMime), at most 75 characters
 * and one per line of at most 76 (RFC 2047 section 2).
 *
 * The size budget: when the whole message is larger than max_bytes, the
 * PDF is left out and a link to pdf_url is added to both the text and the
 * HTML part (log_warn says so); when it is still too large, or there is no
 * PDF or no URL to fall back on, composing fails (log_error).
 *
 * Threads: any thread may compose; GMime is initialised once
 * (pthread_once).
 *
 * Ownership: struct mail_content and everything it points to are borrowed
 * for the call. struct mail_message owns `data` (malloc'd) until
 * mail_message_release() or a free() of it by the caller. */
#ifndef RETENTIOND_MAIL_MESSAGE_H
#define RETENTIOND_MAIL_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct mail_address {
    const char *name; /* display name, UTF-8, or NULL / "" */
    const char *addr; /* addr-spec, ASCII: local@domain */
};

struct mail_content {
    struct mail_address from;
    struct mail_address to; /* the one recipient */
    const char *subject;    /* UTF-8, one line */
    time_t date;            /* the Date header, in the process's local time zone */
    const char *message_id; /* without <>, e.g. "bulletin.2026-11-29.420102.1@host";
                               NULL: random, at the domain of from.addr */
    const char *text;       /* the text/plain part, UTF-8 */
    const char *html;       /* the text/html part, UTF-8; shows the image as cid:image_cid */

    const unsigned char *image; /* PNG bytes, or NULL */
    size_t image_len;
    const char *image_cid;  /* the image's Content-ID without <>: required with an image */
    const char *image_name; /* its file name; NULL: "bulletin.png" */

    const unsigned char *pdf; /* PDF bytes, or NULL */
    size_t pdf_len;
    const char *pdf_name;   /* its file name, UTF-8 (日通报-2026-11-29-江岸分公司.pdf) */
    const char *pdf_url;    /* http(s) URL of the same PDF, linked past the budget; or NULL */
    const char *link_label; /* the words before the link; NULL: MAIL_MESSAGE_LINK_LABEL */

    size_t max_bytes; /* the whole message's budget; 0 = none */
};

#define MAIL_MESSAGE_LINK_LABEL "附件超过邮件大小上限，未随邮件发送，请从以下链接下载："

struct mail_message {
    char *data; /* the message, CRLF line ends; owned */
    size_t len;
    bool pdf_linked; /* the PDF went over the budget: a link stands for it */
};

/* Composes c into *out (zeroed first). False, logged, when c is not valid
 * (an address that is not local@domain in ASCII, a subject or name that is
 * not UTF-8 or holds control characters, an image without a Content-ID, a
 * URL that is not http(s)) or when the message does not fit the budget. */
bool mail_message_compose(const struct mail_content *c, struct mail_message *out);

/* Frees out->data and zeroes *out; NULL-safe. */
void mail_message_release(struct mail_message *m);

/* Reads "addr" or "Name <addr>" (the mail.from setting) with GMime's
 * address parser: *name (NULL when there is none) and *addr are malloc'd
 * for the caller. False when text is not exactly one mailbox. */
bool mail_message_parse_mailbox(const char *text, char **name, char **addr);

/* Frees GMime's global state. At the very end of a process only: nothing
 * may be composed after it. */
void mail_message_cleanup(void);

#endif
