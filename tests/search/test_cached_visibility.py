"""A write on one machine is visible on another at its next request, response cache or not:
the cache's version check notices that the index lags the change log and catches up first,
and an answer made while it still lags is never kept."""

import pytest

from catalogue.caching import cache

SEARCHES = ("/api/v1/projects?q=Bauhof", "/suche?q=Bauhof")


@pytest.fixture
def other(make_app):
    """Another machine (its own index folder, same database) with the response cache on,
    whose searches check the change log only once an hour after their first look."""
    machine = make_app()
    machine.config["RESPONSE_CACHE"] = True
    with machine.app_context():
        cache.clear()
    return machine


def test_another_machines_write_shows_at_the_next_request(other, make_project):
    make_project(title="Erster Bauhof", slug="erster")
    visitor = other.test_client()
    for url in SEARCHES:
        assert "erster" in visitor.get(url).text, url  # caught up, and now in its cache
    other.config["SEARCH_CATCHUP_INTERVAL"] = 3600
    make_project(title="Zweiter Bauhof", slug="zweiter")  # written through this machine
    for url in SEARCHES:
        for _ in range(2):  # made afresh, then from the cache
            answer = visitor.get(url)
            assert answer.status_code == 200, url
            assert "zweiter" in answer.text, url


def test_an_answer_made_while_the_index_lags_is_not_kept(other, make_project):
    make_project(title="Erster Bauhof", slug="erster")
    visitor = other.test_client()
    assert "erster" in visitor.get(SEARCHES[0]).text
    make_project(title="Zweiter Bauhof", slug="zweiter")
    busy = other.extensions["catalogue_search"].index().writer()  # another worker is applying the write
    try:
        behind = visitor.get(SEARCHES[0])
    finally:
        busy.cancel()
    assert behind.status_code == 200 and "zweiter" not in behind.text  # not yet: the index lags
    assert "zweiter" in visitor.get(SEARCHES[0]).text  # the lagging answer was not kept
