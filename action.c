/*
 * action.c: see action.h.
 *
 * The line is tokenized two levels deep: the object, its members and
 * the members of "args".  Deeper values are copied as they were written
 * (a JSON value of an arg, a member of a response_url message).
 */
#include <string.h>

#include "action.h"
#include "http.h"

/* The args of a method call, form-encoded into buf->body. */
static enum action_kind
form(const char *line, const struct action_buf *buf, int args, size_t *lenp)
{
	const struct json_tok *tok = buf->tok;
	const char *val;
	char key[64];
	size_t len = 0, k, vlen;
	int i;

	for (i = args >= 0 ? json_first(tok, args) : -1; i >= 0;
	    i = json_next(tok, args, i)) {
		if (json_unescape(line, &tok[i], key, sizeof key, &k) < 0)
			return ACTION_TOO_BIG;
		/* A string goes unescaped; any other value as its JSON. */
		if (tok[i + 1].type == JSON_STRING) {
			if (json_unescape(line, &tok[i + 1], buf->str,
			    buf->strcap, &vlen) < 0)
				return ACTION_TOO_BIG;
			val = buf->str;
		} else {
			val = line + tok[i + 1].start;
			vlen = tok[i + 1].len;
		}
		if (http_form_add(buf->body, buf->bodycap, &len, key, k, val,
		    vlen) < 0)
			return ACTION_TOO_BIG;
	}
	*lenp = len;
	return ACTION_CALL;
}

/* Every member but response_url, as a JSON object in buf->body. */
static enum action_kind
message(const char *line, const struct action_buf *buf, size_t *lenp)
{
	const struct json_tok *tok = buf->tok;
	struct json_w w;
	char key[64];
	size_t k;
	int i;

	json_w_init(&w, buf->body, buf->bodycap);
	json_w_object(&w);
	for (i = json_first(tok, 0); i >= 0; i = json_next(tok, 0, i)) {
		if (json_eq(line, &tok[i], "response_url"))
			continue;
		if (json_unescape(line, &tok[i], key, sizeof key, &k) < 0)
			return ACTION_TOO_BIG;
		json_w_keyn(&w, key, k);
		json_w_tok(&w, line, &tok[i + 1]);
	}
	json_w_object_end(&w);
	if (json_w_finish(&w, lenp) != 0)
		return ACTION_TOO_BIG;
	return ACTION_HOOK;
}

/* The string member name of the object, unescaped into out; 0 or -1. */
static int
member(const char *line, const struct json_tok *tok, const char *name,
    char *out, size_t cap)
{
	int i = json_find(line, tok, 0, name);

	return i >= 0 && tok[i].type == JSON_STRING &&
	    json_unescape(line, &tok[i], out, cap, NULL) == 0 ? 0 : -1;
}

/* see action.h */
enum action_kind
action_read(const char *line, size_t n, const struct action_buf *buf,
    struct action *a)
{
	const struct json_tok *tok = buf->tok;
	char chan[64];
	int t, i, args;

	a->body = buf->body;
	a->len = 0;
	a->target[0] = '\0';
	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
		n--;
	a->linelen = n;
	if (n == 0)
		return a->kind = ACTION_NONE;
	t = json_parse(line, n, buf->tok, buf->ntok, 2, NULL);
	if (t < 1 || tok[0].type != JSON_OBJECT)
		return a->kind = ACTION_NOT_JSON;
	if (member(line, tok, "method", a->target, sizeof a->target) == 0) {
		args = json_find(line, tok, 0, "args");
		if (args >= 0 && tok[args].type != JSON_OBJECT)
			return a->kind = ACTION_UNKNOWN;
		return a->kind = form(line, buf, args, &a->len);
	}
	if ((i = json_find(line, tok, 0, "response_url")) >= 0 &&
	    tok[i].type == JSON_STRING) {
		if (json_unescape(line, &tok[i], a->target, sizeof a->target,
		    NULL) < 0) {
			a->len = tok[i].len;
			return a->kind = ACTION_URL_TOO_LONG;
		}
		if ((a->kind = message(line, buf, &a->len)) == ACTION_HOOK &&
		    strncmp(a->target, "https://", 8) != 0)
			a->kind = ACTION_UNKNOWN;
		return a->kind;
	}
	if (member(line, tok, "channel", chan, sizeof chan) == 0 &&
	    (json_find(line, tok, 0, "text") >= 0 ||
	    json_find(line, tok, 0, "blocks") >= 0 ||
	    json_find(line, tok, 0, "attachments") >= 0)) {
		memcpy(a->target, chan, strlen(chan) + 1);
		a->body = line + tok[0].start;
		a->len = tok[0].len;
		return a->kind = ACTION_POST;
	}
	return a->kind = ACTION_UNKNOWN;
}
