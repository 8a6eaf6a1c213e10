/*
 * json.h: strict RFC 8259 JSON.  A tokenizer that fills a caller's token
 * array, helpers to read tokens, and a writer into a caller's buffer.  No
 * allocation, no I/O.
 *
 * Decisions (RFC 8259 leaves them open or only says SHOULD):
 * - Strings must be valid UTF-8 (section 8.1): overlong forms, surrogates
 *   encoded in UTF-8 and code points above U+10FFFF are refused
 *   (JSON_EUTF8).  A byte-order mark is refused (JSON_EINVAL).
 * - A lone surrogate escape (\ud800 not followed by a \u escape of a low
 *   surrogate, or a low surrogate on its own) is accepted and reads as
 *   U+FFFD: one odd character must not cost a whole Slack event.
 * - Any value may be the top level, with only whitespace around it.
 *   Numbers are checked against the RFC grammar, never evaluated here.
 * - Nesting deeper than JSON_DEPTH_MAX (config.h) is refused.
 * - Duplicate keys are kept; json_find() returns the first.
 *
 * The input is tokenized in one call (a WebSocket message or an HTTP body
 * is complete before it is read).  The result depends on the bytes alone:
 * an error at offset k (other than JSON_EPART and JSON_EBIG) is found
 * again by every call (same array size and depth) whose input starts with
 * the same k + 1 bytes, and every cut of a valid text gives JSON_EPART
 * unless the cut is itself a whole text ("12" cut to "1").
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum json_type {
	JSON_OBJECT = 1, JSON_ARRAY, JSON_STRING, JSON_NUMBER,
	JSON_TRUE, JSON_FALSE, JSON_NULL
};

#define JSON_ESCAPED	0x01	/* string: holds a backslash escape */
#define JSON_FOLDED	0x02	/* container: children not stored */
#define JSON_NEWLINE	0x04	/* the first token: the text has a newline
				   among the blanks between its tokens */

/*
 * One value.  Tokens are stored in document order (a container, then its
 * children); an object's children are its members, each a key (a string
 * token) followed by the value's tokens.
 */
struct json_tok {
	uint32_t	start;	/* offset (strings: after the quote) */
	uint32_t	len;	/* strings: raw bytes between the quotes;
				   containers: through the closing bracket */
	uint32_t	next;	/* index of the token after this subtree */
	uint32_t	size;	/* direct children (object: members),
				   stored or not */
	uint8_t		type;	/* enum json_type */
	uint8_t		flags;	/* JSON_ESCAPED, JSON_FOLDED,
				   JSON_NEWLINE */
};

/* Errors: negative, distinct; json_strerror() puts them in words. */
#define JSON_EINVAL	(-1)	/* not JSON */
#define JSON_ENOMEM	(-2)	/* the token array is full */
#define JSON_EPART	(-3)	/* valid so far, but the input ends */
#define JSON_EDEPTH	(-4)	/* nested deeper than JSON_DEPTH_MAX */
#define JSON_EUTF8	(-5)	/* invalid UTF-8 inside a string */
#define JSON_EBIG	(-6)	/* input of 4 GiB or more */
#define JSON_ENOSPACE	(-7)	/* writer: output buffer too small */
#define JSON_EMISUSE	(-8)	/* writer: calls out of order */

/* json_parse() depth that stores every token. */
#define JSON_FULL	(~0u)

/*
 * Tokenizes js[0..len) (no NUL needed) into tok[0..ntok).  Values inside
 * more than `depth` containers are validated but not stored; a stored
 * container whose children are not stored has JSON_FOLDED, size still
 * counts them, and next is its own index + 1.  depth 0 keeps only the top
 * value: enough to validate a text of any size with one token.
 * Returns the number of tokens stored (>= 1), or a JSON_E* code; then the
 * contents of tok are unspecified.  *erroff (when not NULL) gets the
 * offset of the first byte that cannot continue a JSON text (len for
 * JSON_EPART, the value that found the array full for JSON_ENOMEM), or
 * len on success.  An empty or all-blank input is JSON_EPART.
 */
HOT int	json_parse(const char *js, size_t len, struct json_tok *tok,
	    size_t ntok, unsigned int depth, size_t *erroff);

/*
 * The helpers below take the js and the tokens of one successful
 * json_parse(); indices are into that token array.
 */

/* Index of the first child of tok[i], or -1: empty, folded or a scalar. */
int	json_first(const struct json_tok *tok, int i);

/*
 * Index of the child after `child` in container `parent`, or -1 at the
 * end.  An object's children are its keys; the value of key k is k + 1.
 */
int	json_next(const struct json_tok *tok, int parent, int child);

/*
 * Index of the value whose unescaped key equals key in object tok[obj]:
 * the first such member; -1 when there is none or tok[obj] is not an
 * object or is folded.
 */
int	json_find(const char *js, const struct json_tok *tok, int obj,
	    const char *key);

/* 1 when t is a string whose unescaped value is s, else 0. */
int	json_eq(const char *js, const struct json_tok *t, const char *s);

/*
 * Writes the unescaped value of string t as UTF-8 and a NUL into
 * buf[0..cap).  Returns 0 and sets *n (when not NULL) to the length
 * without the NUL, or -1 when t is not a string or cap is too small (buf
 * then holds an empty string if cap > 0).  \u0000 is written as a 0 byte
 * and counted in *n: the value is a C string only when strlen(buf) == *n.
 */
int	json_unescape(const char *js, const struct json_tok *t, char *buf,
	    size_t cap, size_t *n);

/*
 * Reads an integer number token into *out.  Returns 0, or -1 (and leaves
 * *out alone) for anything else: not a number, a fraction or an exponent
 * (even 1.0 or 1e2), or outside long long.
 */
int	json_int(const char *js, const struct json_tok *t, long long *out);

/* Sets *out to 1 for true, 0 for false and returns 0; else returns -1. */
int	json_bool(const struct json_tok *t, int *out);

/* The error code in words ("JSON nested too deeply"). */
const char *json_strerror(int err);

/*
 * Writer.  Builds one JSON text in buf[0..cap): json_w_init(), then calls
 * in document order (commas and colons come by themselves), then
 * json_w_finish().  Calls that overflow the buffer or come out of order
 * (a key outside an object or twice in a row, a value where a key is
 * due, an end that does not match, a second top-level value, more than
 * JSON_DEPTH_MAX levels) set an error that sticks; later calls do nothing
 * and json_w_finish() reports it.  The fields are private.
 */
struct json_w {
	char		*buf;
	size_t		 cap;
	size_t		 len;
	int		 err;
	unsigned int	 depth;
	unsigned char	 lvl[JSON_DEPTH_MAX + 1];
};

/* Starts a text in buf[0..cap); the others open and close containers. */
void	json_w_init(struct json_w *, char *buf, size_t cap);
void	json_w_object(struct json_w *);
void	json_w_object_end(struct json_w *);
void	json_w_array(struct json_w *);
void	json_w_array_end(struct json_w *);

/*
 * Strings (keys and values) are taken as UTF-8 of the given length (C
 * strings without one): ", \ and control characters are escaped, and each
 * maximal invalid UTF-8 sequence is written as U+FFFD, so the output is
 * always valid JSON.
 */
void	json_w_key(struct json_w *, const char *);
void	json_w_keyn(struct json_w *, const char *, size_t);
void	json_w_str(struct json_w *, const char *);
void	json_w_strn(struct json_w *, const char *, size_t);
void	json_w_int(struct json_w *, long long);
void	json_w_bool(struct json_w *, int);
void	json_w_null(struct json_w *);

/*
 * A value copied as is: s[0..n) must be one valid JSON text (not
 * checked, except that n == 0 is misuse).  json_w_tok() copies token t
 * of a parsed js verbatim (a string with its quotes).
 */
void	json_w_raw(struct json_w *, const char *s, size_t n);
void	json_w_tok(struct json_w *, const char *js,
	    const struct json_tok *t);

/*
 * Ends the text.  Returns 0 and sets *n (when not NULL) to its length;
 * buf then holds it and a NUL.  Otherwise returns the first error
 * (JSON_ENOSPACE, JSON_EMISUSE, JSON_EDEPTH, or JSON_EMISUSE when a
 * container is still open or nothing was written) and buf holds an empty
 * string if cap > 0: never a truncated text.
 */
int	json_w_finish(struct json_w *, size_t *n);

#endif
