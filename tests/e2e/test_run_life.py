#!/usr/bin/python3
"""slackbot run against the stand-in, over its life: getting a URL
(refusals, rate limits, errors, refused handshakes), RTM, stopping on a
signal, backpressure from a slow reader, and reconnecting many times
without growing."""

import os
import re
import signal
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402
import runkit as rk  # noqa: E402


# ----------------------------------------------------------------------
# apps.connections.open

@test(timeout=30)
def refused_app_token_exits_3_with_one_line():
    for error in ("invalid_auth", "token_revoked"):
        si = lib.standin()
        si.fault("apps.connections.open", error=error)
        r = lib.run_slackbot(["run"], si=si, env=rk.SM_ENV, timeout=10)
        eq(r.rc, 3, r)
        eq(r.out, "", "stdout")
        lines = r.err.splitlines()
        errors = [x for x in lines if "error" in x]
        eq(len(errors), 1, "error lines: %r" % lines)
        ok(error in errors[0] and "apps.connections.open" in errors[0],
           errors[0])
        # Nothing but that line and "signed in as" (auth.test is fine).
        eq(len(lines), 2, lines)
        eq(len(si.requests("apps.connections.open")), 1, "no retry")
    rk.no_secrets()


@test(timeout=30)
def rate_limited_open_waits_as_long_as_retry_after_says():
    si = lib.standin()
    si.fault("apps.connections.open", status=429, retry_after=2)
    b = rk.sm_bot(si)
    reqs = si.wait_requests(2, "apps.connections.open", timeout=10)
    gap = reqs[1]["time"] - reqs[0]["time"]
    eq(reqs[0]["status"], 429)
    ok(2.0 <= gap <= 2 + lib.LATE, "second call %.2f s after the 429" % gap)
    ok("rate limited" in b.stderr(), "logged")
    rk.no_secrets(si)


@test(timeout=30)
def rate_limited_open_connects_once_the_wait_is_over():
    si = lib.standin()
    si.fault("apps.connections.open", status=429, retry_after=1)
    b = rk.sm_bot(si)
    si.wait_ws(1, timeout=10)
    eq(len(si.requests("apps.connections.open")), 2, "calls")
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])


@test(timeout=40)
def server_errors_are_retried_with_backoff():
    si = lib.standin()
    si.fault("apps.connections.open", count=3, status=500)
    t0 = time.time()
    b = rk.sm_bot(si)
    si.wait_ws(1, timeout=20)
    reqs = si.requests("apps.connections.open")
    eq([r["status"] for r in reqs], [500, 500, 500, 200])
    gaps = [b2["time"] - a["time"] for a, b2 in zip(reqs, reqs[1:])]
    # Each wait is random, between half and all of 1 s, 2 s, 4 s (one
    # backoff, one line in the log for each attempt), and logged (to 0.1
    # s): the logged waits are within their bounds, and the calls came
    # no sooner (and not much later) than logged.
    waits = [float(x) for x in re.findall(r"HTTP 500; trying again in "
                                          r"(\d+\.\d) s", b.stderr())]
    eq(len(waits), 3, "attempts logged")
    for w, g, top in zip(waits, gaps, (1.0, 2.0, 4.0)):
        ok(top / 2 - 0.1 <= w <= top and w - 0.05 <= g <= w + 0.1 + lib.LATE,
           "waits logged %r, taken %r" % (waits, gaps))
    ok("retrying" not in b.stderr() and "giving up" not in b.stderr(),
       b.stderr())
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])
    print("  waits %s s, connected after %.2f s" % (
        ", ".join("%.2f" % g for g in gaps), time.time() - t0))
    rk.no_secrets(si)


@test(timeout=30)
def refused_handshake_gets_a_fresh_url():
    # A spent or refused ticket: the edge answers 409 to the upgrade.
    si = lib.standin()
    si.fault("link", count=2, status=409)
    b = rk.sm_bot(si)
    si.wait_ws(1, timeout=10)
    hs = si.requests("ws:link")
    eq([r["status"] for r in hs], [409, 409, 101])
    eq(len(si.requests("apps.connections.open")), 3, "one URL per attempt")
    tickets = [r["path"].split("ticket=")[1].split("&")[0] for r in hs]
    eq(len(set(tickets)), 3, "distinct tickets")
    # Reconnecting after a reset takes a new URL as well.
    si.ws_reset()
    si.wait_ws(2, timeout=5)
    hs = si.requests("ws:link")
    eq([r["status"] for r in hs], [409, 409, 101, 101])
    eq(len(si.requests("apps.connections.open")), 4, "one URL per attempt")
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])
    ok(b.stderr().count("409") >= 2, "refusals logged")
    rk.no_secrets(si)


# ----------------------------------------------------------------------
# RTM

@test(timeout=40)
def rtm_prints_events_pings_and_reconnects_on_goodbye():
    si = lib.standin(ping_interval=None)
    b = rk.rtm_bot(si)
    w1 = si.wait_ws(1, "rtm")[0]
    eq(si.requests("apps.connections.open"), [])
    eq(len(si.requests("rtm.connect")), 1)
    tss = si.rtm_events(5)
    lines = b.readlines(5)
    eq([rk.seq_of(x) for x in lines], [1, 2, 3, 4, 5])
    import json
    eq([json.loads(x)["ts"] for x in lines], tss)
    eq(json.loads(lines[0])["type"], "message")
    si.ws_ping(b"rtm-ping", conn=w1["id"])

    def pinged():
        """The socket once two JSON pings came, each answered (the
        stand-in notes its answer a moment after the ping), and the
        WebSocket ping was answered."""
        w = si.ws_connections("rtm")[0]
        pings = [json.loads(m["data"]) for m in w["received"]]
        pings = [p for p in pings if p.get("type") == "ping"]
        pongs = [s for s in w["sent"] if s["what"] == "pong"]
        if len(pings) >= 2 and len(pongs) == len(pings) and \
                "rtm-ping" in [p["payload"] for p in w["pongs"]]:
            return w, pings
        return None
    w, pings = lib.wait_until(pinged, 10, "two JSON pings, each answered, "
                              "and the WebSocket pong")
    ids = [p["id"] for p in pings]
    eq(ids, sorted(set(ids)), "ping ids increase")
    eq(w["closed"], None, "pongs keep it alive")
    rk.check_client_frames(w)
    # goodbye: slackbot closes and connects again.
    si.rtm_goodbye()
    w = si.wait_closed(w1["id"])
    eq(w["close_received"]["code"], 1000)
    w2 = si.wait_ws(2, "rtm")[1]
    ok(w2["opened"] >= w["closed"] - 0.05, "RTM: the old socket goes first")
    eq(len(si.requests("rtm.connect")), 2)
    si.rtm_events(3)
    eq(rk.read_seqs(b, 3), [6, 7, 8])
    rk.no_more_lines(b, 0.3)
    ok("goodbye" in b.stderr(), "logged")
    rk.no_secrets(si)


@test(timeout=30)
def rtm_forced_with_both_tokens():
    si = lib.standin(ping_interval=None)
    b = rk.sm_bot(si, extra=["--rtm"])
    si.wait_ws(1, "rtm")
    eq(si.requests("apps.connections.open"), [])
    si.rtm_events(2, kind="app_mention")
    eq(rk.read_seqs(b, 2), [1, 2])
    rk.no_secrets(si)


@test(timeout=30)
def rtm_refused_to_a_modern_app_exits_3_pointing_to_socket_mode():
    si = lib.standin(rtm_allowed=False)
    r = lib.run_slackbot(["run"], si=si, env=rk.RTM_ENV, timeout=10)
    eq(r.rc, 3, r)
    lines = [x for x in r.err.splitlines() if "error" in x]
    eq(len(lines), 1, r.err)
    for words in ("not_allowed_token_type", "Socket Mode",
                  "SLACK_APP_TOKEN"):
        ok(words in lines[0], "%r not in %r" % (words, lines[0]))
    eq(len(si.requests("rtm.connect")), 1, "no retry")
    rk.no_secrets(si)


# ----------------------------------------------------------------------
# Signals

def stop_during_a_stream(sig):
    si = lib.standin(ack_timeout=10.0)
    b = rk.sm_bot(si)
    w1 = si.wait_ws(1)[0]
    th = threading.Thread(target=lambda: si.sm_events(3000, rate=2500),
                          daemon=True)
    th.start()
    lib.wait_until(lambda: len([a for a in si.acks() if a["counted"]]) >=
                   300, 10, "300 events acknowledged")
    t0 = time.monotonic()
    b.signal(sig)
    rc = b.wait(4)
    took = time.monotonic() - t0
    eq(rc, 0, "exit status")
    ok(took <= 2.0, "exit %.2f s after the signal" % took)
    rk.drain(b)
    printed = [rk.seq_of(x) for x in b.lines]
    th.join(10)
    eq(len(printed), len(set(printed)), "printed twice")
    chains = si.chains()
    env_seq = {e["envelope_id"]: chains[e["chain"]]["seq"]
               for e in si.envelopes()}
    acked = {env_seq[a["envelope_id"]] for a in si.acks() if a["known"]}
    ok(100 < len(acked) < 3000, "%d acked: the signal came mid-stream" %
       len(acked))
    lost = sorted(acked - set(printed))
    eq(lost, [], "acked but never printed")
    w = si.wait_closed(w1["id"])
    eq(w["close_received"]["code"], 1000, "close code")
    rk.check_client_frames(w)
    ok("stopping" in b.stderr(), "logged")
    print("  %s: %d acked, %d printed, exit after %.2f s" % (
        signal.Signals(sig).name, len(acked), len(printed), took))
    rk.no_secrets(si)
    return si, w, took


@test(timeout=30)
def sigterm_during_a_stream_loses_no_acked_event():
    stop_during_a_stream(signal.SIGTERM)


@test(timeout=30)
def sigint_during_a_stream_loses_no_acked_event():
    stop_during_a_stream(signal.SIGINT)


@test(timeout=30)
def sigterm_sends_the_close_frame_at_once():
    si = lib.standin()
    b = rk.sm_bot(si)
    w1 = si.wait_ws(1)[0]
    t0 = time.time()
    b.signal(signal.SIGTERM)
    rc = b.wait(4)
    took = time.time() - t0
    eq(rc, 0)
    w = si.wait_closed(w1["id"])
    late = w["close_received"]["time"] - t0
    # README: "exit 0 within 2 s"; the close frame goes first, at once
    # (not after a wait of its own).
    ok(late < 1.0, "close frame %.2f s after the signal" % late)
    ok(took < 2.0, "exit %.2f s after the signal" % took)


@test(timeout=60)
def a_burst_of_events_keeps_the_bot_under_one_mebibyte():
    # Static buffers are touched only as far as they are used (README,
    # "Memory"): 3000 events sent as fast as the stand-in can, and read
    # as they come, fill no TLS read buffer, FIFO or message buffer.
    si = lib.standin()
    b = rk.sm_bot(si)
    si.wait_ws(1, timeout=10)
    si.sm_events(3000)
    eq(rk.read_seqs(b, 3000), list(range(1, 3001)), "events in order")
    si.wait(lambda: not si.unacked(), 5)
    peak = b.memory()["VmHWM"]
    ok(peak < 1024, "peak RSS %d KiB" % peak)
    print("  3000 events, peak RSS %d KiB" % peak)
    rk.no_secrets(si)


# ----------------------------------------------------------------------
# Backpressure

def stall(si, args, pause):
    """3000 events into a slackbot whose stdout nobody reads; returns
    (PipeBot, acks counted once they stopped, acks counted `pause`
    seconds later, memory then)."""
    pb = rk.PipeBot(si, args)
    si.wait_ws(1, timeout=10)
    si.sm_events(3000)

    def counted():
        return len([a for a in si.acks() if a["counted"]])
    a1 = lib.wait_steady(counted, 1.0, 20, "acks")
    time.sleep(pause)
    return pb, a1, counted(), pb.memory()


@test(timeout=60)
def backpressure_stops_acking_and_every_event_comes_once():
    si = lib.standin(ack_timeout=1.0, max_retries=100)
    pb, a1, a2, mem = stall(si, ["-v", "run"], 3.0)
    # The FIFO (576 KiB) and the pipe take some, never all of them.
    ok(a1 < 2500, "%d of 3000 acked while nobody reads" % a1)
    eq(a2, a1, "acks while stdout is blocked")
    again = [e for e in si.envelopes() if e["retry_attempt"] > 0]
    ok(len(again) > 1000, "redeliveries: %d" % len(again))
    ok(mem["VmRSS"] < 2048, "RSS %d kB" % mem["VmRSS"])
    lines = pb.read_lines(3000, timeout=20)
    got = [rk.seq_of(x) for x in lines]
    rk.once_each(got, range(1, 3001))
    si.wait(lambda: not si.unacked(), 5)
    eq(si.unacked(), [])
    rk.check_acks(si, within=60)    # redeliveries excepted, see above
    eq(len(si.ws_connections()), 1, "WebSocket connections")
    print("  %d acked during the stall, %d redeliveries, RSS %d kB, "
          "peak %d kB" % (a1, len(again), mem["VmRSS"], mem["VmHWM"]))
    rk.no_secrets(si, pb.stderr(), pb.buf.decode("utf-8", "replace"))


@test(timeout=60)
def backpressure_keeps_the_connection():
    si = lib.standin(ack_timeout=1.0, max_retries=100)
    pb, a1, a2, mem = stall(si, ["-v", "run", "--ping", "1", "--dead", "3"],
                            5.0)
    eq(a2, a1, "acks while stdout is blocked")
    eq(len(si.ws_connections()), 1, "WebSocket connections")
    lines = pb.read_lines(3000, timeout=20)
    rk.once_each([rk.seq_of(x) for x in lines], range(1, 3001))
    ok("dead" not in pb.stderr(), "no dead link")


@test(timeout=60)
def a_write_ending_before_a_newline_loses_and_repeats_nothing():
    """Print mode writes up to 256 lines per writev(), each its text and
    its newline.  A pipe of one page that takes exactly 4096 bytes per
    write, and lines of 564 bytes: the fourth write ends after a line's
    text, before its newline (4 x 4096 = 29 x 565 - 1), so the next batch
    starts with that newline alone.  Run under ASan (build/asan/slackbot)
    so that a batch overrunning its array stops the bot."""
    asan = lib.ROOT / "build" / "asan" / "slackbot"
    ok(asan.exists(), "%s is built (make build/asan/slackbot)" % asan)
    want = 564
    si = lib.standin()
    probe = rk.sm_bot(si, env={"ASAN_OPTIONS": "detect_leaks=0"})
    si.wait_ws(1, timeout=10)
    si.sm_events(1, text="message {seq:06d}", blocks=None)
    pad = want - len(probe.readlines(1, 10)[0])
    ok(pad > 1, "an event line shorter than %d bytes" % want)
    probe.stop()

    si = lib.standin()
    pb = rk.PipeBot(si, ["run"], binary=asan, pipe_size=4096,
                    prefill=b"\n" * 4096,
                    env={"ASAN_OPTIONS": "detect_leaks=0"})
    si.wait_ws(1, timeout=10)
    n = 600
    si.sm_events(n, text="message {seq:06d} " + "x" * (pad - 1),
                 blocks=None)
    # Every event in the FIFO (about 340 KB) before the pipe is read.
    lib.wait_until(lambda: len(si.acks()) == n, 20,
                   "all %d events acked while the pipe is full" % n)
    eq(len(si.acks()), n, "acks while the pipe is full")
    try:
        lines = pb.read_lines(4096 + n, timeout=20)[4096:]
    except AssertionError as e:
        raise AssertionError("%s; its stderr ends: %s"
                             % (e, pb.stderr()[-600:]))
    eq({len(x) for x in lines}, {want}, "line lengths")
    rk.once_each([rk.seq_of(x) for x in lines], range(1, n + 1))
    ok("Sanitizer" not in pb.stderr(), pb.stderr()[-600:])
    eq(pb.proc.poll(), None, "slackbot still running")


# ----------------------------------------------------------------------
# Many reconnections

def settle(si, b):
    """One WebSocket open on both sides; returns slackbot's descriptor
    count once stable."""
    rk.wait_open_ws(si, 1, timeout=8)
    last = None
    for _ in range(50):
        n = b.fd_count()
        if n == last:
            return n
        last = n
        time.sleep(0.05)
    return last


def cycle(si, b, i, seq):
    """Refresh (even i) or reset (odd i), then one event through."""
    n = len(si.ws_connections())
    if i % 2 == 0:
        si.sm_disconnect("refresh_requested")
    else:
        si.ws_reset()
    si.wait_ws(n + 1, timeout=8)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [seq], "cycle %d" % i)


@test(timeout=90)
def reconnect_cycles_keep_descriptors_and_memory_flat():
    si = lib.standin()
    b = rk.sm_bot(si, verbose="")
    si.wait_ws(1)
    seq = 0
    # Warm up: every buffer of both socket slots touched.
    for i in range(4):
        si.sm_events(500)
        eq(rk.read_seqs(b, 500)[-1], seq + 500)
        seq += 500
        seq += 1
        cycle(si, b, i, seq)
    fd0 = settle(si, b)
    m0 = b.memory()
    for i in range(50):
        seq += 1
        cycle(si, b, i, seq)
    fd1 = settle(si, b)
    m1 = b.memory()
    eq(fd1, fd0, "descriptors after 50 cycles")
    ok(m1["VmRSS"] - m0["VmRSS"] <= 16, "RSS %d kB -> %d kB" %
       (m0["VmRSS"], m1["VmRSS"]))
    eq(m1["VmSize"], m0["VmSize"], "VmSize")
    eq(len(si.ws_connections()), 55)
    eq(rk.max_open([(w["opened"], w["closed"])
                    for w in si.ws_connections()]), 2)
    print("  fds %d -> %d, RSS %d -> %d kB, VmSize %d kB" % (
        fd0, fd1, m0["VmRSS"], m1["VmRSS"], m1["VmSize"]))
    rk.no_secrets(si)


lib.run_all()
