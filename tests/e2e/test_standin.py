#!/usr/bin/python3
"""Self-tests of the Slack stand-in and the CONNECT proxy, with Python's
own HTTPS client (and aiohttp's WebSocket client): every method's shape,
the token checks, every fault, the upload flow, the proxy, and the
connection records the slackbot tests rely on."""

import base64
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402

BOT = lib.BOT_TOKEN
APP = lib.APP_TOKEN
JSON_CT = "application/json; charset=utf-8"
FORM_CT = "application/x-www-form-urlencoded"


def client_ctx(ca=None):
    ctx = ssl.create_default_context(cafile=ca or lib.certs()["ca"])
    # Tell a truncation (no close_notify) from a clean close.
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    return ctx


class Api:
    """A keep-alive HTTPS client for the stand-in's Web API."""

    def __init__(self, si, port=None, timeout=10):
        self.conn = http.client.HTTPSConnection(
            "localhost", port or si.port, context=client_ctx(),
            timeout=timeout)

    def raw(self, method, path, body=b"", headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def call(self, method, args=None, token=BOT, as_json=False,
             ctype=None, http_method="POST"):
        h = {}
        if token:
            h["Authorization"] = "Bearer " + token
        if as_json:
            body = json.dumps(args or {}).encode()
            h["Content-Type"] = ctype or JSON_CT
        else:
            body = urllib.parse.urlencode(args or {}).encode()
            h["Content-Type"] = ctype or FORM_CT
        status, hdrs, data = self.raw(http_method, "/api/" + method, body, h)
        try:
            obj = json.loads(data)
        except ValueError:
            obj = None
        return status, hdrs, data, obj

    def close(self):
        self.conn.close()


class Raw:
    """TLS over a plain socket through a MemoryBIO, so that the test sees
    how the connection ended at the TCP level: "eof" (close_notify, then
    FIN), "truncated" (FIN without close_notify), "reset" (RST) or
    "timeout" (still open)."""

    def __init__(self, port, timeout=5.0):
        self.s = socket.create_connection(("127.0.0.1", port),
                                          timeout=timeout)
        self.inb, self.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = client_ctx().wrap_bio(self.inb, self.outb,
                                         server_hostname="localhost")
        self.eof = None
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                if not self._fill():
                    raise ConnectionError("closed during handshake: %s" %
                                          self.eof)
        self._flush()

    def _flush(self):
        data = self.outb.read()
        if data:
            self.s.sendall(data)

    def _fill(self):
        """Moves socket bytes into the TLS engine; False at the end."""
        if self.eof:
            return False
        try:
            data = self.s.recv(65536)
        except ConnectionResetError:
            self.eof = "reset"
            return False
        if not data:
            self.inb.write_eof()
            self.eof = "fin"
            return True     # the engine decides: close_notify or not
        self.inb.write(data)
        return True

    def send(self, data):
        self.tls.write(data)
        self._flush()

    def post(self, path, body=b"", token=BOT, ctype=FORM_CT, extra=""):
        self.send(("POST %s HTTP/1.1\r\nHost: localhost\r\n"
                   "Authorization: Bearer %s\r\nContent-Type: %s\r\n"
                   "Content-Length: %d\r\n%s\r\n" %
                   (path, token, ctype, len(body), extra)).encode() + body)

    def read_all(self):
        """Everything until the server closes; (bytes, how it ended)."""
        out = b""
        while True:
            try:
                d = self.tls.read(65536)
                if not d:
                    return out, "eof"
                out += d
                continue
            except ssl.SSLZeroReturnError:
                return out, "eof"
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLEOFError:
                return out, "truncated"
            except ssl.SSLError as e:
                if "UNEXPECTED_EOF" in str(e):
                    return out, "truncated"
                return out, "ssl:" + str(e)
            self._flush()
            try:
                if not self._fill():
                    return out, self.eof
            except socket.timeout:
                return out, "timeout"

    def read_for(self, seconds):
        """Whatever arrives within `seconds` (the connection may stay)."""
        self.s.settimeout(seconds)
        return self.read_all()

    def close(self):
        self.s.close()


def head_and_body(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return lines[0], hdrs, body


def dechunk(body):
    """Decodes a chunked body; returns (data, extensions, trailer lines)."""
    out, exts = b"", []
    while True:
        line, _, body = body.partition(b"\r\n")
        size, _, ext = line.partition(b";")
        n = int(size, 16)
        exts.append(ext.decode())
        if n == 0:
            trailer = body.split(b"\r\n")
            return out, exts, [t.decode() for t in trailer if t]
        out += body[:n]
        ok(body[n:n + 2] == b"\r\n", "chunk not followed by CRLF")
        body = body[n + 2:]


# ----------------------------------------------------------------------
# Certificates and TLS.

@test
def certificates_are_made_and_reused():
    c = lib.certs()
    for k in ("ca", "server", "server-rsa", "wrong-host", "expired",
              "future", "other-ca", "untrusted"):
        ok(os.path.isfile(c[k]) and os.path.isfile(c[k + "-key"]), k)
    before = os.stat(c["server"]).st_mtime_ns
    import certs
    certs.make(c["dir"])
    eq(os.stat(c["server"]).st_mtime_ns, before, "server.pem remade")
    txt = subprocess.run(["openssl", "x509", "-noout", "-ext",
                          "subjectAltName", "-in", c["server"]],
                         capture_output=True, text=True).stdout
    ok("DNS:localhost" in txt and "IP" not in txt, txt)


@test
def good_certificates_verify():
    for cert in ("server", "server-rsa"):
        si = lib.standin(cert=cert)
        st, _, _, obj = Api(si).call("auth.test")
        eq((st, obj["ok"]), (200, True), cert)
        conns = si.connections()
        eq(len(conns), 1)
        eq(conns[0]["sni"], "localhost")
        ok(conns[0]["tls_version"] in ("TLSv1.2", "TLSv1.3"))


@test
def bad_certificates_fail_verification():
    want = {"expired": "expired", "future": "not yet valid",
            "untrusted": "unable to get local issuer",
            "wrong-host": "Hostname mismatch"}
    for cert, words in want.items():
        si = lib.standin(cert=cert)
        try:
            Api(si).call("auth.test")
            raise AssertionError("%s: handshake succeeded" % cert)
        except ssl.SSLCertVerificationError as e:
            ok(words in str(e), "%s: %s" % (cert, e))
        lib.wait_until(lambda: si.handshakes(), 2, "handshake recorded")
        eq(si.connections(), [], cert + ": a failed handshake is no connection")
        eq(si.requests(), [])


@test
def tls12_only_server():
    si = lib.standin(tls_max="1.2")
    Api(si).call("auth.test")
    eq(si.connections()[0]["tls_version"], "TLSv1.2")


# ----------------------------------------------------------------------
# Web API shapes.

@test
def auth_test_shape_and_headers():
    si = lib.standin()
    st, h, raw, obj = Api(si).call("auth.test", token=BOT)
    eq(st, 200)
    eq(h["content-type"], JSON_CT)
    ok(re.fullmatch(r"[0-9a-f]{32}", h["x-slack-req-id"]), h)
    eq(obj, {"ok": True, "url": "https://acme-ops.slack.com/",
             "team": "Acme Ops", "user": "deploybot", "team_id": "T01ACME001",
             "user_id": "U07BOT0001", "bot_id": "B07BOT0001",
             "is_enterprise_install": False})
    ok(b'"https:\\/\\/acme-ops.slack.com\\/"' in raw, "slashes escaped")
    r = si.requests()
    eq(len(r), 1)
    eq((r[0]["method"], r[0]["token"], r[0]["token_source"], r[0]["status"],
        r[0]["outcome"]), ("auth.test", BOT, "header", 200, "answered"))
    eq(r[0]["header"]["authorization"], "Bearer " + BOT)


@test
def token_checks():
    si = lib.standin(token_errors={"xoxb-gone": "token_revoked"})
    api = Api(si)
    cases = [
        ("auth.test", None, {}, "not_authed"),
        ("auth.test", "xoxb-unknown", {}, "invalid_auth"),
        ("auth.test", "xoxb-gone", {}, "token_revoked"),
        ("auth.test", APP, {}, "not_allowed_token_type"),
        ("chat.postMessage", APP, {"channel": "C0GENERAL1", "text": "x"},
         "not_allowed_token_type"),
        ("apps.connections.open", BOT, {}, "not_allowed_token_type"),
        ("apps.connections.open", None, {}, "not_authed"),
        ("no.suchMethod", BOT, {}, "unknown_method"),
    ]
    for method, tok, args, err in cases:
        st, h, _, obj = api.call(method, args, token=tok)
        eq((st, obj.get("ok"), obj.get("error")), (200, False, err),
           "%s with %s" % (method, tok))
        eq(h["content-type"], JSON_CT)
    # A token in a form body works, except for apps.connections.open.
    st, _, _, obj = api.call("auth.test", {"token": BOT}, token=None)
    eq(obj["ok"], True)
    eq(si.requests()[-1]["token_source"], "form")
    st, _, _, obj = api.call("apps.connections.open", {"token": APP},
                             token=None)
    eq(obj["error"], "not_authed")
    # Not in a JSON body, nor in the query string.
    st, _, _, obj = api.call("auth.test", {"token": BOT}, token=None,
                             as_json=True)
    eq(obj["error"], "not_authed")
    st, _, _, obj = api.raw("GET", "/api/auth.test?token=" + BOT)[:2] + \
        (None, json.loads(api.raw("GET", "/api/auth.test?token=" + BOT)[2]))
    eq(obj["error"], "not_authed")
    st, _, _, obj = api.call("auth.test", token=None, as_json=False,
                             ctype=FORM_CT)
    eq(obj["error"], "not_authed")
    # Other schemes are refused.
    st, _, data = api.raw("POST", "/api/auth.test", b"",
                          {"Authorization": "Basic eDp5"})
    eq(json.loads(data)["error"], "invalid_auth")


@test
def rtm_refused_to_modern_apps():
    si = lib.standin(rtm_allowed=False)
    obj = Api(si).call("rtm.connect")[3]
    eq(obj, {"ok": False, "error": "not_allowed_token_type"})


@test
def connection_urls():
    si = lib.standin()
    api = Api(si)
    obj = api.call("apps.connections.open", token=APP)[3]
    m = re.fullmatch(r"wss://localhost:(\d+)/link/\?ticket=([0-9a-f-]{36})"
                     r"&app_id=([0-9a-f]+)", obj["url"])
    ok(m, obj)
    eq(int(m.group(1)), si.port)
    raw = api.call("apps.connections.open", token=APP)[2]
    ok(b"wss:\\/\\/localhost" in raw, raw)
    obj = api.call("rtm.connect")[3]
    ok(re.fullmatch(r"wss://localhost:%d/websocket/[A-Za-z0-9_-]+" % si.port,
                    obj["url"]), obj)
    eq(obj["team"], {"id": "T01ACME001", "name": "Acme Ops",
                     "domain": "acme-ops"})
    eq(obj["self"], {"id": "U07BOT0001", "name": "deploybot"})
    t = si.tickets()
    eq(sorted(v["kind"] for v in t.values()),
       ["rtm", "socket_mode", "socket_mode"])
    # apps.connections.open must be a POST.
    st, _, data = api.raw("GET", "/api/apps.connections.open", b"",
                          {"Authorization": "Bearer " + APP})
    eq(json.loads(data)["error"], "insecure_request")


@test
def post_message_json_and_form():
    si = lib.standin()
    api = Api(si)
    st, h, raw, obj = api.call("chat.postMessage",
                               {"channel": "C0GENERAL1",
                                "text": "build 42 passed",
                                "thread_ts": "1732531200.001200"},
                               as_json=True)
    eq(obj["ok"], True)
    eq(obj["channel"], "C0GENERAL1")
    ok(re.fullmatch(r"\d{10}\.\d{6}", obj["ts"]), obj["ts"])
    m = obj["message"]
    eq((m["user"], m["bot_id"], m["app_id"], m["text"], m["ts"],
        m["thread_ts"], m["team"], m["type"]),
       ("U07BOT0001", "B07BOT0001", "A07APP0001", "build 42 passed",
        obj["ts"], "1732531200.001200", "T01ACME001", "message"))
    ok("subtype" not in m and "parent_user_id" in m)
    ok("warning" not in obj)
    obj2 = api.call("chat.postMessage", {"channel": "#general",
                                         "text": "über ✓ 🚀"})[3]
    eq(obj2["channel"], "C0GENERAL1")
    raw = si.requests()[-1]
    ok(raw["args"] == {"channel": "#general", "text": "über ✓ 🚀"}, raw)
    # non-ASCII goes out as \\u escapes, emoji as a surrogate pair
    body = api.call("chat.postMessage", {"channel": "C0GENERAL1",
                                         "text": "🚀"})[2]
    ok(b"\\ud83d\\ude80" in body, body)
    posts = si.posts()
    eq([p["text"] for p in posts], ["build 42 passed", "über ✓ 🚀", "🚀"])
    eq(posts[0]["thread_ts"], "1732531200.001200")
    eq(posts[0]["via"], "web")
    # blocks in a form body are a JSON string
    obj = api.call("chat.postMessage", {
        "channel": "C0GENERAL1",
        "blocks": json.dumps([{"type": "section", "text": {
            "type": "mrkdwn", "text": "*hi*"}}])})[3]
    eq(obj["ok"], True)
    eq(si.posts()[-1]["blocks"][0]["type"], "section")


@test
def post_message_errors_and_warnings():
    si = lib.standin()
    api = Api(si)
    eq(api.call("chat.postMessage", {"channel": "C0NOSUCH00", "text": "x"})
       [3]["error"], "channel_not_found")
    eq(api.call("chat.postMessage", {"channel": "C0GENERAL1"})[3]["error"],
       "no_text")
    eq(api.call("chat.postMessage", {"channel": "C0GENERAL1",
                                     "text": "x" * 40001})[3]["error"],
       "msg_too_long")
    eq(api.call("chat.postMessage", {"channel": "C0GENERAL1",
                                     "blocks": "[not json"})[3]["error"],
       "invalid_blocks")
    obj = api.call("chat.postMessage", {"channel": "C0GENERAL1", "text": "x"},
                   as_json=True, ctype="application/json")[3]
    eq((obj["ok"], obj["warning"], obj["response_metadata"]["warnings"]),
       (True, "missing_charset", ["missing_charset"]))
    obj = api.call("chat.postMessage", {"channel": "C0GENERAL1", "text": "x"},
                   ctype=FORM_CT + "; charset=utf-8")[3]
    eq((obj["ok"], obj["warning"]), (True, "superfluous_charset"))
    st, _, data = api.raw("POST", "/api/chat.postMessage", b"{nope",
                          {"Authorization": "Bearer " + BOT,
                           "Content-Type": JSON_CT})
    eq(json.loads(data)["error"], "invalid_json")
    st, _, data = api.raw("POST", "/api/chat.postMessage", b"[1]",
                          {"Authorization": "Bearer " + BOT,
                           "Content-Type": JSON_CT})
    eq(json.loads(data)["error"], "json_not_object")
    st, _, data = api.raw("POST", "/api/chat.postMessage", b"hello",
                          {"Authorization": "Bearer " + BOT,
                           "Content-Type": "text/plain"})
    eq(json.loads(data)["error"], "invalid_post_type")
    # Posting to a user ID opens the DM.
    obj = api.call("chat.postMessage", {"channel": "U03ALICE01",
                                        "text": "psst"})[3]
    eq(obj["channel"], "D0ALICEDM1")
    eq(len(si.posts()), 3)


@test
def ts_unique_and_increasing_per_channel():
    si = lib.standin()
    api = Api(si)
    seen = {}
    for i in range(30):
        ch = ("C0GENERAL1", "C0RANDOM01")[i % 2]
        ts = api.call("chat.postMessage", {"channel": ch,
                                           "text": "n%d" % i})[3]["ts"]
        seen.setdefault(ch, []).append(ts)
    for ch, tss in seen.items():
        eq(len(set(tss)), len(tss), "unique in " + ch)
        eq(sorted(tss), tss, "increasing in " + ch)
        ok(all(len(t) == 17 for t in tss))
    eq([p["text"] for p in si.posts("C0RANDOM01")][:2], ["n1", "n3"])


@test
def update_delete_react():
    si = lib.standin()
    api = Api(si)
    ts = api.call("chat.postMessage", {"channel": "C0GENERAL1",
                                       "text": "building"})[3]["ts"]
    obj = api.call("chat.update", {"channel": "C0GENERAL1", "ts": ts,
                                   "text": "built (3m12s)"}, as_json=True)[3]
    eq((obj["ok"], obj["channel"], obj["ts"], obj["text"],
        obj["message"]["text"]),
       (True, "C0GENERAL1", ts, "built (3m12s)", "built (3m12s)"))
    eq(si.posts()[0]["updates"], ["built (3m12s)"])
    eq(si.posts()[0]["text"], "built (3m12s)")
    eq(api.call("chat.update", {"channel": "C0GENERAL1",
                                "ts": "1.000001", "text": "x"})[3]["error"],
       "message_not_found")
    args = {"channel": "C0GENERAL1", "timestamp": ts, "name": "eyes"}
    eq(api.call("reactions.add", args)[3], {"ok": True})
    eq(api.call("reactions.add", args)[3]["error"], "already_reacted")
    eq(api.call("reactions.add", dict(args, name=":eyes:"))[3]["error"],
       "invalid_name")
    eq(api.call("reactions.add", dict(args, name="thumbsup::skin-tone-3"))
       [3]["ok"], True)
    eq(api.call("reactions.add", {"channel": "C0GENERAL1",
                                  "name": "eyes"})[3]["error"],
       "no_item_specified")
    eq([r["name"] for r in si.reactions()], ["eyes", "thumbsup::skin-tone-3"])
    eq(api.call("reactions.remove", args)[3], {"ok": True})
    eq(api.call("chat.delete", {"channel": "C0GENERAL1", "ts": ts})[3]["ok"],
       True)
    ok(si.posts()[0]["deleted"])


@test
def generic_methods_for_api_command():
    si = lib.standin()
    api = Api(si)
    every = "public_channel,private_channel,im"
    obj = api.call("conversations.list", {"limit": "3", "types": every})[3]
    eq(len(obj["channels"]), 3)
    cur = obj["response_metadata"]["next_cursor"]
    ok(cur, "a next cursor")
    obj = api.call("conversations.list", {"limit": "3", "cursor": cur,
                                          "types": every})[3]
    eq(len(obj["channels"]), 1)
    eq(obj["response_metadata"]["next_cursor"], "")
    obj = api.call("conversations.list",
                   {"types": "public_channel,private_channel,im"})[3]
    eq(sorted(c["id"] for c in obj["channels"]),
       ["C0GENERAL1", "C0RANDOM01", "D0ALICEDM1", "G0PRIVATE1"])
    eq(api.call("conversations.info", {"channel": "C0GENERAL1"})[3]
       ["channel"]["name"], "general")
    eq(api.call("users.info", {"user": "U03ALICE01"})[3]["user"]["name"],
       "alice")
    eq(api.call("users.info", {"user": "U0NOBODY00"})[3]["error"],
       "user_not_found")
    eq(api.call("api.test", {"foo": "bar"}, token=None)[3],
       {"ok": True, "args": {"foo": "bar"}})
    eq(api.call("api.test", {"error": "my_error"}, token=None)[3]["error"],
       "my_error")
    si.set_answer("emoji.list", {"ok": True, "emoji": {"shipit": "alias:squirrel"}})
    eq(api.call("emoji.list")[3]["emoji"], {"shipit": "alias:squirrel"})
    eq(api.call("emoji.list", token="xoxb-bad")[3]["error"], "invalid_auth")
    si.set_answer("emoji.list", None)
    eq(api.call("emoji.list")[3]["error"], "unknown_method")


# ----------------------------------------------------------------------
# Uploads.

@test
def upload_flow_raw_and_multipart():
    si = lib.standin()
    api = Api(si)
    data = os.urandom(3000) + b"\r\n--x\r\n"
    obj = api.call("files.getUploadURLExternal",
                   {"filename": "report.txt", "length": len(data)})[3]
    ok(obj["ok"] and re.fullmatch(r"F[0-9A-F]{10}", obj["file_id"]), obj)
    u = urllib.parse.urlsplit(obj["upload_url"])
    eq((u.scheme, u.hostname, u.port), ("https", "localhost", si.files_port))
    ok(u.path.startswith("/upload/v1/"), u.path)
    fapi = Api(si, port=si.files_port)
    # a wrong length is refused, and does not count
    st, _, body = fapi.raw("POST", u.path, data[:-1],
                           {"Content-Type": "application/octet-stream"})
    eq(st, 400, body)
    st, h, body = fapi.raw("POST", u.path, data,
                           {"Content-Type": "application/octet-stream"})
    eq((st, body), (200, b"OK - %d" % len(data)))
    eq(h["content-type"], "text/plain; charset=utf-8")
    fid = obj["file_id"]
    up = si.uploads()[0]
    eq((up["file_id"], up["size"], up["sha256"], up["multipart"],
        up["uploads"], up["completed"]),
       (fid, len(data), hashlib.sha256(data).hexdigest(), False, 1, False))
    obj = api.call("files.completeUploadExternal", {
        "files": json.dumps([{"id": fid, "title": "Nightly report"}]),
        "channel_id": "C0GENERAL1", "initial_comment": "nightly",
        "thread_ts": "1732531200.001200"})[3]
    eq(obj["ok"], True)
    f = obj["files"][0]
    eq((f["id"], f["title"], f["name"], f["size"], f["mimetype"]),
       (fid, "Nightly report", "report.txt", len(data), "text/plain"))
    up = si.uploads()[0]
    eq((up["completed"], up["channel"], up["initial_comment"],
        up["thread_ts"]),
       (True, "C0GENERAL1", "nightly", "1732531200.001200"))
    # multipart, with the file in a part named "filename"
    obj = api.call("files.getUploadURLExternal",
                   {"filename": "b.bin", "length": 5})[3]
    b = "----standin%x" % os.getpid()
    mp = ("--%s\r\nContent-Disposition: form-data; name=\"filename\"; "
          "filename=\"b.bin\"\r\nContent-Type: application/octet-stream"
          "\r\n\r\n" % b).encode() + b"\x00\x01\r\n\xff" + \
        ("\r\n--%s--\r\n" % b).encode()
    st, _, body = fapi.raw("POST", urllib.parse.urlsplit(
        obj["upload_url"]).path, mp,
        {"Content-Type": "multipart/form-data; boundary=" + b})
    eq((st, body), (200, b"OK - 5"))
    eq(si.uploads()[1]["multipart"], True)
    eq(si.uploads()[1]["sha256"],
       hashlib.sha256(b"\x00\x01\r\n\xff").hexdigest())
    # requests to the files host are recorded apart
    eq([r["method"] for r in si.requests(server="files")],
       ["upload", "upload", "upload"])
    eq({c["server"] for c in si.connections()}, {"api", "files"})


@test
def upload_errors():
    si = lib.standin()
    api = Api(si)
    obj = api.call("files.getUploadURLExternal", {"filename": "a"})[3]
    eq(obj["error"], "invalid_arguments")
    ok("length" in obj["response_metadata"]["messages"][0])
    eq(api.call("files.getUploadURLExternal",
                {"filename": "a", "length": "-1"})[3]["error"],
       "invalid_arguments")
    fapi = Api(si, port=si.files_port)
    eq(fapi.raw("POST", "/upload/v1/nosuchthing", b"x")[0], 404)
    obj = api.call("files.getUploadURLExternal",
                   {"filename": "a", "length": 3})[3]
    path = urllib.parse.urlsplit(obj["upload_url"]).path
    # completing before the bytes arrived
    eq(api.call("files.completeUploadExternal", {
        "files": json.dumps([{"id": obj["file_id"]}])})[3]["error"],
       "file_not_found")
    eq(api.call("files.completeUploadExternal", {"files": "[{"})[3]["error"],
       "invalid_arguments")
    # chunked upload without Content-Length
    fapi.conn.putrequest("POST", path)
    fapi.conn.putheader("Transfer-Encoding", "chunked")
    fapi.conn.endheaders()
    fapi.conn.send(b"3\r\nabc\r\n0\r\n\r\n")
    r = fapi.conn.getresponse()
    r.read()
    eq(r.status, 411)


# ----------------------------------------------------------------------
# Connections and keep-alive.

@test
def keepalive_reuse_is_counted():
    si = lib.standin()
    api = Api(si)
    for _ in range(5):
        api.call("auth.test")
    api2 = Api(si)
    api2.call("auth.test")
    conns = si.connections()
    eq([(c["id"], c["requests"]) for c in conns], [(1, 5), (2, 1)])
    eq([r["conn"] for r in si.requests()], [1, 1, 1, 1, 1, 2])
    api.close()
    lib.wait_until(lambda: si.connections()[0]["closed"], 2, "close seen")
    eq(si.connections()[1]["closed"], None)


@test
def server_keepalive_timeout():
    si = lib.standin(keepalive_timeout=0.3)
    r = Raw(si.port)
    r.post("/api/auth.test")
    data, how = r.read_for(3)
    ok(data.startswith(b"HTTP/1.1 200"), data)
    eq(how, "eof")


# ----------------------------------------------------------------------
# Faults.

@test
def fault_error_and_count():
    si = lib.standin()
    api = Api(si)
    si.fault("auth.test", count=2, error="invalid_auth")
    si.fault("chat.postMessage", error="missing_scope",
             extra={"needed": "chat:write", "provided": "reactions:write"})
    for _ in range(2):
        st, h, _, obj = api.call("auth.test")
        eq((st, obj), (200, {"ok": False, "error": "invalid_auth"}))
        eq(h["content-type"], JSON_CT)
    eq(api.call("auth.test")[3]["ok"], True)
    obj = api.call("chat.postMessage", {"channel": "C0GENERAL1",
                                        "text": "x"})[3]
    eq(obj, {"ok": False, "error": "missing_scope", "needed": "chat:write",
             "provided": "reactions:write"})
    eq(si.posts(), [], "a faulted call is not processed")
    eq(si.requests("chat.postMessage")[0]["args"]["text"], "x")
    eq(len(si.faults_used()), 3)
    eq(si.faults_pending(), {})
    # "*" applies to any method
    si.fault("*", error="fatal_error")
    eq(api.call("reactions.add", {})[3]["error"], "fatal_error")
    try:
        si.fault("auth.test", no_such_option=1)
        raise AssertionError("unknown option accepted")
    except ValueError:
        pass


@test
def fault_rate_limit():
    si = lib.standin()
    api = Api(si)
    si.fault("chat.postMessage", status=429, retry_after=3)
    si.fault("chat.postMessage", status=429, retry_after=None)
    st, h, raw, obj = api.call("chat.postMessage", {"channel": "C0GENERAL1",
                                                    "text": "x"})
    eq((st, h.get("retry-after"), raw), (429, "3",
                                         b'{"ok":false,"error":"ratelimited"}'))
    eq(h["content-type"], JSON_CT)
    ok("x-slack-req-id" in h)
    st, h, raw, obj = api.call("chat.postMessage", {"channel": "C0GENERAL1",
                                                    "text": "x"})
    eq((st, h.get("retry-after")), (429, None))
    eq(api.call("chat.postMessage", {"channel": "C0GENERAL1",
                                     "text": "x"})[0], 200)
    eq(len(si.posts()), 1)


@test
def fault_server_errors_are_html():
    si = lib.standin()
    api = Api(si)
    for status in (500, 502, 503):
        si.fault("auth.test", status=status)
        st, h, raw, obj = api.call("auth.test")
        eq(st, status)
        ok(h["content-type"].startswith("text/html"), h)
        ok(raw.startswith(b"<html>") and obj is None, raw)
    si.fault("auth.test", body="You are sending too many requests. "
             "Please relax.", status=200)
    st, h, raw, obj = api.call("auth.test")
    eq((st, obj), (200, None))


@test
def fault_chunked_bodies():
    si = lib.standin()
    si.fault("auth.test", transfer="chunked")
    r = Raw(si.port)
    r.post("/api/auth.test")
    data, _ = r.read_for(0.5)
    line, h, body = head_and_body(data)
    eq(h.get("transfer-encoding"), "chunked")
    ok("content-length" not in h)
    plain, exts, trailer = dechunk(body)
    ok(len(exts) >= 3, "several chunks")
    eq(json.loads(plain)["user_id"], "U07BOT0001")
    # extensions and a trailer; the connection stays usable
    si.fault("auth.test", transfer="chunked_ext")
    r.post("/api/auth.test")
    data, _ = r.read_for(0.5)
    line, h, body = head_and_body(data)
    eq(h.get("trailer"), "X-Slack-Trace")
    plain, exts, trailer = dechunk(body)
    eq(json.loads(plain)["ok"], True)
    ok(all(e for e in exts), exts)
    eq(trailer, ["X-Slack-Trace: 7f3c2d1e"])
    r.post("/api/auth.test")
    data, _ = r.read_for(0.5)
    ok(b"content-length: 185" in data.lower(), data)
    eq([(c["requests"]) for c in si.connections()], [3])
    # http.client copes with both
    si.fault("auth.test", count=2, transfer="chunked_ext")
    api = Api(si)
    eq(api.call("auth.test")[3]["ok"], True)
    eq(api.call("auth.test")[3]["ok"], True)


@test
def fault_eof_delimited_body():
    si = lib.standin()
    si.fault("auth.test", transfer="eof")
    r = Raw(si.port)
    r.post("/api/auth.test")
    data, how = r.read_all()
    line, h, body = head_and_body(data)
    ok("content-length" not in h and "transfer-encoding" not in h, h)
    eq(json.loads(body)["ok"], True)
    eq(how, "eof")


@test
def fault_connection_close():
    si = lib.standin()
    si.fault("auth.test", close=True)
    r = Raw(si.port)
    r.post("/api/auth.test")
    data, how = r.read_all()
    line, h, body = head_and_body(data)
    eq((h.get("connection"), how), ("close", "eof"))
    eq(json.loads(body)["ok"], True)


@test
def fault_idle_close():
    si = lib.standin()
    si.fault("auth.test", idle_close_ms=200)
    r = Raw(si.port)
    t0 = time.monotonic()
    r.post("/api/auth.test")
    data, how = r.read_for(3)
    dt = time.monotonic() - t0
    line, h, body = head_and_body(data)
    ok("connection" not in h, h)
    eq(json.loads(body)["ok"], True)
    eq(how, "eof")
    ok(0.15 < dt < 2, dt)
    # a request in time keeps the connection
    si.fault("auth.test", idle_close_ms=400)
    r = Raw(si.port)
    r.post("/api/auth.test")
    r.read_for(0.1)
    r.post("/api/auth.test")
    data, how = r.read_for(0.8)
    eq(how, "timeout")


@test
def fault_slow_answers():
    si = lib.standin()
    api = Api(si)
    si.fault("auth.test", header_delay=0.4)
    t0 = time.monotonic()
    eq(api.call("auth.test")[3]["ok"], True)
    ok(time.monotonic() - t0 >= 0.38)
    si.fault("auth.test", body_delay=0.4)
    r = Raw(si.port)
    r.post("/api/auth.test")
    first, _ = r.read_for(0.25)
    line, h, body = head_and_body(first)
    ok(line.startswith("HTTP/1.1 200"), first)
    n = int(h["content-length"])
    ok(0 < len(body) < n, "half the body first")
    rest, _ = r.read_for(0.5)
    eq(len(body + rest), n)
    ok(json.loads(body + rest)["ok"])


@test
def fault_malformed():
    si = lib.standin()
    si.fault("auth.test", malformed="status_line")
    r = Raw(si.port)
    r.post("/api/auth.test")
    data, how = r.read_all()
    ok(data.startswith(b"HTTX/1.1 2x0"), data)
    eq(how, "eof")
    si.fault("auth.test", malformed="chunks")
    r = Raw(si.port)
    r.post("/api/auth.test")
    data, how = r.read_all()
    ok(b"zz-not-hex" in data, data)
    si.fault("auth.test", malformed="short_body", drop_how="abort")
    r = Raw(si.port)
    r.post("/api/auth.test")
    data, how = r.read_all()
    line, h, body = head_and_body(data)
    ok(len(body) < int(h["content-length"]), data)
    eq(how, "truncated")
    api = Api(si)
    for kind in ("status_line", "chunks", "short_body"):
        si.fault("auth.test", malformed=kind)
        try:
            api.call("auth.test")
            raise AssertionError(kind + " parsed")
        except (http.client.HTTPException, ValueError, ConnectionError):
            api.close()
    eq([r["outcome"] for r in si.requests()], ["malformed"] * 6)


@test
def fault_drop_before_and_after():
    si = lib.standin()
    args = {"channel": "C0GENERAL1", "text": "once"}
    si.fault("chat.postMessage", drop="before")
    api = Api(si)
    try:
        api.call("chat.postMessage", args)
        raise AssertionError("answered")
    except (http.client.RemoteDisconnected, ConnectionError):
        api.close()
    eq(si.posts(), [])
    si.fault("chat.postMessage", drop="after")
    try:
        api.call("chat.postMessage", args)
        raise AssertionError("answered")
    except (http.client.RemoteDisconnected, ConnectionError):
        api.close()
    eq([p["text"] for p in si.posts()], ["once"])
    eq([r["outcome"] for r in si.requests()],
       ["dropped_before", "dropped_after"])
    # the three ways to drop
    for how, want in (("close", "eof"), ("abort", "truncated"),
                      ("rst", "reset")):
        si.fault("auth.test", drop="before", drop_how=how)
        r = Raw(si.port)
        r.post("/api/auth.test")
        data, got = r.read_all()
        eq((data, got), (b"", want), how)


@test
def fault_on_upload_host():
    si = lib.standin()
    api = Api(si)
    obj = api.call("files.getUploadURLExternal",
                   {"filename": "a", "length": 3})[3]
    path = urllib.parse.urlsplit(obj["upload_url"]).path
    si.fault("upload", status=503)
    fapi = Api(si, port=si.files_port)
    st, h, body = fapi.raw("POST", path, b"abc")
    eq(st, 503)
    ok(body.startswith(b"<html>"))
    eq(si.uploads()[0]["uploads"], 0)
    si.fault("upload", drop="after")
    try:
        fapi.raw("POST", path, b"abc")
        raise AssertionError("answered")
    except (http.client.RemoteDisconnected, ConnectionError):
        fapi.close()
    eq(si.uploads()[0]["uploads"], 1)


# ----------------------------------------------------------------------
# The proxy.

def tunnel_call(si, px, headers=None):
    c = http.client.HTTPSConnection("127.0.0.1", px.port,
                                    context=client_ctx(), timeout=5)
    c.set_tunnel("localhost", si.port, headers=headers)
    c.request("POST", "/api/auth.test",
              headers={"Authorization": "Bearer " + BOT})
    r = c.getresponse()
    return r.status, json.loads(r.read())


@test
def proxy_tunnels():
    si = lib.standin()
    px = lib.proxy()
    st, obj = tunnel_call(si, px)
    eq((st, obj["ok"]), (200, True))
    c = px.connects()
    eq(len(c), 1)
    eq((c[0]["target"], c[0]["auth_present"], c[0]["status"]),
       ("localhost:%d" % si.port, False, 200))
    eq(px.tunnels_opened, 1)
    ok(c[0]["bytes_up"] > 0)
    eq(si.connections()[0]["sni"], "localhost")


@test
def proxy_credentials():
    si = lib.standin()
    px = lib.proxy(credentials=("alice", "s3cret"))
    good = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    bad = "Basic " + base64.b64encode(b"alice:wrong").decode()
    for hdrs, want in ((None, 407), ({"Proxy-Authorization": bad}, 407),
                       ({"Proxy-Authorization": good}, 200)):
        try:
            st, obj = tunnel_call(si, px, hdrs)
            eq(want, 200)
        except OSError as e:
            ok(str(want) in str(e), e)
    c = px.connects()
    eq([(x["auth_present"], x["auth_ok"], x["status"]) for x in c],
       [(False, False, 407), (True, False, 407), (True, True, 200)])
    eq(px.tunnels_opened, 1)
    eq(px.url_with("alice", "s3cret"), "http://alice:s3cret@127.0.0.1:%d"
       % px.port)


def proxy_status(px, request):
    s = socket.create_connection(("127.0.0.1", px.port), timeout=5)
    s.sendall(request)
    data = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except socket.timeout:
        pass
    s.close()
    return data


@test
def proxy_refusals():
    px = lib.proxy(mode="refuse")
    eq(proxy_status(px, b"CONNECT localhost:1 HTTP/1.1\r\nHost: x\r\n\r\n")
       .split(b"\r\n")[0], b"HTTP/1.1 403 Forbidden")
    px.set_mode("tunnel")
    eq(proxy_status(px, b"CONNECT slack.com:443 HTTP/1.1\r\n\r\n")
       .split(b"\r\n")[0], b"HTTP/1.1 502 Bad Gateway")
    eq(proxy_status(px, b"GET http://x/ HTTP/1.1\r\n\r\n").split(b"\r\n")[0],
       b"HTTP/1.1 405 Method Not Allowed")
    px.set_mode("hangup")
    eq(proxy_status(px, b"CONNECT localhost:1 HTTP/1.1\r\n\r\n"), b"")
    px.set_mode("garbage")
    ok(proxy_status(px, b"CONNECT localhost:1 HTTP/1.1\r\n\r\n")
       .startswith(b"SSH-"))
    eq([c["status"] for c in px.connects()], [403, 502, 405, None, None])
    eq(px.tunnels_opened, 0)


# ----------------------------------------------------------------------
# Standalone program.

@test
def standalone_program():
    c = lib.certs()
    p = subprocess.Popen(
        ["/usr/bin/python3", str(lib.ROOT / "tests" / "standin" /
                                 "standin.py"),
         "--certs", c["dir"], "--seconds", "20", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lib.cleanup(lambda: p.poll() is None and p.kill())
    urls = {}
    for _ in range(6):
        k, _, v = p.stdout.readline().strip().partition(" ")
        urls[k] = v.strip()
    m = re.fullmatch(r"https://localhost:(\d+)/api/", urls["api"])
    ok(m, urls)
    eq(urls["ca"], c["ca"])
    conn = http.client.HTTPSConnection("localhost", int(m.group(1)),
                                       context=client_ctx(), timeout=5)
    conn.request("POST", "/api/auth.test",
                 headers={"Authorization": "Bearer " + urls["bot"]})
    eq(json.loads(conn.getresponse().read())["ok"], True)
    p.send_signal(signal.SIGTERM)
    eq(p.wait(10), 0)


if __name__ == "__main__":
    lib.run_all()
