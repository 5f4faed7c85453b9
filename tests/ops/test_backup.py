"""backup and restore: a consistent copy taken while writers write, a restore that refuses
a non-empty catalogue without --force, rebuilds the index, and whose result other machines'
indexes notice by the change-log fingerprint."""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path

from sqlalchemy import distinct, func, select

from catalogue import create_app, search
from catalogue.api.reading import change_fingerprint
from catalogue.extensions import db
from catalogue.models import Change, Project, Revision
from catalogue.schemas import ProjectInputSchema
from catalogue.services import create_project

from conftest import project_data


def _write_until(app, stop: threading.Event, written: list):
    """A writer in its own app context (another request, another worker)."""
    with app.app_context():
        number = 0
        while not stop.is_set():
            number += 1
            data = ProjectInputSchema().load(project_data(title=f"Kooperation Nummer {number}", slug=f"nr-{number}"))
            create_project(data, "writer", status="published")
            db.session.commit()
            written.append(number)
        db.session.remove()


def _consistent() -> tuple[int, int]:
    """Every profile has its revision and its create change; returns (profiles, newest seq)."""
    projects = db.session.scalar(select(func.count(Project.id)))
    assert db.session.scalar(select(func.count(distinct(Revision.project_id)))) == projects
    assert db.session.scalar(select(func.count(Change.seq)).where(Change.action == "create")) == projects
    return projects, db.session.scalar(select(func.max(Change.seq))) or 0


def test_backup_during_writes_and_restore_round_trip(app, runner, seeded, tmp_path):
    db.session.rollback()
    other_machine = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "INDEX_DIR": str(tmp_path / "other-index"),
            "SEARCH_CATCHUP_INTERVAL": 0,
        }
    )
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_write_until, args=(app, stop, written))
    writer.start()
    try:
        while len(written) < 3:
            stop.wait(0.05)
        target = tmp_path / "sicherung.dump"
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        stop.wait(0.5)  # writes go on after the copy
    finally:
        stop.set()
        writer.join()
    db.session.rollback()
    after_writes, newest_after = _consistent()
    assert after_writes >= 19 + 3
    with other_machine.app_context():  # the other machine has indexed everything
        assert search.search_projects("Kooperation Nummer").total == len(written)

    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code != 0 and "--force" in refused.output and "Profile" in refused.output
    assert db.session.scalar(select(func.count(Project.id))) == after_writes  # nothing touched

    restored = runner.invoke(args=["restore", "--force", str(target)])
    assert restored.exit_code == 0, restored.output
    assert "Suchindex neu aufgebaut" in restored.output
    db.session.rollback()
    projects, newest = _consistent()  # the copy is a consistent state of some moment
    assert 19 + 3 <= projects < after_writes and newest < newest_after
    in_copy = db.session.scalar(select(func.count(Project.id)).where(Project.slug.like("nr-%")))
    assert search.search_projects("Kooperation Nummer").total == in_copy  # this index was rebuilt
    with other_machine.app_context():  # the other machine notices the restore by the fingerprint
        assert search.search_projects("Kooperation Nummer").total == in_copy
        db.engine.dispose()


def test_restore_refuses_what_is_no_backup(runner, tmp_path):
    junk = tmp_path / "kaputt.dump"
    junk.write_bytes(b"keine Sicherung")
    result = runner.invoke(args=["restore", str(junk)])
    assert result.exit_code != 0 and "FEHLER" in result.output


def test_backup_never_overwrites_a_file(runner, tmp_path):
    existing = tmp_path / "da.dump"
    existing.write_text("wichtig")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "gibt es schon" in result.output
    assert existing.read_text() == "wichtig"


def test_backup_into_a_missing_folder_says_so(runner, tmp_path):
    target = tmp_path / "gibt-es-nicht" / "sicherung.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "Ordner" in result.output and "Traceback" not in result.output
    assert not target.parent.exists()


def test_backup_leaves_only_the_finished_file(runner, seeded, tmp_path):
    target = tmp_path / "sicherung.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert [path.name for path in tmp_path.iterdir()] == ["sicherung.dump"]  # no partial copy beside it


def _mirror_module():
    script = Path(__file__).resolve().parents[2] / "scripts" / "mirror_client.py"
    spec = importlib.util.spec_from_file_location("mirror_client", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _published_ids(client) -> set[int]:
    body = b"".join(client.get("/api/v1/projects.json").response)
    return {project["id"] for project in json.loads(body)["projects"]}


def test_feed_followers_notice_a_restored_backup(live_server, client, runner, seeded, tmp_path):
    """After a restore the change numbers go on from the backup's state and name other writes:
    a follower that sends its cursor's fingerprint gets 410, and the mirror client starts over
    and ends equal to the catalogue (before, it silently skipped the reused numbers)."""
    mirror, state = _mirror_module(), {"cursor": 0}
    mirror.sync(live_server, state)
    target = tmp_path / "sicherung.dump"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0

    for number in range(3):  # written after the backup: the restore takes them back
        create_project(ProjectInputSchema().load(project_data(title=f"Nach der Sicherung {number}")), "t", "published")
        db.session.commit()
    mirror.sync(live_server, state)
    cursor, fingerprint = state["cursor"], state["fingerprint"]
    assert fingerprint and len(state["projects"]) == 19 + 3

    db.session.remove()
    assert runner.invoke(args=["restore", "--force", str(target)]).exit_code == 0
    gone = client.get(f"/api/v1/changes?since={cursor}&fingerprint={fingerprint}")
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"
    assert "since=0" in gone.get_json()["detail"]
    assert client.get(f"/api/v1/changes?since={cursor}").status_code == 410  # beyond the newest change

    for number in range(4):  # new writes reuse the numbers the follower has seen
        create_project(ProjectInputSchema().load(project_data(title=f"Nach der Wiederherstellung {number}")), "t")
        db.session.commit()
    assert client.get(f"/api/v1/changes?since={cursor}&fingerprint={fingerprint}").status_code == 410
    same = client.get(f"/api/v1/changes?since={cursor}&fingerprint={change_fingerprint(cursor)}")
    assert same.status_code == 200  # the fingerprint of the row as it is now is accepted

    mirror.sync(live_server, state)
    assert {int(key) for key in state["projects"]} == _published_ids(client)
    assert not any(p["title"].startswith("Nach der Sicherung") for p in state["projects"].values())
