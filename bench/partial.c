/* SPDX-License-Identifier: BSD-2-Clause */
/* A marked partial result on a second signal (see partial.h). */
#include "partial.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "result.h"

static char path[PATH_MAX];
static char body[1024];
static volatile sig_atomic_t armed;
static size_t body_len;

void partial_arm(const char *dir, const char *backend, const char *workload, unsigned threads,
		 unsigned run, const char *run_id)
{
	char stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
	/* Backend and workload names are registry names: no escaping needed. */
	int n = snprintf(path, sizeof(path), "%s/%s-%s-%s-t%u-r%u-%d-partial.json", dir, stamp,
			 backend, workload, threads, run, (int)getpid());
	int m = snprintf(body, sizeof(body),
			 "{\n  \"schema\": %d,\n  \"run_id\": \"%s\",\n  \"backend\": \"%s\",\n"
			 "  \"workload\": \"%s\",\n"
			 "  \"threads\": %u,\n  \"run\": %u,\n  \"status\": \"interrupted\",\n"
			 "  \"status_reason\": \"a second SIGINT or SIGTERM: bench exited at "
			 "once, nothing of the run was measured\",\n  \"interrupted\": true\n}\n",
			 RESULT_SCHEMA, run_id, backend, workload, threads, run);
	if (n < 0 || n >= (int)sizeof(path) || m < 0 || m >= (int)sizeof(body))
		return;
	body_len = (size_t)m;
	armed = 1;
}

void partial_disarm(void)
{
	armed = 0;
}

void partial_exit(int code)
{
	if (armed) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd >= 0) {
			ssize_t w = write(fd, body, body_len);
			(void)w;
			close(fd);
		}
		static const char msg[] = "lpibench: second signal: exiting now; the run is "
					  "marked interrupted\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
	}
	/* The raw system call: a sanitizer's _exit interceptor would run its
	 * end-of-process checks on threads we cannot join. */
	syscall(SYS_exit_group, code);
	_exit(code);
}
