"""The change feed: ordered, gap-free, with tombstones; a mirror built from it equals the catalogue."""

from __future__ import annotations

import importlib.util
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import Change, Project
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
        ("create", "bleibt"),
        ("create", "wird-archiviert"),
        ("create", "nur-entwurf"),
        ("update", "bleibt"),
        ("delete", "wird-archiviert"),
    ]
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


def _call(base, method, path, token=None, body=None, etag=None):
    """(status, ETag, JSON body) of one request to the live server."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    if etag:
        headers["If-Match"] = etag
    request = urllib.request.Request(
        base + API + path, method=method, headers=headers, data=json.dumps(body).encode() if body is not None else None
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            data = response.read()
            return response.status, response.headers.get("ETag"), json.loads(data) if data else None
    except urllib.error.HTTPError as error:
        return error.code, None, json.loads(error.read() or b"null")


def test_mirror_from_changes_matches_catalogue_with_concurrent_writers(live_server, client, editor, make_project):
    """Four writers create, edit, rename, publish, unpublish and archive profiles and edit a shared
    organisation, while mirrors follow the feed; afterwards every mirror equals the catalogue."""
    from conftest import project_data

    token = editor["Authorization"].split()[1]
    existing = [make_project(title=f"Vorhandenes Profil {n}").slug for n in range(3)]
    mirror = _mirror_module()
    state: dict = {"cursor": 0}
    errors: list = []

    def expect(wanted: int, answer):
        assert answer[0] == wanted, answer
        return answer

    def writer(number: int) -> None:
        try:
            for round_ in range(5):
                slug = f"profil-{number}-{round_}"
                status = "draft" if round_ >= 3 else "published"
                _, etag, _ = expect(
                    201,
                    _call(
                        live_server,
                        "POST",
                        "/projects",
                        token,
                        project_data(title=f"Profil {number} {round_}", slug=slug, status=status),
                    ),
                )
                _, etag, _ = expect(
                    200,
                    _call(
                        live_server, "PATCH", f"/projects/{slug}", token, {"summary": f"Bearbeitet von {number}"}, etag
                    ),
                )
                if round_ == 1:
                    expect(204, _call(live_server, "DELETE", f"/projects/{slug}", token, etag=etag))
                elif round_ == 2:
                    expect(200, _call(live_server, "POST", f"/projects/{slug}/unpublish", token, etag=etag))
                elif round_ == 3:
                    expect(200, _call(live_server, "POST", f"/projects/{slug}/publish", token, etag=etag))
                # round 0 stays published, round 4 stays a draft (never public)
                if number == round_ < len(existing):
                    # A new address for an existing profile: mirrors key by id, the slug moves.
                    old = existing[number]
                    _, etag, document = expect(200, _call(live_server, "GET", f"/projects/{old}"))
                    expect(
                        200,
                        _call(live_server, "PUT", f"/projects/{old}", token, {**document, "slug": f"{old}-neu"}, etag),
                    )
                if number == 3 and round_ == 2:
                    # Every profile has this lead: its new facts must reach every mirrored copy.
                    _, etag, document = expect(200, _call(live_server, "GET", "/organisations/stadt-musterstadt"))
                    facts = {k: v for k, v in document.items() if k != "projects"}
                    expect(
                        200,
                        _call(
                            live_server,
                            "PUT",
                            "/organisations/stadt-musterstadt",
                            token,
                            {**facts, "population": 12345},
                            etag,
                        ),
                    )
                mirror.sync(live_server, state, page_size=3)  # followers read while others write
        except BaseException as error:  # surfaced in the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    db.session.rollback()  # this thread's read snapshot predates the writers' commits
    mirror.sync(live_server, state, page_size=3)
    # Read through the same server, so the documents' absolute URLs agree.
    expected = {p["id"]: p for p in mirror.fetch_json(live_server + API + "/projects.json")["projects"]}
    assert {p["slug"] for p in expected.values()} == set(_catalogue(client))
    published = db.session.scalars(select(Project.id).where(Project.status == "published")).all()
    assert set(expected) == set(published)
    # The existing ones (renamed) and each writer's rounds 0 and 3.
    assert sorted(p["slug"] for p in expected.values()) == sorted(
        [f"vorhandenes-profil-{n}-neu" for n in range(3)] + [f"profil-{w}-{r}" for w in range(4) for r in (0, 3)]
    )
    assert all(p["lead"]["population"] == 12345 for p in expected.values())
    assert {int(key): project for key, project in state["projects"].items()} == expected
    # A fresh mirror from cursor 0 in one go agrees too.
    fresh: dict = {"cursor": 0}
    mirror.sync(live_server, fresh)
    assert {int(key): project for key, project in fresh["projects"].items()} == expected
    # Every logged change reached the feed once, in order.
    items, _ = _follow(client, limit=7)
    assert [i["seq"] for i in items] == db.session.scalars(select(Change.seq).order_by(Change.seq)).all()


def test_a_profile_that_fills_a_shared_organisation_refreshes_the_others_in_the_feed(client, make_project):
    """Organisation facts given in a new profile fill gaps of the shared organisation; every
    profile showing that organisation must come through the feed again, or mirrors go stale."""
    first = make_project(
        title="Erstes Profil", participants=[{"role": "lead", "organisation": {"name": "Stadt Lückenhausen"}}]
    )
    mirror: dict = {}
    items, cursor = _follow(client)
    mirror.update({i["id"]: i["project"] for i in items})
    make_project(
        title="Zweites Profil",
        participants=[
            {"role": "lead", "organisation": {"name": "Stadt Lückenhausen", "population": 5000, "state": "DE-HE"}}
        ],
    )
    items, _ = _follow(client, since=cursor)
    mirror.update({i["id"]: i["project"] for i in items})
    assert mirror[first.id]["lead"]["population"] == 5000
    current = {p["id"]: p for p in read(client.get(f"{API}/projects.json")).get_json()["projects"]}
    assert mirror == current
