"""axe-core (vendored, tests/a11y/vendor) in a real Chromium on every public and admin page
type, in German and English, on load and after interacting (suggestions open, typed, clicked):
no violation of WCAG 2.0/2.1 A and AA. And at 320 px no page scrolls sideways (WCAG 1.4.10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from catalogue.accounts import create_user
from catalogue.extensions import db
from catalogue.models import Keyword, Organisation, Participation, Project, User
from catalogue.places.loading import load_places, parse_register
from catalogue.places.register_file import read_register

from conftest import BROWSER_TESTS

pytestmark = BROWSER_TESTS
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PLACES_SAMPLE = Path(__file__).resolve().parent.parent / "places" / "files" / "register-sample.csv"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "ein sehr langes Passwort"
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return result.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ")) }));
}"""
#: The interactive maps are drawn: Leaflet replaced every server-drawn SVG map, and two animation
#: frames passed (map.js draws on DOMContentLoaded, before `load`, from data in the page: no
#: request to wait for, so no "network idle" and its half second of quiet per page).
MAPS_DRAWN = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(
  [...document.querySelectorAll(".place-map__canvas[data-map]")].every(c => c.classList.contains("is-interactive"))))))"""
OVERFLOW = """() => [document.scrollingElement.scrollWidth, window.innerWidth,
  [...document.querySelectorAll("body *")].filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 3).map(el => el.tagName + "." + el.className)]"""

PUBLIC = [
    "/",
    "/projekte",
    "/projekte?stichwort=Klima&land=DE-NW&pro_seite=5",
    "/projekte?pro_seite=5&seite=2",
    "/projekte/gemeinsam-nachhaltig-erfolgreich",
    "/projekte/finanzzentrum-baumberge",
    "/organisationen",
    "/organisationen/stadt-arnsberg",
    "/stichworte",
    "/stichworte/standesamt",
    "/suche?q=Verwaltung&land=DE-NW",
    "/suche?q=Digitalisirung",
    "/suche?q=Digitalisirng+Netzwrk",
    "/karte",
    "/partnersuche",
    "/statistik",
    "/api/v1/",
    "/projekte/gibt-es-nicht",
    "/projekte?land=Bayern",
]


@pytest.fixture
def live_server(live_server, seeded):
    create_user("redakteurin", PASSWORD, "admin", "test")
    db.session.commit()
    return live_server


def check(page, where: str) -> None:
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE, TAGS)
    assert violations == [], f"{where}: {violations}"


def narrow_fits(page, where: str) -> None:
    width, viewport, wide = page.evaluate(OVERFLOW)
    assert width <= viewport + 1, f"{where} is {width} px wide at {viewport} px: {wide}"


def _context(browser, language: str, width: int = 1280):
    # bypass_csp: the site's Content-Security-Policy rightly refuses the injected axe script.
    return browser.new_context(
        locale={"de": "de-DE", "en": "en-GB"}[language], bypass_csp=True, viewport={"width": width, "height": 900}
    )


def _place_page(page, base: str) -> list[str]:
    page.goto(base + "/organisationen/stadt-arnsberg")
    return page.eval_on_selector_all("a[href^='/kommunen/']", "links => links.map(a => a.getAttribute('href'))")[:1]


@pytest.mark.parametrize("language", ["de", "en"])
def test_public_pages_on_load(browser, live_server, language):
    context = _context(browser, language)
    page = context.new_page()
    for path in PUBLIC + _place_page(page, live_server):
        response = page.goto(live_server + path)
        assert response.status in (200, 400, 404), path
        check(page, f"{language} {path}")
    context.close()


@pytest.mark.parametrize("language", ["de", "en"])
def test_public_pages_while_interacting(browser, live_server, language):
    context = _context(browser, language, width=390)
    page = context.new_page()
    page.goto(live_server + "/projekte")
    page.fill("#site-search-q", "Arns")
    page.wait_for_selector("#site-search-suggestions [role=option]", state="visible")
    check(page, "suggestions open")
    status = page.inner_text(".site-search [role=status]")
    assert re.match(r"\d+ (Vorschläge|suggestions)", status), status
    kinds = page.locator(".site-search__kind").all_inner_texts()
    assert any("Organisation" in kind for kind in kinds)
    if language == "en":
        assert not any("Stichwort" in kind for kind in kinds)  # labels in the page's language
        assert page.get_attribute("#site-search-suggestions", "aria-label") == "Suggestions"
    page.press("#site-search-q", "ArrowDown")
    check(page, "suggestion highlighted")
    page.click(".site-footer")  # anywhere else: the list closes
    assert page.locator("#site-search-suggestions").is_hidden()
    assert page.get_attribute("#site-search-q", "aria-expanded") == "false"
    check(page, "after a click elsewhere")
    page.click("#filter-panel > summary")
    page.check("input[name=land] >> nth=0")
    check(page, "filters open, one ticked")
    with page.expect_navigation():
        page.click("#filter-panel button[type=submit]")
    check(page, "filtered list")
    page.click("#filter-panel > summary")
    page.fill("#f-seit-von", "2010")
    check(page, "year typed")
    context.close()


#: Pages with maps, which need the register of places (the sample: six districts, every Neustadt).
WITH_PLACES = [
    "/partnersuche",
    "/partnersuche?schluessel=05958044&thema=Standesamt&umkreis=50",
    "/partnersuche?schluessel=05958044&stichwort=Standesamt&umkreis=50",
    "/partnersuche?ort=Neustadt&stichwort=Standesamt",
    "/suche?q=Standesamt",
    "/kommunen/05958044-sundern-sauerland",
    "/projekte/standesamt-untere-lenne",
]


@pytest.mark.parametrize("language", ["de", "en"])
def test_map_and_partner_search_pages_with_the_register(browser, live_server, language):
    load_places(parse_register(read_register(PLACES_SAMPLE), "Destatis GV-ISys (Ausgabe vor 2021)"))
    db.session.commit()
    context = _context(browser, language)
    page = context.new_page()
    for path in WITH_PLACES:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        assert page.evaluate(MAPS_DRAWN), path
        check(page, f"{language} {path}")
    # the partner search's keywords: the folded rest opened, one ticked, with the map drawn
    page.goto(live_server + "/partnersuche?schluessel=05958044&thema=Standesamt&umkreis=50")
    page.click(".partner-form .filter-group__more > summary")
    page.check(".partner-form .filter-group__more input[name=stichwort] >> nth=0")
    check(page, f"{language} keywords unfolded, one ticked")
    context.close()
    narrow = _context(browser, language, width=320)
    page = narrow.new_page()
    for path in WITH_PLACES:
        page.goto(live_server + path)
        assert page.evaluate(MAPS_DRAWN), path
        narrow_fits(page, f"{path} (with the register)")
    narrow.close()


def test_admin_pages_on_load_and_while_editing(app, browser, live_server):
    project = db.session.query(Project).filter_by(slug="gemeinsam-nachhaltig-erfolgreich").one()
    organisation = db.session.query(Organisation).filter_by(slug="stadt-arnsberg").one()
    user = db.session.query(User).filter_by(username="redakteurin").one()
    context = _context(browser, "de")
    page = context.new_page()
    page.goto(live_server + "/admin/login")
    check(page, "login")
    page.fill("#username", "redakteurin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    paths = [
        "/admin/",
        "/admin/projekte",
        "/admin/projekte?status=published",
        "/admin/projekte/neu",
        f"/admin/projekte/{project.id}",
        f"/admin/projekte/{project.id}/verlauf",
        f"/admin/projekte/{project.id}/vorschau",
        "/admin/organisationen",
        f"/admin/organisationen/{organisation.slug}",
        "/admin/stichworte",
        "/admin/stichworte/standesamt",
        "/admin/benutzer",
        f"/admin/benutzer/{user.id}",
        "/admin/tokens",
        "/admin/protokoll",
        "/admin/vorschlaege",
    ]
    for path in paths:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        check(page, path)
    page.goto(live_server + f"/admin/projekte/{project.id}")
    page.fill("#participants-0-name", "Stadt Sun")
    page.wait_for_selector("[role=listbox] [role=option]", state="visible")
    check(page, "partner suggestions open")
    page.click("h1")
    check(page, "after a click elsewhere")
    context.close()


def test_the_save_bar_never_covers_the_focused_field(browser, live_server):
    context = _context(browser, "de", width=1280)
    page = context.new_page()
    page.goto(live_server + "/admin/login")
    page.fill("#username", "redakteurin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    for path in ("/admin/projekte/neu", "/admin/organisationen/stadt-arnsberg"):
        page.goto(live_server + path)
        covered, stops = [], 0
        page.click("main h1")
        for _ in range(120):
            page.keyboard.press("Tab")
            hidden = page.evaluate("""() => {
              const el = document.activeElement, bar = document.querySelector(".form-actions");
              if (!el || !bar || !el.closest("form") || bar.contains(el)) return null;
              const a = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
              return a.bottom > b.top && a.top < b.bottom ? (el.id || el.name) : "";
            }""")
            if hidden is None:
                continue
            stops += 1
            if hidden:
                covered.append(hidden)
        assert stops > 5, path
        assert covered == [], f"{path}: the save bar covers {covered}"
    context.close()


def _seeded_pages() -> tuple[list[str], list[str]]:
    """Every published profile, organisation and keyword page of the seed, and every profile's
    admin preview: long German compounds in their titles are what widens a phone's page."""
    published = Project.status == "published"
    projects = db.session.scalars(select(Project).where(published).order_by(Project.id)).all()
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.participations.any(Participation.project.has(published)))
        .order_by(Organisation.id)
    ).all()
    keywords = db.session.scalars(select(Keyword).where(Keyword.projects.any(published)).order_by(Keyword.id)).all()
    public = (
        [f"/projekte/{p.slug}" for p in projects]
        + [f"/organisationen/{o.slug}" for o in organisations]
        + [f"/stichworte/{k.slug}" for k in keywords]
    )
    return public, [f"/admin/projekte/{p.id}/vorschau" for p in projects]


def _measure(page, path: str, too_wide: list[str]) -> None:
    width, viewport, wide = page.evaluate(OVERFLOW)
    if width > viewport + 1:
        too_wide.append(f"{path} is {width} px wide at {viewport} px: {wide}")


@pytest.mark.parametrize("language", ["de", "en"])
def test_no_page_scrolls_sideways_at_320_pixels(browser, live_server, language):
    """Every page type, and every seeded profile, organisation and keyword page, fits 320 px
    (profiles also 390 px); one page object navigates through all of them."""
    seeded_public, _previews = _seeded_pages()
    assert (
        len(seeded_public) > 100 and "/projekte/digitalisierungsnetzwerke-westfaelischer-kleinstaedte" in seeded_public
    )
    context = _context(browser, language, width=320)
    page = context.new_page()
    too_wide: list[str] = []
    for path in PUBLIC + _place_page(page, live_server) + seeded_public:
        page.goto(live_server + path)
        _measure(page, path, too_wide)
        if path.startswith("/projekte/"):
            page.set_viewport_size({"width": 390, "height": 900})
            _measure(page, f"{path} (390 px)", too_wide)
            page.set_viewport_size({"width": 320, "height": 900})
    context.close()
    assert too_wide == []


def test_no_admin_page_scrolls_sideways_at_320_pixels(browser, live_server):
    """The editing area (German only) fits 320 px: its lists and forms and every profile's
    preview. A test of its own, so that xdist's two workers share the narrow checks (with the
    German public pages it was the suite's longest browser test)."""
    _seeded_public, previews = _seeded_pages()
    context = _context(browser, "de", width=320)
    page = context.new_page()
    too_wide: list[str] = []
    page.goto(live_server + "/admin/login")
    page.fill("#username", "redakteurin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    project = db.session.query(Project).filter_by(slug="gemeinsam-nachhaltig-erfolgreich").one()
    for path in [
        "/admin/",
        "/admin/projekte",
        f"/admin/projekte/{project.id}",
        f"/admin/projekte/{project.id}/verlauf",
        "/admin/organisationen",
        "/admin/stichworte",
        "/admin/benutzer",
        "/admin/tokens",
        "/admin/protokoll",
        "/admin/vorschlaege",
        *previews,
    ]:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        _measure(page, path, too_wide)
    context.close()
    assert too_wide == []
