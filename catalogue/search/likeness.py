"""The arithmetic of "Ähnliche Projekte" for one searcher generation: key terms and scores.

What it computes is what Whoosh's more-like-this model and a plain union of the engine's posting
dicts compute (``tests/search/test_likeness.py`` compares both over many texts and profiles);
only the cost differs. At 10,000 profiles that was 30–60 ms of every profile page:

- Whoosh's ``key_terms_from_text`` runs the whole analyzer over the stored text (compound
  splitting, stemming, position encoding per word) and looks every distinct term up in the
  segments' term tables. Here each distinct word is analysed once per process (the analyzers
  work word by word) and each term's collection frequency is read once per generation.
- The key terms of a text of random words match most of the catalogue (frequent words are key
  terms too), so the union touches 40,000–100,000 postings; bounds on the best scores (WAND,
  MaxScore, threshold algorithms) skipped no more than half of them on the benchmark's corpus,
  because the scores are flat. The sum is therefore done with numpy, in the same order and with
  the same IEEE operations as the dict union (so the same floats and the same ties): one
  ``acc[ids] += weight * scores`` per posting list, the lists kept as arrays per generation.

numpy is imported where it is used, not with the module: a process that never renders a profile
page (a ``flask`` command, a worker before its first profile) neither loads nor holds it.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from whoosh.analysis import RegexTokenizer
from whoosh.classify import Bo1Model
from whoosh.reading import TermNotFound

from .analysis import kept_whole
from .engine import _LRU
from .schema import field_analyzer

#: The text fields whose key terms describe a profile, and the fields those terms are matched in.
KEY_FIELDS = ("title", "keywords", "summary", "body")
MATCH_FIELDS = ("title", "keywords", "body")
#: Key terms per text field (Whoosh's more-like-this takes the best of each field).
KEY_TERMS = 12
#: Posting lists kept as arrays per generation, counted in postings (16 bytes each).
COLUMNS_KEPT = 500_000
#: Distinct terms whose collection frequency is kept per generation.
FREQUENCIES_KEPT = 200_000


#: The distinct analyzers of the text fields (most share one: a word is analysed once for all).
_ANALYZERS: list = []


@lru_cache(maxsize=16)
def _analyzer_of(field: str) -> int:
    """The field's analyzer, as an index into ``_ANALYZERS`` (analyzers compare by their parts)."""
    analyzer = field_analyzer(field)
    tokenizer = analyzer.items[0]
    if not isinstance(tokenizer, RegexTokenizer) or tokenizer.gaps:  # pragma: no cover - schema guard
        raise TypeError(f"the analyzer of {field} does not start with a word tokenizer")
    if analyzer not in _ANALYZERS:
        _ANALYZERS.append(analyzer)
    return _ANALYZERS.index(analyzer)


@lru_cache(maxsize=200_000)
def _word_terms(analyzer: int, word: str) -> tuple[str, ...]:
    """The terms an analyzer makes of one word at index time, without names of places kept
    whole (as ``key_terms_from_text`` analyses a text). Every filter of the analyzer works
    token by token, so a text's terms are the terms of its words one after another."""
    with kept_whole(frozenset()):
        return tuple(token.text for token in _ANALYZERS[analyzer](word, positions=True, boosts=True, mode="index"))


def term_counts(field: str, text: str) -> dict[str, int]:
    """Term -> number of occurrences in ``text`` as the field's analyzer indexes it, in the
    order of each term's first occurrence (the order Whoosh's ``Format.word_values`` gives)."""
    analyzer = _analyzer_of(field)
    counts: dict[str, int] = {}
    for word, times in Counter(_ANALYZERS[analyzer].items[0].expression.findall(text)).items():
        for term in _word_terms(analyzer, word):
            counts[term] = counts.get(term, 0) + times
    return counts


class Likeness:
    """Key terms and similarity scores of one generation (``Snapshot.remembered``: collection
    frequencies, document count and the posting lists as arrays belong to the generation)."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.reader = snapshot.reader
        self.schema = snapshot.searcher.schema
        self._models: dict[str, Bo1Model] = {}
        self._frequencies: dict[tuple[str, str], float | None] = {}
        self._columns = _LRU(COLUMNS_KEPT)
        self._excluded = None

    # ------------------------------------------------------------------ key terms

    def _frequency(self, field: str, term: str):
        """The term's total weight in the field over the index (None when no segment has it)."""
        key = (field, term)
        try:
            return self._frequencies[key]
        except KeyError:
            pass
        # One look-up in the term tables instead of two (``in`` and ``frequency``, as the
        # Expander asks): a term info's weight is the term's frequency, summed over segments.
        try:
            found = self.reader.term_info(field, self.schema[field].to_bytes(term)).weight()
        except TermNotFound:
            found = None
        if len(self._frequencies) >= FREQUENCIES_KEPT:
            self._frequencies.clear()
        self._frequencies[key] = found
        return found

    def key_terms(self, field: str, text: str, numterms: int = KEY_TERMS) -> list[tuple[str, float]]:
        """``searcher.key_terms_from_text(field, text, numterms)``: the same terms and weights
        (Whoosh's ``Expander`` with its Bo1 model, normalised), the same arithmetic in the same
        order, from ``term_counts`` and the frequencies kept for this generation."""
        boost = self.schema[field].format.field_boost
        weights = {term: float(count) * boost for term, count in term_counts(field, text).items()}
        if not weights:
            return []
        model = self._models.get(field)
        if model is None:
            model = self._models[field] = Bo1Model(self.reader.doc_count_all(), self.reader.field_length(field))
        top_total = sum(weights.values())
        scored, maxweight = [], 0
        for term, weight in weights.items():
            frequency = self._frequency(field, term)
            if frequency is not None:
                score = model.score(weight, frequency, top_total)
                maxweight = max(maxweight, score)
                scored.append((score, term))
        norm = model.normalizer(maxweight, top_total)
        scored = [(score / norm, term) for score, term in scored]
        scored.sort(key=lambda item: (0 - item[0], item[1]))
        return [(term, weight) for weight, term in scored[:numterms]]

    # ------------------------------------------------------------------ scores

    def _column(self, field: str, term: str, postings: dict):
        """A posting dict of the engine (docnum -> BM25F score) as two arrays, kept per generation."""
        import numpy

        key = (field, term)
        found = self._columns.get(key)
        if found is None:
            ids = numpy.fromiter(postings.keys(), numpy.intp, len(postings))
            scores = numpy.fromiter(postings.values(), numpy.float64, len(postings))
            found = self._columns.put(key, (ids, scores), len(postings) + 1)
        return found

    def _excluded_mask(self):
        """True for every document number that is not a published profile (deleted, draft, meta)."""
        import numpy

        if self._excluded is None:
            mask = numpy.ones(self.snapshot.doc_count, dtype=bool)
            mask[numpy.fromiter(self.snapshot.published, numpy.intp, len(self.snapshot.published))] = False
            self._excluded = mask
        return self._excluded

    def best(self, weighted: list[tuple[str, str, float]], docnum: int, limit: int) -> list[int]:
        """Ids of the ``limit`` published profiles (not ``docnum``) with the highest sum of
        weight × BM25F score over the (field, term, weight) triples; ties by id.

        The sums are those of the engine's dict union (``engine._union``): the posting lists
        longest first (a stable sort of the triples' order), each document's score added up
        from 0.0 in that order, weight times score each, in float64: numpy's element-wise
        products and sums round exactly as Python's float operations do."""
        import numpy

        snapshot = self.snapshot
        if limit <= 0:
            return []
        lists = [(field, term, weight, snapshot.postings(field, term)) for field, term, weight in weighted]
        lists = [item for item in lists if item[3]]
        lists.sort(key=lambda item: -len(item[3]))
        scores = numpy.zeros(snapshot.doc_count)
        for field, term, weight, postings in lists:
            ids, values = self._column(field, term, postings)
            scores[ids] += weight * values
        scores[self._excluded_mask()] = -1.0
        scores[docnum] = -1.0
        count = min(limit, len(scores))
        kth = numpy.partition(scores, len(scores) - count)[len(scores) - count]
        # every document at least as good as the limit-th (ties included), matched by something
        chosen = numpy.flatnonzero(scores >= kth) if kth > 0 else numpy.flatnonzero(scores > 0)
        table = snapshot.table
        found = {int(d): float(scores[d]) for d in chosen}
        ranked = sorted(found, key=lambda d: (-found[d], table[d]["id"]))
        return [table[d]["id"] for d in ranked[:limit]]
