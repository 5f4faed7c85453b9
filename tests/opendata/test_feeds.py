"""Atom feeds, read as a feed reader does (feedparser): valid, in order, following every change."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import feedparser
from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import Change, Organisation
from catalogue.schemas import ProjectInputSchema
from catalogue.services import change_status, update_project

from conftest import project_data

BASE = "http://localhost"


def _feed(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def _titles(parsed) -> list[str]:
    return [entry.title for entry in parsed.entries]


def _edit(project, **changes):
    """Save the factory's profile again with ``changes`` (through the schema and the service)."""
    data = ProjectInputSchema().load(project_data(title=project.title, slug=project.slug, **changes))
    update_project(project, data, "test")
    db.session.commit()


def _age(project, minutes: int):
    """Move a profile's change-log times into the past, so that orders do not hinge on one clock tick."""
    for change in db.session.scalars(select(Change).where(Change.project_id == project.id)):
        change.created_at = change.created_at - dt.timedelta(minutes=minutes)
    db.session.commit()


def test_catalogue_feed_lists_published_profiles_newest_change_first(client, make_project):
    old = make_project(title="Alter Bauhof")
    _age(old, 60)
    new = make_project(title="Neues Standesamt")
    make_project(title="Entwurf", status="draft")
    parsed = _feed(client, "/feeds/projekte.atom")
    assert _titles(parsed) == ["Neues Standesamt", "Alter Bauhof"]
    entry = parsed.entries[0]
    assert entry.link == f"{BASE}/projekte/{new.slug}"
    assert entry.summary == "Zwei Gemeinden teilen sich ein Standesamt."
    assert entry.updated_parsed is not None and entry.id.startswith("tag:localhost,2024:projekt:")
    assert parsed.feed.title == "IKZ-Katalog: neue und geänderte Projekte"
    assert any(link.rel == "self" and link.href == f"{BASE}/feeds/projekte.atom" for link in parsed.feed.links)


def test_a_change_moves_the_profile_up_and_archiving_removes_it(client, make_project):
    first = make_project(title="Erstes Profil")
    _age(first, 60)
    second = make_project(title="Zweites Profil")
    _age(second, 30)
    assert _titles(_feed(client, "/feeds/projekte.atom")) == ["Zweites Profil", "Erstes Profil"]
    _edit(first, summary="Jetzt mit neuem Kurzprofil.")
    parsed = _feed(client, "/feeds/projekte.atom")
    assert _titles(parsed) == ["Erstes Profil", "Zweites Profil"]
    assert parsed.entries[0].summary == "Jetzt mit neuem Kurzprofil."
    change_status(first, "archived", "test")
    db.session.commit()
    assert _titles(_feed(client, "/feeds/projekte.atom")) == ["Zweites Profil"]


def test_feeds_of_a_selection_a_search_a_keyword_and_an_organisation(client, make_project):
    make_project(title="Standesamt West", keywords=["Standesamt"])
    make_project(
        title="Bauhof Süd",
        keywords=["Bauhof"],
        participants=[
            {"role": "lead", "organisation": {"name": "Gemeinde Süd", "kind": "municipality", "state": "DE-BY"}}
        ],
    )
    assert _titles(_feed(client, "/feeds/projekte.atom?land=DE-BY")) == ["Bauhof Süd"]
    assert _titles(_feed(client, "/feeds/projekte.atom?stichwort=Standesamt&land=DE-NW")) == ["Standesamt West"]
    assert _titles(_feed(client, "/feeds/projekte.atom?q=Bauhof")) == ["Bauhof Süd"]
    assert _titles(_feed(client, "/feeds/stichworte/bauhof.atom")) == ["Bauhof Süd"]
    south = db.session.scalar(select(Organisation).where(Organisation.name == "Gemeinde Süd"))
    assert _titles(_feed(client, f"/feeds/organisationen/{south.slug}.atom")) == ["Bauhof Süd"]


def test_an_organisation_edit_counts_as_a_change_of_its_profiles(client, make_project):
    from catalogue.services import save_organisation

    first = make_project(title="Mit Musterstadt")
    _age(first, 60)
    make_project(
        title="Ohne Musterstadt",
        participants=[
            {"role": "lead", "organisation": {"name": "Gemeinde Süd", "kind": "municipality", "state": "DE-BY"}}
        ],
    )
    town = db.session.scalar(select(Organisation).where(Organisation.ags == "05999001"))
    save_organisation(
        {
            "name": town.name,
            "kind": town.kind,
            "ags": town.ags,
            "state": town.state,
            "district": town.district,
            "population": 12345,
        },
        "test",
        town,
    )
    db.session.commit()
    assert _titles(_feed(client, "/feeds/projekte.atom"))[0] == "Mit Musterstadt"


def test_bad_feed_addresses(client, make_project):
    make_project()
    assert client.get("/feeds/projekte.atom?land=XX").status_code == 400
    assert client.get("/feeds/projekte.atom?q=" + "x" * 600).status_code == 413
    assert client.get("/feeds/stichworte/gibt-es-nicht.atom").status_code == 404
    assert client.get("/feeds/organisationen/gibt-es-nicht.atom").status_code == 404


def test_control_characters_in_a_feed_selection_are_dropped_not_a_500(client, make_project):
    """The selection's values go into the feed's title, and XML cannot hold control characters:
    they are dropped as the list pages drop them."""
    make_project(title="Standesamt West", keywords=["Standesamt"])
    for name, value, shown in (
        ("q", "Stand\x01esamt", "(Standesamt)"),
        ("stichwort", "Stand\x1fesamt", "(Standesamt)"),
        ("kreis", "Kreis\x00 Muster", "(Kreis Muster)"),
    ):
        parsed = _feed(client, "/feeds/projekte.atom?" + urlencode({name: value}))
        assert _titles(parsed) == ["Standesamt West"] and parsed.feed.title.endswith(shown), name
    parsed = _feed(client, "/feeds/projekte.atom?rechtsform=a%01b&q=%7F")
    assert parsed.feed.title.endswith("(ab)") and _titles(parsed) == []


def test_feed_is_cacheable_until_the_next_change(client, make_project):
    project = make_project()
    first = client.get("/feeds/projekte.atom")
    assert client.get("/feeds/projekte.atom", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/feeds/projekte.atom").data == first.data  # deterministic from data and log
    _edit(project, summary="Geändert.")
    assert client.get("/feeds/projekte.atom", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_empty_catalogue_gives_a_valid_empty_feed(client):
    assert _feed(client, "/feeds/projekte.atom").entries == []
