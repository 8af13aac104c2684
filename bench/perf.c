/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread counters through perf_event_open and getrusage (see perf.h).
 *
 * Each event is its own fd (not a group): one refused event must not take
 * the others down, and the kernel multiplexes what does not fit on the
 * PMU; TOTAL_TIME_ENABLED/RUNNING tell how much, and values are scaled.
 */
#include "perf.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static enum perf_mode mode = PERF_MODE_AUTO;
static bool forced;
static bool strex_override;

#define WHY_FORCED "forced (LB_PERF_FORCE_FAIL or perf_force_unavailable)"
#define WHY_OFF	   "off (--perf=off)"

struct ctr_desc {
	const char *name;
	enum perf_kind kind;
	uint32_t type;
	uint64_t config;
};

#define HWC(cache)                                                                                 \
	((cache) | (PERF_COUNT_HW_CACHE_OP_READ << 8) | (PERF_COUNT_HW_CACHE_RESULT_MISS << 16))

static const struct ctr_desc ctrs[PERF_CTR_NR] = {
    [PERF_CTR_TASK_CLOCK] = {"task_clock_ns", PERF_KIND_SOFTWARE, PERF_TYPE_SOFTWARE,
			     PERF_COUNT_SW_TASK_CLOCK},
    [PERF_CTR_CTX_SWITCHES] = {"context_switches", PERF_KIND_SOFTWARE, PERF_TYPE_SOFTWARE,
			       PERF_COUNT_SW_CONTEXT_SWITCHES},
    [PERF_CTR_CPU_MIGRATIONS] = {"cpu_migrations", PERF_KIND_SOFTWARE, PERF_TYPE_SOFTWARE,
				 PERF_COUNT_SW_CPU_MIGRATIONS},
    [PERF_CTR_PAGE_FAULTS] = {"page_faults", PERF_KIND_SOFTWARE, PERF_TYPE_SOFTWARE,
			      PERF_COUNT_SW_PAGE_FAULTS},
    [PERF_CTR_VOL_CSW] = {"voluntary_context_switches", PERF_KIND_RUSAGE, 0, 0},
    [PERF_CTR_INVOL_CSW] = {"involuntary_context_switches", PERF_KIND_RUSAGE, 0, 0},
    [PERF_CTR_CYCLES] = {"cycles", PERF_KIND_HARDWARE, PERF_TYPE_HARDWARE,
			 PERF_COUNT_HW_CPU_CYCLES},
    [PERF_CTR_INSTRUCTIONS] = {"instructions", PERF_KIND_HARDWARE, PERF_TYPE_HARDWARE,
			       PERF_COUNT_HW_INSTRUCTIONS},
    [PERF_CTR_L1D_READ_MISS] = {"l1d_read_misses", PERF_KIND_HARDWARE, PERF_TYPE_HW_CACHE,
				HWC(PERF_COUNT_HW_CACHE_L1D)},
    [PERF_CTR_LLC_READ_MISS] = {"llc_read_misses", PERF_KIND_HARDWARE, PERF_TYPE_HW_CACHE,
				HWC(PERF_COUNT_HW_CACHE_LL)},
    [PERF_CTR_STREX_FAIL] = {"strex_fail", PERF_KIND_HARDWARE, PERF_TYPE_RAW, 0x6E},
};

/* This thread's open counters, between perf_thread_start and _stop. */
static _Thread_local struct {
	bool started;
	int fd[PERF_CTR_NR];
	struct perf_value st[PERF_CTR_NR]; /* state so far (value unused) */
	struct rusage ru0;
} tl;

const char *perf_ctr_name(enum perf_ctr c)
{
	return (unsigned)c < PERF_CTR_NR ? ctrs[c].name : "?";
}

enum perf_kind perf_ctr_kind(enum perf_ctr c)
{
	return (unsigned)c < PERF_CTR_NR ? ctrs[c].kind : PERF_KIND_SOFTWARE;
}

const char *perf_kind_name(enum perf_kind k)
{
	switch (k) {
	case PERF_KIND_SOFTWARE:
		return "software";
	case PERF_KIND_RUSAGE:
		return "rusage";
	case PERF_KIND_HARDWARE:
		return "hardware";
	}
	return "?";
}

static bool env_true(const char *name)
{
	const char *s = getenv(name);
	return s && *s && strcmp(s, "0") != 0;
}

void perf_init(enum perf_mode m)
{
	mode = m;
	if (env_true("LB_PERF_FORCE_FAIL"))
		forced = true;
	strex_override = env_true("LB_PERF_STREX");
}

void perf_force_unavailable(bool on)
{
	forced = on;
}

bool perf_strex_known(unsigned implementer, unsigned part)
{
	static const struct {
		unsigned imp, part;
	} known[] = {
	    {0x41, 0xd0c}, /* Neoverse N1: Graviton2, Ampere Altra (Max) */
	    {0x41, 0xd40}, /* Neoverse V1: Graviton3 */
	    {0x41, 0xd49}, /* Neoverse N2 */
	    {0x41, 0xd4f}, /* Neoverse V2: Graviton4 */
	    {0x6d, 0xd49}, /* Azure Cobalt 100 (Neoverse N2) */
	    {0xc0, 0xac3}, /* AmpereOne */
	    {0xc0, 0xac4}, /* AmpereOne AC04 */
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].imp == implementer && known[i].part == part)
			return true;
	return false;
}

#if defined(__aarch64__)
/* MIDR_EL1 of CPU 0 from sysfs, else /proc/cpuinfo; false if neither. */
static bool read_midr(unsigned *imp, unsigned *part)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1", "r");
	char line[256];
	unsigned long long midr;
	bool got_imp = false, got_part = false;

	if (f) {
		int n = fscanf(f, "%llx", &midr);
		fclose(f);
		if (n == 1) {
			*imp = (unsigned)(midr >> 24) & 0xff;
			*part = (unsigned)(midr >> 4) & 0xfff;
			return true;
		}
	}
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f) && !(got_imp && got_part)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		if (!got_imp && strncmp(line, "CPU implementer", 15) == 0)
			got_imp = sscanf(colon + 1, "%x", imp) == 1;
		else if (!got_part && strncmp(line, "CPU part", 8) == 0)
			got_part = sscanf(colon + 1, "%x", part) == 1;
	}
	fclose(f);
	return got_imp && got_part;
}
#endif

static int sys_perf_event_open(struct perf_event_attr *a)
{
	return (int)syscall(SYS_perf_event_open, a, 0 /* this thread */, -1 /* any CPU */,
			    -1 /* no group */, PERF_FLAG_FD_CLOEXEC);
}

static void set_unavailable(struct perf_value *v, const char *why, int err)
{
	memset(v, 0, sizeof(*v));
	v->why = why;
	v->err = err;
}

/* Open counter c for this thread (disabled); state in tl.st[c]. */
static void open_ctr(enum perf_ctr c)
{
	const struct ctr_desc *d = &ctrs[c];
	struct perf_event_attr a;
	struct perf_value *v = &tl.st[c];
	int fd;

	if (d->kind == PERF_KIND_RUSAGE)
		return;
	if (mode == PERF_MODE_OFF) {
		set_unavailable(v, WHY_OFF, 0);
		return;
	}
	if (c == PERF_CTR_STREX_FAIL && !strex_override) {
#if defined(__aarch64__)
		unsigned imp, part;
		if (!read_midr(&imp, &part)) {
			set_unavailable(
			    v, "cannot read MIDR to know if the core has STREX_FAIL_SPEC", 0);
			return;
		}
		if (!perf_strex_known(imp, part)) {
			set_unavailable(v,
					"core not known to implement STREX_FAIL_SPEC (0x6E); "
					"LB_PERF_STREX=1 tries it",
					0);
			return;
		}
#else
		set_unavailable(v, "arm64 only (STREX_FAIL_SPEC)", 0);
		return;
#endif
	}

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = d->type;
	a.config = d->config;
	a.disabled = 1;
	a.exclude_hv = 1;
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	fd = sys_perf_event_open(&a);
	if (fd < 0 && (errno == EACCES || errno == EPERM) && d->kind == PERF_KIND_HARDWARE) {
		/*
		 * perf_event_paranoid >= 2 refuses kernel-mode counting to
		 * unprivileged users; user space alone still says a lot for
		 * hardware events. (Not for switches or migrations, which
		 * happen in the kernel: those stay unavailable.)
		 */
		a.exclude_kernel = 1;
		fd = sys_perf_event_open(&a);
		if (fd >= 0)
			v->user_only = true;
	}
	if (fd < 0) {
		set_unavailable(v, "perf_event_open failed", errno);
		return;
	}
	tl.fd[c] = fd;
	v->ok = true;
}

int perf_thread_start(void)
{
	int n = 0;

	if (tl.started) /* started twice without a stop: do not leak the fds */
		for (int c = 0; c < PERF_CTR_NR; c++)
			if (tl.fd[c] >= 0)
				close(tl.fd[c]);
	memset(&tl, 0, sizeof(tl));
	tl.started = true;
	for (int c = 0; c < PERF_CTR_NR; c++) {
		tl.fd[c] = -1;
		if (forced) {
			set_unavailable(&tl.st[c], WHY_FORCED, 0);
			continue;
		}
		open_ctr((enum perf_ctr)c);
	}
	if (!forced) {
		if (getrusage(RUSAGE_THREAD, &tl.ru0) == 0) {
			tl.st[PERF_CTR_VOL_CSW].ok = true;
			tl.st[PERF_CTR_INVOL_CSW].ok = true;
		} else {
			set_unavailable(&tl.st[PERF_CTR_VOL_CSW], "getrusage failed", errno);
			tl.st[PERF_CTR_INVOL_CSW] = tl.st[PERF_CTR_VOL_CSW];
		}
	}
	/* Start them together, last, so opening costs are not counted. */
	for (int c = 0; c < PERF_CTR_NR; c++) {
		if (tl.fd[c] < 0)
			continue;
		if (ioctl(tl.fd[c], PERF_EVENT_IOC_RESET, 0) != 0 ||
		    ioctl(tl.fd[c], PERF_EVENT_IOC_ENABLE, 0) != 0) {
			set_unavailable(&tl.st[c], "PERF_EVENT_IOC_ENABLE failed", errno);
			close(tl.fd[c]);
			tl.fd[c] = -1;
		}
	}
	for (int c = 0; c < PERF_CTR_NR; c++)
		n += tl.st[c].ok;
	return n;
}

static void read_ctr(enum perf_ctr c, struct perf_value *out)
{
	uint64_t buf[3]; /* value, time enabled, time running */
	ssize_t r = read(tl.fd[c], buf, sizeof(buf));

	if (r != (ssize_t)sizeof(buf)) {
		set_unavailable(out, "read of the counter failed", r < 0 ? errno : EIO);
		return;
	}
	if (buf[2] == 0) {
		set_unavailable(out, "never scheduled on the PMU (too many events?)", 0);
		return;
	}
	out->value = buf[0];
	if (buf[2] < buf[1]) {
		out->value = (uint64_t)((double)buf[0] * (double)buf[1] / (double)buf[2]);
		out->scaled = true;
	}
}

void perf_thread_stop(struct perf_result *out)
{
	struct rusage ru1;

	if (!tl.started) {
		for (int c = 0; c < PERF_CTR_NR; c++)
			set_unavailable(&out->v[c], "perf_thread_start was not called", 0);
		return;
	}
	for (int c = 0; c < PERF_CTR_NR; c++)
		if (tl.fd[c] >= 0)
			ioctl(tl.fd[c], PERF_EVENT_IOC_DISABLE, 0);
	for (int c = 0; c < PERF_CTR_NR; c++) {
		out->v[c] = tl.st[c];
		if (tl.fd[c] >= 0) {
			read_ctr((enum perf_ctr)c, &out->v[c]);
			close(tl.fd[c]);
			tl.fd[c] = -1;
		}
	}
	if (tl.st[PERF_CTR_VOL_CSW].ok) {
		if (getrusage(RUSAGE_THREAD, &ru1) == 0) {
			out->v[PERF_CTR_VOL_CSW].value = (uint64_t)(ru1.ru_nvcsw - tl.ru0.ru_nvcsw);
			out->v[PERF_CTR_INVOL_CSW].value =
			    (uint64_t)(ru1.ru_nivcsw - tl.ru0.ru_nivcsw);
		} else {
			set_unavailable(&out->v[PERF_CTR_VOL_CSW], "getrusage failed", errno);
			out->v[PERF_CTR_INVOL_CSW] = out->v[PERF_CTR_VOL_CSW];
		}
	}
	tl.started = false;
}

void perf_result_unavailable(struct perf_result *r, const char *why)
{
	for (int c = 0; c < PERF_CTR_NR; c++)
		set_unavailable(&r->v[c], why, 0);
}

void perf_result_sum(struct perf_result *total, const struct perf_result *per_thread, size_t n)
{
	for (int c = 0; c < PERF_CTR_NR; c++) {
		struct perf_value *t = &total->v[c];

		if (!n) {
			set_unavailable(t, "no threads", 0);
			continue;
		}
		memset(t, 0, sizeof(*t));
		t->ok = true;
		for (size_t i = 0; i < n; i++) {
			const struct perf_value *v = &per_thread[i].v[c];
			if (!v->ok) {
				*t = *v;
				break;
			}
			t->value += v->value;
			t->scaled |= v->scaled;
			t->user_only |= v->user_only;
		}
	}
}

double perf_per_op(const struct perf_value *v, uint64_t ops)
{
	return v->ok && ops ? (double)v->value / (double)ops : NAN;
}

static const char *errno_name(int e)
{
	switch (e) {
	case ENOENT:
		return "ENOENT";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EINVAL:
		return "EINVAL";
	case ENODEV:
		return "ENODEV";
	case ENOSYS:
		return "ENOSYS";
	case EMFILE:
		return "EMFILE";
	case EBUSY:
		return "EBUSY";
	case E2BIG:
		return "E2BIG";
	case EIO:
		return "EIO";
	}
	return NULL;
}

const char *perf_state(const struct perf_value *v, char *buf, size_t len)
{
	if (v->ok) {
		snprintf(buf, len, "ok%s%s", v->scaled ? " (scaled)" : "",
			 v->user_only ? " (user space only)" : "");
	} else if (v->err) {
		const char *en = errno_name(v->err);
		char num[24];
		if (!en) {
			snprintf(num, sizeof(num), "errno %d", v->err);
			en = num;
		}
		snprintf(buf, len, "unavailable: %s: %s (%s)", v->why ? v->why : "?", en,
			 strerror(v->err));
	} else {
		snprintf(buf, len, "unavailable: %s", v->why ? v->why : "?");
	}
	return buf;
}
