"""The editing area in a real headless Chromium (Debian's /usr/bin/chromium via Playwright):
log in, create a profile with two partners, publish it and find it through the public search."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD
from conftest import BROWSER_TESTS, UNLABELLED_CONTROLS

pytestmark = BROWSER_TESTS


@pytest.fixture
def live_server(live_server, users):
    """The live server, with the test accounts loaded first."""
    return live_server


@pytest.mark.parametrize("javascript", [True, False])
def test_log_in_create_publish_and_find_a_profile(app, browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = context.new_page()
    csp_violations = []
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
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

    page.goto(live_server + "/suche?q=" + title.split()[1])
    page.click(f"text={title}")
    assert page.locator("h1").inner_text() == title
    assert "Gemeinde Oberau" in page.inner_text("main") and "Markt Niederau" in page.inner_text("main")
    assert csp_violations == []
    context.close()


def _log_in(browser, live_server, username="editor"):
    page = browser.new_page()
    page.goto(live_server + "/admin/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/admin/")
    return page


def test_autocomplete_works_with_the_keyboard(browser, live_server, make_project):
    make_project()  # Stadt Musterstadt (AGS 05999001), keywords Standesamt and Verwaltung
    page = _log_in(browser, live_server)
    page.goto(live_server + "/admin/projekte/neu")
    name = page.locator("#participants-0-name")
    assert name.get_attribute("role") == "combobox" and name.get_attribute("aria-expanded") == "false"
    page.focus("#participants-0-name")
    page.keyboard.type("muster")
    page.wait_for_selector("#participants-0-name-vorschlaege [role=option]", state="visible")
    assert name.get_attribute("aria-expanded") == "true"
    assert page.inner_text("#participants-0-name-vorschlaege [role=option]").startswith("Stadt Musterstadt")
    page.keyboard.press("ArrowDown")
    assert name.get_attribute("aria-activedescendant") == "participants-0-name-vorschlaege-0"
    assert page.get_attribute("#participants-0-name-vorschlaege-0", "aria-selected") == "true"
    page.keyboard.press("Enter")  # takes the suggestion and does not submit the form
    assert page.input_value("#participants-0-name") == "Stadt Musterstadt"
    assert page.input_value("#participants-0-ags") == "05999001"
    assert (
        page.input_value("#participants-0-state") == "DE-NW"
        and page.input_value("#participants-0-district") == "Kreis Muster"
    )
    assert name.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "participants-0-name"
    assert "gewählt" in page.inner_text("#admin-status")
    # Escape closes the list and keeps what was typed (a new organisation is free text).
    page.fill("#participants-0-name", "")
    page.keyboard.type("Muster")
    page.wait_for_selector("#participants-0-name-vorschlaege [role=option]", state="visible")
    page.keyboard.press("Escape")
    assert name.get_attribute("aria-expanded") == "false" and page.input_value("#participants-0-name") == "Muster"
    # Keywords: pick an existing one with the keyboard; it lands in the keyword field.
    page.fill("#keywords", "Bildung")
    page.focus("#keyword_pick")
    page.keyboard.type("stand")
    page.wait_for_selector("#keyword_pick-vorschlaege [role=option]", state="visible")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#keywords") == "Bildung, Standesamt" and page.input_value("#keyword_pick") == ""
    # A new keyword typed into the picker is added with Enter as well.
    page.keyboard.type("Ehrenamt")
    page.keyboard.press("Enter")
    assert page.input_value("#keywords") == "Bildung, Standesamt, Ehrenamt"
    assert page.url.endswith("/admin/projekte/neu") and "Profil angelegt" not in page.content()
    page.close()


def test_admin_pages_are_labelled_and_the_error_summary_leads_to_the_fields(
    app, browser, live_server, make_project, users
):
    from catalogue.editing import propose_change
    from catalogue.extensions import db
    from catalogue.schemas import ProjectInputSchema
    from catalogue.services import update_project

    from conftest import project_data

    project = make_project()
    # A proposal whose profile changed since: its page shows the conflict and the consent checkbox.
    proposal = propose_change(project, project_data(summary="Ein Vorschlag."), users["limited"], project.version)
    update_project(project, ProjectInputSchema().load(project_data(goal="Inzwischen anders.")), "test")
    db.session.commit()
    page = _log_in(browser, live_server, "admin")
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    pages = [
        "/admin/",
        "/admin/projekte",
        "/admin/projekte/neu",
        f"/admin/projekte/{project.id}",
        f"/admin/projekte/{project.id}/verlauf",
        "/admin/organisationen",
        f"/admin/organisationen/{project.lead.slug}",
        "/admin/stichworte",
        f"/admin/stichworte/{project.keywords[0].slug}",
        "/admin/benutzer",
        "/admin/benutzer/1",
        "/admin/tokens",
        "/admin/protokoll",
        "/admin/vorschlaege",
        f"/admin/vorschlaege/{proposal.id}",
    ]
    for path in pages:
        page.goto(live_server + path)
        assert page.evaluate(UNLABELLED_CONTROLS) == [], path
        duplicates = page.evaluate(
            "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id); return ids.filter((id, i) => ids.indexOf(id) !== i); }"
        )
        assert duplicates == [], (path, duplicates)
        assert page.locator("h1").count() == 1, path
    assert page.is_visible("#overwrite")  # the last page: the proposal with its conflict
    assert violations == []
    # A rejected save: the summary takes the focus, and its first link the keyboard into the field.
    page.goto(live_server + "/admin/projekte/neu")
    page.fill("#title", "ab")
    page.fill("#since_year", "1800")
    page.click("button[name=save]")
    page.wait_for_selector("#fehler")
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "fehler"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#title"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "title"
    assert page.get_attribute("#title", "aria-invalid") == "true"
    assert "title-error" in page.get_attribute("#title", "aria-describedby")
    assert page.input_value("#since_year") == "1800"
    page.close()


def test_typed_input_survives_an_expired_login(browser, live_server):
    """The session ends while the editor types: the save leads to the login, and after it the
    form is back with everything typed, focused on the notice, saved only by a new click."""
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/admin/login")
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/admin/")
    page.goto(live_server + "/admin/projekte/neu")
    page.fill("#title", "Gemeinsames Archiv Talaue")
    page.fill("#goal", "Akten sicher und gemeinsam aufbewahren.\n\n- digital\n- vor Ort")
    page.fill("#participants-0-name", "Gemeinde Talaue")
    context.clear_cookies()  # the session is gone: no login, no CSRF session
    page.click("button[name=save]")
    page.wait_for_url(lambda url: "/admin/login?next=" in url)
    assert "Ihre Anmeldung war abgelaufen" in page.inner_text(".flashes")
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/admin/projekte/neu")
    page.wait_for_load_state()
    assert page.input_value("#title") == "Gemeinsames Archiv Talaue"
    assert page.input_value("#goal") == "Akten sicher und gemeinsam aufbewahren.\n\n- digital\n- vor Ort"
    assert page.input_value("#participants-0-name") == "Gemeinde Talaue"
    assert "noch nicht gespeichert" in page.inner_text("#fehler")
    assert page.evaluate("document.activeElement.id") == "fehler"
    page.click("button[name=save]")
    assert "Profil angelegt." in page.inner_text(".flashes")
    assert page.input_value("#title") == "Gemeinsames Archiv Talaue"
    context.close()
