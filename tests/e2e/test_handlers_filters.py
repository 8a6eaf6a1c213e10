#!/usr/bin/python3
"""End-to-end tests of what reaches a handler and where its answer goes:
the filters (the bot's own and other bots' messages, edits, --all, a
mention delivered twice, --allow-users), slash commands and interactions
(response_url), --reply, a 429 and a 500 on chat.postMessage (posting at
most once), RTM with --reply-via ws, and examples/status.sh under
BusyBox.  README.md, "Handlers" and "Posting at most once"."""

import json
import os
import re
import shutil
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok, wait_until  # noqa: E402
import handlerkit as hk  # noqa: E402
from handlerkit import (GENERAL, RANDOM, DM, HUMAN, MENTION,  # noqa: E402
                        PARENT)

BOB = "U04BOB0001"

# Notes each run in log (one JSON line: type, ts, text, user) and
# answers "ok TEXT".
LOGGER = r"""import json, os, sys
e = os.environ
with open(%(log)r, "a") as f:
    f.write(json.dumps([e["SLACK_EVENT_TYPE"], e["SLACK_TS"],
                        e["SLACK_TEXT"], e["SLACK_USER"]]) + "\n")
print("ok " + e["SLACK_TEXT"])
"""


def logger_bot(si, args=(), env=None):
    d = hk.tmpdir()
    log = os.path.join(d, "log")
    open(log, "w").close()
    h = hk.script(d, "logger.py", LOGGER % {"log": log})
    bot = hk.run(si, ["--exec", "/usr/bin/python3 " + h, "-j", "1",
                      "--rate", "0"] + list(args), env=env)

    def runs():
        # The log may be half way through a line: only whole ones.
        return [json.loads(x) for x in lib.complete_lines(log)]
    return bot, runs


def handled(runs, n, marker):
    """Waits until the run for the marker text is logged (with -j 1 every
    event before it has been judged by then); returns the texts."""
    wait_until(lambda: any(r[2] == marker for r in runs()), 10,
               "the handler run for %r" % marker)
    got = [r[2] for r in runs()]
    eq(len(got), n, "handler runs: %r" % got)
    return got


@test(timeout=30)
def default_filters():
    """Without options: mentions and direct messages only; never the
    bot's own messages (its answers come back as events here), another
    bot's, an edit, another subtype, a channel message without a
    mention; a mention delivered as app_mention and as a message is
    handled once, in either order."""
    si = hk.standin(echo_posts=True)
    bot, runs = logger_bot(si)
    hk.event(si, "self", "my own words")
    hk.event(si, "bot_message", "build failed")
    hk.event(si, "message_changed", "edited", edited_ts=hk.new_ts())
    hk.event(si, "message", "joined", subtype="channel_join")
    hk.event(si, "message", "just chatting", mention=False)
    ts = hk.mention(si, "twice A")
    hk.event(si, "message", "twice A", ts=ts)
    ts = hk.new_ts()
    hk.event(si, "message", "twice B", RANDOM, ts=ts)
    hk.mention(si, "twice B", channel=RANDOM, ts=ts)
    hk.event(si, "message", "said in a message", mention=True)
    hk.dm(si, "direct")
    hk.mention(si, "marker")
    got = handled(runs, 5, "marker")
    eq(got, ["twice A", "twice B", "said in a message", "direct", "marker"])
    si.wait_posts(5)
    hk.quiet(si, 5, 0.5)        # the answers, echoed back, are ignored
    for why in ("the bot's own message", "a message from a bot",
                r"an edit \(see --edits\)",
                "a message of a subtype handlers do not get",
                r"neither a direct message nor a mention \(see --all\)"):
        bot.expect_stderr(r"no handler for a message event: " + why)
    bot.expect_stderr(r"%s at %s already handled" % (RANDOM, re.escape(ts)))


@test(timeout=30)
def all_and_edits():
    """--all: channel messages without a mention; --edits: edits, with
    the new text, answered in the thread of the edited message, even
    when that message was answered before.  Never the bot's own or
    another bot's."""
    si = hk.standin()
    bot, runs = logger_bot(si, ["--all", "--edits"])
    hk.event(si, "message", "just chatting", mention=False)
    hk.event(si, "self", "my own words", mention=False)
    hk.event(si, "bot_message", "build failed", mention=False)
    old = hk.mention(si, "deploy stagng")
    hk.event(si, "message_changed", "deploy staging", edited_ts=old)
    other = hk.new_ts()
    hk.event(si, "message_changed", "fixed typo", RANDOM, mention=False,
             edited_ts=other)
    hk.mention(si, "marker")
    got = handled(runs, 5, "marker")
    eq(got, ["just chatting", "deploy stagng", "deploy staging",
             "fixed typo", "marker"])
    eq([r[1] for r in runs()][2:4], [old, other], "SLACK_TS of the edits")
    si.wait_posts(5)
    eq([(p["text"], p["thread_ts"]) for p in si.posts()[1:4]],
       [("ok deploy stagng", old), ("ok deploy staging", old),
        ("ok fixed typo", other)])


@test(timeout=30)
def allow_users():
    """--allow-users: messages, direct messages, slash commands and
    interactions of anyone else never reach the handler."""
    si = hk.standin()
    bot, runs = logger_bot(si, ["--allow-users", "U09NOBODY1, %s" % HUMAN])
    hk.mention(si, "from bob", user=BOB)
    hk.dm(si, "bob direct", user=BOB)
    si.sm_slash(command="/deploy", text="bob", user_id=BOB)
    si.sm_interactive("block_actions", user={"id": BOB})
    hk.mention(si, "from alice")
    si.sm_slash(command="/deploy", text="alice")
    hk.mention(si, "marker")
    got = handled(runs, 3, "marker")
    eq(got, ["from alice", "alice", "marker"])
    eq(len(si.responses()), 1, "answers to response_urls")
    bot.expect_stderr(r"no handler for a (message|app_mention) event: the "
                      r"user is not in --allow-users")
    bot.expect_stderr(r"no handler for a slash_command event: the user is "
                      r"not in --allow-users")


ANSWER = r"""printf 'answer %s %s' "$SLACK_EVENT_TYPE" "$SLACK_TEXT"
"""


@test(timeout=30)
def slash_commands_and_buttons_answer_their_response_url():
    """Ephemeral by default, in the channel with --reply channel; the
    answer never goes to chat.postMessage."""
    for mode, kind in ((None, "ephemeral"), ("channel", "in_channel")):
        si = hk.standin()
        d = hk.tmpdir()
        h = hk.script(d, "answer.sh", ANSWER)
        args = ["--exec", "sh " + h, "--rate", "0"]
        if mode:
            args += ["--reply", mode]
        bot = hk.run(si, args)
        si.sm_slash(command="/deploy", text="api staging")
        si.sm_interactive("block_actions")
        wait_until(lambda: len(si.responses()) >= 2, 10,
                   "two answers to response_urls")
        time.sleep(0.3)
        r = si.responses()
        eq(len(r), 2)
        eq(sorted((x["url"].split("/")[1], x["body"]["text"],
                   x["body"]["response_type"]) for x in r),
           [("actions", "answer block_actions", kind),
            ("commands", "answer slash_command api staging", kind)])
        eq(si.posts(), [])
        eq(si.requests("chat.postMessage"), [])
        bot.stop()


@test(timeout=30)
def reply_modes():
    """--reply thread (the event's thread, or the event itself; a direct
    message is answered in the conversation, or in its thread),
    --reply channel (never in a thread), --reply none (the handler runs,
    nothing is posted)."""
    for mode in ("thread", "channel", "none"):
        si = hk.standin()
        bot, runs = logger_bot(si, ["--reply", mode])
        top = hk.mention(si, "top")
        hk.event(si, "thread", "in thread", RANDOM, thread_ts=PARENT)
        hk.dm(si, "direct")
        dm_parent = hk.new_ts()
        hk.dm(si, "direct in thread", thread_ts=dm_parent)
        handled(runs, 4, "direct in thread")
        if mode == "none":
            hk.quiet(si, 0, 0.5)
            eq(si.requests("chat.postMessage"), [])
        else:
            si.wait_posts(4)
            hk.quiet(si, 4, 0.2)
            got = sorted((p["channel"], p["text"], p["thread_ts"])
                         for p in si.posts())
            threads = {"thread": (top, PARENT, None, dm_parent),
                       "channel": (None, None, None, None)}[mode]
            eq(got, sorted([(GENERAL, "ok top", threads[0]),
                            (RANDOM, "ok in thread", threads[1]),
                            (DM, "ok direct", threads[2]),
                            (DM, "ok direct in thread", threads[3])]),
               "--reply " + mode)
        bot.stop()


@test(timeout=30)
def rate_limited_answer_is_sent_once_after_retry_after():
    """A 429 with Retry-After: 1 on chat.postMessage: the answer arrives
    once, about a second later."""
    si = hk.standin()
    si.fault("chat.postMessage", count=1, status=429, retry_after=1)
    bot = hk.run(si, ["--exec", "examples/echo.sh", "--rate", "0"])
    hk.mention(si, "limited")
    si.wait_posts(1, timeout=10)
    hk.quiet(si, 1, 1.0)
    reqs = si.requests("chat.postMessage")
    eq([r["status"] for r in reqs], [429, 200])
    gap = reqs[1]["time"] - reqs[0]["time"]
    ok(0.9 <= gap <= 1 + lib.LATE, "retried %.2f s after the 429" % gap)
    eq(si.posts()[0]["text"], "<@%s> said: limited" % HUMAN)
    ok(not re.search(r"not sent", bot.stderr()), "a warning for a post that "
       "went out")


@test(timeout=30)
def failed_answer_is_never_sent_twice():
    """A 500, and a connection dropped after Slack has posted: each
    answer is attempted once and logged; the next one goes through."""
    si = hk.standin()
    si.fault("chat.postMessage", count=1, status=500)
    si.fault("chat.postMessage", count=1, drop="after")
    bot = hk.run(si, ["--exec", "examples/echo.sh", "--rate", "0", "-j", "1"])
    hk.mention(si, "first")
    hk.mention(si, "second")
    hk.mention(si, "third")
    si.wait_posts(2, timeout=10)
    hk.quiet(si, 2, 1.5)
    eq(hk.texts(si), ["<@%s> said: second" % HUMAN,
                      "<@%s> said: third" % HUMAN])
    eq([r["outcome"] for r in si.requests("chat.postMessage")],
       ["answered", "dropped_after", "answered"])
    bot.expect_stderr(r"chat.postMessage to %s: not sent: .*500" % GENERAL)
    ok(len(re.findall(r"chat.postMessage to %s: not sent" % GENERAL,
                      bot.stderr())) == 2, "two warnings: %r" %
       bot.stderr()[-600:])


LONG = r"""case $SLACK_TEXT in
long) head -c 5000 /dev/zero | tr '\0' 'z' ;;
*) echo "ok $SLACK_TEXT" ;;
esac
"""


@test(timeout=30)
def rtm_answers_over_the_websocket():
    """--rtm --reply-via ws: a short answer goes over the socket as
    {"id":N,"type":"message",...}; a long one takes the Web API."""
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "long.sh", LONG)
    hk.run(si, ["--reply-via", "ws", "--exec", "sh " + h, "--rate", "0"],
           rtm=True)
    ts1 = hk.new_ts()
    si.rtm_events(1, kind="message", text=MENTION + "short", ts=ts1)
    ts2 = hk.new_ts()
    si.rtm_events(1, kind="message", text=MENTION + "long", channel=RANDOM,
                  ts=ts2)
    si.wait_posts(2, timeout=10)
    posts = {p["channel"]: p for p in si.posts()}
    p = posts[GENERAL]
    eq((p["via"], p["text"], p["thread_ts"]), ("rtm", "ok short", ts1))
    msg = si.wait_received(lambda m: '"ok short"' in (m["data"] or ""))
    obj = json.loads(msg["data"])
    ok(isinstance(obj.get("id"), int) and obj["id"] > 0, "id %r" %
       obj.get("id"))
    eq({k: obj[k] for k in ("type", "channel", "text", "thread_ts")},
       {"type": "message", "channel": GENERAL, "text": "ok short",
        "thread_ts": ts1})
    p = posts[RANDOM]
    eq((p["via"], p["text"], p["thread_ts"]), ("web", "z" * 5000, ts2))
    eq(len(si.requests("chat.postMessage")), 1)


@test(timeout=30)
def status_example_under_busybox():
    """examples/status.sh run by BusyBox sh with BusyBox's own applets
    first on PATH: every command answers."""
    si = hk.standin()
    busybox = shutil.which("busybox")
    env = None
    if busybox:
        d = hk.tmpdir()
        for app in ("uptime", "cat", "df", "tail", "free", "grep",
                    "hostname"):
            os.symlink(busybox, os.path.join(d, app))
        env = {"PATH": d + ":/usr/bin:/bin"}
        cmd = "busybox sh examples/status.sh"
    else:
        print("  busybox is not installed (scripts/setup installs it): "
              "status.sh runs under /bin/sh")
        cmd = "sh examples/status.sh"
    hk.run(si, ["--exec", cmd, "--allow-users", HUMAN, "--rate", "0"],
           env=env)
    words = ["uptime", "load", "disk", "memory", "who", "help"]
    for i, w in enumerate(words):
        hk.mention(si, w, channel=(GENERAL, RANDOM, "G0PRIVATE1",
                                   hk.BUILDS, hk.OPS, DM)[i])
    si.wait_posts(len(words), timeout=10)
    by = {p["channel"]: p["text"] for p in si.posts()}
    ans = [by[c] for c in (GENERAL, RANDOM, "G0PRIVATE1", hk.BUILDS, hk.OPS,
                           DM)]
    want = [r"up .*load average", r"\d+\.\d+ \d+\.\d+ \d+\.\d+ \d+/\d+ \d+",
            r"\d+%", r"Mem", r".+ at your service, <@%s>" % HUMAN,
            r"I know: uptime, load, disk, memory, who"]
    for w, a, pat in zip(words, ans, want):
        ok(re.search(pat, a), "%s answered %r" % (w, a))


lib.run_all()
