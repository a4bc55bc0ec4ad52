#!/usr/bin/env python3
"""A stand-in for rbld's POST /v1/reports, for testing the contrib clients.

    stub_api.py PORTFILE LOGFILE TOKEN

Listens on 127.0.0.1 on a free port, writes the port to PORTFILE, and
appends one JSON line per request to LOGFILE: method, path, the headers
that matter, the parsed body and the status answered. It checks what rbld
checks (token, content type, JSON, IP, type, field lengths) and answers as
rbld's API contract says. Types: failed-login, spam. The address 192.0.2.66
answers 403 and 198.51.100.29 answers 429, to exercise the error paths.
"""

import http.server
import os
import ipaddress
import json
import sys

TYPES = {"failed-login", "spam"}
FIELDS = {"ip", "type", "service", "reason"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    counts = {}

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, obj, record):
        data = (json.dumps(obj) + "\n").encode()
        record["status"] = code
        with open(self.server.logfile, "a") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(405, {"error": "method not allowed"},
                    {"method": "GET", "path": self.path})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        rec = {
            "method": "POST",
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "content_type": self.headers.get("Content-Type"),
            "raw": raw.decode("utf-8", "replace"),
        }
        if self.path != "/v1/reports":
            return self.answer(404, {"error": "not found"}, rec)
        if self.headers.get("Authorization") != "Bearer " + self.server.token:
            return self.answer(401, {"error": "invalid token"}, rec)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype.strip().lower() != "application/json":
            return self.answer(415, {"error": "Content-Type must be application/json"}, rec)
        try:
            body = json.loads(raw)
        except ValueError:
            return self.answer(400, {"error": "bad JSON"}, rec)
        rec["body"] = body
        if not isinstance(body, dict) or set(body) - FIELDS:
            return self.answer(400, {"error": "unknown field"}, rec)
        try:
            ip = ipaddress.ip_address(body.get("ip", ""))
        except ValueError:
            return self.answer(400, {"error": 'bad IP address "%s"' % body.get("ip")}, rec)
        if body.get("type") not in TYPES:
            return self.answer(400, {"error": 'unknown report type "%s"' % body.get("type")}, rec)
        if len(body.get("service", "")) > 63 or len(body.get("reason", "")) > 200:
            return self.answer(400, {"error": "service or reason too long"}, rec)
        if str(ip) == "192.0.2.66":
            return self.answer(403, {"error": "role \"reader\" may not post reports"}, rec)
        if str(ip) == "198.51.100.29":
            return self.answer(429, {"error": "too many failed authentications"}, rec)
        key = (str(ip), body["type"])
        Handler.counts[key] = Handler.counts.get(key, 0) + 1
        listed = Handler.counts[key] >= 3
        self.answer(202, {
            "listed": listed,
            "count": Handler.counts[key],
            "expires": "2026-11-28T10:00:00Z" if listed else None,
            "allowlisted": False,
        }, rec)


def main():
    portfile, logfile, token = sys.argv[1:4]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.logfile = logfile
    srv.token = token
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
