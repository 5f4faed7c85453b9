"""As-you-type suggestions and "Ähnliche Projekte"."""

from __future__ import annotations

from itertools import chain
from urllib.parse import urlencode

from .analysis import fold
from .engine import _folded, carried
from .likeness import KEY_FIELDS, MATCH_FIELDS, Likeness
from .store import IndexStore

_KIND_ORDER = {"keyword": 0, "organisation": 1, "project": 2}
SUGGEST = ("suggest",)
LIKENESS = ("likeness",)


def _names(record: dict):
    """(kind, name) of a record's keywords and organisations."""
    for name in record["keywords"]:
        yield "keyword", name
    for name in record.get("organisations", ()):
        yield "organisation", name


def _name_entry(kind: str, name: str) -> tuple[str, str, str, str]:
    if kind == "keyword":
        return _folded(name), name, kind, "/projekte?" + urlencode({"stichwort": name})
    return _folded(name), name, kind, "/suche?" + urlencode({"q": f'"{name}"'})


class _Entries:
    """(folded label, label, kind, url) of the published profiles' titles (one per profile) and
    of their keywords and organisations (each once, with the number of profiles that have it,
    so that a generation can be derived from the previous one's: ``_derive_entries``)."""

    def __init__(self, titles: dict, names: dict, counts: dict):
        self.titles, self.names, self.counts = titles, names, counts

    def __iter__(self):
        return chain(self.titles.values(), self.names.values())

    def add(self, table: list, docnums) -> None:
        titles, names, counts = self.titles, self.names, self.counts
        for docnum in docnums:
            record = table[docnum]
            if record["status"] != "published":
                continue
            titles[docnum] = (_folded(record["title"]), record["title"], "project", f"/projekte/{record['slug']}")
            for key in _names(record):
                counts[key] = counts.get(key, 0) + 1
                if key not in names:
                    names[key] = _name_entry(*key)

    def remove(self, table: list, docnums) -> None:
        names, counts = self.names, self.counts
        for docnum in docnums:
            record = table[docnum]
            if record["status"] != "published":
                continue
            del self.titles[docnum]
            for key in _names(record):
                counts[key] -= 1
                if not counts[key]:
                    del counts[key], names[key]


def _entries(table: list) -> _Entries:
    """The suggestion labels of a generation, from its facet records."""
    entries = _Entries({}, {}, {})
    entries.add(table, [d for d, record in enumerate(table) if record is not None])
    return entries


@carried(SUGGEST)
def _derive_entries(old: _Entries, snapshot, previous, removed: list[int], added: list[int]) -> _Entries:
    """The labels of a new generation from the previous one's: only changed profiles are read."""
    entries = _Entries(dict(old.titles), dict(old.names), dict(old.counts))
    entries.remove(previous.table, removed)
    entries.add(snapshot.table, added)
    return entries


def suggest(store: IndexStore, prefix: str, limit: int = 8) -> list[dict]:
    """Labels whose words start with ``prefix`` (folded): keywords, organisations, then titles."""
    wanted = fold(" ".join(prefix.split()))[:100]
    if len(wanted) < 2:
        return []
    hits = []
    snapshot = store.snapshot(store.searcher())
    for folded, label, kind, url in snapshot.remembered(SUGGEST, lambda: _entries(snapshot.table)):
        if folded.startswith(wanted):
            hits.append((0, _KIND_ORDER[kind], len(label), label, kind, url))
        elif f" {wanted}" in folded or f"-{wanted}" in folded:
            hits.append((1, _KIND_ORDER[kind], len(label), label, kind, url))
    hits.sort()
    return [{"label": label, "kind": kind, "url": url} for *_, label, kind, url in hits[: max(0, limit)]]


def similar(store: IndexStore, project_id: int, limit: int = 5) -> list[int]:
    """Published profiles sharing the most distinctive terms with this one (more-like-this):
    remembered per generation, because a profile page asks again."""
    searcher = store.searcher()
    snapshot = store.snapshot(searcher)
    return snapshot.remembered(("similar", project_id, limit), lambda: _similar(searcher, snapshot, project_id, limit))


def _similar(searcher, snapshot, project_id: int, limit: int) -> list[int]:
    """Whoosh's more-like-this model picks up to 12 key terms per text field (Bo1, as
    ``key_terms_from_text``); every published profile is scored by the field-boosted BM25F of
    those terms in its title, keywords and body, each weighted by the term's key-term weight."""
    docnum = searcher.document_number(id=str(project_id))
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    likeness = snapshot.remembered(LIKENESS, lambda: Likeness(snapshot))
    weights: dict[str, float] = {}
    for name in KEY_FIELDS:
        if stored.get(name):
            for term, weight in likeness.key_terms(name, stored[name]):
                weights[term] = weights.get(term, 0.0) + weight
    return likeness.best(
        [(field, term, weight) for term, weight in weights.items() for field in MATCH_FIELDS], docnum, limit
    )
