""" "Meinten Sie …?" from per-segment candidates equals Whoosh's spelling corrector.

``spelling._closest`` finds the terms near a typo once per segment (an automaton on a single
segment, the restricted Damerau-Levenshtein distance on several, as Whoosh's readers do) and
picks the most frequent; here it is compared with ``searcher.corrector("spell").suggest`` for
many typos (substitutions, transpositions, missing and extra letters) on one segment and on
several segments with deletions."""

from catalogue.search.schema import write_document
from catalogue.search.spelling import _closest
from catalogue.search.store import IndexStore

from .indexes import built_store

WORDS = [
    "bauhof",
    "bauhoefe",
    "standesamt",
    "standesamter",
    "klimaschutz",
    "feuerwehr",
    "feuerwehren",
    "verwaltung",
    "verwaltungen",
    "schule",
    "schulen",
    "schale",
    "tourismus",
    "digitalisierung",
]
TYPOS = [
    "bauhfo",
    "bauhff",
    "standesmt",
    "standesamd",
    "klimashutz",
    "klimaschtuz",
    "feuerwer",
    "fuerwehr",
    "verwaltnug",
    "veraltung",
    "schle",
    "schuel",
    "tourismsu",
    "digtalisierung",
    "digitalisirung",
    "xylophon",
]


def record(number: int) -> dict:
    words = " ".join(WORDS[(number * k) % len(WORDS)] for k in range(1, 2 + number % 5))
    return {
        "id": number,
        "slug": f"p{number}",
        "status": "published",
        "title": f"Profil {number}",
        "summary": words,
        "body": "",
        "keywords": [],
        "organisations": [],
        "states": [],
        "districts": [],
        "kinds": [],
        "legal_form": "",
        "since_year": None,
        "updated": 1.7e9 + number,
    }


def whoosh(store: IndexStore, typo: str, maxdist: int) -> str | None:
    found = store.searcher().corrector("spell").suggest(typo, limit=1, maxdist=maxdist, prefix=1)
    return found[0] if found else None


def compare(store: IndexStore) -> int:
    snapshot = store.snapshot(store.searcher())
    for typo in TYPOS:
        for maxdist in (1, 2):
            assert _closest(snapshot, typo, maxdist) == whoosh(store, typo, maxdist), (typo, maxdist)
    return sum(_closest(snapshot, typo, 2) is not None for typo in TYPOS)


def test_corrections_equal_whooshs_corrector(tmp_path):
    store = built_store(tmp_path / "index", [record(number) for number in range(1, 60)])
    assert compare(store) > 10
    for round_ in range(2):  # several segments: Whoosh's other way of finding the terms
        writer = store.index().writer()
        for number in (5 + round_, 70 + round_):
            write_document(writer, dict(record(number + 3), id=number, slug=f"p{number}", body="Schale Schalen Bauhuf"))
        writer.commit(merge=False)
        assert len(store.snapshot(store.searcher()).segments) > 1
        assert compare(store) > 10
