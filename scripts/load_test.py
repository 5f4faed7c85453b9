"""Load test: gunicorn (4 workers) on a fresh SQLite or PostgreSQL catalogue, Locust headless
(scripts/locustfile.py: visitors, portals, a few API writers), bounded in time, loopback only.
Prints one table per run; the baseline is the same requests against /healthz (the cost of the
HTTP stack alone) measured in the same run.

    .venv/bin/python scripts/load_test.py [--database postgresql://postgres@127.0.0.1:5432/DB] \\
        [--users 64] [--seconds 60]
"""

from __future__ import annotations

import argparse
import atexit
import csv
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drill_server import BIN, ROOT, DrillServer  # noqa: E402


def run_locust(server: DrillServer, token: str, users: int, seconds: int, locustfile: Path, prefix: str) -> list[dict]:
    env = {**os.environ, "CATALOGUE_LOAD_TOKEN": token}
    csv_prefix = server.folder / prefix
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(locustfile),
            "--headless",
            "--host",
            server.url,
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 4)),
            "--run-time",
            f"{seconds}s",
            "--csv",
            str(csv_prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=ROOT,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    with open(f"{csv_prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def baseline_ms(server: DrillServer, requests: int = 50) -> float:
    """Median time of /healthz, one request at a time: the HTTP stack and a worker, no work."""
    import statistics
    import time
    import urllib.request

    times = []
    for _ in range(requests):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=30) as answer:
            answer.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    server = DrillServer(args.database, args.workers)
    atexit.register(server.stop)  # whatever happens, no server is left running
    token = server.prepare()
    try:
        server.start()
        base = baseline_ms(server)
        rows = run_locust(server, token, args.users, args.seconds, ROOT / "scripts" / "locustfile.py", "load")
    finally:
        shutdown = server.stop()
    engine = "PostgreSQL" if args.database else "SQLite"
    print(f"\n{engine}, {args.workers} gunicorn workers, {args.users} users, {args.seconds} s")
    print(f"baseline: /healthz alone, one at a time, median {base:.1f} ms")
    print("| request | count | errors | median ms | p95 ms | p99 ms | req/s | median / baseline |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} "
            f"| {row['99%']} | {float(row['Requests/s']):.1f} | {float(row['50%']) / base:.0f}× |"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"\nerrors: {total['Failure Count']} of {total['Request Count']}; graceful shutdown took {shutdown:.1f} s")
    return 1 if int(total["Failure Count"]) else 0


if __name__ == "__main__":
    sys.exit(main())
