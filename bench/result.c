/* SPDX-License-Identifier: BSD-2-Clause */
#include "result.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const result_csv_columns[] = {
    "schema",	  "date",	   "backend",	  "workload",  "threads",	 "run",
    "duration_s", "total_ops",	   "ops_per_sec", "ns_per_op", "min_thread_ops", "max_thread_ops",
    "get_ok",	  "get_fail",	   "lock",	  "allocator", "oversubscribed", "verified",
    "status",	  "status_reason", "git_commit",  "host",      "params",	 "json_file",
    NULL,
};

void result_csv_quote(char *dst, size_t len, const char *src)
{
	size_t o = 0;
	if (len < 3) {
		if (len)
			dst[0] = 0;
		return;
	}
	dst[o++] = '"';
	for (const char *p = src; *p && o + 3 < len; p++) {
		if (*p == '\n' || *p == '\r') { /* one row stays one line */
			dst[o++] = ' ';
			continue;
		}
		if (*p == '"') {
			if (o + 4 >= len)
				break;
			dst[o++] = '"';
		}
		dst[o++] = *p;
	}
	dst[o++] = '"';
	dst[o] = 0;
}

static void header_line(char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (const char *const *c = result_csv_columns; *c; c++)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
					c == result_csv_columns ? "" : ",", *c);
	if (off < len - 1) {
		buf[off++] = '\n';
		buf[off] = 0;
	}
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -1;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0777) && errno != EEXIST)
		return -1;
	return 0;
}

int result_check_out_dir(const char *dir)
{
	struct stat st;
	if (mkdir_p(dir) || stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "lpibench: --out: cannot create folder '%s': %s\n", dir,
			strerror(errno ? errno : ENOTDIR));
		return -1;
	}
	/* access() is not enough as root: try to create a file. */
	char probe[PATH_MAX];
	snprintf(probe, sizeof(probe), "%s/.lpibench-probe.%d", dir, (int)getpid());
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		fprintf(stderr, "lpibench: --out: cannot write in '%s': %s\n", dir,
			strerror(errno));
		return -1;
	}
	close(fd);
	unlink(probe);

	char path[PATH_MAX], want[2048], have[2048];
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	header_line(want, sizeof(want));
	bool ok = !fgets(have, sizeof(have), f) || strcmp(have, want) == 0;
	fclose(f);
	if (!ok) {
		bool v1 = strncmp(have, "schema,date,", 12) == 0 && !strstr(have, ",status,");
		fprintf(stderr,
			"lpibench: --out: %s has other columns (%s); choose another --out "
			"folder\n",
			path,
			v1 ? "result schema 1, without status columns"
			   : "another lpibench version?");
		return -1;
	}
	return 0;
}

int result_write_json(const char *dir, const char *name, const char *buf, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d", dir, name, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		goto fail;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(tmp);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) || close(fd) || rename(tmp, path)) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "lpibench: cannot write %s: %s\n", path, strerror(errno));
	return -1;
}

int result_append_csv(const char *dir, const char *const *values, size_t n)
{
	char path[PATH_MAX], row[8192], header[2048];
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(row + off, off < sizeof(row) ? sizeof(row) - off : 0,
					"%s%s", i ? "," : "", values[i]);
	if (off >= sizeof(row) - 1) {
		fprintf(stderr, "lpibench: csv row too long\n");
		return -1;
	}
	row[off++] = '\n';
	row[off] = 0;

	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		fprintf(stderr, "lpibench: cannot append to %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct stat st = {0};
	char line[sizeof(header) + sizeof(row) + 1];
	size_t len = 0;
	if (fstat(fd, &st) == 0 && st.st_size == 0) {
		header_line(header, sizeof(header));
		len = (size_t)snprintf(line, sizeof(line), "%s", header);
	} else if (st.st_size > 0) {
		/* A last line cut short (a full disk, a hand edit) must not
		 * swallow this row: end it first. */
		char last = '\n';
		if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			line[len++] = '\n';
	}
	len += (size_t)snprintf(line + len, sizeof(line) - len, "%s", row);
	/* One write: an interrupted run leaves whole rows or none. */
	ssize_t w = write(fd, line, len);
	int rc = (w == (ssize_t)len && fsync(fd) == 0) ? 0 : -1;
	if (rc)
		fprintf(stderr, "lpibench: cannot append to %s: %s\n", path, strerror(errno));
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}
