#!/usr/bin/python3
"""End-to-end tests of `slackbot run --pipe`: one long-lived handler that
reads events as JSON lines and prints actions.  examples/router.sh, lines
that are no action, Web API calls (form-encoded), response_url, restarts
with backoff and what the next process is given, and backpressure when
the handler stops reading.  README.md, "--pipe"."""

import os
import re
import sys
import threading
import time
import urllib.parse
from collections import Counter

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok, wait_until  # noqa: E402
import handlerkit as hk  # noqa: E402
from handlerkit import GENERAL, RANDOM, PARENT  # noqa: E402

# A pipe handler whose Nth process does the Nth step of a plan (the last
# step repeats): "one/S" reads exactly one line, answers it and exits
# with status S; "none/S" exits with status S after 0.3 s without
# reading; "all" answers every line; "go+" first waits for the file go.
# An answer is "pN got SEQ" for the event whose text is "message SEQ ...".
PLAN = r"""import json, os, re, sys, time
d, plan = sys.argv[1], sys.argv[2].split(",")
with open(os.path.join(d, "starts"), "a") as f:
    f.write("%d\n" % os.getpid())
with open(os.path.join(d, "starts")) as f:
    n = len(f.read().split())
step = plan[min(n, len(plan)) - 1]
if step.startswith("go+"):
    step = step[3:]
    while not os.path.exists(os.path.join(d, "go")):
        if os.getppid() == 1:   # slackbot is gone: so are we
            sys.exit(0)
        time.sleep(0.02)
def answer(line):
    ev = json.loads(line)
    seq = re.search(r"message (\d+)", ev.get("text", "")).group(1)
    sys.stdout.write(json.dumps({"channel": ev["channel"],
                                 "text": "p%d got %s" % (n, seq)}) + "\n")
    sys.stdout.flush()
if step == "all":
    for line in sys.stdin:
        answer(line)
    sys.exit(0)
kind, status = step.split("/")
if kind == "none":
    time.sleep(0.3)
    sys.exit(int(status))
line = b""
while not line.endswith(b"\n"):
    c = os.read(0, 1)
    if not c:
        break
    line += c
answer(line)
sys.exit(int(status))
"""


def plan_bot(si, plan, args=()):
    d = hk.tmpdir()
    h = hk.script(d, "plan.py", PLAN)
    bot = hk.run(si, ["--pipe", "/usr/bin/python3 %s %s %s" % (h, d, plan),
                      "--rate", "0", "--all"] + list(args))
    return bot, d


def got(si):
    """seq -> how many answers, and the answers in order."""
    texts = hk.texts(si)
    return Counter(t.split(" got ")[1] for t in texts), texts


def sent_seqs(si):
    return sorted(str(e["seq"]) for e in si.envelopes())


@test(timeout=30)
def router_answers_ping_date_and_look():
    """examples/router.sh: ping, date, look (a reaction), anything else;
    in the event's thread; a channel message that does not mention the
    bot never reaches it."""
    si = hk.standin()
    bot = hk.run(si, ["--pipe", "examples/router.sh", "--rate", "0"])
    t_ping = hk.mention(si, "ping")
    t_date = hk.mention(si, "date", channel=RANDOM)
    t_look = hk.mention(si, "look", channel=RANDOM)
    hk.event(si, "message", "ping", mention=False)
    hk.event(si, "thread", "ping", RANDOM, thread_ts=PARENT)
    t_what = hk.mention(si, "what")
    si.wait_posts(4, timeout=10)
    wait_until(lambda: si.reactions(), 5, "a reaction")
    hk.quiet(si, 4, 0.3)
    eq([(p["text"], p["thread_ts"]) for p in si.posts(GENERAL)],
       [("pong", t_ping), ("try: ping, date, look", t_what)])
    r = si.posts(RANDOM)
    eq(len(r), 2)
    ok(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", r[0]["text"]),
       "date answered %r" % r[0]["text"])
    eq(r[0]["thread_ts"], t_date)
    eq((r[1]["text"], r[1]["thread_ts"]), ("pong", PARENT))
    eq([(x["channel"], x["timestamp"], x["name"]) for x in si.reactions()],
       [(RANDOM, t_look, "eyes")])
    eq(len(si.requests("reactions.add")), 1)
    bot.expect_stderr(r"pipe handler started \(pid \d+\)")


GARBAGE = r"""while IFS= read -r line; do
	echo 'not json at all'
	echo '[1,2]'
	echo '{"foo":1}'
	echo '{"channel":"C0GENERAL1"}'
	echo '{"method":5}'
	echo '{"response_url":"http://hooks.example/x","text":"no"}'
	echo '{"channel":"C0GENERAL1","text":"half'
	head -c 70000 /dev/zero | tr '\0' 'x'; echo
	printf '\r\n   \n'
	echo '{"channel":"C0GENERAL1","text":"still here"}'
done
"""


@test(timeout=30)
def lines_that_are_no_action_are_logged_and_skipped():
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "garbage.sh", GARBAGE)
    bot = hk.run(si, ["--pipe", "sh " + h, "--rate", "0"])
    hk.mention(si, "go")
    eq(hk.wait_texts(si, 1), ["still here"])
    hk.quiet(si, 1, 0.3)
    eq(len(si.requests()), len(si.requests("chat.postMessage")) +
       len(si.requests("auth.test")) +
       len(si.requests("apps.connections.open")) +
       len(si.requests("ws:link")), "calls other than the post")
    for what in (r"not a JSON object; skipped: not json at all",
                 r"not a JSON object; skipped: \[1,2\]",
                 r"no action .*skipped: \{\"foo\":1\}",
                 r"no action .*skipped: \{\"channel\":\"C0GENERAL1\"\}",
                 r"no action .*skipped: \{\"method\":5\}",
                 r"no action .*skipped: \{\"response_url\":\"http://",
                 r"not a JSON object; skipped: \{\"channel\":\"C0GENERAL1\","
                 r"\"text\":\"half",
                 r"longer than 65536 bytes; skipped"):
        bot.expect_stderr(r"pipe handler printed a line .*" + what
                          if "longer" not in what else what, 10)
    ok(bot.alive(), "slackbot ended")


CALLS = r"""while IFS= read -r line; do
	ch=$(printf '%s' "$line" | sed -n 's/.*"channel":"\([^"]*\)".*/\1/p')
	ts=$(printf '%s' "$line" | sed -n 's/.*"ts":"\([^"]*\)".*/\1/p')
	echo '{"method":"api.test","args":{"s":"a b&c=d/\u00e9+%","n":5,"t":true,"o":{"k":["v"]},"z":null}}'
	printf '{"method":"reactions.add","args":{"channel":"%s","timestamp":"%s","name":"eyes"}}\n' "$ch" "$ts"
	printf '{"method":"chat.postMessage","args":{"channel":"%s","text":"via form & more","thread_ts":"%s"}}\n' "$ch" "$ts"
done
"""


@test(timeout=30)
def method_calls_are_form_encoded():
    """{"method":...,"args":{...}}: args form-encoded with the bot token
    in the header; values that are not strings as JSON."""
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "calls.sh", CALLS)
    hk.run(si, ["--pipe", "sh " + h, "--rate", "0"])
    ts = hk.mention(si, "call")
    si.wait_posts(1, timeout=10)
    wait_until(lambda: si.reactions(), 5, "a reaction")
    calls = si.requests("api.test")
    eq(len(calls), 1, "api.test calls")
    c = calls[0]
    ok(c["content_type"].startswith("application/x-www-form-urlencoded"),
       "content type %r" % c["content_type"])
    eq(dict(urllib.parse.parse_qsl(c["body"].decode(),
                                   keep_blank_values=True)),
       {"s": "a b&c=d/\u00e9+%", "n": "5", "t": "true",
        "o": '{"k":["v"]}', "z": "null"})
    eq((c["token_source"], c["token"]), ("header", lib.BOT_TOKEN))
    eq([(x["channel"], x["timestamp"], x["name"]) for x in si.reactions()],
       [(GENERAL, ts, "eyes")])
    p = si.posts()[0]
    eq((p["channel"], p["text"], p["thread_ts"]),
       (GENERAL, "via form & more", ts))
    ok(si.requests("chat.postMessage")[0]["content_type"].startswith(
        "application/x-www-form-urlencoded"), "the post was not a form")


HOOK = r"""while IFS= read -r line; do
	url=$(printf '%s' "$line" | sed -n 's/.*"response_url":"\([^"]*\)".*/\1/p')
	printf '{"response_url":"%s","text":"done","response_type":"in_channel","replace_\\u006friginal":false}\n' "$url"
done
"""


@test(timeout=30)
def response_url_action():
    """{"response_url":...}: the rest of the object is POSTed there as
    JSON; nothing goes to chat.postMessage."""
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "hook.sh", HOOK)
    hk.run(si, ["--pipe", "sh " + h, "--rate", "0"])
    si.sm_slash(command="/deploy", text="api")
    wait_until(lambda: si.responses(), 10, "an answer to the response_url")
    time.sleep(0.3)
    r = si.responses()
    eq(len(r), 1)
    eq(r[0]["body"], {"text": "done", "response_type": "in_channel",
                      "replace_original": False})
    ok(r[0]["content_type"].startswith("application/json"),
       "content type %r" % r[0]["content_type"])
    eq(si.posts(), [])


# Reads one event, answers it and exits with status 3; notes when it
# started and when it was about to exit.
ONE = r"""put %(d)s/start.$$ "$(date +%%s.%%N)"
IFS= read -r line
seq=$(printf '%%s' "$line" | sed -n 's/.*"text":"message \([0-9]*\)".*/\1/p')
printf '{"channel":"C0GENERAL1","text":"got %%s"}\n' "$seq"
put %(d)s/exit.$$ "$(date +%%s.%%N)"
exit 3
"""


@test(timeout=40)
def restarted_with_backoff_and_given_what_it_had_not_read():
    """Each process reads one event, answers and exits at once: its
    answer is posted, the next process starts 1 s, then 2 s later and
    gets the events not read yet, each once."""
    si = hk.standin()
    d = hk.tmpdir()
    h = hk.script(d, "one.sh", hk.SH_PUT + ONE % {"d": d})
    bot = hk.run(si, ["--pipe", "sh " + h, "--rate", "0", "--all"])
    si.sm_events(3, kind="message")
    si.wait_posts(3, timeout=15)
    hk.quiet(si, 3, 0.2)
    eq([p["text"] for p in si.posts()], ["got 1", "got 2", "got 3"])
    # The waits, from a process's last words to the next one's first: no
    # shorter than the backoff (less 50 ms for timer rounding), whatever
    # the load.
    starts = sorted((float(lib.wait_file(os.path.join(d, f))), f[6:])
                    for f in os.listdir(d)
                    if f.startswith("start.") and ".tmp." not in f)
    eq(len(starts), 3, "processes started")
    waits = [s - float(lib.wait_file(os.path.join(d, "exit." + pid)))
             for (_, pid), (s, _) in zip(starts, starts[1:])]
    for w, backoff in zip(waits, (1, 2)):
        ok(backoff - 0.05 <= w <= backoff + lib.LATE, "restarted after %s s, "
           "want %d s" % (["%.2f" % x for x in waits], backoff))
    bot.expect_stderr(r"pipe handler exited with status 3; restarting it "
                      r"in 1 s")
    bot.expect_stderr(r"pipe handler exited with status 3; restarting it "
                      r"in 2 s")


@test(timeout=30)
def a_handler_that_read_nothing_loses_nothing():
    """The first process dies without reading the events written to its
    pipe: the next one gets every one of them, once."""
    si = hk.standin()
    bot, _ = plan_bot(si, "none/1,all")
    si.sm_events(5, kind="message")
    si.wait_posts(5, timeout=10)
    hk.quiet(si, 5, 0.3)
    eq(hk.texts(si), ["p2 got %d" % i for i in range(1, 6)])
    bot.expect_stderr(r"pipe handler exited with status 1; restarting it "
                      r"in 1 s")


@test(timeout=30)
def a_full_pipe_then_a_restart_loses_nothing():
    """80 events of 4 KB fill the pipe (the last one written in part);
    the first process reads one and exits; the next one gets all the
    others, each once: the event it had read is not given again and
    none of those still in the pipe is lost."""
    si = hk.standin()
    bot, d = plan_bot(si, "go+one/0,all")
    si.sm_events(80, kind="message", text="message {seq} " + "x" * 2000)
    # Every event taken (acknowledged), and the pipe full, before the
    # handler starts reading.
    si.wait_acks(80, timeout=10)
    pid = int(lib.wait_file(os.path.join(d, "starts")).split()[0])
    held = lib.wait_steady(lambda: hk.pipe_bytes(pid), 0.5, 10,
                           "bytes in the handler's pipe")
    ok(held > 32768, "the handler's pipe holds only %d bytes" % held)
    lib.put_file(os.path.join(d, "go"))
    try:
        si.wait_posts(80, timeout=10)
    except TimeoutError:
        pass
    hk.quiet(si, len(si.posts()), 0.3)
    counts, texts = got(si)
    eq(texts[0], "p1 got 1")
    eq([s for s, n in counts.items() if n > 1], [], "answered twice")
    eq([s for s in sent_seqs(si) if s not in counts], [], "lost")
    eq(len(texts), 80)


BACKPRESSURE = r"""import json, os, sys, time
d = sys.argv[1]
while not os.path.exists(os.path.join(d, "go")):
    if os.getppid() == 1:       # slackbot is gone: so are we
        sys.exit(0)
    time.sleep(0.02)
for line in sys.stdin:
    ev = json.loads(line)
    seq = ev["text"].split()[1]
    print(json.dumps({"channel": ev["channel"], "text": "got " + seq}),
          flush=True)
"""


@test(timeout=60)
def a_handler_that_stops_reading_holds_slack_back():
    """The handler does not read: events wait in the FIFO, then slackbot
    stops reading the socket and acknowledging; nothing is redelivered
    or lost, and once the handler reads again every event is answered
    once, in order."""
    si = hk.standin(ack_timeout=60)
    d = hk.tmpdir()
    h = hk.script(d, "bp.py", BACKPRESSURE)
    bot = hk.run(si, ["--pipe", "/usr/bin/python3 %s %s" % (h, d),
                      "--rate", "0", "--all"])
    n = 80
    sender = threading.Thread(target=si.sm_events, args=(n,),
                              kwargs={"kind": "message",
                                      "text": "message {seq} " + "y" * 8000},
                              daemon=True)
    sender.start()

    def counted():
        return len([a for a in si.acks() if a["counted"]])
    # Acks come while the FIFO and the pipe take events, then stop.
    acked = lib.wait_steady(counted, 1.0, 20, "acks")
    time.sleep(1.0)
    eq(counted(), acked, "acks went on while the handler did not read")
    ok(0 < acked < n - 10, "%d of %d events acknowledged while the handler "
       "did not read" % (acked, n))
    eq(si.posts(), [])
    lib.put_file(os.path.join(d, "go"))
    si.wait_posts(n, timeout=30)
    si.wait_acks(n, timeout=10)
    sender.join(5)
    hk.quiet(si, n, 0.3)
    eq(hk.texts(si), ["got %d" % i for i in range(1, n + 1)])
    eq(len(si.envelopes()), n, "envelopes sent (none again)")
    eq(len(si.ws_connections()), 1, "connections")
    ok(bot.alive(), "slackbot ended")
    print("  backpressure: %d of %d events acknowledged while the handler "
          "did not read" % (acked, n))


lib.run_all()
