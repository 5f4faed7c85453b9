"""The public site in German first and English too: language choice, translated pages, German
content marked as such, and translation catalogs that are complete and compiled."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
TRANSLATIONS = REPO / "catalogue" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def english(client, url: str, status: int = 200) -> str:
    response = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"})
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_german_is_the_default_and_the_browser_may_ask_for_english(seeded, client):
    german = client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in german and "Zum Inhalt springen" in german
    assert client.get("/", headers={"Accept-Language": "fr, it"}).get_data(as_text=True).count('lang="de"') >= 1
    html = english(client, "/")
    assert '<html lang="en">' in html
    assert "Skip to content" in html and "Achieving more together" in html and "Zum Inhalt springen" not in html
    response = client.get("/", headers={"Accept-Language": "en"})
    assert {"Cookie", "Accept-Language"} <= set(response.vary)  # caches keep the languages apart


def test_the_language_switch_remembers_the_choice_and_returns_to_the_page(seeded, client):
    html = client.get("/projekte?land=DE-NW").get_data(as_text=True)
    switch = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">English</a>', html)
    assert switch, "German pages offer English"
    response = client.get(switch.group(1).replace("&amp;", "&"))
    assert response.status_code == 302 and response.headers["Location"] == "/projekte?land=DE-NW"
    assert "lang=en" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    html = client.get("/projekte?land=DE-NW", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "North Rhine-Westphalia" in html  # the cookie wins over the browser
    assert ">Deutsch</a>" in html
    client.get("/sprache/de")
    assert '<html lang="de">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_language_switch_is_no_open_redirect(client, target):
    response = client.get("/sprache/en", query_string={"weiter": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_an_unknown_language_changes_nothing(client):
    response = client.get("/sprache/xx", query_string={"weiter": "/projekte"})
    assert response.status_code == 302 and "Set-Cookie" not in response.headers


def test_english_pages_translate_the_interface_and_mark_the_german_content(seeded, client):
    html = english(client, "/projekte/gemeinsam-nachhaltig-erfolgreich")
    for text in (
        "Occasion",
        "Goal",
        "Implementation",
        "Financing",
        "Key facts",
        "Short profile",
        "Population",
        "as of 31 Dec 2020",
        "73,487",
        "193.72 km²",
        "North Rhine-Westphalia",
        "Municipality / town",
    ):
        assert text in html, text
    assert '<h1 lang="de">Gemeinsam nachhaltig erfolgreich</h1>' in html  # WCAG 3.1.2: language of parts
    assert re.search(r'<div lang="de">\s*<p>Aktuellen Herausforderungen gemeinsam begegnen</p>', html)
    german = client.get("/projekte/gemeinsam-nachhaltig-erfolgreich").get_data(as_text=True)
    assert "Anlass" in german and "73.487" in german and "31.12.2020" in german
    # no redundant marks on German pages (hreflang="de" of the language alternates is no mark)
    assert not re.search(r'\slang="de"', german.replace('<html lang="de">', ""))
    listing = english(client, "/projekte")
    assert "19 projects" in listing and "Reset filters" in listing and "Apply" in listing


def test_english_error_pages_and_filter_messages(seeded, client):
    html = english(client, "/projekte?land=XX&seit_von=abc", status=400)
    assert "Invalid request" in html and "Invalid filter" in html
    assert "Unknown state: please use a code such as DE-NW." in html and "The year must be a number." in html
    assert "Page not found" in english(client, "/projekte/gibt-es-nicht", status=404)
    assert "Keyword" in english(client, "/stichworte")


def test_editing_area_and_api_stay_german(client):
    html = client.get("/admin/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="de">' in html and "Anmelden" in html
    problem = client.get("/api/v1/projects/gibt-es-nicht", headers={"Accept-Language": "en"}).get_json()
    assert "nicht" in problem["detail"]


def _extracted_messages() -> set[str]:
    method_map, options_map = parse_mapping_cfg(io.StringIO((TRANSLATIONS / "babel.cfg").read_text(encoding="utf-8")))
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO),
        method_map,
        options_map,
        keywords=KEYWORDS,
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_text_of_the_public_site_has_an_english_translation():
    """A new or changed text without translation fails here: run `make translations` and translate it."""
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    translated = {message.id: message.string for message in catalog if message.id and not message.fuzzy}
    extracted = _extracted_messages()
    assert len(extracted) > 100
    missing = sorted(text for text in extracted if not translated.get(text))
    assert missing == [], f"untranslated (run `make translations`): {missing}"


def test_the_compiled_catalog_matches_the_translations():
    """The .mo file the app loads is the compiled .po (`make translations` compiles it)."""
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle, locale="en") if m.id}
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source
