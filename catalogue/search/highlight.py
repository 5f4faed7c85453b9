"""Snippets with <mark> highlights, made only for the documents of the shown page."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from itertools import takewhile

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
#: The same table for Latin-1 as bytes: ``str.translate`` with a dict looks every character up
#: (0.5 ms for a long German text, most of a search's snippets), ``bytes.translate`` is a table.
_LATIN1_SKELETON = bytes(ord(_SKELETON.get(code, chr(code))) for code in range(256))


def skeleton(text: str) -> str:
    """``text`` lower case without accents, one character for one (``_skeleton_table``)."""
    try:
        return text.encode("latin-1").translate(_LATIN1_SKELETON).decode("latin-1")
    except UnicodeEncodeError:  # a character beyond Latin-1 (Łódź): the general table
        return text.translate(_SKELETON)


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


def _words_around(text: str, hits) -> Iterator[re.Match]:
    """The words of ``text`` that contain one of the ``hits``, each once, in order (lazily:
    a snippet needs only the words up to the end of its window)."""
    end = 0
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
            yield word
            end = word.end()


def _spans(text: str, terms: set[str], whole: frozenset[str]) -> Iterator[tuple[int, int]]:
    """``matched_spans`` one by one, in order. The words come in order and are apart (a word
    ends where no word character follows), so merging each word's sorted spans equals sorting
    and merging all of them."""
    if not terms or not text:
        return
    for match in _words_around(text, _term_pattern(frozenset(terms)).finditer(skeleton(text))):
        word = match.group()
        lower = word.lower()
        # As at index time: compound parts only of words (or hyphenated pieces) not kept whole.
        split = any(
            may_be_compound(piece) and not is_kept_whole(piece, whole) for piece in (lower, *hyphen_pieces(lower))
        )
        found = sorted(
            (match.start() + start, match.start() + end)
            for term, start, end in _word_terms(word, not split)
            if term in terms
        )
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        yield from merged


def matched_spans(text: str, terms: set[str], whole: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Character spans of the words (or compound parts) of ``text`` that are among ``terms``,
    overlapping ones merged; ``whole``: lower-cased words kept whole in this document (as
    ``analysis.kept_whole``)."""
    return list(_spans(text, terms, whole))


def _window(text: str, first: int) -> tuple[int, int]:
    """About WIDTH characters around the first match (at ``first``), cut at spaces."""
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
    chosen, first, later = "", None, iter(())
    for name in SNIPPET_FIELDS:
        if terms and stored.get(name) and (fields is None or name in fields):
            later = _spans(stored[name], terms, whole)
            first = next(later, None)
            if first is not None:
                chosen = stored[name]
                break
    if first is None:
        chosen = " ".join((stored.get("summary") or stored.get("body") or "").split())
    start, end = _window(chosen, first[0] if first else 0)
    # Only the spans up to the window's end are shown: the text after it is not analysed.
    spans = [first, *takewhile(lambda span: span[0] <= end, later)] if first else []
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
