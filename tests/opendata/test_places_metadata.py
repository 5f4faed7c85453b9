"""Place pages (catalogue.places): schema.org JSON-LD and their Atom feed."""

from __future__ import annotations

from pathlib import Path

import extruct
import feedparser
import pytest
from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import Organisation
from catalogue.places.directory import get_place
from catalogue.places.loading import load_places, parse_register
from catalogue.places.register_file import read_register

SAMPLE = Path(__file__).resolve().parent.parent / "places" / "files" / "register-sample.csv"
BASE = "http://localhost"
BRILON = "05958012"  # Brilon, Hochsauerlandkreis, in the sample register


@pytest.fixture
def place_with_profile(make_project):
    load_places(parse_register(read_register(SAMPLE), "Destatis GV-ISys (Ausgabe vor 2021)"))
    db.session.commit()
    project = make_project(
        title="Hafenkooperation",
        participants=[
            {
                "role": "lead",
                "organisation": {"name": "Stadt Brilon", "kind": "municipality", "ags": BRILON, "state": "DE-NW"},
            }
        ],
    )
    organisation = db.session.scalar(select(Organisation).where(Organisation.ags == BRILON))
    organisation.place_key = BRILON
    db.session.commit()
    return get_place(BRILON), project


def test_place_page_describes_the_place(client, place_with_profile):
    place, _project = place_with_profile
    path = f"/kommunen/{place.url_part}"
    page = client.get(path).get_data(as_text=True)
    [document] = extruct.extract(page, base_url=BASE + path, syntaxes=["json-ld"], uniform=True)["json-ld"]
    assert document["@type"] == "AdministrativeArea"
    assert document["identifier"]["value"] == BRILON and document["identifier"]["propertyID"] == "AGS"
    assert document["address"]["postalCode"] == "59929"
    assert document["address"]["addressRegion"] == "Nordrhein-Westfalen"
    assert document["geo"]["latitude"] == pytest.approx(51.395499)
    assert any(parent["identifier"] == "05958" for parent in document["containedInPlace"])
    assert f'href="/feeds/kommunen/{BRILON}.atom"' in page


def test_place_feed(client, place_with_profile):
    place, project = place_with_profile
    response = client.get(f"/feeds/kommunen/{BRILON}.atom")
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo
    assert [entry.title for entry in parsed.entries] == ["Hafenkooperation"]
    assert parsed.entries[0].link == f"{BASE}/projekte/{project.slug}"
    assert client.get("/feeds/kommunen/99999999.atom").status_code == 404
    assert client.get("/feeds/kommunen/abc.atom").status_code == 404
