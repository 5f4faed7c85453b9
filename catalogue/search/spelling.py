""" "Meinten Sie …?": a corrected query, offered only when it finds more."""

from __future__ import annotations

from whoosh.reading import SegmentReader

from .analysis import STOP_WORDS, fold

FIELD = "spell"


def _closest(snapshot, folded: str, maxdist: int) -> str | None:
    """What ``searcher.corrector("spell").suggest(folded, limit=1, maxdist, prefix=1)`` gives:
    of the terms within ``maxdist`` edits, the most frequent (Whoosh's score, ties to the
    greater term). Whoosh looks the terms up again on every call (half a second for a typo at
    10,000 profiles once the index has several segments); here per segment, once
    (``SegmentCache.spelling_near``)."""
    reader = snapshot.reader
    automaton = isinstance(reader, SegmentReader)
    near = set()
    for segment, leaf, _, _ in snapshot.segments:
        near |= snapshot.cache.spelling_near(segment, leaf, FIELD, folded, maxdist, automaton)
    scored = [(0 - (maxdist + (1.0 / (reader.frequency(FIELD, term) or 1) * 0.5)), term) for term in near]
    return max(scored)[1] if scored else None


def _correct_word(snapshot, word: str) -> str | None:
    """The closest indexed word, or None when the word is known or nothing is close."""
    folded = fold(word)
    reader = snapshot.reader
    if len(folded) < 4 or folded in STOP_WORDS or not folded.isalpha() or reader.doc_frequency(FIELD, folded):
        return None
    found = _closest(snapshot, folded, 1 if len(folded) < 7 else 2)
    if not found:
        return None
    return found.capitalize() if word[:1].isupper() else found


def corrected_text(snapshot, text: str, clauses) -> str | None:
    """The query with each unknown word replaced by the closest indexed one, or None."""
    corrected, changed = text, False
    words = [word for clause in clauses if not clause.negated for word in clause.words]
    for word in dict.fromkeys(words):
        better = _correct_word(snapshot, word)
        if better and fold(better) != fold(word):
            corrected = corrected.replace(word, better)
            changed = True
    return corrected if changed else None


def suggest_correction(snapshot, text: str, clauses, count: int, count_of) -> str | None:
    """A corrected query that finds more documents than ``count``, or None."""
    corrected = corrected_text(snapshot, text, clauses)
    if corrected is None:
        return None
    return corrected if count_of(corrected) > count else None
