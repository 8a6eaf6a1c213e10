/*
 * api.c: see api.h.
 *
 * A call moves IDLE -> (WAIT) -> CONNECT -> SEND -> RECV -> IDLE; WAIT is
 * a pause before a retry or while the method is rate limited.  Whether a
 * failed call may be sent again depends on how far it got: head_sent is
 * set once every byte of the request has left this process, reply_seen
 * once a byte of the answer arrived.  Before that, Slack cannot have acted
 * on it and any call may be retried; after it, a call marked API_ONCE is
 * not, since Slack may have posted the message already.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "log.h"
#include "sig.h"
#include "util.h"

enum { A_IDLE, A_WAIT, A_CONNECT, A_SEND, A_RECV };

#define CONNECT_MS	10000	/* DNS, TCP, proxy and TLS together */
#define ANSWER_MS	30000	/* from the end of the request */
#define TRIES		4	/* attempts after errors and 5xx */
#define RL_TRIES	5	/* attempts while rate limited */
#define RL_DEFAULT_S	5	/* a 429 without Retry-After */
#define RL_MAX_S	300	/* longer than this: give up, say so */
#define BACKOFF_MS	1000	/* first backoff ceiling, doubling */
#define BACKOFF_MAX_MS	30000
#define UNSENT_WATCH	(64 * 1024)	/* kernel's unsent bytes worth watching */

/*
 * Slack's errors that deserve words: what happened and what to do.  The
 * fatal ones are about the token, which no retry or restart can fix
 * (exit status 3); their words follow "Slack refused SLACK_BOT_TOKEN: ".
 */
static const struct {
	const char	*error;
	int		 fatal;
	const char	*hint;
} hints[] = {
	{ "account_inactive", 1, "it belongs to a deleted user, app or "
	    "workspace: reinstall the app and use its new token" },
	{ "invalid_auth", 1, "it is not a valid token of this workspace: "
	    "check that it is complete" },
	{ "not_allowed_token_type", 1, "this kind of token cannot call this "
	    "method" },
	{ "not_authed", 1, "no token reached Slack" },
	{ "team_disabled", 1, "the workspace is disabled" },
	{ "token_expired", 1, "it has expired (token rotation is on): use a "
	    "fresh token" },
	{ "token_revoked", 1, "it was revoked (the app may have been "
	    "removed): reinstall the app and use its new token" },
	{ "user_removed_from_team", 1, "the bot user was removed from the "
	    "workspace" },
	{ "channel_not_found", 0, "no such channel, or the bot cannot see "
	    "it: give a channel id such as C0123456789" },
	{ "is_archived", 0, "the channel is archived" },
	{ "msg_too_long", 0, "the text is too long for a message: send it as "
	    "a file (slackbot upload)" },
	{ "not_in_channel", 0, "the bot is not a member of the channel: "
	    "invite it (/invite @bot in the channel)" },
};

/* The hint for Slack's error e, or -1. */
static int
hint(const char *e)
{
	size_t i;

	for (i = 0; i < sizeof hints / sizeof hints[0]; i++)
		if (strcmp(e, hints[i].error) == 0)
			return (int)i;
	return -1;
}

/* Is e one of Slack's token errors, that restarting will not fix? */
static int
fatal(const char *e)
{
	int i = hint(e);

	return i >= 0 && hints[i].fatal;
}

/* see api.h */
int
api_once(const char *method)
{
	return strncmp(method, "chat.", 5) == 0 ||
	    strcmp(method, "files.completeUploadExternal") == 0;
}

/* see api.h */
int
api_init(struct api *a, const char *base, const struct proxy *px,
    const struct api_buf *b, char *err, size_t errlen)
{
	struct url u;
	size_t n = strlen(base);

	/* All but c, which conn_init() clears but for its read buffer. */
	memset(a, 0, offsetof(struct api, c));
	if (http_url_parse(&u, base, n) < 0 || !u.tls || u.ws ||
	    u.hostlen >= sizeof a->host || u.pathlen + 2 > sizeof a->prefix) {
		snprintf(err, errlen, "%.200s is not an https:// URL", base);
		return -1;
	}
	memcpy(a->host, u.host, u.hostlen);
	a->port = u.port;
	memcpy(a->prefix, u.path, u.pathlen);
	if (u.pathlen == 0 || u.path[u.pathlen - 1] != '/')
		a->prefix[u.pathlen++] = '/';
	a->prefix[u.pathlen] = '\0';
	a->px = conn_proxy_for(px, a->host);
	a->body = b->body;
	a->bodycap = b->bodylen;
	a->tok = b->tok;
	a->ntokcap = b->ntok;
	a->timeout_ms = ANSWER_MS;
	conn_init(&a->c, b->tls, b->tlslen, 0, b->out, b->outlen);
	return 0;
}

/* see api.h */
void
api_set_timeout(struct api *a, int ms)
{
	a->timeout_ms = ms;
}

/* see api.h */
void
api_unused(struct api *a)
{
	memset(a, 0, offsetof(struct api, c));
	conn_init(&a->c, NULL, 0, 0, NULL, 0);
}

/* see api.h */
int
api_fd(const struct api *a)
{
	return conn_fd(&a->c);
}

/* see api.h */
void
api_drop(struct api *a)
{
	if (conn_state(&a->c) == CONN_OPEN)
		conn_close(&a->c);
	conn_reset(&a->c);
}

/* see api.h */
int
api_busy(const struct api *a)
{
	return a->state != A_IDLE;
}

/* The method, for the log; an upload URL is a secret and is not shown. */
static const char *
name(const struct api *a)
{
	if (a->call->flags & API_HOOK)
		return "webhook";
	if (a->call->flags & API_RAW)
		return a->call->flags & API_JSON ? "response_url" : "upload";
	return a->call->method;
}

static void
done(struct api *a, int result)
{
	a->result = result;
	a->state = A_IDLE;
}

/*
 * No complete answer to show: an attempt is starting, or the one under way
 * lost its answer half-way.  What arrived of it is not an answer.
 */
static void
forget(struct api *a)
{
	a->status = 0;
	a->ntok = 0;
	a->len = 0;
	a->slack_error[0] = '\0';
}

static void	begin(struct api *, int64_t now);
static int	send_more(struct api *, int64_t now);

/*
 * The attempt failed with err; retry when that is safe and tries remain.
 * may_have_acted: Slack may have carried the call out.
 */
static void
retry_or_fail(struct api *a, int64_t now, int may_have_acted)
{
	int64_t delay;

	if (conn_state(&a->c) != CONN_IDLE)
		conn_reset(&a->c);
	if (a->call->flags & API_NORETRY) {
		done(a, API_FAIL);
		return;
	}
	if (may_have_acted && (a->call->flags & API_ONCE)) {
		log_msg(LOG_WARN, "%s: %s; not sending it again, since Slack "
		    "may have acted on it already", name(a), a->error);
		done(a, API_FAIL);
		return;
	}
	if (++a->attempt >= TRIES) {
		log_msg(LOG_WARN, "%s: %s; giving up after %d tries", name(a),
		    a->error, a->attempt);
		done(a, API_FAIL);
		return;
	}
	delay = backoff_ms(a->attempt - 1, BACKOFF_MS, BACKOFF_MAX_MS);
	log_msg(LOG_WARN, "%s: %s; retrying in %d.%d s", name(a), a->error,
	    (int)(delay / 1000), (int)(delay % 1000 / 100));
	a->state = A_WAIT;
	a->wake = now + delay;
}

/* Rate-limit slot of a method, or NULL; with make, the least useful one. */
static int64_t *
rl_slot(struct api *a, const char *method, int make, int64_t now)
{
	size_t i, best = 0;

	for (i = 0; i < API_RL_SLOTS; i++)
		if (strcmp(a->rl[i].method, method) == 0)
			return &a->rl[i].until;
	if (!make)
		return NULL;
	for (i = 1; i < API_RL_SLOTS; i++)
		if (a->rl[i].until < a->rl[best].until)
			best = i;
	if (a->rl[best].until > now)
		log_msg(LOG_DEBUG, "forgetting the rate limit of %s",
		    a->rl[best].method);
	snprintf(a->rl[best].method, sizeof a->rl[best].method, "%s", method);
	return &a->rl[best].until;
}

static void
rate_limited(struct api *a, int64_t now)
{
	long s = a->resp.retry_after;
	int asked = s >= 0;
	int64_t *until;

	if (!asked)
		s = RL_DEFAULT_S;
	if (a->call->flags & API_LIMITS) {
		snprintf(a->error, sizeof a->error, "rate limited by Slack "
		    "(%s %ld s)", asked ? "Retry-After:" : "no Retry-After, "
		    "waiting", s);
		a->retry_at = now + (int64_t)s * 1000;
		if (conn_state(&a->c) != CONN_OPEN)
			conn_reset(&a->c);
		done(a, API_LIMITED);
		return;
	}
	if (++a->attempt >= RL_TRIES || s > RL_MAX_S) {
		snprintf(a->error, sizeof a->error, "rate limited by Slack "
		    "(%s %ld s); gave up after %d tries; try again later",
		    asked ? "Retry-After:" : "no Retry-After, waited",
		    s, a->attempt);
		done(a, API_FAIL);
		return;
	}
	log_msg(LOG_WARN, "%s: rate limited by Slack; waiting %ld s %s",
	    name(a), s, asked ? "as it asks" : "(it gave no Retry-After)");
	until = rl_slot(a, name(a), 1, now);
	*until = now + (int64_t)s * 1000;
	a->state = A_WAIT;
	a->wake = *until;
}

/* Queues request bytes: the head once, then as much body as fits. */
static int
fill(struct api *a)
{
	const struct api_call *k = a->call;
	unsigned char piece[16384];
	size_t room, n;
	ssize_t r;

	while (a->sent < k->len && (room = conn_room(&a->c)) > 0) {
		n = k->len - a->sent < room ? k->len - a->sent : room;
		if (k->fd < 0) {
			conn_write(&a->c, k->body + a->sent, n);
			a->sent += n;
			continue;
		}
		/* A file goes through the output buffer a piece at a time. */
		if (n > sizeof piece)
			n = sizeof piece;
		r = read(k->fd, piece, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(a->error, sizeof a->error, "reading the file: "
			    "%s", r < 0 ? strerror(errno) : "it became shorter");
			return -1;
		}
		conn_write(&a->c, piece, (size_t)r);
		a->sent += (size_t)r;
	}
	return 0;
}

static void
send_request(struct api *a, int64_t now)
{
	const struct api_call *k = a->call;
	struct http_req rq;
	struct url u;
	char path[sizeof a->prefix + RESPONSE_URL_MAX];
	unsigned char *head;
	size_t n, room;

	memset(&u, 0, sizeof u);
	u.host = a->host;
	u.hostlen = strlen(a->host);
	u.port = a->port;
	u.tls = 1;
	u.pathlen = (size_t)snprintf(path, sizeof path, "%s%s", a->prefix,
	    k->method);
	u.path = path;
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.url = &u;
	rq.bearer = k->token;
	rq.ctype = k->flags & API_JSON ? "application/json; charset=utf-8" :
	    k->flags & API_RAW ? "application/octet-stream" :
	    "application/x-www-form-urlencoded";
	rq.clen = (long long)k->len;
	head = conn_wbuf(&a->c, &room);
	n = http_req_head((char *)head, room, &rq);
	if (n == 0 || u.pathlen >= sizeof path) {
		snprintf(a->error, sizeof a->error, "request head does not "
		    "fit");
		done(a, API_FAIL);
		return;
	}
	/* Every attempt sends the file from its start (a retry, a 429). */
	if (k->fd >= 0 && lseek(k->fd, 0, SEEK_SET) < 0) {
		snprintf(a->error, sizeof a->error, "rewinding the file: %s",
		    strerror(errno));
		done(a, API_FAIL);
		return;
	}
	conn_wrote(&a->c, n);
	a->sent = 0;
	a->head_sent = 0;
	a->reply_seen = 0;
	a->len = 0;
	http_resp_init(&a->resp, 0);
	if (a->reused++ > 0)
		log_msg(LOG_DEBUG, "%s: request %d on the connection to %s",
		    name(a), a->reused, a->host);
	a->state = A_SEND;
	a->deadline = now + a->timeout_ms;
	send_more(a, now);
}

/* Bytes of ours the kernel has not sent yet (0 when it cannot say). */
static int
unsent(const struct api *a)
{
	int n = 0;

	/* TIOCOUTQ on a TCP socket: bytes not yet acknowledged by the peer. */
	if (conn_fd(&a->c) < 0 || ioctl(conn_fd(&a->c), TIOCOUTQ, &n) < 0)
		return 0;
	return n;
}

/*
 * Keeps the socket busy: refills the output as long as it takes bytes.
 * Moves to A_RECV once the whole request has left.  -1: the call failed.
 */
static int
send_more(struct api *a, int64_t now)
{
	size_t before;

	while (a->state == A_SEND) {
		before = a->sent - conn_pending(&a->c);
		if (fill(a) < 0) {
			conn_reset(&a->c);
			done(a, API_FAIL);
			return -1;
		}
		if (conn_io(&a->c, 0, now) != CONN_OPEN)
			break;
		if (a->sent - conn_pending(&a->c) == before)
			break;
		/* Bytes moved: the deadline is for a stall, not the total. */
		a->deadline = now + a->timeout_ms;
		if (a->sent == a->call->len && conn_pending(&a->c) == 0) {
			a->head_sent = 1;
			a->state = A_RECV;
			/* A big body still in the kernel: watch it drain. */
			a->unsent = unsent(a);
			if (a->unsent < UNSENT_WATCH)
				a->unsent = 0;
			a->t_sample = now + 1000;
		}
	}
	return 0;
}

/* Starts or restarts the current call. */
static void
begin(struct api *a, int64_t now)
{
	const int64_t *until;
	struct pollfd p;

	forget(a);
	until = a->call->flags & API_LIMITS ? NULL :
	    rl_slot(a, name(a), 0, now);
	if (until != NULL && *until > now) {
		a->state = A_WAIT;
		a->wake = *until;
		return;
	}
	/*
	 * An idle connection may have been closed by the server meanwhile.
	 * Its close_notify may also have come with the last answer and been
	 * taken in already: then nothing is left to poll for, but the TLS
	 * engine holds its reply, and pumping it makes the close show.
	 */
	if (conn_state(&a->c) == CONN_OPEN) {
		p.fd = conn_fd(&a->c);
		p.events = POLLIN;
		if (poll(&p, 1, 0) <= 0)
			p.revents = 0;
		conn_io(&a->c, p.revents, now);
		if (conn_state(&a->c) != CONN_OPEN || conn_eof(&a->c) ||
		    conn_peek(&a->c, &(size_t){ 0 }) != NULL) {
			log_msg(LOG_DEBUG, "the connection to %s was closed; "
			    "opening a new one", a->host);
			conn_reset(&a->c);
		}
	}
	if (conn_state(&a->c) == CONN_OPEN) {
		send_request(a, now);
		return;
	}
	conn_reset(&a->c);
	a->reused = 0;
	a->state = A_CONNECT;
	if (conn_open(&a->c, a->host, a->port, a->px, CONNECT_MS) < 0) {
		snprintf(a->error, sizeof a->error, "%s", conn_error(&a->c));
		retry_or_fail(a, now, 0);
	}
}

/* see api.h */
void
api_start(struct api *a, const struct api_call *k)
{
	a->call = k;
	a->attempt = 0;
	a->result = API_FAIL;
	a->error[0] = '\0';
	begin(a, now_ms());
}

/* see api.h */
int
api_field(const struct api *a, const char *key)
{
	if (a->ntok <= 0)
		return -1;
	return json_find(a->body, a->tok, 0, key);
}

/* The answer is complete: judge it. */
static void
finish(struct api *a, int64_t now)
{
	const struct http_resp *r = &a->resp;
	const char *ctype;
	size_t clen = 0;
	int i, ok = 0;

	a->status = r->status;
	a->body[a->len] = '\0';
	log_msg(LOG_TRACE, "%s: HTTP %d from %s, %zu bytes", name(a),
	    r->status, a->host, a->len);
	if (!r->keepalive)
		conn_close(&a->c);
	a->ntok = 0;
	if (!(a->call->flags & API_RAW)) {
		/* Two levels serve every caller; a huge list gets one. */
		a->ntok = json_parse(a->body, a->len, a->tok, a->ntokcap, 2,
		    NULL);
		if (a->ntok == JSON_ENOMEM)
			a->ntok = json_parse(a->body, a->len, a->tok,
			    a->ntokcap, 1, NULL);
		if (a->ntok < 0 || a->tok[0].type != JSON_OBJECT)
			a->ntok = 0;
	}
	if ((i = api_field(a, "error")) >= 0)
		json_unescape(a->body, &a->tok[i], a->slack_error,
		    sizeof a->slack_error, NULL);
	if (r->status == 429 || strcmp(a->slack_error, "ratelimited") == 0) {
		rate_limited(a, now);
		return;
	}
	if (r->status >= 500 || r->status == 408) {
		snprintf(a->error, sizeof a->error, "%s answered HTTP %d",
		    a->host, r->status);
		retry_or_fail(a, now, 1);
		return;
	}
	if (a->call->flags & API_RAW) {
		snprintf(a->error, sizeof a->error, "%s answered HTTP %d",
		    a->host, r->status);
		done(a, r->status / 100 == 2 ? API_OK : API_FAIL);
		return;
	}
	if (a->ntok == 0) {
		if ((ctype = http_resp_header(r, "content-type", &clen)) == NULL)
			ctype = "", clen = 0;
		snprintf(a->error, sizeof a->error, "the answer of %s is not "
		    "a JSON object (HTTP %d, %.*s); is a proxy or captive "
		    "portal in the way?", a->host, r->status, (int)clen, ctype);
		done(a, API_FAIL);
		return;
	}
	if ((i = api_field(a, "ok")) >= 0)
		json_bool(&a->tok[i], &ok);
	if ((i = api_field(a, "warning")) >= 0 &&
	    a->tok[i].type == JSON_STRING)
		log_msg(LOG_DEBUG, "%s: Slack warns: %.*s", name(a),
		    (int)a->tok[i].len, a->body + a->tok[i].start);
	if (ok) {
		done(a, API_OK);
		return;
	}
	if (a->slack_error[0] == '\0')
		snprintf(a->slack_error, sizeof a->slack_error, "unknown");
	if ((i = api_field(a, "needed")) >= 0 && a->tok[i].type == JSON_STRING)
		snprintf(a->error, sizeof a->error, "Slack said %s (the token "
		    "needs the scope %.*s: add it under OAuth & Permissions "
		    "and reinstall the app)", a->slack_error,
		    (int)a->tok[i].len, a->body + a->tok[i].start);
	else if ((i = hint(a->slack_error)) >= 0 && hints[i].fatal)
		snprintf(a->error, sizeof a->error, "%s (%s)", hints[i].hint,
		    a->slack_error);
	else if (i >= 0)
		snprintf(a->error, sizeof a->error, "Slack said %s: %s",
		    a->slack_error, hints[i].hint);
	else
		snprintf(a->error, sizeof a->error, "Slack said %s",
		    a->slack_error);
	done(a, fatal(a->slack_error) ? API_FATAL : API_FAIL);
}

/* Feeds what arrived to the response parser. */
static void
receive(struct api *a, int64_t now)
{
	struct http_resp *r = &a->resp;
	const unsigned char *p;
	const char *body;
	size_t n, used, blen;

	while (a->state == A_SEND || a->state == A_RECV) {
		if ((p = conn_peek(&a->c, &n)) == NULL)
			break;
		a->reply_seen = 1;
		a->deadline = now + a->timeout_ms;
		used = http_resp_feed(r, (const char *)p, n, &body, &blen);
		if (blen > 0) {
			if (blen > a->bodycap - 1 - a->len) {
				snprintf(a->error, sizeof a->error, "the "
				    "answer is larger than %zu bytes",
				    a->bodycap - 1);
				conn_reset(&a->c);
				forget(a);
				done(a, API_FAIL);
				return;
			}
			memcpy(a->body + a->len, body, blen);
			a->len += blen;
		}
		conn_consume(&a->c, used);
		if (r->state == HTTP_FAILED) {
			snprintf(a->error, sizeof a->error, "malformed answer "
			    "from %s: %s", a->host, http_strerror(http_resp_error(r)));
			forget(a);
			retry_or_fail(a, now, 1);
			return;
		}
		if (r->state == HTTP_DONE) {
			finish(a, now);
			return;
		}
		if (used == 0 && blen == 0)
			break;
	}
	if (!conn_eof(&a->c))
		return;
	if (conn_state(&a->c) != CONN_FAILED && http_resp_eof(r) == HTTP_DONE) {
		finish(a, now);
		return;
	}
	snprintf(a->error, sizeof a->error, "%s", conn_state(&a->c) == CONN_FAILED ||
	    conn_peer_closed(&a->c) ? conn_error(&a->c) : "connection lost");
	if (a->reply_seen && conn_peer_closed(&a->c))
		snprintf(a->error, sizeof a->error, "%s closed the connection "
		    "in the middle of its answer", a->host);
	forget(a);
	retry_or_fail(a, now, a->head_sent || a->reply_seen);
}

/* see api.h */
int
api_io(struct api *a, short revents, int64_t now)
{
	int st;

	switch (a->state) {
	case A_IDLE:
		/* Notice a server closing the idle connection. */
		if (conn_state(&a->c) == CONN_OPEN || conn_state(&a->c) == CONN_CLOSING) {
			conn_io(&a->c, revents, now);
			if (conn_eof(&a->c) || conn_state(&a->c) != CONN_OPEN)
				if (conn_state(&a->c) != CONN_CLOSING)
					conn_reset(&a->c);
		}
		break;
	case A_WAIT:
		if (now >= a->wake)
			begin(a, now);
		break;
	case A_CONNECT:
		st = conn_io(&a->c, revents, now);
		if (st == CONN_OPEN)
			send_request(a, now);
		else if (st == CONN_FAILED) {
			snprintf(a->error, sizeof a->error, "%s", conn_error(&a->c));
			retry_or_fail(a, now, 0);
		}
		break;
	case A_SEND:
	case A_RECV:
		st = conn_io(&a->c, revents, now);
		if (a->state == A_SEND && st == CONN_OPEN && send_more(a, now) < 0)
			return 0;
		receive(a, now);
		/*
		 * A large body may still drain from the kernel's buffer
		 * after the last byte left us: that is progress too.
		 */
		if (a->state == A_RECV && a->unsent > 0 &&
		    now >= a->t_sample) {
			if ((st = unsent(a)) < a->unsent)
				a->deadline = now + a->timeout_ms;
			a->unsent = st;
			a->t_sample = now + 1000;
		}
		if ((a->state == A_SEND || a->state == A_RECV) &&
		    now >= a->deadline) {
			if (a->state == A_SEND)
				snprintf(a->error, sizeof a->error, "the "
				    "request to %s made no progress for %d s",
				    a->host, a->timeout_ms / 1000);
			else
				snprintf(a->error, sizeof a->error, "no answer "
				    "from %s within %d s", a->host,
				    a->timeout_ms / 1000);
			forget(a);
			retry_or_fail(a, now, 1);
		}
		break;
	}
	return api_busy(a);
}

/* see api.h */
int
api_want(const struct api *a, short *events, int64_t *wake)
{
	*events = 0;
	*wake = INT64_MAX;
	switch (a->state) {
	case A_WAIT:
		*wake = a->wake;
		return -1;
	case A_CONNECT:
		*wake = conn_deadline(&a->c);
		break;
	case A_SEND:
	case A_RECV:
		*wake = a->deadline;
		if (a->state == A_RECV && a->unsent > 0 && a->t_sample < *wake)
			*wake = a->t_sample;
		break;
	case A_IDLE:
		if (conn_state(&a->c) == CONN_CLOSING)
			*wake = conn_deadline(&a->c);
		break;
	}
	if (conn_fd(&a->c) < 0 || conn_state(&a->c) == CONN_IDLE || conn_state(&a->c) == CONN_FAILED)
		return -1;
	*events = conn_want(&a->c, 0);
	if (a->state == A_IDLE || a->state == A_RECV || a->state == A_SEND)
		*events |= POLLIN;
	return conn_fd(&a->c);
}

/*
 * Waits for p (when p->fd >= 0) and for a signal (sig.h) until wake.
 * Returns 0, or -1 once a stop has been asked for.
 */
static int
wait_for(struct pollfd *p, int64_t wake)
{
	struct pollfd pfd[2];
	int64_t now = now_ms();
	int n = 0, timeout;

	timeout = wake == INT64_MAX ? -1 : wake <= now ? 0 :
	    wake - now > INT_MAX ? INT_MAX : (int)(wake - now);
	p->revents = 0;
	if (p->fd >= 0)
		pfd[n++] = *p;
	if (sig_fd() >= 0) {
		pfd[n].fd = sig_fd();
		pfd[n++].events = POLLIN;
	}
	if (sig_stopping())
		return -1;
	if (poll(pfd, (nfds_t)n, timeout) > 0 && p->fd >= 0)
		p->revents = pfd[0].revents;
	return sig_stopping() ? -1 : 0;
}

/* see api.h */
void
api_cancel(struct api *a)
{
	conn_reset(&a->c);
	snprintf(a->error, sizeof a->error, "stopped");
	forget(a);
	done(a, API_FAIL);
}

/* see api.h */
int
api_call(struct api *a, const struct api_call *k)
{
	struct pollfd p;
	int64_t wake;

	api_start(a, k);
	while (api_busy(a)) {
		p.fd = api_want(a, &p.events, &wake);
		if (wait_for(&p, wake) < 0) {
			api_cancel(a);
			break;
		}
		api_io(a, p.revents, now_ms());
		if (k->progress != NULL && (a->state == A_SEND ||
		    a->state == A_RECV || a->state == A_IDLE))
			k->progress(a->sent - conn_pending(&a->c), k->len);
	}
	return a->result;
}

/* see api.h */
void
api_close(struct api *a)
{
	struct pollfd p;
	int64_t end = now_ms() + 2000;

	if (conn_state(&a->c) != CONN_OPEN) {
		conn_reset(&a->c);
		return;
	}
	conn_close(&a->c);
	while (conn_state(&a->c) == CONN_CLOSING && now_ms() < end) {
		p.fd = conn_fd(&a->c);
		p.events = conn_want(&a->c, 0) | POLLIN;
		if (wait_for(&p, end) < 0)
			break;
		conn_io(&a->c, p.revents, now_ms());
	}
	conn_reset(&a->c);
}
