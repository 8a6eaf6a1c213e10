#!/usr/bin/python3
"""End-to-end tests of the one-shot commands (auth, post, upload, api) and
of the Web API client under them (retries, rate limits, keep-alive, broken
answers), with the static ./slackbot against the Slack stand-in.

Every run goes through oneshot.sb(): slackbot -vv, and no token, token
part, proxy password or upload URL may show in anything it prints.  The
network side (proxies, TLS, unreachable hosts) is in test_webapi_net.py."""

import hashlib
import json
import os
import re
import socket
import sys
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, ok  # noqa: E402
from oneshot import (AUTH_LINES, CH, Early, early, eq, errors,  # noqa: E402
                     no_secrets, one_error, sb, start_standin, statuses,
                     tmpdir, warnings, write)
from standin import slack_json  # noqa: E402

BOT = lib.BOT_TOKEN
RANDOM = "C0RANDOM01"
TS = "1732531200.001200"


def api_conns(si, server="api"):
    """Requests carried by each connection to one of the stand-in's hosts
    (connections the test's own control calls made are not counted)."""
    return [c["requests"] for c in si.connections(server)
            if not c["control"]]


def answer_of(si, method):
    """The JSON text the stand-in answered to the last call of method."""
    return slack_json(si.requests(method)[-1]["answer"])


# ----------------------------------------------------------------------
# auth

@test
def auth_prints_team_user_and_bot_ids():
    si = lib.standin()
    r = sb(["auth"], si=si, vv=False, also_vv=False)
    eq((r.rc, r.lines(), r.err), (0, AUTH_LINES, ""))
    q = si.requests()
    eq(len(q), 1, "requests")
    q = q[0]
    eq((q["http_method"], q["path"], q["method"], q["token_source"],
        q["token"]), ("POST", "/api/auth.test", "auth.test", "header", BOT))
    eq(q["header"]["host"], "localhost:%d" % si.port)
    ok(q["header"]["user-agent"].startswith("slackbot/"), q["header"])
    # -vv says which trust roots it took, and still nothing secret
    r = sb(["auth"], si=si)
    eq((r.rc, r.lines()), (0, AUTH_LINES))
    ok("trusting %s" % lib.certs()["ca"] in r.err, r)


@test
def api_url_without_trailing_slash():
    si = lib.standin()
    r = sb(["auth"], si=si, env={"SLACK_API_URL": si.api_url.rstrip("/")})
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    eq(si.requests()[0]["path"], "/api/auth.test")


# ----------------------------------------------------------------------
# post

@test
def post_text_from_arguments():
    si = lib.standin()
    r = sb(["post", "-c", CH, "deploy", "finished:", "v2.0 ok"], si=si)
    eq(r.rc, 0, r)
    p = si.posts()
    eq([(x["channel"], x["text"], x["thread_ts"]) for x in p],
       [(CH, "deploy finished: v2.0 ok", None)])
    eq(r.out, p[0]["ts"] + "\n")
    q = si.requests("chat.postMessage")
    eq(len(q), 1)
    eq((q[0]["content_type"], q[0]["warnings"], q[0]["token"]),
       ("application/json; charset=utf-8", [], BOT))
    eq(json.loads(q[0]["body"]), {"channel": CH,
                                  "text": "deploy finished: v2.0 ok"})


@test
def post_text_from_stdin():
    si = lib.standin()
    text = ('line one\n\ttab "quoted" back\\slash \x01 ünïcødé ☃ 🎉\n'
            '\nlast line')
    r = sb(["post", "-c", CH], si=si, input=text + "\n\n")
    eq(r.rc, 0, r)
    r = sb(["post", "-c", CH], si=si, input="from windows\r\n")
    eq(r.rc, 0, r)
    # bytes that are not UTF-8 become U+FFFD, the JSON stays valid
    r = sb(["post", "-c", CH], si=si, input=b"caf\xe9 \xff\xfe ok\n")
    eq(r.rc, 0, r)
    eq([x["text"] for x in si.posts()],
       [text, "from windows", "caf\ufffd \ufffd\ufffd ok"])
    eq(r.out, si.posts()[-1]["ts"] + "\n")


@test
def post_in_a_thread():
    si = lib.standin()
    r1 = sb(["post", "-c", CH, "build started"], si=si)
    eq(r1.rc, 0, r1)
    ts = r1.out.strip()
    r2 = sb(["post", "-c", CH, "-t", ts, "build done"], si=si)
    eq(r2.rc, 0, r2)
    p = si.posts()
    eq([(x["text"], x["thread_ts"]) for x in p],
       [("build started", None), ("build done", ts)])
    eq((p[0]["ts"], p[1]["ts"]), (ts, r2.out.strip()))
    ans = si.requests("chat.postMessage")[1]["answer"]["message"]
    eq(ans["parent_user_id"], lib.BOT_USER)


@test
def post_channel_from_environment():
    si = lib.standin()
    r = sb(["post", "hello"], si=si, env={"SLACK_CHANNEL": RANDOM})
    eq(r.rc, 0, r)
    r = sb(["post", "-c", CH, "hello"], si=si, env={"SLACK_CHANNEL": RANDOM})
    eq(r.rc, 0, r)
    eq([x["channel"] for x in si.posts()], [RANDOM, CH])


@test
def post_empty_text_refused():
    si = lib.standin()
    for inp in ("", "\n", "\r\n\n"):
        r = sb(["post", "-c", CH], si=si, input=inp, vv=False)
        eq(r.rc, 2, r)
        eq(r.err, "slackbot: error: post: the message is empty\n")
    r = sb(["post", "-c", CH, ""], si=si, vv=False)
    eq(r.rc, 2, r)
    one_error(r, "empty")
    eq(si.requests(), [])


@test
def post_without_channel_refused():
    si = lib.standin()
    for env, args in (({}, []), ({"SLACK_CHANNEL": ""}, []),
                      ({}, ["-c", ""])):
        r = sb(["post"] + args + ["hello"], si=si, env=env, vv=False)
        eq((r.rc, r.out), (2, ""), r)
        one_error(r, "no channel", "-c CHANNEL", "SLACK_CHANNEL")
    eq(si.requests(), [])


@test
def post_too_long_refused():
    si = lib.standin()
    r = sb(["post", "-c", CH, "x" * 40001], si=si)
    eq(r.rc, 2, r)
    one_error(r, "longer than 40000 bytes", "slackbot upload")
    r = sb(["post", "-c", CH], si=si, input="y" * 60000)
    eq(r.rc, 2, r)
    one_error(r, "longer than 40000 bytes", "slackbot upload")
    # Slack's limit, not ours: 40000 bytes of text go.
    r = sb(["post", "-c", CH, "z" * 40000], si=si)
    eq(r.rc, 0, r)
    eq(len(si.posts()[0]["text"]), 40000)


@test
def post_refused_by_slack():
    si = lib.standin()
    r = sb(["post", "-c", "C0NOSUCH99", "hello"], si=si)
    eq((r.rc, r.out), (1, ""), r)
    one_error(r, "chat.postMessage", "channel_not_found")
    eq(si.posts(), [])


# ----------------------------------------------------------------------
# upload

@test(timeout=90)
def upload_large_file():
    si = lib.standin()
    size = 6 * 1024 * 1024 + 12345      # far above every buffer
    data = os.urandom(size)
    path = write(os.path.join(tmpdir(), "big.bin"), data)
    r = sb(["upload", "-c", CH, path], si=si, timeout=60)
    eq(r.rc, 0, r)
    u = si.uploads()
    eq(len(u), 1, "uploads")
    u = u[0]
    eq(r.out, u["file_id"] + "\n")
    eq((u["size"], u["length"], u["sha256"], u["uploads"], u["multipart"],
        u["completed"], u["channel"], u["filename"], u["title"],
        u["initial_comment"], u["thread_ts"]),
       (size, size, hashlib.sha256(data).hexdigest(), 1, False, True, CH,
        "big.bin", "big.bin", None, None))
    q = si.requests()
    eq([x["method"] for x in q], ["files.getUploadURLExternal", "upload",
                                  "files.completeUploadExternal"])
    eq(q[0]["args"], {"filename": "big.bin", "length": str(size)})
    eq((q[1]["server"], q[1]["http_method"], q[1]["body_size"],
        q[1]["content_type"]),
       ("files", "POST", size, "application/octet-stream"))
    ok("authorization" not in q[1]["header"],
       "the token went to the upload host")
    eq(q[2]["args"], {"files": [{"id": u["file_id"], "title": "big.bin"}],
                      "channel_id": CH})
    eq((q[0]["token"], q[2]["token"]), (BOT, BOT))
    # both calls to the API host on one connection, one to the files host
    eq((api_conns(si), api_conns(si, "files")), ([2], [1]))


@test
def upload_comment_and_thread():
    si = lib.standin()
    name = "notes v2 (ü&=+%).txt"
    data = b"release notes\n" * 1000
    path = write(os.path.join(tmpdir(), name), data)
    comment = 'Release "2.0" \u2014 ü & co = 1+1 100%\nsecond line'
    r = sb(["upload", "-c", RANDOM, "-m", comment, "-t", TS, path], si=si)
    eq(r.rc, 0, r)
    u = si.uploads()[0]
    eq((u["filename"], u["title"], u["initial_comment"], u["thread_ts"],
        u["channel"], u["size"], u["sha256"]),
       (name, name, comment, TS, RANDOM, len(data),
        hashlib.sha256(data).hexdigest()))
    eq(r.out, u["file_id"] + "\n")


@test
def upload_refuses_what_is_not_a_file():
    si = lib.standin()
    d = tmpdir()
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    empty = write(os.path.join(d, "empty"), b"")
    good = write(os.path.join(d, "good"), b"x")
    missing = os.path.join(d, "missing.txt")
    for path, words in ((d, ["not a regular file"]),
                        ("/dev/null", ["not a regular file"]),
                        (fifo, ["not a regular file"]),
                        (missing, [missing, "No such file"]),
                        (empty, ["empty"])):
        r = sb(["upload", "-c", CH, path], si=si, timeout=5, vv=False)
        eq((r.rc, r.out), (2, ""), r)
        one_error(r, "upload: ", *words)
    for args, words in ((["upload", good], "no channel"),
                        (["upload", "-c", CH], "one FILE"),
                        (["upload", "-c", CH, good, good], "one FILE"),
                        (["upload", "-c", "", good], "no channel")):
        r = sb(args, si=si, vv=False)
        eq(r.rc, 2, r)
        one_error(r, "upload: ", words)
    eq(si.requests(), [])


@test
def upload_resent_when_upload_host_fails():
    si = lib.standin()
    data = os.urandom(1024 * 1024 + 7)
    path = write(os.path.join(tmpdir(), "a.bin"), data)
    si.fault("upload", status=503)
    si.fault("upload", drop="before", drop_how="rst")
    r = sb(["upload", "-c", CH, path], si=si)
    eq(r.rc, 0, r)
    q = si.requests("upload")
    eq([(x["status"], x["outcome"], x["body_size"]) for x in q],
       [(503, "answered", len(data)), (None, "dropped_before", len(data)),
        (200, "answered", len(data))])
    u = si.uploads()[0]
    eq((u["size"], u["sha256"], u["uploads"], u["completed"]),
       (len(data), hashlib.sha256(data).hexdigest(), 1, True))
    eq(len(warnings(r)), 2, r)
    ok(all(" upload: " in w for w in warnings(r)), r)


@test
def upload_rate_limited_resent_whole():
    si = lib.standin()
    data = os.urandom(200000)
    path = write(os.path.join(tmpdir(), "a.bin"), data)
    si.fault("upload", status=429, retry_after=1)
    r = sb(["upload", "-c", CH, path], si=si)
    eq(r.rc, 0, r)
    ok(1.0 <= r.elapsed < 1 + lib.LATE, "waited %.2f s" % r.elapsed)
    eq([(x["status"], x["body_size"]) for x in si.requests("upload")],
       [(429, len(data)), (200, len(data))])
    u = si.uploads()[0]
    eq((u["size"], u["sha256"], u["completed"]),
       (len(data), hashlib.sha256(data).hexdigest(), True))


@test
def upload_unusable_answers():
    si = lib.standin()
    path = write(os.path.join(tmpdir(), "a.txt"), b"abc")
    good = "https://localhost:%d/upload/v1/abc" % si.files_port
    for answer, words in (
            ({"ok": True, "upload_url": "http://localhost:1/u",
              "file_id": "F1"}, "unusable upload URL"),
            ({"ok": True, "upload_url": "https://", "file_id": "F1"},
             "unusable upload URL"),
            ({"ok": True, "file_id": "F1"}, '"upload_url"'),
            ({"ok": True, "upload_url": good}, '"file_id"'),
            ({"ok": True, "upload_url": good, "file_id": ""}, '"file_id"'),
            ({"ok": True, "upload_url": good, "file_id": 7}, '"file_id"')):
        si.set_answer("files.getUploadURLExternal", answer)
        r = sb(["upload", "-c", CH, path], si=si)
        eq((r.rc, r.out), (1, ""), r)
        one_error(r, words)
    eq({q["method"] for q in si.requests()}, {"files.getUploadURLExternal"})


@test
def upload_share_not_repeated():
    si = lib.standin()
    path = write(os.path.join(tmpdir(), "a.txt"), b"abc")
    si.fault("files.completeUploadExternal", status=500)
    r = sb(["upload", "-c", CH, path], si=si)
    eq((r.rc, r.out), (1, ""), r)
    one_error(r, "files.completeUploadExternal", "HTTP 500")
    eq(statuses(si, "files.completeUploadExternal"), [500])


# ----------------------------------------------------------------------
# api

@test
def api_arguments_form_encoded():
    si = lib.standin()
    want = {"text": "hello world & more", "eq": "a=b=c", "empty": "",
            "plus": "1+1", "pct": "100%25 %", "utf": "ünï ☃ 🎉",
            "sym": "~-._*'()!;:@/?#[]$,", "quote": '"x"\\', "nl": "a\nb"}
    args = ["%s=%s" % kv for kv in want.items()]
    r = sb(["api", "api.test"] + args, si=si)
    eq(r.rc, 0, r)
    q = si.requests("api.test")[0]
    eq((q["content_type"], q["warnings"], q["token"], q["token_source"]),
       ("application/x-www-form-urlencoded", [], BOT, "header"))
    body = q["body"].decode("ascii")
    pairs = body.split("&")
    eq(len(pairs), len(want), body)
    for p in pairs:
        k, _, v = p.partition("=")
        ok(re.fullmatch(r"(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})*", v),
           "not form-encoded: %r" % p)
        eq(urllib.parse.unquote(v, errors="strict"), want[k], k)
    ok("hello%20world%20%26%20more" in body and "1%2B1" in body, body)
    eq(q["args"], want)
    # the answer is printed as it came
    eq(r.out, answer_of(si, "api.test") + "\n")
    eq(json.loads(r.out), {"ok": True, "args": want})


@test
def api_ok_false_prints_answer():
    si = lib.standin()
    r = sb(["api", "api.test", "error=my_error", "x=1"], si=si)
    eq(r.rc, 1, r)
    eq(r.out, answer_of(si, "api.test") + "\n")
    eq(json.loads(r.out)["error"], "my_error")
    si.set_answer("conversations.history", {
        "ok": False, "error": "missing_scope", "needed": "channels:history",
        "provided": "chat:write"})
    r = sb(["api", "conversations.history", "channel=" + CH], si=si)
    eq(r.rc, 1, r)
    eq(json.loads(r.out)["needed"], "channels:history")


@test
def api_unknown_method():
    si = lib.standin()
    r = sb(["api", "no.suchMethod"], si=si)
    eq(r.rc, 1, r)
    eq(json.loads(r.out), {"ok": False, "error": "unknown_method",
                           "req_method": "no.suchMethod"})


@test
def api_usage_errors():
    si = lib.standin()
    for args in (["api"], ["api", "chat/postMessage"], ["api", "=x"],
                 ["api", "-x"], ["api", "chat.post Message"],
                 ["api", "api.test", "novalue"], ["api", "api.test", "=v"]):
        r = sb(args, si=si, vv=False)
        eq((r.rc, r.out), (2, ""), r)
        eq(len(errors(r)), 1, r)
    eq(si.requests(), [])


@test
def api_answer_sizes():
    si = lib.standin()
    items = [{"id": "C%08d" % i, "name": "channel-%d" % i,
              "purpose": "p" * 100} for i in range(1500)]
    si.set_answer("conversations.list", {"ok": True, "channels": items})
    si.fault("conversations.list", transfer="chunked")
    r = sb(["api", "conversations.list", "limit=1500"], si=si)
    eq(r.rc, 0, r)
    ok(len(r.out) > 200000, len(r.out))
    eq(r.out, answer_of(si, "conversations.list") + "\n")
    # larger than the answer buffer: refused, and nothing half printed
    si.set_answer("conversations.list", {"ok": True,
                                         "channels": items + items})
    r = sb(["api", "conversations.list"], si=si)
    eq((r.rc, r.out), (1, ""), r)
    one_error(r, "larger than")


@test
def api_app_token_for_connections_open():
    si = lib.standin()
    r = sb(["api", "apps.connections.open"], si=si,
           env={"SLACK_APP_TOKEN": lib.APP_TOKEN})
    eq(r.rc, 0, r)
    q = si.requests("apps.connections.open")[0]
    eq((q["token"], q["token_source"]), (lib.APP_TOKEN, "header"))
    ok(json.loads(r.out)["url"].startswith("wss://localhost:"), r)
    # with only the bot token, Slack refuses it for good; its answer is
    # printed all the same
    r = sb(["api", "apps.connections.open"], si=si, vv=False)
    eq(r.rc, 3, r)
    eq(json.loads(r.out)["error"], "not_allowed_token_type")
    one_error(r, "not_allowed_token_type", "SLACK_BOT_TOKEN")


@test
def api_posting_methods_not_repeated():
    si = lib.standin()
    si.fault("chat.postMessage", status=500)
    r = sb(["api", "chat.postMessage", "channel=" + CH, "text=x"], si=si)
    eq(r.rc, 1, r)
    eq(statuses(si, "chat.postMessage"), [500])
    ok("not sending it again" in r.err, r)
    si.fault("chat.update", drop="after")
    r = sb(["api", "chat.update", "channel=" + CH, "ts=1.2", "text=x"],
           si=si)
    eq(r.rc, 1, r)
    eq(len(si.requests("chat.update")), 1)


@test
def api_other_methods_retried():
    si = lib.standin()
    si.fault("api.test", status=503)
    r = sb(["api", "api.test", "a=1"], si=si)
    eq(r.rc, 0, r)
    eq(statuses(si, "api.test"), [503, 200])
    # only the answer that counted is printed
    eq(r.out, answer_of(si, "api.test") + "\n")


# ----------------------------------------------------------------------
# Tokens

@test
def token_from_file():
    si = lib.standin()
    d = tmpdir()
    for content in (BOT + "\n", "  " + BOT + "\r\n\n", BOT):
        path = write(os.path.join(d, "token"), content.encode())
        r = sb(["auth"], si=si, env={"SLACK_BOT_TOKEN": None,
                                     "SLACK_TOKEN_FILE": path})
        eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    # the variable wins over the file
    path = write(os.path.join(d, "other"), b"xoxb-9-from-the-file\n")
    r = sb(["auth"], si=si, env={"SLACK_TOKEN_FILE": path},
           secrets=["9-from-the-file"])
    eq(r.rc, 0, r)
    eq([q["token"] for q in si.requests()], [BOT] * 4)


@test
def token_file_problems():
    si = lib.standin()
    d = tmpdir()
    cases = ((os.path.join(d, "missing"), None, "No such file"),
             (os.path.join(d, "empty"), b"\n", "empty"),
             (os.path.join(d, "two"), b"xoxb-9-one\nxoxb-9-two\n",
              "blank or control"),
             (d, None, "SLACK_TOKEN_FILE"))
    for path, content, words in cases:
        if content is not None:
            write(path, content)
        r = sb(["auth"], si=si, env={"SLACK_BOT_TOKEN": None,
                                     "SLACK_TOKEN_FILE": path}, vv=False,
               secrets=["9-one", "9-two"])
        eq((r.rc, r.out), (2, ""), r)
        one_error(r, "SLACK_TOKEN_FILE", words)
    eq(si.requests(), [])


@test
def missing_token():
    si = lib.standin()
    path = write(os.path.join(tmpdir(), "f"), b"x")
    for args in (["auth"], ["post", "-c", CH, "x"], ["api", "api.test"],
                 ["upload", "-c", CH, path]):
        r = sb(args, si=si, env={"SLACK_BOT_TOKEN": None}, vv=False)
        eq((r.rc, r.out), (2, ""), r)
        one_error(r, "no bot token", "SLACK_BOT_TOKEN", "SLACK_TOKEN_FILE")
    eq(si.requests(), [])


@test
def app_token_as_bot_token():
    si = lib.standin()
    for args in (["auth"], ["post", "-c", CH, "x"]):
        r = sb(args, si=si, env={"SLACK_BOT_TOKEN": lib.APP_TOKEN},
               vv=False)
        eq((r.rc, r.out), (2, ""), r)
        one_error(r, "app-level token", "SLACK_APP_TOKEN")
    eq(si.requests(), [])


@test
def refused_tokens_exit_3():
    si = lib.standin(token_errors={"xoxb-9-revoked": "token_revoked",
                                   "xoxb-9-inactive": "account_inactive"})
    cases = (("xoxb-9-wrong", None, "invalid_auth"),
             ("xoxb-9-revoked", None, "token_revoked"),
             ("xoxb-9-inactive", None, "account_inactive"),
             (BOT, "not_authed", "not_authed"))
    for tok, fault, error in cases:
        if fault:
            si.fault("auth.test", error=fault)
        n = len(si.requests())
        r = sb(["auth"], si=si, env={"SLACK_BOT_TOKEN": tok}, vv=False,
               secrets=[tok, tok[5:]], also_vv=False)
        eq((r.rc, r.out), (3, ""), r)
        eq(len(r.err.splitlines()), 1, r)
        one_error(r, "auth.test", error)
        eq(len(si.requests()) - n, 1, "retried a refused token")
        if fault:
            si.fault("auth.test", error=fault)
        r = sb(["auth"], si=si, env={"SLACK_BOT_TOKEN": tok},
               secrets=[tok, tok[5:]])
        eq(r.rc, 3, r)
    # the other commands say it the same way
    path = write(os.path.join(tmpdir(), "f"), b"x")
    for args in (["post", "-c", CH, "x"], ["api", "conversations.list"],
                 ["upload", "-c", CH, path]):
        r = sb(args, si=si, env={"SLACK_BOT_TOKEN": "xoxb-9-revoked"},
               vv=False, secrets=["9-revoked"])
        eq(r.rc, 3, r)
        # api prints Slack's answer, whatever it says
        eq(r.out, '{"ok":false,"error":"token_revoked"}\n'
           if args[0] == "api" else "", r)
        eq(len(r.err.splitlines()), 1, r)
        one_error(r, "token_revoked", "Slack refused SLACK_BOT_TOKEN")
    eq(si.posts(), [])


@test
def verbose_logs_keep_secrets():
    """The commands with -vv along their noisy paths (retries, failures,
    a token from a file): nothing secret in what they print.  (sb()
    checks it; this adds the paths no other test takes with -vv.)"""
    si = lib.standin()
    d = tmpdir()
    tok = write(os.path.join(d, "token"), (BOT + "\n").encode())
    path = write(os.path.join(d, "f.bin"), os.urandom(70000))
    env = {"SLACK_BOT_TOKEN": None, "SLACK_TOKEN_FILE": tok}
    si.fault("auth.test", status=429, retry_after=1)
    si.fault("upload", status=500)
    si.fault("files.completeUploadExternal", error="invalid_auth")
    for args in (["auth"], ["upload", "-c", CH, "-m", "hi", path],
                 ["api", "api.test", "token=" + BOT],
                 ["post", "-c", CH, "my token is " + BOT]):
        r = sb(args, si=si, env=env, timeout=20)
        ok(r.rc in (0, 3), r)
        ok(r.err, "nothing logged with -vv: %r" % r)
    # the token given as an argument travelled (as asked), never logged
    eq(si.posts()[0]["text"], "my token is " + BOT)


# ----------------------------------------------------------------------
# Rate limits

@test
def rate_limited_waits_retry_after():
    si = lib.standin()
    si.fault("auth.test", status=429, retry_after=1)
    r = sb(["auth"], si=si)
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    ok(1.0 <= r.elapsed < 1 + lib.LATE, "waited %.2f s" % r.elapsed)
    eq(statuses(si), [429, 200])
    eq(api_conns(si), [2])      # the connection was kept for the retry
    ok(any("rate limited" in w and "1 s" in w for w in warnings(r)), r)


@test
def rate_limited_post_posts_once():
    si = lib.standin()
    si.fault("chat.postMessage", status=429, retry_after=1)
    r = sb(["post", "-c", CH, "hello"], si=si)
    eq(r.rc, 0, r)
    eq(statuses(si), [429, 200])
    eq([p["text"] for p in si.posts()], ["hello"])
    eq(r.out, si.posts()[0]["ts"] + "\n")


@test
def ratelimited_error_in_body():
    si = lib.standin()
    si.fault("api.test", error="ratelimited", headers={"Retry-After": "1"})
    r = sb(["api", "api.test", "a=1"], si=si)
    eq(r.rc, 0, r)
    ok(1.0 <= r.elapsed < 1 + lib.LATE, "waited %.2f s" % r.elapsed)
    eq(statuses(si), [200, 200])
    eq(json.loads(r.out), {"ok": True, "args": {"a": "1"}})


@test
def rate_limit_too_long_gives_up():
    si = lib.standin()
    si.fault("auth.test", status=429, retry_after=3600)
    r = sb(["auth"], si=si)
    eq((r.rc, r.out), (1, ""), r)
    ok(r.elapsed < lib.LATE, r)
    one_error(r, "rate limited", "3600")


def _start_default_wait():
    si = start_standin()
    si.fault("auth.test", status=429, retry_after=None)
    return Early(["-vv", "auth"], si=si)


@early(_start_default_wait)
def rate_limited_without_retry_after(run):
    r = run.result(15)
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    ok(4.5 <= r.elapsed < 5 + lib.LATE, "waited %.2f s" % r.elapsed)
    eq(statuses(run.si), [429, 200])


# ----------------------------------------------------------------------
# Server errors, drops, and what may be sent twice

@test
def server_errors_retried():
    si = lib.standin()
    si.fault("auth.test", status=500)
    si.fault("auth.test", status=503)
    r = sb(["auth"], si=si)
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    eq(statuses(si), [500, 503, 200])
    # backoff: 0.5-1 s, then 1-2 s
    ok(1.4 <= r.elapsed < 3 + lib.LATE, "took %.2f s" % r.elapsed)
    w = warnings(r)
    eq(len(w), 2, r)
    ok("HTTP 500" in w[0] and "HTTP 503" in w[1] and "retrying" in w[1], w)


def _start_exhaust():
    si = start_standin()
    si.fault("auth.test", count=4, status=503)
    return Early(["-vv", "auth"], si=si)


@early(_start_exhaust)
def server_errors_exhaust_retries(run):
    r = run.result(20)
    eq((r.rc, r.out), (1, ""), r)
    eq(statuses(run.si), [503] * 4)
    # backoff: 0.5-1 s, 1-2 s, 2-4 s
    ok(3.4 <= r.elapsed < 7 + lib.LATE, "took %.2f s" % r.elapsed)
    ok("giving up after 4 tries" in r.err, r)
    one_error(r, "auth.test", "HTTP 503")


@test
def post_500_not_retried():
    si = lib.standin()
    si.fault("chat.postMessage", status=500)
    r = sb(["post", "-c", CH, "hello"], si=si)
    eq((r.rc, r.out), (1, ""), r)
    eq(statuses(si), [500])
    eq(si.posts(), [])
    ok("not sending it again" in r.err, r)
    one_error(r, "chat.postMessage", "HTTP 500")


@test
def post_dropped_after_processing_not_reposted():
    si = lib.standin()
    for how in ("close", "abort", "rst"):
        si.reset()
        si.fault("chat.postMessage", drop="after", drop_how=how)
        r = sb(["post", "-c", CH, "once"], si=si)
        eq((r.rc, r.out), (1, ""), (how, r))
        eq(len(si.requests()), 1, how)
        eq([p["text"] for p in si.posts()], ["once"], how)
        ok("not sending it again" in r.err, r)


@test
def post_dropped_before_processing():
    """Once the whole request has left, slackbot cannot tell a drop
    before processing from one after: a post is not re-sent (it may not
    have been posted at all; never twice), other calls are."""
    si = lib.standin()
    si.fault("chat.postMessage", drop="before")
    r = sb(["post", "-c", CH, "hello"], si=si)
    eq((r.rc, r.out), (1, ""), r)
    eq((len(si.requests()), si.posts()), (1, []))
    one_error(r, "chat.postMessage", "closed the connection")
    si.fault("auth.test", drop="before", drop_how="rst")
    r = sb(["auth"], si=si)
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    eq([q["outcome"] for q in si.requests("auth.test")],
       ["dropped_before", "answered"])


@test
def post_retried_when_connection_refused():
    """Nothing listens at first: the request never left, so the post is
    retried, and posted once when the stand-in comes up."""
    # The port stays bound (a socket that does not listen is refused
    # too) until the stand-in takes it, so that nothing else can.
    s = socket.socket()
    lib.cleanup(s.close)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    url = "https://localhost:%d/api/" % port
    bot = lib.start_slackbot(["-vv", "post", "-c", CH, "hello"],
                             env={"SLACK_API_URL": url})
    bot.expect_stderr("Connection refused; retrying in", timeout=10)
    s.close()
    si = lib.standin(port=port)
    eq(bot.wait(10), 0)
    ts = bot.readline()
    eq([(p["text"], p["ts"]) for p in si.posts()], [("hello", ts)])
    eq(len(si.requests()), 1)
    ok("cannot connect to localhost:%d" % port in bot.stderr(), bot.stderr())
    no_secrets()


# ----------------------------------------------------------------------
# Framing and keep-alive

@test
def chunked_and_other_framings():
    si = lib.standin()
    for transfer in ("chunked", "chunked_ext", "eof", "length"):
        si.fault("auth.test", transfer=transfer)
        r = sb(["auth"], si=si)
        eq((r.rc, r.lines()), (0, AUTH_LINES), (transfer, r))
        si.fault("api.test", transfer=transfer)
        r = sb(["api", "api.test", "t=" + transfer], si=si)
        eq(r.rc, 0, r)
        eq(r.out, answer_of(si, "api.test") + "\n", transfer)


@test
def keepalive_one_connection_for_several_calls():
    si = lib.standin()
    path = write(os.path.join(tmpdir(), "a.bin"), os.urandom(100000))
    # a chunked answer with extensions and a trailer first: the next
    # request must still find the connection in step
    si.fault("files.getUploadURLExternal", transfer="chunked_ext")
    r = sb(["upload", "-c", CH, path], si=si)
    eq(r.rc, 0, r)
    eq((api_conns(si), api_conns(si, "files")), ([2], [1]))
    ok("request 2 on the connection to localhost" in r.err, r)


@test
def connection_close_after_each_answer():
    si = lib.standin()
    path = write(os.path.join(tmpdir(), "a.bin"), os.urandom(100000))
    si.fault("*", count=2, close=True)
    si.fault("upload", close=True)
    r = sb(["upload", "-c", CH, path], si=si)
    eq(r.rc, 0, r)
    eq((api_conns(si), api_conns(si, "files")), ([1, 1], [1]))
    eq(si.uploads()[0]["completed"], True)
    eq(warnings(r), [])
    # an answer that runs to the close cannot keep the connection either
    si.reset()
    si.fault("files.getUploadURLExternal", transfer="eof")
    r = sb(["upload", "-c", CH, path], si=si)
    eq(r.rc, 0, r)
    eq(api_conns(si), [1, 1])
    # and a rate-limited call retried after "Connection: close"
    si.reset()
    si.fault("auth.test", status=429, retry_after=1, close=True)
    r = sb(["auth"], si=si)
    eq(r.rc, 0, r)
    eq(api_conns(si), [1, 1])


@test
def idle_connection_closed_by_server():
    """The server closes the kept-alive connection while slackbot is busy
    with the upload host; the next call opens a new one by itself: no
    error, no retry, one request.  Closed 50 ms after the answer, the
    close_notify comes alone; closed at once, it comes with the answer
    (in the same read), which once made the next call fail and retry."""
    si = lib.standin()
    path = write(os.path.join(tmpdir(), "a.bin"), os.urandom(100000))
    for how in (50, 0):
        si.reset()
        si.fault("files.getUploadURLExternal", idle_close_ms=how)
        si.fault("upload", header_delay=0.4)
        r = sb(["upload", "-c", CH, path], si=si)
        eq(r.rc, 0, r)
        eq(api_conns(si), [1, 1], how)
        eq(len(si.requests("files.completeUploadExternal")), 1)
        eq(warnings(r), [])
        ok("was closed; opening a new one" in r.err, r)


# ----------------------------------------------------------------------
# Slow answers and the answer deadline

@test
def slow_answers_within_deadline():
    si = lib.standin()
    si.fault("auth.test", header_delay=2.0)
    r = sb(["auth"], si=si)
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    ok(r.elapsed >= 2.0, r)
    si.fault("chat.postMessage", body_delay=1.5)
    r = sb(["post", "-c", CH, "slowly"], si=si)
    eq(r.rc, 0, r)
    ok(r.elapsed >= 1.5, r)
    eq(len(si.requests()), 2)
    eq(r.out, si.posts()[0]["ts"] + "\n")


def _start_deadline_post():
    si = start_standin()
    si.fault("chat.postMessage", header_delay=40)
    return Early(["-vv", "post", "-c", CH, "late"], si=si)


@early(_start_deadline_post)
def answer_deadline_post_not_retried(run):
    """No answer within 30 s: a post is given up, not sent again."""
    r = run.result(45)
    eq((r.rc, r.out), (1, ""), r)
    ok(29.5 <= r.elapsed < 30 + lib.LATE, "took %.2f s" % r.elapsed)
    one_error(r, "chat.postMessage", "no answer from localhost within 30 s")
    eq(len(run.si.requests()), 1)
    eq([p["text"] for p in run.si.posts()], ["late"])


def _start_deadline_auth():
    si = start_standin()
    si.fault("auth.test", header_delay=40)
    return Early(["-vv", "auth"], si=si)


@early(_start_deadline_auth)
def answer_deadline_retried(run):
    """No answer within 30 s: auth.test is asked again, and answered."""
    r = run.result(45)
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    ok(30 <= r.elapsed < 30 + lib.LATE, "took %.2f s" % r.elapsed)
    w = warnings(r)
    eq(len(w), 1, r)
    ok("no answer from localhost within 30 s; retrying" in w[0], w)
    eq(len(run.si.requests()), 2)


# ----------------------------------------------------------------------
# Broken answers

@test
def malformed_answers():
    si = lib.standin()
    cases = (("status_line", "close", "malformed status line"),
             ("chunks", "close", "malformed chunked encoding"),
             ("short_body", "close",
              "closed the connection in the middle of its answer"),
             ("short_body", "abort",
              "closed the connection in the middle of its answer"),
             ("short_body", "rst", "localhost"))
    for n, (kind, how, words) in enumerate(cases, 1):
        si.fault("chat.postMessage", malformed=kind, drop_how=how)
        r = sb(["post", "-c", CH, "m%d" % n], si=si)
        eq((r.rc, r.out), (1, ""), (kind, how, r))
        one_error(r, "chat.postMessage", words)
        eq(len(si.requests()), n, "retried")
        eq(len(si.posts()), n)
    # the same through `api`: nothing half-printed
    si.fault("chat.postMessage", malformed="short_body")
    r = sb(["api", "chat.postMessage", "channel=" + CH, "text=x"], si=si)
    eq((r.rc, r.out), (1, ""), r)
    si.fault("chat.postMessage", malformed="chunks")
    r = sb(["api", "chat.postMessage", "channel=" + CH, "text=y"], si=si)
    eq((r.rc, r.out), (1, ""), r)


@test
def malformed_answer_retried_when_safe():
    si = lib.standin()
    si.fault("auth.test", malformed="status_line")
    si.fault("auth.test", malformed="chunks")
    r = sb(["auth"], si=si)
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    eq(len(si.requests()), 3)
    eq(len(warnings(r)), 2, r)


@test
def answers_that_are_not_json():
    si = lib.standin()
    si.fault("auth.test", body="<html><body>Log in to the Wi-Fi</body>"
             "</html>", content_type="text/html")
    r = sb(["auth"], si=si)
    eq((r.rc, r.out), (1, ""), r)
    one_error(r, "not a JSON object", "HTTP 200", "text/html")
    si.fault("auth.test", status=404)
    r = sb(["auth"], si=si)
    eq((r.rc, r.out), (1, ""), r)
    one_error(r, "not a JSON object", "HTTP 404")
    eq(len(si.requests()), 2)


if __name__ == "__main__":
    import oneshot
    oneshot.main()
