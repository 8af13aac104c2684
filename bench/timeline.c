/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Timeline sampler thread (see timeline.h).
 */
#include "timeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Append one row. Called by the sampler thread, or by the controller
 * while the sampler is not running (start, after join). */
static void take_row(struct timeline *tl)
{
	size_t w = timeline_width(tl);
	uint64_t *row;

	if (tl->truncated)
		return;
	if (tl->nrows == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 256;
		uint64_t *r = realloc(tl->rows, cap * w * sizeof(*r));
		if (!r) {
			tl->truncated = true;
			return;
		}
		tl->rows = r;
		tl->cap = cap;
	}
	row = tl->rows + tl->nrows * w;
	row[0] = mono_ns() - tl->t0_ns;
	for (unsigned i = 0; i < tl->cfg.nthreads; i++)
		row[1 + i] = atomic_load_explicit(tl->cfg.progress[i], memory_order_relaxed);
	if (tl->cfg.nextra)
		tl->cfg.extra(tl->cfg.extra_arg, row + 1 + tl->cfg.nthreads);
	tl->nrows++;
}

static void *sampler(void *arg)
{
	struct timeline *tl = arg;
	uint64_t period = (uint64_t)tl->cfg.interval_ms * 1000000u;
	uint64_t next = tl->t0_ns + period;

	pthread_mutex_lock(&tl->lock);
	while (!tl->stop) {
		struct timespec dl = {.tv_sec = (time_t)(next / 1000000000u),
				      .tv_nsec = (long)(next % 1000000000u)};
		int rc = pthread_cond_timedwait(&tl->wake, &tl->lock, &dl);
		if (tl->stop)
			break;
		if (rc == ETIMEDOUT || mono_ns() >= next) {
			take_row(tl);
			next += period;
			/* Fell far behind (host stall): skip missed deadlines. */
			if (mono_ns() > next + period)
				next = mono_ns() + period;
		}
	}
	pthread_mutex_unlock(&tl->lock);
	return NULL;
}

int timeline_start(struct timeline *tl, const struct timeline_cfg *cfg)
{
	pthread_condattr_t ca;
	int rc;

	memset(tl, 0, sizeof(*tl));
	if (!cfg->interval_ms || cfg->nextra > TIMELINE_MAX_EXTRA || (cfg->nextra && !cfg->extra)) {
		errno = EINVAL;
		return -1;
	}
	tl->cfg = *cfg;
	tl->inited = true;
	pthread_mutex_init(&tl->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tl->wake, &ca);
	pthread_condattr_destroy(&ca);
	tl->t0_ns = mono_ns();
	take_row(tl);
	rc = pthread_create(&tl->thread, NULL, sampler, tl);
	if (rc) {
		errno = rc;
		return -1;
	}
	tl->running = true;
	return 0;
}

void timeline_stop(struct timeline *tl)
{
	if (!tl->running)
		return;
	pthread_mutex_lock(&tl->lock);
	tl->stop = true;
	pthread_cond_signal(&tl->wake);
	pthread_mutex_unlock(&tl->lock);
	pthread_join(tl->thread, NULL);
	tl->running = false;
	take_row(tl);
}

void timeline_free(struct timeline *tl)
{
	timeline_stop(tl);
	free(tl->rows);
	tl->rows = NULL;
	tl->nrows = tl->cap = 0;
	if (tl->inited) {
		pthread_cond_destroy(&tl->wake);
		pthread_mutex_destroy(&tl->lock);
		tl->inited = false;
	}
}

double timeline_rate(const struct timeline *tl, size_t i, int thread)
{
	const uint64_t *a, *b;
	uint64_t ops = 0;
	double dt;

	if (i < 1 || i >= tl->nrows)
		return 0;
	a = timeline_row(tl, i - 1);
	b = timeline_row(tl, i);
	if (b[0] <= a[0])
		return 0;
	dt = (double)(b[0] - a[0]) / 1e9;
	if (thread >= 0) {
		if ((unsigned)thread >= tl->cfg.nthreads)
			return 0;
		return (double)(b[1 + thread] - a[1 + thread]) / dt;
	}
	for (unsigned t = 0; t < tl->cfg.nthreads; t++)
		ops += b[1 + t] - a[1 + t];
	return (double)ops / dt;
}
