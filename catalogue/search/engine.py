"""Matching and scoring straight from the postings, with per-generation caches.

Whoosh's own collector walks a tree of matchers document by document in Python (five fields per
term, phrases as span matchers); for a full search (every hit counted for the total and the
facets) that was most of the time in ``scripts/bench_search.py``. Here each (field, term) posting
list is read block by block once into a dict ``docnum -> weighted BM25F score`` (the formula and
parameters of Whoosh's default ``BM25F``), cached for the life of a searcher generation; matching
is then set algebra on those dicts (done in C), and facet counts are intersections with cached
per-value document sets. Typo tolerance (fuzzy terms) is only used for a term no document has,
expanded once against the term lists and cached.

The block reading uses the internals of whoosh-reloaded's W3 codec, all of them in ``w3.py``.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from functools import lru_cache, reduce
from math import log
from operator import or_

from whoosh.automata.lev import levenshtein_automaton
from whoosh.codec.base import Automata
from whoosh.reading import TermNotFound

from .analysis import fold
from .facets import INDEXED, facet_values
from .query import Clause, terms_of
from .schema import FIELD_BOOSTS, TEXT_FIELDS, PhrasePositions
from .w3 import LENGTH_OF_BYTE, block, block_max_id, length_codes, next_block, term_matchers

B, K1 = 0.75, 1.2
FUZZY_BOOST = 0.7
#: At most this many indexed terms stand in for one unknown (mistyped) term, most frequent first.
MAX_FUZZY_TERMS = 12
#: Shorter terms are not matched fuzzily: one edit turns "grun" (Grün) into "grund" (Grundlage).
MIN_FUZZY_LENGTH = 5
#: Cache bounds, in posting entries (about 100 bytes each) and in cached terms.
POSTINGS_CACHE, POSITIONS_CACHE, FUZZY_CACHE = 2_000_000, 1_000_000, 4096
_ONE = 1
#: Folded titles and facet values, kept across generations: a write changes a few of them, and
#: folding every title again was a good part of the first search after each write.
_folded = lru_cache(maxsize=500_000)(fold)


class _LRU:
    """A mapping bounded by the total weight of its values (for a posting dict: its length),
    least recently used first out; thread-safe enough for caches (a lost race recomputes)."""

    def __init__(self, capacity: int):
        self.capacity, self.total = capacity, 0
        self.data: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.data.get(key)
            if found is None:
                return None
            self.data.move_to_end(key)
            return found[0]

    def put(self, key, value, weight: int = 1):
        with self.lock:
            old = self.data.pop(key, None)
            self.total += weight - (old[1] if old else 0)
            self.data[key] = (value, weight)
            while self.total > self.capacity and len(self.data) > 1:
                self.total -= self.data.popitem(last=False)[1][1]
        return value


class _Positions:
    """Positions of one (field, term) per document as a bit mask (bit p: the term is at
    position p), read only for the documents asked for (skipping the posting blocks without
    them) and decoded once. Masks make a phrase check a shift and an AND per document."""

    def __init__(self, snapshot: Snapshot, field: str, term: str):
        self.snapshot, self.field, self.term = snapshot, field, term
        self.decoded: dict[int, int] = {}
        fmt = snapshot.reader.schema[field].format
        self._mask = (
            fmt.mask
            if isinstance(fmt, PhrasePositions)
            else (lambda value: reduce(or_, map(_ONE.__lshift__, fmt.decode_positions(value)), 0))
        )

    def load(self, docnums) -> None:
        missing = sorted(d for d in docnums if d not in self.decoded)
        if not missing:
            return
        decoded = self.decoded
        for offset, matcher in self.snapshot.matchers(self.field, self.term):
            # Walk the block headers; only blocks holding a wanted document are read and only
            # the wanted documents' positions decoded (a frequent word has thousands).
            first = bisect_left(missing, offset)
            while matcher.is_active() and first < len(missing):
                last = bisect_right(missing, offset + block_max_id(matcher), first)
                if last > first:
                    ids, _, values = block(matcher, offset, values=True)
                    where = dict(zip(ids, range(len(ids))))
                    found = [d for d in missing[first:last] if d in where]
                    mask = self._mask
                    decoded.update((d, mask(values[where[d]])) for d in found)
                first = last
                next_block(matcher)

    def __getitem__(self, docnum: int) -> int:
        return self.decoded.get(docnum, 0)


class Snapshot:
    """Everything derived from one searcher generation: facet records, document sets per facet
    value, sort orders, field lengths and cached posting dicts."""

    def __init__(self, searcher, table: list):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.table = table
        self.doc_count = self.reader.doc_count_all()
        self.leaves = list(self.reader.leaf_readers())
        self.live = frozenset(d for d, record in enumerate(table) if record is not None)
        self.published = frozenset(d for d in self.live if table[d]["status"] == "published")
        self._lengths: dict[str, list] = {}
        self._avg: dict[str, float] = {}
        self._postings = _LRU(POSTINGS_CACHE)
        self._positions = _LRU(POSITIONS_CACHE)
        self._fuzzy = _LRU(FUZZY_CACHE)
        self._memo = _LRU(FUZZY_CACHE)
        self._orders: dict[str, list] = {}
        self._lock = threading.Lock()
        self.values = self._value_index()

    # ------------------------------------------------------------------ per-document data

    def _value_index(self) -> dict[str, dict]:
        """Per facet: value -> document set; also fills ``per_document`` (per facet: document
        number -> values, for the live documents only) and ``sort_keys``. One pass over the
        live documents: nothing here is as long as the catalogue per document."""
        index: dict[str, dict] = {name: {} for name in INDEXED}
        self.per_document: dict[str, dict] = {name: {} for name in index}
        per_document = self.per_document
        for docnum in self.live:
            record = self.table[docnum]
            for name, values in facet_values(record).items():
                bucket = index[name]
                per_document[name][docnum] = values
                for value in values:
                    bucket.setdefault(value, set()).add(docnum)
            index["legal_form_raw"].setdefault(record["legal_form"], set()).add(docnum)
            if record["since"] is not None:
                index["year"].setdefault(record["since"], set()).add(docnum)
        self.sort_keys = {
            value: _folded(value) for values in index.values() for value in values if isinstance(value, str)
        }
        return index

    def lengths(self, field: str) -> list:
        """Field length per document number (as Whoosh stores it: one byte, approximated)."""
        found = self._lengths.get(field)
        if found is None:
            found = [1] * self.doc_count
            for leaf, offset in self.leaves:
                codes = length_codes(leaf, field)
                if codes is not None:
                    found[offset : offset + len(codes)] = [LENGTH_OF_BYTE[code] or 1 for code in codes]
            self._lengths[field] = found
        return found

    def avg_length(self, field: str) -> float:
        if field not in self._avg:
            self._avg[field] = (self.reader.field_length(field) / (self.doc_count or 1)) or 1.0
        return self._avg[field]

    def order(self, sort: str) -> list[int]:
        """Live document numbers in the order of a sort (titel, neueste, seit)."""
        found = self._orders.get(sort)
        if found is None:
            table = self.table
            keys = {
                "titel": lambda d: (_folded(table[d]["title"]), table[d]["id"]),
                "neueste": lambda d: (-table[d]["updated"], -table[d]["id"]),
                "seit": lambda d: (
                    table[d]["since"] is None,
                    -(table[d]["since"] or 0),
                    _folded(table[d]["title"]),
                    table[d]["id"],
                ),
            }
            found = sorted(self.live, key=keys[sort])
            self._orders[sort] = found
        return found

    def title_rank(self) -> dict[int, int]:
        found = self._orders.get("_rank")
        if found is None:
            found = {docnum: rank for rank, docnum in enumerate(self.order("titel"))}
            self._orders["_rank"] = found
        return found

    def remembered(self, key, compute):
        """``compute()``, once per generation for a key (bounded, least recently used out)."""
        found = self._memo.get(key)
        return found if found is not None else self._memo.put(key, compute())

    # ------------------------------------------------------------------ postings

    def matchers(self, field: str, term: str):
        """(document number offset, block matcher) of ``term`` in ``field``, per segment."""
        return term_matchers(self.leaves, field, term)

    def _blocks(self, field: str, term: str):
        """(ids, weights) per posting block of every segment, ids as document numbers."""
        for offset, matcher in self.matchers(field, term):
            while matcher.is_active():
                yield block(matcher, offset)[:2]
                next_block(matcher)

    def postings(self, field: str, term: str) -> dict[int, float]:
        """docnum -> field-boosted BM25F score of ``term`` in ``field`` (cached)."""
        key = (field, term)
        found = self._postings.get(key)
        if found is not None:
            return found
        df = self.reader.doc_frequency(field, term)
        if not df:
            return self._postings.put(key, {})
        idf = log(self.doc_count / (df + 1)) + 1
        factor = FIELD_BOOSTS[field] * idf * (K1 + 1)
        lengths, norm = self.lengths(field), B / self.avg_length(field)
        base = K1 * (1 - B)
        scores: dict[int, float] = {}
        for ids, weights in self._blocks(field, term):
            scores.update({d: factor * w / (w + base + K1 * norm * lengths[d]) for d, w in zip(ids, weights)})
        return self._postings.put(key, scores, len(scores) + 1)

    def positions(self, field: str, term: str, docnums) -> _Positions:
        """Positions of ``term`` in ``field`` for (at least) ``docnums`` (cached per generation)."""
        key = (field, term)
        found = self._positions.get(key) or _Positions(self, field, term)
        found.load(docnums)
        return self._positions.put(key, found, len(found.decoded) + 1)

    def known(self, term: str) -> bool:
        return any(self.reader.doc_frequency(name, term) for name in TEXT_FIELDS)

    def fuzzy(self, term: str) -> tuple[str, ...]:
        """Indexed terms within a small edit distance of an unknown term, most frequent first."""
        found = self._fuzzy.get(term)
        if found is not None:
            return found
        maxdist = 1 if len(term) < 8 else 2
        # One automaton for every field (``reader.terms_within`` builds one per call, the costly part).
        dfa = levenshtein_automaton(term, maxdist, prefix=2).to_dfa()
        frequency: dict[str, int] = {}
        for name in TEXT_FIELDS:
            found: set[str] = set()
            for leaf, _ in self.leaves:  # per segment: Whoosh's MultiCursor finds nothing
                try:
                    found.update(Automata.find_matches(dfa, leaf.cursor(name)))
                except (TermNotFound, KeyError):
                    continue
            for candidate in found:
                frequency[candidate] = frequency.get(candidate, 0) + self.reader.doc_frequency(name, candidate)
        ordered = sorted(frequency, key=lambda t: (-frequency[t], t))[:MAX_FUZZY_TERMS]
        return self._fuzzy.put(term, tuple(ordered))


# ---------------------------------------------------------------------- matching


def _add(total: dict[int, float], part: dict[int, float], factor: float = 1.0) -> dict[int, float]:
    """Union of two score dicts, summing (``total`` is modified and returned)."""
    if factor == 1.0:
        for docnum, score in part.items():
            total[docnum] = total.get(docnum, 0.0) + score
    else:
        for docnum, score in part.items():
            total[docnum] = total.get(docnum, 0.0) + factor * score
    return total


def _union(parts: list[tuple[dict, float]]) -> dict[int, float]:
    parts = [(part, factor) for part, factor in parts if part]
    if not parts:
        return {}
    parts.sort(key=lambda item: -len(item[0]))
    first, factor = parts[0]
    total = dict(first) if factor == 1.0 else {d: factor * s for d, s in first.items()}
    for part, factor in parts[1:]:
        _add(total, part, factor)
    return total


def _intersection(parts: list[dict[int, float]]) -> dict[int, float]:
    """Documents in every part, scores summed (a single part is returned as it is: read-only)."""
    parts = sorted(parts, key=len)
    if not parts or not parts[0]:
        return {}
    if len(parts) == 1:
        return parts[0]
    keys = parts[0].keys() & parts[1].keys()
    if len(parts) == 2:
        first, second = parts
        return {d: first[d] + second[d] for d in keys}
    keys = keys.intersection(*parts[2:])
    return {d: sum(part[d] for part in parts) for d in keys}


class Matcher:
    """Evaluates parsed clauses on a snapshot: {docnum: score} plus the terms to highlight."""

    def __init__(self, snapshot: Snapshot):
        self.snap = snapshot
        self.highlight: set[str] = set()
        #: (field, term) pairs whose postings matched (to find the field a snippet comes from)
        self.used: list[tuple[str, str]] = []
        #: whether a term no document has was matched by similar indexed terms (a typo)
        self.fuzzy_matched = False

    def _term(self, term: str, positive: bool) -> dict[int, float]:
        snap = self.snap
        if snap.known(term) or len(term) < MIN_FUZZY_LENGTH or not term.isalpha():
            variants, factor = [term], 1.0
        else:
            variants, factor = list(snap.fuzzy(term)), FUZZY_BOOST
            self.fuzzy_matched = self.fuzzy_matched or (positive and bool(variants))
        parts = []
        for variant in variants:
            for name in TEXT_FIELDS:
                scores = snap.postings(name, variant)
                if scores:
                    parts.append((scores, factor))
                    if positive:
                        self.used.append((name, variant))
            if positive:
                self.highlight.add(variant)
        return _union(parts)

    def _phrase(self, terms: list[str], positive: bool) -> dict[int, float]:
        snap, parts = self.snap, []
        for name in TEXT_FIELDS:
            per_term = [snap.postings(name, term) for term in terms]
            if not all(per_term):
                continue
            candidates = set(per_term[0]).intersection(*per_term[1:])
            if not candidates:
                continue
            first, *rest = [snap.positions(name, term, candidates) for term in terms]
            if len(rest) == 1:  # the common case, as one comprehension
                a, b, one, two = first.decoded, rest[0].decoded, per_term[0], per_term[1]
                hits = {d: one[d] + two[d] for d in candidates if a[d] & (b[d] >> 1)}
            else:
                hits = {}
                for docnum in candidates:
                    starts = first[docnum]  # bit p: the phrase may start at position p
                    for step, masks in enumerate(rest, start=1):
                        starts &= masks[docnum] >> step
                        if not starts:
                            break
                    if starts:
                        hits[docnum] = sum(scores[docnum] for scores in per_term)
            if hits:
                parts.append((hits, 1.0))
                if positive:
                    self.used += [(name, term) for term in terms]
        if positive:
            self.highlight.update(terms)
        return _union(parts)

    def _clause(self, clause: Clause, positive: bool) -> dict[int, float] | None:
        terms = terms_of(clause.words)
        if not terms:
            return None
        if clause.phrase and len(terms) > 1:
            return self._phrase(terms, positive)
        return _intersection([self._term(term, positive) for term in dict.fromkeys(terms)])

    def run(self, clauses: list[Clause]) -> dict[int, float] | None:
        """Scores of the matching documents, or None when nothing searchable is left (all)."""
        positive, negative = [], []
        for clause in clauses:
            options = [
                m
                for m in (self._clause(c, not clause.negated) for c in [clause, *clause.alternatives])
                if m is not None
            ]
            if not options:
                continue
            combined = options[0] if len(options) == 1 else _union([(option, 1.0) for option in options])
            (negative if clause.negated else positive).append(combined)
        if not positive and not negative:
            return None
        scores = _intersection(positive) if positive else dict.fromkeys(self.snap.live, 0.0)
        if negative:
            excluded = set().union(*negative)
            scores = {d: s for d, s in scores.items() if d not in excluded}
        return scores

    def fields_of(self, docnum: int) -> set[str]:
        """The text fields in which a positive term occurs in this document."""
        return {name for name, term in self.used if docnum in self.snap.postings(name, term)}
