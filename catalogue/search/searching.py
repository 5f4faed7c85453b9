"""A full search over one index: matches, filters, facet counts, order, page, snippets."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from itertools import compress, islice

from markupsafe import Markup

from .analysis import place_words
from .engine import Matcher
from .facets import count_facets, filter_sets
from .highlight import snippet
from .query import clean, parse
from .spelling import corrected_text, suggest_correction
from .store import IndexStore

SORTS = ("relevanz", "titel", "neueste", "seit")
_FEW = 3


@dataclass
class SearchResult:
    """Ids of one page in order, the total, facet counts, snippets and a spelling suggestion."""

    ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    snippets: dict[int, Markup] = field(default_factory=dict)
    suggestion: str | None = None
    #: the query as it was understood when typos were matched by similar words ("Digitalisierung")
    corrected: str | None = None
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def _page(snapshot, matches: set, scores: dict | None, sort: str, start: int, stop: int) -> list[int]:
    """Document numbers of one page: a partial selection, never a sort of every hit."""
    if sort == "relevanz" and scores is not None:
        if not matches or start >= len(matches):
            return []
        ranked = heapq.nlargest(stop, map(scores.__getitem__, matches))
        threshold = ranked[-1]
        title = snapshot.order_key("titel")  # equal scores in title order
        # Iterated twice in the same order (the set is not changed in between), in C.
        candidates = list(compress(matches, map(threshold.__le__, map(scores.__getitem__, matches))))
        candidates.sort(key=lambda d: (-scores[d], title(d)))
        return candidates[start:stop]
    order = snapshot.order("titel" if sort == "relevanz" else sort)
    if len(matches) == len(snapshot.live):
        return order[start:stop]
    return list(islice((d for d in order if d in matches), start, stop))


def run_search(
    store: IndexStore,
    q: str = "",
    filters: dict | None = None,
    sort: str = "relevanz",
    page: int = 1,
    per_page: int = 20,
    include_unpublished: bool = False,
    with_facets: bool = True,
    correct: bool = True,
) -> SearchResult:
    """The search behind /suche, the API and the benchmark (bad text raises SearchQueryError)."""
    filters = filters or {}
    sort = sort if sort in SORTS else "relevanz"
    page, per_page = max(1, int(page)), max(1, min(int(per_page), 100))
    text = clean(q or "")
    clauses = parse(text)
    searcher = store.searcher()
    snapshot = store.snapshot(searcher)
    matcher = Matcher(snapshot)
    scores = matcher.run(clauses)
    visible = snapshot.visible(include_unpublished)
    base = visible if scores is None else snapshot.matching(scores, include_unpublished)
    passes = filter_sets(snapshot, filters)
    matches = base.intersection(*passes.values()) if passes else base
    if sort == "relevanz" and scores is None:
        sort = "titel"
    shown = _page(snapshot, matches, scores, sort, (page - 1) * per_page, page * per_page)
    table = snapshot.table
    result = SearchResult(
        ids=[table[d]["id"] for d in shown],
        total=len(matches),
        page=page,
        per_page=per_page,
        facets=count_facets(snapshot, base, passes, include_unpublished) if with_facets else {},
    )
    terms = matcher.highlight if scores is not None else set()
    for docnum in shown:
        fields = matcher.fields_of(docnum) if terms else set()
        whole = place_words(table[docnum].get("places", ()))
        result.snippets[table[docnum]["id"]] = snippet(searcher.stored_fields(docnum), terms, fields, whole)
    if correct and matcher.fuzzy_matched and matches:
        result.corrected = corrected_text(snapshot, text, clauses)
    if correct and clauses and len(matches) < _FEW and not result.corrected:
        result.suggestion = suggest_correction(
            snapshot,
            text,
            clauses,
            len(matches),
            lambda candidate: _count(store, candidate, filters, include_unpublished),
        )
    return result


def _count(store: IndexStore, q: str, filters: dict, include_unpublished: bool) -> int:
    return (
        run_search(store, q, filters, "relevanz", 1, 1, include_unpublished, with_facets=False, correct=False).total
        if q
        else 0
    )


def match_scores(store: IndexStore, q: str = "", filters: dict | None = None) -> dict[int, float]:
    """Every published profile matching the text and filters, id → relevance (BM25F; 1.0 for
    all when there is no text): for rankings that combine relevance with something else, such
    as the partner search's distance (catalogue/places/partners.py)."""
    clauses = parse(clean(q or ""))
    snapshot = store.snapshot(store.searcher())
    scores = Matcher(snapshot).run(clauses)
    base = snapshot.published if scores is None else snapshot.published & scores.keys()
    passes = filter_sets(snapshot, filters or {})
    matches = base.intersection(*passes.values()) if passes else base
    table = snapshot.table
    return {table[d]["id"]: (scores[d] if scores is not None else 1.0) for d in matches}
