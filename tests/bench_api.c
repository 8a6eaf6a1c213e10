/*
 * tests/bench_api.c: the Web API client against a running stand-in.
 *
 *	build/bench_api RUNS POSTS
 *
 * With SLACK_API_URL, SLACK_BOT_TOKEN and SSL_CERT_FILE set (tests/bench
 * starts the stand-in), measures, RUNS times each:
 *   - a full TLS handshake to the API host: TCP connect, then until the
 *     connection is open (ms);
 *   - POSTS sequential chat.postMessage calls over one kept-alive
 *     connection (calls per second), checking that one connection served
 *     them all.
 * Prints the median of each.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "log.h"
#include "util.h"

static unsigned char	tlsbuf[BR_SSL_BUFSIZE_MONO];
static unsigned char	out[API_REQ_MAX];
static char		body[API_BODY_MAX];
static struct json_tok	tok[JSON_TOK_MAX];
static struct api	api;

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One handshake: resolve, connect, TLS; milliseconds. */
static double
handshake(struct conn *c, const char *host, unsigned port)
{
	struct pollfd p;
	int64_t t0 = now_ms();
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (conn_open(c, host, port, NULL, 10000) < 0) {
		fprintf(stderr, "bench_api: %s\n", c->err);
		exit(1);
	}
	while (c->state != CONN_OPEN) {
		p.fd = c->fd;
		p.events = conn_want(c, 0);
		if (poll(&p, 1, 1000) < 0 || now_ms() - t0 > 10000 ||
		    conn_io(c, p.revents, now_ms()) == CONN_FAILED) {
			fprintf(stderr, "bench_api: %s\n", c->err);
			exit(1);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	conn_reset(c);
	return (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

int
main(int argc, char **argv)
{
	static const char msg[] = "{\"channel\":\"C0GENERAL1\",\"text\":"
	    "\"build 42 passed\"}";
	struct api_call k = { "chat.postMessage", NULL, API_JSON | API_ONCE,
	    msg, sizeof msg - 1, -1, NULL };
	struct api_buf b = API_BUF(tlsbuf, out, body, tok);
	double hs[64], rate[64];
	struct timespec t0, t1;
	char what[256], err[512];
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	int posts = argc > 2 ? atoi(argv[2]) : 500, r, i, conns;
	const char *url = getenv("SLACK_API_URL");

	if (runs < 1 || runs > 64 || posts < 1 || url == NULL ||
	    (k.token = getenv("SLACK_BOT_TOKEN")) == NULL) {
		fprintf(stderr, "usage: SLACK_API_URL=... SLACK_BOT_TOKEN=... "
		    "bench_api RUNS POSTS\n");
		return 2;
	}
	log_level = LOG_WARN;
	if (tls_anchors_load(what, sizeof what, err, sizeof err) < 0 ||
	    api_init(&api, url, NULL, &b, err, sizeof err) < 0) {
		fprintf(stderr, "bench_api: %s\n", err);
		return 2;
	}
	for (r = 0; r < runs; r++) {
		hs[r] = handshake(&api.c, api.host, api.port);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		conns = 0;
		for (i = 0; i < posts; i++) {
			if (conn_state(&api.c) != CONN_OPEN)
				conns++;
			if (api_call(&api, &k) != API_OK) {
				fprintf(stderr, "bench_api: %s\n", api.error);
				return 1;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rate[r] = posts / ((double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		printf("run %d: handshake %.2f ms, %d posts in %d "
		    "connection(s): %.0f calls/s\n", r + 1, hs[r], posts, conns,
		    rate[r]);
		api_close(&api);
	}
	printf("TLS handshake to the stand-in: %.2f ms (median of %d)\n",
	    median(hs, runs), runs);
	printf("chat.postMessage over one kept-alive connection: %.0f calls/s "
	    "(median of %d runs of %d)\n", median(rate, runs), runs, posts);
	return 0;
}
