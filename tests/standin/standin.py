#!/usr/bin/python3
"""A local stand-in for Slack, for slackbot's end-to-end tests.

Slack itself is out of reach from the test machines, so this plays its
part: the Web API (https://localhost:PORT/api/METHOD), the upload host of
the external upload flow (a second port, as files.slack.com is a second
host), with answers shaped like Slack's own (shared/docs/slack-protocol.md,
sections 1-5 and the fixtures of section 9).  It runs on aiohttp (Debian's
python3-aiohttp, run with /usr/bin/python3) over TLS with a throwaway CA
(certs.py), on 127.0.0.1 only.

In a test:

    with StandIn("build/test-certs") as si:
        si.fault("chat.postMessage", count=2, status=429, retry_after=1)
        ... run slackbot with SLACK_API_URL=si.api_url ...
        assert len(si.posts()) == 1

The server runs in a background thread with its own event loop; every
public method may be called from any other thread.  Everything a client
sends is recorded (requests(), connections(), posts(), uploads(), ...);
misbehaviour is queued per method with fault().

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

from aiohttp import web
from aiohttp.web_request import BaseRequest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import certs as certs_mod  # noqa: E402

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

DEFAULT_CHANNELS = {
    "C0GENERAL1": {"name": "general", "kind": "channel"},
    "C0RANDOM01": {"name": "random", "kind": "channel"},
    "G0PRIVATE1": {"name": "ops-private", "kind": "group"},
    "D0ALICEDM1": {"name": None, "kind": "im", "user": HUMAN},
}

BOT_PROFILE = {"id": BOT_ID, "app_id": APP_ID, "name": BOT_NAME,
               "deleted": False, "team_id": TEAM_ID,
               "icons": {"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png"},
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
    "malformed": None,      # status_line | chunks | short_body
    "drop": None,           # before | after (processing)
    "drop_how": "close",    # close (close_notify + FIN) | abort (FIN) | rst
}
TRANSFERS = ("length", "chunked", "chunked_ext", "eof")
MALFORMED = ("status_line", "chunks", "short_body")
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

    def __init__(self, certs, *, port=0, files_port=0,
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
            self._upload_urls = {}  # url token -> file id
            self._tickets = {}
            self._faults = {}
            self._faults_used = []
            self._answers = {}
            self._errors = []
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
        server ("api" | "files"), peer, opened, closed (epoch seconds or
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

    def faults_used(self):
        """Faults applied so far: key, fault options, request id."""
        return self._copy(self._faults_used)

    def wait(self, predicate, timeout=5.0):
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

    def wait_requests(self, n, method=None, timeout=5.0):
        """Waits until n requests (of method) are finished; returns them
        all, or raises TimeoutError."""
        if not self.wait(lambda: self._count_requests(method) >= n, timeout):
            raise TimeoutError("%d %s requests after %.1f s (wanted %d)" %
                               (self._count_requests(method), method or "",
                                timeout, n))
        return self.requests(method)

    def wait_posts(self, n, timeout=5.0):
        if not self.wait(lambda: len(self._posts) >= n, timeout):
            raise TimeoutError("%d posts after %.1f s (wanted %d)" %
                               (len(self._posts), timeout, n))
        return self.posts()

    # ------------------------------------------------------------------
    # Faults.

    def fault(self, key, count=1, **opts):
        """Queues misbehaviour for the next `count` requests to `key`: an
        API method ("chat.postMessage"), "*" (any API method, after the
        method's own queue), "upload" (the upload host), or the WebSocket
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
                                    self._files_cert)):
            ctx = self._ssl_context(cert, server)
            srv = await loop.create_server(
                lambda s=server: _ConnProto(self._http(), self, s),
                "127.0.0.1", want, ssl=ctx, reuse_address=True)
            self._servers.append(srv)
            port = srv.sockets[0].getsockname()[1]
            if server == "api":
                self.port = port
            else:
                self.files_port = port
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
        return {"id": cid, "name": c["name"], "is_channel": c["kind"] == "channel",
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
    # Control (phase 2) and WebSocket endpoints: defined below.

    def _ws_init(self, options):
        if options:
            raise TypeError("unknown options: %s" % ", ".join(options))

    def _ws_reset_records(self):
        pass

    def _ws_start(self):
        pass

    async def _ws_stop(self):
        pass

    def _ws_echo_post(self, ch, msg):
        pass

    async def _ws_route(self, request, conn):
        return None

    async def _http_control(self, request, conn):
        body = await request.read()
        rec = self._record(request, conn, "api", None, body)
        return await self._send(request, conn, rec, None, 404,
                                b"Not Found\n", "text/plain", {})


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
    ap.add_argument("--cert", default="server",
                    help="certificate to present: server, server-rsa, "
                    "expired, future, wrong-host, untrusted")
    ap.add_argument("--bot-token", action="append",
                    help="accepted bot token (repeatable; default %s)"
                    % BOT_TOKEN)
    ap.add_argument("--app-token", default=APP_TOKEN)
    ap.add_argument("--rtm-modern", action="store_true",
                    help="rtm.connect answers not_allowed_token_type")
    ap.add_argument("--seconds", type=float, default=None,
                    help="stop after this long (default: until killed)")
    ap.add_argument("--quiet", action="store_true",
                    help="no line per request on stderr")
    args = ap.parse_args(argv)

    si = StandIn(args.certs, port=args.port, files_port=args.files_port,
                 cert=args.cert, bot_tokens=args.bot_token or (BOT_TOKEN,),
                 app_token=args.app_token, rtm_allowed=not args.rtm_modern,
                 log=not args.quiet)
    si.start()
    print("api      %s" % si.api_url)
    print("files    %s" % si.files_url)
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
