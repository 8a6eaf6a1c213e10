#!/usr/bin/python3
"""End-to-end tests of what a hostile server, handler, resolver or
operator can do to `slackbot run` and the one-shot commands: nothing may
freeze the loop, wedge the replies, outlive the bot, expose a token or
lose an acknowledged event.  README.md, "Stopping" and "Limits"."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok, wait_until  # noqa: E402
import handlerkit as hk  # noqa: E402
from handlerkit import GENERAL, RANDOM  # noqa: E402


def stopped_within(bot, seconds, sig=signal.SIGTERM):
    """Sends sig and returns (exit status, seconds until the exit); fails
    when slackbot is still running `seconds` later (the product's bound,
    plus lib.LATE for a busy machine).  The time taken is what the tests
    print."""
    t0 = time.monotonic()
    bot.signal(sig)
    try:
        rc = bot.proc.wait(seconds + lib.LATE + 5)
    except subprocess.TimeoutExpired:
        raise AssertionError("still running %.0f s after signal %d" %
                             (seconds + lib.LATE + 5, sig))
    took = time.monotonic() - t0
    bot._done()
    ok(took <= seconds + lib.LATE, "exit %.2f s after signal %d, want at "
       "most %.1f s" % (took, sig, seconds))
    return rc, took


def write_atomically(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def read_when_there(path, timeout=5.0):
    wait_until(lambda: os.path.exists(path), timeout, path)
    with open(path) as f:
        return f.read()


# ----------------------------------------------------------------------
# A handler that floods its output.

@test(timeout=40)
def pipe_handler_flooding_its_output_does_not_freeze_the_loop():
    """--pipe 'exec yes': every line it prints is no action.  The bot
    still connects, acknowledges events and stops at once; the warning
    about such lines is not repeated thousands of times but counted."""
    si = hk.standin()
    bot = hk.run(si, ["--pipe", "exec yes", "--drain", "1"], wait=False)
    si.wait_ws(1, timeout=10)
    si.sm_events(5)
    si.wait_acks(5, timeout=5)
    time.sleep(1.5)
    si.sm_events(5)
    si.wait_acks(10, timeout=5)
    rc, took = stopped_within(bot, 2.0)
    eq(rc, 0, "exit status")
    err = bot.stderr()
    warn = [x for x in err.splitlines() if "no action" in x or
            "not a JSON object" in x]
    ok(0 < len(warn) < 50, "%d lines about the handler's output" % len(warn))
    m = re.search(r"(\d+) more lines? like", err)
    ok(m and int(m.group(1)) > 1000, "no count of the suppressed lines: %r"
       % err[-600:])
    print("  yes as the pipe handler: 10 events acked, %d log lines in all "
          "(%s suppressed), exit %.2f s after SIGTERM" %
          (len(err.splitlines()), m.group(1), took))


@test(timeout=40)
def exec_handler_flooding_its_output_does_not_freeze_the_loop():
    """An --exec handler that prints without end: its slot times out as
    usual and the loop keeps acknowledging meanwhile."""
    si = hk.standin()
    bot = hk.run(si, ["--exec", "exec yes", "--timeout", "2", "--all",
                      "-j", "1"])
    si.sm_events(1)
    si.wait_acks(1, timeout=5)
    time.sleep(0.5)
    si.sm_events(5)
    si.wait_acks(6, timeout=3 + lib.LATE)
    bot.expect_stderr(r"handler timed out after 2 s", 10)
    stopped_within(bot, 3.0)


# ----------------------------------------------------------------------
# Long response_url.

SLASH_ECHO = "printf 'done: %s' \"$SLACK_TEXT\""


@test(timeout=40)
def long_response_urls_are_answered_and_longer_ones_refused():
    """A response_url of 387 characters (and one of 2000) is answered;
    one longer than the bound is refused with one line naming the
    channel, and the handler slot is free for the next command."""
    si = hk.standin()
    bot = hk.run(si, ["--exec", SLASH_ECHO, "-j", "1"])
    for n in (387, 511, 2000):
        si.sm_slash(text="n%d" % n, response_url=si.hook_url(length=n))
    wait_until(lambda: len(si.responses()) == 3, 10, "three responses")
    eq([r["body"]["text"] for r in si.responses()],
       ["done: n387", "done: n511", "done: n2000"])
    si.sm_slash(text="huge", response_url=si.hook_url(length=4000))
    bot.expect_stderr(r"command in %s is not sent: its response_url of "
                      r"4000 bytes is longer than" % GENERAL, 5)
    si.sm_slash(text="after")
    wait_until(lambda: len(si.responses()) == 4, 10, "the next response")
    eq(si.responses()[3]["body"]["text"], "done: after")
    eq(len(re.findall(r"response_url of 4000", bot.stderr())), 1,
       "lines about the long URL")


@test(timeout=40)
def long_response_url_from_a_pipe_handler():
    """The same through a --pipe action line."""
    si = hk.standin()
    d = hk.tmpdir()
    urls = [si.hook_url(length=450), si.hook_url(length=5000)]
    h = hk.script(d, "h.sh", "while read -r l; do\n"
                  "  echo '{\"response_url\":\"%s\",\"text\":\"a\"}'\n"
                  "  echo '{\"response_url\":\"%s\",\"text\":\"b\"}'\n"
                  "  echo '{\"channel\":\"%s\",\"text\":\"c\"}'\n"
                  "done\n" % (urls[0], urls[1], GENERAL))
    bot = hk.run(si, ["--pipe", "sh " + h, "--all", "--rate", "0"])
    si.sm_events(1)
    si.wait_posts(1, timeout=10)
    wait_until(lambda: len(si.responses()) == 1, 5, "the response")
    eq(si.responses()[0]["body"]["text"], "a")
    eq(hk.texts(si), ["c"])
    bot.expect_stderr(r"response_url of 5000 bytes", 5)


@test(timeout=40)
def an_answer_too_large_to_send_frees_its_slot():
    """An answer whose JSON does not fit the request buffer (39,000
    control characters, each escaped to six bytes) is refused with one
    line; the slot is free again and the next event is answered."""
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "h.sh", 'case "$SLACK_TEXT" in\n'
                  "*big*) head -c 39000 /dev/zero | tr '\\0' '\\1' ;;\n"
                  '*) echo "fine" ;;\nesac\n')
    bot = hk.run(si, ["--exec", "sh " + h, "-j", "1", "--rate", "0"])
    hk.mention(si, "big")
    bot.expect_stderr(r"too large to send", 10)
    hk.mention(si, "small")
    eq(hk.wait_texts(si, 1, 10), ["fine"])


# ----------------------------------------------------------------------
# Signals while nothing answers.

class BlackHole:
    """A TCP listener that accepts and then never says anything (reads
    and discards what arrives); `accepted` counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.conns = []
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()
        lib.cleanup(self.close)

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(c)
            self.accepted += 1

    def close(self):
        self._stop = True
        for c in self.conns:
            c.close()
        self.sock.close()


@test(timeout=40)
def sigterm_ends_the_start_up_at_once():
    """auth.test against a server that accepts and never answers: SIGTERM
    ends slackbot run within a second (exit 0)."""
    hole = BlackHole()
    bot = lib.start_slackbot(["run"], env={
        "SLACK_API_URL": "https://127.0.0.1:%d/api/" % hole.port,
        "SLACK_APP_TOKEN": lib.APP_TOKEN})
    wait_until(lambda: hole.accepted >= 1, 5, "a connection")
    time.sleep(0.3)
    rc, took = stopped_within(bot, 1.0)
    eq(rc, 0, "exit status")
    print("  SIGTERM during the start-up handshake: exit after %.2f s" % took)


@test(timeout=40)
def sigterm_ends_a_backoff_and_a_silent_handshake():
    """Once running: while the Web API hangs in the middle of
    apps.connections.open, and while waiting to try again, SIGTERM ends
    the bot within a second."""
    si = hk.standin()
    hole = BlackHole()
    # The bot signs in against the stand-in, then every WebSocket URL
    # points at the black hole.
    si.set_answer("apps.connections.open", {
        "ok": True, "url": "wss://127.0.0.1:%d/link/?ticket=x" % hole.port})
    bot = hk.run(si, [], wait=False)
    wait_until(lambda: hole.accepted >= 1, 10, "a connection to the hole")
    rc, took = stopped_within(bot, 1.0)
    eq(rc, 0)
    si2 = hk.standin()
    si2.fault("apps.connections.open", count=50, status=503)
    bot = hk.run(si2, [], wait=False)
    bot.expect_stderr(r"trying again in", 10)
    rc, took2 = stopped_within(bot, 1.0)
    eq(rc, 0)
    print("  SIGTERM in a silent handshake: %.2f s; in a backoff: %.2f s" %
          (took, took2))


# ----------------------------------------------------------------------
# A resolver that never answers.

class SilentDNS:
    """A UDP socket on 127.0.0.1:53 that takes queries and never answers
    (slackbot runs in a mount namespace whose resolv.conf names it)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 53))
        self.queries = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        lib.cleanup(self.close)

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                self.sock.recvfrom(4096)
                self.queries += 1
            except OSError:
                continue

    def close(self):
        self._stop = True
        self._thread.join(2)
        self.sock.close()


def in_namespace_with(resolv, args, si, env):
    """slackbot ARGS in a private mount namespace where /etc/resolv.conf
    is the file `resolv`."""
    sh = "mount --bind %s /etc/resolv.conf && exec %s %s" % (
        resolv, lib.SLACKBOT, " ".join(args))
    e = {"SLACK_APP_TOKEN": lib.APP_TOKEN}
    e.update(env)
    return lib.start_slackbot(["-m", "sh", "-c", sh], si=si, env=e,
                              binary="/usr/bin/unshare")


@test(timeout=60)
def a_silent_resolver_blocks_nothing():
    """Connection 2's host name never resolves (the resolver is silent,
    timeout 30 s): connection 1 keeps delivering and acknowledging
    events meanwhile, and SIGTERM ends the bot within a second."""
    dns = SilentDNS()
    d = hk.tmpdir()
    resolv = os.path.join(d, "resolv.conf")
    write_atomically(resolv, "nameserver 127.0.0.1\n"
                     "options timeout:30 attempts:5\n")
    si = hk.standin()
    bot = in_namespace_with(resolv, ["-v", "run", "--ping", "1", "--dead",
                                     "3"], si, {})
    si.wait_ws(1, timeout=10)
    si.sm_events(3)
    bot.readlines(3, 5)
    # The next URL names a host only the silent resolver could know.
    si.host_name = "never.resolves.invalid"
    # A warning: Slack keeps delivering on the old connection meanwhile.
    si.sm_disconnect("warning")
    wait_until(lambda: dns.queries > 0, 10, "a query to the resolver")
    t0 = time.monotonic()
    for i in range(3):
        si.sm_events(2)
        bot.readlines(2, 3 + lib.LATE)
    si.wait_acks(9, timeout=3 + lib.LATE)
    # The resolver waits 30 s; the events must not.
    ok(time.monotonic() - t0 < 9 + lib.LATE, "events waited for the "
       "resolver")
    rc, took = stopped_within(bot, 1.0)
    eq(rc, 0)
    print("  silent resolver: 6 events acked while resolving, exit %.2f s "
          "after SIGTERM" % took)


@test(timeout=60)
def name_resolution_gives_up_at_its_deadline():
    """With only the silent resolver, each attempt of auth gives up at
    its connect deadline (10 s) with a line that says the name did not
    resolve."""
    dns = SilentDNS()
    d = hk.tmpdir()
    resolv = os.path.join(d, "resolv.conf")
    write_atomically(resolv, "nameserver 127.0.0.1\n"
                     "options timeout:30 attempts:5\n")
    sh = "mount --bind %s /etc/resolv.conf && exec %s auth" % (
        resolv, lib.SLACKBOT)
    t0 = time.monotonic()
    bot = lib.start_slackbot(["-m", "sh", "-c", sh],
                             binary="/usr/bin/unshare",
                             env={"SLACK_API_URL":
                                  "https://never.resolves.invalid/api/"})
    bot.expect_stderr(r"cannot resolve never\.resolves\.invalid: no "
                      r"answer within 10 s", 10 + lib.LATE + 5)
    took = time.monotonic() - t0
    ok(dns.queries > 0, "no query reached the resolver")
    ok(took < 10 + lib.LATE, "gave up after %.1f s" % took)
    stopped_within(bot, 1.0)


@test(timeout=60)
def the_resolver_process_closes_what_it_inherited_at_once():
    """The resolver process (a fork that only looks a name up) lets go of
    the descriptors it inherited with close_range(2) where the kernel has
    it (Linux 5.9), not with a close(2) for every number up to 1023: a
    router pays for each system call, on every connection."""
    si = hk.standin()
    d = hk.tmpdir()
    trace = os.path.join(d, "trace")
    # (LeakSanitizer cannot work under ptrace: the ASan build runs too.)
    r = lib.run_slackbot(["-f", "-qq", "-e", "trace=close,close_range",
                          "-o", trace, str(lib.SLACKBOT), "auth"], si=si,
                         timeout=30, binary="/usr/bin/strace",
                         env={"ASAN_OPTIONS": "detect_leaks=0"})
    eq(r.rc, 0, repr(r))
    with open(trace) as f:
        lines = f.read().splitlines()
    # "PID close(7) = -1 EBADF ...": a descriptor that was not open.
    futile = [ln for ln in lines if " close(" in ln and "EBADF" in ln]
    ranges = [ln for ln in lines if " close_range(" in ln and "= 0" in ln]
    release = tuple(int(x) for x in
                    re.findall(r"\d+", os.uname().release)[:2])
    if release >= (5, 9):
        eq(len(futile), 0, "close() of descriptors not open, e.g. %s" %
           futile[:3])
        ok(len(ranges) >= 1, "no close_range() in %d lines" % len(lines))
    else:
        ok(len(futile) > 900, "the fallback closes each descriptor")
    print("  auth: %d close() calls in all, %d of them futile, %d "
          "close_range()" % (len(lines) - len(ranges), len(futile),
                             len(ranges)))


# ----------------------------------------------------------------------
# Slow uploads.

@test(timeout=90)
def an_upload_slower_than_its_timeout_completes():
    """6 MB through a link that takes 1 MB a second, with --timeout 2:
    no two seconds pass without progress, so the upload completes in
    one attempt.  A link that stops moving fails after 2 s."""
    si = lib.standin()
    d = hk.tmpdir()
    path = os.path.join(d, "big.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(6 * 1024 * 1024))
    si.fault("upload", read_rate=1024 * 1024)
    r = lib.run_slackbot(["upload", "-c", GENERAL, "--timeout", "2", path],
                         si=si, timeout=60)
    eq(r.rc, 0, repr(r))
    eq(len(si.requests("upload", server="files")), 1, "upload attempts")
    ok(r.elapsed > 4, "the link was not slow (%.1f s)" % r.elapsed)
    print("  6 MB at 1 MB/s with --timeout 2: done in %.1f s, 1 attempt" %
          r.elapsed)


# ----------------------------------------------------------------------
# Handlers that outlive slackbot.

@test(timeout=40)
def a_pipe_handler_ignoring_sigterm_is_killed():
    """A pipe handler that ignores SIGTERM and the end of its input: its
    process group is gone once slackbot has exited."""
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "h.sh", "trap '' TERM\n"
                  "cut -d' ' -f5 /proc/$$/stat > %s/pgid.tmp\n"
                  "mv %s/pgid.tmp %s/pgid\n"
                  "while :; do read -r l; sleep 0.1; done\n" % (d, d, d))
    bot = hk.run(si, ["--pipe", "sh " + h, "--drain", "1"])
    pgid = int(read_when_there(os.path.join(d, "pgid")))
    hk.kill_group_later(pgid)
    rc, took = stopped_within(bot, 3.0)
    wait_until(lambda: hk.group_gone(pgid), 2 + lib.LATE,
               "the handler's group gone")
    print("  pipe handler ignoring SIGTERM: gone, slackbot exit %.2f s" %
          took)


# ----------------------------------------------------------------------
# Tokens.

@test(timeout=40)
def handlers_cannot_read_tokens_from_their_parent():
    """An --exec handler copies /proc/$PPID/environ and cmdline: neither
    holds a token (from the environment or from a file)."""
    si = hk.standin()
    d = hk.tmpdir()
    tokfile = os.path.join(d, "app-token")
    write_atomically(tokfile, lib.APP_TOKEN + "\n")
    # $PPID of the shell that runs the command is slackbot.
    h = ("cat /proc/$PPID/environ > %s/env.tmp; "
         "cat /proc/$PPID/cmdline > %s/cmd.tmp; "
         "mv %s/cmd.tmp %s/cmd; mv %s/env.tmp %s/env" % (d, d, d, d, d, d))
    hk.run(si, ["--exec", h, "--reply", "none"],
           env={"SLACK_APP_TOKEN": None, "SLACK_APP_TOKEN_FILE": tokfile})
    hk.mention(si, "hello")
    env = read_when_there(os.path.join(d, "env"), 10)
    cmd = read_when_there(os.path.join(d, "cmd"), 1)
    ok("SSL_CERT_FILE=" in env, "environ unreadable: %r" % env[:200])
    for secret in (lib.BOT_TOKEN, lib.APP_TOKEN, lib.BOT_TOKEN[5:],
                   lib.APP_TOKEN[5:]):
        ok(secret not in env, "a token in /proc/PPID/environ")
        ok(secret not in cmd, "a token in /proc/PPID/cmdline")


@test(timeout=30)
def slackbot_is_not_dumpable():
    """Run as an ordinary user, slackbot's /proc/PID/environ and memory
    are closed to other processes of that same user."""
    si = hk.standin()
    nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
    bot = lib.start_slackbot(nobody + [str(lib.SLACKBOT), "run"], si=si,
                             env={"SLACK_APP_TOKEN": lib.APP_TOKEN},
                             binary="/usr/bin/setpriv")
    si.wait_ws(1, timeout=10)
    for what in ("environ", "mem"):
        r = subprocess.run(["/usr/bin/setpriv"] + nobody +
                           ["cat", "/proc/%d/%s" % (bot.pid, what)],
                           capture_output=True)
        ok(r.returncode != 0 and b"ermission denied" in r.stderr,
           "%s readable by the same user: %r" % (what, r))


# ----------------------------------------------------------------------
# Trust anchors from hostile paths.

@test(timeout=40)
def trust_anchor_paths_that_are_not_files_are_refused():
    """SSL_CERT_FILE=/dev/zero, a FIFO, a directory and a huge file are
    each refused in one line with exit 2, at once; an SSL_CERT_DIR entry
    that links to /dev/zero is skipped with a warning and the rest is
    used."""
    si = lib.standin()
    d = hk.tmpdir()
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    huge = os.path.join(d, "huge.pem")
    with open(huge, "wb") as f:
        f.truncate(64 * 1024 * 1024)
    for path in ("/dev/zero", fifo, d, huge):
        r = lib.run_slackbot(["auth"], si=si, env={"SSL_CERT_FILE": path},
                             timeout=5)
        eq(r.rc, 2, repr(r))
        lines = r.err.strip().splitlines()
        eq(len(lines), 1, repr(r))
        ok("SSL_CERT_FILE=" + path in lines[0], r)
    cadir = os.path.join(d, "certs")
    os.mkdir(cadir)
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in",
                        lib.certs()["ca"]], capture_output=True,
                       text=True, check=True).stdout.strip()
    os.symlink(lib.certs()["ca"], os.path.join(cadir, h + ".0"))
    os.symlink("/dev/zero", os.path.join(cadir, "0badc0de.0"))
    os.symlink(fifo, os.path.join(cadir, "0badc0de.1"))
    r = lib.run_slackbot(["auth"], si=si, env={"SSL_CERT_FILE": None,
                                               "SSL_CERT_DIR": cadir},
                         timeout=5)
    eq(r.rc, 0, repr(r))
    ok(re.search(r"warning: .*0badc0de\.0.*not a regular file", r.err), r)
    ok(re.search(r"warning: .*0badc0de\.1.*not a regular file", r.err), r)


# ----------------------------------------------------------------------
# A frame trickled a byte at a time.

@test(timeout=40)
def a_trickled_frame_does_not_keep_a_dead_link_alive():
    """One byte every 0.2 s of one frame, with --dead 3: the message is
    not complete within the bound (twice --dead), so the socket is
    replaced."""
    si = hk.standin(ping_interval=None, answer_pings=False)
    bot = hk.run(si, ["--ping", "1", "--dead", "3"])
    t0 = time.monotonic()
    si.ws_trickle(json.dumps({"type": "events_api", "envelope_id": "e1",
                              "payload": {"event": {"type": "message",
                                                    "text": "x" * 200}}}),
                  0.2)
    si.wait_ws(2, timeout=15 + lib.LATE)
    took = time.monotonic() - t0
    bot.expect_stderr(r"connection 1 lost: .*not complete", 3 + lib.LATE)
    ok(5.5 < took < 6.5 + lib.LATE, "replaced after %.1f s" % took)
    print("  trickled frame: connection replaced after %.1f s" % took)


# ----------------------------------------------------------------------
# Acknowledged events at stop.

@test(timeout=40)
def events_not_delivered_at_stop_are_spilled():
    """A pipe handler that does not read: at SIGTERM the queued events
    get the drain time, then every acknowledged event that was not read
    by the handler is written to the --spill file as a JSON line."""
    si = hk.standin()
    d = hk.tmpdir()
    spill = os.path.join(d, "spill.jsonl")
    bot = hk.run(si, ["--pipe", "exec sleep 1000", "--all", "--drain", "1",
                      "--spill", spill])
    si.sm_events(30)
    si.wait_acks(30, timeout=10)
    rc, took = stopped_within(bot, 3.0)
    eq(rc, 0)
    with open(spill) as f:
        lines = f.read().splitlines()
    eq(sorted(int(re.search(r"message (\d+)", json.loads(x)["text"])
                  .group(1)) for x in lines),
       sorted(e["seq"] for e in si.envelopes()))
    ok(re.search(r"30 events not delivered.*written to .*spill\.jsonl",
                 bot.stderr()), bot.stderr()[-500:])
    print("  handler not reading: 30 acked, 30 spilled, exit %.2f s" % took)


@test(timeout=40)
def events_not_delivered_at_stop_go_to_stderr_without_spill():
    """Without --spill the same events are written to standard error
    after a line that counts them."""
    si = hk.standin()
    bot = hk.run(si, ["--pipe", "exec sleep 1000", "--all", "--drain", "1"])
    si.sm_events(4)
    si.wait_acks(4, timeout=10)
    stopped_within(bot, 3.0)
    err = bot.stderr()
    ok(re.search(r"4 events not delivered", err), err[-500:])
    ev = [json.loads(x) for x in err.splitlines() if x.startswith("{")]
    eq(len(ev), 4, "JSON lines on standard error")


@test(timeout=40)
def a_slow_handler_is_given_the_drain_time():
    """Events queued at SIGTERM still reach a handler that reads slowly,
    for as long as --drain allows."""
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "h.sh", "while read -r l; do sleep 0.2; "
                  "echo \"$l\" >> %s/got; done\n" % d)
    bot = hk.run(si, ["--pipe", "sh " + h, "--all", "--drain", "3"])
    si.sm_events(5)
    si.wait_acks(5, timeout=5)
    stopped_within(bot, 4.5)
    with open(os.path.join(d, "got")) as f:
        eq(len(f.read().splitlines()), 5, "events the handler read")
    ok("not delivered" not in bot.stderr(), bot.stderr()[-400:])


# ----------------------------------------------------------------------
# Escaped secrets.

@test(timeout=30)
def json_escaped_tokens_are_masked_in_logs():
    """A warning from Slack holding the token with JSON escapes (an
    escaped first letter, an escaped slash) is masked at -v and -vv."""
    si = lib.standin()
    esc = "\\u0078" + lib.BOT_TOKEN[1:]
    esc2 = lib.BOT_TOKEN[:4] + "\\u002d" + lib.BOT_TOKEN[5:]
    for level in ("-v", "-vv"):
        for tok in (esc, esc2):
            si.fault("auth.test", body='{"ok":true,"user_id":"U1",'
                     '"warning":"token %s leaked"}' % tok,
                     content_type="application/json")
            r = lib.run_slackbot([level, "auth"], si=si)
            eq(r.rc, 0, repr(r))
            ok("leaked" in r.err, r)
            for s in (lib.BOT_TOKEN, lib.BOT_TOKEN[5:]):
                ok(s not in r.err and s not in r.out, "token in %r" % r.err)


# ----------------------------------------------------------------------
# Rate limits.

@test(timeout=240)
def rate_limited_answers_are_all_posted_in_order():
    """400 --exec echo messages over 8 channels, --rate 0, while the
    socket is refreshed and reset every 0.5 s and chat.postMessage meets
    runs of 429 (six in a row, more than the old limit of five): every
    message is answered exactly once, in order per channel."""
    chans = [GENERAL, RANDOM, hk.PRIVATE, hk.BUILDS, hk.OPS, "C0EXTRA001",
             "C0EXTRA002", "C0EXTRA003"]
    channels = dict(hk.CHANNELS)
    for c in chans[5:]:
        channels[c] = {"name": c.lower(), "kind": "channel"}
    si = hk.standin(channels=channels)
    bot = hk.run(si, ["--exec", "printf '%s' \"$SLACK_TEXT\"", "--rate",
                      "0", "-j", "8", "--all"])
    stop = threading.Event()

    def churn():
        n = 0
        while not stop.wait(0.5):
            try:
                if n % 2:
                    si.ws_reset()
                else:
                    si.sm_disconnect("refresh_requested")
            except Exception:   # noqa: B902 - no connection just now
                pass
            n += 1
    t = threading.Thread(target=churn, daemon=True)
    t.start()
    lib.cleanup(stop.set)
    for i in range(400):
        if i % 100 == 10:
            si.fault("chat.postMessage", count=6, status=429,
                     retry_after=1)
        si.sm_events(1, channel=chans[i % 8], text="m%03d" % i)
        time.sleep(0.01)
    si.wait_posts(400, timeout=180)
    stop.set()
    t.join()
    hk.quiet(si, 400, 1.0)
    # The order slackbot got them in (its handlers start in that order,
    # -v says so): an envelope lost with a reset connection comes again
    # later, after newer ones.
    text_of = {}
    for ch in si.chains(payloads=True).values():
        ev = ch["payload"]["event"]
        text_of[ev["ts"]] = ev["text"]
    started = re.findall(r"handler \d+ started for (\w+) ([\d.]+)",
                         bot.stderr())
    late = 0
    for c in chans:
        want = [text_of[ts] for ch, ts in started if ch == c]
        sent = ["m%03d" % i for i in range(400) if chans[i % 8] == c]
        eq(sorted(want), sent, "events handled in %s" % c)
        late += sum(1 for k, x in enumerate(want) if x < max(want[:k] or
                                                          [x]))
        eq(hk.texts(si, c), want, "answers in %s" % c)
    err = bot.stderr()
    ok(re.search(r"held back", err), err[-400:])
    ok("gave up" not in err and "not sent" not in err, err[-600:])
    print("  400 answers over 8 channels under resets and 429s: all posted "
          "once, in order of arrival (%d came after newer ones, redelivered)"
          % late)


lib.run_all()
