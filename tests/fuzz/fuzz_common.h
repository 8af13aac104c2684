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

#include <stdbool.h>
#include <stdint.h>
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

/* The input as a NUL-terminated string the caller frees; NULL if it is
 * longer than max (not worth parsing) or memory is short. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size, size_t max)
{
	if (size > max)
		return NULL;
	char *buf = malloc(size + 1);
	if (!buf)
		return NULL;
	memcpy(buf, data, size);
	buf[size] = 0;
	return buf;
}

static inline unsigned fuzz_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static inline unsigned fuzz_count(const char *s, const char *pat)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, pat)); p++)
		n++;
	return n;
}

/* Deletes every occurrence of the n bytes at pat from s (in place). */
static inline void fuzz_blank(char *s, const char *pat, size_t n)
{
	if (!n)
		return;
	for (char *p = s; (p = memmem(p, strlen(p), pat, n));)
		memmove(p, p + n, strlen(p + n) + 1);
}

/*
 * Aborts (a finding for libFuzzer) unless rc/msg keep the contract: one
 * line starting with "lpibench: ". Known exception, until messages escape
 * what they quote: a message quoting an input that holds line breaks spans
 * more lines. echo (NULL: none) is that input: its quotes in the message
 * (as is, or without its first and last character, as --topology strips
 * shell quotes) are deleted before counting lines, so a second message or
 * a library's own text is still caught; input (the whole fuzz input) bounds
 * how many "lpibench:" the message may hold once echoes are deleted.
 */
static inline void fuzz_check_echo(const char *what, int rc, const char *msg, const char *echo,
				   const char *input)
{
	if (rc == 0)
		return;
	if (rc != -1) {
		fprintf(stderr, "FUZZ: %s returned %d (expected 0 or -1)\n", what, rc);
		abort();
	}
	size_t len = strlen(msg);
	if (!len || msg[len - 1] != '\n') {
		fprintf(stderr, "FUZZ: %s rejected the input without a message line:\n%s\n", what,
			msg);
		abort();
	}
	char *m = strndup(msg, len - 1); /* the message without its line end */
	if (!m)
		return;
	bool blanked = echo && strchr(echo, '\n');
	if (blanked) {
		size_t n = strlen(echo);
		fuzz_blank(m, echo, n);
		if (n > 2 && memchr(echo + 1, '\n', n - 2))
			fuzz_blank(m, echo + 1, n - 2);
	}
	/* A second message glued on by the blanking still shows as a second
	 * "lpibench:" beyond what the quoted input itself holds. */
	int ok = strncmp(m, "lpibench: ", 10) == 0 && !strchr(m, '\n') &&
		 (!blanked || fuzz_count(m, "lpibench:") <= 1 + 2 * fuzz_count(input, "lpibench:"));
	free(m);
	if (!ok) {
		fprintf(stderr,
			"FUZZ: %s rejected the input without exactly one clear message:\n%s", what,
			msg);
		abort();
	}
}

static inline void fuzz_check(const char *what, int rc, const char *msg)
{
	fuzz_check_echo(what, rc, msg, NULL, NULL);
}

#endif
