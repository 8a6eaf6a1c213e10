/*
 * setup.c: see setup.h.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "setup.h"
#include "tls.h"

/* see setup.h */
void
die(int code, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_msg(LOG_ERR, "%s", line);
	log_flush();
	exit(code);
}

/*
 * Reads path (a token file) into t->buf.  Returns 0, or -1 with the
 * reason in err.  Only a regular file of at most the buffer's size is
 * read: a FIFO or /dev/zero must not hold the start-up.
 */
static int
read_file(struct token *t, const char *path, char *err, size_t errlen)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) < 0) {
		snprintf(err, errlen, "%s=%s: %s", t->var, path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size >= (off_t)sizeof t->buf) {
		snprintf(err, errlen, "%s=%s: %s", t->var, path,
		    !S_ISREG(st.st_mode) ? "not a regular file" :
		    "longer than a token");
		close(fd);
		return -1;
	}
	while (n < sizeof t->buf - 1 && (r = read(fd, t->buf + n,
	    sizeof t->buf - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s=%s: %s", t->var, path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	t->buf[n] = '\0';
	return 0;
}

/*
 * Trims blanks around t->buf and checks what is left looks like a
 * token.  Returns 0, or -1 with the reason in err.
 */
static int
check(struct token *t, char *err, size_t errlen)
{
	const char *v;
	size_t n, i;

	for (v = t->buf; *v == ' ' || *v == '\t' || *v == '\n' ||
	    *v == '\r'; v++)
		;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == '\n' || v[n - 1] == '\r'))
		n--;
	memmove(t->buf, v, n);
	t->buf[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "%s is empty", t->var);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)t->buf[i] <= ' ' || t->buf[i] == 0x7f) {
			snprintf(err, errlen, "%s holds a blank or control "
			    "character; is it really a token?", t->var);
			return -1;
		}
	return 0;
}

/*
 * One token from var, or from the file filevar names.  Dies on an
 * unusable one.
 */
static void
token_from(struct token *t, const char *var, const char *filevar)
{
	char err[LOG_LINE_MAX];
	char *v;
	size_t n;

	memset(t, 0, sizeof *t);
	if ((v = getenv(var)) != NULL && *v != '\0') {
		t->var = var;
		if ((n = strlen(v)) >= sizeof t->buf)
			die(EXIT_CONFIG, "%s is longer than %zu bytes", var,
			    sizeof t->buf - 1);
		memcpy(t->buf, v, n + 1);
		/*
		 * /proc/PID/environ shows the bytes the environment had at
		 * exec, wherever environ points now: overwrite them.
		 */
		memset(v, '*', n);
		unsetenv(var);
	} else if ((v = getenv(filevar)) != NULL && *v != '\0') {
		t->var = filevar;
		t->file = v;
		if (read_file(t, v, err, sizeof err) < 0)
			die(EXIT_CONFIG, "%s", err);
	} else
		return;
	if (check(t, err, sizeof err) < 0)
		die(EXIT_CONFIG, "%s", err);
	t->value = t->buf;
	log_secret(t->buf);
}

/* see setup.h */
void
setup_tokens(struct config *cfg)
{
	if (cfg->loaded)
		return;
	cfg->loaded = 1;
	token_from(&cfg->bot, "SLACK_BOT_TOKEN", "SLACK_TOKEN_FILE");
	token_from(&cfg->app, "SLACK_APP_TOKEN", "SLACK_APP_TOKEN_FILE");
	token_from(&cfg->signing, "SLACK_SIGNING_SECRET",
	    "SLACK_SIGNING_SECRET_FILE");
	token_from(&cfg->webhook, "SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_URL_FILE");
	if (cfg->bot.value != NULL && strncmp(cfg->bot.value, "xapp-", 5) == 0)
		die(EXIT_CONFIG, "%s holds an app-level token (xapp-...); put "
		    "it in SLACK_APP_TOKEN and the bot token (xoxb-...) in "
		    "SLACK_BOT_TOKEN", cfg->bot.var);
	if (cfg->app.value != NULL && strncmp(cfg->app.value, "xapp-", 5) != 0)
		die(EXIT_CONFIG, "%s does not hold an app-level token "
		    "(xapp-...): make one under Basic Information > App-Level "
		    "Tokens, with the connections:write scope", cfg->app.var);
}

/* Re-reads one token file into t; 0, or -1 (t unchanged). */
static int
reload_token(struct token *t, char *err, size_t errlen)
{
	struct token tmp;

	if (t->file == NULL)
		return 0;
	tmp = *t;
	if (read_file(&tmp, t->file, err, errlen) < 0 ||
	    check(&tmp, err, errlen) < 0) {
		explicit_bzero(&tmp, sizeof tmp);
		return -1;
	}
	memcpy(t->buf, tmp.buf, sizeof t->buf);
	explicit_bzero(&tmp, sizeof tmp);
	return 0;
}

/* see setup.h */
int
setup_reload(struct config *cfg, char *err, size_t errlen)
{
	char what[sizeof cfg->anchors];
	int n;

	if (reload_token(&cfg->bot, err, errlen) < 0 ||
	    reload_token(&cfg->app, err, errlen) < 0 ||
	    reload_token(&cfg->signing, err, errlen) < 0)
		return -1;
	if ((n = tls_anchors_load(what, sizeof what, err, errlen)) < 0)
		return -1;
	memcpy(cfg->anchors, what, sizeof what);
	cfg->nanchors = n;
	return 0;
}

/* see setup.h */
void
setup_network(struct config *cfg, struct api *api, const struct api_buf *b)
{
	char err[512];

	cfg->api_url = getenv("SLACK_API_URL");
	if (cfg->api_url == NULL || *cfg->api_url == '\0')
		cfg->api_url = "https://slack.com/api/";
	if ((cfg->nanchors = tls_anchors_load(cfg->anchors,
	    sizeof cfg->anchors, err, sizeof err)) < 0)
		die(EXIT_CONFIG, "trusted certificates: %s", err);
	log_msg(LOG_DEBUG, "trusting %s", cfg->anchors);
	if (conn_proxy_init(&cfg->proxy, err, sizeof err) < 0)
		die(EXIT_CONFIG, "%s", err);
	if (cfg->proxy.u.host != NULL)
		log_msg(LOG_DEBUG, "using the proxy %s", cfg->proxy.url);
	if (api_init(api, cfg->api_url, &cfg->proxy, b, err, sizeof err) < 0)
		die(EXIT_CONFIG, "SLACK_API_URL: %s", err);
}

/* see setup.h */
int
setup_report(const struct config *cfg, const struct api *a,
    const char *what, const char *token)
{
	const char *var = token == NULL ? NULL : token == cfg->app.value ?
	    cfg->app.var : cfg->bot.var;

	if (a->result == API_FATAL) {
		log_msg(LOG_ERR, "%s: Slack refused %s: %s", what, var != NULL ?
		    var : "the token", a->error);
		return EXIT_AUTH;
	}
	log_msg(LOG_ERR, "%s: %s", what, a->error);
	return EXIT_FAIL;
}

/* see setup.h */
void
setup_bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	char shortopt[3] = { '-', (char)optopt, '\0' };

	/* A short option inside a cluster ("-qx") is named alone. */
	if (arg == NULL || (optopt != 0 && arg[0] == '-' && arg[1] != '-'))
		arg = shortopt;
	if (strcmp(cmd, "slackbot") == 0)
		cmd = "";
	die(EXIT_USAGE, "%s%s%s %s (see slackbot help%s%s)", cmd, *cmd ? ": " :
	    "", c == ':' ? "a value is missing after" : "unknown option", arg,
	    *cmd ? " " : "", cmd);
}

/* see setup.h */
int
setup_options(int argc, char **argv, const char *cmd, const char *shortopts,
    const struct option *longopts, int help, int more)
{
	static struct option all[32];
	static char sh[64];
	size_t n = 0;
	int c;

	snprintf(sh, sizeof sh, "+:h%s", shortopts);
	while (longopts != NULL && longopts[n].name != NULL &&
	    n < sizeof all / sizeof all[0] - 2) {
		all[n] = longopts[n];
		n++;
	}
	memset(&all[n], 0, 2 * sizeof all[0]);
	all[n].name = "help";
	all[n].val = 'h';
	opterr = 0;
	switch (c = getopt_long(argc, argv, sh, all, NULL)) {
	case 'h':
		help_print(stdout, help);
		help_print(stdout, more);
		exit(fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL);
	case '?':
	case ':':
		setup_bad_option(cmd, c, argv);
	}
	return c;
}
