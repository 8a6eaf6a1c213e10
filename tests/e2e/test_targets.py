#!/usr/bin/python3
"""The end-to-end tests that matter most on every target: auth, post,
upload, Socket Mode with acks, a refresh, an --exec round trip, SIGTERM,
the service manager's notifications, a clock set late, and what the
binary is made of.

Run natively by make test (./slackbot), and for each target by
`tests/qemu TARGET tests/e2e/test_targets.py` (make test-cross), which
sets SLACKBOT, SLACKBOT_CLOCK and SLACKBOT_QEMU (tests/e2e/lib.py): the
target's binary under qemu-user against the stand-in on this machine.
Byte order, alignment, 32-bit time_t / size_t and floating point
mistakes show up here."""

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402
import runkit as rk  # noqa: E402
from oneshot import AUTH_LINES  # noqa: E402

TARGET = os.environ.get("SLACKBOT_TARGET", "x86_64")
CLOCK_BIN = lib.ROOT / os.environ.get("SLACKBOT_CLOCK",
                                      "build/musl/slackbot-clock")
# The most bytes a binary may have (targets.mk).
BINARY_MAX = int(re.search(r"^BINARY_MAX\s*=\s*(\d+)",
                           (lib.ROOT / "targets.mk").read_text(),
                           re.M).group(1))
CH = lib.CHANNEL
MENTION = "<@%s> " % lib.BOT_USER


def tmpdir():
    d = tempfile.mkdtemp(prefix="slackbot-targets-")
    lib.cleanup(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


# ----------------------------------------------------------------------
# The binary itself.

# FPU instructions of MIPS (coprocessor 1): loads, stores, moves,
# branches and every arithmetic format (.s .d .w .l .ps).  MIPS16e has
# none; the disassembler tells its code from MIPS32 code by the symbols of
# slackbot.elf (the binary before stripping), and reads MIPS16e as MIPS32
# (and finds such instructions in it) in the stripped binary.
MIPS_FPU = re.compile(r"^(lwc1|swc1|ldc1|sdc1|lwxc1|swxc1|ldxc1|sdxc1|mtc1|"
                      r"mfc1|mthc1|mfhc1|ctc1|cfc1|bc1[tf]l?|"
                      r"[a-z0-9]+\.(s|d|w|l|ps))$")


def loaded(path):
    """The loadable segments of an ELF file: address, sizes, flags and
    bytes each, the ELF header left out (where the section headers are
    differs with stripping)."""
    with open(path, "rb") as f:
        data = f.read()
    wide, order = data[4] == 2, "little" if data[5] == 1 else "big"

    def num(at, n):
        return int.from_bytes(data[at:at + n], order)
    phoff, phentsize, phnum = ((num(32, 8), num(54, 2), num(56, 2)) if wide
                               else (num(28, 4), num(42, 2), num(44, 2)))
    segs = []
    for i in range(phnum):
        at = phoff + i * phentsize
        if num(at, 4) != 1:                             # PT_LOAD
            continue
        if wide:
            flags, off, vaddr, filesz, memsz = (
                num(at + 4, 4), num(at + 8, 8), num(at + 16, 8),
                num(at + 32, 8), num(at + 40, 8))
        else:
            off, vaddr, filesz, memsz, flags = (
                num(at + 4, 4), num(at + 8, 4), num(at + 16, 4),
                num(at + 20, 4), num(at + 24, 4))
        start = max(off, num(52, 2) if wide else num(40, 2))   # e_ehsize
        segs.append((vaddr, memsz, flags, data[start:off + filesz]))
    return segs


@test(timeout=120)
def binary_is_static_and_fits_the_target():
    """An ELF executable for the target's machine, byte order and word
    size, with no interpreter (static), at most BINARY_MAX; MIPS builds hold
    no FPU instruction at all (soft float: router SoCs have no FPU)."""
    want = {"x86_64": (2, 1, 62), "aarch64": (2, 1, 183),
            "armv7": (1, 1, 40), "armv6": (1, 1, 40), "mipsel": (1, 1, 8),
            "mips": (1, 2, 8), "riscv64": (2, 1, 243)}[TARGET]
    with open(lib.SLACKBOT, "rb") as f:
        head = f.read(64)
    ok(head[:4] == b"\x7fELF", "not an ELF file")
    order = "little" if head[5] == 1 else "big"
    machine = int.from_bytes(head[18:20], order)
    eq((head[4], head[5], machine), want, "class, byte order, machine")
    r = subprocess.run(["readelf", "-lW", str(lib.SLACKBOT)],
                       capture_output=True, text=True)
    ok("INTERP" not in r.stdout, "has a program interpreter (not static)")
    size = os.path.getsize(lib.SLACKBOT)
    ok(size <= BINARY_MAX, "%d bytes, above BINARY_MAX (targets.mk: %d)" %
       (size, BINARY_MAX))
    print("  %s: %d bytes" % (TARGET, size))
    if TARGET in ("mips", "mipsel"):
        elf = CLOCK_BIN.parent / "slackbot.elf"
        ok(loaded(elf) == loaded(lib.SLACKBOT),
           "%s is not %s before stripping" % (elf, lib.SLACKBOT))
        tool = "%s-linux-gnu-objdump" % TARGET
        r = subprocess.run([tool, "-d", str(elf)],
                           capture_output=True, text=True)
        eq(r.returncode, 0, "objdump")
        ok("\t" in r.stdout, "objdump printed no instructions")
        fpu = []
        for line in r.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and MIPS_FPU.match(parts[2].strip()):
                fpu.append(line.strip())
        eq(fpu[:5], [], "FPU instructions")
        r = subprocess.run(["readelf", "-A", str(lib.SLACKBOT)],
                           capture_output=True, text=True)
        ok("FP ABI: Soft float" in r.stdout, "not marked soft-float")


@test
def version_runs():
    r = lib.run_slackbot(["--version"])
    eq((r.rc, r.err), (0, ""), r)
    ok(re.match(r"^slackbot \d+\.\d+\.\d+\n$", r.out), r.out)


# ----------------------------------------------------------------------
# One-shot commands.

@test
def auth():
    si = lib.standin()
    r = lib.run_slackbot(["auth"], si=si, timeout=30)
    eq((r.rc, r.lines(), r.err), (0, AUTH_LINES, ""), r)


@test
def post_and_reply_in_thread():
    si = lib.standin()
    r = lib.run_slackbot(["post", "-c", CH, "héllo wörld ✓"], si=si,
                         timeout=30)
    eq(r.rc, 0, r)
    ts = r.out.strip()
    r = lib.run_slackbot(["post", "-c", CH, "-t", ts], si=si, timeout=30,
                         input="in the thread\n")
    eq(r.rc, 0, r)
    eq([(p["text"], p["thread_ts"]) for p in si.posts()],
       [("héllo wörld ✓", None), ("in the thread", ts)])


@test(timeout=120)
def upload_crosses_every_buffer():
    """A file larger than the pieces it is sent in, with an odd size:
    the bytes arrive unchanged (checked by sha256)."""
    si = lib.standin()
    size = 700 * 1024 + 77
    data = os.urandom(size)
    path = os.path.join(tmpdir(), "blob.bin")
    with open(path, "wb") as f:
        f.write(data)
    r = lib.run_slackbot(["upload", "-c", CH, "-m", "the blob", path],
                         si=si, timeout=90)
    eq(r.rc, 0, r)
    u = si.uploads()
    eq(len(u), 1, "uploads")
    eq((u[0]["size"], u[0]["sha256"], u[0]["completed"], u[0]["channel"],
        u[0]["initial_comment"]),
       (size, hashlib.sha256(data).hexdigest(), True, CH, "the blob"))
    eq(r.out, u[0]["file_id"] + "\n")


# ----------------------------------------------------------------------
# Socket Mode.

@test(timeout=120)
def listen_prints_each_event_once_and_acks_it():
    si = lib.standin()
    b = rk.sm_bot(si, ping=2, dead=8)
    si.wait_ws(1, timeout=30)
    ids = si.sm_events(300)
    got = rk.read_seqs(b, 300, timeout=60)
    eq(got, list(range(1, 301)), "sequence numbers printed")
    si.wait_acks(300, timeout=30)
    eq(sorted(a["envelope_id"] for a in si.acks()), sorted(ids), "acks")
    eq(si.unacked(), [])
    rk.no_secrets(si)


@test(timeout=120)
def refresh_requested_loses_nothing():
    si = lib.standin()
    b = rk.sm_bot(si, ping=2, dead=8)
    si.wait_ws(1, timeout=30)
    si.sm_events(50)
    si.sm_disconnect("refresh_requested")
    si.wait_ws(2, timeout=30)
    si.sm_events(50)
    got = rk.read_until(b, range(1, 101), timeout=60)
    rk.once_each(got, range(1, 101))
    w = rk.wait_open_ws(si, 1, timeout=30)
    ws = rk.sm_ws(si)
    eq(len(ws), 2, "WebSocket connections")
    eq(w[0]["id"], ws[1]["id"], "the new one stays")
    eq(ws[0]["close_received"]["code"], 1000, "close code from slackbot")
    si.wait(lambda: not si.unacked(), 30)


@test(timeout=120)
def exec_echo_round_trip():
    si = lib.standin()
    rk.sm_bot(si, ping=2, dead=8,
              extra=["--exec", "examples/echo.sh", "--rate", "0"])
    si.wait_ws(1, timeout=30)
    for i in range(5):
        si.sm_events(1, kind="app_mention", text=MENTION + "ping %d" % i,
                     channel=CH, ts="1732600000.%06d" % i,
                     event_ts="1732600000.%06d" % i)
    si.wait_posts(5, timeout=60)
    got = sorted((p["text"], p["thread_ts"]) for p in si.posts())
    eq(got, sorted(("<@%s> said: ping %d" % (lib.HUMAN, i),
                    "1732600000.%06d" % i) for i in range(5)))


@test(timeout=120)
def sigterm_closes_cleanly_and_exits_0():
    si = lib.standin()
    b = rk.sm_bot(si, ping=2, dead=8)
    si.wait_ws(1, timeout=30)
    si.sm_events(3)
    rk.read_seqs(b, 3, timeout=30)
    si.wait_acks(3, timeout=30)
    t0 = time.monotonic()
    b.signal(signal.SIGTERM)
    eq(b.wait(20), 0, "exit status")
    took = time.monotonic() - t0
    si.wait(lambda: rk.sm_ws(si)[0]["closed"] is not None, 10)
    ws = rk.sm_ws(si)
    eq(ws[0]["close_received"]["code"], 1000, "close frame")
    ok(re.search(r"stopping: 3 events handled", b.stderr()), b.stderr())
    print("  stopped in %.2f s" % took)


# ----------------------------------------------------------------------
# The service manager (systemd's notification protocol).

class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET: a path,
    or an abstract name ("@...") as systemd uses.  Collects datagrams."""

    def __init__(self, abstract):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "slackbot-test-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            self.env = os.path.join(tmpdir(), "notify")
            self.sock.bind(self.env)
        self.sock.settimeout(0.2)
        self.got = []
        self._stop = False
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()
        lib.cleanup(self.close)

    def _read(self):
        while not self._stop:
            try:
                self.got.append(self.sock.recv(4096).decode())
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self._stop = True
        self._t.join(2)
        self.sock.close()

    def wait(self, pred, what, timeout=30):
        return lib.wait_until(lambda: [m for m in list(self.got) if pred(m)],
                              timeout, what)


def notify_run(abstract):
    ns = NotifySocket(abstract)
    si = lib.standin()
    b = rk.sm_bot(si, ping=2, dead=8,
                  env={"NOTIFY_SOCKET": ns.env, "WATCHDOG_USEC": "400000",
                       "WATCHDOG_PID": None})
    ready = ns.wait(lambda m: m.startswith("READY=1\n"), "READY=1")
    eq(ready[0], "READY=1\nSTATUS=connected (Socket Mode, connection 1)")
    # The loop feeds the watchdog every 200 ms: wait for several pings.
    ns.wait(lambda m: m == "WATCHDOG=1", "5 pings", timeout=30)
    lib.wait_until(lambda: ns.got.count("WATCHDOG=1") >= 5, 30,
                   "5 watchdog pings")
    # A reconnection is reported, READY=1 is not sent again.
    si.sm_disconnect("refresh_requested")
    ns.wait(lambda m: m.startswith("STATUS=connected (Socket Mode, "
                                   "connection 2)"), "STATUS of connection 2")
    b.signal(signal.SIGTERM)
    eq(b.wait(20), 0)
    ns.wait(lambda m: m == "STOPPING=1", "STOPPING=1")
    eq(len([m for m in ns.got if "READY=1" in m]), 1, "READY=1 sent once")
    ok(all(m.startswith(("READY=1\nSTATUS=", "STATUS=", "WATCHDOG=1",
                         "STOPPING=1")) for m in ns.got), ns.got)


@test(timeout=120)
def notify_socket_path_ready_status_watchdog_stopping():
    notify_run(abstract=False)


@test(timeout=120)
def notify_socket_abstract_name():
    notify_run(abstract=True)


@test(timeout=60)
def handlers_do_not_inherit_notify_socket():
    ns = NotifySocket(False)
    si = lib.standin()
    d = tmpdir()
    h = os.path.join(d, "env.sh")
    with open(h, "w") as f:
        f.write("#!/bin/sh\necho \"[${NOTIFY_SOCKET-unset}]"
                "[${WATCHDOG_USEC-unset}]\"\n")
    os.chmod(h, 0o755)
    rk.sm_bot(si, ping=2, dead=8, extra=["--exec", h, "--rate", "0"],
              env={"NOTIFY_SOCKET": ns.env, "WATCHDOG_USEC": "10000000"})
    si.wait_ws(1, timeout=30)
    si.sm_events(1, kind="app_mention", text=MENTION + "env")
    si.wait_posts(1, timeout=30)
    eq(si.posts()[0]["text"], "[unset][unset]")


# ----------------------------------------------------------------------
# A board without a real-time clock.

@test(timeout=120)
def clock_in_1970_one_line_then_connects_once_set():
    """The test build reads the TLS clock from a file (tls.c,
    TLS_TEST_CLOCK).  In 1970: one line says the clock is wrong, nothing
    is tried, nothing more is logged while waiting; once the file holds
    the real time, the bot connects by itself."""
    ok(CLOCK_BIN.exists(), "%s not built (make cross-bins)" % CLOCK_BIN)
    clock = os.path.join(tmpdir(), "clock")
    write_atomic(clock, "86400\n")      # 1970-01-02 00:00 UTC
    ns = NotifySocket(True)
    si = lib.standin()
    b = lib.start_slackbot(rk.run_args(2, 8), si=si, binary=str(CLOCK_BIN),
                           env={"SLACK_APP_TOKEN": lib.APP_TOKEN,
                                "SLACKBOT_TEST_CLOCK": clock,
                                "NOTIFY_SOCKET": ns.env})
    b.expect_stderr(r"clock is wrong", timeout=30)
    ns.wait(lambda m: m == "STATUS=waiting for the system clock to be set",
            "STATUS while waiting")
    # It looks at the clock 1 s, 2 s, 4 s later: three looks, no line.
    time.sleep(4)
    eq(si.requests(), [], "requests sent with a wrong clock")
    write_atomic(clock, "%d\n" % int(time.time()))
    b.expect_stderr(r"connected \(Socket Mode", timeout=60)
    lines = [x for x in b.stderr().splitlines() if x.strip()]
    wrong = [x for x in lines if "clock" in x and "wrong" in x]
    eq(len(wrong), 1, "lines about the clock: %r" % lines)
    ok(re.search(r"says 1970-01-02 00:00 UTC, before this program was "
                 r"built \(\d{4}-\d\d-\d\d\); certificates cannot be "
                 r"checked until the clock is set \(ntpd", wrong[0]),
       wrong[0])
    ok("the system clock is set now; connecting" in b.stderr(), b.stderr())
    si.sm_events(2)
    eq(rk.read_seqs(b, 2, timeout=30), [1, 2])
    ns.wait(lambda m: m.startswith("READY=1\n"), "READY=1")


@test(timeout=60)
def clock_in_1970_sigterm_while_waiting():
    ok(CLOCK_BIN.exists(), "%s not built (make cross-bins)" % CLOCK_BIN)
    clock = os.path.join(tmpdir(), "clock")
    write_atomic(clock, "0\n")
    si = lib.standin()
    b = lib.start_slackbot(rk.run_args(), si=si, binary=str(CLOCK_BIN),
                           env={"SLACK_APP_TOKEN": lib.APP_TOKEN,
                                "SLACKBOT_TEST_CLOCK": clock})
    b.expect_stderr(r"clock is wrong", timeout=30)
    b.signal(signal.SIGTERM)
    eq(b.wait(20), 0, "exit status")
    eq(si.requests(), [], "requests sent with a wrong clock")


lib.run_all()
