#!/usr/bin/python3
"""slackbot run in Socket Mode against the stand-in: a stream of events,
acknowledgements, refreshes and the other disconnect reasons, events
delivered more than once, and tokens kept out of the output.

(test_run_wire.py: the WebSocket and keepalive; test_run_life.py:
connecting, RTM, signals, backpressure, reconnect cycles.)"""

import json
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402
import runkit as rk  # noqa: E402


@test(timeout=60)
def stream_of_1000_events_printed_once_in_order_and_acked():
    si = lib.standin()
    b = rk.sm_bot(si)
    si.wait_ws(1)
    ids = si.sm_events(1000)
    got = rk.read_seqs(b, 1000, timeout=20)
    eq(got, list(range(1, 1001)), "sequence numbers printed")
    rk.no_more_lines(b, 0.5)
    # The line is the envelope's payload.event, as Slack sent it.
    chains = si.chains(payloads=True)
    for i in (0, 499, 999):
        eq(json.loads(b.lines[i]), chains[ids[i]]["payload"]["event"],
           "line %d" % (i + 1))
    si.wait_acks(1000)
    acks = si.acks()
    eq(len(acks), 1000, "acks")
    eq(sorted(a["envelope_id"] for a in acks), sorted(ids))
    ok(all(a["counted"] and not a["duplicate"] and a["payload"] is None
           for a in acks), "every ack counted once, without a payload")
    eq(len(si.envelopes()), 1000, "deliveries (none redelivered)")
    worst = rk.check_acks(si, within=3.0)
    ws = rk.sm_ws(si)
    eq(len(ws), 1, "WebSocket connections")
    w = ws[0]
    rk.check_client_frames(w)
    eq(len([f for f in w["frames"] if f["opcode"] == 1]), 1000,
       "text frames (one per ack)")
    eq(len(w["received"]), 1000, "messages received")
    eq(si.unacked(), [])
    print("  worst ack delay %.3f s" % worst)
    rk.no_secrets(si)


@test(timeout=30)
def event_with_newlines_between_tokens_is_printed_as_one_line():
    si = lib.standin()
    b = rk.sm_bot(si)
    si.wait_ws(1)
    event = {"type": "message", "text": "two\nlines", "ts": "1.000200",
             "blocks": [{"type": "rich_text", "elements": []}]}
    si.ws_send(json.dumps({"envelope_id": "e-pretty", "type": "events_api",
                           "payload": {"event": event,
                                       "event_id": "Ev0PRETTY1"}},
                          indent=2))
    # A compact one after it: the newline mark is per event.
    si.ws_send(json.dumps({"envelope_id": "e-compact",
                           "type": "events_api",
                           "payload": {"event": {"type": "message",
                                                 "text": "flat"},
                                       "event_id": "Ev0PRETTY2"}},
                          separators=(",", ":")))
    line = b.readline(5)
    ok(line is not None and "\n" not in line, "one line: %r" % (line,))
    eq(json.loads(line), event)
    eq(b.readline(5), '{"type":"message","text":"flat"}')
    rk.no_more_lines(b, 0.3)
    rk.no_secrets(si)


def stream_in_background(si, n, rate):
    """sm_events(n, rate) in a thread; returns (thread, result list)."""
    out = []
    t = threading.Thread(target=lambda: out.extend(
        si.sm_events(n, rate=rate)), daemon=True)
    t.start()
    return t, out


def check_refresh(si, first, second):
    """The replacement `second` was opened, and said hello, before
    `first` was closed; `first` was closed by slackbot with a close
    handshake (1000); never more than two WebSockets."""
    ok(second["opened"] < first["closed"],
       "new socket opened (%.3f) before the old one closed (%.3f)" %
       (second["opened"], first["closed"]))
    ok(second["hello"] is not None and second["hello"] < first["closed"],
       "new socket live before the old one closed")
    eq(first["close_received"]["code"], 1000, "close code from slackbot")
    eq(first["end"], "close_handshake", "how the old socket ended")
    conns = {c["id"]: c for c in si.connections()}
    ok(conns[second["id"]]["opened"] < conns[first["id"]]["closed"],
       "TCP connections overlap")


@test(timeout=60)
def refresh_in_the_middle_of_a_stream():
    si = lib.standin(ack_timeout=2.0)
    b = rk.sm_bot(si)
    si.wait_ws(1)
    t, ids = stream_in_background(si, 600, rate=400)
    lib.wait_until(lambda: len(si.envelopes()) >= 150, 10,
                   "150 events sent")
    si.sm_disconnect("refresh_requested")
    si.wait_ws(2)
    t.join(10)
    eq(len(ids), 600)
    got = rk.read_until(b, range(1, 601), timeout=15)
    rk.no_more_lines(b, 0.5)
    rk.once_each(got, range(1, 601))
    w1 = rk.wait_open_ws(si, 1)
    ws = rk.sm_ws(si)
    eq(len(ws), 2, "WebSocket connections")
    eq(w1[0]["id"], ws[1]["id"], "the new one stays")
    check_refresh(si, ws[0], ws[1])
    eq(rk.max_open([(w["opened"], w["closed"]) for w in ws]), 2,
       "WebSockets open at once")
    # One apps.connections.open call per socket, each a fresh ticket.
    eq(len(si.requests("apps.connections.open")), 2, "URLs asked for")
    eq(len({w["ticket"] for w in ws}), 2, "distinct tickets")
    eq(sorted(t["used"] for t in si.tickets().values()), [True, True])
    # Events went out on both sockets, each acked where it came from.
    eq({e["conn"] for e in si.envelopes()}, {ws[0]["id"], ws[1]["id"]})
    si.wait(lambda: not si.unacked(), 5)
    eq(si.unacked(), [])
    rk.check_acks(si)
    for w in ws:
        rk.check_client_frames(w)
    rk.no_secrets(si)


@test(timeout=60)
def warning_old_socket_keeps_reading_and_acking_until_the_new_is_live():
    # hello is late on the new socket: the old one must go on alone.
    si = lib.standin(ack_timeout=2.0)
    b = rk.sm_bot(si)
    si.wait_ws(1)
    si.set_options(hello_delay=0.6)
    # 2 s of events; the switch starts a quarter of the way in.
    t, ids = stream_in_background(si, 600, rate=300)
    lib.wait_until(lambda: len(si.envelopes()) >= 150, 10,
                   "150 events sent")
    si.sm_disconnect("warning")
    t.join(15)
    got = rk.read_until(b, range(1, 601), timeout=15)
    rk.no_more_lines(b, 0.5)
    rk.once_each(got, range(1, 601))
    rk.wait_open_ws(si, 1)
    ws = rk.sm_ws(si)
    eq(len(ws), 2, "WebSocket connections")
    first, second = ws
    check_refresh(si, first, second)
    # Acks on the old socket while the new one waited for its hello.
    during = [a for a in si.acks() if a["conn"] == first["id"] and
              second["opened"] < a["time"] < second["hello"]]
    ok(len(during) > 20, "acks on the old socket during the switch: %d" %
       len(during))
    si.wait(lambda: not si.unacked(), 5)
    eq(si.unacked(), [])
    rk.check_acks(si)
    ok("warning" in b.stderr(), "the reason is logged")
    rk.no_secrets(si)


@test(timeout=30)
def warning_then_refresh_requested_opens_one_replacement():
    si = lib.standin()
    b = rk.sm_bot(si)
    si.wait_ws(1)
    si.set_options(hello_delay=0.3)
    si.sm_disconnect("warning")
    si.sm_disconnect("refresh_requested")
    si.sm_events(5)
    eq(rk.read_seqs(b, 5), [1, 2, 3, 4, 5])
    rk.wait_open_ws(si, 1)
    time.sleep(0.3)
    eq(len(rk.sm_ws(si)), 2, "WebSocket connections")
    eq(len(si.requests("apps.connections.open")), 2, "URLs asked for")
    check_refresh(si, *rk.sm_ws(si))
    rk.no_secrets(si)


@test(timeout=30)
def slack_closing_the_old_socket_before_the_new_is_live_loses_nothing():
    # refresh_requested, then Slack closes the old socket (1001) while
    # the new one still waits for its hello; events meanwhile wait too.
    si = lib.standin()
    b = rk.sm_bot(si)
    w1 = si.wait_ws(1)[0]
    si.sm_events(3)
    eq(rk.read_seqs(b, 3), [1, 2, 3])
    si.set_options(hello_delay=0.8)
    si.sm_disconnect("refresh_requested", close_after=0.2, close_code=1001)
    si.sm_events(3)
    w = si.wait_closed(w1["id"])
    eq((w["close_sent"]["code"], w["end"]), (1001, "close_handshake"))
    ok(w["close_received"] is not None, "slackbot answered the close")
    eq(rk.read_seqs(b, 3), [4, 5, 6])
    rk.wait_open_ws(si, 1)
    eq(len(rk.sm_ws(si)), 2, "one replacement, no extra connection")
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [7])
    rk.no_more_lines(b, 0.3)
    rk.no_secrets(si)


@test(timeout=30)
def link_disabled_is_logged_loudly_and_the_socket_closed():
    si = lib.standin()
    b = rk.sm_bot(si, verbose="-q")
    si.wait_ws(1)
    si.sm_events(2)
    eq(rk.read_seqs(b, 2), [1, 2])
    si.sm_disconnect("link_disabled")
    w = si.wait_closed(rk.sm_ws(si)[0]["id"])
    eq(w["close_received"]["code"], 1000, "slackbot closes it")
    eq(w["end"], "close_handshake")
    # Loudly: even with -q, one line that says what to do.
    err = b.expect_stderr("link_disabled", timeout=2)
    line = [x for x in b.stderr().splitlines() if "link_disabled" in x]
    eq(len(line), 1, "lines about link_disabled")
    ok("Socket Mode" in line[0] and "settings" in line[0], line[0])
    ok(err and b.alive(), "still running, to reconnect later")
    time.sleep(0.3)
    ok(b.alive(), "still running")
    rk.no_secrets(si)


@test(timeout=30)
def too_many_websockets_closes_the_socket_first_then_reconnects():
    si = lib.standin()
    b = rk.sm_bot(si)
    si.wait_ws(1)
    si.sm_disconnect("too_many_websockets")
    si.wait_ws(2)
    si.sm_events(3)
    eq(rk.read_seqs(b, 3), [1, 2, 3])
    first, second = rk.sm_ws(si)
    eq(first["close_received"]["code"], 1000)
    ok(first["closed"] is not None and first["closed"] <= second["opened"],
       "old socket closed before the new one opened")
    eq(rk.max_open([(w["opened"], w["closed"]) for w in rk.sm_ws(si)]), 1)
    ok("too many" in b.stderr(), "logged")
    rk.no_secrets(si)


@test(timeout=30)
def too_many_websockets_on_the_replacement_socket():
    # Slack's cap is reached when the replacement opens: the way out is
    # to close the old socket first (slack-protocol.md 4.7), and at the
    # least never to hammer apps.connections.open.
    si = lib.standin(max_connections=1)
    b = rk.sm_bot(si)
    si.wait_ws(1)
    si.sm_disconnect("refresh_requested")
    time.sleep(2.0)
    n = len(si.requests("apps.connections.open"))
    ok(n <= 4, "%d apps.connections.open calls in 2 s" % n)
    si.wait(lambda: len(rk.open_ws(si)) == 1 and
            rk.open_ws(si)[0]["hello"] and
            not rk.open_ws(si)[0]["draining"], 5)
    si.sm_events(2)
    eq(rk.read_seqs(b, 2), [1, 2])


def wait_ack_of(si, eid, n=1, timeout=3.0):
    """Waits for n ack messages naming envelope eid; returns them all."""
    def count():
        return len([a for a in si._acks if a["envelope_id"] == eid])
    if not si.wait(lambda: count() >= n, timeout):
        raise AssertionError("%d acks of %s in %.1f s (wanted %d)" %
                             (count(), eid, timeout, n))
    return [a for a in si.acks() if a["envelope_id"] == eid]


@test(timeout=40)
def redelivered_envelopes_are_printed_once_and_still_acked():
    si = lib.standin(delivery="newest")
    b = rk.sm_bot(si)
    si.wait_ws(1)
    e1 = si.sm_events(1)[0]
    eq(rk.read_seqs(b, 1), [1])
    wait_ack_of(si, e1)
    # The same envelope again (Slack missed the ack), the same event in a
    # new envelope, and again as a first attempt (seen in the field).
    si.sm_redeliver(e1)
    e1b = si.sm_redeliver(e1, new_id=True)
    e1c = si.sm_redeliver(e1, new_id=True, reason="")
    ok(len({e1, e1b, e1c}) == 3)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [2], "the next line is the next event")
    eq(len(wait_ack_of(si, e1, 2)), 2, "acks of the first envelope")
    for eid in (e1b, e1c):
        eq(len(wait_ack_of(si, eid)), 1, "acks of %s" % eid)
    # The same event on the other socket: a refresh, then it comes again
    # on the new one.
    si.sm_disconnect("refresh_requested")
    si.wait_ws(2)
    new = rk.wait_open_ws(si, 1)[0]["id"]
    e1d = si.sm_redeliver(e1, conn=new, new_id=True)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [3])
    eq([a["conn"] for a in wait_ack_of(si, e1d)], [new])
    rk.no_more_lines(b, 0.3)
    rk.check_acks(si)
    ok("delivered again" in b.stderr(), "repeats are logged (-v)")
    rk.no_secrets(si)


@test(timeout=40)
def envelopes_whose_acks_are_lost_come_again_and_are_printed_once():
    # Slack does not see the acks: every envelope comes 3 times, with
    # retry_attempt 0, 1, 2; half of the events in new envelopes.
    si = lib.standin(ack_timeout=0.3, max_retries=2, ignore_acks=True)
    b = rk.sm_bot(si)
    si.wait_ws(1)
    si.sm_events(50)
    si.set_options(redeliver_new_id=True)
    si.sm_events(50)
    got = rk.read_until(b, range(1, 101), timeout=10)
    si.wait(lambda: all(c["state"] == "given_up"
                        for c in si.chains().values()), 5)
    rk.no_more_lines(b, 0.5)
    rk.once_each(got, range(1, 101))
    eq(sorted(e["retry_attempt"] for e in si.envelopes()),
       sorted([0, 1, 2] * 100), "deliveries")
    # Each delivery got its ack, on its socket, in time.
    si.wait(lambda: len(si._acks) >= 300, 10)
    eq(sorted(a["envelope_id"] for a in si.acks()),
       sorted(e["envelope_id"] for e in si.envelopes()), "acks")
    rk.check_acks(si)
    rk.no_secrets(si)


@test(timeout=40)
def tokens_and_tickets_never_printed():
    si = lib.standin(ack_timeout=0.5)
    si.fault("link", status=409)
    si.fault("apps.connections.open", status=500)
    b = rk.sm_bot(si, verbose="-vv")
    si.wait_ws(1, timeout=10)
    si.sm_events(3)
    rk.read_seqs(b, 3)
    si.sm_disconnect("refresh_requested")
    si.wait_ws(2)
    si.ws_reset()
    si.wait_ws(3, timeout=10)
    si.ws_send("not json " + lib.APP_TOKEN)
    si.sm_events(1)
    eq(rk.read_seqs(b, 1), [4])
    eq(b.stop(), 0)
    err = b.stderr()
    ok(len(err.splitlines()) > 15, "-vv logs a lot: %d lines" %
       len(err.splitlines()))
    rk.no_secrets(si, err)


lib.run_all()
