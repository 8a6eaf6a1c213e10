/*
 * tests/fuzz_inbound.c: request bodies and signature headers on arbitrary
 * bytes (inbound.c).
 *
 * Input: byte 0 picks the scratch size (a slash command's JSON may not
 * fit), the rest is a body.  inbound_read() must not read or write
 * outside the body, the scratch and the tokens; what it hands on must be
 * valid JSON (an object) inside them; reading a copy twice gives the same
 * answer.  The signature check runs on pieces of the input as headers:
 * nothing but an exact match passes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "inbound.h"
#include "testutil.h"

static struct json_tok	tok[256], tok2[256];
/* The scratch, after a poisoned gap: scap bytes of it are accessible. */
static char		sarea[FZ_GAP + 255 * 16] __attribute__((aligned(64)));

static void
check(int ok)
{
	if (!ok)
		abort();
}

static int
inside(const char *p, size_t n, const char *buf, size_t cap)
{
	return p >= buf && n <= cap && p + n <= buf + cap;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inbound_msg m, m2;
	char *body, *copy, *scratch, sig[67];
	size_t n, scap;
	int k;

	if (size < 1)
		return 0;
	scap = (size_t)data[0] * 16;
	n = size - 1;
	body = fz_copy(data + 1, n);
	scratch = sarea + FZ_GAP;
	fz_limit(sarea, sizeof sarea, 0);
	ASAN_UNPOISON_MEMORY_REGION(scratch, scap);
	memset(scratch, 0xbe, scap);	/* as ASan's malloc() would */

	/* Only the body's own signature passes. */
	check(tu_sign(sig, sizeof sig, "secret", "1531420618", 10, body,
	    n) == 67);
	check(inbound_verify("secret", "1531420618", 10, sig, 67, body, n,
	    1531420618) == INBOUND_OK);
	check(inbound_verify("secret", "1531420618", 10, body, n, body, n,
	    1531420618) != INBOUND_OK || (n == 67 && memcmp(body, sig,
	    67) == 0));

	k = inbound_read(body, n, scratch, scap, tok, 256, &m);
	check(k == (int)m.kind);
	if (m.kind == INBOUND_EVENT) {
		check(inside(m.rec, m.reclen, body, n) ||
		    inside(m.rec, m.reclen, scratch, scap));
		check(json_parse(m.rec, m.reclen, tok2, 256, 0, NULL) == 1 &&
		    tok2[0].type == JSON_OBJECT);
	} else if (m.kind == INBOUND_CHALLENGE)
		check(inside(m.challenge, m.chlen, body, n));
	else
		check(m.why != NULL && m.why[0] != '\0');
	copy = fz_copy(data + 1, n);	/* body is not to be read any more */
	k = inbound_read(copy, n, scratch, scap, tok, 256, &m2);
	check(m2.kind == m.kind && m2.reclen == m.reclen && m2.key == m.key);
	return 0;
}
