/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the libFuzzer targets in tests/fuzz (built and run by
 * scripts/fuzz, never by ctest: their names do not start with test_).
 *
 * The contract every target checks for the input it parses: a rejected
 * input returns -1 after printing exactly one line, starting with
 * "lpibench: ", to stderr; an accepted one returns 0. Anything else, a
 * crash, a sanitizer report or a hang (libFuzzer's -timeout) is a failure.
 * Messages are caught by pointing the stdio stream stderr at a memory
 * stream during the call: sanitizer and libFuzzer reports, written to file
 * descriptor 2 directly, still reach the terminal.
 */
#ifndef LB_FUZZ_COMMON_H
#define LB_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_capture {
	FILE *saved;
	char *buf;
	size_t len;
};

static inline void fuzz_capture_begin(struct fuzz_capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->saved = stderr;
	FILE *m = open_memstream(&c->buf, &c->len);
	if (m)
		stderr = m;
}

/* Ends the capture; returns the text (owned by c until fuzz_capture_free). */
static inline const char *fuzz_capture_end(struct fuzz_capture *c)
{
	if (stderr != c->saved) {
		fclose(stderr);
		stderr = c->saved;
	}
	return c->buf ? c->buf : "";
}

static inline void fuzz_capture_free(struct fuzz_capture *c)
{
	free(c->buf);
	c->buf = NULL;
}

static inline unsigned fuzz_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Aborts (a finding for libFuzzer) unless rc/msg keep the contract. */
static inline void fuzz_check(const char *what, int rc, const char *msg)
{
	if (rc == 0)
		return;
	if (rc != -1) {
		fprintf(stderr, "FUZZ: %s returned %d (expected 0 or -1)\n", what, rc);
		abort();
	}
	if (fuzz_lines(msg) != 1 || strncmp(msg, "lpibench: ", 10) != 0 ||
	    msg[strlen(msg) - 1] != '\n') {
		fprintf(stderr, "FUZZ: %s rejected the input without exactly one clear message:\n%s",
			what, msg);
		abort();
	}
}

#endif
