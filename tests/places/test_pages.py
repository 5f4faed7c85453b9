"""Place pages, the partner search, the overview map and the Kurzprofil's sources (HTML)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest


@pytest.fixture
def catalogue(seeded, sample_register):
    """The real seed profiles and the sample register."""


def _text(response) -> str:
    body = re.sub(r"<(script|svg)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_place_page_shows_facts_sources_map_and_cooperations(client, catalogue):
    response = client.get("/kommunen/05958044-sundern-sauerland")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), _text(response)
    assert "Sundern (Sauerland) (Stadt)" in text
    assert "27.725 (Destatis GV-ISys (Ausgabe vor 2021))" in text
    assert "193,27 km² (Destatis GV-ISys)" in text and "59846" in text
    assert 'href="/kommunen/05958-hochsauerlandkreis"' in html
    assert "Gemeinsam nachhaltig erfolgreich" in text  # its own cooperation
    # nearby: Standesamt Untere Lenne (Altena, Märkischer Kreis), with the distance
    assert re.search(r"Standesamt Untere Lenne – Stadt Altena \(Westf\.\), \d+,\d km entfernt", text)
    # the map: SVG with the place's outline, its text alternative and the attribution
    assert re.search(r'<svg viewBox="0 0 600\.0 [\d.]+" role="img"', html)
    assert "place-map__area--focus" in html
    assert "Orte auf der Karte als Liste" in text
    assert '<a href="https://www.bkg.bund.de" rel="noopener">© GeoBasis-DE / BKG 2021 (Daten verändert)</a>' in html
    assert "© Statistisches Bundesamt (Destatis)" in text


def test_place_urls_redirect_to_the_canonical_slug_and_unknown_keys_are_404(client, catalogue):
    assert client.get("/kommunen/05958044").headers["Location"].endswith("/kommunen/05958044-sundern-sauerland")
    assert client.get("/kommunen/05958044-falsch").status_code == 301
    for url in (
        "/kommunen/99999999-nirgendwo",
        "/kommunen/05-nordrhein-westfalen",
        "/kommunen/abc",
        "/kommunen/059-reg-bez-arnsberg",
        "/kommunen/%00",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Gemeindeverzeichnis" in _text(response)


def test_a_place_without_cooperation_says_how_to_get_listed(client, catalogue, app):
    text = _text(client.get("/kommunen/05958012-brilon"))
    assert "Für Brilon ist noch keine Zusammenarbeit im Katalog verzeichnet." in text
    assert "Die Redaktion dieses Katalogs nimmt Profile auf" in text
    # districts and associations have pages too
    assert client.get("/kommunen/05958-hochsauerlandkreis").status_code == 200
    assert client.get("/kommunen/147295307-naunhof").status_code == 200


def test_kurzprofil_keeps_the_editors_figure_and_links_the_place(client, catalogue):
    text = _text(client.get("/projekte/gemeinsam-nachhaltig-erfolgreich"))
    # record 002: 73.487 inhabitants per IT.NRW on 31.12.2020 win over the register's 73.456
    assert "Einwohner 73.487 (IT.NRW, Stand 31.12.2020)" in text and "73.456" not in text
    assert "Ort Arnsberg (Stadt, Schlüssel 05958004)" in text
    assert "Beteiligte auf der Karte" in text
    organisation = client.get("/organisationen/stadt-altena-westf").get_data(as_text=True)
    assert 'href="/kommunen/05962004-altena"' in organisation


def test_partner_search_disambiguates_and_ranks_by_topic_and_distance(client, catalogue):
    choose = client.get("/partnersuche?ort=Neustadt&thema=Standesamt&umkreis=80")
    text = _text(choose)
    assert choose.status_code == 200 and "Welche Kommune meinen Sie?" in text
    assert "Neustadt (Hessen), Stadt – " in text and 'name="schluessel" value="06534016"' in choose.get_data(
        as_text=True
    )
    assert 'type="hidden" name="thema" value="Standesamt"' in choose.get_data(as_text=True)

    result = client.get("/partnersuche?ort=Sundern&thema=Standesamt&umkreis=50")
    text = _text(result)
    assert "Kooperationen im Umkreis von 50 km um Sundern (Sauerland): 1" in text
    assert "Standesamt Untere Lenne" in text and re.search(
        r"Nächste Beteiligte: Stadt Altena \(Westf\.\) ?, \d+,\d km entfernt", text
    )
    assert "Ergebnisse als Liste" in text

    empty = client.get("/partnersuche?schluessel=05958044&thema=Klärschlamm&umkreis=30")
    assert "Im Umkreis von 30 km wurde keine passende Zusammenarbeit gefunden." in _text(empty)
    assert "umkreis=100" in empty.get_data(as_text=True)


def test_partner_search_size_filters(client, catalogue):
    # Sundern has 27,725 inhabitants: similar is 18,483 to 41,588, which Altena (16,718) is not
    similar = _text(client.get("/partnersuche?schluessel=05958044&thema=Standesamt&umkreis=50&groesse=aehnlich"))
    assert "Kooperationen im Umkreis von 50 km um Sundern (Sauerland): 0" in similar
    ranged = _text(
        client.get(
            "/partnersuche?schluessel=05958044&thema=Standesamt&umkreis=50&groesse=bereich&einwohner_von=10000&einwohner_bis=20000"
        )
    )
    assert "Kooperationen im Umkreis von 50 km um Sundern (Sauerland): 1" in ranged


@pytest.mark.parametrize(
    "query",
    [
        "umkreis=5",
        "umkreis=500",
        "umkreis=abc",
        "schluessel=123",
        "schluessel=99999999",
        "groesse=riesig",
        "einwohner_von=-5",
        "land=XX",
        "schluessel=05958044&thema=" + "a" * 600,
    ],
)
def test_bad_partner_search_input_is_a_400_page(client, catalogue, query):
    response = client.get("/partnersuche?" + query)
    assert response.status_code in (400, 413), query
    assert "text/html" in response.content_type


def test_overview_map_aggregates_by_district_with_a_text_alternative(client, catalogue):
    response = client.get("/karte")
    text, html = _text(response), response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kreise mit Anzahl der Kooperationen" in text
    assert re.search(r'<a href="/kommunen/05558-coesfeld">Kreis Coesfeld</a> <span class="muted">\(2\)</span>', html)
    assert "place-map__marker--district" in html


def test_public_place_urls_lists_every_place_page(app, sample_register):
    from catalogue.places import public_place_urls

    with app.test_request_context():
        urls = public_place_urls()
    assert "http://localhost/kommunen/05958044-sundern-sauerland" in urls
    assert "http://localhost/kommunen/05958-hochsauerlandkreis" in urls
    assert not [url for url in urls if "/kommunen/05-" in url or "/kommunen/059-" in url]  # no state or RB pages


def _form_query(html: str, **typed) -> str:
    """The partner-search form as a browser without JavaScript sends it: every field's current
    value (hidden ones included, radios and checkboxes only when checked), with `typed` changed."""
    form = re.search(r'<form class="partner-form".*?</form>', html, flags=re.S).group(0)
    pairs = []
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]*)"', tag)
        if not name or (kind and kind.group(1) in ("radio", "checkbox") and "checked" not in tag):
            continue
        pairs.append((name.group(1), value.group(1) if value else ""))
    for select in re.findall(r'<select\b[^>]*name="([^"]*)".*?</select>', form, flags=re.S):
        pairs.append((select, ""))
    pairs = [(name, typed.get(name, unescape(value))) for name, value in pairs]
    return urlencode(pairs)


def test_a_newly_typed_town_wins_over_the_key_of_the_previous_search(client, catalogue):
    first = client.get("/partnersuche?ort=Sundern&thema=Standesamt&umkreis=50").get_data(as_text=True)
    assert 'type="hidden" name="schluessel" value="05958044"' in first
    # Without JavaScript nothing clears the hidden key: the form sends it with the new town.
    again = _form_query(first, ort="Altena")
    assert "schluessel=05958044" in again and "ort=Altena" in again
    text = _text(client.get("/partnersuche?" + again))
    assert "Kooperationen im Umkreis von 50 km um Altena:" in text, text[:400]
    # a new name that fits several places asks which one, instead of keeping the old key
    choose = _text(client.get("/partnersuche?" + _form_query(first, ort="Neustadt")))
    assert "Welche Kommune meinen Sie?" in choose
    # the key's own place, however it is typed, keeps the key (and so the chosen Neustadt)
    for typed in ("Neustadt (Hessen)", "neustadt", "Stadt Neustadt (Hessen)", "06534016", "35279", ""):
        kept = _text(client.get("/partnersuche", query_string={"ort": typed, "schluessel": "06534016"}))
        assert "um Neustadt (Hessen):" in kept, typed
    # a shared address with the key alone still works; the page's own link carries only the key
    shared = client.get("/partnersuche?schluessel=05962004&thema=Standesamt").get_data(as_text=True)
    assert "um Altena:" in _text(client.get("/partnersuche?schluessel=05962004&thema=Standesamt"))
    link = re.search(r'<a href="([^"]*)">Link zu dieser Suche</a>', shared).group(1)
    assert "schluessel=05962004" in link and "ort=" not in link
    relinked = re.search(
        r'<a href="([^"]*)">Link zu dieser Suche</a>', client.get("/partnersuche?" + again).get_data(as_text=True)
    )
    assert "ort=" not in relinked.group(1) and "schluessel=05962004" in relinked.group(1)


def test_keywords_can_be_chosen_as_the_topic_in_the_form(client, catalogue):
    html = client.get("/partnersuche").get_data(as_text=True)
    form = re.search(r'<form class="partner-form".*?</form>', html, flags=re.S).group(0)
    group = re.search(r"<fieldset[^>]*>\s*<legend>Stichworte</legend>.*?</fieldset>", form, flags=re.S)
    assert group, "no keyword group in the partner-search form"
    boxes = re.findall(r'<input type="checkbox" id="([^"]+)" name="stichwort" value="([^"]+)"', group.group(0))
    assert ("Standesamt" in [value for _, value in boxes]) and len(boxes) > 10
    for box_id, _ in boxes:  # every box has its label
        assert f'<label for="{box_id}">' in group.group(0)
    # ticking a box sends the keyword: the same search as ?stichwort=…, and the box stays ticked
    query = _form_query(html, ort="Sundern", umkreis="50") + "&stichwort=Standesamt"
    result = client.get("/partnersuche?" + query)
    text, page = _text(result), result.get_data(as_text=True)
    assert "Kooperationen im Umkreis von 50 km um Sundern (Sauerland): 1" in text
    assert "Standesamt Untere Lenne" in text
    assert re.search(r'name="stichwort" value="Standesamt" checked', page)
    # a keyword the catalogue no longer has stays shown and ticked (it came with a shared link)
    gone = client.get("/partnersuche?schluessel=05958044&stichwort=Gibtsnicht").get_data(as_text=True)
    assert re.search(r'name="stichwort" value="Gibtsnicht" checked', gone)


def test_search_results_have_a_map_of_the_participants_after_the_results(client, catalogue):
    response = client.get("/suche?q=Standesamt")
    html, text = response.get_data(as_text=True), _text(response)
    assert response.status_code == 200
    figure = re.search(r'<figure class="place-map" id="karte-suche".*?</figure>', html, flags=re.S)
    assert figure, "no map on /suche"
    assert re.search(r'<svg viewBox="[^"]+" role="img"', figure.group(0))
    assert 'href="/organisationen/stadt-altena-westf"' in figure.group(0)  # text alternative with links
    assert "Beteiligte dieser Seite als Liste" in text
    assert "© GeoBasis-DE / BKG 2021 (Daten verändert)" in figure.group(0)
    assert "© Statistisches Bundesamt (Destatis)" in figure.group(0)
    # the results come first (on a phone too): the map follows the last result card
    assert html.index('id="karte-suche"') > html.rindex('class="card')
    assert "leaflet.js" in html and "places/map.js" in html
    # only the profiles of the shown page: page by page, the map lists that page's participants
    seen = set()
    for number in (1, 2, 3):
        page = client.get(f"/suche?q=Standesamt&pro_seite=1&seite={number}").get_data(as_text=True)
        meta = re.search(r'<p class="card__meta">(.*?)</p>', page, flags=re.S).group(1)
        shown = re.search(r'id="karte-suche".*?</figure>', page, flags=re.S)
        names = re.findall(r'<li><a href="/organisationen/[^"]+">([^<]+)</a>', shown.group(0)) if shown else []
        assert all(name in meta for name in names), (number, names)
        seen.update(names)
    assert {"Stadt Altena (Westf.)", "Gemeinde Nachrodt-Wiblingwerde"} <= seen


def test_search_without_placed_participants_has_no_map(client, seeded):
    html = client.get("/suche?q=Standesamt").get_data(as_text=True)
    assert 'id="karte-suche"' not in html and "leaflet.js" not in html


def test_search_map_is_kept_per_version_and_follows_a_write(app, client, catalogue):
    """The results map is rendered once per catalogue version, page of profiles and language:
    its list is always the participants of the shown page, a write (an organisation renamed)
    shows on the next search, and a kept map is the one the macro draws."""
    from flask import get_template_attribute
    from sqlalchemy import select

    from catalogue.extensions import db
    from catalogue.models import Organisation, Project
    from catalogue.places.pages import participants_map
    from catalogue.services import log_projects

    def shown(url, language="de"):
        page = client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
        slugs = re.findall(r'class="card__title"[^>]*><a href="/projekte/([^"]+)"', page)
        figure = re.search(r'<figure class="place-map" id="karte-suche".*?</figure>', page, flags=re.S).group(0)
        return slugs, re.findall(r'<li><a href="/organisationen/[^"]+">([^<]+)</a>', figure), figure

    def participants(slugs):
        """The page's participants from the database, each once, in the page's order."""
        projects = [db.session.scalar(select(Project).where(Project.slug == slug)) for slug in slugs]
        return list(dict.fromkeys(p.organisation.name for project in projects for p in project.participations))

    slugs, names, figure = shown("/suche?q=Standesamt")
    assert "Stadt Altena (Westf.)" in names and names == participants(slugs)
    assert shown("/suche?q=Standesamt")[2] == figure  # kept: the same map again
    two = shown("/suche?q=Standesamt&pro_seite=1&seite=2")  # another page: its own participants
    assert two[1] == participants(two[0]) and two[1] != names
    # the language is part of the key: the English page gets the English map
    english = shown("/suche?q=Standesamt", "en")[2]
    assert "Participants of this page as a list" in english and "Karte:" not in english
    assert "Beteiligte dieser Seite als Liste" in shown("/suche?q=Standesamt")[2]
    # the kept map is the macro's map of the page's participants, byte for byte
    with app.test_request_context("/suche?q=Standesamt"):
        projects = [db.session.scalar(select(Project).where(Project.slug == slug)) for slug in slugs]
        organisations = {p.organisation.id: p.organisation for project in projects for p in project.participations}
        area = participants_map("Beteiligte der Treffer auf dieser Seite", organisations.values())
        figure_macro = get_template_attribute("places/_map.html", "map_figure")
        drawn = figure_macro(area, "karte-suche", "Beteiligte dieser Seite als Liste")
    assert str(drawn).strip() == figure
    # a write: the next search shows the new name (the catalogue's version moved on)
    town = db.session.scalar(select(Organisation).where(Organisation.name == "Stadt Altena (Westf.)"))
    town.name = "Stadt Altena an der Lenne"
    log_projects(p.project_id for p in town.participations)
    db.session.commit()
    slugs, names, _ = shown("/suche?q=Standesamt")
    assert "Stadt Altena an der Lenne" in names and "Stadt Altena (Westf.)" not in names
    assert names == participants(slugs)
