/*
 * api.h: the Slack Web API client.
 *
 * One kept-alive connection to one host carries one call at a time:
 * POST BASE/METHOD with a form or JSON body (or raw bytes streamed from a
 * file, for the upload URL), the answer read into a fixed buffer and
 * tokenized.  The client retries what is safe to retry: connection
 * failures before the request could reach Slack, 429 and "ratelimited"
 * after Retry-After (remembered per method), 5xx and timeouts with
 * exponential backoff; a call marked API_ONCE (a message post) is never
 * sent twice once it may have reached Slack.
 *
 * It runs inside the caller's poll() loop (api_want(), api_io()) or on its
 * own (api_call()).
 */
#ifndef API_H
#define API_H

#include <stdint.h>

#include "conn.h"
#include "json.h"

#define API_ONCE	0x1	/* may post something: never re-send blindly */
#define API_JSON	0x2	/* body is JSON, not form-urlencoded */
#define API_RAW		0x4	/* no token; any 2xx answer is success (an
				   upload; with API_JSON a response_url) */
#define API_LIMITS	0x8	/* a rate limit ends the call (API_LIMITED,
				   retry_at): the caller waits, not us */
#define API_NORETRY	0x10	/* one try: a failure ends the call, unlogged
				   (the caller retries, and says so) */
#define API_HOOK	0x20	/* with API_RAW: an incoming webhook, called
				   so in the log (its URL is a secret) */

struct api_call {
	const char	*method;	/* appended to the base path */
	const char	*token;		/* Bearer token, or NULL */
	unsigned	 flags;
	const char	*body;		/* form or JSON text, or NULL */
	size_t		 len;
	int		 fd;		/* API_RAW: send its first len bytes
					   (seekable: each attempt rewinds) */
	void		(*progress)(size_t sent, size_t len);
					/* api_call(): body bytes sent, or NULL */
};

/* Outcome of a call (api_result()). */
enum {
	API_OK,		/* HTTP 2xx and "ok": true (or any 2xx for API_RAW) */
	API_FAIL,	/* Slack answered no, or the network gave up */
	API_FATAL,	/* a token error: restarting will not help */
	API_LIMITED	/* API_LIMITS: rate limited; Slack did nothing, try
			   again at retry_at */
};

struct api_buf {
	unsigned char	*tls;		/* BR_SSL_BUFSIZE_MONO or BIDI */
	size_t		 tlslen;
	unsigned char	*out;		/* request head and body */
	size_t		 outlen;
	char		*body;		/* the answer, NUL-terminated */
	size_t		 bodylen;
	struct json_tok	*tok;		/* the answer's tokens */
	size_t		 ntok;
};

/* An api_buf over four arrays (not pointers: their sizes are taken). */
#define API_BUF(tls, out, body, tok) { (tls), sizeof(tls), (out), \
	sizeof(out), (body), sizeof(body), (tok), sizeof(tok) / sizeof((tok)[0]) }

#define API_RL_SLOTS	8		/* methods remembered as rate limited */

struct api {
	/*
	 * Results of the last call, valid when it is done.  status, body,
	 * ntok and slack_error describe the last attempt's answer, and only
	 * a complete one: when that attempt got none (no connection, no
	 * answer in time, an answer cut short or malformed), status and
	 * len are 0 and slack_error is "".
	 */
	int		 result;	/* API_OK, API_FAIL, API_FATAL */
	int		 status;	/* HTTP status, 0 when none */
	int		 ntok;		/* tokens of body, or 0: not JSON */
	char		*body;		/* the answer */
	size_t		 len;
	struct json_tok	*tok;
	char		 error[320];	/* why it failed, for one log line */
	char		 slack_error[64]; /* Slack's "error", or "" */

	/* Private. */
	int		 state;
	struct http_resp resp;		/* the answer being read */
	int		 reused;	/* requests on this connection before */
	const struct proxy *px;
	char		 host[256];
	unsigned	 port;
	char		 prefix[256];	/* base path, ends with '/' */
	const struct api_call *call;
	size_t		 bodycap, ntokcap;
	size_t		 sent;		/* body bytes handed to the connection */
	int		 attempt;
	int		 head_sent;	/* the whole request left us */
	int		 reply_seen;	/* a response byte arrived */
	int64_t		 wake;		/* A_WAIT: retry time */
	int64_t		 deadline;	/* no progress by then: give up */
	int		 timeout_ms;	/* the longest stall (sending, or
					   waiting for the answer) */
	int		 unsent;	/* A_RECV: the kernel's unsent bytes */
	int64_t		 t_sample;	/* when to look at them again */
	int64_t		 retry_at;	/* API_LIMITED: not before then */
	struct {
		char	 method[48];
		int64_t	 until;
	} rl[API_RL_SLOTS];
	struct conn	 c;		/* last: see api_init() */
};

/*
 * Prepares a client for the host of base ("https://slack.com/api/"),
 * through px when it applies.  Returns 0, or -1 with the reason in err
 * (a malformed or non-https URL).
 */
int	api_init(struct api *, const char *base, const struct proxy *px,
	    const struct api_buf *, char *err, size_t errlen);

/*
 * The longest stall of a call: sending, or waiting for the answer, with
 * nothing moving (default 30 s).
 */
void	api_set_timeout(struct api *, int ms);

/*
 * A client that makes no call (and has no descriptor) until api_init():
 * for one set up only when it is first needed.
 */
void	api_unused(struct api *);

/* The descriptor of its connection, or -1. */
int	api_fd(const struct api *);

/*
 * Closes the connection at once (close_notify if it can go, without
 * waiting for the server's).  Does not block.
 */
void	api_drop(struct api *);

/* Starts a call; the client must be idle and call must outlive it. */
void	api_start(struct api *, const struct api_call *);

/* 1 while a call is under way. */
int	api_busy(const struct api *);

/*
 * For poll(): the descriptor (or -1), the events, and the time by which
 * api_io() must run again (ms, now_ms(); INT64_MAX when none).
 */
int	api_want(const struct api *, short *events, int64_t *wake);

/* Ends the call under way at once (API_FAIL, "stopped"). */
void	api_cancel(struct api *);

/* Advances the call; returns api_busy(). */
int	api_io(struct api *, short revents, int64_t now);

/*
 * Runs one call to its end, alone, calling its progress function (when
 * not NULL) as the body goes.  Blocks, but gives up at once on SIGTERM
 * or SIGINT once sig_init() has run (error "stopped").  Returns
 * a->result.
 */
int	api_call(struct api *, const struct api_call *);

/*
 * Closes the connection: close_notify, then up to 2 s for the server's
 * (blocks; gives up at once on SIGTERM or SIGINT).
 */
void	api_close(struct api *);

/* Index of a top-level member of the answer, or -1. */
int	api_field(const struct api *, const char *key);

/*
 * 1 for the methods that post or share something (chat.*, completing an
 * upload), which must never be sent twice: they get API_ONCE.
 */
int	api_once(const char *method);

#endif
