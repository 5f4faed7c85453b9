"""Maps, place pages and the partner search in Chromium, with and without JavaScript: the
interactive map, its keyboard use, the SVG and text alternative, and no third-party request."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conftest import BROWSER_TESTS, UNLABELLED_CONTROLS

pytestmark = BROWSER_TESTS
PAGES = [
    "/kommunen/05958044-sundern-sauerland",
    "/kommunen/05958-hochsauerlandkreis",
    "/karte",
    "/partnersuche?schluessel=05958044&thema=Standesamt&umkreis=50",
    "/projekte/standesamt-untere-lenne",
    "/organisationen/stadt-altena-westf",
    "/partnersuche?ort=Neustadt",
    "/suche?q=Standesamt",
]


@pytest.fixture
def live_server(live_server, seeded, sample_register):
    """The live server with the seed profiles and the sample register."""
    return live_server


def _watch_hosts(page) -> list[str]:
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or request.url))
    return hosts


@pytest.mark.parametrize("javascript", [True, False])
def test_no_page_requests_a_third_party_host(browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = context.new_page()
    hosts = _watch_hosts(page)
    for path in PAGES:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate(UNLABELLED_CONTROLS) == [], path
        # every map keeps its text alternative and the attribution of its data
        for figure in page.locator("figure.place-map").all():
            assert figure.locator("figcaption li a").count() >= 1, path
            assert "© GeoBasis-DE / BKG 2021 (Daten verändert)" in figure.inner_text()
            assert "© Statistisches Bundesamt (Destatis)" in figure.inner_text()
    assert set(hosts) == {"127.0.0.1"}, set(hosts)
    context.close()


def test_without_javascript_the_map_is_svg_and_the_partner_search_a_plain_form(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/kommunen/05958044-sundern-sauerland")
    assert page.locator("figure.place-map svg[role=img]").is_visible()
    assert page.locator(".leaflet-container").count() == 0
    assert page.locator("figcaption a", has_text="Stadt Altena (Westf.)").count() == 1

    page.goto(live_server + "/partnersuche")
    page.fill("#ort", "Neustadt")
    page.fill("#thema", "Standesamt")
    page.fill("#umkreis", "100")
    page.click("button:has-text('Partner suchen')")
    assert page.locator("h2", has_text="Welche Kommune meinen Sie?").is_visible()
    page.check("input[name=schluessel][value='06534016']")
    page.click("button:has-text('Mit dieser Kommune suchen')")
    assert "schluessel=06534016" in page.url and "thema=Standesamt" in page.url and "umkreis=100" in page.url
    assert "um Neustadt (Hessen):" in page.locator("h2#ergebnisse").inner_text()
    # another town typed into the same form: the hidden key of the last search must not win
    page.fill("#ort", "Altena")
    page.fill("#thema", "")
    page.check("input[name=stichwort][value=Standesamt]")
    page.click("button:has-text('Partner suchen')")
    assert "um Altena:" in page.locator("h2#ergebnisse").inner_text()
    assert "stichwort=Standesamt" in page.url
    assert page.locator("input[name=stichwort][value=Standesamt]").is_checked()
    # the search results' map without JavaScript: the SVG, and its text list after the results
    page.goto(live_server + "/suche?q=Standesamt")
    assert page.locator("#karte-suche svg[role=img]").is_visible()
    assert page.locator("#karte-suche figcaption a", has_text="Stadt Altena (Westf.)").count() == 1
    context.close()


def test_with_javascript_the_map_is_interactive_and_keyboard_operable(browser, live_server):
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/partnersuche?schluessel=05958044&thema=Standesamt&umkreis=50")
    map_box = page.locator("#karte-partner .leaflet-container")
    map_box.wait_for()
    assert page.locator("#karte-partner svg[role=img]").is_hidden()
    assert page.locator("#karte-partner .leaflet-tile").count() == 0  # no tile background by default
    assert "© GeoBasis-DE / BKG 2021" in page.locator("#karte-partner .leaflet-control-attribution").inner_text()
    # the map takes focus and pans with the arrow keys
    map_box.focus()
    before = page.evaluate("() => document.querySelector('#karte-partner .leaflet-map-pane').style.transform")
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(400)
    after = page.evaluate("() => document.querySelector('#karte-partner .leaflet-map-pane').style.transform")
    assert before != after
    # every marker is reachable with Tab and opens its link with Enter
    markers = page.locator("#karte-partner .leaflet-marker-icon")
    assert markers.count() == 2  # Sundern and the one result's nearest participant
    assert all(m.get_attribute("tabindex") == "0" for m in markers.all())
    result = page.locator("#karte-partner .leaflet-marker-icon[title^='Standesamt Untere Lenne']")
    result.focus()
    page.keyboard.press("Enter")
    link = page.locator("#karte-partner .leaflet-popup a", has_text="Standesamt Untere Lenne")
    link.wait_for()
    assert link.get_attribute("href") == "/projekte/standesamt-untere-lenne"
    # the text alternative stays under the interactive map
    assert page.locator("#karte-partner figcaption a", has_text="Standesamt Untere Lenne").is_visible()
    # the search results' map is the same component, interactive too
    page.goto(live_server + "/suche?q=Standesamt")
    page.locator("#karte-suche .leaflet-container").wait_for()
    assert page.locator("#karte-suche .leaflet-marker-icon[title='Stadt Altena (Westf.)']").count() == 1
    assert page.locator("#karte-suche figcaption a", has_text="Stadt Altena (Westf.)").is_visible()
    context.close()


def test_place_autocomplete_tells_places_apart_and_picks_one_by_keyboard(browser, live_server):
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/partnersuche")
    page.locator("#ort").press_sequentially("Neustadt", delay=20)
    options = page.locator("[role=listbox] [role=option]")
    options.first.wait_for()
    assert options.count() == 10
    texts = options.all_inner_texts()
    assert any("Neustadt (Hessen), Stadt – " in text and "(06534016)" in text for text in texts)
    assert page.get_attribute("#ort", "aria-expanded") == "true"
    target = next(n for n, text in enumerate(texts) if "(06534016)" in text)
    for _ in range(target + 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#ort") == "Neustadt (Hessen)"
    page.fill("#thema", "Standesamt")
    page.click("button:has-text('Partner suchen')")
    assert "schluessel=06534016" in page.url
    assert "um Neustadt (Hessen):" in page.locator("h2#ergebnisse").inner_text()
    context.close()
