"""One "gunicorn worker" for test_multiprocess.py: a separate OS process with its own app over a
shared database and a shared index folder. Run as ``python worker_process.py CONFIG.json``; it
writes its findings to the ``out`` file named in the config (never raises past ``main``).

Modes:
  work   wait for the start signal, then create (and now and then retitle) profiles through the
         schema and the service, and search for each new word right after the commit.
  crash  create one profile and die by SIGKILL at ``crash_point``: "after_commit" (the database
         commit is done, the index write has not started) or "holding_index_lock" (the index
         writer is open and has written the document, its commit has not happened).
  check  report the index cursor as found at start-up (before any catch-up), then search.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))  # the shared profile data of tests/conftest.py

PREFIXES = ["zorb", "quil", "vext", "glap", "murk", "pafn"]
SYLLABLES = ["dap", "mek", "tiv", "gol", "rus", "naf", "bey", "wox", "cuh", "lij", "fep", "zun"]


def word(worker: int, iteration: int, suffix: str = "ix") -> str:
    """A made-up word no other profile contains (the analyzer keeps it whole)."""
    return f"{PREFIXES[worker]}{SYLLABLES[iteration]}{suffix}".capitalize()


class Recorder(logging.Handler):
    """Everything the app logs at WARNING or above (a swallowed LockError logs a warning)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}")


def _kill_self(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def _wait_for(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no start signal {path}")
        time.sleep(0.01)


def _create(title: str, actor: str) -> int:
    from catalogue.extensions import db
    from catalogue.schemas import ProjectInputSchema
    from catalogue.services import create_project

    from conftest import project_data

    data = ProjectInputSchema().load(project_data(title=title))
    project = create_project(data, actor, status="published").project
    db.session.commit()
    return project.id


def _retitle(project_id: int, title: str, actor: str) -> None:
    from catalogue.extensions import db
    from catalogue.models import Project
    from catalogue.schemas import ProjectInputSchema
    from catalogue.services import update_project

    from conftest import project_data

    project = db.session.get(Project, project_id)
    data = ProjectInputSchema().load(project_data(title=title, slug=project.slug))
    assert update_project(project, data, actor).action == "updated"
    db.session.commit()


def _found(q: str, project_id: int) -> tuple[bool, list[int]]:
    from catalogue import search

    ids = search.search_projects(q=q, with_facets=False, per_page=100).ids
    return project_id in ids, ids


def run(config: dict, report: dict) -> None:
    from catalogue import create_app
    from catalogue.extensions import db

    app = create_app({"TESTING": True, "DATABASE_URL": config["database_url"], "INDEX_DIR": config["index_dir"]})
    worker, actor = config["worker"], f"worker-{config['worker']}"
    mode = config["mode"]
    if mode == "check":
        store = app.extensions["catalogue_search"]
        with app.app_context():
            report["seq_at_start"] = store.meta()["seq"]
            report["found"] = {q: _found(q, pid)[1] for q, pid in config["queries"].items()}
            report["seq_after"] = store.meta()["seq"]
        return
    if mode == "crash":
        with app.app_context():
            if config["crash_point"] == "after_commit":
                from sqlalchemy import event
                from sqlalchemy.orm import Session

                # Runs before the search hook's catch-up: the row is committed, the index untouched.
                event.listen(Session, "after_commit", _kill_self, insert=True)
            else:
                from whoosh.writing import SegmentWriter

                SegmentWriter.commit = _kill_self  # documents written, the lock held, no commit
            _create(f"Verband {config['word']}", actor)
        raise AssertionError("still alive after the crash point")
    Path(config["ready"]).touch()
    _wait_for(Path(config["go"]), 120)
    mine: list[dict] = []
    for iteration in range(config["iterations"]):
        with app.app_context():
            new = word(worker, iteration)
            project_id = _create(f"Verband {new}", actor)
            found, ids = _found(new, project_id)
            mine.append({"id": project_id, "word": new})
            report["steps"].append({"kind": "create", "id": project_id, "word": new, "found": found, "ids": ids})
            if iteration % 3 == 2:  # retitle an earlier profile of this worker
                earlier = mine[iteration - 2]
                renamed = word(worker, iteration, suffix="uvo")
                _retitle(earlier["id"], f"Verband {renamed}", actor)
                earlier["word"] = renamed
                found, ids = _found(renamed, earlier["id"])
                report["steps"].append(
                    {"kind": "update", "id": earlier["id"], "word": renamed, "found": found, "ids": ids}
                )
            db.session.remove()
    report["final"] = mine
    with app.app_context():
        db.engine.dispose()


def main() -> int:
    config = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)
    report: dict = {"worker": config["worker"], "steps": [], "error": None, "log": recorder.records}
    status = 0
    try:
        run(config, report)
    except BaseException:  # noqa: BLE001 - every failure is the finding
        report["error"] = traceback.format_exc()
        status = 1
    Path(config["out"]).write_text(json.dumps(report), encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
