"""The search page, the search box on every page and "Ähnliche Projekte"."""

import html
import re


def test_search_page_with_facets_sort_and_highlights(client, seeded):
    page = client.get("/suche?q=Verwaltung&land=DE-NW&land=DE-SN&sort=titel").get_data(as_text=True)
    assert "<mark>" in page and "Filter" in page and "Treffer" in page
    # the chosen states are ticked checkboxes of the form, so a resubmitted form keeps both
    assert re.search(r'name="land" value="DE-NW" checked', page) and re.search(
        r'name="land" value="DE-SN" checked', page
    )


def test_meinten_sie_links_to_a_query_that_finds_more(client, seeded):
    page = client.get("/suche?q=Digitalisirng+Netzwrk").get_data(as_text=True)
    link = re.search(r'class="search-suggestion">[^<]*<a href="([^"]+)">([^<]+)</a>', page)
    assert link, "no Meinten Sie"
    found = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert int(re.search(r"(\d+) Treffer", found).group(1)) > int(re.search(r"(\d+) Treffer", page).group(1))


def test_search_box_on_every_page_and_script_deferred(client, seeded):
    for url in ["/", "/projekte", "/stichworte", "/organisationen"]:
        page = client.get(url).get_data(as_text=True)
        assert 'action="/suche"' in page and 'name="q"' in page and 'for="site-search-q"' in page
        assert 'src="/static/search.js" defer' in page and 'data-suggest-url="/api/v1/suggest"' in page


def test_similar_projects_on_profile_page_are_published_ones(client, seeded, make_project):
    draft = make_project(
        status="draft",
        title="Digitalisierungsnetzwerke westfälischer Kleinstädte, Entwurf",
        keywords=["Digitalisierung", "Kleinstädte", "Netzwerk", "Verwaltung"],
    )
    page = client.get("/projekte/digitalisierungsnetzwerke-westfaelischer-kleinstaedte").get_data(as_text=True)
    section = page[page.index('id="similar-heading"') :]
    links = re.findall(r'<a href="/projekte/([^"]+)">', section[: section.index("</section>")])
    assert links and draft.slug not in links and "digitalisierungsnetzwerke-westfaelischer-kleinstaedte" not in links
    for slug in links:
        assert client.get(f"/projekte/{slug}").status_code == 200  # public, so published
