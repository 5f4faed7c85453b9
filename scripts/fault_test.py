"""Fault drill: API writers create profiles against gunicorn (4 workers) while the script
kills workers and then the master with SIGKILL; gunicorn is started again, and the script
checks that nothing acknowledged was lost: every 201 is in the database, each profile has
its revision and its change-log row, the change log has no gaps, and the search index (after
healing itself) finds exactly the profiles the database has. Loopback only.

    .venv/bin/python scripts/fault_test.py [--database postgresql://…] [--seconds 20]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drill_server import DrillServer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402


def _request(method: str, url: str, token: str, body: dict | None = None, timeout: float = 10):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return answer.status, json.load(answer)


def writer(server: DrillServer, token: str, number: int, stop: threading.Event, acknowledged: list, failed: list):
    count = 0
    while not stop.is_set():
        count += 1
        slug = f"fehlertest-{number}-{count}"
        body = {
            "title": f"Fehlertest Kooperation {number} {count}",
            "slug": slug,
            "status": "published",
            "participants": [
                {"role": "lead", "organisation": {"name": f"Fehlergemeinde {number}", "kind": "municipality"}}
            ],
        }
        try:
            status, _answer = _request("POST", f"{server.url}/api/v1/projects", token, body)
            if status == 201:
                acknowledged.append(slug)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
            failed.append(type(error).__name__)  # no answer: not acknowledged, may or may not be stored
            time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--seconds", type=int, default=20, help="length of the write burst")
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    server = DrillServer(args.database, 4)
    atexit.register(server.stop)  # whatever happens, no server is left running
    token = server.prepare()
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    stop, acknowledged, failed = threading.Event(), [], []
    threads = [
        threading.Thread(target=writer, args=(server, token, n, stop, acknowledged, failed))
        for n in range(args.writers)
    ]
    for thread in threads:
        thread.start()
    kills = []
    try:
        third = args.seconds / 3
        time.sleep(third)
        for pid in server.workers()[:2]:  # two workers, mid-request most likely
            os.kill(pid, signal.SIGKILL)
            kills.append(f"worker {pid}")
        time.sleep(third)
        master = server.process.pid
        orphans = server.workers()
        os.kill(master, signal.SIGKILL)
        kills.append(f"master {master}")
        server.process.wait()
        for pid in orphans:  # a worker notices its master's death within a second or so; make sure
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(1)
        server.start()  # the operator's (or systemd's) restart
        time.sleep(third)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    # Consistency, read straight from the database.
    url = server.env["CATALOGUE_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT slug FROM projects WHERE slug LIKE 'fehlertest-%'")).scalars())
        no_revision = connection.execute(
            text(
                "SELECT count(*) FROM projects p WHERE NOT EXISTS (SELECT 1 FROM revisions r WHERE r.project_id = p.id)"
            )
        ).scalar()
        no_change = connection.execute(
            text("SELECT count(*) FROM projects p WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.project_id = p.id)")
        ).scalar()
        seqs = list(connection.execute(text("SELECT seq FROM changes ORDER BY seq")).scalars())
        published = connection.execute(
            text("SELECT count(*) FROM projects WHERE status = 'published' AND slug LIKE 'fehlertest-%'")
        ).scalar()
    engine.dispose()
    lost = sorted(set(acknowledged) - stored)
    gaps = sum(1 for a, b in zip(seqs, seqs[1:]) if b != a + 1)
    # The index heals by catching up with the change log: a search (and readiness) show it.
    deadline = time.monotonic() + 60
    while True:
        with urllib.request.urlopen(f"{server.url}/api/v1/projects?q=Fehlertest&per_page=1", timeout=30) as answer:
            found = json.load(answer)["total"]
        if found == published or time.monotonic() > deadline:
            break
        time.sleep(1)
    with urllib.request.urlopen(f"{server.url}/readyz", timeout=30) as answer:
        ready = json.load(answer)
    shutdown = server.stop()
    engine_name = "PostgreSQL" if args.database else "SQLite"
    print(f"\nFault drill on {engine_name}: {args.writers} writers, {args.seconds} s, killed: {', '.join(kills)}")
    print("| figure | value |\n|---|---|")
    for name, value in [
        ("acknowledged writes (201)", len(acknowledged)),
        ("requests without an answer", len(failed)),
        ("acknowledged but lost", len(lost)),
        ("profiles stored", len(stored)),
        ("profiles without revision", no_revision),
        ("profiles without change-log row", no_change),
        ("gaps in the change log", gaps),
        ("published in DB / found by search", f"{published} / {found}"),
        ("/readyz after restart", ready["status"]),
        ("graceful shutdown at the end (s)", f"{shutdown:.1f}"),
    ]:
        print(f"| {name} | {value} |")
    ok = not lost and not no_revision and not no_change and found == published and ready["status"] == "ok"
    print("\nconsistent" if ok else "\nINCONSISTENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
