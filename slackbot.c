/*
 * slackbot: a Slack bot in one static binary.
 *
 * This file holds main(), the help, and the one-shot commands: auth,
 * check, post, upload and api.  The configuration they start from is read
 * in setup.c; the long-running `run` lives in run.c.  Every buffer is
 * static and sized in config.h; nothing is allocated.
 *
 * Exit status (setup.h): 0 success; 1 failure (Slack said no, the
 * network gave up); 2 usage or configuration error; 3 the token was
 * refused (restarting will not help).
 */
#define _GNU_SOURCE		/* memfd_create() */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "check.h"
#include "run.h"
#include "setup.h"
#include "util.h"
#include "webhook.h"

/* Slack cuts a message's text at 40,000 characters: no more is sent. */
#define POST_TEXT_MAX	40000

static struct config	cfg;
static struct api	api;

/* The Web API client's buffers (see api.h). */
static unsigned char	api_tls[BR_SSL_BUFSIZE_MONO];
static unsigned char	api_out[API_REQ_MAX];
static char		api_body[API_BODY_MAX];
static struct json_tok	api_tok[JSON_TOK_MAX];

/* Arguments being built (form or JSON). */
static char		args[API_REQ_MAX];

/* Reads the tokens, the trusted roots, the proxy; prepares api. */
static void
network(void)
{
	struct api_buf b = API_BUF(api_tls, api_out, api_body, api_tok);

	setup_tokens(&cfg);
	setup_network(&cfg, &api, &b);
}

static const char *
need_bot_token(void)
{
	setup_tokens(&cfg);
	if (cfg.bot.value == NULL)
		die(EXIT_CONFIG, "no bot token: set SLACK_BOT_TOKEN (xoxb-...) "
		    "or SLACK_TOKEN_FILE");
	return cfg.bot.value;
}

/* A string member of the answer into buf, or "-". */
static const char *
field(const char *key, char *buf, size_t len)
{
	int i = api_field(&api, key);

	if (i < 0 || api.tok[i].type != JSON_STRING ||
	    json_unescape(api.body, &api.tok[i], buf, len, NULL) < 0)
		snprintf(buf, len, "-");
	return buf;
}

/* Standard output is written and flushed: EXIT_OK, else EXIT_FAIL. */
static int
flushed(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EXIT_OK;
	log_msg(LOG_ERR, "standard output: %s", strerror(errno));
	return EXIT_FAIL;
}

static int
cmd_auth(int argc, char **argv)
{
	struct api_call k = { "auth.test", NULL, 0, "", 0, -1, NULL };
	char a[256], b[256];

	setup_options(argc, argv, "auth", "", NULL, HELP_AUTH, HELP_NONE);
	if (optind != argc)
		die(EXIT_USAGE, "auth: no arguments wanted (slackbot help auth)");
	k.token = need_bot_token();
	network();
	if (api_call(&api, &k) != API_OK)
		return setup_report(&cfg, &api, "auth.test", k.token);
	printf("team:    %s (%s)\n", field("team", a, sizeof a),
	    field("team_id", b, sizeof b));
	printf("user:    %s (%s)\n", field("user", a, sizeof a),
	    field("user_id", b, sizeof b));
	printf("bot id:  %s\n", field("bot_id", a, sizeof a));
	printf("url:     %s\n", field("url", a, sizeof a));
	api_close(&api);
	return flushed();
}

/* Reads all of standard input into buf; 1 when it did not all fit. */
static int
read_stdin(char *buf, size_t cap, size_t *n)
{
	ssize_t r;

	*n = 0;
	while (*n < cap && (r = read(0, buf + *n, cap - *n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_FAIL, "reading standard input: %s",
			    strerror(errno));
		*n += (size_t)r;
	}
	return *n == cap;
}

static void
too_long(const char *channel)
{
	die(EXIT_USAGE, "post: the message is longer than %d bytes, Slack's "
	    "limit; send it as a file instead: slackbot upload -c %s FILE "
	    "(or - for standard input)", POST_TEXT_MAX, channel);
}

/* --blocks FILE: a JSON array, read into buf; dies when it is not one. */
static size_t
read_blocks(const char *path, char *buf, size_t cap)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd, k;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		die(EXIT_USAGE, "post: --blocks %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(EXIT_USAGE, "post: --blocks %s is not a regular file",
		    path);
	while (n < cap && (r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_USAGE, "post: --blocks %s: %s", path,
			    strerror(errno));
		n += (size_t)r;
	}
	close(fd);
	if (n == cap)
		die(EXIT_USAGE, "post: --blocks %s is larger than %zu bytes",
		    path, cap - 1);
	k = json_parse(buf, n, api_tok, sizeof api_tok / sizeof api_tok[0], 0,
	    NULL);
	if (k < 0 || api_tok[0].type != JSON_ARRAY)
		die(EXIT_USAGE, "post: --blocks %s is not a JSON array of "
		    "blocks (%s)", path, k < 0 ? json_strerror(k) :
		    "another JSON value");
	return n;
}

/*
 * The webhook URL from --webhook (copied, and wiped from our command line
 * so that ps shows it no longer) or the environment, or NULL.
 */
static const char *
webhook_url(char *arg, const char *channel)
{
	static char url[512];
	size_t n;

	if (arg != NULL) {
		if ((n = strlen(arg)) >= sizeof url)
			die(EXIT_USAGE, "post: the webhook URL is longer "
			    "than %zu bytes", sizeof url - 1);
		memcpy(url, arg, n + 1);
		memset(arg, '*', n);
		log_secret(url);
		return url;
	}
	setup_tokens(&cfg);
	if (channel != NULL && *channel != '\0')
		return NULL;
	return cfg.webhook.value;
}

/* Posts the JSON in args through the webhook at url. */
static int
post_webhook(const char *url, size_t len)
{
	struct api_buf b = API_BUF(api_tls, api_out, api_body, api_tok);
	struct api_call k = { NULL, NULL, API_RAW | API_JSON | API_ONCE |
	    API_HOOK, args, len, -1, NULL };
	char base[300], err[400], words[400];

	if (webhook_split(url, base, sizeof base, &k.method, err,
	    sizeof err) < 0)
		die(EXIT_USAGE, "post: %s", err);
	log_secret(k.method);
	setup_tokens(&cfg);
	setup_network(&cfg, &api, &b);
	if (api_init(&api, base, &cfg.proxy, &b, err, sizeof err) < 0)
		die(EXIT_USAGE, "post: %s", err);
	if (api_call(&api, &k) == API_OK) {
		api_close(&api);
		return flushed();
	}
	if (api.status == 0 || api.status == 429 || api.status >= 500)
		return setup_report(&cfg, &api, "webhook", NULL);
	log_msg(LOG_ERR, "webhook: %s", webhook_refusal(api.status, api.body,
	    api.len, words, sizeof words));
	return EXIT_FAIL;
}

static int
cmd_post(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "webhook",	required_argument,	NULL, 'W' },
		{ "blocks",	required_argument,	NULL, 'B' },
		{ NULL,		0,			NULL, 0 }
	};
	static char text[POST_TEXT_MAX + 1], blocks[API_REQ_MAX / 2];
	struct api_call k = { "chat.postMessage", NULL, API_JSON | API_ONCE,
	    args, 0, -1, NULL };
	const char *channel = getenv("SLACK_CHANNEL"), *thread = NULL;
	const char *hook = NULL, *bfile = NULL;
	char *hook_arg = NULL;
	struct json_w w;
	size_t n = 0, len, blen = 0;
	int c, i, t, given = 0;

	while ((c = setup_options(argc, argv, "post", "c:t:", opts,
	    HELP_POST, HELP_NONE)) != -1)
		switch (c) {
		case 'c':
			channel = optarg;
			given = 1;
			break;
		case 't':
			thread = optarg;
			break;
		case 'W':
			hook_arg = optarg;
			break;
		case 'B':
			bfile = optarg;
			break;
		}
	if (hook_arg != NULL && given)
		die(EXIT_USAGE, "post: a webhook posts to the channel it was "
		    "made for: give --webhook or -c, not both");
	hook = webhook_url(hook_arg, hook_arg != NULL ? NULL : channel);
	if (hook == NULL && (channel == NULL || *channel == '\0'))
		die(EXIT_USAGE, "post: no channel: give -c CHANNEL or set "
		    "SLACK_CHANNEL (or post through a webhook: --webhook URL, "
		    "or SLACK_WEBHOOK_URL)");
	if (hook == NULL)
		k.token = need_bot_token();
	else
		channel = "CHANNEL";	/* for the hints of too_long() */
	if (bfile != NULL)
		blen = read_blocks(bfile, blocks, sizeof blocks);
	if (optind == argc && bfile == NULL) {
		if (isatty(0))
			log_msg(LOG_INFO, "post: reading the message from "
			    "standard input; end it with Ctrl-D");
		if (read_stdin(text, sizeof text, &n))
			too_long(channel);
		while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
			n--;
	}
	for (i = optind; i < argc; i++) {
		len = strlen(argv[i]);
		if (len + (i > optind) > POST_TEXT_MAX - n)
			too_long(channel);
		if (i > optind)
			text[n++] = ' ';
		memcpy(text + n, argv[i], len);
		n += len;
	}
	if (n == 0 && blen == 0)
		die(EXIT_USAGE, "post: the message is empty");
	json_w_init(&w, args, sizeof args);
	json_w_object(&w);
	if (k.token != NULL) {
		json_w_key(&w, "channel");
		json_w_str(&w, channel);
	}
	if (n > 0) {
		json_w_key(&w, "text");
		json_w_strn(&w, text, n);
	}
	if (blen > 0) {
		json_w_key(&w, "blocks");
		json_w_raw(&w, blocks, blen);
	}
	if (thread != NULL) {
		json_w_key(&w, "thread_ts");
		json_w_str(&w, thread);
	}
	json_w_object_end(&w);
	if (json_w_finish(&w, &k.len) != 0)
		die(EXIT_USAGE, "post: the message is too long once escaped "
		    "for JSON (%zu bytes); send it as a file instead: slackbot "
		    "upload -c %s FILE", sizeof args, channel);
	if (hook != NULL)
		return post_webhook(hook, k.len);
	network();
	if (api_call(&api, &k) != API_OK)
		return setup_report(&cfg, &api, "chat.postMessage", k.token);
	if ((t = api_field(&api, "ts")) >= 0)
		printf("%.*s\n", (int)api.tok[t].len,
		    api.body + api.tok[t].start);
	api_close(&api);
	return flushed();
}

/* Appends "&key=value" (form-encoded) to args at *n; dies on overflow. */
static void
form_add(size_t *n, const char *key, const char *val, size_t vlen)
{
	if (http_form_add(args, sizeof args, n, key, strlen(key), val,
	    vlen) < 0)
		die(EXIT_USAGE, "arguments longer than %zu bytes",
		    sizeof args - 1);
}

static int
cmd_api(int argc, char **argv)
{
	struct api_call k = { NULL, NULL, 0, args, 0, -1, NULL };
	const char *eq;
	size_t n = 0;
	int i;

	setup_options(argc, argv, "api", "", NULL, HELP_API, HELP_NONE);
	if (optind >= argc)
		die(EXIT_USAGE, "api: which method? (slackbot help api)");
	k.method = argv[optind];
	for (i = 0; k.method[i] != '\0'; i++)
		if (!(k.method[i] >= 'a' && k.method[i] <= 'z') &&
		    !(k.method[i] >= 'A' && k.method[i] <= 'Z') &&
		    !(k.method[i] >= '0' && k.method[i] <= '9') &&
		    k.method[i] != '.' && k.method[i] != '_')
			die(EXIT_USAGE, "api: \"%s\" is not a method name "
			    "(such as chat.postMessage)", k.method);
	for (i = optind + 1; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i])
			die(EXIT_USAGE, "api: \"%s\" is not KEY=VALUE",
			    argv[i]);
		if (http_form_add(args, sizeof args, &n, argv[i],
		    (size_t)(eq - argv[i]), eq + 1, strlen(eq + 1)) < 0)
			die(EXIT_USAGE, "api: arguments longer than %zu bytes",
			    sizeof args - 1);
	}
	k.len = n;
	setup_tokens(&cfg);
	/* The app-level token serves only apps.connections.open. */
	if (strcmp(k.method, "apps.connections.open") == 0 &&
	    cfg.app.value != NULL)
		k.token = cfg.app.value;
	else if (cfg.bot.value != NULL)
		k.token = cfg.bot.value;
	else if (cfg.app.value != NULL)
		k.token = cfg.app.value;
	else
		need_bot_token();
	if (api_once(k.method))
		k.flags |= API_ONCE;
	network();
	api_call(&api, &k);
	/* Whatever Slack answered is printed, a refusal too. */
	if (api.len > 0) {
		fwrite(api.body, 1, api.len, stdout);
		if (api.body[api.len - 1] != '\n')
			putchar('\n');
	}
	if (api.result != API_OK && (api.result == API_FATAL ||
	    api.slack_error[0] == '\0'))
		return flushed() == EXIT_OK ? setup_report(&cfg, &api,
		    k.method, k.token) : EXIT_FAIL;
	api_close(&api);
	if (flushed() != EXIT_OK)
		return EXIT_FAIL;
	return api.result == API_OK ? EXIT_OK : EXIT_FAIL;
}

/* A string member of the answer into buf; dies naming what is missing. */
static void
field_or_die(const char *method, const char *key, char *buf, size_t len)
{
	int i = api_field(&api, key);

	if (i < 0 || api.tok[i].type != JSON_STRING ||
	    json_unescape(api.body, &api.tok[i], buf, len, NULL) < 0 ||
	    buf[0] == '\0')
		die(EXIT_FAIL, "%s: the answer has no usable \"%s\"", method,
		    key);
}

/*
 * Standard input as a file that can be sent again from its start: itself
 * when it is a regular file, else a copy in memory (memfd), or in TMPDIR
 * when the kernel has no memfd.  Returns the descriptor; dies on error.
 */
static int
stdin_file(void)
{
	char buf[16384];
	const char *dir = getenv("TMPDIR");
	struct stat st;
	ssize_t r, w, off;
	int fd;

	if (fstat(0, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	if ((fd = memfd_create("slackbot-upload", MFD_CLOEXEC)) < 0 &&
	    (fd = open(dir != NULL && *dir != '\0' ? dir : "/tmp",
	    O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		die(EXIT_FAIL, "upload: no room to keep standard input (%s)",
		    strerror(errno));
	while ((r = read(0, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_FAIL, "upload: reading standard input: %s",
			    strerror(errno));
		for (off = 0; off < r; off += w)
			if ((w = write(fd, buf + off, (size_t)(r - off))) < 0)
				die(EXIT_FAIL, "upload: keeping standard input: "
				    "%s", strerror(errno));
	}
	return fd;
}

static struct {
	int64_t		 t0, shown;
	int		 tty;
} progress;

/* "12.3 MB" for n bytes, in buf. */
static const char *
mb(char *buf, size_t len, size_t n)
{
	snprintf(buf, len, "%zu.%zu MB", n / 1000000, n % 1000000 / 100000);
	return buf;
}

/* The upload's progress on standard error, when that is a terminal. */
static void
show_progress(size_t sent, size_t total)
{
	char a[32], b[32];
	int64_t now = now_ms();

	if (!progress.tty || (now - progress.shown < 250 && sent < total))
		return;
	progress.shown = now;
	fprintf(stderr, "\rslackbot: upload: %s of %s (%d%%)%s", mb(a, sizeof a,
	    sent), mb(b, sizeof b, total), total ? (int)(sent * 100 / total) :
	    100, sent == total ? "\n" : "");
}

static int
cmd_upload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name",	required_argument,	NULL, 'N' },
		{ "timeout",	required_argument,	NULL, 'T' },
		{ NULL,		0,			NULL, 0 }
	};
	/* The upload URL is on another host: a second client. */
	static unsigned char up_tls[BR_SSL_BUFSIZE_MONO];
	static unsigned char up_out[16384 + 1024];
	static char up_body[4096];
	static struct json_tok up_tok[64];
	static struct api up;
	static char url[2048], base[600], file_id[64], comment[API_REQ_MAX / 2];
	struct api_call k = { "files.getUploadURLExternal", NULL, 0, args, 0,
	    -1, NULL };
	const char *channel = getenv("SLACK_CHANNEL"), *thread = NULL;
	const char *msg = NULL, *fname = NULL, *p, *path;
	struct api_buf b = API_BUF(up_tls, up_out, up_body, up_tok);
	struct json_w w;
	struct stat st;
	struct url u;
	char err[512], size[32], a[32], r[32];
	int64_t ms, rate;
	uint64_t secs = 30;
	size_t n = 0;
	int c, fd;

	while ((c = setup_options(argc, argv, "upload", "c:m:t:", opts,
	    HELP_UPLOAD, HELP_NONE)) != -1)
		switch (c) {
		case 'c':
			channel = optarg;
			break;
		case 'm':
			msg = optarg;
			break;
		case 't':
			thread = optarg;
			break;
		case 'N':
			fname = optarg;
			break;
		case 'T':
			if (parse_u64(optarg, strlen(optarg), 3600, &secs) < 0 ||
			    secs == 0)
				die(EXIT_USAGE, "upload: --timeout wants a whole "
				    "number of seconds from 1 to 3600");
			break;
		}
	if (optind != argc - 1)
		die(EXIT_USAGE, "upload: one FILE, or - for standard input "
		    "(slackbot help upload)");
	if (channel == NULL || *channel == '\0')
		die(EXIT_USAGE, "upload: no channel: give -c CHANNEL or set "
		    "SLACK_CHANNEL");
	k.token = need_bot_token();
	path = argv[optind];
	if (strcmp(path, "-") == 0) {
		fd = stdin_file();
		if (fname == NULL)
			fname = "stdin";
		path = "standard input";
	/*
	 * O_NONBLOCK: opening a FIFO with no writer would wait forever
	 * before fstat() could refuse it.  It changes nothing for the
	 * regular files that pass.
	 */
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		die(EXIT_USAGE, "upload: %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(EXIT_USAGE, "upload: %s is not a regular file (use - and "
		    "standard input for a pipe)", path);
	if (st.st_size == 0)
		die(EXIT_USAGE, "upload: %s is empty", path);
	if (fname == NULL)
		fname = (p = strrchr(path, '/')) != NULL ? p + 1 : path;
	if (*fname == '\0')
		die(EXIT_USAGE, "upload: --name wants a name");
	if (msg != NULL && strlen(msg) >= sizeof comment)
		die(EXIT_USAGE, "upload: the comment is too long");
	network();

	/* 1: where to send the bytes. */
	snprintf(size, sizeof size, "%lld", (long long)st.st_size);
	form_add(&n, "filename", fname, strlen(fname));
	form_add(&n, "length", size, strlen(size));
	k.len = n;
	if (api_call(&api, &k) != API_OK)
		return setup_report(&cfg, &api, k.method, k.token);
	field_or_die(k.method, "upload_url", url, sizeof url);
	field_or_die(k.method, "file_id", file_id, sizeof file_id);

	/* 2: the bytes, streamed from the file, to the other host. */
	if (http_url_parse(&u, url, strlen(url)) < 0 || !u.tls || u.ws ||
	    u.path[0] != '/')
		die(EXIT_FAIL, "upload: Slack gave an unusable upload URL");
	snprintf(base, sizeof base, "https://%s%.*s%s:%u/",
	    memchr(u.host, ':', u.hostlen) ? "[" : "", (int)u.hostlen, u.host,
	    memchr(u.host, ':', u.hostlen) ? "]" : "", u.port);
	if (api_init(&up, base, &cfg.proxy, &b, err, sizeof err) < 0)
		die(EXIT_FAIL, "upload: %s", err);
	/* A stall of that long fails it, however long the whole takes. */
	api_set_timeout(&up, (int)secs * 1000);
	k.method = u.path + 1;
	k.token = NULL;
	k.flags = API_RAW;
	k.body = NULL;
	k.len = (size_t)st.st_size;
	k.fd = fd;
	k.progress = show_progress;
	progress.tty = isatty(2);
	progress.t0 = now_ms();
	if (api_call(&up, &k) != API_OK) {
		if (progress.tty && progress.shown != 0)
			fputc('\n', stderr);
		return setup_report(&cfg, &up, "upload", NULL);
	}
	/* Whole numbers only: no floating point on soft-float boards. */
	ms = now_ms() - progress.t0 + 1;
	rate = (int64_t)k.len * 1000 / ms;	/* bytes a second */
	log_msg(LOG_DEBUG, "upload: %s in %lld.%lld s (%s/s)", mb(a, sizeof a,
	    k.len), (long long)(ms / 1000), (long long)(ms % 1000 / 100),
	    mb(r, sizeof r, (size_t)rate));
	api_close(&up);
	close(fd);

	/* 3: share it. */
	k.method = "files.completeUploadExternal";
	k.token = cfg.bot.value;
	k.flags = api_once(k.method) ? API_ONCE : 0;
	k.fd = -1;
	k.body = args;
	k.progress = NULL;
	json_w_init(&w, comment, sizeof comment);
	json_w_array(&w);
	json_w_object(&w);
	json_w_key(&w, "id");
	json_w_str(&w, file_id);
	json_w_key(&w, "title");
	json_w_str(&w, fname);
	json_w_object_end(&w);
	json_w_array_end(&w);
	if (json_w_finish(&w, &n) != 0)
		die(EXIT_USAGE, "upload: the file name is too long");
	k.len = 0;
	form_add(&k.len, "files", comment, n);
	form_add(&k.len, "channel_id", channel, strlen(channel));
	if (msg != NULL)
		form_add(&k.len, "initial_comment", msg, strlen(msg));
	if (thread != NULL)
		form_add(&k.len, "thread_ts", thread, strlen(thread));
	if (api_call(&api, &k) != API_OK)
		return setup_report(&cfg, &api, k.method, k.token);
	printf("%s\n", file_id);
	api_close(&api);
	return flushed();
}

static int
cmd_version(int argc, char **argv)
{
	setup_options(argc, argv, "version", "", NULL, HELP_VERSION, HELP_NONE);
	printf("slackbot %s\n", SLACKBOT_VERSION);
	return flushed();
}

static int	cmd_help(int, char **);

static int
cmd_run(int argc, char **argv)
{
	return run_main(argc, argv, &cfg);
}

static int
cmd_check(int argc, char **argv)
{
	return check_main(argc, argv, &cfg);
}

static const struct command {
	const char	*name;
	int		(*fn)(int, char **);
	int		 help, more;	/* help.h's; more printed after help */
} commands[] = {
	{ "run",	cmd_run,	HELP_RUN,	HELP_RUN_OPTIONS },
	{ "auth",	cmd_auth,	HELP_AUTH,	HELP_NONE },
	{ "check",	cmd_check,	HELP_CHECK,	HELP_RUN_OPTIONS },
	{ "post",	cmd_post,	HELP_POST,	HELP_NONE },
	{ "upload",	cmd_upload,	HELP_UPLOAD,	HELP_NONE },
	{ "api",	cmd_api,	HELP_API,	HELP_NONE },
	{ "help",	cmd_help,	HELP_HELP,	HELP_NONE },
	{ "version",	cmd_version,	HELP_VERSION,	HELP_NONE },
};

static void
print_overview(FILE *f)
{
	help_print(f, HELP_OVERVIEW);
	help_print(f, HELP_RUN_OPTIONS);
	help_print(f, HELP_OVERVIEW_END);
}

static const struct command *
find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

static int
cmd_help(int argc, char **argv)
{
	const struct command *c;

	setup_options(argc, argv, "help", "", NULL, HELP_HELP, HELP_NONE);
	if (optind == argc) {
		print_overview(stdout);
		return flushed();
	}
	if (optind + 1 != argc)
		die(EXIT_USAGE, "help: one command at most");
	if ((c = find(argv[optind])) == NULL)
		die(EXIT_USAGE, "help: no command \"%s\"; slackbot help lists "
		    "them", argv[optind]);
	help_print(stdout, c->help);
	help_print(stdout, c->more);
	return flushed();
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ "log-time",	no_argument,	NULL, 'T' },
		{ NULL,		0,		NULL, 0 }
	};
	const struct command *cmd;
	int c;

	signal(SIGPIPE, SIG_IGN);
	/*
	 * Tokens live in our memory: close it (and /proc/PID/environ, mem,
	 * maps) to other processes of the same user, such as our handlers.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hqvV", opts, NULL)) != -1)
		switch (c) {
		case 'h':
			print_overview(stdout);
			return flushed();
		case 'V':
			printf("slackbot %s\n", SLACKBOT_VERSION);
			return flushed();
		case 'q':
			log_level = LOG_ERR;
			break;
		case 'v':
			log_level = log_level < LOG_DEBUG ? LOG_DEBUG :
			    LOG_TRACE;
			break;
		case 'T':
			log_time = 1;
			break;
		default:
			setup_bad_option("slackbot", c, argv);
		}
	if (optind == argc) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if ((cmd = find(argv[0])) == NULL)
		die(EXIT_USAGE, "unknown command \"%s\"; slackbot help lists "
		    "them", argv[0]);
	optind = 0;		/* getopt starts over (musl and glibc) */
	return cmd->fn(argc, argv);
}
