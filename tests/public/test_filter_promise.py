"""The list filters keep their promise in a real browser: several values of one filter (OR)
survive a resubmitted form, on /projekte and on /suche alike."""

from __future__ import annotations

import pytest

from conftest import BROWSER_TESTS

pytestmark = BROWSER_TESTS


@pytest.fixture
def live_server(live_server, seeded):
    return live_server


@pytest.mark.parametrize("path", ["/projekte", "/suche"])
def test_changing_only_the_sort_keeps_every_value_of_a_filter(browser, live_server, path):
    # Sachsen has two profiles, Thüringen one: both states together are three (OR).
    context = browser.new_context(java_script_enabled=False, locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + path + "?land=DE-SN&land=DE-TH")
    assert page.locator(".card__title").count() == 3
    page.select_option("#f-sort", "neueste")
    with page.expect_navigation():
        page.locator("#f-sort").evaluate("select => select.form.requestSubmit()")
    assert "sort=neueste" in page.url
    assert page.locator(".card__title").count() == 3, page.url
    assert page.url.count("land=") == 2
    assert "=&" not in page.url + "&" and "seit_von" not in page.url  # empty boxes stay out of the address
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_second_value_ticked_in_the_form_adds_to_the_first(browser, live_server, javascript):
    context = browser.new_context(
        java_script_enabled=javascript, locale="de-DE", viewport={"width": 390, "height": 800}
    )
    page = context.new_page()
    page.goto(live_server + "/projekte?land=DE-SN")
    assert page.locator(".card__title").count() == 2
    page.click("#filter-panel > summary")
    page.check("input[name=land][value=DE-TH]")
    with page.expect_navigation():
        page.click("#filter-panel button[type=submit]")
    assert page.locator(".card__title").count() == 3
    assert sorted(value for key, value in _query(page.url) if key == "land") == ["DE-SN", "DE-TH"]
    assert all(value for _, value in _query(page.url))
    assert " ".join(page.inner_text("#filter-panel > summary").split()) == "Filter (2 aktiv)"
    context.close()


def _query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query, keep_blank_values=True)
