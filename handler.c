/*
 * handler.c: see handler.h.
 *
 * FIFO records (handler.h) are REC_NEW until the filters have judged
 * them; a record a handler gets is REC_TAKEN; one that is delivered (or
 * that no handler wants) is REC_DONE, and done records leave from the
 * head.  Records never move while queued, so a process being fed points
 * straight into its record.  In exec mode up to -j handlers run at once, started in
 * FIFO order.
 *
 * In pipe mode records are delivered strictly in order, and a record
 * stays queued until the handler has read it, not merely until it is in
 * the pipe: we keep the pipe's read end too and ask it (FIONREAD) how
 * much is still unread.  When the handler dies, what it had not read goes
 * again, whole, to the next one.
 *
 * Print mode writes every line ready with one writev() per turn, never
 * half a line between turns unless the reader is slower than us (then the
 * rest of the line goes first at the next turn).
 *
 * Children run /bin/sh -c CMD in a process group of their own (so that a
 * timeout reaches what the shell started), with no token in their
 * environment, standard input and output on non-blocking pipes and
 * standard error shared with ours.  SIGCHLD reaches the loop through run's
 * self-pipe; handler_io() reaps with waitpid(WNOHANG) every turn.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "handler.h"
#include "json.h"
#include "log.h"
#include "out.h"
#include "util.h"

#define KILL_GRACE_MS	5000	/* from SIGTERM to SIGKILL */
#define STOP_KILL_MS	1000	/* the same, once the drain is over */
#define SEEN_MAX	256	/* recent (channel, ts) handled */
#define ENV_MAX		512	/* environment strings of a child */
#define RESTART_MAX_MS	60000	/* pipe handler restart backoff ceiling */
#define IOV_BATCH	256	/* lines per writev() in print mode */
#define PIPE_UNREAD_MAX	1024	/* records in the pipe, not yet read */
#define READ_TURN_MAX	(64 * 1024)	/* a process's output read per turn */

extern char	**environ;

struct child {
	pid_t		 pid;		/* 0: free slot */
	int		 in, out;	/* our ends of its stdin, stdout */
	unsigned char	*rec;		/* its record, while stdin is written */
	const char	*data;		/* the event's JSON in that record */
	size_t		 len, off;	/* bytes of it, and written so far */
	int		 exited, status, eof, truncated, timed_out;
	int		 judged;	/* its end has been logged */
	uint64_t	 seq;		/* started after every lower one */
	size_t		 answer;	/* bytes of buf to post */
	int64_t		 deadline, kill_at;
	int		 kind;
	char		 channel[32], thread[32], ts[32];
	char		 url[RESPONSE_URL_MAX + 1]; /* a command's response_url */
	size_t		 url_refused;	/* the length of one too long */
	size_t		 outlen;
	char		 buf[EXEC_OUT_MAX];	/* what it printed */
};

static struct {
	struct handler_opts o;
	struct queue	*fifo;
	int		 draining;	/* stopping: deliver what is queued */
	int		 stopping;	/* the drain is over: take nothing */
	pid_t		 co_pgid;	/* the pipe handler's process group */
	int64_t		 co_kill_at;	/* stopping: SIGKILL it then */
	int		 reap;		/* SIGCHLD came: wait for children */
	size_t		 out_off;	/* print: bytes of the head line written */
	struct child	 kids[JOBS_MAX];
	struct child	 co;		/* the pipe handler */
	int		 co_rfd;	/* our copy of its stdin's read end */
	uint64_t	 co_wrote;	/* bytes written to it */
	uint64_t	 co_end[PIPE_UNREAD_MAX]; /* where each record ends */
	size_t		 co_first, co_count; /* records written, not read */
	int		 co_blocked;	/* the pipe was full */
	char		 line[PIPE_LINE_MAX];	/* its output, a line */
	size_t		 linelen;
	int		 co_skip;	/* discarding an over-long line */
	int		 co_held;	/* a complete line waits for room */
	int		 co_fails;
	int64_t		 co_next;	/* restart not before */
	int64_t		 co_started;
	uint64_t	 seq;		/* handlers started */
	uint64_t	 seen[SEEN_MAX];
	size_t		 nseen;
	char		*envp[ENV_MAX];
	char		 envbuf[ENV_BUF_MAX];
	struct json_tok	 tok[512];
	char		 form[API_REQ_MAX];
} h;

static void
nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* see handler.h */
int
handler_push(int kind, const char *json, size_t n)
{
	unsigned char hdr[REC_HDR] = { (unsigned char)kind, REC_NEW };

	return queue_push(h.fifo, hdr, sizeof hdr, json, n);
}

/* see handler.h */
int
handler_unpush(void)
{
	return queue_unpush(h.fifo);
}

/* see handler.h */
void
handler_init(const struct handler_opts *o, struct queue *fifo)
{
	h.o = *o;
	h.fifo = fifo;
	h.co.in = h.co.out = h.co_rfd = -1;
}

/* Has this (channel, ts) been handled lately?  Remembers it. */
static int
seen(const struct event *ev)
{
	uint64_t k;
	size_t i;

	if (ev->ts.n == 0)
		return 0;
	k = fnv1a(fnv1a(fnv1a(FNV_START, ev->channel.p, ev->channel.n), "/",
	    1), ev->ts.p, ev->ts.n);
	for (i = 0; i < SEEN_MAX; i++)
		if (h.seen[i] == k)
			return 1;
	h.seen[h.nseen++ % SEEN_MAX] = k;
	return 0;
}

/*
 * Reads a record and decides: 1 a handler gets it (ev filled), 0 not.
 */
static int
wanted(unsigned char *p, size_t n, struct event *ev)
{
	const char *why;

	if (event_read(p[0] & ~REC_NEWLINE, (const char *)p + REC_HDR,
	    n - REC_HDR, h.tok,
	    sizeof h.tok /
	    sizeof h.tok[0], ev) < 0) {
		log_msg(LOG_WARN, "skipped an event that is not a JSON object");
		return 0;
	}
	if (!event_wanted(ev, &h.o.filter, &why)) {
		log_msg(LOG_DEBUG, "no handler for a %.*s event: %s",
		    (int)ev->type.n, ev->type.p, why);
		return 0;
	}
	/*
	 * A mention comes twice (app_mention and message), with the same
	 * channel and ts.  An edit carries the ts of the message it
	 * changes, which may have been handled already: it is new all the
	 * same.
	 */
	if ((ev->kind == EV_MESSAGE || ev->kind == EV_MENTION) && !ev->edit &&
	    seen(ev)) {
		log_msg(LOG_DEBUG, "%.*s at %.*s already handled",
		    (int)ev->channel.n, ev->channel.p, (int)ev->ts.n, ev->ts.p);
		return 0;
	}
	return 1;
}

/* Drops delivered records from the head of the FIFO. */
static void
pop_done(void)
{
	unsigned char *p;
	size_t n;

	while ((p = queue_peek(h.fifo, &n)) != NULL && p[1] == REC_DONE)
		queue_pop(h.fifo);
}

/* The environment of a child: ours without tokens, then vars. */
static char **
environment(char **vars, int nvars)
{
	static const char *const hidden[] = {
		"SLACK_BOT_TOKEN=", "SLACK_APP_TOKEN=", "SLACK_TOKEN_FILE=",
		"SLACK_APP_TOKEN_FILE=", "SLACK_SIGNING_SECRET=",
		"SLACK_SIGNING_SECRET_FILE=", "SLACK_WEBHOOK_URL=",
		"SLACK_WEBHOOK_URL_FILE=", "SLACK_CHANNEL=", "SLACK_USER=",
		"SLACK_TEXT=", "SLACK_TS=", "SLACK_THREAD_TS=",
		"SLACK_EVENT_TYPE=", "SLACK_TEAM=", "SLACK_COMMAND=",
	};
	size_t n = 0, i;
	char **e;

	for (e = environ; *e != NULL && n + (size_t)nvars + 1 < ENV_MAX; e++) {
		for (i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
			if (strncmp(*e, hidden[i], strlen(hidden[i])) == 0)
				break;
		if (i == sizeof hidden / sizeof hidden[0])
			h.envp[n++] = *e;
	}
	for (i = 0; i < (size_t)nvars; i++)
		h.envp[n++] = vars[i];
	h.envp[n] = NULL;
	return h.envp;
}

/*
 * Starts /bin/sh -c cmd on two pipes; fills c's pid and descriptors.
 * With keep, *keep gets our own copy of the read end of its stdin.
 */
static int
spawn(struct child *c, char **envp, int *keep)
{
	char *argv[] = { "sh", "-c", (char *)h.o.cmd, NULL };
	int in[2], out[2], i;
	sigset_t all;

	if (pipe(in) < 0)
		goto fail;
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		fcntl(in[i], F_SETFD, FD_CLOEXEC);
		fcntl(out[i], F_SETFD, FD_CLOEXEC);
	}
	if ((c->pid = fork()) < 0) {
		for (i = 0; i < 2; i++) {
			close(in[i]);
			close(out[i]);
		}
		goto fail;
	}
	if (c->pid == 0) {
		/* The child: its own group, default signals, the pipes. */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	setpgid(c->pid, c->pid);
	if (keep != NULL)
		*keep = in[0];
	else
		close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = out[0];
	nonblock(c->in);
	nonblock(c->out);
	c->exited = c->eof = c->truncated = c->timed_out = c->judged = 0;
	c->kill_at = 0;
	c->outlen = 0;
	return 0;
fail:
	log_msg(LOG_ERR, "cannot start the handler: %s", strerror(errno));
	c->pid = 0;
	return -1;
}

/* Writes what is left of the record to c's stdin; 1 when all is out. */
static int
feed(struct child *c, int newline)
{
	struct iovec iov[2];
	ssize_t w;
	int k;

	while (c->off < c->len + (size_t)newline) {
		k = 0;
		if (c->off < c->len) {
			iov[k].iov_base = (char *)c->data + c->off;
			iov[k++].iov_len = c->len - c->off;
		}
		if (newline) {
			iov[k].iov_base = "\n";
			iov[k++].iov_len = 1;
		}
		w = writev(c->in, iov, k);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w < 0)
			return -1;	/* EPIPE: it does not read its input */
		c->off += (size_t)w;
	}
	return 1;
}

/* Frees what c holds of the FIFO and its stdin. */
static void
release_input(struct child *c)
{
	if (c->rec != NULL)
		c->rec[1] = REC_DONE;
	c->rec = NULL;
	if (c->in >= 0)
		close(c->in);
	c->in = -1;
}

static int
exec_start(struct child *c, unsigned char *p, const struct event *ev,
    int64_t now)
{
	char *vars[16];
	int n;

	n = event_env(ev, h.o.filter.self_user, h.envbuf, sizeof h.envbuf,
	    vars, sizeof vars / sizeof vars[0]);
	if (n < 0) {
		log_msg(LOG_WARN, "an event's text is too long for the "
		    "handler's environment; skipped");
		p[1] = REC_DONE;
		return 0;
	}
	if (spawn(c, environment(vars, n), NULL) < 0)
		return -1;
	c->rec = p;
	c->data = ev->json;
	c->len = ev->len;
	c->off = 0;
	c->kind = ev->kind;
	c->seq = ++h.seq;
	c->deadline = now + h.o.timeout_ms;
	c->url[0] = '\0';
	c->url_refused = 0;
	if (event_reply(ev, h.o.reply, c->channel, sizeof c->channel,
	    c->thread, sizeof c->thread) < 0)
		c->channel[0] = c->thread[0] = '\0';
	snprintf(c->ts, sizeof c->ts, "%.*s", (int)ev->ts.n, ev->ts.p);
	if (ev->response_url.n > 0) {
		struct json_tok t;

		memset(&t, 0, sizeof t);
		t.type = JSON_STRING;
		t.len = (uint32_t)ev->response_url.n;
		t.flags = JSON_ESCAPED;
		if (json_unescape(ev->response_url.p, &t, c->url,
		    sizeof c->url, NULL) < 0 && json_unescape(
		    ev->response_url.p, &t, h.envbuf, sizeof h.envbuf,
		    &c->url_refused) < 0)
			c->url_refused = ev->response_url.n;
	}
	p[1] = REC_TAKEN;
	log_msg(LOG_DEBUG, "handler %d started for %s %s", (int)c->pid,
	    c->channel, c->ts);
	if (feed(c, 0) != 0)
		release_input(c);
	return 0;
}

/* Exec mode: start handlers for the oldest records, -j at a time. */
static void
exec_take(int64_t now)
{
	struct queue_cur cur = { 0, 0, 0 };
	struct event ev;
	unsigned char *p;
	size_t n, i;

	while ((p = queue_next(h.fifo, &cur, &n)) != NULL) {
		if (n == 0 || p[1] == REC_DONE || p[1] == REC_TAKEN)
			continue;
		for (i = 0; i < (size_t)h.o.jobs && h.kids[i].pid != 0; i++)
			;
		if (i == (size_t)h.o.jobs)
			break;
		if (!wanted(p, n, &ev)) {
			p[1] = REC_DONE;
			continue;
		}
		if (exec_start(&h.kids[i], p, &ev, now) < 0)
			break;
	}
}

/*
 * Reads what c printed into buf: the bytes read, or 0 when there are
 * none now or its output has ended (then c->eof is set).
 */
static size_t
take(struct child *c, char *buf, size_t n)
{
	ssize_t r;

	while (c->out >= 0) {
		r = read(c->out, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)
			return (size_t)r;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		close(c->out);
		c->out = -1;
		c->eof = 1;
	}
	return 0;
}

/*
 * Reads a child's output, keeping the first EXEC_OUT_MAX bytes; at most
 * READ_TURN_MAX bytes a turn, so that a child printing without end
 * cannot hold the loop.
 */
static void
drain(struct child *c)
{
	char trash[4096];
	size_t r, budget = READ_TURN_MAX;

	while (budget > 0) {
		if (c->outlen < sizeof c->buf) {
			if ((r = take(c, c->buf + c->outlen, sizeof c->buf -
			    c->outlen)) == 0)
				return;
			c->outlen += r;
		} else {
			if ((r = take(c, trash, sizeof trash)) == 0)
				return;
			c->truncated = 1;
		}
		budget -= r < budget ? r : budget;
	}
}

/*
 * Queues a handler's answer: OUT_OK, OUT_FULL (try again) or OUT_TOOBIG
 * (it can never go; said in the log).
 */
static int
reply(const struct child *c, size_t n)
{
	struct json_w w;
	size_t len;
	int rc;

	if (c->url_refused > 0) {
		log_msg(LOG_WARN, "the answer to the command in %s is not sent: "
		    "its response_url of %zu bytes is longer than %d bytes",
		    c->channel[0] ? c->channel : "?", c->url_refused,
		    RESPONSE_URL_MAX);
		return OUT_TOOBIG;
	}
	if (c->url[0] != '\0') {
		/* A slash command or an interaction answers its response_url. */
		json_w_init(&w, h.form, sizeof h.form);
		json_w_object(&w);
		json_w_key(&w, "text");
		json_w_strn(&w, c->buf, n);
		json_w_key(&w, "response_type");
		json_w_str(&w, h.o.reply == REPLY_CHANNEL ? "in_channel" :
		    "ephemeral");
		json_w_object_end(&w);
		if (strncmp(c->url, "https://", 8) != 0) {
			log_msg(LOG_WARN, "the answer to the command in %s is "
			    "not sent: its response_url is not an https:// URL",
			    c->channel[0] ? c->channel : "?");
			return OUT_TOOBIG;
		}
		rc = json_w_finish(&w, &len) != 0 ? OUT_TOOBIG :
		    out_hook(c->url, h.form, len);
	} else if (c->channel[0] == '\0') {
		log_msg(LOG_WARN, "a handler answered an event without a "
		    "channel; nothing posted");
		return OUT_TOOBIG;
	} else
		rc = out_post(c->channel, c->thread, c->buf, n);
	if (rc == OUT_TOOBIG)
		log_msg(LOG_WARN, "the answer to the event in %s at %s is too "
		    "large to send (%zu bytes of text); dropped",
		    c->channel[0] ? c->channel : "?", c->ts[0] ? c->ts : "?",
		    n);
	return rc;
}

/*
 * Is a handler of an earlier event in the same channel still to answer?
 * Answers go out in the order of the events, whatever order the
 * handlers end in.
 */
static int
older(const struct child *c)
{
	size_t i;

	for (i = 0; i < JOBS_MAX; i++)
		if (h.kids[i].pid != 0 && h.kids[i].seq < c->seq &&
		    strcmp(h.kids[i].channel, c->channel) == 0)
			return 1;
	return 0;
}

/*
 * A handler is over: says how once, then posts its output.  Returns 0
 * when the slot is free again, -1 while its answer waits for room.
 */
static int
exec_done(struct child *c)
{
	char what[120];

	if (!c->judged) {
		c->judged = 1;
		snprintf(what, sizeof what, "event in %s at %s", c->channel[0] ?
		    c->channel : "?", c->ts[0] ? c->ts : "?");
		c->answer = 0;
		if (c->timed_out)
			log_msg(LOG_WARN, "handler timed out after %d s (%s); "
			    "its output was dropped", h.o.timeout_ms / 1000,
			    what);
		else if (WIFSIGNALED(c->status))
			log_msg(LOG_WARN, "handler killed by signal %d (%s)",
			    WTERMSIG(c->status), what);
		else if (WEXITSTATUS(c->status) != 0)
			log_msg(LOG_WARN, "handler exited with status %d (%s)",
			    WEXITSTATUS(c->status), what);
		else {
			c->answer = c->outlen;
			while (c->answer > 0 && strchr("\n\r \t",
			    c->buf[c->answer - 1]) != NULL)
				c->answer--;
			if (c->truncated)
				log_msg(LOG_WARN, "handler printed more than %d "
				    "bytes (%s); only those are posted",
				    EXEC_OUT_MAX, what);
		}
		release_input(c);
	}
	if (c->answer > 0 && h.o.reply != REPLY_NONE && (older(c) ||
	    reply(c, c->answer) == OUT_FULL))
		return -1;
	c->pid = 0;
	return 0;
}

/*
 * Pipe mode: one action line from the handler.  OUT_FULL: no room now,
 * try again; otherwise the line is done with (acted on, or skipped with
 * a line in the log).
 */
static int
action(char *line, size_t n)
{
	static const struct action_buf buf = { h.tok, sizeof h.tok /
	    sizeof h.tok[0], h.form, sizeof h.form, h.envbuf,
	    sizeof h.envbuf };
	struct action a;
	int rc, shown;

	switch (action_read(line, n, &buf, &a)) {
	case ACTION_NONE:
		return 0;
	case ACTION_CALL:
		rc = out_call(a.target, a.body, a.len);
		break;
	case ACTION_HOOK:
		rc = out_hook(a.target, a.body, a.len);
		break;
	case ACTION_POST:
		rc = out_post_json(a.target, a.body, a.len);
		break;
	case ACTION_TOO_BIG:
		rc = OUT_TOOBIG;
		break;
	case ACTION_URL_TOO_LONG:
		log_msg(LOG_WARN, "pipe handler gave a response_url of %zu "
		    "bytes, longer than %d bytes; skipped", a.len,
		    RESPONSE_URL_MAX);
		return 0;
	default:
		shown = (int)(a.linelen < 60 ? a.linelen : 60);
		if (a.kind == ACTION_NOT_JSON)
			log_msg(LOG_WARN, "pipe handler printed a line that is "
			    "not a JSON object; skipped: %.*s", shown, line);
		else
			log_msg(LOG_WARN, "pipe handler printed a line that is "
			    "no action (it needs \"method\", \"response_url\" "
			    "or \"channel\" with \"text\"); skipped: %.*s",
			    shown, line);
		return 0;
	}
	if (rc == OUT_TOOBIG) {
		log_msg(LOG_WARN, "pipe handler printed an action too large "
		    "to send; skipped");
		return 0;
	}
	return rc;
}

/*
 * Pipe mode: reads the handler's output, acting on each line; at most
 * READ_TURN_MAX bytes a turn (the rest waits for the next turn).
 */
static void
pipe_read(void)
{
	struct child *c = &h.co;
	size_t k, budget = READ_TURN_MAX;
	char *nl;

	for (;;) {
		/* Complete lines first: they may wait for queue room. */
		while ((nl = memchr(h.line, '\n', h.linelen)) != NULL) {
			k = (size_t)(nl - h.line);
			if (!h.co_skip && action(h.line, k) == OUT_FULL) {
				h.co_held = 1;
				return;
			}
			h.co_skip = 0;
			h.co_held = 0;
			memmove(h.line, nl + 1, h.linelen - k - 1);
			h.linelen -= k + 1;
		}
		if (h.linelen == sizeof h.line) {
			log_msg(LOG_WARN, "pipe handler printed a line longer "
			    "than %d bytes; skipped", PIPE_LINE_MAX);
			h.co_skip = 1;
			h.linelen = 0;
		}
		if (budget == 0 || (k = take(c, h.line + h.linelen,
		    sizeof h.line - h.linelen)) == 0)
			return;
		h.linelen += k;
		budget -= k < budget ? k : budget;
	}
}

/* Pipe mode: (re)starts the handler when it is time. */
static void
pipe_start(int64_t now)
{
	struct child *c = &h.co;

	if (c->pid != 0 || h.stopping || now < h.co_next)
		return;
	if (c->out >= 0) {
		/*
		 * Something the last process left behind still holds its
		 * output: what is there now is all we take of it.
		 */
		pipe_read();
		if (h.co_held)
			return;
		if (c->out >= 0)
			close(c->out);
		c->out = -1;
	}
	if (spawn(c, environment(NULL, 0), &h.co_rfd) < 0) {
		h.co_next = now + 1000;
		return;
	}
	h.co_started = now;
	h.co_pgid = c->pid;
	h.linelen = 0;
	h.co_skip = 0;
	h.co_held = 0;
	log_msg(LOG_INFO, "pipe handler started (pid %d)", (int)c->pid);
}

/* Pipe mode: records the handler has read are delivered. */
static void
pipe_consumed(void)
{
	struct queue_cur cur = { 0, 0, 0 };
	unsigned char *p;
	uint64_t done, in;
	size_t n;
	int unread;

	if (h.co_count == 0 || h.co_rfd < 0 ||
	    ioctl(h.co_rfd, FIONREAD, &unread) < 0)
		return;
	/*
	 * The pipe also holds the first bytes of a record being written
	 * (h.co.off of h.co.rec), which co_wrote does not count yet.
	 */
	in = h.co_wrote + (h.co.rec != NULL ? h.co.off : 0);
	if ((uint64_t)unread > in)
		return;
	done = in - (uint64_t)unread;
	while (h.co_count > 0 && h.co_end[h.co_first] <= done &&
	    (p = queue_next(h.fifo, &cur, &n)) != NULL) {
		if (p[1] == REC_DONE)
			continue;
		p[1] = REC_DONE;
		h.co_first = (h.co_first + 1) % PIPE_UNREAD_MAX;
		h.co_count--;
	}
	pop_done();
}

/* Pipe mode: feeds records to the handler, strictly in order. */
static void
pipe_take(void)
{
	struct queue_cur cur = { 0, 0, 0 };
	struct child *c = &h.co;
	struct event ev;
	unsigned char *p;
	size_t n, skip = h.co_count;

	h.co_blocked = 0;
	if (c->pid == 0 || c->in < 0)
		return;
	while ((p = queue_next(h.fifo, &cur, &n)) != NULL) {
		if (n == 0 || p[1] == REC_DONE)
			continue;
		if (p[1] == REC_TAKEN && skip > 0) {
			skip--;		/* written, not yet read */
			continue;
		}
		if (h.co_count == PIPE_UNREAD_MAX)
			return;
		if (p[1] != REC_TAKEN) {
			if (!wanted(p, n, &ev)) {
				p[1] = REC_DONE;
				continue;
			}
			p[1] = REC_TAKEN;
		}
		if (c->rec != p) {
			c->rec = p;
			c->data = (const char *)p + REC_HDR;
			c->len = n - REC_HDR;
			c->off = 0;
		}
		switch (feed(c, 1)) {
		case 0:
			h.co_blocked = 1;
			return;
		case 1:
			h.co_wrote += c->len + 1;
			h.co_end[(h.co_first + h.co_count++) % PIPE_UNREAD_MAX] =
			    h.co_wrote;
			c->rec = NULL;
			break;
		default:
			/* It closed its input: it is going away. */
			close(c->in);
			c->in = -1;
			return;
		}
	}
}

/*
 * Pipe mode: the handler ended.  What it had not read stays queued for
 * the next one, which starts after a pause.  Its output stays open until
 * its end is read: the last lines it printed before exiting count.
 */
static void
pipe_ended(int64_t now)
{
	struct child *c = &h.co;
	int64_t delay;

	pipe_consumed();
	if (c->in >= 0)
		close(c->in);
	if (h.co_rfd >= 0)
		close(h.co_rfd);
	c->in = h.co_rfd = -1;
	c->pid = 0;
	c->rec = NULL;
	h.co_count = h.co_first = 0;
	h.co_wrote = 0;
	if (now - h.co_started >= RESTART_MAX_MS)
		h.co_fails = 0;
	/* One local process: nothing to spread out, no jitter. */
	delay = backoff_ceiling(h.co_fails++, 1000, RESTART_MAX_MS);
	h.co_next = now + delay;
	if (h.stopping)
		return;
	if (WIFSIGNALED(c->status))
		log_msg(LOG_WARN, "pipe handler killed by signal %d; restarting "
		    "it in %d s", WTERMSIG(c->status), (int)(delay / 1000));
	else
		log_msg(LOG_WARN, "pipe handler exited with status %d; "
		    "restarting it in %d s", WEXITSTATUS(c->status),
		    (int)(delay / 1000));
}

/*
 * Makes the JSON of record p[0..n) one line: Slack's JSON is compact, but
 * a blank between tokens may be a newline, which must not split it.  Only
 * records marked REC_NEWLINE are looked at, once.
 */
static void
one_line(unsigned char *p, size_t n)
{
	unsigned char *q;

	if (!(p[0] & REC_NEWLINE))
		return;
	for (q = p + REC_HDR; (q = memchr(q, '\n', n - (size_t)(q - p))) !=
	    NULL; q++)
		*q = ' ';
	p[0] &= ~REC_NEWLINE;
}

/* Print mode: the lines ready, one writev() for up to IOV_BATCH. */
static int
print(void)
{
	static const char nl = '\n';
	struct iovec iov[IOV_BATCH * 2];
	struct queue_cur cur = { 0, 0, 0 };
	unsigned char *p;
	size_t n, k = 0, off = h.out_off;
	ssize_t r;

	/* Two entries per line (one when the head's text is all out). */
	while (k + 2 <= IOV_BATCH * 2 && (p = queue_next(h.fifo, &cur, &n)) !=
	    NULL) {
		if (n == 0)
			continue;
		one_line(p, n);
		if (off < n - REC_HDR) {
			iov[k].iov_base = p + REC_HDR + off;
			iov[k++].iov_len = n - REC_HDR - off;
		}
		iov[k].iov_base = (void *)&nl;
		iov[k++].iov_len = 1;
		off = 0;
	}
	if (k == 0)
		return 0;
	while ((r = writev(1, iov, (int)k)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		log_msg(errno == EPIPE ? LOG_INFO : LOG_ERR, "standard output: "
		    "%s; stopping", strerror(errno));
		return -1;
	}
	/* Drop the lines written in full; remember where the next stops. */
	n = (size_t)r + h.out_off;
	while ((p = queue_peek(h.fifo, &k)) != NULL && n >= k - REC_HDR + 1) {
		n -= k - REC_HDR + 1;
		queue_pop(h.fifo);
	}
	h.out_off = n;
	return 0;
}

/* Collects the children that ended. */
static void
reap(int64_t now)
{
	struct child *c;
	pid_t pid;
	size_t i;
	int st;

	if (!h.reap)
		return;
	h.reap = 0;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		c = pid == h.co.pid ? &h.co : NULL;
		for (i = 0; c == NULL && i < JOBS_MAX; i++)
			if (h.kids[i].pid == pid)
				c = &h.kids[i];
		if (c == NULL)
			continue;
		c->exited = 1;
		c->status = st;
		if (c == &h.co)
			pipe_ended(now);
	}
}

/*
 * Timeouts: SIGTERM to the handler's group, then SIGKILL.  A handler runs
 * until its shell has exited and its output is closed: a child it left
 * behind that still holds the output (a background job, or one that
 * ignores SIGTERM while the shell died of it) keeps it running, so the
 * group is signalled whether the shell is still there or not.  With
 * SIGKILL we stop waiting for the output, which a timeout drops anyway:
 * whatever escaped the group cannot hold the slot.
 */
static void
timeouts(struct child *c, int64_t now)
{
	if (c->pid == 0 || (c->exited && c->eof) || c->kill_at == INT64_MAX)
		return;
	if (c->kill_at == 0 && now >= c->deadline) {
		log_msg(LOG_WARN, "handler still running after %d s (event in "
		    "%s at %s); stopping it", h.o.timeout_ms / 1000, c->channel,
		    c->ts);
		c->timed_out = 1;
		kill(-c->pid, SIGTERM);
		c->kill_at = now + KILL_GRACE_MS;
	} else if (c->kill_at != 0 && now >= c->kill_at) {
		kill(-c->pid, SIGKILL);
		c->kill_at = INT64_MAX;
		if (c->out >= 0)
			close(c->out);
		c->out = -1;
		c->eof = 1;
	}
}

static void
add(struct pollfd *pfd, int max, int *n, int fd, short ev)
{
	if (fd >= 0 && *n < max) {
		pfd[*n].fd = fd;
		pfd[*n].events = ev;
		pfd[*n].revents = 0;
		(*n)++;
	}
}

/* see handler.h */
int
handler_poll(struct pollfd *pfd, int max, int64_t *wake)
{
	struct child *c;
	int n = 0, i;

	switch (h.o.mode) {
	case H_PRINT:
		if (queue_count(h.fifo) > 0)
			add(pfd, max, &n, 1, POLLOUT);
		break;
	case H_EXEC:
		for (i = 0; i < JOBS_MAX; i++) {
			c = &h.kids[i];
			if (c->pid == 0)
				continue;
			if (c->rec != NULL)
				add(pfd, max, &n, c->in, POLLOUT);
			add(pfd, max, &n, c->out, POLLIN);
			if (!(c->exited && c->eof) &&
			    c->kill_at != INT64_MAX) {
				if (c->kill_at == 0 && c->deadline < *wake)
					*wake = c->deadline;
				else if (c->kill_at != 0 && c->kill_at < *wake)
					*wake = c->kill_at;
			}
			/* Ended, with its answer waiting for room. */
			if (c->exited && c->eof && now_ms() + 100 < *wake)
				*wake = now_ms() + 100;
		}
		break;
	case H_PIPE:
		c = &h.co;
		if (c->pid == 0 && !h.stopping && h.co_next < *wake)
			*wake = h.co_next;
		if (c->in >= 0 && h.co_blocked)
			add(pfd, max, &n, c->in, POLLOUT);
		/* Nothing tells when it reads: look again soon. */
		if (h.co_count > 0 && now_ms() + 100 < *wake)
			*wake = now_ms() + 100;
		if (!h.co_held)
			add(pfd, max, &n, c->out, POLLIN);
		else if (now_ms() + 100 < *wake)
			*wake = now_ms() + 100;
		break;
	}
	return n;
}

/* see handler.h */
int
handler_io(const struct pollfd *pfd, int n, int64_t now)
{
	struct child *c;
	int i;

	(void)pfd;
	(void)n;
	reap(now);
	switch (h.o.mode) {
	case H_PRINT:
		return print();
	case H_EXEC:
		for (i = 0; i < JOBS_MAX; i++) {
			c = &h.kids[i];
			if (c->pid == 0)
				continue;
			if (c->rec != NULL && feed(c, 0) != 0)
				release_input(c);
			drain(c);
			timeouts(c, now);
			if (c->exited && c->eof)
				exec_done(c);
		}
		if (!h.stopping)
			exec_take(now);
		break;
	case H_PIPE:
		pipe_start(now);
		pipe_consumed();
		if (!h.stopping)
			pipe_take();
		pipe_read();
		pop_done();
		/* Draining and all of it read: the end of its input. */
		if (h.draining && h.co.in >= 0 && queue_count(h.fifo) == 0) {
			close(h.co.in);
			h.co.in = -1;
		}
		if (h.co_kill_at != 0 && now >= h.co_kill_at) {
			h.co_kill_at = 0;
			handler_kill();
		}
		break;
	}
	pop_done();
	return 0;
}

/* see handler.h */
void
handler_sigchld(void)
{
	h.reap = 1;
}

/* see handler.h */
void
handler_drain(void)
{
	h.draining = 1;
}

/* see handler.h */
void
handler_stop(int64_t now)
{
	int i;

	h.stopping = 1;
	for (i = 0; i < JOBS_MAX; i++)
		if (h.kids[i].pid != 0 &&
		    !(h.kids[i].exited && h.kids[i].eof) &&
		    h.kids[i].kill_at != INT64_MAX) {
			kill(-h.kids[i].pid, SIGTERM);
			h.kids[i].kill_at = now + STOP_KILL_MS;
		}
	if (h.co.in >= 0) {
		close(h.co.in);
		h.co.in = -1;
	}
	if (h.co.pid != 0) {
		log_msg(LOG_WARN, "the pipe handler is still running; sending "
		    "it SIGTERM");
		kill(-h.co.pid, SIGTERM);
		h.co_kill_at = now + STOP_KILL_MS;
	}
}

/* see handler.h */
void
handler_kill(void)
{
	int i;

	for (i = 0; i < JOBS_MAX; i++)
		if (h.kids[i].pid != 0 && !(h.kids[i].exited && h.kids[i].eof))
			kill(-h.kids[i].pid, SIGKILL);
	/*
	 * The whole group, even once its leader is gone: a process it
	 * started may ignore SIGTERM and still hold its output.
	 */
	if (h.co_pgid != 0) {
		if (h.co.pid != 0 || !handler_idle())
			log_msg(LOG_WARN, "the pipe handler did not end; "
			    "killing it");
		kill(-h.co_pgid, SIGKILL);
	}
}

/* Writes one record's JSON as a line, newlines inside made blanks. */
static int
spill_one(int fd, unsigned char *p, size_t n)
{
	struct iovec iov[2];
	size_t off = 0;
	ssize_t w;

	one_line(p, n);
	while (off < n - REC_HDR + 1) {
		iov[0].iov_base = p + REC_HDR + off;
		iov[0].iov_len = n - REC_HDR - off;
		iov[1].iov_base = "\n";
		iov[1].iov_len = 1;
		w = off < n - REC_HDR ? writev(fd, iov, 2) :
		    writev(fd, iov + 1, 1);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* see handler.h */
size_t
handler_spill(int fd, const char *name)
{
	struct queue_cur cur = { 0, 0, 0 };
	struct event ev;
	unsigned char *p;
	size_t n, count = 0, failed = 0;
	int flags;

	pipe_consumed();
	/* Count first: the line that says how many goes before them. */
	while ((p = queue_next(h.fifo, &cur, &n)) != NULL) {
		if (n == 0 || p[1] == REC_DONE)
			continue;
		if (h.o.mode == H_EXEC && p[1] == REC_TAKEN)
			continue;	/* its handler has it */
		if (h.o.mode != H_PRINT && p[1] != REC_TAKEN &&
		    !wanted(p, n, &ev)) {
			p[1] = REC_DONE;
			continue;
		}
		count++;
	}
	if (count == 0)
		return 0;
	if (name != NULL)
		log_msg(LOG_WARN, "%zu event%s not delivered (acknowledged to "
		    "Slack, which will not send %s again): written to %s",
		    count, count == 1 ? "" : "s", count == 1 ? "it" : "them",
		    name);
	else
		log_msg(LOG_WARN, "%zu event%s not delivered (acknowledged to "
		    "Slack, which will not send %s again); %s follow%s on "
		    "standard error as JSON lines (--spill FILE keeps them "
		    "in a file)", count, count == 1 ? "" : "s", count == 1 ?
		    "it" : "them", count == 1 ? "it" : "they", count == 1 ?
		    "s" : "");
	/* A blocking write: nothing else is left to do. */
	if ((flags = fcntl(fd, F_GETFL)) >= 0 && (flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	memset(&cur, 0, sizeof cur);
	while ((p = queue_next(h.fifo, &cur, &n)) != NULL) {
		if (n == 0 || p[1] == REC_DONE || (h.o.mode == H_EXEC &&
		    p[1] == REC_TAKEN))
			continue;
		if (spill_one(fd, p, n) < 0)
			failed++;
		p[1] = REC_DONE;
	}
	if (failed > 0)
		log_msg(LOG_ERR, "%zu of them could not be written to %s: %s",
		    failed, name != NULL ? name : "standard error",
		    strerror(errno));
	h.out_off = 0;
	pop_done();
	return count;
}

/* see handler.h */
int
handler_idle(void)
{
	int i;

	if (h.o.mode == H_PRINT)
		return queue_count(h.fifo) == 0;
	for (i = 0; i < JOBS_MAX; i++)
		if (h.kids[i].pid != 0)
			return 0;
	return h.co.pid == 0 && h.co.out < 0;
}
