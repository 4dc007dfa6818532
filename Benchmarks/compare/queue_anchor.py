#!/usr/bin/env python3
"""The hand-rolled Python anchor of the PostgreSQL queue benchmark (issue 9).

What an economist's batch script would do with PostgreSQL as its queue: N worker processes,
each looping over "claim with SELECT ... FOR UPDATE SKIP LOCKED, mark running, mark done",
with psycopg 3 (binary). It keeps no history (no attempts, no transitions, no leases or
tokens, no dependencies), so it is a floor for a minimal queue rather than a like-for-like
engine; QEIR's numbers come from `queue-bench` (Benchmarks/Sources/queue-bench), which runs
the full engine.

    Benchmarks/compare/.venv/bin/pip install "psycopg[binary]==3.3.9"
    Benchmarks/compare/.venv/bin/python Benchmarks/compare/queue_anchor.py \
        --store "$QEIR_TEST_POSTGRES_URL" --jobs 50000 --workers 4 --batch 1024 --reps 3

The rate printed is jobs / (last completion - first claim), measured in the database, the
same definition as queue-bench's "store jobs/s".
"""

import argparse
import multiprocessing
import os
import random
import statistics
import time

import psycopg


def worker(url: str, schema: str, batch: int) -> int:
    done = 0
    with psycopg.connect(url, autocommit=False) as connection:
        while True:
            with connection.transaction():
                rows = connection.execute(
                    f"""
                    UPDATE {schema}.jobs SET state = 'running', claimed_at = clock_timestamp()
                    WHERE id IN (
                        SELECT id FROM {schema}.jobs WHERE state = 'pending'
                        ORDER BY priority DESC, id LIMIT %s FOR UPDATE SKIP LOCKED)
                    RETURNING id
                    """,
                    (batch,),
                ).fetchall()
            if not rows:
                return done
            # The "work" is nothing; the result is written in a second transaction, as a script
            # that commits its claim before running the job must.
            with connection.transaction():
                connection.execute(
                    f"UPDATE {schema}.jobs SET state = 'succeeded', finished_at = clock_timestamp() "
                    f"WHERE id = ANY(%s)",
                    ([row[0] for row in rows],),
                )
            done += len(rows)


def run_once(url: str, jobs: int, workers: int, batch: int) -> tuple[float, float]:
    schema = f"anchor_{random.randrange(1 << 30)}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(
            f"""
            CREATE TABLE {schema}.jobs (
                id bigint PRIMARY KEY, priority int NOT NULL DEFAULT 0, state text NOT NULL,
                claimed_at timestamptz, finished_at timestamptz)
            """
        )
        connection.execute(
            f"CREATE INDEX jobs_pending ON {schema}.jobs (priority DESC, id) WHERE state = 'pending'"
        )
        connection.execute(
            f"INSERT INTO {schema}.jobs (id, state) SELECT g, 'pending' FROM generate_series(1, %s) g",
            (jobs,),
        )
        connection.execute(f"ANALYZE {schema}.jobs")
    start = time.perf_counter()
    with multiprocessing.Pool(workers) as pool:
        counts = pool.starmap(worker, [(url, schema, batch)] * workers)
    wall = time.perf_counter() - start
    assert sum(counts) == jobs, counts
    with psycopg.connect(url, autocommit=True) as connection:
        span = connection.execute(
            f"SELECT extract(epoch FROM max(finished_at) - min(claimed_at)) FROM {schema}.jobs"
        ).fetchone()[0]
        connection.execute(f"DROP SCHEMA {schema} CASCADE")
    return wall, float(span)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=os.environ.get("QEIR_TEST_POSTGRES_URL"))
    parser.add_argument("--jobs", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--reps", type=int, default=3)
    arguments = parser.parse_args()
    if not arguments.store:
        parser.error("--store postgres://... (or QEIR_TEST_POSTGRES_URL) is required")
    url = arguments.store.split("?")[0]
    print(f"python anchor: jobs {arguments.jobs}, workers {arguments.workers}, claim batch {arguments.batch}")
    rates = []
    for rep in range(1, arguments.reps + 1):
        wall, span = run_once(url, arguments.jobs, arguments.workers, arguments.batch)
        rates.append(arguments.jobs / span)
        print(f"{rep:3d}  wall {wall:6.2f} s  {arguments.jobs / wall:8.0f} jobs/s   "
              f"claim→done {span:6.2f} s  {arguments.jobs / span:8.0f} jobs/s")
    print(f"median store-measured drain rate: {statistics.median(rates):.0f} jobs/s")


if __name__ == "__main__":
    main()
