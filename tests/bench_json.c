/*
 * tests/bench_json.c: json_parse() against jsmn on the Slack corpus.
 *
 *	build/bench_json [RUNS [DIR]]
 *
 * Loads every *.json file of DIR (tests/data/slack), then, RUNS times
 * (default 7), tokenizes the whole corpus with json_parse() storing every
 * token, with json_parse() storing three levels (what slackbot reads of an
 * events_api envelope: payload.event.text), and with jsmn in strict mode.
 * Each run repeats the corpus for about 0.1 s, timed with CLOCK_MONOTONIC;
 * the median run is printed in MB/s (10^6 bytes per second), for the whole
 * corpus and for the small payloads alone (the events slackbot sees most).
 *
 * jsmn is Debian's libjsmn-dev: one header holding the implementation,
 * built here as static functions (JSMN_STATIC), refusing what JSON
 * refuses where it checks at all (JSMN_STRICT), and keeping parent links
 * (JSMN_PARENT_LINKS), its faster configuration: without them it walks
 * back over the tokens at every comma and closing bracket.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "json.h"

#define CORPUS_MAX	(8 * 1024 * 1024)
#define FILES_MAX	64
#define TOK_MAX		(256 * 1024)
#define RUNS_MAX	101
#define SMALL		(64 * 1024)	/* a "small payload" is below */

static char		corpus[CORPUS_MAX];
static struct {
	char	name[256];
	size_t	off, len;
} files[FILES_MAX];
static int		nfiles;
static struct json_tok	tok[TOK_MAX];
static jsmntok_t	jtok[TOK_MAX];
static volatile long	sink;	/* so that no parse is optimised out */

enum { OURS_FULL, OURS_SHALLOW, JSMN, NKIND };

static const char *const kind_name[NKIND] = {
	"json_parse, every token",
	"json_parse, 3 levels kept",
	"jsmn (strict, parent links)",
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
load(const char *dir)
{
	char path[512];
	struct dirent *d;
	size_t used = 0, n, len;
	FILE *f;
	DIR *dp;
	int i;

	if ((dp = opendir(dir)) == NULL) {
		perror(dir);
		exit(2);
	}
	while ((d = readdir(dp)) != NULL) {
		len = strlen(d->d_name);
		if (len < 6 || strcmp(d->d_name + len - 5, ".json") != 0)
			continue;
		if (nfiles == FILES_MAX || len >= sizeof(files[0].name)) {
			fprintf(stderr, "bench_json: too many files\n");
			exit(2);
		}
		memcpy(files[nfiles++].name, d->d_name, len + 1);
	}
	closedir(dp);
	qsort(files, (size_t)nfiles, sizeof(files[0]), by_name);
	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		if ((f = fopen(path, "rb")) == NULL) {
			perror(path);
			exit(2);
		}
		n = fread(corpus + used, 1, sizeof(corpus) - used, f);
		if (ferror(f) || !feof(f)) {
			fprintf(stderr, "%s: read error or corpus too big\n",
			    path);
			exit(2);
		}
		fclose(f);
		files[i].off = used;
		files[i].len = n;
		used += n;
	}
	if (nfiles == 0) {
		fprintf(stderr, "bench_json: no .json file in %s\n", dir);
		exit(2);
	}
}

/* Tokenizes file i once; returns the token count (negative: error). */
static int
parse_one(int kind, int i)
{
	const char *js = corpus + files[i].off;
	jsmn_parser p;

	switch (kind) {
	case OURS_FULL:
		return json_parse(js, files[i].len, tok, TOK_MAX, JSON_FULL,
		    NULL);
	case OURS_SHALLOW:
		return json_parse(js, files[i].len, tok, TOK_MAX, 3, NULL);
	default:
		jsmn_init(&p);
		return jsmn_parse(&p, js, files[i].len, jtok, TOK_MAX);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds for `reps` passes over the files selected by `small`. */
static double
timed(int kind, int small, long reps)
{
	double t0 = now();
	long r;
	int i;

	for (r = 0; r < reps; r++)
		for (i = 0; i < nfiles; i++)
			if (!small || files[i].len < SMALL)
				sink += parse_one(kind, i);
	return now() - t0;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
race(int runs, int small)
{
	double mbs[NKIND][RUNS_MAX], med[NKIND], t;
	size_t bytes = 0;
	long reps[NKIND];
	int i, k, sel = 0;

	for (i = 0; i < nfiles; i++)
		if (!small || files[i].len < SMALL) {
			bytes += files[i].len;
			sel++;
		}
	/* about 0.1 s per run and tokenizer */
	for (k = 0; k < NKIND; k++) {
		for (reps[k] = 1; (t = timed(k, small, reps[k])) < 0.02;
		    reps[k] *= 2)
			;
		reps[k] = (long)(reps[k] * 0.1 / t) + 1;
	}
	for (i = 0; i < runs; i++)
		for (k = 0; k < NKIND; k++)
			mbs[k][i] = (double)bytes * (double)reps[k] /
			    timed(k, small, reps[k]) / 1e6;
	for (k = 0; k < NKIND; k++) {
		qsort(mbs[k], (size_t)runs, sizeof(double), by_value);
		med[k] = mbs[k][runs / 2];
	}
	printf("%s: %d files, %zu bytes, median of %d runs\n",
	    small ? "small payloads (< 64 KiB)" : "whole corpus", sel, bytes,
	    runs);
	for (k = 0; k < NKIND; k++)
		printf("  %-28s %8.1f MB/s  %5.2f x jsmn\n", kind_name[k],
		    med[k], med[k] / med[JSMN]);
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7, i, a, b;

	if (runs < 1 || runs > RUNS_MAX) {
		fprintf(stderr, "usage: bench_json [RUNS (1-%d) [DIR]]\n",
		    RUNS_MAX);
		return 2;
	}
	load(argc > 2 ? argv[2] : "tests/data/slack");
	/* both must accept the corpus, with the same number of tokens */
	for (i = 0; i < nfiles; i++) {
		a = parse_one(OURS_FULL, i);
		b = parse_one(JSMN, i);
		if (a <= 0 || a != b) {
			fprintf(stderr, "bench_json: %s: json_parse %d, "
			    "jsmn %d tokens\n", files[i].name, a, b);
			return 1;
		}
	}
	race(runs, 0);
	race(runs, 1);
	return 0;
}
