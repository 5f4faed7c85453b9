"""Facets of a search: the values of a record, the filters as document sets, the counts.

Shared by the engine (which builds the per-value document sets of a generation) and the
search (which filters and counts with them); it imports neither, so neither imports the other."""

from __future__ import annotations

from collections import Counter
from itertools import chain

from ..i18n import N_
from ..textutil import keyword_key

FACETS = ("keyword", "state", "district", "legal_form", "kind", "since")
#: Since-year facet: (label, first year, last year); labels are marked for the page's translation.
SINCE_RANGES = (
    (N_("vor 2000"), None, 1999),
    ("2000–2009", 2000, 2009),
    ("2010–2019", 2010, 2019),
    (N_("ab 2020"), 2020, None),
)
#: Document sets a snapshot keeps per value: the facets, plus raw legal form and start year for filters.
INDEXED = (*FACETS, "legal_form_raw", "year")


def since_range(year: int | None) -> str | None:
    """The facet label of a start year."""
    if year is None:
        return None
    for label, low, high in SINCE_RANGES:
        if (low is None or year >= low) and (high is None or year <= high):
            return label
    return None


def facet_values(record: dict) -> dict[str, tuple]:
    """The facet values of one record."""
    return {
        "keyword": record["keywords"],
        "state": record["states"],
        "district": record["districts"],
        "legal_form": (record["legal_form"],) if record["legal_form"] else (),
        "kind": record["kinds"],
        "since": (since_range(record["since"]),) if record["since"] else (),
    }


def filter_sets(snapshot, filters: dict) -> dict[str, set]:
    """Per facet with a filter, the document numbers that pass it."""
    values, sets = snapshot.values, {}

    def union(index: dict, wanted) -> set:
        found: set = set()
        for value in wanted:
            found |= index.get(value, set())
        return found

    if filters.get("keywords"):
        wanted = {keyword_key(name) for name in filters["keywords"]}
        sets["keyword"] = union(values["keyword"], [k for k in values["keyword"] if keyword_key(k) in wanted])
    for facet, key in (("state", "states"), ("district", "districts"), ("kind", "kinds")):
        if filters.get(key):
            sets[facet] = union(values[facet], set(filters[key]))
    if filters.get("legal_forms"):
        sets["legal_form"] = union(values["legal_form_raw"], set(filters["legal_forms"]))
    low, high = filters.get("since_from"), filters.get("since_to")
    if low or high:
        sets["since"] = union(
            values["year"], [y for y in values["year"] if (not low or y >= low) and (not high or y <= high)]
        )
    if filters.get("project_ids") is not None:
        # Filters the index cannot answer (participating organisations, places), as allowed profile ids.
        wanted, table = filters["project_ids"], snapshot.table
        sets["project"] = {docnum for docnum in snapshot.live if table[docnum]["id"] in wanted}
    return sets


def count_facets(
    snapshot, base: set, passes: dict[str, set], unpublished: bool = False
) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value over the documents passing every filter but that facet's own,
    so that choosing a second value of a facet (OR) shows what it would add. ``base``: the
    matches among ``snapshot.visible(unpublished)``, before the filters.

    Every facet is counted in one pass over a pool of documents (their facet value numbers,
    ``snapshot.codes``): the pool of all filters for the facets without a filter of their own,
    one more pool per filtered facet. A pool of more than half the visible documents (a word
    in most profiles) is counted as the generation's totals minus the documents not in it."""
    passed = base.intersection(*passes.values()) if passes else base
    shared = _counts(snapshot, passed, unpublished)
    labels = snapshot.facet_codes.labels
    counts: dict[str, list] = {name: [] for name in FACETS}
    for number, count in shared.items():
        name, value = labels[number]
        if name not in passes:
            counts[name].append((value, count))
    for name in passes:
        if name not in counts:
            continue  # a filter without a facet of its own (the participants' profile ids)
        others = [docs for facet, docs in passes.items() if facet != name]
        pool = base.intersection(*others) if others else base
        own = counts[name]
        for number, count in _counts(snapshot, pool, unpublished).items():
            facet, value = labels[number]
            if facet == name:
                own.append((value, count))
    keys = snapshot.sort_keys
    ordered = {name: sorted(counts[name], key=lambda item: (-item[1], keys[item[0]])) for name in FACETS}
    order = [label for label, _, _ in SINCE_RANGES]
    ordered["since"] = sorted(ordered["since"], key=lambda item: order.index(item[0]))
    return ordered


def _counts(snapshot, pool: set, unpublished: bool) -> Counter:
    """Documents of ``pool`` (visible ones) per facet value number, zero counts left out."""
    codes = snapshot.codes
    visible = snapshot.visible(unpublished)
    if 2 * len(pool) > len(visible):
        rest = visible.difference(pool)
        return snapshot.facet_totals(unpublished) - Counter(chain.from_iterable(map(codes.__getitem__, rest)))
    return Counter(chain.from_iterable(map(codes.__getitem__, pool)))
