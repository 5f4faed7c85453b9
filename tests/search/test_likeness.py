""" "Ähnliche Projekte" computed the cheap way gives what Whoosh's more-like-this and a plain union
of the posting dicts give: the same key terms with the same weights, the same profiles in the
same order (ties by id), drafts and the profile itself left out."""

import heapq

from catalogue import search
from catalogue.extensions import db
from catalogue.models import Project
from catalogue.search.engine import _union
from catalogue.search.likeness import KEY_FIELDS, KEY_TERMS, MATCH_FIELDS, Likeness, term_counts
from catalogue.search.suggestions import similar
from catalogue.services import change_status

#: Texts that take every branch of the analyzer: compounds, hyphens, stop words, names of places
#: (split here: key terms are taken from the text without the document's places kept whole),
#: case and spelling variants, digits, abbreviations, apostrophes, characters whose lower case
#: is longer (İ), nothing but stop words, nothing a tokenizer keeps.
TEXTS = [
    "Gemeinsames Standesamt der Verbandsgemeinde Birkenfeld und der Stadt Heidenheim an der Brenz",
    "Digitalisierungsnetzwerk Nordrhein-Westfalen: E-Government, Breitbandausbau und Kommunalverwaltung",
    "STRASSE Straße straße Grosspösna Großpösna GROSSPÖSNA Kläranlagenpartnerschaft Klärschlammverwertung",
    "Zweckverband e.V. 2024 KdöR Wasser- und Bodenverband, Ost-West-Achse, d'Arc, İstanbul, ẞ-Test",
    "Feuerwehr Feuerwehr Feuerwehr Feuerwehrgerätehaus Gerätehaus Haus Feuerwehrleute",
    "und der die das ein eine ist sind wird",
    "!!! ... --- ''' 123",
    "",
]


def reference(searcher, snapshot, project_id: int, limit: int = 5) -> list[int]:
    """The algorithm as it was: Whoosh's key terms, the dict union, a top-``limit`` over every candidate."""
    docnum = searcher.document_number(id=str(project_id))
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    weights: dict[str, float] = {}
    for name in KEY_FIELDS:
        if stored.get(name):
            for term, weight in searcher.key_terms_from_text(name, stored[name], numterms=KEY_TERMS):
                weights[term] = weights.get(term, 0.0) + weight
    scores = _union(
        [(snapshot.postings(field, term), weight) for term, weight in weights.items() for field in MATCH_FIELDS]
    )
    table, published = snapshot.table, snapshot.published
    candidates = (d for d in scores if d in published and d != docnum)
    best = heapq.nlargest(limit, candidates, key=lambda d: (scores[d], -table[d]["id"]))
    return [table[d]["id"] for d in best]


def _store(app):
    store = app.extensions["catalogue_search"]
    searcher = store.searcher()
    return store, searcher, store.snapshot(searcher)


def test_key_terms_are_whooshs(app, seeded):
    store, searcher, snapshot = _store(app)
    likeness = Likeness(snapshot)
    texts = list(TEXTS)
    for docnum in sorted(snapshot.live):
        stored = searcher.stored_fields(docnum)
        texts += [stored[name] for name in KEY_FIELDS if stored.get(name)]
    assert len(texts) > 50
    for text in texts:
        for name in KEY_FIELDS:
            assert likeness.key_terms(name, text) == searcher.key_terms_from_text(name, text, numterms=KEY_TERMS), (
                name,
                text[:60],
            )
            whoosh = {term.decode(): weight for term, _, weight, _ in searcher.schema[name].index(text)}
            assert {term: float(count) for term, count in term_counts(name, text).items()} == whoosh


def test_similar_profiles_are_those_of_the_plain_computation(app, seeded):
    search.search_projects("")  # the index has caught up
    store, searcher, snapshot = _store(app)
    ids = [project.id for project in db.session.scalars(db.select(Project).order_by(Project.id))]
    assert len(ids) >= 15
    for project_id in ids:
        for limit in (0, 1, 5, 100):
            assert similar(store, project_id, limit) == reference(searcher, snapshot, project_id, limit), (
                project_id,
                limit,
            )
    assert similar(store, 10**9) == []


def test_ties_by_id_drafts_and_the_profile_itself_left_out(app, make_project):
    twins = [
        make_project(title=f"Gemeinsame Feuerwehr {n}", keywords=["Feuerwehr"], occasion="Die Feuerwehr teilt Geräte.")
        for n in range(7)
    ]
    twins += [make_project(title=f"Gemeinsame Feuerwehr {n}", keywords=["Feuerwehr"]) for n in range(7, 9)]
    change_status(twins[2], "draft", "test")
    db.session.commit()
    search.search_projects("")
    store, searcher, snapshot = _store(app)
    for project in twins:
        found = search.similar_projects(project.id, 8)
        assert found == reference(searcher, snapshot, project.id, 8)
        assert project.id not in found and twins[2].id not in found
    # identical texts score alike: the lower id first
    first = search.similar_projects(twins[0].id, 3)
    assert first == sorted(first) and first[0] == twins[1].id
