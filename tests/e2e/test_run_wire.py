#!/usr/bin/python3
"""slackbot run against the stand-in, at the WebSocket level: dead and
slow links, resets, close frames, pings, fragments, messages too big,
masked frames from the server and messages that are not Slack's.

slackbot runs with --ping 1 --dead 3 so that keepalive shows in seconds.
"""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402
import runkit as rk  # noqa: E402


def live(si, n=1):
    """The one open WebSocket (after hello) once n were made."""
    si.wait_ws(n, timeout=8)
    return rk.wait_open_ws(si, 1, timeout=8)[0]


@test(timeout=40)
def silent_server_is_replaced_within_the_dead_time():
    si = lib.standin(ack_timeout=1.0, max_retries=10)
    b = rk.sm_bot(si)
    w1 = live(si)
    si.sm_events(2)
    eq(rk.read_seqs(b, 2), [1, 2])
    t0 = time.time()
    si.ws_silent(w1["id"])
    si.sm_events(3)             # lost on the silent socket
    w2 = live(si, 2)
    old = si.wait_closed(w1["id"])
    gone = old["closed"] - t0
    # Silent for 3 s, from the last byte before t0 (a second at most),
    # judged at the next tick (a second at most).
    ok(2.0 <= gone <= 4.2 + lib.LATE, "silent socket dropped after %.2f s "
       "(--ping 1 --dead 3)" % gone)
    ok(w2["opened"] - t0 <= 4.5 + lib.LATE, "replaced after %.2f s" %
       (w2["opened"] - t0))
    # slackbot kept pinging the silent socket until it gave up on it.
    ok(len([p for p in old["client_pings"] if p["time"] > t0]) >= 1,
       "pings to the silent socket")
    # The events Slack sent into the void come again, and once.
    got = rk.read_until(b, [3, 4, 5], timeout=8)
    rk.once_each(got, [3, 4, 5])
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [6])
    rk.no_more_lines(b, 0.3)
    ok(b.expect_stderr("dead"), "logged")
    rk.no_secrets(si)


@test(timeout=40)
def slow_fragmented_message_is_not_taken_for_a_dead_link():
    # No pongs, no server pings: the only bytes are the pieces of one
    # message, 0.5 s apart, 4 s in all, longer than --dead 3.
    si = lib.standin(ping_interval=None, answer_pings=False)
    b = rk.sm_bot(si)
    w1 = live(si)
    t0 = time.monotonic()
    si.ws_fragmented(None, pieces=9, ping_between=False, delay=0.5)
    took = time.monotonic() - t0
    ok(took >= 3.5, "the message took %.2f s" % took)
    eq(rk.read_seqs(b, 1), [1])
    w = [x for x in rk.sm_ws(si) if x["id"] == w1["id"]][0]
    eq(w["closed"], None, "the slow socket is still open")
    eq(len(rk.sm_ws(si)), 1, "WebSocket connections")
    ok(w["client_pings"] and all(p["pong_at"] is None
                                 for p in w["client_pings"]),
       "slackbot pinged; no pong came")
    si.wait_acks(1)
    rk.check_acks(si)
    rk.no_secrets(si)


@test(timeout=40)
def late_pongs_within_the_dead_time_are_not_a_dead_link():
    si = lib.standin(ping_interval=None, pong_delay=1.5)
    b = rk.sm_bot(si)
    w1 = live(si)
    time.sleep(3.0)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])
    time.sleep(3.0)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [2])
    ws = rk.sm_ws(si)
    eq([(w["id"], w["closed"]) for w in ws], [(w1["id"], None)],
       "one socket, still open")
    answered = [p for p in ws[0]["client_pings"] if p["pong_at"]]
    ok(len(answered) >= 4, "pongs: %r" % ws[0]["client_pings"])
    # Late, yet within the dead time.
    ok(all(1.4 <= p["pong_at"] - p["time"] < 3.0 for p in answered),
       "pongs 1.5 s late: %r" % answered)
    rk.no_secrets(si)


@test(timeout=30)
def tcp_reset_reconnects_at_once():
    si = lib.standin()
    b = rk.sm_bot(si)
    w1 = live(si)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])
    t0 = time.time()
    si.ws_reset()
    w2 = live(si, 2)
    # At once: no backoff (which would be logged), and soon.
    ok("trying again in" not in b.stderr(), "a backoff after the reset: %r"
       % b.stderr()[-500:])
    ok(w2["hello"] - t0 < 1 + lib.LATE, "new socket after %.2f s" %
       (w2["hello"] - t0))
    eq(si.wait_closed(w1["id"])["end"], "server_reset")
    si.sm_events(2)
    eq(rk.read_seqs(b, 2), [2, 3])
    ok("connection 1 lost" in b.stderr(), "logged")
    rk.no_secrets(si)


@test(timeout=30)
def server_close_frame_is_answered_then_reconnects():
    si = lib.standin()
    b = rk.sm_bot(si)
    w1 = live(si)
    si.ws_close(4000, "bye")
    w = si.wait_closed(w1["id"])
    ok(w["close_received"] is not None, "slackbot answered the close frame")
    ok(w["close_received"]["code"] in (4000, 1000),
       "close code %r" % w["close_received"])
    eq(w["end"], "close_handshake")
    rk.check_client_frames(w)
    live(si, 2)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])
    ok("4000" in b.stderr(), "the code is logged")
    rk.no_secrets(si)


@test(timeout=30)
def server_pings_get_pongs_with_the_same_payload():
    si = lib.standin(ping_interval=0.2)
    b = rk.sm_bot(si)
    w1 = live(si)
    si.ws_ping(b"payload-42\x00\xff")
    si.ws_ping(b"")
    si.wait(lambda: len([w for w in si._ws_recs if w["id"] == w1["id"]][0]
                        ["pongs"]) >= 6, 10)
    w = [x for x in rk.sm_ws(si) if x["id"] == w1["id"]][0]
    payloads = [p["payload"] for p in w["pongs"]]
    ok("payload-42\x00\ufffd" in payloads, payloads)
    ok("" in payloads, payloads)
    periodic = [p for p in w["pongs"] if p["payload"].startswith("%d." %
                                                                  w1["id"])]
    ok(len(periodic) >= 4 and all(p["rtt"] is not None and p["rtt"] < 0.5
                                  for p in periodic), periodic)
    sent = {p["payload"] for p in w["pings_sent"]}
    ok(set(payloads) <= sent, "every pong answers a ping")
    rk.check_client_frames(w)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])
    rk.no_secrets(si)


@test(timeout=30)
def fragmented_message_with_pings_between_is_reassembled():
    si = lib.standin(ping_interval=None)
    b = rk.sm_bot(si)
    w1 = live(si)
    eid = si.ws_fragmented(None, pieces=5, ping_between=True)
    eq(rk.read_seqs(b, 1), [1])
    si.wait_acks(1)
    eq(si.acks()[0]["envelope_id"], eid)
    si.wait(lambda: len([p for p in [w for w in si._ws_recs
                                     if w["id"] == w1["id"]][0]["pongs"]
                         if p["payload"] == "between-fragments"]) == 4, 10)
    w = rk.sm_ws(si)[0]
    eq(len([p for p in w["pongs"] if p["payload"] == "between-fragments"]),
       4, "pongs to the pings between the fragments")
    # A text message in 40 pieces.
    si.ws_fragmented(None, pieces=40, ping_between=False)
    eq(rk.read_seqs(b, 1), [2])
    rk.check_acks(si)
    rk.check_client_frames(rk.sm_ws(si)[0])
    rk.no_secrets(si)


@test(timeout=30)
def large_event_is_printed_whole():
    import json
    si = lib.standin()
    b = rk.sm_bot(si)
    live(si)
    # About 200 KiB (the text is there twice): a 64-bit length, under
    # every limit.
    si.ws_oversized(100 * 1024)
    line = b.readline(5)
    eq(rk.seq_of(line), 1)
    text = json.loads(line)["text"]
    ok(len(text) > 100 * 1024 and text.endswith("x" * 1000),
       "text of %d bytes" % len(text))
    ok(len(line) > 200 * 1024, "line of %d bytes" % len(line))
    si.wait_acks(1)
    eq(len(rk.sm_ws(si)), 1)
    rk.no_secrets(si)


@test(timeout=30)
def oversized_message_closes_with_1009_and_reconnects():
    si = lib.standin(max_retries=0)
    b = rk.sm_bot(si)
    w1 = live(si)
    si.ws_oversized(600 * 1024)
    w = si.wait_closed(w1["id"])
    ok(w["close_received"] is not None, "no close frame from slackbot")
    eq(w["close_received"]["code"], 1009, "close code")
    live(si, 2)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [2], "the next event (1 was too big)")
    rk.no_more_lines(b, 0.3)
    ok("1009" in b.stderr(), "logged")
    rk.no_secrets(si)


@test(timeout=30)
def event_of_300_kib_is_delivered_whole():
    # The text of the stand-in's events is there twice (text, blocks):
    # about 300 KiB, a valid WebSocket message (under 512 KiB); the FIFO
    # takes any message the WebSocket accepts.
    si = lib.standin(max_retries=0)
    b = rk.sm_bot(si)
    w1 = live(si)
    si.ws_oversized(150 * 1024)
    si.sm_events(1)
    eq(rk.read_seqs(b, 2), [1, 2], "the big event, then the next")
    eq([(w["id"], w["closed"]) for w in rk.sm_ws(si)], [(w1["id"], None)],
       "the socket stays")
    rk.no_secrets(si)


@test(timeout=30)
def masked_frame_from_the_server_closes_with_1002_and_reconnects():
    si = lib.standin(ack_timeout=0.5)
    b = rk.sm_bot(si)
    w1 = live(si)
    si.ws_masked()              # event 1, masked: refused
    w = si.wait_closed(w1["id"])
    ok(w["close_received"] is not None, "no close frame from slackbot")
    eq(w["close_received"]["code"], 1002, "close code")
    live(si, 2)
    # Slack sends event 1 again, properly this time.
    eq(rk.read_seqs(b, 1), [1])
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [2])
    rk.no_more_lines(b, 0.3)
    ok("1002" in b.stderr(), "logged")
    rk.no_secrets(si)


@test(timeout=30)
def text_that_is_not_utf8_closes_with_1007_and_reconnects():
    # A whole envelope in one frame, JSON but for one byte in a string,
    # then a text that is neither JSON nor UTF-8: both are protocol
    # errors (RFC 6455 8.1), not merely messages to skip.
    si = lib.standin(ack_timeout=0.5)
    b = rk.sm_bot(si)
    for n, junk in enumerate((
            b'{"envelope_id":"e-not-utf8","type":"events_api","payload":'
            b'{"event":{"type":"message","text":"caf\xe9"}}}',
            b"not json \xc0\xaf"), 1):
        w = live(si, n)
        si.ws_send(junk)
        w = si.wait_closed(w["id"])
        ok(w["close_received"] is not None, "no close frame from slackbot")
        eq(w["close_received"]["code"], 1007, "close code")
    live(si, 3)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])
    rk.no_more_lines(b, 0.3)
    ok("e-not-utf8" not in [a["envelope_id"] for a in si.acks()],
       "not acknowledged")
    ok(b.stderr().count("1007") >= 2, "logged")
    rk.no_secrets(si)


@test(timeout=30)
def messages_that_are_not_slacks_are_skipped_and_the_socket_stays():
    si = lib.standin()
    b = rk.sm_bot(si)
    w1 = live(si)
    for junk in ("not json", "", "[1,2,3]", '"hello"', "{\"type\":",
                 {"type": "something_new", "x": 1}, {"no": "type"},
                 {"type": "disconnect_soon"}, {"envelope_id": ""}):
        si.ws_send(junk)
    si.ws_send(b"\x00\x01binary\xff", binary=True)
    si.ws_send(b"", binary=True)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [1])
    # An envelope of a type slackbot does not know: acked, payload printed.
    eid = si.sm_envelope("future_type", {"x": 1, "y": [2]})
    eq(b.readline(5), '{"x":1,"y":[2]}')
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [2])
    si.wait_acks(3)
    ok(eid in [a["envelope_id"] for a in si.acks()], "unknown type acked")
    ws = rk.sm_ws(si)
    eq([(w["id"], w["closed"]) for w in ws], [(w1["id"], None)],
       "one socket, still open")
    eq(ws[0]["close_received"], None)
    rk.check_client_frames(ws[0])
    err = b.stderr()
    ok(err.count("skipped") >= 5, "skipped messages are logged: %r" %
       err[-800:])
    rk.no_secrets(si)


@test(timeout=30)
def idle_connection_costs_no_cpu():
    si = lib.standin(ping_interval=None)
    b = rk.sm_bot(si, ping=10, dead=30)
    live(si)
    time.sleep(0.3)
    c0 = rk.cpu_seconds(b.pid)
    time.sleep(2.0)
    used = rk.cpu_seconds(b.pid) - c0
    ok(used < 0.1, "%.2f s of CPU in 2 s of an idle connection" % used)


lib.run_all()
