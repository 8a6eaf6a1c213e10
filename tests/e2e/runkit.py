"""What the tests of `slackbot run` share (tests/e2e/test_run*.py and
tests/soak): starting the bot in Socket Mode or RTM against a stand-in,
reading its lines, and the checks that come back in every test.

Events from the stand-in carry their sequence number in the text
("message 17"), so a printed line tells which event it is.
"""

import functools
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402

SM_ENV = {"SLACK_APP_TOKEN": lib.APP_TOKEN}
RTM_ENV = {"SLACK_APP_TOKEN": None}


def run_args(ping=1, dead=3, verbose="-v", extra=()):
    args = [verbose] if verbose else []
    return args + ["run", "--ping", ping, "--dead", dead] + list(extra)


def sm_bot(si, ping=1, dead=3, verbose="-v", extra=(), env=None,
           limit=90):
    """slackbot run in Socket Mode (both tokens set), stopped at the end
    of the test."""
    e = dict(SM_ENV)
    e.update(env or {})
    return lib.start_slackbot(run_args(ping, dead, verbose, extra), si=si,
                              env=e, limit=limit)


def rtm_bot(si, ping=1, dead=3, verbose="-v", extra=(), env=None,
            limit=90):
    """slackbot run with only the bot token: RTM."""
    e = dict(RTM_ENV)
    e.update(env or {})
    return lib.start_slackbot(run_args(ping, dead, verbose, extra), si=si,
                              env=e, limit=limit)


def seq_of(line):
    """The sequence number in a printed event ("message 17" -> 17)."""
    ev = json.loads(line)
    m = re.match(r"(?:<@\w+> )?(?:message|big) (\d+)", ev.get("text", ""))
    if not m:
        raise AssertionError("not a stand-in event: %r" % line[:200])
    return int(m.group(1))


def read_seqs(bot, n, timeout=10.0):
    """The sequence numbers of the next n lines."""
    return [seq_of(x) for x in bot.readlines(n, timeout)]


def no_more_lines(bot, seconds=0.5):
    """Fails if slackbot prints anything within `seconds`."""
    try:
        line = bot.readline(seconds)
    except AssertionError as e:
        if "no line" in str(e):
            return
        raise
    raise AssertionError("unexpected line: %r" % line[:200])


def drain(bot, timeout=5.0):
    """Every line left once slackbot has exited (or closed stdout)."""
    out = []
    end = time.monotonic() + timeout
    while True:
        try:
            out.append(bot.readline(max(0.05, end - time.monotonic())))
        except AssertionError as e:
            if "closed stdout" in str(e):
                return out
            raise


def read_until(bot, want, timeout=10.0):
    """Reads lines until every sequence number in `want` was printed;
    returns all sequence numbers read, in order (duplicates included)."""
    want = set(want)
    got = []
    end = time.monotonic() + timeout
    while not want.issubset(got):
        left = end - time.monotonic()
        if left <= 0:
            raise AssertionError("missing after %.1f s: %s" % (
                timeout, sorted(want - set(got))[:20]))
        got.append(seq_of(bot.readline(left)))
    return got


def once_each(got, want):
    """got holds every number of want exactly once, and nothing else."""
    dups = sorted({x for x in got if got.count(x) > 1}) \
        if len(got) < 5000 else _dups(got)
    if dups:
        raise AssertionError("printed twice: %s" % dups[:20])
    missing = sorted(set(want) - set(got))
    if missing:
        raise AssertionError("never printed: %s" % missing[:20])
    extra = sorted(set(got) - set(want))
    if extra:
        raise AssertionError("printed but not sent: %s" % extra[:20])


def _dups(xs):
    seen, d = set(), set()
    for x in xs:
        if x in seen:
            d.add(x)
        seen.add(x)
    return sorted(d)


def chain_seqs(si, state=None):
    """Sequence numbers of the stand-in's events (of one chain state)."""
    return sorted(c["seq"] for c in si.chains().values()
                  if c["seq"] is not None and
                  (state is None or c["state"] == state))


def max_open(intervals):
    """Most intervals (opened, closed or None) open at one time."""
    marks = []
    for a, b in intervals:
        marks.append((a, 1))
        marks.append((b if b is not None else float("inf"), -1))
    marks.sort(key=lambda m: (m[0], m[1]))
    n = top = 0
    for _, d in marks:
        n += d
        top = max(top, n)
    return top


def sm_ws(si):
    return si.ws_connections("socket_mode")


def open_ws(si, kind=None):
    return [w for w in si.ws_connections(kind) if w["closed"] is None]


def wait_open_ws(si, n, kind=None, timeout=10.0):
    """Waits until exactly n WebSockets are open, all past hello; returns
    them."""
    def look():
        w = open_ws(si, kind)
        return w if len(w) == n and all(x["hello"] for x in w) else None
    return lib.wait_until(look, timeout, "%d open WebSocket(s)" % n)


def check_acks(si, within=3.0):
    """Every ack counted, on the connection of its envelope, and within
    `within` seconds of that delivery.  Returns the largest delay."""
    deliveries = {}
    for e in si.envelopes():
        deliveries.setdefault((e["envelope_id"], e["conn"]), []).append(
            e["time"])
    worst = 0.0
    for a in si.acks():
        lib.ok(a["known"], "ack of an unknown envelope: %r" % a)
        lib.ok(a["same_conn"], "ack on another connection: %r" % a)
        lib.ok(not a["dropped"], "ack too big: %r" % a)
        sent = [t for t in deliveries.get((a["envelope_id"], a["conn"]), [])
                if t <= a["time"]]
        lib.ok(sent, "ack before its delivery: %r" % a)
        delay = a["time"] - max(sent)
        worst = max(worst, delay)
        lib.ok(delay < within, "ack %.2f s after delivery: %r" % (delay, a))
    return worst


def check_client_frames(w):
    """Every frame slackbot sent on WebSocket w was masked, without RSV
    bits, and every data frame was a single text frame (FIN, no
    continuation) well under Slack's 20 KB ack limit."""
    for f in w["frames"]:
        lib.ok(f["masked"], "unmasked frame: %r" % f)
        lib.eq(f["rsv"], 0, "RSV bits")
        if f["opcode"] < 8:
            lib.eq((f["opcode"], f["fin"]), (1, True),
                   "data frame (opcode, FIN)")
            lib.ok(f["length"] < 20 * 1024, "frame of %d bytes" % f["length"])
    lib.eq(w["errors"], [], "protocol errors seen by the stand-in")


def no_secrets(si=None, *texts):
    """Neither token (nor a recognisable piece of one), nor a WebSocket
    ticket, in anything slackbot printed during the test (or in
    `texts`)."""
    for t in (lib.BOT_TOKEN, lib.APP_TOKEN, "standinbot0token",
              "standinapp0token"):
        lib.assert_no_secret(t, *texts)
    if si is not None:
        for t in si.tickets():
            lib.assert_no_secret(t, *texts)


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def xfail(reason):
    """Marks a test as failing because of a known bug in slackbot: its
    failure is reported as XFAIL (and counts as a pass); a pass is a
    failure ("XPASS"), so that the mark goes once the bug is fixed.
    Goes under @test."""
    def wrap(fn):
        @functools.wraps(fn)
        def run():
            try:
                fn()
            except Exception as e:  # noqa: B902 - any failure is the bug
                print("XFAIL %s: %s [%s]" % (fn.__name__, reason,
                                             lib._reason(e)[:300]),
                      flush=True)
                return
            raise AssertionError("XPASS: passes now; remove the xfail "
                                 "mark (%s)" % reason)
        return run
    return wrap


class PipeBot:
    """slackbot run whose standard output is a pipe the test reads only
    when it wants to (Bot always reads).  Stopped at the end of the
    test."""

    def __init__(self, si, args, env=None, limit=90, binary=None,
                 pipe_size=None, prefill=b""):
        """binary: another build (lib.SLACKBOT by default); pipe_size:
        the pipe's capacity (F_SETPIPE_SZ); prefill: bytes in the pipe
        before slackbot starts (read back like its own output)."""
        e = dict(SM_ENV)
        e.update(env or {})
        r, w = os.pipe()
        if pipe_size:
            import fcntl
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, pipe_size)
        if prefill:
            os.write(w, prefill)
        self.errpath = "%s/build/pipebot.%d.err" % (lib.ROOT, os.getpid())
        self._errf = open(self.errpath, "w+")
        self.proc = subprocess.Popen(
            [str(binary or lib.SLACKBOT)] + [str(a) for a in args],
            env=lib.environment(si, e), stdin=subprocess.DEVNULL,
            stdout=w, stderr=self._errf, start_new_session=True,
            cwd=str(lib.ROOT))
        os.close(w)
        self.pid = self.proc.pid
        self.rfd = r
        self.buf = b""
        self.deadline = time.monotonic() + limit
        lib.cleanup(self.stop)

    def read_lines(self, n, timeout=10.0):
        """Reads until n complete lines have come (in all) or fails."""
        import select
        end = min(time.monotonic() + timeout, self.deadline)
        while self.buf.count(b"\n") < n:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("%d lines after %.1f s (wanted %d)" %
                                     (self.buf.count(b"\n"), timeout, n))
            rr, _, _ = select.select([self.rfd], [], [], min(left, 0.5))
            if rr:
                d = os.read(self.rfd, 1 << 20)
                if not d:
                    raise AssertionError("stdout closed")
                self.buf += d
        return self.buf.decode("utf-8", "replace").splitlines()

    def stderr(self):
        self._errf.flush()
        with open(self.errpath) as f:
            return f.read()

    def memory(self):
        return lib.memory(self.pid)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)
        if self.rfd is not None:
            os.close(self.rfd)
            self.rfd = None
        text = self.stderr()
        lib._captured.extend([self.buf.decode("utf-8", "replace"), text])
        self._errf.close()
        try:
            os.unlink(self.errpath)
        except OSError:
            pass
