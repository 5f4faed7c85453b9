"""Snippets with <mark> highlights, made only for the documents of the shown page."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from markupsafe import Markup, escape

from .analysis import _WORDS, german_analyzer, hyphen_pieces, is_kept_whole, may_be_compound

_ANALYZER = german_analyzer()
_WHOLE_ANALYZER = german_analyzer(compounds=False)
_WORD = re.compile(_WORDS, re.UNICODE)
_WORD_CHARS = "_-.'"
SNIPPET_FIELDS = ("summary", "body", "keywords", "orgs", "title")
WIDTH = 220


def _skeleton_table() -> dict[int, str]:
    """Lower case without accents, one character for one (ä → a, ß → s), so offsets stay."""
    table = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for code in range(0xC0, 0x250):
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        if len(base) == 1:
            table[code] = base.lower()
    table.update({ord("ß"): "s", ord("ẞ"): "s"})
    return table


_SKELETON = _skeleton_table()


@lru_cache(maxsize=1024)
def _term_pattern(terms: frozenset[str]) -> re.Pattern:
    """Finds, in a text's skeleton, every place where one of ``terms`` may have come from.

    Analysing every word of a text again (compound-split above all) was most of the time of a
    search; only the words around these places are. A term is a folded stem: the text's
    letters with ä/ae read as a (and ö/oe, ü/ue alike), ß as ss, an ending cut off."""

    def letters(term: str) -> str:
        pattern = "".join(c + "e?" if c in "aou" else re.escape(c) for c in term)
        return pattern.replace("ss", "ss?")

    return re.compile("|".join(letters(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


@lru_cache(maxsize=100_000)
def _word_terms(word: str, whole: bool = False) -> tuple[tuple[str, int, int], ...]:
    """The index terms of one word with their spans inside it (the analyzer has no context
    across words, so a text's terms are its words' terms: analysing each word alone is enough).
    ``whole``: analysed without compound parts."""
    analyzer = _WHOLE_ANALYZER if whole else _ANALYZER
    return tuple(
        (token.text, token.startchar, token.endchar)
        for token in analyzer(word, chars=True, mode="index", removestops=False)
    )


def _words_around(text: str, hits) -> list[re.Match]:
    """The words of ``text`` that contain one of the ``hits``, each once, in order."""
    words, end = [], 0
    for hit in hits:
        if hit.start() < end:
            continue
        start = hit.start()
        while start > end and (text[start - 1].isalnum() or text[start - 1] in _WORD_CHARS):
            start -= 1
        word = _WORD.search(text, start)
        while word is not None and word.end() <= hit.start():
            word = _WORD.search(text, word.end())
        if word is not None and word.start() <= hit.start():
            words.append(word)
            end = word.end()
    return words


def matched_spans(text: str, terms: set[str], whole: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Character spans of the words (or compound parts) of ``text`` that are among ``terms``;
    ``whole``: lower-cased words kept whole in this document (as ``analysis.kept_whole``)."""
    if not terms or not text:
        return []
    spans = []
    for match in _words_around(text, _term_pattern(frozenset(terms)).finditer(text.translate(_SKELETON))):
        word = match.group()
        lower = word.lower()
        # As at index time: compound parts only of words (or hyphenated pieces) not kept whole.
        split = any(
            may_be_compound(piece) and not is_kept_whole(piece, whole) for piece in (lower, *hyphen_pieces(lower))
        )
        spans += [
            (match.start() + start, match.start() + end)
            for term, start, end in _word_terms(word, not split)
            if term in terms
        ]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _window(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """About WIDTH characters around the first match, cut at spaces."""
    first = spans[0][0] if spans else 0
    start = max(0, first - WIDTH // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > max(first, start) else end
    return start, end


def snippet(
    stored: dict, terms: set[str], fields: set[str] | None = None, whole: frozenset[str] = frozenset()
) -> Markup:
    """The passage of the first field that matched, escaped, with the matches marked.
    ``fields``: the fields known to contain a term (from the postings); others are not analysed;
    ``whole``: the document's place words, not split (as at index time)."""
    chosen, spans = "", []
    for name in SNIPPET_FIELDS:
        if terms and stored.get(name) and (fields is None or name in fields):
            spans = matched_spans(stored[name], terms, whole)
            if spans:
                chosen = stored[name]
                break
    if not spans:
        chosen = " ".join((stored.get("summary") or stored.get("body") or "").split())
    start, end = _window(chosen, spans)
    parts = ["… " if start else ""]
    position = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts += [escape(chosen[position:span_start]), "<mark>", escape(chosen[span_start:span_end]), "</mark>"]
        position = span_end
    parts.append(escape(chosen[position:end]))
    if end < len(chosen):
        parts.append(" …")
    # Every piece of text is escaped; the only markup is our own <mark>.
    return Markup(" ".join("".join(parts).split()))
