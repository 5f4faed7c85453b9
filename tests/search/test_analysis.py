"""The German analyzer on its own: folding, stemming, compounds, stop words."""

import pytest

from catalogue.search.analysis import compound_parts, german_analyzer

ANALYZER = german_analyzer()


def terms(text, mode="query"):
    return [token.text for token in ANALYZER(text, mode=mode)]


@pytest.mark.parametrize("spelling", ["Großpösna", "Grosspoesna", "grosspösna", "GROSSPÖSNA"])
def test_umlaut_and_sharp_s_fold_both_ways(spelling):
    assert terms(spelling) == terms("Großpösna")


@pytest.mark.parametrize("word, base", [("Kooperationen", "Kooperation"), ("Städte", "Stadt"), ("Staedte", "Stadt")])
def test_stemming(word, base):
    assert terms(word) == terms(base)


@pytest.mark.parametrize("compound, part", [
    ("Hochwasserkrise", "Hochwasser"), ("Digitalisierungsnetzwerk", "Netzwerk"), ("Kommunalverwaltung", "Verwaltung"),
])
def test_compounds_are_split_at_index_time(compound, part):
    assert terms(part)[0] in terms(compound, mode="index")
    assert terms(part)[0] not in terms(compound)  # a compound query stays precise


@pytest.mark.parametrize("place", ["Arnsberg", "Borsdorf", "Großpösna", "Sundern", "Naunhof", "Partheland"])
def test_place_names_are_not_torn_apart(place):
    assert compound_parts(place.lower()) == ()


def test_german_stop_words_include_dass():
    assert terms("dass die Stadt und das Land") == terms("Stadt Land")
