"""The change feed: ordered, gap-free, with tombstones; a mirror built from it equals the catalogue."""

from __future__ import annotations

import importlib.util
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from catalogue.extensions import db
from catalogue.schemas import ProjectInputSchema
from catalogue.services import change_status, snapshot, update_project

from .api_helpers import API, read

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "mirror_client.py"


def _mirror_module():
    spec = importlib.util.spec_from_file_location("mirror_client", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _follow(client, since=0, limit=500):
    """Every item after ``since`` through the test client, page by page."""
    items = []
    while True:
        page = client.get(f"{API}/changes?since={since}&limit={limit}").get_json()
        items += page["items"]
        since = page["next"]
        if not page["has_more"]:
            return items, since


def _catalogue(client) -> dict:
    return {p["slug"]: p for p in read(client.get(f"{API}/projects.json")).get_json()["projects"]}


def test_feed_orders_every_write_and_tombstones_deletions(client, make_project):
    kept = make_project(title="Bleibt")
    gone = make_project(title="Wird archiviert")
    draft = make_project(title="Nur Entwurf", status="draft")
    update_project(kept, ProjectInputSchema().load({**snapshot(kept), "summary": "Neu."}), "test")
    change_status(gone, "archived", "test")
    db.session.commit()
    items, cursor = _follow(client)
    assert [i["seq"] for i in items] == list(range(1, 6)) and cursor == 5
    assert [(i["action"], i["slug"]) for i in items] == [
        ("create", "bleibt"), ("create", "wird-archiviert"), ("create", "nur-entwurf"),
        ("update", "bleibt"), ("delete", "wird-archiviert")]
    assert items[0]["project"]["summary"] == "Neu."  # the current state, not a stale copy
    assert items[1]["deleted"] and items[1]["project"] is None  # later archived: tombstone
    assert items[2]["deleted"] and items[2]["id"] == draft.id
    assert _follow(client, since=5) == ([], 5)
    one_by_one, _ = _follow(client, limit=1)
    assert one_by_one == items  # small pages never skip or repeat


def test_changes_bad_cursor_is_422(client):
    assert client.get(f"{API}/changes?since=-1").status_code == 422
    assert client.get(f"{API}/changes?since=abc").status_code == 422
    assert client.get(f"{API}/changes?limit=100000").status_code == 422


def _call(base, method, path, token, body=None, etag=None):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if etag:
        headers["If-Match"] = etag
    request = urllib.request.Request(base + API + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        return error.code, None


def test_mirror_from_changes_matches_catalogue_with_concurrent_writers(live_server, client, editor, make_project):
    """Four writers create, edit, publish and archive while a mirror follows the feed."""
    from conftest import project_data

    token = editor["Authorization"].split()[1]
    for n in range(3):
        make_project(title=f"Vorhandenes Profil {n}")
    mirror = _mirror_module()
    state: dict = {"cursor": 0}
    errors: list = []

    def writer(number: int) -> None:
        try:
            for round_ in range(4):
                slug = f"profil-{number}-{round_}"
                status, etag = _call(live_server, "POST", "/projects", token,
                                     project_data(title=f"Profil {number} {round_}", slug=slug, status="published"))
                assert status == 201, status
                status, etag = _call(live_server, "PATCH", f"/projects/{slug}", token,
                                     {"summary": f"Bearbeitet von {number}"}, etag)
                assert status == 200, status
                if round_ % 2:
                    assert _call(live_server, "DELETE", f"/projects/{slug}", token, etag=etag)[0] == 204
                elif round_ == 2:
                    assert _call(live_server, "POST", f"/projects/{slug}/unpublish", token, etag=etag)[0] == 200
                mirror.sync(live_server, state, page_size=3)  # followers read while others write
        except BaseException as error:  # surfaced in the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    mirror.sync(live_server, state, page_size=3)
    mirrored = {p["slug"]: p for p in state["projects"].values()}
    # Read through the same server, so the documents' absolute URLs agree.
    expected = {p["slug"]: p for p in mirror.fetch_json(live_server + API + "/projects.json")["projects"]}
    assert expected.keys() == _catalogue(client).keys()
    assert len(expected) == 3 + 4  # the existing ones and each writer's round 0
    assert mirrored == expected
    # A fresh mirror from cursor 0 in one go agrees too.
    fresh: dict = {"cursor": 0}
    mirror.sync(live_server, fresh)
    assert {p["slug"]: p for p in fresh["projects"].values()} == expected
