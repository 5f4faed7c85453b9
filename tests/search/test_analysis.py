"""The German analyzer on its own: folding, stemming, compounds, place names, stop words."""

import pytest

from catalogue.search.analysis import compound_parts, german_analyzer, kept_whole, place_words

ANALYZER = german_analyzer()


def terms(text, mode="query"):
    return [token.text for token in ANALYZER(text, mode=mode)]


@pytest.mark.parametrize("spelling", ["Großpösna", "Grosspoesna", "grosspösna", "GROSSPÖSNA"])
def test_umlaut_and_sharp_s_fold_both_ways(spelling):
    assert terms(spelling) == terms("Großpösna")


@pytest.mark.parametrize("word, base", [("Kooperationen", "Kooperation"), ("Städte", "Stadt"), ("Staedte", "Stadt")])
def test_stemming(word, base):
    assert terms(word) == terms(base)


@pytest.mark.parametrize(
    "compound, part",
    [
        ("Hochwasserkrise", "Hochwasser"),
        ("Digitalisierungsnetzwerk", "Netzwerk"),
        ("Kommunalverwaltung", "Verwaltung"),
        ("Kleinstädte", "Städte"),
        ("Saunaeingänge", "Eingang"),
    ],
)
def test_compounds_are_split_at_index_time(compound, part):
    assert terms(part)[0] in terms(compound, mode="index")
    assert terms(part)[0] not in terms(compound)  # a compound query stays precise


def test_compound_parts_share_the_compounds_position():
    """So that a phrase can run through a compound, and the words after it keep their places."""
    positions = {}
    for token in ANALYZER("eine starke Kommunalverwaltung als Grundlage", positions=True, mode="index"):
        positions.setdefault(token.pos, []).append(token.text)
    assert list(positions.values()) == [
        ["stark"],
        ["kommunalverwalt", "kommunal", "verwalt"],
        terms("Grundlage", mode="index"),
    ]


@pytest.mark.parametrize("place", ["Arnsberg", "Borsdorf", "Großpösna", "Sundern", "Naunhof", "Partheland"])
def test_place_names_are_not_torn_apart(place):
    assert compound_parts(place.lower()) == ()


def test_names_of_a_documents_places_stay_whole():
    """compound-split scores Birken|feld or Stock|stadt like real compounds: the names of the
    profile's own places are kept whole, the designations in them (Verbandsgemeinde) are not."""
    text = "Verbandsgemeinde Birkenfeld und Stockstadt am Rhein"
    assert {"birk", "feld", "stock"} <= set(terms(text, mode="index"))  # what protection prevents
    with kept_whole(place_words(("Verbandsgemeinde Birkenfeld", "Stockstadt am Rhein"))):
        indexed = terms(text, mode="index")
    assert {"birk", "feld", "stock"}.isdisjoint(indexed)
    assert {"birkenfeld", "stockstadt", "gemeind"} <= set(indexed)


def test_hyphenated_words_add_their_pieces_at_index_time():
    """The pieces share the word's position; stop words and single letters are no pieces."""
    positions = {}
    for token in ANALYZER("Land Nordrhein-Westfalen, E-Government und Stadt-und-Land", positions=True, mode="index"):
        positions.setdefault(token.pos, []).append(token.text)
    assert list(positions.values()) == [
        ["land"],
        ["nordrhein-westfal", "nordrhein", "westfal"],
        ["e-government", "government"],
        ["stadt-und-land", "stadt", "land"],
    ]
    assert terms("Nordrhein-Westfalen") == ["nordrhein-westfal"]  # a hyphenated query stays whole


def test_pieces_of_hyphenated_words_are_split_as_compounds_unless_places():
    assert {"hochwasserschutz", "hochwass", "schutz"} <= set(terms("Hochwasserschutz-Konzept", mode="index"))
    with kept_whole(place_words(("Stadt Birkenfeld-Stockstadt",))):
        indexed = terms("Birkenfeld-Stockstadt", mode="index")
    assert indexed == ["birkenfeld-stockstadt", "birkenfeld", "stockstadt"]


def test_german_stop_words_include_dass_in_both_spellings():
    assert terms("dass die Stadt und das Land") == terms("Stadt Land")
    assert terms("daß für über") == terms("dass fuer ueber") == []
