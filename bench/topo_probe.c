/* SPDX-License-Identifier: BSD-2-Clause */
/* Load a topology in a child process before trusting hwloc with it in
 * ours (topo_probe.h). */
#include "topo_probe.h"

#include <ctype.h>
#include <errno.h>
#include <hwloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/option.h"

enum { PROBE_LOADED = 0, PROBE_SET_FAILED = 3, PROBE_LOAD_FAILED = 4 };

/* Child: never returns. Its stderr is the pipe: what hwloc says there
 * becomes part of the parent's one message. */
static void probe_child(int err_fd, const char *xml_path, const char *synthetic)
{
	/* Die plainly: a handler inherited from the parent (a sanitizer's or a
	 * fuzzer's) would report the child's crash as the parent's own. */
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], SIG_DFL);
	dup2(err_fd, STDERR_FILENO);
	close(err_fd);
	hwloc_topology_t t;
	if (hwloc_topology_init(&t))
		_exit(PROBE_SET_FAILED);
	int rc = xml_path ? hwloc_topology_set_xml(t, xml_path)
			  : hwloc_topology_set_synthetic(t, synthetic);
	if (rc)
		_exit(PROBE_SET_FAILED);
	if (hwloc_topology_load(t))
		_exit(PROBE_LOAD_FAILED);
	/* hwloc's own consistency check (aborts on a violation): it accepts
	 * XML whose levels contradict each other, on which the queries
	 * model_build() makes then crash. */
	hwloc_topology_check(t);
	hwloc_topology_destroy(t);
	_exit(PROBE_LOADED);
}

/* The first line hwloc printed ("hwloc...": a sanitizer runtime may
 * write its own report there too), made printable; "" if none. */
static void first_line(char *buf)
{
	char *s = buf;
	while (s && strncmp(s, "hwloc", 5) != 0) {
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	if (!s) {
		buf[0] = 0;
		return;
	}
	size_t len = strcspn(s, "\n");
	memmove(buf, s, len);
	buf[len] = 0;
	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)buf[i]))
			buf[i] = '?';
}

int topo_probe_load(const char *xml_path, const char *synthetic)
{
	int fds[2];
	if (pipe(fds))
		return 0; /* cannot probe: load it as before */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		close(fds[0]);
		probe_child(fds[1], xml_path, synthetic);
	}
	close(fds[1]);
	char said[512];
	size_t got = 0;
	for (;;) { /* to EOF: the child never blocks on a full pipe */
		char sink[256];
		ssize_t r = read(fds[0], got < sizeof(said) - 1 ? said + got : sink,
				 got < sizeof(said) - 1 ? sizeof(said) - 1 - got : sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (got < sizeof(said) - 1)
			got += (size_t)r;
	}
	close(fds[0]);
	said[got] = 0;
	first_line(said);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_LOADED)
		return 0;

	const char *what = xml_path ? xml_path : synthetic;
	const char *hint = xml_path ? "export one with lstopo --of xml"
				    : "e.g. \"Package:2 NUMANode:1 Core:80 PU:1\"";
	char why[640];
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "hwloc %s on it (%s)",
			 WTERMSIG(status) == SIGABRT ? "found it inconsistent" : "crashed",
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_SET_FAILED)
		snprintf(why, sizeof(why), "hwloc refused it");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_LOAD_FAILED)
		snprintf(why, sizeof(why), "hwloc could not build a topology from it");
	else
		snprintf(why, sizeof(why), "loading it failed (status %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return opt_error("topology", "%s is not a valid hwloc %s: %s%s%s%s (%s)", what,
			 xml_path ? "XML topology" : "synthetic description", why,
			 said[0] ? ": \"" : "", said, said[0] ? "\"" : "", hint);
}
