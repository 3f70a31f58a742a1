#!/usr/bin/python3
"""A local HTTP sink for dunning-sender's tests: JSON POSTs, as an SMS or
letter provider would take them.

Records each request as one JSON line in DIR/requests.jsonl (n, path,
idempotency_key, authorization, body) and answers {"id": "P<n>"} with 200,
or misbehaves for requests whose JSON body's recipient contains SUBSTR:
  --status SUBSTR=CODE      answer CODE (e.g. 400, 500, 429)
  --transient SUBSTR=N      answer 503 to the first N such requests
  --sleep SUBSTR=SECONDS    wait that long before answering (timeouts)
  --no-id                   answer 204 with no body (no provider id)
Writes its port to --port-file once listening; stops on SIGTERM.
"""
import argparse
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sinklib import pairs, write_port


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode() if body is not None else b''
        self.send_response(code)
        if data:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        srv = self.server
        raw = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {'error': 'not JSON'})
        rcpt = str(body.get('recipient', ''))
        for sub, secs in srv.sleep:
            if sub in rcpt:
                time.sleep(secs)
        for sub, code in srv.status:
            if sub in rcpt:
                return self.reply(code, {'error': 'refused by the sink'})
        with srv.lock:
            for sub in list(srv.transient):
                if sub in rcpt and srv.transient[sub] > 0:
                    srv.transient[sub] -= 1
                    return self.reply(503, {'error': 'try later'})
            srv.count += 1
            n = srv.count
            srv.index.write(json.dumps({
                'n': n, 'path': self.path, 'idempotency_key': self.headers.get('Idempotency-Key'),
                'authorization': self.headers.get('Authorization'), 'body': body}) + '\n')
            srv.index.flush()
        if srv.no_id:
            return self.reply(204, None)
        self.reply(200, {'id': 'P%d' % n, 'status': 'queued', 'nested': {'id': 'not this one'}})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', default='.')
    ap.add_argument('--port-file')
    ap.add_argument('--status', action='append')
    ap.add_argument('--transient', action='append')
    ap.add_argument('--sleep', action='append')
    ap.add_argument('--no-id', action='store_true')
    args = ap.parse_args()
    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    srv.daemon_threads = True
    srv.status = pairs(args.status, int)
    srv.sleep = pairs(args.sleep, float)
    srv.transient = dict(pairs(args.transient, int))
    srv.no_id = args.no_id
    srv.count = 0
    srv.lock = threading.Lock()
    srv.index = open(os.path.join(args.dir, 'requests.jsonl'), 'a')
    write_port(args.port_file, srv.server_address[1])
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    srv.serve_forever()


if __name__ == '__main__':
    main()
