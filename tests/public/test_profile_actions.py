"""A profile people can act on: key facts and contact first, a contact box that is never
empty, readable sources and links, and the date its content last changed."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

from sqlalchemy import select, update

from catalogue import search
from catalogue.extensions import db
from catalogue.models import Project
from catalogue.schemas import ProjectInputSchema
from catalogue.services import change_status, update_project

from conftest import project_data


def body(client, url, language="de"):
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def contact_box(page: str) -> str:
    return text(re.search(r'<section class="box box--contact">(.*?)</section>', page, re.S).group(1))


def test_key_facts_and_contact_come_before_the_texts(seeded, client):
    page = body(client, "/projekte/gemeinsam-nachhaltig-erfolgreich")
    assert page.index('class="profile__key"') < page.index("Rathausplatz 2") < page.index('class="profile__main"')
    assert page.index('class="profile__main"') < page.index("<h2>Kurzprofil</h2>")


def test_without_a_contact_the_lead_and_the_editorial_team_are_offered(app, make_project, client, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "redaktion@katalog.example")
    project = make_project(contacts=[])
    box = contact_box(body(client, f"/projekte/{project.slug}"))
    assert "Das Profil nennt keine Ansprechperson." in box
    assert "Allgemeiner Kontakt der hauptverantwortlichen Stelle: Stadt Musterstadt" in box
    assert "Redaktion des IKZ-Katalogs, redaktion@katalog.example" in box
    page = body(client, f"/projekte/{project.slug}")
    assert 'href="mailto:redaktion@katalog.example?subject=Gemeinsames%20Standesamt%20Musterstadt"' in page


def test_a_contact_naming_only_an_office_gets_the_general_contact_too(app, make_project, client, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "")
    project = make_project(contacts=[{"organisation": "Gemeinde Beispieldorf"}])
    box = contact_box(body(client, f"/projekte/{project.slug}"))
    assert box.startswith("Kontakt Gemeinde Beispieldorf Allgemeiner Kontakt der hauptverantwortlichen Stelle:")
    assert "Redaktion" not in box  # no address configured: nothing invented


def test_a_reachable_contact_is_shown_alone(app, make_project, client, monkeypatch):
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "")
    project = make_project()
    box = contact_box(body(client, f"/projekte/{project.slug}"))
    assert "info@musterstadt.example" in box and "Allgemeiner Kontakt" not in box


def test_without_a_contact_or_a_lead_each_participant_and_the_editorial_team_are_offered(
    app, make_project, client, monkeypatch
):
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "redaktion@katalog.example")
    partners = [
        {
            "name": "Stadt Musterstadt",
            "kind": "municipality",
            "state": "DE-NW",
            "website": "https://www.musterstadt.de/",
        },
        {"name": "Gemeinde Beispieldorf", "kind": "municipality", "state": "DE-NW"},
    ]
    project = make_project(contacts=[], participants=[{"role": "partner", "organisation": o} for o in partners])
    page = body(client, f"/projekte/{project.slug}")
    assert contact_box(page) == (
        "Kontakt Das Profil nennt keine Ansprechperson. Allgemeiner Kontakt der beteiligten Stellen:"
        " Stadt Musterstadt Internet: musterstadt.de Gemeinde Beispieldorf"
        " Fragen oder Ergänzungen zu diesem Profil: Redaktion des IKZ-Katalogs, redaktion@katalog.example"
    )
    box = re.search(r'<section class="box box--contact">(.*?)</section>', page, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', box) == [
        "/organisationen/stadt-musterstadt",
        "https://www.musterstadt.de/",
        "/organisationen/gemeinde-beispieldorf",
        "mailto:redaktion@katalog.example?subject=Gemeinsames%20Standesamt%20Musterstadt",
    ]
    english = contact_box(body(client, f"/projekte/{project.slug}", language="en"))
    assert "General contact of the participating organisations: Stadt Musterstadt" in english


def test_every_seeded_profile_offers_a_way_to_reach_someone(seeded, app, client, monkeypatch):
    """Even without the editorial address (development): a contact with an address, phone, e-mail
    or website, else a link to the lead or to each participating organisation."""
    monkeypatch.setitem(app.config, "CONTACT_EMAIL", "")
    projects = db.session.scalars(select(Project).where(Project.status == "published")).all()
    assert len(projects) == 19
    fallbacks = 0
    for project in projects:
        if any(c.address or c.phone or c.email or c.website for c in project.contacts):
            continue
        fallbacks += 1
        page = body(client, f"/projekte/{project.slug}")
        box = re.search(r'<section class="box box--contact">(.*?)</section>', page, re.S).group(1)
        assert 'href="/organisationen/' in box, project.slug
    assert fallbacks > 5


def test_the_source_of_a_news_item_is_its_name_and_a_readable_link(seeded, client):
    page = body(client, "/projekte/gemeinsam-nachhaltig-erfolgreich")
    assert "wp.dehttps" not in page
    source = re.search(r'<p class="timeline__source">(.*?wp\.de/staedte.*?)</p>', page, re.S).group(1)
    assert (
        text(source).replace(" ,", ",")
        == "Quelle: Mitteilung der Städte Arnsberg und Sundern, berichtet auf wp.de, wp.de/staedte/sundern/…"
    )
    assert (
        'href="https://www.wp.de/staedte/sundern/arnsberg-und-sundern-pflegen-engere-zusammenarbeit-id239383689.html"'
        in source
    )


def test_a_link_without_an_address_is_plain_text(make_project, client):
    project = make_project(
        links=[
            {"title": "Ratsbeschluss vom Mai", "url": ""},
            {"title": "Projektseite", "url": "https://musterstadt.example/p"},
        ]
    )
    page = body(client, f"/projekte/{project.slug}")
    assert "ohne Adresse" not in page
    assert "<li><span>Ratsbeschluss vom Mai</span></li>" in page
    assert '<a href="https://musterstadt.example/p" rel="noopener">Projektseite</a>' in page


def test_the_date_is_when_the_content_last_changed_not_its_status(make_project, client):
    project = make_project()
    loaded = dt.datetime(2024, 3, 5, 9, 0, tzinfo=dt.UTC)
    db.session.execute(
        update(Project).where(Project.id == project.id).values(created_at=loaded, content_changed_at=loaded)
    )
    db.session.commit()
    change_status(project, "draft", "test")
    change_status(project, "published", "test")  # status only: the text is as current as before
    db.session.commit()
    page = body(client, f"/projekte/{project.slug}")
    assert "In den Katalog aufgenommen: 05.03.2024" in text(page)
    update_project(project, ProjectInputSchema().load(project_data(goal="Noch besserer Service.")), "test")
    db.session.commit()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    shown = re.search(
        r'(In den Katalog|Inhalt zuletzt)[^<]*<time datetime="([^"]+)"', body(client, f"/projekte/{project.slug}")
    )
    assert shown.group(1) == "Inhalt zuletzt" and shown.group(2).startswith(today)
    assert "Content last changed:" in body(client, f"/projekte/{project.slug}", language="en")


def test_lists_search_and_json_ld_date_a_profile_by_its_content_like_its_page(make_project, client):
    """Publishing again changes no content: the list's order "neueste", the search's, the start
    page's recent profiles and JSON-LD's dateModified go by the time the profile page shows."""
    older = make_project(title="Älteres Standesamt")
    newer = make_project(title="Neueres Standesamt")
    change_status(older, "draft", "test")
    change_status(older, "published", "test")  # moves updated_at, not the content's time
    db.session.commit()
    assert older.updated_at > newer.updated_at and older.content_changed_at < newer.content_changed_at
    listed = body(client, "/projekte?sort=neueste")
    assert listed.index("Neueres Standesamt") < listed.index("Älteres Standesamt")
    home = body(client, "/")
    assert home.index("Neueres Standesamt") < home.index("Älteres Standesamt")
    assert search.search_projects("", sort="neueste").ids == [newer.id, older.id]
    page = body(client, f"/projekte/{older.slug}")
    shown = re.search(r'In den Katalog aufgenommen: <time datetime="([^"]+)"', page).group(1)
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert ld["dateModified"] == shown == older.content_changed_at.isoformat() != older.updated_at.isoformat()


def test_organisation_table_cells_say_what_they_are(seeded, client):
    page = body(client, "/organisationen")
    assert '<td class="num" data-label="Projekte">' in page and '<td data-label="Land">' in page
    assert '<td class="num" data-label="Projects">' in body(client, "/organisationen", language="en")
