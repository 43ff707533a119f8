#!/usr/bin/python3
"""A loopback SMTP server for the mail tests (tests/integration/test_mail.c),
on aiosmtpd. Run it with Debian's /usr/bin/python3 (python3-aiosmtpd).

    smtp_sink.py --dir DIR [--auth USER:PASSWORD] [--fail-first N]
                 [--reject-rcpt PREFIX] [--answer-after SECONDS]
                 [--mode accept|silent|drop] [--port N]

It listens on 127.0.0.1, on port N or one the kernel picks, and prints
"PORT <n>" on stdout once it accepts connections. Modes:

  accept   an SMTP server: each message received is written to DIR as N.eml
           (the bytes of DATA) and N.json (the envelope: mail_from,
           rcpt_tos, auth_user), N = 1, 2, ...; with --auth, AUTH (PLAIN or
           LOGIN, without TLS) is required; --fail-first N answers the
           first N DATA with 451 (try again later); --reject-rcpt answers
           RCPT TO with 550 for an address starting with PREFIX;
           --answer-after SECONDS keeps a message, then waits that long
           before its 250 (a client stopping while the server has it)
  silent   accepts connections and never answers (not even the greeting)
  drop     accepts connections and closes them at once

It runs until killed.
"""
import argparse
import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, fail_first, reject_rcpt, answer_after):
        self.directory = directory
        self.fail_left = fail_first
        self.reject_rcpt = reject_rcpt
        self.answer_after = answer_after
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt and address.startswith(self.reject_rcpt):
            return '550 5.1.1 No such user here (sink)'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            return '451 4.3.0 Try again later (sink)'
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        facts = {'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
                 'auth_user': session.auth_data.login.decode()
                 if isinstance(session.auth_data, LoginPassword) else None}
        # written whole before the 250, so that the client finds them at once
        for ext, data in (('.json', json.dumps(facts).encode()), ('.eml', envelope.content)):
            with open(base + ext + '.tmp', 'wb') as f:
                f.write(data)
            os.rename(base + ext + '.tmp', base + ext)
        await asyncio.sleep(self.answer_after)
        return '250 OK: queued as %d' % self.count


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return check


class Silent(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport  # kept open, never written to


class Drop(asyncio.Protocol):
    def connection_made(self, transport):
        transport.close()


async def serve(args):
    loop = asyncio.get_running_loop()
    if args.mode == 'silent':
        factory = Silent
    elif args.mode == 'drop':
        factory = Drop
    else:
        sink = Sink(args.dir, args.fail_first, args.reject_rcpt, args.answer_after)
        options = {'hostname': 'sink.test', 'ident': 'retentiond test sink'}
        if args.auth:
            user, _, password = args.auth.partition(':')
            options.update(auth_required=True, auth_require_tls=False,
                           authenticator=authenticator(user, password))

        def factory():
            return SMTP(sink, **options)
    server = await loop.create_server(factory, host='127.0.0.1', port=args.port,
                                      reuse_address=True)
    print('PORT %d' % server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--dir', required=True)
    p.add_argument('--auth')
    p.add_argument('--fail-first', type=int, default=0)
    p.add_argument('--reject-rcpt')
    p.add_argument('--answer-after', type=float, default=0)
    p.add_argument('--mode', choices=('accept', 'silent', 'drop'), default='accept')
    p.add_argument('--port', type=int, default=0)
    asyncio.run(serve(p.parse_args()))


if __name__ == '__main__':
    sys.exit(main())
