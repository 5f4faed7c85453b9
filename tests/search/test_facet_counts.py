"""Facet counts from per-document value numbers equal counts by intersection, value by value.

``facets.count_facets`` counts every facet in one pass over a pool of documents, and a pool of
more than half the visible documents as the generation's totals minus the rest; the totals of
a generation are derived from the previous one's after a write. Here each count is compared
with the plain definition (per facet: the pool of the other facets' filters intersected with
each value's documents), for queries that match few, about half and almost all documents, with
filters on one and on several facets, published only and with drafts, before and after writes."""

import random

from catalogue.search.engine import HIDDEN, Matcher
from catalogue.search.facets import FACETS, SINCE_RANGES, count_facets, filter_sets
from catalogue.search.query import clean, parse
from catalogue.search.schema import write_document
from catalogue.search.searching import run_search
from catalogue.search.store import IndexStore

from .indexes import built_store

TOPICS = ["Bauhof", "Standesamt", "Klimaschutz", "Feuerwehr", "Tourismus", "Schule"]
STATES = ["DE-NW", "DE-SN", "DE-BY", "DE-BW"]
KINDS = ["municipality", "district", "association"]
FORMS = ["Zweckverband", "GmbH", ""]
FILTERS = [
    {},
    {"keywords": ["Bauhof"]},
    {"states": ["DE-NW", "DE-SN"]},
    {"states": ["DE-BY"], "kinds": ["district"], "since_from": 2005},
    {"legal_forms": ["GmbH"], "keywords": ["Schule", "Feuerwehr"], "districts": ["Kreis 3", "Kreis 5"]},
]
QUERIES = ["", "Gemeinsam", "Bauhof", "Bauhof Schule", "Feuerwehr -Bauhof", "Kreis", "fehlt"]


def record(number: int, rng: random.Random) -> dict:
    keywords = rng.sample(TOPICS, rng.randint(0, 3))
    return {
        "id": number,
        "slug": f"p{number}",
        "status": "published" if rng.random() < 0.8 else "draft",
        "title": f"Gemeinsam {' '.join(keywords)} {number}",
        "summary": ("Gemeinsam " if rng.random() < 0.9 else "") + " ".join(keywords),
        "body": "",
        "keywords": keywords,
        "organisations": [f"Stadt {number % 7}"],
        "states": sorted(set(rng.sample(STATES, rng.randint(0, 2)))),
        "districts": [f"Kreis {number % 9}"] if number % 4 else [],
        "kinds": sorted(set(rng.sample(KINDS, rng.randint(1, 2)))),
        "legal_form": rng.choice(FORMS),
        "since_year": rng.choice([None, 1995, 2003, 2008, 2015, 2021]),
        "updated": 1.7e9 + number,
    }


def by_intersection(snapshot, base: set, passes: dict) -> dict:
    """The definition: per facet and value, the documents of the pool that have the value."""
    ordered = {}
    for name in FACETS:
        others = [docs for facet, docs in passes.items() if facet != name]
        pool = base.intersection(*others) if others else base
        counts = [(value, n) for value, docs in snapshot.values[name].items() if (n := len(pool & docs))]
        ordered[name] = sorted(counts, key=lambda item: (-item[1], snapshot.sort_keys[item[0]]))
    order = [label for label, _, _ in SINCE_RANGES]
    ordered["since"] = sorted(ordered["since"], key=lambda item: order.index(item[0]))
    return ordered


def compare(store: IndexStore) -> int:
    compared = 0
    for q in QUERIES:
        for filters in FILTERS:
            for unpublished in (False, True):
                result = run_search(store, q, filters, include_unpublished=unpublished)
                snapshot = store.snapshot(store.searcher())
                visible = snapshot.visible(unpublished)
                scores = Matcher(snapshot).run(parse(clean(q)))
                base = visible if scores is None else visible & scores.keys()
                expected = by_intersection(snapshot, base, filter_sets(snapshot, filters))
                assert result.facets == expected, (q, filters, unpublished)
                assert count_facets(snapshot, base, filter_sets(snapshot, filters), unpublished) == expected
                compared += 1
    return compared


def write(store: IndexStore, records: list[dict]) -> None:
    writer = store.index().writer()
    for made in records:
        write_document(writer, made)
    writer.commit(merge=False)


def test_counts_equal_intersections_before_and_after_writes(tmp_path):
    rng = random.Random(15)
    store = built_store(tmp_path / "index", [record(number, rng) for number in range(1, 241)])
    assert compare(store) == len(QUERIES) * len(FILTERS) * 2
    for round_ in range(3):  # changed, new and unpublished profiles: derived generations and totals
        changed = [record(number, rng) for number in rng.sample(range(1, 241), 5)]
        changed += [record(300 + 10 * round_ + k, rng) for k in range(3)]
        changed[0]["status"] = "draft"
        write(store, changed)
        assert store.snapshot(store.searcher()).derived
        assert compare(store) == len(QUERIES) * len(FILTERS) * 2
        fresh = IndexStore(store.root)
        assert compare(fresh) == len(QUERIES) * len(FILTERS) * 2
        for unpublished in (False, True):
            derived = store.snapshot(store.searcher()).facet_totals(unpublished)
            built = fresh.snapshot(fresh.searcher()).facet_totals(unpublished)
            labels = store.snapshot(store.searcher()).facet_codes.labels
            other = fresh.snapshot(fresh.searcher()).facet_codes.labels
            assert {labels[k]: v for k, v in derived.items()} == {other[k]: v for k, v in built.items()}


def test_hidden_documents_derived_after_writes_equal_built_ones(tmp_path):
    rng = random.Random(16)
    store = built_store(tmp_path / "index", [record(number, rng) for number in range(1, 81)], meta=False)
    for unpublished in (False, True):
        store.snapshot(store.searcher()).matching({}, unpublished)  # remembered: derived from now on
    for round_ in range(3):
        changed = [dict(record(number, rng), status=rng.choice(["draft", "published"])) for number in (3, 40 + round_)]
        write(store, changed + [record(100 + round_, rng)])
        snapshot = store.snapshot(store.searcher())
        assert snapshot.derived
        for unpublished in (False, True):
            hidden = frozenset(range(snapshot.doc_count)) - snapshot.visible(unpublished)
            assert snapshot.remembered((HIDDEN, unpublished), lambda: None) == hidden
