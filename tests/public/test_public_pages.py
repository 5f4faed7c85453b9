"""Every public page type, each filter and their combinations, sorting, pagination, 404s."""

from __future__ import annotations

import re

import pytest

from catalogue.extensions import db
from catalogue.schemas import ProjectInputSchema
from catalogue.services import change_status, find_project, snapshot, update_project


def titles(html: str) -> list[str]:
    """Project titles in list order (card headings)."""
    return re.findall(r'class="card__title"><a href="/projekte/[^"]+">([^<]+)</a>', html)


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- home


def test_home_explains_counts_recent_and_keywords(seeded, client):
    html = page(client, "/")
    assert "<h1>" in html and 'lang="de"' in html
    assert re.search(r"<dd>19</dd>", html)
    assert "Zuletzt aktualisiert" in html
    assert 'href="/stichworte/standesamt"' in html


def test_footer_links_the_operators_legal_pages_only_when_configured(app, client):
    html = page(client, "/")
    assert "Impressum" not in html and "Barrierefreiheit" not in html  # no dead or placeholder links
    assert 'href="/api/v1/"' in html
    settings = {
        "OPERATOR_NAME": "Musterland, Ministerium für Kommunales",
        "IMPRINT_URL": "https://musterland.example/impressum",
        "PRIVACY_URL": "https://musterland.example/datenschutz",
        "ACCESSIBILITY_URL": "https://musterland.example/barrierefreiheit",
        "CONTACT_EMAIL": "ikz@musterland.example",
    }
    saved = {name: app.config[name] for name in settings}
    app.config.update(settings)
    try:
        html = page(client, "/projekte")
    finally:
        app.config.update(saved)
    assert "Betrieben von Musterland, Ministerium für Kommunales." in html
    for label, url in (
        ("Impressum", settings["IMPRINT_URL"]),
        ("Datenschutz", settings["PRIVACY_URL"]),
        ("Barrierefreiheit", settings["ACCESSIBILITY_URL"]),
        ("Kontakt zur Redaktion", "mailto:" + settings["CONTACT_EMAIL"]),
    ):
        assert f'<a href="{url}">{label}</a>' in html


def test_home_of_an_empty_catalogue(client):
    html = page(client, "/")
    assert "<dd>0</dd>" in html


# ---------------------------------------------------------------- list and filters


def test_list_shows_every_published_profile_sorted_by_title(seeded, client):
    html = page(client, "/projekte?pro_seite=100")
    listed = titles(html)
    assert len(listed) == 19
    assert listed == sorted(listed, key=lambda t: (t.casefold(), t)) or listed == sorted(listed)
    assert "19 Projekte" in html


def test_keyword_filter_is_case_insensitive_and_shareable(seeded, client):
    assert titles(page(client, "/projekte?stichwort=Standesamt")) == titles(
        page(client, "/projekte?stichwort=standesamt ")
    )
    assert set(titles(page(client, "/projekte?stichwort=Standesamt"))) == {
        "Gemeinsames Standesamt Beilngries",
        "Standesamt Untere Lenne",
        "Verbundraum Ländliches Westerzgebirge",
    }


def test_the_documented_example_url(seeded, client):
    html = page(client, "/projekte?stichwort=Klima&land=DE-NW")
    assert titles(html) == ["Gemeinsam nachhaltig erfolgreich"]


def test_state_filter_and_or_within_a_filter(seeded, client):
    saxony = set(titles(page(client, "/projekte?land=DE-SN")))
    assert saxony == {"Interkommunaler Verbundraum Region Partheland", "Verbundraum Ländliches Westerzgebirge"}
    both = set(titles(page(client, "/projekte?land=DE-SN&land=DE-TH&pro_seite=100")))
    assert both == saxony | {"KAG Oberzentrum Südthüringen"}


def test_district_filter(seeded, client):
    listed = set(titles(page(client, "/projekte?kreis=Kreis+Coesfeld")))
    assert listed == {"Finanzzentrum Baumberge", "Sperrabfall vom Wertstoffhof: Delegation an den Kreis Coesfeld"}


def test_legal_form_filter(seeded, client):
    listed = titles(page(client, "/projekte?rechtsform=Zweckverband"))
    assert "Zweckverband Jugendarbeit (früher Kooperation Jugendarbeit)" in listed
    assert all("Standesamt Untere Lenne" != t for t in listed)


def test_organisation_kind_filter(seeded, client):
    listed = set(titles(page(client, "/projekte?art=state_authority")))
    assert listed == {"Digitalisierungsnetzwerke westfälischer Kleinstädte"}


def test_since_year_range(seeded, client):
    listed = titles(page(client, "/projekte?seit_von=2019&seit_bis=2020&pro_seite=100"))
    for title in listed:
        project = next(p for p in _published(title))
        assert 2019 <= project.since_year <= 2020
    assert "Gemeinsames Standesamt Beilngries" in listed  # since 2020
    assert "Gemeinsam nachhaltig erfolgreich" not in listed  # since 2022


def _published(title):
    from sqlalchemy import select

    from catalogue.models import Project

    return db.session.scalars(select(Project).where(Project.title == title))


def test_filters_combine_with_and(seeded, client):
    assert titles(page(client, "/projekte?land=DE-NW&stichwort=Standesamt")) == ["Standesamt Untere Lenne"]
    html = page(client, "/projekte?land=DE-SN&stichwort=Standesamt&seit_von=2022")
    assert titles(html) == [] and "Keine Projekte passen" in html


def test_sort_by_since_year_puts_unknown_years_last(seeded, client):
    listed = titles(page(client, "/projekte?sort=seit&pro_seite=100"))
    assert listed[0] == "Projektstelle Klimaschutz im Kreis Groß-Gerau"  # since 2024 (tie with Stadtwerke: by title)
    assert set(listed[-2:]) == {
        "ÖPNV-Taxi Giengen und Dischingen",
        "Sperrabfall vom Wertstoffhof: Delegation an den Kreis Coesfeld",
    }


def test_sort_newest_first(seeded, client):
    project, _ = find_project("standesamt-untere-lenne")
    update_project(project, ProjectInputSchema().load({**snapshot(project), "summary": "Neu gefasst."}), "test")
    db.session.commit()
    assert titles(page(client, "/projekte?sort=neueste"))[0] == "Standesamt Untere Lenne"


def test_pagination_is_bounded_and_keeps_filters(seeded, client):
    first = page(client, "/projekte?pro_seite=5&land=DE-NW")
    assert len(titles(first)) == 5
    assert 'rel="next"' in first and "land=DE-NW" in first.split('rel="next"')[1][:300] or "land=DE-NW" in first
    second = page(client, "/projekte?pro_seite=5&land=DE-NW&seite=2")
    assert not set(titles(first)) & set(titles(second))
    page(client, "/projekte?pro_seite=101", status=400)
    page(client, "/projekte?seite=99", status=404)


def test_filter_form_controls_are_labelled(seeded, client):
    html = page(client, "/projekte")
    for control_id in re.findall(r'<(?:select|input) id="([^"]+)"', html):
        assert f'for="{control_id}"' in html


# ---------------------------------------------------------------- project page


def test_project_page_shows_every_record_field(seeded, client):
    html = page(client, "/projekte/gemeinsam-nachhaltig-erfolgreich")
    for heading in (
        "Anlass",
        "Ziel",
        "Umsetzung",
        "Finanzierung",
        "Rechtsform",
        "Zusammenarbeit seit",
        "Kurzprofil",
        "Kontakt",
        "Links",
        "Neuigkeiten",
        "Quelle",
        "Hauptverantwortlich",
        "Sonstige Beteiligte",
    ):
        assert heading in html, heading
    assert "73.487" in html and "IT.NRW" in html and "31.12.2020" in html
    assert "193,72 km²" in html
    assert "Rathausplatz 2" in html and "mailto:stadt@arnsberg.de" in html
    assert 'href="/organisationen/stadt-sundern-sauerland"' in html
    assert "September 2023" in html and ">2022<" in html
    assert "In den Katalog aufgenommen:" in html  # content unchanged since it was loaded


def test_news_are_a_timeline_newest_first(seeded, client):
    html = page(client, "/projekte/interkommunaler-verbundraum-region-partheland")
    assert 'datetime="2019-12-18"' in html and "18. Dezember 2019" in html


def test_old_slug_redirects_permanently(seeded, client):
    project, _ = find_project("standesamt-untere-lenne")
    data = ProjectInputSchema().load({**snapshot(project), "slug": "standesamtsbezirk-untere-lenne"})
    update_project(project, data, "test")
    db.session.commit()
    response = client.get("/projekte/standesamt-untere-lenne")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/projekte/standesamtsbezirk-untere-lenne")


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_drafts_and_archived_profiles_are_not_public(make_project, client, status):
    project = make_project(status=status)
    page(client, f"/projekte/{project.slug}", status=404)
    assert project.title not in page(client, "/projekte")
    assert project.title not in page(client, "/")
    page(client, f"/organisationen/{project.lead.slug}", status=404)
    page(client, "/stichworte/standesamt", status=404)


def test_unpublishing_removes_the_page(make_project, client):
    project = make_project()
    page(client, f"/projekte/{project.slug}")
    change_status(project, "draft", "test")
    db.session.commit()
    page(client, f"/projekte/{project.slug}", status=404)


def test_plain_text_is_escaped_and_paragraphs_lists_kept(make_project, client):
    project = make_project(goal="<script>alert(1)</script>\n\n- erstens\n- zweitens")
    html = page(client, f"/projekte/{project.slug}")
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<li>erstens</li>" in html


# ---------------------------------------------------------------- organisations and keywords


def test_organisation_page_lists_cooperations_as_lead_and_partner(seeded, client):
    html = page(client, "/organisationen/gemeinde-nottuln")
    assert "Hauptverantwortlich für" in html and "Beteiligt an" in html
    assert "Finanzzentrum Baumberge" in html and "Sperrabfall vom Wertstoffhof" in html
    assert "05558032" in html and "19.436" in html


def test_organisation_list(seeded, client):
    html = page(client, "/organisationen")
    assert 'href="/organisationen/stadt-arnsberg"' in html
    assert "Bezirksregierung Detmold" in html


def test_keyword_pages(seeded, client):
    html = page(client, "/stichworte")
    assert 'href="/stichworte/klimaschutz"' in html
    detail = page(client, "/stichworte/klimaschutz")
    assert "Gemeinsame Klimaschutzmanagerin GVV Denzlingen-Vörstetten-Reute" in detail
    assert "/projekte?stichwort=Klimaschutz" in detail


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "url", ["/projekte/gibt-es-nicht", "/organisationen/nirgendwo", "/stichworte/nichts", "/nirgends"]
)
def test_helpful_404_pages(client, url):
    html = page(client, url, status=404)
    assert "Seite nicht gefunden" in html and 'href="/projekte"' in html


def test_helpful_400_page_names_the_problem(client):
    html = page(client, "/projekte?land=Bayern", status=400)
    assert "Ungültige Anfrage" in html and "DE-NW" in html


def test_every_asset_is_local(seeded, client):
    for url in ("/", "/projekte", "/projekte/gemeinsam-nachhaltig-erfolgreich"):
        # Canonical address, language alternates, feeds and DCAT documents are metadata, not loaded assets.
        html = re.sub(r'<link rel="(?:canonical|alternate)"[^>]*>', "", page(client, url))
        assert not re.search(
            r'(src|href)="(https?:)?//(?!www\.|[a-z0-9.-]+\.(de|nrw|example)/)', html.replace('rel="noopener"', "")
        )
        for asset in re.findall(r'<(?:link|script)[^>]+(?:href|src)="([^"]+)"', html):
            assert asset.startswith("/static/"), asset
    with client.get("/static/catalogue.css") as response:
        assert response.status_code == 200 and response.mimetype == "text/css"


def test_page_links_show_first_last_and_the_neighbourhood():
    from catalogue.formatting import page_window

    assert page_window(1, 1) == [1]
    assert page_window(1, 3) == [1, 2, 3]
    assert page_window(4, 7) == [1, 2, 3, 4, 5, 6, 7]
    assert page_window(5, 10) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert page_window(10, 10) == [1, None, 8, 9, 10]
