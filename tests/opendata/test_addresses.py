"""Addresses that last: renamed and merged keywords and organisations answer 301 (site and API);
an archived profile answers 410 Gone (a helpful page; the API a problem document)."""

from __future__ import annotations

from sqlalchemy import select

from catalogue.editing import merge_keywords, merge_organisations, rename_keyword
from catalogue.extensions import db
from catalogue.models import Keyword, Organisation
from catalogue.schemas import OrganisationInputSchema
from catalogue.services import change_status, save_organisation

BASE = "http://localhost"


def _keyword(name: str) -> Keyword:
    return db.session.scalar(select(Keyword).where(Keyword.name == name))


def _organisation(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def test_renamed_keyword_redirects_on_the_site_and_in_the_api(client, make_project):
    make_project(keywords=["Standesamt"])
    assert client.get("/stichworte/standesamt").status_code == 200
    rename_keyword(_keyword("Standesamt"), "Personenstandswesen", "test")
    db.session.commit()
    moved = client.get("/stichworte/standesamt")
    assert moved.status_code == 301 and moved.headers["Location"] == "/stichworte/personenstandswesen"
    assert client.get("/stichworte/personenstandswesen").status_code == 200
    listed = client.get("/api/v1/projects?keyword=Standesamt&state=DE-NW")
    assert listed.status_code == 301
    assert listed.headers["Location"] == f"{BASE}/api/v1/projects?state=DE-NW&keyword=Personenstandswesen"
    assert client.get(listed.headers["Location"]).get_json()["total"] == 1
    # Renamed twice: the first address still arrives, in one hop.
    rename_keyword(_keyword("Personenstandswesen"), "Standesamtswesen", "test")
    db.session.commit()
    assert client.get("/stichworte/standesamt").headers["Location"] == "/stichworte/standesamtswesen"
    assert client.get("/stichworte/gibt-es-nicht").status_code == 404
    assert client.get("/api/v1/projects?keyword=Gibt es nicht").status_code == 200  # an empty list, as before


def test_merged_keyword_redirects_to_the_one_it_became(client, make_project):
    make_project(title="Eins", keywords=["Klimaschutz"])
    make_project(title="Zwei", keywords=["Klima-Schutz"])
    merge_keywords(_keyword("Klima-Schutz"), _keyword("Klimaschutz"), "test")
    db.session.commit()
    moved = client.get("/stichworte/klima-schutz")
    assert moved.status_code == 301 and moved.headers["Location"] == "/stichworte/klimaschutz"


def test_merged_organisation_redirects_on_the_site_and_in_the_api(client, make_project):
    make_project(title="Eins")
    make_project(
        title="Zwei",
        participants=[
            {
                "role": "lead",
                "organisation": {"name": "Stadtverwaltung Musterstadt", "kind": "municipality", "state": "DE-NW"},
            }
        ],
    )
    duplicate, keep = _organisation("Stadtverwaltung Musterstadt"), _organisation("Stadt Musterstadt")
    old_slug = duplicate.slug
    merge_organisations(duplicate, keep, "test")
    db.session.commit()
    site = client.get(f"/organisationen/{old_slug}")
    assert site.status_code == 301 and site.headers["Location"] == f"/organisationen/{keep.slug}"
    api = client.get(f"/api/v1/organisations/{old_slug}")
    assert api.status_code == 301 and api.headers["Location"] == f"{BASE}/api/v1/organisations/{keep.slug}"
    assert not api.data  # an API redirect has no HTML body
    assert client.get(api.headers["Location"]).status_code == 200
    assert client.get("/api/v1/organisations/nie-dagewesen").status_code == 404


def test_renamed_organisation_keeps_its_address(client, make_project):
    """A rename changes the name, not the slug: the address simply stays valid (200, no redirect needed)."""
    make_project()
    town = _organisation("Stadt Musterstadt")
    slug = town.slug
    data = OrganisationInputSchema().load(
        {
            "name": "Hansestadt Musterstadt",
            "kind": "municipality",
            "ags": town.ags,
            "state": town.state,
            "district": town.district,
        }
    )
    save_organisation(data, "test", town)
    db.session.commit()
    page = client.get(f"/organisationen/{slug}")
    assert page.status_code == 200 and "Hansestadt Musterstadt" in page.get_data(as_text=True)
    assert client.get(f"/api/v1/organisations/{slug}").get_json()["name"] == "Hansestadt Musterstadt"


def test_archived_profile_is_gone_not_unknown(client, make_project):
    project = make_project(title="Gemeinsamer Bauhof", keywords=["Bauhof"])
    change_status(project, "archived", "test")
    db.session.commit()
    page = client.get(f"/projekte/{project.slug}")
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "Dieses Profil ist nicht mehr im Katalog" in html and "Gemeinsamer Bauhof" in html
    assert "/projekte?stichwort=Bauhof" in html  # where to look now
    api = client.get(f"/api/v1/projects/{project.slug}")
    assert api.status_code == 410 and api.mimetype == "application/problem+json"
    body = api.get_json()
    assert body["status"] == 410 and "archiviert" in body["detail"]
    # Published again: back at its address.
    change_status(project, "published", "test")
    db.session.commit()
    assert client.get(f"/projekte/{project.slug}").status_code == 200


def test_a_draft_archived_without_ever_being_public_stays_unknown(client, make_project):
    project = make_project(title="Nie veröffentlicht", status="draft")
    change_status(project, "archived", "test")
    db.session.commit()
    assert client.get(f"/projekte/{project.slug}").status_code == 404
    assert client.get(f"/api/v1/projects/{project.slug}").status_code == 404


def test_english_gone_page(client, make_project):
    project = make_project(title="Gemeinsamer Bauhof", keywords=["Bauhof"])
    change_status(project, "archived", "test")
    db.session.commit()
    html = client.get(f"/projekte/{project.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This profile is no longer in the catalogue" in html
