#!/usr/bin/python3
"""slackbot run --http: the stand-in plays Slack's sender (sender.py)
against slackbot's request URL: signed events printed once each, retries,
refused signatures and stale timestamps, the URL challenge, slash commands
and interactions to handlers, /healthz, limits, a slow sender, a full
FIFO, HTTPS with EC and RSA certificates, configuration mistakes.

(test_webhook.py: post --webhook.)"""

import json
import os
import re
import shutil
import socket
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402
import handlerkit as hk  # noqa: E402
import runkit as rk  # noqa: E402

SECRET = lib._standin.SIGNING_SECRET
REQUEST_S = 5           # HTTPD_REQUEST_MS in config.h


def no_secrets():
    lib.assert_no_secret(SECRET)
    lib.assert_no_secret(lib.BOT_TOKEN)


def http_bot(si, args=(), env=None, level="-v", cert=None, signed_in=True):
    """slackbot LEVEL run --http 0 ARGS against si (HTTPS with the test
    certificate `cert`: "server" or "server-rsa"); returns the Bot, with
    its request URL in bot.url, once it listens (and, with signed_in,
    once auth.test has answered)."""
    lib.cleanup(no_secrets)
    e = {"SLACK_SIGNING_SECRET": SECRET}
    e.update(env or {})
    argv = ([level] if level else []) + ["run", "--http", "0"]
    if cert:
        c = lib.certs()
        argv += ["--tls-cert", c[cert], "--tls-key", c[cert + "-key"]]
    bot = lib.start_slackbot(argv + list(args), si=si, env=e)
    m = bot.expect_stderr(r"taking Slack's requests at (\S+)")
    # BearSSL-free clients check names too: the certificate is localhost's.
    bot.url = m.group(1).replace("127.0.0.1", "localhost")
    if signed_in:
        bot.expect_stderr(r"signed in as")
    return bot


def raw(bot, data, timeout=10.0):
    """Sends bytes on a new plain connection; returns everything the
    server sent until it closed (or timeout)."""
    port = int(bot.url.rsplit(":", 1)[1].split("/")[0])
    s = socket.create_connection(("127.0.0.1", port), timeout)
    out = b""
    try:
        s.sendall(data)
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    finally:
        s.close()
    return out


def status_of(answer):
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    return int(m.group(1)) if m else None


@test(timeout=60)
def signed_events_printed_once_each_over_one_connection():
    si = lib.standin()
    bot = http_bot(si)
    snd = si.sender(bot.url)
    sent = []
    for i in range(30):
        ev, eid = si.http_event(text="event %d" % i)
        r = snd.event(ev, eid)
        eq((r.status, r.body), (200, b""), "answer to event %d" % i)
        sent.append((ev, eid))
    # Slack's retries: the same event_id, with X-Slack-Retry-Num.
    for ev, eid in sent[:10:3]:
        for n in (1, 2, 3):
            eq(snd.event(ev, eid, retry=n).status, 200, "retry answered")
    got = [json.loads(x) for x in bot.readlines(30)]
    eq(got, [ev for ev, _ in sent], "the events, as Slack sent them")
    rk.no_more_lines(bot, 0.5)
    eq(snd.connections, 1, "connections (kept alive)")
    r = snd.post(b"", method="GET", path="/healthz", sign_it=False)
    eq((r.status, r.body), (200, b"ok\n"), "/healthz")
    eq(bot.stop(), 0, "exit status after SIGTERM")
    bot.expect_stderr(r"stopping: 30 events handled, 30 requests answered, "
                      r"12 repeats skipped")


@test(timeout=60)
def bad_signatures_and_stale_timestamps_get_401():
    si = lib.standin()
    bot = http_bot(si)
    snd = si.sender(bot.url)
    ev, eid = si.http_event(text="forged")
    body = json.dumps({"type": "event_callback", "event_id": eid,
                       "event": ev}).encode()
    other = si.sender(bot.url, secret="another app's secret")
    now = time.time()
    cases = [
        ("wrong signature", dict(signature="v0=" + "0" * 64)),
        ("malformed signature", dict(signature="sha256=abc")),
        ("no headers", dict(sign_it=False)),
        ("stale timestamp", dict(timestamp=now - 301 - lib.LATE)),
        ("future timestamp", dict(timestamp=now + 301 + lib.LATE)),
        ("another body's signature", dict(signature=lib._standin.
                                          sender_mod.sign(SECRET, "%d" % now,
                                                          b"{}"),
                                          timestamp=now)),
    ]
    for what, kw in cases:
        r = snd.post(body, **kw)
        eq(r.status, 401, what)
    eq(other.post(body).status, 401, "another app's secret")
    # The connection lives on, and a good request goes through.
    eq(snd.event(ev, eid).status, 200, "signed")
    eq(json.loads(bot.readline()), ev)
    rk.no_more_lines(bot, 0.3)
    refused = r"refused a request from 127\.0\.0\.1:\d+ \(401\)"
    lib.wait_until(lambda: len(re.findall(refused, bot.stderr())) >= 7, 10,
                   "7 log lines")
    err = bot.stderr()
    eq(len(re.findall(refused, err)), 7, "log lines")
    ok("more than 5 minutes" in err and "does not match" in err and
       "no X-Slack-Signature" in err, err[-600:])
    ok("forged" not in err, "the refused body in the log")


@test(timeout=30)
def url_verification_answers_the_challenge():
    si = lib.standin()
    bot = http_bot(si)
    snd = si.sender(bot.url)
    for c in ("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
              "with \"quotes\" and \\ and \u00e9"):
        r = snd.url_verification(c)
        eq(r.status, 200)
        ok(r.headers["content-type"].startswith("application/json"),
           r.headers)
        eq(r.json(), {"challenge": c})
    eq(snd.url_verification("x", signature="v0=" + "1" * 64).status, 401,
       "an unsigned challenge")
    rk.no_more_lines(bot, 0.3)


@test(timeout=30)
def slash_commands_and_interactions_printed_as_in_socket_mode():
    """A form-encoded slash command becomes the JSON object of its
    fields (Socket Mode's slash_commands payload); an interaction's
    payload= is the JSON itself."""
    si = lib.standin()
    bot = http_bot(si)
    snd = si.sender(bot.url)
    fields = si.http_slash(command="/deploy", text="api & staging +1 \u2705")
    eq(snd.slash(fields).status, 200)
    eq(json.loads(bot.readline()), fields, "slash command line")
    for kind in ("block_actions", "view_submission", "shortcut"):
        p = si.http_interactive(kind)
        eq(snd.interactive(p).status, 200, kind)
        eq(json.loads(bot.readline()), p, kind)
    # Slack's certificate check and unknown Events API types: 200.
    eq(snd.slash({"ssl_check": "1", "token": "x"}).status, 200)
    eq(snd.post(json.dumps({"type": "something_new"})).status, 200)
    r = snd.app_rate_limited()
    eq(r.status, 200, "app_rate_limited")
    bot.expect_stderr(r"app_rate_limited")
    # Signed, but not what Slack sends.
    eq(snd.post(b"[1,2,3]").status, 400)
    eq(snd.slash({"a": "b"}).status, 400)
    rk.no_more_lines(bot, 0.3)


@test(timeout=40)
def handlers_answer_slash_commands_through_response_url():
    si = hk.standin()
    bot = http_bot(si, ["--exec", "examples/echo.sh", "--rate", "0"])
    snd = si.sender(bot.url)
    fields = si.http_slash(command="/echo", text="hello there")
    eq(snd.slash(fields).status, 200)
    p = si.http_interactive("block_actions")
    eq(snd.interactive(p).status, 200)
    ev, eid = si.http_event("app_mention", text=hk.MENTION + "ping")
    eq(snd.event(ev, eid).status, 200)
    si.wait(lambda: len(si._responses) >= 2 and len(si._posts) >= 1, 15)
    texts = sorted(x["body"]["text"] for x in si.responses())
    eq(texts, sorted(["<@%s> said: hello there" % lib.HUMAN,
                      "<@%s> said:" % lib.HUMAN]), "response_url answers")
    eq(hk.texts(si), ["<@%s> said: ping" % lib.HUMAN], "the mention's reply")


@test(timeout=60)
def healthz_503_until_auth_test_answers():
    si = lib.standin()
    si.fault("auth.test", count=1000, status=500)
    bot = http_bot(si, signed_in=False)
    snd = si.sender(bot.url)
    bot.expect_stderr(r"auth\.test: .*trying again")
    r = snd.post(b"", method="GET", path="/healthz", sign_it=False)
    eq(r.status, 503, "/healthz before auth.test")
    ok("retry-after" in r.headers, r.headers)
    ev, eid = si.http_event(text="early")
    r = snd.event(ev, eid)
    eq(r.status, 503, "an event before auth.test")
    ok("retry-after" in r.headers, r.headers)
    eq(snd.url_verification("c").json(), {"challenge": "c"},
       "the challenge needs no auth.test")
    si.clear_faults()
    lib.wait_until(lambda: snd.post(b"", method="HEAD", path="/healthz",
                                    sign_it=False).status == 200,
                   20, "/healthz 200")
    # Slack sends it again: now it is taken.
    eq(snd.event(ev, eid, retry=1).status, 200)
    eq(json.loads(bot.readline()), ev)


@test(timeout=40)
def paths_methods_and_limits():
    si = lib.standin()
    bot = http_bot(si)
    host = b"Host: x\r\n"
    close = b"Connection: close\r\n"
    cases = [
        (b"GET /slack/events HTTP/1.1\r\n" + host + close + b"\r\n", 405,
         b"Allow: POST"),
        (b"POST /slack/events/x HTTP/1.1\r\n" + host + close +
         b"Content-Length: 0\r\n\r\n", 404, None),
        (b"GET / HTTP/1.0\r\n\r\n", 404, None),
        (b"POST /healthz HTTP/1.1\r\n" + host + b"Content-Length: 1\r\n\r\n",
         405, b"Allow: GET, HEAD"),
        (b"POST /slack/events HTTP/1.1\r\n" + host +
         b"Content-Length: 600000\r\n\r\n", 413, None),
        (b"GET /healthz HTTP/1.1\r\n" + host + b"X-Pad: " + b"p" * 9000 +
         b"\r\n\r\n", 431, None),
        (b"POST /slack/events HTTP/1.1\r\n" + host +
         b"Transfer-Encoding: chunked\r\n\r\n", 411, None),
        (b"GET /healthz HTTP/2.0\r\n\r\n", 505, None),
        (b"GET /healthz HTTP/1.1\r\n\r\n", 400, None),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 400, None),
        (b"GET /healthz HTTP/1.1\r\n" + host + b"Expect: magic\r\n\r\n", 417,
         None),
    ]
    for data, status, header in cases:
        a = raw(bot, data)
        eq(status_of(a), status, data[:40])
        if header:
            ok(header in a, "%r in %r" % (header, a[:200]))
        ok(b"Connection: close" in a, "closed after %d" % status)
    bot.expect_stderr(r"a TLS handshake\? This server speaks plain HTTP")
    # Pipelined requests on one connection, answered in order.
    a = raw(bot, b"GET /healthz HTTP/1.1\r\n" + host + b"\r\n" +
            b"HEAD /healthz HTTP/1.1\r\n" + host + b"\r\n" +
            b"GET /nope HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n")
    eq(re.findall(rb"HTTP/1\.1 (\d+)", a), [b"200", b"200", b"404"])
    # Expect: 100-continue: the body is asked for, then taken.
    snd = si.sender(bot.url)
    ev, eid = si.http_event(text="x" * 3000)
    r = snd.event(ev, eid, headers={"Expect": "100-continue"})
    eq(r.status, 200)
    eq(json.loads(bot.readline()), ev)


@test(timeout=60)
def large_events_up_to_the_limit():
    """Bodies above what a connection keeps borrow a large buffer; three
    at once (more than there are large buffers) all arrive."""
    si = lib.standin()
    bot = http_bot(si)
    # About 120 KB each (the text is in the blocks too): three fit the FIFO.
    evs = [si.http_event(text=("%d" % i) * 60000) for i in range(3)]
    socks = [si.sender(bot.url) for _ in evs]
    datas = [s.request_bytes(json.dumps({"type": "event_callback",
                                         "event_id": eid, "event": ev}),
                             "application/json")
             for s, (ev, eid) in zip(socks, evs)]
    # Each sends its head and half the body, then the rest.
    for s, d in zip(socks, datas):
        s.connect().sendall(d[:len(d) // 2])
    for s, d in zip(socks, datas):
        s.sock.sendall(d[len(d) // 2:])
    for s in socks:
        eq(s.read_response().status, 200)
    got = sorted(json.loads(x)["text"][:1] for x in bot.readlines(3, 20))
    eq(got, ["0", "1", "2"])


@test(timeout=60)
def slow_sender_cut_off_without_slowing_others():
    si = lib.standin()
    bot = http_bot(si)
    slow = si.sender(bot.url)
    ev, eid = si.http_event(text="slow")
    data = slow.request_bytes(json.dumps({"type": "event_callback",
                                          "event_id": eid, "event": ev}),
                              "application/json")
    result = []
    t = threading.Thread(target=lambda: result.append(
        slow.slowly(data, rate=1.0)))
    t.start()
    fast = si.sender(bot.url)
    # Others are answered while the slow one is still sending.
    during = 0
    for i in range(20):
        e2, id2 = si.http_event(text="fast %d" % i)
        eq(fast.event(e2, id2).status, 200)
        if t.is_alive():
            during += 1
    ok(during >= 1, "no request answered while the slow one was sending")
    t.join(REQUEST_S + 2 * lib.LATE + 5)
    ok(not t.is_alive(), "the slow sender was not cut off")
    sent, took, r = result[0]
    ok(sent < len(data), "the slow request was taken whole")
    ok(took < REQUEST_S + 1 + lib.LATE, "cut off after %.1f s" % took)
    ok(took >= REQUEST_S - 1, "cut off too early, after %.1f s" % took)
    ok(r is None or r.status == 408, r)
    lines = [json.loads(x)["text"] for x in bot.readlines(20)]
    eq(lines, ["fast %d" % i for i in range(20)])
    rk.no_more_lines(bot, 0.3)


@test(timeout=60)
def more_connections_than_slots():
    """Idle connections beyond HTTPD_CONNS make room for new ones."""
    si = lib.standin()
    bot = http_bot(si)
    port = int(bot.url.rsplit(":", 1)[1].split("/")[0])
    idle = []
    lib.cleanup(lambda: [s.close() for s in idle])
    for _ in range(40):
        idle.append(socket.create_connection(("127.0.0.1", port), 5))
    snd = si.sender(bot.url)
    for i in range(5):
        ev, eid = si.http_event(text="through %d" % i)
        eq(snd.event(ev, eid).status, 200)
    eq([json.loads(x)["text"] for x in bot.readlines(5)],
       ["through %d" % i for i in range(5)])
    bot.expect_stderr(r"closing an idle connection to make room")


PIPE_WAIT = """#!/bin/sh
# Reads nothing until the file "go" exists, then keeps every event.
until [ -e %(d)s/go ]; do sleep 0.05; done
exec cat > %(d)s/events
"""


@test(timeout=90)
def full_fifo_answers_503_and_nothing_answered_is_lost():
    si = lib.standin()
    d = hk.tmpdir()
    h = hk.script(d, "wait.sh", PIPE_WAIT % {"d": d})
    bot = http_bot(si, ["--pipe", h, "--all"])
    snd = si.sender(bot.url)
    taken, later = [], []
    for i in range(40):
        ev, eid = si.http_event(text="%03d " % i + "x" * 100000)
        r = snd.event(ev, eid)
        ok(r.status in (200, 503), r)
        (taken if r.status == 200 else later).append((ev, eid))
        if r.status == 503:
            ok(r.headers.get("retry-after") == "1", r.headers)
    ok(later, "no 503 with the FIFO full (%d taken)" % len(taken))
    ok(len(taken) >= 2, "taken: %d" % len(taken))
    lib.put_file(os.path.join(d, "go"))
    # Slack sends the refused ones again, until they are taken.
    for ev, eid in later:
        lib.wait_until(lambda: snd.event(ev, eid, retry=1).status == 200,
                       20, "a retry taken")
    eq(bot.stop(), 0)
    with open(os.path.join(d, "events")) as f:
        got = [json.loads(x)["text"][:3] for x in f]
    want = [ev["text"][:3] for ev, _ in taken + later]
    eq(sorted(got), sorted(want), "every event once")


def https_case(cert):
    si = lib.standin()
    bot = http_bot(si, cert=cert)
    ok(bot.url.startswith("https://localhost:"), bot.url)
    snd = si.sender(bot.url)
    for i in range(3):
        ev, eid = si.http_event(text="tls %d" % i)
        eq(snd.event(ev, eid).status, 200)
    eq(snd.connections, 1, "kept alive over TLS")
    kind = "ECDSA" if cert == "server" else "RSA"
    ok(kind in snd.sock.cipher()[0], snd.sock.cipher())
    eq([json.loads(x)["text"] for x in bot.readlines(3)],
       ["tls %d" % i for i in range(3)])
    # Plain HTTP to the HTTPS port gets nowhere.
    a = raw(bot, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3 +
            REQUEST_S + lib.LATE)
    ok(status_of(a) is None, a[:100])
    return si, bot


@test(timeout=60)
def https_with_an_ec_certificate():
    https_case("server")


@test(timeout=60)
def https_with_an_rsa_certificate_and_sighup_to_renew():
    si, bot = https_case("server-rsa")
    # A renewal (here: an EC certificate in place of the RSA one).
    d = hk.tmpdir()
    c = lib.certs()
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    shutil.copy(c["server-rsa"], cert)
    shutil.copy(c["server-rsa-key"], key)
    bot2 = lib.start_slackbot(
        ["-v", "run", "--http", "0", "--tls-cert", cert, "--tls-key", key],
        si=si, env={"SLACK_SIGNING_SECRET": SECRET})
    m = bot2.expect_stderr(r"taking Slack's requests at (\S+)")
    url = m.group(1).replace("127.0.0.1", "localhost")
    bot2.expect_stderr(r"RSA-2048 key")
    shutil.copy(c["server"], cert + ".new")
    shutil.copy(c["server-key"], key + ".new")
    os.rename(key + ".new", key)
    os.rename(cert + ".new", cert)
    bot2.signal(1)
    bot2.expect_stderr(r"SIGHUP: .*the certificate")
    bot2.expect_stderr(r"signed in as")
    snd = si.sender(url)
    lib.wait_until(lambda: snd.post(b"", method="GET", path="/healthz",
                                    sign_it=False).status == 200, 10)
    ok("ECDSA" in snd.sock.cipher()[0], snd.sock.cipher())
    # A broken renewal keeps the certificate in use.
    with open(key, "w") as f:
        f.write("not a key\n")
    bot2.signal(1)
    bot2.expect_stderr(r"SIGHUP: .*key.pem: .*; the certificate in use "
                       r"stays")
    snd.close()
    eq(snd.post(b"", method="GET", path="/healthz", sign_it=False).status,
       200)
    eq(bot2.stop(), 0)


@test(timeout=60)
def configuration_mistakes_exit_2():
    si = lib.standin()
    c = lib.certs()
    e = {"SLACK_SIGNING_SECRET": SECRET}
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    lib.cleanup(busy.close)
    # A CERTIFICATE whose DER is an empty SEQUENCE: PEM, not X.509.
    bad = os.path.join(hk.tmpdir(), "bad.pem")
    with open(bad, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nMAA=\n"
                "-----END CERTIFICATE-----\n")
    cases = [
        (["--http", "3000"], {}, r"SLACK_SIGNING_SECRET"),
        (["--http", "3000"], dict(e, SLACK_BOT_TOKEN=None),
         r"needs the bot token"),
        (["--http", "3000", "--socket"], e, r"two ways"),
        (["--http", "3000", "--tls-cert", c["server"]], e,
         r"both --tls-cert"),
        (["--tls-cert", c["server"], "--tls-key", c["server-key"]], e,
         r"go with --http"),
        (["--http", "host:80"], e, r"wants \[ADDRESS:\]PORT"),
        (["--http", "70000"], e, r"wants \[ADDRESS:\]PORT"),
        (["--http", "[::1:80"], e, r"wants \[ADDRESS:\]PORT"),
        (["--http", "127.0.0.1:%d" % busy.getsockname()[1]], e,
         r"in use|Address in use"),
        (["--http", "0", "--tls-cert", c["server"], "--tls-key",
          c["server-rsa-key"]], e, r"not the one of the first certificate"),
        (["--http", "0", "--tls-cert", bad, "--tls-key", c["server-key"]], e,
         r"bad.pem: the first certificate cannot be read \(not X.509"),
        (["--http", "0", "--tls-cert", "/nonexistent.pem", "--tls-key",
          c["server-key"]], e, r"/nonexistent.pem: No such file"),
        (["--http", "0", "--tls-cert", c["server-key"], "--tls-key",
          c["server-key"]], e, r"no CERTIFICATE"),
        (["--http", "0", "--tls-cert", c["server"], "--tls-key",
          c["server"]], e, r"no private key"),
        (["--http", "0", "--tls-cert", "/etc/hostname", "--tls-key",
          c["server-key"]], e, r"no CERTIFICATE|not a valid PEM"),
        (["--http", "0", "--tls-cert", c["server"], "--tls-key",
          "/dev/null"], e, r"/dev/null: not a regular file"),
    ]
    for args, env, want in cases:
        r = lib.run_slackbot(["run"] + args, si=si, env=env)
        eq(r.rc, 2, r)
        ok(re.search(want, r.err), "%r not in %r" % (want, r.err))
        eq(len(r.err.strip().splitlines()), 1, "one line: %r" % r.err)
    no_secrets()


@test(timeout=30)
def check_with_http():
    si = lib.standin()
    c = lib.certs()
    r = lib.run_slackbot(["check", "--http", "0.0.0.0:3000", "--tls-cert",
                          c["server"], "--tls-key", c["server-key"]], si=si,
                         env={"SLACK_SIGNING_SECRET": SECRET})
    eq(r.rc, 0, r)
    for want in (r"ok +tokens: .*HTTP", r"ok +signing secret: from "
                 r"SLACK_SIGNING_SECRET", r"ok +certificate: 1 certificate, "
                 r"EC P-256 key", r"ok +auth\.test"):
        ok(re.search(want, r.out), "%r in %r" % (want, r.out))
    ok("apps.connections.open" not in r.out, r.out)
    exp = lib.run_slackbot(["check", "--http", "3000", "--tls-cert",
                            c["expired"], "--tls-key", c["expired-key"]],
                           si=si, env={"SLACK_SIGNING_SECRET": SECRET})
    eq(exp.rc, 2, exp)
    ok(re.search(r"FAIL +certificate: .*has expired", exp.out), exp.out)
    no_secrets()


@test(timeout=40)
def secrets_never_in_the_log_at_vv():
    si = lib.standin()
    d = hk.tmpdir()
    f = lib.put_file(os.path.join(d, "secret"), SECRET + "\n")
    bot = http_bot(si, level="-vv", env={"SLACK_SIGNING_SECRET": None,
                                         "SLACK_SIGNING_SECRET_FILE": f})
    snd = si.sender(bot.url)
    ev, eid = si.http_event(text="visible")
    eq(snd.event(ev, eid).status, 200)
    eq(snd.event(ev, eid, signature="v0=" + "a" * 64).status, 401)
    eq(json.loads(bot.readline()), ev)
    eq(bot.stop(), 0)
    no_secrets()


@test(timeout=40)
def handlers_get_neither_secret_nor_its_file():
    si = hk.standin()
    d = hk.tmpdir()
    f = lib.put_file(os.path.join(d, "secret"), SECRET + "\n")
    h = hk.script(d, "env.sh", hk.SH_PUT + 'put %s/env "$(env)"\n' % d)
    bot = http_bot(si, ["--exec", h, "--reply", "none"],
                   env={"SLACK_SIGNING_SECRET": None,
                        "SLACK_SIGNING_SECRET_FILE": f,
                        "SLACK_WEBHOOK_URL": "https://hooks.example/s/x"})
    snd = si.sender(bot.url)
    ev, eid = si.http_event("app_mention", text=hk.MENTION + "env")
    eq(snd.event(ev, eid).status, 200)
    env = lib.wait_file(os.path.join(d, "env"))
    ok("SLACK_TEXT=env" in env, env[:300])
    for word in ("SLACK_SIGNING_SECRET", SECRET, "SLACK_WEBHOOK_URL",
                 "hooks.example", "SLACK_BOT_TOKEN"):
        ok(word not in env, "%s in a handler's environment" % word)


lib.run_all()
