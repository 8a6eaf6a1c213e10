/*
 * slackbot: a Slack bot in one static binary.
 *
 * This file holds main(), the configuration (environment first, flags
 * override), and the one-shot commands: auth, post, upload and api.  The
 * long-running `run` lives in run.c.  Every buffer is static and sized in
 * config.h; nothing is allocated.
 *
 * Exit status: 0 success; 1 failure (Slack said no, the network gave up);
 * 2 usage or configuration error; 3 the token was refused (restarting
 * will not help).
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "log.h"
#include "run.h"
#include "slackbot.h"
#include "util.h"

static const char usage[] =
"usage: slackbot [-q | -v[v]] COMMAND [ARGS]\n"
"\n"
"  auth                         check the bot token; print team and bot ids\n"
"  run [options]                connect and print or handle every event\n"
"  post [-c CHANNEL] [-t TS] [TEXT...]\n"
"                               post TEXT (or standard input)\n"
"  upload -c CHANNEL [-m COMMENT] [-t TS] FILE\n"
"                               upload a file into a channel\n"
"  api METHOD [key=value...]    call any Web API method; print the answer\n"
"  --help, --version\n"
"\n"
"run options:\n"
"  --socket | --rtm             force Socket Mode or RTM (default: Socket\n"
"                               Mode when SLACK_APP_TOKEN is set)\n"
"  --ping SECONDS               keepalive interval (default 10)\n"
"  --dead SECONDS               silence that declares a connection dead\n"
"                               (default 30)\n"
"\n"
"environment: SLACK_BOT_TOKEN or SLACK_TOKEN_FILE, SLACK_APP_TOKEN or\n"
"SLACK_APP_TOKEN_FILE, SLACK_CHANNEL (default for post), SLACK_API_URL,\n"
"SSL_CERT_FILE, HTTPS_PROXY, NO_PROXY.\n"
"exit status: 0 ok, 1 failed, 2 usage or configuration, 3 token refused.\n";

struct config	cfg;
struct api	api;

/* The Web API client's buffers (see api.h). */
static unsigned char	api_tls[BR_SSL_BUFSIZE_MONO];
static unsigned char	api_out[API_REQ_MAX];
static char		api_body[API_BODY_MAX];
static struct json_tok	api_tok[JSON_TOK_MAX];

/* Arguments being built (form or JSON). */
static char		args[API_REQ_MAX];

/* see slackbot.h */
void
die(int code, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_msg(LOG_ERR, "%s", line);
	exit(code);
}

/*
 * Reads a token from the environment, or from the file another variable
 * names (container secrets).  Surrounding blanks and newlines are dropped.
 */
static const char *
token_from(const char *var, const char *filevar, char *buf, size_t len)
{
	const char *v, *path;
	ssize_t r;
	size_t n = 0;
	int fd;

	if ((v = getenv(var)) != NULL && *v != '\0') {
		if (strlen(v) >= len)
			die(EXIT_CONFIG, "%s is longer than %zu bytes", var,
			    len - 1);
		memcpy(buf, v, strlen(v) + 1);
		/*
		 * /proc/PID/environ shows the bytes the environment had at
		 * exec, wherever environ points now: overwrite them.
		 */
		memset((char *)v, '*', strlen(v));
	} else if ((path = getenv(filevar)) != NULL && *path != '\0') {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			die(EXIT_CONFIG, "%s=%s: %s", filevar, path,
			    strerror(errno));
		while (n < len && (r = read(fd, buf + n, len - n)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die(EXIT_CONFIG, "%s=%s: %s", filevar, path,
				    strerror(errno));
			n += (size_t)r;
		}
		close(fd);
		if (n == len)
			die(EXIT_CONFIG, "%s=%s: file longer than a token",
			    filevar, path);
		buf[n] = '\0';
	} else
		return NULL;
	/* Trim blanks around it. */
	for (v = buf; *v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'; v++)
		;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == '\n' || v[n - 1] == '\r'))
		n--;
	memmove(buf, v, n);
	buf[n] = '\0';
	if (n == 0)
		die(EXIT_CONFIG, "%s is empty", getenv(var) ? var : filevar);
	for (r = 0; (size_t)r < n; r++)
		if ((unsigned char)buf[r] <= ' ' || buf[r] == 0x7f)
			die(EXIT_CONFIG, "%s holds a blank or control "
			    "character; is it really a token?",
			    getenv(var) ? var : filevar);
	log_secret(buf);
	unsetenv(var);
	return buf;
}

static void
load_tokens(void)
{
	static char bot[512], app[512];

	cfg.bot_token = token_from("SLACK_BOT_TOKEN", "SLACK_TOKEN_FILE", bot,
	    sizeof bot);
	cfg.app_token = token_from("SLACK_APP_TOKEN", "SLACK_APP_TOKEN_FILE",
	    app, sizeof app);
	if (cfg.bot_token != NULL && strncmp(cfg.bot_token, "xapp-", 5) == 0)
		die(EXIT_CONFIG, "SLACK_BOT_TOKEN holds an app-level token "
		    "(xapp-...); put it in SLACK_APP_TOKEN and the bot token "
		    "(xoxb-...) in SLACK_BOT_TOKEN");
	if (cfg.app_token != NULL && strncmp(cfg.app_token, "xapp-", 5) != 0)
		die(EXIT_CONFIG, "SLACK_APP_TOKEN does not hold an app-level "
		    "token (xapp-...): make one under Basic Information > "
		    "App-Level Tokens, with the connections:write scope");
}

/* see slackbot.h */
void
setup_network(void)
{
	struct api_buf b = API_BUF(api_tls, api_out, api_body, api_tok);
	char what[256], err[512];
	int n;

	cfg.api_url = getenv("SLACK_API_URL");
	if (cfg.api_url == NULL || *cfg.api_url == '\0')
		cfg.api_url = "https://slack.com/api/";
	if ((n = tls_anchors_load(what, sizeof what, err, sizeof err)) < 0)
		die(EXIT_CONFIG, "trusted certificates: %s", err);
	log_msg(LOG_DEBUG, "trusting %s", what);
	if (conn_proxy_init(&cfg.proxy, err, sizeof err) < 0)
		die(EXIT_CONFIG, "%s", err);
	if (cfg.proxy.u.host != NULL)
		log_msg(LOG_DEBUG, "using the proxy %s", cfg.proxy.url);
	if (api_init(&api, cfg.api_url, &cfg.proxy, &b, err, sizeof err) < 0)
		die(EXIT_CONFIG, "SLACK_API_URL: %s", err);
}

static const char *
need_bot_token(void)
{
	if (cfg.bot_token == NULL)
		die(EXIT_CONFIG, "no bot token: set SLACK_BOT_TOKEN (xoxb-...) "
		    "or SLACK_TOKEN_FILE");
	return cfg.bot_token;
}

/* Words for Slack's token errors: what happened and what to do. */
static const struct {
	const char	*error;
	const char	*hint;
} token_hints[] = {
	{ "invalid_auth", "the token was refused: check that it is "
	    "complete and belongs to this workspace" },
	{ "not_authed", "no token reached Slack" },
	{ "token_revoked", "the token was revoked (the app may have been "
	    "removed): reinstall the app and use its new token" },
	{ "account_inactive", "the token belongs to a deleted user, app or "
	    "workspace: reinstall the app and use its new token" },
	{ "token_expired", "the token has expired (token rotation is on): "
	    "use a fresh token" },
	{ "not_allowed_token_type", "this kind of token cannot call this "
	    "method" },
	{ "team_disabled", "the workspace is disabled" },
	{ "user_removed_from_team", "the bot user was removed from the "
	    "workspace" },
};

/* see slackbot.h */
int
api_report(const struct api *a, const char *what)
{
	size_t i;

	if (a->result == API_FATAL) {
		for (i = 0; i < sizeof token_hints / sizeof token_hints[0]; i++)
			if (strcmp(a->slack_error, token_hints[i].error) == 0)
				break;
		log_msg(LOG_ERR, "%s: %s (%s)", what,
		    i < sizeof token_hints / sizeof token_hints[0] ?
		    token_hints[i].hint : "the token is not usable",
		    a->slack_error);
		return EXIT_AUTH;
	}
	log_msg(LOG_ERR, "%s: %s", what, a->error);
	return EXIT_FAIL;
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

static int
cmd_auth(int argc, char **argv)
{
	struct api_call k = { "auth.test", NULL, 0, "", 0, -1 };
	char a[256], b[256];

	(void)argv;
	if (argc > 1)
		die(EXIT_USAGE, "usage: slackbot auth");
	k.token = need_bot_token();
	setup_network();
	if (api_call(&api, &k) != API_OK)
		return api_report(&api, "auth.test");
	printf("team:    %s (%s)\n", field("team", a, sizeof a),
	    field("team_id", b, sizeof b));
	printf("user:    %s (%s)\n", field("user", a, sizeof a),
	    field("user_id", b, sizeof b));
	printf("bot id:  %s\n", field("bot_id", a, sizeof a));
	printf("url:     %s\n", field("url", a, sizeof a));
	api_close(&api);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

/* Reads all of standard input into buf; dies when it does not fit. */
static size_t
read_stdin(char *buf, size_t cap, const char *what)
{
	size_t n = 0;
	ssize_t r;

	while ((r = read(0, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(EXIT_FAIL, "reading standard input: %s",
			    strerror(errno));
		n += (size_t)r;
		if (n == cap)
			die(EXIT_USAGE, "%s longer than %zu bytes", what,
			    cap - 1);
	}
	return n;
}

static int
cmd_post(int argc, char **argv)
{
	static char text[API_REQ_MAX / 2];
	struct api_call k = { "chat.postMessage", NULL, API_JSON | API_ONCE,
	    args, 0, -1 };
	const char *channel = getenv("SLACK_CHANNEL"), *thread = NULL;
	struct json_w w;
	size_t n = 0, len;
	int c, i, t;

	while ((c = getopt(argc, argv, "+c:t:")) != -1)
		switch (c) {
		case 'c':
			channel = optarg;
			break;
		case 't':
			thread = optarg;
			break;
		default:
			die(EXIT_USAGE, "usage: slackbot post [-c CHANNEL] "
			    "[-t THREAD_TS] [TEXT...]");
		}
	if (channel == NULL || *channel == '\0')
		die(EXIT_USAGE, "post: no channel: give -c CHANNEL or set "
		    "SLACK_CHANNEL");
	k.token = need_bot_token();
	if (optind == argc) {
		n = read_stdin(text, sizeof text, "the message is");
		while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
			n--;
	}
	for (i = optind; i < argc; i++) {
		len = strlen(argv[i]);
		if (len + 1 >= sizeof text - n)
			die(EXIT_USAGE, "post: the message is longer than %zu "
			    "bytes", sizeof text - 1);
		if (i > optind)
			text[n++] = ' ';
		memcpy(text + n, argv[i], len);
		n += len;
	}
	if (n == 0)
		die(EXIT_USAGE, "post: the message is empty");
	json_w_init(&w, args, sizeof args);
	json_w_object(&w);
	json_w_key(&w, "channel");
	json_w_str(&w, channel);
	json_w_key(&w, "text");
	json_w_strn(&w, text, n);
	if (thread != NULL) {
		json_w_key(&w, "thread_ts");
		json_w_str(&w, thread);
	}
	json_w_object_end(&w);
	if (json_w_finish(&w, &k.len) != 0)
		die(EXIT_USAGE, "post: the message is too long");
	setup_network();
	if (api_call(&api, &k) != API_OK)
		return api_report(&api, "chat.postMessage");
	if ((t = api_field(&api, "ts")) >= 0)
		printf("%.*s\n", (int)api.tok[t].len,
		    api.body + api.tok[t].start);
	api_close(&api);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

/* Appends "&key=value" (form-encoded) to args at *n; dies on overflow. */
static void
form_add(size_t *n, const char *key, const char *val, size_t vlen)
{
	size_t k = strlen(key), e;

	if (*n + k + 2 >= sizeof args)
		die(EXIT_USAGE, "arguments longer than %zu bytes",
		    sizeof args);
	if (*n > 0)
		args[(*n)++] = '&';
	e = http_form_escape(args + *n, sizeof args - *n, key, k);
	if (e == (size_t)-1)
		die(EXIT_USAGE, "arguments longer than %zu bytes",
		    sizeof args);
	*n += e;
	args[(*n)++] = '=';
	e = http_form_escape(args + *n, sizeof args - *n, val, vlen);
	if (e == (size_t)-1 || *n + e >= sizeof args)
		die(EXIT_USAGE, "arguments longer than %zu bytes",
		    sizeof args);
	*n += e;
	args[*n] = '\0';
}

static int
cmd_api(int argc, char **argv)
{
	struct api_call k = { NULL, NULL, 0, args, 0, -1 };
	const char *eq;
	size_t n = 0;
	int i;

	if (argc < 2 || argv[1][0] == '-')
		die(EXIT_USAGE, "usage: slackbot api METHOD [key=value...]");
	k.method = argv[1];
	for (i = 0; k.method[i] != '\0'; i++)
		if (!(k.method[i] >= 'a' && k.method[i] <= 'z') &&
		    !(k.method[i] >= 'A' && k.method[i] <= 'Z') &&
		    !(k.method[i] >= '0' && k.method[i] <= '9') &&
		    k.method[i] != '.' && k.method[i] != '_')
			die(EXIT_USAGE, "api: \"%s\" is not a method name "
			    "(such as chat.postMessage)", k.method);
	for (i = 2; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i])
			die(EXIT_USAGE, "api: \"%s\" is not key=value",
			    argv[i]);
		args[n] = '\0';
		*(char *)eq = '\0';
		form_add(&n, argv[i], eq + 1, strlen(eq + 1));
		*(char *)eq = '=';
	}
	k.len = n;
	/* The app-level token serves only apps.connections.open. */
	if (strcmp(k.method, "apps.connections.open") == 0 &&
	    cfg.app_token != NULL)
		k.token = cfg.app_token;
	else if (cfg.bot_token != NULL)
		k.token = cfg.bot_token;
	else if (cfg.app_token != NULL)
		k.token = cfg.app_token;
	else
		need_bot_token();
	if (api_once(k.method))
		k.flags |= API_ONCE;
	setup_network();
	api_call(&api, &k);
	if (api.len > 0 && api.result != API_FATAL) {
		fwrite(api.body, 1, api.len, stdout);
		if (api.body[api.len - 1] != '\n')
			putchar('\n');
	}
	if (api.result != API_OK && (api.result == API_FATAL ||
	    api.slack_error[0] == '\0'))
		return api_report(&api, k.method);
	api_close(&api);
	if (fflush(stdout) != 0)
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

static int
cmd_upload(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout",	required_argument,	NULL, 'T' },
		{ NULL,		0,			NULL, 0 }
	};
	uint64_t secs = 30;
	/* The upload URL is on another host: a second client. */
	static unsigned char up_tls[BR_SSL_BUFSIZE_MONO];
	static unsigned char up_out[16384 + 1024];
	static char up_body[4096];
	static struct json_tok up_tok[64];
	static struct api up;
	static char url[2048], base[600], file_id[64], comment[API_REQ_MAX / 2];
	struct api_call k = { "files.getUploadURLExternal", NULL, 0, args, 0,
	    -1 };
	const char *channel = NULL, *thread = NULL, *msg = NULL, *fname, *p;
	struct api_buf b = API_BUF(up_tls, up_out, up_body, up_tok);
	struct json_w w;
	struct stat st;
	struct url u;
	char err[512], size[32];
	size_t n = 0;
	int c, fd;

	while ((c = getopt_long(argc, argv, "+c:m:t:", opts, NULL)) != -1)
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
		case 'T':
			if (parse_u64(optarg, strlen(optarg), 3600, &secs) < 0 ||
			    secs == 0)
				die(EXIT_USAGE, "upload: --timeout wants a whole "
				    "number of seconds from 1 to 3600");
			break;
		default:
			goto usage;
		}
	if (optind != argc - 1 || channel == NULL || *channel == '\0')
		goto usage;
	k.token = need_bot_token();
	/*
	 * O_NONBLOCK: opening a FIFO with no writer would wait forever
	 * before fstat() could refuse it.  It changes nothing for the
	 * regular files that pass.
	 */
	if ((fd = open(argv[optind], O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		die(EXIT_USAGE, "upload: %s: %s", argv[optind],
		    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(EXIT_USAGE, "upload: %s is not a regular file",
		    argv[optind]);
	if (st.st_size == 0)
		die(EXIT_USAGE, "upload: %s is empty", argv[optind]);
	fname = (p = strrchr(argv[optind], '/')) != NULL ? p + 1 :
	    argv[optind];
	if (msg != NULL && strlen(msg) >= sizeof comment)
		die(EXIT_USAGE, "upload: the comment is too long");
	setup_network();

	/* 1: where to send the bytes. */
	snprintf(size, sizeof size, "%lld", (long long)st.st_size);
	form_add(&n, "filename", fname, strlen(fname));
	form_add(&n, "length", size, strlen(size));
	k.len = n;
	if (api_call(&api, &k) != API_OK)
		return api_report(&api, k.method);
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
	up.timeout_ms = (int)secs * 1000;
	k.method = u.path + 1;
	k.token = NULL;
	k.flags = API_RAW;
	k.body = NULL;
	k.len = (size_t)st.st_size;
	k.fd = fd;
	if (api_call(&up, &k) != API_OK)
		return api_report(&up, "upload");
	api_close(&up);
	close(fd);

	/* 3: share it. */
	k.method = "files.completeUploadExternal";
	k.token = cfg.bot_token;
	k.flags = API_ONCE;
	k.fd = -1;
	k.body = args;
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
		return api_report(&api, k.method);
	printf("%s\n", file_id);
	api_close(&api);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
usage:
	die(EXIT_USAGE, "usage: slackbot upload -c CHANNEL [-m COMMENT] "
	    "[-t THREAD_TS] [--timeout SECONDS] FILE");
	return EXIT_USAGE;
}

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
} commands[] = {
	{ "api",	cmd_api },
	{ "auth",	cmd_auth },
	{ "post",	cmd_post },
	{ "run",	cmd_run },
	{ "upload",	cmd_upload },
};

int
main(int argc, char **argv)
{
	size_t i;
	int c;

	signal(SIGPIPE, SIG_IGN);
	/*
	 * Tokens live in our memory: close it (and /proc/PID/environ, mem,
	 * maps) to other processes of the same user, such as our handlers.
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("slackbot %s\n", SLACKBOT_VERSION);
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	while ((c = getopt(argc, argv, "+qv")) != -1)
		switch (c) {
		case 'q':
			log_level = LOG_ERR;
			break;
		case 'v':
			log_level = log_level < LOG_DEBUG ? LOG_DEBUG :
			    LOG_TRACE;
			break;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == sizeof commands / sizeof commands[0])
		die(EXIT_USAGE, "unknown command \"%s\" (try slackbot --help)",
		    argv[0]);
	load_tokens();
	optind = 1;
	return commands[i].fn(argc, argv);
}
