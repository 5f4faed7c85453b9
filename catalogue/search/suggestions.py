"""As-you-type suggestions and "Ähnliche Projekte"."""

from __future__ import annotations

import heapq
from urllib.parse import urlencode

from .analysis import fold
from .engine import _union
from .store import IndexStore

_KIND_ORDER = {"keyword": 0, "organisation": 1, "project": 2}


def _entries(table: list) -> list[tuple[str, str, str, str]]:
    """(folded label, label, kind, url) of the published profiles' titles, keywords, organisations."""
    seen, entries = set(), []
    for record in table:
        if record is None or record["status"] != "published":
            continue
        entries.append((fold(record["title"]), record["title"], "project", f"/projekte/{record['slug']}"))
        for kind, names, url in (
            ("keyword", record["keywords"], lambda n: "/projekte?" + urlencode({"stichwort": n})),
            ("organisation", record.get("organisations", ()), lambda n: "/suche?" + urlencode({"q": f'"{n}"'})),
        ):
            for name in names:
                if (kind, name) not in seen:
                    seen.add((kind, name))
                    entries.append((fold(name), name, kind, url(name)))
    return entries


def suggest(store: IndexStore, prefix: str, limit: int = 8) -> list[dict]:
    """Labels whose words start with ``prefix`` (folded): keywords, organisations, then titles."""
    wanted = fold(" ".join(prefix.split()))[:100]
    if len(wanted) < 2:
        return []
    hits = []
    snapshot = store.snapshot(store.searcher())
    for folded, label, kind, url in snapshot.remembered(("suggest",), lambda: _entries(snapshot.table)):
        if folded.startswith(wanted):
            hits.append((0, _KIND_ORDER[kind], len(label), label, kind, url))
        elif f" {wanted}" in folded or f"-{wanted}" in folded:
            hits.append((1, _KIND_ORDER[kind], len(label), label, kind, url))
    hits.sort()
    return [{"label": label, "kind": kind, "url": url} for *_, label, kind, url in hits[: max(0, limit)]]


def similar(store: IndexStore, project_id: int, limit: int = 5) -> list[int]:
    """Published profiles sharing the most distinctive terms with this one (more-like-this).

    Whoosh picks the terms (``key_terms_from_text``, its more-like-this model); scoring them
    with Whoosh's collector took seconds at 10 000 profiles, with the cached posting dicts of
    the engine about a tenth of a second, and a profile page asks again: remembered per generation."""
    searcher = store.searcher()
    snapshot = store.snapshot(searcher)
    return snapshot.remembered(("similar", project_id, limit), lambda: _similar(searcher, snapshot, project_id, limit))


def _similar(searcher, snapshot, project_id: int, limit: int) -> list[int]:
    docnum = searcher.document_number(id=str(project_id))
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    weights: dict[str, float] = {}
    for name in ("title", "keywords", "summary", "body"):
        if stored.get(name):
            for term, weight in searcher.key_terms_from_text(name, stored[name], numterms=12):
                weights[term] = weights.get(term, 0.0) + weight
    scores = _union(
        [
            (snapshot.postings(field, term), weight)
            for term, weight in weights.items()
            for field in ("title", "keywords", "body")
        ]
    )
    table, published = snapshot.table, snapshot.published
    candidates = (d for d in scores if d in published and d != docnum)
    best = heapq.nlargest(limit, candidates, key=lambda d: (scores[d], -table[d]["id"]))
    return [table[d]["id"] for d in best]
