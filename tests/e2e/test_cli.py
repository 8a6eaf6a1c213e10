#!/usr/bin/python3
"""End-to-end tests of the command line as operators meet it: help and
versions, one line per mistake, SIGHUP, a broken standard output, the log
while Slack cannot be reached, messages that say what to do, scripting
habits (upload -, api printing refusals) and `slackbot check`.
README.md, "Commands"."""

import json
import os
import socket
import pty
import re
import select
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok, wait_until  # noqa: E402
import handlerkit as hk  # noqa: E402
from handlerkit import GENERAL  # noqa: E402

COMMANDS = ["run", "auth", "check", "post", "upload", "api", "help",
            "version"]
RUN_OPTIONS = ["--socket", "--rtm", "--ping", "--dead", "--exec", "-j",
               "--timeout", "--pipe", "--reply", "--reply-via", "--rate",
               "--all", "--edits", "--allow-users", "--drain", "--spill"]


def sb(args, **kw):
    kw.setdefault("env", {})
    return lib.run_slackbot(args, **kw)


def wide(text):
    return [x for x in text.splitlines() if len(x) > 79]


# ----------------------------------------------------------------------
# Help.

@test
def help_lists_every_command_and_run_option():
    for args in (["--help"], ["-h"], ["help"]):
        r = sb(args)
        eq((r.rc, r.err), (0, ""), repr(r))
        for c in COMMANDS:
            ok(re.search(r"^  %s\b" % c, r.out, re.M), "%s: %s missing" %
               (args, c))
        for o in RUN_OPTIONS:
            ok(re.search(r"^ +(.* )?%s\b" % re.escape(o), r.out, re.M),
               "%s: %s missing" % (args, o))
        eq(wide(r.out), [], "lines over 79 columns")
    r = sb([])
    eq((r.rc, r.out), (2, ""), repr(r))
    ok("usage: slackbot" in r.err, repr(r))


@test
def each_command_has_its_help():
    for c in COMMANDS:
        outs = []
        for args in (["help", c], [c, "--help"], [c, "-h"]):
            r = sb(args)
            eq((r.rc, r.err), (0, ""), repr(r))
            ok(r.out.startswith("usage: slackbot %s" % c), repr(r))
            eq(wide(r.out), [], "%s: lines over 79 columns" % args)
            outs.append(r.out)
        eq(len(set(outs)), 1, "the three ways give the same text")
    r = sb(["help", "run"])
    for o in RUN_OPTIONS:
        ok(o in r.out, "%s missing from help run" % o)


@test
def versions():
    for args in (["-V"], ["--version"], ["version"]):
        r = sb(args)
        eq((r.rc, r.err), (0, ""), repr(r))
        ok(re.fullmatch(r"slackbot \d+\.\d+\.\d+\n", r.out), repr(r))


@test
def one_line_per_mistake():
    for args, words in ((["-x"], "unknown option -x"),
                        (["--nope"], "unknown option --nope"),
                        (["nosuch"], 'unknown command "nosuch"'),
                        (["help", "nosuch"], 'no command "nosuch"'),
                        (["post", "-z", "hi"], "post: unknown option -z"),
                        (["post", "-c"], "post: a value is missing "
                         "after -c"),
                        (["run", "--ping"], "run: a value is missing "
                         "after --ping"),
                        (["run", "--bogus"], "run: unknown option --bogus"),
                        (["run", "--ping", "x"], "--ping wants a whole "
                         "number"),
                        (["upload", "--timeout", "0", "f"], "--timeout "
                         "wants")):
        r = sb(args, env={"SLACK_APP_TOKEN": lib.APP_TOKEN})
        eq(r.rc, 2, repr(r))
        eq(len(r.err.splitlines()), 1, repr(r))
        ok(words in r.err, "%r not in %r" % (words, r.err))


# ----------------------------------------------------------------------
# Signals.

@test(timeout=40)
def sighup_inherited_ignored_stays_ignored():
    """nohup slackbot run: SIGHUP changes nothing."""
    si = hk.standin()
    bot = lib.start_slackbot([str(lib.SLACKBOT), "-v", "run"], si=si,
                             env={"SLACK_APP_TOKEN": lib.APP_TOKEN},
                             binary="/usr/bin/nohup")
    si.wait_ws(1, timeout=10)
    bot.signal(signal.SIGHUP)
    time.sleep(0.5)
    si.sm_events(1)
    ok(json.loads(bot.readline(5))["text"], "an event after SIGHUP")
    ok(bot.alive(), "slackbot died of SIGHUP under nohup")
    ok("SIGHUP" not in bot.stderr(), bot.stderr())
    eq(len(si.ws_connections()), 1, "connections")


@test(timeout=40)
def sighup_reloads_tokens_and_replaces_the_connection():
    """SIGHUP re-reads SLACK_TOKEN_FILE (a rotated token is used from
    then on) and opens a new socket before the old one closes."""
    new = "xoxb-1111-2222-rotatedtoken0"
    si = hk.standin(bot_tokens=(lib.BOT_TOKEN, new))
    d = hk.tmpdir()
    tf = os.path.join(d, "token")
    with open(tf, "w") as f:
        f.write(lib.BOT_TOKEN + "\n")
    bot = hk.run(si, [], env={"SLACK_BOT_TOKEN": None,
                              "SLACK_TOKEN_FILE": tf})
    with open(tf + ".tmp", "w") as f:
        f.write(new + "\n")
    os.rename(tf + ".tmp", tf)
    bot.signal(signal.SIGHUP)
    si.wait_ws(2, timeout=10)
    bot.expect_stderr(r"SIGHUP: token files and trusted roots read again", 5)
    bot.expect_stderr(r"connection 2 is live; closing connection 1", 10)
    auth = si.requests("auth.test")
    eq([q["token"] for q in auth], [lib.BOT_TOKEN, new])
    si.sm_events(1)
    bot.readline(5)
    ok(bot.alive(), "still running")
    lib.assert_no_secret(new)
    lib.assert_no_secret(new[5:])


@test(timeout=40)
def sighup_while_connecting_replaces_that_connection_too():
    """A SIGHUP between the WebSocket handshake and hello: the connection
    made with the old tokens is replaced once it is live."""
    new = "xoxb-1111-2222-rotatedtoken0"
    si = hk.standin(bot_tokens=(lib.BOT_TOKEN, new))
    si.set_options(hello_delay=1.5)
    d = hk.tmpdir()
    tf = os.path.join(d, "token")
    with open(tf, "w") as f:
        f.write(lib.BOT_TOKEN + "\n")
    bot = hk.run(si, [], env={"SLACK_BOT_TOKEN": None,
                              "SLACK_TOKEN_FILE": tf}, wait=False)
    ok(si.wait(lambda: len(si.ws_connections()) >= 1, 10), "no upgrade")
    eq(si.ws_connections()[0]["hello"], None, "hello already sent")
    with open(tf + ".tmp", "w") as f:
        f.write(new + "\n")
    os.rename(tf + ".tmp", tf)
    bot.signal(signal.SIGHUP)
    bot.expect_stderr(r"SIGHUP: token files and trusted roots read again", 5)
    si.wait_ws(2, timeout=10)
    bot.expect_stderr(r"connection 2 is live; closing connection 1", 10)
    eq([q["token"] for q in si.requests("auth.test")], [lib.BOT_TOKEN, new])
    si.sm_events(1)
    bot.readline(5)
    ok(bot.alive(), "still running")


@test(timeout=40)
def sighup_with_a_bad_token_file_goes_on():
    si = hk.standin()
    d = hk.tmpdir()
    tf = os.path.join(d, "token")
    with open(tf, "w") as f:
        f.write(lib.BOT_TOKEN + "\n")
    bot = hk.run(si, [], env={"SLACK_BOT_TOKEN": None,
                              "SLACK_TOKEN_FILE": tf})
    os.unlink(tf)
    bot.signal(signal.SIGHUP)
    bot.expect_stderr(r"SIGHUP: SLACK_TOKEN_FILE=.*No such file.*going on "
                      r"as before", 5)
    si.sm_events(1)
    bot.readline(5)
    eq(len(si.ws_connections()), 1, "connections")


# ----------------------------------------------------------------------
# A broken standard output.

@test(timeout=40)
def a_broken_stdout_exits_1_and_says_what_was_lost():
    """slackbot run | head -1: once the reader is gone the bot stops with
    status 1, and the events it acknowledged but could not write are
    counted (and written to standard error)."""
    si = hk.standin()
    p = subprocess.Popen([str(lib.SLACKBOT), "run"], env=lib.environment(
        si, {"SLACK_APP_TOKEN": lib.APP_TOKEN}), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True)
    lib.cleanup(lambda: lib._kill_group(p))
    si.wait_ws(1, timeout=10)
    si.sm_events(1)
    ok(p.stdout.readline(), "the first line")
    p.stdout.close()
    si.sm_events(40)
    rc = p.wait(15)
    err = p.stderr.read().decode()
    eq(rc, 1, err)
    ok(re.search(r"standard output: Broken pipe", err), err)
    m = re.search(r"(\d+) events? not delivered", err)
    ok(m, err[-500:])
    eq(len([x for x in err.splitlines() if x.startswith("{")]),
       int(m.group(1)), "events written to standard error")


# ----------------------------------------------------------------------
# The log.

@test(timeout=40)
def one_line_per_attempt_while_slack_is_unreachable():
    """Nothing listens at SLACK_API_URL: one line per attempt (the waits
    grow), no inner retries, nothing "going on"."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    lib.cleanup(sock.close)     # bound, never listening: refused
    bot = lib.start_slackbot(["run"], env={
        "SLACK_API_URL": "https://127.0.0.1:%d/api/" % port,
        "SLACK_APP_TOKEN": lib.APP_TOKEN})
    bot.expect_stderr(r"(?s)(auth\.test.*){4}", 20)
    lines = bot.stderr().splitlines()
    attempts = [x for x in lines if "trying again in" in x]
    eq(len(attempts), len(lines), "every line is an attempt: %r" % lines)
    ok("going on" not in bot.stderr() and "retrying" not in bot.stderr(),
       bot.stderr())


@test(timeout=40)
def a_long_hint_is_said_once():
    """The same failure again and again: its hint (the part in
    parentheses) comes with the first line only."""
    si = lib.standin(cert="untrusted")
    bot = lib.start_slackbot(["run"], si=si,
                             env={"SLACK_APP_TOKEN": lib.APP_TOKEN})
    bot.expect_stderr(r"(?s)(not signed by a trusted authority.*){3}", 20)
    eq(bot.stderr().count("point SSL_CERT_FILE"), 1, bot.stderr())


@test(timeout=40)
def trace_level_adds_wire_facts_not_payloads():
    si = hk.standin()
    secret_text = "payload-words-never-logged"
    bot = hk.run(si, ["--ping", "1", "--dead", "3"], level="-vv")
    si.sm_events(1, text=secret_text)
    bot.readline(5)
    si.wait_acks(1)
    err = bot.stderr()
    for pat in (r"HTTP 200 from localhost", r"received a text message of "
                r"\d+ bytes", r"acknowledged envelope", r"sent a ping",
                r"live"):
        bot.expect_stderr(pat, 5)
    err = bot.stderr()
    ok(secret_text not in err, "payload text in the log")
    r = sb(["-v", "auth"], si=si)
    ok("HTTP 200" not in r.err, "-v shows trace lines: %r" % r.err)


@test(timeout=30)
def stop_summary_and_log_time():
    si = hk.standin()
    bot = lib.start_slackbot(["--log-time", "run"], si=si,
                             env={"SLACK_APP_TOKEN": lib.APP_TOKEN})
    si.wait_ws(1, timeout=10)
    si.sm_events(1)
    bot.readline(5)
    si.wait_acks(1)
    eq(bot.stop(), 0)
    err = bot.stderr()
    ok("stopping: 1 event handled, 1 envelope acknowledged, 0 repeats "
       "skipped" in err, err)
    for x in err.splitlines():
        ok(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ slackbot: ", x), x)


# ----------------------------------------------------------------------
# Messages that say which and what to do.

@test(timeout=30)
def a_refused_token_names_its_variable():
    si = lib.standin(token_errors={"xapp-1-A0-9-revoked": "token_revoked"})
    r = sb(["run"], si=si, env={"SLACK_APP_TOKEN": "xapp-1-A0-9-revoked"},
           timeout=10)
    eq(r.rc, 3, repr(r))
    ok(re.search(r"apps\.connections\.open: Slack refused SLACK_APP_TOKEN: "
                 r".*token_revoked", r.err), repr(r))
    r = sb(["auth"], si=si, env={"SLACK_BOT_TOKEN": "xoxb-9-nope"})
    eq(r.rc, 3, repr(r))
    ok("Slack refused SLACK_BOT_TOKEN" in r.err, repr(r))


@test
def not_in_channel_says_to_invite_the_bot():
    si = lib.standin()
    si.fault("chat.postMessage", error="not_in_channel")
    r = sb(["post", "-c", GENERAL, "hi"], si=si)
    eq(r.rc, 1, repr(r))
    ok(re.search(r"not_in_channel: .*invite", r.err), repr(r))


@test
def allow_users_takes_user_ids():
    for v in ("bob", "U0AB,alice", "C0GENERAL1", "U", ""):
        r = sb(["run", "--allow-users", v],
               env={"SLACK_APP_TOKEN": lib.APP_TOKEN})
        eq(r.rc, 2, repr(r))
        ok("--allow-users takes user ids" in r.err, repr(r))


def on_a_terminal(args, si, stdin_data=None, env=None):
    """slackbot ARGS with standard input and error on a pseudo-terminal;
    stdin_data is typed, then Ctrl-D.  Returns (rc, what the terminal
    showed, stdout)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([str(lib.SLACKBOT)] + args,
                         env=lib.environment(si, env), stdin=slave,
                         stdout=subprocess.PIPE, stderr=slave,
                         start_new_session=True)
    os.close(slave)
    lib.cleanup(lambda: lib._kill_group(p))
    shown = b""
    if stdin_data is not None:
        deadline = time.monotonic() + 5
        while b"Ctrl-D" not in shown and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                shown += os.read(master, 4096)
        os.write(master, stdin_data.encode() + b"\n\x04")
    out = p.stdout.read()
    rc = p.wait(30)
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return rc, shown.decode("utf-8", "replace"), out.decode()


@test(timeout=30)
def post_from_a_terminal_says_so():
    si = lib.standin()
    rc, shown, out = on_a_terminal(["post", "-c", GENERAL], si, "typed")
    eq(rc, 0, shown)
    ok("reading the message from standard input; end it with Ctrl-D" in
       shown, shown)
    eq([p["text"] for p in si.posts()], ["typed"])


# ----------------------------------------------------------------------
# Scripting.

@test(timeout=30)
def upload_from_standard_input_into_slack_channel():
    si = lib.standin()
    data = os.urandom(300000)
    r = sb(["upload", "--name", "dump.bin", "-"], si=si, input=data,
           env={"SLACK_CHANNEL": GENERAL})
    eq(r.rc, 0, repr(r))
    f = si.uploads()[0]
    eq((f["filename"], f["size"], f["channel"]),
       ("dump.bin", len(data), GENERAL))


@test(timeout=30)
def upload_shows_progress_on_a_terminal():
    si = lib.standin()
    d = hk.tmpdir()
    path = os.path.join(d, "f.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(2 * 1000 * 1000))
    rc, shown, out = on_a_terminal(["-v", "upload", "-c", GENERAL, path], si)
    eq(rc, 0, shown)
    ok(re.search(r"upload: 2\.0 MB of 2\.0 MB \(100%\)", shown), shown)
    ok(re.search(r"upload: 2\.0 MB in [\d.]+ s \([\d.]+ MB/s\)", shown),
       shown)
    r = sb(["upload", "-c", GENERAL, path], si=si)
    eq((r.rc, r.err), (0, ""), repr(r))


# ----------------------------------------------------------------------
# slackbot check.

def checks(r):
    return [tuple(x.split(None, 1)) for x in r.out.splitlines()]


@test(timeout=60)
def check_a_good_configuration():
    # Also the build of another compiler (clang, under ASan and UBSan):
    # what C leaves unspecified, such as the order in which arguments
    # are evaluated, must not change a line.
    for binary in (lib.SLACKBOT, lib.ROOT / "build" / "asan" / "slackbot"):
        si = lib.standin()
        r = sb(["check", "--exec", "examples/echo.sh"], si=si,
               env={"SLACK_APP_TOKEN": lib.APP_TOKEN,
                    "ASAN_OPTIONS": "detect_leaks=0"}, binary=binary)
        eq(r.rc, 0, repr(r))
        got = checks(r)
        eq([s for s, _ in got], ["ok"] * 6, r.out)
        for word in ("tokens", "trusted roots", "proxy", "auth.test",
                     "apps.connections.open", "handler"):
            ok(any(x.startswith(word + ":") for _, x in got), word)
        ok("deploybot (U07BOT0001) in Acme Ops (T01ACME001)" in r.out and
           "ca.pem (1 certificates)" in r.out, r.out)
        eq(len(si.ws_connections()), 0, "no socket kept")


@test(timeout=60)
def check_four_bad_configurations():
    si = lib.standin(token_errors={"xoxb-9-revoked": "token_revoked"})
    # no token at all
    r = sb(["check"], si=si, env={"SLACK_BOT_TOKEN": None})
    eq(r.rc, 2, repr(r))
    # a refused bot token
    r = sb(["check"], si=si, env={"SLACK_BOT_TOKEN": "xoxb-9-revoked",
                                  "SLACK_APP_TOKEN": lib.APP_TOKEN})
    eq(r.rc, 3, repr(r))
    ok(re.search(r"^FAIL +auth\.test: Slack refused SLACK_BOT_TOKEN", r.out,
                 re.M), r.out)
    ok(re.search(r"^ok +apps\.connections\.open", r.out, re.M), r.out)
    # roots that do not trust Slack's certificate
    r = sb(["check"], si=si, env={"SLACK_APP_TOKEN": lib.APP_TOKEN,
                                  "SSL_CERT_FILE": lib.certs()["other-ca"]})
    eq(r.rc, 1, repr(r))
    ok(re.search(r"^FAIL +auth\.test: .*not signed by a trusted", r.out,
                 re.M), r.out)
    # a handler that is not there
    r = sb(["check", "--pipe", "/nonexistent/handler --flag"], si=si,
           env={"SLACK_APP_TOKEN": lib.APP_TOKEN})
    eq(r.rc, 2, repr(r))
    ok(re.search(r"^FAIL +handler: /nonexistent/handler: not an executable",
                 r.out, re.M), r.out)
    r = sb(["check", "--exec", "nosuchprogram x"], si=si,
           env={"SLACK_APP_TOKEN": lib.APP_TOKEN})
    eq(r.rc, 2, repr(r))
    ok("nosuchprogram: not found in PATH" in r.out, r.out)


lib.run_all()
