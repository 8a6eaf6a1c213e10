/*
 * tests/t_help.c: every packed help text unpacks to its text in help.def,
 * whichever is unpacked first, and help_print() writes it whole.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "help.h"

static const char *const texts[] = {
#define HELP(id, text)	text,
#include "help.def"
#undef HELP
};

/* Each text alone, last first (each unpacks all before it). */
static void
t_each_text(void)
{
	static char buf[HELP_MAX + 1];
	const char *p;
	size_t i;

	CHECK_EQ(nitems(texts), HELP_COUNT);
	for (i = HELP_COUNT; i-- > 0;) {
		memset(buf, 'x', sizeof buf);
		p = help_text((int)i, buf);
		if (!CHECK(strcmp(p, texts[i]) == 0))
			fprintf(stderr, "  text %zu differs\n", i);
		CHECK(p[strlen(p)] == '\0');
	}
	p = help_text(HELP_VERSION, buf);
	CHECK(strncmp(p, "usage: slackbot version", 23) == 0);
}

/* help_print() through a file: the same bytes; HELP_NONE nothing. */
static void
t_print(void)
{
	char out[HELP_MAX + 1];
	FILE *f;
	size_t n;

	if (!CHECK((f = tmpfile()) != NULL))
		return;
	help_print(f, HELP_OVERVIEW);
	help_print(f, HELP_NONE);
	help_print(f, HELP_RUN_OPTIONS);
	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	CHECK_EQ(n, strlen(texts[HELP_OVERVIEW]) +
	    strlen(texts[HELP_RUN_OPTIONS]));
	CHECK(strncmp(out, texts[HELP_OVERVIEW],
	    strlen(texts[HELP_OVERVIEW])) == 0);
	CHECK(strcmp(out + strlen(texts[HELP_OVERVIEW]),
	    texts[HELP_RUN_OPTIONS]) == 0);
}

int
main(int argc, char **argv)
{
	static const struct t_case cases[] = {
		{ "each_text",	t_each_text },
		{ "print",	t_print },
	};

	return t_run(cases, nitems(cases), argc, argv);
}
