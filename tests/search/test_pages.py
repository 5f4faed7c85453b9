"""The search page, the search box on every page and "Ähnliche Projekte"."""


def test_search_page_with_facets_sort_and_highlights(client, seeded):
    page = client.get("/suche?q=Verwaltung&land=DE-NW&land=DE-SN&sort=titel").get_data(as_text=True)
    assert "<mark>" in page and "Eingrenzen" in page and "Treffer" in page
    assert 'aria-current="true"' in page  # the chosen states are marked


def test_meinten_sie(client, seeded):
    page = client.get("/suche?q=Digitalisirng+Netzwrk").get_data(as_text=True)
    assert "Meinten Sie" in page


def test_search_box_on_every_page_and_script_deferred(client, seeded):
    for url in ["/", "/projekte", "/stichworte", "/organisationen"]:
        page = client.get(url).get_data(as_text=True)
        assert 'action="/suche"' in page and 'name="q"' in page and 'for="site-search-q"' in page
        assert 'src="/static/search.js" defer' in page


def test_similar_projects_on_profile_page(client, seeded):
    page = client.get("/projekte/gemeinsam-nachhaltig-erfolgreich").get_data(as_text=True)
    assert "Ähnliche Projekte" in page
