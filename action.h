/*
 * action.h: what one line printed by a --pipe handler asks for.
 *
 * A line is a JSON object, one of three (README.md, "--pipe"):
 *
 *   {"method":"M","args":{...}}	a Web API call; args form-encoded,
 *					values that are not strings as JSON
 *   {"response_url":"U",...}		the other members POSTed to U as JSON
 *   {"channel":"C","text":...}		chat.postMessage with the line as
 *					its body ("blocks" or "attachments"
 *					instead of "text" will do)
 *
 * The first that applies wins, in that order; a response_url that is not
 * an https:// URL makes the line no action.  No I/O and no allocation:
 * handler.c queues the result (out.h) and logs what is skipped.
 */
#ifndef ACTION_H
#define ACTION_H

#include <stddef.h>

#include "config.h"
#include "json.h"

enum action_kind {
	ACTION_NONE,		/* a blank line: nothing to do */
	ACTION_NOT_JSON,	/* not a JSON object */
	ACTION_UNKNOWN,		/* an object, but none of the three */
	ACTION_TOO_BIG,		/* the request does not fit the buffers */
	ACTION_URL_TOO_LONG,	/* a response_url over RESPONSE_URL_MAX
				   bytes (len: its length as written) */
	ACTION_CALL,		/* out_call(target, body) */
	ACTION_HOOK,		/* out_hook(target, body) */
	ACTION_POST		/* out_post_json(target, body) */
};

/* Scratch the caller lends: tokens, the request body, one string. */
struct action_buf {
	struct json_tok	*tok;
	size_t		 ntok;
	char		*body;
	size_t		 bodycap;
	char		*str;
	size_t		 strcap;
};

struct action {
	enum action_kind kind;
	size_t		 linelen;	/* the line without trailing CR and
					   spaces (what a log line shows) */
	char		 target[RESPONSE_URL_MAX + 1]; /* method,
					   response_url or channel (unescaped,
					   NUL-terminated) */
	const char	*body;		/* in buf->body, or (ACTION_POST) in
					   the line */
	size_t		 len;
};

/* Reads line[0..n) (no newline) into a.  Returns a->kind. */
enum action_kind action_read(const char *line, size_t n,
	    const struct action_buf *buf, struct action *a);

#endif
