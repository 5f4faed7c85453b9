"""An index folder that cannot be used (missing, not a folder, read-only, full): the site
starts and works, search answers a clear 503 with Retry-After, one log line says what to
do, and the index is built again by itself once the folder is usable."""

from __future__ import annotations

import logging
import shutil

from api.api_helpers import problem_of

from catalogue import create_app
from catalogue.extensions import db


def _messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "catalogue.search"]


def test_unusable_index_folder_is_503_for_search_only(app, seeded, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    blocked = tmp_path / "index"
    blocked.write_text("kein Ordner")  # as root, permissions do not stop us; a file in the way does
    broken = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "INDEX_DIR": str(blocked)})
    client = broken.test_client()
    for _ in range(3):
        page = client.get("/suche?q=Standesamt")
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        assert "Suche ist gerade nicht verfügbar" in page.text
        problem_of(client.get("/api/v1/projects?q=Standesamt"), 503)
        problem_of(client.get("/api/v1/suggest?q=Stand"), 503)
    assert client.get("/projekte").status_code == 200  # the rest of the site works
    assert client.get("/projekte/gemeinsames-standesamt-beilngries").status_code == 200
    assert client.get("/api/v1/projects").status_code == 200
    said = [m for m in _messages(caplog) if "nicht nutzbar" in m]
    assert len(said) == 1 and "reindex" in said[0] and "Schreibrechte" in said[0], said
    assert not [r for r in caplog.records if r.exc_info and r.name.startswith("catalogue")]

    blocked.unlink()  # the operator fixes the folder: the next search builds the index
    page = client.get("/suche?q=Standesamt")
    assert page.status_code == 200 and "Beilngries" in page.text
    assert any("wieder nutzbar" in m for m in _messages(caplog))
    with broken.app_context():
        db.engine.dispose()


def test_index_folder_removed_while_running(app, seeded, tmp_path):
    folder = tmp_path / "index"
    running = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "INDEX_DIR": str(folder),
            "SEARCH_CATCHUP_INTERVAL": 0,
        }
    )
    client = running.test_client()
    assert client.get("/suche?q=Standesamt").status_code == 200
    shutil.rmtree(folder)
    answers = {client.get("/suche?q=Standesamt").status_code for _ in range(2)}
    assert answers <= {200, 503}, answers  # never a 500
    assert client.get("/projekte").status_code == 200
    with running.app_context():
        db.engine.dispose()
