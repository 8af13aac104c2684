/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Result files. A run's JSON is composed in memory, then written to a
 * temporary name in the output folder, flushed, and renamed: a reader (or
 * a crash) never sees a partial file. runs.csv gets one row per run,
 * appended with a single write under an exclusive lock, header once.
 */
#ifndef LB_RESULT_H
#define LB_RESULT_H

#include <stddef.h>

/* 2: status and status_reason (bench/result_status.h) in runs and CSV.
 * 3: run_id, a UUID per run (bench/run_id.h), in the run's JSON. */
#define RESULT_SCHEMA 3

/* The CSV's columns, in order (also the header line). */
extern const char *const result_csv_columns[];

/* Creates dir if needed and checks that result files can be written there,
 * and that an existing runs.csv has our header. Prints one message and
 * returns -1 if not. */
int result_check_out_dir(const char *dir);

/* Writes buf to dir/name atomically (tmp + fsync + rename). Returns 0 or -1
 * with a message printed. */
int result_write_json(const char *dir, const char *name, const char *buf, size_t len);

/* src as one quoted CSV cell ("" doubled, line breaks as spaces), cut to
 * fit len. */
void result_csv_quote(char *dst, size_t len, const char *src);

/* Appends one row (values in column order, already CSV-safe). */
int result_append_csv(const char *dir, const char *const *values, size_t n);

#endif
