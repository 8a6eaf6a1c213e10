#!/usr/bin/python3
"""slackbot post --webhook: incoming webhooks on the stand-in's hooks
host: text from arguments and standard input, Block Kit blocks, the URL
from the environment or a file, Slack's refusals (one line each, exit 1),
malformed URLs (exit 2), at most one delivery, and the URL never in the
log."""

import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lib  # noqa: E402
from lib import test, eq, ok  # noqa: E402
import handlerkit as hk  # noqa: E402

NO_TOKEN = {"SLACK_BOT_TOKEN": None}


def post(si, args, env=None, input=None, level=None):
    e = dict(NO_TOKEN)
    e.update(env or {})
    return lib.run_slackbot(([level] if level else []) + ["post"] + args,
                            si=si, env=e, input=input)


def secret_parts(url):
    """The URL and its path: neither may show anywhere."""
    return [url, url[url.index("/services/"):]]


@test(timeout=30)
def posts_text_from_arguments_stdin_and_blocks():
    si = lib.standin()
    url = si.webhook_url()
    r = post(si, ["--webhook", url, "disk", "full", "on", "router"])
    eq((r.rc, r.out, r.err), (0, "", ""), r)
    r = post(si, ["--webhook", url], input="from stdin\n\n")
    eq(r.rc, 0, r)
    d = hk.tmpdir()
    blocks = [{"type": "section", "text": {"type": "mrkdwn",
                                           "text": "*bold* news"}}]
    f = lib.put_file(os.path.join(d, "blocks.json"), json.dumps(blocks))
    r = post(si, ["--webhook", url, "--blocks", f, "fallback"])
    eq(r.rc, 0, r)
    r = post(si, ["--webhook", url, "--blocks", f])
    eq(r.rc, 0, r)
    r = post(si, ["--webhook", url, "-t", "1732531200.001200", "in thread"])
    eq(r.rc, 0, r)
    got = [(p["text"], p["blocks"], p["thread_ts"]) for p in
           si.webhook_posts()]
    eq(got, [("disk full on router", None, None),
             ("from stdin", None, None),
             ("fallback", blocks, None),
             (None, blocks, None),
             ("in thread", None, "1732531200.001200")])
    ok(all(p["content_type"].startswith("application/json")
           for p in si.webhook_posts()), "JSON bodies")
    eq(si.requests(server="api"), [], "Web API calls (no token needed)")
    for s in secret_parts(url):
        lib.assert_no_secret(s)


@test(timeout=30)
def url_from_the_environment_or_a_file():
    si = lib.standin()
    url = si.webhook_url()
    r = post(si, ["alert"], env={"SLACK_WEBHOOK_URL": url})
    eq(r.rc, 0, r)
    d = hk.tmpdir()
    f = lib.put_file(os.path.join(d, "hook"), url + "\n")
    r = post(si, ["alert 2"], env={"SLACK_WEBHOOK_URL_FILE": f})
    eq(r.rc, 0, r)
    # A channel means chat.postMessage, whatever the environment holds.
    r = post(si, ["-c", lib.CHANNEL, "to the channel"],
             env={"SLACK_WEBHOOK_URL": url, "SLACK_BOT_TOKEN": lib.BOT_TOKEN})
    eq(r.rc, 0, r)
    eq([p["text"] for p in si.webhook_posts()], ["alert", "alert 2"])
    eq([p["text"] for p in si.posts()], ["to the channel"])
    for s in secret_parts(url):
        lib.assert_no_secret(s)


@test(timeout=60)
def slacks_refusals_one_line_each_exit_1():
    si = lib.standin()
    good = si.webhook_url()
    cases = [
        (si.webhook_url(refuse=(410, "channel_is_archived")),
         r"channel is archived.*\(HTTP 410, channel_is_archived\)"),
        (si.webhook_url(refuse=(403, "action_prohibited")),
         r"admins do not allow.*\(HTTP 403, action_prohibited\)"),
        (si.webhook_url(refuse=(404, "channel_not_found")),
         r"no longer exists.*channel_not_found"),
        (good[:-3] + "xyz", r"knows no webhook at this URL.*\(HTTP 404, "
         r"no_service\)"),
        (si.webhook_url(refuse=(400, "something_new")),
         r"Slack refused the message \(HTTP 400, something_new\)"),
    ]
    for url, want in cases:
        r = post(si, ["--webhook", url, "hello"])
        eq(r.rc, 1, r)
        ok(re.search(want, r.err), "%r in %r" % (want, r.err))
        eq(len(r.err.strip().splitlines()), 1, "one line: %r" % r.err)
        for s in secret_parts(url):
            lib.assert_no_secret(s)
    for word in ("invalid_payload", "no_text"):
        si.fault("webhook", status=400, body=word)
        r = post(si, ["--webhook", good, "hello"])
        eq(r.rc, 1, r)
        ok(word in r.err and len(r.err.strip().splitlines()) == 1, r.err)
    eq(si.webhook_posts(), [])


@test(timeout=30)
def malformed_urls_and_mistakes_exit_2():
    si = lib.standin()
    url = si.webhook_url()
    d = hk.tmpdir()
    notarray = lib.put_file(os.path.join(d, "b.json"), '{"type":"x"}')
    cases = [
        (["--webhook", "http://hooks.example/services/T/B/x", "hi"],
         r"not an https:// URL"),
        (["--webhook", "hooks.slack.com/services/T/B/x", "hi"],
         r"not an https:// URL"),
        (["--webhook", "https://hooks.example", "hi"], r"has no path"),
        (["--webhook", "https://a b/services", "hi"], r"not an https://"),
        (["--webhook", url, "-c", lib.CHANNEL, "hi"], r"not both"),
        (["--webhook", url, "--blocks", notarray], r"not a JSON array"),
        (["--webhook", url, "--blocks", "/nonexistent"], r"No such file"),
        (["--webhook", url], r"the message is empty"),
        (["hi"], r"no channel: .*SLACK_WEBHOOK_URL"),
    ]
    for args, want in cases:
        r = post(si, args, env={"SLACK_CHANNEL": None}, input="")
        eq(r.rc, 2, r)
        ok(re.search(want, r.err), "%r in %r" % (want, r.err))
        eq(len(r.err.strip().splitlines()), 1, "one line: %r" % r.err)
    eq(si.requests(server="hooks"), [], "requests sent")
    for s in secret_parts(url):
        lib.assert_no_secret(s)


@test(timeout=60)
def at_most_once():
    """A request that may have reached Slack is never sent again; one
    that cannot have (a connection refused) may be."""
    si = lib.standin()
    url = si.webhook_url()
    for fault in (dict(drop="after"), dict(status=500),
                  dict(drop="after", drop_how="rst")):
        si.reset()
        url = si.webhook_url()
        si.fault("webhook", **fault)
        r = post(si, ["--webhook", url, "once"])
        eq(r.rc, 1, (fault, r))
        eq(len(si.requests(server="hooks")), 1, "requests for %r" % fault)
        ok("not sending it again" in r.err or "HTTP 500" in r.err, r.err)
    si.reset()
    url = si.webhook_url()
    si.fault("webhook", status=429, retry_after=1)
    r = post(si, ["--webhook", url, "after a wait"])
    eq(r.rc, 0, r)
    eq([p["text"] for p in si.webhook_posts()], ["after a wait"])
    eq(len(si.requests(server="hooks")), 2, "429 then the post")


@test(timeout=30)
def the_url_never_shows_at_vv():
    si = lib.standin()
    url = si.webhook_url()
    r = post(si, ["--webhook", url, "quiet"], level="-vv")
    eq(r.rc, 0, r)
    si.fault("webhook", status=500)
    r = post(si, ["--webhook", url, "loud"], level="-vv")
    eq(r.rc, 1, r)
    r = post(si, ["loud"], level="-vv", env={"SLACK_WEBHOOK_URL": url})
    eq(r.rc, 0, r)
    ok("webhook" in r.err, r.err)
    for s in secret_parts(url):
        lib.assert_no_secret(s)


lib.run_all()
