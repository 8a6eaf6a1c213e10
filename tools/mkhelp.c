/*
 * mkhelp: print build/help-lz.h, the texts of help.def packed as help.h
 * says.  Built for the build machine and run by the Makefile.
 *
 * Greedy: at each byte, the longest earlier match of 3 to 10 bytes within
 * 4096 bytes back (the nearest of equal ones), else the byte itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../help.h"

static const char *const texts[] = {
#define HELP(id, text)	text,
#include "../help.def"
#undef HELP
};

#define MIN	3
#define MAX	10
#define WINDOW	4096

static unsigned char	t[HELP_MAX];
static unsigned		at[HELP_COUNT + 1];

int
main(void)
{
	size_t i, j, k, n = 0, best, back, out = 0;

	for (i = 0; i < HELP_COUNT; i++) {
		at[i] = (unsigned)n;
		k = strlen(texts[i]);
		if (k > sizeof t - n) {
			fprintf(stderr, "mkhelp: the texts pass HELP_MAX\n");
			return 1;
		}
		memcpy(t + n, texts[i], k);
		n += k;
	}
	at[HELP_COUNT] = (unsigned)n;
	for (i = 0; i < n; i++)
		if (t[i] == 0 || t[i] >= 0x80) {
			fprintf(stderr, "mkhelp: byte %zu is not ASCII\n", i);
			return 1;
		}
	printf("/* help.def packed by tools/mkhelp (see help.h). */\n"
	    "static const unsigned short help_at[] = {");
	for (i = 0; i <= HELP_COUNT; i++)
		printf("%s%u,", i % 8 ? " " : "\n\t", at[i]);
	printf("\n};\n\nstatic const unsigned char help_lz[] = {");
	for (i = 0; i < n; i += best < MIN ? 1 : best) {
		best = back = 0;
		for (j = i > WINDOW ? i - WINDOW : 0; j < i; j++) {
			for (k = 0; k < MAX && i + k < n &&
			    t[j + k] == t[i + k]; k++)
				;
			if (k >= best) {
				best = k;
				back = i - j;
			}
		}
		if (best < MIN)
			printf("%s%u,", out++ % 12 ? " " : "\n\t", t[i]);
		else {
			printf("%s%zu,", out++ % 12 ? " " : "\n\t",
			    0x80 | (best - MIN) << 4 | (back - 1) >> 8);
			printf("%s%zu,", out++ % 12 ? " " : "\n\t",
			    (back - 1) & 0xff);
		}
	}
	printf("\n};\n");
	fprintf(stderr, "mkhelp: %zu bytes of text in %zu\n", n, out);
	return 0;
}
