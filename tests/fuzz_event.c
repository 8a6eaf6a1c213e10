/*
 * fuzz_event.c: libFuzzer target for event_read(), event_wanted(),
 * event_env() and event_reply() on any record.
 *
 * Views must lie inside the record; the environment strings must be
 * NUL-terminated inside the buffer, start with SLACK_ and hold no newline
 * that was not in the text; nothing may read or write out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzzutil.h"

static struct json_tok	tok[256];

static void
inside(const char *rec, size_t n, const struct ev_str *s)
{
	if (s->n > 0 && (s->p < rec || s->p + s->n > rec + n))
		abort();
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allow[] = { NULL, "U03ALICE01,U1", "" };
	struct filter f;
	struct event ev;
	char *rec, buf[4096], *vars[16], ch[64], th[64];
	int i, n;

	if (size < 2)
		return 0;
	rec = fz_copy(data + 1, size - 1);
	if (event_read(rec[0], rec + 1, size - 2, tok, 1 + data[0] % 256,
	    &ev) == 0) {
		inside(rec, size - 1, &ev.channel);
		inside(rec, size - 1, &ev.user);
		inside(rec, size - 1, &ev.text);
		inside(rec, size - 1, &ev.ts);
		inside(rec, size - 1, &ev.thread_ts);
		inside(rec, size - 1, &ev.response_url);
		f.all = data[0] & 1;
		f.edits = data[0] & 2;
		f.allow = allow[data[0] % 3];
		f.self_user = "U07BOT0001";
		f.self_bot = "B07BOT0001";
		event_wanted(&ev, &f, NULL);
		n = event_env(&ev, f.self_user, buf, sizeof buf, vars, 16);
		for (i = 0; i < n; i++)
			if (vars[i] < buf || vars[i] >= buf + sizeof buf ||
			    strncmp(vars[i], "SLACK_", 6) != 0 ||
			    memchr(vars[i], '\0', (size_t)(buf + sizeof buf -
			    vars[i])) == NULL)
				abort();
		if (event_reply(&ev, data[0] % 3, ch, sizeof ch, th,
		    sizeof th) == 0 && (strlen(ch) >= sizeof ch ||
		    strlen(th) >= sizeof th))
			abort();
	}
	return 0;
}
