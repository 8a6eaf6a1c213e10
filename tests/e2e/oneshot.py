"""What the tests of the one-shot commands (test_webapi*.py) share.

    from oneshot import sb, early

    @test
    def auth_works():
        si = lib.standin()
        r = sb(["auth"], si=si)          # slackbot -vv auth, secrets checked

    @early(lambda: Early(["-vv", "auth"], env={...}))
    def gives_up(run):                   # started before every test
        r = run.result(20)

sb() runs slackbot with -vv (the most verbose log, so that every test also
checks that nothing secret is logged at that level) and fails the test when
a token, a token's secret part, a proxy password or an upload URL shows in
what it printed.

Some tests mostly wait: retries that back off for seconds, the 30 s answer
deadline.  @early starts their slackbot (and stand-in) before the first test
runs, so that the waiting overlaps the other tests; the test itself only
collects the result.  Run alone (by name), it starts its run then.
"""

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import lib
from lib import ok
from standin import StandIn

CH = lib.CHANNEL

# The tokens, and their parts after the prefix (which redaction keeps).
SECRETS = [lib.BOT_TOKEN, lib.BOT_TOKEN.split("-", 1)[1],
           lib.APP_TOKEN, lib.APP_TOKEN.split("-", 1)[1]]


def no_secrets(*texts, extra=()):
    """Fails when a secret is in texts or in anything slackbot printed in
    this test."""
    for s in SECRETS + [x for x in extra if x]:
        lib.assert_no_secret(s, *texts)


def upload_secrets(si):
    """The secret parts of the upload URLs the stand-in handed out."""
    return [u["upload_url"].rsplit("/", 1)[1] for u in si.uploads()]


def sb(args, si=None, env=None, input=None, timeout=15, vv=True,
       secrets=(), also_vv=True):
    """Runs slackbot -vv ARGS; checks it was not killed by a signal and
    that no secret leaked.  Returns lib's Result.

    vv=False runs it at the default level (to check its exact words),
    then, unless also_vv is False, once more with -vv, which must end
    the same way and leak nothing either (leave that out where a second
    run would change what the test counts)."""
    r = lib.run_slackbot((["-vv"] if vv else []) + list(args), env=env,
                         input=input, timeout=timeout, si=si)
    ok(r.rc >= 0, "slackbot died of signal %d: %r" % (-r.rc, r))
    if not vv and also_vv:
        r2 = lib.run_slackbot(["-vv"] + list(args), env=env, input=input,
                              timeout=timeout, si=si)
        ok(r2.rc == r.rc, "-vv changed the outcome: %r, then %r" % (r, r2))
    no_secrets(extra=list(secrets) + (upload_secrets(si) if si else []))
    return r


def errors(r):
    """Lines slackbot logged as errors."""
    return [ln for ln in r.err.splitlines()
            if ln.startswith("slackbot: error: ")]


def warnings(r):
    return [ln for ln in r.err.splitlines()
            if ln.startswith("slackbot: warning: ")]


def one_error(r, *words):
    """The run logged exactly one error line, holding every word."""
    e = errors(r)
    ok(len(e) == 1, "want one error line, got %r" % (r,))
    for w in words:
        ok(w in e[0], "%r not in the error line %r" % (w, e[0]))
    return e[0]


def statuses(si, method=None):
    return [q["status"] for q in si.requests(method)]


def start_standin(**kw):
    """A stand-in not tied to the current test (for Early runs)."""
    return StandIn(lib.certs(), **kw).start()


def check_and_stop(si):
    errs, bad = si.errors(), si.bad_requests()
    si.stop()
    if errs:
        raise AssertionError("stand-in internal error: %s" % errs[0])
    if bad:
        raise AssertionError("malformed request received: %s %s" %
                             (bad[0]["message"], bad[0]["error"]))


class Early:
    """A slackbot run started ahead of its test.  si / px: a stand-in and
    proxy it talks to (stopped with it); stops: more things to call at
    the end (closing a socket)."""

    def __init__(self, args, env=None, si=None, px=None, stops=()):
        self.args = [str(a) for a in args]
        self.si, self.px = si, px
        self.stops = list(stops)
        self.res = None
        self.done = threading.Event()
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [str(lib.SLACKBOT)] + self.args, env=lib.environment(si, env),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True,
            cwd=str(lib.ROOT))
        threading.Thread(target=self._wait, daemon=True).start()

    def _wait(self):
        out, err = self.proc.communicate()
        self.res = lib.Result(self.args, self.proc.returncode,
                              out.decode("utf-8", "replace"),
                              err.decode("utf-8", "replace"),
                              time.monotonic() - self.t0)
        self.done.set()

    def result(self, timeout):
        """The finished run (elapsed counts from its start); fails the
        test when it is not over within `timeout` seconds from now."""
        if not self.done.wait(timeout):
            self._kill()
            raise AssertionError("slackbot %s did not finish" %
                                 " ".join(self.args))
        r = self.res
        no_secrets(r.out, r.err, extra=upload_secrets(self.si)
                   if self.si else ())
        ok(r.rc >= 0, "slackbot died of signal %d: %r" % (-r.rc, r))
        return r

    def _kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.done.wait(5)

    def stop(self, check=True):
        """Ends everything the run started; with check, fails on a
        stand-in error."""
        self._kill()
        for f in self.stops:
            f()
        self.stops = []
        if self.px is not None:
            self.px.stop()
            self.px = None
        if self.si is not None:
            si, self.si = self.si, None
            if check:
                check_and_stop(si)
            else:
                si.stop()


_early = {}     # test name -> function returning its Early
_runs = {}      # test name -> Early started by main()


def early(start, timeout=60):
    """Registers the decorated function (taking the Early) as a test whose
    run start() begins before the tests."""
    def deco(fn):
        name = fn.__name__

        def wrapper():
            run = _runs.pop(name, None) or start()
            if isinstance(run, Exception):
                raise run       # it could not be started (no ./slackbot?)
            lib.cleanup(run.stop)
            fn(run)
        wrapper.__name__ = name
        _early[name] = start
        lib.test(timeout=timeout)(wrapper)
        return wrapper
    return deco


def _stop_leftovers():
    for run in list(_runs.values()):
        if isinstance(run, Early):
            run.stop(check=False)


def main(argv=None):
    """Starts the early runs of the selected tests, then runs them all."""
    import sys
    argv = sys.argv[1:] if argv is None else argv
    names = [a for a in argv if a != "-v"]
    lib.certs()
    atexit.register(_stop_leftovers)
    for name, start in _early.items():
        if not names or name in names:
            try:
                _runs[name] = start()
            except Exception as e:  # noqa: B902 - reported by its test
                _runs[name] = e
    lib.run_all(argv)


# ----------------------------------------------------------------------
# Small helpers of both files.

AUTH_LINES = ["team:    Acme Ops (T01ACME001)",
              "user:    deploybot (U07BOT0001)",
              "bot id:  B07BOT0001",
              "url:     https://acme-ops.slack.com/"]


def eq(got, want, what=""):
    """lib.eq, with anything (a Result, a tuple) to say what it was."""
    lib.eq(got, want, what if isinstance(what, str) else repr(what))


def tmpdir():
    d = tempfile.mkdtemp(prefix="slackbot-e2e-")
    lib.cleanup(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path
