"""Matching and scoring straight from the postings, with per-generation caches.

Whoosh's own collector walks a tree of matchers document by document in Python (five fields per
term, phrases as span matchers); for a full search (every hit counted for the total and the
facets) that was most of the time in ``scripts/bench_search.py``. Here each (field, term) posting
list is read block by block once into a dict ``docnum -> weighted BM25F score`` (the formula and
parameters of Whoosh's default ``BM25F``), cached for the life of a searcher generation; matching
is then set algebra on those dicts (done in C), and facet counts are intersections with cached
per-value document sets. Typo tolerance (fuzzy terms) is only used for a term no document has,
expanded once against the term lists and cached.

A write makes a new generation (a small new segment, deletions marked in the others). What is
read from a segment stays valid as long as the segment exists, so it is kept across generations
in a ``SegmentCache`` (decoded posting blocks, positions, field lengths, terms near a typo); only
the scores are computed again, because idf and average lengths change with every write. The
next ``Snapshot`` is derived from the previous one (set operations, copy-on-write value sets,
patched sort orders) instead of being built from every record again.

The block reading uses the internals of whoosh-reloaded's W3 codec, all of them in ``w3.py``.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right, insort
from collections import Counter, OrderedDict
from functools import lru_cache, partial, reduce
from itertools import chain, count, filterfalse
from math import log
from operator import add, mul, or_

from whoosh.automata.lev import levenshtein_automaton
from whoosh.codec.base import Automata
from whoosh.reading import TermNotFound
from whoosh.support.levenshtein import distance

from .analysis import fold
from .facets import FACETS, INDEXED, facet_values
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


def segment_key(leaf):
    """The id of a leaf reader's segment, or a key of its own for a reader without one."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return segment.segment_id() if segment is not None else ("unsaved", next(_UNSAVED))


_UNSAVED = count()


@lru_cache(maxsize=256)
def _automaton(term: str, maxdist: int, prefix: int = 2):
    """The Levenshtein automaton of a typo (read-only once built; Whoosh builds one per call)."""
    return levenshtein_automaton(term, maxdist, prefix=prefix).to_dfa()


def _position_masks(leaf, field: str, term: str, missing: list[int], decoded: dict[int, int]) -> None:
    """Add the positions of ``term`` in ``field`` of the ``missing`` documents (sorted document
    numbers within the segment) that have it to ``decoded``, as bit masks (bit p: the term is at
    position p). Only the posting blocks holding a wanted document are read, and only the wanted
    documents' positions decoded (a frequent word has thousands)."""
    fmt = leaf.schema[field].format
    mask = (
        fmt.mask
        if isinstance(fmt, PhrasePositions)
        else (lambda value: reduce(or_, map(_ONE.__lshift__, fmt.decode_positions(value)), 0))
    )
    for _, matcher in term_matchers([(leaf, 0)], field, term):
        first = 0
        while matcher.is_active() and first < len(missing):
            last = bisect_right(missing, block_max_id(matcher), first)
            if last > first:
                ids, _, values = block(matcher, 0, values=True)
                where = dict(zip(ids, range(len(ids))))
                decoded.update((d, mask(values[where[d]])) for d in missing[first:last] if d in where)
            first = last
            next_block(matcher)


class SegmentCache:
    """What is read from single segments, kept across generations (one per index store).

    A segment never changes once written: a write adds a segment, marks deleted documents in the
    index's table of contents and merges small segments into a new one. So the posting blocks of
    a segment decoded into (document numbers, weights), its positions as bit masks, its field
    lengths and its terms near a typo hold as long as the segment is in use, and after a write
    only the new segment is read; the scores, which depend on the whole index (idf, average field
    length), are computed per generation from them. Keyed by segment id; the bounded caches let
    segments no longer in use age out, the field lengths are dropped with ``retain``."""

    def __init__(self):
        self.postings = _LRU(POSTINGS_CACHE)
        self.positions = _LRU(POSITIONS_CACHE)
        self.near = _LRU(FUZZY_CACHE)
        self._lengths: dict[tuple, list[int]] = {}
        #: how often a (field, term) posting list was decoded, per segment id (the tests' witness)
        self.decoded: Counter = Counter()

    def retain(self, segments) -> None:
        """Drop the field lengths of segments other than ``segments`` (ids)."""
        keep = set(segments)
        for key in [key for key in list(self._lengths) if key[0] not in keep]:
            self._lengths.pop(key, None)

    def lengths(self, segment, leaf, field: str) -> list[int]:
        """Field length per document of one segment (as Whoosh stores it: one byte, approximated)."""
        found = self._lengths.get((segment, field))
        if found is None:
            codes = length_codes(leaf, field)
            found = [LENGTH_OF_BYTE[code] or 1 for code in codes] if codes is not None else []
            found += [1] * (leaf.doc_count_all() - len(found))
            self._lengths[(segment, field)] = found
        return found

    def raw_postings(self, segment, leaf, field: str, term: str) -> tuple[array, list, array]:
        """``term`` in ``field`` of one segment: (document numbers within the segment, the
        distinct (weight, field length) pairs of its postings, per posting the index of its pair).

        A score depends on the posting only through its weight and its document's field length
        (one of 256 lossy values), so a posting list of thousands has a few hundred pairs: a new
        generation computes the score of each pair (``Snapshot.postings``) and maps the postings
        to them in C, instead of evaluating the formula per posting."""
        key = (segment, field, term)
        found = self.postings.get(key)
        if found is None:
            ids = array("i")  # compact: 4 bytes a document number, 2 or 4 its pair
            lengths, pairs, keys = self.lengths(segment, leaf, field), {}, []
            for _, matcher in term_matchers([(leaf, 0)], field, term):
                while matcher.is_active():
                    block_ids, block_weights, _ = block(matcher, 0)
                    ids.extend(block_ids)
                    keys += [pairs.setdefault((w, lengths[d]), len(pairs)) for d, w in zip(block_ids, block_weights)]
                    next_block(matcher)
            self.decoded[segment] += 1
            found = (ids, list(pairs), array("H" if len(pairs) < 65536 else "I", keys))
            found = self.postings.put(key, found, len(ids) + 1)
        return found

    def position_masks(self, segment, leaf, field: str, term: str, wanted: list[int]) -> dict[int, int]:
        """Bit masks of ``term`` in ``field`` per document of one segment, read at least for the
        ``wanted`` documents (sorted, within the segment) that have the term."""
        key = (segment, field, term)
        decoded = self.positions.get(key)
        if decoded is None:
            decoded = {}
        missing = [d for d in wanted if d not in decoded]
        if missing:
            _position_masks(leaf, field, term, missing, decoded)
        return self.positions.put(key, decoded, len(decoded) + 1)

    def terms_near(self, segment, leaf, field: str, term: str, maxdist: int) -> frozenset[str]:
        """Terms of ``field`` in one segment within ``maxdist`` edits of ``term``."""
        key = (segment, field, term, maxdist)
        found = self.near.get(key)
        if found is None:
            try:
                found = frozenset(Automata.find_matches(_automaton(term, maxdist), leaf.cursor(field)))
            except (TermNotFound, KeyError):
                found = frozenset()
            self.near.put(key, found)
        return found

    def spelling_near(self, segment, leaf, field: str, word: str, maxdist: int, automaton: bool) -> frozenset[str]:
        """Terms of ``field`` in one segment that Whoosh's spelling corrector (prefix 1) takes
        as within ``maxdist`` edits of ``word``: with a Levenshtein automaton when the index is
        a single segment (``SegmentReader.terms_within``), else by the restricted
        Damerau-Levenshtein distance of every term with the same first letter
        (``IndexReader.terms_within``, which a reader of several segments uses). Computed once
        per segment: a new generation asks only its new segments."""
        key = (segment, field, word, maxdist, "spelling", automaton)
        found = self.near.get(key)
        if found is None:
            if automaton:
                found = frozenset(Automata.find_matches(_automaton(word, maxdist, 1), leaf.cursor(field)))
            else:
                decode = leaf.schema[field].from_bytes
                found = frozenset(
                    term
                    for term in map(decode, leaf.expand_prefix(field, word[:1]))
                    # A length differing by more than maxdist is more than maxdist edits away.
                    if abs(len(term) - len(word)) <= maxdist and distance(term, word, limit=maxdist) <= maxdist
                )
            self.near.put(key, found)
        return found


class _Positions:
    """Positions of one (field, term) per document number of a generation as bit masks, read
    only for the documents asked for; taken from the segments' cached masks where they have them."""

    def __init__(self, snapshot: Snapshot, field: str, term: str):
        self.snapshot, self.field, self.term = snapshot, field, term
        self.decoded: dict[int, int] = {}

    def load(self, docnums) -> None:
        missing = sorted(d for d in docnums if d not in self.decoded)
        if not missing:
            return
        snap, decoded = self.snapshot, self.decoded
        for segment, leaf, offset, size in snap.segments:
            first, last = bisect_left(missing, offset), bisect_left(missing, offset + size)
            if first == last:
                continue
            wanted = [d - offset for d in missing[first:last]]
            masks = snap.cache.position_masks(segment, leaf, self.field, self.term, wanted)
            decoded.update((offset + d, masks[d]) for d in wanted if d in masks)

    def __getitem__(self, docnum: int) -> int:
        return self.decoded.get(docnum, 0)


def _indexed(record: dict) -> dict[str, tuple]:
    """The values of one record per document set a snapshot keeps (``INDEXED``)."""
    values = facet_values(record)
    values["legal_form_raw"] = (record["legal_form"],)
    values["year"] = (record["since"],) if record["since"] is not None else ()
    return values


def _changes(old: Snapshot, new: Snapshot) -> tuple[list[int], list[int]]:
    """Document numbers whose document differs between two generations: (the old generation's
    live documents to remove, the new one's to add). A segment at the same place in both differs
    only by its deletions (segments never change); the documents of any other segment are
    removed or added as a whole. The work is in proportion to the changes and the deletions."""
    before = {(segment, offset): leaf for segment, leaf, offset, _ in old.segments}
    old_table, new_table = old.table, new.table
    removed: list[int] = []
    added: list[int] = []
    kept = set()
    for segment, leaf, offset, size in new.segments:
        previous = before.get((segment, offset))
        if previous is None:
            added += [d for d in range(offset, offset + size) if new_table[d] is not None]
            continue
        kept.add((segment, offset))
        was, now = _deleted(previous), _deleted(leaf)
        if was != now:
            removed += [offset + d for d in now - was if old_table[offset + d] is not None]
            added += [offset + d for d in was - now if new_table[offset + d] is not None]
    for segment, _, offset, size in old.segments:
        if (segment, offset) not in kept:
            removed += [d for d in range(offset, offset + size) if old_table[d] is not None]
    return removed, added


def _deleted(leaf) -> frozenset[int]:
    return frozenset(leaf.segment().deleted_docs())


class FacetCodes:
    """A number for each (facet, value), shared by the generations of one store (it only grows).

    A document's facet values as one tuple of small integers let a search count every facet in
    one pass over its matches (``facets.count_facets``: a ``Counter`` in C) instead of one pass
    or one set intersection per facet and value."""

    def __init__(self):
        self.numbers: dict[tuple[str, object], int] = {}
        #: number -> (facet, value)
        self.labels: list[tuple[str, object]] = []
        self._lock = threading.Lock()

    def of(self, values: dict[str, tuple]) -> tuple[int, ...]:
        """The numbers of a record's facet values (``facet_values``), each once."""
        numbers, found = self.numbers, []
        for name in FACETS:
            for value in values[name]:
                number = numbers.get((name, value))
                if number is None:
                    with self._lock:
                        number = numbers.setdefault((name, value), len(self.labels))
                        if number == len(self.labels):
                            self.labels.append((name, value))
                found.append(number)
        return tuple(dict.fromkeys(found))


#: Values remembered per generation (``Snapshot.remembered``) that a new generation derives from
#: the previous one's: key -> derive(value, snapshot, previous, removed, added).
CARRIED: dict = {}


def carried(key):
    """Register how a remembered value is derived from the previous generation's (a decorator)."""

    def register(derive):
        CARRIED[key] = derive
        return derive

    return register


class Snapshot:
    """Everything derived from one searcher generation: facet records, document sets per facet
    value, sort orders and cached posting dicts.

    Given the previous generation's snapshot, a new one is derived from it when few documents
    changed (a write: a small new segment and a few deletions): the live and published sets, the
    per-value document sets (copy-on-write: only the touched values get new sets), the sort
    orders (patched) and the registered remembered values; what is read from unchanged segments
    comes from the ``SegmentCache``. The result is the same as a snapshot built from nothing
    (``tests/search/test_incremental.py`` compares them)."""

    def __init__(self, searcher, table: list, previous: Snapshot | None = None, cache: SegmentCache | None = None):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.table = table
        self.doc_count = self.reader.doc_count_all()
        self.leaves = list(self.reader.leaf_readers())
        self.cache = cache if cache is not None else SegmentCache()
        #: (segment key, leaf reader, first document number, number of documents) per segment
        self.segments = [(segment_key(leaf), leaf, offset, leaf.doc_count_all()) for leaf, offset in self.leaves]
        self.cache.retain(segment for segment, *_ in self.segments)
        self._avg: dict[str, float] = {}
        self._postings = _LRU(POSTINGS_CACHE)
        self._positions = _LRU(POSITIONS_CACHE)
        self._fuzzy = _LRU(FUZZY_CACHE)
        self._memo = _LRU(FUZZY_CACHE)
        self._orders: dict[str, list] = {}
        self._lock = threading.Lock()
        self.facet_codes = previous.facet_codes if previous is not None else FacetCodes()
        removed, added = _changes(previous, self) if previous is not None else (None, None)
        #: whether this generation was derived from the previous one (or built from nothing)
        self.derived = previous is not None and len(removed) + len(added) <= len(previous.live) // 2
        if self.derived:
            self._derive(previous, removed, added)
        else:
            self.live = frozenset(d for d, record in enumerate(table) if record is not None)
            self.published = frozenset(d for d in self.live if table[d]["status"] == "published")
            self.values = self._value_index()
            #: facet value -> its sort key among values of the same count (a total order)
            self.sort_keys = {}
            self._sort_keys(self.values.values())

    def _sort_keys(self, values) -> None:
        keys = self.sort_keys
        for value in chain.from_iterable(values):
            if isinstance(value, str) and value not in keys:
                keys[value] = (_folded(value), value)

    # ------------------------------------------------------------------ per-document data

    def _value_index(self) -> dict[str, dict]:
        """Per facet: value -> document set; also fills ``codes`` (document number -> the
        numbers of its facet values, for the live documents only). One pass over the live
        documents: nothing here is as long as the catalogue per document."""
        index: dict[str, dict] = {name: {} for name in INDEXED}
        #: document number -> its facet values as ``FacetCodes`` numbers (live documents only)
        self.codes: dict[int, tuple[int, ...]] = {}
        codes, numbers_of = self.codes, self.facet_codes.of
        for docnum in self.live:
            values = _indexed(self.table[docnum])
            codes[docnum] = numbers_of(values)
            for name, found in values.items():
                bucket = index[name]
                for value in found:
                    bucket.setdefault(value, set()).add(docnum)
        return index

    def _derive(self, old: Snapshot, removed: list[int], added: list[int]) -> None:
        """Live and published sets, value sets and sort orders from the previous generation's,
        for the documents removed from it and added to it (a changed document is both)."""
        table, old_table = self.table, old.table
        self.live, self.published = old.live, old.published
        if removed or added:
            self.live = old.live.difference(removed).union(added)
            self.published = old.published.difference(removed).union(
                d for d in added if table[d]["status"] == "published"
            )
        index = {name: dict(values) for name, values in old.values.items()}
        # Only ever looked up for live documents: a removed document's entry stays (so that
        # the dict has no deleted slots and the next generation copies it as a block).
        self.codes = codes = dict(old.codes)
        numbers_of = self.facet_codes.of
        edits: dict[tuple, tuple[set, set]] = {}
        for docnums, records, side in ((removed, old_table, 0), (added, table, 1)):
            for docnum in docnums:
                indexed = _indexed(records[docnum])
                if side:
                    codes[docnum] = numbers_of(indexed)
                for name, values in indexed.items():
                    for value in values:
                        edits.setdefault((name, value), (set(), set()))[side].add(docnum)
        for (name, value), (gone, new) in edits.items():
            bucket = index[name]
            found = bucket.get(value, set()).difference(gone) | new  # a new set: the old one is shared
            if found:
                bucket[value] = found
            else:
                bucket.pop(value, None)
        self.values = index
        self.sort_keys = dict(old.sort_keys)  # a value no longer there is never looked up
        self._sort_keys([value] for _, value in edits)
        gone = set(removed)
        for sort, order in list(old._orders.items()):
            key = self.order_key(sort)
            found = list(filterfalse(gone.__contains__, order)) if gone else list(order)
            if len(added) > 32:
                found = sorted(chain(found, added), key=key)
            else:
                for docnum in added:
                    insort(found, docnum, key=key)
            self._orders[sort] = found
        for key, derive in CARRIED.items():
            value = old._memo.get(key)
            if value is not None:
                self._memo.put(key, derive(value, self, old, removed, added))

    def avg_length(self, field: str) -> float:
        if field not in self._avg:
            self._avg[field] = (self.reader.field_length(field) / (self.doc_count or 1)) or 1.0
        return self._avg[field]

    def order_key(self, sort: str):
        """The sort key of a document number in a sort (titel, neueste, seit): a total order
        (the document number last), so that a patched order equals a sorted one."""
        table = self.table
        if sort == "titel":
            return lambda d: (_folded(table[d]["title"]), table[d]["id"], d)
        if sort == "neueste":
            return lambda d: (-table[d]["updated"], -table[d]["id"], d)
        if sort == "seit":
            return lambda d: (
                table[d]["since"] is None,
                -(table[d]["since"] or 0),
                _folded(table[d]["title"]),
                table[d]["id"],
                d,
            )
        raise KeyError(sort)

    def order(self, sort: str) -> list[int]:
        """Live document numbers in the order of a sort (titel, neueste, seit)."""
        found = self._orders.get(sort)
        if found is None:
            found = sorted(self.live, key=self.order_key(sort))
            self._orders[sort] = found
        return found

    def remembered(self, key, compute):
        """``compute()``, once per generation for a key (bounded, least recently used out)."""
        found = self._memo.get(key)
        return found if found is not None else self._memo.put(key, compute())

    def visible(self, unpublished: bool) -> frozenset[int]:
        """The documents a search may show: every live one, or the published ones."""
        return self.live if unpublished else self.published

    def matching(self, scores: dict[int, float], unpublished: bool) -> set[int]:
        """The visible documents among ``scores``' keys (which may hold deleted and unpublished
        documents: posting lists keep them). Removing the few hidden document numbers from the
        keys is cheaper than looking every visible document up in the scores."""
        visible = self.visible(unpublished)
        hidden = self.remembered((HIDDEN, unpublished), lambda: frozenset(range(self.doc_count)).difference(visible))
        if len(hidden) < len(visible):
            return scores.keys() - hidden
        return visible & scores.keys()

    def facet_totals(self, unpublished: bool) -> Counter:
        """Documents per facet value number (``codes``) over ``visible(unpublished)``, once per
        generation (derived from the previous generation's: ``_derive_totals``). Read-only."""
        visible = self.visible(unpublished)
        return self.remembered(
            (FACET_TOTALS, unpublished),
            lambda: Counter(chain.from_iterable(map(self.codes.__getitem__, visible))),
        )

    # ------------------------------------------------------------------ postings

    def postings(self, field: str, term: str) -> dict[int, float]:
        """docnum -> field-boosted BM25F score of ``term`` in ``field`` (cached). The decoded
        postings of each segment come from the segment cache; the scores depend on the whole
        generation (idf, average length) and are computed here."""
        key = (field, term)
        found = self._postings.get(key)
        if found is not None:
            return found
        df = self.reader.doc_frequency(field, term)
        if not df:
            return self._postings.put(key, {})
        idf = log(self.doc_count / (df + 1)) + 1
        factor = FIELD_BOOSTS[field] * idf * (K1 + 1)
        scale, base = K1 * (B / self.avg_length(field)), K1 * (1 - B)
        scores: dict[int, float] | None = None
        cache = self.cache
        for segment, leaf, offset, _ in self.segments:
            ids, pairs, keys = cache.raw_postings(segment, leaf, field, term)
            if not ids:
                continue
            # The formula per distinct (weight, length) pair: the same floats as per posting.
            table = [factor * w / (w + base + scale * length) for w, length in pairs]
            part = dict(zip(map(offset.__add__, ids) if offset else ids, map(table.__getitem__, keys)))
            if scores is None:
                scores = part
            else:
                scores.update(part)
        scores = scores if scores is not None else {}
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
        frequency: dict[str, int] = {}
        for name in TEXT_FIELDS:
            near: set[str] = set()
            for segment, leaf, _, _ in self.segments:  # per segment: Whoosh's MultiCursor finds nothing
                near |= self.cache.terms_near(segment, leaf, name, term, maxdist)
            for candidate in near:
                frequency[candidate] = frequency.get(candidate, 0) + self.reader.doc_frequency(name, candidate)
        ordered = sorted(frequency, key=lambda t: (-frequency[t], t))[:MAX_FUZZY_TERMS]
        return self._fuzzy.put(term, tuple(ordered))


FACET_TOTALS, HIDDEN = "facet totals", "hidden"


def _derive_totals(key: tuple, old: Counter, snapshot: Snapshot, previous: Snapshot, removed, added) -> Counter:
    """The facet totals of a new generation from the previous one's: the removed documents
    that were visible counted out, the added ones that are visible counted in."""
    unpublished = key[1]
    before, now = previous.visible(unpublished), snapshot.visible(unpublished)
    totals = Counter(old)
    totals.subtract(chain.from_iterable(previous.codes[d] for d in removed if d in before))
    totals.update(chain.from_iterable(snapshot.codes[d] for d in added if d in now))
    return +totals  # without the values no document has any more


def _derive_hidden(key: tuple, old: frozenset, snapshot: Snapshot, previous: Snapshot, removed, added) -> frozenset:
    """The hidden document numbers of a new generation from the previous one's: a document
    that becomes hidden was removed (or is new); in proportion to the hidden ones, not to all."""
    new = range(previous.doc_count, snapshot.doc_count)
    hidden = old.union(removed, new).difference(snapshot.visible(key[1]))
    return (
        hidden if snapshot.doc_count >= previous.doc_count else frozenset(d for d in hidden if d < snapshot.doc_count)
    )


for _unpublished in (False, True):
    CARRIED[(FACET_TOTALS, _unpublished)] = partial(_derive_totals, (FACET_TOTALS, _unpublished))
    CARRIED[(HIDDEN, _unpublished)] = partial(_derive_hidden, (HIDDEN, _unpublished))


# ---------------------------------------------------------------------- matching


def _add(total: dict[int, float], part: dict[int, float], factor: float = 1.0) -> dict[int, float]:
    """Union of two score dicts, summing (``total`` is modified and returned).

    In C (set operations, ``map``) rather than a Python loop per posting; the same sums:
    ``total[d] + factor * part[d]`` where both have ``d``, else ``factor * part[d]``
    (``0.0 + x`` is ``x``)."""
    common = total.keys() & part.keys()
    fresh = part.keys() - common
    if factor == 1.0:
        total.update(zip(common, map(add, map(total.__getitem__, common), map(part.__getitem__, common))))
        total.update(zip(fresh, map(part.__getitem__, fresh)))
    else:
        scaled = partial(mul, factor)
        total.update(zip(common, map(add, map(total.__getitem__, common), map(scaled, map(part.__getitem__, common)))))
        total.update(zip(fresh, map(scaled, map(part.__getitem__, fresh))))
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
