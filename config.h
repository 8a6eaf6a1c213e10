/*
 * config.h: every fixed size in slackbot, in one place.
 *
 * slackbot allocates nothing at run time: each buffer below is a static
 * array whose size is known when the binary is built; change them here and
 * nowhere else.  README.md's memory table (make memtable) names them, with
 * the bytes each buffer takes in the link.
 */
#ifndef CONFIG_H
#define CONFIG_H

#define SLACKBOT_VERSION	"0.1.0"

/* json.c: nesting deeper than this is refused (JSON_EDEPTH). */
#define JSON_DEPTH_MAX		64

/*
 * Tokens for one event or one Web API answer.  Events are tokenized
 * shallowly (containers below the levels slackbot reads are kept as one
 * token), so this bounds the members near the top, not the whole payload.
 */
#define JSON_TOK_MAX		4096

/* ws.c: the largest WebSocket message accepted; larger: close 1009. */
#define WS_MSG_MAX		(512 * 1024)

/*
 * queue.c: the FIFO between the WebSocket reader and the handler.  Any
 * event a WebSocket message can carry must fit, or it could never be
 * delivered; only the pages events reach are ever resident.
 */
#define FIFO_BYTES		(WS_MSG_MAX + 64 * 1024)

/* http.c: a response's status line and headers together. */
#define HTTP_HEAD_MAX		8192

/* Largest Web API answer kept in memory (auth.test, chat.postMessage...). */
#define API_BODY_MAX		(256 * 1024)

/* An outgoing request (head and body) assembled before it is sent. */
#define API_REQ_MAX		(48 * 1024)

/* tls.c: trust anchors loaded from a PEM bundle at start-up. */
#define TA_MAX			256
#define TA_ARENA		(128 * 1024)
#define TA_FILE_MAX		(4 * 1024 * 1024)	/* a bundle file; Debian's
							   is 220 KB */
/*
 * One certificate's DER, held whole while it is read (a static buffer of
 * ta.c); a longer one is skipped.  Debian's largest root is 2,007 bytes:
 * a root carries one key, which BearSSL takes only up to 520 bytes, and
 * one signature.
 */
#define TA_CERT_MAX		(8 * 1024)

/*
 * One read from a socket; TLS records are fed to BearSSL from here.  64
 * KiB takes a burst of events in one system call (measured: 16 KiB cost
 * 0.3 system calls per event in a flood, 64 KiB a quarter of that).
 */
#define NET_RX_MAX		(64 * 1024)

/*
 * Recently delivered envelope_id / event_id hashes, kept 10 minutes: Slack
 * delivers at most 30,000 events an hour, about 5,000 in 10 minutes.
 */
#define DEDUP_SLOTS		16384

/*
 * The longest response_url (slash commands, interactivity) an answer can
 * go to.  Slack's are about 100 bytes (https://hooks.slack.com/commands/
 * T.../.../...); 3000 is the longest URL Slack takes anywhere in its API
 * (Block Kit's url fields), so nothing Slack sends can be longer.  A
 * longer one is refused with a line naming the channel.
 */
#define RESPONSE_URL_MAX	3000

/* Replies and calls from handlers waiting for the Web API (out.c). */
#define OUTQ_BYTES		(128 * 1024)
#define OUT_ANSWER_MAX		(64 * 1024)	/* one answer to a reply */
#define OUT_BURST		4	/* posts to a channel at once, then 1 per
						   interval (--rate) */

/* Handlers (handler.c). */
#define JOBS_MAX		16		/* -j at most */
#define EXEC_OUT_MAX		39000		/* a handler's output posted;
						   Slack truncates at 40,000 */
#define PIPE_LINE_MAX		(64 * 1024)	/* one action of --pipe */
#define ENV_BUF_MAX		(64 * 1024)	/* SLACK_* of one handler */

/* Frames waiting to go out on one WebSocket (acks, pongs, pings). */
#define WS_OUT_MAX		(16 * 1024)

/*
 * The HTTP server of `run --http` (httpd.c, server.c).  Each connection
 * keeps its request head and a small body in place; a larger body (an
 * interactive payload with a big view) borrows one of a few large
 * buffers for as long as it arrives.
 */
#define HTTPD_CONNS		32		/* connections at once */
#define HTTPD_HEAD_MAX		8192		/* request line and headers;
						   larger: 431 */
#define HTTPD_FIELDS		100		/* header lines; more: 431 */
#define HTTPD_BODY_ROOM		(16 * 1024)	/* a body kept in its
						   connection */
#define HTTPD_BODY_MAX		WS_MSG_MAX	/* the largest body; larger:
						   413 */
#define HTTPD_BIG_BODIES	2		/* bodies above BODY_ROOM
						   arriving at once */
#define HTTPD_REQUEST_MS	5000		/* a request's first byte to its
						   last (the TLS handshake
						   too); slower: cut off */
#define HTTPD_IDLE_MS		60000		/* a kept-alive connection
						   with nothing to do */
#define HTTPD_SLASH_MAX		(64 * 1024)	/* a slash command's fields as
						   JSON */

/* tlsd.c: the certificate chain and key of `run --http` with HTTPS. */
#define TLSD_FILE_MAX		(64 * 1024)	/* a PEM file */
#define TLSD_CHAIN_MAX		8		/* certificates in the chain */

/* One log line, after formatting. */
#define LOG_LINE_MAX		1024

/*
 * Code that runs over every byte of every event is built for speed in a
 * program built for size: HOT before such a function (gcc; clang, which
 * builds the tests with sanitizers, has no such attribute).
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__mips16)
/* MIPS16e (targets.mk) is half the size of MIPS32 code and slower: the
 * hot code stays MIPS32 (a public HOT function says so in its header). */
#define HOT	__attribute__((optimize("O2"), nomips16))
#elif defined(__GNUC__) && !defined(__clang__)
#define HOT	__attribute__((optimize("O2")))
#else
#define HOT
#endif

/* The C library's allocations (malloc.c): getaddrinfo() and opendir(). */
#define MALLOC_ARENA		(16 * 1024)

#endif
