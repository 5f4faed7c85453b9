""" "Meinten Sie …?": a corrected query, offered only when it finds more."""

from __future__ import annotations

from .analysis import STOP_WORDS, fold


def _correct_word(corrector, reader, word: str) -> str | None:
    """The closest indexed word, or None when the word is known or nothing is close."""
    folded = fold(word)
    if len(folded) < 4 or folded in STOP_WORDS or not folded.isalpha() or reader.doc_frequency("spell", folded):
        return None
    maxdist = 1 if len(folded) < 7 else 2
    found = corrector.suggest(folded, limit=1, maxdist=maxdist, prefix=1)
    if not found:
        return None
    return found[0].capitalize() if word[:1].isupper() else found[0]


def corrected_text(searcher, text: str, clauses) -> str | None:
    """The query with each unknown word replaced by the closest indexed one, or None."""
    reader = searcher.reader()
    corrector = searcher.corrector("spell")
    corrected, changed = text, False
    words = [word for clause in clauses if not clause.negated for word in clause.words]
    for word in dict.fromkeys(words):
        better = _correct_word(corrector, reader, word)
        if better and fold(better) != fold(word):
            corrected = corrected.replace(word, better)
            changed = True
    return corrected if changed else None


def suggest_correction(searcher, text: str, clauses, count: int, count_of) -> str | None:
    """A corrected query that finds more documents than ``count``, or None."""
    corrected = corrected_text(searcher, text, clauses)
    if corrected is None:
        return None
    return corrected if count_of(corrected) > count else None
