#!/usr/bin/python3
"""End-to-end tests of `slackbot run --exec`: the real binary against the
Slack stand-in.  Answers and their threads, order and pacing; handlers that
fail, hang, flood or print bytes that are not UTF-8; -j; what a handler is
given (environment, standard input) and what it is not (tokens, the text on
a command line).  README.md, "Handlers" and "Posting at most once"."""

import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok, wait_until  # noqa: E402
import handlerkit as hk  # noqa: E402
from handlerkit import (GENERAL, RANDOM, PRIVATE, BUILDS,  # noqa: E402
                        OPS, DM, HUMAN, MENTION, PARENT)

ECHO = "examples/echo.sh"


def said(text):
    """What examples/echo.sh answers to text."""
    return "<@%s> said: %s" % (HUMAN, text)


# A handler whose behaviour is chosen by the first word of the message.
CASES = r"""
d=%(d)s
word=${SLACK_TEXT%%%% *}
case $word in
crash)  echo "partial crash"; exit 1 ;;
kill)   echo "partial kill"; kill -KILL 0 ;;
trap)   # ignores SIGTERM: only SIGKILL ends it
	cut -d' ' -f5 /proc/$$/stat > $d/pgid.trap
	trap 'echo term >> $d/trapped' TERM
	echo "partial trap"
	while :; do sleep 0.1; done ;;
orphan) # dies on SIGTERM; a child that ignores it holds stdout
	cut -d' ' -f5 /proc/$$/stat > $d/pgid.orphan
	( trap '' TERM; while :; do sleep 0.1; done ) &
	wait ;;
bg)     # exits at once; a background child holds stdout
	cut -d' ' -f5 /proc/$$/stat > $d/pgid.bg
	echo "early"
	sleep 100 & ;;
flood)  printf 'x'; head -c 10485760 /dev/zero | tr '\0' 'a' ;;
flood8) printf 'a'; i=0; while [ $i -lt 10 ]; do
		head -c 10000 /dev/zero | sed 's/\x0/\xc3\xa9/g'; i=$((i+1))
	done ;;
bytes)  printf 'bad \377\376 end\n' ;;
surrogate) printf 'sur \355\240\200 x\n' ;;
slow)   sleep 0.6; echo "ok $SLACK_TEXT" ;;
empty)  ;;
blank)  printf '\n  \n\t\n' ;;
*)      echo "ok $SLACK_TEXT" ;;
esac
"""


def cases_bot(si, d, args=()):
    h = hk.script(d, "cases.sh", CASES % {"d": d})
    return hk.run(si, ["--exec", "sh " + h, "--rate", "0"] + list(args))


@test(timeout=60)
def echo_round_trip_100():
    """100 mentions, direct messages and thread messages over six
    channels: exactly 100 answers, each in the right place and thread,
    in the order of the events in each channel."""
    si = hk.standin()
    hk.run(si, ["--exec", ECHO, "--rate", "0", "-j", "8"])
    plan = [(GENERAL, "app_mention"), (RANDOM, "app_mention"),
            (PRIVATE, "app_mention"), (BUILDS, "thread"),
            (OPS, "app_mention"), (DM, "im")]
    want = {}           # text -> (channel, thread_ts)
    sent = {}           # text -> envelope chain id
    order = {}          # channel -> texts in sending order
    for i in range(100):
        ch, kind = plan[i % len(plan)]
        text = "echo %d" % i
        ts = hk.new_ts()
        fields = {}
        if kind == "thread":
            fields["thread_ts"] = PARENT
            thread = PARENT
        elif kind == "im":
            thread = None
        else:
            thread = ts
        body = text if kind == "im" else MENTION + text
        sent[said(text)] = si.sm_events(1, kind=kind, text=body, channel=ch,
                                        ts=ts, event_ts=ts, **fields)[0]
        want[said(text)] = (ch, thread)
        order.setdefault(ch, []).append(said(text))
    si.wait_posts(100, timeout=30)
    hk.quiet(si, 100, 0.5)
    posts = si.posts()
    eq(len(si.requests("chat.postMessage")), 100, "chat.postMessage calls")
    eq(sorted(p["text"] for p in posts), sorted(want), "answers")
    for p in posts:
        eq((p["channel"], p["thread_ts"]), want[p["text"]], p["text"])
    for ch, texts in order.items():
        eq([p["text"] for p in posts if p["channel"] == ch], texts,
           "order in " + ch)
    # Latency: the envelope leaving the stand-in to the post arriving.
    env_time = {e["chain"]: e["time"] for e in si.envelopes()}
    lat = [1000 * (p["time"] - env_time[sent[p["text"]]]) for p in posts]
    print("  echo round trip (--exec, -j 8): 100 answers in %.2f s; "
          "event to answer p50 %.1f ms, p99 %.1f ms" % (
              max(p["time"] for p in posts) - min(env_time.values()),
              hk.percentile(lat, 50), hk.percentile(lat, 99)))


@test(timeout=30)
def pacing_one_post_a_second_after_a_burst_of_four():
    """--rate 1: four posts to a channel at once, then one a second; a
    post to another channel is not held up."""
    si = hk.standin()
    hk.run(si, ["--exec", ECHO, "--rate", "1", "-j", "8"])
    for i in range(7):
        hk.mention(si, "paced %d" % i)
    hk.mention(si, "elsewhere", channel=RANDOM)
    si.wait_posts(8, timeout=15)
    posts = si.posts(GENERAL)
    eq([p["text"] for p in posts], [said("paced %d" % i) for i in range(7)])
    t = [p["time"] for p in posts]
    ok(t[3] - t[0] < 0.5, "the first four were not sent at once: %r" % t)
    for i in range(4, 7):
        gap = t[i] - t[i - 1]
        ok(0.8 <= gap <= 1.6, "post %d came %.2f s after the one before "
           "(want about 1 s): %r" % (i, gap, t))
    other = si.posts(RANDOM)[0]["time"]
    ok(other < t[4], "the post to another channel waited for this "
       "channel's pace")


@test(timeout=30)
def failing_handler_costs_its_answer_only():
    """Exit status 1, and killed by a signal: logged with the event's
    channel and ts, nothing posted, the next event answered."""
    si = hk.standin()
    d = hk.tmpdir()
    bot = cases_bot(si, d)
    crash = hk.mention(si, "crash now")
    killed = hk.mention(si, "kill now")
    after = hk.mention(si, "after")
    eq(hk.wait_texts(si, 1), ["ok after"])
    hk.quiet(si, 1, 0.3)
    eq(si.posts()[0]["thread_ts"], after)
    bot.expect_stderr(r"handler exited with status 1 \(event in %s at %s\)"
                      % (GENERAL, re.escape(crash)))
    bot.expect_stderr(r"handler killed by signal 9 \(event in %s at %s\)"
                      % (GENERAL, re.escape(killed)))
    ok(bot.alive(), "slackbot ended")


@test(timeout=40)
def hanging_handlers_are_stopped_at_the_timeout():
    """--timeout 1.  One handler traps SIGTERM (SIGKILL 5 s later ends
    it), one dies on SIGTERM but leaves a child that ignores it holding
    its output, one exits at once but leaves a child holding its output.
    While they hang other events are answered; afterwards their process
    groups are gone, nothing of theirs was posted, and every slot is free
    again."""
    si = hk.standin()
    d = hk.tmpdir()
    bot = cases_bot(si, d, ["--timeout", "1", "-j", "4"])
    t0 = time.monotonic()
    trap = hk.mention(si, "trap")
    orphan = hk.mention(si, "orphan", channel=RANDOM)
    bg = hk.mention(si, "bg", channel=PRIVATE)
    for k in ("trap", "orphan", "bg"):
        # The handler writes the file with a redirection: wait for its
        # content (a whole line), not for the file.
        wait_until(lambda: os.path.exists(os.path.join(d, "pgid." + k)) and
                   open(os.path.join(d, "pgid." + k)).read().endswith("\n"),
                   5, "handler " + k + " started")
    pg = {k: int(open(os.path.join(d, "pgid." + k)).read())
          for k in ("trap", "orphan", "bg")}
    for g in pg.values():
        hk.kill_group_later(g)
    hk.dm(si, "meanwhile")
    eq(hk.wait_texts(si, 1, 5), ["ok meanwhile"])
    ok(time.monotonic() - t0 < 3, "an answer waited for the hanging "
       "handlers")
    for ch, ts in ((GENERAL, trap), (RANDOM, orphan), (PRIVATE, bg)):
        bot.expect_stderr(r"handler still running after 1 s \(event in %s "
                          r"at %s\); stopping it" % (ch, re.escape(ts)), 5)
    bot.expect_stderr(r"handler timed out after 1 s \(event in %s at %s\)"
                      % (PRIVATE, re.escape(bg)), 5)
    wait_until(lambda: os.path.exists(os.path.join(d, "trapped")), 2,
               "SIGTERM trapped by the handler")
    ok(not hk.group_gone(pg["trap"]), "the handler that traps SIGTERM "
       "was killed before the grace period")
    for ch, ts in ((GENERAL, trap), (RANDOM, orphan)):
        bot.expect_stderr(r"handler timed out after 1 s \(event in %s at "
                          r"%s\)" % (ch, re.escape(ts)), 9)
    took = time.monotonic() - t0
    ok(5.5 < took < 9, "SIGKILL came %.1f s after the start, want 1 + 5"
       % took)
    for k, g in pg.items():
        wait_until(lambda: hk.group_gone(g), 3, "process group of %s gone"
                   % k)
    # Every slot is free: four more at once are answered.
    for ch in (GENERAL, RANDOM, PRIVATE, BUILDS):
        hk.mention(si, "after", channel=ch)
    si.wait_posts(5, timeout=5)
    hk.quiet(si, 5, 0.3)
    eq(sorted(hk.texts(si)), ["ok after"] * 4 + ["ok meanwhile"])


@test(timeout=30)
def flooding_handler_posts_the_first_39000_bytes():
    """10 MB of output: the first 39,000 bytes are posted, a warning is
    logged, nothing stalls; cut inside a UTF-8 character, the text is
    still valid UTF-8."""
    si = hk.standin()
    d = hk.tmpdir()
    bot = cases_bot(si, d)
    t0 = time.monotonic()
    ts = hk.mention(si, "flood")
    hk.mention(si, "flood8", channel=RANDOM)
    hk.dm(si, "next")
    si.wait_posts(3, timeout=15)
    ok(time.monotonic() - t0 < 10, "10 MB took %.1f s" %
       (time.monotonic() - t0))
    eq(si.posts(GENERAL)[0]["text"], "x" + "a" * 38999)
    eq(si.posts(GENERAL)[0]["thread_ts"], ts)
    t8 = si.posts(RANDOM)[0]["text"]
    ok(t8.startswith("a" + "\u00e9" * 19499), "UTF-8 text cut wrongly")
    ok(t8[19500:] in ("", "\ufffd"), "after the cut: %r" % t8[19500:])
    eq(si.posts(DM)[0]["text"], "ok next")
    bot.expect_stderr(r"handler printed more than 39000 bytes \(event in "
                      r"%s at %s\); only those are posted" %
                      (GENERAL, re.escape(ts)))


@test(timeout=30)
def invalid_utf8_is_posted_as_replacement_characters():
    si = hk.standin()
    d = hk.tmpdir()
    cases_bot(si, d)
    hk.mention(si, "bytes")
    hk.mention(si, "surrogate", channel=RANDOM)
    si.wait_posts(2, timeout=10)
    t = si.posts(GENERAL)[0]["text"]
    ok(re.fullmatch("bad \ufffd+ end", t), "posted %r" % t)
    t = si.posts(RANDOM)[0]["text"]
    ok(re.fullmatch("sur \ufffd+ x", t), "posted %r" % t)


@test(timeout=30)
def answers_keep_the_order_of_the_events_in_a_channel():
    """A slow handler's answer goes first in its channel even when a
    later event's handler ends first; other channels do not wait."""
    si = hk.standin()
    d = hk.tmpdir()
    cases_bot(si, d)
    hk.mention(si, "slow one")
    hk.mention(si, "quick two")
    hk.mention(si, "quick three", channel=RANDOM)
    si.wait_posts(3, timeout=10)
    posts = si.posts()
    eq([p["text"] for p in posts], ["ok quick three", "ok slow one",
                                    "ok quick two"])


@test(timeout=30)
def empty_output_posts_nothing():
    """No output, or only blank lines: nothing is posted."""
    si = hk.standin()
    d = hk.tmpdir()
    cases_bot(si, d)
    hk.mention(si, "empty")
    hk.mention(si, "blank")
    hk.mention(si, "after")
    eq(hk.wait_texts(si, 1), ["ok after"])
    hk.quiet(si, 1, 0.3)
    eq(len(si.requests("chat.postMessage")), 1, "chat.postMessage calls")


SLOW = r"""
d=%(d)s
date +%%s.%%N > $d/$SLACK_TS.start
sleep 0.4
echo "done $SLACK_TEXT"
date +%%s.%%N > $d/$SLACK_TS.end
"""


@test(timeout=30)
def jobs_limit_is_honoured():
    """-j 2 with slow handlers: never more than two at once; the others
    wait and run later; every event is answered, in order per channel."""
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "slow.sh", SLOW % {"d": d})
    hk.run(si, ["--exec", "sh " + h, "-j", "2", "--rate", "0"])
    tss = []
    for i in range(6):
        ch = (GENERAL, RANDOM, BUILDS)[i % 3]
        tss.append(hk.mention(si, "job %d" % i, channel=ch))
    si.wait_posts(6, timeout=15)
    hk.quiet(si, 6, 0.2)
    spans = []
    for ts in tss:
        with open(os.path.join(d, ts + ".start")) as f:
            a = float(f.read())
        with open(os.path.join(d, ts + ".end")) as f:
            b = float(f.read())
        spans.append((a, b))
    most = max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans)
    eq(most, 2, "handlers running at once at most")
    first_end = min(b for _, b in spans)
    eq(len([a for a, _ in spans if a >= first_end]), 4,
       "handlers that waited for a free slot")
    for ch in (GENERAL, RANDOM, BUILDS):
        got = [p["text"] for p in si.posts(ch)]
        eq(got, sorted(got), "order in " + ch)


DUMP = r"""import json, os, sys
d = %(d)r
n = len([f for f in os.listdir(d) if f.endswith(".json")])
def cmdline(pid):
    with open("/proc/%%s/cmdline" %% pid, "rb") as f:
        return f.read().decode("utf-8", "replace")
rec = {"env": dict(os.environ), "stdin": sys.stdin.read(),
       "argv": sys.argv, "self": cmdline("self"),
       "parent": cmdline(os.getppid())}
with open(os.path.join(d, "tmp"), "w") as f:
    json.dump(rec, f)
os.rename(os.path.join(d, "tmp"), os.path.join(d, "%%03d.json" %% n))
"""


def dumps(d, n):
    wait_until(lambda: len([f for f in os.listdir(d)
                            if f.endswith(".json")]) >= n, 10,
               "%d handler runs" % n)
    out = []
    for f in sorted(os.listdir(d)):
        if f.endswith(".json"):
            with open(os.path.join(d, f)) as fh:
                out.append(json.load(fh))
    return out


@test(timeout=30)
def handler_environment_and_standard_input():
    """SLACK_* as documented for a mention, a thread message, a direct
    message, a slash command and a button; the event's JSON on standard
    input; none of the tokens (given as variables and as files), and
    slackbot's own SLACK_CHANNEL replaced by the event's."""
    si = hk.standin()
    d = hk.tmpdir()
    out = os.path.join(d, "out")
    os.mkdir(out)
    h = hk.script(d, "dump.py", DUMP % {"d": out})
    app = os.path.join(d, "app-token")
    with open(app, "w") as f:
        f.write(lib.APP_TOKEN + "\n")
    hk.run(si, ["--exec", "/usr/bin/python3 " + h, "-j", "1", "--rate", "0"],
           env={"SLACK_APP_TOKEN": None, "SLACK_APP_TOKEN_FILE": app,
                "SLACK_CHANNEL": "C0FROMENV1", "KEEP_ME": "kept"})
    ts1 = hk.mention(si, "hi &lt;b&gt; &amp;amp; co")
    ts2 = hk.event(si, "thread", "in a thread", RANDOM, thread_ts=PARENT)
    ts3 = hk.dm(si, "direct")
    si.sm_slash(command="/deploy", text="api staging")
    si.sm_interactive("block_actions")
    runs = dumps(out, 5)
    envs = [r["env"] for r in runs]
    want = [
        {"SLACK_CHANNEL": GENERAL, "SLACK_USER": HUMAN, "SLACK_TS": ts1,
         "SLACK_THREAD_TS": "", "SLACK_EVENT_TYPE": "app_mention",
         "SLACK_TEAM": lib.TEAM_ID, "SLACK_TEXT": "hi <b> &amp; co"},
        {"SLACK_CHANNEL": RANDOM, "SLACK_USER": HUMAN, "SLACK_TS": ts2,
         "SLACK_THREAD_TS": PARENT, "SLACK_EVENT_TYPE": "message",
         "SLACK_TEAM": lib.TEAM_ID, "SLACK_TEXT": "in a thread"},
        {"SLACK_CHANNEL": DM, "SLACK_USER": HUMAN, "SLACK_TS": ts3,
         "SLACK_THREAD_TS": "", "SLACK_EVENT_TYPE": "message",
         "SLACK_TEAM": lib.TEAM_ID, "SLACK_TEXT": "direct"},
        {"SLACK_CHANNEL": GENERAL, "SLACK_USER": HUMAN, "SLACK_TS": "",
         "SLACK_THREAD_TS": "", "SLACK_EVENT_TYPE": "slash_command",
         "SLACK_TEAM": lib.TEAM_ID, "SLACK_TEXT": "api staging",
         "SLACK_COMMAND": "/deploy"},
        {"SLACK_CHANNEL": GENERAL, "SLACK_USER": HUMAN,
         "SLACK_EVENT_TYPE": "block_actions", "SLACK_TEAM": lib.TEAM_ID},
    ]
    for i, (e, w) in enumerate(zip(envs, want)):
        got = {k: e.get(k) for k in w}
        eq(got, w, "environment of handler %d" % (i + 1))
        if i != 3:
            ok("SLACK_COMMAND" not in e, "SLACK_COMMAND for a %s" %
               w["SLACK_EVENT_TYPE"])
        eq(e.get("KEEP_ME"), "kept", "the rest of the environment")
        for k in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_TOKEN_FILE",
                  "SLACK_APP_TOKEN_FILE"):
            ok(k not in e, "%s in a handler's environment" % k)
        for k, v in e.items():
            ok(lib.BOT_TOKEN not in v and lib.APP_TOKEN not in v and
               app not in v, "a token in the handler's %s" % k)
    # Standard input: the event as Slack sent it (the payload for
    # commands and interactions).
    ins = [json.loads(r["stdin"]) for r in runs]
    eq((ins[0]["type"], ins[0]["ts"], ins[0]["text"]),
       ("app_mention", ts1, MENTION + "hi &lt;b&gt; &amp;amp; co"))
    eq((ins[1]["ts"], ins[1]["thread_ts"]), (ts2, PARENT))
    eq((ins[2]["channel"], ins[2]["text"]), (DM, "direct"))
    eq((ins[3]["command"], ins[3]["text"]), ("/deploy", "api staging"))
    ok(ins[3]["response_url"].startswith("https://"), "response_url")
    eq((ins[4]["type"], ins[4]["actions"][0]["value"]),
       ("block_actions", "deploy-42"))
    for r in runs:
        for where in (r["argv"], r["self"], r["parent"]):
            ok("thread" not in " ".join(where) and "staging" not in
               " ".join(where), "message text on a command line: %r" %
               (where,))
        ok(r["parent"].split("\0")[:2] in (["sh", "-c"], ["/bin/sh", "-c"],
                                           [str(lib.SLACKBOT), "-v"]),
           "parent %r" % r["parent"])


@test(timeout=30)
def message_text_is_inert():
    """Texts that would run commands if they were ever put into a
    command line are only ever data."""
    si = hk.standin()
    d = hk.tmpdir()
    keep = os.path.join(d, "keep")
    open(keep, "w").close()
    hk.run(si, ["--exec", ECHO, "-j", "4", "--rate", "0"])
    nasty = ["$(touch %s/p1)" % d, "`touch %s/p2`" % d,
             "; touch %s/p3" % d, "' ; touch %s/p4 #" % d,
             "\" ; touch %s/p5 #" % d, "| touch %s/p6" % d,
             "&amp;&amp; touch %s/p7" % d, "\n touch %s/p8" % d,
             "; rm -rf %s" % keep, "$SLACK_BOT_TOKEN ${SLACK_APP_TOKEN}"]
    for i, t in enumerate(nasty):
        hk.mention(si, "x%d %s" % (i, t), channel=(GENERAL, RANDOM)[i % 2])
    si.wait_posts(len(nasty), timeout=10)
    got = sorted(hk.texts(si))
    eq(got, sorted(said("x%d %s" % (i, t.replace("&amp;", "&")))
                   for i, t in enumerate(nasty)))
    left = sorted(f for f in os.listdir(d) if f != "keep")
    eq(left, [], "files made by message text")
    ok(os.path.exists(keep), "message text removed a file")


lib.run_all()
