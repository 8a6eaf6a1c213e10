/*
 * help.h: the help texts of help.def, kept packed in the binary (7.7 KB
 * of text in about 3.6 KB) and unpacked when one is printed.
 *
 * tools/mkhelp packs them into build/help-lz.h, all one after the other,
 * as a plain LZ77: a byte below 0x80 stands for itself (the texts are
 * ASCII); a byte b from 0x80 up and the byte c after it copy
 * ((b >> 4) & 7) + 3 bytes, 3 to 10, from ((b & 15) << 8 | c) + 1 bytes,
 * 1 to 4096, back in what is unpacked so far.
 */
#ifndef HELP_H
#define HELP_H

#include <stdio.h>

enum help_id {
#define HELP(id, text)	HELP_##id,
#include "help.def"
#undef HELP
	HELP_COUNT
};

#define HELP_NONE	(-1)
#define HELP_MAX	12288	/* all the texts, unpacked (mkhelp checks) */

/*
 * Unpacks the texts up to the end of text id into buf (HELP_MAX + 1
 * bytes) and returns where text id begins in it, NUL-terminated.
 */
const char *help_text(int id, char *buf);

/* Writes text id to f; HELP_NONE writes nothing. */
void	help_print(FILE *f, int id);

#endif
