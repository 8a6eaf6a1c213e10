#!/usr/bin/python3
"""Slack's side of a request URL: what the stand-in sends to `slackbot run
--http`, the way Slack does (docs: apis/events-api, interactivity,
slash commands, authentication/verifying-requests-from-slack).

    snd = Sender("http://127.0.0.1:PORT/slack/events", secret)
    r = snd.event({"type": "message", "text": "hi"}, event_id="Ev1")
    r.status, r.headers, r.body          # 200, {...}, b""
    snd.event(ev, event_id="Ev1", retry=1)   # X-Slack-Retry-Num: 1
    snd.url_verification("3eZbrw1a...")  # 200 {"challenge":"3eZbrw1a..."}
    snd.slash({"command": "/deploy", ...})   # form-encoded
    snd.interactive({"type": "block_actions", ...})  # payload=JSON
    snd.post(body, signature="v0=00...")  # a wrong signature
    snd.post(body, timestamp=time.time() - 600)  # a stale one
    snd.slowly(data, rate=1.0)           # one byte a second, until cut off

Requests are signed with `secret`: X-Slack-Request-Timestamp and
X-Slack-Signature = "v0=" + hex HMAC-SHA256("v0:" + ts + ":" + body).  One
connection is kept alive between requests (a new one is opened when the
server closed it); https URLs are checked against `ca`.  Plain sockets, so
that every byte and every pause is the test's: this runs in the caller's
thread, not in the stand-in's event loop.
"""

import hashlib
import hmac
import json
import socket
import ssl
import time
import urllib.parse


def sign(secret, ts, body):
    """The X-Slack-Signature of body (bytes) sent at ts (str)."""
    base = b"v0:" + ts.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class Response:
    """An answer: status, headers (lower-case name -> value), body."""

    def __init__(self, status, headers, body, raw):
        self.status, self.headers, self.body = status, headers, body
        self.raw = raw

    def json(self):
        return json.loads(self.body.decode())

    def __repr__(self):
        return "<Response %d %r %r>" % (self.status, self.headers,
                                        self.body[:200])


class Closed(Exception):
    """The server closed the connection without (a whole) answer."""


class Sender:
    def __init__(self, url, secret, ca=None, timeout=10.0):
        u = urllib.parse.urlsplit(url)
        self.tls = u.scheme == "https"
        self.host = u.hostname
        self.port = u.port or (443 if self.tls else 80)
        self.path = u.path or "/"
        self.secret = secret
        self.ca = ca
        self.timeout = timeout
        self.sock = None
        self.connections = 0        # connections opened so far
        self.last_method = None     # HEAD answers have no body

    # ------------------------------------------------------------------
    # Connections.

    def connect(self):
        """A new connection (the kept one is closed first)."""
        self.close()
        s = socket.create_connection((self.host, self.port), self.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.ca)
            s = ctx.wrap_socket(s, server_hostname=self.host)
        self.sock = s
        self.buf = b""
        self.connections += 1
        return s

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def _recv(self):
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError) as e:
            raise Closed(str(e))
        if not data:
            raise Closed("closed")
        self.buf += data

    def read_response(self):
        """The next answer on the connection (1xx answers skipped)."""
        while True:
            while b"\r\n\r\n" not in self.buf:
                self._recv()
            head, _, self.buf = self.buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ")[1])
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            n = int(headers.get("content-length", "0"))
            if self.last_method == "HEAD":
                n = 0
            if status < 200:
                continue
            while len(self.buf) < n:
                self._recv()
            body, self.buf = self.buf[:n], self.buf[n:]
            if headers.get("connection", "").lower() == "close":
                self.close()
            return Response(status, headers, body, head)

    def send_raw(self, data, keep=True):
        """Sends bytes as they are on the kept connection (a new one if
        there is none) and reads one answer."""
        if self.sock is None:
            self.connect()
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            raise Closed("closed while sending")
        r = self.read_response()
        if not keep:
            self.close()
        return r

    # ------------------------------------------------------------------
    # Requests.

    def request_bytes(self, body, ctype, timestamp=None, signature=None,
                      retry=None, reason="http_timeout", headers=None,
                      method="POST", path=None, sign_it=True):
        """The bytes of a request as Slack sends it."""
        if isinstance(body, str):
            body = body.encode()
        ts = "%d" % int(time.time() if timestamp is None else timestamp)
        h = [("Host", "%s:%d" % (self.host, self.port)),
             ("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)"),
             ("Accept-Encoding", "gzip,deflate"), ("Accept", "*/*"),
             ("Content-Type", ctype), ("Content-Length", str(len(body)))]
        if sign_it:
            h.append(("X-Slack-Request-Timestamp", ts))
            h.append(("X-Slack-Signature", signature or
                      sign(self.secret, ts, body)))
        if retry is not None:
            h.append(("X-Slack-Retry-Num", str(retry)))
            h.append(("X-Slack-Retry-Reason", reason))
        h += list((headers or {}).items())
        self.last_method = method
        head = "%s %s HTTP/1.1\r\n" % (method, path or self.path)
        head += "".join("%s: %s\r\n" % kv for kv in h) + "\r\n"
        return head.encode("latin-1") + body

    def post(self, body, ctype="application/json", **kw):
        """Sends one signed request (options as request_bytes) and returns
        its Response.  A kept connection the server closed meanwhile is
        replaced once, before anything was answered."""
        data = self.request_bytes(body, ctype, **kw)
        fresh = self.sock is None
        try:
            return self.send_raw(data)
        except Closed:
            if fresh:
                raise
            self.connect()
            return self.send_raw(data)

    def event(self, event, event_id, retry=None, team="T01ACME001",
              app="A07APP0001", **kw):
        """An event_callback carrying `event`."""
        body = {"token": "vErIfIcAtIoNtOkEn", "team_id": team,
                "context_team_id": team, "api_app_id": app, "event": event,
                "type": "event_callback", "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team, "user_id": "U07BOT0001",
                                    "is_bot": True,
                                    "is_enterprise_install": False}],
                "is_ext_shared_channel": False,
                "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ"}
        return self.post(json.dumps(body, separators=(",", ":")),
                         retry=retry, **kw)

    def url_verification(self, challenge, **kw):
        body = {"token": "vErIfIcAtIoNtOkEn", "challenge": challenge,
                "type": "url_verification"}
        return self.post(json.dumps(body), **kw)

    def app_rate_limited(self, **kw):
        body = {"token": "vErIfIcAtIoNtOkEn", "type": "app_rate_limited",
                "team_id": "T01ACME001", "api_app_id": "A07APP0001",
                "minute_rate_limited": int(time.time()) // 60 * 60}
        return self.post(json.dumps(body), **kw)

    def slash(self, fields, **kw):
        """A slash command: its fields form-encoded."""
        return self.post(urllib.parse.urlencode(fields),
                         "application/x-www-form-urlencoded", **kw)

    def interactive(self, payload, **kw):
        """An interaction: payload=<the JSON>, form-encoded."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def slowly(self, data, rate=1.0, limit=60.0):
        """Sends data on a new connection one byte every 1/rate seconds
        until all is sent or the server answers or closes.  Returns (bytes
        sent, seconds taken, Response or None)."""
        s = self.connect()
        t0 = time.monotonic()
        sent = 0
        s.settimeout(1.0 / rate)
        try:
            for b in data:
                s.sendall(bytes([b]))
                sent += 1
                try:
                    self._recv()
                    break
                except socket.timeout:
                    pass
                if time.monotonic() - t0 > limit:
                    break
            s.settimeout(self.timeout)
            return sent, time.monotonic() - t0, self.read_response()
        except (Closed, BrokenPipeError, ConnectionResetError):
            return sent, time.monotonic() - t0, None
        finally:
            self.close()
