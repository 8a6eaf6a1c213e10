/*
 * tests/harness.h: the unit-test runner shared by tests/t_*.c.
 *
 * A test program lists its cases in a table and ends main() with
 * t_run(cases, nitems(cases), argc, argv).  A case passes when none of its
 * CHECKs failed.  The last line printed is "N passed, N failed"; tests/run
 * adds those lines up.  Naming cases on the command line runs only those.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

struct t_case {
	const char	*name;
	void		(*fn)(void);
};

static int	t_case_failed;	/* CHECKs that failed in the current case */

static int
t_check(int ok, const char *file, int line, const char *what)
{
	if (!ok && t_case_failed++ < 10)
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", file, line, what);
	return ok;
}

/* Evaluates to the condition, so a test can stop early: if (!CHECK(x)) return; */
#define CHECK(c)	t_check((c) != 0, __FILE__, __LINE__, #c)

/* Integer equality that prints both sides when it fails. */
#define CHECK_EQ(a, b)	t_check_eq((long long)(a), (long long)(b), \
			    __FILE__, __LINE__, #a " == " #b)

static int
t_check_eq(long long a, long long b, const char *file, int line,
    const char *what)
{
	if (a != b && t_case_failed < 10)
		fprintf(stderr, "%s:%d: CHECK(%s) failed: %lld != %lld\n",
		    file, line, what, a, b);
	if (a != b)
		t_case_failed++;
	return a == b;
}

/*
 * Keeps a case's input as a seed of the fuzz target tests/fuzz_TARGET.c
 * (make corpus): with T_SEEDS=DIR in the environment, pre[0..np) (the
 * target's leading bytes, its parameters) then s[0..n) are written to
 * DIR/TARGET/ in a file named by a hash of them.  Else nothing happens.
 * Seeds of more than T_SEED_MAX bytes are not kept.
 */
#define T_SEED_MAX	16384

static inline void
t_seed(const char *target, const void *pre, size_t np, const void *s,
    size_t n)
{
	const char *dir = getenv("T_SEEDS");
	const unsigned char *b;
	uint64_t h = 0xcbf29ce484222325ULL;
	char path[512];
	FILE *f;
	size_t i;

	if (dir == NULL || *dir == '\0' || np + n > T_SEED_MAX)
		return;
	for (b = pre, i = 0; i < np; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	for (b = s, i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	snprintf(path, sizeof path, "%s/%s/%016llx", dir, target,
	    (unsigned long long)h);
	if ((f = fopen(path, "wb")) == NULL ||
	    (np > 0 && fwrite(pre, 1, np, f) != np) ||
	    (n > 0 && fwrite(s, 1, n, f) != n) || fclose(f) != 0) {
		fprintf(stderr, "t_seed: cannot write %s\n", path);
		exit(1);
	}
}

static int
t_run(const struct t_case *c, size_t n, int argc, char **argv)
{
	int passed = 0, failed = 0, i;
	size_t k;

	for (k = 0; k < n; k++) {
		if (argc > 1) {
			for (i = 1; i < argc; i++)
				if (strcmp(argv[i], c[k].name) == 0)
					break;
			if (i == argc)
				continue;
		}
		t_case_failed = 0;
		c[k].fn();
		if (t_case_failed) {
			fprintf(stderr, "FAIL %s (%d checks)\n", c[k].name,
			    t_case_failed);
			failed++;
		} else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}

#endif
