#!/usr/bin/python3
"""A local stand-in for Slack, for slackbot's end-to-end tests.

Slack itself is out of reach from the test machines, so this plays its
part, with answers shaped like Slack's own (shared/docs/slack-protocol.md,
sections 1-5 and the fixtures of section 9):

  https://localhost:PORT/api/METHOD       the Web API
  https://localhost:FILESPORT/upload/v1/  the upload host of the external
                                          upload flow (files.slack.com is a
                                          second host, so a second port)
  https://localhost:HOOKSPORT/commands/   response_urls of slash commands
                                          and interactions (hooks.slack.com)
  https://localhost:HOOKSPORT/services/   incoming webhooks (webhook_url())
  wss://localhost:PORT/link/?ticket=...   Socket Mode
  wss://localhost:PORT/websocket/TICKET   RTM
  https://localhost:PORT/_control/NAME    scripting a stand-in run as a
                                          program (curl)

It runs on aiohttp (Debian's python3-aiohttp, run with /usr/bin/python3)
over TLS with a throwaway CA (certs.py), on 127.0.0.1 only.  In a test:

    with StandIn("build/test-certs", ack_timeout=0.5) as si:
        si.fault("chat.postMessage", count=2, status=429, retry_after=1)
        ... run slackbot with SLACK_API_URL=si.api_url ...
        si.wait_ws(1)
        si.sm_events(10)
        si.wait_acks(10)
        assert len(si.posts()) == 1

The server runs in a background thread with its own event loop; every
public method may be called from any other thread.  Everything a client
sends is recorded (requests(), connections(), posts(), uploads(),
ws_connections(), envelopes(), acks(), ...); misbehaviour is queued per
method with fault(), WebSocket behaviour is driven with sm_*, rtm_* and
ws_* calls.

It also plays Slack's sender towards `slackbot run --http`: sender(url)
gives a Sender (sender.py) that signs its requests with SIGNING_SECRET,
and http_event() / http_slash() / http_interactive() build the payloads
Slack would send.

As a program it serves until killed (or for --seconds) and prints its
URLs; see main() and --help.
"""

import argparse
import asyncio
import base64
import copy
import hashlib
import json
import logging
import mimetypes
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

from aiohttp import WSMsgType, web
from aiohttp.web_request import BaseRequest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import certs as certs_mod  # noqa: E402
import sender as sender_mod  # noqa: E402

# Identities of the simulated workspace (the IDs of the fixtures).
TEAM_ID = "T01ACME001"
TEAM_NAME = "Acme Ops"
TEAM_DOMAIN = "acme-ops"
APP_ID = "A07APP0001"
BOT_USER = "U07BOT0001"
BOT_ID = "B07BOT0001"
BOT_NAME = "deploybot"
HUMAN = "U03ALICE01"
HUMAN_NAME = "alice"
CHANNEL = "C0GENERAL1"

BOT_TOKEN = "xoxb-1111-2222-standinbot0token"
APP_TOKEN = "xapp-1-A07APP0001-3333-standinapp0token"
# The app's signing secret (Basic Information > App Credentials).
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

DEFAULT_CHANNELS = {
    "C0GENERAL1": {"name": "general", "kind": "channel"},
    "C0RANDOM01": {"name": "random", "kind": "channel"},
    "G0PRIVATE1": {"name": "ops-private", "kind": "group"},
    "D0ALICEDM1": {"name": None, "kind": "im", "user": HUMAN},
}

BOT_PROFILE = {"id": BOT_ID, "app_id": APP_ID, "name": BOT_NAME,
               "deleted": False, "team_id": TEAM_ID,
               "icons": {"image_36": "https://a.slack-edge.com/80588/img/"
                                     "plugins/app/bot_36.png"},
               "updated": 1732500000}

MAX_BODY = 1 << 30              # requests above this are refused (413)

# Every option fault() accepts, with its default.
FAULT_DEFAULTS = {
    "error": None,          # ok:false with this error string
    "extra": None,          # more fields for that ok:false object
    "status": None,         # HTTP status (429 -> ratelimited JSON, 5xx -> HTML)
    "retry_after": 1,       # Retry-After seconds with 429; None: no header
    "body": None,           # raw body (str or bytes) instead of the answer
    "content_type": None,   # with body: its Content-Type
    "headers": None,        # extra response headers, dict
    "transfer": "length",   # length | chunked | chunked_ext | eof
    "close": False,         # "Connection: close", then close
    "idle_close_ms": None,  # close the idle connection N ms after answering
    "header_delay": 0.0,    # seconds between processing and the head
    "body_delay": 0.0,      # seconds between the two halves of the body
    "malformed": None,      # status_line | chunks | short_body |
                            # bad_accept (WebSocket handshakes)
    "drop": None,           # before | after (processing)
    "drop_how": "close",    # close (close_notify + FIN) | abort (FIN) | rst
    "read_rate": None,      # upload host: read the body at this many
                            # bytes a second (a slow link)
}
TRANSFERS = ("length", "chunked", "chunked_ext", "eof")
MALFORMED = ("status_line", "chunks", "short_body", "bad_accept")
DROPS = ("before", "after")
DROP_HOWS = ("close", "abort", "rst")

REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           408: "Request Timeout", 411: "Length Required",
           413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}


def slack_json(obj):
    """JSON as Slack writes it: compact, non-ASCII as \\uXXXX (surrogate
    pairs for emoji), and "/" written as "\\/"."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=True)
    # "/" only ever occurs inside strings in JSON text, so this is safe.
    return s.replace("/", "\\/")


def html_error(status):
    reason = REASONS.get(status, "Error")
    return ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
            "<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n"
            % (status, reason, status, reason))


def _req_id():
    return secrets.token_hex(16)


class _Raw(web.StreamResponse):
    """Returned by a handler that has already written (or refused to
    write) its answer on the transport itself: aiohttp then sends
    nothing and keeps or drops the connection as told."""

    def __init__(self, keep):
        super().__init__()
        self._raw_keep = keep

    @property
    def keep_alive(self):
        return self._raw_keep

    async def prepare(self, request):
        return None

    async def write_eof(self, data=b""):
        return None


class _ConnProto(asyncio.Protocol):
    """Wraps aiohttp's per-connection protocol to count connections.

    With TLS, connection_made comes after a completed handshake, so a
    connection here is one that got through TLS."""

    def __init__(self, inner, standin, server):
        self.inner = inner
        self.si = standin
        self.server = server
        self.rec = None

    def connection_made(self, transport):
        self.rec = self.si._conn_open(transport, self.server)
        self.inner.connection_made(transport)

    def data_received(self, data):
        self.rec["bytes_in"] += len(data)
        self.inner.data_received(data)

    def eof_received(self):
        return self.inner.eof_received()

    def connection_lost(self, exc):
        self.si._conn_close(self.rec, exc)
        self.inner.connection_lost(exc)

    def pause_writing(self):
        self.inner.pause_writing()

    def resume_writing(self):
        self.inner.resume_writing()


def _drop(transport, how):
    """Ends a connection: close (TLS close_notify, then FIN), abort (FIN
    without close_notify: a truncation) or rst (SO_LINGER 0: a reset)."""
    if transport is None or transport.is_closing():
        return
    if how == "rst":
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
        transport.abort()
    elif how == "abort":
        transport.abort()
    else:
        transport.close()


def _parse_multipart(body, ctype_params):
    """Splits a multipart/form-data body: returns [(name, filename, bytes)]
    or None when it does not parse."""
    boundary = ctype_params.get("boundary")
    if not boundary:
        return None
    delim = b"--" + boundary.encode("latin-1")
    pieces = body.split(delim)
    if len(pieces) < 3 or not pieces[-1].startswith(b"--"):
        return None
    parts = []
    for piece in pieces[1:-1]:
        if not piece.startswith(b"\r\n") or not piece.endswith(b"\r\n"):
            return None
        piece = piece[2:-2]
        head, sep, data = piece.partition(b"\r\n\r\n")
        if not sep:
            return None
        name = filename = None
        for line in head.split(b"\r\n"):
            k, _, v = line.decode("latin-1").partition(":")
            if k.strip().lower() != "content-disposition":
                continue
            for item in v.split(";")[1:]:
                pk, _, pv = item.strip().partition("=")
                pv = pv.strip().strip('"')
                if pk.lower() == "name":
                    name = pv
                elif pk.lower() == "filename":
                    filename = pv
        parts.append((name, filename, data))
    return parts


def _ctype(value):
    """'a/b; k=v' -> ('a/b', {'k': 'v'})"""
    if not value:
        return "", {}
    items = value.split(";")
    params = {}
    for it in items[1:]:
        k, _, v = it.strip().partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    return items[0].strip().lower(), params


# WebSocket options (StandIn keyword arguments, set_options()).
WS_DEFAULTS = {
    "ack_timeout": 3.0,         # redeliver an envelope not acked by then
    "max_retries": 3,           # redeliveries (retry_attempt 1..3)
    "redeliver_new_id": False,  # a redelivery gets a new envelope_id
    "retry_types": ("events_api",),  # envelope types that are redelivered
    "delivery": "round_robin",  # with several connections: newest, oldest
    "ping_interval": 30.0,      # server pings (None: none)
    "max_connections": 10,      # then too_many_websockets
    "ack_any_conn": False,      # count acks that come on another connection
    "ignore_acks": False,       # record acks but count none (as if lost)
    "ack_max": 20 * 1024,       # acks this big are dropped, as Slack does
    "echo_posts": False,        # our own posts come back as events
    "rtm_max_frame": 16 * 1024,  # RTM: bigger client messages -> close 1009
    "max_msg_size": 4 * 1024 * 1024,  # Socket Mode: same
    "linger_after_close": 0.0,  # keep TCP this long after the close handshake
    "close_timeout": 5.0,       # wait this long for the client's close reply
    "approximate_connection_time": 18060,
    "lifetime": None,           # seconds; then warning, refresh, close
    "warning_lead": 10.0,       # warning -> refresh_requested
    "close_grace": 10.0,        # refresh_requested -> server close
    "hello_delay": 0.0,         # seconds before hello
    "strict_mask": True,        # close 1002 on an unmasked client frame
    "answer_pings": True,       # answer client pings with pongs
    "pong_delay": 0.0,          # seconds before each such pong goes out
    "record_frames": True,      # keep every client data frame's header
}
DELIVERY = ("round_robin", "newest", "oldest")


def _ws_frame(opcode, payload, fin=True, mask=None):
    """One RFC 6455 frame; `mask` (4 bytes) masks it, which only a
    client may do."""
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        key = (mask * (n // 4 + 1))[:n]
        payload = (int.from_bytes(payload, "big") ^
                   int.from_bytes(key, "big")).to_bytes(n, "big")
        head += mask
    return head + payload


class _FrameSpy:
    """Follows the frame headers in the bytes a client sends, to record
    what aiohttp's reader does not tell: the MASK bit, FIN, RSV, sizes,
    and the payload of control frames."""

    def __init__(self, sink):
        self.sink = sink
        self.buf = b""
        self.cur = None
        self.left = 0
        self.data = b""

    def feed(self, data):
        self.buf += data
        while self.buf:
            if self.cur is None:
                if not self._header():
                    return
                if self.left == 0:
                    self._done()
                continue
            take = min(self.left, len(self.buf))
            if self.cur["opcode"] >= 8:
                self.data += self.buf[:take]
            self.buf = self.buf[take:]
            self.left -= take
            if self.left == 0:
                self._done()

    def _header(self):
        b = self.buf
        if len(b) < 2:
            return False
        n = b[1] & 0x7F
        pos = 2
        if n == 126:
            if len(b) < 4:
                return False
            n = struct.unpack("!H", b[2:4])[0]
            pos = 4
        elif n == 127:
            if len(b) < 10:
                return False
            n = struct.unpack("!Q", b[2:10])[0]
            pos = 10
        masked = bool(b[1] & 0x80)
        if masked:
            if len(b) < pos + 4:
                return False
            key = b[pos:pos + 4]
            pos += 4
        else:
            key = None
        self.cur = {"time": time.time(), "fin": bool(b[0] & 0x80),
                    "rsv": (b[0] >> 4) & 7, "opcode": b[0] & 0x0F,
                    "masked": masked, "length": n, "key": key}
        self.buf = b[pos:]
        self.left = n
        self.data = b""
        return True

    def _done(self):
        fr, self.cur = self.cur, None
        key = fr.pop("key")
        if fr["opcode"] >= 8:
            data = self.data
            if key:
                data = bytes(c ^ key[i % 4] for i, c in enumerate(data))
            fr["payload"] = _b2s(data)
            if fr["opcode"] == 8 and len(data) >= 2:
                fr["code"] = struct.unpack("!H", data[:2])[0]
                fr["reason"] = data[2:].decode("utf-8", "replace")
            elif fr["opcode"] == 8:
                fr["code"] = None
                fr["reason"] = ""
        self.sink(fr)


class _WsConn:
    """Loop-thread state of one WebSocket connection; `rec` is what
    tests read."""

    def __init__(self, rec, ws, transport, kind, cid):
        self.rec = rec
        self.ws = ws
        self.tr = transport
        self.kind = kind
        self.id = cid
        self.silent = False
        self.draining = False
        self.hello = False
        self.send_lock = asyncio.Lock()
        self.closed_ev = asyncio.Event()
        self.tasks = []
        self.close_task = None
        self.close_reply = asyncio.Event()
        self.ping_seq = 0
        self.pings = {}         # payload -> time sent


def _b2s(b):
    return bytes(b).decode("utf-8", "replace")


def _host(w):
    return "applink-5f7d8c9b6-%05d" % w.id


def _jsonable(o):
    if isinstance(o, (bytes, bytearray)):
        return bytes(o).decode("utf-8", "replace")
    if isinstance(o, (set, tuple)):
        return list(o)
    return str(o)


class _ServerLog(logging.Handler):
    """aiohttp logs requests it cannot parse ("Error handling request")
    on the thread of the loop that served them; each goes to the
    stand-in owning that thread (bad_requests()) instead of stderr."""

    owners = {}                 # thread ident -> StandIn

    def emit(self, record):
        si = self.owners.get(record.thread)
        if si is None:
            return
        err = ""
        if record.exc_info and record.exc_info[1] is not None:
            err = "%s: %s" % (type(record.exc_info[1]).__name__,
                              record.exc_info[1])
        with si._lock:
            si._bad_requests.append({"time": time.time(),
                                     "message": record.getMessage(),
                                     "error": err})
            si._note()


_server_log = logging.getLogger("aiohttp.server")
_server_log.addHandler(_ServerLog())
_server_log.propagate = False
_server_log.setLevel(logging.INFO)


class StandIn:
    """The Slack stand-in: see the module comment.

    certs: a directory (made with certs.make when needed) or the dict
    certs.make returned.  port / files_port: 0 picks free ports.
    cert / files_cert: which certificate each port presents ("server",
    "server-rsa", "expired", "future", "wrong-host", "untrusted").
    bot_tokens / app_token: the tokens that authenticate.
    token_errors: token -> error string (e.g. {"xoxb-old": "token_revoked"}).
    rtm_allowed: False makes rtm.connect answer not_allowed_token_type, as
    Slack does for modern apps.  keepalive_timeout: seconds an idle HTTP
    connection is kept.  tls_max: "1.2" to refuse TLS 1.3, "1.3" for
    TLS 1.3 only (tls_min).  ticket_ttl: seconds a WebSocket URL stays
    valid.  log: print one line per request to stderr.
    """

    def __init__(self, certs, *, port=0, files_port=0, hooks_port=0,
                 host_name="localhost", cert="server", files_cert=None,
                 bot_tokens=(BOT_TOKEN,), app_token=APP_TOKEN,
                 token_errors=None, rtm_allowed=True, channels=None,
                 keepalive_timeout=75.0, tls_min="1.2", tls_max=None,
                 ticket_ttl=30.0, log=False, **ws_options):
        if isinstance(certs, (str, os.PathLike)):
            certs = certs_mod.make(certs)
        self.certs = certs
        self.host_name = host_name
        self._want_port = port
        self._want_files_port = files_port
        self._want_hooks_port = hooks_port
        self._cert = cert
        self._files_cert = files_cert or cert
        self.bot_tokens = set(bot_tokens)
        self.app_token = app_token
        self.token_errors = dict(token_errors or {})
        self.rtm_allowed = rtm_allowed
        self.keepalive_timeout = keepalive_timeout
        self.tls_min = tls_min
        self.tls_max = tls_max
        self.ticket_ttl = ticket_ttl
        self.log = log
        self.channels = copy.deepcopy(channels or DEFAULT_CHANNELS)
        self.users = {
            HUMAN: {"name": HUMAN_NAME, "real_name": "Alice Example",
                    "is_bot": False},
            BOT_USER: {"name": BOT_NAME, "real_name": "Deploy Bot",
                       "is_bot": True, "bot_id": BOT_ID},
        }
        self._ws_init(ws_options)

        self.port = None
        self.files_port = None
        self.hooks_port = None
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._loop = None
        self._thread = None
        self._servers = []
        self._http = None
        self._transports = {}       # transport -> connection record
        self._sni = {}              # id(ssl object) -> server name sent
        self._reset_records()

    # ------------------------------------------------------------------
    # Records.

    def _reset_records(self):
        with self._lock:
            self._conns = []
            self._handshakes = []
            self._requests = []
            self._posts = []
            self._messages = {}     # (channel, ts) -> post record
            self._reactions = []
            self._files = {}        # file id -> upload record
            self._hooks = {}        # response_url path -> uses
            self._webhooks = {}     # incoming webhook path -> settings
            self._webhook_posts = []
            self._responses = []
            self._upload_urls = {}  # url token -> file id
            self._tickets = {}
            self._faults = {}
            self._faults_used = []
            self._answers = {}
            self._errors = []
            self._bad_requests = []
            self._last_ts = 0
            self._ws_reset_records()
            self._cond.notify_all()

    def _note(self):
        self._cond.notify_all()

    def _copy(self, items):
        with self._lock:
            return copy.deepcopy(items)

    def requests(self, method=None, server=None):
        """Every HTTP request received, oldest first, as dicts: id, time
        (epoch seconds), conn (connection id), server ("api" | "files"),
        http_method, path, version, headers ([name, value] as sent),
        header (lower-case name -> last value), body_size, body (bytes,
        up to 64 KiB), content_type, method (API method or "upload"),
        args (parsed body: form fields or JSON object), token,
        token_source ("header" | "form" | None), status, answer (the JSON
        answered, or None), outcome ("answered", "dropped_before",
        "dropped_after", "malformed"), fault (the fault applied or None),
        warnings.  method/server filter."""
        with self._lock:
            out = [r for r in self._requests
                   if (method is None or r["method"] == method) and
                   (server is None or r["server"] == server)]
            return copy.deepcopy(out)

    def connections(self, server=None):
        """Every connection that got through TLS, in accept order: id,
        server ("api" | "files" | "hooks"), peer, opened, closed (epoch seconds or
        None), requests (how many it carried), sni (server name the
        client sent), tls_version, cipher, bytes_in, ws (None, or
        "socket_mode" / "rtm" once upgraded)."""
        with self._lock:
            return copy.deepcopy([c for c in self._conns
                                  if server is None or c["server"] == server])

    def handshakes(self):
        """TLS ClientHellos seen (successful or not): time, server, sni.
        More handshakes than connections means some failed."""
        return self._copy(self._handshakes)

    def posts(self, channel=None):
        """Messages posted (chat.postMessage, or RTM): id, time, via
        ("web" | "rtm"), channel, ts, text, thread_ts, blocks,
        attachments, args, request (request id) or conn, updates (texts
        set by chat.update, in order), deleted."""
        with self._lock:
            return copy.deepcopy([p for p in self._posts
                                  if channel is None or p["channel"] == channel])

    def reactions(self):
        """reactions.add calls that succeeded: channel, timestamp, name."""
        return self._copy(self._reactions)

    def uploads(self):
        """Files of the external upload flow, by creation: file_id,
        filename, length (declared), upload_url, uploads (POSTs that
        passed), size, sha256, multipart, content_type, completed, title,
        channel, initial_comment, thread_ts."""
        with self._lock:
            return copy.deepcopy(list(self._files.values()))

    def errors(self):
        """Internal errors of the stand-in itself (tracebacks).  A test
        that ends with entries here found a stand-in bug, not a slackbot
        one."""
        return self._copy(self._errors)

    def bad_requests(self):
        """Requests aiohttp refused before they reached the stand-in
        (answered 400 by aiohttp itself: a malformed request line,
        header or body framing): time, message, error."""
        return self._copy(self._bad_requests)

    def faults_used(self):
        """Faults applied so far: key, fault options, request id."""
        return self._copy(self._faults_used)

    def wait(self, predicate, timeout=10.0):
        """Waits until predicate() is true and returns its value (falsy
        on timeout).  The predicate runs with the record lock held, so it
        may read self._* records directly but must not block."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                v = predicate()
                left = end - time.monotonic()
                if v or left <= 0:
                    return v
                self._cond.wait(min(left, 0.05))

    def _count_requests(self, method):
        return len([r for r in self._requests if r["outcome"] != "pending"
                    and (method is None or r["method"] == method)])

    def wait_requests(self, n, method=None, timeout=10.0):
        """Waits until n requests (of method) are finished; returns them
        all, or raises TimeoutError."""
        if not self.wait(lambda: self._count_requests(method) >= n, timeout):
            raise TimeoutError("%d %s requests after %.1f s (wanted %d)" %
                               (self._count_requests(method), method or "",
                                timeout, n))
        return self.requests(method)

    def wait_posts(self, n, timeout=10.0):
        if not self.wait(lambda: len(self._posts) >= n, timeout):
            raise TimeoutError("%d posts after %.1f s (wanted %d)" %
                               (len(self._posts), timeout, n))
        return self.posts()

    # ------------------------------------------------------------------
    # Faults.

    def fault(self, key, count=1, **opts):
        """Queues misbehaviour for the next `count` requests to `key`: an
        API method ("chat.postMessage"), "*" (any API method, after the
        method's own queue), "upload" (the upload host), "response_url"
        (the hooks host), "webhook" (incoming webhooks), or the WebSocket
        handshakes "link" (Socket Mode) and "websocket" (RTM).  Options
        (see FAULT_DEFAULTS), combinable:

          error="invalid_auth", extra={...}   ok:false (HTTP 200)
          status=429, retry_after=N|None       rate limited
          status=500|502|503                   HTML error page
          body=..., content_type=...           any body
          transfer="chunked"|"chunked_ext"|"eof"  body framing (chunked_ext:
                                               chunk extensions + trailer;
                                               eof: delimited by close)
          close=True                           Connection: close, then close
          idle_close_ms=N                      close N ms after the answer
                                               if no new request came
          header_delay=s, body_delay=s         slow answers
          malformed="status_line"|"chunks"|"short_body"
          drop="before"|"after", drop_how="close"|"abort"|"rst"
                                               no answer; "after" processes
                                               (records the post) first
          headers={...}                        extra response headers
        """
        f = dict(FAULT_DEFAULTS)
        for k, v in opts.items():
            if k not in FAULT_DEFAULTS:
                raise ValueError("unknown fault option %r" % k)
            f[k] = v
        if f["transfer"] not in TRANSFERS:
            raise ValueError("transfer must be one of %s" % (TRANSFERS,))
        if f["malformed"] not in (None,) + MALFORMED:
            raise ValueError("malformed must be one of %s" % (MALFORMED,))
        if f["drop"] not in (None,) + DROPS:
            raise ValueError("drop must be one of %s" % (DROPS,))
        if f["drop_how"] not in DROP_HOWS:
            raise ValueError("drop_how must be one of %s" % (DROP_HOWS,))
        if count < 1:
            raise ValueError("count must be positive")
        f["count"] = int(count)
        with self._lock:
            self._faults.setdefault(key, []).append(f)

    def clear_faults(self, key=None):
        with self._lock:
            if key is None:
                self._faults.clear()
            else:
                self._faults.pop(key, None)

    def faults_pending(self):
        """key -> list of queued faults with their remaining count."""
        return self._copy(self._faults)

    def _take_fault(self, key, rid, any_ok=True):
        with self._lock:
            for k in ((key, "*") if any_ok else (key,)):
                q = self._faults.get(k)
                if not q:
                    continue
                f = q[0]
                f["count"] -= 1
                if f["count"] <= 0:
                    q.pop(0)
                    if not q:
                        del self._faults[k]
                used = dict(f)
                del used["count"]
                self._faults_used.append({"key": k, "fault": used,
                                          "request": rid})
                return used
        return None

    def set_answer(self, method, answer):
        """Makes `method` (after the token check) answer this JSON object,
        e.g. for `slackbot api` tests of methods the stand-in does not
        model.  None removes it."""
        with self._lock:
            if answer is None:
                self._answers.pop(method, None)
            else:
                self._answers[method] = copy.deepcopy(answer)

    def reset(self):
        """Forgets every record, queued fault and canned answer."""
        self._reset_records()

    # ------------------------------------------------------------------
    # Life cycle.

    @property
    def api_url(self):
        return "https://%s:%d/api/" % (self.host_name, self.port)

    @property
    def base_url(self):
        return "https://%s:%d/" % (self.host_name, self.port)

    @property
    def hooks_url(self):
        return "https://%s:%d/" % (self.host_name, self.hooks_port)

    @property
    def files_url(self):
        return "https://%s:%d/" % (self.host_name, self.files_port)

    @property
    def ca_file(self):
        return self.certs["ca"]

    def start(self, timeout=10.0):
        if self._thread is not None:
            raise RuntimeError("already started")
        ready = threading.Event()
        failure = []

        def run():
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.set_exception_handler(self._loop_error)
            _ServerLog.owners[threading.get_ident()] = self
            try:
                loop.run_until_complete(self._astart())
            except BaseException as e:  # reported to start()'s caller
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()
                _ServerLog.owners.pop(threading.get_ident(), None)

        self._thread = threading.Thread(target=run, name="standin",
                                        daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("stand-in did not start in %.0f s" % timeout)
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop(self, timeout=10.0):
        if self._thread is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._astop(), self._loop)
        try:
            fut.result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self):
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _ssl_context(self, which, server):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        versions = {"1.2": ssl.TLSVersion.TLSv1_2,
                    "1.3": ssl.TLSVersion.TLSv1_3}
        ctx.minimum_version = versions[self.tls_min]
        if self.tls_max:
            ctx.maximum_version = versions[self.tls_max]
        ctx.load_cert_chain(self.certs[which], self.certs[which + "-key"])

        def sni(sslobj, name, _ctx):
            with self._lock:
                self._handshakes.append({"time": time.time(),
                                         "server": server, "sni": name})
                self._sni[id(sslobj)] = name
            return None
        ctx.sni_callback = sni
        return ctx

    async def _astart(self):
        loop = asyncio.get_running_loop()
        self._http = web.Server(
            self._handle, request_factory=self._make_request,
            keepalive_timeout=self.keepalive_timeout, access_log=None)
        for server, want, cert in (("api", self._want_port, self._cert),
                                   ("files", self._want_files_port,
                                    self._files_cert),
                                   ("hooks", self._want_hooks_port,
                                    self._cert)):
            ctx = self._ssl_context(cert, server)
            # The upload host takes bytes into a small window, so that a
            # slow reader (read_rate) pushes back on the sender as a slow
            # link would, instead of the kernel buffering megabytes.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if server == "files":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                64 * 1024)
            sock.bind(("127.0.0.1", want))
            srv = await loop.create_server(
                lambda s=server: _ConnProto(self._http(), self, s),
                sock=sock, ssl=ctx)
            self._servers.append(srv)
            port = srv.sockets[0].getsockname()[1]
            setattr(self, {"api": "port", "files": "files_port",
                           "hooks": "hooks_port"}[server], port)
        self._ws_start()

    async def _astop(self):
        await self._ws_stop()
        for srv in self._servers:
            srv.close()
        for t in list(self._transports):
            try:
                t.abort()
            except AttributeError:  # already torn down
                pass
        for srv in self._servers:
            try:
                await asyncio.wait_for(srv.wait_closed(), 2)
            except asyncio.TimeoutError:
                pass
        self._servers = []
        await asyncio.sleep(0)
        try:
            await asyncio.wait_for(self._http.shutdown(1.0), 3)
        except asyncio.TimeoutError:
            pass

    def _make_request(self, message, payload, protocol, writer, task):
        return BaseRequest(message, payload, protocol, writer, task,
                           self._loop, client_max_size=MAX_BODY)

    def _loop_error(self, loop, context):
        exc = context.get("exception")
        if isinstance(exc, (ConnectionError, ssl.SSLError, OSError,
                            asyncio.CancelledError)):
            return
        msg = context.get("message", "")
        if exc is not None:
            msg += "\n" + "".join(traceback.format_exception(
                type(exc), exc, exc.__traceback__))
        with self._lock:
            self._errors.append(msg)

    def _internal_error(self):
        with self._lock:
            self._errors.append(traceback.format_exc())
            self._note()

    def _conn_open(self, transport, server):
        sslobj = transport.get_extra_info("ssl_object")
        peer = transport.get_extra_info("peername")
        with self._lock:
            rec = {"id": len(self._conns) + 1, "server": server,
                   "peer": "%s:%d" % peer[:2] if peer else None,
                   "opened": time.time(), "closed": None, "requests": 0,
                   "sni": self._sni.pop(id(sslobj), None) if sslobj else None,
                   "tls_version": sslobj.version() if sslobj else None,
                   "cipher": sslobj.cipher()[0] if sslobj else None,
                   "bytes_in": 0, "ws": None, "control": False}
            self._conns.append(rec)
            self._transports[transport] = rec
            self._note()
        return rec

    def _conn_close(self, rec, exc):
        with self._lock:
            rec["closed"] = time.time()
            w = self._wsconns.get(rec["id"])
            if w is not None:
                w.rec["closed"] = rec["closed"]
                w.closed_ev.set()
                self._ws_end(w, None)
            for t, r in list(self._transports.items()):
                if r is rec:
                    del self._transports[t]
            self._note()

    def _conn_of(self, request):
        with self._lock:
            return self._transports.get(request.transport)

    # ------------------------------------------------------------------
    # HTTP.

    async def _handle(self, request):
        conn = self._conn_of(request)
        if conn is None:        # connection already gone
            return _Raw(False)
        try:
            path = request.path
            if conn["server"] == "files":
                return await self._http_upload(request, conn)
            if conn["server"] == "hooks":
                return await self._http_hook(request, conn)
            if path.startswith("/_control/"):
                return await self._http_control(request, conn)
            if path.startswith("/api/"):
                return await self._http_api(request, conn)
            ws = await self._ws_route(request, conn)
            if ws is not None:
                return ws
            body = await request.read()
            rec = self._record(request, conn, "api", None, body)
            return await self._send(request, conn, rec, None, 404,
                                    b"Not Found\n", "text/plain", {})
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception:
            self._internal_error()
            _drop(request.transport, "close")
            return _Raw(False)

    def _record(self, request, conn, server, method, body):
        headers = [[k.decode("latin-1"), v.decode("latin-1")]
                   for k, v in request.raw_headers]
        with self._lock:
            conn["requests"] += 1
            rec = {"id": len(self._requests) + 1, "time": time.time(),
                   "conn": conn["id"], "server": server,
                   "http_method": request.method, "path": request.path_qs,
                   "version": "%d.%d" % tuple(request.version),
                   "headers": headers,
                   "header": {k.lower(): v for k, v in headers},
                   "body_size": len(body), "body": bytes(body[:65536]),
                   "content_type": request.headers.get("Content-Type"),
                   "method": method, "args": None, "token": None,
                   "token_source": None, "status": None, "answer": None,
                   "outcome": "pending", "fault": None, "warnings": []}
            self._requests.append(rec)
        if self.log:
            print("standin: conn %d %s %s" % (conn["id"], request.method,
                                              request.path_qs),
                  file=sys.stderr, flush=True)
        return rec

    def _finish(self, rec, outcome, status=None, answer=None):
        with self._lock:
            rec["outcome"] = outcome
            rec["status"] = status
            if answer is not None:
                rec["answer"] = copy.deepcopy(answer)
            self._note()

    async def _http_api(self, request, conn):
        body = await request.read()
        method = request.path[len("/api/"):]
        rec = self._record(request, conn, "api", method, body)
        parsed = self._parse_args(request, body, rec)
        rec["args"] = parsed[0]
        self._find_token(request, method, parsed[1], rec)
        fault = self._take_fault(method, rec["id"])
        rec["fault"] = fault
        if fault and fault["drop"] == "before":
            self._finish(rec, "dropped_before")
            _drop(request.transport, fault["drop_how"])
            return _Raw(False)
        if fault and (fault["error"] or fault["status"] or
                      fault["body"] is not None):
            status, data, ctype, headers = self._fault_answer(fault, rec)
        else:
            answer = self._api(request, method, parsed, rec)
            status, data = 200, slack_json(answer).encode()
            ctype = "application/json; charset=utf-8"
            headers = {}
            if answer.get("ok") and rec["token"]:
                headers["X-OAuth-Scopes"] = ("chat:write,reactions:write,"
                                             "files:write,channels:history,"
                                             "app_mentions:read")
            rec["answer"] = answer
        if fault and fault["drop"] == "after":
            self._finish(rec, "dropped_after", None, rec["answer"])
            _drop(request.transport, fault["drop_how"])
            return _Raw(False)
        return await self._send(request, conn, rec, fault, status, data,
                                ctype, headers)

    def _find_token(self, request, method, body_token, rec):
        """Sets rec token / token_source; returns an error or None."""
        auth = request.headers.get("Authorization")
        if auth is not None:
            scheme, _, value = auth.partition(" ")
            rec["token_source"] = "header"
            rec["token"] = value.strip() or None
            if scheme.lower() != "bearer" or not value.strip():
                return "invalid_auth"
        elif body_token is not None and method != "apps.connections.open":
            # Form bodies may carry the token; apps.connections.open
            # wants it in the header only.
            rec["token_source"] = "form"
            rec["token"] = body_token
        return None

    def _fault_answer(self, f, rec):
        headers = {}
        if f["body"] is not None:
            data = f["body"]
            if isinstance(data, str):
                data = data.encode()
            return (f["status"] or 200, data,
                    f["content_type"] or "text/plain", headers)
        status = f["status"] or 200
        if status == 429 or f["error"] or status < 300:
            obj = {"ok": False,
                   "error": f["error"] or ("ratelimited" if status == 429
                                           else "internal_error")}
            obj.update(f["extra"] or {})
            if status == 429 and f["retry_after"] is not None:
                headers["Retry-After"] = str(f["retry_after"])
            rec["answer"] = obj
            return (status, slack_json(obj).encode(),
                    "application/json; charset=utf-8", headers)
        return status, html_error(status).encode(), "text/html", headers

    async def _send(self, request, conn, rec, fault, status, data, ctype,
                    headers):
        """Answers with the shape the fault asks for (or a plain one)."""
        f = fault or FAULT_DEFAULTS
        headers = dict(headers)
        headers["X-Slack-Req-Id"] = _req_id()
        headers.update(f["headers"] or {})
        if f["header_delay"]:
            await asyncio.sleep(f["header_delay"])
        tr = request.transport
        if tr is None or tr.is_closing():
            self._finish(rec, "client_gone", status, None)
            return _Raw(False)
        if f["malformed"]:
            self._finish(rec, "malformed", status)
            await self._send_malformed(tr, f, data, ctype, headers)
            return _Raw(False)
        if f["transfer"] in ("chunked_ext", "eof"):
            self._finish(rec, "answered", status)
            await self._send_raw(tr, f, status, data, ctype, headers)
            return _Raw(not f["close"] and f["transfer"] != "eof")

        resp = web.StreamResponse(status=status, headers=headers)
        resp.headers["Content-Type"] = ctype
        if f["transfer"] == "chunked":
            resp.enable_chunked_encoding()
        else:
            resp.content_length = len(data)
        if f["close"]:
            resp.force_close()
        await resp.prepare(request)
        # Recorded once the head is out: a client may have the whole
        # answer before write_eof() returns.
        self._finish(rec, "answered", status)
        if f["transfer"] == "chunked":
            # several chunks, so that a client sees real framing
            step = max(1, (len(data) + 2) // 3)
            pieces = [data[i:i + step] for i in range(0, len(data), step)]
        else:
            half = len(data) // 2
            pieces = [data[:half], data[half:]] if f["body_delay"] else [data]
        for i, p in enumerate(pieces):
            if i and f["body_delay"]:
                await asyncio.sleep(f["body_delay"])
            if p:
                await resp.write(p)
                if f["body_delay"]:
                    await resp.drain()
        await resp.write_eof()
        if f["idle_close_ms"] is not None:
            self._idle_close(tr, conn, f["idle_close_ms"])
        return resp

    def _idle_close(self, transport, conn, ms):
        seen = conn["requests"]

        def fire():
            if conn["requests"] == seen and not transport.is_closing():
                transport.close()
        self._loop.call_later(ms / 1000.0, fire)

    def _head(self, status, ctype, headers, extra=()):
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status")),
                 "Content-Type: %s" % ctype]
        lines += ["%s: %s" % kv for kv in headers.items()]
        lines += list(extra)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _send_raw(self, tr, f, status, data, ctype, headers):
        if f["transfer"] == "eof":
            # No length, no chunking: the body ends with the connection.
            tr.write(self._head(status, ctype, headers,
                                ["Connection: close"]))
            tr.write(data)
            tr.close()
            return
        extra = ["Transfer-Encoding: chunked", "Trailer: X-Slack-Trace"]
        if f["close"]:
            extra.append("Connection: close")
        out = [self._head(status, ctype, headers, extra)]
        step = max(1, (len(data) + 2) // 3)
        for n, i in enumerate(range(0, len(data), step)):
            p = data[i:i + step]
            out.append(b"%x;piece=%d;note=\"a b\"\r\n%s\r\n" % (len(p), n, p))
        out.append(b"0;last\r\nX-Slack-Trace: 7f3c2d1e\r\n\r\n")
        tr.write(out[0])
        if f["body_delay"]:
            await asyncio.sleep(f["body_delay"])
        tr.write(b"".join(out[1:]))
        if f["close"]:
            tr.close()

    async def _send_malformed(self, tr, f, data, ctype, headers):
        kind = f["malformed"]
        if kind == "status_line":
            tr.write(b"HTTX/1.1 2x0 Fine\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 2\r\n\r\nok")
        elif kind == "chunks":
            half = data[:max(1, len(data) // 2)]
            tr.write(self._head(200, ctype, headers,
                                ["Transfer-Encoding: chunked"]))
            tr.write(b"%x\r\n%s\r\nzz-not-hex\r\n%s\r\n0\r\n\r\n"
                     % (len(half), half, data[len(half):]))
        else:  # short_body
            tr.write(self._head(200, ctype, headers,
                                ["Content-Length: %d" % len(data)]))
            tr.write(data[:len(data) // 2])
        if f["body_delay"]:
            await asyncio.sleep(f["body_delay"])
        _drop(tr, f["drop_how"])

    # ------------------------------------------------------------------
    # Web API methods.

    def _next_ts(self):
        with self._lock:
            now = int(time.time() * 1e6)
            self._last_ts = max(now, self._last_ts + 1)
            return "%d.%06d" % divmod(self._last_ts, 1000000)

    def _parse_args(self, request, body, rec):
        """Returns (args, body_token, error)."""
        mime, params = _ctype(request.headers.get("Content-Type"))
        args = {}
        if request.method == "GET" or request.query_string:
            # Query arguments; a token there is refused (apps created
            # after 2021 may not send one), so it is dropped.
            args.update((k, v) for k, v in request.query.items()
                        if k != "token")
        if not body:
            return args, None, None
        if mime == "application/x-www-form-urlencoded":
            if "charset" in params:
                rec["warnings"].append("superfluous_charset")
            try:
                pairs = urllib.parse.parse_qsl(body.decode("utf-8"),
                                               keep_blank_values=True)
            except UnicodeDecodeError:
                return args, None, "invalid_form_data"
            form = dict(pairs)
            tok = form.pop("token", None)
            args.update(form)
            return args, tok, None
        if mime == "application/json":
            if params.get("charset", "").lower() != "utf-8":
                rec["warnings"].append("missing_charset")
            try:
                obj = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return args, None, "invalid_json"
            if not isinstance(obj, dict):
                return args, None, "json_not_object"
            # An explicit null means "use the default".
            args.update((k, v) for k, v in obj.items() if v is not None)
            return args, None, None
        if mime == "multipart/form-data":
            parts = _parse_multipart(body, params)
            if parts is None:
                return args, None, "invalid_form_data"
            form = {n: d.decode("utf-8", "replace") for n, fn, d in parts
                    if n and fn is None}
            tok = form.pop("token", None)
            args.update(form)
            return args, tok, None
        return args, None, "invalid_post_type"

    def _api(self, request, method, parsed, rec):
        """Processes one Web API call; returns the JSON object to answer."""
        ans = self._api_inner(request, method, parsed, rec)
        if rec["warnings"]:
            ans["warning"] = ",".join(rec["warnings"])
            ans.setdefault("response_metadata", {})["warnings"] = \
                list(rec["warnings"])
        return ans

    def _api_inner(self, request, method, parsed, rec):
        with self._lock:
            canned = self._answers.get(method)
        if method not in API_METHODS and canned is None:
            return {"ok": False, "error": "unknown_method",
                    "req_method": method}
        args, body_token, err = parsed
        if err:
            return {"ok": False, "error": err}
        if method == "apps.connections.open" and request.method != "POST":
            return {"ok": False, "error": "insecure_request"}
        if method == "api.test":
            if args.get("error"):
                return {"ok": False, "error": args["error"], "args": args}
            return {"ok": True, "args": args}
        err = self._find_token(request, method, body_token, rec)
        if err:
            return {"ok": False, "error": err}
        token = rec["token"]
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token in self.token_errors:
            return {"ok": False, "error": self.token_errors[token]}
        if token in self.bot_tokens:
            kind = "bot"
        elif token == self.app_token:
            kind = "app"
        else:
            return {"ok": False, "error": "invalid_auth"}
        if (method == "apps.connections.open") != (kind == "app"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if canned is not None:
            return copy.deepcopy(canned)
        return API_METHODS[method](self, args, rec)

    def _resolve_channel(self, ch):
        if not isinstance(ch, str) or not ch:
            return None
        with self._lock:
            if ch in self.channels:
                return ch
            if ch.startswith("#"):
                for cid, c in self.channels.items():
                    if c["name"] == ch[1:]:
                        return cid
                return None
            if re.fullmatch(r"[UW][A-Z0-9]{2,}", ch):
                # Posting to a user ID opens (or reuses) the DM.
                for cid, c in self.channels.items():
                    if c["kind"] == "im" and c.get("user") == ch:
                        return cid
                cid = "D" + ch[1:]
                self.channels[cid] = {"name": None, "kind": "im", "user": ch}
                return cid
        return None

    def _m_auth_test(self, args, rec):
        return {"ok": True, "url": "https://%s.slack.com/" % TEAM_DOMAIN,
                "team": TEAM_NAME, "user": BOT_NAME, "team_id": TEAM_ID,
                "user_id": BOT_USER, "bot_id": BOT_ID,
                "is_enterprise_install": False}

    def _message(self, ch, ts, text, args):
        msg = {"user": BOT_USER, "type": "message", "ts": ts,
               "bot_id": BOT_ID, "app_id": APP_ID, "text": text,
               "team": TEAM_ID, "bot_profile": BOT_PROFILE}
        if args.get("thread_ts"):
            msg["thread_ts"] = args["thread_ts"]
            with self._lock:
                parent = self._messages.get((ch, args["thread_ts"]))
            msg["parent_user_id"] = parent["user"] if parent else HUMAN
        for k in ("blocks", "attachments", "metadata"):
            if args.get(k) is not None:
                msg[k] = args[k]
        return msg

    def _json_arg(self, args, key):
        v = args.get(key)
        if isinstance(v, str):
            try:
                v = json.loads(v)
            except ValueError:
                raise _ApiError("invalid_%s" % ("blocks" if key == "blocks"
                                                else "arguments"))
            args[key] = v
        return v

    def _m_post_message(self, args, rec):
        ch = self._resolve_channel(args.get("channel"))
        if ch is None:
            return {"ok": False, "error": "channel_not_found"}
        blocks = self._json_arg(args, "blocks")
        attachments = self._json_arg(args, "attachments")
        text = args.get("text")
        if blocks is not None and (not isinstance(blocks, list) or
                                   len(blocks) > 50):
            return {"ok": False, "error": "invalid_blocks"}
        if not text and not blocks and not attachments:
            return {"ok": False, "error": "no_text"}
        if text is not None and not isinstance(text, str):
            text = str(text)
        if text and len(text) > 40000:
            return {"ok": False, "error": "msg_too_long"}
        ts = self._next_ts()
        msg = self._message(ch, ts, text or "", args)
        self._store_post("web", ch, ts, text or "", args, rec["id"], None)
        self._ws_echo_post(ch, msg)
        return {"ok": True, "channel": ch, "ts": ts, "message": msg}

    def _store_post(self, via, ch, ts, text, args, rid, conn):
        with self._lock:
            p = {"id": len(self._posts) + 1, "time": time.time(), "via": via,
                 "channel": ch, "ts": ts, "text": text,
                 "thread_ts": args.get("thread_ts"),
                 "blocks": args.get("blocks"),
                 "attachments": args.get("attachments"),
                 "args": copy.deepcopy(args), "request": rid, "conn": conn,
                 "updates": [], "deleted": False, "user": BOT_USER}
            self._posts.append(p)
            self._messages[(ch, ts)] = p
            self._note()
        return p

    def _m_update(self, args, rec):
        ch = self._resolve_channel(args.get("channel"))
        if ch is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = args.get("ts")
        with self._lock:
            p = self._messages.get((ch, ts))
        if p is None or p["deleted"]:
            return {"ok": False, "error": "message_not_found"}
        if p["user"] != BOT_USER:
            return {"ok": False, "error": "cant_update_message"}
        blocks = self._json_arg(args, "blocks")
        text = args.get("text")
        if text is None and blocks is None:
            return {"ok": False, "error": "no_text"}
        with self._lock:
            if text is not None:
                p["text"] = text
            p["updates"].append(text)
            self._note()
        msg = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID,
               "app_id": APP_ID, "text": p["text"], "team": TEAM_ID,
               "bot_profile": BOT_PROFILE,
               "edited": {"user": BOT_USER, "ts": self._next_ts()}}
        if blocks is not None:
            msg["blocks"] = blocks
        return {"ok": True, "channel": ch, "ts": ts, "text": p["text"],
                "message": msg}

    def _m_delete(self, args, rec):
        ch = self._resolve_channel(args.get("channel"))
        if ch is None:
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            p = self._messages.get((ch, args.get("ts")))
            if p is None or p["deleted"]:
                return {"ok": False, "error": "message_not_found"}
            p["deleted"] = True
            self._note()
        return {"ok": True, "channel": ch, "ts": p["ts"]}

    def _m_ephemeral(self, args, rec):
        ch = self._resolve_channel(args.get("channel"))
        if ch is None:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _reaction_args(self, args):
        if not args.get("channel") or not args.get("timestamp"):
            return None, "no_item_specified"
        ch = self._resolve_channel(args["channel"])
        if ch is None:
            return None, "channel_not_found"
        name = args.get("name")
        # Names come without colons around them; "thumbsup::skin-tone-3"
        # (a skin tone) is fine.
        if (not isinstance(name, str) or not name or name[0] == ":" or
                name[-1] == ":" or re.search(r"\s", name)):
            return None, "invalid_name"
        return (ch, args["timestamp"], name), None

    def _m_react(self, args, rec):
        key, err = self._reaction_args(args)
        if err:
            return {"ok": False, "error": err}
        with self._lock:
            for r in self._reactions:
                if (r["channel"], r["timestamp"], r["name"]) == key:
                    return {"ok": False, "error": "already_reacted"}
            self._reactions.append({"channel": key[0], "timestamp": key[1],
                                    "name": key[2], "request": rec["id"],
                                    "time": time.time()})
            self._note()
        return {"ok": True}

    def _m_unreact(self, args, rec):
        key, err = self._reaction_args(args)
        if err:
            return {"ok": False, "error": err}
        with self._lock:
            for r in self._reactions:
                if (r["channel"], r["timestamp"], r["name"]) == key:
                    self._reactions.remove(r)
                    self._note()
                    return {"ok": True}
        return {"ok": False, "error": "no_reaction"}

    def _channel_obj(self, cid):
        c = self.channels[cid]
        if c["kind"] == "im":
            return {"id": cid, "created": 1700000000, "is_im": True,
                    "is_org_shared": False, "user": c.get("user"),
                    "is_user_deleted": False, "priority": 0}
        return {"id": cid, "name": c["name"],
                "is_channel": c["kind"] == "channel",
                "is_group": False, "is_im": False, "is_mpim": False,
                "is_private": c["kind"] != "channel", "created": 1700000000,
                "is_archived": False, "is_general": c["name"] == "general",
                "unlinked": 0, "name_normalized": c["name"],
                "is_shared": False, "is_org_shared": False,
                "is_member": True, "creator": HUMAN,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": "", "creator": "", "last_set": 0},
                "num_members": 3}

    def _m_conv_list(self, args, rec):
        try:
            limit = int(args.get("limit", 100))
            start = int(base64.b64decode(args.get("cursor") or "MA==")
                        .decode().split(":")[-1] or 0)
        except (ValueError, UnicodeDecodeError):
            return {"ok": False, "error": "invalid_cursor"}
        if limit < 1:
            limit = 100
        types = str(args.get("types", "public_channel")).split(",")
        want = {"public_channel": "channel", "private_channel": "group",
                "im": "im", "mpim": "mpim"}
        kinds = {want[t.strip()] for t in types if t.strip() in want}
        with self._lock:
            ids = [cid for cid in sorted(self.channels)
                   if self.channels[cid]["kind"] in kinds]
            page = [self._channel_obj(cid) for cid in ids[start:start + limit]]
        nxt = ""
        if start + limit < len(ids):
            nxt = base64.b64encode(b"dGVhbTpD:%d" % (start + limit)).decode()
        return {"ok": True, "channels": page,
                "response_metadata": {"next_cursor": nxt}}

    def _m_conv_info(self, args, rec):
        with self._lock:
            if args.get("channel") not in self.channels:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": self._channel_obj(args["channel"])}

    def _m_users_info(self, args, rec):
        u = self.users.get(args.get("user"))
        if u is None:
            return {"ok": False, "error": "user_not_found"}
        obj = {"id": args["user"], "team_id": TEAM_ID, "name": u["name"],
               "deleted": False, "real_name": u["real_name"],
               "tz": "Europe/Brussels", "tz_offset": 3600,
               "profile": {"real_name": u["real_name"],
                           "display_name": u["name"]},
               "is_admin": False, "is_owner": False, "is_bot": u["is_bot"],
               "updated": 1700000000, "is_app_user": False}
        return {"ok": True, "user": obj}

    def _m_upload_url(self, args, rec):
        name = args.get("filename")
        length = args.get("length")
        missing = [k for k in ("filename", "length") if not args.get(k)]
        if missing:
            return {"ok": False, "error": "invalid_arguments",
                    "response_metadata": {"messages": [
                        "[ERROR] missing required field: %s" % k
                        for k in missing]}}
        if not re.fullmatch(r"[0-9]{1,12}", str(length)):
            return {"ok": False, "error": "invalid_arguments",
                    "response_metadata": {"messages": [
                        "[ERROR] invalid value for field: length"]}}
        length = int(length)
        if length > MAX_BODY:
            return {"ok": False, "error": "file_upload_size_restricted"}
        fid = "F" + secrets.token_hex(5).upper()[:10]
        tok = "CwABAAAA" + secrets.token_urlsafe(24)
        url = "https://%s:%d/upload/v1/%s" % (self.host_name,
                                              self.files_port, tok)
        with self._lock:
            self._files[fid] = {
                "file_id": fid, "filename": name, "length": length,
                "upload_url": url, "uploads": 0, "size": None,
                "sha256": None, "multipart": None, "content_type": None,
                "completed": False, "title": None, "channel": None,
                "initial_comment": None, "thread_ts": None,
                "created": int(time.time()), "alt_txt": args.get("alt_txt"),
                "snippet_type": args.get("snippet_type")}
            self._upload_urls[tok] = fid
            self._note()
        return {"ok": True, "upload_url": url, "file_id": fid}

    def _file_obj(self, f):
        mime = mimetypes.guess_type(f["filename"] or "")[0] or \
            "application/octet-stream"
        ftype = (os.path.splitext(f["filename"] or "")[1][1:] or "binary")
        name = urllib.parse.quote(f["filename"] or "file")
        base = "https://files.slack.com/files-pri/%s-%s/" % (TEAM_ID,
                                                            f["file_id"])
        return {"id": f["file_id"], "created": f["created"],
                "timestamp": f["created"], "name": f["filename"],
                "title": f["title"] or f["filename"], "mimetype": mime,
                "filetype": ftype, "pretty_type": ftype.upper(),
                "user": BOT_USER, "user_team": TEAM_ID, "editable": False,
                "size": f["size"], "mode": "hosted", "is_external": False,
                "external_type": "", "is_public": False,
                "public_url_shared": False, "display_as_bot": False,
                "username": "", "url_private": base + name,
                "url_private_download": base + "download/" + name,
                "permalink": "https://%s.slack.com/files/%s/%s/%s" % (
                    TEAM_DOMAIN, BOT_USER, f["file_id"], name),
                "permalink_public": "https://slack-files.com/%s-%s-%s" % (
                    TEAM_ID, f["file_id"], secrets.token_hex(5)),
                "comments_count": 0, "is_starred": False, "shares": {},
                "channels": [], "groups": [], "ims": [],
                "has_more_shares": False, "has_rich_preview": False,
                "file_access": "visible"}

    def _m_upload_complete(self, args, rec):
        try:
            files = self._json_arg(args, "files")
        except _ApiError:
            return {"ok": False, "error": "invalid_arguments"}
        if (not isinstance(files, list) or not files or
                not all(isinstance(x, dict) and isinstance(x.get("id"), str)
                        for x in files)):
            return {"ok": False, "error": "invalid_arguments",
                    "response_metadata": {"messages": [
                        "[ERROR] missing required field: files"]}}
        chans = args.get("channel_id") or args.get("channels")
        ch = None
        if chans:
            ch = self._resolve_channel(str(chans).split(",")[0].strip())
            if ch is None:
                return {"ok": False, "error": "channel_not_found"}
        out = []
        with self._lock:
            for x in files:
                f = self._files.get(x["id"])
                if f is None or not f["uploads"]:
                    return {"ok": False, "error": "file_not_found"}
            for x in files:
                f = self._files[x["id"]]
                f["completed"] = True
                f["title"] = x.get("title") or f["filename"]
                f["channel"] = ch
                f["initial_comment"] = args.get("initial_comment")
                f["thread_ts"] = args.get("thread_ts")
                out.append(self._file_obj(f))
            self._note()
        return {"ok": True, "files": out}

    def _m_connections_open(self, args, rec):
        t = self._new_ticket("socket_mode")
        return {"ok": True,
                "url": "wss://%s:%d/link/?ticket=%s&app_id=%s" % (
                    self.host_name, self.port, t, APP_HEX)}

    def _m_rtm_connect(self, args, rec):
        if not self.rtm_allowed:
            return {"ok": False, "error": "not_allowed_token_type"}
        t = self._new_ticket("rtm")
        return {"ok": True,
                "url": "wss://%s:%d/websocket/%s" % (self.host_name,
                                                     self.port, t),
                "team": {"id": TEAM_ID, "name": TEAM_NAME,
                         "domain": TEAM_DOMAIN},
                "self": {"id": BOT_USER, "name": BOT_NAME}}

    def _new_ticket(self, kind):
        if kind == "rtm":
            t = base64.urlsafe_b64encode(os.urandom(36)).decode().rstrip("=")
        else:
            t = str(uuid.uuid4())
        with self._lock:
            self._tickets[t] = {"kind": kind, "created": time.monotonic(),
                                "used": False}
        return t

    def tickets(self):
        """WebSocket URLs handed out: ticket -> kind, created, used."""
        return self._copy(self._tickets)

    # ------------------------------------------------------------------
    # The upload host.

    async def _http_upload(self, request, conn):
        with self._lock:
            q = self._faults.get("upload")
            rate = q[0]["read_rate"] if q else None
        if rate:
            body = await self._read_slowly(request, rate)
        else:
            body = await request.read()
        rec = self._record(request, conn, "files", "upload", body)
        fault = self._take_fault("upload", rec["id"], any_ok=False)
        rec["fault"] = fault
        if fault and fault["drop"] == "before":
            self._finish(rec, "dropped_before")
            _drop(request.transport, fault["drop_how"])
            return _Raw(False)
        if fault and (fault["error"] or fault["status"] or
                      fault["body"] is not None):
            status, data, ctype, headers = self._fault_answer(fault, rec)
            if status >= 300 and status != 429 and fault["body"] is None:
                data = html_error(status).encode()
                ctype = "text/html"
        else:
            status, text = self._upload(request, body, rec)
            data, headers = text.encode(), {}
            ctype = "text/plain; charset=utf-8"
        if fault and fault["drop"] == "after":
            self._finish(rec, "dropped_after", None)
            _drop(request.transport, fault["drop_how"])
            return _Raw(False)
        return await self._send(request, conn, rec, fault, status, data,
                                ctype, headers)

    async def _read_slowly(self, request, rate):
        """The request body, taken at `rate` bytes a second in pieces of
        a tenth of that: TCP pushes back on the sender meanwhile."""
        piece = max(1, int(rate) // 10)
        parts = []
        while True:
            chunk = await request.content.read(piece)
            if not chunk:
                break
            parts.append(chunk)
            await asyncio.sleep(len(chunk) / float(rate))
        return b"".join(parts)

    def _upload(self, request, body, rec):
        m = re.fullmatch(r"/upload/v1/([A-Za-z0-9_\-]+)", request.path)
        if request.method != "POST":
            return 405, "Method Not Allowed"
        with self._lock:
            fid = self._upload_urls.get(m.group(1)) if m else None
            f = self._files.get(fid)
        if f is None:
            return 404, "Not Found"
        clen = request.headers.get("Content-Length")
        if clen is None:
            return 411, "Length Required"
        mime, params = _ctype(request.headers.get("Content-Type"))
        data = body
        multipart = mime == "multipart/form-data"
        if multipart:
            parts = _parse_multipart(body, params)
            if parts is None:
                return 400, "Bad Request - malformed multipart body"
            found = [d for n, fn, d in parts if n == "filename"]
            if len(found) != 1:
                return 400, "Bad Request - no part named filename"
            data = found[0]
        if len(data) != f["length"]:
            return 400, ("Bad Request - %d bytes received, %d declared" %
                         (len(data), f["length"]))
        with self._lock:
            f["uploads"] += 1
            f["size"] = len(data)
            f["sha256"] = hashlib.sha256(data).hexdigest()
            f["multipart"] = multipart
            f["content_type"] = request.headers.get("Content-Type")
            self._note()
        return 200, "OK - %d" % len(data)

    # ------------------------------------------------------------------
    # WebSocket endpoints: Socket Mode at /link/?ticket=..., RTM at
    # /websocket/TICKET.  State lives in the loop thread (_WsConn);
    # what tests read is in dicts under the lock (ws_connections(),
    # envelopes(), acks()).

    def _ws_init(self, options):
        opts = dict(WS_DEFAULTS)
        for k, v in options.items():
            if k not in WS_DEFAULTS:
                raise TypeError("unknown option %r" % k)
            opts[k] = v
        if opts["delivery"] not in DELIVERY:
            raise ValueError("delivery must be one of %s" % (DELIVERY,))
        self.__dict__.update(opts)
        self._wsconns = {}          # connection id -> _WsConn
        self._rr = 0
        self._seq = 0

    def set_options(self, **options):
        """Changes WebSocket options (WS_DEFAULTS) while running, e.g.
        set_options(ack_timeout=0.5, delivery="newest")."""
        for k, v in options.items():
            if k not in WS_DEFAULTS:
                raise ValueError("unknown option %r" % k)
            if k == "delivery" and v not in DELIVERY:
                raise ValueError("delivery must be one of %s" % (DELIVERY,))
        with self._lock:
            self.__dict__.update(options)

    def options(self):
        with self._lock:
            return {k: getattr(self, k) for k in WS_DEFAULTS}

    def _ws_reset_records(self):
        # Connections still open stay listed.
        self._ws_recs = [w.rec for w in self._open()]
        self._envelopes = {}        # envelope id -> its latest delivery
        self._deliveries = []       # every delivery, in send order
        self._chains = {}           # first envelope id -> chain
        self._acks = []
        self._pending = []          # chains waiting for a connection
        self._rtm_errors = []       # queued error replies for RTM sends

    def _ws_start(self):
        pass

    async def _ws_stop(self):
        for w in list(self._wsconns.values()):
            for t in w.tasks:
                t.cancel()

    # Records.

    def ws_connections(self, kind=None):
        """WebSocket connections, in open order: id (same as in
        connections()), kind ("socket_mode" | "rtm"), ticket, opened,
        closed, hello (time the hello went out), silent, draining
        (a disconnect was sent), sent (what the server sent: time,
        what, size, envelope_id), received (text/binary messages: time,
        kind, size, data), frames (every client frame: time, fin, rsv,
        opcode, masked, length, payload for control frames),
        pings_sent, pongs (time, payload, rtt), client_pings (time,
        payload, pong_at: when the answer went out, or None),
        close_sent / close_received (code, reason, time), end (how it
        ended: close_handshake, client_close (the client's close frame
        got no answer), server_close (ours got none), dropped (TCP ended
        without close frames), server_tls_close / server_fin /
        server_reset (ws_drop)), errors (protocol violations seen)."""
        with self._lock:
            return copy.deepcopy([r for r in self._ws_recs
                                  if kind is None or r["kind"] == kind])

    def envelopes(self):
        """Every Socket Mode delivery, in send order: envelope_id, chain
        (the first delivery's envelope_id), type, event_id, seq, conn,
        time, retry_attempt, retry_reason, acked (time or None), size,
        suppressed (sent to a silent connection: never on the wire)."""
        return self._copy(self._deliveries)

    def acks(self):
        """Every message carrying an envelope_id the client sent: time,
        conn, envelope_id, payload (None when absent), size, known (an
        envelope we sent), same_conn (on the connection it was delivered
        on), late (after a redelivery of it went out), duplicate (its
        delivery chain was already acked), dropped (>= ack_max bytes:
        ignored, as Slack does), counted (it acknowledged the chain)."""
        return self._copy(self._acks)

    def chains(self, payloads=False):
        """Per injected envelope: chain id -> type, event_id, seq,
        deliveries (envelope ids), state ("pending" | "delivered" |
        "acked" | "given_up" | "not_retried"), and with payloads=True
        the payload sent."""
        with self._lock:
            return copy.deepcopy({k: {kk: vv for kk, vv in v.items()
                                      if payloads or kk != "payload"}
                                  for k, v in self._chains.items()})

    def unacked(self):
        """Chain ids of envelopes not acknowledged (yet)."""
        with self._lock:
            return [k for k, v in self._chains.items()
                    if v["state"] != "acked"]

    def wait_ws(self, n, kind=None, timeout=10.0):
        """Waits until n WebSocket connections (of kind) got their hello
        (or, for refused RTM tickets, their error); returns them."""
        def done():
            return len([r for r in self._ws_recs
                        if (kind is None or r["kind"] == kind) and
                        r["hello"]]) >= n
        if not self.wait(done, timeout):
            raise TimeoutError("fewer than %d %s WebSocket connections "
                               "after %.1f s" % (n, kind or "", timeout))
        return self.ws_connections(kind)

    def wait_acks(self, n, timeout=10.0):
        """Waits until n counted acks arrived; returns acks()."""
        def count():
            return len([a for a in self._acks if a["counted"]])
        if not self.wait(lambda: count() >= n, timeout):
            raise TimeoutError("%d acks after %.1f s (wanted %d)" %
                               (count(), timeout, n))
        return self.acks()

    def wait_closed(self, conn, timeout=10.0):
        """Waits until WebSocket connection `conn` is closed."""
        def closed():
            return any(r["id"] == conn and r["closed"]
                       for r in self._ws_recs)
        if not self.wait(closed, timeout):
            raise TimeoutError("connection %d still open after %.1f s" %
                               (conn, timeout))
        return [r for r in self.ws_connections() if r["id"] == conn][0]

    def wait_received(self, predicate, conn=None, timeout=10.0):
        """Waits until a message received on a WebSocket (of `conn`)
        satisfies predicate(record); returns that record."""
        found = []

        def look():
            for r in self._ws_recs:
                if conn is not None and r["id"] != conn:
                    continue
                for m in r["received"]:
                    if predicate(m):
                        found.append(copy.deepcopy(m))
                        return True
            return False
        if not self.wait(look, timeout):
            raise TimeoutError("no matching WebSocket message in %.1f s" %
                               timeout)
        return found[0]

    # Calling into the loop.

    def _call(self, coro, timeout=600):
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("stand-in actions cannot be called from its "
                               "own thread; await the _a_ variant")
        if self._loop is None:
            coro.close()
            raise RuntimeError("stand-in not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(
            timeout)

    def _open(self, kind=None):
        return sorted((w for w in self._wsconns.values()
                       if not w.rec["closed"] and
                       (kind is None or w.kind == kind)),
                      key=lambda w: w.id)

    def _sel(self, conn, kind=None):
        """conn None: the newest open connection (of kind); an id: that
        one; "all": every open one."""
        live = self._open(kind)
        if conn == "all":
            return live
        if conn is None:
            if not live:
                raise ValueError("no open %sWebSocket connection" %
                                 (kind + " " if kind else ""))
            return [live[-1]]
        for w in live:
            if w.id == int(conn):
                return [w]
        raise ValueError("WebSocket connection %s is not open" % conn)

    # Accepting.

    async def _ws_route(self, request, conn):
        p = request.path
        if p in ("/link", "/link/"):
            return await self._ws_accept(request, conn, "socket_mode",
                                         request.query.get("ticket"))
        if p.startswith("/websocket/"):
            return await self._ws_accept(request, conn, "rtm",
                                         p[len("/websocket/"):])
        return None

    async def _ws_accept(self, request, conn, kind, ticket):
        body = await request.read()
        key = "link" if kind == "socket_mode" else "websocket"
        rec = self._record(request, conn, "api", "ws:" + key, body)
        fault = self._take_fault(key, rec["id"], any_ok=False)
        rec["fault"] = fault
        if fault:
            if fault["drop"]:
                self._finish(rec, "dropped_" + fault["drop"])
                _drop(request.transport, fault["drop_how"])
                return _Raw(False)
            if fault["malformed"] == "bad_accept":
                self._finish(rec, "malformed", 101)
                request.transport.write(
                    b"HTTP/1.1 101 Switching Protocols\r\n"
                    b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
                    b"\r\n")
                await asyncio.sleep(fault["body_delay"] or 1.0)
                _drop(request.transport, fault["drop_how"])
                return _Raw(False)
            if fault["malformed"] or fault["error"] or fault["status"] or \
                    fault["body"] is not None:
                if fault["malformed"]:
                    status, data, ctype, headers = 200, b"", "text/plain", {}
                else:
                    status, data, ctype, headers = self._fault_answer(fault,
                                                                      rec)
                    if status >= 300 and status != 429 and \
                            fault["body"] is None:
                        data, ctype = html_error(status).encode(), "text/html"
                return await self._send(request, conn, rec, fault, status,
                                        data, ctype, headers)
            if fault["header_delay"]:
                await asyncio.sleep(fault["header_delay"])
        with self._lock:
            t = self._tickets.get(ticket)
            valid = (t is not None and t["kind"] == kind and not t["used"]
                     and (self.ticket_ttl is None or
                          time.monotonic() - t["created"] <= self.ticket_ttl))
            if t is not None:
                t["used"] = True
        if not valid and kind == "socket_mode":
            # What Slack's edge has been seen answering to handshakes it
            # does not like.
            f = dict(FAULT_DEFAULTS, close=True)
            return await self._send(request, conn, rec, f, 409, b"",
                                    "text/plain", {})
        ws = web.WebSocketResponse(
            autoping=False, autoclose=False, compress=False,
            timeout=self.close_timeout,
            max_msg_size=(self.rtm_max_frame if kind == "rtm"
                          else self.max_msg_size))
        if not ws.can_prepare(request).ok:
            return await self._send(request, conn, rec, None, 400,
                                    b"Bad Request\n", "text/plain", {})
        await ws.prepare(request)
        self._finish(rec, "upgraded", 101)
        w = self._ws_register(request, conn, ws, kind, ticket)
        try:
            await self._ws_session(w, valid)
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception:
            self._internal_error()
        finally:
            for t in w.tasks:
                t.cancel()
            self._ws_end(w, None)
        if self.linger_after_close and not w.rec["closed"]:
            # Slack has been seen keeping TCP open after the close
            # handshake; the client has to drop it.
            try:
                await asyncio.wait_for(w.closed_ev.wait(),
                                       self.linger_after_close)
            except asyncio.TimeoutError:
                pass
        return ws

    def _ws_register(self, request, conn, ws, kind, ticket):
        rec = {"id": conn["id"], "kind": kind, "ticket": ticket,
               "path": request.path_qs, "opened": time.time(),
               "closed": None, "hello": None, "silent": False,
               "draining": False, "sent": [], "received": [], "frames": [],
               "pings_sent": [], "pongs": [], "client_pings": [],
               "close_sent": None, "close_received": None, "end": None,
               "errors": [],
               "debug_reconnects": request.query.get("debug_reconnects")
               == "true"}
        w = _WsConn(rec, ws, request.transport, kind, conn["id"])
        w.proto = request.protocol
        with self._lock:
            conn["ws"] = kind
            self._ws_recs.append(rec)
            self._wsconns[w.id] = w
            self._note()
        spy = _FrameSpy(lambda fr: self._ws_frame_seen(w, fr))
        parser = request.protocol._payload_parser
        feed = parser.feed_data

        def spying_feed(data):
            spy.feed(data)
            return feed(data)
        parser.feed_data = spying_feed
        return w

    def _ws_frame_seen(self, w, fr):
        with self._lock:
            if self.record_frames or fr["opcode"] >= 8:
                w.rec["frames"].append(fr)
            if fr["opcode"] == 8:
                w.rec["close_received"] = {"code": fr.get("code"),
                                           "reason": fr.get("reason"),
                                           "time": fr["time"]}
            if not fr["masked"]:
                w.rec["errors"].append("unmasked frame from client")
            if fr["rsv"]:
                w.rec["errors"].append("RSV bits set: %d" % fr["rsv"])
            self._note()
        if not fr["masked"] and self.strict_mask and not w.silent:
            # RFC 6455 5.1: a server must close on an unmasked frame.
            self._loop.call_soon(self._ws_start_close, w, 1002,
                                 "unmasked frame")

    def _ws_end(self, w, how):
        with self._lock:
            if how and not w.rec["end"]:
                w.rec["end"] = how
            if not w.rec["end"]:
                cr, cs = w.rec["close_received"], w.rec["close_sent"]
                w.rec["end"] = ("close_handshake" if cr and cs else
                                "client_close" if cr else
                                "server_close" if cs else "dropped")
            self._note()

    async def _ws_session(self, w, valid):
        if not valid:       # RTM: the upgrade works, then an error
            await self._ws_json(w, {"type": "error", "error": {
                "code": 1, "msg": "Socket URL has expired"}}, "error")
            with self._lock:
                w.rec["hello"] = time.time()    # counts as "answered"
            await w.ws.close(code=1000)
            self._ws_closed_by_us(w, 1000, "")
            return
        w.tasks.append(asyncio.ensure_future(self._ws_pinger(w)))
        if w.kind == "socket_mode":
            w.tasks.append(asyncio.ensure_future(self._sm_open(w)))
        else:
            w.tasks.append(asyncio.ensure_future(self._rtm_open(w)))
        await self._ws_loop(w)
        if w.close_task is not None:
            await w.close_task

    async def _ws_loop(self, w):
        ws = w.ws
        while True:
            msg = await ws.receive()
            t = msg.type
            now = time.time()
            if t == WSMsgType.TEXT:
                self._ws_got(w, "text", msg.data)
                if w.kind == "socket_mode":
                    self._sm_text(w, msg.data)
                else:
                    await self._rtm_text(w, msg.data)
            elif t == WSMsgType.BINARY:
                self._ws_got(w, "binary", msg.data)
            elif t == WSMsgType.PING:
                cp = {"time": now, "payload": _b2s(msg.data),
                      "pong_at": None}
                with self._lock:
                    w.rec["client_pings"].append(cp)
                    self._note()
                if not w.silent and self.answer_pings:
                    if self.pong_delay:
                        # Later, in order: each waits the same delay.
                        self._loop.call_later(
                            self.pong_delay, lambda d=msg.data, c=cp:
                            asyncio.ensure_future(self._ws_pong(w, d, c)))
                    else:
                        await self._ws_pong(w, msg.data, cp)
            elif t == WSMsgType.PONG:
                with self._lock:
                    sent = w.pings.pop(bytes(msg.data), None)
                    w.rec["pongs"].append({
                        "time": now, "payload": _b2s(msg.data),
                        "rtt": (now - sent) if sent else None})
                    self._note()
            elif t == WSMsgType.CLOSE:
                if w.silent:
                    await w.closed_ev.wait()
                    return
                if w.close_task is not None:
                    # The answer to our close: the handshake is done.
                    ws._closed = True
                    w.close_reply.set()
                else:
                    # Answer with the same code (1000 when none or invalid).
                    code = msg.data if isinstance(msg.data, int) and \
                        msg.data >= 1000 else 1000
                    self._ws_closed_by_us(w, code, "", reply=True)
                    try:
                        await ws.close(code=code)
                    except ConnectionError:
                        pass
                return
            elif t == WSMsgType.ERROR:
                # aiohttp has sent a close frame (1009 for a message too
                # big, 1002 / 1007 for protocol errors).
                code = getattr(msg.data, "code", None) or ws.close_code
                with self._lock:
                    w.rec["errors"].append(str(msg.data))
                    w.rec["close_sent"] = {"code": code,
                                           "reason": str(msg.data),
                                           "time": now}
                    self._note()
                # Keep reading (and discarding) until the client closes:
                # closing TCP with unread bytes would send a reset, and
                # the reset would destroy the close frame in flight.
                try:
                    await asyncio.wait_for(w.closed_ev.wait(),
                                           self.close_timeout)
                except asyncio.TimeoutError:
                    pass
                return
            else:       # CLOSING / CLOSED
                return

    async def _ws_pong(self, w, data, cp):
        if w.silent or w.rec["closed"] or w.ws.closed:
            return
        try:
            await w.ws.pong(data)
        except (ConnectionError, RuntimeError):
            return
        with self._lock:
            cp["pong_at"] = time.time()
            self._note()

    def _ws_got(self, w, kind, data):
        with self._lock:
            w.rec["received"].append({
                "time": time.time(), "kind": kind, "size": len(data),
                "data": data if kind == "text" and len(data) <= 65536
                else (data[:65536] if kind == "text" else _b2s(data[:1024]))})
            self._note()

    def _ws_closed_by_us(self, w, code, reason, reply=False):
        with self._lock:
            w.rec["close_sent"] = {"code": code, "reason": reason,
                                   "time": time.time(), "reply": reply}
            self._note()

    def _ws_start_close(self, w, code, reason=""):
        """Starts a close handshake from the server side.

        aiohttp's own close(), called while another task waits in
        receive(), does not wait for the client's answer, so the frame
        goes out through the writer and the receive loop collects the
        answer.  Without one in close_timeout, TCP is closed."""
        if w.close_task is not None or w.rec["closed"]:
            return
        self._ws_closed_by_us(w, code, reason)

        async def run():
            try:
                await w.ws._writer.close(code, reason.encode())
            except (ConnectionError, RuntimeError):
                return
            try:
                await asyncio.wait_for(w.close_reply.wait(),
                                       self.close_timeout)
            except asyncio.TimeoutError:
                _drop(w.tr, "close")
        w.close_task = asyncio.ensure_future(run())

    async def _ws_pinger(self, w):
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            iv = self.ping_interval
            if not iv or w.silent or w.close_task is not None:
                last = time.monotonic()
                continue
            if time.monotonic() - last < iv:
                continue
            last = time.monotonic()
            w.ping_seq += 1
            payload = ("%d.%d" % (w.id, w.ping_seq)).encode()
            with self._lock:
                w.pings[payload] = time.time()
                w.rec["pings_sent"].append({"time": time.time(),
                                            "payload": payload.decode()})
                self._note()
            try:
                await w.ws.ping(payload)
            except ConnectionError:
                return

    async def _ws_text(self, w, text, what, envelope_id=None, framing=None):
        """Sends one text message (unless the connection is silent);
        records it.  framing: None, or dict(kind="fragmented"|"masked"|
        "bytes", ...) for the odd shapes ("bytes": text is bytes, sent in
        one text frame as they are)."""
        suppressed = w.silent or w.rec["closed"] is not None or \
            w.close_task is not None
        with self._lock:
            w.rec["sent"].append({"time": time.time(), "what": what,
                                  "size": len(text),
                                  "envelope_id": envelope_id,
                                  "suppressed": suppressed,
                                  "framing": (framing or {}).get("kind")})
            self._note()
        if suppressed:
            return False
        try:
            async with w.send_lock:
                if framing is None:
                    await w.ws.send_str(text)
                elif framing["kind"] == "bytes":
                    w.tr.write(_ws_frame(0x1, text))
                elif framing["kind"] == "masked":
                    w.tr.write(_ws_frame(0x1, text.encode(),
                                         mask=os.urandom(4)))
                else:
                    await self._ws_fragments(w, text.encode(), **{
                        k: v for k, v in framing.items() if k != "kind"})
        except (ConnectionError, RuntimeError):
            return False
        return True

    async def _ws_fragments(self, w, data, pieces=3, ping_between=True,
                            delay=0.0):
        pieces = max(2, min(int(pieces), max(2, len(data))))
        step = -(-len(data) // pieces)
        parts = [data[i:i + step] for i in range(0, len(data), step)]
        for i, p in enumerate(parts):
            op = 0x1 if i == 0 else 0x0
            w.tr.write(_ws_frame(op, p, fin=(i == len(parts) - 1)))
            if i < len(parts) - 1:
                if ping_between:
                    w.tr.write(_ws_frame(0x9, b"between-fragments"))
                    with self._lock:
                        w.pings[b"between-fragments"] = time.time()
                if delay:
                    await asyncio.sleep(delay)

    async def _ws_json(self, w, obj, what, envelope_id=None, framing=None):
        return await self._ws_text(w, slack_json(obj), what, envelope_id,
                                   framing)

    # Socket Mode.

    async def _sm_open(self, w):
        if self.hello_delay:
            await asyncio.sleep(self.hello_delay)
        with self._lock:
            n = len(self._open("socket_mode"))
        if n > self.max_connections:
            await self._ws_json(w, {"type": "disconnect",
                                    "reason": "too_many_websockets",
                                    "debug_info": {"host": _host(w)}},
                                "disconnect")
            with self._lock:
                w.draining = True
                w.rec["draining"] = True
                w.rec["hello"] = time.time()
            await asyncio.sleep(1.0)
            self._ws_start_close(w, 1000)
            return
        await self._ws_json(w, {
            "type": "hello", "num_connections": n,
            "debug_info": {"host": _host(w), "build_number": 118,
                           "approximate_connection_time":
                           360 if w.rec["debug_reconnects"] else
                           self.approximate_connection_time},
            "connection_info": {"app_id": APP_ID}}, "hello")
        with self._lock:
            w.hello = True
            w.rec["hello"] = time.time()
            pending, self._pending = self._pending, []
            self._note()
        for chain in pending:
            await self._sm_deliver(chain)
        if self.lifetime:
            await asyncio.sleep(self.lifetime)
            await self._a_sm_disconnect("warning", w.id)
            await asyncio.sleep(self.warning_lead)
            await self._a_sm_disconnect("refresh_requested", w.id,
                                        close_after=self.close_grace)

    def _sm_pick(self):
        live = [w for w in self._open("socket_mode")
                if w.hello and not w.draining and not w.ws.closed and
                w.close_task is None]
        if not live:
            return None
        if self.delivery == "newest":
            return live[-1]
        if self.delivery == "oldest":
            return live[0]
        self._rr += 1
        return live[self._rr % len(live)]

    def _sm_chain(self, typ, payload, arp, seq=None, event_id=None):
        eid = str(uuid.uuid4())
        chain = {"id": eid, "type": typ, "payload": payload,
                 "accepts_response_payload": arp, "seq": seq,
                 "event_id": event_id, "deliveries": [], "state": "pending",
                 "attempt": 0}
        with self._lock:
            self._chains[eid] = chain
        return chain

    def _sm_prepare(self, chain, conn=None, reason="", new_id=None):
        """Picks the connection for the chain's next delivery (`conn`, or
        the delivery policy), builds and records the envelope and arms
        the ack timer; returns (connection, envelope_id, text), or
        (None, None, None) when no connection is open (it waits)."""
        if conn is not None:
            w = self._sel(conn, "socket_mode")[0]
        else:
            w = self._sm_pick()
        if w is None:
            with self._lock:
                self._pending.append(chain)
            return None, None, None
        with self._lock:
            first = not chain["deliveries"]
            if new_id is None:
                new_id = self.redeliver_new_id
            if first or new_id:
                eid = chain["id"] if first else str(uuid.uuid4())
            else:
                eid = chain["deliveries"][-1]
            env = {"envelope_id": eid, "type": chain["type"]}
            env["accepts_response_payload"] = chain["accepts_response_payload"]
            if chain["type"] == "events_api":
                env["retry_attempt"] = chain["attempt"]
                env["retry_reason"] = reason
            env["payload"] = chain["payload"]
            text = slack_json(env)
            chain["deliveries"].append(eid)
            chain["state"] = "delivered"
            rec = {"envelope_id": eid, "chain": chain["id"],
                   "type": chain["type"], "event_id": chain["event_id"],
                   "seq": chain["seq"], "conn": w.id, "time": time.time(),
                   "retry_attempt": chain["attempt"],
                   "retry_reason": reason, "acked": None, "size": len(text),
                   "suppressed": w.silent}
            self._envelopes[eid] = rec
            self._deliveries.append(rec)
        self._loop.call_later(self.ack_timeout, self._sm_ack_due, chain,
                              len(chain["deliveries"]))
        return w, eid, text

    async def _sm_deliver(self, chain, conn=None, framing=None, reason=""):
        """Sends the chain's envelope (again); see _sm_prepare."""
        w, eid, text = self._sm_prepare(chain, conn, reason)
        if w is not None:
            await self._ws_text(w, text, chain["type"], eid, framing)
        return eid

    async def _ws_batch(self, w, what, items):
        """Sends several text messages in one write (a flood would
        otherwise cost a TLS record and a system call each)."""
        suppressed = w.silent or w.rec["closed"] is not None or \
            w.close_task is not None
        now = time.time()
        with self._lock:
            w.rec["sent"].extend({"time": now, "what": what,
                                  "size": len(text), "envelope_id": eid,
                                  "suppressed": suppressed, "framing": None}
                                 for eid, text in items)
            self._note()
        if suppressed:
            return
        data = b"".join(_ws_frame(0x1, text.encode()) for _, text in items)
        try:
            async with w.send_lock:
                if w.tr.is_closing():
                    return
                w.tr.write(data)
                await w.proto._drain_helper()
        except (ConnectionError, RuntimeError):
            pass

    def _sm_ack_due(self, chain, deliveries):
        if chain["state"] == "acked" or len(chain["deliveries"]) != deliveries:
            return
        if chain["type"] not in self.retry_types:
            chain["state"] = "not_retried"
            return
        if chain["attempt"] >= self.max_retries:
            chain["state"] = "given_up"
            return
        chain["attempt"] += 1
        asyncio.ensure_future(self._sm_deliver(chain, reason="timeout"))

    def _sm_text(self, w, text):
        try:
            obj = json.loads(text)
        except ValueError:
            return
        if not isinstance(obj, dict) or "envelope_id" not in obj:
            return
        eid = obj.get("envelope_id")
        with self._lock:
            env = self._envelopes.get(eid) if isinstance(eid, str) else None
            chain = self._chains.get(env["chain"]) if env else None
            a = {"time": time.time(), "conn": w.id, "envelope_id": eid,
                 "payload": obj.get("payload"), "size": len(text),
                 "known": env is not None,
                 "same_conn": env is not None and env["conn"] == w.id,
                 "late": bool(chain and chain["deliveries"][-1] != eid),
                 "duplicate": bool(chain and chain["state"] == "acked"),
                 "dropped": len(text.encode()) >= self.ack_max,
                 "counted": False}
            if (env is not None and not a["dropped"] and
                    not a["duplicate"] and not self.ignore_acks and
                    (a["same_conn"] or self.ack_any_conn)):
                a["counted"] = True
                env["acked"] = a["time"]
                chain["state"] = "acked"
            self._acks.append(a)
            self._note()

    def _event(self, kind, seq, text, channel, user, fields):
        ts = self._next_ts()
        ch = channel or (CHANNEL if kind != "im" else "D0ALICEDM1")
        c = self.channels.get(ch, {"kind": "channel"})
        ctype = {"channel": "channel", "group": "group", "im": "im",
                 "mpim": "mpim"}.get(c["kind"], "channel")
        ev = {"type": "message", "channel": ch, "user": user, "text": text,
              "ts": ts, "event_ts": ts, "channel_type": ctype,
              "client_msg_id": str(uuid.uuid4()), "team": TEAM_ID,
              "blocks": [{"type": "rich_text", "block_id": "b%d" % seq,
                          "elements": [{"type": "rich_text_section",
                                        "elements": [{"type": "text",
                                                      "text": text}]}]}]}
        if kind == "app_mention":
            ev["type"] = "app_mention"
            del ev["channel_type"]
        elif kind == "bot_message":
            ev = {"type": "message", "subtype": "bot_message", "channel": ch,
                  "bot_id": "B02JENKINS", "username": "jenkins",
                  "text": text, "icons": {"emoji": ":warning:"}, "ts": ts,
                  "event_ts": ts, "channel_type": ctype}
        elif kind == "self":
            ev = {"type": "message", "channel": ch, "user": BOT_USER,
                  "bot_id": BOT_ID, "app_id": APP_ID, "text": text, "ts": ts,
                  "bot_profile": BOT_PROFILE, "team": TEAM_ID,
                  "event_ts": ts, "channel_type": ctype}
        elif kind == "message_changed":
            old = fields.pop("edited_ts", "1732531200.001200")
            ev = {"type": "message", "subtype": "message_changed",
                  "hidden": True, "channel": ch, "ts": ts, "event_ts": ts,
                  "channel_type": ctype,
                  "message": {"type": "message", "user": user, "text": text,
                              "ts": old, "edited": {"user": user, "ts": ts}},
                  "previous_message": {"type": "message", "user": user,
                                       "text": "(before)", "ts": old}}
        elif kind == "thread":
            ev["thread_ts"] = fields.pop("thread_ts", None) or \
                "1732531200.001200"
            ev["parent_user_id"] = HUMAN
        elif kind not in ("message", "im"):
            raise ValueError("unknown event kind %r" % kind)
        for k, v in fields.items():
            if v is None:
                ev.pop(k, None)
            else:
                ev[k] = v
        return ev

    def _next_seq(self):
        with self._lock:
            self._seq += 1
            return self._seq

    async def _a_sm_events(self, n=1, kind="message", text=None,
                           channel=None, user=HUMAN, conn=None, rate=None,
                           framing=None, **fields):
        ids = []
        batch = {}
        n = int(n)
        for _ in range(n):
            seq = self._next_seq()
            t = (text or "message {seq}").format(seq=seq)
            if kind == "app_mention" and text is None:
                t = "<@%s> %s" % (BOT_USER, t)
            ev = self._event(kind, seq, t, channel, user, dict(fields))
            event_id = "Ev%09X" % seq
            payload = {"token": "vErIfIcAtIoNtOkEn", "team_id": TEAM_ID,
                       "api_app_id": APP_ID, "event": ev,
                       "type": "event_callback", "event_id": event_id,
                       "event_time": int(float(ev["ts"])),
                       "authorizations": [{"enterprise_id": None,
                                           "team_id": TEAM_ID,
                                           "user_id": BOT_USER,
                                           "is_bot": True,
                                           "is_enterprise_install": False}],
                       "is_ext_shared_channel": False,
                       "event_context": "4-" + base64.b64encode((
                           '{"et":"%s","tid":"%s","cid":"%s"}' % (
                               ev["type"], TEAM_ID, ev["channel"])).encode()
                       ).decode().rstrip("=")}
            chain = self._sm_chain("events_api", payload, False, seq,
                                   event_id)
            ids.append(chain["id"])
            if rate or framing or n == 1:
                await self._sm_deliver(chain, conn, framing)
                if rate:
                    await asyncio.sleep(1.0 / rate)
                continue
            w, eid, body = self._sm_prepare(chain, conn)
            if w is not None:
                batch.setdefault(w, []).append((eid, body))
            if len(ids) % 128 == 0:
                for bw, items in batch.items():
                    await self._ws_batch(bw, "events_api", items)
                batch = {}
        for bw, items in batch.items():
            await self._ws_batch(bw, "events_api", items)
        return ids

    def sm_events(self, n=1, kind="message", text=None, channel=None,
                  user=HUMAN, conn=None, rate=None, **fields):
        """Delivers n events_api envelopes (realistic message events, each
        with a unique envelope_id and event_id and a sequence number in
        its text: "message 17" by default, text may hold "{seq}").  kind:
        message, im, app_mention, thread (thread_ts=...), bot_message,
        self (our own post echoed back), message_changed.  Extra keyword
        arguments set event fields (None removes one).  conn: a
        connection id, or None for the delivery policy; with no open
        connection they wait for one.  rate: events per second, or as
        fast as possible.  Returns the envelope ids."""
        return self._call(self._a_sm_events(n, kind, text, channel, user,
                                            conn, rate, **fields))

    async def _a_sm_envelope(self, type, payload, accepts_response_payload,
                             conn=None, framing=None):
        chain = self._sm_chain(type, payload, accepts_response_payload)
        await self._sm_deliver(chain, conn, framing)
        return chain["id"]

    async def _a_sm_redeliver(self, envelope_id, conn=None, new_id=False,
                              reason="timeout"):
        with self._lock:
            env = self._envelopes.get(envelope_id)
            chain = self._chains.get(env["chain"] if env else envelope_id)
            if chain is None:
                raise ValueError("no envelope %r" % envelope_id)
            chain["attempt"] += 1
        w, eid, text = self._sm_prepare(chain, conn, reason, bool(new_id))
        if w is not None:
            await self._ws_text(w, text, chain["type"], eid)
        return eid

    def sm_redeliver(self, envelope_id, conn=None, new_id=False,
                     reason="timeout"):
        """Delivers an envelope again now, as Slack does when it missed
        the ack (retry_attempt one more, retry_reason `reason`): to
        `conn` or by the delivery policy, under the same envelope_id or
        a new one (new_id).  Returns the envelope_id used."""
        return self._call(self._a_sm_redeliver(envelope_id, conn, new_id,
                                               reason))

    def sm_envelope(self, type, payload, accepts_response_payload=False,
                    conn=None):
        """Delivers an envelope of any type (e.g. one slackbot does not
        know); returns its envelope_id."""
        return self._call(self._a_sm_envelope(type, payload,
                                              accepts_response_payload, conn))

    def _hook_url(self, kind):
        """A response_url (Slack: https://hooks.slack.com/commands/...)
        on the stand-in's hooks port."""
        path = "/%s/%s/%d/%s" % (kind, TEAM_ID, 8091827364500 +
                                 self._next_seq(), secrets.token_urlsafe(18))
        with self._lock:
            self._hooks[path] = 0
        return "https://%s:%d%s" % (self.host_name, self.hooks_port, path)

    def hook_url(self, kind="commands", length=None):
        """A registered response_url; with `length`, padded (in its last
        path segment) to exactly that many characters."""
        url = self._hook_url(kind)
        if length is not None:
            pad = int(length) - len(url)
            if pad < 0:
                raise ValueError("a response_url is at least %d long" %
                                 len(url))
            with self._lock:
                path = url[url.index("/", 8):]
                del self._hooks[path]
                path += "x" * pad
                self._hooks[path] = 0
            url += "x" * pad
        return url

    def responses(self):
        """POSTs to response_urls that were accepted: time, url (path),
        use (1..5), body (parsed JSON), content_type, request id."""
        return self._copy(self._responses)

    async def _http_hook(self, request, conn):
        """response_url: JSON message in, "ok" out; at most 5 uses, as
        Slack documents (later ones: 404 used_url)."""
        if request.path.startswith("/services/"):
            return await self._plain_hook(request, conn, "webhook",
                                          self._webhook)
        return await self._plain_hook(request, conn, "response_url",
                                      self._hook)

    async def _plain_hook(self, request, conn, key, answer):
        """A hooks-host request answered in plain text by answer(request,
        body, rec) -> (status, text), unless a fault of `key` says
        otherwise."""
        body = await request.read()
        rec = self._record(request, conn, "hooks", key, body)
        fault = self._take_fault(key, rec["id"], any_ok=False)
        rec["fault"] = fault
        if fault and fault["drop"] == "before":
            self._finish(rec, "dropped_before")
            _drop(request.transport, fault["drop_how"])
            return _Raw(False)
        if fault and (fault["error"] or fault["status"] or
                      fault["body"] is not None):
            status, data, ctype, headers = self._fault_answer(fault, rec)
        else:
            status, text = answer(request, body, rec)
            data, ctype, headers = text.encode(), "text/plain", {}
        if fault and fault["drop"] == "after":
            self._finish(rec, "dropped_after", None)
            _drop(request.transport, fault["drop_how"])
            return _Raw(False)
        return await self._send(request, conn, rec, fault, status, data,
                                ctype, headers)

    def _hook(self, request, body, rec):
        with self._lock:
            uses = self._hooks.get(request.path)
        if request.method != "POST":
            return 405, "invalid_method"
        if uses is None:
            return 404, "no_service"
        if uses >= 5:
            return 404, "used_url"
        try:
            obj = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, "invalid_payload"
        if not isinstance(obj, dict):
            return 400, "invalid_payload"
        rec["args"] = obj
        if not obj.get("text") and not obj.get("blocks") and \
                not obj.get("delete_original"):
            return 400, "no_text"
        with self._lock:
            self._hooks[request.path] = uses + 1
            self._responses.append({
                "time": time.time(), "url": request.path, "use": uses + 1,
                "body": obj, "content_type": request.headers.get(
                    "Content-Type"), "request": rec["id"]})
            self._note()
        return 200, "ok"

    # ------------------------------------------------------------------
    # Incoming webhooks.

    def webhook_url(self, channel=CHANNEL, refuse=None):
        """A registered incoming webhook (Slack: https://hooks.slack.com/
        services/T.../B.../secret) on the hooks port, posting to
        `channel`.  refuse=(status, word) makes it answer that instead,
        e.g. (410, "channel_is_archived") or (403, "action_prohibited")."""
        path = "/services/%s/B%08d/%s" % (TEAM_ID, 10000000 +
                                           self._next_seq(),
                                           secrets.token_urlsafe(18))
        with self._lock:
            self._webhooks[path] = {"channel": channel, "refuse": refuse}
        return "https://%s:%d%s" % (self.host_name, self.hooks_port, path)

    def webhook_posts(self):
        """Messages posted through incoming webhooks: time, url (path),
        channel, text, blocks, thread_ts, body (parsed JSON), content_type,
        request (id)."""
        return self._copy(self._webhook_posts)

    def _webhook(self, request, body, rec):
        with self._lock:
            hook = self._webhooks.get(request.path)
        if request.method != "POST":
            return 405, "invalid_method"
        if hook is None:
            return 404, "no_service"
        if hook["refuse"]:
            return hook["refuse"]
        try:
            obj = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, "invalid_payload"
        if not isinstance(obj, dict) or ("blocks" in obj and
                                         not isinstance(obj["blocks"], list)):
            return 400, "invalid_payload"
        rec["args"] = obj
        if not obj.get("text") and not obj.get("blocks"):
            return 400, "no_text"
        with self._lock:
            self._webhook_posts.append({
                "time": time.time(), "url": request.path,
                "channel": hook["channel"], "text": obj.get("text"),
                "blocks": obj.get("blocks"),
                "thread_ts": obj.get("thread_ts"), "body": obj,
                "content_type": request.headers.get("Content-Type"),
                "request": rec["id"]})
            self._note()
        return 200, "ok"

    # ------------------------------------------------------------------
    # Slack's requests to a request URL (run --http).

    def sender(self, url, secret=SIGNING_SECRET, **kw):
        """A Sender (sender.py) for slackbot's request URL, signing with
        the app's secret and trusting the test CA for https."""
        return sender_mod.Sender(url, secret, ca=self.certs["ca"], **kw)

    def http_event(self, kind="message", text=None, channel=None,
                   user=HUMAN, **fields):
        """An event as Slack puts it into an event_callback (the shapes
        of sm_events()), and a fresh event_id: (event, event_id)."""
        seq = self._next_seq()
        text = text if text is not None else "event %d" % seq
        ev = self._event(kind, seq, text, channel, user, dict(fields))
        return ev, "Ev%010d" % (8000000000 + seq)

    def http_slash(self, command="/deploy", text="api staging", **fields):
        """A slash command's fields (what Slack form-encodes), with a
        registered response_url."""
        return self._slash_payload(command, text, fields)

    def http_interactive(self, kind="block_actions", **fields):
        """An interaction payload (what Slack sends as payload=JSON)."""
        return self._interactive_payload(kind, fields)[0]

    def _slash_payload(self, command, text, fields):
        p = {"token": "vErIfIcAtIoNtOkEn", "team_id": TEAM_ID,
             "team_domain": TEAM_DOMAIN, "channel_id": CHANNEL,
             "channel_name": "general", "user_id": HUMAN,
             "user_name": HUMAN_NAME, "command": command, "text": text,
             "api_app_id": APP_ID, "is_enterprise_install": "false",
             "response_url": self._hook_url("commands"),
             "trigger_id": "%d.1234567890123.%s" % (
                 8091827364502, secrets.token_hex(16))}
        p.update(fields)
        return p

    async def _a_sm_slash(self, command="/deploy", text="api staging",
                          conn=None, **fields):
        return await self._a_sm_envelope(
            "slash_commands", self._slash_payload(command, text, fields),
            True, conn)

    def sm_slash(self, command="/deploy", text="api staging", conn=None,
                 **fields):
        """Delivers a slash_commands envelope (fixture F8 shape); returns
        its envelope_id."""
        return self._call(self._a_sm_slash(command, text, conn, **fields))

    def _interactive_payload(self, kind, fields):
        ts = self._next_ts()
        trigger = "%d.1234567890123.%s" % (8091827364503, secrets.token_hex(16))
        user = {"id": HUMAN, "username": HUMAN_NAME, "name": HUMAN_NAME,
                "team_id": TEAM_ID}
        team = {"id": TEAM_ID, "domain": TEAM_DOMAIN}
        if kind == "block_actions":
            p = {"type": "block_actions", "user": user, "api_app_id": APP_ID,
                 "token": "vErIfIcAtIoNtOkEn",
                 "container": {"type": "message", "message_ts": ts,
                               "channel_id": CHANNEL, "is_ephemeral": False},
                 "trigger_id": trigger, "team": team, "enterprise": None,
                 "is_enterprise_install": False,
                 "channel": {"id": CHANNEL, "name": "general"},
                 "message": {"type": "message", "user": BOT_USER, "ts": ts,
                             "bot_id": BOT_ID, "text": "Deploy api?"},
                 "state": {"values": {}},
                 "response_url": self._hook_url("actions"),
                 "actions": [{"action_id": "approve", "block_id": "b1",
                              "text": {"type": "plain_text",
                                       "text": "Approve", "emoji": True},
                              "value": "deploy-42", "type": "button",
                              "action_ts": ts}]}
            arp = False
        elif kind in ("shortcut", "message_action"):
            p = {"type": kind, "token": "vErIfIcAtIoNtOkEn",
                 "action_ts": ts, "team": team, "user": user,
                 "is_enterprise_install": False, "enterprise": None,
                 "callback_id": "standin_shortcut", "trigger_id": trigger}
            if kind == "message_action":
                p.update({"channel": {"id": CHANNEL, "name": "general"},
                          "message_ts": ts,
                          "message": {"type": "message", "user": HUMAN,
                                      "ts": ts, "text": "look at this"},
                          "response_url": self._hook_url("app")})
            arp = False
        elif kind == "view_submission":
            p = {"type": "view_submission", "team": team, "user": user,
                 "api_app_id": APP_ID, "token": "vErIfIcAtIoNtOkEn",
                 "trigger_id": trigger,
                 "view": {"id": "V0STANDIN1", "type": "modal",
                          "callback_id": "deploy_form",
                          "state": {"values": {"env": {"pick": {
                              "type": "static_select",
                              "selected_option": {"value": "staging"}}}}},
                          "hash": "1732531200.abcdef"},
                 "response_urls": [], "is_enterprise_install": False}
            arp = True
        else:
            raise ValueError("unknown interactive kind %r" % kind)
        p.update(fields)
        return p, arp

    async def _a_sm_interactive(self, kind="block_actions", conn=None,
                                **fields):
        p, arp = self._interactive_payload(kind, fields)
        return await self._a_sm_envelope("interactive", p, arp, conn)

    def sm_interactive(self, kind="block_actions", conn=None, **fields):
        """Delivers an interactive envelope: block_actions, shortcut,
        message_action or view_submission; returns its envelope_id."""
        return self._call(self._a_sm_interactive(kind, conn, **fields))

    async def _a_sm_disconnect(self, reason="refresh_requested", conn=None,
                               close_after=None, close_code=1000):
        for w in self._sel(conn, "socket_mode"):
            await self._ws_json(w, {"type": "disconnect", "reason": reason,
                                    "debug_info": {"host": _host(w)}},
                                "disconnect")
            if reason != "warning":
                with self._lock:
                    w.draining = True
                    w.rec["draining"] = True
                    self._note()
            if close_after is not None:
                self._loop.call_later(close_after, self._ws_start_close, w,
                                      close_code, "")

    def sm_disconnect(self, reason="refresh_requested", conn=None,
                      close_after=None, close_code=1000):
        """Sends {"type":"disconnect","reason":...} (warning,
        refresh_requested, link_disabled, too_many_websockets, or any
        other); except for "warning", no new envelope goes to that
        connection afterwards.  close_after: seconds until the server
        closes it (close_code), or None to leave it to the client."""
        return self._call(self._a_sm_disconnect(reason, conn, close_after,
                                                close_code))

    # RTM.

    async def _rtm_open(self, w):
        if self.hello_delay:
            await asyncio.sleep(self.hello_delay)
        await self._ws_json(w, {"type": "hello"}, "hello")
        with self._lock:
            w.hello = True
            w.rec["hello"] = time.time()
            self._note()

    async def _rtm_text(self, w, text):
        try:
            obj = json.loads(text)
        except ValueError:
            return
        if not isinstance(obj, dict):
            return
        mid = obj.get("id")
        typ = obj.get("type")
        if typ == "ping":
            reply = {"type": "pong"}
            if mid is not None:
                reply["reply_to"] = mid
            for k, v in obj.items():
                if k not in ("id", "type") and not isinstance(v, (dict, list)):
                    reply[k] = v
            await self._ws_json(w, reply, "pong")
            return
        if typ != "message" or mid is None:
            return      # typing and the rest: no answer
        with self._lock:
            err = self._rtm_errors.pop(0) if self._rtm_errors else None
        ch = self._resolve_channel(obj.get("channel"))
        if err is None and not obj.get("text"):
            err = {"code": 2, "msg": "message text is missing"}
        if err is None and ch is None:
            err = {"code": 2, "msg": "invalid channel id"}
        if err is not None:
            await self._ws_json(w, {"ok": False, "reply_to": mid,
                                    "error": err}, "reply")
            return
        ts = self._next_ts()
        self._store_post("rtm", ch, ts, obj["text"], obj, None, w.id)
        await self._ws_json(w, {"ok": True, "reply_to": mid, "ts": ts,
                                "text": obj["text"]}, "reply")
        if self.echo_posts:
            ev = {"type": "message", "channel": ch, "user": BOT_USER,
                  "text": obj["text"], "ts": ts, "team": TEAM_ID}
            if obj.get("thread_ts"):
                ev["thread_ts"] = obj["thread_ts"]
            for o in self._open("rtm"):
                await self._ws_json(o, ev, "message")

    async def _a_rtm_events(self, n=1, kind="message", text=None,
                            channel=None, user=HUMAN, conn=None, rate=None,
                            framing=None, **fields):
        targets = self._sel("all" if conn is None else conn, "rtm")
        out = []
        for _ in range(int(n)):
            seq = self._next_seq()
            t = (text or "message {seq}").format(seq=seq)
            if kind == "app_mention" and text is None:
                t = "<@%s> %s" % (BOT_USER, t)
            ev = self._event("message" if kind == "app_mention" else kind,
                             seq, t, channel, user, dict(fields))
            ev.pop("channel_type", None)
            out.append(ev["ts"])
            for w in targets:
                await self._ws_json(w, ev, "message", framing=framing)
            if rate:
                await asyncio.sleep(1.0 / rate)
        return out

    def rtm_events(self, n=1, kind="message", text=None, channel=None,
                   user=HUMAN, conn=None, rate=None, **fields):
        """Sends n RTM message events (kinds as sm_events; app_mention
        becomes a message that mentions the bot) to every open RTM
        connection, or to `conn`; returns their ts."""
        return self._call(self._a_rtm_events(n, kind, text, channel, user,
                                             conn, rate, **fields))

    async def _a_rtm_goodbye(self, conn=None, close_after=None):
        for w in self._sel(conn, "rtm"):
            await self._ws_json(w, {"type": "goodbye"}, "goodbye")
            if close_after is not None:
                self._loop.call_later(close_after, self._ws_start_close, w,
                                      1000, "")

    def rtm_goodbye(self, conn=None, close_after=None):
        """Sends {"type":"goodbye"}; close_after: seconds until the server
        closes the connection itself."""
        return self._call(self._a_rtm_goodbye(conn, close_after))

    def rtm_reply_error(self, count=1, code=-1,
                        msg="slow down, too many messages..."):
        """The next `count` RTM message sends get an error reply instead
        of ok:true (nothing is posted)."""
        with self._lock:
            self._rtm_errors.extend({"code": code, "msg": msg}
                                    for _ in range(count))

    # Both kinds: transport-level behaviour.

    async def _a_ws_send(self, data, conn=None, binary=False):
        for w in self._sel(conn):
            if binary:
                raw = data if isinstance(data, bytes) else data.encode()
                with self._lock:
                    w.rec["sent"].append({"time": time.time(),
                                          "what": "binary", "size": len(raw),
                                          "envelope_id": None,
                                          "suppressed": w.silent,
                                          "framing": None})
                if not w.silent:
                    async with w.send_lock:
                        await w.ws.send_bytes(raw)
            elif isinstance(data, bytes):
                await self._ws_text(w, data, "raw", framing={"kind": "bytes"})
            else:
                text = data if isinstance(data, str) else slack_json(data)
                await self._ws_text(w, text, "raw")

    def ws_send(self, data, conn=None, binary=False):
        """Sends anything: a dict (as JSON), a str (as is, e.g. not JSON
        at all), bytes in a binary frame (binary=True), or bytes in a text
        frame as they are (not binary: invalid UTF-8, say)."""
        return self._call(self._a_ws_send(data, conn, binary))

    async def _a_ws_trickle(self, text, interval, conn=None):
        w = self._sel(conn)[0]
        frame = _ws_frame(0x1, text.encode())
        with self._lock:
            w.rec["sent"].append({"time": time.time(), "what": "trickle",
                                  "size": len(frame), "envelope_id": None,
                                  "suppressed": w.silent, "framing": None})
        async with w.send_lock:
            for i in range(len(frame)):
                if w.tr.is_closing():
                    return i
                w.tr.write(frame[i:i + 1])
                await asyncio.sleep(interval)
        return len(frame)

    def ws_trickle(self, text, interval=0.2, conn=None, wait=False):
        """Sends one text frame a byte at a time, `interval` seconds
        apart (nothing else goes out on that connection meanwhile: turn
        answer_pings off first).  With wait, returns once the frame is
        out or the connection closed (the bytes written); else at once."""
        fut = asyncio.run_coroutine_threadsafe(
            self._a_ws_trickle(text, interval, conn), self._loop)
        return fut.result(len(text) * interval + 60) if wait else None

    async def _a_ws_ping(self, payload=b"", conn=None):
        if isinstance(payload, str):
            payload = payload.encode()
        for w in self._sel(conn):
            with self._lock:
                w.pings[payload] = time.time()
                w.rec["pings_sent"].append({"time": time.time(),
                                            "payload": _b2s(payload)})
            await w.ws.ping(payload)

    def ws_ping(self, payload=b"", conn=None):
        """Sends one WebSocket ping now (pongs land in ws_connections())."""
        return self._call(self._a_ws_ping(payload, conn))

    def set_ping_interval(self, seconds):
        """Server pings every `seconds` on every connection (None: never)."""
        with self._lock:
            self.ping_interval = seconds

    async def _a_ws_fragmented(self, text=None, pieces=3, ping_between=True,
                               delay=0.0, conn=None):
        framing = {"kind": "fragmented", "pieces": pieces,
                   "ping_between": ping_between, "delay": delay}
        return await self._odd_message(text, conn, framing)

    async def _odd_message(self, text, conn, framing):
        w = self._sel(conn)[0]
        if text is not None:
            await self._ws_text(w, text, "raw", framing=framing)
            return None
        if w.kind == "socket_mode":
            ids = await self._a_sm_events(1, conn=w.id, framing=framing)
            return ids[0]
        tss = await self._a_rtm_events(1, conn=w.id, framing=framing)
        return tss[0]

    def ws_fragmented(self, text=None, pieces=3, ping_between=True,
                      delay=0.0, conn=None):
        """Sends one text message split over `pieces` frames (FIN=0 text,
        continuations, FIN=1), with a ping frame between fragments when
        ping_between, `delay` seconds between them.  Without text: a
        real event (Socket Mode: an events_api envelope, tracked for
        acks; returns its envelope_id; RTM: a message; returns its ts)."""
        return self._call(self._a_ws_fragmented(text, pieces, ping_between,
                                                delay, conn))

    async def _a_ws_oversized(self, size=600 * 1024, conn=None):
        w = self._sel(conn)[0]
        pad = "x" * int(size)
        if w.kind == "socket_mode":
            ids = await self._a_sm_events(1, conn=w.id,
                                          text="big {seq} " + pad)
            return ids[0]
        tss = await self._a_rtm_events(1, conn=w.id, text="big {seq} " + pad)
        return tss[0]

    def ws_oversized(self, size=600 * 1024, conn=None):
        """Sends a valid event whose message is larger than `size` bytes
        (in one frame, 64-bit length); returns its envelope_id / ts."""
        return self._call(self._a_ws_oversized(size, conn))

    async def _a_ws_masked(self, text=None, conn=None):
        return await self._odd_message(text, conn, {"kind": "masked"})

    def ws_masked(self, text=None, conn=None):
        """Sends a text frame with the MASK bit set (servers must not
        mask: a client must fail the connection, 1002).  Without text a
        real event, as ws_fragmented."""
        return self._call(self._a_ws_masked(text, conn))

    async def _a_ws_silent(self, conn=None, on=True):
        for w in self._sel(conn):
            with self._lock:
                w.silent = on
                w.rec["silent"] = on
                self._note()

    def ws_silent(self, conn=None, on=True):
        """The connection goes quiet: TCP stays open, nothing is sent any
        more (events, pings, pongs, close replies), what arrives is
        still recorded.  Envelopes the policy sends it are lost (and
        redelivered after ack_timeout)."""
        return self._call(self._a_ws_silent(conn, on))

    async def _a_ws_drop(self, conn=None, how="close"):
        if how not in DROP_HOWS:
            raise ValueError("how must be one of %s" % (DROP_HOWS,))
        for w in self._sel(conn):
            self._ws_end(w, {"close": "server_tls_close",
                             "abort": "server_fin",
                             "rst": "server_reset"}[how])
            _drop(w.tr, how)

    def ws_drop(self, conn=None, how="close"):
        """Ends the connection below WebSocket: "close" (TLS close_notify
        + FIN, no close frame), "abort" (FIN only), "rst" (a reset)."""
        return self._call(self._a_ws_drop(conn, how))

    async def _a_ws_reset(self, conn=None):
        await self._a_ws_drop(conn, "rst")

    def ws_reset(self, conn=None):
        """Resets the TCP connection (SO_LINGER 0, then close)."""
        return self.ws_drop(conn, "rst")

    async def _a_ws_close(self, code=1000, reason="", conn=None):
        for w in self._sel(conn):
            self._ws_start_close(w, int(code), reason)

    def ws_close(self, code=1000, reason="", conn=None):
        """Starts the close handshake with `code`; the client's answer
        lands in close_received."""
        return self._call(self._a_ws_close(code, reason, conn))

    def _ws_echo_post(self, ch, msg):
        if not self.echo_posts:
            return
        ts = msg["ts"]
        fields = {"text": msg.get("text", "")}
        if msg.get("thread_ts"):
            fields["thread_ts"] = msg["thread_ts"]
            fields["parent_user_id"] = msg.get("parent_user_id")

        async def go():
            ev = self._event("self", 0, fields.pop("text"), ch, BOT_USER,
                             fields)
            ev["ts"] = ev["event_ts"] = ts
            seq = self._next_seq()
            payload = {"token": "vErIfIcAtIoNtOkEn", "team_id": TEAM_ID,
                       "api_app_id": APP_ID, "event": ev,
                       "type": "event_callback",
                       "event_id": "Ev%09X" % seq,
                       "event_time": int(float(ts)),
                       "authorizations": [], "is_ext_shared_channel": False}
            if self._open("socket_mode"):
                chain = self._sm_chain("events_api", payload, False, seq,
                                       payload["event_id"])
                await self._sm_deliver(chain)
            for w in self._open("rtm"):
                e = dict(ev)
                e.pop("channel_type", None)
                await self._ws_json(w, e, "message")
        asyncio.ensure_future(go())

    # ------------------------------------------------------------------
    # Control over HTTP, for a stand-in run as a program:
    #   curl --cacert ca.pem https://localhost:PORT/_control/sm_events \
    #        -d '{"n": 3}'
    # POST (or GET) /_control/NAME with a JSON object of keyword
    # arguments; the answer is {"ok":true,"result":...} or
    # {"ok":false,"error":"..."}.  GET /_control/ lists the names.

    async def _http_control(self, request, conn):
        conn["control"] = True
        body = await request.read()
        name = request.path[len("/_control/"):]
        if name == "":
            return self._control_answer(200, {"ok": True,
                                              "names": sorted(CONTROL)})
        entry = CONTROL.get(name)
        if entry is None:
            return self._control_answer(404, {"ok": False,
                                              "error": "unknown_control"})
        try:
            kwargs = json.loads(body) if body.strip() else {}
            if not isinstance(kwargs, dict):
                raise ValueError("arguments must be a JSON object")
            kwargs.update(request.query)
            fn, is_async = entry
            if is_async:
                result = await getattr(self, fn)(**kwargs)
            else:
                result = getattr(self, fn)(**kwargs)
        except (TypeError, ValueError, KeyError) as e:
            return self._control_answer(400, {"ok": False, "error": str(e)})
        return self._control_answer(200, {"ok": True, "result": result})

    def _control_answer(self, status, obj):
        text = json.dumps(obj, default=_jsonable, indent=None)
        return web.Response(status=status, text=text + "\n",
                            content_type="application/json")

    def state(self):
        """A summary: counts of everything recorded, open WebSockets."""
        with self._lock:
            return {"requests": len(self._requests),
                    "connections": len(self._conns),
                    "open_connections": len([c for c in self._conns
                                             if not c["closed"]]),
                    "posts": len(self._posts),
                    "uploads": len(self._files),
                    "websockets": [{"id": r["id"], "kind": r["kind"],
                                    "open": r["closed"] is None,
                                    "silent": r["silent"]}
                                   for r in self._ws_recs],
                    "envelopes": len(self._deliveries),
                    "acks": len(self._acks),
                    "unacked": len([c for c in self._chains.values()
                                    if c["state"] != "acked"]),
                    "faults_pending": {k: sum(f["count"] for f in v)
                                       for k, v in self._faults.items()},
                    "errors": len(self._errors),
                    "bad_requests": len(self._bad_requests)}


class _ApiError(Exception):
    pass


def _api_guard(fn):
    def run(self, args, rec):
        try:
            return fn(self, args, rec)
        except _ApiError as e:
            return {"ok": False, "error": str(e)}
    return run


API_METHODS = {
    "auth.test": StandIn._m_auth_test,
    "chat.postMessage": _api_guard(StandIn._m_post_message),
    "chat.update": _api_guard(StandIn._m_update),
    "chat.delete": StandIn._m_delete,
    "chat.postEphemeral": StandIn._m_ephemeral,
    "reactions.add": StandIn._m_react,
    "reactions.remove": StandIn._m_unreact,
    "conversations.list": StandIn._m_conv_list,
    "conversations.info": StandIn._m_conv_info,
    "users.info": StandIn._m_users_info,
    "files.getUploadURLExternal": StandIn._m_upload_url,
    "files.completeUploadExternal": StandIn._m_upload_complete,
    "apps.connections.open": StandIn._m_connections_open,
    "rtm.connect": StandIn._m_rtm_connect,
    "api.test": None,       # answered before the token check
}

APP_HEX = "7f3c2d1e0b9a8c7d6e5f4a3b2c1d0e9f"


# What /_control/NAME may call: name -> (attribute, is a coroutine).
CONTROL = {n: (n, False) for n in (
    "fault", "clear_faults", "faults_pending", "faults_used", "set_answer",
    "reset", "requests", "connections", "handshakes", "posts", "reactions",
    "uploads", "responses", "errors", "bad_requests", "tickets", "state",
    "options",
    "set_options",
    "set_ping_interval", "rtm_reply_error", "ws_connections", "envelopes",
    "acks", "chains", "unacked")}
CONTROL.update({n: ("_a_" + n, True) for n in (
    "sm_events", "sm_envelope", "sm_redeliver", "sm_slash",
    "sm_interactive",
    "sm_disconnect", "rtm_events", "rtm_goodbye", "ws_send", "ws_ping",
    "ws_fragmented", "ws_oversized", "ws_masked", "ws_silent", "ws_drop",
    "ws_close")})
CONTROL["ws_reset"] = ("_a_ws_reset", True)


# ----------------------------------------------------------------------
# Standalone use.

def main(argv=None):
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(
        description="Local Slack stand-in (HTTPS on 127.0.0.1).")
    ap.add_argument("--certs", default=os.path.join(root, "build",
                                                    "test-certs"),
                    help="certificate directory (made when missing)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--files-port", type=int, default=0)
    ap.add_argument("--hooks-port", type=int, default=0)
    ap.add_argument("--cert", default="server",
                    help="certificate to present: server, server-rsa, "
                    "expired, future, wrong-host, untrusted")
    ap.add_argument("--bot-token", action="append",
                    help="accepted bot token (repeatable; default %s)"
                    % BOT_TOKEN)
    ap.add_argument("--app-token", default=APP_TOKEN)
    ap.add_argument("--rtm-modern", action="store_true",
                    help="rtm.connect answers not_allowed_token_type")
    ap.add_argument("--ping-interval", type=float, default=30.0,
                    help="seconds between WebSocket pings (0: none)")
    ap.add_argument("--ack-timeout", type=float, default=3.0,
                    help="redeliver envelopes not acked in this time")
    ap.add_argument("--delivery", default="round_robin", choices=DELIVERY)
    ap.add_argument("--echo-posts", action="store_true",
                    help="our own posts come back as events")
    ap.add_argument("--seconds", type=float, default=None,
                    help="stop after this long (default: until killed)")
    ap.add_argument("--quiet", action="store_true",
                    help="no line per request on stderr")
    args = ap.parse_args(argv)

    si = StandIn(args.certs, port=args.port, files_port=args.files_port,
                 hooks_port=args.hooks_port,
                 cert=args.cert, bot_tokens=args.bot_token or (BOT_TOKEN,),
                 app_token=args.app_token, rtm_allowed=not args.rtm_modern,
                 log=not args.quiet, ping_interval=args.ping_interval or None,
                 ack_timeout=args.ack_timeout, delivery=args.delivery,
                 echo_posts=args.echo_posts)
    si.start()
    print("api      %s" % si.api_url)
    print("files    %s" % si.files_url)
    print("hooks    %s" % si.hooks_url)
    print("control  %s_control/" % si.base_url)
    print("ca       %s" % si.ca_file)
    print("bot      %s" % sorted(si.bot_tokens)[0])
    print("app      %s" % si.app_token, flush=True)

    done = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: done.set())
    done.wait(args.seconds)
    si.stop()
    return 0


if __name__ == "__main__":
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)
    sys.exit(main())
