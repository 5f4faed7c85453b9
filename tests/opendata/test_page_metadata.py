"""schema.org JSON-LD (parsed with extruct), canonical, hreflang, OpenGraph and alternate links."""

from __future__ import annotations

import extruct
from lxml import html as lxml_html
from sqlalchemy import select

from catalogue.extensions import db
from catalogue.models import Organisation

BASE = "http://localhost"


def _page(client, path: str, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _json_ld(page: str, url: str) -> list[dict]:
    return extruct.extract(page, base_url=url, syntaxes=["json-ld"], uniform=True)["json-ld"]


def _opengraph(page: str, url: str) -> dict:
    found = extruct.extract(page, base_url=url, syntaxes=["opengraph"], uniform=True)["opengraph"]
    assert len(found) == 1
    return found[0]


def _links(page: str) -> list[dict]:
    return [dict(link.attrib) for link in lxml_html.fromstring(page).iter("link")]


def test_profile_page_describes_the_cooperation(client, make_project):
    project = make_project(title="Gemeinsames Standesamt <Nord>")
    org = db.session.scalar(select(Organisation).where(Organisation.ags == "05999001"))
    org.latitude, org.longitude = 51.4, 8.06
    db.session.commit()
    url = f"{BASE}/projekte/{project.slug}"
    [document] = _json_ld(_page(client, f"/projekte/{project.slug}"), url)
    assert document["@type"] == "Project"
    assert document["name"] == "Gemeinsames Standesamt <Nord>"  # escaped in the page, intact after parsing
    assert document["url"] == url
    assert document["description"] == "Zwei Gemeinden teilen sich ein Standesamt."
    assert document["keywords"] == "Standesamt, Verwaltung"
    assert document["foundingDate"] == "2020"
    assert document["dateModified"].startswith(project.updated_at.date().isoformat())
    lead, partner = document["member"]
    assert (lead["roleName"], partner["roleName"]) == ("Hauptverantwortlich", "Beteiligt")
    town = lead["member"]
    assert town["@type"] == "GovernmentOrganization" and town["name"] == "Stadt Musterstadt"
    assert town["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "AGS",
        "name": "Amtlicher Gemeindeschlüssel",
        "value": "05999001",
    }
    assert town["address"]["addressRegion"] == "Nordrhein-Westfalen"
    assert town["location"]["geo"] == {"@type": "GeoCoordinates", "latitude": 51.4, "longitude": 8.06}
    assert town["location"]["containedInPlace"]["name"] == "Kreis Muster"
    assert town["url"] == f"{BASE}/organisationen/{org.slug}"
    assert "identifier" not in partner["member"]  # no AGS known: none invented
    assert document["contactPoint"][0]["email"] == "info@musterstadt.example"


def test_organisation_page_describes_the_organisation(client, make_project):
    project = make_project()
    org = db.session.scalar(select(Organisation).where(Organisation.ags == "05999001"))
    url = f"{BASE}/organisationen/{org.slug}"
    [document] = _json_ld(_page(client, f"/organisationen/{org.slug}"), url)
    assert document["@type"] == "GovernmentOrganization"
    assert document["identifier"]["value"] == "05999001"
    assert document["memberOf"] == [
        {
            "@type": "Role",
            "roleName": "Hauptverantwortlich",
            "memberOf": {"@type": "Project", "name": project.title, "url": f"{BASE}/projekte/{project.slug}"},
        }
    ]


def test_lists_carry_no_structured_data_of_a_profile(client, make_project):
    make_project()
    assert _json_ld(_page(client, "/projekte"), BASE + "/projekte") == []


def test_canonical_and_language_alternates(client, make_project):
    make_project()
    page = _page(client, "/projekte?land=DE-NW&utm_source=mail&stichwort=Standesamt")
    links = _links(page)
    canonical = [link["href"] for link in links if link.get("rel") == "canonical"]
    assert canonical == [f"{BASE}/projekte?stichwort=Standesamt&land=DE-NW"]  # tracking noise dropped
    alternates = {
        link["hreflang"]: link["href"] for link in links if link.get("rel") == "alternate" and "hreflang" in link
    }
    assert alternates == {
        "de": f"{BASE}/projekte?stichwort=Standesamt&land=DE-NW&lang=de",
        "en": f"{BASE}/projekte?stichwort=Standesamt&land=DE-NW&lang=en",
        "x-default": f"{BASE}/projekte?stichwort=Standesamt&land=DE-NW",
    }
    # Each alternate really is in its language, whatever the browser prefers.
    english = _page(client, "/projekte?stichwort=Standesamt&land=DE-NW&lang=en", **{"Accept-Language": "de"})
    assert '<html lang="en">' in english
    german = _page(client, "/projekte?lang=de", **{"Accept-Language": "en"})
    assert '<html lang="de">' in german


def test_opengraph_title_and_description(client, make_project):
    project = make_project()
    url = f"{BASE}/projekte/{project.slug}"
    og = _opengraph(_page(client, f"/projekte/{project.slug}"), url)
    assert og["og:title"] == "Gemeinsames Standesamt Musterstadt"
    assert og["og:description"] == "Zwei Gemeinden teilen sich ein Standesamt."
    assert og["og:url"] == url
    home = _opengraph(_page(client, "/"), BASE + "/")
    assert home["og:title"] == "Start" and home["og:description"].startswith("Öffentlicher Katalog")


def test_feed_alternates_follow_the_page(client, make_project):
    project = make_project()
    keyword = project.keywords[0]
    org = db.session.scalar(select(Organisation).where(Organisation.ags == "05999001"))

    def feeds(path):
        return [link["href"] for link in _links(_page(client, path)) if link.get("type") == "application/atom+xml"]

    assert feeds("/") == ["/feeds/projekte.atom"]
    assert feeds("/projekte?land=DE-NW&sort=neueste&seite=1") == [
        "/feeds/projekte.atom?land=DE-NW",
        "/feeds/projekte.atom",
    ]
    assert feeds("/suche?q=Standesamt") == ["/feeds/projekte.atom?q=Standesamt", "/feeds/projekte.atom"]
    assert feeds(f"/stichworte/{keyword.slug}")[0] == f"/feeds/stichworte/{keyword.slug}.atom"
    assert feeds(f"/organisationen/{org.slug}")[0] == f"/feeds/organisationen/{org.slug}.atom"


def test_editing_area_has_no_public_metadata(client):
    page = client.get("/admin/login").get_data(as_text=True)
    assert 'rel="canonical"' not in page and 'hreflang="en"' not in page
