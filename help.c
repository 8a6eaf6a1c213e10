/*
 * help.c: see help.h.
 */
#include <stddef.h>
#include <stdio.h>

#include "help.h"
#include "help-lz.h"		/* help_lz[], help_at[]: tools/mkhelp */

/* see help.h */
const char *
help_text(int id, char *buf)
{
	const unsigned char	*p = help_lz;
	size_t			 n = 0, len, back, end = help_at[id + 1];

	while (n < end) {
		if (*p < 0x80) {
			buf[n++] = (char)*p++;
			continue;
		}
		len = (size_t)(*p >> 4 & 7) + 3;
		back = ((size_t)(*p & 15) << 8 | p[1]) + 1;
		p += 2;
		for (; len > 0; len--, n++)	/* may overlap: byte by byte */
			buf[n] = buf[n - back];
	}
	buf[end] = '\0';		/* a copy may run past it */
	return buf + help_at[id];
}

/* see help.h */
void
help_print(FILE *f, int id)
{
	char buf[HELP_MAX + 1];

	if (id != HELP_NONE)
		fputs(help_text(id, buf), f);
}
