"""As-you-type suggestions and "Ähnliche Projekte"."""

from __future__ import annotations

from urllib.parse import urlencode

from whoosh import query as wq

from .analysis import fold
from .schema import FIELD_BOOSTS
from .store import IndexStore

_KIND_ORDER = {"keyword": 0, "organisation": 1, "project": 2}


def _entries(store: IndexStore, searcher) -> list[tuple[str, str, str, str]]:
    """(folded label, label, kind, url) of the published profiles, cached per searcher."""
    cache = getattr(store, "_suggest_cache", None)
    if cache is not None and cache[0] is searcher:
        return cache[1]
    seen, entries = set(), []
    for record in store.facet_table(searcher):
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
    store._suggest_cache = (searcher, entries)
    return entries


def suggest(store: IndexStore, prefix: str, limit: int = 8) -> list[dict]:
    """Labels whose words start with ``prefix`` (folded): keywords, organisations, then titles."""
    wanted = fold(" ".join(prefix.split()))[:100]
    if len(wanted) < 2:
        return []
    hits = []
    for folded, label, kind, url in _entries(store, store.searcher()):
        if folded.startswith(wanted):
            hits.append((0, _KIND_ORDER[kind], len(label), label, kind, url))
        elif f" {wanted}" in folded or f"-{wanted}" in folded:
            hits.append((1, _KIND_ORDER[kind], len(label), label, kind, url))
    hits.sort()
    return [{"label": label, "kind": kind, "url": url} for *_, label, kind, url in hits[:max(0, limit)]]


def similar(store: IndexStore, project_id: int, limit: int = 5) -> list[int]:
    """Published profiles sharing the most distinctive terms with this one (more-like-this)."""
    searcher = store.searcher()
    docnum = searcher.document_number(id=str(project_id))
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    table = store.facet_table(searcher)
    clauses = []
    for name in ("title", "keywords", "summary", "body"):
        text = stored.get(name) or ""
        if text:
            for term, weight in searcher.key_terms_from_text(name, text, numterms=12):
                clauses += [wq.Term(field, term, boost=weight * FIELD_BOOSTS[field]) for field in ("title", "keywords", "body")]
    if not clauses:
        return []
    ids = []
    for _, hit_docnum in searcher.search(wq.Or(clauses), limit=limit * 4 + 10).top_n:
        record = table[hit_docnum] if hit_docnum < len(table) else None
        if record and record["status"] == "published" and record["id"] != project_id:
            ids.append(record["id"])
        if len(ids) >= limit:
            break
    return ids
