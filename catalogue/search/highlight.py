"""Snippets with <mark> highlights, made only for the documents of the shown page."""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from .analysis import _WORDS, german_analyzer

_ANALYZER = german_analyzer()
_WHOLE_ANALYZER = german_analyzer(compounds=False)
_WORD = re.compile(_WORDS, re.UNICODE)
SNIPPET_FIELDS = ("summary", "body", "keywords", "orgs", "title")
WIDTH = 220
#: Only the start of a long field is analysed again: re-analysing whole texts was two thirds of
#: the search time in scripts/bench_search.py; a match further down falls back to the next field.
SCAN_CHARS = 1200


@lru_cache(maxsize=100_000)
def _word_terms(word: str, whole: bool = False) -> tuple[tuple[str, int, int], ...]:
    """The index terms of one word with their spans inside it (the analyzer has no context
    across words, so a text's terms are its words' terms: analysing each word once is enough).
    ``whole``: a name of one of the document's places, indexed without its compound parts."""
    analyzer = _WHOLE_ANALYZER if whole else _ANALYZER
    return tuple((token.text, token.startchar, token.endchar)
                 for token in analyzer(word, chars=True, mode="index", removestops=False))


def matched_spans(text: str, terms: set[str], whole: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """Character spans of the words (or compound parts) of ``text`` that are among ``terms``;
    ``whole``: lower-cased words kept whole in this document (as ``analysis.kept_whole``)."""
    spans = [
        (match.start() + start, match.start() + end)
        for match in _WORD.finditer(text)
        for term, start, end in _word_terms(match.group(), match.group().lower() in whole)
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


def snippet(stored: dict, terms: set[str], fields: set[str] | None = None,
            whole: frozenset[str] = frozenset()) -> Markup:
    """The passage of the first field that matched, escaped, with the matches marked.
    ``fields``: the fields known to contain a term (from the postings); others are not analysed;
    ``whole``: the document's place words, not split (as at index time)."""
    chosen, spans = "", []
    for name in SNIPPET_FIELDS:
        if fields is not None and name not in fields:
            continue
        text = (stored.get(name) or "")[:SCAN_CHARS]
        spans = matched_spans(text, terms, whole) if terms and text else []
        if spans:
            chosen = text
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
