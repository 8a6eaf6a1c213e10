"""What slackbot's end-to-end test scripts import.

A test script (tests/e2e/test_NAME, executable, #!/usr/bin/python3):

    import lib
    from lib import test, eq, ok

    @test
    def post_reaches_slack():
        si = lib.standin()
        r = lib.run_slackbot(["post", "-c", "C0GENERAL1", "hello"], si=si)
        eq(r.rc, 0, r)
        eq([p["text"] for p in si.posts()], ["hello"])

    lib.run_all()

run_all() runs every @test in order (or the ones named on the command
line), prints "FAIL name: reason" for each failure and ends with one line
"N passed, N failed"; the exit status is 0 only when nothing failed.  What
a test starts through lib (stand-ins, proxies, slackbot processes) is
stopped when the test ends, pass or fail.

Paths are relative to the repository root, found from this file: the
binary is ./slackbot, certificates go to build/test-certs/.

The binary under test can be another one: SLACKBOT names it, and
SLACKBOT_QEMU, when set, is the command that runs it (for a binary of
another architecture, e.g. "qemu-mips-static -cpu 24Kc"; tests/qemu sets
both).  command() gives the argument list that starts it.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
import queue as _queue
from pathlib import Path

sys.dont_write_bytecode = True

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "standin"))

import certs as _certs  # noqa: E402
import standin as _standin  # noqa: E402
from standin import StandIn  # noqa: E402,F401
from proxy import Proxy  # noqa: E402,F401

CERT_DIR = ROOT / "build" / "test-certs"
SLACKBOT = Path(os.environ.get("SLACKBOT") or ROOT / "slackbot")
if not SLACKBOT.is_absolute():
    SLACKBOT = ROOT / SLACKBOT
QEMU = os.environ.get("SLACKBOT_QEMU", "").split()

BOT_TOKEN = _standin.BOT_TOKEN
APP_TOKEN = _standin.APP_TOKEN
TEAM_ID = _standin.TEAM_ID
APP_ID = _standin.APP_ID
BOT_USER = _standin.BOT_USER
BOT_ID = _standin.BOT_ID
HUMAN = _standin.HUMAN
CHANNEL = _standin.CHANNEL

# ----------------------------------------------------------------------
# The registry.

_tests = []
_cleanups = []
_captured = []      # every stdout / stderr text captured during a test


class TestTimeout(Exception):
    pass


def test(fn=None, *, timeout=60):
    """Registers a test; @test or @test(timeout=seconds)."""
    def reg(f):
        _tests.append((f.__name__, f, timeout))
        return f
    return reg(fn) if fn is not None else reg


def cleanup(fn):
    """Runs fn() when the current test ends (last registered first)."""
    _cleanups.append(fn)
    return fn


def _where(exc):
    """The last frame of the traceback that is in a test script."""
    for fr in reversed(traceback.extract_tb(exc.__traceback__)):
        if os.path.basename(fr.filename).startswith("test_"):
            return "%s:%d" % (os.path.basename(fr.filename), fr.lineno)
    return ""


def _reason(exc):
    msg = str(exc).strip().replace("\n", " | ")
    if not msg:
        msg = type(exc).__name__
    elif not isinstance(exc, AssertionError):
        msg = "%s: %s" % (type(exc).__name__, msg)
    if len(msg) > 600:
        msg = msg[:600] + "..."
    w = _where(exc)
    return "%s (%s)" % (msg, w) if w else msg


def _alarm(signum, frame):
    raise TestTimeout("test timed out")


def run_all(argv=None):
    """Runs the registered tests (those named in argv, when given; -v
    prints passes too), prints the summary line and exits."""
    argv = sys.argv[1:] if argv is None else argv
    verbose = "-v" in argv
    names = [a for a in argv if a != "-v"]
    unknown = set(names) - {n for n, _, _ in _tests}
    if unknown:
        print("unknown tests: %s" % " ".join(sorted(unknown)))
        print("0 passed, 1 failed")
        sys.exit(1)
    passed = failed = 0
    signal.signal(signal.SIGALRM, _alarm)
    for name, fn, limit in _tests:
        if names and name not in names:
            continue
        del _captured[:]
        t0 = time.monotonic()
        err = None
        signal.alarm(limit)
        try:
            fn()
        except BaseException as e:  # noqa: B902 - any failure is reported
            if isinstance(e, KeyboardInterrupt):
                raise
            err = _reason(e)
        finally:
            signal.alarm(0)
        while _cleanups:
            f = _cleanups.pop()
            try:
                signal.alarm(30)
                f()
            except BaseException as e:
                if isinstance(e, KeyboardInterrupt):
                    raise
                err = err or "cleanup: " + _reason(e)
            finally:
                signal.alarm(0)
        if err:
            failed += 1
            print("FAIL %s: %s" % (name, err), flush=True)
        else:
            passed += 1
            if verbose:
                print("ok   %s (%.2f s)" % (name, time.monotonic() - t0),
                      flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(0 if failed == 0 else 1)


# ----------------------------------------------------------------------
# Assertions.

def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s%r != %r" % (what + ": " if what else "",
                                             got, want))


def ok(cond, what="condition is false"):
    if not cond:
        raise AssertionError(what)


def wait_until(predicate, timeout=10.0, what="condition", step=0.02):
    """Polls predicate() until it is true; returns its value or fails."""
    end = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("%s not reached in %.1f s" % (what, timeout))
        time.sleep(step)


# How much later than its due time a timer may fire, or an answer arrive,
# when the machine is busy (other builds and tests on two cores).  Tests
# never hold an upper bound on a wait tighter than the product's own
# figure plus LATE; lower bounds ("not before 1 s") need no allowance,
# as nothing can come early.
LATE = 3.0


def complete_lines(path):
    """The lines of a file another process may be appending to: only
    those it has finished (ended with a newline); [] while it does not
    exist."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return data[:data.rfind(b"\n") + 1].decode("utf-8",
                                                "replace").splitlines()


def wait_file(path, timeout=10.0, what=None):
    """The text of a file once it holds a complete line (a writer that
    renames a finished temporary file into place, or one that ends with a
    newline); fails after `timeout` seconds."""
    lines = wait_until(lambda: complete_lines(path), timeout,
                       what or "a complete line in %s" % path)
    return "\n".join(lines)


def put_file(path, text=""):
    """Writes a file whole, as the other side sees it: a temporary file
    renamed into place."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)
    return path


def wait_steady(value, quiet=1.0, timeout=15.0, what="value"):
    """Polls value() until it has not changed for `quiet` seconds; returns
    it.  For counts that grow and then must stop (acks while a reader is
    blocked): the caller then checks that they stay put."""
    end = time.monotonic() + timeout
    last, since = value(), time.monotonic()
    while True:
        time.sleep(0.05)
        v = value()
        now = time.monotonic()
        if v != last:
            last, since = v, now
        elif now - since >= quiet:
            return v
        if now > end:
            raise AssertionError("%s still changing after %.1f s (now %r)" %
                                 (what, timeout, v))


def assert_no_secret(secret, *texts):
    """Fails when `secret` appears in any text given or in anything
    captured from slackbot in this test (stdout, stderr)."""
    if not secret:
        raise ValueError("empty secret")
    for i, t in enumerate(list(texts) + _captured):
        if isinstance(t, bytes):
            t = t.decode("utf-8", "replace")
        if secret in t:
            at = t.index(secret)
            raise AssertionError("secret found in captured output #%d: %r" %
                                 (i, t[max(0, at - 40):at + len(secret) + 10]))


# ----------------------------------------------------------------------
# Stand-in and proxy.

_certs_cache = {}


def certs():
    """The certificate set in build/test-certs (made once)."""
    if not _certs_cache:
        _certs_cache.update(_certs.make(str(CERT_DIR)))
    return dict(_certs_cache)


def standin(check_errors=True, check_requests=True, **kw):
    """A started StandIn (options as StandIn's) stopped at the end of the
    test.  The test fails if the stand-in recorded an internal error
    (check_errors) or received a request aiohttp could not parse
    (check_requests: slackbot must never send one)."""
    si = StandIn(certs(), **kw).start()

    def down():
        errs = si.errors()
        bad = si.bad_requests()
        si.stop()
        if check_errors and errs:
            raise AssertionError("stand-in internal error: %s" % errs[0])
        if check_requests and bad:
            raise AssertionError("malformed request received: %s %s" %
                                 (bad[0]["message"], bad[0]["error"]))
    cleanup(down)
    return si


def proxy(**kw):
    """A started Proxy (options as Proxy's), stopped at the end of the
    test."""
    px = Proxy(**kw).start()
    cleanup(px.stop)
    return px


# ----------------------------------------------------------------------
# Running slackbot.

def environment(si=None, env=None):
    """The clean environment slackbot runs with: PATH, SSL_CERT_FILE (the
    test CA), SLACK_BOT_TOKEN, and SLACK_API_URL when a stand-in is given;
    `env` adds to it, a None value removes a variable."""
    e = {"PATH": "/usr/bin:/bin", "SSL_CERT_FILE": certs()["ca"],
         "SLACK_BOT_TOKEN": BOT_TOKEN}
    if si is not None:
        e["SLACK_API_URL"] = si.api_url
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = str(v)
    return e


class Result:
    """A finished slackbot run: rc, out, err (text), elapsed (seconds)."""

    def __init__(self, args, rc, out, err, elapsed):
        self.args, self.rc, self.out, self.err = args, rc, out, err
        self.elapsed = elapsed

    def lines(self):
        return self.out.splitlines()

    def __repr__(self):
        return "slackbot %s -> rc %r, %.2f s, stdout %r, stderr %r" % (
            " ".join(self.args), self.rc, self.elapsed, self.out[-300:],
            self.err[-500:])


def _binary(binary):
    b = Path(binary) if binary else SLACKBOT
    if not b.exists():
        raise AssertionError("%s not built (make slackbot)" % b)
    return str(b)


def command(binary=None):
    """The argument list that runs the binary under test (or `binary`):
    through SLACKBOT_QEMU when it is set."""
    return QEMU + [_binary(binary)]


def run_slackbot(args, env=None, input=None, timeout=10, si=None,
                 binary=None):
    """Runs slackbot ARGS to completion with environment(si, env) and
    `input` (str or bytes) on stdin; kills it (and its process group)
    after `timeout` seconds and fails the test.  Returns a Result."""
    args = [str(a) for a in args]
    t0 = time.monotonic()
    p = subprocess.Popen(command(binary) + args, env=environment(si, env),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True,
                         cwd=str(ROOT))
    if isinstance(input, str):
        input = input.encode()
    try:
        out, err = p.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(p)
        out, err = p.communicate()
        _captured.extend([out.decode("utf-8", "replace"),
                          err.decode("utf-8", "replace")])
        raise AssertionError("slackbot %s did not finish in %s s; stderr: %r"
                             % (" ".join(args), timeout,
                                err.decode("utf-8", "replace")[-500:]))
    finally:
        if p.poll() is None:
            _kill_group(p)
    r = Result(args, p.returncode, out.decode("utf-8", "replace"),
               err.decode("utf-8", "replace"), time.monotonic() - t0)
    _captured.extend([r.out, r.err])
    return r


def _kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        pass


class Bot:
    """A long-running slackbot (e.g. `slackbot run`) under test.

    Its stdout is read line by line in a thread (readline / expect), its
    stderr collected (stderr()).  A watchdog kills it (and its process
    group) after `limit` seconds whatever happens."""

    def __init__(self, args, env=None, si=None, limit=120, binary=None,
                 stdin=False):
        self.args = [str(a) for a in args]
        self.proc = subprocess.Popen(
            command(binary) + self.args, env=environment(si, env),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, cwd=str(ROOT))
        self.pid = self.proc.pid
        self.lines = []         # every stdout line read so far
        self._q = _queue.Queue()
        self._err = []
        self._errlock = threading.Lock()
        self._rc = None
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        self._watchdog = threading.Timer(limit, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        self.expired = False

    def _read_out(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self._q.put(line)
        self._q.put(None)

    def _read_err(self):
        for raw in self.proc.stderr:
            with self._errlock:
                self._err.append(raw.decode("utf-8", "replace"))

    def _expire(self):
        self.expired = True
        _kill_group(self.proc)

    def stderr(self):
        with self._errlock:
            return "".join(self._err)

    def readline(self, timeout=10.0):
        """The next stdout line; raises AssertionError on timeout or EOF."""
        try:
            line = self._q.get(timeout=timeout)
        except _queue.Empty:
            raise AssertionError("no line from slackbot in %.1f s; stderr: %r"
                                 % (timeout, self.stderr()[-500:]))
        if line is None:
            self._q.put(None)
            raise AssertionError("slackbot closed stdout (rc %r); stderr: %r"
                                 % (self.proc.poll(), self.stderr()[-500:]))
        self.lines.append(line)
        return line

    def readlines(self, n, timeout=10.0):
        """The next n stdout lines, all within `timeout` seconds."""
        end = time.monotonic() + timeout
        return [self.readline(max(0.0, end - time.monotonic()))
                for _ in range(n)]

    def expect(self, match, timeout=10.0):
        """Reads lines until one matches (a regular expression searched in
        the line, or a predicate); returns it."""
        end = time.monotonic() + timeout
        test = match if callable(match) else \
            (lambda s: re.search(match, s) is not None)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("no line matching %r in %.1f s" %
                                     (match, timeout))
            line = self.readline(left)
            if test(line):
                return line

    def expect_stderr(self, pattern, timeout=10.0):
        """Waits until stderr matches the regular expression."""
        return wait_until(lambda: re.search(pattern, self.stderr()), timeout,
                          "stderr matching %r" % pattern)

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def alive(self):
        return self.proc.poll() is None

    def wait(self, timeout=10.0):
        """Waits for exit; returns the status or fails the test."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("slackbot still running after %.1f s" %
                                 timeout)
        self._done()
        return rc

    def stop(self, timeout=5.0):
        """SIGTERM, then SIGKILL to the group after `timeout`; returns the
        exit status (negative: killed by that signal)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc)
        # Handlers it started may linger in its process group.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._done()
        return self.proc.returncode

    def _done(self):
        self._watchdog.cancel()
        # Lines not read by the test still count as captured output;
        # they stay readable.
        rest = []
        while True:
            try:
                line = self._q.get(timeout=1.0)
            except _queue.Empty:
                break
            if line is None:
                break
            rest.append(line)
        for line in rest:
            self._q.put(line)
        self._q.put(None)
        _captured.extend(self.lines + rest + [self.stderr()])

    def fd_count(self):
        """Open descriptors of the process (from /proc/PID/fd)."""
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def fds(self):
        """Descriptor -> what it points to (socket:[..], pipe:[..], path)."""
        out = {}
        d = "/proc/%d/fd" % self.pid
        for n in os.listdir(d):
            try:
                out[int(n)] = os.readlink(os.path.join(d, n))
            except OSError:
                pass
        return out

    def memory(self):
        """{"VmRSS": kB, "VmHWM": kB, ...} from /proc/PID/status."""
        return memory(self.pid)


def memory(pid):
    """{"VmRSS": kB, "VmHWM": kB, ...} of process pid."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k.startswith("Vm"):
                out[k] = int(v.split()[0])
    return out


def start_slackbot(args, env=None, si=None, limit=120, binary=None,
                   stdin=False):
    """Starts slackbot ARGS in the background (see Bot); it is stopped
    at the end of the test."""
    b = Bot(args, env=env, si=si, limit=limit, binary=binary, stdin=stdin)
    cleanup(b.stop)
    return b
