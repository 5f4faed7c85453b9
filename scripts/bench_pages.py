"""Benchmark: public pages under gunicorn against a hello-world app under the same gunicorn.

    .venv/bin/python scripts/bench_pages.py                 # seeded site, response cache on
    .venv/bin/python scripts/bench_pages.py --no-cache      # the same pages rendered every time
    .venv/bin/python scripts/bench_pages.py --duration 5 --concurrency 32 --workers 4

Builds a throw-away catalogue (SQLite in a temporary folder, migrated and seeded with the real
commands; never the checkout's instance folder), starts the catalogue and a Flask hello world
each under gunicorn on loopback, and loads them with an asyncio HTTP client (``Connection:
close``, as gunicorn's sync workers close anyway). Each page is measured between two runs of the
hello world, so both see the same moments of a shared machine; the table gives requests per
second, latency percentiles, errors, and the page's rate as a percentage of the hello world's.
Both servers are stopped at the end, also on Ctrl+C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HELLO = """from flask import Flask
app = Flask(__name__)
@app.get("/")
def hello():
    return "Hallo Welt"
"""
PAGES = ["/", "/projekte", "/projekte/{slug}", "/suche?q=Klima", "/api/v1/projects?q=Verwaltung"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app: str, port: int, workers: int, cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    """Both servers with the catalogue's gunicorn settings (gunicorn.conf.py, named explicitly:
    gunicorn otherwise reads ./gunicorn.conf.py only when started from the checkout), each with
    a metrics folder of its own (the settings empty it on start). Workers are not recycled
    (``--max-requests 0``): the steady state is measured, not a worker's start."""
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(log.with_suffix(".metrics"))}
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(workers),
            "--max-requests",
            "0",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(cwd),
            app,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: the request log writes a line per request to standard error, and
        # a pipe nobody reads fills up after a few hundred requests and blocks every worker.
        stderr=open(log, "ab"),  # noqa: SIM115 - the server process keeps it open
        start_new_session=True,
    )  # its own process group: stopped with its workers, also mid-start


def stop(process: subprocess.Popen) -> None:
    """Stop a gunicorn master and all its workers: the whole process group, TERM then KILL
    (a worker still importing when the master goes would otherwise be left running)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            process.poll()  # reap the master, so that only live members keep the group
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


def wait_ready(port: int, process: subprocess.Popen, log: Path, timeout: float = 180.0) -> float:
    """Seconds until the server answers its first request."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn on {port} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn on {port} did not answer within {timeout} s")


async def _one(port: int, request: bytes) -> tuple[int, float]:
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data[9:12]) if data[:5] == b"HTTP/" else 0
    return status, time.perf_counter() - start


async def _load(port: int, path: str, seconds: float, concurrency: int) -> tuple[int, int, list[float]]:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Language: de\r\nConnection: close\r\n\r\n".encode()
    )
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = 0

    async def client():
        nonlocal errors
        while time.perf_counter() < deadline:
            try:
                status, latency = await asyncio.wait_for(_one(port, request), timeout=30)
            except (TimeoutError, OSError):
                errors += 1
                continue
            if status != 200:
                errors += 1
            latencies.append(latency)

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return round(len(latencies) / elapsed), errors, latencies


def load(port: int, path: str, seconds: float, concurrency: int):
    return asyncio.run(_load(port, path, seconds, concurrency))


def pct(latencies: list[float], p: float) -> float:
    ordered = sorted(latencies) or [0.0]
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def prepare(folder: Path, cache: bool) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "CATALOGUE_DATABASE_URL": f"sqlite:///{folder / 'catalogue.sqlite3'}",
            "CATALOGUE_INDEX_DIR": str(folder / "index"),
            "CATALOGUE_RESPONSE_CACHE": "1" if cache else "0",
            # Throughput, not the API's per-client rate limit, is measured here (one client address).
            "CATALOGUE_API_RATE_LIMIT": "1000000 per minute",
            "PYTHONWARNINGS": "ignore",
        }
    )
    flask = [str(BIN / "flask"), "--app", "catalogue"]
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run(
            flask + command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    (folder / "hello.py").write_text(HELLO, encoding="utf-8")
    return env


def first_slug() -> str:
    return sorted(p.stem for p in (ROOT / "data" / "seed" / "projects").glob("*.yaml"))[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-cache", action="store_true", help="turn the response cache off")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds of load before measuring")
    args = parser.parse_args()
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = prepare(folder, cache=not args.no_cache)
        try:
            site_port, hello_port = free_port(), free_port()
            site_log, hello_log = folder / "site.log", folder / "hello.log"
            processes.append(start_gunicorn("wsgi:app", site_port, args.workers, ROOT, env, site_log))
            processes.append(start_gunicorn("hello:app", hello_port, args.workers, folder, env, hello_log))
            site_ready = wait_ready(site_port, processes[0], site_log)
            wait_ready(hello_port, processes[1], hello_log)
            # gunicorn answers from its first ready worker; give the others time to finish starting.
            load(site_port, "/", args.warmup, args.concurrency)
            print(
                f"response cache: {'off' if args.no_cache else 'on'}; {args.workers} workers, "
                f"{args.concurrency} connections, {args.duration:.0f} s per run; first answer after {site_ready:.1f} s"
            )
            lines = [
                "| URL | rps | p50 ms | p99 ms | errors | hello world rps | % of hello world |",
                "|---|---|---|---|---|---|---|",
            ]
            slug = first_slug()
            for page in PAGES:
                path = page.format(slug=slug)
                load(site_port, path, 1.0, args.concurrency)  # warm: each worker's first answer
                before, _, _ = load(hello_port, "/", args.duration, args.concurrency)
                rps, errors, latencies = load(site_port, path, args.duration, args.concurrency)
                after, _, _ = load(hello_port, "/", args.duration, args.concurrency)
                hello = statistics.mean([before, after])
                share = f"{100 * rps / hello:.1f} %" if hello else "n/a (hello world did not answer)"
                lines.append(
                    f"| `{path}` | {rps} | {pct(latencies, 0.5):.0f} | {pct(latencies, 0.99):.0f} | {errors} | "
                    f"{hello:.0f} | {share} |"
                )
            print("\n".join(lines))
        finally:
            for process in processes:
                stop(process)


if __name__ == "__main__":
    main()
