#!/usr/bin/python3
"""The operators' files: the man page, make install / uninstall, the
systemd unit, the OpenWrt procd script and its UCI config, and the
container with nothing but the binary (Dockerfile; docker itself cannot
run here, so the test plays the empty image with a chroot)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402
import runkit as rk  # noqa: E402
from oneshot import AUTH_LINES  # noqa: E402

ROOT = lib.ROOT
MAN = ROOT / "slackbot.1"
UNIT = ROOT / "init" / "slackbot.service"
PROCD = ROOT / "init" / "openwrt" / "slackbot.init"
UCI = ROOT / "init" / "openwrt" / "slackbot.config"
TESTROOTS = ROOT / "build" / "musl" / "slackbot-testroots"
CHROOT = shutil.which("chroot", path="/usr/sbin:/usr/bin:/sbin:/bin")


def tmpdir():
    d = tempfile.mkdtemp(prefix="slackbot-service-")
    lib.cleanup(lambda: shutil.rmtree(d, ignore_errors=True))
    return d


def skip(why):
    """Passes the test, saying what was not checked and why."""
    print("  skipped: %s" % why)


def make(*args):
    """make ARGS in the tree, as a separate run (not the outer make's
    jobs); returns the CompletedProcess."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    return subprocess.run(["make", "--no-print-directory"] + list(args),
                          cwd=str(ROOT), env=env, capture_output=True,
                          text=True, timeout=300)


# ----------------------------------------------------------------------
# The man page.

@test(timeout=60)
def man_page_renders_without_warnings():
    r = subprocess.run(["groff", "-ww", "-z", "-man", str(MAN)],
                       capture_output=True, text=True)
    eq((r.returncode, r.stderr), (0, ""), "groff -ww")
    if shutil.which("man"):
        r = subprocess.run(["man", "--warnings", "-l", str(MAN)],
                           capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "MANWIDTH": "80",
                                "LC_ALL": "C.UTF-8"})
        eq((r.returncode, r.stderr), (0, ""), "man --warnings")
        ok("EXIT STATUS" in r.stdout, r.stdout[:300])
    else:
        skip("man --warnings: no man here (groff -ww passed)")


@test(timeout=60)
def man_page_covers_every_option_variable_exit_code_and_signal():
    text = MAN.read_text().replace("\\-", "-")
    r = lib.run_slackbot(["--help"])
    words = set(re.findall(r"--?[a-z][a-z-]*", r.out))
    words |= set(re.findall(r"\b[A-Z]+_[A-Z0-9_]+\b", r.out))
    r = lib.run_slackbot(["run", "-Z"])
    words |= set(re.findall(r"--?[a-z][a-z-]*", r.err))
    words |= {"SSL_CERT_DIR", "SLACK_TOKEN_FILE", "SLACK_APP_TOKEN_FILE",
              "NOTIFY_SOCKET", "WATCHDOG_USEC", "no_proxy", "https_proxy",
              "SIGTERM", "SIGINT", "SIGHUP", "/etc/ssl/certs/ca-certificates"}
    missing = sorted(w for w in words if w not in text)
    eq(missing, [], "not in slackbot.1")
    for sect in ("COMMANDS", "ENVIRONMENT", "EXIT STATUS", "SIGNALS",
                 "FILES", "EXAMPLES"):
        ok(".SH %s" % sect in text, "no section " + sect)
    for code in "0123":
        ok(re.search(r"^\.TP\n\.B %s\n" % code, text, re.M),
           "exit status %s" % code)


# ----------------------------------------------------------------------
# make install / uninstall.

@test(timeout=300)
def make_install_and_uninstall_with_prefix_and_destdir():
    d = tmpdir()
    r = make("install", "PREFIX=/opt/sb", "DESTDIR=" + d)
    eq(r.returncode, 0, r.stderr)
    binp = os.path.join(d, "opt/sb/bin/slackbot")
    manp = os.path.join(d, "opt/sb/share/man/man1/slackbot.1")
    eq(oct(os.stat(binp).st_mode & 0o777), "0o755", "binary mode")
    eq(oct(os.stat(manp).st_mode & 0o777), "0o644", "man page mode")
    with open(binp, "rb") as a, open(str(lib.SLACKBOT), "rb") as b:
        ok(a.read() == b.read(), "installed binary differs")
    eq(open(manp).read(), MAN.read_text(), "installed man page")
    r = make("uninstall", "PREFIX=/opt/sb", "DESTDIR=" + d)
    eq(r.returncode, 0, r.stderr)
    ok(not os.path.exists(binp) and not os.path.exists(manp),
       "left after uninstall")


# ----------------------------------------------------------------------
# systemd.

def unit_settings():
    """The unit's [Service] settings: name -> list of values."""
    out, sect = {}, None
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            sect = line
            continue
        k, _, v = line.partition("=")
        out.setdefault((sect, k), []).append(v)
    return out


@test
def systemd_unit_hardening_and_restart_policy():
    u = unit_settings()
    want = {"Type": "notify", "DynamicUser": "yes",
            "NoNewPrivileges": "yes", "ProtectSystem": "strict",
            "ProtectHome": "yes", "PrivateTmp": "yes",
            "RestartPreventExitStatus": "3", "Restart": "on-failure"}
    for k, v in want.items():
        eq(u.get(("[Service]", k)), [v], k)
    creds = u.get(("[Service]", "LoadCredential"), [])
    eq(sorted(c.split(":")[0] for c in creds), ["app-token", "bot-token"])
    env = " ".join(u.get(("[Service]", "Environment"), []))
    ok("SLACK_TOKEN_FILE=%d/bot-token" in env, env)
    ok("SLACK_APP_TOKEN_FILE=%d/app-token" in env, env)
    ok(u.get(("[Service]", "WatchdogSec")), "no WatchdogSec")
    ok("Environment=SLACK_BOT_TOKEN" not in UNIT.read_text(),
       "a token in the unit")


@test(timeout=60)
def systemd_analyze_verify():
    tool = shutil.which("systemd-analyze")
    if tool is None:
        return skip("systemd-analyze verify: no systemd-analyze here")
    d = tmpdir()
    unit = os.path.join(d, "slackbot.service")
    with open(unit, "w") as f:
        f.write(UNIT.read_text().replace("/usr/local/bin/slackbot",
                                         str(lib.SLACKBOT)))
    r = subprocess.run([tool, "verify", "--man=no", unit],
                       capture_output=True, text=True, timeout=50)
    if r.returncode != 0 and re.search(r"Failed to (connect|initialize)|"
                                       r"No such file or directory.*bus|"
                                       r"Operation not permitted", r.stderr):
        return skip("systemd-analyze verify cannot run here: %s" %
                    r.stderr.strip().splitlines()[-1])
    eq((r.returncode, r.stderr.strip()), (0, ""), "systemd-analyze verify")


@test(timeout=90)
def systemd_unit_environment_runs_the_bot_from_credentials():
    """What the unit sets up, played by hand: the tokens as files in a
    credentials directory (%d), their paths in SLACK_TOKEN_FILE and
    SLACK_APP_TOKEN_FILE, NOTIFY_SOCKET: the bot signs in, connects and
    says READY=1."""
    d = tmpdir()
    creds = os.path.join(d, "credentials")
    os.mkdir(creds, 0o700)
    for name, tok in (("bot-token", lib.BOT_TOKEN),
                      ("app-token", lib.APP_TOKEN)):
        with open(os.path.join(creds, name), "w") as f:
            f.write(tok + "\n")
    env = {}
    for v in unit_settings().get(("[Service]", "Environment"), []):
        for kv in v.split():
            k, _, val = kv.partition("=")
            env[k] = val.replace("%d", creds)
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = os.path.join(d, "notify")
    ns.bind(path)
    ns.settimeout(30)
    lib.cleanup(ns.close)
    env.update({"NOTIFY_SOCKET": path, "SLACK_BOT_TOKEN": None,
                "SLACK_APP_TOKEN": None})
    si = lib.standin()
    b = lib.start_slackbot(["run"], si=si, env=env)
    eq(ns.recv(4096).decode().split("\n")[0], "READY=1")
    si.wait_ws(1, kind="socket_mode", timeout=30)
    b.signal(signal.SIGTERM)
    eq(b.wait(20), 0)
    rk.no_secrets(si)


# ----------------------------------------------------------------------
# OpenWrt.

@test
def procd_script_parses_under_busybox_ash():
    bb = shutil.which("busybox")
    ok(bb, "busybox is missing (scripts/setup installs it)")
    r = subprocess.run([bb, "ash", "-n", str(PROCD)], capture_output=True,
                       text=True)
    eq((r.returncode, r.stderr), (0, ""), "busybox ash -n")
    eq(PROCD.read_text().splitlines()[0], "#!/bin/sh /etc/rc.common")


# Enough of OpenWrt's /lib/functions.sh and procd.sh for start_service():
# the UCI values come from a file of "option value" lines, and each
# procd_* call is written out.
PROCD_HARNESS = r'''
config_load() { :; }
config_get() {
	_v=$(sed -n "s/^$3 //p" "$UCIFILE" | head -n 1)
	eval "$1=\${_v:-\$4}"
}
config_get_bool() {
	config_get "$@"
	eval "case \$$1 in 1|on|true|yes|enabled) $1=1;; *) $1=0;; esac"
}
config_list_foreach() {
	for _x in $(sed -n "s/^list_$2 //p" "$UCIFILE"); do "$3" "$_x"; done
}
logger() { echo "logger: $*"; }
procd_open_instance() { echo "open $1"; }
procd_close_instance() { echo "close"; }
procd_set_param() { _p=$1; shift; printf 'set %s' "$_p"; printf ' [%s]' "$@"; echo; }
procd_append_param() { _p=$1; shift; printf 'append %s' "$_p"; printf ' [%s]' "$@"; echo; }
procd_add_reload_trigger() { :; }
. "$INITSCRIPT"
start_service
'''


def procd_start(uci):
    d = tmpdir()
    uf = os.path.join(d, "uci")
    with open(uf, "w") as f:
        f.write(uci)
    r = subprocess.run(["busybox", "ash", "-c", PROCD_HARNESS],
                       capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "UCIFILE": uf,
                            "INITSCRIPT": str(PROCD)})
    return r


@test(timeout=30)
def procd_instance_from_uci_config():
    r = procd_start("enabled 1\napp_token_file /etc/slackbot/app\n"
                    "bot_token_file /etc/slackbot/bot\n"
                    "exec /usr/share/slackbot/status.sh\nverbose 1\n"
                    "list_allow_user U01\nlist_allow_user U02\nrate 2\n")
    eq(r.returncode, 0, r.stderr)
    lines = r.stdout.splitlines()
    eq(lines[0], "open bot")
    eq(lines[-1], "close")
    cmd = r.stdout
    for want in ("[/usr/bin/slackbot]", "[-v]", "[run] [--ping] [10] "
                 "[--dead] [30]", "[--exec] [/usr/share/slackbot/status.sh]"
                 " [-j] [4] [--timeout] [30] [--reply] [thread]",
                 "[--rate] [2]", "[--allow-users] [U01,U02]"):
        ok(want in cmd, "%s not in %s" % (want, cmd))
    ok("set respawn [3600] [5] [0]" in lines, lines)
    ok("append env [SLACK_TOKEN_FILE=/etc/slackbot/bot]" in lines, lines)
    ok("append env [SLACK_APP_TOKEN_FILE=/etc/slackbot/app]" in lines, lines)
    # Disabled: no instance.
    r = procd_start("enabled 0\napp_token x\n")
    eq((r.returncode, r.stdout), (0, ""))


@test(timeout=30)
def procd_wrapper_stops_the_service_on_status_3_only():
    """The command procd respawns: after status 3 it logs a line and
    runs `INITSCRIPT stop` (the instance is removed, no respawn); after
    any other status it just exits with it (procd respawns)."""
    text = PROCD.read_text()
    supervise = re.search(r"^SUPERVISE='(.*?)'$", text, re.S | re.M).group(1)
    d = tmpdir()
    init = os.path.join(d, "init")
    with open(init, "w") as f:
        f.write("#!/bin/sh\necho \"init $*\" >>%s/calls\n" % d)
    os.chmod(init, 0o755)
    for status, stopped in ((3, True), (1, False), (0, False)):
        if os.path.exists(os.path.join(d, "calls")):
            os.remove(os.path.join(d, "calls"))
        r = subprocess.run(
            ["busybox", "ash", "-c", supervise, init, "busybox", "sh", "-c",
             "exit %d" % status],
            capture_output=True, text=True,
            env={"PATH": "%s:/usr/bin:/bin" % d})
        eq(r.returncode, status, r.stderr)
        calls = open(os.path.join(d, "calls")).read() \
            if os.path.exists(os.path.join(d, "calls")) else ""
        eq(calls, "init stop\n" if stopped else "", "status %d" % status)


@test
def uci_config_names_every_option_the_script_reads():
    script = PROCD.read_text()
    read = set(re.findall(r"config_get(?:_bool)? \w+ main (\w+)", script))
    read |= set(re.findall(r"config_list_foreach main (\w+)", script))
    conf = UCI.read_text()
    named = set(re.findall(r"^\s*#?\s*(?:option|list) (\w+)", conf, re.M))
    eq(sorted(read - named), [], "read but not in the config file")
    eq(sorted(named - read), [], "in the config file but never read")
    ok(re.search(r"^config slackbot 'main'$", conf, re.M), conf[:200])


# ----------------------------------------------------------------------
# The empty container.

@test
def dockerfile_ships_only_the_binary():
    lines = [x.strip() for x in (ROOT / "Dockerfile").read_text()
             .splitlines() if x.strip() and not x.startswith("#")]
    last = max(i for i, x in enumerate(lines) if x.startswith("FROM "))
    ok(lines[0].startswith("FROM debian:bookworm"), lines[0])
    eq(lines[last], "FROM scratch")
    copies = [x for x in lines[last:] if x.startswith(("COPY", "ADD"))]
    eq(copies, ["COPY --from=build /src/slackbot /slackbot"])


def scratch_root(binary):
    """A root directory holding only /slackbot and /etc/hosts: what the
    empty image has, plus the name of the stand-in's host."""
    d = tmpdir()
    os.makedirs(os.path.join(d, "etc"))
    with open(os.path.join(d, "etc", "hosts"), "w") as f:
        f.write("127.0.0.1 localhost\n")
    shutil.copy(str(binary), os.path.join(d, "slackbot"))
    return d


def in_root(d, args, si, env=None, timeout=30):
    e = lib.environment(si, dict({"SSL_CERT_FILE": None}, **(env or {})))
    p = subprocess.run([CHROOT, d, "/slackbot"] + args, env=e,
                       capture_output=True, text=True, timeout=timeout)
    return p


@test(timeout=300)
def scratch_binary_alone_uses_its_built_in_roots():
    """In a root holding only the binary and /etc/hosts (as the FROM
    scratch image, plus a host name): the shipped binary says it trusts
    the roots built into it and, since none of them signed the
    stand-in's certificate, refuses it; the same program built with the
    tests' CA among its built-in roots signs in and runs Socket Mode."""
    if os.geteuid() != 0 or CHROOT is None:
        return skip("chroot needs root")
    lib.certs()
    r = make("build/musl/slackbot-testroots")
    eq(r.returncode, 0, r.stderr)
    si = lib.standin()
    d = scratch_root(lib.SLACKBOT)
    p = in_root(d, ["-vv", "auth"], si)
    ok(re.search(r"trusting the 7 roots built into slackbot", p.stderr),
       p.stderr)
    ok(re.search(r"not signed by a trusted authority", p.stderr), p.stderr)
    eq(p.returncode, 1, p.stderr)
    eq(si.requests(), [], "requests that passed TLS")
    d = scratch_root(TESTROOTS)
    p = in_root(d, ["-vv", "auth"], si)
    ok(re.search(r"trusting the 8 roots built into slackbot", p.stderr),
       p.stderr)
    eq((p.returncode, p.stdout.splitlines()), (0, AUTH_LINES), p.stderr)
    # Socket Mode too: the WebSocket host through the same roots.
    e = lib.environment(si, {"SSL_CERT_FILE": None,
                             "SLACK_APP_TOKEN": lib.APP_TOKEN})
    proc = subprocess.Popen([CHROOT, d, "/slackbot", "run"], env=e,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    lib.cleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
    out = []
    t = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)
    t.start()
    si.wait_ws(1, kind="socket_mode", timeout=30)
    si.sm_events(3)
    si.wait_acks(3, timeout=30)
    proc.send_signal(signal.SIGTERM)
    eq(proc.wait(20), 0)
    t.join(5)
    eq([rk.seq_of(x.decode()) for x in out], [1, 2, 3])


lib.run_all()
