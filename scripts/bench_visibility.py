"""Benchmark: how soon a write is visible to searches in every worker of this machine and of
another machine, and what the first suggestion after a write costs.

    .venv/bin/python scripts/bench_visibility.py [--database postgresql://postgres@127.0.0.1:5432/DB]
        [--writes 10] [--workers 4]

Two "machines" on loopback: two gunicorns (gunicorn.conf.py, ``--workers`` each), each with an
index folder of its own, both on the same database (a fresh SQLite file, or the PostgreSQL
database given, which is emptied first). Each write is a JSON merge patch through the API on
machine A that puts a new made-up word into a published profile's summary and keywords. After
it, the script polls ``/api/v1/projects?q=<word>`` on both machines with many parallel requests
and records, for every worker process, the time from the write's answer to the first answer of
that worker that finds the profile (and any later answer of it that does not: a regression).
Every other write, instead of searching, it asks each worker ``/api/v1/suggest?q=<prefix>``
and records the server time of each worker's first suggestion after the write (and whether
it already offers the new keyword). The clients (``--concurrency`` per machine) ask back to
back, so every worker is reached within a few requests; a request's "sent" time is when the
write could have been visible to it, its "arrived" time adds the time to make the answer.

To tell the workers apart the servers run the catalogue inside a wrapper of this script's
(a WSGI callable that adds the worker's pid, a per-process request counter and the server time
to each answer's headers); the catalogue itself is the production one. The baseline printed
with the table is the round trip of ``/healthz`` (the HTTP stack alone) in the same run.
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import json
import random
import statistics
import string
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drill_server import ROOT, DrillServer  # noqa: E402

#: The WSGI wrapper the servers run (written into each server's folder): only headers are added.
WRAPPER = '''"""The catalogue, with the answering worker's pid, request number and server time in headers."""
import itertools, os, time
from wsgi import app as catalogue

_numbers = itertools.count(1)


def app(environ, start_response):
    started = time.perf_counter()
    number = next(_numbers)

    def start(status, headers, exc_info=None):
        headers.append(("X-Bench-Worker", str(os.getpid())))
        headers.append(("X-Bench-Number", str(number)))
        headers.append(("X-Bench-Ms", f"{(time.perf_counter() - started) * 1000:.2f}"))
        return start_response(status, headers, exc_info)

    return catalogue(environ, start)
'''


class Machine(DrillServer):
    """A DrillServer that serves the wrapper; ``database_url`` shared with another machine."""

    def __init__(self, name: str, database_url: str | None, workers: int):
        super().__init__(database_url, workers)
        self.name = name
        (self.folder / "bench_visibility_app.py").write_text(WRAPPER, encoding="utf-8")

    def app_args(self) -> list[str]:
        return ["--pythonpath", f"{ROOT},{self.folder}", "bench_visibility_app:app"]


@dataclass
class Answer:
    machine: str
    pid: int
    number: int
    server_ms: float
    at: float  # seconds after the write's answer, when this answer arrived
    body: bytes = field(repr=False)
    sent: float = 0.0  # seconds after the write's answer, when its request was sent


def fetch(machine: Machine, path: str, t0: float, headers: dict | None = None) -> Answer | None:
    """GET ``path`` (new connection, as gunicorn's sync workers close anyway)."""
    connection = http.client.HTTPConnection("127.0.0.1", machine.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Language": "de", **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            print(f"  {machine.name} {path}: {response.status} {body[:200]!r}", file=sys.stderr)
            return None
        return Answer(
            machine.name,
            int(response.getheader("X-Bench-Worker")),
            int(response.getheader("X-Bench-Number")),
            float(response.getheader("X-Bench-Ms")),
            time.perf_counter() - t0,
            body,
        )
    except OSError as error:
        print(f"  {machine.name} {path}: {error}", file=sys.stderr)
        return None
    finally:
        connection.close()


def api(machine: Machine, method: str, path: str, token: str, body: dict | None = None, etag: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", machine.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/merge-patch+json"
    if etag:
        headers["If-Match"] = etag
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data or b"null"), response.getheader("ETag")
    finally:
        connection.close()


def workers_of(machines: list[Machine], pool: ThreadPoolExecutor, rounds: int = 60) -> dict[str, set[int]]:
    """Warm every worker (searches and suggestions) and learn their pids."""
    seen: dict[str, set[int]] = {m.name: set() for m in machines}
    counts: dict[int, int] = {}
    paths = ["/api/v1/projects?q=Klima", "/api/v1/suggest?q=Kli", "/suche?q=Verwaltung", "/"]
    for _ in range(rounds):
        futures = [pool.submit(fetch, m, random.choice(paths), time.perf_counter()) for m in machines for _ in range(8)]
        for future in futures:
            answer = future.result()
            if answer:
                seen[answer.machine].add(answer.pid)
                counts[answer.pid] = counts.get(answer.pid, 0) + 1
        if all(len(pids) >= m.workers_wanted for m, pids in zip(machines, seen.values(), strict=True)) and all(
            counts[pid] >= 8 for pids in seen.values() for pid in pids
        ):
            break
    return seen


def new_word() -> str:
    """A made-up word no profile contains (letters only: the analyzer keeps it whole)."""
    return "zyx" + "".join(random.choices(string.ascii_lowercase, k=9))


def found(answer: Answer, slug: str) -> bool:
    return any(item.get("slug") == slug for item in json.loads(answer.body).get("items", []))


def stream(machines, pool, path: str, t0: float, done, timeout: float, concurrency: int) -> list[Answer]:
    """``concurrency`` clients per machine asking ``path`` back to back until ``done(answers)``
    or the timeout; every answer carries the moment its request was sent (``sent``)."""
    answers: list[Answer] = []
    stop = threading.Event()
    deadline = time.perf_counter() + timeout

    def client(machine):
        while not stop.is_set() and time.perf_counter() < deadline:
            sent = time.perf_counter() - t0
            answer = fetch(machine, path, t0)
            if answer is not None:
                answer.sent = sent
                answers.append(answer)

    futures = [pool.submit(client, m) for m in machines for _ in range(concurrency)]
    while time.perf_counter() < deadline and not done(list(answers)):
        time.sleep(0.005)
    stop.set()
    for future in futures:
        future.result()
    return answers


def poll_search(machines, pool, word, slug, t0, pids, timeout, concurrency):
    """Per worker: (sent, arrived) of its first answer that finds the write; the number of its
    answers to requests sent later that miss it again; its first answer's server time."""
    wanted = set().union(*pids.values())

    def done(answers):
        return wanted <= {a.pid for a in answers if found(a, slug)}

    answers = stream(machines, pool, f"/api/v1/projects?q={quote(word)}", t0, done, timeout, concurrency)
    first: dict[int, tuple[float, float]] = {}
    for answer in sorted(answers, key=lambda a: a.sent):
        if answer.pid not in first and found(answer, slug):
            first[answer.pid] = (answer.sent, answer.at)
    regressions = sum(1 for a in answers if a.pid in first and a.sent > first[a.pid][0] and not found(a, slug))
    earliest = {}
    for answer in answers:
        if answer.pid not in earliest or answer.number < earliest[answer.pid].number:
            earliest[answer.pid] = answer
    return first, regressions, {pid: a.server_ms for pid, a in earliest.items()}


def poll_suggest(machines, pool, word, t0, pids, timeout, concurrency):
    """Per worker: server time of its first suggestion after the write, and whether it had the word."""
    wanted = set().union(*pids.values())
    answers = stream(
        machines,
        pool,
        f"/api/v1/suggest?q={quote(word[:7])}",
        t0,
        lambda answers: wanted <= {a.pid for a in answers},
        timeout,
        concurrency,
    )
    earliest: dict[int, Answer] = {}
    for answer in answers:
        if answer.pid not in earliest or answer.number < earliest[answer.pid].number:
            earliest[answer.pid] = answer
    return {
        pid: (a.server_ms, any(word in s.get("label", "").lower() for s in json.loads(a.body)))
        for pid, a in earliest.items()
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else float("nan")


def healthz_ms(machine: Machine, requests: int = 30) -> float:
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        fetch(machine, "/healthz", t0)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL URL (emptied first; default: a fresh SQLite file)")
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for a write to show")
    parser.add_argument("--concurrency", type=int, default=6, help="parallel requests per machine and wave")
    args = parser.parse_args()
    a = Machine("A", args.database, args.workers)
    atexit.register(a.stop)
    token = a.prepare()
    b = Machine("B", a.env["CATALOGUE_DATABASE_URL"], args.workers)
    atexit.register(b.stop)
    machines = [a, b]
    started = time.perf_counter()
    for machine in machines:
        machine.workers_wanted = args.workers
        machine.start()
    print(f"both machines answer after {time.perf_counter() - started:.1f} s", file=sys.stderr)
    pool = ThreadPoolExecutor(max_workers=2 * args.concurrency)
    pids = workers_of(machines, pool)
    print(f"workers seen: { ({k: sorted(v) for k, v in pids.items()}) }", file=sys.stderr)
    items, _ = api(a, "GET", "/api/v1/projects?per_page=100&sort=title", token)
    slugs = [item["slug"] for item in items["items"]]
    names = [m.name for m in machines]
    sent = {name: [] for name in names}  # per machine: when the first request that found it was sent
    arrived = {name: [] for name in names}  # ... and when its answer arrived
    first_search = {name: [] for name in names}  # server ms of each worker's first search after a write
    suggestion = {name: [] for name in names}
    suggest_missing = {name: 0 for name in names}
    regressions = missed = 0
    write_ms: list[float] = []
    originals: dict[str, dict] = {}  # each write replaces the previous made-up word of a profile
    for n in range(args.writes):
        slug = random.choice(slugs)
        project, etag = api(a, "GET", f"/api/v1/projects/{slug}", token)
        original = originals.setdefault(slug, project)
        word = new_word()
        patch = {
            "summary": f"{original['summary']} {word}",
            "keywords": [*original.get("keywords", []), word.capitalize()],
        }
        started = time.perf_counter()
        api(a, "PATCH", f"/api/v1/projects/{slug}", token, patch, etag)
        t0 = time.perf_counter()
        write_ms.append((t0 - started) * 1000)
        if n % 2 == 0:
            first, lost, firsts = poll_search(machines, pool, word, slug, t0, pids, args.timeout, args.concurrency)
            regressions += lost
            for machine in machines:
                for pid in pids[machine.name]:
                    if pid in first:
                        sent[machine.name].append(first[pid][0] * 1000)
                        arrived[machine.name].append(first[pid][1] * 1000)
                    else:
                        missed += 1
                    if pid in firsts:
                        first_search[machine.name].append(firsts[pid])
        else:
            firsts = poll_suggest(machines, pool, word, t0, pids, args.timeout, args.concurrency)
            for machine in machines:
                for pid in pids[machine.name]:
                    if pid in firsts:
                        suggestion[machine.name].append(firsts[pid][0])
                        suggest_missing[machine.name] += not firsts[pid][1]
        time.sleep(0.5)
    base = healthz_ms(a)
    database = "PostgreSQL" if a.env["CATALOGUE_DATABASE_URL"].startswith("postgresql") else "SQLite"
    print(
        f"{database}; 2 machines × {args.workers} workers; {args.writes} writes through the API of A "
        f"(median {statistics.median(write_ms):.0f} ms each; every other one followed by searches, the others "
        f"by suggestions); {args.concurrency} clients per machine asking back to back; "
        f"/healthz round trip {base:.1f} ms (median, the baseline)"
    )
    print("| figure (per worker and write) | n | median | p90 | max | goal |")
    print("|---|---|---|---|---|---|")

    def row(name, values, goal=""):
        if values:
            print(
                f"| {name} | {len(values)} | {statistics.median(values):.0f} ms | {pct(values, 0.9):.0f} ms | "
                f"{max(values):.0f} ms | {goal} |"
            )

    for name, goal in zip(names, ("≤ 1000 ms", "≤ 5000 ms"), strict=True):
        where = "this machine (A)" if name == "A" else "the other machine (B)"
        row(f"{where}: first request that finds the write, sent after the write's answer", sent[name], goal)
        row(f"{where}: ... its answer arrived after", arrived[name], goal)
        row(f"{where}: server time of the first search after the write", first_search[name])
        row(f"{where}: server time of the first suggestion after the write", suggestion[name], "≤ 30 ms")
    print(
        f"workers that never found a write within {args.timeout:.0f} s: {missed}; answers that missed a write "
        f"after an earlier request to the same worker had found it: {regressions}; first suggestions without "
        f"the new keyword: A {suggest_missing['A']}, B {suggest_missing['B']}"
    )
    pool.shutdown()
    for machine in machines:
        machine.stop()
    return 0 if not missed and not regressions else 1


if __name__ == "__main__":
    sys.exit(main())
