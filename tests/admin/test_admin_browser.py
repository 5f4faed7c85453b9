"""The editing area in a real headless Chromium (Debian's /usr/bin/chromium via Playwright):
log in, create a profile with two partners, publish it and find it through the public search."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from .conftest import PASSWORD

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
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app, users):
    """The app served over real HTTP on a free local port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.mark.parametrize("javascript", [True, False])
def test_log_in_create_publish_and_find_a_profile(app, browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = context.new_page()
    csp_violations = []
    page.on("console", lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(live_server + "/admin/projekte/neu")
    assert "/admin/login" in page.url  # not without login
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    assert page.url.endswith("/admin/projekte/neu")

    title = "Gemeinsame Musikschule Oberland" if javascript else "Gemeinsame Volkshochschule Unterland"
    page.fill("#title", title)
    page.fill("#summary", "Zwei Gemeinden betreiben eine Schule zusammen.")
    page.fill("#keywords", "Bildung, Kultur")
    page.select_option("#participants-0-role", "lead")
    page.fill("#participants-0-name", "Gemeinde Oberau")
    page.click("button[data-add-row=participants]")  # a server round trip: nothing typed is lost
    assert page.input_value("#title") == title
    page.fill("#participants-1-name", "Markt Niederau")
    page.fill("#goal", "Musikunterricht für alle Kinder der Region.")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.click("button[name=save]")
    assert "Profil angelegt." in page.inner_text(".flashes")

    page.click("button:has-text('Veröffentlichen')")
    assert "Status: Veröffentlicht." in page.inner_text(".flashes")

    public_search = any(rule.rule == "/suche" for rule in app.url_map.iter_rules())
    if public_search:
        page.goto(live_server + "/suche?q=" + title.split()[1])
    else:
        page.goto(live_server + "/projekte")
    page.click(f"text={title}")
    assert page.locator("h1").inner_text() == title
    assert "Gemeinde Oberau" in page.inner_text("main") and "Markt Niederau" in page.inner_text("main")
    assert csp_violations == []
    context.close()


def test_organisation_autocomplete_fills_the_datalist(app, browser, live_server, make_project):
    make_project()
    page = browser.new_page()
    page.goto(live_server + "/admin/login")
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.goto(live_server + "/admin/projekte/neu")
    page.type("#participants-0-name", "Muster")
    page.wait_for_function("() => document.querySelectorAll('#organisation-suggestions option').length > 0")
    assert page.eval_on_selector("#organisation-suggestions option", "o => o.value") == "Stadt Musterstadt"
    page.fill("#participants-0-name", "Stadt Musterstadt")
    page.dispatch_event("#participants-0-name", "input")
    assert page.input_value("#participants-0-ags") == "05999001"
    page.close()
