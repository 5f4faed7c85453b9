"""The search box in a real headless Chromium (Debian's /usr/bin/chromium via Playwright):
suggestions from /api/v1/suggest as one types, chosen with the keyboard; and the search page,
its facets and pages without JavaScript."""

from __future__ import annotations

from urllib.parse import unquote_plus

import pytest

from catalogue.search.analysis import fold

from conftest import BROWSER_TESTS

pytestmark = BROWSER_TESTS


@pytest.fixture
def live_server(live_server, seeded):
    """The live server, with the seed data loaded first."""
    return live_server


def test_search_box_suggests_from_the_api_as_one_types(browser, live_server):
    page = browser.new_page(locale="de-DE")
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(live_server + "/projekte")
    page.fill("#site-search-q", "Arns")
    page.wait_for_selector("#site-search-suggestions li", state="visible")
    assert any("/api/v1/suggest?q=Arns" in url for url in asked)
    labels = page.locator("#site-search-suggestions li").all_inner_texts()
    assert any("Stadt Arnsberg" in label and "Organisation" in label for label in labels)
    assert page.get_attribute("#site-search-q", "aria-expanded") == "true"

    page.press("#site-search-q", "ArrowDown")  # highlight the first suggestion; the focus stays in the box
    first = page.locator("#site-search-suggestions [role=option]").first
    assert page.evaluate("() => document.activeElement.id") == "site-search-q"
    assert page.get_attribute("#site-search-q", "aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    name = first.inner_text().split(" · ")[0]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url != live_server + "/projekte" and name in unquote_plus(page.url) + page.locator("h1").inner_text()

    page.fill("#site-search-q", "Arns")
    page.wait_for_selector("#site-search-suggestions li", state="visible")
    page.press("#site-search-q", "Escape")
    assert page.locator("#site-search-suggestions").is_hidden()
    page.close()


def test_search_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    page.goto(live_server + "/")
    page.fill("#site-search-q", "Grosspoesna")
    with page.expect_navigation():
        page.press("#site-search-q", "Enter")
    assert "/suche?q=Grosspoesna" in page.url
    assert "Interkommunaler Verbundraum Region Partheland" in page.locator(".card__title").all_inner_texts()
    assert page.locator(".search-snippet mark").count() >= 1
    assert page.locator("#site-search-suggestions").count() == 0  # nothing of the script ran

    page.goto(live_server + "/suche?q=Verwaltung")
    total = int(page.inner_text("#result-heading").split()[0])
    page.click("#filter-panel > summary")
    first = page.locator("input[name=stichwort]").first  # the most frequent keyword of the hits
    facet_count = int(page.locator(f"label[for={first.get_attribute('id')}] .count").inner_text().strip("()"))
    first.check()
    with page.expect_navigation():
        page.click("#filter-panel button[type=submit]")
    assert "stichwort=" in page.url and page.locator("input[name=stichwort]:checked").count() == 1
    assert int(page.inner_text("#result-heading").split()[0]) == facet_count <= total
    page.select_option("#f-sort", "titel")
    with page.expect_navigation():
        page.click(".sort-bar button[type=submit]")
    assert "sort=titel" in page.url and "stichwort=" in page.url  # the chosen filter is kept
    titles = page.locator(".card__title").all_inner_texts()
    assert len(titles) == facet_count and titles == sorted(titles, key=fold)
    context.close()
