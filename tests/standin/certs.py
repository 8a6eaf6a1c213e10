#!/usr/bin/python3
"""Throwaway certificates for the end-to-end tests, made with the openssl CLI.

    make(directory) -> dict of name -> path

One call makes the whole set into `directory` (the tests use
build/test-certs/) and reuses it on later calls while every certificate is
still valid for at least a day.  Nothing here is ever committed.

The set:

  ca.pem / ca.key                 the test CA; clients trust it through
                                  SSL_CERT_FILE
  server.pem / server.key         DNS:localhost, EC P-256, signed by the CA
  server-rsa.pem / server-rsa.key DNS:localhost, RSA-2048 (Slack's own
                                  certificates are RSA: ECDHE-RSA suites)
  wrong-host.pem / .key           DNS:wrong.example, signed by the CA
  expired.pem / .key              DNS:localhost, valid 2020-01-01..2020-02-01
  future.pem / .key               DNS:localhost, valid from 2090 (a client
                                  whose clock is far behind sees this)
  other-ca.pem / .key             a second CA the clients do not trust
  untrusted.pem / .key            DNS:localhost, signed by the second CA

Only DNS names: BearSSL never matches IP addresses, so clients connect to
https://localhost:PORT.  Run as a program, it makes the set in the
directory given and prints the paths.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile

# Leaf certificates the server can present: name -> (subject DNS name,
# key type, issuing CA, (start, end) for `openssl ca`, or None for
# "from now, for DAYS").
LEAVES = {
    "server": ("localhost", "ec", "ca", None),
    "server-rsa": ("localhost", "rsa", "ca", None),
    "wrong-host": ("wrong.example", "ec", "ca", None),
    "expired": ("localhost", "ec", "ca", ("20200101000000Z", "20200201000000Z")),
    "future": ("localhost", "ec", "ca", ("20900101000000Z", "20910101000000Z")),
    "untrusted": ("localhost", "ec", "other-ca", None),
}
CAS = {"ca": "slackbot test CA", "other-ca": "slackbot untrusted CA"}
DAYS = 30
# Certificates that must still be valid a day from now to be reused.
MUST_LAST = ("ca", "other-ca", "server", "server-rsa", "wrong-host", "untrusted")


def _openssl(*args, cwd):
    r = subprocess.run(("openssl",) + args, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" %
                           (args[0], r.stderr.decode(errors="replace").strip()))
    return r.stdout


def _newkey(path, kind, cwd):
    if kind == "ec":
        _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout",
                 "-out", path, cwd=cwd)
    else:
        _openssl("genpkey", "-algorithm", "RSA",
                 "-pkeyopt", "rsa_keygen_bits:2048", "-out", path, cwd=cwd)


def _make_ca(name, cn, tmp):
    _newkey(name + ".key", "ec", tmp)
    _openssl("req", "-x509", "-new", "-key", name + ".key", "-sha256",
             "-days", str(DAYS), "-subj", "/CN=" + cn,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", name + ".pem", cwd=tmp)


# `openssl x509 -req` (OpenSSL 3.0) cannot set arbitrary dates; `openssl ca`
# can, and needs a database and this configuration.
CA_CONF = """\
[ca]
default_ca = tca
[tca]
dir = {dir}
database = $dir/index-{ca}.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial-{ca}
default_md = sha256
policy = pol
unique_subject = no
copy_extensions = none
x509_extensions = ext
[pol]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:{host}
extendedKeyUsage = serverAuth
"""


def _make_leaf(name, host, kind, ca, dates, tmp):
    _newkey(name + ".key", kind, tmp)
    _openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + host,
             "-out", name + ".csr", cwd=tmp)
    if dates is None:
        with open(os.path.join(tmp, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "subjectAltName=DNS:%s\n"
                    "extendedKeyUsage=serverAuth\n" % host)
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                 "-CAkey", ca + ".key", "-CAserial", ca + ".srl",
                 "-CAcreateserial", "-days", str(DAYS), "-sha256",
                 "-extfile", name + ".ext", "-out", name + ".pem", cwd=tmp)
        return
    os.makedirs(os.path.join(tmp, "newcerts"), exist_ok=True)
    index = os.path.join(tmp, "index-%s.txt" % ca)
    if not os.path.exists(index):
        open(index, "w").close()
        with open(os.path.join(tmp, "serial-%s" % ca), "w") as f:
            f.write("%s\n" % os.urandom(8).hex().upper())
    conf = os.path.join(tmp, name + ".cnf")
    with open(conf, "w") as f:
        f.write(CA_CONF.format(dir=tmp, ca=ca, host=host))
    _openssl("ca", "-batch", "-notext", "-config", conf, "-cert", ca + ".pem",
             "-keyfile", ca + ".key", "-in", name + ".csr",
             "-startdate", dates[0], "-enddate", dates[1],
             "-out", name + ".pem", cwd=tmp)


def _names():
    return list(CAS) + list(LEAVES)


def paths(directory):
    """Returns name -> path ("ca", "ca-key", "server", "server-key", ...)."""
    d = os.path.abspath(directory)
    out = {}
    for n in _names():
        out[n] = os.path.join(d, n + ".pem")
        out[n + "-key"] = os.path.join(d, n + ".key")
    out["dir"] = d
    return out


def _usable(p):
    for n in _names():
        if not (os.path.isfile(p[n]) and os.path.isfile(p[n + "-key"])):
            return False
    for n in MUST_LAST:
        r = subprocess.run(("openssl", "x509", "-noout", "-checkend", "86400",
                            "-in", p[n]), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        if r.returncode != 0:
            return False
    return True


def make(directory):
    """Makes (or reuses) the whole set in `directory`; returns paths()."""
    os.makedirs(directory, exist_ok=True)
    p = paths(directory)
    with open(os.path.join(p["dir"], ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _usable(p):
            return p
        tmp = tempfile.mkdtemp(prefix="certs-", dir=p["dir"])
        try:
            for ca, cn in CAS.items():
                _make_ca(ca, cn, tmp)
            for name, (host, kind, ca, dates) in LEAVES.items():
                _make_leaf(name, host, kind, ca, dates, tmp)
            for n in _names():
                for ext in (".pem", ".key"):
                    src = os.path.join(tmp, n + ext)
                    os.chmod(src, 0o600 if ext == ".key" else 0o644)
                    os.replace(src, p[n] if ext == ".pem" else p[n + "-key"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return p


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: certs.py DIRECTORY")
    for k, v in sorted(make(sys.argv[1]).items()):
        print("%-16s %s" % (k, v))
