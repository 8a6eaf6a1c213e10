#!/usr/bin/python3
"""README.md tells the truth: its lists are checked against what they
describe.  Every command and option `slackbot --help` knows is in the
README; the Layout table names every source file there is and no other;
the packages it says make test installs are those of scripts/setup; the
unit tests it describes exist; the signals it lists are those sig.c
catches; the JSON test data is where the Makefile reads it; the memory
table is what scripts/memtable makes of this build's linker map.  (The
targets' sizes are written by make dist and checked where they are
made.)"""

import difflib
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402

ROOT = lib.ROOT


def readme():
    with open(ROOT / "README.md") as f:
        return f.read()


def section(text, title):
    m = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(title), text,
                  re.M | re.S)
    ok(m, "no section %r" % title)
    return m.group(1)


def helptext(*args):
    r = subprocess.run([str(lib.SLACKBOT)] + list(args), capture_output=True,
                       text=True, env={"PATH": "/usr/bin:/bin"})
    eq(r.returncode, 0, r.stderr)
    return r.stdout


@test
def every_command_and_option_is_in_the_readme():
    text = readme()
    commands = section(text, "Commands")
    out = helptext("--help")
    names = re.findall(r"^  ([a-z]+) ", out, re.M)
    ok(len(names) >= 8, out)
    for c in names:
        ok(re.search(r"slackbot %s\b" % c, commands), "command %s" % c)
    opts = set(re.findall(r"(--[a-z][a-z-]+|-[a-zA-Z]\b)", out))
    for c in names:
        opts |= set(re.findall(r"(--[a-z][a-z-]+|-[a-zA-Z]\b)",
                               helptext("help", c)))
    missing = sorted(o for o in opts if o not in text)
    eq(missing, [], "options not in README.md")


@test
def the_layout_table_names_every_source_file():
    layout = section(readme(), "Layout")
    named = set()
    for cell in re.findall(r"^\| ([^|]+) \|", layout, re.M):
        named |= set(re.findall(r"`([a-z0-9_]+\.[ch])`", cell))
    have = {f for f in os.listdir(ROOT) if f.endswith(".c")}
    eq(sorted(have - named), [], "source files missing from Layout")
    eq(sorted(n for n in named if not (ROOT / n).exists()), [],
       "files in Layout that do not exist")


@test
def the_packages_are_those_of_scripts_setup():
    with open(ROOT / "scripts" / "setup") as f:
        setup = f.read()
    pkgs = set()
    for m in re.finditer(r'^\w*PKGS="([^"]*)"', setup, re.M):
        pkgs |= set(m.group(1).split())
    pkgs = {p for p in pkgs if "$" not in p}
    ok(len(pkgs) > 10, "no package lists found in scripts/setup")
    build = section(readme(), "Building and testing")
    listed = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", " ".join(
        re.findall(r"`([^`]*)`", build))))
    eq(sorted(pkgs - listed), [], "packages scripts/setup installs that "
       "README.md does not name")


@test
def the_unit_tests_and_test_data_are_where_it_says():
    text = readme()
    build = section(text, "Building and testing")
    ok("tests/t_*.c" in build, "the unit tests' pattern")
    units = [f for f in os.listdir(ROOT / "tests") if re.fullmatch(
        r"t_\w+\.c", f)]
    ok(len(units) >= 10, units)
    for f in units:
        ok((ROOT / f[2:]).exists() or f[2:-2] in ("queue", "util", "log"),
           "%s tests no module" % f)
    with open(ROOT / "Makefile") as f:
        mk = f.read()
    ok(re.search(r"^SHARED\s*=\s*\.\./shared$", mk, re.M), "SHARED")
    ok("$(SHARED)/testdata/jsontestsuite" in mk, "the JSON test data")
    ok("JSONTestSuite" in build, "README names the JSON test data")


@test
def the_signals_are_those_sig_c_catches():
    with open(ROOT / "sig.c") as f:
        src = f.read()
    caught = set(re.findall(r"\bSIG[A-Z]+\b", re.search(
        r"sigs\[\] = \{([^}]*)\}", src).group(1)))
    eq(caught, {"SIGTERM", "SIGINT", "SIGHUP", "SIGCHLD"})
    run = section(readme(), "What `run` does")
    for s in sorted(caught) + ["SIGPIPE"]:
        ok(s in run, "%s not in README.md" % s)


@test
def the_memory_table_is_that_of_this_build():
    mapfile = ROOT / "build" / "musl" / "slackbot.map"
    ok(mapfile.exists(), "no %s (the link of ./slackbot writes it)" % mapfile)
    r = subprocess.run([str(ROOT / "scripts" / "memtable"), str(mapfile)],
                       capture_output=True, text=True)
    eq(r.returncode, 0, r.stderr)
    m = re.search(r"^<!-- memtable begin[^\n]*-->\n(.*?)^<!-- memtable end "
                  r"-->$", section(readme(), "Memory"), re.M | re.S)
    ok(m, "no memtable markers in README.md's Memory")
    diff = list(difflib.unified_diff(m.group(1).splitlines(),
                                     r.stdout.splitlines(), "README.md",
                                     "scripts/memtable", lineterm="", n=0))
    ok(not diff, "README.md's memory table is not this build's (make "
       "memtable writes it):\n" + "\n".join(diff))


lib.run_all()
