#!/usr/bin/python3
"""Reads a message received by smtp_sink.py with Python's email package and
prints what the mail tests (test_mail.c) assert on, as one JSON object:

    mail_check.py FILE.eml [--pdf-out PATH]

  tree           the MIME tree, e.g. "multipart/mixed[multipart/related[...],application/pdf]"
  subject, from_name, from_addr, to_name, to_addr, message_id, date
                 the headers as a reader sees them (RFC 2047 decoded; names by
                 email.header, see mailbox())
  subject_words  the length of each encoded word of the raw Subject header
  max_word       the longest encoded word in any top-level header (RFC 2047: <= 75)
  max_word_line  the longest header line holding an encoded word (RFC 2047: <= 76)
  max_line       the longest line of the whole message (RFC 5322: <= 998)
  crlf           every line ends with CRLF
  defects        what the parser found wrong, anywhere
  related_type   the type parameter of multipart/related
  text, html     the decoded text/plain and text/html parts, line ends as LF
  text_charset, html_charset  their charset parameters
  text_crlf      every line break of both, decoded, is CRLF (RFC 2046 4.1.1)
  html_cids      the cid: references of the HTML; image_cid the image's Content-ID;
  cid_ok         every reference names the image (and there is one)
  image_png, image_disposition
  pdf_filename   the PDF's file name as decoded (RFC 2231); pdf_disposition the raw
                 Content-Disposition header; pdf_bytes its length, the bytes
                 written to --pdf-out
"""
import argparse
import email
import email.header
import email.policy
import email.utils
import json
import re
import sys

WORD = re.compile(rb'=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=')


def tree(part):
    if part.is_multipart():
        return '%s[%s]' % (part.get_content_type(),
                           ','.join(tree(p) for p in part.iter_parts()))
    return part.get_content_type()


def mailbox(raw_value):
    """(name, addr) of a From or To header. RFC 2047 section 6.2: the white
    space between two adjacent encoded words is not part of the text.
    email.header.decode_header drops it; the headerregistry parser of
    Python 3.11 keeps it inside a phrase (a long display name, which
    Python's own encoder also writes as several encoded words, reads back
    with a space), so the names are decoded here."""
    decoded = str(email.header.make_header(email.header.decode_header(raw_value)))
    return email.utils.parseaddr(decoded)


def header_facts(raw):
    head = raw.split(b'\r\n\r\n', 1)[0]
    lines = head.split(b'\r\n')
    unfolded = re.sub(rb'\r\n[ \t]', b' ', head).split(b'\r\n')
    subject = next((u for u in unfolded if u.lower().startswith(b'subject:')), b'')
    words = [len(w) for w in WORD.findall(head)]
    return {
        'subject_words': [len(w) for w in WORD.findall(subject)],
        'max_word': max(words, default=0),
        'max_word_line': max((len(l) for l in lines if WORD.search(l)), default=0),
    }


def body_facts(msg, pdf_out):
    facts = {'html_cids': [], 'image_cid': None, 'text': None, 'html': None, 'text_crlf': True,
             'text_charset': None, 'html_charset': None,
             'pdf_filename': None, 'pdf_disposition': None, 'pdf_bytes': 0,
             'image_png': False, 'image_disposition': None, 'related_type': None}
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == 'multipart/related':
            facts['related_type'] = part.get_param('type')
        elif ctype in ('text/plain', 'text/html'):
            kind = ctype[5:].replace('plain', 'text')
            content = part.get_content()
            facts['text_crlf'] &= content.count('\n') == content.count('\r\n')
            facts[kind] = content.replace('\r\n', '\n')
            facts[kind + '_charset'] = part.get_content_charset()
        if ctype == 'text/html':
            facts['html_cids'] = re.findall(r'src="cid:([^"]+)"', facts['html'])
        elif ctype == 'image/png':
            facts['image_cid'] = (part['Content-ID'] or '').strip().strip('<>')
            facts['image_png'] = part.get_content().startswith(b'\x89PNG\r\n\x1a\n')
            facts['image_disposition'] = part.get_content_disposition()
        elif ctype == 'application/pdf':
            data = part.get_content()
            facts['pdf_filename'] = part.get_filename()
            raw = [v for k, v in part.raw_items() if k.lower() == 'content-disposition']
            facts['pdf_disposition'] = raw[0] if raw else None
            facts['pdf_bytes'] = len(data)
            if pdf_out:
                with open(pdf_out, 'wb') as f:
                    f.write(data)
    facts['cid_ok'] = bool(facts['html_cids']) and all(
        c == facts['image_cid'] for c in facts['html_cids'])
    return facts


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('file')
    p.add_argument('--pdf-out')
    args = p.parse_args()
    with open(args.file, 'rb') as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    plain = email.message_from_bytes(raw, policy=email.policy.compat32)
    (from_name, from_addr), (to_name, to_addr) = mailbox(plain['From']), mailbox(plain['To'])
    facts = {
        'tree': tree(msg), 'subject': str(msg['Subject']),
        'from_name': from_name, 'from_addr': from_addr, 'to_name': to_name, 'to_addr': to_addr,
        'message_id': str(msg['Message-ID']), 'date': str(msg['Date']),
        'max_line': max(len(l) for l in raw.split(b'\r\n')),
        'crlf': raw.count(b'\n') == raw.count(b'\r\n'),
        'defects': [repr(d) for part in msg.walk() for d in part.defects],
    }
    facts.update(header_facts(raw))
    facts.update(body_facts(msg, args.pdf_out))
    json.dump(facts, sys.stdout, ensure_ascii=False)
    print()


if __name__ == '__main__':
    sys.exit(main())
