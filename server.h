/*
 * server.h: the HTTP server of `run --http`: Slack's request URL, inside
 * run's poll() loop.
 *
 *   POST /slack/events   Events API JSON, slash commands, interactions:
 *                        verified (inbound.h), then handed to deliver()
 *                        and answered at once
 *   GET  /healthz        200 once server_ready(1), 503 before
 *   anything else        404, or 405 for a known path
 *
 * Plain HTTP, or HTTPS with a certificate (tlsd.h).  At most HTTPD_CONNS
 * connections; when all are taken, the one idle longest makes room, or
 * new ones wait in the kernel's queue.  A request must arrive whole
 * within HTTPD_REQUEST_MS of its first byte (else 408, and the
 * connection is closed); a kept-alive connection with nothing to do is
 * closed after HTTPD_IDLE_MS.  Each turn of the loop does a bounded
 * amount of work per connection: one read, at most one request.
 * Memory is fixed (config.h): nothing is allocated per request.
 */
#ifndef SERVER_H
#define SERVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "slack.h"

/* What deliver() says of an event. */
enum {
	SERVER_QUEUED,		/* taken: 200 */
	SERVER_REPEAT,		/* delivered before (a retry): 200 */
	SERVER_LATER,		/* no room now, or stopping: 503, Slack
				   sends it again */
	SERVER_NEVER		/* can never be delivered (logged): 413 */
};

struct server_opts {
	const char	*listen;	/* [ADDR:]PORT */
	const char	*cert, *key;	/* PEM files for HTTPS, or NULL */
	const char	*secret;	/* the signing secret; read at each
					   request, so it may change */
	int		(*deliver)(enum slack_payload, const char *json,
			    size_t n, uint64_t key);
};

/*
 * Parses "[ADDR:]PORT" (PORT alone: 127.0.0.1; ADDR an IPv4 address,
 * [IPv6] or localhost; PORT 0: any free one) into *sa.  Returns 0, or -1
 * with the reason in err.
 */
int	server_addr(const char *spec, struct sockaddr_storage *sa,
	    socklen_t *len, char *err, size_t errlen);

/*
 * Reads the certificate (HTTPS) and starts listening.  Returns 0, or -1
 * with the reason in err (a configuration error: exit 2).
 */
int	server_init(const struct server_opts *, char *err, size_t errlen);

/* Where Slack should send requests: "http://127.0.0.1:3000/slack/events". */
const char *server_url(void);

/* What the certificate is, for a log line ("" for plain HTTP). */
const char *server_cert(void);

/* Signed in (auth.test answered): /healthz says 200, events are taken. */
void	server_ready(int);

/*
 * SIGHUP: reads the certificate and key again; new connections use them.
 * Returns 0 (nothing to do for plain HTTP), or -1 with the reason in err
 * (the old ones stay in use).
 */
int	server_reload(char *err, size_t errlen);

/*
 * Adds the descriptors to wait for to pfd (at most max), lowers *wake to
 * the next deadline, and returns how many were added.
 */
int	server_poll(struct pollfd *pfd, int max, int64_t *wake);

/* Moves every connection along; pfd as filled by server_poll(). */
void	server_io(const struct pollfd *pfd, int n, int64_t now);

/*
 * Stopping: no new connections; idle ones are closed, those under way
 * get their answer (events: 503, as deliver() says) and are closed.
 */
void	server_stop(void);

/* 1 while a connection is open. */
int	server_busy(void);

/* Closes every connection and the listening socket now. */
void	server_close(void);

#endif
