/*
 * out.c: see out.h.
 *
 * Entries are records of a FIFO (queue.c): a state byte, a kind byte, when
 * it was queued and when it may go next (two int64_t, in now_ms() time),
 * the target (method name or URL) and the ordering key (the channel, or
 * empty; a response_url is its own key and is not paced), both
 * NUL-terminated, then the body.  Records never move while they are
 * queued, so a call in flight points straight into its record.  An entry
 * can finish before older ones (another channel may be waiting for its
 * pace): it is marked done in place, and done records leave from the
 * head.
 *
 * Two clients: one for slack.com (posts and method calls, one at a time,
 * so calls keep their order) and one for response URLs (another host).
 * Pacing is per channel by the generic cell rate algorithm: each post
 * pushes the channel's theoretical arrival time one interval on; a post
 * may go when that time is at most OUT_BURST - 1 intervals ahead.
 *
 * Rate limits.  A 429 (or "ratelimited") proves Slack did nothing, so the
 * entry goes back to waiting until Retry-After, and everything after it
 * for the same key waits behind it: a channel's answers keep their order
 * however long Slack holds them back, up to OUT_MAX_AGE after they were
 * queued.  The log says once when a channel is held back and once when
 * its backlog has gone.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "json.h"
#include "log.h"
#include "out.h"
#include "queue.h"
#include "util.h"

enum { K_POST = 'p', K_CALL = 'c', K_HOOK = 'h', K_RTM = 'r' };
enum { R_PENDING = 'P', R_FLIGHT = 'F', R_DONE = 'D' };

#define KEY_MAX		32	/* a channel id, NUL included */
#define T_QUEUED	2	/* offsets in a record of its two times */
#define T_NEXT		10
#define TARGET		18	/* and of its target */
#define HEAD_MAX	(TARGET + RESPONSE_URL_MAX + 1 + KEY_MAX)
#define OUT_MAX_AGE	(15 * 60 * 1000)	/* rate limited for longer:
						   dropped, and said */
#define PACE_SLOTS	64	/* channels paced at once */
#define BLOCK_MAX	16	/* channels held back in one walk */

struct client {
	struct api	 a;
	struct api_call	 call;
	unsigned char	*rec;		/* the record in flight, or NULL */
	size_t		 reclen;
	char		 base[300];	/* URL the client was set up for */
	unsigned char	 tls[BR_SSL_BUFSIZE_MONO];
	unsigned char	 req[API_REQ_MAX];
	char		 body[OUT_ANSWER_MAX];
	struct json_tok	 tok[256];
};

static struct {
	struct queue	 q;
	unsigned char	 buf[OUTQ_BYTES];
	const char	*token;
	const struct proxy *px;
	int64_t		 interval;	/* ms between posts to a channel */
	int		(*rtm)(const char *, size_t);
	struct client	 api, hook;
	struct {
		char	 key[KEY_MAX];
		int64_t	 tat;		/* theoretical arrival time */
		int	 held;		/* rate limited: waiting to drain */
	} pace[PACE_SLOTS];
	char		 scratch[API_REQ_MAX];
	int		 fatal;
	int64_t		 wake;		/* the next entry waits until then */
} out;

static int64_t
rec_time(const unsigned char *p, size_t off)
{
	int64_t t;

	memcpy(&t, p + off, sizeof t);
	return t;
}

static void
set_time(unsigned char *p, size_t off, int64_t t)
{
	memcpy(p + off, &t, sizeof t);
}

/* see out.h */
int
out_init(const char *base, const struct proxy *px, const char *token,
    int rate, int (*rtm_send)(const char *, size_t), char *err,
    size_t errlen)
{
	struct api_buf b = API_BUF(out.api.tls, out.api.req, out.api.body,
	    out.api.tok);

	queue_init(&out.q, out.buf, sizeof out.buf);
	out.wake = INT64_MAX;
	out.token = token;
	out.px = px;
	out.interval = rate > 0 ? 1000 / rate : 0;
	out.rtm = rtm_send;
	/* The response_url client is set up for each host it meets. */
	api_unused(&out.hook.a);
	return api_init(&out.api.a, base, px, &b, err, errlen);
}

static int
push(int kind, const char *target, const char *key, const char *body,
    size_t n)
{
	char head[HEAD_MAX];
	size_t t = strlen(target), k = strlen(key);
	int rc;

	if (TARGET + t + 1 + k + 1 > sizeof head)
		return OUT_TOOBIG;
	head[0] = R_PENDING;
	head[1] = (char)kind;
	set_time((unsigned char *)head, T_QUEUED, now_ms());
	set_time((unsigned char *)head, T_NEXT, 0);
	memcpy(head + TARGET, target, t + 1);
	memcpy(head + TARGET + t + 1, key, k + 1);
	rc = queue_push(&out.q, head, TARGET + t + 1 + k + 1, body, n);
	return rc == 0 ? OUT_OK : rc == QUEUE_ETOOBIG ? OUT_TOOBIG : OUT_FULL;
}

/* The body of a simple message, in out.scratch; its length or 0. */
static size_t
message(const char *channel, const char *thread, const char *text,
    size_t n, int rtm)
{
	struct json_w w;
	size_t len;

	json_w_init(&w, out.scratch, sizeof out.scratch);
	json_w_object(&w);
	if (rtm) {
		json_w_key(&w, "type");
		json_w_str(&w, "message");
	}
	json_w_key(&w, "channel");
	json_w_str(&w, channel);
	json_w_key(&w, "text");
	json_w_strn(&w, text, n);
	if (thread != NULL && *thread != '\0') {
		json_w_key(&w, "thread_ts");
		json_w_str(&w, thread);
	}
	json_w_object_end(&w);
	return json_w_finish(&w, &len) == 0 ? len : 0;
}

/* see out.h */
int
out_post(const char *channel, const char *thread, const char *text,
    size_t n)
{
	size_t len;

	/* Slack drops RTM frames over 16 KB: long texts take the Web API. */
	if (out.rtm != NULL && n <= 4000 &&
	    (len = message(channel, thread, text, n, 1)) > 0 && len < 15000)
		return push(K_RTM, "", channel, out.scratch, len);
	if ((len = message(channel, thread, text, n, 0)) == 0)
		return OUT_TOOBIG;
	return push(K_POST, "chat.postMessage", channel, out.scratch, len);
}

/* see out.h */
int
out_post_json(const char *channel, const char *json, size_t n)
{
	return push(K_POST, "chat.postMessage", channel, json, n);
}

/* see out.h */
int
out_call(const char *method, const char *form, size_t n)
{
	return push(K_CALL, method, "", form, n);
}

/* see out.h */
int
out_hook(const char *url, const char *json, size_t n)
{
	if (strncmp(url, "https://", 8) != 0 ||
	    strlen(url) > RESPONSE_URL_MAX)
		return OUT_TOOBIG;
	return push(K_HOOK, url, "", json, n);
}

/* see out.h */
size_t
out_pending(void)
{
	return queue_count(&out.q);
}

/*
 * The pace slot of a channel (the least recently due one not held back,
 * when it has none yet).
 */
static size_t
slot(const char *key, int64_t now)
{
	size_t i, old = 0;

	for (i = 0; i < PACE_SLOTS; i++) {
		if (strcmp(out.pace[i].key, key) == 0)
			return i;
		if (out.pace[i].held < out.pace[old].held ||
		    (out.pace[i].held == out.pace[old].held &&
		    out.pace[i].tat < out.pace[old].tat))
			old = i;
	}
	snprintf(out.pace[old].key, sizeof out.pace[old].key, "%s", key);
	out.pace[old].tat = now;
	out.pace[old].held = 0;
	return old;
}

static int64_t *
pace(const char *key, int64_t now)
{
	return &out.pace[slot(key, now)].tat;
}

/* When a post to key may go (now or later). */
static int64_t
pace_when(const char *key, int64_t now)
{
	int64_t tat;

	if (out.interval == 0 || *key == '\0')
		return now;
	tat = *pace(key, now);
	return tat - (OUT_BURST - 1) * out.interval > now ?
	    tat - (OUT_BURST - 1) * out.interval : now;
}

static void
pace_take(const char *key, int64_t now)
{
	int64_t *tat;

	if (out.interval == 0 || *key == '\0')
		return;
	tat = pace(key, now);
	*tat = (*tat > now ? *tat : now) + out.interval;
}

/* Parts of a record. */
struct rec {
	unsigned char	*p;
	int		 kind;
	const char	*target, *key, *body;
	size_t		 len;
};

static void
parse(unsigned char *p, size_t n, struct rec *r)
{
	size_t t;

	r->p = p;
	r->kind = p[1];
	r->target = (const char *)p + TARGET;
	t = strlen(r->target);
	r->key = r->target + t + 1;
	r->body = r->key + strlen(r->key) + 1;
	if (r->kind == K_HOOK)
		r->key = r->target;	/* answers to one URL keep their order */
	r->len = n - (size_t)((const unsigned char *)r->body - p);
}

/* Sets a client up for the host of url; the method is url's path. */
static int
hook_client(struct client *c, const char *url, const char **path)
{
	struct api_buf b = API_BUF(c->tls, c->req, c->body, c->tok);
	char err[320];
	const char *slash;
	size_t n;

	if ((slash = strchr(url + 8, '/')) == NULL)
		return -1;
	n = (size_t)(slash - url) + 1;
	*path = slash + 1;
	if (n >= sizeof c->base)
		return -1;
	if (strncmp(c->base, url, n) == 0 && c->base[n] == '\0')
		return 0;
	api_drop(&c->a);
	memcpy(c->base, url, n);
	c->base[n] = '\0';
	if (api_init(&c->a, c->base, out.px, &b, err, sizeof err) < 0) {
		c->base[0] = '\0';
		log_msg(LOG_WARN, "response_url: %s", err);
		return -1;
	}
	return 0;
}

static void
start(struct client *c, const struct rec *r)
{
	struct api_call *k = &c->call;
	const char *path;

	memset(k, 0, sizeof *k);
	k->fd = -1;
	k->body = r->body;
	k->len = r->len;
	switch (r->kind) {
	case K_POST:
		k->method = "chat.postMessage";
		k->token = out.token;
		k->flags = API_JSON | API_ONCE | API_LIMITS;
		break;
	case K_CALL:
		k->method = r->target;
		k->token = out.token;
		k->flags = (api_once(r->target) ? API_ONCE : 0) | API_LIMITS;
		break;
	case K_HOOK:
		if (hook_client(c, r->target, &path) < 0) {
			r->p[0] = R_DONE;
			return;
		}
		k->method = path;
		k->flags = API_JSON | API_RAW | API_ONCE | API_LIMITS;
		break;
	}
	r->p[0] = R_FLIGHT;
	c->rec = r->p;
	c->reclen = (size_t)((const unsigned char *)r->body - r->p) + r->len;
	api_start(&c->a, k);
}

/* Starts what may start, in order per channel. */
static void
schedule(int64_t now, int64_t *wake)
{
	const char *blocked[BLOCK_MAX];
	struct queue_cur cur = { 0, 0, 0 };
	struct client *c;
	unsigned char *p;
	struct rec r;
	size_t n, nb = 0, i;
	int64_t when;

	while ((p = queue_next(&out.q, &cur, &n)) != NULL) {
		if (p[0] == R_DONE)
			continue;
		parse(p, n, &r);
		for (i = 0; i < nb && strcmp(blocked[i], r.key) != 0; i++)
			;
		if (i < nb)
			continue;
		c = r.kind == K_HOOK ? &out.hook : &out.api;
		/* Slack's pace is per channel; response_urls have none. */
		when = pace_when(r.kind == K_HOOK ? "" : r.key, now);
		if (rec_time(p, T_NEXT) > when)
			when = rec_time(p, T_NEXT);
		if (p[0] == R_FLIGHT || when > now || (r.kind != K_RTM &&
		    c->rec != NULL)) {
			if (when > now && when < *wake)
				*wake = when;
			if (*r.key != '\0' && nb < BLOCK_MAX)
				blocked[nb++] = r.key;
			else if (*r.key != '\0')
				break;
			continue;
		}
		if (r.kind == K_RTM && out.rtm(r.body, r.len) < 0) {
			/* No live RTM socket now: wait for the next one. */
			if (nb < BLOCK_MAX)
				blocked[nb++] = r.key;
			continue;
		}
		if (r.kind == K_RTM)
			p[0] = R_DONE;
		else
			start(c, &r);
		pace_take(r.kind == K_HOOK ? "" : r.key, now);
	}
}

/* The name of a record's target for the log ("response_url": secret). */
static const char *
what(const unsigned char *p, const char **key)
{
	const char *target = (const char *)p + TARGET;

	*key = target + strlen(target) + 1;
	if (p[1] == K_HOOK)
		return *key = "response_url";
	return target;
}

/* Is any entry of key other than p still waiting? */
static int
waiting(const char *key, const unsigned char *p)
{
	struct queue_cur cur = { 0, 0, 0 };
	unsigned char *q;
	struct rec r;
	size_t n;

	while ((q = queue_next(&out.q, &cur, &n)) != NULL)
		if (q != p && q[0] != R_DONE) {
			parse(q, n, &r);
			if (strcmp(r.key, key) == 0)
				return 1;
		}
	return 0;
}

/*
 * Slack rate limited the call of c: its entry waits for Retry-After (the
 * entries after it of the same key wait behind it), unless it has waited
 * too long already.  Returns 1 when it waits.
 */
static int
held(struct client *c, int64_t now)
{
	const char *target, *key;
	struct rec r;
	size_t i;

	target = what(c->rec, &key);
	if (now - rec_time(c->rec, T_QUEUED) + (c->a.retry_at - now) >
	    OUT_MAX_AGE) {
		log_msg(LOG_WARN, "%s%s%s: not sent: Slack has rate limited it "
		    "for more than %d minutes (%s)", target, *key ? " to " : "",
		    key, OUT_MAX_AGE / 60000, c->a.error);
		return 0;
	}
	set_time(c->rec, T_NEXT, c->a.retry_at);
	c->rec[0] = R_PENDING;
	parse(c->rec, c->reclen, &r);
	if (*r.key == '\0')
		return 1;
	i = slot(r.key, now);
	if (!out.pace[i].held) {
		out.pace[i].held = 1;
		log_msg(LOG_WARN, "%s%s%s: rate limited by Slack (Retry-After "
		    "%lld s); holding back what goes there, in order, until "
		    "Slack takes it", target, *key ? " to " : "", key,
		    (long long)((c->a.retry_at - now + 999) / 1000));
	}
	return 1;
}

/* The call of c is over: log a failure, mark the record done. */
static void
finished(struct client *c, int64_t now)
{
	const char *target, *key;
	struct rec r;
	size_t i;

	if (c->rec == NULL || api_busy(&c->a))
		return;
	target = what(c->rec, &key);
	if (c->a.result == API_LIMITED && held(c, now)) {
		c->rec = NULL;
		return;
	}
	if (c->a.result == API_FATAL) {
		log_msg(LOG_ERR, "%s: Slack refused the token (%s)", target,
		    c->a.slack_error);
		out.fatal = 1;
	} else if (c->a.result == API_FAIL)
		log_msg(LOG_WARN, "%s%s%s: not sent: %s", target,
		    *key ? " to " : "", key, c->a.error);
	c->rec[0] = R_DONE;
	parse(c->rec, c->reclen, &r);
	if (*r.key != '\0' && (i = slot(r.key, now), out.pace[i].held) &&
	    !waiting(r.key, c->rec)) {
		out.pace[i].held = 0;
		log_msg(LOG_INFO, "%s%s%s: Slack takes it again; nothing is "
		    "held back any more", target, *key ? " to " : "", key);
	}
	c->rec = NULL;
}

/* see out.h */
int
out_poll(struct pollfd *pfd, int max, int64_t *wake)
{
	struct client *cl[2] = { &out.api, &out.hook };
	int64_t w;
	int i, n = 0;

	for (i = 0; i < 2; i++) {
		if (n == max)
			break;
		pfd[n].fd = api_want(&cl[i]->a, &pfd[n].events, &w);
		pfd[n].revents = 0;
		if (w < *wake)
			*wake = w;
		if (pfd[n].fd >= 0 && pfd[n].events != 0)
			n++;
	}
	if (queue_count(&out.q) > 0 && out.interval > 0) {
		w = now_ms() + out.interval;
		if (w < *wake)
			*wake = w;
	}
	if (out.wake < *wake)
		*wake = out.wake;
	return n;
}

/* see out.h */
int
out_io(const struct pollfd *pfd, int n, int64_t now)
{
	struct client *cl[2] = { &out.api, &out.hook };
	int64_t wake = INT64_MAX;
	short rev;
	size_t len;
	int i, j;

	for (i = 0; i < 2; i++) {
		rev = 0;
		for (j = 0; j < n; j++)
			if (pfd[j].fd == api_fd(&cl[i]->a) && pfd[j].fd >= 0)
				rev = pfd[j].revents;
		if (api_busy(&cl[i]->a) || rev != 0)
			api_io(&cl[i]->a, rev, now);
		finished(cl[i], now);
	}
	schedule(now, &wake);
	out.wake = wake;
	while (queue_peek(&out.q, &len) != NULL && queue_peek(&out.q,
	    &len)[0] == R_DONE)
		queue_pop(&out.q);
	return out.fatal ? -1 : 0;
}
