/*
 * run.c: `slackbot run`, the long-running part: one poll() loop over the
 * WebSockets to Slack, the Web API clients, the handler side (standard
 * output, handler processes) and a self-pipe for signals (sig.c).
 *
 *   socket -> conn (TLS) -> ws (frames) -> slack_read() -> FIFO -> handler.c
 *                                            | ack, once the     (stdout,
 *                                            v event is queued    --exec,
 *                                          socket                 --pipe)
 *                                                                    |
 *   Web API <- api (out.c: paced per channel) <- replies, actions <--+
 *
 * Connections.  At most two sockets exist.  Normally one is live; when
 * Slack asks for a refresh (Socket Mode `disconnect`), a second one is
 * opened while the first keeps reading and acknowledging, and the first
 * is closed only once the second has said hello.  Every attempt gets a
 * fresh URL from apps.connections.open (or rtm.connect), after auth.test
 * the first time (who the bot is, for the filters).  Each attempt makes
 * one call at a time and logs one line when it fails; failed attempts
 * back off exponentially (backoff_ms()) from 1 s up to 60 s, and hello
 * resets the backoff.  A socket is dead when nothing at all has arrived
 * for --dead seconds although we ping every --ping seconds, or when a
 * message is not complete within twice that of its first byte; it is then
 * replaced.  RTM sends every event to every socket, so there a socket is
 * closed before its replacement is opened.
 *
 * A socket's life is the state machine below (enum sock_state); every
 * change goes through become(), which knows the transitions allowed.
 *
 * Backpressure.  An envelope is acknowledged only after its event is in
 * the FIFO.  When the FIFO is nearly full, the loop stops reading the
 * sockets (no POLLIN): TCP pushes back, and Slack redelivers what it has
 * not seen acknowledged.  A message that does not fit waits in its
 * socket's message buffer (held) until it does.
 *
 * Each turn of the loop is one poll(): reads from every socket, one
 * writev() of the lines ready (print mode), and the acks and pongs of the
 * turn leave together in one TLS record per socket.
 *
 * With --http there is no socket to Slack: Slack sends its requests to
 * the HTTP server (server.c), which runs in the same loop and puts each
 * verified event into the same FIFO, through the same recent-id table,
 * answering 503 when there is no room (Slack sends it again).  auth.test
 * still runs first, for the filters and for /healthz.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handler.h"
#include "log.h"
#include "notify.h"
#include "out.h"
#include "queue.h"
#include "run.h"
#include "server.h"
#include "setup.h"
#include "sig.h"
#include "slack.h"
#include "tls.h"
#include "util.h"
#include "ws.h"

enum sock_state {
	SOCK_FREE,	/* an unused slot */
	SOCK_URL,	/* waiting for the Web API (auth.test, then a URL) */
	SOCK_CONNECT,	/* DNS, TCP, proxy, TLS */
	SOCK_UPGRADE,	/* the WebSocket handshake is sent */
	SOCK_HELLO,	/* upgraded; waiting for hello */
	SOCK_LIVE,	/* delivering events */
	SOCK_RETIRING,	/* live, but Slack asked for a replacement: still
			   read and acknowledged until that one is live */
	SOCK_CLOSING,	/* our close frame is sent: read until Slack's */
	SOCK_ABANDONED	/* failed, or closed by Slack: what arrives is
			   discarded until TLS and TCP end (or CLOSE_MS) */
};

static const char *const state_names[] = {
	"free", "asking for a URL", "connecting", "in the WebSocket handshake",
	"waiting for hello", "live", "retiring", "closing", "abandoned"
};

#define B(s)	(1u << (s))

/* The states each state may move to (any may end: SOCK_FREE). */
static const unsigned next_states[] = {
	[SOCK_FREE] = B(SOCK_URL),
	[SOCK_URL] = B(SOCK_CONNECT),
	[SOCK_CONNECT] = B(SOCK_UPGRADE),
	[SOCK_UPGRADE] = B(SOCK_HELLO),
	[SOCK_HELLO] = B(SOCK_LIVE) | B(SOCK_CLOSING) | B(SOCK_ABANDONED),
	[SOCK_LIVE] = B(SOCK_RETIRING) | B(SOCK_CLOSING) | B(SOCK_ABANDONED),
	[SOCK_RETIRING] = B(SOCK_CLOSING) | B(SOCK_ABANDONED),
	[SOCK_CLOSING] = B(SOCK_ABANDONED),
	[SOCK_ABANDONED] = 0,
};

#define NSOCK		2
#define HELLO_MS	30000	/* from the start of an attempt to hello */
#define CLOSE_MS	1000	/* for the server's close frame */
#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	60000
#define PAUSE_ROOM	(32 * 1024)	/* FIFO room below which we stop reading */
#define OUT_ROOM	1024	/* room for acks below which we stop reading */

struct sock {
	enum sock_state	 state;
	int		 num;		/* connection number, for the log */
	int64_t		 t_start;	/* the attempt began */
	int64_t		 t_rx;		/* the last byte arrived */
	int64_t		 t_part;	/* a message began, not complete yet */
	int64_t		 t_ping;	/* the next ping is due */
	int64_t		 t_close;	/* CLOSING, ABANDONED: give up then */
	long long	 rtm_id;	/* RTM: last message id used */
	size_t		 held;		/* not a state: bytes of a message
					   waiting in msg for FIFO room */
	int		 stale;		/* begun with the tokens a SIGHUP
					   replaced: replaced once live */
	struct conn	 c;
	struct http_resp resp;		/* the answer to the handshake */
	struct ws	 ws;
	char		 url[2048];
	unsigned char	 tlsbuf[BR_SSL_BUFSIZE_BIDI];
	unsigned char	 out[WS_OUT_MAX];
	unsigned char	 msg[WS_MSG_MAX];
};

static struct sock	socks[NSOCK];
static struct slack_dedup dedup;
static struct json_tok	tok[JSON_TOK_MAX];
static unsigned char	fifo_buf[FIFO_BYTES];
static struct queue	fifo;

/* The loop's Web API client: auth.test, and the URLs of the sockets. */
static struct api	api;
static unsigned char	api_tls[BR_SSL_BUFSIZE_MONO];
static unsigned char	api_out[4096];
static char		api_body[16384];
static struct json_tok	api_tok[512];

static struct {
	struct run_opts	 o;
	struct config	*cfg;
	int		 fails;		/* attempts failed since the last hello */
	int64_t		 t_next;	/* no new attempt before this */
	int		 fetching;	/* slot waiting for the Web API, or -1 */
	int		 conns;		/* connections made, for numbering */
	int		 stop;		/* SIGTERM or SIGINT came: stopping */
	int		 spill_fd;	/* --spill, opened at the start */
	int		 out_flags;	/* stdout's flags, restored at exit */
	int		 out_gone;	/* standard output closed on us */
	int		 single;	/* too_many_websockets: one socket */
	int		 signed_in;	/* auth.test answered (or not needed) */
	int		 recheck;	/* --http: auth.test again (SIGHUP) */
	char		 self_user[32], self_bot[32];
	struct api_call	 call;		/* the loop's Web API call */
	char		 said[400];	/* the last failure logged */
	int64_t		 t0;		/* start, for the id table's clock */
	/* Counters for the log at exit. */
	unsigned long long events, dups, acks;
} run;

/* What each kind of payload is in the FIFO. */
static const int rec_kinds[] = {
	[SLACK_P_EVENT] = REC_EVENT,
	[SLACK_P_SLASH] = REC_SLASH,
	[SLACK_P_INTERACTIVE] = REC_INTERACTIVE,
};

static const char *
mode_name(void)
{
	if (run.o.http != NULL)
		return "HTTP";
	return run.o.proto == SLACK_SOCKET ? "Socket Mode" : "RTM";
}

static uint32_t
secs(int64_t now)
{
	return (uint32_t)((now - run.t0) / 1000);
}

/* Moves s to state to, which must be allowed from where it is. */
static void
become(struct sock *s, enum sock_state to)
{
	if (to != SOCK_FREE && !(next_states[s->state] & B(to)))
		log_msg(LOG_ERR, "connection %d: no way from %s to %s "
		    "(please report this)", s->num, state_names[s->state],
		    state_names[to]);
	log_msg(LOG_TRACE, "connection %d: %s -> %s", s->num,
	    state_names[s->state], state_names[to]);
	s->state = to;
}

/* Is s reading and acknowledging events? */
static int
live(const struct sock *s)
{
	return s->state == SOCK_LIVE || s->state == SOCK_RETIRING;
}

/* The next attempt waits, longer after each failure. */
static void
backoff(int64_t now)
{
	run.t_next = now + backoff_ms(run.fails++, BACKOFF_MIN_MS,
	    BACKOFF_MAX_MS);
}

/*
 * A failure about to be logged: the same words as last time lose their
 * hints (the parts in parentheses), which were said already.
 */
static const char *
said_once(const char *why, char *buf, size_t len)
{
	size_t o = 0;
	int depth = 0;

	if (strcmp(why, run.said) != 0 || strchr(why, '(') == NULL) {
		snprintf(run.said, sizeof run.said, "%s", why);
		return why;
	}
	for (; *why != '\0' && o + 1 < len; why++) {
		if (*why == '(' && depth++ == 0 && o > 0 && buf[o - 1] == ' ')
			o--;
		else if (*why == ')' && depth > 0)
			depth--;
		else if (depth == 0)
			buf[o++] = *why;
	}
	buf[o] = '\0';
	return buf;
}

/* Frees a slot at once: no more I/O on it. */
static void
drop(struct sock *s)
{
	conn_reset(&s->c);
	become(s, SOCK_FREE);
	s->held = 0;
	s->stale = 0;
	s->t_part = 0;
	explicit_bzero(s->url, sizeof s->url);
}

/*
 * A socket is no longer usable: says so and schedules the next attempt.
 * Before hello it counts as a failed attempt; a live socket that dies is
 * replaced at once (the backoff still applies to repeated failures).
 */
static void
account(struct sock *s, int64_t now, const char *why)
{
	char buf[400];
	int was_live = live(s);

	if (!was_live || run.fails > 0)
		backoff(now);
	else
		run.t_next = now;
	log_msg(LOG_WARN, "connection %d %s: %s", s->num, was_live ? "lost" :
	    "failed", said_once(why, buf, sizeof buf));
	notify_status("connection %d %s: %s; reconnecting", s->num,
	    was_live ? "lost" : "failed", why);	/* service manager */
}

/* The connection itself is gone: account for it, free the slot. */
static void
lost(struct sock *s, int64_t now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
lost(struct sock *s, int64_t now, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (s->state == SOCK_CLOSING || s->state == SOCK_ABANDONED)
		log_msg(LOG_DEBUG, "connection %d closed: %s", s->num, why);
	else
		account(s, now, why);
	drop(s);
}

/* Queues one frame on s; -1 when the output buffer has no room. */
static int
send_frame(struct sock *s, int op, const void *data, size_t len)
{
	unsigned char frame[WS_OUT_MAX], key[4];
	size_t n;

	random_bytes(key, sizeof key);
	n = ws_write(frame, sizeof frame, op, data, len, key);
	if (n == 0 || conn_write(&s->c, frame, n) < 0)
		return -1;
	if (log_on(LOG_TRACE))
		log_msg(LOG_TRACE, "connection %d: sent a %s frame of %zu "
		    "bytes", s->num, ws_opname(op), len);
	return 0;
}

/* Queues a close frame with code (WS_CLOSE_NOCODE: empty); -1: no room. */
static int
send_close(struct sock *s, int code)
{
	unsigned char frame[64], key[4];
	size_t n;

	random_bytes(key, sizeof key);
	n = ws_write_close(frame, sizeof frame, code, NULL, 0, key);
	if (n == 0 || conn_write(&s->c, frame, n) < 0)
		return -1;
	log_msg(LOG_TRACE, "connection %d: sent close %d", s->num, code);
	return 0;
}

/*
 * Gives up a socket that cannot go on: a close frame with code (unless
 * 0), TLS close_notify, and whatever arrives afterwards is discarded.
 * The slot frees itself once the server has closed, or after CLOSE_MS.
 */
static void
abandon(struct sock *s, int code, int64_t now)
{
	if (code != 0 && s->state >= SOCK_HELLO)
		send_close(s, code);
	conn_close(&s->c);
	if (conn_state(&s->c) != CONN_CLOSING) {
		drop(s);
		return;
	}
	become(s, SOCK_ABANDONED);
	s->t_close = now + CLOSE_MS;
}

/* Sends a close frame and waits a little for the server's. */
static void
start_close(struct sock *s, int code, int64_t now)
{
	if (s->state == SOCK_CLOSING || s->state == SOCK_ABANDONED)
		return;
	if (s->state < SOCK_HELLO || send_close(s, code) < 0) {
		conn_close(&s->c);
		drop(s);
		return;
	}
	become(s, SOCK_CLOSING);
	s->t_close = now + CLOSE_MS;
}

/* The server broke the protocol: close with the code it calls for. */
static void
ws_failed(struct sock *s, int64_t now)
{
	char why[200], msg[300];
	int code = ws_close_code(ws_error(&s->ws));

	ws_strerror(&s->ws, why, sizeof why);
	if (s->state != SOCK_CLOSING) {
		snprintf(msg, sizeof msg, "WebSocket error: %s (closing with "
		    "%d)", why, code);
		account(s, now, msg);
	}
	abandon(s, code, now);
}

/*
 * The next Web API call of the attempt on slot s: auth.test until it has
 * answered once (a bot token is at hand), then the URL.  One try each:
 * the attempt as a whole is what backs off.
 */
static void
next_call(struct sock *s, int64_t now)
{
	struct api_call *k = &run.call;
	const struct config *cfg = run.cfg;

	memset(k, 0, sizeof *k);
	k->fd = -1;
	k->body = "";
	k->flags = API_NORETRY | API_LIMITS;
	if (!run.signed_in) {
		k->method = "auth.test";
		k->token = cfg->bot.value;
	} else if (run.o.proto == SLACK_SOCKET) {
		k->method = "apps.connections.open";
		k->token = cfg->app.value;
	} else {
		k->method = "rtm.connect";
		k->token = cfg->bot.value;
	}
	if (s->state == SOCK_FREE) {
		become(s, SOCK_URL);
		s->num = ++run.conns;
		s->t_start = now;
		s->held = 0;
	}
	run.fetching = (int)(s - socks);
	log_msg(LOG_DEBUG, "connection %d: calling %s", s->num, k->method);
	api_start(&api, k);
}

/* A string member of the loop's last answer into buf (or "?"). */
static const char *
answer(int obj, const char *key, char *buf, size_t len)
{
	int i = obj < 0 ? api_field(&api, key) :
	    json_find(api.body, api.tok, obj, key);

	if (i < 0 || json_unescape(api.body, &api.tok[i], buf, len,
	    NULL) < 0)
		snprintf(buf, len, "?");
	return buf;
}

/* auth.test answered: who the bot is, for the filters. */
static void
signed_in(void)
{
	char user[128], team[128];

	answer(-1, "user_id", run.self_user, sizeof run.self_user);
	answer(-1, "bot_id", run.self_bot, sizeof run.self_bot);
	if (strcmp(run.self_bot, "?") == 0)
		run.self_bot[0] = '\0';
	log_msg(LOG_INFO, "signed in as %s (%s) in %s", answer(-1, "user",
	    user, sizeof user), run.self_user, answer(-1, "team", team,
	    sizeof team));
	run.signed_in = 1;
}

/* The Web API answered the loop's call: go on, connect, or back off. */
static void
call_done(struct sock *s, int64_t now)
{
	const struct api_call *k = &run.call;
	char buf[400], host[256];
	const char *why;
	struct url u;
	int i;

	run.fetching = -1;
	if (api.result == API_FATAL) {
		if (run.o.proto == SLACK_RTM && strcmp(api.slack_error,
		    "not_allowed_token_type") == 0 && strcmp(k->method,
		    "rtm.connect") == 0)
			die(EXIT_AUTH, "rtm.connect: this bot token belongs to "
			    "a modern Slack app, which Slack does not let use "
			    "RTM (not_allowed_token_type); use Socket Mode: "
			    "turn it on in the app's settings, create an "
			    "app-level token (xapp-...) with connections:write "
			    "and set SLACK_APP_TOKEN");
		log_flush();
		exit(setup_report(run.cfg, &api, k->method, k->token));
	}
	if (run.o.proto == SLACK_RTM && strcmp(api.slack_error,
	    "legacy_custom_bots_deprecated") == 0)
		die(EXIT_AUTH, "rtm.connect: Slack no longer serves legacy "
		    "custom bots over RTM (legacy_custom_bots_deprecated); "
		    "move to a Slack app with Socket Mode (SLACK_APP_TOKEN)");
	if (api.result == API_OK && !run.signed_in) {
		signed_in();
		next_call(s, now);
		return;
	}
	if (api.result == API_OK && (i = api_field(&api, "url")) >= 0 &&
	    json_unescape(api.body, &api.tok[i], s->url, sizeof s->url,
	    NULL) == 0 && http_url_parse(&u, s->url, strlen(s->url)) == 0 &&
	    u.ws && u.tls && u.hostlen < sizeof host) {
		memcpy(host, u.host, u.hostlen);
		host[u.hostlen] = '\0';
		become(s, SOCK_CONNECT);
		if (conn_open(&s->c, host, u.port,
		    conn_proxy_for(&run.cfg->proxy, host), HELLO_MS / 3) < 0)
			lost(s, now, "%s", conn_error(&s->c));
		return;
	}
	why = api.result == API_OK ? "the answer has no usable wss:// URL" :
	    api.error;
	drop(s);
	if (api.result == API_LIMITED) {
		run.t_next = api.retry_at;
		run.fails++;
	} else
		backoff(now);
	log_msg(LOG_WARN, "%s: %s; trying again in %d.%d s", k->method,
	    said_once(why, buf, sizeof buf), (int)((run.t_next - now) / 1000),
	    (int)((run.t_next - now) % 1000 / 100));
	notify_status("%s: %s; trying again", k->method, why);
}

/* TLS is up: send the WebSocket handshake. */
static void
upgrade(struct sock *s, int64_t now)
{
	unsigned char key[WS_KEY_LEN];
	char head[2600];
	struct url u;
	size_t n;

	ws_init(&s->ws, s->msg, sizeof s->msg);
	/* slack_read()'s strict JSON refuses invalid UTF-8 too. */
	ws_lazy_utf8(&s->ws);
	random_bytes(key, sizeof key);
	if (http_url_parse(&u, s->url, strlen(s->url)) < 0 ||
	    (n = ws_handshake(&s->ws, head, sizeof head, &u, key, NULL)) == 0 ||
	    conn_write(&s->c, head, n) < 0) {
		lost(s, now, "the WebSocket URL is too long");
		return;
	}
	explicit_bzero(head, sizeof head);
	http_resp_init(&s->resp, 0);
	become(s, SOCK_UPGRADE);
	s->t_rx = now;
}

/* Reads the answer to the handshake; the rest of the input is frames. */
static size_t
read_upgrade(struct sock *s, const unsigned char *p, size_t n, int64_t now)
{
	char why[200];
	const char *body;
	size_t used, blen;

	used = http_resp_feed(&s->resp, (const char *)p, n, &body, &blen);
	if (s->resp.state == HTTP_HEAD)
		return used;
	if (s->resp.state == HTTP_FAILED) {
		lost(s, now, "malformed answer to the WebSocket handshake: %s",
		    http_strerror(http_resp_error(&s->resp)));
		return used;
	}
	log_msg(LOG_TRACE, "connection %d: HTTP %d to the WebSocket handshake",
	    s->num, s->resp.status);
	if (ws_handshake_check(&s->ws, &s->resp) < 0) {
		lost(s, now, "WebSocket handshake refused: %s",
		    ws_strerror(&s->ws, why, sizeof why));
		return used;
	}
	explicit_bzero(s->url, sizeof s->url);
	become(s, SOCK_HELLO);
	s->t_ping = now + run.o.ping_ms;
	return used;
}

/* The other socket that this one replaces, once it is live. */
static void
retire_others(struct sock *s, int64_t now)
{
	int i;

	for (i = 0; i < NSOCK; i++)
		if (&socks[i] != s && (live(&socks[i]) ||
		    socks[i].state == SOCK_HELLO)) {
			log_msg(LOG_INFO, "connection %d is live; closing "
			    "connection %d", s->num, socks[i].num);
			start_close(&socks[i], WS_CLOSE_NORMAL, now);
		}
}

/* Acknowledges an envelope on the socket it came from. */
static void
ack(struct sock *s, const struct slack_msg *m)
{
	char buf[512];
	size_t n;

	if (run.o.proto != SLACK_SOCKET || m->idlen == 0)
		return;
	if ((n = slack_ack(buf, sizeof buf, m->id, m->idlen)) == 0 ||
	    send_frame(s, WS_OP_TEXT, buf, n) < 0) {
		log_msg(LOG_WARN, "connection %d: no room to acknowledge an "
		    "envelope; Slack will send it again", s->num);
		return;
	}
	if (log_on(LOG_TRACE))
		log_msg(LOG_TRACE, "connection %d: acknowledged envelope "
		    "%.*s", s->num, (int)m->idlen, m->id);
	run.acks++;
}

/* Slack asks for another socket (Socket Mode disconnect). */
static void
disconnect(struct sock *s, const struct slack_msg *m, int64_t now)
{
	int i;

	switch (m->reason) {
	case SLACK_R_LINK_DISABLED:
		log_msg(LOG_ERR, "Socket Mode is turned off for this app "
		    "(link_disabled): turn it on in the app's settings; trying "
		    "again in a minute");
		start_close(s, WS_CLOSE_NORMAL, now);
		run.t_next = now + BACKOFF_MAX_MS;
		return;
	case SLACK_R_TOO_MANY:
		/* No room for a second socket: the old one closes first. */
		log_msg(LOG_WARN, "Slack says the app has too many connections; "
		    "from now on a connection closes before its replacement "
		    "opens");
		run.single = 1;
		for (i = 0; i < NSOCK; i++)
			if (socks[i].state == SOCK_RETIRING)
				start_close(&socks[i], WS_CLOSE_NORMAL, now);
		start_close(s, WS_CLOSE_NORMAL, now);
		backoff(now);
		return;
	case SLACK_R_REFRESH:
		break;
	}
	if (run.single) {
		log_msg(LOG_INFO, "Slack asks to replace connection %d (%.*s); "
		    "closing it first", s->num, (int)m->whylen, m->why);
		start_close(s, WS_CLOSE_NORMAL, now);
		run.t_next = now;
		return;
	}
	log_msg(LOG_INFO, "Slack asks to replace connection %d (%.*s); "
	    "opening the new one first", s->num, (int)m->whylen, m->why);
	if (s->state == SOCK_LIVE)
		become(s, SOCK_RETIRING);
}

/*
 * A connection begun before a SIGHUP, with the tokens it replaced, is
 * live: it is replaced as a live one would have been then.
 */
static void
replace_stale(struct sock *s, int64_t now)
{
	if (!s->stale)
		return;
	s->stale = 0;
	log_msg(LOG_INFO, "connection %d was begun before SIGHUP; replacing "
	    "it", s->num);
	if (run.o.proto == SLACK_RTM || run.single)
		start_close(s, WS_CLOSE_NORMAL, now);
	else
		become(s, SOCK_RETIRING);
	run.t_next = now;
}

/* An event: into the FIFO, once.  -1: no room, hold it. */
static int
event(struct sock *s, const struct slack_msg *m, int64_t now)
{
	int rc;

	/* Stopping: leave it unacknowledged, for Slack to resend. */
	if (run.stop)
		return 0;
	/*
	 * The event is copied into the FIFO before its id is looked up, and
	 * taken back if it came before: meanwhile the id's bucket comes into
	 * the cache, which is otherwise a miss on every event.
	 */
	if (m->key != 0)
		slack_prefetch(&dedup, m->key);
	rc = handler_push(rec_kinds[m->payload] | (m->newline ? REC_NEWLINE :
	    0), m->rec, m->reclen);
	if (m->key != 0 && slack_seen(&dedup, m->key, secs(now))) {
		if (rc == 0)
			handler_unpush();
		run.dups++;
		log_msg(LOG_DEBUG, "connection %d: event delivered again (retry "
		    "%d); acknowledged, not repeated", s->num, m->retry);
		ack(s, m);
		return 0;
	}
	if (rc == QUEUE_EFULL)
		return -1;
	if (rc == QUEUE_ETOOBIG) {
		log_msg(LOG_ERR, "connection %d: skipped an event of %zu bytes, "
		    "larger than the FIFO (%d bytes)", s->num, m->reclen,
		    FIFO_BYTES);
		return 0;
	}
	if (m->key != 0)
		slack_remember(&dedup, m->key, secs(now));
	run.events++;
	ack(s, m);
	return 0;
}

/*
 * One text message from Slack.  Returns -1 when it must be held (the
 * FIFO is full), -2 when it is not UTF-8 (a WebSocket protocol error:
 * ws_error() says so), else 0.
 */
static int
message(struct sock *s, const unsigned char *data, size_t len, int64_t now)
{
	struct slack_msg m;

	switch (slack_read(run.o.proto, (const char *)data, len, tok,
	    sizeof tok / sizeof tok[0], &m)) {
	case SLACK_BAD:
		if (ws_check_text(&s->ws, data, len) < 0)
			return -2;
		log_msg(LOG_WARN, "connection %d: skipped a message: %.*s",
		    s->num, (int)m.whylen, m.why);
		break;
	case SLACK_SKIP:
		log_msg(LOG_DEBUG, "connection %d: skipped %.*s", s->num,
		    (int)m.whylen, m.why);
		break;
	case SLACK_HELLO:
		if (s->state != SOCK_HELLO)
			break;
		become(s, SOCK_LIVE);
		run.fails = 0;
		run.said[0] = '\0';
		if (m.num >= 0)
			log_msg(LOG_INFO, "connected (%s, connection %d; Slack "
			    "counts %lld open)", mode_name(), s->num, m.num);
		else
			log_msg(LOG_INFO, "connected (%s, connection %d)",
			    mode_name(), s->num);
		/* READY=1 at the first hello, STATUS= at the next ones. */
		notify_ready("connected (%s, connection %d)", mode_name(),
		    s->num);
		retire_others(s, now);
		replace_stale(s, now);
		break;
	case SLACK_ACK_ONLY:
		log_msg(LOG_DEBUG, "connection %d: %.*s", s->num,
		    (int)m.whylen, m.why);
		ack(s, &m);
		break;
	case SLACK_EVENT:
		return event(s, &m, now);
	case SLACK_DISCONNECT:
		disconnect(s, &m, now);
		break;
	case SLACK_GOODBYE:
		log_msg(LOG_INFO, "Slack said goodbye on connection %d; "
		    "reconnecting", s->num);
		start_close(s, WS_CLOSE_NORMAL, now);
		run.t_next = now;
		break;
	case SLACK_PONG:
		break;
	case SLACK_REPLY:
		if (!m.ok)
			log_msg(LOG_WARN, "connection %d: Slack refused message "
			    "%lld: %.*s", s->num, m.num, (int)m.whylen, m.why);
		break;
	case SLACK_ERROR:
		log_msg(LOG_WARN, "connection %d: Slack reported an error: "
		    "%.*s; reconnecting", s->num, (int)m.whylen, m.why);
		start_close(s, WS_CLOSE_NORMAL, now);
		break;
	}
	return 0;
}

/* Delivers a held message once the FIFO has room for it. */
static void
release(struct sock *s, int64_t now)
{
	if (s->held == 0 || queue_free(&fifo) < (long)s->held + 2)
		return;
	if (message(s, s->msg, s->held, now) == 0)
		s->held = 0;
}

/*
 * Should reading stop for backpressure?  Only once events can come: the
 * answer to the handshake and hello are read whatever the FIFO holds.
 */
static int
paused(const struct sock *s)
{
	if (s->state < SOCK_HELLO)
		return 0;
	return s->held > 0 || queue_free(&fifo) < PAUSE_ROOM ||
	    conn_room(&s->c) < OUT_ROOM;
}

/* Reads what TLS has decrypted: the handshake answer, then frames. */
static void
receive(struct sock *s, int64_t now)
{
	const unsigned char *p;
	struct ws_msg m;
	char why[160];
	size_t n, used;
	int r;

	while (s->state == SOCK_ABANDONED && (p = conn_peek(&s->c, &n)) !=
	    NULL)
		conn_consume(&s->c, n);
	while (s->state >= SOCK_UPGRADE && s->state != SOCK_ABANDONED &&
	    !paused(s) && (p = conn_peek(&s->c, &n)) != NULL) {
		s->t_rx = now;
		if (s->state == SOCK_UPGRADE) {
			conn_consume(&s->c, read_upgrade(s, p, n, now));
			continue;
		}
		r = ws_feed(&s->ws, p, n, &used, &m);
		if (r < 0) {
			conn_consume(&s->c, used);
			ws_failed(s, now);
			return;
		}
		if (r == WS_OP_TEXT || r == WS_OP_BINARY)
			s->t_part = 0;
		if (r != WS_NONE && log_on(LOG_TRACE))
			log_msg(LOG_TRACE, "connection %d: received a %s %s of "
			    "%zu bytes", s->num, ws_opname(r), r < 8 ?
			    "message" : "frame", m.len);
		switch (r) {
		case WS_OP_TEXT:
			if ((r = message(s, m.data, m.len, now)) == -2) {
				conn_consume(&s->c, used);
				ws_failed(s, now);
				return;
			}
			if (r < 0) {
				/* Keep it in the message buffer until it fits. */
				if (m.data != s->msg)
					memmove(s->msg, m.data, m.len);
				s->held = m.len;
			}
			break;
		case WS_OP_BINARY:
			log_msg(LOG_WARN, "connection %d: skipped a binary "
			    "message of %zu bytes", s->num, m.len);
			break;
		case WS_OP_PING:
			send_frame(s, WS_OP_PONG, m.data, m.len);
			break;
		case WS_OP_CLOSE:
			if (s->state != SOCK_CLOSING) {
				snprintf(why, sizeof why, "Slack closed it (%d%s"
				    "%.*s)", m.code, m.len ? ": " : "",
				    (int)(m.len < 100 ? m.len : 100), m.data);
				account(s, now, why);
			}
			conn_consume(&s->c, used);
			/* Answer with its code (a reply to ours needs none). */
			abandon(s, s->state == SOCK_CLOSING ? 0 : m.code, now);
			return;
		}
		conn_consume(&s->c, used);
	}
	/* A message under way is timed from its first bytes (timers()). */
	if (s->state >= SOCK_HELLO && !ws_partial(&s->ws))
		s->t_part = 0;
	else if (s->state >= SOCK_HELLO && s->t_part == 0)
		s->t_part = now;
	if (s->state != SOCK_FREE && conn_eof(&s->c))
		lost(s, now, "%s", conn_error(&s->c)[0] ? conn_error(&s->c) :
		    "connection closed");
}

/*
 * The free slot where a new connection should start (once run.t_next
 * has come), or -1 when none is needed or allowed now.
 */
static int
wanted_slot(void)
{
	int i, usable = 0, used = 0, free_slot = -1;

	if (run.stop || run.fetching >= 0 || run.o.http != NULL)
		return -1;
	for (i = 0; i < NSOCK; i++) {
		if (socks[i].state == SOCK_FREE) {
			free_slot = i;
			continue;
		}
		used++;
		if (socks[i].state < SOCK_RETIRING)
			usable++;
	}
	/*
	 * RTM sends everything to every socket, and an app at Slack's limit
	 * of connections gets no second one: one at a time, then.
	 */
	if (usable > 0 || ((run.o.proto == SLACK_RTM || run.single) && used))
		return -1;
	return free_slot;
}

/* --http: is auth.test due (first, or again after SIGHUP)? */
static int
http_signin_due(void)
{
	return run.o.http != NULL && !run.stop && run.fetching < 0 &&
	    (!run.signed_in || run.recheck);
}

/* --http: auth.test, one try at a time, backing off between them. */
static void
http_manage(int64_t now)
{
	struct api_call *k = &run.call;

	if (!http_signin_due() || now < run.t_next)
		return;
	memset(k, 0, sizeof *k);
	k->fd = -1;
	k->body = "";
	k->flags = API_NORETRY | API_LIMITS;
	k->method = "auth.test";
	k->token = run.cfg->bot.value;
	run.fetching = NSOCK;
	log_msg(LOG_DEBUG, "calling auth.test");
	api_start(&api, k);
}

/* --http: auth.test answered. */
static void
http_signed(int64_t now)
{
	char buf[400];

	run.fetching = -1;
	if (api.result == API_FATAL) {
		log_flush();
		exit(setup_report(run.cfg, &api, "auth.test",
		    run.cfg->bot.value));
	}
	if (api.result == API_OK) {
		signed_in();
		run.fails = 0;
		run.recheck = 0;
		run.said[0] = '\0';
		server_ready(1);
		return;
	}
	if (api.result == API_LIMITED) {
		run.t_next = api.retry_at;
		run.fails++;
	} else
		backoff(now);
	log_msg(LOG_WARN, "auth.test: %s; trying again in %d.%d s%s",
	    said_once(api.error, buf, sizeof buf),
	    (int)((run.t_next - now) / 1000),
	    (int)((run.t_next - now) % 1000 / 100), run.signed_in ? "" :
	    " (until then /healthz says 503 and events wait)");
}

/* An event from the HTTP server: into the FIFO, once (server.h). */
static int
http_deliver(enum slack_payload p, const char *json, size_t n, uint64_t key)
{
	uint32_t now = secs(now_ms());
	int rc;

	if (run.stop)
		return SERVER_LATER;
	if (key != 0 && slack_seen(&dedup, key, now)) {
		run.dups++;
		return SERVER_REPEAT;
	}
	if ((rc = handler_push(rec_kinds[p] | REC_NEWLINE, json, n)) ==
	    QUEUE_EFULL)
		return SERVER_LATER;
	if (rc == QUEUE_ETOOBIG) {
		log_msg(LOG_ERR, "HTTP: skipped an event of %zu bytes, larger "
		    "than the FIFO (%d bytes)", n, FIFO_BYTES);
		return SERVER_NEVER;
	}
	if (key != 0)
		slack_remember(&dedup, key, now);
	run.events++;
	run.acks++;
	return SERVER_QUEUED;
}

/* Starts a new connection when one is needed and allowed. */
static void
manage(int64_t now)
{
	int slot = wanted_slot();

	if (run.o.http != NULL) {
		http_manage(now);
		return;
	}
	if (slot >= 0 && now >= run.t_next)
		next_call(&socks[slot], now);
}

/* Keepalive, dead sockets, and every other deadline of a socket. */
static void
timers(struct sock *s, int64_t now)
{
	char ping[64];
	int n;

	switch (s->state) {
	case SOCK_CONNECT:
	case SOCK_UPGRADE:
	case SOCK_HELLO:
		if (now - s->t_start >= HELLO_MS) {
			lost(s, now, "no hello within %d s (stuck %s)",
			    HELLO_MS / 1000, state_names[s->state]);
			return;
		}
		if (s->state != SOCK_HELLO)
			break;
		/* FALLTHROUGH */
	case SOCK_LIVE:
	case SOCK_RETIRING:
		/* Not reading (backpressure) is no sign of a dead link. */
		if (paused(s)) {
			s->t_rx = now;
			if (s->t_part != 0)
				s->t_part = now;
		}
		if (now - s->t_rx >= run.o.dead_ms) {
			lost(s, now, "nothing received for %d s (pinging "
			    "every %d s): the connection is dead",
			    run.o.dead_ms / 1000, run.o.ping_ms / 1000);
			return;
		}
		/*
		 * Bytes that never make a whole message do not prove the
		 * link alive: a message must be complete within twice
		 * --dead seconds of its first byte (60 s by default: the
		 * largest message at 9 KB/s).  Slack sends what was not
		 * acknowledged again, on the next connection.
		 */
		if (s->t_part != 0 && now - s->t_part >= 2 * run.o.dead_ms) {
			lost(s, now, "a message was not complete %d s after "
			    "it began: the connection is dead or too slow",
			    2 * run.o.dead_ms / 1000);
			return;
		}
		if (now < s->t_ping)
			break;
		s->t_ping = now + run.o.ping_ms;
		if (run.o.proto == SLACK_RTM) {
			n = snprintf(ping, sizeof ping, "{\"id\":%lld,"
			    "\"type\":\"ping\"}", ++s->rtm_id);
			send_frame(s, WS_OP_TEXT, ping, (size_t)n);
		} else {
			n = snprintf(ping, sizeof ping, "%lld", (long long)now);
			send_frame(s, WS_OP_PING, ping, (size_t)n);
		}
		break;
	case SOCK_CLOSING:
	case SOCK_ABANDONED:
		if (now >= s->t_close) {
			log_msg(LOG_DEBUG, "connection %d: no close from Slack; "
			    "dropping it", s->num);
			drop(s);
		}
		break;
	case SOCK_FREE:
	case SOCK_URL:
		break;
	}
}

/* The socket's poll events. */
static short
sock_events(const struct sock *s)
{
	if (s->state < SOCK_CONNECT)
		return 0;
	return conn_want(&s->c, s->state >= SOCK_UPGRADE && paused(s));
}

/* Moves a socket along after poll(): TLS, the handshake, the frames. */
static void
sock_io(struct sock *s, short revents, int64_t now)
{
	int st;

	if (s->state < SOCK_CONNECT)
		return;
	st = conn_io(&s->c, revents, now);
	if ((s->state == SOCK_CLOSING || s->state == SOCK_ABANDONED) &&
	    (st == CONN_IDLE || st == CONN_FAILED)) {
		drop(s);
		return;
	}
	if (s->state == SOCK_CONNECT && st == CONN_OPEN)
		upgrade(s, now);
	else if (st == CONN_FAILED) {
		lost(s, now, "%s", conn_error(&s->c));
		return;
	}
	if (s->state >= SOCK_UPGRADE) {
		release(s, now);
		receive(s, now);
	}
}

/* The earliest deadline of the sockets, lowering *t. */
static void
sock_wake(int64_t *t)
{
	int i;

	if ((wanted_slot() >= 0 || http_signin_due()) && run.t_next < *t)
		*t = run.t_next;
	for (i = 0; i < NSOCK; i++) {
		const struct sock *s = &socks[i];
		int64_t d[3] = { INT64_MAX, INT64_MAX, INT64_MAX };
		int k;

		switch (s->state) {
		case SOCK_CONNECT:
		case SOCK_UPGRADE:
			d[0] = s->t_start + HELLO_MS;
			d[1] = conn_deadline(&s->c);
			break;
		case SOCK_HELLO:
		case SOCK_LIVE:
		case SOCK_RETIRING:
			d[0] = s->t_ping;
			d[1] = s->t_rx + run.o.dead_ms;
			if (s->state == SOCK_HELLO)
				d[2] = s->t_start + HELLO_MS;
			else if (s->t_part != 0)
				d[2] = s->t_part + 2 * run.o.dead_ms;
			break;
		case SOCK_CLOSING:
		case SOCK_ABANDONED:
			d[0] = s->t_close;
			break;
		case SOCK_FREE:
		case SOCK_URL:
			break;
		}
		for (k = 0; k < 3; k++)
			if (d[k] < *t)
				*t = d[k];
	}
}

/*
 * SIGHUP: the token files and the trusted roots again, then a new
 * connection (make-before-break, as for a refresh).
 */
static void
reload(int64_t now)
{
	char err[512];
	int i, any = 0;

	if (setup_reload(run.cfg, err, sizeof err) < 0) {
		log_msg(LOG_WARN, "SIGHUP: %s; going on as before", err);
		return;
	}
	if (run.o.http != NULL) {
		if (server_reload(err, sizeof err) < 0)
			log_msg(LOG_WARN, "SIGHUP: %s; the certificate in use "
			    "stays", err);
		log_msg(LOG_INFO, "SIGHUP: token files, the signing secret%s "
		    "and trusted roots read again (trusting %s)",
		    run.o.tls_cert != NULL ? ", the certificate" : "",
		    run.cfg->anchors);
		run.recheck = run.cfg->bot.file != NULL;
		run.fails = 0;
		run.t_next = now;
		return;
	}
	log_msg(LOG_INFO, "SIGHUP: token files and trusted roots read again "
	    "(trusting %s); replacing the connection", run.cfg->anchors);
	/* A new bot token is checked before it is used for a socket. */
	if (run.cfg->bot.value != NULL)
		run.signed_in = 0;
	run.fails = 0;
	run.t_next = now;
	run.said[0] = '\0';
	for (i = 0; i < NSOCK; i++) {
		if (socks[i].state == SOCK_FREE || socks[i].state > SOCK_LIVE)
			continue;
		any = 1;
		if (socks[i].state < SOCK_LIVE)
			socks[i].stale = 1;	/* see replace_stale() */
		else if (run.o.proto == SLACK_RTM || run.single)
			start_close(&socks[i], WS_CLOSE_NORMAL, now);
		else
			become(&socks[i], SOCK_RETIRING);
	}
	if (!any)
		log_msg(LOG_DEBUG, "SIGHUP: no live connection; the next "
		    "attempt starts now");
}

#define PFD_MAX	(2 + NSOCK + 2 * JOBS_MAX + 2 + 2 + HTTPD_CONNS + 1)

/*
 * One turn of the loop: wait for the first of the descriptors and
 * deadlines (never past until), then move everything along.
 */
static void
turn(int64_t until)
{
	struct pollfd pfd[PFD_MAX];
	int64_t now = now_ms(), wake = until, w;
	short ev;
	int n = 0, i, fd, api_at = -1, sock_at[NSOCK], h_at, h_n, o_at, o_n;
	int s_at, s_n;
	unsigned sig;

	if (!run.stop)
		manage(now);
	pfd[n].fd = sig_fd();
	pfd[n++].events = POLLIN;
	if ((fd = api_want(&api, &ev, &w)) >= 0 && ev != 0) {
		api_at = n;
		pfd[n].fd = fd;
		pfd[n++].events = ev;
	}
	if (w < wake)
		wake = w;
	for (i = 0; i < NSOCK; i++) {
		sock_at[i] = -1;
		if ((ev = sock_events(&socks[i])) != 0) {
			sock_at[i] = n;
			pfd[n].fd = conn_fd(&socks[i].c);
			pfd[n++].events = ev;
		}
	}
	sock_wake(&wake);
	notify_watchdog(now, &wake);	/* WATCHDOG=1 while the loop turns */
	for (i = 0; i < n; i++)
		pfd[i].revents = 0;
	h_at = n;
	h_n = run.out_gone ? 0 : handler_poll(pfd + n, PFD_MAX - n, &wake);
	n += h_n;
	o_at = n;
	o_n = out_poll(pfd + n, PFD_MAX - n, &wake);
	n += o_n;
	s_at = n;
	s_n = run.o.http != NULL ? server_poll(pfd + n, PFD_MAX - n, &wake) : 0;
	n += s_n;
	if (poll(pfd, (nfds_t)n, wake == INT64_MAX ? -1 : wake <= now ? 0 :
	    wake - now > INT_MAX ? INT_MAX : (int)(wake - now)) < 0 &&
	    errno != EINTR)
		die(EXIT_FAIL, "poll: %s", strerror(errno));
	now = now_ms();
	/* One read a turn: a storm of signals cannot hold the loop. */
	if (pfd[0].revents & POLLIN) {
		sig = sig_take();
		if (sig & SIG_CHILD)
			handler_sigchld();
		if ((sig & SIG_HUP) && !run.stop)
			reload(now);
	}
	if (sig_stopping())
		run.stop = 1;
	log_tick(now);
	if (api_busy(&api) || api_at >= 0)
		api_io(&api, api_at >= 0 ? pfd[api_at].revents : 0, now);
	if (run.fetching >= 0 && !api_busy(&api)) {
		if (run.o.http != NULL)
			http_signed(now);
		else
			call_done(&socks[run.fetching], now);
	}
	for (i = 0; i < NSOCK; i++)
		sock_io(&socks[i], sock_at[i] >= 0 ? pfd[sock_at[i]].revents :
		    0, now);
	if (run.o.http != NULL)
		server_io(pfd + s_at, s_n, now);
	if (!run.out_gone && handler_io(pfd + h_at, h_n, now) < 0) {
		run.out_gone = 1;
		run.stop = 1;
	}
	if (out_io(pfd + o_at, o_n, now) < 0)
		die(EXIT_AUTH, "Slack refused %s while sending a reply; check "
		    "it", run.cfg->bot.var);
	for (i = 0; i < NSOCK; i++) {
		timers(&socks[i], now);
		/* Acks and pongs of this turn leave together. */
		if (socks[i].state >= SOCK_CONNECT)
			sock_io(&socks[i], 0, now);
	}
}

/*
 * Is anything left to do before exiting?  With queued: events in the
 * FIFO count (they may still be delivered).
 */
static int
busy(int queued)
{
	int i;

	if (!(run.out_gone || handler_idle()) || (queued &&
	    queue_count(&fifo) > 0) || out_pending() > 0 ||
	    (run.o.http != NULL && server_busy()))
		return 1;
	for (i = 0; i < NSOCK; i++)
		if (socks[i].state != SOCK_FREE)
			return 1;
	return 0;
}

/*
 * Stops: closes every socket (close frame, close_notify) and goes on
 * delivering what the FIFO holds for up to --drain seconds; then the
 * handlers still running get SIGTERM, and a second later SIGKILL, and
 * the events no handler got are spilled (README.md, "Stopping").
 */
static void
shutdown_all(void)
{
	int64_t end = now_ms() + run.o.drain_ms;
	size_t n;
	int i;

	notify_stopping();
	log_msg(LOG_INFO, "stopping: %llu event%s handled, %llu %s%s "
	    "%s, %llu repeat%s skipped", run.events,
	    run.events == 1 ? "" : "s", run.acks, run.o.http != NULL ?
	    "request" : "envelope", run.acks == 1 ? "" : "s",
	    run.o.http != NULL ? "answered" : "acknowledged", run.dups,
	    run.dups == 1 ? "" : "s");
	if (api_busy(&api))
		api_cancel(&api);
	run.fetching = -1;
	if (run.o.http != NULL)
		server_stop();
	for (i = 0; i < NSOCK; i++)
		if (socks[i].state != SOCK_FREE) {
			start_close(&socks[i], WS_CLOSE_NORMAL, now_ms());
			sock_io(&socks[i], 0, now_ms());
		}
	handler_drain();
	while (now_ms() < end && busy(!run.out_gone))
		turn(end);
	if (busy(!run.out_gone)) {
		handler_stop(now_ms());
		end = now_ms() + 1000;
		while (now_ms() < end && busy(0))
			turn(end);
	}
	handler_kill();
	for (i = 0; i < NSOCK; i++)
		if (socks[i].state != SOCK_FREE)
			drop(&socks[i]);
	if (run.o.http != NULL)
		server_close();
	n = handler_spill(run.spill_fd >= 0 ? run.spill_fd : 2,
	    run.spill_fd >= 0 ? run.o.spill : NULL);
	if (n > 0 && run.spill_fd >= 0 && fsync(run.spill_fd) < 0 &&
	    errno != EINVAL)
		log_msg(LOG_ERR, "%s: %s", run.o.spill, strerror(errno));
	if (out_pending() > 0)
		log_msg(LOG_WARN, "stopped with %zu repl%s not sent",
		    out_pending(), out_pending() == 1 ? "y" : "ies");
	log_flush();
}

/* RTM: sends a simple message (JSON without id) over the live socket. */
static int
rtm_send(const char *json, size_t n)
{
	static char buf[16 * 1024];
	int i, k;

	for (i = 0; i < NSOCK; i++)
		if (socks[i].state == SOCK_LIVE)
			break;
	if (i == NSOCK || n < 2 || json[0] != '{')
		return -1;
	k = snprintf(buf, sizeof buf, "{\"id\":%lld,%.*s",
	    socks[i].rtm_id + 1, (int)(n - 1), json + 1);
	if (k < 0 || (size_t)k >= sizeof buf ||
	    send_frame(&socks[i], WS_OP_TEXT, buf, (size_t)k) < 0)
		return -1;
	socks[i].rtm_id++;
	return 0;
}

/* A whole number in [lo, hi] from an option, or die. */
static int
number_opt(const char *cmd, const char *name, const char *v, int lo, int hi)
{
	uint64_t n;

	if (parse_u64(v, strlen(v), (uint64_t)hi, &n) < 0 || n < (uint64_t)lo)
		die(EXIT_USAGE, "%s: %s wants a whole number from %d to %d",
		    cmd, name, lo, hi);
	return (int)n;
}

/*
 * A board without a real-time clock boots in 1970, and no certificate can
 * be checked until something (ntpd) sets the clock.  Says so in one line,
 * then looks at the clock again, 1 s later, then 2, 4, 8 and every 16 s,
 * quietly, until it is set or a signal stops the bot; the watchdog is fed
 * meanwhile.  No connection is tried before: each would only fail.
 * Returns 0 once the clock is right, -1 when a signal came first.
 */
static int
wait_for_clock(void)
{
	char why[400];
	int64_t now, wake, step = 1000;
	struct pollfd p;

	if (tls_clock_check(why, sizeof why) == 0)
		return 0;
	log_msg(LOG_ERR, "%s", why);
	notify_status("waiting for the system clock to be set");
	while (!sig_stopping() && tls_clock_check(why, sizeof why) < 0) {
		now = now_ms();
		wake = now + step;
		notify_watchdog(now, &wake);
		p.fd = sig_fd();
		p.events = POLLIN;
		if (poll(&p, 1, (int)(wake - now)) > 0)
			(void)sig_take();	/* sig_stopping() says the rest */
		if (now_ms() >= now + step && step < 16000)
			step *= 2;
	}
	if (sig_stopping())
		return -1;
	log_msg(LOG_INFO, "the system clock is set now; connecting");
	return 0;
}

/* --allow-users: user ids (U... or W...), comma-separated, or die. */
static void
user_ids(const char *cmd, const char *list)
{
	const char *p = list, *end;
	size_t i, n;

	for (;;) {
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		for (i = 1; i < n && ((p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9')); i++)
			;
		if (n < 3 || (p[0] != 'U' && p[0] != 'W') || i != n)
			die(EXIT_USAGE, "%s: --allow-users takes user ids such as "
			    "U0123ABCDE (W... on Enterprise Grid), comma-"
			    "separated; \"%.*s\" is not one", cmd, (int)n, p);
		if (end == NULL)
			return;
		p = end + 1;
	}
}

/* The checks of --http and its options, or die. */
static void
http_options(const char *cmd, const struct config *cfg, struct run_opts *o,
    int force)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[300];

	if (o->http == NULL)
		die(EXIT_USAGE, "%s: --tls-cert and --tls-key go with --http",
		    cmd);
	if (force >= 0)
		die(EXIT_USAGE, "%s: --http and %s are two ways of getting "
		    "events: give one", cmd, force == SLACK_RTM ? "--rtm" :
		    "--socket");
	if ((o->tls_cert == NULL) != (o->tls_key == NULL))
		die(EXIT_USAGE, "%s: HTTPS needs both --tls-cert FILE and "
		    "--tls-key FILE", cmd);
	if (o->reply_ws)
		die(EXIT_USAGE, "%s: --reply-via ws needs RTM (--rtm), not "
		    "--http", cmd);
	if (server_addr(o->http, &ss, &len, err, sizeof err) < 0)
		die(EXIT_USAGE, "%s: %s", cmd, err);
	if (cfg->signing.value == NULL)
		die(EXIT_CONFIG, "--http needs the app's signing secret, to "
		    "check that requests come from Slack: set "
		    "SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_FILE (Basic "
		    "Information > App Credentials in the app's settings)");
	if (cfg->bot.value == NULL)
		die(EXIT_CONFIG, "--http needs the bot token (auth.test tells "
		    "who the bot is, for the filters): set SLACK_BOT_TOKEN "
		    "(xoxb-...) or SLACK_TOKEN_FILE");
	o->proto = SLACK_SOCKET;
}

/* see run.h */
void
run_parse(int argc, char **argv, const char *cmd, int help,
    struct config *cfg, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "socket",	no_argument,		NULL, 's' },
		{ "rtm",	no_argument,		NULL, 'r' },
		{ "ping",	required_argument,	NULL, 'p' },
		{ "dead",	required_argument,	NULL, 'd' },
		{ "exec",	required_argument,	NULL, 'e' },
		{ "pipe",	required_argument,	NULL, 'P' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "reply",	required_argument,	NULL, 'R' },
		{ "reply-via",	required_argument,	NULL, 'V' },
		{ "rate",	required_argument,	NULL, 'a' },
		{ "all",	no_argument,		NULL, 'A' },
		{ "edits",	no_argument,		NULL, 'E' },
		{ "allow-users", required_argument,	NULL, 'u' },
		{ "drain",	required_argument,	NULL, 'D' },
		{ "spill",	required_argument,	NULL, 'S' },
		{ "http",	required_argument,	NULL, 'H' },
		{ "tls-cert",	required_argument,	NULL, 'C' },
		{ "tls-key",	required_argument,	NULL, 'K' },
		{ NULL,		0,			NULL, 0 }
	};
	struct handler_opts *h = &o->h;
	int c, force = -1;

	memset(o, 0, sizeof *o);
	o->ping_ms = 10000;
	o->dead_ms = 30000;
	o->drain_ms = 2000;
	o->rate = 1;
	h->mode = H_PRINT;
	h->jobs = 4;
	h->timeout_ms = 30000;
	h->reply = REPLY_THREAD;
	while ((c = setup_options(argc, argv, cmd, "j:", opts, help,
	    HELP_RUN_OPTIONS)) != -1)
		switch (c) {
		case 's':
		case 'r':
			force = c == 's' ? SLACK_SOCKET : SLACK_RTM;
			break;
		case 'p':
			o->ping_ms = number_opt(cmd, "--ping", optarg, 1,
			    3600) * 1000;
			break;
		case 'd':
			o->dead_ms = number_opt(cmd, "--dead", optarg, 1,
			    3600) * 1000;
			break;
		case 'e':
		case 'P':
			if (h->mode != H_PRINT || *optarg == '\0')
				die(EXIT_USAGE, "%s: one --exec or --pipe, with "
				    "a command", cmd);
			h->mode = c == 'e' ? H_EXEC : H_PIPE;
			h->cmd = optarg;
			break;
		case 'j':
			h->jobs = number_opt(cmd, "-j", optarg, 1, JOBS_MAX);
			break;
		case 't':
			h->timeout_ms = number_opt(cmd, "--timeout", optarg, 1,
			    86400) * 1000;
			break;
		case 'R':
			if (strcmp(optarg, "thread") == 0)
				h->reply = REPLY_THREAD;
			else if (strcmp(optarg, "channel") == 0)
				h->reply = REPLY_CHANNEL;
			else if (strcmp(optarg, "none") == 0)
				h->reply = REPLY_NONE;
			else
				die(EXIT_USAGE, "%s: --reply thread, channel or "
				    "none", cmd);
			break;
		case 'V':
			if (strcmp(optarg, "ws") != 0 &&
			    strcmp(optarg, "api") != 0)
				die(EXIT_USAGE, "%s: --reply-via api or ws", cmd);
			o->reply_ws = strcmp(optarg, "ws") == 0;
			break;
		case 'a':
			o->rate = number_opt(cmd, "--rate", optarg, 0, 100);
			break;
		case 'A':
			h->filter.all = 1;
			break;
		case 'E':
			h->filter.edits = 1;
			break;
		case 'u':
			user_ids(cmd, optarg);
			h->filter.allow = optarg;
			break;
		case 'D':
			o->drain_ms = number_opt(cmd, "--drain", optarg, 0,
			    3600) * 1000;
			break;
		case 'S':
			if (*optarg == '\0')
				die(EXIT_USAGE, "%s: --spill wants a file name",
				    cmd);
			o->spill = optarg;
			break;
		case 'H':
			o->http = optarg;
			break;
		case 'C':
			o->tls_cert = optarg;
			break;
		case 'K':
			o->tls_key = optarg;
			break;
		}
	if (optind != argc)
		die(EXIT_USAGE, "%s: \"%s\" is not an option (slackbot help %s)",
		    cmd, argv[optind], cmd);
	if (o->dead_ms <= o->ping_ms)
		die(EXIT_USAGE, "%s: --dead must be longer than --ping, or "
		    "every quiet link would look dead", cmd);
	setup_tokens(cfg);
	if (o->http != NULL || o->tls_cert != NULL || o->tls_key != NULL) {
		http_options(cmd, cfg, o, force);
		return;
	}
	o->proto = force >= 0 ? force : cfg->app.value != NULL ?
	    SLACK_SOCKET : SLACK_RTM;
	if (o->proto == SLACK_SOCKET && cfg->app.value == NULL)
		die(EXIT_CONFIG, "Socket Mode needs an app-level token: set "
		    "SLACK_APP_TOKEN (xapp-...) or SLACK_APP_TOKEN_FILE");
	if (o->proto == SLACK_RTM && cfg->bot.value == NULL)
		die(EXIT_CONFIG, "no token: set SLACK_APP_TOKEN (xapp-...) for "
		    "Socket Mode, or SLACK_BOT_TOKEN for RTM");
	if ((h->mode == H_PIPE || (h->mode == H_EXEC &&
	    h->reply != REPLY_NONE)) && cfg->bot.value == NULL)
		die(EXIT_CONFIG, "handlers' answers are posted with the bot "
		    "token: set SLACK_BOT_TOKEN (or run --exec with --reply "
		    "none)");
	if (o->reply_ws && o->proto != SLACK_RTM)
		die(EXIT_USAGE, "%s: --reply-via ws needs RTM (--rtm)", cmd);
}

/* --http: the server listens before the loop starts. */
static void
http_start(struct config *cfg)
{
	struct server_opts so;
	char err[400];

	memset(&so, 0, sizeof so);
	so.listen = run.o.http;
	so.cert = run.o.tls_cert;
	so.key = run.o.tls_key;
	so.secret = cfg->signing.value;
	so.deliver = http_deliver;
	if (server_init(&so, err, sizeof err) < 0)
		die(EXIT_CONFIG, "%s", err);
	run.signed_in = 0;
	log_msg(LOG_INFO, "taking Slack's requests at %s%s%s%s", server_url(),
	    run.o.tls_cert != NULL ? " (" : "", server_cert(),
	    run.o.tls_cert != NULL ? ")" : "");
}

/* see run.h */
int
run_main(int argc, char **argv, struct config *cfg)
{
	struct api_buf b = API_BUF(api_tls, api_out, api_body, api_tok);
	struct handler_opts *h = &run.o.h;
	char err[320];
	struct stat st;
	int i;

	run_parse(argc, argv, "run", HELP_RUN, cfg, &run.o);
	run.cfg = cfg;
	run.spill_fd = -1;
	/* Opened now: a file we cannot write to is a configuration error. */
	if (run.o.spill != NULL && (run.spill_fd = open(run.o.spill,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600)) < 0)
		die(EXIT_CONFIG, "run: --spill %s: %s", run.o.spill,
		    strerror(errno));
	setup_network(cfg, &api, &b);
	queue_init(&fifo, fifo_buf, sizeof fifo_buf);
	for (i = 0; i < NSOCK; i++)
		conn_init(&socks[i].c, socks[i].tlsbuf, sizeof socks[i].tlsbuf,
		    1, socks[i].out, sizeof socks[i].out);
	run.fetching = -1;
	run.t0 = now_ms();
	run.signed_in = cfg->bot.value == NULL;
	if (sig_init() < 0)
		die(EXIT_FAIL, "pipe: %s", strerror(errno));
	notify_init();
	if (wait_for_clock() < 0)
		return EXIT_OK;		/* stopped by a signal meanwhile */
	/* Never block the loop on a slow reader of our output. */
	run.out_flags = fcntl(1, F_GETFL);
	if (h->mode == H_PRINT && fstat(1, &st) == 0 && !S_ISREG(st.st_mode) &&
	    run.out_flags >= 0)
		fcntl(1, F_SETFL, run.out_flags | O_NONBLOCK);
	h->filter.self_user = run.self_user;
	h->filter.self_bot = run.self_bot;
	handler_init(h, &fifo);
	if (out_init(cfg->api_url, &cfg->proxy, cfg->bot.value, run.o.rate,
	    run.o.reply_ws ? rtm_send : NULL, err, sizeof err) < 0)
		die(EXIT_CONFIG, "SLACK_API_URL: %s", err);
	if (run.o.http != NULL)
		http_start(cfg);
	else
		log_msg(LOG_DEBUG, "connecting with %s", mode_name());
	while (!run.stop)
		turn(INT64_MAX);
	shutdown_all();
	if (h->mode == H_PRINT && run.out_flags >= 0)
		fcntl(1, F_SETFL, run.out_flags);
	return run.out_gone ? EXIT_FAIL : EXIT_OK;
}
