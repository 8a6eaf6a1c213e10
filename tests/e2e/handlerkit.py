"""What the handler tests (tests/e2e/test_handlers*.py) share: a stand-in
with a few more channels, slackbot `run` with a handler, temporary
directories, handler scripts, and events with chosen timestamps.

    si = handlerkit.standin()
    bot = handlerkit.run(si, ["--exec", "examples/echo.sh"])
    ts = handlerkit.mention(si, "hello")       # <@BOT> hello, in #general
    si.wait_posts(1)

Every bot started here is stopped at the end of the test, and then the
test fails if a token appears in anything slackbot printed.
"""

import fcntl
import itertools
import os
import shutil
import signal
import struct
import tempfile
import termios
import time

import lib

BOT = lib.BOT_USER
HUMAN = lib.HUMAN
GENERAL = lib.CHANNEL               # C0GENERAL1
RANDOM = "C0RANDOM01"
PRIVATE = "G0PRIVATE1"
BUILDS = "C0BUILDS01"
OPS = "C0OPS00001"
DM = "D0ALICEDM1"
MENTION = "<@%s> " % BOT
PARENT = "1732531200.001200"        # a thread's parent message

CHANNELS = dict(lib._standin.DEFAULT_CHANNELS)
CHANNELS[BUILDS] = {"name": "builds", "kind": "channel"}
CHANNELS[OPS] = {"name": "ops", "kind": "channel"}

_ts = itertools.count(1)


def new_ts():
    """A message timestamp no other event of this run has."""
    return "1732600000.%06d" % next(_ts)


def standin(**kw):
    kw.setdefault("channels", CHANNELS)
    return lib.standin(**kw)


def no_secrets():
    lib.assert_no_secret(lib.BOT_TOKEN)
    lib.assert_no_secret(lib.APP_TOKEN)


def run(si, args, env=None, rtm=False, level="-v", wait=True):
    """slackbot LEVEL run ARGS against si, in Socket Mode (or RTM with
    only the bot token), connected when this returns."""
    lib.cleanup(no_secrets)         # runs after the bot has stopped
    e = {} if rtm else {"SLACK_APP_TOKEN": lib.APP_TOKEN}
    e.update(env or {})
    argv = ([level] if level else []) + ["run"] + (["--rtm"] if rtm else [])
    bot = lib.start_slackbot(argv + list(args), si=si, env=e)
    if wait:
        si.wait_ws(1, kind="rtm" if rtm else "socket_mode", timeout=10)
    return bot


def tmpdir():
    d = tempfile.mkdtemp(prefix="slackbot-handlers-")
    lib.cleanup(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


# A shell function for handler scripts that leave notes for the test:
# `put FILE TEXT` writes FILE whole (a temporary file renamed into place),
# so that the test, waiting with lib.wait_file(), never reads it half
# written.
SH_PUT = r"""put() { printf '%s\n' "$2" > "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"; }
"""


def script(d, name, text):
    """Writes an executable script d/name; returns its path."""
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, 0o755)
    return p


def event(si, kind="app_mention", text="hello", channel=GENERAL, mention=True,
          **fields):
    """One events_api envelope; the event's ts (chosen here, so that
    answers can be matched to it) is returned.  text gets a leading
    mention of the bot unless mention is False."""
    ts = fields.pop("ts", None) or new_ts()
    if mention:
        text = MENTION + text
    # The stand-in fills "{seq}" in with str.format.
    text = text.replace("{", "{{").replace("}", "}}")
    si.sm_events(1, kind=kind, text=text, channel=channel, ts=ts,
                 event_ts=ts, **fields)
    return ts


def mention(si, text, channel=GENERAL, **fields):
    return event(si, "app_mention", text, channel, **fields)


def dm(si, text, **fields):
    return event(si, "im", text, DM, mention=False, **fields)


def texts(si, channel=None):
    return [p["text"] for p in si.posts(channel)]


def wait_texts(si, n, timeout=10.0):
    """The texts of the first n posts, once there are n."""
    si.wait_posts(n, timeout=timeout)
    return texts(si)


def quiet(si, n_posts, seconds=0.4):
    """Waits a little and checks that no post beyond n_posts came."""
    time.sleep(seconds)
    lib.eq(len(si.posts()), n_posts, "posts")


def group_gone(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def kill_group_later(pgid):
    """Makes sure a handler's process group does not outlive the test."""
    def kill():
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    lib.cleanup(kill)


def pipe_bytes(pid):
    """How many bytes wait in the pipe that is process pid's standard
    input (0 once it is gone).  A full pipe holds less than its 64 KiB
    when the writes did not fill whole pages."""
    try:
        fd = os.open("/proc/%d/fd/0" % pid, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return 0
    try:
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD,
                                              b"\0" * 4))[0]
    except OSError:
        return 0
    finally:
        os.close(fd)


def percentile(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]
