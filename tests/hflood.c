/*
 * tests/hflood.c: a load generator for `slackbot run --http`, the way
 * Slack sends: signed Events API requests over kept-alive connections.
 *
 *   hflood -p PORT -b BOTPID -s SECRET [-n EVENTS] [-c CONNS] [-z BYTES]
 *
 * Each of CONNS connections (default 4) sends one request, waits for its
 * answer, sends the next (Slack waits for each answer too), until EVENTS
 * (default 20000) have been answered.  Every request is an event_callback
 * of about BYTES (default 1200) with its own event_id, signed with SECRET
 * at the current second.  Measured: the wall time from the first request
 * to the last answer, and the bot's CPU time over the same span, exact,
 * from /proc/BOTPID/schedstat.  Prints one line:
 *
 *   events=N ok=N other=N conns=C events_per_s=X bot_us_per_event=Y
 *
 * Exit status 1 when a connection fails or an answer is not 200.  Host
 * compiler, glibc, BearSSL for the HMAC; no TLS (the bench measures the
 * server, not the cipher).
 */
#define _GNU_SOURCE		/* memmem(), strcasestr() */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bearssl.h>

#define CONNS_MAX	64
#define REQ_MAX		(64 * 1024)

struct hc {
	int		 fd;
	char		 req[REQ_MAX];
	size_t		 len, off;
	char		 in[4096];
	size_t		 ilen;
	int		 busy;		/* a request is out */
};

static struct hc	conns[CONNS_MAX];
static const char	*secret;
static size_t		 pad = 1200;
static long		 next_id;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The bot's CPU time in nanoseconds (schedstat), or -1. */
static long long
cpu_ns(int pid)
{
	char path[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The next signed request into c->req. */
static void
build(struct hc *c, int port)
{
	static char body[REQ_MAX / 2], text[REQ_MAX / 4];
	unsigned char mac[32];
	char ts[32], sig[80];
	br_hmac_key_context kc;
	br_hmac_context hc;
	size_t n, i;
	int k;

	if (pad >= sizeof text)
		pad = sizeof text - 1;
	memset(text, 'x', pad);
	text[pad] = '\0';
	k = snprintf(body, sizeof body, "{\"token\":\"t\",\"team_id\":"
	    "\"T01ACME001\",\"api_app_id\":\"A07APP0001\",\"event\":{\"type\":"
	    "\"message\",\"channel\":\"C0GENERAL1\",\"user\":\"U03ALICE01\","
	    "\"text\":\"hflood %ld %s\",\"ts\":\"1732600000.%06ld\","
	    "\"channel_type\":\"channel\"},\"type\":\"event_callback\","
	    "\"event_id\":\"Ev%010ld\",\"event_time\":1732600000}", next_id,
	    text, next_id % 1000000, next_id);
	next_id++;
	n = (size_t)k;
	snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	br_hmac_key_init(&kc, &br_sha256_vtable, secret, strlen(secret));
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, "v0:", 3);
	br_hmac_update(&hc, ts, strlen(ts));
	br_hmac_update(&hc, ":", 1);
	br_hmac_update(&hc, body, n);
	br_hmac_out(&hc, mac);
	memcpy(sig, "v0=", 3);
	for (i = 0; i < 32; i++)
		snprintf(sig + 3 + 2 * i, 3, "%02x", mac[i]);
	k = snprintf(c->req, sizeof c->req, "POST /slack/events HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
	    "X-Slack-Request-Timestamp: %s\r\nX-Slack-Signature: %s\r\n"
	    "Content-Length: %zu\r\n\r\n%s", port, ts, sig, n, body);
	c->len = (size_t)k;
	c->off = 0;
	c->busy = 1;
}

/* A whole answer at the front of c->in: its status (0: not yet). */
static int
answer(struct hc *c)
{
	char *end = memmem(c->in, c->ilen, "\r\n\r\n", 4), *cl;
	size_t head, blen = 0;
	int status;

	if (end == NULL)
		return 0;
	head = (size_t)(end - c->in) + 4;
	c->in[head - 1] = '\0';
	if ((cl = strcasestr(c->in, "\r\nContent-Length:")) != NULL)
		blen = strtoul(cl + 17, NULL, 10);
	if (c->ilen < head + blen)
		return 0;
	status = atoi(c->in + 9);
	memmove(c->in, c->in + head + blen, c->ilen - head - blen);
	c->ilen -= head + blen;
	return status;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[CONNS_MAX];
	struct sockaddr_in sa;
	long events = 20000, sent = 0, done = 0, okc = 0, other = 0;
	long long c0, c1;
	double t0, t1;
	int nconn = 4, port = 0, pid = 0, o, i, one = 1, st;
	ssize_t r;

	while ((o = getopt(argc, argv, "p:b:s:n:c:z:")) != -1)
		switch (o) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'b':
			pid = atoi(optarg);
			break;
		case 's':
			secret = optarg;
			break;
		case 'n':
			events = atol(optarg);
			break;
		case 'c':
			nconn = atoi(optarg);
			break;
		case 'z':
			pad = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: hflood -p PORT -b BOTPID -s "
			    "SECRET [-n EVENTS] [-c CONNS] [-z BYTES]\n");
			return 2;
		}
	if (port == 0 || pid == 0 || secret == NULL || nconn < 1 ||
	    nconn > CONNS_MAX) {
		fprintf(stderr, "hflood: -p, -b and -s are needed; -c 1-%d\n",
		    CONNS_MAX);
		return 2;
	}
	pad = pad > 400 ? pad - 400 : 1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < nconn; i++) {
		if ((conns[i].fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(conns[i].fd, (struct sockaddr *)&sa,
		    sizeof sa) < 0) {
			perror("hflood: connect");
			return 1;
		}
		setsockopt(conns[i].fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one);
	}
	c0 = cpu_ns(pid);
	t0 = now_s();
	while (done < events) {
		for (i = 0; i < nconn; i++) {
			if (!conns[i].busy && sent < events) {
				build(&conns[i], port);
				sent++;
			}
			pfd[i].fd = conns[i].fd;
			pfd[i].events = conns[i].off < conns[i].len ?
			    POLLOUT : POLLIN;
		}
		if (poll(pfd, (nfds_t)nconn, 10000) <= 0) {
			fprintf(stderr, "hflood: no answer in 10 s\n");
			return 1;
		}
		for (i = 0; i < nconn; i++) {
			struct hc *c = &conns[i];

			if (pfd[i].revents & POLLOUT) {
				r = send(c->fd, c->req + c->off, c->len - c->off,
				    MSG_NOSIGNAL);
				if (r < 0 && errno != EAGAIN) {
					perror("hflood: send");
					return 1;
				}
				if (r > 0)
					c->off += (size_t)r;
			}
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(c->fd, c->in + c->ilen, sizeof c->in - c->ilen,
			    0);
			if (r <= 0) {
				fprintf(stderr, "hflood: connection %d closed "
				    "after %ld answers\n", i, done);
				return 1;
			}
			c->ilen += (size_t)r;
			while ((st = answer(c)) != 0) {
				done++;
				c->busy = 0;
				if (st == 200)
					okc++;
				else
					other++;
			}
		}
	}
	t1 = now_s();
	c1 = cpu_ns(pid);
	printf("events=%ld ok=%ld other=%ld conns=%d events_per_s=%.0f "
	    "bot_us_per_event=%.3f\n", done, okc, other, nconn,
	    done / (t1 - t0), c0 < 0 || c1 < 0 ? -1.0 :
	    (double)(c1 - c0) / 1000.0 / (double)done);
	return other == 0 ? 0 : 1;
}
