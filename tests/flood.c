/*
 * tests/flood.c: a local Socket Mode server that floods one client with
 * events, to measure slackbot (tests/bench-flood, `make bench`).
 *
 *   flood -c CHAIN.pem -k KEY.pem [-a CA.pem] [-n EVENTS] [-w WINDOW]
 *	   [-r FLOODS] [-p PORT] [-T SECONDS] [-o FILE] [-x HOOK] [-D MS]
 *	   [-S SYSCALL,...] [-- COMMAND [ARG...]]
 *
 * It is a TLS 1.2 server on 127.0.0.1 (BearSSL's server engine) that plays
 * both halves of Slack's Socket Mode: the Web API method
 * apps.connections.open (HTTP/1.1 POST, kept alive), which answers
 * wss://localhost:PORT/link/?ticket=T with a fresh one-time ticket, and
 * that WebSocket endpoint, which answers the upgrade (RFC 6455), sends
 * hello, then EVENTS events_api envelopes of about 1.2 KB (channel
 * messages shaped like Slack's, each with its own envelope_id, event_id
 * and sequence number) while keeping at most WINDOW of them
 * unacknowledged.  Every acknowledgement is unmasked and must name an
 * envelope sent and not yet acknowledged; anything else is counted as an
 * error.  The frames are all encoded before the clock starts; each wake-up
 * reads every ack waiting with one recv() and sends many frames with one
 * send(), so that the source costs less than the client it measures (its
 * own CPU time per event is printed to prove it).
 *
 * With a COMMAND (the client: `./slackbot run`), flood starts it itself,
 * with SLACK_APP_TOKEN, SLACK_API_URL and SSL_CERT_FILE (-a) set and its
 * standard output on FILE (default /dev/null), so that it knows the
 * instant the client started, can read the client's CPU time (a perf
 * task-clock counter, exact to the nanosecond; the process CPU clock of
 * another process only moves at scheduler ticks) when the flood starts
 * and ends, and its peak RSS (VmHWM) just before it sends SIGTERM; it
 * then checks that the client exits with status 0 within 2 s.  -S counts
 * the client's system calls (in total and those named) during the flood
 * only, with kernel tracepoint counters.  HOOK, if given, runs through
 * /bin/sh once the client said hello, with FLOOD_PID set to the client's
 * process id (for `strace -c -p $FLOOD_PID` or `perf record -p
 * $FLOOD_PID`); the flood starts MS later (default 500) and the hook gets
 * SIGINT when it ends.
 * Without a COMMAND it serves FLOODS WebSocket connections in turn (each
 * gets a whole flood) for any client, and stops.
 *
 * One line per flood goes to standard output, as key=value pairs:
 * events, flood_ms (first event written to last ack read), events_per_s,
 * ack_errors, hello_ms (client started to hello sent), open_to_hello_ms
 * (apps.connections.open request read to hello sent), accept_ms, open_ms
 * and ws_accept_ms (client started to its first TCP connection, to the
 * open request, to the WebSocket's TCP connection), src_us_per_event and
 * src_busy (our CPU time per event, and over the flood's wall time), and
 * with a COMMAND the client's figures: bot_us_per_event, bot_busy,
 * bot_hwm_kib, its whole CPU time, exit status, time from SIGTERM to exit
 * and to its close frame, whether it sent close_notify, and sys_NAME
 * counts.  Exit status 0 when every flood was acknowledged in full
 * without error and the client exited 0 in time; 1 otherwise.
 *
 * Invariants: a connection's rx[rxoff, rxlen) is ciphertext not yet taken
 * by its engine, and rx is refilled only once empty; stage[soff, slen) is
 * ciphertext taken from the engine and not yet sent.  At most one flood
 * runs at a time (fl.conn); fl.next - fl.acked <= window at all times.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#define EVENTS_MAX	100000
#define FRAMES_BYTES	(160u * 1024 * 1024) /* the envelopes, encoded */
#define EVENT_MAX	4096		/* one envelope's JSON */
#define NCONN		4		/* connections at once */
#define RX_MAX		(64 * 1024)	/* ciphertext per recv() */
#define STAGE_MAX	(256 * 1024)	/* ciphertext per send() */
#define IN_MAX		(16 * 1024)	/* plaintext not yet parsed */
#define PEM_MAX		(64 * 1024)
#define CHAIN_MAX	4
#define DER_MAX		(16 * 1024)
#define TICKETS		8
#define EXIT_MS		2000		/* SIGTERM to exit */
#define HOOK_MS		10000		/* for the hook to go */
#define ENV_MAX		512
#define STAGE_ROOM	(32 * 1024)	/* kept for pongs and closes */
#define NSYS		16		/* system calls counted by name */

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

enum { R_FREE, R_HTTP, R_WS };

struct conn {
	int		 role;
	int		 fd;
	int		 eof;		/* the peer closed TCP */
	int		 closing;	/* our close frame went out */
	int		 hello;		/* hello staged, not sent */
	int		 api;		/* answered an open call */
	int		 flooded;	/* carried a flood */
	int64_t		 t_accept;
	br_ssl_server_context sc;
	unsigned char	 iobuf[BR_SSL_BUFSIZE_BIDI];
	size_t		 rxoff, rxlen;
	unsigned char	 rx[RX_MAX];
	size_t		 soff, slen;
	unsigned char	 stage[STAGE_MAX];
	size_t		 inlen;
	unsigned char	 in[IN_MAX];
};

static struct conn	conns[NCONN];

/* The envelopes, encoded as unmasked text frames, back to back. */
static unsigned char	frames[FRAMES_BYTES];
static size_t		frame_off[EVENTS_MAX + 1];
static unsigned char	acked[EVENTS_MAX];
/* The envelope_id without its last 12 digits (the sequence number). */
static char		id_prefix[25];

static struct {
	struct conn	*conn;		/* the one being flooded */
	unsigned	 next;		/* frames fully handed to TLS */
	size_t		 part;		/* of frame next, sent */
	unsigned	 acked;		/* good acks */
	unsigned	 errors;	/* bad, unknown or repeated acks */
	int		 done;
	int64_t		 go_at;		/* no event before */
	int64_t		 t_start, t_end, t_hello, t_open;
	int64_t		 t_ws;		/* its TCP accept */
	struct rusage	 ru0, ru1;
	int64_t		 bot_cpu0, bot_cpu1;	/* ns */
	int64_t		 bot_cs0, bot_cs1;	/* context switches */
} fl;

static struct {
	unsigned	 events;
	unsigned	 window;
	unsigned	 floods;
	unsigned	 port;
	int		 timeout_s;
	int		 delay_ms;
	const char	*chain, *key, *ca, *out, *hook, *syscalls;
	char	       **cmd;
} opt;

static struct {
	unsigned	 floods_done;
	int		 failed;
	int		 lsock;
	int		 sigpipe[2];
	pid_t		 child, hook;
	int		 child_status;
	int		 child_reaped;
	struct rusage	 child_ru;
	int64_t		 t_spawn, t_term, t_exit;
	int64_t		 t_open;	/* the last open call */
	int64_t		 t_accept;	/* the first connection */
	long		 bot_hwm_kib;
	int		 perf_clock;	/* client counters, or -1 */
	int		 perf_cs;
	/* -S: the client's system calls during the flood, total first. */
	size_t		 nsys;
	const char	*sys_name[NSYS + 1];
	size_t		 sys_namelen[NSYS + 1];
	int		 sys_fd[NSYS + 1];
	int64_t		 sys_count[NSYS + 1];
	int64_t		 t_close;	/* its close frame came */
	int		 close_code;
	int		 notify;	/* and then its close_notify */
	int64_t		 deadline;
	char		 tickets[TICKETS][37];
	unsigned	 nticket;
	char		 result[2048];	/* this flood's line */
} st;

/* The server's certificate chain and key. */
static br_x509_certificate	chain[CHAIN_MAX];
static size_t			chain_len;
static unsigned char		chain_der[CHAIN_MAX][DER_MAX];
static br_skey_decoder_context	skey;

static const char hello_json[] = "{\"type\":\"hello\",\"num_connections\":1,"
    "\"debug_info\":{\"host\":\"applink-flood-7c9d5b4f8\",\"build_number\":"
    "118,\"approximate_connection_time\":18060},\"connection_info\":"
    "{\"app_id\":\"A07APP0001\"}}";

static void	die(const char *, ...) __attribute__((format(printf, 1, 2)));
static void	say(const char *, ...) __attribute__((format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("flood: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (st.child > 0)
		kill(st.child, SIGKILL);
	if (st.hook > 0)
		kill(-st.hook, SIGKILL);
	exit(1);
}

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("flood: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
now_msec(void)
{
	return now_ns() / 1000000;
}

static double
ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static int64_t
tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000;
}

static void
fill_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t r;

	while (n > 0) {
		if ((r = getrandom(p, n, 0)) < 0) {
			if (errno == EINTR)
				continue;
			die("getrandom: %s", strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
}

/* A whole number in [lo, hi] from an option, or die. */
static unsigned long
number(const char *s, unsigned long lo, unsigned long hi, int o)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9' && v <= hi; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == s || *p != '\0' || v < lo || v > hi)
		die("-%c wants a number from %lu to %lu", o, lo, hi);
	return v;
}

/*
 * A software counter on the client (task clock in ns, or context
 * switches).  Reading it makes the kernel bring a running task's count up
 * to date, where the process CPU clock of another process only moves at
 * scheduler ticks (4 ms at HZ=250).  -1 when perf events are refused.
 */
static int
perf_open(pid_t pid, uint64_t config)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = config;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1,
	    PERF_FLAG_FD_CLOEXEC);
}

static int64_t
perf_read(int fd)
{
	uint64_t v;

	if (fd < 0 || read(fd, &v, sizeof v) != (ssize_t)sizeof v)
		return -1;
	return (int64_t)v;
}

/* The id of tracepoint dir (raw_syscalls/sys_enter...), or -1. */
static long
tracepoint_id(const char *event, size_t len)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"
	};
	char path[256], buf[32];
	ssize_t n;
	size_t i;
	long id = -1;
	int fd;

	for (i = 0; i < nitems(roots) && id < 0; i++) {
		snprintf(path, sizeof path, "%s/%.*s/id", roots[i], (int)len,
		    event);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		id = strtol(buf, NULL, 10);
	}
	return id;
}

/*
 * -S: one disabled counter per system call named (and one for all of
 * them), on the client; the flood enables them at its first event.
 */
static void
syscalls_open(pid_t pid)
{
	struct perf_event_attr a;
	char ev[96];
	const char *p = opt.syscalls, *e;
	long id;
	size_t k;
	int n;

	st.sys_name[0] = "total";
	st.sys_namelen[0] = 5;
	st.nsys = 1;
	while (*p != '\0' && st.nsys <= NSYS) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (e > p) {
			st.sys_name[st.nsys] = p;
			st.sys_namelen[st.nsys++] = (size_t)(e - p);
		}
		p = *e == ',' ? e + 1 : e;
	}
	for (k = 0; k < st.nsys; k++) {
		if (k == 0)
			n = snprintf(ev, sizeof ev, "raw_syscalls/sys_enter");
		else
			n = snprintf(ev, sizeof ev, "syscalls/sys_enter_%.*s",
			    (int)st.sys_namelen[k], st.sys_name[k]);
		st.sys_fd[k] = -1;
		if ((id = tracepoint_id(ev, (size_t)n)) < 0) {
			say("no tracepoint %s", ev);
			continue;
		}
		memset(&a, 0, sizeof a);
		a.size = sizeof a;
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = (uint64_t)id;
		a.disabled = 1;
		st.sys_fd[k] = (int)syscall(SYS_perf_event_open, &a, pid, -1,
		    -1, PERF_FLAG_FD_CLOEXEC);
		if (st.sys_fd[k] < 0)
			say("cannot count %s: %s", ev, strerror(errno));
	}
}

/* Starts (on) or stops the -S counters. */
static void
syscalls_switch(int on)
{
	size_t k;

	for (k = 0; k < st.nsys; k++) {
		if (st.sys_fd[k] < 0)
			continue;
		ioctl(st.sys_fd[k], on ? PERF_EVENT_IOC_ENABLE :
		    PERF_EVENT_IOC_DISABLE, 0);
		if (!on)
			st.sys_count[k] = perf_read(st.sys_fd[k]);
	}
}

/* The CPU time of a live process, in ns, to the tick; or -1. */
static int64_t
proc_cpu(pid_t pid)
{
	struct timespec ts;
	clockid_t clk;

	if (pid <= 0 || clock_getcpuclockid(pid, &clk) != 0 ||
	    clock_gettime(clk, &ts) != 0)
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* VmHWM of a live process in KiB, or -1. */
static long
proc_hwm(pid_t pid)
{
	char path[64], buf[4096], *p;
	ssize_t n;
	long v = -1;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nVmHWM:")) == NULL)
		return -1;
	for (p += 7; *p == ' ' || *p == '\t'; p++)
		;
	for (v = 0; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* ------------------------------------------------------------------ */
/* Certificates */

static unsigned char	*der_out;
static size_t		 der_len;
static int		 der_over;

static void
der_append(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	if (len > DER_MAX - der_len) {
		der_over = 1;
		return;
	}
	memcpy(der_out + der_len, data, len);
	der_len += len;
}

/* Reads a whole PEM file into buf; returns its length. */
static size_t
slurp(const char *path, unsigned char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die("%s: %s", path, strerror(errno));
	while ((r = read(fd, buf + len, cap - len)) > 0)
		if ((len += (size_t)r) == cap)
			die("%s: larger than %zu bytes", path, cap);
	if (r < 0)
		die("%s: %s", path, strerror(errno));
	close(fd);
	return len;
}

/*
 * Decodes every PEM object of path: certificates go to the chain, a
 * private key (SEC1, PKCS#8 or PKCS#1) to skey.  want: 'c' or 'k'.
 */
static void
load_pem(const char *path, int want)
{
	static unsigned char pem[PEM_MAX], keyder[DER_MAX];
	br_pem_decoder_context pc;
	const unsigned char *p;
	size_t len, n;
	int inobj = 0, iskey = 0, found = 0, pass;

	len = slurp(path, pem, sizeof pem);
	br_pem_decoder_init(&pc);
	/* A last newline, which the decoder needs after the END line. */
	for (pass = 0; pass < 2; pass++) {
		p = pass == 0 ? pem : (const unsigned char *)"\n";
		n = pass == 0 ? len : 1;
		while (n > 0) {
			size_t k = br_pem_decoder_push(&pc, p, n);
			const char *name;

			p += k;
			n -= k;
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				name = br_pem_decoder_name(&pc);
				iskey = strstr(name, "PRIVATE KEY") != NULL;
				inobj = 1;
				der_len = 0;
				der_over = 0;
				if (iskey)
					der_out = keyder;
				else if (strcmp(name, "CERTIFICATE") == 0 &&
				    chain_len < CHAIN_MAX)
					der_out = chain_der[chain_len];
				else {
					inobj = 0;
					break;
				}
				br_pem_decoder_setdest(&pc, der_append, NULL);
				break;
			case BR_PEM_END_OBJ:
				if (!inobj)
					break;
				inobj = 0;
				if (der_over)
					die("%s: an object larger than %d "
					    "bytes", path, DER_MAX);
				if (iskey && want == 'k') {
					br_skey_decoder_init(&skey);
					br_skey_decoder_push(&skey, keyder,
					    der_len);
					if (br_skey_decoder_last_error(&skey)
					    != 0)
						die("%s: unusable private key "
						    "(BearSSL error %d)", path,
						    br_skey_decoder_last_error(
						    &skey));
					found++;
				} else if (!iskey && want == 'c') {
					chain[chain_len].data =
					    chain_der[chain_len];
					chain[chain_len++].data_len = der_len;
					found++;
				}
				break;
			case BR_PEM_ERROR:
				die("%s: not a PEM file", path);
			}
		}
	}
	if (found == 0)
		die("%s: no %s in it", path, want == 'k' ? "private key" :
		    "certificate");
}

/* ------------------------------------------------------------------ */
/* The envelopes */

static const char *const channels[] = {
	"C0GENERAL1", "C0DEPLOYS2", "C0RANDOM03", "C0INCIDNT4"
};
static const char *const users[] = {
	"U03ALICE01", "U04BOB0002", "U05CAROL03"
};

/* Writes envelope number i (JSON) into out; returns its length. */
static size_t
envelope(char *out, size_t cap, unsigned i)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned long sec = 1732531200ul + i / 1000;
	unsigned usec = (i % 1000) * 1000 + 200;
	char block[6];
	int n, k;

	for (k = 0; k < 5; k++)
		block[k] = b32[(i * 2654435761u) >> (k * 5) & 31];
	block[5] = '\0';
	n = snprintf(out, cap,
	    "{\"envelope_id\":\"%s%012x\",\"type\":\"events_api\","
	    "\"accepts_response_payload\":false,\"retry_attempt\":0,"
	    "\"retry_reason\":\"\",\"payload\":{\"token\":"
	    "\"vErIfIcAtIoNtOkEn\",\"team_id\":\"T01ACME001\","
	    "\"context_team_id\":\"T01ACME001\",\"context_enterprise_id\":"
	    "null,\"api_app_id\":\"A07APP0001\",\"event\":{\"user\":\"%s\","
	    "\"type\":\"message\",\"ts\":\"%lu.%06u\",\"client_msg_id\":"
	    "\"a1b2c3d4-e5f6-4a7b-8c9d-%012x\",\"text\":\"flood message "
	    "%06u: is staging up? &lt;3 <https:\\/\\/status.acme.dev|"
	    "status>\",\"team\":\"T01ACME001\",\"blocks\":[{\"type\":"
	    "\"rich_text\",\"block_id\":\"%s\",\"elements\":[{\"type\":"
	    "\"rich_text_section\",\"elements\":[{\"type\":\"text\","
	    "\"text\":\"flood message %06u: is staging up? <3 \"},"
	    "{\"type\":\"link\",\"url\":\"https:\\/\\/status.acme.dev\","
	    "\"text\":\"status\"}]}]}],\"channel\":\"%s\",\"event_ts\":"
	    "\"%lu.%06u\",\"channel_type\":\"channel\"},\"type\":"
	    "\"event_callback\",\"event_id\":\"Ev08%08X\",\"event_time\":%lu,"
	    "\"authorizations\":[{\"enterprise_id\":null,\"team_id\":"
	    "\"T01ACME001\",\"user_id\":\"U07BOT0001\",\"is_bot\":true,"
	    "\"is_enterprise_install\":false}],\"is_ext_shared_channel\":"
	    "false,\"event_context\":\"4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMDF"
	    "BQ01FMDAxIiwiYWlkIjoiQTA3QVBQMDAwMSIsImNpZCI6IkMwR0VORVJBTDEifQ"
	    "\"}}",
	    id_prefix, i, users[i % nitems(users)], sec, usec, i, i, block, i,
	    channels[i % nitems(channels)], sec, usec, i, sec);
	if (n < 0 || (size_t)n >= cap)
		die("envelope %u does not fit", i);
	return (size_t)n;
}

/* Unmasked server frame header for a payload of len bytes. */
static size_t
frame_head(unsigned char *h, int op, size_t len)
{
	int i;

	h[0] = (unsigned char)(0x80 | op);
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

/* Encodes every envelope before any clock starts. */
static void
encode_all(void)
{
	unsigned char r[10];
	char json[EVENT_MAX];
	size_t off = 0, n, h;
	unsigned i;

	fill_random(r, sizeof r);
	snprintf(id_prefix, sizeof id_prefix, "%02x%02x%02x%02x-%02x%02x-4"
	    "%x%02x-%x%x%02x-", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6] & 15, r[7], 8 + (r[8] & 3), r[8] >> 4, r[9]);
	for (i = 0; i < opt.events; i++) {
		n = envelope(json, sizeof json, i);
		if (FRAMES_BYTES - off < n + 10)
			die("%u events do not fit in %u bytes", opt.events,
			    FRAMES_BYTES);
		frame_off[i] = off;
		h = frame_head(frames + off, 1, n);
		memcpy(frames + off + h, json, n);
		off += h + n;
	}
	frame_off[opt.events] = off;
}

/* ------------------------------------------------------------------ */
/* TLS plumbing */

/* Moves records from the engine to the staging buffer; 1 if any. */
static int
to_stage(struct conn *c)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	unsigned char *p;
	size_t n;
	int moved = 0;

	if (c->soff == c->slen)
		c->soff = c->slen = 0;
	while ((p = br_ssl_engine_sendrec_buf(eng, &n)) != NULL &&
	    c->slen < STAGE_MAX) {
		if (n > STAGE_MAX - c->slen)
			n = STAGE_MAX - c->slen;
		memcpy(c->stage + c->slen, p, n);
		c->slen += n;
		br_ssl_engine_sendrec_ack(eng, n);
		moved = 1;
	}
	return moved;
}

static void	conn_drop(struct conn *, const char *why);

/* Sends what is staged; records when hello left. */
static void
send_stage(struct conn *c)
{
	ssize_t r;

	while (c->soff < c->slen) {
		r = send(c->fd, c->stage + c->soff, c->slen - c->soff,
		    MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r < 0) {
			conn_drop(c, strerror(errno));
			return;
		}
		c->soff += (size_t)r;
	}
	c->soff = c->slen = 0;
	if (c->hello) {
		c->hello = 0;
		fl.t_hello = now_ns();
	}
}

/* Hands plaintext to the engine, closing records as they fill. */
static void
app_write(struct conn *c, const void *data, size_t len)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	const unsigned char *s = data;
	unsigned char *p;
	size_t n;

	while (len > 0) {
		if ((p = br_ssl_engine_sendapp_buf(eng, &n)) == NULL) {
			if (!to_stage(c)) {
				send_stage(c);
				if (c->fd < 0 || !to_stage(c)) {
					say("connection stuck writing");
					conn_drop(c, "no room to write");
					return;
				}
			}
			continue;
		}
		if (n > len)
			n = len;
		memcpy(p, s, n);
		br_ssl_engine_sendapp_ack(eng, n);
		s += n;
		len -= n;
	}
}

static void
app_flush(struct conn *c)
{
	br_ssl_engine_flush(&c->sc.eng, 0);
	to_stage(c);
}

/* ------------------------------------------------------------------ */
/* HTTP: apps.connections.open and the WebSocket upgrade */

struct req {
	char		 method[8];
	const char	*target;
	size_t		 targetlen;
	const char	*auth, *upgrade, *key, *version, *connection;
	size_t		 authlen, upgradelen, keylen, versionlen, connlen;
	size_t		 clen;
	int		 has_clen;
};

static int
ieq(const char *a, size_t n, const char *b)
{
	size_t i;

	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (char)(y + 32);
		if (x != y)
			return 0;
	}
	return 1;
}

/* Does the comma-separated list v[0..n) hold token (any case)? */
static int
has_token(const char *v, size_t n, const char *token)
{
	size_t i = 0, j;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		for (j = i; j < n && v[j] != ','; j++)
			;
		while (j > i && (v[j - 1] == ' ' || v[j - 1] == '\t'))
			j--;
		if (j > i && ieq(v + i, j - i, token))
			return 1;
		while (i < n && v[i] != ',')
			i++;
	}
	return 0;
}

/*
 * Parses the head in[0..n) (ending with CRLF CRLF) into q.  Returns 0,
 * or -1 when it is malformed.
 */
static int
parse_head(const char *h, size_t n, struct req *q)
{
	const char *p = h, *end = h + n, *eol, *colon, *v;
	size_t k, vlen;

	memset(q, 0, sizeof q[0]);
	if ((eol = memchr(p, '\r', (size_t)(end - p))) == NULL ||
	    eol + 1 >= end || eol[1] != '\n')
		return -1;
	for (k = 0; p + k < eol && p[k] != ' ' && k + 1 < sizeof q->method;
	    k++)
		q->method[k] = p[k];
	if (p + k >= eol || p[k] != ' ')
		return -1;
	q->target = p + k + 1;
	for (v = q->target; v < eol && *v != ' '; v++)
		;
	q->targetlen = (size_t)(v - q->target);
	if (q->targetlen == 0 || (size_t)(eol - v) != 9 ||
	    memcmp(v, " HTTP/1.1", 9) != 0)
		return -1;
	for (p = eol + 2; p < end && *p != '\r'; p = eol + 2) {
		if ((eol = memchr(p, '\r', (size_t)(end - p))) == NULL ||
		    eol + 1 >= end || eol[1] != '\n')
			return -1;
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL ||
		    colon == p)
			return -1;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		vlen = (size_t)(eol - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		k = (size_t)(colon - p);
		if (ieq(p, k, "content-length")) {
			if (vlen == 0 || vlen > 9 || q->has_clen)
				return -1;
			for (q->clen = 0; vlen > 0; v++, vlen--) {
				if (*v < '0' || *v > '9')
					return -1;
				q->clen = q->clen * 10 + (size_t)(*v - '0');
			}
			q->has_clen = 1;
		} else if (ieq(p, k, "authorization"))
			q->auth = v, q->authlen = vlen;
		else if (ieq(p, k, "upgrade"))
			q->upgrade = v, q->upgradelen = vlen;
		else if (ieq(p, k, "sec-websocket-key"))
			q->key = v, q->keylen = vlen;
		else if (ieq(p, k, "sec-websocket-version"))
			q->version = v, q->versionlen = vlen;
		else if (ieq(p, k, "connection"))
			q->connection = v, q->connlen = vlen;
		else if (ieq(p, k, "transfer-encoding"))
			return -1;	/* a Slack client never sends it */
	}
	return 0;
}

static void
respond(struct conn *c, const char *status, const char *body, int close)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: "
	    "application/json; charset=utf-8\r\nContent-Length: %zu\r\n%s"
	    "\r\n", status, strlen(body), close ? "Connection: close\r\n" : "");
	app_write(c, head, (size_t)n);
	app_write(c, body, strlen(body));
	app_flush(c);
}

static size_t
b64(char *out, const unsigned char *in, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = abc[v >> 18];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? abc[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* POST /api/apps.connections.open: a URL with a fresh ticket. */
static void
serve_open(struct conn *c, const struct req *q, int close)
{
	unsigned char r[16];
	char body[256], *t;

	if (q->auth == NULL || q->authlen < 12 ||
	    memcmp(q->auth, "Bearer xapp-", 12) != 0) {
		respond(c, "200 OK", "{\"ok\":false,\"error\":\"not_authed\"}",
		    close);
		return;
	}
	fill_random(r, sizeof r);
	t = st.tickets[st.nticket++ % TICKETS];
	snprintf(t, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
	snprintf(body, sizeof body, "{\"ok\":true,\"url\":\"wss:\\/\\/"
	    "localhost:%u\\/link\\/?ticket=%s&app_id=A07APP0001\"}", opt.port,
	    t);
	c->api = 1;
	respond(c, "200 OK", body, close);
}

/* Takes the ticket of target if it was issued and not used; 0 or -1. */
static int
use_ticket(const char *target, size_t n)
{
	const char *p;
	size_t i;

	if (n < 20 || memcmp(target, "/link/?ticket=", 14) != 0)
		return -1;
	p = target + 14;
	for (i = 0; i < TICKETS; i++)
		if (st.tickets[i][0] != '\0' && n >= 14 + 36 &&
		    memcmp(p, st.tickets[i], 36) == 0 &&
		    (n == 50 || p[36] == '&')) {
			st.tickets[i][0] = '\0';
			return 0;
		}
	return -1;
}

/* GET /link/?ticket=...: 101, hello, and the flood begins. */
static void
serve_upgrade(struct conn *c, const struct req *q)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char digest[br_sha1_SIZE];
	unsigned char h[10];
	char accept[32], head[256];
	br_sha1_context sh;
	int n;

	if (use_ticket(q->target, q->targetlen) < 0) {
		respond(c, "401 Unauthorized", "{\"ok\":false,\"error\":"
		    "\"invalid_ticket\"}", 1);
		br_ssl_engine_close(&c->sc.eng);
		return;
	}
	if (q->upgrade == NULL || !has_token(q->upgrade, q->upgradelen,
	    "websocket") || q->connection == NULL ||
	    !has_token(q->connection, q->connlen, "upgrade") ||
	    q->version == NULL || q->versionlen != 2 ||
	    memcmp(q->version, "13", 2) != 0 || q->key == NULL ||
	    q->keylen != 24) {
		respond(c, "400 Bad Request", "{\"ok\":false,\"error\":"
		    "\"bad_upgrade\"}", 1);
		br_ssl_engine_close(&c->sc.eng);
		return;
	}
	if (fl.conn != NULL && !fl.done) {
		respond(c, "503 Service Unavailable", "{\"ok\":false,"
		    "\"error\":\"busy\"}", 1);
		br_ssl_engine_close(&c->sc.eng);
		return;
	}
	br_sha1_init(&sh);
	br_sha1_update(&sh, q->key, q->keylen);
	br_sha1_update(&sh, guid, sizeof guid - 1);
	br_sha1_out(&sh, digest);
	b64(accept, digest, sizeof digest);
	n = snprintf(head, sizeof head, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	app_write(c, head, (size_t)n);
	app_write(c, h, frame_head(h, 1, sizeof hello_json - 1));
	app_write(c, hello_json, sizeof hello_json - 1);
	app_flush(c);
	c->role = R_WS;
	c->hello = 1;
	memset(&fl, 0, sizeof fl);
	memset(acked, 0, opt.events);
	fl.conn = c;
	c->flooded = 1;
	/* With a hook or a delay, the loop sets the start time. */
	fl.go_at = opt.hook != NULL || opt.delay_ms > 0 ? INT64_MAX : 0;
	/* The open call that led here; without one, the upgrade itself. */
	fl.t_open = st.t_open;
	fl.t_ws = c->t_accept;
}

/* Handles the complete requests in c->in; returns bytes used. */
static size_t
http_input(struct conn *c)
{
	struct req q;
	const char *h = (const char *)c->in, *e;
	size_t used = 0, hl;
	int close;

	while (c->role == R_HTTP && c->fd >= 0) {
		e = NULL;
		for (hl = used; hl + 3 < c->inlen; hl++)
			if (memcmp(h + hl, "\r\n\r\n", 4) == 0) {
				e = h + hl + 4;
				break;
			}
		if (e == NULL) {
			if (c->inlen - used >= IN_MAX / 2)
				conn_drop(c, "request head too long");
			break;
		}
		hl = (size_t)(e - (h + used));
		if (parse_head(h + used, hl, &q) < 0) {
			respond(c, "400 Bad Request", "{\"ok\":false}", 1);
			conn_drop(c, "malformed request");
			break;
		}
		if (q.clen > IN_MAX / 2) {
			conn_drop(c, "request body too long");
			break;
		}
		if (c->inlen - used - hl < q.clen)
			break;
		close = q.connection != NULL && has_token(q.connection,
		    q.connlen, "close");
		if (strcmp(q.method, "POST") == 0 && q.targetlen == 26 &&
		    memcmp(q.target, "/api/apps.connections.open", 26) == 0) {
			st.t_open = now_ns();
			serve_open(c, &q, close);
		} else if (strcmp(q.method, "GET") == 0 && q.upgrade != NULL) {
			if (st.t_open == 0)
				st.t_open = c->t_accept;
			serve_upgrade(c, &q);
		} else
			respond(c, "404 Not Found", "{\"ok\":false,\"error\":"
			    "\"unknown_method\"}", close);
		used += hl + q.clen;
		if (close)
			br_ssl_engine_close(&c->sc.eng);
	}
	return used;
}

/* ------------------------------------------------------------------ */
/* WebSocket */

static void	flood_finished(void);

/* One acknowledgement {"envelope_id":"..."}; counts it good or bad. */
static void
ack(const unsigned char *p, size_t n)
{
	static const char head[] = "{\"envelope_id\":\"";
	unsigned long seq = 0;
	size_t i;

	if (n != sizeof head - 1 + 36 + 2 ||
	    memcmp(p, head, sizeof head - 1) != 0 ||
	    memcmp(p + n - 2, "\"}", 2) != 0 ||
	    memcmp(p + sizeof head - 1, id_prefix, 24) != 0)
		goto bad;
	for (i = sizeof head - 1 + 24; i < n - 2; i++) {
		unsigned char x = p[i];

		if (x >= '0' && x <= '9')
			seq = seq * 16 + (x - '0');
		else if (x >= 'a' && x <= 'f')
			seq = seq * 16 + (x - 'a' + 10);
		else
			goto bad;
	}
	if (seq >= fl.next || acked[seq])
		goto bad;
	acked[seq] = 1;
	fl.acked++;
	if (fl.acked == opt.events) {
		fl.t_end = now_ns();
		flood_finished();
	}
	return;
bad:
	fl.errors++;
	if (fl.errors <= 3)
		say("bad acknowledgement: %.*s", (int)(n < 120 ? n : 120), p);
}

/* Sends a control frame (server frames are not masked). */
static void
control(struct conn *c, int op, const unsigned char *p, size_t n)
{
	unsigned char h[10];

	app_write(c, h, frame_head(h, op, n));
	app_write(c, p, n);
	app_flush(c);
}

/* Parses the client's frames in c->in; returns bytes used. */
static size_t
ws_input(struct conn *c)
{
	unsigned char *f, *m;
	size_t used = 0, hl, len, i;
	int op;

	while (c->fd >= 0 && c->inlen - used >= 2) {
		f = c->in + used;
		op = f[0] & 15;
		if ((f[0] & 0x70) != 0 || !(f[0] & 0x80) || !(f[1] & 0x80)) {
			/* Reserved bits, fragments, or an unmasked frame. */
			conn_drop(c, "WebSocket protocol error");
			fl.errors++;
			break;
		}
		len = f[1] & 127;
		hl = 2;
		if (len == 126) {
			if (c->inlen - used < 4)
				break;
			len = (size_t)f[2] << 8 | f[3];
			hl = 4;
		} else if (len == 127) {
			if (c->inlen - used < 10)
				break;
			for (len = 0, i = 2; i < 10; i++)
				len = len << 8 | f[i];
			hl = 10;
		}
		if (len > IN_MAX - 14) {
			conn_drop(c, "frame too large");
			fl.errors++;
			break;
		}
		if (c->inlen - used < hl + 4 + len)
			break;
		m = f + hl;
		for (i = 0; i < len; i++)
			m[4 + i] ^= m[i & 3];
		m += 4;
		used += hl + 4 + len;
		switch (op) {
		case 1:
			if (fl.conn == c)
				ack(m, len);
			break;
		case 9:
			control(c, 10, m, len);
			break;
		case 10:
			break;
		case 8:
			if (c->flooded && st.t_close == 0) {
				st.t_close = now_ns();
				st.close_code = len >= 2 ? m[0] << 8 | m[1] :
				    len == 0 ? 1005 : -1;
			}
			/* Echo the code, then close TLS. */
			if (!c->closing)
				control(c, 8, m, len < 2 ? len : 2);
			c->closing = 1;
			br_ssl_engine_close(&c->sc.eng);
			to_stage(c);
			return used;
		default:
			conn_drop(c, "unexpected opcode");
			fl.errors++;
			return used;
		}
	}
	return used;
}

/* The client's CPU time and context switches so far. */
static void
bot_sample(int64_t *cpu, int64_t *cs)
{
	*cpu = *cs = -1;
	if (st.child <= 0)
		return;
	if (st.perf_clock >= 0) {
		*cpu = perf_read(st.perf_clock);
		*cs = perf_read(st.perf_cs);
	} else
		*cpu = proc_cpu(st.child);
}

/* Hands frames to TLS while the window allows; 1 if it wrote any. */
static int
produce(struct conn *c, int64_t now)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	const unsigned char *f;
	unsigned char *p;
	size_t n, flen;
	int wrote = 0;

	if (fl.conn != c || fl.done || c->hello || c->closing ||
	    now < fl.go_at)
		return 0;
	while (fl.next < opt.events && fl.next - fl.acked < opt.window &&
	    STAGE_MAX - c->slen >= STAGE_ROOM) {
		if ((p = br_ssl_engine_sendapp_buf(eng, &n)) == NULL) {
			if (!to_stage(c))
				break;	/* staging full: send first */
			continue;
		}
		if (fl.t_start == 0) {
			syscalls_switch(1);
			bot_sample(&fl.bot_cpu0, &fl.bot_cs0);
			fl.t_start = now_ns();
			getrusage(RUSAGE_SELF, &fl.ru0);
		}
		f = frames + frame_off[fl.next] + fl.part;
		flen = frame_off[fl.next + 1] - frame_off[fl.next] - fl.part;
		if (n > flen)
			n = flen;
		memcpy(p, f, n);
		br_ssl_engine_sendapp_ack(eng, n);
		fl.part += n;
		if (n == flen) {
			fl.next++;
			fl.part = 0;
		}
		wrote = 1;
	}
	if (wrote)
		app_flush(c);
	return wrote;
}

/* ------------------------------------------------------------------ */
/* Connections */

static void
conn_drop(struct conn *c, const char *why)
{
	if (c->fd < 0)
		return;
	if (fl.conn == c && !fl.done) {
		say("the flooded connection ended: %s (%u of %u "
		    "acknowledged)", why, fl.acked, opt.events);
		st.failed = 1;
		fl.conn = NULL;
		if (st.child <= 0)
			st.floods_done++;
	}
	if (fl.conn == c)
		fl.conn = NULL;
	close(c->fd);
	c->fd = -1;
	c->role = R_FREE;
}

static void
conn_accept(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	unsigned char seed[32];
	struct conn *c = NULL;
	size_t i;
	int fd, one = 1;

	if ((fd = accept(st.lsock, (struct sockaddr *)&sa, &len)) < 0)
		return;
	for (i = 0; i < NCONN; i++)
		if (conns[i].role == R_FREE) {
			c = &conns[i];
			break;
		}
	if (c == NULL) {
		say("too many connections; refusing one");
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	c->role = R_HTTP;
	c->eof = c->closing = c->hello = c->api = c->flooded = 0;
	c->rxoff = c->rxlen = c->soff = c->slen = c->inlen = 0;
	c->t_accept = now_ns();
	if (st.t_accept == 0)
		st.t_accept = c->t_accept;
	if (br_skey_decoder_key_type(&skey) == BR_KEYTYPE_EC)
		br_ssl_server_init_full_ec(&c->sc, chain, chain_len,
		    BR_KEYTYPE_EC, br_skey_decoder_get_ec(&skey));
	else
		br_ssl_server_init_full_rsa(&c->sc, chain, chain_len,
		    br_skey_decoder_get_rsa(&skey));
	br_ssl_engine_set_buffer(&c->sc.eng, c->iobuf, sizeof c->iobuf, 1);
	fill_random(seed, sizeof seed);
	br_ssl_engine_inject_entropy(&c->sc.eng, seed, sizeof seed);
	if (!br_ssl_server_reset(&c->sc))
		conn_drop(c, "TLS reset failed");
}

/* Feeds ciphertext to the engine and plaintext to the parsers. */
static int
pump_in(struct conn *c)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	unsigned char *p;
	size_t n, used;
	int moved = 0;

	for (;;) {
		if ((p = br_ssl_engine_recvapp_buf(eng, &n)) != NULL) {
			if (n > IN_MAX - c->inlen)
				n = IN_MAX - c->inlen;
			if (n == 0) {
				conn_drop(c, "input buffer full");
				return 1;
			}
			memcpy(c->in + c->inlen, p, n);
			c->inlen += n;
			br_ssl_engine_recvapp_ack(eng, n);
			if (c->role == R_WS)
				used = ws_input(c);
			else {
				used = http_input(c);
				/* Frames right behind the upgrade request. */
				if (c->role == R_WS && c->fd >= 0) {
					memmove(c->in, c->in + used,
					    c->inlen - used);
					c->inlen -= used;
					used = ws_input(c);
				}
			}
			if (c->fd < 0)
				return 1;
			memmove(c->in, c->in + used, c->inlen - used);
			c->inlen -= used;
			moved = 1;
			continue;
		}
		if (c->rxoff == c->rxlen ||
		    (p = br_ssl_engine_recvrec_buf(eng, &n)) == NULL)
			break;
		if (n > c->rxlen - c->rxoff)
			n = c->rxlen - c->rxoff;
		memcpy(p, c->rx + c->rxoff, n);
		c->rxoff += n;
		br_ssl_engine_recvrec_ack(eng, n);
		moved = 1;
	}
	if (c->rxoff == c->rxlen)
		c->rxoff = c->rxlen = 0;
	return moved;
}

/* Everything a connection can do now, after poll said revents. */
static void
service(struct conn *c, short revents, int64_t now)
{
	int readable = (revents & (POLLIN | POLLERR | POLLHUP)) != 0;
	unsigned state;
	ssize_t r;
	int moved;

	do {
		moved = to_stage(c);
		if (c->slen > c->soff)
			send_stage(c);
		if (c->fd < 0)
			return;
		moved |= pump_in(c);
		if (c->fd < 0)
			return;
		moved |= produce(c, now);
		if (readable && c->rxlen == 0 && !c->eof) {
			r = recv(c->fd, c->rx, sizeof c->rx, 0);
			if (r > 0) {
				c->rxlen = (size_t)r;
				moved = 1;
				if ((size_t)r < sizeof c->rx)
					readable = 0;
			} else if (r == 0) {
				c->eof = 1;
			} else if (errno != EINTR) {
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					c->eof = 1;
				readable = 0;
			}
		}
	} while (moved && c->fd >= 0);
	if (c->fd < 0)
		return;
	state = br_ssl_engine_current_state(&c->sc.eng);
	if (c->soff == c->slen && ((state & BR_SSL_CLOSED) || c->eof)) {
		int err = br_ssl_engine_last_error(&c->sc.eng);

		if (err != 0 && !(c->closing && c->eof))
			say("TLS error %d on a connection", err);
		if (c->flooded && (state & BR_SSL_CLOSED) && err == 0)
			st.notify = 1;
		conn_drop(c, err != 0 ? "TLS error" : "closed");
	}
}

static short
conn_want(const struct conn *c)
{
	unsigned state = br_ssl_engine_current_state(&c->sc.eng);
	short ev = 0;

	if (c->rxlen == 0 && !c->eof)
		ev |= POLLIN;
	if (c->slen > c->soff || (state & BR_SSL_SENDREC))
		ev |= POLLOUT;
	return ev;
}

/* ------------------------------------------------------------------ */
/* The client process */

static void
on_sigchld(int sig)
{
	int e = errno;
	unsigned char b = (unsigned char)sig;

	(void)!write(st.sigpipe[1], &b, 1);
	errno = e;
}

static int
env_skip(const char *e)
{
	static const char *const drop[] = {
		"SLACK_", "HTTPS_PROXY=", "https_proxy=", "ALL_PROXY=",
		"all_proxy=", "NO_PROXY=", "no_proxy=", "SSL_CERT_"
	};
	size_t i;

	for (i = 0; i < nitems(drop); i++)
		if (strncmp(e, drop[i], strlen(drop[i])) == 0)
			return 1;
	return 0;
}

extern char **environ;

/* Starts the client with our Web API and CA; its output goes to opt.out. */
static void
spawn(void)
{
	static char *envp[ENV_MAX + 4];
	static char url[96], ca[PATH_MAX + 16];
	static char token[] = "SLACK_APP_TOKEN=xapp-1-A07APP0001-"
	    "8091827364501-f1o0o0d0b0e0n0c0h0f1o0o0d0b0e0n0c0h0f1o0o0d";
	size_t n = 0, i;
	int fd;

	for (i = 0; environ[i] != NULL && n < ENV_MAX; i++)
		if (!env_skip(environ[i]))
			envp[n++] = environ[i];
	snprintf(url, sizeof url, "SLACK_API_URL=https://localhost:%u/api/",
	    opt.port);
	envp[n++] = url;
	envp[n++] = token;
	if (opt.ca != NULL) {
		snprintf(ca, sizeof ca, "SSL_CERT_FILE=%s", opt.ca);
		envp[n++] = ca;
	}
	envp[n] = NULL;
	fflush(NULL);
	st.t_spawn = now_ns();
	if ((st.child = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (st.child == 0) {
		if ((fd = open(opt.out, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644)) < 0 || dup2(fd, 1) < 0) {
			fprintf(stderr, "flood: %s: %s\n", opt.out,
			    strerror(errno));
			_exit(127);
		}
		signal(SIGCHLD, SIG_DFL);
		environ = envp;
		execvp(opt.cmd[0], opt.cmd);
		fprintf(stderr, "flood: %s: %s\n", opt.cmd[0], strerror(errno));
		_exit(127);
	}
	st.perf_clock = perf_open(st.child, PERF_COUNT_SW_TASK_CLOCK);
	st.perf_cs = perf_open(st.child, PERF_COUNT_SW_CONTEXT_SWITCHES);
	if (opt.syscalls != NULL)
		syscalls_open(st.child);
	if (st.perf_clock < 0)
		say("perf events refused (%s): the client's CPU time is read "
		    "to the scheduler tick only", strerror(errno));
}

/* Starts the hook, in its own process group, with FLOOD_PID set. */
static void
hook_start(void)
{
	char pid[32];

	snprintf(pid, sizeof pid, "%ld", (long)st.child);
	fflush(NULL);
	if ((st.hook = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (st.hook == 0) {
		setpgid(0, 0);
		signal(SIGCHLD, SIG_DFL);
		setenv("FLOOD_PID", pid, 1);
		execl("/bin/sh", "sh", "-c", opt.hook, (char *)NULL);
		_exit(127);
	}
	setpgid(st.hook, st.hook);
}

/* SIGINT to the hook; waits for it (it writes its report on the way). */
static void
hook_stop(void)
{
	int64_t end = now_msec() + HOOK_MS;
	int status;

	if (st.hook <= 0)
		return;
	kill(-st.hook, SIGINT);
	while (waitpid(st.hook, &status, WNOHANG) == 0) {
		if (now_msec() >= end) {
			say("the hook ignores SIGINT; killing it");
			kill(-st.hook, SIGKILL);
			waitpid(st.hook, &status, 0);
			break;
		}
		usleep(5000);
	}
	st.hook = 0;
}

/* Collects the client if it exited. */
static void
reap(void)
{
	unsigned char b[16];
	pid_t p;

	while (read(st.sigpipe[0], b, sizeof b) > 0)
		;
	if (st.child <= 0 || st.child_reaped)
		return;
	p = wait4(st.child, &st.child_status, WNOHANG, &st.child_ru);
	if (p != st.child)
		return;
	st.child_reaped = 1;
	st.t_exit = now_ns();
}

/* ------------------------------------------------------------------ */
/* Results */

/* The flood's own figures, into st.result. */
static void
flood_finished(void)
{
	int64_t flood = fl.t_end - fl.t_start, src;
	double per = (double)opt.events;

	getrusage(RUSAGE_SELF, &fl.ru1);
	fl.done = 1;
	src = tv_ns(&fl.ru1.ru_utime) + tv_ns(&fl.ru1.ru_stime) -
	    tv_ns(&fl.ru0.ru_utime) - tv_ns(&fl.ru0.ru_stime);
	snprintf(st.result, sizeof st.result, "flood events=%u window=%u "
	    "bytes=%zu flood_ms=%.3f events_per_s=%.0f ack_errors=%u "
	    "hello_ms=%.3f open_to_hello_ms=%.3f accept_ms=%.3f open_ms=%.3f "
	    "ws_accept_ms=%.3f src_cpu_ms=%.3f "
	    "src_user_ms=%.3f src_sys_ms=%.3f src_us_per_event=%.3f "
	    "src_busy=%.2f",
	    opt.events, opt.window, frame_off[opt.events], ms(flood),
	    flood > 0 ? per * 1e9 / (double)flood : 0.0, fl.errors,
	    st.t_spawn > 0 ? ms(fl.t_hello - st.t_spawn) : -1.0,
	    ms(fl.t_hello - fl.t_open),
	    st.t_spawn > 0 ? ms(st.t_accept - st.t_spawn) : -1.0,
	    st.t_spawn > 0 ? ms(fl.t_open - st.t_spawn) : -1.0,
	    st.t_spawn > 0 ? ms(fl.t_ws - st.t_spawn) : -1.0, ms(src),
	    ms(tv_ns(&fl.ru1.ru_utime) - tv_ns(&fl.ru0.ru_utime)),
	    ms(tv_ns(&fl.ru1.ru_stime) - tv_ns(&fl.ru0.ru_stime)),
	    (double)src / 1e3 / per, flood > 0 ? (double)src / (double)flood :
	    0.0);
	if (fl.errors > 0)
		st.failed = 1;
	if (st.child > 0) {
		/* The client's figures, before it is asked to stop. */
		bot_sample(&fl.bot_cpu1, &fl.bot_cs1);
		syscalls_switch(0);
		st.bot_hwm_kib = proc_hwm(st.child);
		hook_stop();
		kill(st.child, SIGTERM);
		st.t_term = now_ns();
	} else {
		printf("%s\n", st.result);
		fflush(stdout);
		st.floods_done++;
	}
}

/* The client's figures after it exited; prints the whole line. */
static void
client_report(void)
{
	int code = -1;
	size_t n = strlen(st.result), i;
	int64_t cpu = tv_ns(&st.child_ru.ru_utime) +
	    tv_ns(&st.child_ru.ru_stime);

	if (WIFEXITED(st.child_status))
		code = WEXITSTATUS(st.child_status);
	else if (WIFSIGNALED(st.child_status))
		code = 128 + WTERMSIG(st.child_status);
	if (!fl.done) {
		snprintf(st.result + n, sizeof st.result - n, "flood "
		    "error=client_exited acked=%u", fl.acked);
		n = strlen(st.result);
	}
	/*
	 * ru_maxrss is left out: it counts the pages this process had when
	 * it forked the client.  VmHWM is the client's own.
	 */
	snprintf(st.result + n, sizeof st.result - n, " bot_us_per_event=%.3f "
	    "bot_flood_cpu_ms=%.3f bot_busy=%.2f bot_clock=%s "
	    "bot_cs_per_event=%.4f "
	    "bot_hwm_kib=%ld bot_cpu_ms=%.3f bot_user_ms=%.3f bot_sys_ms=%.3f "
	    "bot_exit=%d bot_exit_ms=%.1f bot_close_ms=%.1f bot_close_code=%d "
	    "bot_close_notify=%d",
	    fl.bot_cpu1 >= 0 && fl.bot_cpu0 >= 0 ? (double)(fl.bot_cpu1 -
	    fl.bot_cpu0) / 1e3 / opt.events : -1.0,
	    fl.bot_cpu1 >= 0 && fl.bot_cpu0 >= 0 ? ms(fl.bot_cpu1 -
	    fl.bot_cpu0) : -1.0,
	    fl.bot_cpu1 >= 0 && fl.bot_cpu0 >= 0 && fl.t_end > fl.t_start ?
	    (double)(fl.bot_cpu1 - fl.bot_cpu0) / (double)(fl.t_end -
	    fl.t_start) : -1.0, st.perf_clock >= 0 ? "perf" : "tick",
	    fl.bot_cs1 >= 0 && fl.bot_cs0 >= 0 ? (double)(fl.bot_cs1 -
	    fl.bot_cs0) / opt.events : -1.0,
	    st.bot_hwm_kib, ms(cpu),
	    ms(tv_ns(&st.child_ru.ru_utime)), ms(tv_ns(&st.child_ru.ru_stime)),
	    code, st.t_term > 0 ? ms(st.t_exit - st.t_term) : -1.0,
	    st.t_close > 0 && st.t_term > 0 ? ms(st.t_close - st.t_term) :
	    -1.0, st.close_code, st.notify);
	for (i = 0; i < st.nsys; i++) {
		n = strlen(st.result);
		snprintf(st.result + n, sizeof st.result - n, " sys_%.*s=%lld",
		    (int)st.sys_namelen[i], st.sys_name[i],
		    (long long)st.sys_count[i]);
	}
	printf("%s\n", st.result);
	fflush(stdout);
	if (code != 0 || !fl.done || st.t_term == 0 ||
	    st.t_exit - st.t_term > (int64_t)EXIT_MS * 1000000)
		st.failed = 1;
}

/* ------------------------------------------------------------------ */

static void
listen_on(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int one = 1;

	if ((st.lsock = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		die("socket: %s", strerror(errno));
	setsockopt(st.lsock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)opt.port);
	if (bind(st.lsock, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(st.lsock, 16) < 0 ||
	    getsockname(st.lsock, (struct sockaddr *)&sa, &len) < 0)
		die("127.0.0.1:%u: %s", opt.port, strerror(errno));
	opt.port = ntohs(sa.sin_port);
}

static void
usage(void)
{
	fprintf(stderr, "usage: flood -c CHAIN.pem -k KEY.pem [-a CA.pem] "
	    "[-n EVENTS] [-w WINDOW]\n"
	    "             [-r FLOODS] [-p PORT] [-T SECONDS] [-o FILE] "
	    "[-x HOOK] [-D MS]\n"
	    "             [-S SYSCALL,...]"
	    "             [-- COMMAND [ARG...]]\n");
	exit(2);
}

/* Is the run over: every flood served and the client collected? */
static int
finished(void)
{
	if (st.child > 0)
		return st.child_reaped;
	return st.floods_done >= opt.floods;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[2 + NCONN];
	struct sigaction sa;
	int at[NCONN], n, i, c, timeout;
	int64_t now, wake;

	opt.events = 20000;
	opt.window = 64;
	opt.floods = 1;
	opt.timeout_s = 60;
	opt.delay_ms = -1;
	opt.out = "/dev/null";
	while ((c = getopt(argc, argv, "+a:c:D:k:n:o:p:r:S:T:w:x:")) != -1)
		switch (c) {
		case 'a':
			opt.ca = optarg;
			break;
		case 'c':
			opt.chain = optarg;
			break;
		case 'D':
			opt.delay_ms = (int)number(optarg, 0, 60000, c);
			break;
		case 'k':
			opt.key = optarg;
			break;
		case 'n':
			opt.events = (unsigned)number(optarg, 1, EVENTS_MAX, c);
			break;
		case 'o':
			opt.out = optarg;
			break;
		case 'p':
			opt.port = (unsigned)number(optarg, 0, 65535, c);
			break;
		case 'r':
			opt.floods = (unsigned)number(optarg, 1, 1000, c);
			break;
		case 'S':
			opt.syscalls = optarg;
			break;
		case 'T':
			opt.timeout_s = (int)number(optarg, 1, 3600, c);
			break;
		case 'w':
			opt.window = (unsigned)number(optarg, 1, EVENTS_MAX, c);
			break;
		case 'x':
			opt.hook = optarg;
			break;
		default:
			usage();
		}
	if (opt.chain == NULL || opt.key == NULL)
		usage();
	if (optind < argc)
		opt.cmd = argv + optind;
	if (opt.cmd != NULL && opt.floods != 1)
		die("-r needs no COMMAND: a client gets one flood");
	if ((opt.hook != NULL || opt.syscalls != NULL) && opt.cmd == NULL)
		die("-x and -S need a COMMAND");
	if (opt.delay_ms < 0)
		opt.delay_ms = opt.hook != NULL ? 500 : 0;

	load_pem(opt.chain, 'c');
	load_pem(opt.key, 'k');
	encode_all();
	listen_on();
	for (i = 0; i < NCONN; i++)
		conns[i].fd = -1;
	if (pipe(st.sigpipe) < 0)
		die("pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(st.sigpipe[i], F_SETFL, O_NONBLOCK);
		fcntl(st.sigpipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	st.deadline = now_msec() + (int64_t)opt.timeout_s * 1000;
	if (opt.cmd != NULL)
		spawn();
	else
		fprintf(stderr, "flood: serving %u flood(s) of %u events: "
		    "SLACK_API_URL=https://localhost:%u/api/\n", opt.floods,
		    opt.events, opt.port);

	while (!finished()) {
		now = now_msec();
		if (now >= st.deadline) {
			say("timed out after %d s (%u of %u events "
			    "acknowledged)", opt.timeout_s, fl.acked,
			    opt.events);
			die("giving up");
		}
		if (st.t_term > 0 && !st.child_reaped &&
		    now_ns() - st.t_term > (int64_t)EXIT_MS * 1000000) {
			say("the client did not exit within %d ms of SIGTERM",
			    EXIT_MS);
			kill(st.child, SIGKILL);
		}
		/* Start the hook once the client is live, then wait. */
		if (fl.conn != NULL && fl.t_hello != 0 &&
		    fl.go_at == INT64_MAX) {
			if (opt.hook != NULL && st.hook == 0)
				hook_start();
			fl.go_at = now + opt.delay_ms;
		}
		wake = st.deadline;
		if (fl.conn != NULL && fl.go_at > now && fl.go_at < wake)
			wake = fl.go_at;
		if (st.t_term > 0 && now + 50 < wake)
			wake = now + 50;
		timeout = (int)(wake - now);
		n = 0;
		pfd[n].fd = st.sigpipe[0];
		pfd[n++].events = POLLIN;
		pfd[n].fd = st.lsock;
		pfd[n++].events = POLLIN;
		for (i = 0; i < NCONN; i++) {
			at[i] = -1;
			if (conns[i].fd < 0)
				continue;
			at[i] = n;
			pfd[n].fd = conns[i].fd;
			pfd[n++].events = conn_want(&conns[i]);
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		now = now_msec();
		if (pfd[0].revents & POLLIN)
			reap();
		if (pfd[1].revents & POLLIN)
			conn_accept();
		for (i = 0; i < NCONN; i++)
			if (conns[i].fd >= 0)
				service(&conns[i], at[i] >= 0 ?
				    pfd[at[i]].revents : 0, now);
		if (st.child > 0 && !st.child_reaped)
			reap();
		if (st.child > 0 && st.child_reaped && !fl.done)
			say("the client exited before the flood ended");
	}
	if (st.child > 0)
		client_report();
	hook_stop();
	return st.failed ? 1 : 0;
}
