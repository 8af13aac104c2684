/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shared part of lpi-stress and its-churn (see lpi_stress_engine.h): options,
 * set-up as vgic_lpi_stress's guest, the injector and vCPU ops, verify,
 * report.
 *
 * Fidelity notes:
 *  - The injection call: the selftest signals each MSI with the
 *    KVM_SIGNAL_MSI ioctl on the VM file all its injectors share. Where the
 *    host has /dev/kvm (--inject-syscall=auto, the default) each injection
 *    makes that very ioctl on one shared VM without an irqchip: the host
 *    runs the entry path, copies the 32-byte struct kvm_msi and refuses it
 *    (util/kvm_msi.h). Elsewhere (pipe) a write(2) of the struct to the
 *    injector's own non-blocking pipe copies as much, drained by one read
 *    when full; chosen over calls that copy less (eventfd: 8 bytes) or take
 *    process-wide locks (setitimer, sigaction: the signal lock).
 *    --inject-syscall=none drops it; --inject-cost adds a busy-wait on top.
 *  - vCPU threads run KVM's run loop (its_vcpu.c); kicks are real signals.
 *  - threads beyond CPUs: --lock=auto picks spin-yield instead of the
 *    queued lock and guests yield instead of spinning (--guest-spin); both
 *    are in the results.
 *  - A run repeats whole passes of -i until it has lasted --duration
 *    (default 1 s for this workload); one shorter than ten scheduler ticks
 *    (40 ms at HZ=250) is flagged status too_short.
 */
#include "lpi_stress_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/json.h"
#include "../util/kvm_msi.h"
#include "../core/alloc.h"
#include "getmode.h"

const struct lpistress_kernel lpistress_kernels[] = {
    {"v6.8", "list", "lru", "era A: LPI list + global LRU cache under lpi_list_lock"},
    /* 6.9 merged the LPI xarray with RCU lookups (and puts without the
     * list lock), but kept the global LRU translation cache; the per-ITS
     * xarray cache came with 6.10. */
    {"v6.9", "xa", "lru", "LPI xarray + RCU get; still the global LRU translation cache"},
    {"v6.10", "xa", "xa", "era B: LPI xarray + per-ITS xarray translation cache"},
    {NULL, NULL, NULL, NULL},
};

uint32_t lpistress_expected_lpis(void)
{
	return (uint32_t)(lpistress_opt.devices * lpistress_opt.events);
}

struct lpistress_opts lpistress_opt = {
    .vcpus = 1,
    .devices = 1,
    .events = 16,
    .iterations = 1000,
    .nr_its = 1,
    .lrs = ITS_DEFAULT_LRS,
};

/* Ten ticks of a HZ=250 kernel: below this a run measures the scheduler. */
#define LPISTRESS_SHORT_NS   40000000ull
#define LPISTRESS_DEFAULT_S  1.0
#define LPISTRESS_PIPE_DRAIN 65536

/* struct kvm_msi (include/uapi/linux/kvm.h): 32 bytes. */
struct lpistress_msi {
	uint32_t address_lo, address_hi, data, flags, devid;
	uint8_t pad[12];
};
_Static_assert(sizeof(struct lpistress_msi) == 32, "struct kvm_msi is 32 bytes");

unsigned lpistress_planned_threads(void)
{
	return (unsigned)(lpistress_opt.devices + lpistress_opt.vcpus);
}

static const char *lpistress_kick_desc(void)
{
	return lpistress_opt.ipi == 1
		   ? "request bit + cmpxchg of the vCPU mode; IPI = pthread_kill(SIGUSR2) when it "
		     "was in guest mode"
		   : "request bit + cmpxchg of the vCPU mode; IPI = that cmpxchg, which the guest "
		     "spinning in guest mode polls";
}

static const char *lpistress_syscall_desc(int syscall)
{
	switch (syscall) {
	case LPISTRESS_SYSCALL_KVM:
		return "ioctl(KVM_SIGNAL_MSI) on one VM fd the injectors share: the host copies "
		       "the "
		       "32-byte struct kvm_msi and refuses it (no in-kernel irqchip)";
	case LPISTRESS_SYSCALL_PIPE:
		return "write(2) of a 32-byte struct kvm_msi to a per-injector pipe, drained by "
		       "one read per 64 KiB";
	default:
		return "none";
	}
}

/* --inject-syscall=auto: the host's KVM ioctl where it can be made. */
static int lpistress_open_syscall(struct lpistress_state *st)
{
	st->kvm_vm_fd = -1;
	st->syscall = lpistress_opt.syscall;
	if (st->syscall != LPISTRESS_SYSCALL_AUTO && st->syscall != LPISTRESS_SYSCALL_KVM)
		return 0;
	const char *why = "";
	int fd = kvm_msi_open(&why);
	if (fd >= 0) {
		st->kvm_vm_fd = fd;
		st->syscall = LPISTRESS_SYSCALL_KVM;
		return 0;
	}
	if (st->syscall == LPISTRESS_SYSCALL_KVM) {
		fprintf(stderr, "lpibench: --inject-syscall=kvm: %s: %s\n", why, strerror(-fd));
		return -1;
	}
	st->syscall = LPISTRESS_SYSCALL_PIPE;
	return 0;
}

const struct wl_refused_opt lpistress_refuses[] = {
    {"threads", "it starts its own threads: --vcpus vCPU threads plus one injector per --devices"},
    {"ops", "its work is fixed by --devices, --events and --iterations (-i)"},
    {"warmup", "its injections are measured from the first, as vgic_lpi_stress's"},
    {0},
};

const char *const lpistress_selftest_choices[] = {"fixed", "2024", NULL};
const char *const lpistress_syscall_choices[] = {"auto", "kvm", "pipe", "none", NULL};
const char *const lpistress_guest_spin_choices[] = {"auto", "spin", "yield", NULL};
const char *const lpistress_ipi_choices[] = {"poll", "signal", NULL};
const char *const lpistress_world_switch_choices[] = {"syscall", "none", NULL};

const char *lpistress_cache_choice(unsigned i)
{
	for (unsigned n = 0; cache_registry[n]; n++)
		if (n == i)
			return cache_registry[n]->name;
	return NULL;
}

const char *lpistress_kernel_choice(unsigned i)
{
	for (unsigned n = 0; lpistress_kernels[n].name; n++)
		if (n == i)
			return lpistress_kernels[n].name;
	return NULL;
}

/* The --kernel preset, or NULL. */
static const struct lpistress_kernel *lpistress_kernel(void)
{
	for (const struct lpistress_kernel *k = lpistress_kernels; k->name; k++)
		if (lpistress_opt.kernel && strcmp(k->name, lpistress_opt.kernel) == 0)
			return k;
	return NULL;
}

const char *lpistress_default_backends(void)
{
	const struct lpistress_kernel *k = lpistress_kernel();
	return k ? k->backend : NULL;
}

static const char *lpistress_cache_name(void)
{
	const struct lpistress_kernel *k = lpistress_kernel();
	if (lpistress_opt.cache)
		return lpistress_opt.cache;
	return k ? k->cache : "xa";
}

int lpistress_validate(const struct wl_plan *plan)
{
	const struct lpistress_opts *o = &lpistress_opt;
	if (o->devices * o->events > LB_NR_LPI_SPACE)
		return opt_error("events",
				 "%" PRIu64 " devices x %" PRIu64
				 " events need more LPIs than INTIDs 8192..65535 hold (%u)",
				 o->devices, o->events, LB_NR_LPI_SPACE);
	const struct lpistress_kernel *k = lpistress_kernel();
	if (k && plan->backends_given &&
	    (plan->nr_backends != 1 || strcmp(plan->backends[0]->name, k->backend))) {
		char given[256] = "";
		for (unsigned i = 0; i < plan->nr_backends; i++)
			snprintf(given + strlen(given), sizeof(given) - strlen(given), "%s%s",
				 i ? "," : "", plan->backends[i]->name);
		fprintf(stderr, "lpibench: note: --backend=%s replaces %s's store (%s)\n", given,
			k->name, k->backend);
	}
	if (k && o->cache && strcmp(o->cache, k->cache))
		fprintf(stderr, "lpibench: note: --cache=%s replaces %s's cache (%s)\n", o->cache,
			k->name, k->cache);
	if (getmode_validate(plan, "lpi-stress/its-churn", false, false))
		return -1;
	const struct cache_ops *cache = cache_find(lpistress_cache_name());
	if (getmode == GETMODE_RCU && cache && !cache->lookup_rcu) {
		char names[256] = "";
		for (const struct cache_ops *const *c = cache_registry; *c; c++)
			if ((*c)->lookup_rcu)
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", names[0] ? ", " : "", (*c)->name);
		return opt_error("get",
				 "rcu: cache %s has no lookup without a reference; caches "
				 "that have one: %s",
				 cache->name, names);
	}
	return 0;
}

/* The cache in use: --cache, else --kernel's, else xa. */
void lpistress_record_cache(struct json *js, const struct bench_opt *o)
{
	json_str(js, o->json, lpistress_cache_name());
}

/* ---- set-up and teardown ---- */

static void lpistress_free_state(struct lpistress_state *st)
{
	if (!st)
		return;
	for (unsigned d = 0; st->inj && d < st->nr_inj; d++) {
		struct lpistress_injector *in = &st->inj[d];
		for (int k = 0; k < 2; k++)
			if (in->pipe_fd[k] >= 0)
				close(in->pipe_fd[k]);
		lb_free(LB_MEM_OTHER, in->drain, LPISTRESS_PIPE_DRAIN);
		lb_free(LB_MEM_OTHER, in->samples, LPISTRESS_SAMPLES * sizeof(*in->samples));
	}
	pthread_mutex_destroy(&st->sum_lock);
	kvm_msi_close(st->kvm_vm_fd);
	its_vm_destroy(st->vm);
	lb_free(LB_MEM_OTHER, st->inj_raw, st->inj_bytes);
	lb_free(LB_MEM_OTHER, st, sizeof(*st));
}

int lpistress_setup(struct wl_ctx *ctx, unsigned extra_threads)
{
	const struct lpistress_opts *o = &lpistress_opt;
	const char *name = lpistress_cache_name();
	const struct cache_ops *cache = cache_find(name);
	if (!cache) {
		fprintf(stderr, "lpibench: unknown cache '%s'\n", name);
		return -1;
	}
	struct lpistress_state *st = lb_zalloc(LB_MEM_OTHER, sizeof(*st));
	if (!st)
		return -1;
	st->cache = cache;
	st->layout = (struct its_layout){.nr_vcpus = (unsigned)o->vcpus,
					 .nr_devices = (unsigned)o->devices,
					 .nr_events = (unsigned)o->events,
					 .nr_its = (unsigned)o->nr_its,
					 .mapc_to_vcpu0 = o->selftest_2024};
	pthread_mutex_init(&st->sum_lock, NULL);
	if (lpistress_open_syscall(st)) {
		pthread_mutex_destroy(&st->sum_lock);
		lb_free(LB_MEM_OTHER, st, sizeof(*st));
		return -1;
	}
	st->min_duration_s =
	    ctx->plan->duration_given ? ctx->plan->duration_s : LPISTRESS_DEFAULT_S;
	st->nr_inj = (unsigned)o->devices;
	st->vcpu_base = st->nr_inj;
	st->extra_base = st->vcpu_base + (unsigned)o->vcpus;

	st->inj_bytes = st->nr_inj * sizeof(struct lpistress_injector) + LB_LINE_PAIR;
	st->inj_raw = lb_zalloc(LB_MEM_OTHER, st->inj_bytes);
	struct its_vm_cfg vc = {.store = ctx->store,
				.cache = cache,
				.nr_vcpus = st->layout.nr_vcpus,
				.nr_its = st->layout.nr_its,
				.nr_lrs = (unsigned)o->lrs,
				.no_guest_acks = o->selftest_2024,
				.movall_all = o->movall_all,
				.ipi_signal = o->ipi == 1,
				.world_switch = o->world_switch == 0};
	int rc = st->inj_raw ? its_vm_create(&vc, &st->vm) : -ENOMEM;
	if (st->inj_raw) {
		/* Aligned below; mark every pipe absent first for the free path. */
		uintptr_t q =
		    ((uintptr_t)st->inj_raw + LB_LINE_PAIR - 1) & ~(uintptr_t)(LB_LINE_PAIR - 1);
		st->inj = (struct lpistress_injector *)q;
		for (unsigned d = 0; d < st->nr_inj; d++)
			st->inj[d].pipe_fd[0] = st->inj[d].pipe_fd[1] = -1;
	}
	for (unsigned d = 0; !rc && d < st->nr_inj; d++) {
		st->inj[d].samples =
		    lb_zalloc(LB_MEM_OTHER, LPISTRESS_SAMPLES * sizeof(*st->inj[d].samples));
		if (!st->inj[d].samples)
			rc = -ENOMEM;
	}
	for (unsigned d = 0; !rc && st->syscall == LPISTRESS_SYSCALL_PIPE && d < st->nr_inj; d++) {
		struct lpistress_injector *in = &st->inj[d];
		in->drain = lb_zalloc(LB_MEM_OTHER, LPISTRESS_PIPE_DRAIN);
		if (!in->drain)
			rc = -ENOMEM;
		else if (pipe2(in->pipe_fd, O_NONBLOCK | O_CLOEXEC))
			rc = -errno;
	}
	if (!rc)
		rc = its_layout_map(st->vm, &st->layout);
	if (rc) {
		fprintf(stderr, "lpibench: %s: building the ITS model failed: %s\n", name,
			strerror(-rc));
		lpistress_free_state(st);
		return -1;
	}
	uintptr_t p = ((uintptr_t)st->inj_raw + LB_LINE_PAIR - 1) & ~(uintptr_t)(LB_LINE_PAIR - 1);
	st->inj = (struct lpistress_injector *)p;
	for (unsigned d = 0; d < st->nr_inj; d++) {
		st->inj[d].its = its_layout_its(st->vm, &st->layout, d);
		st->inj[d].devid = d;
	}

	unsigned threads = st->extra_base + extra_threads;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	st->cpus = cpus > 0 ? (unsigned)cpus : 1;
	st->oversubscribed = threads > st->cpus;
	wl_note(ctx, "inject_syscall", lpistress_syscall_desc(st->syscall));
	wl_note(ctx, "kick", lpistress_kick_desc());
	wl_note(ctx, "world_switch",
		o->world_switch == 0 ? "per guest entry one getppid(2): a real kernel entry and "
				       "return for the ERET into the guest and the exception out; "
				       "registers not saved"
				     : "none");
	/* The cost of one clock read, taken off the sampled stage times. */
	enum { CLOCK_READS = 2000 };
	uint64_t c0 = its_clock_ns();
	for (int i = 0; i < CLOCK_READS; i++)
		(void)its_clock_ns();
	st->clock_ns = (double)(its_clock_ns() - c0) / (CLOCK_READS + 1);
	st->guest_yield = o->guest_spin == LPISTRESS_SPIN_YIELD ||
			  (o->guest_spin == LPISTRESS_SPIN_AUTO && st->oversubscribed);
	ctx->nr_threads = threads;
	ctx->nr_timed = st->nr_inj;
	/* Injectors are workers [0, nr_inj), vCPU threads follow: placement
	 * (--device-place / --vcpu-place) needs the roles. */
	ctx->vcpu_first = st->vcpu_base;
	ctx->nr_vcpu = st->layout.nr_vcpus;
	ctx->quota_run = true;
	ctx->min_window_s = (double)LPISTRESS_SHORT_NS / 1e9;
	ctx->min_window_why = "under ten scheduler ticks (40 ms at HZ=250)";
	ctx->state = st;
	return 0;
}

void lpistress_teardown(struct wl_ctx *ctx)
{
	lpistress_free_state(ctx->state);
	ctx->state = NULL;
}

/* ---- the ops ---- */

int lpistress_thread_init(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	its_tls = (struct its_thread_stats){0};
	if (w->id < st->nr_inj) {
		w->priv = &st->inj[w->id];
	} else if (w->id < st->extra_base) {
		w->priv = &st->vm->vcpus[w->id - st->vcpu_base];
		its_vcpu_attach(w->priv);
	}
	return 0;
}

static void its_stats_add(struct its_thread_stats *d, const struct its_thread_stats *s)
{
	d->kicks += s->kicks;
	d->ipis += s->ipis;
	d->doorbell_lookups += s->doorbell_lookups;
	d->sampled += s->sampled;
	for (int i = 0; i < ITS_ST_NR; i++)
		d->stage_ns[i] += s->stage_ns[i];
}

void lpistress_thread_exit(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	bool inj = w->id < st->nr_inj;
	if (!inj && w->id < st->extra_base) /* no signal may reach a thread that left */
		its_vcpu_detach(w->priv);
	pthread_mutex_lock(&st->sum_lock);
	if (inj || w->id < st->extra_base) {
		counters_add(inj ? &st->inj_counters : &st->vcpu_counters, &lb_tc);
		its_stats_add(inj ? &st->inj_its : &st->vcpu_its, &its_tls);
	}
	pthread_mutex_unlock(&st->sum_lock);
}

static uint64_t lpistress_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t lpistress_thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t lpistress_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Stand-in for the ioctl: burn the CPU for ns. */
static void lpistress_spin_ns(uint64_t ns)
{
	uint64_t end = lpistress_now_ns() + ns;
	while (lpistress_now_ns() < end)
		lb_cpu_relax();
}

/* The injection call (see the fidelity notes at the top). */
static void lpistress_syscall(const struct lpistress_state *st, struct lpistress_injector *in,
			      uint32_t event)
{
	if (st->syscall == LPISTRESS_SYSCALL_KVM) {
		in->syscall_errors +=
		    kvm_msi_signal(st->kvm_vm_fd, in->its->doorbell, event, in->devid) != 0;
		return;
	}
	struct lpistress_msi msi = {.address_lo = (uint32_t)in->its->doorbell,
				    .address_hi = (uint32_t)(in->its->doorbell >> 32),
				    .data = event,
				    .flags = 1, /* KVM_MSI_VALID_DEVID */
				    .devid = in->devid};
	while (write(in->pipe_fd[1], &msi, sizeof(msi)) != (ssize_t)sizeof(msi)) {
		/* Full (EAGAIN): empty it with one read and write again. */
		if (read(in->pipe_fd[0], in->drain, LPISTRESS_PIPE_DRAIN) < 0 && errno != EAGAIN)
			break;
		in->drains++;
	}
}

int lpistress_inject_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	struct lpistress_injector *in = w->priv;
	if (lb_unlikely(in->done))
		return WL_DONE;
	if (lb_unlikely(!in->first_ns)) {
		in->first_ns = lpistress_now_ns();
		in->cpu0_ns = lpistress_thread_cpu_ns();
		uint_fast64_t none = 0;
		if (atomic_compare_exchange_strong(&st->start_ns, &none, in->first_ns))
			st->cpu_start_ns = lpistress_cpu_ns();
	}
	/* One injection in 256 has its stages timed (the per-injection cost
	 * breakdown); the others pay nothing for it. */
	bool smp = (in->injections & 255) == 0;
	uint64_t ts = smp ? lpistress_now_ns() : 0;
	if (st->syscall != LPISTRESS_SYSCALL_NONE)
		lpistress_syscall(st, in, in->next_event);
	if (smp) {
		in->syscall_ns += lpistress_now_ns() - ts;
		if (in->nr_samples < LPISTRESS_SAMPLES)
			in->samples[in->nr_samples][ITS_ST_NR] =
			    (uint32_t)(lpistress_now_ns() - ts);
		memset(its_tls.last_ns, 0, sizeof(its_tls.last_ns));
		its_tls.sample = true;
	}
	if (lpistress_opt.inject_cost_ns)
		lpistress_spin_ns(lpistress_opt.inject_cost_ns);
	if (getmode == GETMODE_RCU)
		its_inject_rcu(in->its, in->devid, in->next_event, &in->st);
	else
		its_inject(in->its, in->devid, in->next_event, &in->st);
	if (smp && in->nr_samples < LPISTRESS_SAMPLES)
		memcpy(in->samples[in->nr_samples++], its_tls.last_ns, sizeof(its_tls.last_ns));
	its_tls.sample = false;
	in->injections++;
	if (++in->next_event == st->layout.nr_events) {
		in->next_event = 0;
		if (++in->iter == lpistress_opt.iterations) {
			in->iter = 0;
			in->passes++;
			uint64_t now = lpistress_now_ns();
			uint64_t start = atomic_load(&st->start_ns);
			if ((double)(now - start) < st->min_duration_s * 1e9)
				return WL_CONTINUE; /* another whole pass */
			in->done = true;
			in->done_ns = now;
			in->cpu_ns = lpistress_thread_cpu_ns() - in->cpu0_ns;
			if (atomic_fetch_add(&st->injectors_done, 1) + 1 == st->nr_inj) {
				st->cpu_end_ns = lpistress_cpu_ns();
				atomic_store(&st->stop, true);
			}
			return WL_DONE;
		}
	}
	return WL_CONTINUE;
}

int lpistress_vcpu_op(struct wl_ctx *ctx, struct wl_worker *w)
{
	struct lpistress_state *st = ctx->state;
	its_vcpu_run_once(st->vm, w->priv, &st->stop, st->guest_yield);
	return WL_CONTINUE;
}

/* ---- results ---- */

static int lpistress_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Median over every injector's samples of column col (ITS_ST_*, or
 * ITS_ST_NR for the syscall); -1 without samples. */
static double lpistress_stage_median(struct lpistress_state *st, int col)
{
	size_t n = 0;
	for (unsigned d = 0; d < st->nr_inj; d++)
		n += st->inj[d].nr_samples;
	uint32_t *v = n ? malloc(n * sizeof(*v)) : NULL;
	if (!v)
		return -1;
	size_t k = 0;
	for (unsigned d = 0; d < st->nr_inj; d++)
		for (unsigned i = 0; i < st->inj[d].nr_samples; i++)
			v[k++] = st->inj[d].samples[i][col];
	qsort(v, n, sizeof(*v), lpistress_cmp_u32);
	double m = v[n / 2];
	free(v);
	return m;
}

struct lpistress_totals {
	uint64_t injections, hits, misses;
	uint64_t result[ITS_INJ_NR];
	uint64_t queued, drained, bugs;
	struct cache_stats cache;
	uint64_t cmds[ITS_CMD_NR], cmd_errors;
	uint64_t first_ns, last_ns; /* earliest first injection, latest completion */
	uint64_t passes, drains, syscall_errors, inj_cpu_ns, syscall_ns, exit_ns, flush_ns;
	uint64_t exits, kick_exits, tick_exits, aborted, acks, delivered, sorts;
	bool all_done;
};

static void lpistress_sum(struct lpistress_state *st, struct lpistress_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->all_done = true;
	for (unsigned d = 0; d < st->nr_inj; d++) {
		const struct lpistress_injector *in = &st->inj[d];
		t->injections += in->injections;
		t->hits += in->st.hits;
		t->misses += in->st.misses;
		for (int r = 0; r < ITS_INJ_NR; r++)
			t->result[r] += in->st.result[r];
		t->all_done &= in->done;
		t->passes += in->passes;
		t->inj_cpu_ns += in->cpu_ns;
		t->syscall_ns += in->syscall_ns;
		t->drains += in->drains;
		t->syscall_errors += in->syscall_errors;
		if (in->first_ns && (!t->first_ns || in->first_ns < t->first_ns))
			t->first_ns = in->first_ns;
		if (in->done_ns > t->last_ns)
			t->last_ns = in->done_ns;
	}
	its_vm_list_totals(st->vm, &t->queued, &t->drained, &t->bugs);
	struct its_vm *vm = st->vm;
	for (unsigned v = 0; v < vm->nr_vcpus; v++) {
		const struct lb_vcpu *c = &vm->vcpus[v];
		t->exits += c->exits;
		t->kick_exits += c->kick_exits;
		t->tick_exits += c->tick_exits;
		t->aborted += c->aborted_entries;
		t->acks += c->acks;
		t->delivered += c->delivered;
		t->sorts += c->sorts;
		t->exit_ns += c->exit_ns;
		t->flush_ns += c->flush_ns;
	}
	for (unsigned i = 0; i < vm->nr_its; i++) {
		for (int c = 0; c < ITS_CMD_NR; c++)
			t->cmds[c] += vm->its[i].cmds[c];
		t->cmd_errors += vm->its[i].cmd_errors;
		if (vm->shared_cache && i > 0)
			continue;
		struct cache_stats cs;
		vm->its[i].cache->ops->stats(vm->its[i].cache, &cs);
		t->cache.entries += cs.entries;
		t->cache.capacity += cs.capacity;
		t->cache.inserts += cs.inserts;
		t->cache.evictions += cs.evictions;
		t->cache.invalidated += cs.invalidated;
		t->cache.insert_enomem += cs.insert_enomem;
	}
}

int lpistress_verify(struct wl_ctx *ctx, char *msg, size_t len)
{
	struct lpistress_state *st = ctx->state;
	/* The vCPU threads stopped: acknowledge what they left. */
	for (unsigned v = 0; v < st->vm->nr_vcpus; v++)
		its_vcpu_drain(st->vm, &st->vm->vcpus[v]);
	if (its_vm_check(st->vm, msg, len))
		return -1;
	struct lpistress_totals t;
	lpistress_sum(st, &t);
	for (unsigned d = 0; d < st->nr_inj; d++) {
		uint64_t want = st->inj[d].passes * st->layout.nr_events * lpistress_opt.iterations;
		if (st->inj[d].done && st->inj[d].injections != want) {
			snprintf(msg, len,
				 "injector %u made %" PRIu64 " injections, expected %" PRIu64, d,
				 st->inj[d].injections, want);
			return -1;
		}
	}
	if (t.syscall_errors) {
		snprintf(msg, len,
			 "%" PRIu64
			 " KVM_SIGNAL_MSI calls were not refused as the host's probe was",
			 t.syscall_errors);
		return -1;
	}
	if (t.hits + t.misses != t.injections) {
		snprintf(msg, len,
			 "%" PRIu64 " hits + %" PRIu64 " misses != %" PRIu64 " injections", t.hits,
			 t.misses, t.injections);
		return -1;
	}
	/* Config never changes here, so only injections queue. */
	if (t.result[ITS_INJ_QUEUED] != t.queued) {
		snprintf(msg, len,
			 "injectors queued %" PRIu64 " LPIs, the vCPU lists received %" PRIu64,
			 t.result[ITS_INJ_QUEUED], t.queued);
		return -1;
	}
	if (t.queued != t.drained) {
		snprintf(msg, len, "%" PRIu64 " LPIs queued, %" PRIu64 " acknowledged", t.queued,
			 t.drained);
		return -1;
	}
	return 0;
}

void lpistress_report(struct wl_ctx *ctx, struct wl_report *rep)
{
	struct lpistress_state *st = ctx->state;
	struct lpistress_totals t;
	lpistress_sum(st, &t);
	/* vgic_lpi_stress's figure: LPIs signalled per second of the run. */
	double rate = rep->elapsed_s > 0 ? (double)t.injections / rep->elapsed_s : 0;
	bool pure_spin = lb_lock_default_kind == LB_LOCK_SPIN ||
			 lb_lock_default_kind == LB_LOCK_TICKET ||
			 lb_lock_default_kind == LB_LOCK_QUEUED;
	bool short_run = rep->elapsed_s * 1e9 < (double)LPISTRESS_SHORT_NS;
	double inj = t.injections ? (double)t.injections : 1;
	double exits = t.exits + t.aborted ? (double)(t.exits + t.aborted) : 1;
	/* All threads' CPU (guests spinning included) and the injectors' own. */
	double cpu_ns = st->cpu_end_ns > st->cpu_start_ns
			    ? (double)(st->cpu_end_ns - st->cpu_start_ns) / inj
			    : 0;
	double inj_cpu_ns = (double)t.inj_cpu_ns / inj;
	/* Sampled stage means (wall time of that stage in one injection). */
	const struct its_thread_stats *is = &st->inj_its;
	double ns_s = is->sampled ? (double)is->sampled : 1;
	double stage[ITS_ST_NR];
	/* Each stage's figure includes one clock read: take off its measured
	 * cost (the queue's includes the kick's, timed apart, two reads). */
	for (int i = 0; i < ITS_ST_NR; i++)
		stage[i] = (double)is->stage_ns[i] / ns_s - st->clock_ns;
	stage[ITS_ST_QUEUE] -= stage[ITS_ST_KICK] + 2 * st->clock_ns;
	double syscall_ns = (double)t.syscall_ns / ns_s - st->clock_ns;
	for (int i = 0; i < ITS_ST_NR; i++)
		stage[i] = stage[i] > 0 ? stage[i] : 0;
	/* Medians: a preempted sample does not move them. */
	double med[ITS_ST_NR + 1];
	for (int i = 0; i <= ITS_ST_NR; i++) {
		med[i] = lpistress_stage_median(st, i) - st->clock_ns;
		med[i] = med[i] > 0 ? med[i] : 0;
	}
	med[ITS_ST_QUEUE] = med[ITS_ST_QUEUE] > med[ITS_ST_KICK] + 2 * st->clock_ns
				? med[ITS_ST_QUEUE] - med[ITS_ST_KICK] - 2 * st->clock_ns
				: 0;
	double exit_per_lpi = (double)(t.exit_ns + t.flush_ns) / inj;
	uint64_t inj_acq = 0, vcpu_acq = 0;
	for (int c = 0; c < LB_LC_NR; c++) {
		inj_acq += st->inj_counters.lock_class[c];
		vcpu_acq += st->vcpu_counters.lock_class[c];
	}
	if (rep->out) {
		fprintf(rep->out, "Rate: %.2f LPIs/sec\n", rate);
		if (short_run)
			fprintf(
			    rep->out,
			    "   SHORT RUN: %.1f ms, under ten scheduler ticks: the rate measures "
			    "the scheduler (raise -i or --duration)\n",
			    rep->elapsed_s * 1e3);
		fprintf(rep->out,
			"   per injection: %.0f ns injector CPU (%.0f ns all threads), %.2f lock "
			"acquisitions, %.2f kicks, %.3f IPIs, %.2f doorbell lookups\n",
			inj_cpu_ns, cpu_ns, (double)inj_acq / inj, (double)st->inj_its.kicks / inj,
			(double)st->inj_its.ipis / inj, (double)st->inj_its.doorbell_lookups / inj);
		fprintf(rep->out,
			"   vCPU exits: %" PRIu64 " (%" PRIu64 " kicked, %" PRIu64 " tick, %" PRIu64
			" entries aborted), %.2f lock acquisitions each; %" PRIu64
			" delivered to LRs, %" PRIu64 " acked, %" PRIu64 " sorts; passes %" PRIu64
			"\n",
			t.exits, t.kick_exits, t.tick_exits, t.aborted, (double)vcpu_acq / exits,
			t.delivered, t.acks, t.sorts, t.passes);
		fprintf(
		    rep->out,
		    "   stages per injection, median of %" PRIu64
		    " (1 in 256 timed): syscall %.0f ns, doorbell %.0f, cache %.0f, queue %.0f, "
		    "kick %.0f, put %.0f; vCPU flush+exit handling %.0f ns per LPI (mean)\n",
		    is->sampled, med[ITS_ST_NR], med[ITS_ST_DOORBELL], med[ITS_ST_CACHE],
		    med[ITS_ST_QUEUE], med[ITS_ST_KICK], med[ITS_ST_PUT], exit_per_lpi);
		fprintf(rep->out, "   lock acquisitions per injection / per exit:");
		for (int c = 0; c < LB_LC_NR; c++)
			if (st->inj_counters.lock_class[c] || st->vcpu_counters.lock_class[c])
				fprintf(rep->out, " %s %.2f/%.2f",
					lb_lock_class_name((enum lb_lock_class)c),
					(double)st->inj_counters.lock_class[c] / inj,
					(double)st->vcpu_counters.lock_class[c] / exits);
		fprintf(rep->out, "\n   guest: %s; selftest %s\n",
			st->guest_yield ? "yields its CPU while in guest mode (oversubscribed)"
					: "spins in guest mode",
			lpistress_opt.selftest_2024 ? "2024 (all on vCPU 0, no acks)" : "fixed");
		fprintf(rep->out,
			"   cache %s: %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64
			" evictions, %" PRIu64 " invalidated\n",
			st->cache->name, t.hits, t.misses, t.cache.evictions, t.cache.invalidated);
		fprintf(rep->out,
			"   injections: %" PRIu64 " queued, %" PRIu64 " coalesced, %" PRIu64
			" held, %" PRIu64 " unmapped; %" PRIu64 " acknowledged\n",
			t.result[ITS_INJ_QUEUED], t.result[ITS_INJ_COALESCED],
			t.result[ITS_INJ_HELD], t.result[ITS_INJ_UNMAPPED], t.drained);
	}
	if (rep->js) {
		struct json *js = rep->js;
		json_double(js, "rate_lpis_per_sec", rate);
		json_u64(js, "injections", t.injections);
		json_u64(js, "passes", t.passes);
		json_double(js, "cpu_ns_per_injection", cpu_ns);
		json_double(js, "injector_cpu_ns_per_injection", inj_cpu_ns);
		json_double(js, "lock_acquisitions_per_injection", (double)inj_acq / inj);
		json_double(js, "lock_acquisitions_per_exit", (double)vcpu_acq / exits);
		json_obj_begin(js, "stage_ns_per_injection");
		json_u64(js, "samples", is->sampled);
		json_double(js, "clock_read_ns_subtracted", st->clock_ns);
		json_obj_begin(js, "median");
		json_double(js, "syscall", med[ITS_ST_NR]);
		json_double(js, "doorbell", med[ITS_ST_DOORBELL]);
		json_double(js, "cache", med[ITS_ST_CACHE]);
		json_double(js, "queue", med[ITS_ST_QUEUE]);
		json_double(js, "kick", med[ITS_ST_KICK]);
		json_double(js, "put", med[ITS_ST_PUT]);
		json_obj_end(js);
		json_double(js, "syscall", syscall_ns);
		json_double(js, "doorbell", stage[ITS_ST_DOORBELL]);
		json_double(js, "cache", stage[ITS_ST_CACHE]);
		json_double(js, "queue", stage[ITS_ST_QUEUE]);
		json_double(js, "kick", stage[ITS_ST_KICK]);
		json_double(js, "put", stage[ITS_ST_PUT]);
		json_double(js, "vcpu_exit_per_lpi", exit_per_lpi);
		json_obj_end(js);
		json_obj_begin(js, "lock_classes_per_injection");
		for (int c = 0; c < LB_LC_NR; c++)
			json_double(js, lb_lock_class_name((enum lb_lock_class)c),
				    (double)st->inj_counters.lock_class[c] / inj);
		json_obj_end(js);
		json_obj_begin(js, "lock_classes_per_exit");
		for (int c = 0; c < LB_LC_NR; c++)
			json_double(js, lb_lock_class_name((enum lb_lock_class)c),
				    (double)st->vcpu_counters.lock_class[c] / exits);
		json_obj_end(js);
		json_obj_begin(js, "vcpu");
		json_u64(js, "exits", t.exits);
		json_u64(js, "kick_exits", t.kick_exits);
		json_u64(js, "tick_exits", t.tick_exits);
		json_u64(js, "aborted_entries", t.aborted);
		json_u64(js, "delivered", t.delivered);
		json_u64(js, "acked", t.acks);
		json_u64(js, "sorts", t.sorts);
		json_u64(js, "lrs", st->vm->nr_lrs);
		json_str(js, "guest_spin", st->guest_yield ? "yield" : "spin");
		json_obj_end(js);
		json_obj_begin(js, "kicks");
		json_u64(js, "kicks", st->inj_its.kicks + st->vcpu_its.kicks);
		json_u64(js, "kicks_by_injectors", st->inj_its.kicks);
		json_u64(js, "ipis", st->inj_its.ipis + st->vcpu_its.ipis);
		json_u64(js, "doorbell_lookups", st->inj_its.doorbell_lookups);
		json_u64(js, "pipe_drains", t.drains);
		json_u64(js, "syscall_errors", t.syscall_errors);
		json_obj_end(js);
		/* Cross-check of the driver's clock: first injection to the last
		 * injector's completion, as the injectors saw it. */
		if (t.all_done && t.first_ns && t.last_ns >= t.first_ns)
			json_double(js, "injector_span_s", (double)(t.last_ns - t.first_ns) / 1e9);
		else
			json_null(js, "injector_span_s");
		json_obj_begin(js, "cache");
		json_str(js, "name", st->cache->name);
		json_str(js, "description", st->cache->desc);
		json_u64(js, "hits", t.hits);
		json_u64(js, "misses", t.misses);
		json_u64(js, "evictions", t.cache.evictions);
		json_u64(js, "invalidated", t.cache.invalidated);
		json_u64(js, "inserts", t.cache.inserts);
		json_u64(js, "insert_enomem", t.cache.insert_enomem);
		json_u64(js, "entries_at_end", t.cache.entries);
		json_u64(js, "capacity", t.cache.capacity);
		json_obj_end(js);
		json_obj_begin(js, "injection_results");
		json_u64(js, "queued", t.result[ITS_INJ_QUEUED]);
		json_u64(js, "coalesced", t.result[ITS_INJ_COALESCED]);
		json_u64(js, "held", t.result[ITS_INJ_HELD]);
		json_u64(js, "unmapped", t.result[ITS_INJ_UNMAPPED]);
		json_u64(js, "acknowledged", t.drained);
		json_obj_end(js);
		json_obj_begin(js, "its_commands");
		for (int c = 0; c < ITS_CMD_NR; c++)
			json_u64(js, its_cmd_name((enum its_cmd_type)c), t.cmds[c]);
		json_u64(js, "errors", t.cmd_errors);
		json_obj_end(js);
		json_u64(js, "cpus", st->cpus);
		json_bool(js, "oversubscribed", st->oversubscribed);
		json_bool(js, "oversubscribed_pure_spinlock", st->oversubscribed && pure_spin);
	}
}
