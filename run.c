/*
 * run.c: `slackbot run`, the long-running part: one poll() loop over the
 * WebSockets to Slack, the Web API client, standard output and a
 * self-pipe for signals.
 *
 *   socket -> conn (TLS) -> ws (frames) -> slack_read() -> FIFO -> stdout
 *                                            | ack, once the event is in
 *                                            v the FIFO
 *                                          socket
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
 * Output.  Each event is one line on standard output, written with one
 * writev() per loop turn for all the lines ready, never half a line
 * between turns unless the reader is slower than us (then the rest of the
 * line goes first at the next turn).
 */
#include <sys/stat.h>
#include <sys/uio.h>
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

#include "log.h"
#include "queue.h"
#include "run.h"
#include "slack.h"
#include "slackbot.h"
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
#define IOV_BATCH	256	/* lines per writev() */
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

struct sock {
	int		 state;
	int		 retiring;	/* a replacement has been asked for */
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
	int		 out_closed;	/* standard output went away */
	size_t		 out_off;	/* bytes of the first line written */
	int		 out_flags;	/* stdout's flags, restored at exit */
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
	s->held = 0;
	explicit_bzero(s->url, sizeof s->url);
}

/*
 * A socket failed.  Before hello it counts as a failed attempt; a live
 * socket that dies is replaced at once (the backoff still applies).
 */
static void
lost(struct sock *s, int64_t now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
lost(struct sock *s, int64_t now, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	int was_live = s->state == S_LIVE || s->state == S_CLOSING;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (s->state == S_CLOSING) {
		log_msg(LOG_DEBUG, "connection %d closed: %s", s->num, why);
		drop(s);
		return;
	}
	drop(s);
	if (!was_live || run.fails > 0)
		backoff(now);
	else
		run.t_next = now;
	log_msg(LOG_WARN, "connection %d %s: %s",
	    s->num, was_live ? "lost" : "failed", why);
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
	char why[200];
	int code = ws_close_code(ws_error(&s->ws));

	ws_strerror(&s->ws, why, sizeof why);
	if (code != 0)
		send_close(s, code);
	conn_close(&s->c);
	lost(s, now, "WebSocket error: %s (closed with %d)", why, code);
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
	int rc;

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
			    "settings; retrying every minute");
			run.fails = 6;
			start_close(s, WS_CLOSE_NORMAL, now);
			backoff(now);
			break;
		}
		if (m.whylen == 19 && memcmp(m.why, "too_many_websockets",
		    19) == 0) {
			log_msg(LOG_WARN, "Slack says the app has too many "
			    "connections; closing this one first");
			start_close(s, WS_CLOSE_NORMAL, now);
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
	case SLACK_REPLY:
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

static int
paused(const struct sock *s)
{
	return s->held > 0 || queue_free(&fifo) < PAUSE_ROOM ||
	    conn_room(&s->c) < OUT_ROOM;
}

/* Reads what TLS has decrypted: the handshake answer, then frames. */
static void
receive(struct sock *s, int64_t now)
{
	const unsigned char *p;
	struct ws_msg m;
	size_t n, used;
	int r;

	while (s->state >= S_UPGRADE && !paused(s) &&
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
			conn_consume(&s->c, used);
			if (s->state != S_CLOSING) {
				log_msg(LOG_INFO, "connection %d: Slack closed "
				    "it (%d%s%.*s)", s->num, m.code,
				    m.len ? ": " : "",
				    (int)(m.len < 100 ? m.len : 100), m.data);
				send_close(s, m.code);
			}
			conn_close(&s->c);
			if (s->state == S_CLOSING)
				drop(s);
			else
				lost(s, now, "closed by Slack");
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
 * Writes the lines ready in the FIFO to standard output: one writev() for
 * up to IOV_BATCH of them.  A record is a tag byte and the event's JSON;
 * its line is the JSON and a newline.
 */
static void
output(void)
{
	static const char nl = '\n';
	struct iovec iov[IOV_BATCH * 2];
	unsigned char *p, *q;
	size_t n, k = 0, off = run.out_off;
	struct queue_cur cur = { 0, 0, 0 };
	ssize_t r;

	if (run.out_closed)
		return;
	while (k < nitems(iov) && (p = queue_next(&fifo, &cur, &n)) != NULL) {
		/* Slack's JSON is compact; blanks between tokens must not
		 * split the line. */
		for (q = p + 1; (q = memchr(q, '\n', n - (size_t)(q - p))) !=
		    NULL; q++)
			*q = ' ';
		if (off < n - 1) {
			iov[k].iov_base = p + 1 + off;
			iov[k++].iov_len = n - 1 - off;
		}
		iov[k].iov_base = (void *)&nl;
		iov[k++].iov_len = 1;
		off = 0;
	}
	if (k == 0)
		return;
	while ((r = writev(1, iov, (int)k)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		log_msg(errno == EPIPE ? LOG_INFO : LOG_ERR, "standard output: "
		    "%s; stopping", strerror(errno));
		run.out_closed = 1;
		run.stop = 1;
		return;
	}
	/* Drop the lines written in full; remember where the next stops. */
	n = (size_t)r + run.out_off;
	while ((p = queue_peek(&fifo, &k)) != NULL && n >= k) {
		n -= k;
		queue_pop(&fifo);
	}
	run.out_off = n;
}

/* Starts a new connection when one is needed and allowed. */
static void
manage(int64_t now)
{
	int i, usable = 0, used = 0, free_slot = -1;

	if (run.stop || run.fetching >= 0 || now < run.t_next)
		return;
	for (i = 0; i < NSOCK; i++) {
		if (socks[i].state == S_FREE) {
			free_slot = i;
			continue;
		}
		used++;
		if (socks[i].state != S_CLOSING && !socks[i].retiring)
			usable++;
	}
	/* RTM sends everything to every socket: one at a time. */
	if (usable > 0 || free_slot < 0 || (run.proto == SLACK_RTM && used))
		return;
	fetch_url(&socks[free_slot], now);
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

/* The earliest deadline of everything, as a poll() timeout. */
static int
poll_timeout(int64_t now, int64_t api_wake)
{
	int64_t t = api_wake;
	int i;

	if (run.fetching < 0 && !run.stop && run.t_next < t)
		t = run.t_next;
	for (i = 0; i < NSOCK; i++) {
		const struct sock *s = &socks[i];

		switch (s->state) {
		case S_CONNECT:
		case S_UPGRADE:
			if (s->t_start + HELLO_MS < t)
				t = s->t_start + HELLO_MS;
			if (s->c.deadline < t)
				t = s->c.deadline;
			break;
		case S_HELLO:
		case S_LIVE:
			if (s->t_ping < t)
				t = s->t_ping;
			if (s->t_rx + run.dead_ms < t)
				t = s->t_rx + run.dead_ms;
			if (s->state == S_HELLO && s->t_start + HELLO_MS < t)
				t = s->t_start + HELLO_MS;
			break;
		case S_CLOSING:
			if (s->t_close < t)
				t = s->t_close;
			break;
		}
	}
	if (t == INT64_MAX)
		return -1;
	if (t <= now)
		return 0;
	return t - now > INT_MAX ? INT_MAX : (int)(t - now);
}

/* One turn of the loop: wait, then move everything along. */
static void
turn(void)
{
	struct pollfd pfd[3 + NSOCK];
	int64_t now = now_ms(), wake;
	short ev;
	int n = 0, i, fd, api_at = -1, out_at = -1, sock_at[NSOCK];
	unsigned char sig[16];

	manage(now);
	pfd[n].fd = run.sigpipe[0];
	pfd[n++].events = POLLIN;
	if ((fd = api_want(&api, &ev, &wake)) >= 0 && ev != 0) {
		api_at = n;
		pfd[n].fd = fd;
		pfd[n++].events = ev;
	}
	if (queue_count(&fifo) > 0 && !run.out_closed) {
		out_at = n;
		pfd[n].fd = 1;
		pfd[n++].events = POLLOUT;
	}
	for (i = 0; i < NSOCK; i++) {
		sock_at[i] = -1;
		if ((ev = sock_events(&socks[i])) != 0) {
			sock_at[i] = n;
			pfd[n].fd = socks[i].c.fd;
			pfd[n++].events = ev;
		}
	}
	for (i = 0; i < n; i++)
		pfd[i].revents = 0;
	if (poll(pfd, (nfds_t)n, poll_timeout(now, wake)) < 0 &&
	    errno != EINTR)
		die(EXIT_FAIL, "poll: %s", strerror(errno));
	now = now_ms();
	if (pfd[0].revents & POLLIN)
		while (read(run.sigpipe[0], sig, sizeof sig) > 0)
			;
	if (api_busy(&api) || api_at >= 0)
		api_io(&api, api_at >= 0 ? pfd[api_at].revents : 0, now);
	if (run.fetching >= 0 && !api_busy(&api))
		url_done(&socks[run.fetching], now);
	for (i = 0; i < NSOCK; i++)
		sock_io(&socks[i], sock_at[i] >= 0 ? pfd[sock_at[i]].revents :
		    0, now);
	if (out_at < 0 || (pfd[out_at].revents & (POLLOUT | POLLERR |
	    POLLHUP)))
		output();
	for (i = 0; i < NSOCK; i++) {
		timers(&socks[i], now);
		/* Acks and pongs of this turn leave together. */
		if (socks[i].state >= S_CONNECT)
			sock_io(&socks[i], 0, now);
	}
}

/* Closes every socket and writes what the FIFO holds, within 2 s. */
static void
shutdown_all(void)
{
	struct pollfd pfd[1 + NSOCK];
	int64_t now = now_ms(), end = now + 1800;
	int i, n, at[NSOCK];

	log_msg(LOG_INFO, "stopping: %llu events delivered, %llu repeats "
	    "skipped", run.events, run.dups);
	for (i = 0; i < NSOCK; i++)
		if (socks[i].state != S_FREE)
			start_close(&socks[i], WS_CLOSE_NORMAL, now);
	while ((now = now_ms()) < end) {
		output();
		n = 0;
		if (queue_count(&fifo) > 0 && !run.out_closed) {
			pfd[n].fd = 1;
			pfd[n++].events = POLLOUT;
		}
		for (i = 0; i < NSOCK; i++) {
			at[i] = -1;
			if (socks[i].state == S_FREE)
				continue;
			at[i] = n;
			pfd[n].fd = socks[i].c.fd;
			pfd[n++].events = conn_want(&socks[i].c, 0) | POLLIN;
		}
		if (n == 0)
			break;
		if (poll(pfd, (nfds_t)n, (int)(end - now)) < 0 &&
		    errno != EINTR)
			break;
		now = now_ms();
		for (i = 0; i < NSOCK; i++) {
			if (at[i] < 0)
				continue;
			sock_io(&socks[i], pfd[at[i]].revents, now);
			if (socks[i].state == S_CLOSING && now >= socks[i].t_close)
				drop(&socks[i]);
			if (socks[i].state != S_FREE && socks[i].state != S_CLOSING)
				drop(&socks[i]);
		}
	}
	for (i = 0; i < NSOCK; i++)
		if (socks[i].state != S_FREE)
			drop(&socks[i]);
	if (queue_count(&fifo) > 0)
		log_msg(LOG_WARN, "%zu events could not be written before "
		    "exit", queue_count(&fifo));
}

static const char run_usage[] =
"usage: slackbot run [--socket | --rtm] [--ping SECONDS] [--dead SECONDS]";

/* A whole number of seconds in [1, max] from an option, or die. */
static int
seconds_opt(const char *name, const char *v, int max)
{
	uint64_t n;

	if (parse_u64(v, strlen(v), (uint64_t)max, &n) < 0 || n == 0)
		die(EXIT_USAGE, "run: %s wants a number of seconds from 1 to "
		    "%d", name, max);
	return (int)n * 1000;
}

/* Learns who we are, and fails early on a refused bot token. */
static void
whoami(void)
{
	struct api_call k = { "auth.test", NULL, 0, "", 0, -1 };
	char user[128], team[128];
	int u, t;

	if ((k.token = cfg.bot_token) == NULL)
		return;
	if (api_call(&api, &k) != API_OK) {
		if (api.result == API_FATAL)
			exit(api_report(&api, "auth.test"));
		log_msg(LOG_WARN, "auth.test: %s; going on", api.error);
		return;
	}
	if ((u = api_field(&api, "user")) < 0 || json_unescape(api.body,
	    &api.tok[u], user, sizeof user, NULL) < 0)
		snprintf(user, sizeof user, "?");
	if ((t = api_field(&api, "team")) < 0 || json_unescape(api.body,
	    &api.tok[t], team, sizeof team, NULL) < 0)
		snprintf(team, sizeof team, "?");
	log_msg(LOG_INFO, "signed in as %s in %s", user, team);
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
		{ NULL,		0,			NULL, 0 }
	};
	struct sigaction sa;
	struct stat st;
	int c, i, force = -1;

	run.ping_ms = 10000;
	run.dead_ms = 30000;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1)
		switch (c) {
		case 's':
			force = SLACK_SOCKET;
			break;
		case 'r':
			force = SLACK_RTM;
			break;
		case 'p':
			run.ping_ms = seconds_opt("--ping", optarg, 3600);
			break;
		case 'd':
			run.dead_ms = seconds_opt("--dead", optarg, 3600);
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
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Never block the loop on a slow reader of our output. */
	run.out_flags = fcntl(1, F_GETFL);
	if (fstat(1, &st) == 0 && !S_ISREG(st.st_mode) && run.out_flags >= 0)
		fcntl(1, F_SETFL, run.out_flags | O_NONBLOCK);
	whoami();
	log_msg(LOG_DEBUG, "connecting with %s", mode_name());
	while (!run.stop)
		turn();
	shutdown_all();
	if (run.out_flags >= 0)
		fcntl(1, F_SETFL, run.out_flags);
	return EXIT_OK;
}
