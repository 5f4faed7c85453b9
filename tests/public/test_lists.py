"""/projekte and /suche: one filter form, chips, result sentence, title, range and cards."""

from __future__ import annotations

import html
import re

import pytest


def body(client, url, status=200, language="de"):
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def heading(page: str) -> str:
    return text(re.search(r'<h2 id="result-heading"[^>]*>(.*?)</h2>', page, re.S).group(1))


def title(page: str) -> str:
    return text(re.search(r"<title>(.*?)</title>", page, re.S).group(1))


@pytest.mark.parametrize("path", ["/projekte", "/suche"])
def test_both_pages_offer_the_same_filters_as_checkboxes(seeded, client, path):
    page = body(client, path)
    names = set(re.findall(r'type="checkbox" id="[^"]+" name="([a-z_]+)"', page))
    assert names == {"stichwort", "land", "kreis", "rechtsform", "art"}
    assert 'name="seit_von"' in page and 'name="seit_bis"' in page and 'id="f-sort"' in page
    assert '<details class="filters" id="filter-panel">' in page  # folded: results first on a phone


def test_result_sentence_chips_and_title_reflect_the_filters(seeded, client):
    page = body(client, "/projekte?stichwort=Klima&land=DE-NW")
    assert heading(page) == "1 Projekt · Klima · Nordrhein-Westfalen"
    assert title(page).startswith("Projekte: Klima, Nordrhein-Westfalen – ")
    assert "Filter (2 aktiv)" in text(re.search(r"<summary.*?</summary>", page, re.S).group(0))
    chips = dict(
        (text(label), html.unescape(href))
        for href, label in re.findall(r'<a class="chip" href="([^"]+)">(.*?)</a>', page, re.S)
    )
    assert chips == {
        "Klima × – Filter entfernen": "/projekte?land=DE-NW",
        "Nordrhein-Westfalen × – Filter entfernen": "/projekte?stichwort=Klima",
    }


def test_a_chip_removes_only_its_own_value(seeded, client):
    page = body(client, "/suche?q=Verwaltung&land=DE-NW&land=DE-SN&seit_von=2000")
    hrefs = [html.unescape(h) for h in re.findall(r'<a class="chip" href="([^"]+)"', page)]
    assert "/suche?q=Verwaltung&land=DE-SN&seit_von=2000" in hrefs
    assert "/suche?q=Verwaltung&land=DE-NW&land=DE-SN" in hrefs  # the year chip
    assert "seit 2000 oder später" in page


def test_pages_say_which_part_of_the_list_they_show(seeded, client):
    page = body(client, "/projekte?pro_seite=5&seite=2")
    assert '<p class="results__range">6–10 von 19</p>' in page
    assert 'name="pro_seite" value="5"' in page  # kept when the form is sent again
    assert "results__range" not in body(client, "/projekte")  # everything on one page
    english = body(client, "/projekte?pro_seite=5&seite=4", language="en")
    assert '<p class="results__range">16–19 of 19</p>' in english


def test_sort_options_say_their_direction(seeded, client):
    options = re.findall(r"<option value=\"(\w+)\"[^>]*>([^<]+)</option>", body(client, "/suche?q=Verwaltung"))
    assert dict(options) == {
        "relevanz": "Relevanz (beste Treffer zuerst)",
        "titel": "Titel (A–Z)",
        "neueste": "Zuletzt aktualisiert (neueste zuerst)",
        "seit": "Beginn der Zusammenarbeit (jüngste zuerst)",
    }


def test_empty_parameters_stay_out_of_the_address(seeded, client):
    response = client.get("/projekte?stichwort=&land=DE-NW&seit_von=&seit_bis=&sort=titel")
    assert response.status_code == 302 and response.headers["Location"] == "/projekte?land=DE-NW&sort=titel"
    response = client.get("/suche?q=&land=")
    assert response.status_code == 302 and response.headers["Location"] == "/suche"


def test_a_chosen_value_is_kept_even_when_no_profile_has_it(seeded, client):
    # Bremen takes part in no profile: it is still a ticked box, so sending the form again keeps it.
    page = body(client, "/projekte?land=DE-HB&land=DE-SN")
    assert 'name="land" value="DE-HB" checked' in page and 'name="land" value="DE-SN" checked' in page
    assert heading(page).startswith("2 Projekte")


def test_keyword_chosen_in_another_spelling_is_the_ticked_keyword(seeded, client):
    page = body(client, "/projekte?stichwort=klima")
    assert 'name="stichwort" value="Klima" checked' in page
    assert 'value="klima"' not in page


def test_cards_show_state_legal_form_and_number_of_participants(seeded, client):
    for path in ("/projekte?land=DE-SN", "/suche?q=Partheland"):
        page = body(client, path)
        card = re.search(r'<article class="card">.*?Partheland.*?</article>', page, re.S).group(0)
        facts = text(re.search(r'<ul class="card__facts">(.*?)</ul>', card, re.S).group(1))
        assert "Land: Sachsen" in facts and re.search(r"\d+ beteiligte Stellen", facts), facts


def test_a_corrected_typo_says_so(seeded, client):
    page = body(client, "/suche?q=Digitalisirung")
    assert "Ergebnisse für „Digitalisierung“ (statt „Digitalisirung“)" in text(page)
    assert "statt" not in text(body(client, "/suche?q=Digitalisierung"))
    english = body(client, "/suche?q=Digitalisirung", language="en")
    assert "Results for “Digitalisierung” (instead of “Digitalisirung”)" in text(english)


@pytest.mark.parametrize("path", ["/projekte", "/suche"])
def test_the_400_page_names_the_field_not_its_index(client, path):
    page = body(client, path + "?land=DE-NW&land=Bayern", status=400)
    lead = text(re.search(r'<p class="lead">(.*?)</p>', page, re.S).group(1))
    assert lead == "Ungültiger Filter – Land: Unbekanntes Land: bitte einen Code wie DE-NW verwenden."
    assert "land.1" not in page
