/*
 * tests/jsoncheck.c: is each file one valid JSON text, by json.c's rules?
 *
 *	build/jsoncheck FILE...
 *
 * Quiet for a valid file; for an invalid one prints "FILE: byte N: why"
 * on stderr.  Exits 0 when every file is valid, 1 when one is not, 2 when
 * one cannot be read (or is larger than the buffer), whatever the others.
 * Each file is read whole into a static buffer and tokenized keeping only
 * the top value (depth 0), which validates any size with one token.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

#define CHECK_MAX	(16 * 1024 * 1024)

static char	buf[CHECK_MAX + 1];	/* one more byte: "larger than" */

/* Reads path into buf; returns its length, or -1 after saying why. */
static long
slurp(const char *path)
{
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (n < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > CHECK_MAX) {
		fprintf(stderr, "%s: larger than %d bytes, not checked\n",
		    path, CHECK_MAX);
		return -1;
	}
	return (long)n;
}

int
main(int argc, char **argv)
{
	struct json_tok tok[1];
	size_t off;
	long n;
	int i, r, status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: jsoncheck FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if ((n = slurp(argv[i])) < 0) {
			status = 2;
			continue;
		}
		r = json_parse(buf, (size_t)n, tok, 1, 0, &off);
		if (r < 0) {
			fprintf(stderr, "%s: byte %zu: %s\n", argv[i], off,
			    json_strerror(r));
			if (status == 0)
				status = 1;
		}
	}
	return status;
}
