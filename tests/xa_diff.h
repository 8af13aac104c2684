/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Differential testing of two xarrays (struct xa_impl: the port and the
 * kernel's lib/xarray.c): the same sequence of normal-API calls runs on
 * both in lockstep; every return value is compared, and after every step
 * the whole contents: each index of a pool (load, the raw slot so that
 * reservations count, three marks), full and marked walks (xa_find /
 * xa_find_after), xa_empty, xa_marked, the node count, and the port's own
 * invariant check. A sequence that shows a difference is shrunk to a
 * minimal one (greedy: drop any call whose removal keeps a difference).
 *
 * Used by tests/test_kxa_diff.c (bounded random runs and fixed cases) and
 * tests/fuzz/fuzz_xa_diff.c (libFuzzer: the input bytes are the calls).
 * Context: a registered RCU thread.
 */
#ifndef LB_TEST_XA_DIFF_H
#define LB_TEST_XA_DIFF_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "structures/xa_impl.h"

/* Both implementations encode entries identically. */
#define XD_ZERO	    ((void *)((257UL << 2) | 2UL))
#define XD_VALUE(v) ((void *)(((unsigned long)(v) << 1) | 1UL))
#define XD_PRESENT  8U
#define XD_MARKS    3U
#define XD_MAX_WALK 64

enum xd_kind {
	XD_STORE,
	XD_ERASE,
	XD_CMPXCHG,
	XD_INSERT,
	XD_RESERVE,
	XD_RELEASE,
	XD_LOAD,
	XD_FIND,
	XD_FIND_AFTER,
	XD_SET_MARK,
	XD_CLEAR_MARK,
	XD_GET_MARK,
	XD_MARKED,
	XD_EMPTY,
	XD_L_STORE, /* xa_lock (or xa_lock_irq), __xa_*, unlock */
	XD_L_ERASE,
	XD_L_CMPXCHG,
	XD_L_INSERT,
	XD_L_SET_MARK,
	XD_L_CLEAR_MARK,
	XD_NR
};

static const char *const xd_names[XD_NR] = {
    "store",   "erase",	     "cmpxchg",	  "insert",	"reserve",    "release",      "load",
    "find",    "find_after", "set_mark",  "clear_mark", "get_mark",   "marked",	      "empty",
    "__store", "__erase",    "__cmpxchg", "__insert",	"__set_mark", "__clear_mark",
};

/* One call: what it is and its arguments, as small choices. */
struct xd_op {
	uint8_t kind;
	uint8_t idx;   /* index: xd_pool[idx] */
	uint8_t idx2;  /* max of a find */
	uint8_t entry; /* entry choice (xd_entry) */
	uint8_t old;   /* cmpxchg's old, as an entry choice */
	uint8_t mark;  /* 0..2, or XD_PRESENT for a find */
	uint8_t irq;   /* locked calls: xa_lock_irq instead of xa_lock */
};

/* Indexes that share leaves, cross node and level boundaries, and the
 * ends of the index space (0 lives in the head; ULONG_MAX needs 11 levels). */
static const unsigned long xd_pool[] = {
    0, 1, 2, 63, 64, 65, 4095, 4096, 4097, 8192, 8193, 8255, 65535, 65536, 1UL << 32, ~0UL,
};
#define XD_POOL (sizeof(xd_pool) / sizeof(xd_pool[0]))

/* Entry choices: NULL, XA_ZERO_ENTRY, or one of six value entries. */
static inline void *xd_entry(uint8_t c)
{
	c %= 8;
	return c == 0 ? NULL : c == 1 ? XD_ZERO : XD_VALUE(c - 2);
}

static inline void xd_entry_name(char *buf, size_t len, const void *e)
{
	uintptr_t v = (uintptr_t)e;
	if (!e)
		snprintf(buf, len, "NULL");
	else if (e == XD_ZERO)
		snprintf(buf, len, "ZERO");
	else if (v & 1)
		snprintf(buf, len, "v%lu", (unsigned long)(v >> 1));
	else if ((v & 3) == 2 && (intptr_t)v < 0 && (intptr_t)v >= -4095 * 4 - 2)
		snprintf(buf, len, "ERR(%ld)", (long)((intptr_t)v >> 2));
	else
		snprintf(buf, len, "%#lx", (unsigned long)v);
}

static inline void xd_op_name(char *buf, size_t len, const struct xd_op *op)
{
	char e[32], o[32];
	unsigned long i = xd_pool[op->idx % XD_POOL];
	const char *n = xd_names[op->kind % XD_NR];
	xd_entry_name(e, sizeof(e), xd_entry(op->entry));
	xd_entry_name(o, sizeof(o), xd_entry(op->old));
	switch (op->kind % XD_NR) {
	case XD_STORE:
	case XD_INSERT:
	case XD_L_STORE:
	case XD_L_INSERT:
		snprintf(buf, len, "%s(%lu, %s)", n, i, e);
		break;
	case XD_CMPXCHG:
	case XD_L_CMPXCHG:
		snprintf(buf, len, "%s(%lu, old %s, new %s)", n, i, o, e);
		break;
	case XD_FIND:
	case XD_FIND_AFTER:
		if (op->mark == XD_PRESENT)
			snprintf(buf, len, "%s(%lu, max %lu, PRESENT)", n, i,
				 xd_pool[op->idx2 % XD_POOL]);
		else
			snprintf(buf, len, "%s(%lu, max %lu, mark %u)", n, i,
				 xd_pool[op->idx2 % XD_POOL], op->mark);
		break;
	case XD_SET_MARK:
	case XD_CLEAR_MARK:
	case XD_GET_MARK:
	case XD_L_SET_MARK:
	case XD_L_CLEAR_MARK:
		snprintf(buf, len, "%s(%lu, mark %u)", n, i, op->mark);
		break;
	case XD_MARKED:
		snprintf(buf, len, "%s(mark %u)", n, op->mark);
		break;
	case XD_EMPTY:
		snprintf(buf, len, "%s()", n);
		break;
	default:
		snprintf(buf, len, "%s(%lu)", n, i);
	}
	if (op->kind % XD_NR >= XD_L_STORE && op->irq)
		strncat(buf, " [irq]", len - strlen(buf) - 1);
}

/* Ops from bytes (libFuzzer input): 4 bytes a call. */
static inline size_t xd_decode(const uint8_t *d, size_t len, struct xd_op *ops, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i + 4 <= len && n < max; i += 4, n++) {
		struct xd_op *op = &ops[n];
		op->kind = d[i] % XD_NR;
		op->idx = d[i + 1] % XD_POOL;
		op->idx2 = (uint8_t)((d[i + 1] >> 4) ^ d[i + 3]) % XD_POOL;
		op->entry = d[i + 2] % 8;
		op->old = (d[i + 2] >> 3) % 8;
		unsigned m = (d[i + 3] >> 1) % 4;
		op->mark = m == 3 ? XD_PRESENT : (uint8_t)m;
		if (op->kind != XD_FIND && op->kind != XD_FIND_AFTER && m == 3)
			op->mark = 0;
		op->irq = d[i + 3] & 1;
	}
	return n;
}

static inline uint64_t xd_rand(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ull);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline void xd_random(uint64_t *seed, struct xd_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b[4];
		uint64_t r = xd_rand(seed);
		memcpy(b, &r, 4);
		xd_decode(b, 4, &ops[i], 1);
	}
}

/* What one call returned, in a comparable form. */
struct xd_ret {
	void *entry;
	long ival;
	unsigned long index;
};

static inline struct xd_ret xd_apply(const struct xa_impl *im, void *xa, const struct xd_op *op)
{
	struct xd_ret r = {NULL, 0, 0};
	unsigned long i = xd_pool[op->idx % XD_POOL];
	void *e = xd_entry(op->entry), *old = xd_entry(op->old);
	unsigned mark = op->mark;
	switch (op->kind % XD_NR) {
	case XD_STORE:
		r.entry = im->store(xa, i, e);
		break;
	case XD_ERASE:
		r.entry = im->erase(xa, i);
		break;
	case XD_CMPXCHG:
		r.entry = im->cmpxchg(xa, i, old, e);
		break;
	case XD_INSERT:
		r.ival = im->insert(xa, i, e);
		break;
	case XD_RESERVE:
		r.ival = im->reserve(xa, i);
		break;
	case XD_RELEASE:
		im->release(xa, i);
		break;
	case XD_LOAD:
		r.entry = im->load(xa, i);
		break;
	case XD_FIND:
	case XD_FIND_AFTER:
		r.index = i;
		r.entry = (op->kind == XD_FIND ? im->find : im->find_after)(
		    xa, &r.index, xd_pool[op->idx2 % XD_POOL], mark);
		break;
	case XD_SET_MARK:
		im->set_mark(xa, i, mark);
		break;
	case XD_CLEAR_MARK:
		im->clear_mark(xa, i, mark);
		break;
	case XD_GET_MARK:
		r.ival = im->get_mark(xa, i, mark);
		break;
	case XD_MARKED:
		r.ival = im->marked(xa, mark);
		break;
	case XD_EMPTY:
		r.ival = im->empty(xa);
		break;
	default:
		im->lock(xa, op->irq);
		switch (op->kind % XD_NR) {
		case XD_L_STORE:
			r.entry = im->store_locked(xa, i, e);
			break;
		case XD_L_ERASE:
			r.entry = im->erase_locked(xa, i);
			break;
		case XD_L_CMPXCHG:
			r.entry = im->cmpxchg_locked(xa, i, old, e);
			break;
		case XD_L_INSERT:
			r.ival = im->insert_locked(xa, i, e);
			break;
		case XD_L_SET_MARK:
			im->set_mark_locked(xa, i, mark);
			break;
		default:
			im->clear_mark_locked(xa, i, mark);
		}
		im->unlock(xa, op->irq);
	}
	return r;
}

static inline void xd_say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* Walks with filter; returns entries found (at most XD_MAX_WALK). */
static inline unsigned xd_walk(const struct xa_impl *im, void *xa, unsigned filter,
			       unsigned long *idx, void **ent)
{
	unsigned n = 0;
	unsigned long i = 0;
	void *e = im->find(xa, &i, ~0UL, filter);
	while (e && n < XD_MAX_WALK) {
		idx[n] = i;
		ent[n++] = e;
		e = im->find_after(xa, &i, ~0UL, filter);
	}
	return n;
}

/* Whole contents of a and b agree? Else describes the first difference. */
static inline bool xd_same_contents(const struct xa_impl *a, void *xa, const struct xa_impl *b,
				    void *xb, char *why, size_t len)
{
	char ea[32], eb[32];
	if (a->validate && a->validate(xa)) {
		xd_say(why, len, "%s invariant broken: %s", a->name, a->validate(xa));
		return false;
	}
	if (b->validate && b->validate(xb)) {
		xd_say(why, len, "%s invariant broken: %s", b->name, b->validate(xb));
		return false;
	}
	for (unsigned p = 0; p < XD_POOL; p++) {
		unsigned long i = xd_pool[p];
		void *ra = a->load_raw(xa, i), *rb = b->load_raw(xb, i);
		void *la = a->load(xa, i), *lb = b->load(xb, i);
		if (ra != rb || la != lb) {
			xd_entry_name(ea, sizeof(ea), ra);
			xd_entry_name(eb, sizeof(eb), rb);
			xd_say(why, len, "slot %lu holds %s in %s, %s in %s", i, ea, a->name, eb,
			       b->name);
			return false;
		}
		for (unsigned m = 0; m < XD_MARKS; m++)
			if (a->get_mark(xa, i, m) != b->get_mark(xb, i, m)) {
				xd_say(why, len, "mark %u at %lu: %s %d, %s %d", m, i, a->name,
				       a->get_mark(xa, i, m), b->name, b->get_mark(xb, i, m));
				return false;
			}
	}
	for (unsigned f = 0; f <= XD_MARKS; f++) {
		unsigned filter = f == XD_MARKS ? XD_PRESENT : f;
		unsigned long ia[XD_MAX_WALK], ib[XD_MAX_WALK];
		void *va[XD_MAX_WALK], *vb[XD_MAX_WALK];
		unsigned na = xd_walk(a, xa, filter, ia, va), nb = xd_walk(b, xb, filter, ib, vb);
		if (na != nb || memcmp(ia, ib, na * sizeof(ia[0])) ||
		    memcmp(va, vb, na * sizeof(va[0]))) {
			xd_say(why, len, "walk (filter %u) finds %u entries in %s, %u in %s",
			       filter, na, a->name, nb, b->name);
			return false;
		}
		if (f < XD_MARKS && a->marked(xa, f) != b->marked(xb, f)) {
			xd_say(why, len, "xa_marked(%u): %s %d, %s %d", f, a->name,
			       a->marked(xa, f), b->name, b->marked(xb, f));
			return false;
		}
	}
	if (a->empty(xa) != b->empty(xb)) {
		xd_say(why, len, "xa_empty: %s %d, %s %d", a->name, a->empty(xa), b->name,
		       b->empty(xb));
		return false;
	}
	if (a->nodes(xa) != b->nodes(xb)) {
		xd_say(why, len, "nodes: %s %lu, %s %lu", a->name, a->nodes(xa), b->name,
		       b->nodes(xb));
		return false;
	}
	return true;
}

/* Runs ops in lockstep on two fresh arrays. Returns the index of the first
 * call after which they differ (why says how), or -1. */
static inline long xd_run(const struct xa_impl *a, const struct xa_impl *b, const struct xd_op *ops,
			  size_t n, char *why, size_t len)
{
	void *xa = a->create(), *xb = b->create();
	long bad = -1;
	if (!xa || !xb) {
		xd_say(why, len, "cannot create the arrays");
		bad = 0;
	}
	for (size_t k = 0; bad < 0 && k < n; k++) {
		struct xd_ret ra = xd_apply(a, xa, &ops[k]), rb = xd_apply(b, xb, &ops[k]);
		if (ra.entry != rb.entry || ra.ival != rb.ival || ra.index != rb.index) {
			char ea[32], eb[32];
			xd_entry_name(ea, sizeof(ea), ra.entry);
			xd_entry_name(eb, sizeof(eb), rb.entry);
			xd_say(why, len, "returns %s/%ld/%lu in %s, %s/%ld/%lu in %s", ea, ra.ival,
			       ra.index, a->name, eb, rb.ival, rb.index, b->name);
			bad = (long)k;
		} else if (!xd_same_contents(a, xa, b, xb, why, len)) {
			bad = (long)k;
		}
	}
	if (xa)
		a->destroy(xa);
	if (xb)
		b->destroy(xb);
	return bad;
}

/* Shrinks a differing sequence in place; returns its new length. */
static inline size_t xd_minimize(const struct xa_impl *a, const struct xa_impl *b,
				 struct xd_op *ops, size_t n)
{
	char why[256];
	long bad = xd_run(a, b, ops, n, why, sizeof(why));
	if (bad < 0)
		return n;
	n = (size_t)bad + 1;
	for (bool shrunk = true; shrunk;) {
		shrunk = false;
		for (size_t k = 0; k < n; k++) {
			struct xd_op saved = ops[k];
			memmove(&ops[k], &ops[k + 1], (n - k - 1) * sizeof(ops[0]));
			bad = xd_run(a, b, ops, n - 1, why, sizeof(why));
			if (bad >= 0) {
				n = (size_t)bad + 1;
				shrunk = true;
				break;
			}
			memmove(&ops[k + 1], &ops[k], (n - k - 1) * sizeof(ops[0]));
			ops[k] = saved;
		}
	}
	return n;
}

/* Prints a sequence, one call a line, and the difference it ends with. */
static inline void xd_print(FILE *out, const struct xa_impl *a, const struct xa_impl *b,
			    const struct xd_op *ops, size_t n)
{
	char why[256], name[96];
	xd_run(a, b, ops, n, why, sizeof(why));
	for (size_t k = 0; k < n; k++) {
		xd_op_name(name, sizeof(name), &ops[k]);
		fprintf(out, "  %s%s", name, k + 1 < n ? ";\n" : "\n");
	}
	fprintf(out, "  => %s\n", why);
}

#endif
