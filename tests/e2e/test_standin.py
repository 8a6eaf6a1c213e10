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
    si.set_answer("emoji.list", {"ok": True,
                                 "emoji": {"shipit": "alias:squirrel"}})
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
    # a request in time keeps the connection (in time with a second to
    # spare; then read past the idle time)
    si.fault("auth.test", idle_close_ms=1000)
    r = Raw(si.port)
    r.post("/api/auth.test")
    r.read_for(0.1)
    r.post("/api/auth.test")
    data, how = r.read_for(1.5)
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


@test
def malformed_requests_are_recorded():
    si = lib.standin(check_requests=False)
    r = Raw(si.port)
    r.send(b"POST /api/auth.test HTTP/1.1\r\nHost: x\r\n"
           b"Content-Length: abc\r\n\r\n")
    data, how = r.read_for(2)
    ok(data.startswith(b"HTTP/1.0 400"), data)
    b = si.wait(lambda: si._bad_requests, 2) and si.bad_requests()
    eq(len(b), 1)
    ok("Content-Length" in b[0]["error"], b)
    eq(si.requests(), [])


# ----------------------------------------------------------------------
# lib itself: process handling (with stand-in programs where slackbot
# cannot do the job yet).

@test
def lib_runs_slackbot_with_a_clean_environment():
    si = lib.standin()
    r = lib.run_slackbot(["--version"], si=si)
    eq(r.rc, 0, r)
    ok(r.out.startswith("slackbot "), r)
    r = lib.run_slackbot([], binary="/usr/bin/env", si=si,
                         env={"EXTRA": "1", "SLACK_BOT_TOKEN": None})
    got = dict(line.split("=", 1) for line in r.lines())
    eq(got, {"PATH": "/usr/bin:/bin", "SSL_CERT_FILE": lib.certs()["ca"],
             "SLACK_API_URL": si.api_url, "EXTRA": "1"})
    r = lib.run_slackbot([], binary="/bin/cat", input="données\n")
    eq(r.out, "données\n")
    t0 = time.monotonic()
    try:
        lib.run_slackbot(["5"], binary="/bin/sleep", timeout=0.3)
        raise AssertionError("no timeout")
    except AssertionError as e:
        ok("did not finish" in str(e), e)
    ok(time.monotonic() - t0 < 3)


@test
def lib_background_process():
    b = lib.start_slackbot([], binary="/bin/cat", stdin=True, limit=20)
    b.write("one\ntwo\n")
    eq(b.readlines(2), ["one", "two"])
    b.write("three xoxb-secret\n")
    eq(b.expect(r"^three"), "three xoxb-secret")
    ok(b.fd_count() >= 3)
    ok(set(b.fds()) >= {0, 1, 2})
    m = b.memory()
    ok(m["VmRSS"] > 0 and m["VmHWM"] >= m["VmRSS"], m)
    try:
        b.readline(0.2)
        raise AssertionError("a line out of nowhere")
    except AssertionError as e:
        ok("no line" in str(e), e)
    b.signal(signal.SIGTERM)
    eq(b.wait(5), -signal.SIGTERM)
    try:
        lib.assert_no_secret("xoxb-secret")
        raise AssertionError("secret not found")
    except AssertionError as e:
        ok("secret found" in str(e), e)
    lib.assert_no_secret("xoxb-other", "some text")
    # the watchdog
    b = lib.start_slackbot(["30"], binary="/bin/sleep", limit=0.3)
    lib.wait_until(lambda: not b.alive(), 3, "watchdog kill")
    ok(b.expired)


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
    for _ in range(7):
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
    conn.request("POST", "/_control/fault",
                 body=json.dumps({"key": "auth.test", "status": 503}))
    eq(json.loads(conn.getresponse().read()), {"ok": True, "result": None})
    conn.request("POST", "/api/auth.test")
    r = conn.getresponse()
    r.read()
    eq(r.status, 503)
    conn.request("GET", "/_control/state")
    st = json.loads(conn.getresponse().read())["result"]
    eq((st["requests"], st["faults_pending"]), (2, {}))
    p.send_signal(signal.SIGTERM)
    eq(p.wait(10), 0)


# ----------------------------------------------------------------------
# WebSockets: aiohttp's client for the protocol, Raw for the frames.

import asyncio  # noqa: E402
import struct  # noqa: E402

import aiohttp  # noqa: E402

WS_FAST = dict(ack_timeout=0.3, ping_interval=None)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


async def bg(fn, *a, **kw):
    """Calls a (blocking) stand-in method without blocking the loop."""
    return await asyncio.to_thread(fn, *a, **kw)


def ws_url(si, kind="socket_mode"):
    if kind == "socket_mode":
        return Api(si).call("apps.connections.open", token=APP)[3]["url"]
    return Api(si).call("rtm.connect")[3]["url"]


async def connect(session, si, kind="socket_mode", hello=True, **kw):
    ws = await session.ws_connect(ws_url(si, kind), ssl=client_ctx(), **kw)
    if hello:
        h = await ws.receive_json(timeout=3)
        ok(h["type"] in ("hello", "error"), h)
        ws.hello = h
        # WebSocket ids are the ids of the TCP connections.
        ws.cid = (await bg(si.ws_connections))[-1]["id"]
    return ws


async def recv_json(ws, timeout=3):
    while True:
        m = await ws.receive(timeout=timeout)
        if m.type == aiohttp.WSMsgType.TEXT:
            return json.loads(m.data)
        if m.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                      aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
            raise AssertionError("socket closed: %r" % (m,))


async def ack(ws, env, payload=None):
    obj = {"envelope_id": env["envelope_id"]}
    if payload is not None:
        obj["payload"] = payload
    await ws.send_str(json.dumps(obj))


async def no_message(ws, seconds):
    # receive(timeout) restarts its clock on every ping it answers
    try:
        m = await asyncio.wait_for(ws.receive(), seconds)
    except asyncio.TimeoutError:
        return
    raise AssertionError("unexpected message %r" % (m,))


def ws_raw(si, kind="socket_mode"):
    """A Raw connection upgraded by hand; returns (raw, first frames)."""
    u = urllib.parse.urlsplit(ws_url(si, kind))
    r = Raw(si.port)
    key = base64.b64encode(os.urandom(16)).decode()
    r.send(("GET %s HTTP/1.1\r\nHost: localhost:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" %
            (u.path + ("?" + u.query if u.query else ""), si.port,
             key)).encode())
    r.buf = b""
    while b"\r\n\r\n" not in r.buf:
        r.buf += raw_read(r, 1)
    head, _, r.buf = r.buf.partition(b"\r\n\r\n")
    ok(head.startswith(b"HTTP/1.1 101"), head)
    return r


def raw_read(r, n, timeout=3.0):
    """At least n more bytes (fewer at the end of the stream)."""
    r.s.settimeout(timeout)
    out = b""
    while len(out) < n:
        try:
            d = r.tls.read(65536)
            if not d:
                break
            out += d
            continue
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
        r._flush()
        if not r._fill():
            break
    return out


def read_frame(r, timeout=3.0):
    """(fin, opcode, masked, payload unmasked, length field size)."""
    def need(n):
        while len(r.buf) < n:
            d = raw_read(r, 1, timeout)
            if not d:
                raise AssertionError("stream ended (%s)" % r.eof)
            r.buf += d
    need(2)
    b0, b1 = r.buf[0], r.buf[1]
    n = b1 & 0x7F
    pos, lsize = 2, 7
    if n == 126:
        need(4)
        n = struct.unpack("!H", r.buf[2:4])[0]
        pos, lsize = 4, 16
    elif n == 127:
        need(10)
        n = struct.unpack("!Q", r.buf[2:10])[0]
        pos, lsize = 10, 64
    masked = bool(b1 & 0x80)
    key = None
    if masked:
        need(pos + 4)
        key = r.buf[pos:pos + 4]
        pos += 4
    need(pos + n)
    data = r.buf[pos:pos + n]
    r.buf = r.buf[pos + n:]
    if key:
        data = bytes(c ^ key[i % 4] for i, c in enumerate(data))
    return bool(b0 & 0x80), b0 & 0x0F, masked, data, lsize


def send_frame(r, opcode, data, mask=True, fin=True):
    n = len(data)
    b1 = 0x80 if mask else 0
    if n < 126:
        head = bytes([(0x80 if fin else 0) | opcode, b1 | n])
    else:
        head = bytes([(0x80 if fin else 0) | opcode, b1 | 126]) + \
            struct.pack("!H", n)
    if mask:
        key = os.urandom(4)
        data = bytes(c ^ key[i % 4] for i, c in enumerate(data))
        head += key
    r.send(head + data)


@test
def sm_hello_events_and_acks():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            h = ws.hello
            eq(sorted(h), ["connection_info", "debug_info", "num_connections",
                           "type"])
            eq((h["num_connections"], h["connection_info"]["app_id"]),
               (1, "A07APP0001"))
            eq(h["debug_info"]["approximate_connection_time"], 18060)
            ids = await bg(si.sm_events, 3)
            envs = [await recv_json(ws) for _ in range(3)]
            eq([e["envelope_id"] for e in envs], ids)
            for i, e in enumerate(envs):
                eq(list(e), ["envelope_id", "type",
                             "accepts_response_payload", "retry_attempt",
                             "retry_reason", "payload"])
                eq((e["type"], e["accepts_response_payload"],
                    e["retry_attempt"], e["retry_reason"]),
                   ("events_api", False, 0, ""))
                p = e["payload"]
                eq((p["type"], p["team_id"], p["api_app_id"]),
                   ("event_callback", "T01ACME001", "A07APP0001"))
                ev = p["event"]
                eq((ev["type"], ev["channel"], ev["user"], ev["text"],
                    ev["channel_type"]),
                   ("message", "C0GENERAL1", "U03ALICE01",
                    "message %d" % (i + 1), "channel"))
                eq(ev["ts"], ev["event_ts"])
                eq(p["authorizations"][0]["user_id"], "U07BOT0001")
            eq(len({e["payload"]["event_id"] for e in envs}), 3)
            for e in envs:
                await ack(ws, e)
            await bg(si.wait_acks, 3)
            await no_message(ws, 0.6)      # nothing redelivered
            await ws.close()
            return ws.cid
    cid = run(go())
    a = si.acks()
    eq([(x["counted"], x["same_conn"], x["late"], x["duplicate"])
        for x in a], [(True, True, False, False)] * 3)
    eq(si.unacked(), [])
    eq(len(si.envelopes()), 3)
    w = si.wait_closed(cid)
    eq((w["close_received"]["code"], w["close_sent"]["code"], w["end"]),
       (1000, 1000, "close_handshake"))
    ok(all(f["masked"] for f in w["frames"]), "client frames masked")
    eq(w["errors"], [])


@test
def sm_event_kinds():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            out = {}
            for kind in ("im", "app_mention", "thread", "bot_message",
                         "self", "message_changed"):
                await bg(si.sm_events, 1, kind=kind)
                e = await recv_json(ws)
                await ack(ws, e)
                out[kind] = e["payload"]["event"]
            await bg(si.sm_events, 1, text="deploy {seq} now",
                     channel="C0RANDOM01", files=None, blocks=None)
            e = await recv_json(ws)
            await ack(ws, e)
            out["custom"] = e["payload"]["event"]
            return out
    ev = run(go())
    eq((ev["im"]["channel"], ev["im"]["channel_type"]), ("D0ALICEDM1", "im"))
    eq(ev["app_mention"]["type"], "app_mention")
    ok(ev["app_mention"]["text"].startswith("<@U07BOT0001> message "))
    ok("channel_type" not in ev["app_mention"])
    eq((ev["thread"]["thread_ts"], ev["thread"]["parent_user_id"]),
       ("1732531200.001200", "U03ALICE01"))
    eq((ev["bot_message"]["subtype"], ev["bot_message"]["bot_id"]),
       ("bot_message", "B02JENKINS"))
    ok("user" not in ev["bot_message"])
    eq((ev["self"]["user"], ev["self"]["bot_id"]), ("U07BOT0001",
                                                    "B07BOT0001"))
    eq((ev["message_changed"]["subtype"], ev["message_changed"]["hidden"]),
       ("message_changed", True))
    eq((ev["custom"]["text"], ev["custom"]["channel"]),
       ("deploy 7 now", "C0RANDOM01"))
    ok("blocks" not in ev["custom"])


@test
def sm_redelivery_same_and_new_id():
    si = lib.standin(max_retries=2, **WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            await bg(si.sm_events, 1)
            first = await recv_json(ws)
            r1 = await recv_json(ws)
            r2 = await recv_json(ws)
            await no_message(ws, 0.6)       # gave up after 2 retries
            eq([x["retry_attempt"] for x in (first, r1, r2)], [0, 1, 2])
            eq([x["retry_reason"] for x in (first, r1, r2)],
               ["", "timeout", "timeout"])
            eq(len({x["envelope_id"] for x in (first, r1, r2)}), 1)
            eq(len({x["payload"]["event_id"] for x in (first, r1, r2)}), 1)
            await ack(ws, first)
            await asyncio.sleep(0.1)
            # new envelope ids for redeliveries
            await bg(si.set_options, redeliver_new_id=True)
            await bg(si.sm_events, 1)
            a = await recv_json(ws)
            b = await recv_json(ws)
            ok(a["envelope_id"] != b["envelope_id"])
            eq(a["payload"]["event_id"], b["payload"]["event_id"])
            eq(b["retry_attempt"], 1)
            await ack(ws, a)            # late: b is out already
            await ack(ws, b)            # duplicate: the chain is acked
            await asyncio.sleep(0.1)
    run(go())
    chains = list(si.chains().values())
    eq([c["state"] for c in chains], ["acked", "acked"])
    a = si.acks()
    # the ack of the given-up envelope still counts; then late, duplicate
    eq([(x["counted"], x["late"], x["duplicate"]) for x in a],
       [(True, False, False), (True, True, False), (False, False, True)])


@test
def sm_ticket_rules():
    si = lib.standin(ticket_ttl=0.2, **WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            url = ws_url(si)
            ws = await s.ws_connect(url, ssl=client_ctx())
            await recv_json(ws)
            await ws.close()
            # "/link" without the slash is fine
            ws = await s.ws_connect(ws_url(si).replace("/link/", "/link"),
                                    ssl=client_ctx())
            await recv_json(ws)
            await ws.close()
            bad = [url, url.replace("ticket=", "ticket=0")]
            late = ws_url(si)
            await asyncio.sleep(0.3)
            bad.append(late)
            rtm = ws_url(si, "rtm")
            bad.append("wss://localhost:%d/link/?ticket=%s" %
                       (si.port, rtm.rsplit("/", 1)[1]))
            got = []
            for u in bad:
                try:
                    await s.ws_connect(u, ssl=client_ctx())
                    got.append("upgraded")
                except aiohttp.WSServerHandshakeError as e:
                    got.append(e.status)
            eq(got, [409, 409, 409, 409])
    run(go())
    eq(len(si.ws_connections()), 2)


@test
def sm_slash_and_interactive():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            eid = await bg(si.sm_slash, "/deploy", "api staging")
            e = await recv_json(ws)
            eq((e["envelope_id"], e["type"], e["accepts_response_payload"]),
               (eid, "slash_commands", True))
            ok("retry_attempt" not in e)
            p = e["payload"]
            eq((p["command"], p["text"], p["user_id"], p["channel_id"]),
               ("/deploy", "api staging", "U03ALICE01", "C0GENERAL1"))
            ok(p["response_url"].startswith(
                "https://localhost:%d/commands/" % si.hooks_port))
            await ack(ws, e, {"response_type": "ephemeral",
                              "text": "Deploying `api` to staging..."})
            out = []
            for kind in ("block_actions", "shortcut", "message_action",
                         "view_submission"):
                await bg(si.sm_interactive, kind)
                e = await recv_json(ws)
                out.append((e["type"], e["payload"]["type"],
                            e["accepts_response_payload"]))
                await ack(ws, e)
            eq(out, [("interactive", "block_actions", False),
                     ("interactive", "shortcut", False),
                     ("interactive", "message_action", False),
                     ("interactive", "view_submission", True)])
            await bg(si.sm_envelope, "future_type", {"x": 1})
            e = await recv_json(ws)
            eq((e["type"], e["payload"]), ("future_type", {"x": 1}))
            # unacked slash commands are not redelivered
            await bg(si.sm_slash)
            await recv_json(ws)
            await no_message(ws, 0.6)
            await bg(si.wait_acks, 5)
    run(go())
    eq(si.acks()[0]["payload"]["text"], "Deploying `api` to staging...")
    # neither the unacked slash command nor the unknown type come again
    eq(sorted(c["state"] for c in si.chains().values()),
       ["acked"] * 5 + ["not_retried"] * 2)


@test
def sm_ack_rules():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws1 = await connect(s, si)
            ws2 = await connect(s, si)
            eq(ws2.hello["num_connections"], 2)
            await bg(si.sm_events, 1, conn=ws1.cid)
            e = await recv_json(ws1)
            await ack(ws2, e)               # wrong connection
            await ack(ws1, {"envelope_id": "no-such-envelope"})
            await asyncio.sleep(0.4)
            r = await recv_json(ws1 if si.options()["delivery"] == "oldest"
                                else ws2)
            eq(r["retry_attempt"], 1)
            # an ack of 20 KB or more is dropped
            await ack(ws2, r, {"text": "x" * 21000})
            await asyncio.sleep(0.4)
            r2 = await recv_json(ws1)
            eq(r2["retry_attempt"], 2)
            await ack(ws1, r2)
            await asyncio.sleep(0.1)
    run(go())
    a = si.acks()
    eq([(x["known"], x["same_conn"], x["dropped"], x["counted"]) for x in a],
       [(True, False, False, False), (False, False, False, False),
        (True, True, True, False), (True, True, False, True)])


@test
def sm_delivery_policies_and_queueing():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            # events injected with no connection wait for one
            ids = await bg(si.sm_events, 2)
            ws1 = await connect(s, si)
            got = [await recv_json(ws1), await recv_json(ws1)]
            eq([g["envelope_id"] for g in got], ids)
            for g in got:
                await ack(ws1, g)
            ws2 = await connect(s, si)
            seen = {}
            for policy in ("newest", "oldest", "round_robin"):
                await bg(si.set_options, delivery=policy)
                await bg(si.sm_events, 4)
                counts = []
                for ws in (ws1, ws2):
                    n = 0
                    while True:
                        try:
                            e = await recv_json(ws, timeout=0.15)
                        except asyncio.TimeoutError:
                            break
                        await ack(ws, e)
                        n += 1
                    counts.append(n)
                seen[policy] = counts
            eq(seen, {"newest": [0, 4], "oldest": [4, 0],
                      "round_robin": [2, 2]})
    run(go())


@test
def sm_disconnect_reasons_and_draining():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws1 = await connect(s, si)
            await bg(si.sm_disconnect, "warning")
            m = await recv_json(ws1)
            eq((m["type"], m["reason"]), ("disconnect", "warning"))
            ok(m["debug_info"]["host"].startswith("applink-"))
            await bg(si.sm_disconnect, "refresh_requested")
            eq((await recv_json(ws1))["reason"], "refresh_requested")
            # after refresh_requested nothing new goes to ws1
            await bg(si.sm_events, 1)
            await no_message(ws1, 0.2)
            ws2 = await connect(s, si)
            e = await recv_json(ws2)
            await ack(ws2, e)
            for reason in ("link_disabled", "too_many_websockets"):
                await bg(si.sm_disconnect, reason, conn=ws2.cid)
                eq((await recv_json(ws2))["reason"], reason)
            ws3 = await connect(s, si)
            await bg(si.sm_disconnect, "refresh_requested", close_after=0.1,
                     close_code=1001)
            m = await recv_json(ws3)
            m = await ws3.receive(timeout=2)
            eq((m.type, m.data), (aiohttp.WSMsgType.CLOSE, 1001))
            return ws3.cid
    cid = run(go())
    w = si.wait_closed(cid)
    # aiohttp's client answers every close with 1000
    eq((w["close_sent"]["code"], w["close_received"]["code"]), (1001, 1000))


@test
def sm_too_many_websockets():
    si = lib.standin(max_connections=1, **WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws1 = await connect(s, si)
            ws2 = await connect(s, si, hello=False)
            m = await recv_json(ws2)
            eq((m["type"], m["reason"]), ("disconnect", "too_many_websockets"))
            m = await ws2.receive(timeout=3)
            eq(m.type, aiohttp.WSMsgType.CLOSE)
            ok(not ws1.closed)
    run(go())


@test
def sm_lifetime_refresh():
    si = lib.standin(lifetime=0.2, warning_lead=0.1, close_grace=0.2,
                     **WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            eq((await recv_json(ws))["reason"], "warning")
            eq((await recv_json(ws))["reason"], "refresh_requested")
            m = await ws.receive(timeout=2)
            eq(m.type, aiohttp.WSMsgType.CLOSE)
    run(go())


@test
def ws_pings_pongs_and_silence():
    si = lib.standin(ack_timeout=0.3, ping_interval=0.1)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si, autoping=True)
            await no_message(ws, 0.45)      # pings answered by aiohttp
            w = (await bg(si.ws_connections))[0]
            ok(len(w["pings_sent"]) >= 3, w["pings_sent"])
            ok(len(w["pongs"]) >= 3 and all(p["rtt"] is not None
                                             for p in w["pongs"]), w["pongs"])
            # client pings get pongs with the same payload
            ws2 = await connect(s, si, autoping=False)
            await ws2.ping(b"are-you-there")
            while True:
                m = await ws2.receive(timeout=2)
                if m.type == aiohttp.WSMsgType.PONG:
                    eq(m.data, b"are-you-there")
                    break
                eq(m.type, aiohttp.WSMsgType.PING)
            # silence: no pings, no pongs, no events; TCP stays up
            await bg(si.ws_silent, ws2.cid)
            await bg(si.sm_events, 1, conn=ws2.cid)
            await bg(si.sm_events, 3, conn=ws2.cid)     # the batched path
            await ws2.ping(b"hello?")
            await no_message(ws2, 0.5)
            ok(not ws2.closed)
    run(go())
    w = si.ws_connections()[1]
    ok(w["silent"])
    eq([c["payload"] for c in w["client_pings"]], ["are-you-there", "hello?"])
    eq([x["suppressed"] for x in w["sent"][-4:]], [True] * 4)
    # (redeliveries may go to the first connection, which is not silent)
    mine = [e for e in si.envelopes() if e["conn"] == w["id"]]
    ok(len(mine) >= 4 and all(e["suppressed"] for e in mine), mine)


@test
def ws_fragmented_and_masked_frames():
    si = lib.standin(**WS_FAST)
    r = ws_raw(si)
    fin, op, masked, data, _ = read_frame(r)
    eq(json.loads(data)["type"], "hello")
    eid = si.ws_fragmented(pieces=3, ping_between=True)
    frames = [read_frame(r) for _ in range(5)]
    eq([(f[0], f[1], f[2]) for f in frames],
       [(False, 1, False), (True, 9, False), (False, 0, False),
        (True, 9, False), (True, 0, False)])
    env = json.loads(b"".join(f[3] for f in frames if f[1] in (0, 1)))
    eq(env["envelope_id"], eid)
    send_frame(r, 10, b"between-fragments")
    send_frame(r, 1, json.dumps({"envelope_id": eid}).encode())
    si.wait_acks(1)
    si.ws_masked('{"type":"masked"}')
    fin, op, masked, data, _ = read_frame(r)
    eq((fin, op, masked, data), (True, 1, True, b'{"type":"masked"}'))
    si.ws_oversized(70000)
    fin, op, masked, data, lsize = read_frame(r)
    eq(lsize, 64)
    ok(len(data) > 70000)
    eq(json.loads(data)["payload"]["event"]["text"][:6], "big 2 ")
    w = si.ws_connections()[0]
    eq([s["framing"] for s in w["sent"][1:4]],
       ["fragmented", "masked", None])
    # an unmasked client frame: the server closes with 1002
    send_frame(r, 1, b'{"envelope_id":"x"}', mask=False)
    fin, op, masked, data, _ = read_frame(r)
    eq((op, struct.unpack("!H", data[:2])[0]), (8, 1002))
    ok(any("unmasked" in e for e in si.ws_connections()[0]["errors"]))


@test
def ws_fragmented_reassembles_in_aiohttp():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            eid = await bg(si.ws_fragmented, None, 5, True, 0.05)
            e = await recv_json(ws)
            eq(e["envelope_id"], eid)
            await ack(ws, e)
            await bg(si.wait_acks, 1)
    run(go())


@test
def ws_close_codes_and_endings():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            await bg(si.ws_close, 4000, "bye")
            m = await ws.receive(timeout=2)
            eq((m.type, m.data, m.extra), (aiohttp.WSMsgType.CLOSE, 4000,
                                           "bye"))
            return ws.cid
    cid = run(go())
    w = si.wait_closed(cid)
    eq((w["close_sent"]["code"], w["close_received"]["code"], w["end"]),
       (4000, 1000, "close_handshake"))
    for how, want in (("rst", "reset"), ("abort", "truncated"),
                      ("close", "eof")):
        r = ws_raw(si)
        read_frame(r)
        si.ws_drop(how=how)
        data, got = r.read_all()
        eq((data, got), (b"", want), how)
    ends = [w["end"] for w in si.ws_connections()]
    eq(ends[1:], ["server_reset", "server_fin", "server_tls_close"])


@test
def ws_linger_after_close():
    si = lib.standin(linger_after_close=0.5, **WS_FAST)
    r = ws_raw(si)
    read_frame(r)
    t0 = time.monotonic()
    send_frame(r, 8, struct.pack("!H", 1000))
    fin, op, masked, data, _ = read_frame(r)
    eq((op, data), (8, struct.pack("!H", 1000)))
    data, how = r.read_for(3)
    ok(time.monotonic() - t0 >= 0.45, "TCP kept after the close handshake")
    eq(how, "eof")


@test
def ws_handshake_faults():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            si.fault("link", status=503)
            try:
                await s.ws_connect(ws_url(si), ssl=client_ctx())
                raise AssertionError("upgraded")
            except aiohttp.WSServerHandshakeError as e:
                eq(e.status, 503)
            si.fault("link", malformed="bad_accept", body_delay=0.1)
            try:
                await s.ws_connect(ws_url(si), ssl=client_ctx())
                raise AssertionError("upgraded")
            except aiohttp.WSServerHandshakeError as e:
                eq(e.status, 101)
                ok("challenge" in str(e), e)
            si.fault("websocket", drop="before")
            try:
                await s.ws_connect(ws_url(si, "rtm"), ssl=client_ctx())
                raise AssertionError("upgraded")
            except (aiohttp.ClientError, ConnectionError):
                pass
            # the tickets were spent: a good connection needs a new one
            ws = await connect(s, si)
            await ws.close()
    run(go())
    eq([r["outcome"] for r in si.requests()
        if r["method"].startswith("ws:")],
       ["answered", "malformed", "dropped_before", "upgraded"])


@test
def rtm_session():
    si = lib.standin(echo_posts=True, **WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si, kind="rtm")
            eq(ws.hello, {"type": "hello"})
            await ws.send_json({"id": 1, "type": "ping", "time": 1732531300123,
                                "note": "x", "nested": {"a": 1}})
            eq(await recv_json(ws), {"type": "pong", "reply_to": 1,
                                     "time": 1732531300123, "note": "x"})
            await ws.send_json({"id": 2, "type": "message",
                                "channel": "C0GENERAL1", "text": "back online"})
            r = await recv_json(ws)
            eq((r["ok"], r["reply_to"], r["text"]), (True, 2, "back online"))
            echo = await recv_json(ws)
            eq((echo["type"], echo["user"], echo["ts"]),
               ("message", "U07BOT0001", r["ts"]))
            await bg(si.rtm_reply_error, 1)
            await ws.send_json({"id": 3, "type": "message",
                                "channel": "C0GENERAL1", "text": "again"})
            eq(await recv_json(ws), {"ok": False, "reply_to": 3, "error": {
                "code": -1, "msg": "slow down, too many messages..."}})
            await ws.send_json({"id": 4, "type": "message",
                                "channel": "C0GENERAL1"})
            eq((await recv_json(ws))["error"]["code"], 2)
            await ws.send_json({"id": 5, "type": "typing",
                                "channel": "C0GENERAL1"})
            tss = await bg(si.rtm_events, 2, kind="app_mention")
            evs = [await recv_json(ws), await recv_json(ws)]
            eq([e["ts"] for e in evs], tss)
            ok(evs[0]["text"].startswith("<@U07BOT0001> message "))
            ok("event_id" not in evs[0] and "channel_type" not in evs[0])
            await bg(si.rtm_goodbye)
            eq(await recv_json(ws), {"type": "goodbye"})
            # a message over 16 KB closes the connection with 1009
            await ws.send_json({"id": 6, "type": "message",
                                "channel": "C0GENERAL1", "text": "y" * 17000})
            m = await ws.receive(timeout=2)
            eq((m.type, m.data), (aiohttp.WSMsgType.CLOSE, 1009))
    run(go())
    eq([(p["via"], p["text"]) for p in si.posts()], [("rtm", "back online")])
    w = si.ws_connections()[0]
    eq(w["close_sent"]["code"], 1009)


@test
def rtm_spent_ticket_gets_error_event():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            url = ws_url(si, "rtm")
            ws = await s.ws_connect(url, ssl=client_ctx())
            await recv_json(ws)
            await ws.close()
            ws = await s.ws_connect(url, ssl=client_ctx())
            eq(await recv_json(ws), {"type": "error", "error": {
                "code": 1, "msg": "Socket URL has expired"}})
            m = await ws.receive(timeout=2)
            eq(m.type, aiohttp.WSMsgType.CLOSE)
    run(go())


@test
def echo_of_own_posts_over_socket_mode():
    si = lib.standin(echo_posts=True, **WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            obj = await bg(lambda: Api(si).call(
                "chat.postMessage", {"channel": "C0GENERAL1", "text": "up",
                                     "thread_ts": "1732531200.001200"})[3])
            e = await recv_json(ws)
            ev = e["payload"]["event"]
            eq((ev["user"], ev["bot_id"], ev["ts"], ev["text"],
                ev["thread_ts"]),
               ("U07BOT0001", "B07BOT0001", obj["ts"], "up",
                "1732531200.001200"))
            ok("subtype" not in ev)
            await ack(ws, e)
    run(go())


@test
def response_urls():
    si = lib.standin(**WS_FAST)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            await bg(si.sm_slash)
            e = await recv_json(ws)
            await ack(ws, e)
            return e["payload"]["response_url"]
    url = run(go())
    u = urllib.parse.urlsplit(url)
    eq((u.hostname, u.port), ("localhost", si.hooks_port))
    ok(u.path.startswith("/commands/T01ACME001/"), u.path)
    h = Api(si, port=si.hooks_port)
    body = json.dumps({"response_type": "in_channel", "text": "done"})
    for i in range(5):
        st, hd, data = h.raw("POST", u.path, body.encode(),
                             {"Content-Type": "application/json"})
        eq((st, data), (200, b"ok"), i)
    st, hd, data = h.raw("POST", u.path, body.encode(),
                         {"Content-Type": "application/json"})
    eq((st, data), (404, b"used_url"))
    eq(h.raw("POST", "/commands/T01ACME001/1/nope", body.encode())[:3:2],
       (404, b"no_service"))
    eq(h.raw("POST", u.path, b"{}")[2], b"used_url")
    r = si.responses()
    eq([x["use"] for x in r], [1, 2, 3, 4, 5])
    eq(r[0]["body"], {"response_type": "in_channel", "text": "done"})
    eq({c["server"] for c in si.connections()}, {"api", "hooks"})
    si.fault("response_url", status=500)
    eq(h.raw("POST", "/x", b"{}")[0], 500)


@test
def control_endpoint():
    si = lib.standin(**WS_FAST)

    def ctl(name, body=None, method="POST"):
        c = http.client.HTTPSConnection("localhost", si.port,
                                        context=client_ctx(), timeout=5)
        c.request(method, "/_control/" + name,
                  body=json.dumps(body).encode() if body is not None else b"")
        r = c.getresponse()
        return r.status, json.loads(r.read())

    st, obj = ctl("", method="GET")
    ok("sm_events" in obj["names"] and "fault" in obj["names"], obj)
    eq(ctl("fault", {"key": "auth.test", "error": "invalid_auth"}),
       (200, {"ok": True, "result": None}))
    eq(Api(si).call("auth.test")[3]["error"], "invalid_auth")
    eq(ctl("nope")[0], 404)
    eq(ctl("fault", {"key": "auth.test", "bogus": 1})[0], 400)

    async def go():
        async with aiohttp.ClientSession() as s:
            ws = await connect(s, si)
            st, obj = await bg(ctl, "sm_events", {"n": 2, "text": "ctl {seq}"})
            eq(len(obj["result"]), 2)
            for _ in range(2):
                e = await recv_json(ws)
                ok(e["payload"]["event"]["text"].startswith("ctl "))
                await ack(ws, e)
            await bg(si.wait_acks, 2)
            st, obj = await bg(ctl, "ws_close", {"code": 4001})
            m = await ws.receive(timeout=2)
            eq(m.data, 4001)
    run(go())
    st, obj = ctl("state", method="GET")
    eq((obj["result"]["acks"], obj["result"]["envelopes"]), (2, 2))
    st, obj = ctl("requests", method="GET")
    eq(obj["result"][0]["method"], "auth.test")
    ok(all(not r["path"].startswith("/_control") for r in obj["result"]))
    ok(any(c["control"] for c in si.connections()))


if __name__ == "__main__":
    lib.run_all()
