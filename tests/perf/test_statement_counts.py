"""Public pages run a constant number of SQL statements whatever the size of the catalogue:
counted for 10 and for 200 profiles (deterministic, unlike a timing)."""

import pytest
from sqlalchemy import event

from catalogue.extensions import db
from catalogue.schemas import ProjectInputSchema
from catalogue.services import create_project

from conftest import project_data

PAGES = [
    "/",
    "/projekte",
    "/projekte?sort=neueste&pro_seite=5&seite=2",
    "/projekte/profil-3",
    "/stichworte",
    "/organisationen/stadt-musterstadt",
    "/stichworte/standesamt",
]


def _add_profiles(start: int, stop: int) -> None:
    """Profiles with their own partners and keywords, so that every list grows with them."""
    schema = ProjectInputSchema()
    for n in range(start, stop):
        data = project_data(
            title=f"Gemeinsames Standesamt {n}", slug=f"profil-{n}", keywords=["Standesamt", f"Stichwort {n}"]
        )
        data["participants"].append(
            {
                "role": "partner",
                "organisation": {
                    "name": f"Gemeinde Nummer {n}",
                    "kind": "municipality",
                    "state": "DE-NW",
                    "district": f"Kreis {n % 40}",
                },
            }
        )
        create_project(schema.load(data), "test", status="published")
    db.session.commit()


def _statements(client, url: str) -> int:
    client.get(url)  # warm: per-process caches are not what this counts
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(seen)


@pytest.fixture
def counts(app, client, monkeypatch):
    # Uncached pages; the search catches up on every request, not a few times a second.
    monkeypatch.setitem(app.config, "RESPONSE_CACHE", False)
    monkeypatch.setitem(app.config, "SEARCH_CATCHUP_INTERVAL", 0)

    def measure():
        return {url: _statements(client, url) for url in PAGES}

    return measure


def test_statements_per_page_do_not_grow_with_the_catalogue(counts):
    _add_profiles(0, 10)
    small = counts()
    _add_profiles(10, 200)
    large = counts()
    print("statements per page:", small)
    assert large == small


def test_a_profile_page_runs_as_many_statements_however_many_participants(counts, client):
    """The page's profile is loaded with what it shows: not one statement per organisation."""
    schema = ProjectInputSchema()
    for slug, partners in (("zwei-beteiligte", 1), ("sieben-beteiligte", 6)):
        data = project_data(title=f"Gemeinsames Standesamt {slug}", slug=slug)
        data["participants"] += [
            {"role": "partner", "organisation": {"name": f"Gemeinde {slug} {n}", "kind": "municipality"}}
            for n in range(partners - 1)
        ]
        create_project(schema.load(data), "test", status="published")
    db.session.commit()
    assert _statements(client, "/projekte/zwei-beteiligte") == _statements(client, "/projekte/sieben-beteiligte")
