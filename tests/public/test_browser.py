"""The public pages in a real headless Chromium (Debian's /usr/bin/chromium via Playwright):
layout on a phone and a desktop, landmarks and labels, and the filter form without JavaScript."""

from __future__ import annotations

import pytest

from conftest import BROWSER_TESTS, UNLABELLED_CONTROLS

pytestmark = BROWSER_TESTS
PAGES = [
    "/",
    "/projekte",
    "/projekte?stichwort=Klima&land=DE-NW",
    "/projekte/gemeinsam-nachhaltig-erfolgreich",
    "/projekte/interkommunaler-verbundraum-region-partheland",
    "/organisationen",
    "/organisationen/stadt-arnsberg",
    "/stichworte",
    "/stichworte/standesamt",
    "/projekte/gibt-es-nicht",
]


@pytest.fixture
def live_server(live_server, seeded):
    """The live server, with the seed data loaded first."""
    return live_server


NO_OVERFLOW = "() => document.scrollingElement.scrollWidth <= window.innerWidth + 1"


@pytest.mark.parametrize("width,language", [(390, "de"), (1280, "de"), (390, "en")])
def test_every_page_type_lays_out_and_is_structured(browser, live_server, width, language, tmp_path):
    # English words are often longer than the German ones' room, and vice versa: check both on a phone.
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale={"de": "de-DE", "en": "en-GB"}[language]
    )
    page = context.new_page()
    for path in PAGES:
        response = page.goto(live_server + path)
        assert response.status == (404 if "gibt-es-nicht" in path else 200), path
        assert page.evaluate(NO_OVERFLOW), f"{path} scrolls sideways at {width}px"
        assert page.locator("h1").count() == 1, path
        assert page.get_attribute("html", "lang") == language
        assert page.locator("main#inhalt").count() == 1 and page.locator("nav").count() >= 1
        assert page.evaluate(UNLABELLED_CONTROLS) == [], path
        page.screenshot(path=str(tmp_path / f"{width}{path.replace('/', '_')[:60]}.png"), full_page=True)
    context.close()


def test_skip_link_is_the_first_stop_and_reaches_the_content(browser, live_server):
    page = browser.new_page(locale="de-DE")
    page.goto(live_server + "/projekte")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == "#inhalt"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#inhalt"
    page.close()


def test_filter_form_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/projekte")
    page.click("#filter-panel > summary")
    page.check("input[name=land][value=DE-SN]")
    page.click("#filter-panel button[type=submit]")
    assert "land=DE-SN" in page.url
    assert page.locator(".card__title").count() == 2
    assert "2 Projekte" in page.inner_text("#result-heading")
    page.click("text=Interkommunaler Verbundraum Region Partheland")
    assert page.locator("h1").inner_text() == "Interkommunaler Verbundraum Region Partheland"
    context.close()
