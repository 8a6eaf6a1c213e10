/*
 * run.c: `slackbot run`, the long-running part: one poll() loop over the
 * WebSockets to Slack, the Web API clients, the handler side (standard
 * output, handler processes) and a self-pipe for signals.
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
 * fresh URL from apps.connections.open (or rtm.connect).  Failed attempts
 * back off exponentially with full jitter from 1 s up to 60 s; hello
 * resets the backoff.  A socket is dead when nothing at all (no frame, no
 * byte) has arrived for --dead seconds although we ping every --ping
 * seconds; it is then replaced.  RTM sends every event to every socket, so
 * there a socket is closed before its replacement is opened.
 *
 * Backpressure.  An envelope is acknowledged only after its event is in
 * the FIFO.  When the FIFO is nearly full, the loop stops reading the
 * sockets (no POLLIN): TCP pushes back, and Slack redelivers what it has
 * not seen acknowledged.  A message that does not fit waits in its
 * socket's message buffer ("held") until it does.
 *
 * Each turn of the loop is one poll(): reads from every socket, one
 * writev() of the lines ready (print mode), and the acks and pongs of the
 * turn leave together in one TLS record per socket.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
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
#include "slack.h"
#include "slackbot.h"
#include "tls.h"
#include "util.h"
#include "ws.h"

enum {
	S_FREE,		/* unused slot */
	S_URL,		/* waiting for the Web API to give a URL */
	S_CONNECT,	/* TCP, proxy, TLS */
	S_UPGRADE,	/* WebSocket handshake sent */
	S_HELLO,	/* upgraded; waiting for hello */
	S_LIVE,		/* delivering events */
	S_CLOSING	/* close frame sent; waiting for the server's */
};

#define NSOCK		2
#define HELLO_MS	30000	/* from the start of an attempt to hello */
#define CLOSE_MS	1000	/* for the server's close frame */
#define BACKOFF_MIN_MS	1000
#define BACKOFF_MAX_MS	60000
#define PAUSE_ROOM	(32 * 1024)	/* FIFO room below which we stop reading */
#define OUT_ROOM	1024	/* room for acks below which we stop reading */

struct sock {
	int		 state;
	int		 retiring;	/* a replacement has been asked for */
	int		 broken;	/* closing: input is no longer read */
	int		 num;		/* connection number, for the log */
	int64_t		 t_start;	/* the attempt began */
	int64_t		 t_rx;		/* the last byte arrived */
	int64_t		 t_ping;	/* the next ping is due */
	int64_t		 t_close;	/* S_CLOSING: give up waiting */
	long long	 rtm_id;	/* RTM: last message id used */
	size_t		 held;		/* bytes of a message waiting in msg */
	struct conn	 c;
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

static struct {
	int		 proto;		/* SLACK_SOCKET or SLACK_RTM */
	int		 ping_ms;
	int		 dead_ms;
	int		 fails;		/* attempts failed since the last hello */
	int64_t		 t_next;	/* no new attempt before this */
	int		 fetching;	/* slot waiting for the Web API, or -1 */
	int		 conns;		/* connections made, for numbering */
	int		 sigpipe[2];
	volatile sig_atomic_t stop;
	int		 out_flags;	/* stdout's flags, restored at exit */
	int		 out_gone;	/* standard output closed on us */
	struct handler_opts h;
	int		 reply_ws;	/* RTM: simple replies over the socket */
	int		 single;	/* too_many_websockets: one socket */
	char		 self_user[32], self_bot[32];
	struct api_call	 open_call;
	int64_t		 t0;		/* start, for the id table's clock */
	/* Counters for the log at exit. */
	unsigned long long events, dups, acks;
} run;

static void
on_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;

	if (sig != SIGCHLD)
		run.stop = 1;
	(void)!write(run.sigpipe[1], &c, 1);
	errno = e;
}

static const char *
mode_name(void)
{
	return run.proto == SLACK_SOCKET ? "Socket Mode" : "RTM";
}

static uint32_t
secs(int64_t now)
{
	return (uint32_t)((now - run.t0) / 1000);
}

/* Full-jitter exponential backoff for the next attempt. */
static void
backoff(int64_t now)
{
	int64_t ceiling = BACKOFF_MIN_MS;
	uint32_t r = 0;
	int i;

	for (i = 0; i < run.fails && ceiling < BACKOFF_MAX_MS; i++)
		ceiling *= 2;
	if (ceiling > BACKOFF_MAX_MS)
		ceiling = BACKOFF_MAX_MS;
	random_bytes(&r, sizeof r);
	run.t_next = now + (int64_t)(r % (uint32_t)(ceiling + 1));
	run.fails++;
}

/* Frees a slot at once: no more I/O on it. */
static void
drop(struct sock *s)
{
	conn_reset(&s->c);
	s->state = S_FREE;
	s->retiring = 0;
	s->broken = 0;
	s->held = 0;
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
	int was_live = s->state == S_LIVE;

	if (!was_live || run.fails > 0)
		backoff(now);
	else
		run.t_next = now;
	log_msg(LOG_WARN, "connection %d %s: %s", s->num, was_live ? "lost" :
	    "failed", why);
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
	if (s->state == S_CLOSING)
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
	return n == 0 || conn_write(&s->c, frame, n) < 0 ? -1 : 0;
}

/*
 * Gives up a socket that cannot go on: a close frame with code (unless
 * 0), TLS close_notify, and whatever arrives afterwards is discarded.
 * The slot frees itself once the server has closed, or after CLOSE_MS.
 */
static void
abandon(struct sock *s, int code, int64_t now)
{
	if (code != 0 && s->state >= S_HELLO)
		send_close(s, code);
	s->broken = 1;
	conn_close(&s->c);
	if (s->c.state != CONN_CLOSING) {
		drop(s);
		return;
	}
	s->state = S_CLOSING;
	s->t_close = now + CLOSE_MS;
}

/* Sends a close frame and waits a little for the server's. */
static void
start_close(struct sock *s, int code, int64_t now)
{
	if (s->state == S_CLOSING)
		return;
	if (s->state < S_HELLO || send_close(s, code) < 0) {
		conn_close(&s->c);
		drop(s);
		return;
	}
	s->state = S_CLOSING;
	s->t_close = now + CLOSE_MS;
}

/* The server broke the protocol: close with the code it calls for. */
static void
ws_failed(struct sock *s, int64_t now)
{
	char why[200], msg[300];
	int code = ws_close_code(ws_error(&s->ws));

	ws_strerror(&s->ws, why, sizeof why);
	if (s->state != S_CLOSING) {
		snprintf(msg, sizeof msg, "WebSocket error: %s (closing with "
		    "%d)", why, code);
		account(s, now, msg);
	}
	abandon(s, code, now);
}

/* Asks the Web API for a URL for slot s. */
static void
fetch_url(struct sock *s, int64_t now)
{
	struct api_call *k = &run.open_call;

	memset(k, 0, sizeof *k);
	k->fd = -1;
	k->body = "";
	if (run.proto == SLACK_SOCKET) {
		k->method = "apps.connections.open";
		k->token = cfg.app_token;
	} else {
		k->method = "rtm.connect";
		k->token = cfg.bot_token;
	}
	s->state = S_URL;
	s->num = ++run.conns;
	s->t_start = now;
	s->retiring = 0;
	s->held = 0;
	run.fetching = (int)(s - socks);
	log_msg(LOG_DEBUG, "connection %d: calling %s", s->num, k->method);
	api_start(&api, k);
}

/* The Web API answered the URL request: connect, or back off. */
static void
url_done(struct sock *s, int64_t now)
{
	char err[400], host[256];
	struct url u;
	int i;

	run.fetching = -1;
	if (api.result == API_FATAL) {
		if (run.proto == SLACK_RTM && strcmp(api.slack_error,
		    "not_allowed_token_type") == 0)
			die(EXIT_AUTH, "rtm.connect: this bot token belongs to "
			    "a modern Slack app, which Slack does not let use "
			    "RTM (not_allowed_token_type); use Socket Mode: "
			    "turn it on in the app's settings, create an "
			    "app-level token (xapp-...) with connections:write "
			    "and set SLACK_APP_TOKEN");
		exit(api_report(&api, run.open_call.method));
	}
	if (run.proto == SLACK_RTM && strcmp(api.slack_error,
	    "legacy_custom_bots_deprecated") == 0)
		die(EXIT_AUTH, "rtm.connect: Slack no longer serves legacy "
		    "custom bots over RTM (legacy_custom_bots_deprecated); "
		    "move to a Slack app with Socket Mode (SLACK_APP_TOKEN)");
	if (api.result == API_OK && run.proto == SLACK_RTM &&
	    run.self_user[0] == '\0' && (i = api_field(&api, "self")) >= 0 &&
	    (i = json_find(api.body, api.tok, i, "id")) >= 0)
		json_unescape(api.body, &api.tok[i], run.self_user,
		    sizeof run.self_user, NULL);
	if (api.result == API_OK && (i = api_field(&api, "url")) >= 0 &&
	    json_unescape(api.body, &api.tok[i], s->url, sizeof s->url,
	    NULL) == 0 && http_url_parse(&u, s->url, strlen(s->url)) == 0 &&
	    u.ws && u.tls && u.hostlen < sizeof host) {
		memcpy(host, u.host, u.hostlen);
		host[u.hostlen] = '\0';
		s->state = S_CONNECT;
		if (conn_open(&s->c, host, u.port,
		    conn_proxy_for(&cfg.proxy, host), HELLO_MS / 3) < 0)
			lost(s, now, "%s", s->c.err);
		return;
	}
	snprintf(err, sizeof err, "%s", api.result == API_OK ? "the answer "
	    "has no usable wss:// URL" : api.error);
	drop(s);
	backoff(now);
	log_msg(LOG_WARN, "%s: %s; trying again in %d.%d s",
	    run.open_call.method, err, (int)((run.t_next - now) / 1000),
	    (int)((run.t_next - now) % 1000 / 100));
	notify_status("%s: %s; trying again", run.open_call.method, err);
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
	random_bytes(key, sizeof key);
	if (http_url_parse(&u, s->url, strlen(s->url)) < 0 ||
	    (n = ws_handshake(&s->ws, head, sizeof head, &u, key, NULL)) == 0 ||
	    conn_write(&s->c, head, n) < 0) {
		lost(s, now, "the WebSocket URL is too long");
		return;
	}
	explicit_bzero(head, sizeof head);
	http_resp_init(&s->c.resp, 0);
	s->state = S_UPGRADE;
	s->t_rx = now;
}

/* Reads the answer to the handshake; the rest of the input is frames. */
static size_t
read_upgrade(struct sock *s, const unsigned char *p, size_t n, int64_t now)
{
	char why[200];
	const char *body;
	size_t used, blen;

	used = http_resp_feed(&s->c.resp, (const char *)p, n, &body, &blen);
	if (s->c.resp.state == HTTP_HEAD)
		return used;
	if (s->c.resp.state == HTTP_FAILED) {
		lost(s, now, "malformed answer to the WebSocket handshake: %s",
		    http_strerror(s->c.resp.err));
		return used;
	}
	if (ws_handshake_check(&s->ws, &s->c.resp) < 0) {
		lost(s, now, "WebSocket handshake refused: %s",
		    ws_strerror(&s->ws, why, sizeof why));
		return used;
	}
	explicit_bzero(s->url, sizeof s->url);
	s->state = S_HELLO;
	s->t_ping = now + run.ping_ms;
	return used;
}

/* The other socket that this one replaces, once it is live. */
static void
retire_others(struct sock *s, int64_t now)
{
	int i;

	for (i = 0; i < NSOCK; i++)
		if (&socks[i] != s && (socks[i].state == S_LIVE ||
		    socks[i].state == S_HELLO)) {
			log_msg(LOG_INFO, "connection %d is live; closing "
			    "connection %d", s->num, socks[i].num);
			start_close(&socks[i], WS_CLOSE_NORMAL, now);
		}
}

/* Tries to put an event into the FIFO: 0, or -1 to hold it for now. */
static int
enqueue(const struct slack_msg *m)
{
	unsigned char tag = 'E';
	int rc;

	if (m->type != NULL && m->typelen == 14 &&
	    memcmp(m->type, "slash_commands", 14) == 0)
		tag = 'S';
	else if (m->type != NULL && m->typelen == 11 &&
	    memcmp(m->type, "interactive", 11) == 0)
		tag = 'I';
	rc = queue_push2(&fifo, &tag, 1, m->rec, m->reclen);
	return rc == 0 ? 0 : rc == QUEUE_ETOOBIG ? 1 : -1;
}

/* Acknowledges an envelope on the socket it came from. */
static void
ack(struct sock *s, const struct slack_msg *m)
{
	char buf[512];
	size_t n;

	if (run.proto != SLACK_SOCKET || m->idlen == 0)
		return;
	if ((n = slack_ack(buf, sizeof buf, m->id, m->idlen)) == 0 ||
	    send_frame(s, WS_OP_TEXT, buf, n) < 0) {
		log_msg(LOG_WARN, "connection %d: no room to acknowledge an "
		    "envelope; Slack will send it again", s->num);
		return;
	}
	run.acks++;
}

/*
 * One text message from Slack.  Returns -1 when it must be held (the
 * FIFO is full), else 0.
 */
static int
message(struct sock *s, const unsigned char *data, size_t len, int64_t now)
{
	struct slack_msg m;
	int rc, i;

	switch (slack_read(run.proto, (const char *)data, len, tok,
	    sizeof tok / sizeof tok[0], &m)) {
	case SLACK_BAD:
		log_msg(LOG_WARN, "connection %d: skipped a message: %.*s",
		    s->num, (int)m.whylen, m.why);
		break;
	case SLACK_SKIP:
		log_msg(LOG_DEBUG, "connection %d: skipped %.*s", s->num,
		    (int)m.whylen, m.why);
		break;
	case SLACK_HELLO:
		if (s->state != S_HELLO)
			break;
		s->state = S_LIVE;
		run.fails = 0;
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
		break;
	case SLACK_ACK_ONLY:
		log_msg(LOG_DEBUG, "connection %d: %.*s", s->num,
		    (int)m.whylen, m.why);
		ack(s, &m);
		break;
	case SLACK_EVENT:
		/* Stopping: leave it unacknowledged, for Slack to resend. */
		if (run.stop)
			break;
		if (m.key != 0 && slack_seen(&dedup, m.key, secs(now))) {
			run.dups++;
			log_msg(LOG_DEBUG, "connection %d: event delivered "
			    "again (retry %d); acknowledged, not repeated",
			    s->num, m.retry);
			ack(s, &m);
			break;
		}
		if ((rc = enqueue(&m)) < 0)
			return -1;
		if (rc > 0) {
			log_msg(LOG_ERR, "connection %d: skipped an event of "
			    "%zu bytes, larger than the FIFO (%d bytes)",
			    s->num, m.reclen, FIFO_BYTES);
			break;
		}
		if (m.key != 0)
			slack_remember(&dedup, m.key, secs(now));
		run.events++;
		ack(s, &m);
		break;
	case SLACK_DISCONNECT:
		if (m.whylen == 13 && memcmp(m.why, "link_disabled", 13) == 0) {
			log_msg(LOG_ERR, "Socket Mode is turned off for this "
			    "app (link_disabled): turn it on in the app's "
			    "settings; trying again in a minute");
			start_close(s, WS_CLOSE_NORMAL, now);
			run.t_next = now + BACKOFF_MAX_MS;
			break;
		}
		if (m.whylen == 19 && memcmp(m.why, "too_many_websockets",
		    19) == 0) {
			/*
			 * No room for a second socket: from now on the old
			 * one closes before its replacement opens.
			 */
			log_msg(LOG_WARN, "Slack says the app has too many "
			    "connections; from now on a connection closes "
			    "before its replacement opens");
			run.single = 1;
			for (i = 0; i < NSOCK; i++)
				if (socks[i].retiring)
					start_close(&socks[i], WS_CLOSE_NORMAL,
					    now);
			start_close(s, WS_CLOSE_NORMAL, now);
			backoff(now);
			break;
		}
		if (run.single) {
			log_msg(LOG_INFO, "Slack asks to replace connection %d "
			    "(%.*s); closing it first", s->num, (int)m.whylen,
			    m.why);
			start_close(s, WS_CLOSE_NORMAL, now);
			run.t_next = now;
			break;
		}
		log_msg(LOG_INFO, "Slack asks to replace connection %d (%.*s); "
		    "opening the new one first", s->num, (int)m.whylen, m.why);
		s->retiring = 1;
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
	if (s->held == 0 || queue_free(&fifo) < (long)s->held + 1)
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
	if (s->state < S_HELLO)
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

	while (s->broken && (p = conn_peek(&s->c, &n)) != NULL)
		conn_consume(&s->c, n);
	while (s->state >= S_UPGRADE && !s->broken && !paused(s) &&
	    (p = conn_peek(&s->c, &n)) != NULL) {
		s->t_rx = now;
		if (s->state == S_UPGRADE) {
			conn_consume(&s->c, read_upgrade(s, p, n, now));
			continue;
		}
		r = ws_feed(&s->ws, p, n, &used, &m);
		if (r < 0) {
			conn_consume(&s->c, used);
			ws_failed(s, now);
			return;
		}
		switch (r) {
		case WS_OP_TEXT:
			if (message(s, m.data, m.len, now) < 0) {
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
			if (s->state != S_CLOSING) {
				snprintf(why, sizeof why, "Slack closed it (%d%s"
				    "%.*s)", m.code, m.len ? ": " : "",
				    (int)(m.len < 100 ? m.len : 100), m.data);
				account(s, now, why);
			}
			conn_consume(&s->c, used);
			/* Answer with its code (a reply to ours needs none). */
			abandon(s, s->state == S_CLOSING ? 0 : m.code, now);
			return;
		}
		conn_consume(&s->c, used);
	}
	if (s->state != S_FREE && conn_eof(&s->c)) {
		if (s->c.state == CONN_FAILED || s->c.err[0] != '\0')
			lost(s, now, "%s", s->c.err[0] ? s->c.err :
			    "connection closed");
		else
			lost(s, now, "connection closed");
	}
}

/*
 * The free slot where a new connection should start (once run.t_next
 * has come), or -1 when none is needed or allowed now.
 */
static int
wanted_slot(void)
{
	int i, usable = 0, used = 0, free_slot = -1;

	if (run.stop || run.fetching >= 0)
		return -1;
	for (i = 0; i < NSOCK; i++) {
		if (socks[i].state == S_FREE) {
			free_slot = i;
			continue;
		}
		used++;
		if (socks[i].state != S_CLOSING && !socks[i].retiring)
			usable++;
	}
	/*
	 * RTM sends everything to every socket, and an app at Slack's limit
	 * of connections gets no second one: one at a time, then.
	 */
	if (usable > 0 || ((run.proto == SLACK_RTM || run.single) && used))
		return -1;
	return free_slot;
}

/* Starts a new connection when one is needed and allowed. */
static void
manage(int64_t now)
{
	int slot = wanted_slot();

	if (slot >= 0 && now >= run.t_next)
		fetch_url(&socks[slot], now);
}

/* Keepalive, dead sockets, and every other deadline of a socket. */
static void
timers(struct sock *s, int64_t now)
{
	static const char *const names[] = {
		"", "", "connecting", "the WebSocket handshake", "hello"
	};
	char ping[64];
	int n;

	switch (s->state) {
	case S_CONNECT:
	case S_UPGRADE:
	case S_HELLO:
		if (now - s->t_start >= HELLO_MS) {
			lost(s, now, "no hello within %d s (stuck in %s)",
			    HELLO_MS / 1000, names[s->state]);
			return;
		}
		if (s->state != S_HELLO)
			break;
		/* FALLTHROUGH */
	case S_LIVE:
		/* Not reading (backpressure) is no sign of a dead link. */
		if (paused(s))
			s->t_rx = now;
		if (now - s->t_rx >= run.dead_ms) {
			lost(s, now, "nothing received for %d s (pinging "
			    "every %d s): the connection is dead",
			    run.dead_ms / 1000, run.ping_ms / 1000);
			return;
		}
		if (now < s->t_ping)
			break;
		s->t_ping = now + run.ping_ms;
		if (run.proto == SLACK_RTM) {
			n = snprintf(ping, sizeof ping, "{\"id\":%lld,"
			    "\"type\":\"ping\"}", ++s->rtm_id);
			send_frame(s, WS_OP_TEXT, ping, (size_t)n);
		} else {
			n = snprintf(ping, sizeof ping, "%lld", (long long)now);
			send_frame(s, WS_OP_PING, ping, (size_t)n);
		}
		break;
	case S_CLOSING:
		if (now >= s->t_close) {
			log_msg(LOG_DEBUG, "connection %d: no close frame from "
			    "Slack; dropping it", s->num);
			drop(s);
		}
		break;
	}
}

/* The socket's poll events; also moves it along after TLS opens. */
static short
sock_events(const struct sock *s)
{
	if (s->state < S_CONNECT)
		return 0;
	return conn_want(&s->c, s->state >= S_UPGRADE && paused(s));
}

static void
sock_io(struct sock *s, short revents, int64_t now)
{
	int st;

	if (s->state < S_CONNECT)
		return;
	st = conn_io(&s->c, revents, now);
	if (s->state == S_CLOSING && (st == CONN_IDLE || st == CONN_FAILED)) {
		drop(s);
		return;
	}
	if (s->state == S_CONNECT && st == CONN_OPEN)
		upgrade(s, now);
	else if (st == CONN_FAILED) {
		lost(s, now, "%s", s->c.err);
		return;
	}
	if (s->state >= S_UPGRADE) {
		release(s, now);
		receive(s, now);
	}
}

/* The earliest deadline of the sockets, lowering *t. */
static void
sock_wake(int64_t *t)
{
	int i;

	if (wanted_slot() >= 0 && run.t_next < *t)
		*t = run.t_next;
	for (i = 0; i < NSOCK; i++) {
		const struct sock *s = &socks[i];
		int64_t d[3] = { INT64_MAX, INT64_MAX, INT64_MAX };
		int k;

		switch (s->state) {
		case S_CONNECT:
		case S_UPGRADE:
			d[0] = s->t_start + HELLO_MS;
			d[1] = s->c.deadline;
			break;
		case S_HELLO:
		case S_LIVE:
			d[0] = s->t_ping;
			d[1] = s->t_rx + run.dead_ms;
			if (s->state == S_HELLO)
				d[2] = s->t_start + HELLO_MS;
			break;
		case S_CLOSING:
			d[0] = s->t_close;
			break;
		}
		for (k = 0; k < 3; k++)
			if (d[k] < *t)
				*t = d[k];
	}
}

#define PFD_MAX	(2 + NSOCK + 2 * JOBS_MAX + 2 + 2)

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
	unsigned char sig[16];
	ssize_t k;

	if (!run.stop)
		manage(now);
	pfd[n].fd = run.sigpipe[0];
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
			pfd[n].fd = socks[i].c.fd;
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
	if (poll(pfd, (nfds_t)n, wake == INT64_MAX ? -1 : wake <= now ? 0 :
	    wake - now > INT_MAX ? INT_MAX : (int)(wake - now)) < 0 &&
	    errno != EINTR)
		die(EXIT_FAIL, "poll: %s", strerror(errno));
	now = now_ms();
	if (pfd[0].revents & POLLIN)
		while ((k = read(run.sigpipe[0], sig, sizeof sig)) > 0)
			while (k-- > 0)
				if (sig[k] == SIGCHLD)
					handler_sigchld();
	if (api_busy(&api) || api_at >= 0)
		api_io(&api, api_at >= 0 ? pfd[api_at].revents : 0, now);
	if (run.fetching >= 0 && !api_busy(&api))
		url_done(&socks[run.fetching], now);
	for (i = 0; i < NSOCK; i++)
		sock_io(&socks[i], sock_at[i] >= 0 ? pfd[sock_at[i]].revents :
		    0, now);
	if (!run.out_gone && handler_io(pfd + h_at, h_n, now) < 0) {
		run.out_gone = 1;
		run.stop = 1;
	}
	if (out_io(pfd + o_at, o_n, now) < 0)
		die(EXIT_AUTH, "Slack refused the bot token while sending a "
		    "reply; check SLACK_BOT_TOKEN");
	for (i = 0; i < NSOCK; i++) {
		timers(&socks[i], now);
		/* Acks and pongs of this turn leave together. */
		if (socks[i].state >= S_CONNECT)
			sock_io(&socks[i], 0, now);
	}
}

/*
 * Stops within 2 s: closes every socket (close frame, close_notify),
 * lets the handlers finish and the replies go, writes what the FIFO
 * holds.
 */
static void
shutdown_all(void)
{
	int64_t end = now_ms() + 1800;
	int i, busy;

	notify_stopping();
	log_msg(LOG_INFO, "stopping: %llu events queued, %llu envelopes "
	    "acknowledged, %llu repeats skipped", run.events, run.acks,
	    run.dups);
	handler_stop();
	for (i = 0; i < NSOCK; i++)
		if (socks[i].state != S_FREE) {
			start_close(&socks[i], WS_CLOSE_NORMAL, now_ms());
			sock_io(&socks[i], 0, now_ms());
		}
	while (now_ms() < end) {
		busy = !(run.out_gone || handler_idle()) || out_pending() > 0;
		for (i = 0; i < NSOCK; i++)
			if (socks[i].state != S_FREE)
				busy = 1;
		if (!busy)
			break;
		turn(end);
	}
	for (i = 0; i < NSOCK; i++)
		if (socks[i].state != S_FREE)
			drop(&socks[i]);
	if (!handler_idle()) {
		handler_kill();
		if (queue_count(&fifo) > 0)
			log_msg(LOG_WARN, "stopped with %zu events not "
			    "delivered", queue_count(&fifo));
	}
	if (out_pending() > 0)
		log_msg(LOG_WARN, "stopped with %zu replies not sent",
		    out_pending());
}

/* RTM: sends a simple message (JSON without id) over the live socket. */
static int
rtm_send(const char *json, size_t n)
{
	static char buf[16 * 1024];
	int i, k;

	for (i = 0; i < NSOCK; i++)
		if (socks[i].state == S_LIVE && !socks[i].retiring)
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

static const char run_usage[] =
"usage: slackbot run [--socket | --rtm] [--ping S] [--dead S]\n"
"           [--exec CMD [-j N] [--timeout S] | --pipe CMD]\n"
"           [--reply thread|channel|none] [--reply-via api|ws] [--rate N]\n"
"           [--all] [--edits] [--allow-users U1,U2]";

/* A whole number in [lo, hi] from an option, or die. */
static int
number_opt(const char *name, const char *v, int lo, int hi)
{
	uint64_t n;

	if (parse_u64(v, strlen(v), (uint64_t)hi, &n) < 0 || n < (uint64_t)lo)
		die(EXIT_USAGE, "run: %s wants a whole number from %d to %d",
		    name, lo, hi);
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
	char why[400], sig[16];
	int64_t now, wake, step = 1000;
	struct pollfd p;

	if (tls_clock_check(why, sizeof why) == 0)
		return 0;
	log_msg(LOG_ERR, "%s", why);
	notify_status("waiting for the system clock to be set");
	while (!run.stop && tls_clock_check(why, sizeof why) < 0) {
		now = now_ms();
		wake = now + step;
		notify_watchdog(now, &wake);
		p.fd = run.sigpipe[0];
		p.events = POLLIN;
		if (poll(&p, 1, (int)(wake - now)) > 0)
			while (read(run.sigpipe[0], sig, sizeof sig) > 0)
				;	/* run.stop says whether to stop */
		if (now_ms() >= now + step && step < 16000)
			step *= 2;
	}
	if (run.stop)
		return -1;
	log_msg(LOG_INFO, "the system clock is set now; connecting");
	return 0;
}

/* Learns who the bot is (for the filters); fails early on a bad token. */
static void
whoami(void)
{
	struct api_call k = { "auth.test", NULL, 0, "", 0, -1 };
	char user[128], team[128];
	int i;

	if ((k.token = cfg.bot_token) == NULL)
		return;
	if (api_call(&api, &k) != API_OK) {
		if (api.result == API_FATAL)
			exit(api_report(&api, "auth.test"));
		log_msg(LOG_WARN, "auth.test: %s; going on", api.error);
		return;
	}
	if ((i = api_field(&api, "user_id")) >= 0)
		json_unescape(api.body, &api.tok[i], run.self_user,
		    sizeof run.self_user, NULL);
	if ((i = api_field(&api, "bot_id")) >= 0)
		json_unescape(api.body, &api.tok[i], run.self_bot,
		    sizeof run.self_bot, NULL);
	if ((i = api_field(&api, "user")) < 0 || json_unescape(api.body,
	    &api.tok[i], user, sizeof user, NULL) < 0)
		snprintf(user, sizeof user, "?");
	if ((i = api_field(&api, "team")) < 0 || json_unescape(api.body,
	    &api.tok[i], team, sizeof team, NULL) < 0)
		snprintf(team, sizeof team, "?");
	log_msg(LOG_INFO, "signed in as %s (%s) in %s", user, run.self_user,
	    team);
}

/* see run.h */
int
cmd_run(int argc, char **argv)
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
		{ NULL,		0,			NULL, 0 }
	};
	struct handler_opts *h = &run.h;
	struct sigaction sa;
	char err[320];
	struct stat st;
	int c, i, force = -1, rate = 1;

	run.ping_ms = 10000;
	run.dead_ms = 30000;
	h->mode = H_PRINT;
	h->jobs = 4;
	h->timeout_ms = 30000;
	h->reply = REPLY_THREAD;
	while ((c = getopt_long(argc, argv, "+j:", opts, NULL)) != -1)
		switch (c) {
		case 's':
		case 'r':
			force = c == 's' ? SLACK_SOCKET : SLACK_RTM;
			break;
		case 'p':
			run.ping_ms = number_opt("--ping", optarg, 1, 3600) *
			    1000;
			break;
		case 'd':
			run.dead_ms = number_opt("--dead", optarg, 1, 3600) *
			    1000;
			break;
		case 'e':
		case 'P':
			if (h->mode != H_PRINT || *optarg == '\0')
				die(EXIT_USAGE, "run: one --exec or --pipe, with "
				    "a command");
			h->mode = c == 'e' ? H_EXEC : H_PIPE;
			h->cmd = optarg;
			break;
		case 'j':
			h->jobs = number_opt("-j", optarg, 1, JOBS_MAX);
			break;
		case 't':
			h->timeout_ms = number_opt("--timeout", optarg, 1,
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
				die(EXIT_USAGE, "run: --reply thread, channel or "
				    "none");
			break;
		case 'V':
			if (strcmp(optarg, "ws") != 0 &&
			    strcmp(optarg, "api") != 0)
				die(EXIT_USAGE, "run: --reply-via api or ws");
			run.reply_ws = strcmp(optarg, "ws") == 0;
			break;
		case 'a':
			rate = number_opt("--rate", optarg, 0, 100);
			break;
		case 'A':
			h->filter.all = 1;
			break;
		case 'E':
			h->filter.edits = 1;
			break;
		case 'u':
			h->filter.allow = optarg;
			break;
		default:
			die(EXIT_USAGE, "%s", run_usage);
		}
	if (optind != argc)
		die(EXIT_USAGE, "%s", run_usage);
	if (run.dead_ms <= run.ping_ms)
		die(EXIT_USAGE, "run: --dead must be longer than --ping, or "
		    "every quiet link would look dead");
	run.proto = force >= 0 ? force : cfg.app_token != NULL ? SLACK_SOCKET :
	    SLACK_RTM;
	if (run.proto == SLACK_SOCKET && cfg.app_token == NULL)
		die(EXIT_CONFIG, "Socket Mode needs an app-level token: set "
		    "SLACK_APP_TOKEN (xapp-...) or SLACK_APP_TOKEN_FILE");
	if (run.proto == SLACK_RTM && cfg.bot_token == NULL)
		die(EXIT_CONFIG, "no token: set SLACK_APP_TOKEN (xapp-...) for "
		    "Socket Mode, or SLACK_BOT_TOKEN for RTM");
	if ((h->mode == H_PIPE || (h->mode == H_EXEC &&
	    h->reply != REPLY_NONE)) && cfg.bot_token == NULL)
		die(EXIT_CONFIG, "handlers' answers are posted with the bot "
		    "token: set SLACK_BOT_TOKEN (or run --exec with --reply "
		    "none)");
	if (run.reply_ws && run.proto != SLACK_RTM)
		die(EXIT_USAGE, "run: --reply-via ws needs RTM (--rtm)");
	setup_network();
	queue_init(&fifo, fifo_buf, sizeof fifo_buf);
	for (i = 0; i < NSOCK; i++)
		conn_init(&socks[i].c, socks[i].tlsbuf, sizeof socks[i].tlsbuf,
		    1, socks[i].out, sizeof socks[i].out);
	run.fetching = -1;
	run.t0 = now_ms();
	if (pipe(run.sigpipe) < 0)
		die(EXIT_FAIL, "pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(run.sigpipe[i], F_SETFL, O_NONBLOCK);
		fcntl(run.sigpipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	notify_init();
	if (wait_for_clock() < 0)
		return EXIT_OK;		/* stopped by a signal meanwhile */
	/* Never block the loop on a slow reader of our output. */
	run.out_flags = fcntl(1, F_GETFL);
	if (h->mode == H_PRINT && fstat(1, &st) == 0 && !S_ISREG(st.st_mode) &&
	    run.out_flags >= 0)
		fcntl(1, F_SETFL, run.out_flags | O_NONBLOCK);
	whoami();
	h->filter.self_user = run.self_user;
	h->filter.self_bot = run.self_bot;
	handler_init(h, &fifo);
	if (out_init(cfg.api_url, &cfg.proxy, cfg.bot_token, rate,
	    run.reply_ws ? rtm_send : NULL, err, sizeof err) < 0)
		die(EXIT_CONFIG, "SLACK_API_URL: %s", err);
	log_msg(LOG_DEBUG, "connecting with %s", mode_name());
	while (!run.stop)
		turn(INT64_MAX);
	shutdown_all();
	if (h->mode == H_PRINT && run.out_flags >= 0)
		fcntl(1, F_SETFL, run.out_flags);
	return EXIT_OK;
}
