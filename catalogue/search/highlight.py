"""Snippets with <mark> highlights, made only for the documents of the shown page."""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from .analysis import _WORDS, fold, german_analyzer, is_kept_whole, may_be_compound

_ANALYZER = german_analyzer()
_WHOLE_ANALYZER = german_analyzer(compounds=False)
_WORD = re.compile(_WORDS, re.UNICODE)
SNIPPET_FIELDS = ("summary", "body", "keywords", "orgs", "title")
WIDTH = 220
#: First the start of each field that matched is searched for a match to show; only when none
#: has one there, the whole field (long texts cost time to analyse again, see README "Suche").
SCAN_CHARS = 1200


@lru_cache(maxsize=100_000)
def _word_terms(word: str, whole: bool = False) -> tuple[tuple[str, int, int], ...]:
    """The index terms of one word with their spans inside it (the analyzer has no context
    across words, so a text's terms are its words' terms: analysing each word once is enough).
    ``whole``: analysed without compound parts."""
    analyzer = _WHOLE_ANALYZER if whole else _ANALYZER
    return tuple((token.text, token.startchar, token.endchar)
                 for token in analyzer(word, chars=True, mode="index", removestops=False))


@lru_cache(maxsize=1024)
def _part_pattern(terms: frozenset[str]) -> re.Pattern:
    """Matches a folded word that may contain one of ``terms`` as a compound part.

    Splitting a word (compound-split) costs a hundred times more than stemming it, so only
    words that pass this test are split. A stem is the folded word's letters with ae/oe/ue
    read as a/o/u and an ending cut off: each a, o, u of a term may be followed by an e."""
    alternatives = ("".join(char + "e?" if char in "aou" else re.escape(char) for char in term)
                    for term in sorted(terms))
    return re.compile("|".join(alternatives))


def matched_spans(text: str, terms: set[str], whole: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Character spans of the words (or compound parts) of ``text`` that are among ``terms``;
    ``whole``: lower-cased words kept whole in this document (as ``analysis.kept_whole``)."""
    parts = _part_pattern(frozenset(terms))
    spans = []
    for match in _WORD.finditer(text):
        word = match.group()
        lower = word.lower()
        split = may_be_compound(lower) and parts.search(fold(lower)) is not None and not is_kept_whole(lower, whole)
        spans += [(match.start() + start, match.start() + end)
                  for term, start, end in _word_terms(word, not split) if term in terms]
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


def snippet(stored: dict, terms: set[str], fields: set[str] | None = None,
            whole: frozenset[str] = frozenset()) -> Markup:
    """The passage of the first field that matched, escaped, with the matches marked.
    ``fields``: the fields known to contain a term (from the postings); others are not analysed;
    ``whole``: the document's place words, not split (as at index time)."""
    chosen, spans = "", []
    names = [name for name in SNIPPET_FIELDS if (fields is None or name in fields) and stored.get(name)]
    for limit in (SCAN_CHARS, None) if terms else ():
        for name in names:
            text = stored[name][:limit]
            spans = matched_spans(text, terms, whole)
            if spans:
                chosen = text
                break
        if spans or not any(len(stored[name]) > SCAN_CHARS for name in names):
            break
    if not spans:
        chosen = stored.get("summary") or stored.get("body") or ""
    chosen = " ".join(chosen.split())  if not spans else chosen
    start, end = _window(chosen, spans)
    parts = [Markup("… ") if start else Markup("")]
    position = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts.append(escape(chosen[position:span_start]))
        parts.append(Markup("<mark>") + escape(chosen[span_start:span_end]) + Markup("</mark>"))
        position = span_end
    parts.append(escape(chosen[position:end]))
    if end < len(chosen):
        parts.append(Markup(" …"))
    return Markup(" ".join(Markup("").join(parts).split()))
