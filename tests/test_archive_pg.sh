#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/test_archive.sh against a real PostgreSQL server: the database
# LB_PG_URL names (postgresql://USER@127.0.0.1:PORT/DB; .ci/run starts a
# throwaway one from Debian's postgresql package). Skipped without it.
# Usage: test_archive_pg.sh BENCH_BINARY SOURCE_DIR
if [ -z "${LB_PG_URL:-}" ]; then
	echo "SKIP: LB_PG_URL is not set (.ci/run starts a PostgreSQL server and sets it)"
	exit 77
fi
if ! PYTHONPATH=$2/scripts python3 -c "import lpibench_archive as la; la.sqlalchemy(); import psycopg2" 2>/dev/null; then
	echo "FAIL: LB_PG_URL is set but python3-psycopg2 or python3-sqlalchemy is missing"
	exit 1
fi
LB_ARCHIVE_TEST_DB=$LB_PG_URL exec bash "$(dirname "$0")/test_archive.sh" "$@"
