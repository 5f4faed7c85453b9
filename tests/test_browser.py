"""The public pages in a real headless Chromium (Debian's /usr/bin/chromium via Playwright):
layout on a phone and a desktop, landmarks and labels, and the filter form without JavaScript."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("CATALOGUE_CHROMIUM", "/usr/bin/chromium"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing (apt-get install chromium)"),
]
# The flags keep Chromium from calling out to Google's services on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app, seeded):
    """The app served over real HTTP on a free local port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


NO_OVERFLOW = "() => document.scrollingElement.scrollWidth <= window.innerWidth + 1"
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)"""


@pytest.mark.parametrize("width,language", [(390, "de"), (1280, "de"), (390, "en")])
def test_every_page_type_lays_out_and_is_structured(browser, live_server, width, language, tmp_path):
    # English words are often longer than the German ones' room, and vice versa: check both on a phone.
    context = browser.new_context(viewport={"width": width, "height": 900}, locale={"de": "de-DE", "en": "en-GB"}[language])
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
    page.select_option("#f-land", "DE-SN")
    page.click("form.filters button[type=submit]")
    assert "land=DE-SN" in page.url
    assert page.locator(".card__title").count() == 2
    assert "2 Projekte" in page.inner_text("#result-heading")
    page.click("text=Interkommunaler Verbundraum Region Partheland")
    assert page.locator("h1").inner_text() == "Interkommunaler Verbundraum Region Partheland"
    context.close()
