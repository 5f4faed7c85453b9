"""The engine's BM25F scores are those of the formula per posting, to the last bit.

``Snapshot.postings`` computes the formula once per distinct (weight, field length) pair of a
posting list and maps the postings to those values; here every posting's score is computed
from Whoosh's public reader API (postings, weights, field lengths) and compared with ``==`` on
one segment and on several (after writes, with deletions), for every term of every text field."""

import random
from math import log

from catalogue.search.engine import K1, B, _add
from catalogue.search.schema import FIELD_BOOSTS, TEXT_FIELDS, write_document
from catalogue.search.store import IndexStore

from .indexes import built_store


def record(number: int) -> dict:
    words = ["Bauhof", "Standesamt", "Klimaschutz", "Feuerwehr", "Verwaltung", "Schule"]
    text = " ".join(words[(number * k) % 6] for k in range(1, 3 + number % 17))
    return {
        "id": number,
        "slug": f"p{number}",
        "status": "published",
        "title": f"{words[number % 6]} {number}",
        "summary": text,
        "body": (text + " ") * (number % 5),
        "keywords": [words[number % 6]],
        "organisations": [f"Stadt {number % 7}"],
        "states": ["DE-NW"],
        "districts": [f"Kreis {number % 3}"],
        "kinds": ["municipality"],
        "legal_form": "",
        "since_year": None,
        "updated": 1.7e9 + number,
    }


def expected(reader, field: str, term: str) -> dict[int, float]:
    doc_count = reader.doc_count_all()
    idf = log(doc_count / (reader.doc_frequency(field, term) + 1)) + 1
    factor = FIELD_BOOSTS[field] * idf * (K1 + 1)
    scale, base = K1 * (B / ((reader.field_length(field) / doc_count) or 1.0)), K1 * (1 - B)
    scores = {}
    matcher = reader.postings(field, term)
    while matcher.is_active():
        d, w = matcher.id(), matcher.weight()
        scores[d] = factor * w / (w + base + scale * (reader.doc_field_length(d, field) or 1))
        matcher.next()
    return scores


def compare(store: IndexStore) -> int:
    snapshot = store.snapshot(store.searcher())
    reader = snapshot.reader
    compared = 0
    for field in TEXT_FIELDS:
        for term in reader.field_terms(field):
            # The engine keeps deleted documents' postings (searches drop them); Whoosh skips them.
            found = {d: score for d, score in snapshot.postings(field, term).items() if not reader.is_deleted(d)}
            assert found == expected(reader, field, term), (field, term)
            compared += 1
    return compared


def test_scores_equal_the_formula_per_posting(tmp_path):
    store = built_store(tmp_path / "index", [record(number) for number in range(1, 120)])
    assert compare(store) > 50
    for round_ in range(2):
        writer = store.index().writer()
        for number in (3 + round_, 50 + round_, 200 + round_):
            write_document(writer, dict(record(number + 7), id=number, slug=f"p{number}"))
        writer.commit(merge=False)
        assert len(store.snapshot(store.searcher()).segments) > 1
        assert compare(store) > 50


def test_union_sums_as_a_loop_over_the_postings():
    """``engine._add`` (set operations and ``map`` in C) gives the sums of the plain loop."""
    rng = random.Random(15)
    for _ in range(50):
        total = {rng.randrange(500): rng.random() * 20 for _ in range(rng.randrange(300))}
        part = {rng.randrange(500): rng.random() * 20 for _ in range(rng.randrange(300))}
        for factor in (1.0, 0.7):
            expected = dict(total)
            for docnum, score in part.items():
                expected[docnum] = expected.get(docnum, 0.0) + factor * score
            assert _add(dict(total), part, factor) == expected
