#!/usr/bin/python3
"""A small HTTP CONNECT proxy on 127.0.0.1 for slackbot's HTTPS_PROXY tests.

    with Proxy(credentials=("alice", "s3cret")) as px:
        env["HTTPS_PROXY"] = px.url_with("alice", "s3cret")
        ...
        assert px.tunnels_opened == 1

It tunnels CONNECT requests to localhost / 127.0.0.1 only (anything else is
answered 502 without being tried, so tests never reach out), checks Basic
credentials when configured (407 with Proxy-Authenticate when missing or
wrong), refuses everything with 403 in mode "refuse", and records each
CONNECT.  Like StandIn it runs in a background thread with its own event
loop; every public method may be called from any thread.
"""

import asyncio
import base64
import copy
import threading
import time

LOCAL_NAMES = ("localhost", "127.0.0.1")
MODES = ("tunnel", "refuse", "hangup", "garbage")


class Proxy:
    """credentials: None, or (user, password) to require.  mode:
    "tunnel" (default), "refuse" (403 to everything), "hangup" (close
    without answering), "garbage" (answer a line that is not HTTP).
    reply_delay: seconds before answering a CONNECT."""

    def __init__(self, *, port=0, credentials=None, mode="tunnel",
                 reply_delay=0.0):
        if mode not in MODES:
            raise ValueError("mode must be one of %s" % (MODES,))
        self.credentials = credentials
        self.mode = mode
        self.reply_delay = reply_delay
        self._want_port = port
        self.port = None
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._connects = []
        self._active = 0
        self._opened = 0
        self._loop = None
        self._thread = None
        self._server = None
        self._writers = set()

    # Records.

    def connects(self):
        """Each request received, oldest first: time, request_line,
        target ("host:port" or None when unparsable), headers (dict of
        lower-case name -> value), auth_present, auth_ok, status answered
        (None for hangup/garbage), bytes_up / bytes_down (through the
        tunnel), closed (time the tunnel ended, or None)."""
        with self._lock:
            return copy.deepcopy(self._connects)

    @property
    def tunnels_opened(self):
        with self._lock:
            return self._opened

    @property
    def tunnels_active(self):
        with self._lock:
            return self._active

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def url_with(self, user, password):
        return "http://%s:%s@127.0.0.1:%d" % (user, password, self.port)

    def wait(self, predicate, timeout=5.0):
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                v = predicate()
                left = end - time.monotonic()
                if v or left <= 0:
                    return v
                self._cond.wait(min(left, 0.05))

    def set_mode(self, mode):
        if mode not in MODES:
            raise ValueError("mode must be one of %s" % (MODES,))
        self.mode = mode

    # Life cycle.

    def start(self, timeout=10.0):
        ready = threading.Event()
        failure = []

        def run():
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            loop.set_exception_handler(lambda *_: None)
            try:
                self._server = loop.run_until_complete(asyncio.start_server(
                    self._client, "127.0.0.1", self._want_port,
                    reuse_address=True))
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as e:
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="proxy",
                                        daemon=True)
        self._thread.start()
        ready.wait(timeout)
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop(self, timeout=5.0):
        if self._thread is None:
            return

        async def down():
            self._server.close()
            for w in list(self._writers):
                w.transport.abort()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(down(), self._loop).result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self):
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # The proxy.

    async def _client(self, reader, writer):
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, asyncio.TimeoutError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _serve(self, reader, writer):
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for ln in lines[1:]:
            if ":" in ln:
                k, _, v = ln.partition(":")
                headers[k.strip().lower()] = v.strip()
        parts = lines[0].split(" ")
        target = None
        if len(parts) == 3 and parts[0] == "CONNECT" and \
                parts[2] in ("HTTP/1.1", "HTTP/1.0"):
            target = parts[1]
        auth = headers.get("proxy-authorization")
        rec = {"time": time.time(), "request_line": lines[0],
               "target": target, "headers": headers,
               "auth_present": auth is not None, "auth_ok": None,
               "status": None, "bytes_up": 0, "bytes_down": 0,
               "closed": None}
        with self._lock:
            self._connects.append(rec)
            self._cond.notify_all()
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)

        def answer(status, reason, extra=""):
            with self._lock:
                rec["status"] = status
                self._cond.notify_all()
            writer.write(("HTTP/1.1 %d %s\r\n%sContent-Length: 0\r\n\r\n"
                          % (status, reason, extra)).encode("latin-1"))

        if self.mode == "hangup":
            return
        if self.mode == "garbage":
            writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
            await writer.drain()
            return
        if self.mode == "refuse":
            answer(403, "Forbidden")
            await writer.drain()
            return
        if target is None:
            answer(405 if parts and parts[0] != "CONNECT" else 400,
                   "Method Not Allowed" if parts and parts[0] != "CONNECT"
                   else "Bad Request")
            await writer.drain()
            return
        if self.credentials is not None:
            want = base64.b64encode(
                ("%s:%s" % self.credentials).encode()).decode()
            scheme, _, cred = (auth or "").strip().partition(" ")
            rec["auth_ok"] = (scheme.lower() == "basic" and
                              cred.strip() == want)
            if not rec["auth_ok"]:
                answer(407, "Proxy Authentication Required",
                       'Proxy-Authenticate: Basic realm="standin"\r\n')
                await writer.drain()
                return
        host, _, port = target.rpartition(":")
        if host.strip("[]") not in LOCAL_NAMES or not port.isdigit():
            answer(502, "Bad Gateway")
            await writer.drain()
            return
        try:
            up_r, up_w = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", int(port)), 10)
        except (OSError, asyncio.TimeoutError):
            answer(502, "Bad Gateway")
            await writer.drain()
            return
        with self._lock:
            rec["status"] = 200
            self._opened += 1
            self._active += 1
            self._cond.notify_all()
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self._writers.add(up_w)
        try:
            await asyncio.gather(self._pipe(reader, up_w, rec, "bytes_up"),
                                 self._pipe(up_r, writer, rec, "bytes_down"))
        finally:
            self._writers.discard(up_w)
            up_w.transport.abort()
            with self._lock:
                self._active -= 1
                rec["closed"] = time.time()
                self._cond.notify_all()

    async def _pipe(self, src, dst, rec, counter):
        try:
            while True:
                data = await src.read(65536)
                if not data:
                    break
                with self._lock:
                    rec[counter] += len(data)
                dst.write(data)
                await dst.drain()
            if dst.can_write_eof():
                dst.write_eof()
        except (ConnectionError, OSError):
            dst.transport.abort()
