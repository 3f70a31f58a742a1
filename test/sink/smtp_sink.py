#!/usr/bin/python3
"""A local SMTP sink for dunning-sender's tests and bench (Debian python3-aiosmtpd).

Accepts mail on 127.0.0.1, stores every message (DIR/NNNNNN.eml) and one
JSON line per message in DIR/index.jsonl (n, connection, mail_from,
rcpt_tos, message_id), and can misbehave on purpose:
  --rcpt-reply SUBSTR=CODE     answer CODE to RCPT TO of recipients containing SUBSTR
  --transient SUBSTR=N         answer 451 to the first N RCPT TO of those recipients
  --data-reply SUBSTR=CODE     answer CODE at the end of messages containing SUBSTR
  --drop-after N               cut each connection when the client begins a message after its Nth
  --abort-rcpt N               cut the connection (no answer) at the Nth RCPT TO overall
  --delay MS                   wait MS milliseconds before accepting each message
  --count-only                 keep no messages, only count them (bench)
  --tls-cert FILE --tls-key FILE  offer STARTTLS with that certificate
  --implicit-tls               TLS from the first byte instead (smtps)
  --auth USER:PASSWORD         offer AUTH (after STARTTLS) and take only these credentials
Writes its port to --port-file once listening; stops on SIGTERM.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sinklib import pairs, write_port


class Sink:
    def __init__(self, args):
        self.args = args
        self.rcpt_reply = pairs(args.rcpt_reply, int)
        self.data_reply = pairs(args.data_reply, int)
        self.transient = dict(pairs(args.transient, int))
        self.count = 0
        self.rcpts = 0
        self.connections = 0
        self.lock = threading.Lock()
        self.index = None if args.count_only else open(os.path.join(args.dir, 'index.jsonl'), 'a')

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if not hasattr(session, 'conn_no'):
            self.connections += 1
            session.conn_no = self.connections
            session.messages = 0
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # --drop-after: the connection dies when the client starts its next
        # message there (deterministic, unlike a timer after the reply, which
        # a fast client outruns with every message on one connection)
        if self.args.drop_after and getattr(session, 'messages', 0) >= self.args.drop_after:
            server.transport.abort()
            return '421 gone'
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return '250 OK'

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.args.abort_rcpt and self.rcpts == self.args.abort_rcpt:
            server.transport.abort()
            return '421 gone'
        for sub, code in self.rcpt_reply:
            if sub in address:
                return '%d %s refused by the sink' % (code, '5.1.1' if code >= 500 else '4.2.0')
        for sub in list(self.transient):
            if sub in address and self.transient[sub] > 0:
                self.transient[sub] -= 1
                return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content
        for sub, code in self.data_reply:
            if sub.encode() in content:
                return '%d 5.7.1 message refused by the sink' % code
        if self.args.delay:
            await asyncio.sleep(self.args.delay / 1000.0)
        with self.lock:
            self.count += 1
            n = self.count
        if self.index is not None:
            msg = email.message_from_bytes(content, policy=email.policy.default)
            with open(os.path.join(self.args.dir, '%06d.eml' % n), 'wb') as f:
                f.write(content)
            self.index.write(json.dumps({
                'n': n, 'connection': getattr(session, 'conn_no', 0), 'mail_from': envelope.mail_from,
                'rcpt_tos': envelope.rcpt_tos, 'message_id': msg.get('Message-ID'),
                'tls': session.ssl is not None or bool(self.args.implicit_tls),
                'authenticated': bool(session.authenticated),
                'action': msg.get('X-Dunning-Action')}) + '\n')
            self.index.flush()
        session.messages = getattr(session, 'messages', 0) + 1
        return '250 2.0.0 Ok: queued as S%06d' % n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', default='.')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file')
    ap.add_argument('--rcpt-reply', action='append')
    ap.add_argument('--data-reply', action='append')
    ap.add_argument('--transient', action='append')
    ap.add_argument('--drop-after', type=int, default=0)
    ap.add_argument('--abort-rcpt', type=int, default=0)
    ap.add_argument('--delay', type=int, default=0)
    ap.add_argument('--count-only', action='store_true')
    ap.add_argument('--tls-cert')
    ap.add_argument('--tls-key')
    ap.add_argument('--auth')
    ap.add_argument('--implicit-tls', action='store_true')
    args = ap.parse_args()
    sink = Sink(args)
    port = args.port
    if port == 0:
        import socket
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()
    kwargs = {'ident': 'dunning test sink'}
    ctl_kwargs = {}
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.implicit_tls:
            ctl_kwargs['ssl_context'] = ctx
        else:
            kwargs['tls_context'] = ctx
    if args.auth:
        user, _, password = args.auth.partition(':')

        def check(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok)
        kwargs['authenticator'] = check
    if args.implicit_tls:
        kwargs['auth_require_tls'] = False      # the session is TLS from the start
    ctl = Controller(sink, hostname='127.0.0.1', port=port, enable_SMTPUTF8=True, server_kwargs=kwargs, **ctl_kwargs)
    ctl.start()
    write_port(args.port_file, port)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    while not done.wait(0.5):
        pass
    ctl.stop()
    with open(os.path.join(args.dir, 'stats.json'), 'w') as f:
        json.dump({'messages': sink.count, 'connections': sink.connections}, f)


if __name__ == '__main__':
    main()
