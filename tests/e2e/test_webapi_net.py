#!/usr/bin/python3
"""End-to-end tests of what lies under the Web API calls of the one-shot
commands: the CONNECT proxy (HTTPS_PROXY and its spellings, credentials,
NO_PROXY, refusals), TLS (trust roots from SSL_CERT_FILE / SSL_CERT_DIR,
bad certificates) and hosts that cannot be reached.

Failures to connect are retried (four tries, backing off 0.5 to 4 s) before
slackbot gives up; those runs are started ahead of the tests (oneshot.early)
so that their waiting overlaps."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, ok  # noqa: E402
from oneshot import (AUTH_LINES, CH, Early, early, eq,  # noqa: E402
                     one_error, sb, start_standin, tmpdir, warnings, write)

# Where the refusing proxies are asked to go (they answer before trying).
NOWHERE = "https://localhost:9/api/"


def gave_up(r, tries=4):
    """The run failed after `tries` attempts, backing off between them."""
    eq((r.rc, r.out), (1, ""), r)
    w = warnings(r)
    eq(len(w), tries, r)
    ok(all("retrying in" in x for x in w[:-1]), w)
    ok("giving up after %d tries" % tries in w[-1], w)
    # backoff: 0.5-1 s, 1-2 s, 2-4 s
    ok(3.4 <= r.elapsed < 7 + lib.LATE, "took %.2f s" % r.elapsed)


# ----------------------------------------------------------------------
# Proxy

@test
def proxy_tunnel():
    si = lib.standin()
    px = lib.proxy()
    r = sb(["auth"], si=si, env={"HTTPS_PROXY": px.url})
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    c = px.connects()
    eq(len(c), 1)
    eq((c[0]["request_line"], c[0]["headers"]["host"], c[0]["status"],
        c[0]["auth_present"]),
       ("CONNECT localhost:%d HTTP/1.1" % si.port, "localhost:%d" % si.port,
        200, False))
    ok(c[0]["bytes_up"] > 0 and c[0]["bytes_down"] > 0, c)
    # TLS went through the tunnel, to the stand-in, by name
    eq([x["sni"] for x in si.connections()], ["localhost"])
    # an upload tunnels to both hosts
    path = write(os.path.join(tmpdir(), "a.bin"), os.urandom(300000))
    r = sb(["upload", "-c", CH, path], si=si, env={"HTTPS_PROXY": px.url})
    eq(r.rc, 0, r)
    eq([x["target"] for x in px.connects()[1:]],
       ["localhost:%d" % si.port, "localhost:%d" % si.files_port])
    eq(si.uploads()[0]["size"], 300000)


@test
def proxy_with_credentials():
    si = lib.standin()
    password = "p@ss:w/rd é"
    px = lib.proxy(credentials=("bob", password))
    url = "http://bob:p%%40ss%%3Aw%%2Frd%%20%%C3%%A9@127.0.0.1:%d" % px.port
    r = sb(["auth"], si=si, env={"HTTPS_PROXY": url},
           secrets=[password, "p%40ss%3Aw%2Frd"])
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    c = px.connects()
    eq([(x["auth_ok"], x["status"]) for x in c], [(True, 200)])
    ok("using the proxy http://***@127.0.0.1:%d" % px.port in r.err, r)


def _start_wrong_password():
    px = lib.Proxy(credentials=("bob", "right-pa55")).start()
    url = "http://bob:wr0ng-pa55@127.0.0.1:%d" % px.port
    return Early(["-vv", "auth"], env={"HTTPS_PROXY": url,
                                      "SLACK_API_URL": NOWHERE}, px=px)


@early(_start_wrong_password)
def proxy_wrong_password(run):
    r = run.result(20)
    gave_up(r)
    one_error(r, "proxy refused the tunnel to localhost:9", "HTTP 407",
              "proxy authentication required")
    lib.assert_no_secret("wr0ng-pa55", r.out, r.err)
    eq([(x["auth_present"], x["auth_ok"], x["status"])
        for x in run.px.connects()], [(True, False, 407)] * 4)


def _start_proxy_mode(mode):
    def start():
        px = lib.Proxy(mode=mode).start()
        return Early(["-vv", "auth"], env={"HTTPS_PROXY": px.url,
                                          "SLACK_API_URL": NOWHERE}, px=px)
    return start


@early(_start_proxy_mode("refuse"))
def proxy_refusing(run):
    r = run.result(20)
    gave_up(r)
    one_error(r, "proxy refused the tunnel to localhost:9", "HTTP 403")
    eq([x["status"] for x in run.px.connects()], [403] * 4)


@early(_start_proxy_mode("hangup"))
def proxy_hanging_up(run):
    r = run.result(20)
    gave_up(r)
    one_error(r, "closed the connection without answering CONNECT")


@early(_start_proxy_mode("garbage"))
def proxy_answering_garbage(run):
    r = run.result(20)
    gave_up(r)
    one_error(r, "proxy for localhost:9", "malformed answer")


@test
def no_proxy_bypasses():
    si = lib.standin()
    px = lib.proxy()
    for var, value in (("NO_PROXY", "localhost"), ("no_proxy", ".localhost"),
                       ("NO_PROXY", "*"),
                       ("NO_PROXY", "example.com, LOCALHOST:443")):
        r = sb(["auth"], si=si, env={"HTTPS_PROXY": px.url, var: value})
        eq(r.rc, 0, (var, value, r))
        eq(px.connects(), [], (var, value))
    # entries that do not cover the host leave the proxy in use
    for value in ("example.com,.slack.com", "calhost", "local"):
        r = sb(["auth"], si=si, env={"HTTPS_PROXY": px.url,
                                     "NO_PROXY": value})
        eq(r.rc, 0, r)
    eq(len(px.connects()), 3)


@test
def proxy_variable_spellings():
    si = lib.standin()
    px = lib.proxy()
    other = lib.proxy()
    n = 0
    for env in ({"HTTPS_PROXY": px.url}, {"https_proxy": px.url},
                {"ALL_PROXY": px.url}, {"all_proxy": px.url},
                {"HTTPS_PROXY": "127.0.0.1:%d" % px.port},
                {"HTTPS_PROXY": px.url, "ALL_PROXY": other.url},
                {"https_proxy": px.url, "all_proxy": other.url}):
        r = sb(["auth"], si=si, env=env)
        eq(r.rc, 0, (env, r))
        n += 1
        eq(len(px.connects()), n, env)
    eq(other.connects(), [])


@test
def malformed_proxy_refused():
    si = lib.standin()
    for value in ("https://127.0.0.1:3128", "socks5://127.0.0.1:1080",
                  "http://", "http://127.0.0.1:0", "http://127.0.0.1:99999",
                  "http://exa mple:8080", "http://127.0.0.1:",
                  "https://bob:s3cr3t-pw@127.0.0.1:1"):
        for var in ("HTTPS_PROXY", "all_proxy"):
            r = sb(["auth"], si=si, env={var: value}, vv=False,
                   secrets=["s3cr3t-pw"])
            eq((r.rc, r.out), (2, ""), (value, r))
            line = one_error(r, var + " is not", "http://host:port")
            ok("***" not in line, "garbled: %r" % line)
    eq(si.requests(), [])


# ----------------------------------------------------------------------
# TLS and trust

def _start_cert(cert):
    def start():
        si = start_standin(cert=cert)
        return Early(["-vv", "auth"], si=si)
    return start


def refused_tls(run, *words):
    r = run.result(20)
    gave_up(r)
    line = one_error(r, "TLS with localhost:%d" % run.si.port, *words)
    eq(len(run.si.handshakes()), 4)
    eq((run.si.connections(), run.si.requests()), ([], []))
    return line


@early(_start_cert("untrusted"))
def tls_untrusted_certificate(run):
    refused_tls(run, "certificate of localhost",
                "not signed by a trusted authority", "SSL_CERT_FILE")


@early(_start_cert("wrong-host"))
def tls_wrong_host(run):
    refused_tls(run, "certificate presented is not for localhost")


@early(_start_cert("expired"))
def tls_expired_certificate(run):
    refused_tls(run, "certificate of localhost has expired")


@early(_start_cert("future"))
def tls_certificate_not_yet_valid(run):
    refused_tls(run, "certificate of localhost", "not yet valid")


def _start_files_cert():
    si = start_standin(files_cert="untrusted")
    d = tempfile.mkdtemp(prefix="slackbot-e2e-")
    path = write(os.path.join(d, "a.bin"), b"x" * 1000)
    return Early(["-vv", "upload", "-c", CH, path], si=si,
                 stops=[lambda: shutil.rmtree(d, ignore_errors=True)])


@early(_start_files_cert)
def tls_upload_host_untrusted(run):
    """The upload host (a second host) is checked as strictly; its URL,
    a secret, is not in the messages."""
    r = run.result(20)
    gave_up(r)
    one_error(r, "upload: TLS with localhost:%d" % run.si.files_port,
              "not signed by a trusted authority")
    eq([q["method"] for q in run.si.requests()],
       ["files.getUploadURLExternal"])
    ok("/upload/" not in r.err, r)


@test
def rsa_server_certificate():
    si = lib.standin(cert="server-rsa")
    r = sb(["auth"], si=si)
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    ok(si.connections()[0]["cipher"].startswith("ECDHE-RSA-"),
       si.connections())


class GroupsStandIn:
    """The stand-in in a process of its own whose TLS key exchange takes
    only `groups` (OpenSSL's Groups setting, through OPENSSL_CONF: Python's
    ssl module cannot choose X25519 itself).  api_url: its Web API."""

    def __init__(self, groups, cert):
        d = tmpdir()
        conf = os.path.join(d, "openssl.cnf")
        write(conf, b"openssl_conf = conf\n[conf]\nssl_conf = ssl\n"
              b"[ssl]\nsystem_default = tls\n[tls]\nGroups = %s\n" %
              groups.encode())
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(lib.ROOT / "tests/standin/standin.py"),
             "--quiet", "--seconds", "60", "--cert", cert],
            stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, OPENSSL_CONF=conf))
        lib.cleanup(self.stop)
        info = {}
        for line in self.proc.stdout:
            key, _, value = line.strip().partition(" ")
            info[key] = value.strip()
            if key == "app":
                break
        ok("api" in info, "the stand-in did not start: %r" % info)
        self.api_url = info["api"]

    def stop(self):
        self.proc.kill()
        self.proc.wait(5)


@test(timeout=60)
def key_exchange_on_x25519_or_p256():
    """The handshake's key exchange works with a server that takes X25519
    alone (what Slack's hosts and most servers pick first) and with one
    that takes P-256 alone, with an RSA and with an EC certificate."""
    for cert in ("server-rsa", "server"):
        for groups in ("X25519", "P-256"):
            si = GroupsStandIn(groups, cert)
            r = sb(["auth"], env={"SLACK_API_URL": si.api_url})
            eq((r.rc, r.lines()), (0, AUTH_LINES), (cert, groups, r))
            si.stop()


@test(timeout=60)
def a_server_that_shares_no_curve_is_named_for_what_it_did():
    """A server whose key exchange takes only X448 (which slackbot does
    not offer) closes the connection in the handshake: the line says so,
    and what is likely wrong, rather than "truncated"."""
    si = GroupsStandIn("X448", "server-rsa")
    r = sb(["auth"], env={"SLACK_API_URL": si.api_url})
    gave_up(r)
    one_error(r, "localhost closed the connection during the TLS "
              "handshake (no cipher suite or curve in common")


@test
def trust_file_problems():
    si = lib.standin()
    d = tmpdir()
    missing = os.path.join(d, "missing.pem")
    text = write(os.path.join(d, "notes.txt"), b"not a certificate\n")
    cases = (({"SSL_CERT_FILE": missing}, ["SSL_CERT_FILE", missing,
                                           "No such file"]),
             ({"SSL_CERT_FILE": text}, ["SSL_CERT_FILE", text]),
             ({"SSL_CERT_FILE": lib.certs()["server-key"]},
              ["SSL_CERT_FILE", "no usable certificate"]),
             ({"SSL_CERT_FILE": d}, ["SSL_CERT_FILE", d]),
             ({"SSL_CERT_FILE": None, "SSL_CERT_DIR": missing},
              ["SSL_CERT_DIR", missing, "No such file"]),
             ({"SSL_CERT_FILE": None, "SSL_CERT_DIR": tmpdir()},
              ["SSL_CERT_DIR", "no usable certificate"]))
    for env, words in cases:
        r = sb(["auth"], si=si, env=env, vv=False)
        eq((r.rc, r.out), (2, ""), (env, r))
        one_error(r, "trusted certificates", *words)
    eq((si.handshakes(), si.requests()), ([], []))


@test
def trust_from_certificate_directory():
    si = lib.standin()
    d = tmpdir()
    shutil.copy(lib.certs()["ca"], os.path.join(d, "5ca1ab1e.0"))
    # not named like a hash: not read, so its garbage costs nothing
    write(os.path.join(d, "README"), b"junk\n")
    shutil.copy(lib.certs()["other-ca"], os.path.join(d, "other-ca.pem"))
    r = sb(["auth"], si=si, env={"SSL_CERT_FILE": None, "SSL_CERT_DIR": d})
    eq((r.rc, r.lines()), (0, AUTH_LINES), r)
    ok("trusting %s (1 certificates)" % d in r.err, r)
    # SSL_CERT_FILE comes first
    r = sb(["auth"], si=si, env={"SSL_CERT_DIR": "/nonexistent"})
    eq(r.rc, 0, r)


@test
def api_url_problems():
    si = lib.standin()
    for url in ("http://localhost:%d/api/" % si.port, "slack.com/api/",
                "https://", "https://localhost:0/api/",
                "wss://localhost:%d/api/" % si.port):
        r = sb(["auth"], si=si, env={"SLACK_API_URL": url}, vv=False)
        eq((r.rc, r.out), (2, ""), (url, r))
        one_error(r, "SLACK_API_URL", "https://")
    eq(si.requests(), [])


# ----------------------------------------------------------------------
# Hosts that cannot be reached

def _start_refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))        # bound, never listening: refused
    url = "https://localhost:%d/api/" % s.getsockname()[1]
    run = Early(["-vv", "post", "-c", CH, "x"], env={"SLACK_API_URL": url},
                stops=[s.close])
    run.port = s.getsockname()[1]
    return run


@early(_start_refused)
def connection_refused_gives_up(run):
    r = run.result(20)
    gave_up(r)
    one_error(r, "chat.postMessage", "cannot connect to localhost:%d" %
              run.port, "Connection refused")


if __name__ == "__main__":
    import oneshot
    oneshot.main()
