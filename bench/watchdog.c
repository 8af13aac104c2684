/* SPDX-License-Identifier: BSD-2-Clause */
/* The run watchdog: see watchdog.h for the rule and the driver sequence. */
#include "watchdog.h"

#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/json.h"

#define WD_BT_FRAMES	 48
#define WD_BT_TIMEOUT_NS 1000000000ull /* a worker that does not answer SIGUSR1 */

struct wd_slot {
	_Atomic uint64_t *progress;
	pthread_t thread;
	atomic_bool begun; /* thread and begin_ns are valid */
	atomic_bool done;
	_Atomic(const char *) where;
	uint64_t begin_ns;
	/* Watchdog thread only (read by main after stop()): */
	uint64_t last, changed_ns;
	bool stuck;
	uint64_t stuck_progress;
	double stuck_s;
	const char *stuck_where;
};

static struct {
	double opt_seconds;
	double seconds; /* this run's */
	unsigned nr;
	unsigned nr_measured; /* see watchdog_measured() */
	struct wd_slot *slots;
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop_req; /* under mu */
	atomic_bool stalled;
	watchdog_stop_fn stop;
	void *arg;
} wd = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Slot arrays of stalled runs (see watchdog_start). */
#define WD_MAX_RETIRED 8
static struct wd_slot *wd_retired[WD_MAX_RETIRED];
static unsigned wd_nr_retired;

static _Thread_local int wd_self = -1;
static atomic_int wd_bt_ack;

const struct bench_opt watchdog_opts[] = {
    {.name = "watchdog",
     .type = OPT_DOUBLE,
     .dest = &wd.opt_seconds,
     .dmin = 0,
     .dmax = 86400,
     .unit = "s",
     .metavar = "S",
     .json = "watchdog_s",
     .help = "stop a run whose workers all make no progress for S seconds and report where they "
	     "were stuck (0 = off)"},
    {0},
};

double watchdog_seconds(void)
{
	return wd.opt_seconds;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- backtraces (async-signal-safe: write(2) and backtrace only) ---- */
static void put_str(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));
	(void)r;
}

static void put_uint(unsigned long v)
{
	char buf[24];
	size_t i = sizeof(buf);
	buf[--i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i);
	put_str(buf + i);
}

static void on_sigusr1(int sig)
{
	(void)sig;
	int saved = errno;
	void *frames[WD_BT_FRAMES];
	int n = backtrace(frames, WD_BT_FRAMES);
	put_str("lpibench: watchdog: worker ");
	put_uint(wd_self >= 0 ? (unsigned long)wd_self : 0);
	put_str(" backtrace:\n");
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	atomic_store_explicit(&wd_bt_ack, wd_self + 1, memory_order_release);
	errno = saved;
}

/* Asks worker i's thread for its backtrace; waits up to 1 s. */
static void backtrace_of(struct wd_slot *s, unsigned i)
{
	if (!atomic_load_explicit(&s->begun, memory_order_acquire))
		return;
	atomic_store(&wd_bt_ack, 0);
	if (pthread_kill(s->thread, SIGUSR1) != 0)
		return;
	uint64_t t0 = mono_ns();
	/* The answer names the worker: a late one from a worker asked before
	 * (whose signal a sanitizer runtime held back) is not this one's. */
	while (atomic_load_explicit(&wd_bt_ack, memory_order_acquire) != (int)i + 1) {
		if (mono_ns() - t0 > WD_BT_TIMEOUT_NS) {
			fprintf(stderr,
				"lpibench: watchdog: worker %u did not answer for a backtrace\n",
				i);
			return;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

/* ---- the watchdog thread ---- */
/* Workers [0, counted) are the ones whose silence made the stall; any
 * other still running is stuck only if it too was silent for the limit
 * (a vCPU polling on is not stuck, and the driver joins it). */
static void declare_stall(uint64_t now, unsigned counted, uint64_t limit)
{
	unsigned nr_stuck = 0;
	for (unsigned i = 0; i < wd.nr; i++) {
		struct wd_slot *s = &wd.slots[i];
		if (atomic_load_explicit(&s->done, memory_order_acquire))
			continue;
		if (i >= counted && now - s->changed_ns < limit)
			continue;
		s->stuck = true;
		s->stuck_progress = s->last;
		s->stuck_s = (double)(now - s->changed_ns) / 1e9;
		s->stuck_where = atomic_load_explicit(&s->where, memory_order_relaxed);
		nr_stuck++;
	}
	fprintf(stderr,
		"lpibench: watchdog: no progress for %.1f s from %u worker%s still running; "
		"stopping the run\n",
		wd.seconds, nr_stuck, nr_stuck == 1 ? "" : "s");
	for (unsigned i = 0; i < wd.nr; i++) {
		struct wd_slot *s = &wd.slots[i];
		if (!s->stuck)
			continue;
		fprintf(stderr,
			"lpibench: watchdog: worker %u stuck: %llu ops done, none for %.1f s%s%s\n",
			i, (unsigned long long)s->stuck_progress, s->stuck_s,
			s->stuck_where ? ", in " : "", s->stuck_where ? s->stuck_where : "");
		fflush(stderr);
		backtrace_of(s, i);
	}
	atomic_store_explicit(&wd.stalled, true, memory_order_release);
	if (wd.stop)
		wd.stop(wd.arg);
}

static void *watchdog_main(void *arg)
{
	(void)arg;
	uint64_t limit = (uint64_t)(wd.seconds * 1e9);
	uint64_t period = limit / 4;
	if (period > 100000000ull)
		period = 100000000ull;
	if (period < 1000000ull)
		period = 1000000ull;

	pthread_mutex_lock(&wd.mu);
	while (!wd.stop_req) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + period;
		ts.tv_sec += (time_t)(ns / 1000000000ull);
		ts.tv_nsec = (long)(ns % 1000000000ull);
		pthread_cond_timedwait(&wd.cv, &wd.mu, &ts);
		if (wd.stop_req)
			break;

		uint64_t now = mono_ns(), newest = 0;
		bool running = false;
		/* While a measured worker runs, only measured ones count. */
		unsigned counted = wd.nr;
		for (unsigned i = 0; i < wd.nr_measured && i < wd.nr; i++)
			if (!atomic_load_explicit(&wd.slots[i].done, memory_order_acquire)) {
				counted = wd.nr_measured;
				break;
			}
		for (unsigned i = 0; i < wd.nr; i++) {
			struct wd_slot *s = &wd.slots[i];
			if (atomic_load_explicit(&s->done, memory_order_acquire))
				continue;
			running = true;
			uint64_t p = atomic_load_explicit(s->progress, memory_order_relaxed);
			if (!s->changed_ns)
				s->changed_ns =
				    atomic_load_explicit(&s->begun, memory_order_acquire)
					? s->begin_ns
					: now;
			if (p != s->last) {
				s->last = p;
				s->changed_ns = now;
			}
			if (i < counted && s->changed_ns > newest)
				newest = s->changed_ns;
		}
		if (running && now - newest >= limit) {
			pthread_mutex_unlock(&wd.mu);
			declare_stall(now, counted, limit);
			return NULL;
		}
	}
	pthread_mutex_unlock(&wd.mu);
	return NULL;
}

int watchdog_start(unsigned nr, _Atomic uint64_t *const *progress, watchdog_stop_fn stop, void *arg,
		   double seconds)
{
	if (wd.running)
		watchdog_stop();
	/* After a stall, stuck threads may still publish notes into the old
	 * slots: those are kept (reachable) instead of freed. */
	if (wd.slots && atomic_load(&wd.stalled) && wd_nr_retired < WD_MAX_RETIRED)
		wd_retired[wd_nr_retired++] = wd.slots;
	else
		free(wd.slots);
	wd.slots = NULL;
	wd.nr = 0;
	atomic_store(&wd.stalled, false);
	wd.seconds = seconds > 0 ? seconds : wd.opt_seconds;
	if (!(wd.seconds > 0) || !nr)
		return 0;
	wd.slots = calloc(nr, sizeof(*wd.slots));
	if (!wd.slots) {
		fprintf(stderr, "lpibench: watchdog: out of memory; the run is not watched\n");
		return -1;
	}
	for (unsigned i = 0; i < nr; i++)
		wd.slots[i].progress = progress[i];
	wd.nr = nr;
	wd.nr_measured = nr;
	wd.stop = stop;
	wd.arg = arg;
	wd.stop_req = false;

	/* backtrace() loads its unwinder on first use (it may allocate): do it
	 * here, not in the signal handler. */
	void *warm[2];
	backtrace(warm, 2);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wd.cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pthread_create(&wd.thread, NULL, watchdog_main, NULL);
	if (rc) {
		fprintf(stderr,
			"lpibench: watchdog: cannot start its thread: %s; the run is not "
			"watched\n",
			strerror(rc));
		pthread_cond_destroy(&wd.cv);
		return -1;
	}
	wd.running = true;
	return 0;
}

void watchdog_measured(unsigned nr)
{
	/* Before the workers start: the watchdog thread reads it under mu. */
	pthread_mutex_lock(&wd.mu);
	wd.nr_measured = nr;
	pthread_mutex_unlock(&wd.mu);
}

void watchdog_worker_begin(unsigned i)
{
	wd_self = (int)i;
	if (!wd.slots || i >= wd.nr)
		return;
	struct wd_slot *s = &wd.slots[i];
	s->thread = pthread_self();
	s->begin_ns = mono_ns();
	atomic_store_explicit(&s->begun, true, memory_order_release);
}

void watchdog_note(const char *where)
{
	int i = wd_self;
	if (i >= 0 && wd.slots && (unsigned)i < wd.nr)
		atomic_store_explicit(&wd.slots[i].where, where, memory_order_relaxed);
}

void watchdog_worker_done(unsigned i)
{
	if (wd.slots && i < wd.nr)
		atomic_store_explicit(&wd.slots[i].done, true, memory_order_release);
}

bool watchdog_stop(void)
{
	if (wd.running) {
		pthread_mutex_lock(&wd.mu);
		wd.stop_req = true;
		pthread_cond_signal(&wd.cv);
		pthread_mutex_unlock(&wd.mu);
		pthread_join(wd.thread, NULL);
		pthread_cond_destroy(&wd.cv);
		wd.running = false;
	}
	return atomic_load(&wd.stalled);
}

bool watchdog_stalled(void)
{
	return atomic_load_explicit(&wd.stalled, memory_order_acquire);
}

bool watchdog_worker_stuck(unsigned i)
{
	return watchdog_stalled() && wd.slots && i < wd.nr && wd.slots[i].stuck;
}

void watchdog_write_json(struct json *js)
{
	json_obj_begin(js, "watchdog");
	if (wd.seconds > 0)
		json_double(js, "seconds", wd.seconds);
	else
		json_null(js, "seconds");
	bool stalled = watchdog_stalled();
	json_bool(js, "stalled", stalled);
	json_arr_begin(js, "stuck");
	for (unsigned i = 0; stalled && i < wd.nr; i++) {
		const struct wd_slot *s = &wd.slots[i];
		if (!s->stuck)
			continue;
		json_obj_begin(js, NULL);
		json_u64(js, "worker", i);
		json_u64(js, "progress", s->stuck_progress);
		json_double(js, "stuck_s", s->stuck_s);
		if (s->stuck_where)
			json_str(js, "where", s->stuck_where);
		else
			json_null(js, "where");
		json_obj_end(js);
	}
	json_arr_end(js);
	json_obj_end(js);
}

void watchdog_print(FILE *out)
{
	if (!watchdog_stalled())
		return;
	for (unsigned i = 0; i < wd.nr; i++) {
		const struct wd_slot *s = &wd.slots[i];
		if (s->stuck)
			fprintf(out, "   STALLED: worker %u stuck after %llu ops (%.1f s)%s%s\n", i,
				(unsigned long long)s->stuck_progress, s->stuck_s,
				s->stuck_where ? " in " : "", s->stuck_where ? s->stuck_where : "");
	}
}
