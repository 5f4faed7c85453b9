"""Several worker processes (like gunicorn's) share one index folder and one database: no
LockError, no lost update, each sees its own commit at once; a process killed between the
database commit and the index write is repaired by the next catch-up in another process.

The workers are real OS processes running ``worker_process.py`` (see there for the modes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalogue import create_app, search
from catalogue.extensions import db
from catalogue.migrating import upgrade
from catalogue.models import Change, Project

pytestmark = pytest.mark.skipif(
    os.environ.get("CATALOGUE_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="runs on a SQLite file of its own; the PostgreSQL run has only one shared test database",
)

WORKER = Path(__file__).resolve().with_name("worker_process.py")
REPO = WORKER.parents[2]
PROCESSES, ITERATIONS = 3, 8
TIMEOUT = 180  # seconds per wait: a bound against hanging, not a speed requirement


class Workers:
    """Worker processes over one database and one index folder; ``stop`` ends every one."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.database_url = "sqlite:///" + str(tmp / "shared.sqlite3")
        self.index_dir = str(tmp / "index")  # does not exist yet: the workers build it at start
        self.running: list[tuple[str, subprocess.Popen, object]] = []

    def start(self, name: str, **config) -> subprocess.Popen:
        config = {
            "database_url": self.database_url,
            "index_dir": self.index_dir,
            "out": str(self.tmp / f"{name}.json"),
            **config,
        }
        path = self.tmp / f"{name}.config.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        log = open(self.tmp / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(path)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT
        )
        self.running.append((name, proc, log))
        return proc

    def wait(self, name: str, proc: subprocess.Popen) -> int:
        try:
            return proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} did not finish within {TIMEOUT} s")

    def report(self, name: str, proc: subprocess.Popen) -> dict:
        """Wait (bounded) for a worker that must succeed; its report."""
        code = self.wait(name, proc)
        out = self.tmp / f"{name}.json"
        report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"error": "no report", "log": []}
        output = (self.tmp / f"{name}.log").read_text(encoding="utf-8")
        assert code == 0 and report["error"] is None, f"{name} exited {code}: {report['error']}\n{output}"
        assert report["log"] == [], f"{name} logged warnings: {report['log']}"  # e.g. "search index busy" (LockError)
        return report

    def work(self, workers: range, iterations: int) -> list[dict]:
        """Run workers in "work" mode; their loops start together once every app is built."""
        go = self.tmp / f"go-{workers.start}"
        started = []
        for worker in workers:
            ready = self.tmp / f"ready-{worker}"
            name = f"worker-{worker}"
            proc = self.start(name, mode="work", worker=worker, iterations=iterations, ready=str(ready), go=str(go))
            started.append((name, proc, ready))
        deadline = time.monotonic() + TIMEOUT
        while not all(ready.exists() for _, _, ready in started):
            for name, proc, _ in started:
                if proc.poll() is not None:
                    self.report(name, proc)  # fails with its error
                    pytest.fail(f"{name} ended before its loop started")
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        go.touch()
        return [self.report(name, proc) for name, proc, _ in started]

    def stop(self) -> None:
        for _, proc, log in self.running:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
            log.close()


@pytest.fixture
def workers(tmp_path):
    """The worker pool, and an admin app (own index) that migrated the shared database."""
    pool = Workers(tmp_path)
    admin = create_app({"TESTING": True, "DATABASE_URL": pool.database_url, "INDEX_DIR": str(tmp_path / "admin-index")})
    with admin.app_context():
        upgrade()
    try:
        yield pool
    finally:
        pool.stop()
        with admin.app_context():
            db.engine.dispose()


@pytest.fixture
def fresh_app(workers):
    """Open (after the workers) a new app on the shared index folder, as a restarted worker does."""
    made = []

    def factory():
        made.append(create_app({"TESTING": True, "DATABASE_URL": workers.database_url, "INDEX_DIR": workers.index_dir}))
        return made[-1]

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_workers_share_one_index_without_lock_errors_or_lost_updates(workers, fresh_app):
    reports = workers.work(range(PROCESSES), ITERATIONS)

    for report in reports:
        creates = [step for step in report["steps"] if step["kind"] == "create"]
        updates = [step for step in report["steps"] if step["kind"] == "update"]
        assert len(creates) == ITERATIONS and len(updates) == ITERATIONS // 3
        not_found = [step for step in report["steps"] if not step["found"]]
        assert not_found == [], f"worker {report['worker']} did not find its own commit: {not_found}"

    app = fresh_app()
    store = app.extensions["catalogue_search"]
    with app.app_context():
        max_seq = db.session.scalar(select(func.max(Change.seq)))
        # Before this app catches up anything: the workers left the index complete.
        assert store.meta()["seq"] == max_seq
        finals = [item for report in reports for item in report["final"]]
        assert len({item["id"] for item in finals}) == PROCESSES * ITERATIONS
        for item in finals:  # the newest title of every profile, none lost or stale
            assert item["id"] in search.search_projects(q=item["word"], with_facets=False).ids, item
        everything = search.search_projects(q="Verband", with_facets=False, per_page=100)
        assert sorted(everything.ids) == sorted(item["id"] for item in finals)
        assert store.meta()["seq"] == max_seq == db.session.scalar(select(func.count()).select_from(Change))


@pytest.mark.parametrize("crash_point", ["after_commit", "holding_index_lock"])
def test_process_killed_before_its_index_write_is_repaired_by_another(workers, fresh_app, crash_point):
    workers.work(range(2), 2)  # an index with content, built and written by two processes

    crash = workers.start("crash", mode="crash", worker=5, crash_point=crash_point, word="Pafnlijcrash")
    assert workers.wait("crash", crash) == -signal.SIGKILL, (workers.tmp / "crash.log").read_text(encoding="utf-8")

    app = fresh_app()  # read the database only (its own app would also catch up)
    with app.app_context():
        lost = db.session.scalar(select(Project.id).where(Project.title == "Verband Pafnlijcrash"))
        max_seq = db.session.scalar(select(func.max(Change.seq)))
        db.session.remove()
    assert lost is not None  # the commit reached the database

    check = workers.report("check", workers.start("check", mode="check", worker=4, queries={"Pafnlijcrash": lost}))
    assert check["seq_at_start"] < max_seq  # the index really missed the write
    assert check["found"] == {"Pafnlijcrash": [lost]}  # the next catch-up, in another process, repaired it
    assert check["seq_after"] == max_seq
