"""Printing a profile (print styles in catalogue.css): the profile itself, without the site's
header and navigation, "Ähnliche Projekte" or the map's zoom buttons, with the addresses of
its external links written out."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.extensions import db
from catalogue.places.loading import load_places, parse_register
from catalogue.places.register_file import read_register

from conftest import BROWSER_TESTS

pytestmark = BROWSER_TESTS
PLACES_SAMPLE = Path(__file__).resolve().parent.parent / "places" / "files" / "register-sample.csv"
#: what a printed page leaves out (each is on the screen)
NOT_PRINTED = [
    ".site-header",
    ".site-nav",
    ".breadcrumbs",
    ".similar-projects",
    ".leaflet-control-zoom",
    ".site-footer",
]
LINK_ADDRESSES = """() => [...document.querySelectorAll("main a[href^='http']")]
  .map(a => [a.getAttribute("href"), getComputedStyle(a, "::after").content])"""


@pytest.fixture
def live_server(live_server, seeded):
    # the register of places (the sample), so that the profile has its map of participants
    load_places(parse_register(read_register(PLACES_SAMPLE), "Destatis GV-ISys (Ausgabe vor 2021)"))
    db.session.commit()
    return live_server


def test_a_printed_profile_is_the_profile_with_its_link_addresses(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/projekte/standesamt-untere-lenne")
    page.wait_for_selector(".leaflet-control-zoom")  # the interactive map drawn
    for selector in NOT_PRINTED:
        assert page.locator(selector).first.is_visible(), selector
    assert all(after == "none" for _, after in page.evaluate(LINK_ADDRESSES))
    page.emulate_media(media="print")
    for selector in NOT_PRINTED:
        assert page.locator(selector).first.is_hidden(), f"{selector} is printed"
    assert page.locator("main h1").is_visible() and page.locator(".box--contact").is_visible()
    links = page.evaluate(LINK_ADDRESSES)
    assert len(links) >= 2
    for href, after in links:
        assert after == f'" <{href}>"', href
    context.close()
